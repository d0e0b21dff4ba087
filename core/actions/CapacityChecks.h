#pragma once
// What the cluster allows a container's memory limit to be, as warnings for the plan of
// RaiseMemoryLimit: above the largest node's allocatable memory the new pods stay Pending; above a
// LimitRange's max the API server rejects them; past a ResourceQuota the ReplicaSet cannot create them.

#include "core/kube/KubeObjects.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::actions {

struct LimitChange {
    std::int64_t newBytes = 0;
    std::string newText; // as it will be written, e.g. "4Gi"
    std::int64_t oldBytes = 0; // 0 when the container had no limit
    std::int64_t replicas = 1;
};

// A warning when the limit exceeds every node's allocatable memory, or when no node reports it.
std::optional<std::string> nodeAllocatableWarning(const std::vector<kube::Node>& nodes, const LimitChange& change);
// Warnings for each Container/Pod limit of a LimitRangeList whose max.memory is below the new limit.
std::vector<std::string> limitRangeWarnings(const nlohmann::json& limitRangeList, const LimitChange& change);
// Warnings for each ResourceQuota (limits.memory or memory) the rolled-out replicas would exceed.
std::vector<std::string> resourceQuotaWarnings(const nlohmann::json& quotaList, const LimitChange& change);

} // namespace leakdesk::actions
