#include "core/analysis/Comparisons.h"

#include "core/analysis/SeriesStats.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iterator>
#include <vector>

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

std::optional<TrafficExplanation> explainWithTraffic(std::span<const Sample> memory,
    std::span<const Sample> requestRate, const TheilSenParams& params, double confidenceLevel)
{
    if (memory.size() < 20 || requestRate.size() < 3)
        return std::nullopt;
    // Pair each memory sample with the nearest request-rate sample (the two are scraped apart).
    const std::int64_t tolerance = std::max<std::int64_t>(2 * 60 * 1000, 2 * medianIntervalMs(requestRate));
    std::vector<double> hours, rates, values;
    std::vector<Sample> pairedMemory;
    for (const Sample& m : memory) {
        auto it = std::lower_bound(
            requestRate.begin(), requestRate.end(), m.tMs, [](const Sample& s, std::int64_t t) { return s.tMs < t; });
        const Sample* nearest = nullptr;
        if (it != requestRate.end())
            nearest = &*it;
        if (it != requestRate.begin() && (!nearest || m.tMs - std::prev(it)->tMs < nearest->tMs - m.tMs))
            nearest = &*std::prev(it);
        if (!nearest || std::llabs(nearest->tMs - m.tMs) > tolerance || !std::isfinite(nearest->value))
            continue;
        hours.push_back(static_cast<double>(m.tMs - memory.front().tMs) / 3.6e6);
        rates.push_back(nearest->value);
        values.push_back(m.value);
        pairedMemory.push_back(m);
    }
    const std::size_t n = values.size();
    if (n < 20)
        return std::nullopt;
    TrafficExplanation e;
    e.points = n;
    const auto slope = theilSenSlope(pairedMemory, params);
    if (!slope)
        return std::nullopt;
    e.memorySlopePerHour = slope->slopePerHour;
    const std::size_t tenth = std::max<std::size_t>(3, n / 10);
    auto medianOfRange = [](const std::vector<double>& v, std::size_t from, std::size_t to) {
        return medianOf(std::vector<double>(
            v.begin() + static_cast<std::ptrdiff_t>(from), v.begin() + static_cast<std::ptrdiff_t>(to)));
    };
    e.memoryAtStart = medianOfRange(values, 0, tenth);
    e.memoryNow = medianOfRange(values, n - tenth, n);
    e.requestRateAtStart = medianOfRange(rates, 0, tenth);
    e.requestRateNow = medianOfRange(rates, n - tenth, n);
    e.memoryPerRequestAtStart = e.requestRateAtStart > 0 ? e.memoryAtStart / e.requestRateAtStart : 0.0;
    e.memoryPerRequestNow = e.requestRateNow > 0 ? e.memoryNow / e.requestRateNow : 0.0;

    // Least squares on centred variables: values = b x rates + c x hours.
    double mh = 0, mr = 0, mv = 0;
    for (std::size_t i = 0; i < n; ++i) {
        mh += hours[i];
        mr += rates[i];
        mv += values[i];
    }
    mh /= static_cast<double>(n);
    mr /= static_cast<double>(n);
    mv /= static_cast<double>(n);
    double srr = 0, stt = 0, srt = 0, sry = 0, sty = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double r = rates[i] - mr, t = hours[i] - mh, y = values[i] - mv;
        srr += r * r;
        stt += t * t;
        srt += r * t;
        sry += r * y;
        sty += t * y;
    }
    const double det = srr * stt - srt * srt;
    // Share of the request rate's variance that time does not explain: near 0, a straight ramp.
    const double independent = srr > 0 && stt > 0 ? det / (srr * stt) : 0.0;
    e.separable = independent > 0.02;
    if (!e.separable)
        return e;
    const double b = (stt * sry - srt * sty) / det;
    const double c = (srr * sty - srt * sry) / det;
    std::vector<double> residuals(n);
    double sse = 0;
    for (std::size_t i = 0; i < n; ++i) {
        residuals[i] = (values[i] - mv) - b * (rates[i] - mr) - c * (hours[i] - mh);
        sse += residuals[i] * residuals[i];
    }
    double lag = 0;
    for (std::size_t i = 1; i < n; ++i)
        lag += residuals[i] * residuals[i - 1];
    const double rho = sse > 0 ? std::clamp(lag / sse, 0.0, 0.95) : 0.0;
    const double inflation = std::sqrt((1 + rho) / (1 - rho));
    const double sigma2 = sse / static_cast<double>(n - 3);
    const double z = normalQuantile(0.5 + confidenceLevel / 2);
    const double seB = std::sqrt(sigma2 * stt / det) * inflation;
    const double seC = std::sqrt(sigma2 * srr / det) * inflation;
    e.bytesPerRequestRate = b;
    e.bytesPerRequestRateLow = b - z * seB;
    e.residualSlopePerHour = c;
    e.residualLowPerHour = c - z * seC;
    e.residualHighPerHour = c + z * seC;
    e.explained = e.memorySlopePerHour > 0 && e.bytesPerRequestRateLow > 0
        && e.residualHighPerHour <= 0.25 * e.memorySlopePerHour;
    e.growthBeyondTraffic = e.residualLowPerHour > 0 && c >= 0.5 * e.memorySlopePerHour;
    return e;
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
