#include "core/analysis/Comparisons.h"

#include "core/analysis/SeriesStats.h"

#include <cmath>

namespace leakdesk::analysis {

std::optional<TrafficComparison> compareGrowthWithTraffic(const SlopeEstimate& memorySlope, double memoryLevel,
    std::span<const Sample> requestRate, double flatFractionPerHour, const TheilSenParams& params)
{
    const auto traffic = theilSenSlope(requestRate, params);
    if (!traffic || memoryLevel <= 0)
        return std::nullopt;
    TrafficComparison c;
    c.requestRate = *traffic;
    c.requestLevel = medianValue(requestRate);
    c.memoryGrowthFractionPerHour = memorySlope.slopePerHour / memoryLevel;
    c.trafficGrowthFractionPerHour = c.requestLevel > 0 ? traffic->slopePerHour / c.requestLevel : 0.0;
    c.memoryTrend = trendOf(memorySlope, memoryLevel, flatFractionPerHour);
    // Request rates are noisier than memory; a flat traffic trend uses the same relative rule.
    c.trafficTrend = c.requestLevel > 0 ? trendOf(*traffic, c.requestLevel, flatFractionPerHour) : Trend::Flat;
    c.growthWithoutTraffic = c.memoryTrend == Trend::Growing
        && (c.trafficTrend != Trend::Growing || c.trafficGrowthFractionPerHour < 0.5 * c.memoryGrowthFractionPerHour);
    return c;
}

std::optional<BaselineComparison> compareWithBaseline(
    std::span<const Sample> current, std::span<const Sample> baseline, double toleranceFraction, std::size_t minPoints)
{
    if (current.size() < minPoints || baseline.size() < minPoints)
        return std::nullopt;
    BaselineComparison c;
    c.currentMedian = medianValue(current);
    c.baselineMedian = medianValue(baseline);
    c.currentPeak = quantileValue(current, 0.95);
    c.baselinePeak = quantileValue(baseline, 0.95);
    c.currentPoints = current.size();
    c.baselinePoints = baseline.size();
    if (c.baselineMedian <= 0)
        return std::nullopt;
    c.changeFraction = (c.currentMedian - c.baselineMedian) / c.baselineMedian;
    c.higherThanBaseline = c.changeFraction > toleranceFraction;
    return c;
}

const char* projectionStateName(ProjectionState state)
{
    switch (state) {
    case ProjectionState::NoLimit:
        return "no-limit";
    case ProjectionState::NotGrowing:
        return "not-growing";
    case ProjectionState::AtOrAboveLimit:
        return "at-limit";
    case ProjectionState::Projected:
        return "projected";
    }
    return "no-limit";
}

LimitProjection projectTimeToLimit(
    double currentBytes, std::int64_t nowMs, double slopePerHour, bool growing, std::optional<double> limitBytes)
{
    LimitProjection p;
    p.currentBytes = currentBytes;
    p.limitBytes = limitBytes;
    p.slopePerHour = slopePerHour;
    if (!limitBytes || *limitBytes <= 0) {
        p.state = ProjectionState::NoLimit;
        p.limitBytes.reset();
    } else if (currentBytes >= *limitBytes) {
        p.state = ProjectionState::AtOrAboveLimit;
        p.hoursToLimit = 0.0;
        p.reachesLimitAtMs = nowMs;
    } else if (!growing || slopePerHour <= 0) {
        p.state = ProjectionState::NotGrowing;
    } else {
        p.state = ProjectionState::Projected;
        p.hoursToLimit = (*limitBytes - currentBytes) / slopePerHour;
        p.reachesLimitAtMs = nowMs + static_cast<std::int64_t>(std::llround(*p.hoursToLimit * 3.6e6));
    }
    return p;
}

std::optional<HeapVsContainer> compareHeapWithContainer(std::span<const Sample> container, std::span<const Sample> heap,
    double flatFractionPerHour, const TheilSenParams& params)
{
    const auto cs = theilSenSlope(container, params);
    const auto hs = theilSenSlope(heap, params);
    if (!cs || !hs)
        return std::nullopt;
    HeapVsContainer r;
    r.container = *cs;
    r.heap = *hs;
    const double containerLevel = medianValue(container);
    const double heapLevel = medianValue(heap);
    r.containerTrend = trendOf(*cs, containerLevel, flatFractionPerHour);
    // The heap's flatness is judged against the container's level: a heap drifting by a few
    // KiB/h is flat for this question however small the heap is.
    r.heapTrend = trendOf(*hs, std::max(heapLevel, containerLevel), flatFractionPerHour);
    if (r.containerTrend == Trend::Growing) {
        if (r.heapTrend != Trend::Growing || hs->slopePerHour < 0.25 * cs->slopePerHour) {
            r.nativeLeakSuspected = true;
            r.suggestion = "the JVM heap does not explain the container's growth: look at native/off-heap memory "
                           "(direct buffers, metaspace, threads, JNI) with `jcmd <pid> VM.native_memory summary` "
                           "(the JVM must run with -XX:NativeMemoryTracking=summary)";
        } else if (hs->slopePerHour >= 0.5 * cs->slopePerHour) {
            r.heapLeakSuspected = true;
            r.suggestion = "the JVM heap grows with the container: a heap dump (runbook step 3) will show the "
                           "retained objects";
        }
    }
    return r;
}

} // namespace leakdesk::analysis
