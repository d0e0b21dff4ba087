#pragma once
// Is memory still moving? The runbook says a healthy service "should stabilize within 10 minutes
// of startup": after a warm-up, the slope of a container's memory must be indistinguishable from
// zero.
//
// The rule, used everywhere a trend is classified (trendOf()):
//   flat     when the Theil-Sen band (99 %) contains 0, or |slope| <= flatFractionPerHour x level
//            (default 0.05 % of the median level per hour, about 1.2 % a day: a drift too slow to
//            matter before the next deploy, so a long series is never called "growing" for a
//            statistically real but negligible slope; a slow leak such as 3.5 MiB/h on 1.25 GiB,
//            0.3 %/h or 7 % a day, is well above it);
//   growing  when the whole band is above 0 and slope > flatFractionPerHour x level;
//   shrinking otherwise.
// assessStability() adds one thing for a container lifetime judged after its warm-up: a rise whose
// band's low end adds less than levelledOffFraction of the level over the time judged is
// "levelling off" (flat): the tail of a warm-up, which a few minutes of slope cannot tell from a leak.

#include "core/analysis/TheilSen.h"
#include "core/common/Series.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace leakdesk::analysis {

enum class Trend { NotEnoughData, Flat, Growing, Shrinking };
const char* trendName(Trend trend); // "not-enough-data", "flat", "growing", "shrinking"

Trend trendOf(const SlopeEstimate& slope, double level, double flatFractionPerHour);

struct StabilityParams {
    std::int64_t warmUpMs = 10 * 60 * 1000; // the runbook's "within 10 minutes"
    std::int64_t minObservationMs = 5 * 60 * 1000; // needed after the warm-up to judge
    std::size_t minPoints = 5; // needed after the warm-up to judge
    double flatFractionPerHour = 0.0005;
    double levelledOffFraction = 0.01;
    TheilSenParams slope;
};

struct StabilityAssessment {
    Trend trend = Trend::NotEnoughData;
    std::optional<SlopeEstimate> slope; // over the assessed part
    double level = 0.0; // median value of the assessed part
    std::int64_t assessedFromMs = 0;
    std::int64_t assessedToMs = 0;
    bool warmUpSkipped = false;
    // Set by the service analysis when the lifetime levelled off later than the warm-up
    // (LevelShifts.h), time since its start; the trend is then Flat.
    std::optional<std::int64_t> levelledOffAfterMs;
    std::string reason; // one sentence: why this trend (or why it could not be judged)

    bool stable() const { return trend == Trend::Flat; }
};

// One container lifetime (a segment). When `startKnown` the first `warmUpMs` are skipped (that is
// the start-up growth every JVM has); otherwise the container was already running and the whole
// segment is assessed.
StabilityAssessment assessStability(std::span<const Sample> segment, bool startKnown, const StabilityParams& params);

} // namespace leakdesk::analysis
