#include "core/investigation/Findings.h"
#include "core/investigation/PrometheusInCluster.h"

#include "core/analysis/BatchRuns.h"
#include "core/analysis/MemoryAnalysis.h"

#include <algorithm>
#include <set>

namespace leakdesk::investigation {

using prometheus::QueryKind;

const PodRow* Findings::pod(const std::string& name) const
{
    for (const auto& p : pods)
        if (p.name == name)
            return &p;
    return nullptr;
}

namespace {

const Series* seriesForPod(const std::vector<Series>& all, const std::string& pod)
{
    for (const auto& s : all)
        if (s.label("pod") == pod)
            return &s;
    return nullptr;
}

std::string sourceOf(const RawEvidence& ev, QueryKind kind)
{
    for (const auto& q : ev.queries)
        if (q.kind == kind)
            return q.promql;
    return {};
}

// How much of the verdict's confidence survives without this evidence. Restart counters and the
// memory series carry the pattern (sawtooth cycles are confirmed by restarts); the others refine it.
double confidenceKeptWithout(const std::string& topic)
{
    if (topic == "restarts")
        return 0.7;
    if (topic == "limits" || topic == "oom" || topic == "oom-events" || topic == "traffic")
        return 0.9;
    return 0.95;
}

bool hasSamples(const std::vector<Series>& all)
{
    return std::any_of(all.begin(), all.end(), [](const Series& s) { return !s.samples.empty(); });
}

// Which selector of which metric found nothing, and the setting that names them otherwise.
std::string memoryQueryAdvice(const RawEvidence& ev)
{
    for (const QueryEvidence& q : ev.queries)
        if (q.kind == QueryKind::MemoryWorkingSet && !q.promql.empty())
            return ": "
                + prometheus::emptyMemoryQueryAdvice(
                    q.promql, ev.metricsProfile ? ev.metricsProfile->profile : prometheus::MetricsProfile {});
    return {};
}

void applyMissingEvidence(analysis::Verdict& v, const RawEvidence& ev)
{
    v.missing = ev.missing;
    std::string memoryFailure;
    for (const auto& q : ev.queries) {
        // The per-container queries judge sidecars: their failure is theirs, not the main verdict's.
        if (q.error.empty() || q.kind == QueryKind::MemoryWorkingSetByContainer
            || q.kind == QueryKind::MemoryLimitByContainer || q.kind == QueryKind::MemoryPerPodAvgBaselineByContainer)
            continue;
        const std::string topic = evidenceTopicOf(q.kind);
        const std::string reason = ev.prometheusUnreachable ? std::string("not asked: Prometheus is unreachable")
                                                            : "Prometheus query failed: " + q.error;
        // Unasked queries share one reason: one entry per topic. Failures keep each its own.
        const bool known = ev.prometheusUnreachable
            && std::any_of(v.missing.begin(), v.missing.end(),
                [&](const analysis::MissingEvidence& m) { return m.topic == topic; });
        if (!known)
            v.missing.push_back({ topic, reason });
        if (q.kind == QueryKind::MemoryWorkingSet)
            memoryFailure = q.error;
        if (q.kind == QueryKind::Restarts)
            v.restartsKnown = false;
    }
    if (!v.restartsKnown) {
        // What the analysis said about restarts came from counters it never got: drop it.
        v.restartsInWindow = 0;
        v.evidence.erase(std::remove_if(v.evidence.begin(), v.evidence.end(),
                             [](const analysis::Evidence& e) { return e.topic == "restarts"; }),
            v.evidence.end());
    }
    const bool memoryQueried = std::any_of(ev.queries.begin(), ev.queries.end(),
        [](const QueryEvidence& q) { return q.kind == QueryKind::MemoryWorkingSet; });
    if (!memoryFailure.empty() || (memoryQueried && !hasSamples(ev.seriesOf(QueryKind::MemoryWorkingSet)))) {
        const std::string reason = ev.prometheusUnreachable
            ? "Prometheus is unreachable (" + *ev.prometheusUnreachable + ")"
            : !memoryFailure.empty() ? "the memory query failed (" + memoryFailure + ")"
                                     : "Prometheus returned no memory samples for the pods of '" + ev.request.service
                + "' in the window" + memoryQueryAdvice(ev);
        if (memoryFailure.empty())
            v.missing.push_back({ "memory", "Prometheus returned no memory series for these pods" });
        v.pattern = analysis::Pattern::Unknown;
        v.leak = false;
        v.confidence = 0.0;
        v.slopeBytesPerHour.reset();
        v.slopeLowBytesPerHour.reset();
        v.slopeHighBytesPerHour.reset();
        v.stabilisedWithin10min.reset();
        // "0 samples for pod X" per pod restates the missing memory series; the summary says it once.
        v.evidence.erase(std::remove_if(v.evidence.begin(), v.evidence.end(),
                             [](const analysis::Evidence& e) { return e.topic == "data"; }),
            v.evidence.end());
        v.summary = "Unknown: cannot tell whether " + ev.request.service + " leaks, " + reason + ". "
            + (ev.prometheusUnreachable
                    ? questionsWithoutHistory()
                        + " The pods, restarts and OOM kills below come from the cluster; heap capture and "
                          "mitigations work without Prometheus. Check the Prometheus URL and that it is up, "
                          "then run again."
                    : "Check that Prometheus is up and scrapes the kubelet's cAdvisor metrics for namespace '"
                        + ev.request.ns
                        + "', and that its metric names are the ones LeakDesk queries, then run again.");
        return;
    }
    if (v.missing.empty())
        return;
    // Once per topic: the two OOM queries failing together are one piece of evidence missing.
    std::vector<std::string> topics;
    for (const auto& m : v.missing)
        if (std::find(topics.begin(), topics.end(), m.topic) == topics.end())
            topics.push_back(m.topic);
    std::string named;
    for (const auto& topic : topics) {
        v.confidence *= confidenceKeptWithout(topic);
        named += (named.empty() ? "" : ", ") + topic;
    }
    v.summary += " Partial data (missing: " + named + "), so confidence is lowered.";
}

// Runs (pods) of batch work whose main container ended OOMKilled, as the API or
// kube-state-metrics saw it.
int oomKilledRuns(const RawEvidence& ev)
{
    std::set<std::string> pods;
    const std::string main = ev.workload ? ev.workload->mainContainer : std::string();
    for (const auto& s : ev.seriesOf(QueryKind::LastTerminatedOom))
        if (main.empty() || s.label("container") == main)
            pods.insert(s.label("pod"));
    for (const auto& pod : ev.pods)
        for (const auto& st : pod.statuses)
            if ((main.empty() || st.name == main) && st.lastTerminated && st.lastTerminated->reason == "OOMKilled")
                pods.insert(pod.meta.name);
    return static_cast<int>(pods.size());
}

std::vector<Series> ofContainer(const std::vector<Series>& all, const std::string& container)
{
    std::vector<Series> out;
    for (const auto& s : all)
        if (s.label("container") == container)
            out.push_back(s);
    return out;
}

// Each container of the workload: the main one with the top-level verdict, the others judged on
// their own series (per pod and container) against their own limits.
std::vector<ContainerFinding> judgeContainers(
    const RawEvidence& ev, const Findings& f, const analysis::AnalysisParams& params)
{
    std::vector<ContainerFinding> out;
    if (!ev.workload)
        return out;
    for (const kube::ContainerInfo& info : ev.workload->containers) {
        ContainerFinding c;
        c.name = info.name;
        c.role = info.role;
        c.why = info.why;
        const auto limits = ofContainer(ev.seriesOf(QueryKind::MemoryLimitByContainer), info.name);
        if (info.memoryLimitBytes)
            c.limitBytes = static_cast<double>(*info.memoryLimitBytes);
        else
            for (const auto& s : limits)
                if (!s.samples.empty())
                    c.limitBytes = s.samples.back().value;
        for (const auto& kill : f.oom.kills)
            if (kill.container == info.name)
                ++c.oomKills;
        if (info.role == kube::ContainerRole::Main) {
            c.verdict = f.verdict;
        } else if (info.role != kube::ContainerRole::Init) {
            const auto memory = ofContainer(ev.seriesOf(QueryKind::MemoryWorkingSetByContainer), info.name);
            if (hasSamples(memory)) {
                analysis::MemoryInputs in;
                in.service = "container " + info.name + " of " + ev.request.service;
                in.window = { ev.request.nowMs - ev.request.windowMs, ev.request.nowMs };
                in.sources.memory = sourceOf(ev, QueryKind::MemoryWorkingSetByContainer);
                in.sources.limits = sourceOf(ev, QueryKind::MemoryLimitByContainer);
                // A proxy's memory follows the traffic it carries as much as the application's does.
                in.sources.requestRate = sourceOf(ev, QueryKind::RequestRate);
                if (!ev.seriesOf(QueryKind::RequestRate).empty())
                    in.requestRate = ev.seriesOf(QueryKind::RequestRate).front().samples;
                // Its own level at the same hours a week ago.
                for (const auto& b :
                    ofContainer(ev.seriesOf(QueryKind::MemoryPerPodAvgBaselineByContainer), info.name)) {
                    in.sources.baseline = sourceOf(ev, QueryKind::MemoryPerPodAvgBaselineByContainer);
                    in.baselineMemory = b.samples;
                    in.baselineWindow
                        = { in.window.startMs - 7 * 24 * 3600 * 1000LL, in.window.endMs - 7 * 24 * 3600 * 1000LL };
                }
                for (const auto& s : memory) {
                    analysis::PodMemoryInput p;
                    p.pod = s.label("pod");
                    p.memory = s.samples;
                    if (info.memoryLimitBytes)
                        p.limitBytes = static_cast<double>(*info.memoryLimitBytes);
                    else if (const Series* l = seriesForPod(limits, p.pod); l && !l->samples.empty())
                        p.limitBytes = l->samples.back().value;
                    in.pods.push_back(std::move(p));
                }
                c.verdict = analysis::analyseMemory(in, params);
            }
        }
        out.push_back(std::move(c));
    }
    // The main container first, then as the pod spec lists them.
    std::stable_partition(
        out.begin(), out.end(), [](const ContainerFinding& c) { return c.role == kube::ContainerRole::Main; });
    return out;
}

} // namespace

std::string evidenceTopicOf(QueryKind kind)
{
    switch (kind) {
    case QueryKind::MemoryWorkingSet:
        return "memory";
    case QueryKind::MemoryLimit:
        return "limits";
    case QueryKind::Restarts:
        return "restarts";
    case QueryKind::LastTerminatedOom:
    case QueryKind::OomEvents:
        return "oom";
    case QueryKind::JvmHeapUsed:
    case QueryKind::JvmHeapMax:
        return "jvm-heap";
    case QueryKind::RequestRate:
        return "traffic";
    case QueryKind::MemoryPerPodAvg:
        return "memory-average";
    case QueryKind::MemoryPerPodAvgBaseline:
        return "baseline";
    case QueryKind::MemoryWorkingSetByContainer:
    case QueryKind::MemoryLimitByContainer:
    case QueryKind::MemoryPerPodAvgBaselineByContainer:
        return "containers";
    default:
        break;
    }
    return prometheus::queryKindName(kind);
}

Findings analyseEvidence(std::shared_ptr<const RawEvidence> evidencePtr)
{
    const RawEvidence& ev = *evidencePtr;
    Findings f;
    f.request = ev.request;
    f.evidence = evidencePtr;
    f.warnings = ev.warnings;

    // Pods the API knows now, plus pods seen only in the metrics window (replaced since).
    std::vector<std::string> podNames;
    for (const auto& p : ev.pods)
        podNames.push_back(p.meta.name);
    for (const auto& s : ev.seriesOf(QueryKind::MemoryWorkingSet))
        if (std::find(podNames.begin(), podNames.end(), s.label("pod")) == podNames.end())
            podNames.push_back(s.label("pod"));

    for (const auto& pod : ev.pods) {
        PodRow row;
        row.name = pod.meta.name;
        row.phase = pod.phase;
        row.node = pod.nodeName;
        row.ready = !pod.statuses.empty()
            && std::all_of(pod.statuses.begin(), pod.statuses.end(), [](const auto& s) { return s.ready; });
        // The main container's own limit: the verdict judges it alone (a pod's sum of limits, or
        // none when a sidecar has none, is no container's limit).
        row.limitBytes = pod.memoryLimitBytes();
        if (ev.workload && !ev.workload->mainContainer.empty())
            for (const auto& c : pod.containers)
                if (c.name == ev.workload->mainContainer)
                    row.limitBytes = c.memoryLimitBytes;
        row.restarts = pod.restartCount();
        row.startedMs = pod.startMs;
        for (const auto& st : pod.statuses) {
            if (st.lastTerminated && st.lastTerminated->finishedMs >= row.lastTerminatedMs) {
                row.lastTerminationReason = st.lastTerminated->reason;
                row.lastExitCode = st.lastTerminated->exitCode;
                row.lastTerminatedMs = st.lastTerminated->finishedMs;
            }
        }
        for (const auto& m : ev.podMetrics)
            if (m.meta.name == row.name)
                row.memoryBytes = m.memoryBytes();
        f.pods.push_back(std::move(row));
    }

    analysis::MemoryInputs in;
    in.service = ev.request.service;
    in.window = { ev.request.nowMs - ev.request.windowMs, ev.request.nowMs };
    in.sources.memory = sourceOf(ev, QueryKind::MemoryWorkingSet);
    in.sources.restarts = sourceOf(ev, QueryKind::Restarts);
    in.sources.limits = sourceOf(ev, QueryKind::MemoryLimit);
    in.sources.requestRate = sourceOf(ev, QueryKind::RequestRate);
    in.sources.baseline = sourceOf(ev, QueryKind::MemoryPerPodAvgBaseline);
    in.sources.jvmHeap = sourceOf(ev, QueryKind::JvmHeapUsed);
    for (const auto& name : podNames) {
        analysis::PodMemoryInput p;
        p.pod = name;
        if (const Series* s = seriesForPod(ev.seriesOf(QueryKind::MemoryWorkingSet), name))
            p.memory = s->samples;
        if (const Series* s = seriesForPod(ev.seriesOf(QueryKind::Restarts), name))
            p.restartCounter = s->samples;
        if (const Series* s = seriesForPod(ev.seriesOf(QueryKind::JvmHeapUsed), name))
            p.jvmHeapUsed = s->samples;
        // The limit from the pod spec wins; kube-state-metrics covers pods that are gone.
        const PodRow* row = nullptr;
        for (const auto& r : f.pods)
            if (r.name == name)
                row = &r;
        if (row && row->limitBytes)
            p.limitBytes = static_cast<double>(*row->limitBytes);
        else if (const Series* s = seriesForPod(ev.seriesOf(QueryKind::MemoryLimit), name); s && !s->samples.empty())
            p.limitBytes = s->samples.back().value;
        f.limitBytesByPod[name] = p.limitBytes;
        in.pods.push_back(std::move(p));
    }
    if (!ev.seriesOf(QueryKind::RequestRate).empty())
        in.requestRate = ev.seriesOf(QueryKind::RequestRate).front().samples;
    if (!ev.seriesOf(QueryKind::MemoryPerPodAvgBaseline).empty()) {
        // The baseline query carries `offset 7d`: its samples are stamped with today's times.
        in.baselineMemory = ev.seriesOf(QueryKind::MemoryPerPodAvgBaseline).front().samples;
        in.baselineWindow = { in.window.startMs - 7 * 24 * 3600 * 1000LL, in.window.endMs - 7 * 24 * 3600 * 1000LL };
    }
    in.sources.weekMemory = sourceOf(ev, QueryKind::MemoryPerPodAvg);
    if (!ev.seriesOf(QueryKind::MemoryPerPodAvg).empty())
        in.weekMemory = ev.seriesOf(QueryKind::MemoryPerPodAvg).front().samples;
    std::set<std::string> lastOomKilled;
    const std::string main = ev.workload ? ev.workload->mainContainer : std::string();
    for (const auto& s : ev.seriesOf(QueryKind::LastTerminatedOom)) {
        const bool killed = std::any_of(s.samples.begin(), s.samples.end(),
            [&](const Sample& x) { return x.value >= 1 && x.tMs >= in.window.startMs && x.tMs <= in.window.endMs; });
        if (killed && (main.empty() || s.label("container") == main))
            lastOomKilled.insert(s.label("pod"));
    }
    in.podsLastOomKilled = lastOomKilled.size();
    analysis::AnalysisParams params;
    params.stability.warmUpMs = ev.request.warmUpMs;
    params.oomMaxCount = ev.request.oomThreshold;
    params.oomWindowMs = ev.request.oomWindowMs;
    const bool batch = ev.workload
        && (ev.workload->workload.kind == kube::WorkloadKind::CronJob
            || ev.workload->workload.kind == kube::WorkloadKind::Job);
    f.verdict = batch ? analysis::analyseBatchRuns(in, oomKilledRuns(ev)) : analysis::analyseMemory(in, params);
    applyMissingEvidence(f.verdict, ev);

    for (auto& row : f.pods)
        for (const auto& pa : f.verdict.pods)
            if (pa.pod == row.name && pa.projection && pa.projection->hoursToLimit)
                row.hoursToLimit = pa.projection->hoursToLimit;

    oom::OomInputs oi;
    oi.pods = ev.pods;
    oi.oomEvents = ev.oomEvents;
    oi.restarts = ev.seriesOf(QueryKind::Restarts);
    oi.lastTerminatedOom = ev.seriesOf(QueryKind::LastTerminatedOom);
    oi.oomEventCounters = ev.seriesOf(QueryKind::OomEvents);
    oi.stepMs = ev.stepMs;
    if (ev.prometheusUnreachable)
        oi.seriesUnavailableReason = "Prometheus is unreachable (" + *ev.prometheusUnreachable + ")";
    oom::OomRule rule;
    rule.threshold = ev.request.oomThreshold;
    rule.windowMs = ev.request.oomWindowMs;
    f.oom = oom::fuseOomEvidence(oi, ev.request.ns, ev.request.nowMs, rule);
    std::vector<std::string> notedTopics;
    for (const auto& m : f.verdict.missing) {
        const bool oomSource = m.topic == "restarts" || m.topic == "oom" || m.topic == "oom-events";
        // Said once per topic; an unreachable Prometheus is already one note of the fusion.
        if (!oomSource || (ev.prometheusUnreachable && m.topic != "oom-events")
            || std::find(notedTopics.begin(), notedTopics.end(), m.topic) != notedTopics.end())
            continue;
        notedTopics.push_back(m.topic);
        f.oom.notes.push_back("counted without " + m.topic + " (" + m.reason + "): OOM kills may be missing");
    }

    f.containers = judgeContainers(ev, f, params);

    std::sort(f.pods.begin(), f.pods.end(),
        [](const PodRow& a, const PodRow& b) { return a.memoryBytes.value_or(-1) > b.memoryBytes.value_or(-1); });
    return f;
}

} // namespace leakdesk::investigation
