#pragma once
// What the user names, resolved to a workload and its pods as the cluster has them (issue 16):
// a Service (its selector, then the pods' owners), a workload KIND/NAME of any kind, or a bare
// name (a Service of that name first, then a workload of that name, Deployment first). The rules
// are a pure function over the namespace's lists (resolveWorkload), tested without a cluster;
// fetchWorkload() lists what the rules need and applies them.

#include "core/common/Result.h"
#include "core/kube/Workloads.h"

#include <QObject>
#include <QString>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::kube {

class KubeClient;

// The namespace's objects as listed: each an array of items (an absent kind is an empty array).
struct NamespaceObjects {
    nlohmann::json services = nlohmann::json::array();
    std::map<WorkloadKind, nlohmann::json> workloads; // Deployment, StatefulSet, ... (not Service)
    nlohmann::json replicaSets = nlohmann::json::array();
    nlohmann::json jobs = nlohmann::json::array();
    nlohmann::json pods = nlohmann::json::array();
    // Kinds that could not be listed (forbidden to this user, or an API the server does not
    // serve, like argoproj.io without Argo Rollouts): said in the notes when it matters.
    std::vector<std::string> unlisted;
};

struct ResolvedWorkload {
    WorkloadRef workload; // kind always set, never Service
    LabelSelector selector; // the workload's spec.selector (empty for a CronJob: its Jobs own the pods)
    std::optional<std::string> service; // the Service the user named, when resolved through one
    nlohmann::json object; // the workload's own object
    std::vector<nlohmann::json> pods; // the workload's pods (selector and owner chain)
    // The pods' direct controllers as the API lists them now: the workload's ReplicaSets (every
    // revision kept, a Deployment's or a Rollout's), a CronJob's Jobs, else the workload itself.
    // Prometheus (kube_pod_owner, kube_replicaset_owner) also remembers those since deleted.
    std::vector<ControllerRef> podOwners;
    std::vector<std::string> notes; // what the user should know: other workloads behind the Service...

    std::vector<std::string> podNames() const;
};

Result<ResolvedWorkload> resolveWorkload(const WorkloadRef& ref, const NamespaceObjects& objects);

// Lists what resolving `ref` needs in `ns` (Services only when a Service may be meant; every
// workload kind for a bare name; ReplicaSets, Jobs and pods for the owner chains), then resolves.
// A kind the user may not list, or the server does not serve, is skipped with a note unless the
// user named that kind.
void fetchWorkload(KubeClient& client, const QString& ns, const WorkloadRef& ref, QObject* context,
    std::function<void(Result<ResolvedWorkload>)> done);

// What the picker offers in `ns`: every Service with a selector (as its bare name: the Service is
// resolved first) and every workload of every kind not behind a Service of the same name (as
// "Kind/name"); sorted, Services first. Kinds the user may not list, or the server does not serve,
// are left out and named in `unlisted`; only a failure of every list is an error.
struct WorkloadChoices {
    std::vector<std::string> items;
    std::vector<std::string> unlisted;
};
WorkloadChoices workloadChoices(const NamespaceObjects& objects);
void listWorkloadChoices(KubeClient& client, const QString& ns, QObject* context,
    std::function<void(Result<WorkloadChoices>)> done);

} // namespace leakdesk::kube
