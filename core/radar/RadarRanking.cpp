#include "core/radar/RadarRanking.h"

#include "core/analysis/Comparisons.h"
#include "core/common/Quantity.h"
#include "core/kube/Workloads.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

namespace leakdesk::radar {

using prometheus::RadarQueryKind;

namespace {

// Growth the server measured per container lifetime counts as real above this fraction of the level
// per hour: the slope of a flat container's noise over a few hours stays well below it, and a
// leak the verdict's own rules might miss (restarts cutting the sparkline) stays above.
constexpr double kServerGrowthFractionPerHour = 0.01;
// A projection further out than this does not raise the score.
constexpr double kLimitHorizonHours = 48.0;

struct ContainerFacts {
    std::optional<double> workingSet;
    std::optional<double> level;
    std::optional<double> growthPerSecond;
    std::optional<double> limit;
    double restarts = 0;
    double oomEvents = 0;
    double oomTerminated = 0;
    std::vector<Sample> sparkline;
    std::vector<Sample> baseline;
};

struct WorkloadFacts {
    std::string cluster, ns, kind, name;
    int pods = 0;
    std::vector<Sample> traffic;
    std::map<std::string, ContainerFacts> containers;
};

using WorkloadKey = std::tuple<std::string, std::string, std::string, std::string>;

std::string fixed(double v, int decimals)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

bool isBatch(const std::string& kind)
{
    return kind == "Job" || kind == "CronJob";
}

std::optional<double> lastValue(const Series& s)
{
    if (s.samples.empty() || !std::isfinite(s.samples.back().value))
        return std::nullopt;
    return s.samples.back().value;
}

// 1 - the chance that none of the pieces of evidence is right: two independent signs of a leak
// (growth and OOM kills) rank above one.
double combine(const std::vector<double>& parts)
{
    double none = 1.0;
    for (double p : parts)
        none *= 1.0 - std::clamp(p, 0.0, 1.0);
    return std::min(0.99, 1.0 - none);
}

std::vector<Sample> thinned(std::vector<Sample> samples, int maxPoints)
{
    if (maxPoints <= 0 || samples.size() <= static_cast<std::size_t>(maxPoints))
        return samples;
    std::vector<Sample> out;
    const double every = static_cast<double>(samples.size()) / maxPoints;
    for (int i = 0; i < maxPoints; ++i)
        out.push_back(samples[static_cast<std::size_t>(i * every)]);
    out.back() = samples.back();
    return out;
}

RadarContainer judge(const WorkloadFacts& w, const std::string& name, const ContainerFacts& c,
    const ContainerRole& role, const RadarOptions& options, std::int64_t nowMs)
{
    RadarContainer out;
    out.name = name;
    out.main = role.main;
    out.role = role.why;
    out.workingSetBytes = c.workingSet;
    out.limitBytes = c.limit;
    out.restarts24h = static_cast<int>(std::lround(c.restarts));
    out.oomKills24h = static_cast<int>(std::lround(std::max(c.oomEvents, c.oomTerminated)));
    out.dataKnown = c.workingSet.has_value() || !c.sparkline.empty();
    const std::string who = name + (role.main ? "" : " (sidecar)");
    if (!out.dataKnown) {
        out.pattern = analysis::patternName(analysis::Pattern::Unknown);
        out.reason = who + ": no memory samples in the window: unknown, not \"no leak\"";
        if (out.oomKills24h > 0)
            out.reason += "; " + std::to_string(out.oomKills24h) + " OOM kills in 24 h";
        return out;
    }
    const double level = c.level.value_or(c.workingSet.value_or(0.0));
    const double growthPerHour = c.growthPerSecond.value_or(0.0) * 3600.0;
    out.growthBytesPerHour = growthPerHour;
    const double relativeGrowth = level > 0 ? growthPerHour / level : 0.0;

    std::vector<double> parts;
    std::vector<std::string> said;
    bool growing = false;
    if (isBatch(w.kind)) {
        // A run grows while it works and is freed when it ends: judged by how runs end.
        out.pattern = "batch";
        said.push_back("batch work, judged by how its runs end, not by growth within a run");
    } else {
        // The per-service verdict's rules on what the server aggregated: the workload's memory
        // (average over pods), its request rate and the same hours a week ago.
        analysis::MemoryInputs inputs;
        inputs.service = w.name;
        inputs.window = { nowMs - options.windowMs, nowMs };
        inputs.pods.push_back({ w.name + "/" + name, c.sparkline, c.limit, {}, {} });
        inputs.requestRate = w.traffic;
        inputs.baselineMemory = c.baseline;
        inputs.baselineWindow = { inputs.window.startMs - prometheus::kRadarBaselineOffsetMs,
            inputs.window.endMs - prometheus::kRadarBaselineOffsetMs };
        const analysis::Verdict verdict = analysis::analyseMemory(inputs, options.analysis);
        out.pattern = analysis::patternName(verdict.pattern);
        const bool followsTraffic = verdict.pattern == analysis::Pattern::FollowsTraffic;
        if (verdict.leak) {
            parts.push_back(0.4 + 0.5 * verdict.confidence);
            growing = true;
            said.push_back(std::string(verdict.pattern == analysis::Pattern::Sawtooth ? "sawtooth" : "steady growth")
                + " (confidence " + fixed(verdict.confidence, 2) + ")");
        } else if (followsTraffic) {
            said.push_back("grows with its traffic or as it did a week ago (follows-traffic): not a leak");
        } else if (verdict.pattern == analysis::Pattern::InsufficientData) {
            said.push_back("too few samples in the window for the verdict");
        } else {
            said.push_back(std::string(out.pattern) + " (confidence " + fixed(verdict.confidence, 2) + ")");
        }
        const bool verdictMissedGrowth = verdict.pattern == analysis::Pattern::Stable
            || verdict.pattern == analysis::Pattern::SlowWarmUp;
        // Per container lifetime, so restarts do not hide it; growth the traffic explains does not count.
        if (!followsTraffic && relativeGrowth >= kServerGrowthFractionPerHour) {
            growing = true;
            parts.push_back(std::min(0.85, 0.45 + 0.12 * std::log10(relativeGrowth / kServerGrowthFractionPerHour)));
            // The pods' average can look flat while each lifetime grows: restarts cut it back.
            if (verdictMissedGrowth)
                said.back() = "the pods' average looks " + said.back()
                    + ", but each container lifetime grows (restarts cut the average back)";
        }
        if (growthPerHour > 0 && (growing || followsTraffic))
            said.insert(said.begin(),
                "grows " + formatBytes(growthPerHour) + "/h per container lifetime (" + fixed(100 * relativeGrowth, 1)
                    + " %/h of " + formatBytes(level) + ")");
        else
            said.insert(said.begin(), "at " + formatBytes(level));
        if (growing && growthPerHour > 0) {
            const analysis::LimitProjection projection
                = analysis::projectTimeToLimit(level, nowMs, growthPerHour, true, c.limit);
            if (projection.hoursToLimit) {
                out.timeToLimitHours = projection.hoursToLimit;
                const double h = *projection.hoursToLimit;
                if (h < kLimitHorizonHours)
                    parts.push_back(0.9 - 0.35 * std::max(0.0, h) / kLimitHorizonHours);
                said.push_back(h <= 0
                        ? "at its " + formatBytes(*c.limit) + " limit"
                        : "reaches its " + formatBytes(*c.limit) + " limit in about " + fixed(h, 1) + " h");
            } else if (projection.state == analysis::ProjectionState::AtOrAboveLimit && c.limit) {
                out.timeToLimitHours = 0.0;
                parts.push_back(0.9);
                said.push_back("at its " + formatBytes(*c.limit) + " limit");
            }
        }
    }
    if (out.oomKills24h > 0) {
        parts.push_back(std::min(0.95, 0.7 + 0.05 * out.oomKills24h));
        said.push_back(std::to_string(out.oomKills24h) + " OOM kill" + (out.oomKills24h == 1 ? "" : "s") + " in 24 h");
    }
    const int otherRestarts = std::max(0, out.restarts24h - out.oomKills24h);
    if (otherRestarts > 0) {
        parts.push_back(std::min(0.3, 0.1 * otherRestarts));
        said.push_back(std::to_string(otherRestarts) + " other restart" + (otherRestarts == 1 ? "" : "s") + " in 24 h");
    }
    out.score = combine(parts);
    out.reason = who + ": ";
    for (std::size_t i = 0; i < said.size(); ++i)
        out.reason += (i ? "; " : "") + said[i];
    return out;
}

RadarRow rowFor(const WorkloadFacts& w, const RadarOptions& options, std::int64_t nowMs)
{
    RadarRow row;
    row.cluster = w.cluster;
    row.ns = w.ns;
    row.workloadKind = w.kind;
    row.workloadName = w.name;
    row.pods = w.pods;
    std::vector<std::string> names;
    for (const auto& [name, facts] : w.containers)
        names.push_back(name);
    const auto roles = classifyRadarContainers(w.name, names);
    for (const auto& [name, facts] : w.containers)
        row.containers.push_back(judge(w, name, facts, roles.at(name), options, nowMs));
    std::stable_sort(
        row.containers.begin(), row.containers.end(), [](const RadarContainer& a, const RadarContainer& b) {
            return std::tuple(!a.main, !a.dataKnown, -a.score) < std::tuple(!b.main, !b.dataKnown, -b.score);
        });
    for (const RadarContainer& c : row.containers) {
        row.oomKills24h += c.oomKills24h;
        row.restarts24h += c.restarts24h;
    }
    if (row.containers.empty() || !row.containers.front().main) {
        row.reason = "kube-state-metrics knows this " + w.kind + " (" + std::to_string(w.pods)
            + " pods) but Prometheus has no memory samples of its containers in the window: unknown, not \"no leak\"";
        row.pattern = analysis::patternName(analysis::Pattern::Unknown);
        return row;
    }
    const RadarContainer& worst = row.containers.front(); // main, known first, highest score
    row.dataKnown = worst.dataKnown;
    row.score = worst.dataKnown ? worst.score : 0.0;
    row.container = worst.name;
    row.pattern = worst.pattern;
    row.reason = worst.reason;
    row.growthBytesPerHour = worst.growthBytesPerHour;
    row.timeToLimitHours = worst.timeToLimitHours;
    row.workingSetBytes = worst.workingSetBytes;
    row.limitBytes = worst.limitBytes;
    row.sparkline = thinned(w.containers.at(worst.name).sparkline, options.sparklinePoints);
    // A sidecar that looks worse is named, so nobody wonders why its growth did not count.
    for (const RadarContainer& c : row.containers)
        if (!c.main && c.dataKnown && c.score > row.score + 0.1)
            row.reason += " (sidecar " + c.name + " scores " + fixed(c.score, 2) + ", not counted: " + c.role + ")";
    return row;
}

} // namespace

std::map<std::string, ContainerRole> classifyRadarContainers(
    const std::string& workloadName, const std::vector<std::string>& containers)
{
    std::map<std::string, ContainerRole> roles;
    const bool named = std::find(containers.begin(), containers.end(), workloadName) != containers.end();
    const bool anyUnknown = std::any_of(
        containers.begin(), containers.end(), [](const std::string& c) { return !kube::knownSidecarName(c); });
    for (const std::string& c : containers) {
        if (named)
            roles[c] = c == workloadName ? ContainerRole { true, "named like the workload" }
                                         : ContainerRole { false, "not the container named like the workload" };
        else if (kube::knownSidecarName(c) && anyUnknown)
            roles[c] = { false, "a known sidecar (" + c + ")" };
        else
            roles[c] = { true, anyUnknown ? "not a known sidecar" : "every container is a known sidecar name" };
    }
    return roles;
}

RadarReport rankWorkloads(
    const std::vector<RadarAnswers>& answers, const RadarOptions& options, std::vector<RadarFailure> failures)
{
    RadarReport report;
    report.nowMs = options.nowMs;
    report.windowMs = options.windowMs;
    report.failures = std::move(failures);
    std::map<WorkloadKey, WorkloadFacts> workloads;
    auto workloadOf = [&](const Series& s) -> WorkloadFacts* {
        const std::string kind = s.label("workload_kind");
        const std::string name = s.label("workload");
        if (name.empty() || kind.empty())
            return nullptr;
        WorkloadKey key { s.label(options.clusterLabel), s.label("namespace"), kind, name };
        WorkloadFacts& w = workloads[key];
        std::tie(w.cluster, w.ns, w.kind, w.name) = key;
        return &w;
    };
    for (const RadarAnswers& a : answers) {
        for (const auto& [kind, series] : a.byKind) {
            for (const Series& s : series) {
                WorkloadFacts* w = workloadOf(s);
                if (!w)
                    continue;
                if (kind == RadarQueryKind::Workloads) {
                    w->pods = static_cast<int>(lastValue(s).value_or(0));
                    continue;
                }
                if (kind == RadarQueryKind::Traffic) {
                    w->traffic = s.samples;
                    continue;
                }
                if (kind == RadarQueryKind::Namespaces)
                    continue;
                const std::string container = s.label("container");
                if (container.empty())
                    continue;
                ContainerFacts& c = w->containers[container];
                const std::optional<double> v = lastValue(s);
                switch (kind) {
                case RadarQueryKind::WorkingSetNow:
                    c.workingSet = v;
                    break;
                case RadarQueryKind::Level:
                    c.level = v;
                    break;
                case RadarQueryKind::Growth:
                    c.growthPerSecond = v;
                    break;
                case RadarQueryKind::Limit:
                    if (v && *v > 0)
                        c.limit = v;
                    break;
                case RadarQueryKind::Restarts24h:
                    c.restarts = v.value_or(0);
                    break;
                case RadarQueryKind::OomEvents24h:
                    c.oomEvents = v.value_or(0);
                    break;
                case RadarQueryKind::OomTerminated24h:
                    c.oomTerminated = v.value_or(0);
                    break;
                case RadarQueryKind::Sparkline:
                    c.sparkline = s.samples;
                    break;
                case RadarQueryKind::BaselineSparkline:
                    c.baseline = s.samples;
                    break;
                default:
                    break;
                }
            }
        }
    }
    for (const auto& [key, w] : workloads)
        report.rows.push_back(rowFor(w, options, options.nowMs));
    std::sort(report.rows.begin(), report.rows.end(), [](const RadarRow& a, const RadarRow& b) {
        const double ttlA = a.timeToLimitHours.value_or(1e18);
        const double ttlB = b.timeToLimitHours.value_or(1e18);
        return std::tuple(!a.dataKnown, -a.score, ttlA, -a.growthBytesPerHour, a.cluster, a.ns, a.workloadName)
            < std::tuple(!b.dataKnown, -b.score, ttlB, -b.growthBytesPerHour, b.cluster, b.ns, b.workloadName);
    });
    report.workloadsSeen = report.rows.size();
    if (options.topN > 0 && report.rows.size() > options.topN)
        report.rows.resize(options.topN);
    if (workloads.empty())
        report.notes.push_back("no workload found: kube-state-metrics' kube_pod_owner has no series for the "
                               "namespaces asked over the window (is kube-state-metrics scraped?)");
    return report;
}

bool RadarReport::noData() const
{
    return std::none_of(rows.begin(), rows.end(), [](const RadarRow& r) { return r.dataKnown; });
}

} // namespace leakdesk::radar
