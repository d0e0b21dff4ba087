#include "core/actions/MitigationRecord.h"

#include "core/kube/KubeObjects.h"

namespace leakdesk::actions {

using nlohmann::json;

namespace {

json valuesToJson(const MitigationValues& values)
{
    json j = json::object();
    for (const auto& [key, value] : values)
        j[key] = value ? json(*value) : json(nullptr);
    return j;
}

Result<MitigationValues> valuesFromJson(const json& j, const char* what)
{
    if (!j.is_object())
        return makeError(ErrorCode::Parse, std::string("the mitigation record's \"") + what + "\" is not an object");
    MitigationValues values;
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (it.value().is_null())
            values[it.key()] = std::nullopt;
        else if (it.value().is_string())
            values[it.key()] = it.value().get<std::string>();
        else
            return makeError(ErrorCode::Parse,
                std::string("the mitigation record's \"") + what + "." + it.key() + "\" is neither a string nor null");
    }
    return values;
}

} // namespace

json MitigationRecord::toJson() const
{
    return { { "id", id }, { "kind", mitigationKindName(kind) }, { "namespace", ns }, { "deployment", deployment },
        { "container", container }, { "before", valuesToJson(before) }, { "after", valuesToJson(after) },
        { "resourceVersion", resourceVersion }, { "generation", generation }, { "appliedMs", appliedMs },
        { "appliedAt", kube::formatTimestamp(appliedMs) }, { "fieldManager", fieldManager }, { "kubectl", kubectl } };
}

Result<MitigationRecord> MitigationRecord::fromJson(const json& j)
{
    if (!j.is_object())
        return makeError(ErrorCode::Parse, "the mitigation record is not a JSON object");
    auto text = [&](const char* key) -> std::optional<std::string> {
        if (!j.contains(key) || !j[key].is_string() || j[key].get<std::string>().empty())
            return std::nullopt;
        return j[key].get<std::string>();
    };
    for (const char* key : { "id", "kind", "namespace", "deployment", "container", "resourceVersion" })
        if (!text(key))
            return makeError(ErrorCode::Parse, std::string("the mitigation record has no \"") + key + "\"",
                "use the JSON that 'leakdesk-cli mitigate ... --yes' wrote");
    MitigationRecord r;
    auto kind = parseMitigationKind(*text("kind"));
    if (!kind)
        return makeError(ErrorCode::Parse, "the mitigation record's kind \"" + *text("kind") + "\" is unknown",
            "expected limits, heap-restart or restart");
    r.kind = *kind;
    r.id = *text("id");
    r.ns = *text("namespace");
    r.deployment = *text("deployment");
    r.container = *text("container");
    r.resourceVersion = *text("resourceVersion");
    r.fieldManager = text("fieldManager").value_or("leakdesk");
    r.kubectl = text("kubectl").value_or("");
    if (j.contains("generation") && j["generation"].is_number_integer())
        r.generation = j["generation"].get<std::int64_t>();
    if (j.contains("appliedMs") && j["appliedMs"].is_number_integer())
        r.appliedMs = j["appliedMs"].get<std::int64_t>();
    auto before = valuesFromJson(j.value("before", json()), "before");
    if (!before)
        return before.error();
    auto after = valuesFromJson(j.value("after", json()), "after");
    if (!after)
        return after.error();
    if (before->empty() || after->empty())
        return makeError(ErrorCode::Parse, "the mitigation record has no values to restore");
    r.before = std::move(*before);
    r.after = std::move(*after);
    return r;
}

} // namespace leakdesk::actions
