#pragma once
// The object a mitigation patches: a Deployment, StatefulSet, DaemonSet or Argo Rollout (issue 16),
// by kind and name. Its API path, the words kubectl uses for it, and why the other kinds are
// refused (a Job's pod template cannot change, a CronJob's only reaches the next runs, a
// ReplicaSet does not replace its pods and usually belongs to a Deployment). Pure functions.

#include "core/common/Result.h"
#include "core/kube/KubeClient.h"
#include "core/kube/Workloads.h"

#include <nlohmann/json.hpp>

#include <QString>

#include <optional>
#include <string>

namespace leakdesk::actions {

struct WorkloadTarget {
    kube::WorkloadKind kind = kube::WorkloadKind::Deployment;
    std::string name;

    std::string kindName() const { return kube::workloadKindName(kind); } // "StatefulSet"
    std::string resource() const; // kubectl's singular, lower case: "statefulset"
    std::string text() const { return resource() + "/" + name; } // "statefulset/search"
    // "/apis/apps/v1/namespaces/<ns>/statefulsets/<name>"
    QString path(const std::string& ns) const;
    std::string apiGroup() const; // "apps", "argoproj.io" (for an access review)
    bool operator==(const WorkloadTarget&) const = default;
};

// Why a mitigation cannot patch this workload, with what to change instead; nullopt for the kinds
// it can (Deployment, StatefulSet, DaemonSet, Rollout). `object` is the workload as read (the
// owner of a ReplicaSet or Job is named from it); null when it was not read.
std::optional<Error> refusalForKind(const WorkloadTarget& target, const nlohmann::json& object = nullptr);

// What a PATCH of this kind is sent as. The strategic merge patch itself for the built-in kinds;
// an Argo Rollout is a custom resource, for which API servers refuse strategic merge (415) and a
// JSON merge patch would replace the whole containers list: there the same change is sent as a
// JSON patch against `current` (list items by index, each guarded by a `test` of its name, so a
// reordered list fails instead of patching the wrong container). A metadata.resourceVersion in the
// strategic patch stays a precondition (a `replace` of it: a mismatch is still a 409).
struct PatchBody {
    nlohmann::json body;
    kube::KubeClient::PatchType type = kube::KubeClient::PatchType::StrategicMerge;
};
PatchBody patchBodyFor(
    const WorkloadTarget& target, const nlohmann::json& strategicPatch, const nlohmann::json& current);

// The JSON patch (RFC 6902) equivalent of a strategic merge patch applied to `current`: maps merge,
// null removes, lists of items with a `name` merge by name (`$patch: delete` removes one).
nlohmann::json jsonPatchFromStrategic(const nlohmann::json& strategicPatch, const nlohmann::json& current);

} // namespace leakdesk::actions
