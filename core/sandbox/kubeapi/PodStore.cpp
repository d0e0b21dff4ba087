#include "core/sandbox/kubeapi/PodStore.h"

#include <algorithm>
#include <cctype>

namespace leakdesk::sandbox {

using nlohmann::json;

namespace {

bool alnum(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

std::optional<std::string> nameProblem(const std::string& name)
{
    if (name.empty())
        return "name part must be non-empty";
    if (name.size() > 63)
        return "name part must be no more than 63 characters";
    const bool charsOk = std::all_of(name.begin(), name.end(), [](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
    if (!charsOk || !alnum(name.front()) || !alnum(name.back()))
        return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
               "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
               "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    return std::nullopt;
}

Error invalid(const std::string& name, const std::string& cause)
{
    return makeError(ErrorCode::Invalid, "Pod \"" + name + "\" is invalid: " + cause);
}

} // namespace

std::optional<std::string> labelKeyProblem(const std::string& key)
{
    const auto slash = key.find('/');
    if (slash != std::string::npos) {
        const std::string prefix = key.substr(0, slash);
        const bool prefixOk = !prefix.empty() && prefix.size() <= 253
            && std::all_of(prefix.begin(), prefix.end(),
                [](char c) { return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.'; })
            && alnum(prefix.front()) && alnum(prefix.back());
        if (!prefixOk)
            return "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
                   "or '.', and must start and end with an alphanumeric character";
        return nameProblem(key.substr(slash + 1));
    }
    return nameProblem(key);
}

std::optional<std::string> labelValueProblem(const std::string& value)
{
    if (value.empty())
        return std::nullopt;
    if (value.size() > 63)
        return "must be no more than 63 characters";
    const bool charsOk = std::all_of(value.begin(), value.end(), [](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
    if (!charsOk || !alnum(value.front()) || !alnum(value.back()))
        return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
               "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
               "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
    return std::nullopt;
}

PodStore::PodStore(SandboxModel& model, const ServedKubeObjects& objects, WriteVersions& versions)
    : m_model(model)
    , m_objects(objects)
    , m_versions(versions)
{ }

json PodStore::pod(std::size_t index, std::int64_t nowMs) const
{
    json obj = m_objects.pod(index, nowMs);
    const auto it = m_stored.find(index);
    if (it == m_stored.end())
        return obj;
    const Stored& s = it->second;
    json& meta = obj["metadata"];
    meta["labels"] = s.labels;
    if (s.annotations.empty())
        meta.erase("annotations");
    else
        meta["annotations"] = s.annotations;
    meta["managedFields"] = s.managedFields;
    // A later change of the pod (its container restarted) moves the resourceVersion again.
    if (m_objects.podChangedAtMs(index, nowMs) <= s.writtenMs)
        meta["resourceVersion"] = std::to_string(s.resourceVersion);
    return obj;
}

Status PodStore::validate(const json& before, const json& after) const
{
    const std::string name = before["metadata"].value("name", "");
    if (!after.is_object() || !after.contains("metadata") || !after["metadata"].is_object())
        return invalid(name, "the patched object is not a Pod");
    const json& meta = after["metadata"];
    for (const char* field : { "name", "namespace", "uid", "generateName", "creationTimestamp" })
        if (meta.value(field, json()) != before["metadata"].value(field, json()))
            return invalid(name, std::string("metadata.") + field + ": Invalid value: field is immutable");
    if (after.value("spec", json()) != before["spec"])
        return invalid(name,
            "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`, "
            "`spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to "
            "existing tolerations), `spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
            "previously negative) (the sandbox changes labels and annotations of pods only)");
    for (const char* field : { "labels", "annotations" }) {
        const json map = meta.value(field, json::object());
        if (!map.is_object())
            return invalid(name, std::string("metadata.") + field + ": Invalid value: must be a map of strings");
        for (auto it = map.begin(); it != map.end(); ++it) {
            if (!it.value().is_string())
                return invalid(name, std::string("metadata.") + field + ": Invalid value: " + it.value().dump()
                        + ": must be a string");
            if (auto p = labelKeyProblem(it.key()))
                return invalid(name, std::string("metadata.") + field + ": Invalid value: \"" + it.key() + "\": " + *p);
            if (std::string(field) == "labels")
                if (auto p = labelValueProblem(it.value().get<std::string>()))
                    return invalid(name,
                        "metadata.labels: Invalid value: \"" + it.value().get<std::string>() + "\": " + *p);
        }
    }
    return Ok {};
}

bool PodStore::matchesOwnSelector(std::size_t index, const json& labels) const
{
    // The ReplicaSet's selector: app=<service>, pod-template-hash=<revision's hash>.
    const PodSpec& p = m_model.pods()[index];
    const std::string& app = m_model.services()[p.service].name;
    const std::string& hash = m_model.revisionOf(index).podTemplateHash;
    return labels.is_object() && labels.value("app", json()) == json(app)
        && labels.value("pod-template-hash", json()) == json(hash);
}

Result<json> PodStore::patch(std::size_t index, const PatchRequest& request, std::int64_t nowMs)
{
    const json current = pod(index, nowMs);
    const std::string name = current["metadata"].value("name", "");
    auto patched = applyPatchRequest(current, request, "pods \"" + name + "\"", "Pod");
    if (!patched)
        return patched.error();
    json result = std::move(*patched);
    // status is written by the kubelet through its own subresource: a PATCH of the pod ignores it.
    if (result.is_object())
        result["status"] = current["status"];
    if (auto v = validate(current, result); !v)
        return v.error();
    json& meta = result["metadata"];
    meta["managedFields"] = managedFieldsAfter(meta, request.fieldManager, "v1", rfc3339(nowMs));
    if (request.dryRun)
        return result;

    Stored& s = m_stored[index];
    s.labels = meta.value("labels", json::object());
    s.annotations = meta.value("annotations", json::object());
    s.managedFields = meta["managedFields"];
    const std::string rv = current["metadata"].value("resourceVersion", "0");
    s.resourceVersion = m_versions.next(std::stoll(m_objects.listResourceVersion(nowMs)), std::stoll(rv));
    s.writtenMs = nowMs;

    // The ReplicaSet controller reacts to the new labels; a pod already Terminating is no longer
    // one of its pods: nothing to let go of, replace or adopt.
    const auto& deleted = m_model.pods()[index].deletedMs;
    if (deleted && *deleted - ServedKubeObjects::kTerminatingMs <= nowMs)
        return pod(index, nowMs);
    const bool released = m_model.podReleasedAt(index, nowMs);
    const bool matches = matchesOwnSelector(index, s.labels);
    if (!released && !matches) {
        m_model.releasePod(index, nowMs);
        if (m_onPodsChanged)
            m_onPodsChanged();
    } else if (released && matches) {
        m_model.adoptPod(index, nowMs);
        if (m_onPodsChanged)
            m_onPodsChanged();
    }
    return pod(index, nowMs);
}

Result<json> PodStore::remove(std::size_t index, const std::string& body, bool dryRun, std::int64_t nowMs)
{
    const json current = pod(index, nowMs);
    const std::string name = current["metadata"].value("name", "");
    json options = json::object();
    if (!body.empty()) {
        options = json::parse(body, nullptr, false);
        if (options.is_discarded() || !options.is_object())
            return makeError(ErrorCode::InvalidArgument, "the DeleteOptions of pods \"" + name + "\" are not a JSON object");
    }
    // DeleteOptions.preconditions: the object must still be the one the client saw.
    const json pre = options.value("preconditions", json::object());
    if (pre.is_object()) {
        const std::string uid = current["metadata"].value("uid", "");
        if (pre.contains("uid") && pre["uid"] != json(uid))
            return makeError(ErrorCode::Conflict,
                "Precondition failed: UID in precondition: " + pre["uid"].dump() + ", UID in object meta: " + uid);
        const std::string rv = current["metadata"].value("resourceVersion", "");
        if (pre.contains("resourceVersion") && pre["resourceVersion"] != json(rv))
            return makeError(ErrorCode::Conflict,
                "Precondition failed: ResourceVersion in precondition: " + pre["resourceVersion"].dump()
                    + ", ResourceVersion in object meta: " + rv);
    }
    if (current["metadata"].contains("deletionTimestamp"))
        return current; // already going: the API server answers with the object as it is
    json after = current;
    after["metadata"]["deletionTimestamp"] = rfc3339(nowMs + 30 * kSecondMs);
    after["metadata"]["deletionGracePeriodSeconds"] = 30;
    if (dryRun)
        return after;
    if (m_model.deletePod(index, nowMs) && m_onPodsChanged)
        m_onPodsChanged();
    (void)m_versions.next(std::stoll(m_objects.listResourceVersion(nowMs)), 0);
    return pod(index, nowMs);
}

} // namespace leakdesk::sandbox
