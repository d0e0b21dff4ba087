#pragma once
// Entry point of the memory analysis: per-pod series in, one Verdict out.
//
// How the pattern is chosen (in this order):
//   1. no pod has minPodPoints samples spanning minPodSpanMs         -> insufficient-data
//   2. per pod, before any vote:
//      - memory drops the restart counter covers without moving are not restarts (GC, caches):
//        they neither cut lifetimes nor close sawtooth cycles; without a counter, drops of more
//        than restartDropFraction stand in for restarts (Restarts.h);
//      - a lifetime with a known start that keeps rising after the warm-up, then levels off and
//        stays flat, is Flat with its levelling-off time (LevelShifts.h: a slow warm-up);
//      - a growing judged lifetime that is one upward step between two flat levels is Flat, with
//        the step in the evidence (LevelShifts.h).
//   3. sawtooth cycles (Sawtooth.h) over all pods >= minCycles        -> sawtooth, leak
//   4. most judged pods grow (trendOf(); a tie only when tight): growth. Then
//      - the request rate explains most growing pods' growth (Comparisons.h explainWithTraffic:
//        memory regressed on rate and time, the time part at most a quarter of the slope), or the
//        week-ago baseline at the same hours is at the same level and grew the same way
//                                                                      -> follows-traffic, no leak
//        (neither excuse holds when containers restarted in the window or the pods' main
//        containers were last OOM-killed: podsLastOomKilled)
//      - otherwise                                                     -> steady-growth, leak
//   4b. a slow leak at the edge of the window's noise                  -> steady-growth, leak
//      - some pods grow, memory is above the week-ago level by about 168 h of their slope, and
//        the traffic does not explain the pods' memory; or
//      - no pod stands out, but weekMemory (per-pod average, last 7 days) grows in each of its
//        three parts with its band above zero, no drop (restart) in it, at least two days long
//   5. judged pods exist: a lifetime levelled off later than the warm-up -> slow-warm-up, no leak
//                         otherwise                                      -> stable, no leak
//      (no pod could be judged                                         -> insufficient-data)
// Confidence:
//   sawtooth        0.6 with 2 cycles, +0.1 per extra cycle up to 0.9, +0.05 when the restart
//                   counter confirms the drops;
//   steady-growth   (growing pods / judged pods) x (0.55 + 0.4 x tightness), tightness being
//                   1 - (band width / 2|slope|) clamped to 0..1 (median over growing pods);
//   follows-traffic 0.5 + 0.25 when the request rate explains it + 0.2 when the baseline does;
//   stable, slow-warm-up
//                   (flat pods / judged pods) x (0.55 + 0.4 x min(1, judged time / 1 h)).
//   Then x 0.7 per contradiction (Verdict::contradictions, named in the summary): a sawtooth no
//   restart counter confirms; growth at the week-ago level; a request rate growing as fast as
//   memory that no pod's regression rules out; follows-traffic above the week-ago level or with
//   pods that still grow with the rate held fixed. Missing evidence lowers it further in
//   core/investigation (Findings.cpp), which knows which queries failed.
// Steady growth needs a majority of the judged pods growing; on a tie (one pod of two) the growing
// pods' median tightness must be at least 0.5, or every other pod's estimate must agree (at least
// half the growing pods' slope, its band reaching below zero by at most a tenth of its width; the
// share in the confidence is then 1), else the service is stable.

#include "core/analysis/Verdict.h"

#include <optional>
#include <string>
#include <vector>

namespace leakdesk::analysis {

struct PodMemoryInput {
    std::string pod;
    std::vector<Sample> memory; // working-set bytes of the pod's real containers
    std::optional<double> limitBytes; // unknown when the pod has no memory limit
    std::vector<Sample> restartCounter; // restarts counter (summed over containers); may be empty
    std::vector<Sample> jvmHeapUsed; // heap bytes used; empty for non-JVM pods
};

// Text quoted as the source of each number (typically the PromQL that fetched it).
struct EvidenceSources {
    std::string memory;
    std::string restarts;
    std::string limits;
    std::string requestRate;
    std::string baseline;
    std::string weekMemory;
    std::string jvmHeap;
};

struct MemoryInputs {
    std::string service;
    TimeRange window; // samples outside are ignored; empty = use everything given
    std::vector<PodMemoryInput> pods; // a renamed pod (new ReplicaSet) is just another entry
    std::vector<Sample> requestRate; // service requests/s; optional
    std::vector<Sample> baselineMemory; // per-pod average memory 7 days earlier (offset 7d); optional
    TimeRange baselineWindow; // what baselineMemory covers, for the evidence
    // Per-pod average memory over the last 7 days (hourly is enough); optional. Decides a slow leak
    // that no single window can tell from noise.
    std::vector<Sample> weekMemory;
    // Pods whose main container's last termination, seen in the window, was an OOM kill
    // (kube-state-metrics' last_terminated_reason): memory that ends in OOM kills is no daily pattern
    // and no traffic swing, even when the window itself holds no restart.
    std::size_t podsLastOomKilled = 0;
    EvidenceSources sources;
};

struct AnalysisParams {
    StabilityParams stability; // warm-up 10 min (runbook), flat rule 0.05 %/h of the level
    SawtoothParams sawtooth; // >= 2 complete cycles, amplitude >= 20 % of the peak
    TheilSenParams slope; // 400-point subsample, 99 % band
    double restartDropFraction = 0.4; // a drop below 60 % of the previous sample is a restart
    std::int64_t restartMatchToleranceMs = 2 * 60 * 1000; // counter vs memory-drop timing
    int oomMaxCount = 2; // runbook: "more than 2 in 1 hour"
    std::int64_t oomWindowMs = 60 * 60 * 1000;
    std::size_t minPodPoints = 10;
    std::int64_t minPodSpanMs = 15 * 60 * 1000;
    std::int64_t minGapMs = 2 * 60 * 1000; // missed scrapes shorter than this are not reported
    double baselineToleranceFraction = 0.2; // now vs 7 days ago: more than +20 % is "higher"
};

Verdict analyseMemory(const MemoryInputs& inputs, const AnalysisParams& params = {});

} // namespace leakdesk::analysis
