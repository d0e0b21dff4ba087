#pragma once
// The object a mitigation patches: a Deployment, StatefulSet, DaemonSet or Argo Rollout (issue 16),
// by kind and name. Its API path, the words kubectl uses for it, and why the other kinds are
// refused (a Job's pod template cannot change, a CronJob's only reaches the next runs, a
// ReplicaSet does not replace its pods and usually belongs to a Deployment). Pure functions.

#include "core/common/Result.h"
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

} // namespace leakdesk::actions
