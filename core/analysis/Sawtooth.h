#pragma once
// Sawtooth: memory grows, the container dies (OOMKill), restarts low, grows again. A cycle is one
// container lifetime that is closed by a restart, grows (Theil-Sen band above zero), spans at
// least minAmplitudeFraction of its peak, and is followed by a drop of at least half its amplitude.
// A cycle is "complete" when a restart opens it too; only complete cycles give the period (and the
// amplitude, when there are any), but the first lifetime in the window also shows a grow-then-drop
// and counts towards minCycles: with OOM kills every 40-50 minutes a one-hour window holds at most
// one complete cycle per pod. The last lifetime (not closed by a restart) never counts.

#include "core/analysis/Restarts.h"
#include "core/analysis/TheilSen.h"
#include "core/common/Series.h"

#include <cstdint>
#include <span>
#include <vector>

namespace leakdesk::analysis {

struct SawtoothParams {
    int minCycles = 2;
    double minAmplitudeFraction = 0.2;
    std::size_t minPointsPerCycle = 4;
    TheilSenParams slope;
};

struct SawtoothCycle {
    std::int64_t startMs = 0; // first sample after the opening restart
    std::int64_t peakMs = 0;
    std::int64_t nextStartMs = 0; // first sample after the closing restart
    double troughBytes = 0.0;
    double peakBytes = 0.0;
    double growthPerHour = 0.0;
    bool complete = false; // opened by a restart as well
    std::int64_t durationMs() const { return nextStartMs - startMs; }
    double amplitudeBytes() const { return peakBytes - troughBytes; }
};

struct SawtoothResult {
    std::vector<SawtoothCycle> cycles;
    bool detected = false; // cycles.size() >= minCycles
    // Medians over the complete cycles (over all cycles for amplitude and growth when none is
    // complete; 0 when there is no cycle). periodMs stays 0 without a complete cycle.
    std::int64_t periodMs = 0;
    double amplitudeBytes = 0.0;
    double growthPerHour = 0.0;
};

// `memory` sorted by time and `segments` from splitAtRestarts() on the same samples.
SawtoothResult detectSawtooth(
    std::span<const Sample> memory, const std::vector<Segment>& segments, const SawtoothParams& params = {});

// Medians over cycles gathered from several pods (each pod analysed on its own first).
SawtoothResult combineSawtooth(const std::vector<SawtoothResult>& perPod, int minCycles);

} // namespace leakdesk::analysis
