#pragma once
// Memory of batch work (a CronJob's runs, a Job's pods): each run grows while it works and is
// freed when it completes, so the runbook's "grows without levelling off" would call every report
// job a leak. What leaks in batch work is the run itself getting bigger: peaks that climb from run
// to run, or runs that end OOMKilled. analyseBatchRuns() judges the peaks across runs instead of
// the growth within one.

#include "core/analysis/MemoryAnalysis.h"
#include "core/analysis/Verdict.h"

namespace leakdesk::analysis {

struct BatchRunParams {
    std::size_t minRuns = 3; // fewer runs: not enough to tell a trend across runs
    std::size_t minRunPoints = 2; // samples for a run's peak to count
    // Peaks rising faster than this fraction of the median peak per day are a leak across runs.
    double peakGrowthPerDayFraction = 0.10;
};

// `inputs.pods`: one entry per run (pod), its memory over its life; `oomKilledRuns`: how many of
// those runs ended OOMKilled (from container status, events or kube-state-metrics).
Verdict analyseBatchRuns(const MemoryInputs& inputs, int oomKilledRuns, const BatchRunParams& params = {});

} // namespace leakdesk::analysis
