#pragma once
// A readable diff of two Kubernetes objects: only the changed leaves, one line each, with list
// items that carry a `name` (containers, env) addressed by name rather than index, e.g.
//   spec.template.spec.containers[checkout].resources.limits.memory: 2Gi → 4Gi

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace leakdesk::actions {

struct SpecChange {
    std::string path;
    std::string before; // "<none>" when the field did not exist
    std::string after; // "<none>" when the field was removed

    bool operator==(const SpecChange&) const = default;
    std::string toString() const; // "path: before → after"
};

// Changed leaves between `before` and `after`, both rooted at `root` (e.g. "spec"), in document order.
std::vector<SpecChange> diffJson(const nlohmann::json& before, const nlohmann::json& after, const std::string& root);

// The diff of two Deployments' `spec` (status and metadata such as resourceVersion are not shown).
std::vector<SpecChange> diffDeploymentSpec(const nlohmann::json& before, const nlohmann::json& after);

} // namespace leakdesk::actions
