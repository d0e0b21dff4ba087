#pragma once
// Small order statistics and clean-up steps every analysis needs: sorting, dropping NaNs and
// duplicate timestamps, clipping to a window, medians and quantiles, scrape gaps.

#include "core/common/Series.h"

#include <cstdint>
#include <span>
#include <vector>

namespace leakdesk::analysis {

// Sorted by time, finite values only, one sample per timestamp (the last one wins), and, when
// `window` is non-empty (endMs > startMs), only samples inside [startMs, endMs].
std::vector<Sample> cleanSamples(std::span<const Sample> samples, TimeRange window = {});

// Median / linear-interpolated quantile (q in 0..1) of the values; NaN for an empty input.
double medianOf(std::vector<double> values);
double quantileOf(std::vector<double> values, double q);
double medianValue(std::span<const Sample> samples);
double quantileValue(std::span<const Sample> samples, double q);

// Median spacing between consecutive samples (0 with fewer than two samples).
std::int64_t medianIntervalMs(std::span<const Sample> samples);

// Stretches without samples longer than max(minGapMs, 3 x the median interval): missed scrapes.
std::vector<TimeRange> findGaps(std::span<const Sample> samples, std::int64_t minGapMs);

} // namespace leakdesk::analysis
