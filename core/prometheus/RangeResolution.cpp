#include "core/prometheus/RangeResolution.h"

#include "core/prometheus/PromClient.h"

#include <algorithm>

namespace leakdesk::prometheus {

namespace {
constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;
} // namespace

const std::vector<std::int64_t>& resolutionLadderMs()
{
    static const std::vector<std::int64_t> ladder { 15 * kSecond, 30 * kSecond, kMinute, 2 * kMinute, 5 * kMinute,
        10 * kMinute, 15 * kMinute, 30 * kMinute, kHour, 2 * kHour, 3 * kHour, 6 * kHour, 12 * kHour, kDay };
    return ladder;
}

std::int64_t chooseResolutionMs(std::int64_t spanMs, std::int64_t pointsBudget, std::int64_t minStepMs)
{
    const std::int64_t budget = std::clamp<std::int64_t>(pointsBudget, 2, kMaxPointsPerSeries);
    const std::int64_t span = std::max<std::int64_t>(spanMs, 0);
    // floor(span/step) + 1 <= budget  <=>  span < budget * step  <=>  step >= floor(span/budget) + 1.
    const std::int64_t needed = std::max<std::int64_t>({ span / budget + 1, minStepMs, 1 });
    for (const std::int64_t step : resolutionLadderMs())
        if (step >= needed)
            return step;
    return (needed + kDay - 1) / kDay * kDay;
}

std::int64_t pointsPerSeries(const TimeRange& range, std::int64_t stepMs)
{
    if (stepMs <= 0 || range.endMs < range.startMs)
        return 0;
    return range.durationMs() / stepMs + 1;
}

TimeRange alignStartToStep(const TimeRange& range, std::int64_t stepMs)
{
    if (stepMs <= 0)
        return range;
    std::int64_t start = range.startMs / stepMs * stepMs;
    if (start > range.startMs) // negative times round towards zero
        start -= stepMs;
    return { start, range.endMs };
}

} // namespace leakdesk::prometheus
