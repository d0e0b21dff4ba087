#include "analysis/Stabilisation.h"

#include "analysis/SeriesStats.h"
#include "common/Quantity.h"

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
    const std::string slopeText = formatBytes(a.slope->slopePerHour) + "/h (band " + formatBytes(a.slope->lowPerHour)
        + " .. " + formatBytes(a.slope->highPerHour) + "/h)";
    switch (a.trend) {
    case Trend::Flat:
        a.reason = "slope " + slopeText + " is indistinguishable from zero at a level of " + formatBytes(a.level);
        break;
    case Trend::Growing:
        a.reason = "still growing at " + slopeText + " at a level of " + formatBytes(a.level);
        break;
    case Trend::Shrinking:
        a.reason = "still shrinking at " + slopeText + " at a level of " + formatBytes(a.level);
        break;
    case Trend::NotEnoughData:
        break;
    }
    return a;
}

} // namespace leakdesk::analysis
