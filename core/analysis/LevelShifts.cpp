#include "core/analysis/LevelShifts.h"

#include "core/analysis/SeriesStats.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace leakdesk::analysis {

namespace {

std::size_t firstAtOrAfter(std::span<const Sample> s, std::int64_t tMs)
{
    auto it = std::lower_bound(s.begin(), s.end(), tMs, [](const Sample& x, std::int64_t t) { return x.tMs < t; });
    return static_cast<std::size_t>(it - s.begin());
}

bool flatPart(std::span<const Sample> part, const StabilityParams& params, const TheilSenParams& slopeParams,
    std::optional<SlopeEstimate>* slopeOut = nullptr)
{
    const auto s = theilSenSlope(part, slopeParams);
    if (!s)
        return false;
    if (slopeOut)
        *slopeOut = s;
    return trendOf(*s, medianValue(part), params.flatFractionPerHour) == Trend::Flat;
}

} // namespace

double noiseSigma(std::span<const Sample> samples)
{
    if (samples.size() < 3)
        return 0.0;
    std::vector<double> diffs;
    diffs.reserve(samples.size() - 1);
    for (std::size_t i = 1; i < samples.size(); ++i)
        diffs.push_back(std::abs(samples[i].value - samples[i - 1].value));
    return medianOf(std::move(diffs)) / (0.6745 * std::sqrt(2.0));
}

std::optional<LevellingOff> findLateLevellingOff(std::span<const Sample> lifetime, const StabilityParams& params)
{
    if (lifetime.size() < 2 * params.minPoints)
        return std::nullopt;
    const std::int64_t start = lifetime.front().tMs;
    const std::int64_t end = lifetime.back().tMs;
    const std::int64_t warmEnd = start + params.warmUpMs;
    if (end <= warmEnd)
        return std::nullopt;
    const std::int64_t afterWarm = end - warmEnd;
    const std::int64_t minTail = std::max<std::int64_t>(4 * params.minObservationMs, afterWarm / 3);
    const std::int64_t stepMs = std::max<std::int64_t>(60'000, afterWarm / 120);
    // The search thins harder than the final check: it runs up to ~120 slopes per lifetime.
    TheilSenParams searchParams = params.slope;
    searchParams.maxPoints = std::min<std::size_t>(searchParams.maxPoints, 150);
    const std::size_t warmIndex = firstAtOrAfter(lifetime, warmEnd);
    for (std::int64_t t = warmEnd; end - t >= minTail; t += stepMs) {
        const std::size_t from = firstAtOrAfter(lifetime, t);
        const auto tail = lifetime.subspan(from);
        if (tail.size() < params.minPoints)
            break;
        if (!flatPart(tail, params, searchParams))
            continue;
        std::optional<SlopeEstimate> tailSlope;
        if (!flatPart(tail, params, params.slope, &tailSlope))
            continue;
        // Flat from here on. Levelled off within (or about at) the warm-up: the runbook's case.
        if (t - warmEnd < 2 * 60'000 || from <= warmIndex + 2)
            return std::nullopt;
        const auto early = lifetime.subspan(warmIndex, from - warmIndex);
        const auto earlySlope = theilSenSlope(early, params.slope);
        const double level = medianValue(tail);
        const double tolerance = std::abs(level) * params.flatFractionPerHour;
        // A linear leak's early part rises as fast as its (flat-looking) tail: not a warm-up.
        if (!earlySlope || earlySlope->lowPerHour <= 0
            || earlySlope->slopePerHour < 4.0 * std::max(tailSlope->highPerHour, tolerance))
            return std::nullopt;
        const std::size_t head = std::max<std::size_t>(3, early.size() / 10);
        const double startLevel = medianValue(early.first(std::min(head, early.size())));
        const double rise = level - startLevel;
        if (rise < std::max(params.levelledOffFraction * level, 3.0 * noiseSigma(tail)))
            return std::nullopt;
        LevellingOff r;
        r.afterMs = tail.front().tMs - start;
        r.atMs = tail.front().tMs;
        r.riseBytes = rise;
        r.levelBytes = level;
        r.tail = *tailSlope;
        return r;
    }
    return std::nullopt;
}

std::optional<StepChange> findUpwardStep(std::span<const Sample> part, const StabilityParams& params)
{
    const std::size_t n = part.size();
    if (n < 4 * params.minPoints)
        return std::nullopt;
    std::vector<double> prefix(n + 1, 0.0);
    for (std::size_t i = 0; i < n; ++i)
        prefix[i + 1] = prefix[i] + part[i].value;
    const auto minSide
        = std::max<std::size_t>(params.minPoints, static_cast<std::size_t>(0.15 * static_cast<double>(n)));
    // The split that separates the two means most (CUSUM): where an upward step would be.
    std::size_t best = 0;
    double bestScore = 0.0;
    for (std::size_t k = minSide; k + minSide <= n; ++k) {
        if (part[k].tMs - part.front().tMs < params.minObservationMs
            || part.back().tMs - part[k].tMs < params.minObservationMs)
            continue;
        const double before = prefix[k] / static_cast<double>(k);
        const double after = (prefix[n] - prefix[k]) / static_cast<double>(n - k);
        const double score = (after - before)
            * std::sqrt(static_cast<double>(k) * static_cast<double>(n - k) / static_cast<double>(n));
        if (score > bestScore) {
            bestScore = score;
            best = k;
        }
    }
    if (best == 0)
        return std::nullopt;
    const auto before = part.first(best);
    const auto after = part.subspan(best);
    std::optional<SlopeEstimate> afterSlope;
    if (!flatPart(before, params, params.slope) || !flatPart(after, params, params.slope, &afterSlope))
        return std::nullopt;
    StepChange s;
    s.atMs = part[best].tMs;
    s.beforeBytes = medianValue(before);
    s.afterBytes = medianValue(after);
    s.noiseBytes = noiseSigma(part);
    s.after = *afterSlope;
    const double level = medianValue(part);
    if (s.stepBytes() < std::max(5.0 * s.noiseBytes, 0.02 * std::abs(level)))
        return std::nullopt;
    // Two flat levels must describe the samples better than one straight line does.
    const auto line = theilSenSlope(part, params.slope);
    if (!line)
        return std::nullopt;
    double twoLevels = 0.0, straight = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        twoLevels += std::abs(part[i].value - (i < best ? s.beforeBytes : s.afterBytes));
        straight += std::abs(part[i].value - line->valueAt(part[i].tMs));
    }
    if (twoLevels >= 0.7 * straight)
        return std::nullopt;
    return s;
}

} // namespace leakdesk::analysis
