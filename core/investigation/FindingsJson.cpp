#include "core/investigation/FindingsJson.h"

#include "core/common/Quantity.h"
#include "core/kube/KubeObjects.h"

#include <cmath>
#include <sstream>

namespace leakdesk::investigation {

using nlohmann::json;

namespace {

json optNumber(const std::optional<double>& v)
{
    return v && std::isfinite(*v) ? json(*v) : json(nullptr);
}

json optInt(const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); }

json timeJson(std::int64_t ms) { return ms > 0 ? json(kube::formatTimestamp(ms)) : json(nullptr); }

json windowJson(const TimeRange& r)
{
    return json { { "start", timeJson(r.startMs) }, { "end", timeJson(r.endMs) } };
}

json verdictJson(const analysis::Verdict& v)
{
    json evidence = json::array();
    for (const auto& e : v.evidence) {
        json numbers = json::object();
        for (const auto& n : e.numbers)
            numbers[n.name] = { { "value", std::isfinite(n.value) ? json(n.value) : json(nullptr) }, { "unit", n.unit } };
        evidence.push_back({ { "topic", e.topic }, { "pod", e.pod }, { "sentence", e.sentence }, { "numbers", numbers },
            { "window", windowJson(e.window) }, { "source", e.source } });
    }
    json missing = json::array();
    for (const auto& m : v.missing)
        missing.push_back({ { "topic", m.topic }, { "reason", m.reason } });
    json contradictions = json::array();
    for (const auto& c : v.contradictions)
        contradictions.push_back({ { "topic", c.topic }, { "reason", c.reason } });
    return {
        { "leak", v.leak },
        { "pattern", analysis::patternName(v.pattern) },
        { "confidence", v.confidence },
        { "slope_bytes_per_hour", optNumber(v.slopeBytesPerHour) },
        { "slope_band_bytes_per_hour", { optNumber(v.slopeLowBytesPerHour), optNumber(v.slopeHighBytesPerHour) } },
        { "stabilised_within_10min", v.stabilisedWithin10min ? json(*v.stabilisedWithin10min) : json(nullptr) },
        { "period_seconds", v.periodMs ? json(*v.periodMs / 1000.0) : json(nullptr) },
        { "amplitude_bytes", optNumber(v.amplitudeBytes) },
        { "restarts_in_window", v.restartsKnown ? json(v.restartsInWindow) : json(nullptr) },
        { "summary", v.summary },
        { "partial_data", !v.missing.empty() },
        { "missing_evidence", missing },
        { "contradictions", contradictions },
        { "levelled_off_after_seconds", v.levelledOffAfterMs ? json(*v.levelledOffAfterMs / 1000.0) : json(nullptr) },
        { "evidence", evidence },
    };
}

const char* containerRoleJson(kube::ContainerRole role)
{
    switch (role) {
    case kube::ContainerRole::Main:
        return "main";
    case kube::ContainerRole::Init:
        return "init";
    case kube::ContainerRole::Sidecar:
    case kube::ContainerRole::NativeSidecar:
        break;
    }
    return "sidecar";
}

json workloadJson(const Findings& f)
{
    if (!f.evidence || !f.evidence->workload)
        return nullptr;
    const WorkloadEvidence& w = *f.evidence->workload;
    return {
        { "kind", kube::workloadKindName(*w.workload.kind) },
        { "name", w.workload.name },
        { "selector", w.selector },
        { "service", w.service ? json(*w.service) : json(nullptr) },
        { "main_container", w.mainContainer.empty() ? json(nullptr) : json(w.mainContainer) },
        { "queried_pods", w.queriedPods.size() },
        { "pods_from_history", w.podsFromHistory },
        { "notes", w.notes },
    };
}

json containersJson(const Findings& f)
{
    json out = json::array();
    for (const ContainerFinding& c : f.containers)
        out.push_back({
            { "name", c.name },
            { "role", containerRoleJson(c.role) },
            { "native_sidecar", c.role == kube::ContainerRole::NativeSidecar },
            { "why", c.why },
            { "limit_bytes", optNumber(c.limitBytes) },
            { "oom_kills", c.oomKills },
            { "verdict", c.verdict ? verdictJson(*c.verdict) : json(nullptr) },
        });
    return out;
}

} // namespace

json findingsToJson(const Findings& f)
{
    json j;
    j["namespace"] = f.request.ns;
    j["service"] = f.request.service;
    j["generated_at"] = timeJson(f.request.nowMs);
    j["window"] = windowJson({ f.request.nowMs - f.request.windowMs, f.request.nowMs });

    json pods = json::array();
    for (const auto& p : f.pods) {
        pods.push_back({
            { "name", p.name },
            { "phase", p.phase },
            { "node", p.node },
            { "ready", p.ready },
            { "memory_bytes", optInt(p.memoryBytes) },
            { "limit_bytes", optInt(p.limitBytes) },
            { "restarts", p.restarts },
            { "last_termination_reason", p.lastTerminationReason.empty() ? json(nullptr) : json(p.lastTerminationReason) },
            { "last_terminated_at", timeJson(p.lastTerminatedMs) },
            { "hours_to_limit", optNumber(p.hoursToLimit) },
        });
    }
    j["pods"] = pods;

    json kills = json::array();
    for (const auto& k : f.oom.kills) {
        kills.push_back({
            { "pod", k.pod.empty() ? json(nullptr) : json(k.pod) },
            { "container", k.container.empty() ? json(nullptr) : json(k.container) },
            { "node", k.node },
            { "time", timeJson(k.timeMs) },
            { "uncertainty_seconds", k.uncertaintyMs / 1000 },
            { "sources", json(std::vector<std::string>(k.sources.begin(), k.sources.end())) },
            { "detail", k.detail },
        });
    }
    j["oom"] = {
        { "count_last_hour", f.oom.countLastHour },
        { "max_in_any_hour", f.oom.maxInAnyWindow },
        { "threshold", f.oom.rule.threshold },
        { "rule_met", f.oom.ruleMet },
        { "literal_event_count", f.oom.literalEventCount },
        { "events", kills },
        { "notes", f.oom.notes },
    };

    const auto& v = f.verdict;
    j["workload"] = workloadJson(f);
    j["containers"] = containersJson(f);
    j["verdict"] = verdictJson(v);
    if (v.baseline) {
        j["baseline"] = { { "current_median_bytes", v.baseline->currentMedian }, { "baseline_median_bytes", v.baseline->baselineMedian },
            { "change_fraction", v.baseline->changeFraction }, { "higher_than_baseline", v.baseline->higherThanBaseline } };
    } else {
        j["baseline"] = nullptr;
    }
    json projection = json::array();
    for (const auto& pa : v.pods) {
        if (!pa.projection)
            continue;
        projection.push_back({ { "pod", pa.pod }, { "state", analysis::projectionStateName(pa.projection->state) },
            { "current_bytes", pa.projection->currentBytes }, { "limit_bytes", optNumber(pa.projection->limitBytes) },
            { "hours_to_limit", optNumber(pa.projection->hoursToLimit) },
            { "reaches_limit_at", pa.projection->reachesLimitAtMs ? timeJson(*pa.projection->reachesLimitAtMs) : json(nullptr) } });
    }
    j["projection"] = projection;
    if (v.traffic) {
        j["traffic_correlation"] = { { "memory_growth_fraction_per_hour", v.traffic->memoryGrowthFractionPerHour },
            { "traffic_growth_fraction_per_hour", v.traffic->trafficGrowthFractionPerHour },
            { "growth_without_traffic", v.traffic->growthWithoutTraffic }, { "request_rate_median", v.traffic->requestLevel } };
    } else {
        j["traffic_correlation"] = nullptr;
    }
    json queries = json::array();
    for (const auto& q : f.evidence->queries)
        queries.push_back({ { "kind", prometheus::queryKindName(q.kind) }, { "promql", q.promql }, { "window", windowJson(q.range) },
            { "step_seconds", q.stepMs / 1000 }, { "series", q.seriesCount }, { "error", q.error.empty() ? json(nullptr) : json(q.error) } });
    j["queries"] = queries;
    j["prometheus"] = { { "reachable", !f.evidence->prometheusUnreachable },
        { "error", f.evidence->prometheusUnreachable ? json(*f.evidence->prometheusUnreachable) : json(nullptr) },
        { "url", f.evidence->prometheusUrl.empty() ? json(nullptr) : json(f.evidence->prometheusUrl) },
        { "discovered_from",
            f.evidence->prometheusDiscoveredFrom.empty() ? json(nullptr) : json(f.evidence->prometheusDiscoveredFrom) },
        { "chosen_because",
            f.evidence->prometheusChosenBecause.empty() ? json(nullptr) : json(f.evidence->prometheusChosenBecause) } };
    // The names the queries were spelled with, as --metric keys: what to override when they are wrong.
    if (const auto& mp = f.evidence->metricsProfile) {
        json names(mp->profile.asMap());
        names["probed"] = mp->probed;
        names["overridden"] = mp->overridden;
        names["notes"] = mp->notes;
        j["metrics_profile"] = names;
    } else {
        j["metrics_profile"] = nullptr;
    }
    j["warnings"] = f.warnings;
    return j;
}

std::string findingsToText(const Findings& f)
{
    std::ostringstream out;
    const auto& v = f.verdict;
    if (f.evidence && f.evidence->workload) {
        const WorkloadEvidence& w = *f.evidence->workload;
        out << w.workload.text() << " in namespace " << f.request.ns;
        if (w.service)
            out << " (through Service " << *w.service << ")";
    } else {
        out << "Service " << f.request.service << " in namespace " << f.request.ns;
    }
    out << " (window " << kube::formatTimestamp(f.request.nowMs - f.request.windowMs) << " .. "
        << kube::formatTimestamp(f.request.nowMs) << ")\n\n";
    out << "Step 1 - memory growth pattern";
    if (f.evidence && f.evidence->workload && !f.evidence->workload->mainContainer.empty())
        out << " of container " << f.evidence->workload->mainContainer;
    out << "\n";
    out << "  verdict:  "
        << (v.pattern == analysis::Pattern::Unknown ? "UNKNOWN (cannot tell)"
                   : v.leak                         ? "LEAK"
                                                    : "no leak")
        << ", pattern " << analysis::patternName(v.pattern) << ", confidence "
        << static_cast<int>(std::lround(v.confidence * 100)) << "%\n";
    if (v.slopeBytesPerHour)
        out << "  slope:    " << formatBytes(*v.slopeBytesPerHour) << "/h\n";
    if (v.stabilisedWithin10min)
        out << "  stabilised within 10 minutes of start: " << (*v.stabilisedWithin10min ? "yes" : "no") << "\n";
    out << "  " << v.summary << "\n";
    for (const auto& m : v.missing)
        out << "  missing:  " << m.topic << ": " << m.reason << "\n";
    for (const auto& c : v.contradictions)
        out << "  contradicts: " << c.topic << ": " << c.reason << "\n";
    if (f.containers.size() > 1) {
        out << "\n  CONTAINER             ROLE             LIMIT       OOM KILLS  VERDICT\n";
        for (const ContainerFinding& c : f.containers) {
            std::string name = c.name;
            name.resize(std::max<size_t>(name.size(), 21), ' ');
            std::string role = kube::containerRoleName(c.role);
            role.resize(std::max<size_t>(role.size(), 16), ' ');
            std::string lim = c.limitBytes ? formatBytes(*c.limitBytes) : std::string("none");
            lim.resize(std::max<size_t>(lim.size(), 11), ' ');
            std::string kills = std::to_string(c.oomKills);
            kills.resize(std::max<size_t>(kills.size(), 10), ' ');
            std::string verdict = !c.verdict ? std::string("-")
                : c.verdict->pattern == analysis::Pattern::Unknown
                ? std::string("unknown")
                : std::string(c.verdict->leak ? "LEAK, " : "no leak, ") + analysis::patternName(c.verdict->pattern);
            out << "  " << name << " " << role << " " << lim << " " << kills << " " << verdict << "\n";
        }
    }
    out << "\n";
    out << "  POD                                  MEMORY      LIMIT       RESTARTS  LAST TERMINATION\n";
    for (const auto& p : f.pods) {
        std::string name = p.name;
        name.resize(std::max<size_t>(name.size(), 36), ' ');
        std::string mem = p.memoryBytes ? formatBytes(static_cast<double>(*p.memoryBytes)) : std::string("-");
        std::string lim = p.limitBytes ? formatBytes(static_cast<double>(*p.limitBytes)) : std::string("-");
        mem.resize(std::max<size_t>(mem.size(), 11), ' ');
        lim.resize(std::max<size_t>(lim.size(), 11), ' ');
        std::string restarts = std::to_string(p.restarts);
        restarts.resize(std::max<size_t>(restarts.size(), 9), ' ');
        out << "  " << name << " " << mem << " " << lim << " " << restarts << " " << (p.lastTerminationReason.empty() ? "-" : p.lastTerminationReason)
            << "\n";
    }
    out << "\nStep 2 - OOMKills\n";
    out << "  " << f.oom.countLastHour << " in the last hour, at most " << f.oom.maxInAnyWindow << " in any hour of the window; rule (more than "
        << f.oom.rule.threshold << " in 1 hour) " << (f.oom.ruleMet ? "MET: active memory leak confirmed" : "not met") << "\n";
    for (const auto& k : f.oom.kills) {
        std::string sources;
        for (const auto& s : k.sources)
            sources += (sources.empty() ? "" : ",") + s;
        out << "  " << kube::formatTimestamp(k.timeMs) << "  " << (k.pod.empty() ? "(node " + k.node + ")" : k.pod) << "  [" << sources << "]\n";
    }
    for (const auto& n : f.oom.notes)
        out << "  note: " << n << "\n";
    if (!v.evidence.empty()) {
        out << "\nEvidence\n";
        for (const auto& e : v.evidence)
            out << "  - " << (e.pod.empty() ? "" : e.pod + ": ") << e.sentence << "\n";
    }
    for (const auto& w : f.warnings)
        out << "warning: " << w << "\n";
    return out.str();
}

} // namespace leakdesk::investigation
