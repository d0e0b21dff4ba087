#pragma once
// The series a cluster's Prometheus would hold for a scenario's containers (cAdvisor's working
// set per container and per pod, kube-state-metrics' limits, restarts and last terminated reason,
// OOM events), with the same names and labels as the built-in sandbox's, so the same queries and
// the same OpenMetrics export cover both. Added to MetricsHistory as SeriesSource::External.

#include "core/sandbox/model/MetricsHistory.h"
#include "core/sandbox/scenario/ScenarioCluster.h"

#include <optional>
#include <vector>

namespace leakdesk::sandbox::scenario {

std::vector<RawSeries> scenarioSeries(const ScenarioCluster& cluster, const MetricsHistory& history);
std::optional<double> sampleScenarioSeries(
    const ScenarioCluster& cluster, const RawSeries& series, std::int64_t gridMs);

} // namespace leakdesk::sandbox::scenario
