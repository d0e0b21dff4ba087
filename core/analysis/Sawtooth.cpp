#include "core/analysis/Sawtooth.h"

#include "core/analysis/SeriesStats.h"

#include <algorithm>

namespace leakdesk::analysis {

static void summarise(SawtoothResult& r, int minCycles)
{
    r.detected = static_cast<int>(r.cycles.size()) >= minCycles;
    if (r.cycles.empty())
        return;
    const bool anyComplete
        = std::any_of(r.cycles.begin(), r.cycles.end(), [](const SawtoothCycle& c) { return c.complete; });
    std::vector<double> periods, amplitudes, growth;
    for (const SawtoothCycle& c : r.cycles) {
        if (c.complete)
            periods.push_back(static_cast<double>(c.durationMs()));
        if (c.complete || !anyComplete) {
            amplitudes.push_back(c.amplitudeBytes());
            growth.push_back(c.growthPerHour);
        }
    }
    r.periodMs = periods.empty() ? 0 : static_cast<std::int64_t>(medianOf(std::move(periods)));
    r.amplitudeBytes = medianOf(std::move(amplitudes));
    r.growthPerHour = medianOf(std::move(growth));
}

SawtoothResult detectSawtooth(
    std::span<const Sample> memory, const std::vector<Segment>& segments, const SawtoothParams& params)
{
    SawtoothResult r;
    for (std::size_t i = 0; i + 1 < segments.size(); ++i) {
        const Segment& seg = segments[i];
        if (!seg.endsAtRestart || seg.size() < params.minPointsPerCycle)
            continue;
        const auto part = memory.subspan(seg.begin, seg.size());
        const auto slope = theilSenSlope(part, params.slope);
        if (!slope || slope->lowPerHour <= 0)
            continue;
        const auto [minIt, maxIt] = std::minmax_element(
            part.begin(), part.end(), [](const Sample& a, const Sample& b) { return a.value < b.value; });
        SawtoothCycle c;
        c.startMs = seg.startMs;
        c.peakMs = maxIt->tMs;
        c.nextStartMs = memory[segments[i + 1].begin].tMs;
        c.troughBytes = minIt->value;
        c.peakBytes = maxIt->value;
        c.growthPerHour = slope->slopePerHour;
        c.complete = seg.startsAtRestart;
        if (c.peakBytes <= 0 || c.amplitudeBytes() < params.minAmplitudeFraction * c.peakBytes)
            continue;
        const double after = memory[segments[i + 1].begin].value;
        if (c.peakBytes - after < 0.5 * c.amplitudeBytes())
            continue;
        r.cycles.push_back(c);
    }
    summarise(r, params.minCycles);
    return r;
}

SawtoothResult combineSawtooth(const std::vector<SawtoothResult>& perPod, int minCycles)
{
    SawtoothResult all;
    for (const SawtoothResult& r : perPod)
        all.cycles.insert(all.cycles.end(), r.cycles.begin(), r.cycles.end());
    std::sort(all.cycles.begin(), all.cycles.end(),
        [](const SawtoothCycle& a, const SawtoothCycle& b) { return a.startMs < b.startMs; });
    summarise(all, minCycles);
    return all;
}

} // namespace leakdesk::analysis
