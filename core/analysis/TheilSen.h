#pragma once
// Theil-Sen slope: the median of the slopes between all pairs of points. Robust to outliers (a
// GC spike, one bad scrape) where least squares is not, and it comes with a distribution-free
// confidence band (Sen 1968): the band is a pair of order statistics of the pairwise slopes whose
// ranks follow from the variance of Kendall's S.

#include "core/common/Series.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace leakdesk::analysis {

struct SlopeEstimate {
    double slopePerHour = 0.0; // value units (bytes for memory) per hour
    double lowPerHour = 0.0; // lower end of the confidence band
    double highPerHour = 0.0; // upper end of the confidence band
    double confidenceLevel = 0.95;
    double valueAtFirst = 0.0; // fitted value at firstMs (median intercept)
    std::int64_t firstMs = 0;
    std::int64_t lastMs = 0;
    std::size_t points = 0; // samples given
    std::size_t pointsUsed = 0; // samples after subsampling

    bool bandContainsZero() const { return lowPerHour <= 0.0 && highPerHour >= 0.0; }
    double valueAt(std::int64_t tMs) const
    {
        return valueAtFirst + slopePerHour * static_cast<double>(tMs - firstMs) / 3.6e6;
    }
};

struct TheilSenParams {
    // Above this many points the series is thinned to evenly spaced points first, so the
    // m*(m-1)/2 pairwise slopes stay bounded (400 points: 79,800 pairs) and 20k-point series cost
    // O(n) + O(m^2 log m). The band then reflects the thinned series, i.e. it is a little wider
    // (more cautious) than the full series would give.
    std::size_t maxPoints = 400;
    // 99 %: a service has 2-3 pods and several lifetimes each, and one false "growing" among
    // them must stay rare (at 95 % pure noise would be called a trend in 1 of 20 lifetimes).
    double confidenceLevel = 0.99;
};

// Needs at least 3 points with two distinct timestamps; std::nullopt otherwise.
// `samples` must be sorted by time (cleanSamples() does that).
std::optional<SlopeEstimate> theilSenSlope(std::span<const Sample> samples, const TheilSenParams& params = {});

// Standard normal quantile (inverse CDF), p in (0,1). Used for the band's ranks.
double normalQuantile(double p);

} // namespace leakdesk::analysis
