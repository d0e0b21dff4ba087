#pragma once
// Two healthy shapes that a single slope over a container lifetime reads as growth:
//   slow warm-up  memory keeps rising after the runbook's 10-minute warm-up, then levels off and
//                 stays flat (caches filled, JIT done, pools at size). The 10 minutes are a
//                 threshold to report against, not proof of a leak: what matters is that it stops.
//   step change   flat, one jump (a cache loaded, a feature switched on, a larger batch), flat again
//                 at the new level.
// A leak never stops rising, so both tests demand a long flat tail after the rise; and both
// demand that the rise is fast compared with what is left of a slope in the flat part, so a slow
// linear leak (whose last stretch can look flat on its own) is never either.

#include "core/analysis/Stabilisation.h"
#include "core/analysis/TheilSen.h"
#include "core/common/Series.h"

#include <cstdint>
#include <optional>
#include <span>

namespace leakdesk::analysis {

struct LevellingOff {
    std::int64_t afterMs = 0; // since the container's start (its first sample)
    std::int64_t atMs = 0; // first sample of the flat tail
    double riseBytes = 0.0; // from the end of the warm-up to the flat level
    double levelBytes = 0.0; // median of the flat tail
    SlopeEstimate tail; // slope of the flat tail
    bool later() const { return afterMs > 0; } // levelled off after the warm-up, not within it
};

// `lifetime` is one container lifetime whose start is known (its first sample is the start),
// sorted by time. Returns the moment it levelled off when that is later than params.warmUpMs and
// the rest of the lifetime (at least a third of what follows the warm-up, and at least
// params.minObservationMs x 4) is flat; std::nullopt when it levels off within the warm-up, never
// levels off, or there is too little after the warm-up to tell.
std::optional<LevellingOff> findLateLevellingOff(std::span<const Sample> lifetime, const StabilityParams& params);

struct StepChange {
    std::int64_t atMs = 0; // first sample at the new level
    double beforeBytes = 0.0; // median before
    double afterBytes = 0.0; // median after
    double noiseBytes = 0.0; // robust scrape-to-scrape noise (sigma)
    SlopeEstimate after; // slope of the part after the step
    double stepBytes() const { return afterBytes - beforeBytes; }
};

// `part` sorted by time (the assessed part of a lifetime). An upward step: flat before and after
// (each side at least params.minObservationMs and 15 % of the part), the jump at least 5 x the
// noise and 2 % of the level, and the two-level fit closer to the samples than a straight line.
std::optional<StepChange> findUpwardStep(std::span<const Sample> part, const StabilityParams& params);

// Robust scrape-to-scrape noise: median |first difference| / (0.6745 x sqrt 2).
double noiseSigma(std::span<const Sample> samples);

} // namespace leakdesk::analysis
