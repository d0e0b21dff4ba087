#include "core/sandbox/kubeapi/ObjectPatch.h"

#include "core/sandbox/kubeapi/MergePatch.h"

#include <algorithm>

namespace leakdesk::sandbox {

using nlohmann::json;

Result<json> applyPatchRequest(
    const json& current, const PatchRequest& request, const std::string& what, const std::string& kind)
{
    const std::string name = current["metadata"].value("name", "");
    const json patchDoc = json::parse(request.body, nullptr, false);
    if (patchDoc.is_discarded())
        return makeError(ErrorCode::InvalidArgument, "the patch of " + what + " is not valid JSON");
    const std::string type = request.contentType.substr(0, request.contentType.find(';'));
    Result<json> patched = json();
    if (type == "application/strategic-merge-patch+json")
        patched = applyStrategicMergePatch(current, patchDoc);
    else if (type == "application/merge-patch+json")
        patched = applyMergePatch(current, patchDoc);
    else if (type == "application/json-patch+json")
        patched = applyJsonPatch(current, patchDoc);
    else
        return makeError(ErrorCode::Unsupported,
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json");
    if (!patched) {
        if (patched.error().code == ErrorCode::Conflict)
            return makeError(ErrorCode::Invalid, kind + " \"" + name + "\" is invalid: " + patched.error().message);
        return makeError(ErrorCode::InvalidArgument, patched.error().message);
    }
    // A resourceVersion in the patch is a precondition: it must still be the stored one.
    const std::string rv = current["metadata"].value("resourceVersion", "");
    const json& result = *patched;
    if (result.is_object() && result.contains("metadata") && result["metadata"].is_object()
        && result["metadata"].value("resourceVersion", rv) != rv)
        return makeError(ErrorCode::Conflict,
            "Operation cannot be fulfilled on " + what
                + ": the object has been modified; please apply your changes to the latest version and try again");
    return patched;
}

std::int64_t WriteVersions::next(std::int64_t listResourceVersion, std::int64_t currentResourceVersion)
{
    m_last = std::max({ listResourceVersion, m_last + 1, currentResourceVersion + 1, m_floor ? m_floor() + 1 : 0 });
    return m_last;
}

json managedFieldsAfter(
    const json& metadata, const std::string& fieldManager, const std::string& apiVersion, const std::string& timeRfc3339)
{
    json managed = metadata.is_object() ? metadata.value("managedFields", json::array()) : json::array();
    if (!managed.is_array())
        managed = json::array();
    const std::string manager = fieldManager.empty() ? std::string("unknown") : fieldManager;
    json others = json::array();
    for (const json& m : managed)
        if (!(m.is_object() && m.value("manager", "") == manager))
            others.push_back(m);
    others.push_back({ { "manager", manager }, { "operation", "Update" }, { "apiVersion", apiVersion },
        { "time", timeRfc3339 }, { "fieldsType", "FieldsV1" }, { "fieldsV1", json::object() } });
    return others;
}

} // namespace leakdesk::sandbox
