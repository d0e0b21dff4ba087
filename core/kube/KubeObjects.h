#pragma once
// Typed, read-only views of the Kubernetes objects LeakDesk reads. Parsed from the API's JSON
// (nlohmann/json); unknown fields are ignored and missing ones stay empty, because real clusters
// differ by version.

#include "core/common/Result.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::kube {

using StringMap = std::map<std::string, std::string>;

struct ObjectMeta {
    std::string name;
    std::string ns;
    std::string uid;
    std::string resourceVersion;
    StringMap labels;
    StringMap annotations;
    std::int64_t creationMs = 0;
    std::vector<std::pair<std::string, std::string>> owners; // (kind, name)
};

struct ContainerSpec {
    std::string name;
    std::string image;
    std::optional<std::int64_t> memoryLimitBytes;
    std::optional<std::int64_t> memoryRequestBytes;
    std::vector<std::pair<std::string, std::string>> env; // plain values only; valueFrom is shown as "<from ...>"
};

struct TerminatedState {
    std::string reason; // "OOMKilled", "Error", "Completed"
    int exitCode = 0;
    std::int64_t startedMs = 0;
    std::int64_t finishedMs = 0;
};

struct ContainerStatus {
    std::string name;
    bool ready = false;
    int restartCount = 0;
    std::string state; // running | waiting | terminated
    std::string waitingReason; // CrashLoopBackOff ...
    std::int64_t runningSinceMs = 0;
    std::optional<TerminatedState> lastTerminated;
};

struct Pod {
    ObjectMeta meta;
    std::string phase;
    std::string nodeName;
    std::int64_t startMs = 0;
    std::vector<ContainerSpec> containers;
    std::vector<ContainerStatus> statuses;

    int restartCount() const;
    std::optional<std::int64_t> memoryLimitBytes() const; // sum over containers, if every container has one
    const ContainerStatus* status(const std::string& container) const;
};

struct Deployment {
    ObjectMeta meta;
    int replicas = 0;
    int readyReplicas = 0;
    StringMap selector; // matchLabels
    std::vector<ContainerSpec> containers;
};

// apps/v1 ReplicaSet: one per pod template of a Deployment (the pod-template-hash label).
struct ReplicaSet {
    ObjectMeta meta;
    int replicas = 0; // desired
    int currentReplicas = 0; // pods it has now (an old ReplicaSet scaled to 0 keeps some during a rollout)
    int readyReplicas = 0;
    int revision = 0; // deployment.kubernetes.io/revision, an Argo Rollout's rollout.argoproj.io/revision
    std::string podTemplateHash; // pod-template-hash, an Argo Rollout's rollouts-pod-template-hash
    std::string ownerDeployment; // empty when not a Deployment's (a Rollout's: meta.owners)
    std::vector<ContainerSpec> containers;
};

// core/v1 Node: what the memory decisions need (allocatable memory, readiness, pressure).
struct Node {
    ObjectMeta meta;
    std::optional<std::int64_t> memoryCapacityBytes;
    std::optional<std::int64_t> memoryAllocatableBytes;
    double cpuCapacityCores = 0;
    double cpuAllocatableCores = 0;
    bool ready = false;
    bool memoryPressure = false;
    std::string kubeletVersion;
    std::string internalIp;
};

struct ObjectReference {
    std::string kind;
    std::string name;
    std::string ns;
};

// core/v1 Event and events.k8s.io/v1 Event mapped to one shape.
struct Event {
    ObjectMeta meta;
    std::string reason;
    std::string type; // Normal | Warning
    std::string message;
    ObjectReference involved;
    std::string sourceComponent; // "kernel-monitor" for node-problem-detector
    std::string sourceHost;
    int count = 1;
    std::int64_t firstMs = 0;
    std::int64_t lastMs = 0; // lastTimestamp, or eventTime / series.lastObservedTime
};

// core/v1 Service: what finding a Service by its labels and ports needs.
struct ServicePort {
    std::string name;
    int port = 0;
    std::string targetPort; // a number or a container port's name, as written
};
struct Service {
    ObjectMeta meta;
    std::string type; // ClusterIP, NodePort, LoadBalancer, ExternalName
    std::vector<ServicePort> ports;
};

struct ContainerMetrics {
    std::string name;
    double cpuCores = 0;
    std::int64_t memoryBytes = 0;
};

struct PodMetrics {
    ObjectMeta meta;
    std::int64_t timestampMs = 0;
    std::vector<ContainerMetrics> containers;
    std::int64_t memoryBytes() const;
};

std::int64_t parseTimestampMs(const std::string& rfc3339); // 0 when empty or invalid
std::string formatTimestamp(std::int64_t ms); // RFC3339 UTC, second precision

Result<Pod> parsePod(const nlohmann::json& j);
Result<Deployment> parseDeployment(const nlohmann::json& j);
Result<Event> parseEvent(const nlohmann::json& j);
Result<PodMetrics> parsePodMetrics(const nlohmann::json& j);
Result<ReplicaSet> parseReplicaSet(const nlohmann::json& j);
Result<Node> parseNode(const nlohmann::json& j);
Result<Service> parseService(const nlohmann::json& j);

// Parses the "items" of a List; items that fail to parse are reported in `skipped`, not dropped silently.
template<class T>
struct ParsedList {
    std::vector<T> items;
    std::vector<std::string> skipped;
    std::string continueToken;
    std::string resourceVersion;
};
Result<ParsedList<Pod>> parsePodList(const nlohmann::json& j);
Result<ParsedList<Deployment>> parseDeploymentList(const nlohmann::json& j);
Result<ParsedList<Event>> parseEventList(const nlohmann::json& j);
Result<ParsedList<PodMetrics>> parsePodMetricsList(const nlohmann::json& j);
Result<ParsedList<ReplicaSet>> parseReplicaSetList(const nlohmann::json& j);
Result<ParsedList<Node>> parseNodeList(const nlohmann::json& j);
Result<ParsedList<Service>> parseServiceList(const nlohmann::json& j);

} // namespace leakdesk::kube
