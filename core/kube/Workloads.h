#pragma once
// Workloads as real clusters have them: what the user names (a Service, or KIND/NAME for any
// controller), the pods that belong to it (its own spec.selector, confirmed through the pods'
// controller ownerReferences, never a name pattern or an `app=` label; prometheus::podRegexesForPods
// turns them into queries), and the containers that
// matter in them (the main one, sidecars, native sidecars). Pure functions over the API's JSON, so
// every shape is tested without a cluster; the calls that fetch the JSON live elsewhere.

#include "core/common/Result.h"
#include "core/kube/KubeObjects.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakdesk::kube {

enum class WorkloadKind { Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Rollout, Service };

const char* workloadKindName(WorkloadKind kind); // "Deployment", ..., "Rollout", "Service"
// The API resource (plural) and group/version of a kind: "deployments", "apps/v1".
const char* workloadResource(WorkloadKind kind);
const char* workloadApiVersion(WorkloadKind kind);

struct WorkloadRef {
    std::optional<WorkloadKind> kind; // none: a bare name, resolved against Services, then workloads
    std::string name;

    std::string text() const; // "Deployment/checkout", or the bare name
    bool operator==(const WorkloadRef&) const = default;
};

// "deployment/checkout", "deploy/checkout", "sts/db", "svc/checkout", "rollouts.argoproj.io/web",
// or a bare "checkout" (kind left open). Names must be DNS subdomains, as the API requires.
Result<WorkloadRef> parseWorkloadRef(std::string_view text);

// A label selector: a Service's map, or a workload's spec.selector (matchLabels and matchExpressions).
struct LabelRequirement {
    enum class Op { In, NotIn, Exists, DoesNotExist };
    std::string key;
    Op op = Op::In;
    std::vector<std::string> values;
};
struct LabelSelector {
    std::vector<LabelRequirement> requirements; // all must hold (matchLabels become In with one value)
    // An empty selector: in a workload's spec it matches every pod; a Service without one selects
    // none (its Endpoints are managed by hand). The caller knows which it has.
    bool empty() const { return requirements.empty(); }
    bool matches(const StringMap& labels) const;
    std::string toQuery() const; // the ?labelSelector= text: "app.kubernetes.io/name=checkout,tier in (web)"
};
Result<LabelSelector> parseLabelSelector(const nlohmann::json& selector); // spec.selector
LabelSelector selectorFromMap(const StringMap& matchLabels); // Service spec.selector

// The controller ownerReference of an object (controller: true), as a ref with a kind; nullopt when
// it has none (a bare pod) or the kind is not one of ours.
struct ControllerRef {
    std::string kind; // as written: "ReplicaSet", "Job", "StatefulSet", "Rollout", "Node" ...
    std::string name;
    std::string uid;
};
std::optional<ControllerRef> controllerOf(const nlohmann::json& object);

// The workload a pod belongs to at the top of its owner chain: Pod → ReplicaSet → Deployment or
// Rollout, Pod → Job → CronJob, Pod → StatefulSet / DaemonSet. `replicaSets` and `jobs` are the
// namespace's objects (items of a list); an owner not among them ends the chain where it is.
std::optional<WorkloadRef> topWorkloadOf(
    const nlohmann::json& pod, const nlohmann::json& replicaSets, const nlohmann::json& jobs);

// Of `pods` (items), those that belong to the workload: matched by its selector and owned by it
// (through the chain above). A pod that matches the selector but belongs to something else, or
// was taken out of its ReplicaSet, is not the workload's.
std::vector<nlohmann::json> podsOfWorkload(const WorkloadRef& workload, const LabelSelector& selector,
    const nlohmann::json& pods, const nlohmann::json& replicaSets, const nlohmann::json& jobs);

// Sidecars by their usual names: meshes, log shippers, agents and proxies that ride along.
bool knownSidecarName(const std::string& name);

// The containers of a pod and what each is for.
enum class ContainerRole { Main, Sidecar, NativeSidecar, Init };
const char* containerRoleName(ContainerRole role); // "main", "sidecar", "native sidecar", "init"
struct ContainerInfo {
    std::string name;
    ContainerRole role = ContainerRole::Sidecar;
    std::optional<std::int64_t> memoryLimitBytes;
    std::optional<std::int64_t> memoryRequestBytes;
    std::string why; // why it is the main container, or a sidecar
};
// Main: the kubectl.kubernetes.io/default-container annotation; else the container named like the
// workload; else, of the containers not known as sidecars, the one with the largest memory limit
// (then request). Native sidecars are init containers with restartPolicy: Always (they run beside
// the main container for the pod's whole life); other init containers run before it and end.
std::vector<ContainerInfo> classifyContainers(const nlohmann::json& pod, const std::string& workloadName);

} // namespace leakdesk::kube
