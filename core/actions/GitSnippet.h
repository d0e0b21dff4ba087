#pragma once
// A mitigation as a change to put in Git, next to Apply (issue 16): the strategic merge patch as
// YAML (for `kubectl patch --patch-file`, or a kustomize patch), and, for a Helm-managed workload,
// a values.yaml fragment in the usual chart layout. Pure functions.

#include "core/actions/MitigationValues.h"
#include "core/actions/WorkloadManagers.h"
#include "core/actions/WorkloadTarget.h"

#include <nlohmann/json.hpp>

#include <string>

namespace leakdesk::actions {

struct GitSnippet {
    std::string patchYaml; // the patch, with a comment line saying how to apply it
    std::string helmValues; // empty unless Helm (or a Flux HelmRelease) manages the workload
    std::string text() const; // both, as one copyable text
    nlohmann::json toJson() const; // {patch_yaml, helm_values|null, text}
};

struct SnippetInput {
    WorkloadTarget target;
    std::string ns;
    std::string container;
    bool mainContainer = true; // the chart's usual `resources:` is the main container's
    MitigationKind kind = MitigationKind::RaiseMemoryLimit;
    std::string value; // as written
    nlohmann::json patch; // the strategic merge patch, without a resourceVersion precondition
};

GitSnippet gitSnippet(const SnippetInput& input, const Management& management);

// JSON as block-style YAML (maps, lists of maps as `- key: value`, scalars quoted when YAML would
// read them as something other than the string).
std::string toYaml(const nlohmann::json& value);

} // namespace leakdesk::actions
