#pragma once
// Screen-space decimation of a memory series: for every pixel column of the visible span keep only the
// samples holding that column's minimum and maximum. A line drawn through them is indistinguishable
// from the full line at that width (every spike and every drop of a sawtooth survives), while the
// number of points handed to the plot is bounded by 2 x columns whatever the size of the history.
// The source samples are never modified; the result is recomputed whenever the visible span changes.

#include "ui/chart/TimeAxisMapping.h"
#include "core/common/Series.h"

#include <cstdint>
#include <span>
#include <vector>

namespace leakdesk::ui {

// Decimates `samples` (ascending by tMs) for `columns` pixel columns over `range`.
// The result, ascending by tMs, holds
//  - the last sample before range.startMs and the first after range.endMs, so lines reach the edges;
//  - per non-empty column, the samples with the column's minimum and maximum value (first occurrence,
//    in time order; one sample when they coincide);
//  - when gapMs > 0, a sample with a NaN value between two consecutive source samples more than gapMs
//    apart (missing scrapes), which the plot draws as a break in the line.
// Non-finite values in the source are ignored for the minimum and maximum.
std::vector<leakdesk::Sample> decimateMinMax(
    std::span<const leakdesk::Sample> samples, leakdesk::TimeRange range, int columns, std::int64_t gapMs = 0);

// The same over a ready-made mapping (its columns() and time span).
std::vector<leakdesk::Sample> decimateMinMax(
    std::span<const leakdesk::Sample> samples, const TimeAxisMapping& mapping, std::int64_t gapMs = 0);

// A gap threshold for a series: a few times its typical (median) sampling interval, so one late scrape
// does not break the line but a missing stretch does. 0 (no breaks) for fewer than 3 samples.
std::int64_t typicalGapThresholdMs(std::span<const leakdesk::Sample> samples);

} // namespace leakdesk::ui
