#include "core/handover/Handover.h"

#include "core/incident/IncidentDocument.h"

#include <nlohmann/json.hpp>

namespace leakdesk::handover {

namespace {

using nlohmann::json;

std::string text(const json& j, const char* key)
{
    if (!j.is_object())
        return {};
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The kind of "Deployment", "statefulset"...: the name part is not checked here (it may be any
// text from the file; the generators escape it).
std::optional<kube::WorkloadKind> kindOf(const std::string& kind)
{
    auto ref = kube::parseWorkloadRef(kind + "/x");
    if (!ref || !ref->kind || *ref->kind == kube::WorkloadKind::Service)
        return std::nullopt;
    return ref->kind;
}

const incident::EvidenceSnapshot* ownSnapshot(const incident::IncidentDocument& doc)
{
    const incident::EvidenceSnapshot* found = nullptr;
    for (const auto& s : doc.snapshots)
        if ((doc.ns.empty() || s.ns == doc.ns) && (doc.service.empty() || s.service == doc.service)
            && (!found || s.takenMs >= found->takenMs))
            found = &s;
    return found ? found : doc.latestSnapshot();
}

} // namespace

Result<Handover> handoverFor(const incident::IncidentDocument& doc, const HandoverChoices& choices)
{
    Handover h;
    // The suspect: the top one of the newest analysis that found any.
    const incident::HeapDumpRecord* dump = nullptr;
    for (const auto& d : doc.heapDumps)
        if (!d.suspects.empty() && (!dump || d.capturedMs >= dump->capturedMs))
            dump = &d;
    if (!dump)
        return makeError(ErrorCode::InvalidArgument, "the incident has no heap analysis with a leak suspect",
            "analyse the heap dump into the incident first: leakdesk-cli heap suspects DUMP --incident FILE (or open "
            "it on step 3 in LeakDesk)");
    const incident::HeapSuspectRecord& suspect = dump->suspects.front();
    h.suspectFrom = "heap dump " + dump->id + (dump->pod.empty() ? std::string() : " (" + dump->pod + ")");

    if (choices.runtime) {
        h.runtime = *choices.runtime;
        h.runtimeEvidence = "given";
    } else {
        const RuntimeGuess guess = detectRuntime(doc);
        if (!guess.runtime)
            return makeError(ErrorCode::InvalidArgument,
                "nothing in the incident says which runtime the service runs on (no JVM heap dump or capture, no JVM "
                "metrics, no telling image)",
                "name it: --runtime jvm|node|go");
        h.runtime = *guess.runtime;
        h.runtimeEvidence = guess.evidence;
    }

    const incident::EvidenceSnapshot* snap = ownSnapshot(doc);
    const json workload = snap && snap->findings.is_object() ? snap->findings.value("workload", json()) : json();
    std::string kindName = text(workload, "kind");
    std::string name = text(workload, "name");
    if (!choices.workload.empty()) {
        const auto slash = choices.workload.find('/');
        if (slash == std::string::npos)
            return makeError(ErrorCode::InvalidArgument, "the workload '" + choices.workload + "' has no kind",
                "e.g. deployment/checkout or statefulset/search");
        kindName = choices.workload.substr(0, slash);
        name = choices.workload.substr(slash + 1);
    }
    const auto kind = kindOf(kindName);
    if (!kind || name.empty())
        return makeError(ErrorCode::InvalidArgument,
            kindName.empty() ? std::string("the incident's evidence names no workload")
                             : "'" + kindName + "' is no workload kind an alert can follow",
            "investigate the service into the incident (leakdesk-cli investigate ... --incident FILE), or name it: "
            "--workload KIND/NAME");
    const std::string ns = !choices.ns.empty() ? choices.ns : snap ? snap->ns : doc.ns;
    if (ns.empty())
        return makeError(ErrorCode::InvalidArgument, "the incident names no namespace", "name it: --namespace NS");

    std::string container = choices.container;
    if (container.empty())
        container = text(workload, "main_container");
    if (container.empty())
        container = dump->container;
    if (container.empty() && snap && snap->findings.is_object())
        for (const auto& c : snap->findings.value("containers", json::array()))
            if (text(c, "role") == "main")
                container = text(c, "name");
    if (container.empty())
        return makeError(ErrorCode::InvalidArgument, "the incident does not say which container leaked",
            "name it: --container NAME");

    // The metric names the evidence was queried with (the probe's choice and the user's overrides).
    prometheus::MetricsProfile profile;
    const json names = snap && snap->findings.is_object() ? snap->findings.value("metrics_profile", json()) : json();
    if (names.is_object()) {
        std::map<std::string, std::string> overrides;
        for (const auto& key : prometheus::metricsProfileKeys())
            if (auto v = text(names, key.c_str()); !v.empty())
                overrides[key] = v;
        auto applied = prometheus::applyMetricOverrides(profile, overrides);
        if (!applied)
            return makeError(ErrorCode::InvalidArgument,
                "the incident's metric names are not usable: " + applied.error().message, applied.error().detail);
        profile = *applied;
    } else {
        h.notes.push_back("the incident's evidence does not record its metric names: the alert uses the current "
                          "cAdvisor and kube-state-metrics v2 names");
    }

    h.subject = { doc.id, ns, name, container, suspect.category, suspect.className, suspect.owner, suspect.elementClass,
        suspect.retainedBytes, suspect.elementCount };
    h.alert.incidentId = doc.id;
    h.alert.ns = ns;
    h.alert.kind = *kind;
    h.alert.workload = name;
    h.alert.container = container;
    h.alert.profile = profile;
    return h;
}

std::vector<GeneratedFile> handoverFiles(const Handover& h)
{
    std::vector<GeneratedFile> files;
    files.push_back(regressionTestFor(h.runtime, h.subject));
    GeneratedFile rules = alertRulesFile(h.alert);
    GeneratedFile test = alertRulesTestFile(h.alert, rules.fileName);
    files.push_back(std::move(rules));
    files.push_back(std::move(test));
    files.push_back(prometheusRuleManifest(h.alert));
    return files;
}

} // namespace leakdesk::handover
