#include "investigation/Findings.h"

#include "analysis/MemoryAnalysis.h"

#include <algorithm>

namespace leakdesk::investigation {

using prom::QueryKind;

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

} // namespace

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
        row.ready = !pod.statuses.empty() && std::all_of(pod.statuses.begin(), pod.statuses.end(), [](const auto& s) { return s.ready; });
        row.limitBytes = pod.memoryLimitBytes();
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
    analysis::AnalysisParams params;
    params.stability.warmUpMs = ev.request.warmUpMs;
    params.oomMaxCount = ev.request.oomThreshold;
    params.oomWindowMs = ev.request.oomWindowMs;
    f.verdict = analysis::analyseMemory(in, params);

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
    oom::OomRule rule;
    rule.threshold = ev.request.oomThreshold;
    rule.windowMs = ev.request.oomWindowMs;
    f.oom = oom::fuseOomEvidence(oi, ev.request.ns, ev.request.nowMs, rule);

    std::sort(f.pods.begin(), f.pods.end(), [](const PodRow& a, const PodRow& b) {
        return a.memoryBytes.value_or(-1) > b.memoryBytes.value_or(-1);
    });
    return f;
}

} // namespace leakdesk::investigation
