#pragma once
// Fuses every source of OOM-kill evidence into one list of kills per pod and time.
//
// Why: `kubectl get events --field-selector reason=OOMKilling` (runbook step 2) often shows
// nothing on real clusters. That event is a *node* event from node-problem-detector, without the
// pod's name, and is missing where NPD is not installed. The kubelet's container status keeps only
// the *last* termination, and kube-state-metrics / cAdvisor are sampled. Each source alone
// undercounts; together they give the count the runbook's rule needs.

#include "core/common/Series.h"
#include "core/kube/KubeObjects.h"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace leakdesk::oom {

// Source names, as shown to users and written to JSON.
inline constexpr const char* kSourcePodStatus = "pod-status"; // lastState.terminated reason OOMKilled
inline constexpr const char* kSourceKubeStateMetrics = "kube-state-metrics"; // restarts + last_terminated_reason
inline constexpr const char* kSourceCadvisor = "cadvisor"; // container_oom_events_total increase
inline constexpr const char* kSourceNodeEvent = "node-event"; // OOMKilling event (node-problem-detector)

struct OomKill {
    std::string pod; // empty for a node event that matched no pod
    std::string container;
    std::string node;
    std::int64_t timeMs = 0;
    std::int64_t uncertaintyMs = 0; // sampled sources know the time only to a scrape interval
    std::set<std::string> sources;
    std::string detail; // e.g. the kernel message of the node event
};

struct OomInputs {
    std::vector<kube::Pod> pods;
    std::vector<kube::Event> oomEvents; // reason=OOMKilling, any namespace
    std::vector<Series> restarts; // per pod counter (label "pod")
    std::vector<Series> lastTerminatedOom; // per pod+container, 1 while last reason is OOMKilled
    std::vector<Series> oomEventCounters; // per pod counter (label "pod")
    std::int64_t stepMs = 30000; // resolution of the series
    // Why the Prometheus series above were not fetched (e.g. Prometheus is unreachable); empty when
    // they were asked for. An empty series then means "not asked", not "the metric does not exist".
    std::string seriesUnavailableReason;
};

struct OomRule {
    int threshold = 2; // "more than 2 ..."
    std::int64_t windowMs = 3600 * 1000; // "... in 1 hour"
};

struct OomFinding {
    std::vector<OomKill> kills; // ascending by time
    int countLastHour = 0; // kills in (now - window, now]
    int maxInAnyWindow = 0; // sliding window over the analysed range
    std::int64_t maxWindowStartMs = 0;
    bool ruleMet = false; // maxInAnyWindow > threshold
    int literalEventCount = 0; // what the runbook's literal kubectl command shows in the namespace
    int unattributedNodeEvents = 0; // node events on this service's nodes that match none of its kills
    OomRule rule;
    std::vector<std::string> notes; // why the literal command shows fewer, missing sources, ...
};

// Times at which a counter series increased (handles counter resets as a restart from zero).
std::vector<std::int64_t> counterIncreaseTimes(const Series& counter);

OomFinding fuseOomEvidence(const OomInputs& inputs, const std::string& ns, std::int64_t nowMs, const OomRule& rule = {});

} // namespace leakdesk::oom
