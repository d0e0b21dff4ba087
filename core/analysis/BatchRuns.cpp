#include "core/analysis/BatchRuns.h"

#include "core/analysis/TheilSen.h"
#include "core/common/Quantity.h"

#include <algorithm>

namespace leakdesk::analysis {

Verdict analyseBatchRuns(const MemoryInputs& inputs, int oomKilledRuns, const BatchRunParams& params)
{
    Verdict v;
    std::vector<Sample> peaks; // at each run's start: its peak
    for (const PodMemoryInput& run : inputs.pods) {
        std::vector<Sample> in;
        for (const Sample& s : run.memory)
            if (inputs.window.durationMs() <= 0 || (s.tMs >= inputs.window.startMs && s.tMs <= inputs.window.endMs))
                in.push_back(s);
        if (in.size() < params.minRunPoints)
            continue;
        const auto peak = std::max_element(in.begin(), in.end(), [](const Sample& a, const Sample& b) { return a.value < b.value; });
        peaks.push_back({ in.front().tMs, peak->value });
    }
    std::sort(peaks.begin(), peaks.end(), [](const Sample& a, const Sample& b) { return a.tMs < b.tMs; });
    const std::string who = inputs.service.empty() ? std::string("the workload") : inputs.service;
    if (peaks.size() < params.minRuns) {
        v.pattern = Pattern::InsufficientData;
        v.summary = "Not enough data: " + std::to_string(peaks.size()) + " run(s) of " + who + " in the window; batch work is judged across at least "
            + std::to_string(params.minRuns) + " runs (their peaks), not by growth within one run.";
        return v;
    }
    std::vector<double> values;
    for (const Sample& p : peaks)
        values.push_back(p.value);
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2), values.end());
    const double medianPeak = values[values.size() / 2];
    const auto slope = theilSenSlope(peaks);
    const std::string runs = std::to_string(peaks.size()) + " runs";
    v.evidence.push_back({ "batch-runs", {},
        runs + " of " + who + " in the window, median peak " + formatBytes(medianPeak)
            + ": memory grows within each run and is released when the run ends",
        { { "runs", static_cast<double>(peaks.size()), "" }, { "median_peak", medianPeak, "bytes" } }, inputs.window,
        inputs.sources.memory });
    const double perDay = slope ? slope->slopePerHour * 24.0 : 0.0;
    const bool peaksClimb = slope && !slope->bandContainsZero() && slope->slopePerHour > 0
        && perDay > params.peakGrowthPerDayFraction * medianPeak;
    if (slope) {
        v.slopeBytesPerHour = slope->slopePerHour;
        v.slopeLowBytesPerHour = slope->lowPerHour;
        v.slopeHighBytesPerHour = slope->highPerHour;
    }
    if (oomKilledRuns > 0 && !peaksClimb) {
        // Killed runs with level peaks: the work needs more than the limit, every time.
        v.pattern = Pattern::Stable;
        v.confidence = 0.75;
        v.summary = std::to_string(oomKilledRuns) + " of the " + runs + " of " + who
            + " were OOMKilled, but the peaks do not climb from run to run (median " + formatBytes(medianPeak)
            + "): the limit is too small for the work, not a leak.";
        return v;
    }
    if (peaksClimb) {
        v.pattern = Pattern::SteadyGrowth;
        v.leak = true;
        v.confidence = oomKilledRuns > 0 ? 0.9 : 0.8;
        v.summary = "Leak across runs: the peaks of the " + runs + " of " + who + " climb by about " + formatBytes(perDay)
            + "/day (median peak " + formatBytes(medianPeak) + "): something survives from run to run"
            + (oomKilledRuns > 0 ? "; " + std::to_string(oomKilledRuns) + " run(s) were OOMKilled." : ".");
        return v;
    }
    v.pattern = Pattern::Stable;
    v.confidence = 0.9;
    v.summary = "Batch runs, no leak: each of the " + runs + " of " + who + " grows while it works and completes; the peaks stay level (median "
        + formatBytes(medianPeak) + ").";
    return v;
}

} // namespace leakdesk::analysis
