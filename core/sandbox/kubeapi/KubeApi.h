#pragma once
// The Kubernetes API subset the sandbox serves: version, discovery (APIVersions, APIGroupList,
// APIResourceList), list/get of namespaces, nodes, pods, deployments, replicasets, core/v1 and
// events.k8s.io/v1 events, metrics.k8s.io pod metrics; label and field selectors, limit/continue
// paging, Table output for kubectl, Status objects for errors, bearer-token authentication.

#include "core/sandbox/kubeapi/DeploymentStore.h"
#include "core/sandbox/kubeapi/ExecEndpoint.h"
#include "core/sandbox/http/HttpServer.h"
#include "core/sandbox/kubeapi/ServedKubeObjects.h"
#include "core/sandbox/kubeapi/KubeWatch.h"
#include "core/sandbox/kubeapi/PodStore.h"
#include "core/sandbox/kubeapi/ServiceProxy.h"
#include "core/sandbox/model/SandboxModel.h"

#include <nlohmann/json.hpp>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace leakdesk::sandbox {

namespace scenario {
class ScenarioCluster;
}

struct ResourceType {
    std::string group; // "" for the core group
    std::string version;
    std::string plural;
    std::string singular;
    std::string kind;
    bool namespaced = true;
    std::vector<std::string> shortNames;
    std::vector<std::string> categories;
    std::vector<std::string> verbs;

    std::string groupVersion() const { return group.empty() ? version : group + "/" + version; }
};

// A Kubernetes Status object (kind Status, status Failure) with its HTTP code.
HttpResponse kubeStatusError(int code, const std::string& reason, const std::string& message,
    const nlohmann::json& details = nlohmann::json::object());

class KubeApi {
public:
    using Clock = std::function<std::int64_t()>;

    // Who may call. A wrong token is always 401. Anonymous requests (no Authorization header) are
    // 401 under RequireToken; under AllowAnonymous they are served, which plain http:// needs:
    // kubectl (client-go) never sends credentials over a non-TLS connection.
    enum class AuthPolicy { RequireToken, AllowAnonymous };

    // Who a token belongs to. The admin may do everything; a read-only user (RBAC's "view") may
    // get, list and watch, and is refused (403, with the RBAC message) anything else.
    struct User {
        std::string name;
        std::string token;
        bool readOnly = false;
    };

    KubeApi(SandboxModel& model, std::string bearerToken, Clock clock, AuthPolicy policy = AuthPolicy::RequireToken);

    void addUser(User user) { m_users.push_back(std::move(user)); }
    // Serves a scenario's objects beside the built-in namespace (list and get; PATCH of its
    // Deployments, StatefulSets, DaemonSets and Rollouts), and the kinds only scenarios have
    // (StatefulSet, DaemonSet, Job, CronJob, HPA, argoproj.io Rollout).
    void setScenario(scenario::ScenarioCluster* cluster);
    DeploymentStore& deployments() { return m_deployments; }
    // Services served through the API server's service proxy (services/proxy, `get` for GET).
    ServiceProxy& serviceProxy() { return m_proxy; }
    PodStore& pods() { return m_pods; }

    // The next `count` list requests with a continue token are answered 410 Expired, as after an
    // etcd compaction (FaultSpec::expireContinue). Unforced, a token expires 5 minutes after its
    // first page, the API server's default compaction interval.
    void setExpiredContinueTokens(int count) { m_expireContinue = count; }

    // host:port clients should use, advertised in APIVersions.
    void setServerAddress(std::string hostPort) { m_serverAddress = std::move(hostPort); }
    HttpResponse handle(const HttpRequest& request);

    // pods/<name>/exec: who may exec what where. Either a target, or the Status the API server
    // would answer (401, 404 for an unknown pod, 400 for a bad container or no command, 500 when
    // the container is not running).
    struct ExecAdmission {
        std::optional<ExecTarget> target;
        HttpResponse refusal;
    };
    ExecAdmission admitExec(const HttpRequest& request) const;

    // Ephemeral containers added by PATCH of pods/<name>/ephemeralcontainers (kubectl debug): they
    // run at once, with a JDK, in the process namespace of their target container.
    struct EphemeralContainer {
        std::string name;
        std::string image;
        std::string target;
        std::int64_t createdMs = 0;
    };
    const std::vector<EphemeralContainer>& ephemeralContainers(const std::string& pod) const;

    static const std::vector<ResourceType>& resources();
    // The kinds served only with a scenario loaded.
    static const std::vector<ResourceType>& scenarioResources();

private:
    HttpResponse handleUnchecked(const HttpRequest& request);
    HttpResponse discovery(const std::vector<std::string>& segments) const;
    HttpResponse resourceRequest(
        const HttpRequest& request, const ResourceType& type, const std::string& ns, const std::string& name) const;
    std::vector<nlohmann::json> objects(const ResourceType& type, std::int64_t nowMs) const;
    // For the kinds that can be watched, through their watch cache (which a list advances).
    std::vector<nlohmann::json> listObjects(const ResourceType& type, std::int64_t nowMs) const;
    HttpResponse watch(
        const HttpRequest& request, const ResourceType& type, const std::string& ns, const std::string& name) const;
    bool authorised(const HttpRequest& request) const;
    const User* authenticate(const HttpRequest& request) const; // null: 401
    bool allowed(const User& user, const std::string& verb, const std::string& group, const std::string& resource) const;
    HttpResponse forbidden(const User& user, const std::string& verb, const std::string& group,
        const std::string& resource, const std::string& name, const std::string& ns) const;
    // PATCH of a Deployment or a Pod (labels and annotations).
    HttpResponse patchObject(const HttpRequest& request, const User& user, const ResourceType& type,
        const std::string& ns, const std::string& name);
    nlohmann::json endpoints(std::size_t service, std::int64_t nowMs) const;
    nlohmann::json endpointSlice(const nlohmann::json& endpoints) const;
    HttpResponse deletePod(const HttpRequest& request, const User& user, const std::string& ns, const std::string& name);
    HttpResponse accessReview(const HttpRequest& request, const User& user) const;
    HttpResponse proxyToService(const HttpRequest& request, const User& user, const std::string& ns,
        const std::vector<std::string>& rest) const;
    HttpResponse patchEphemeralContainers(
        const HttpRequest& request, const User& user, const std::string& ns, const std::string& name);
    void addEphemeralContainers(nlohmann::json& pod) const;

    SandboxModel& m_model;
    scenario::ScenarioCluster* m_scenario = nullptr; // PATCH of its workloads writes to it
    std::vector<ResourceType> m_types; // resources(), plus scenarioResources() with a scenario
    ServedKubeObjects m_objects;
    WriteVersions m_writes; // one resourceVersion counter for every stored object's writes
    DeploymentStore m_deployments;
    PodStore m_pods;
    ServiceProxy m_proxy;
    std::vector<User> m_users;
    std::map<std::string, std::vector<EphemeralContainer>> m_ephemeral; // by pod name
    std::string m_token;
    Clock m_clock;
    AuthPolicy m_policy;
    std::string m_serverAddress = "127.0.0.1";
    mutable int m_expireContinue = 0; // continue tokens still to refuse with 410 (setExpiredContinueTokens)
    // A cache: lists and watches advance it, so const requests may too.
    mutable WatchHub m_watch;
    // What the first pages of the latest paged lists listed (after their selectors): the pages
    // that continue them are slices of it, read at the same instant and resourceVersion as the
    // API server's paging promises. Without it every page built every object again, and
    // `kubectl get pods -A` over thousands of pods (--scale-workloads) grew with pages x pods.
    struct ListSnapshot {
        std::string key; // kind, namespace, selectors, instant
        std::string resourceVersion;
        std::shared_ptr<const std::vector<nlohmann::json>> items;
    };
    static constexpr std::size_t kListSnapshots = 4;
    mutable std::deque<ListSnapshot> m_listSnapshots;
};

} // namespace leakdesk::sandbox
