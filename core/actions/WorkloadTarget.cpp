#include "core/actions/WorkloadTarget.h"

#include "core/kube/JsonAccess.h"
#include "core/kube/KubePaths.h"

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
    return kube::paths::workload(kind, QString::fromStdString(ns), QString::fromStdString(name));
}

std::string WorkloadTarget::apiGroup() const
{
    const std::string version = kube::workloadApiVersion(kind);
    const auto slash = version.find('/');
    return slash == std::string::npos ? std::string() : version.substr(0, slash);
}

namespace {

using nlohmann::json;

// RFC 6901: "~" and "/" in a key.
std::string pointerKey(const std::string& key)
{
    std::string out;
    for (char c : key)
        out += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
    return out;
}

// The value as it is to be stored: nulls (removals) and `$patch` markers dropped.
json stored(const json& v)
{
    if (v.is_object()) {
        json out = json::object();
        for (auto it = v.begin(); it != v.end(); ++it)
            if (!it.value().is_null() && it.key() != "$patch")
                out[it.key()] = stored(it.value());
        return out;
    }
    if (v.is_array()) {
        json out = json::array();
        for (const json& item : v)
            if (!(item.is_object() && kube::jsonString(item, { "$patch" }) == "delete"))
                out.push_back(stored(item));
        return out;
    }
    return v;
}

bool namedItems(const json& list)
{
    if (!list.is_array() || list.empty())
        return false;
    for (const json& item : list)
        if (!item.is_object() || !item.contains("name") || !item["name"].is_string())
            return false;
    return true;
}

void opsFor(const json& patch, const json& current, const std::string& path, json& ops)
{
    for (auto it = patch.begin(); it != patch.end(); ++it) {
        const std::string at = path + "/" + pointerKey(it.key());
        const json& value = it.value();
        const bool has = current.is_object() && current.contains(it.key());
        if (value.is_null()) {
            if (has)
                ops.push_back({ { "op", "remove" }, { "path", at } });
        } else if (value.is_object() && has && current[it.key()].is_object()) {
            opsFor(value, current[it.key()], at, ops);
        } else if (namedItems(value) && has && current[it.key()].is_array()) {
            const json& list = current[it.key()];
            for (const json& item : value) {
                const std::string name = item["name"].get<std::string>();
                std::optional<std::size_t> index;
                for (std::size_t i = 0; i < list.size() && !index; ++i)
                    if (kube::jsonString(list[i], { "name" }) == name)
                        index = i;
                const bool remove = kube::jsonString(item, { "$patch" }) == "delete";
                if (!index) {
                    if (!remove)
                        ops.push_back({ { "op", "add" }, { "path", at + "/-" }, { "value", stored(item) } });
                    continue;
                }
                const std::string itemPath = at + "/" + std::to_string(*index);
                ops.push_back({ { "op", "test" }, { "path", itemPath + "/name" }, { "value", name } });
                if (remove) {
                    ops.push_back({ { "op", "remove" }, { "path", itemPath } });
                    continue;
                }
                json rest = item;
                rest.erase("name");
                opsFor(rest, list[*index], itemPath, ops);
            }
        } else {
            // `add` of an existing member replaces it; of a missing one, creates it.
            ops.push_back({ { "op", "add" }, { "path", at }, { "value", stored(value) } });
        }
    }
}

} // namespace

json jsonPatchFromStrategic(const json& strategicPatch, const json& current)
{
    json ops = json::array();
    if (!strategicPatch.is_object())
        return ops;
    json rest = strategicPatch;
    const json& rv = kube::jsonAt(strategicPatch, { "metadata", "resourceVersion" });
    if (!rv.is_null()) {
        // First, so that nothing is written to an object that changed since it was read.
        ops.push_back({ { "op", "replace" }, { "path", "/metadata/resourceVersion" }, { "value", rv } });
        rest["metadata"].erase("resourceVersion");
        if (rest["metadata"].empty())
            rest.erase("metadata");
    }
    opsFor(rest, current, "", ops);
    return ops;
}

PatchBody patchBodyFor(const WorkloadTarget& target, const json& strategicPatch, const json& current)
{
    if (target.kind != WorkloadKind::Rollout)
        return { strategicPatch, kube::KubeClient::PatchType::StrategicMerge };
    return { jsonPatchFromStrategic(strategicPatch, current), kube::KubeClient::PatchType::Json };
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
