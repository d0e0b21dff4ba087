#pragma once
// The leak radar's PromQL (issue 18): per namespace, one row per workload container, computed by
// the server. Pods are mapped to their workload through kube-state-metrics' owner series, as
// investigation::WorkloadPods follows them: Pod -> ReplicaSet -> Deployment or Argo Rollout,
// Pod -> Job -> CronJob (or the Job itself), Pod -> StatefulSet / DaemonSet. Every answer carries
// the labels `<cluster label>`, `namespace`, `workload_kind`, `workload` (and `container` for the
// per-container kinds). Spelled from a MetricsProfile like QueryCatalogue, and recognised again by
// the sandbox (matchRadarQuery) in any known spelling.

#include "core/prometheus/MetricsProfile.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakdesk::prometheus {

enum class RadarQueryKind {
    Namespaces, // instant: count by (cluster, namespace) of pod owners over the window
    Workloads, // instant: pods per workload over max(window, 24 h)
    WorkingSetNow, // instant: max over pods of the container's working set
    Level, // instant: max over pods of predict_linear(working set[15m], 0): the level now, noise smoothed
    Growth, // instant: avg over pods of the per-lifetime slope (bytes/s), see radarQuery()
    Limit, // instant: max over pods of the container's memory limit
    Restarts24h, // instant: sum over pods of increase(restarts[24h])
    OomEvents24h, // instant: sum over pods of increase(container_oom_events_total[24h])
    OomTerminated24h, // instant: containers whose last termination was OOMKilled within 24 h
    Sparkline, // range: avg over pods of avg_over_time(working set[step])
    BaselineSparkline, // range: the same, offset 7d
    Traffic, // range: the workload's request rate (sum over pods of rate[5m])
};

const char* radarQueryKindName(RadarQueryKind kind);
std::optional<RadarQueryKind> radarQueryKindFromName(std::string_view name);
const std::vector<RadarQueryKind>& allRadarQueryKinds();
bool isRangeRadarQuery(RadarQueryKind kind);

struct RadarQueryParams {
    std::string ns; // ignored by Namespaces
    std::int64_t windowMs = 6LL * 3600 * 1000;
    std::int64_t stepMs = 0; // Sparkline/BaselineSparkline: the range query's step (the avg_over_time window)
    std::string clusterLabel = "cluster";
};

// Restarts must not hide growth: Growth is, per container series, the slope over the whole window
// when the container did not restart in it, else the median of its 10-minute slopes taken every
// 5 minutes, leaving out those that span a restart (each container lifetime's own slope).
inline constexpr std::int64_t kRadarShortSlopeMs = 10LL * 60 * 1000;
inline constexpr std::int64_t kRadarShortSlopeEveryMs = 5LL * 60 * 1000;
inline constexpr std::int64_t kRadarLevelMs = 15LL * 60 * 1000;
inline constexpr std::int64_t kRadarCountsMs = 24LL * 3600 * 1000; // restarts and OOM kills
inline constexpr std::int64_t kRadarBaselineOffsetMs = 7LL * 24 * 3600 * 1000;

// The owner series are looked at over this range: pods that ran within the window or the 24 h the
// counts cover.
std::int64_t radarOwnerRangeMs(std::int64_t windowMs);

// A duration as Prometheus writes it ("6h", "90m", "45s"); whole seconds.
std::string promDuration(std::int64_t ms);

std::string radarQuery(RadarQueryKind kind, const MetricsProfile& profile, const RadarQueryParams& params);

struct MatchedRadarQuery {
    RadarQueryKind kind;
    RadarQueryParams params;
    MetricsProfile profile;
};

// Recognises a query radarQuery() built (whitespace-insensitive) with `profile` or any of
// knownProfileVariants(), any namespace, window, step and cluster label name.
std::optional<MatchedRadarQuery> matchRadarQuery(std::string_view promql, const MetricsProfile& profile = {});

} // namespace leakdesk::prometheus
