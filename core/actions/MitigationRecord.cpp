#include "core/actions/MitigationRecord.h"

#include "core/kube/JsonAccess.h"
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
    json j = { { "id", id }, { "kind", mitigationKindName(kind) }, { "namespace", ns },
        { "workload", { { "kind", workload.kindName() }, { "name", workload.name } } }, { "container", container },
        { "before", valuesToJson(before) }, { "after", valuesToJson(after) }, { "resourceVersion", resourceVersion },
        { "generation", generation }, { "appliedMs", appliedMs }, { "appliedAt", kube::formatTimestamp(appliedMs) },
        { "fieldManager", fieldManager }, { "kubectl", kubectl } };
    // Readers of the records of a Deployment-only LeakDesk look for this key.
    if (workload.kind == kube::WorkloadKind::Deployment)
        j["deployment"] = workload.name;
    if (verify)
        j["verify"] = { { "still_applied", verify->stillApplied },
            { "reverted_by", verify->revertedBy.empty() ? json(nullptr) : json(verify->revertedBy) },
            { "settle_seconds", verify->settleSeconds }, { "checkedMs", verify->checkedMs } };
    return j;
}

namespace {

// `workload: {kind, name}`, or the `deployment` of an older record.
Result<WorkloadTarget> workloadFromJson(const json& j)
{
    const json& w = j.contains("workload") ? j["workload"] : json();
    if (w.is_object()) {
        const std::string kindText = kube::jsonString(w, { "kind" });
        const std::string name = w.contains("name") && w["name"].is_string() ? w["name"].get<std::string>() : "";
        auto ref = kube::parseWorkloadRef(kindText + "/" + name);
        if (kindText.empty() || name.empty() || !ref || !ref->kind)
            return makeError(ErrorCode::Parse,
                "the mitigation record's workload " + w.dump() + " is not a kind and a name",
                "expected e.g. {\"kind\": \"StatefulSet\", \"name\": \"search\"}");
        return WorkloadTarget { *ref->kind, ref->name };
    }
    if (j.contains("deployment") && j["deployment"].is_string() && !j["deployment"].get<std::string>().empty())
        return WorkloadTarget { kube::WorkloadKind::Deployment, j["deployment"].get<std::string>() };
    return makeError(ErrorCode::Parse, "the mitigation record has no \"workload\" (nor \"deployment\")",
        "use the JSON that 'leakdesk-cli mitigate ... --yes' wrote");
}

} // namespace

Result<MitigationRecord> MitigationRecord::fromJson(const json& j)
{
    if (!j.is_object())
        return makeError(ErrorCode::Parse, "the mitigation record is not a JSON object");
    auto text = [&](const char* key) -> std::optional<std::string> {
        if (!j.contains(key) || !j[key].is_string() || j[key].get<std::string>().empty())
            return std::nullopt;
        return j[key].get<std::string>();
    };
    for (const char* key : { "id", "kind", "namespace", "container", "resourceVersion" })
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
    auto workload = workloadFromJson(j);
    if (!workload)
        return workload.error();
    r.workload = std::move(*workload);
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
    if (j.contains("verify") && j["verify"].is_object()) {
        const json& v = j["verify"];
        ApplyVerification verify;
        verify.stillApplied
            = !(v.contains("still_applied") && v["still_applied"].is_boolean()) || v["still_applied"].get<bool>();
        verify.revertedBy
            = v.contains("reverted_by") && v["reverted_by"].is_string() ? v["reverted_by"].get<std::string>() : "";
        verify.settleSeconds = v.contains("settle_seconds") && v["settle_seconds"].is_number_integer()
            ? v["settle_seconds"].get<int>()
            : 0;
        verify.checkedMs
            = v.contains("checkedMs") && v["checkedMs"].is_number_integer() ? v["checkedMs"].get<std::int64_t>() : 0;
        r.verify = verify;
    }
    return r;
}

} // namespace leakdesk::actions
