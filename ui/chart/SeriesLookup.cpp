#include "ui/chart/SeriesLookup.h"

#include <algorithm>

namespace leakdesk::ui {

namespace {
std::span<const Sample>::iterator firstAtOrAfter(std::span<const Sample> samples, std::int64_t tMs)
{
    return std::lower_bound(
        samples.begin(), samples.end(), tMs, [](const Sample& s, std::int64_t t) { return s.tMs < t; });
}
} // namespace

std::optional<Sample> nearestSample(std::span<const Sample> samples, std::int64_t tMs, std::int64_t maxDistanceMs)
{
    if (samples.empty())
        return std::nullopt;
    const auto after = firstAtOrAfter(samples, tMs);
    auto best = after;
    if (after == samples.end() || (after != samples.begin() && tMs - std::prev(after)->tMs <= after->tMs - tMs))
        best = std::prev(after);
    if (std::llabs(best->tMs - tMs) > maxDistanceMs)
        return std::nullopt;
    return *best;
}

std::optional<Sample> sampleAtOrBefore(std::span<const Sample> samples, std::int64_t tMs)
{
    const auto after = std::upper_bound(
        samples.begin(), samples.end(), tMs, [](std::int64_t t, const Sample& s) { return t < s.tMs; });
    if (after == samples.begin())
        return std::nullopt;
    return *std::prev(after);
}

std::optional<double> interpolatedValue(std::span<const Sample> samples, std::int64_t tMs)
{
    if (samples.empty() || tMs < samples.front().tMs || tMs > samples.back().tMs)
        return std::nullopt;
    const auto after = firstAtOrAfter(samples, tMs);
    if (after->tMs == tMs || after == samples.begin())
        return after->value;
    const auto before = std::prev(after);
    const double f = static_cast<double>(tMs - before->tMs) / static_cast<double>(after->tMs - before->tMs);
    return before->value + f * (after->value - before->value);
}

} // namespace leakdesk::ui
