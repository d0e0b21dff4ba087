#pragma once
// The leak radar (issue 18): which workloads of a cluster, or of a fleet behind Thanos or
// VictoriaMetrics, are leaking memory right now? Ranked from one row per workload that Prometheus
// computes (prometheus/RadarQueries.h): the desktop never fetches raw series. These are the values
// the ranking produces and every front end (CLI table and JSON, the GUI's Radar page) shows.

#include "core/analysis/MemoryAnalysis.h"
#include "core/common/Result.h"
#include "core/common/Series.h"
#include "core/prometheus/MetricsProfile.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::radar {

inline constexpr std::int64_t kRadarHourMs = 3600LL * 1000;

struct RadarOptions {
    // The namespaces to rank; empty with allNamespaces: every namespace kube-state-metrics knows
    // over the window (asked once, then one set of queries per namespace).
    std::vector<std::string> namespaces;
    bool allNamespaces = false;
    std::size_t topN = 20; // rows kept after ranking; 0 keeps every row
    std::int64_t windowMs = 6 * kRadarHourMs; // growth and the sparkline; restarts and OOM kills are always 24 h
    std::int64_t nowMs = 0; // the evaluation time; 0: the clock's now
    prometheus::MetricsProfile profile; // the connection's metric names (probed or overridden)
    // The label a global view (Thanos, VictoriaMetrics) puts on every series to say which cluster
    // it came from; rows are grouped by it. Absent on a single cluster's Prometheus: cluster "".
    std::string clusterLabel = "cluster";
    int sparklinePoints = 48; // at most; one range query per namespace at a coarse step
    int maxConcurrentQueries = 6; // in flight at once, over every namespace
    analysis::AnalysisParams analysis; // the per-service verdict's rules and thresholds
};

// What the ranking made of one container of a workload. Sidecars are judged too, but never make
// the workload look leaky: the workload's score is its worst main container's.
struct RadarContainer {
    std::string name;
    bool main = true;
    std::string role; // why main or sidecar: "named like the workload", "a known sidecar (istio-proxy)"...
    double score = 0.0; // 0..1
    bool dataKnown = false; // false: no memory samples for it in the window
    std::string pattern; // analysis::patternName of its verdict ("steady-growth", "follows-traffic"...)
    std::string reason; // one sentence
    double growthBytesPerHour = 0.0; // per container lifetime, averaged over the pods
    int oomKills24h = 0;
    int restarts24h = 0;
    std::optional<double> timeToLimitHours;
    std::optional<double> workingSetBytes; // now, the largest pod's
    std::optional<double> limitBytes;
};

struct RadarRow {
    std::string cluster; // the clusterLabel's value; "" on a single cluster
    std::string ns;
    std::string workloadKind; // Deployment, StatefulSet, DaemonSet, Rollout, CronJob, Job
    std::string workloadName;
    // 0..1: how likely this workload leaks memory now. Meaningless when !dataKnown (then 0 and the
    // reason says what is missing: unknown is never "no leak").
    double score = 0.0;
    bool dataKnown = false;
    std::string reason; // a human sentence that names the container it is about
    std::string container; // the main container the score is about
    std::string pattern;
    double growthBytesPerHour = 0.0;
    int oomKills24h = 0; // the whole workload, sidecars included
    int restarts24h = 0;
    std::optional<double> timeToLimitHours;
    std::optional<double> workingSetBytes;
    std::optional<double> limitBytes;
    int pods = 0; // pods seen over the window
    // The workload's memory (main container, average over pods) over the window, as the server
    // computed it: at most RadarOptions::sparklinePoints points.
    std::vector<Sample> sparkline;
    std::vector<RadarContainer> containers; // every container judged, main ones first
};

// A namespace or query that could not be answered: shown with the rows, never hidden.
struct RadarFailure {
    std::string ns; // "" for the namespace listing itself
    std::string query; // prometheus::radarQueryKindName
    std::string promql;
    Error error;
};

struct RadarReport {
    std::vector<RadarRow> rows; // highest score first; rows without data last
    std::vector<RadarFailure> failures;
    std::vector<std::string> namespaces; // asked
    std::vector<std::string> notes; // what the ranking could not do and why (no kube-state-metrics...)
    std::size_t workloadsSeen = 0; // before topN
    int queries = 0; // HTTP queries sent (range queries split by the client count once)
    std::int64_t bytesReceived = 0; // response bodies
    std::int64_t elapsedMs = 0;
    std::int64_t nowMs = 0;
    std::int64_t windowMs = 0;

    // Nothing to rank: no workload had memory data (exit code 3 in the CLI), never "no leak".
    bool noData() const;
};

} // namespace leakdesk::radar
