#include "core/oom/OomEvidence.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace leakdesk::oom {

std::vector<std::int64_t> counterIncreaseTimes(const Series& counter)
{
    std::vector<std::int64_t> out;
    const auto& s = counter.samples;
    for (size_t i = 1; i < s.size(); ++i) {
        if (std::isnan(s[i].value) || std::isnan(s[i - 1].value))
            continue;
        double inc = s[i].value - s[i - 1].value;
        if (inc < 0) // counter reset: the new value counts from zero
            inc = s[i].value;
        const int n = static_cast<int>(std::lround(inc));
        for (int k = 0; k < n && k < 100; ++k)
            out.push_back(s[i].tMs);
    }
    return out;
}

namespace {

bool lastTerminatedWasOom(const std::vector<Series>& lastTerminated, const std::string& pod, std::int64_t t, std::int64_t tolerance)
{
    for (const auto& s : lastTerminated) {
        if (s.label("pod") != pod)
            continue;
        for (const auto& sample : s.samples)
            if (sample.value > 0.5 && sample.tMs >= t - tolerance && sample.tMs <= t + 3 * tolerance)
                return true;
    }
    return false;
}

// Finds a kill of `pod` (or on `node` when pod is empty) within `tolerance` of t.
// A kill takes at most one observation per source: two increases of the same counter are two kills,
// however close (a container in CrashLoopBackOff can be killed again within a minute).
OomKill* findNear(std::vector<OomKill>& kills, const std::string& pod, const std::string& node, std::int64_t t, std::int64_t tolerance,
    const char* source)
{
    OomKill* best = nullptr;
    std::int64_t bestDist = tolerance + 1;
    for (auto& k : kills) {
        const bool samePlace = pod.empty() ? (!node.empty() && k.node == node) : k.pod == pod;
        if (!samePlace || k.sources.count(source))
            continue;
        const std::int64_t d = std::llabs(k.timeMs - t);
        if (d <= std::max(tolerance, k.uncertaintyMs) && d < bestDist) {
            best = &k;
            bestDist = d;
        }
    }
    return best;
}

} // namespace

OomFinding fuseOomEvidence(const OomInputs& in, const std::string& ns, std::int64_t nowMs, const OomRule& rule)
{
    OomFinding f;
    f.rule = rule;
    std::vector<OomKill> kills;
    std::map<std::string, std::string> nodeOfPod;
    const std::int64_t tolerance = std::max<std::int64_t>(2 * in.stepMs, 90 * 1000);

    // 1. Exact times from the kubelet's container status (only the last termination per container).
    for (const auto& pod : in.pods) {
        nodeOfPod[pod.meta.name] = pod.nodeName;
        for (const auto& st : pod.statuses) {
            if (st.lastTerminated && st.lastTerminated->reason == "OOMKilled") {
                OomKill k;
                k.pod = pod.meta.name;
                k.container = st.name;
                k.node = pod.nodeName;
                k.timeMs = st.lastTerminated->finishedMs;
                k.sources.insert(kSourcePodStatus);
                k.detail = "exit code " + std::to_string(st.lastTerminated->exitCode);
                kills.push_back(std::move(k));
            }
        }
    }

    auto addSampled = [&](const std::string& pod, std::int64_t t, const char* source) {
        if (OomKill* k = findNear(kills, pod, {}, t, tolerance, source)) {
            k->sources.insert(source);
            return;
        }
        OomKill k;
        k.pod = pod;
        k.node = nodeOfPod.count(pod) ? nodeOfPod[pod] : std::string();
        // The increase happened within the scrape interval before the sample.
        k.timeMs = t - in.stepMs / 2;
        k.uncertaintyMs = in.stepMs;
        k.sources.insert(source);
        kills.push_back(std::move(k));
    };

    // 2. cAdvisor's OOM counter: one increase per kernel OOM kill in the container's cgroup.
    for (const auto& s : in.oomEventCounters)
        for (std::int64_t t : counterIncreaseTimes(s))
            addSampled(s.label("pod"), t, kSourceCadvisor);

    // 3. kube-state-metrics: a restart whose last terminated reason is OOMKilled.
    for (const auto& s : in.restarts) {
        const std::string pod = s.label("pod");
        for (std::int64_t t : counterIncreaseTimes(s))
            if (lastTerminatedWasOom(in.lastTerminatedOom, pod, t, tolerance))
                addSampled(pod, t, kSourceKubeStateMetrics);
    }

    // 4. Node events (node-problem-detector's kernel monitor) name the node and the process, not the
    //    pod: match them by node and time. A pod event (involvedObject Pod) names the pod directly.
    for (const auto& e : in.oomEvents) {
        const bool podEvent = e.involved.kind == "Pod";
        const std::string node = podEvent ? std::string() : (e.involved.kind == "Node" ? e.involved.name : e.sourceHost);
        const std::string pod = podEvent ? e.involved.name : std::string();
        if (e.meta.ns == ns)
            ++f.literalEventCount;
        const std::int64_t t = e.lastMs;
        if (OomKill* k = findNear(kills, pod, node, t, tolerance, kSourceNodeEvent)) {
            k->sources.insert(kSourceNodeEvent);
            if (k->detail.empty() || k->detail.rfind("exit code", 0) == 0)
                k->detail = e.message;
            if (k->uncertaintyMs > 0) { // the event's time is more precise than a scrape
                k->timeMs = t;
                k->uncertaintyMs = 0;
            }
            continue;
        }
        if (podEvent) {
            OomKill k;
            k.pod = pod;
            k.timeMs = t;
            k.sources.insert(kSourceNodeEvent);
            k.detail = e.message;
            kills.push_back(std::move(k));
            continue;
        }
        // A node event that matches none of this service's kills is most likely another
        // workload's kill on a shared node: it names a process, not a pod, so it is reported but
        // never counted against this service.
        for (const auto& [p, n] : nodeOfPod) {
            if (!node.empty() && n == node) {
                ++f.unattributedNodeEvents;
                break;
            }
        }
    }

    std::sort(kills.begin(), kills.end(), [](const OomKill& a, const OomKill& b) { return a.timeMs < b.timeMs; });
    for (const auto& k : kills)
        if (k.timeMs > nowMs - rule.windowMs && k.timeMs <= nowMs)
            ++f.countLastHour;
    for (size_t i = 0, j = 0; j < kills.size(); ++j) {
        while (kills[j].timeMs - kills[i].timeMs >= rule.windowMs)
            ++i;
        const int n = static_cast<int>(j - i + 1);
        if (n > f.maxInAnyWindow) {
            f.maxInAnyWindow = n;
            f.maxWindowStartMs = kills[i].timeMs;
        }
    }
    f.ruleMet = f.maxInAnyWindow > rule.threshold;

    if (f.literalEventCount < f.countLastHour)
        f.notes.push_back("The runbook's command 'kubectl get events -n " + ns + " --field-selector reason=OOMKilling' shows "
            + std::to_string(f.literalEventCount) + " event(s): OOMKilling is a node event from node-problem-detector, "
            + "recorded outside the pod's namespace or not at all without NPD, and events expire after an hour by default. "
            + "The count here also uses container status, kube-state-metrics and cAdvisor.");
    if (f.unattributedNodeEvents > 0)
        f.notes.push_back(std::to_string(f.unattributedNodeEvents) + " OOMKilling node event(s) on nodes running this service match none of its "
            + "containers' kills: they belong to other workloads on the same nodes and are not counted.");
    if (!in.seriesUnavailableReason.empty()) {
        f.notes.push_back("Counted from container status and OOMKilling events only: " + in.seriesUnavailableReason
            + ". Kills before the last one per container may be missing.");
    } else {
        if (in.oomEventCounters.empty())
            f.notes.push_back("No container_oom_events_total series: cAdvisor's OOM counter is unavailable (older kubelet or metric dropped).");
        if (in.restarts.empty())
            f.notes.push_back("No kube-state-metrics restart series: kills before the last one per container can only be seen from other sources.");
    }
    f.kills = std::move(kills);
    return f;
}

} // namespace leakdesk::oom
