#pragma once
// Which step to ask Prometheus for when a chart shows a time range. Steps come from a ladder of
// round values (15 s, 30 s, 1 min, 2 min, 5 min, ...), so that ranges of similar length share a
// resolution and a cache of fetched spans (SpanCache) can reuse what an earlier range fetched.

#include "core/common/Series.h"

#include <cstdint>
#include <vector>

namespace leakdesk::prometheus {

// Points per series a chart asks for: about one per pixel column of a large screen. Prometheus
// itself refuses more than kMaxPointsPerSeries (11,000) in one query_range.
constexpr std::int64_t kScreenPointsBudget = 1500;
// No finer than this: Prometheus's default scrape interval; a finer step repeats samples.
constexpr std::int64_t kMinStepMs = 15000;

// The round steps offered, ascending (15 s .. 1 day); beyond the last, whole days.
const std::vector<std::int64_t>& resolutionLadderMs();

// The smallest step of the ladder, not below `minStepMs`, at which `spanMs` has at most
// `pointsBudget` points (floor(span/step) + 1). The budget is clamped to [2, 11,000], so the
// answer never makes Prometheus refuse the query.
std::int64_t chooseResolutionMs(
    std::int64_t spanMs, std::int64_t pointsBudget = kScreenPointsBudget, std::int64_t minStepMs = kMinStepMs);

// Points a range query over `range` at `stepMs` returns per series.
std::int64_t pointsPerSeries(const TimeRange& range, std::int64_t stepMs);

// `range` with its start moved down to a multiple of `stepMs`: ranges fetched at the same step
// then evaluate at the same instants, so their samples line up when they are stitched together.
TimeRange alignStartToStep(const TimeRange& range, std::int64_t stepMs);

} // namespace leakdesk::prometheus
