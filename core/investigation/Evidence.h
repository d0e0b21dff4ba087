#pragma once
// What one investigation fetched (RawEvidence) and what it concluded (Findings). Both are plain,
// immutable values once built: the GUI and the CLI share them as std::shared_ptr<const Findings>.

#include "core/analysis/Verdict.h"
#include "core/common/Series.h"
#include "core/kube/KubeObjects.h"
#include "core/kube/Workloads.h"
#include "core/oom/OomEvidence.h"
#include "core/prometheus/QueryCatalogue.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::investigation {

struct InvestigationRequest {
    std::string ns;
    // What the user named: `workload` (a Service, KIND/NAME, or a bare name: a Service of that name
    // first, then a workload). `service` is its name as shown and recorded; a request with an
    // empty workload name means the bare name `service`.
    std::string service;
    kube::WorkloadRef workload;
    kube::WorkloadRef target() const { return workload.name.empty() ? kube::WorkloadRef { std::nullopt, service } : workload; }
    std::int64_t nowMs = 0;
    std::int64_t windowMs = 6 * 3600 * 1000; // chart and analysis window ending at nowMs
    std::int64_t warmUpMs = 10 * 60 * 1000; // runbook step 1: "stabilize within 10 minutes"
    int oomThreshold = 2; // runbook step 2: "more than 2 in 1 hour"
    std::int64_t oomWindowMs = 3600 * 1000;
};

struct QueryEvidence {
    prometheus::QueryKind kind;
    std::string promql;
    TimeRange range;
    std::int64_t stepMs = 0;
    std::size_t seriesCount = 0;
    std::string error; // empty when it succeeded
};

// The workload the request resolved to, and what was asked about it.
struct WorkloadEvidence {
    kube::WorkloadRef workload; // kind always set
    std::string selector; // its spec.selector as a label query; empty for a CronJob
    std::optional<std::string> service; // the Service it was reached through
    std::vector<std::string> notes; // other workloads behind the Service, pods left out...
    std::vector<kube::ContainerInfo> containers; // of its first pod (else its pod template)
    std::string mainContainer; // empty when none could be told (then every container is summed)
    std::vector<std::string> queriedPods; // the pods whose series were asked for
    std::size_t podsFromHistory = 0; // of those, pods Prometheus remembers that the API no longer lists
};

struct RawEvidence {
    InvestigationRequest request;
    std::optional<WorkloadEvidence> workload;
    std::optional<kube::Deployment> deployment;
    std::vector<kube::Pod> pods;
    std::vector<kube::PodMetrics> podMetrics;
    bool podMetricsAvailable = false;
    std::vector<kube::Event> oomEvents; // reason=OOMKilling, namespace + cluster-wide when allowed
    std::map<prometheus::QueryKind, std::vector<Series>> series;
    std::vector<QueryEvidence> queries;
    std::vector<std::string> warnings;
    // Evidence from the Kubernetes API that could not be read (query failures are in `queries`).
    std::vector<analysis::MissingEvidence> missing;
    // Set when Prometheus did not answer at all (its error): no query was asked, the cluster's own
    // evidence stands alone and the verdict is Unknown with the reason named.
    std::optional<std::string> prometheusUnreachable;
    std::string prometheusUnreachableHint; // what to change (the option to fix), when known
    // Which Prometheus was read: its URL, and where in the cluster it was found (empty when named).
    std::string prometheusUrl;
    std::string prometheusDiscoveredFrom;
    std::string prometheusChosenBecause;
    // The metric and label names the queries were spelled with (probed, overridden): none when
    // Prometheus was not asked.
    std::optional<prometheus::MetricsProfileInUse> metricsProfile;
    std::int64_t stepMs = 30000;

    const std::vector<Series>& seriesOf(prometheus::QueryKind kind) const;
};

struct PodRow {
    std::string name;
    std::string phase;
    std::string node;
    bool ready = false;
    std::optional<std::int64_t> memoryBytes; // metrics.k8s.io, as `kubectl top`
    std::optional<std::int64_t> limitBytes;
    int restarts = 0;
    std::string lastTerminationReason;
    int lastExitCode = 0;
    std::int64_t lastTerminatedMs = 0;
    std::int64_t startedMs = 0;
    // time-to-limit at the current slope, from the analysis (hours); nullopt when not growing
    std::optional<double> hoursToLimit;
};

} // namespace leakdesk::investigation
