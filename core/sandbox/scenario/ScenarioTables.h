#pragma once
// Server-side printing (meta.k8s.io/v1 Tables, what `kubectl get` shows) of the kinds only
// scenarios have, with the columns a v1.32 API server prints for StatefulSets, DaemonSets, Jobs,
// CronJobs and HorizontalPodAutoscalers, and those of Argo Rollouts' CRD for Rollouts.

#include "core/sandbox/kubeapi/KubeTables.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace leakdesk::sandbox::scenario {

// The Table for `kind`, or nullopt when the kind is not one of those (makeTable prints it).
std::optional<nlohmann::json> scenarioTable(const std::string& kind, const std::vector<nlohmann::json>& objects,
    std::int64_t nowMs, IncludeObject include, const nlohmann::json& listMetadata);

} // namespace leakdesk::sandbox::scenario
