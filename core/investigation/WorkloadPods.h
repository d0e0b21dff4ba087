#pragma once
// Which pods an investigation asks Prometheus about (issue 16): the workload's pods as the API
// lists them now, plus those Prometheus remembers through kube-state-metrics' owner series —
// pods of ReplicaSets a rollout replaced (kube_replicaset_owner → kube_pod_owner), of a CronJob's
// finished Jobs (kube_job_owner → kube_pod_owner), a StatefulSet's or DaemonSet's pods before a
// restart. Never a name pattern: "checkout" must not take in "checkout-worker". Without
// kube-state-metrics the pods the API lists stand alone, and a note says what history is lost.
//
// The names become PodSelectors (exact names, chunked: queries stay short enough for proxies and
// GET URLs), and the answers of a query asked once per chunk are merged (mergeChunkSeries).

#include "core/common/Series.h"
#include "core/kube/WorkloadResolution.h"
#include "core/prometheus/QueryCatalogue.h"

#include <QObject>

#include <functional>
#include <string>
#include <vector>

namespace leakdesk::prometheus {
class PromClient;
}

namespace leakdesk::investigation {

struct WorkloadPods {
    std::vector<std::string> names; // sorted, unique
    std::size_t fromApi = 0; // how many the API lists now
    std::size_t fromHistory = 0; // how many more Prometheus remembers
    std::vector<std::string> notes; // what could not be looked up, or was left out
};

// More pods than this (a CronJob firing every minute for a week) are not all queried: the API's
// own pods and the most recently named are kept, and a note says so.
inline constexpr std::size_t kMaxQueriedPods = 1500;
// How far back the pods are looked up: the chart's longest range (30 days) and a day's margin.
inline constexpr std::int64_t kPodLookupMs = 31LL * 24 * 3600 * 1000;

// Step 1: series selectors for the pods' owners that Prometheus remembers (ReplicaSets of a
// Deployment or Rollout, Jobs of a CronJob); empty when the workload owns its pods directly.
std::vector<std::string> intermediateOwnerSelectors(const std::string& ns, const kube::ResolvedWorkload& workload);
// The owner names in step 1's answer ("replicaset" or "job_name" label).
std::vector<std::string> intermediateOwnerNames(const std::vector<Labels>& series);
// Step 2: kube_pod_owner selectors for pods owned by `owners` (of kind `ownerKind`), chunked.
std::vector<std::string> podOwnerSelectors(
    const std::string& ns, const std::string& ownerKind, const std::vector<std::string>& owners);
// The kind the pods' direct owners have: "ReplicaSet", "Job", or the workload's own kind.
std::string directOwnerKind(const kube::ResolvedWorkload& workload);

// Unites the API's pods with those found in history, sorted, bounded by kMaxQueriedPods.
WorkloadPods unitePods(const std::vector<std::string>& fromApi, const std::vector<Labels>& ownerSeries);

// Looks up the pods in `range` and calls `done` exactly once (never with an error: a failed lookup
// leaves the API's pods and a note).
void findWorkloadPods(prometheus::PromClient& client, const std::string& ns, const kube::ResolvedWorkload& workload,
    const TimeRange& range, QObject* context, std::function<void(WorkloadPods)> done);

// One PodSelector per chunk of pod names, all about `containerRegex` (empty: every container).
std::vector<prometheus::PodSelector> podSelectorsFor(
    const std::string& ns, const std::vector<std::string>& pods, const std::string& containerRegex);

// How many pods each selector names (its regex's alternatives): the chunks' weights below.
std::vector<double> chunkWeights(const std::vector<prometheus::PodSelector>& selectors);

// The answers of one query kind asked once per chunk, as one answer: per-pod series are
// concatenated; whole-workload aggregates are combined per timestamp — sums added, averages
// weighted by the chunk's number of pods (`weights`, one per chunk).
std::vector<Series> mergeChunkSeries(
    prometheus::QueryKind kind, const std::vector<std::vector<Series>>& chunks, const std::vector<double>& weights);

} // namespace leakdesk::investigation
