#pragma once
// The runbook's side questions, each answered from two series over the same window:
//   growth vs traffic   ("steadily increasing memory ... without corresponding traffic increase")
//   baseline            ("compare current usage against baseline": now vs the same window 7 days ago)
//   time to limit       (when will each pod hit its memory limit at the current slope)
//   JVM heap vs container (heap flat while the container grows: native / off-heap memory)

#include "core/analysis/Stabilisation.h"
#include "core/analysis/TheilSen.h"
#include "core/common/Series.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace leakdesk::analysis {

// Growth is compared in relative terms (% of the level per hour) because bytes and requests/s
// have no common unit. Memory "grows without traffic" when it grows (trendOf() == Growing) and
// the request rate is flat or grows less than half as fast, relatively.
struct TrafficComparison {
    SlopeEstimate requestRate;
    double requestLevel = 0.0; // median requests/s
    double memoryGrowthFractionPerHour = 0.0;
    double trafficGrowthFractionPerHour = 0.0;
    Trend memoryTrend = Trend::NotEnoughData;
    Trend trafficTrend = Trend::NotEnoughData;
    bool growthWithoutTraffic = false;
};
std::optional<TrafficComparison> compareGrowthWithTraffic(const SlopeEstimate& memorySlope, double memoryLevel,
    std::span<const Sample> requestRate, double flatFractionPerHour, const TheilSenParams& params = {});

// Is one pod's memory explained by the service's request rate? Memory is regressed on the request
// rate and on time together (least squares, memory = a + b x rate + c x time, samples paired with
// the nearest rate sample): b is the memory each request/s holds, c is what grows whatever the
// traffic does. The traffic explains the growth when b is positive (its band above zero) and the
// part left to time, c, is at most a quarter of the memory's own slope over the same samples (its
// band's upper end). Bands are 99 %, widened for the residuals' lag-1 autocorrelation (scrapes of
// memory are not independent). A request rate that moves in lockstep with time (a straight ramp)
// cannot separate b from c: the band of c is then wide and nothing is explained.
struct TrafficExplanation {
    std::size_t points = 0; // memory samples paired with a request-rate sample
    double bytesPerRequestRate = 0.0; // b: bytes per request/s
    double bytesPerRequestRateLow = 0.0;
    double residualSlopePerHour = 0.0; // c: bytes per hour with the request rate held fixed
    double residualLowPerHour = 0.0;
    double residualHighPerHour = 0.0;
    double memorySlopePerHour = 0.0; // memory alone over the same samples (Theil-Sen)
    double memoryAtStart = 0.0; // medians of the first and last tenth of the paired samples
    double memoryNow = 0.0;
    double requestRateAtStart = 0.0;
    double requestRateNow = 0.0;
    double memoryPerRequestAtStart = 0.0; // memory / request rate, bytes per request/s
    double memoryPerRequestNow = 0.0;
    bool separable = false; // the request rate is not (nearly) a straight function of time
    bool explained = false; // the traffic explains the growth (see above)
    bool growthBeyondTraffic = false; // c's band is above zero and c is at least half the slope
};
std::optional<TrafficExplanation> explainWithTraffic(std::span<const Sample> memory,
    std::span<const Sample> requestRate, const TheilSenParams& params = {}, double confidenceLevel = 0.99);

// Medians are compared (a sawtooth's median is stable where its last value is not); "higher" when
// the current median exceeds the baseline median by more than `toleranceFraction`.
struct BaselineComparison {
    double currentMedian = 0.0;
    double baselineMedian = 0.0;
    double currentPeak = 0.0; // 95th percentile
    double baselinePeak = 0.0;
    double changeFraction = 0.0; // (current - baseline) / baseline
    bool higherThanBaseline = false;
    std::size_t currentPoints = 0;
    std::size_t baselinePoints = 0;
    // Filled by the caller when it can: the baseline's own slope over the same hours (its
    // samples carry today's times: the query uses `offset 7d`), and whether it tracks the growth
    // now (same level within the tolerance, and it grew at least half as fast at those hours).
    std::optional<SlopeEstimate> baselineSlope;
    bool tracksGrowth = false;
};
std::optional<BaselineComparison> compareWithBaseline(std::span<const Sample> current, std::span<const Sample> baseline,
    double toleranceFraction, std::size_t minPoints = 3);

enum class ProjectionState { NoLimit, NotGrowing, AtOrAboveLimit, Projected };
const char* projectionStateName(ProjectionState state); // "no-limit", "not-growing", "at-limit", "projected"

struct LimitProjection {
    ProjectionState state = ProjectionState::NoLimit;
    double currentBytes = 0.0;
    std::optional<double> limitBytes;
    double slopePerHour = 0.0;
    std::optional<double> hoursToLimit;
    std::optional<std::int64_t> reachesLimitAtMs;
};
// `growing` says whether the slope is real (trendOf() == Growing); a flat trend never projects.
LimitProjection projectTimeToLimit(
    double currentBytes, std::int64_t nowMs, double slopePerHour, bool growing, std::optional<double> limitBytes);

// Both series over the same container lifetime. A native leak is suspected when the container
// grows and the heap does not (flat, or less than a quarter of the container's growth in bytes);
// a heap leak when the heap accounts for at least half of the container's growth.
struct HeapVsContainer {
    SlopeEstimate container;
    SlopeEstimate heap;
    Trend containerTrend = Trend::NotEnoughData;
    Trend heapTrend = Trend::NotEnoughData;
    bool nativeLeakSuspected = false;
    bool heapLeakSuspected = false;
    std::string suggestion; // what to run next
};
std::optional<HeapVsContainer> compareHeapWithContainer(std::span<const Sample> container, std::span<const Sample> heap,
    double flatFractionPerHour, const TheilSenParams& params = {});

} // namespace leakdesk::analysis
