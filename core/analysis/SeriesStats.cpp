#include "core/analysis/SeriesStats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace leakdesk::analysis {

std::vector<Sample> cleanSamples(std::span<const Sample> samples, TimeRange window)
{
    const bool clip = window.endMs > window.startMs;
    std::vector<Sample> out;
    out.reserve(samples.size());
    for (const Sample& s : samples) {
        if (!std::isfinite(s.value))
            continue;
        if (clip && (s.tMs < window.startMs || s.tMs > window.endMs))
            continue;
        out.push_back(s);
    }
    std::stable_sort(out.begin(), out.end(), [](const Sample& a, const Sample& b) { return a.tMs < b.tMs; });
    // Keep the last sample of each timestamp: a re-scrape replaces the earlier reading.
    std::vector<Sample> unique;
    unique.reserve(out.size());
    for (const Sample& s : out) {
        if (!unique.empty() && unique.back().tMs == s.tMs)
            unique.back() = s;
        else
            unique.push_back(s);
    }
    return unique;
}

double quantileOf(std::vector<double> values, double q)
{
    if (values.empty())
        return std::numeric_limits<double>::quiet_NaN();
    std::sort(values.begin(), values.end());
    q = std::clamp(q, 0.0, 1.0);
    const double pos = q * static_cast<double>(values.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const auto hi = static_cast<std::size_t>(std::ceil(pos));
    const double frac = pos - static_cast<double>(lo);
    return values[lo] + (values[hi] - values[lo]) * frac;
}

double medianOf(std::vector<double> values)
{
    return quantileOf(std::move(values), 0.5);
}

static std::vector<double> valuesOf(std::span<const Sample> samples)
{
    std::vector<double> v;
    v.reserve(samples.size());
    for (const Sample& s : samples)
        v.push_back(s.value);
    return v;
}

double medianValue(std::span<const Sample> samples)
{
    return medianOf(valuesOf(samples));
}

double quantileValue(std::span<const Sample> samples, double q)
{
    return quantileOf(valuesOf(samples), q);
}

std::int64_t medianIntervalMs(std::span<const Sample> samples)
{
    if (samples.size() < 2)
        return 0;
    std::vector<double> d;
    d.reserve(samples.size() - 1);
    for (std::size_t i = 1; i < samples.size(); ++i)
        d.push_back(static_cast<double>(samples[i].tMs - samples[i - 1].tMs));
    return static_cast<std::int64_t>(std::llround(medianOf(std::move(d))));
}

std::vector<TimeRange> findGaps(std::span<const Sample> samples, std::int64_t minGapMs)
{
    std::vector<TimeRange> gaps;
    const std::int64_t threshold = std::max(minGapMs, 3 * medianIntervalMs(samples));
    if (threshold <= 0)
        return gaps;
    for (std::size_t i = 1; i < samples.size(); ++i) {
        if (samples[i].tMs - samples[i - 1].tMs > threshold)
            gaps.push_back(TimeRange { samples[i - 1].tMs, samples[i].tMs });
    }
    return gaps;
}

} // namespace leakdesk::analysis
