#include "core/actions/WorkloadTarget.h"

#include <algorithm>
#include <cctype>

namespace leakdesk::actions {

using kube::WorkloadKind;

std::string WorkloadTarget::resource() const
{
    std::string s = kube::workloadKindName(kind);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

QString WorkloadTarget::path(const std::string& ns) const
{
    return QStringLiteral("/apis/%1/namespaces/%2/%3/%4")
        .arg(QString::fromLatin1(kube::workloadApiVersion(kind)), QString::fromStdString(ns),
            QString::fromLatin1(kube::workloadResource(kind)), QString::fromStdString(name));
}

std::string WorkloadTarget::apiGroup() const
{
    const std::string version = kube::workloadApiVersion(kind);
    const auto slash = version.find('/');
    return slash == std::string::npos ? std::string() : version.substr(0, slash);
}

std::optional<Error> refusalForKind(const WorkloadTarget& target, const nlohmann::json& object)
{
    const auto owner = object.is_object() ? kube::controllerOf(object) : std::nullopt;
    const std::string ownerText = owner ? owner->kind + "/" + owner->name : std::string();
    switch (target.kind) {
    case WorkloadKind::Deployment:
    case WorkloadKind::StatefulSet:
    case WorkloadKind::DaemonSet:
    case WorkloadKind::Rollout:
        return std::nullopt;
    case WorkloadKind::ReplicaSet:
        if (owner)
            return makeError(ErrorCode::Unsupported,
                target.text() + " belongs to " + ownerText + ", which would undo a change of the ReplicaSet",
                "mitigate the owner instead: --workload " + owner->kind + "/" + owner->name);
        return makeError(ErrorCode::Unsupported,
            target.text()
                + " has no owner, and a ReplicaSet does not replace its running pods when its template "
                  "changes",
            "change the manifest it was created from and recreate it, or delete its pods one by one after patching "
            "it by hand");
    case WorkloadKind::Job:
        return makeError(ErrorCode::Unsupported,
            target.text() + ": a Job's pod template cannot be changed once it is created",
            owner ? "change the jobTemplate of " + ownerText + " (kubectl edit " + owner->kind + "/" + owner->name
                    + "): the next runs get it; this run ends as it is"
                  : std::string("change the Job's manifest and create it again"));
    case WorkloadKind::CronJob:
        return makeError(ErrorCode::Unsupported,
            target.text()
                + ": a change of its jobTemplate reaches only the next runs, and a run that ends is no "
                  "leak to hold off",
            "change spec.jobTemplate in the CronJob's manifest (kubectl edit cronjob/" + target.name
                + "); a memory limit that a run outgrows is a sizing question, not an incident mitigation");
    case WorkloadKind::Service:
        return makeError(ErrorCode::InvalidArgument, "a Service has no pods of its own to change",
            "name the workload behind it (--service resolves it)");
    }
    return std::nullopt;
}

} // namespace leakdesk::actions
