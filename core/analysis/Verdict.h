#pragma once
// The answer to runbook step 1 for one service, with every number's evidence.

#include "core/analysis/Comparisons.h"
#include "core/analysis/LevelShifts.h"
#include "core/analysis/Restarts.h"
#include "core/analysis/Sawtooth.h"
#include "core/analysis/Stabilisation.h"
#include "core/common/Series.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::analysis {

// Unknown: the evidence needed to judge is missing (the memory query failed, or Prometheus holds
// no memory series for the pods); never read as "no leak". InsufficientData: there are samples,
// too few or too short to judge. FollowsTraffic: memory grows, but the request rate explains it
// (or it is the same as at the same hours a week ago): not a leak. SlowWarmUp: a container took
// longer than the runbook's warm-up to level off, then stayed flat: not a leak.
enum class Pattern { Sawtooth, SteadyGrowth, Stable, InsufficientData, Unknown, FollowsTraffic, SlowWarmUp };
// "sawtooth", "steady-growth", "stable", "insufficient-data", "unknown", "follows-traffic", "slow-warm-up"
const char* patternName(Pattern pattern);

// Evidence the verdict had to do without, and why ("restarts": "Prometheus query failed: ... HTTP
// 503 after 4 tries").
struct MissingEvidence {
    std::string topic; // "memory", "restarts", "limits", "oom", "jvm-heap", "traffic", "baseline", "memory-average",
                       // "oom-events"
    std::string reason;
};

// Evidence that was there but speaks against the verdict ("baseline": "memory grows, yet it is at
// the level of the same hours 7 days ago (+3%)"); each lowers `confidence`.
struct Contradiction {
    std::string topic; // "baseline", "restarts", "traffic"
    std::string reason;
};

struct EvidenceNumber {
    std::string name; // "slope", "restarts", "period" ...
    double value = 0.0;
    std::string unit; // "bytes", "bytes/hour", "count", "ms", "fraction", "fraction/hour", "requests/s"
};

struct Evidence {
    std::string topic; // "data", "restarts", "oom-rate", "sawtooth", "growth", "stabilisation", "baseline",
                       // "traffic", "projection", "jvm-heap", "step"
    std::string pod; // empty when it is about the whole service
    std::string sentence; // short, human, self-contained
    std::vector<EvidenceNumber> numbers;
    TimeRange window; // the samples the sentence is about
    std::string source; // the query (or series) the numbers came from, as given in MemoryInputs
};

// Everything found for one pod, in the window.
struct PodAnalysis {
    std::string pod;
    std::size_t points = 0; // usable samples in the window
    TimeRange covered; // first to last usable sample
    bool evaluable = false; // enough points and span (AnalysisParams::minPodPoints / minPodSpanMs)
    std::vector<RestartEvent> restarts;
    std::vector<std::int64_t> counterResetsMs;
    std::vector<TimeRange> gaps;
    std::vector<Segment> segments;
    std::vector<StabilityAssessment> stability; // one per segment
    SawtoothResult sawtooth;
    std::optional<SlopeEstimate> growth; // the pod's trend slope (longest judged segment, warm-up skipped)
    double growthLevel = 0.0;
    Trend trend = Trend::NotEnoughData;
    std::optional<LimitProjection> projection;
    std::optional<HeapVsContainer> heapVsContainer;
    int maxRestartsPerOomWindow = 0;
    // Memory drops the restart counter does not confirm (it covers them and did not move): garbage
    // collection or released caches, not restarts; they neither cut lifetimes nor close a sawtooth.
    int unconfirmedDrops = 0;
    std::optional<LevellingOff> lateLevelling; // judged lifetime levelled off after the warm-up
    std::optional<StepChange> step; // judged lifetime: one upward step between two flat levels
    std::optional<TrafficExplanation> traffic; // growing pods only, when a request rate is known
};

struct Verdict {
    Pattern pattern = Pattern::InsufficientData;
    bool leak = false;
    double confidence = 0.0; // 0..1, see MemoryAnalysis.h for how it is built
    std::optional<double> slopeBytesPerHour;
    std::optional<double> slopeLowBytesPerHour;
    std::optional<double> slopeHighBytesPerHour;
    // Whether memory is flat after the warm-up (AnalysisParams::stability.warmUpMs, 10 minutes by
    // default, the runbook's figure). Unknown when no container lifetime could be judged.
    std::optional<bool> stabilisedWithin10min;
    // Slow warm-up: the longest time a container took to level off (longer than the warm-up).
    std::optional<std::int64_t> levelledOffAfterMs;
    std::optional<std::int64_t> periodMs; // sawtooth only
    std::optional<double> amplitudeBytes; // sawtooth only
    int restartsInWindow = 0; // meaningful only when restartsKnown
    bool restartsKnown = true; // false when the restart counters could not be read: not "0 restarts"
    int maxRestartsPerOomWindow = 0; // worst pod, sliding window of AnalysisParams::oomWindowMs
    int serviceMaxRestartsPerOomWindow = 0; // all pods together, same window: what the runbook's rule counts
    bool restartRuleMet = false; // maxRestartsPerOomWindow > AnalysisParams::oomMaxCount
    std::string summary; // one sentence
    // What could not be fetched; each lowers `confidence`. Non-empty means the verdict ran on partial data.
    std::vector<MissingEvidence> missing;
    // Evidence that speaks against the pattern; each lowers `confidence` (MemoryAnalysis.h) and is
    // named in the summary.
    std::vector<Contradiction> contradictions;
    std::vector<Evidence> evidence;
    std::vector<PodAnalysis> pods;
    std::optional<BaselineComparison> baseline;
    std::optional<TrafficComparison> traffic;
};

} // namespace leakdesk::analysis
