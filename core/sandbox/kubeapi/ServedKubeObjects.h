#pragma once
// Kubernetes API objects (as JSON) describing the sandbox model at one instant: Pods,
// Deployments, ReplicaSets, Nodes, the Namespace, core/v1 Events and metrics.k8s.io PodMetrics.
// Shapes follow what a v1.32 API server returns, including the fields kubectl prints.

#include "core/sandbox/model/SandboxModel.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace leakdesk::sandbox {

// RFC 3339 in UTC, seconds precision ("2024-05-01T12:00:00Z"), as metav1.Time marshals.
std::string rfc3339(std::int64_t tMs);
// metav1.MicroTime ("2024-05-01T12:00:00.123456Z").
std::string rfc3339Micro(std::int64_t tMs);

class ServedKubeObjects {
public:
    // Events older than this are gone, as with the API server's default --event-ttl.
    static constexpr std::int64_t kEventTtlMs = kHourMs;
    // A pod a rollout replaces shows as Terminating (deletionTimestamp set) this long before it is gone.
    static constexpr std::int64_t kTerminatingMs = 2 * kSecondMs;

    explicit ServedKubeObjects(const SandboxModel& model);

    nlohmann::json namespaceObject() const;
    // One ClusterIP Service per Deployment (selector app=<name>), and the Ingress "shop" routing
    // /<name> to each user-facing one.
    nlohmann::json service(std::size_t service) const;
    nlohmann::json ingress() const;
    nlohmann::json node(std::size_t node, std::int64_t nowMs) const;
    nlohmann::json deployment(std::size_t service, std::int64_t nowMs) const;
    nlohmann::json replicaSet(std::size_t service, std::int64_t nowMs) const; // of the latest revision
    nlohmann::json replicaSet(std::size_t service, std::size_t revision, std::int64_t nowMs) const;
    // The pod template of a revision, as the Deployment and its ReplicaSet hold it.
    nlohmann::json podTemplate(std::size_t service, std::size_t revision = 0) const;
    nlohmann::json pod(std::size_t pod, std::int64_t nowMs) const;
    // core/v1 Events still within the TTL at nowMs, ordered by name like an etcd listing.
    std::vector<nlohmann::json> events(std::int64_t nowMs) const;
    // nullopt when the pod has no recent scrape (container restarting).
    std::optional<nlohmann::json> podMetrics(std::size_t pod, std::int64_t nowMs) const;
    // The node's usage: its pods plus the system daemons, as metrics-server reports it.
    nlohmann::json nodeMetrics(std::size_t node, std::int64_t nowMs) const;

    static nlohmann::json toEventsV1(const nlohmann::json& coreEvent);

    // resourceVersion of a list taken at nowMs: larger than that of every object it contains.
    std::string listResourceVersion(std::int64_t nowMs) const;
    // When the pod object last changed at or before nowMs (created, container started or ended,
    // deleted): its resourceVersion, so an object's resourceVersion moves only when it changes.
    std::int64_t podChangedAtMs(std::size_t pod, std::int64_t nowMs) const;

private:
    nlohmann::json containerSpec(std::size_t service) const;
    std::string resourceVersionAt(std::int64_t tMs) const;
    nlohmann::json event(const std::string& objectName, std::int64_t firstMs, std::int64_t lastMs, int count,
        const std::string& type, const std::string& reason, const std::string& message, nlohmann::json involved,
        const std::string& component, const std::string& host) const;

    const SandboxModel& m_model;
};

} // namespace leakdesk::sandbox
