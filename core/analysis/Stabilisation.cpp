#include "core/analysis/Stabilisation.h"

#include "core/analysis/SeriesStats.h"
#include "core/common/Quantity.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace leakdesk::analysis {

const char* trendName(Trend trend)
{
    switch (trend) {
    case Trend::NotEnoughData:
        return "not-enough-data";
    case Trend::Flat:
        return "flat";
    case Trend::Growing:
        return "growing";
    case Trend::Shrinking:
        return "shrinking";
    }
    return "not-enough-data";
}

Trend trendOf(const SlopeEstimate& slope, double level, double flatFractionPerHour)
{
    const double tolerance = std::abs(level) * flatFractionPerHour;
    if (slope.bandContainsZero() || std::abs(slope.slopePerHour) <= tolerance)
        return Trend::Flat;
    if (slope.lowPerHour > 0 && slope.slopePerHour > tolerance)
        return Trend::Growing;
    return Trend::Shrinking;
}

static std::string minutes(std::int64_t ms)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f min", static_cast<double>(ms) / 60000.0);
    return buf;
}

StabilityAssessment assessStability(std::span<const Sample> segment, bool startKnown, const StabilityParams& params)
{
    StabilityAssessment a;
    if (segment.empty()) {
        a.reason = "no samples";
        return a;
    }
    std::span<const Sample> part = segment;
    if (startKnown) {
        const std::int64_t from = segment.front().tMs + params.warmUpMs;
        auto it = std::lower_bound(
            segment.begin(), segment.end(), from, [](const Sample& s, std::int64_t t) { return s.tMs < t; });
        part = segment.subspan(static_cast<std::size_t>(it - segment.begin()));
        a.warmUpSkipped = true;
    }
    a.assessedFromMs = part.empty() ? segment.back().tMs : part.front().tMs;
    a.assessedToMs = segment.back().tMs;
    const std::int64_t observed = part.empty() ? 0 : part.back().tMs - part.front().tMs;
    if (part.size() < params.minPoints || observed < params.minObservationMs) {
        a.reason = "only " + std::to_string(part.size()) + " samples over " + minutes(observed)
            + (startKnown ? " after the " + minutes(params.warmUpMs) + " warm-up" : std::string()) + "; need at least "
            + std::to_string(params.minPoints) + " over " + minutes(params.minObservationMs);
        return a;
    }
    a.slope = theilSenSlope(part, params.slope);
    if (!a.slope) {
        a.reason = "no slope could be estimated (all samples at one time)";
        return a;
    }
    a.level = medianValue(part);
    a.trend = trendOf(*a.slope, a.level, params.flatFractionPerHour);
    const auto slopeText = [](const SlopeEstimate& e) {
        return formatBytes(e.slopePerHour) + "/h (band " + formatBytes(e.lowPerHour) + " .. "
            + formatBytes(e.highPerHour) + "/h)";
    };
    // A warm-up that ends as an exponential approach (caches, JIT, pools filling) still rises a
    // little just after the warm-up, at a rate a slow leak can have too, and a few minutes of
    // samples cannot tell the two apart by their slope. What the runbook asks is whether memory has
    // levelled off: after a warm-up, a rise whose surely-reached part (the band's low end over the
    // time judged) stays under 1 % of the level has, whatever its slope.
    const double judgedHours = static_cast<double>(observed) / 3.6e6;
    const double surelyRisen = a.slope->lowPerHour * judgedHours;
    const bool levellingOff = a.trend == Trend::Growing && startKnown && params.warmUpMs > 0
        && surelyRisen < params.levelledOffFraction * a.level;
    if (levellingOff)
        a.trend = Trend::Flat;
    switch (a.trend) {
    case Trend::Flat:
        a.reason = levellingOff
            ? "levelling off: slope " + slopeText(*a.slope) + ", at least " + formatBytes(surelyRisen) + " over the "
                + minutes(observed) + " judged, under "
                + std::to_string(static_cast<int>(params.levelledOffFraction * 100)) + " % of the level of "
                + formatBytes(a.level)
            : "slope " + slopeText(*a.slope) + " is indistinguishable from zero at a level of " + formatBytes(a.level);
        break;
    case Trend::Growing:
        a.reason = "still growing at " + slopeText(*a.slope) + " at a level of " + formatBytes(a.level);
        break;
    case Trend::Shrinking:
        a.reason = "still shrinking at " + slopeText(*a.slope) + " at a level of " + formatBytes(a.level);
        break;
    case Trend::NotEnoughData:
        break;
    }
    return a;
}

} // namespace leakdesk::analysis
