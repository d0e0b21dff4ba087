#include "ui/chart/MinMaxDecimation.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace leakdesk::ui {

namespace {

constexpr double kGapValue = std::numeric_limits<double>::quiet_NaN();

} // namespace

std::vector<Sample> decimateMinMax(std::span<const Sample> samples, const TimeAxisMapping& mapping, std::int64_t gapMs)
{
    std::vector<Sample> out;
    const int columns = mapping.columns();
    if (samples.empty() || columns <= 0 || mapping.endMs < mapping.startMs)
        return out;

    const auto byTime = [](const Sample& s, qint64 t) { return s.tMs < t; };
    const auto first = static_cast<std::size_t>(
        std::lower_bound(samples.begin(), samples.end(), mapping.startMs, byTime) - samples.begin());
    const auto last = static_cast<std::size_t>(std::upper_bound(samples.begin(), samples.end(), mapping.endMs,
                                                   [](qint64 t, const Sample& s) { return t < s.tMs; })
        - samples.begin()); // one past the last sample inside the span
    out.reserve(std::min<std::size_t>(last - first, 2 * static_cast<std::size_t>(columns)) + 4);

    // The start of a column's run is the only place a visible gap can open, hence the one gap check.
    const auto emitWithGap = [&](std::size_t i) {
        if (gapMs > 0 && i > 0 && samples[i].tMs - samples[i - 1].tMs > gapMs)
            out.push_back({ samples[i - 1].tMs + (samples[i].tMs - samples[i - 1].tMs) / 2, kGapValue });
        out.push_back(samples[i]);
    };

    if (first > 0)
        out.push_back(samples[first - 1]);

    int column = -1;
    qint64 nextColumnStart = mapping.startMs; // first ms of column + 1
    std::size_t runStart = first;
    std::size_t minIdx = first;
    std::size_t maxIdx = first;
    bool haveFinite = false;

    const auto flushColumn = [&]() {
        if (column < 0)
            return;
        if (!haveFinite) {
            emitWithGap(runStart); // a column of only non-finite values: keep one so the gap shows
            return;
        }
        const std::size_t a = std::min(minIdx, maxIdx);
        const std::size_t b = std::max(minIdx, maxIdx);
        // A gap right before the run is shown before its first kept sample; a gap inside the run is
        // narrower than the column and therefore invisible.
        if (gapMs > 0 && runStart > 0 && samples[runStart].tMs - samples[runStart - 1].tMs > gapMs)
            out.push_back(
                { samples[runStart - 1].tMs + (samples[runStart].tMs - samples[runStart - 1].tMs) / 2, kGapValue });
        out.push_back(samples[a]);
        if (b != a)
            out.push_back(samples[b]);
    };

    for (std::size_t i = first; i < last; ++i) {
        const qint64 t = samples[i].tMs;
        if (t >= nextColumnStart && column < columns - 1) {
            flushColumn();
            // Jump straight to the column holding t: empty columns cost nothing.
            column = mapping.columnOf(t);
            nextColumnStart = column + 1 < columns ? mapping.columnStartMs(column + 1) : mapping.endMs + 1;
            runStart = i;
            haveFinite = false;
        }
        const double v = samples[i].value;
        if (!std::isfinite(v))
            continue;
        if (!haveFinite) {
            minIdx = maxIdx = i;
            haveFinite = true;
        } else if (v < samples[minIdx].value) {
            minIdx = i;
        } else if (v > samples[maxIdx].value) {
            maxIdx = i;
        }
    }
    flushColumn();

    if (last < samples.size())
        emitWithGap(last);
    return out;
}

std::vector<Sample> decimateMinMax(std::span<const Sample> samples, TimeRange range, int columns, std::int64_t gapMs)
{
    TimeAxisMapping mapping;
    mapping.startMs = range.startMs;
    mapping.endMs = range.endMs;
    mapping.widthPx = columns;
    return decimateMinMax(samples, mapping, gapMs);
}

std::int64_t typicalGapThresholdMs(std::span<const Sample> samples)
{
    if (samples.size() < 3)
        return 0;
    // The median of up to 1001 intervals spread over the series: cheap on millions of points and not
    // fooled by the gaps it is meant to detect.
    const std::size_t intervals = samples.size() - 1;
    const std::size_t probes = std::min<std::size_t>(intervals, 1001);
    std::vector<qint64> deltas;
    deltas.reserve(probes);
    for (std::size_t k = 0; k < probes; ++k) {
        const std::size_t i = k * intervals / probes;
        deltas.push_back(samples[i + 1].tMs - samples[i].tMs);
    }
    std::nth_element(deltas.begin(), deltas.begin() + static_cast<std::ptrdiff_t>(deltas.size() / 2), deltas.end());
    const qint64 median = deltas[deltas.size() / 2];
    return median > 0 ? 3 * median : 0;
}

} // namespace leakdesk::ui
