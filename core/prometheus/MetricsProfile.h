#pragma once
// The metric and label names a cluster's Prometheus holds, which differ by exporter and version:
// cAdvisor's `pod`/`container` (Kubernetes >= 1.16) or `pod_name`/`container_name` before;
// kube-state-metrics v2's `kube_pod_container_resource_limits{resource="memory"}` or v1's
// `kube_pod_container_resource_limits_memory_bytes`; JVM heap from Micrometer, the JMX exporter
// or OpenTelemetry; request counters from Micrometer, a Prometheus client library or Istio.
// QueryCatalogue spells its templates from a profile; a probe at connect chooses one
// (chooseMetricsProfile) and `--metric KIND=NAME` / the config file's `metrics:` map override it.

#include "core/common/Result.h"
#include "core/common/Series.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakdesk::prometheus {

struct MetricsProfile {
    // cAdvisor (kubelet): working set and OOM events, and the labels naming pod and container.
    std::string workingSet = "container_memory_working_set_bytes";
    std::string oomEvents = "container_oom_events_total";
    std::string podLabel = "pod";
    std::string containerLabel = "container";
    // kube-state-metrics: v2 has one limits metric with a `resource` label; v1 one metric per
    // resource (a name ending in "_memory_bytes", no `resource` label).
    std::string limits = "kube_pod_container_resource_limits";
    std::string restarts = "kube_pod_container_status_restarts_total";
    std::string lastTerminatedReason = "kube_pod_container_status_last_terminated_reason";
    // JVM heap: the label that says heap or non-heap (`area`, OpenTelemetry's `jvm_memory_type`).
    std::string jvmMemoryUsed = "jvm_memory_used_bytes";
    std::string jvmMemoryMax = "jvm_memory_max_bytes";
    std::string jvmAreaLabel = "area";
    // Requests: a counter per pod. istio_requests_total is read as the destination's sidecar
    // reports it (reporter="destination"), by the `namespace`/`pod` labels the scrape adds.
    std::string httpRequests = "http_server_requests_seconds_count";

    bool limitsHaveResourceLabel() const;
    bool requestsFromIstio() const;

    // The names as `--metric` keys and values ("pod_label" -> "pod_name", ...): the JSON's
    // `metrics_profile` and the overrides use the same keys.
    std::map<std::string, std::string> asMap() const;

    bool operator==(const MetricsProfile&) const = default;
};

// The keys `--metric KIND=NAME` and the config file's `metrics:` map accept, in a stable order.
const std::vector<std::string>& metricsProfileKeys();

// `profile` with `overrides` (keys of metricsProfileKeys(), values metric or label names) applied;
// an unknown key or a value that is no Prometheus name is an error naming it.
Result<MetricsProfile> applyMetricOverrides(
    MetricsProfile profile, const std::map<std::string, std::string>& overrides);

// The sandbox's `--metrics-naming` dialects: whole profiles of a consistent cluster.
enum class MetricsDialect { Current, Legacy, Otel, JmxExporter };
MetricsProfile profileForDialect(MetricsDialect dialect);
const char* metricsDialectName(MetricsDialect dialect);
std::optional<MetricsDialect> metricsDialectFromName(std::string_view name);
const std::vector<MetricsDialect>& allMetricsDialects();

// Every spelling the catalogue knows, each differing from the default in one exporter's names:
// any probed combination spells each query kind as one of these does (a kind depends on one
// exporter only), so QueryCatalogue::match recognises every combination by trying these.
const std::vector<MetricsProfile>& knownProfileVariants();

// The probe: /api/v1/series selectors asking, in one request, which candidate names have series
// in namespace `ns`.
std::vector<std::string> metricsProbeSelectors(const std::string& ns);

struct ProbedProfile {
    MetricsProfile profile;
    std::vector<std::string> notes; // one per exporter decided or left at its default, for the report
};

// Chooses, per exporter, the candidate with series in `ns` (the most series there; ties keep the
// order current > legacy); a candidate seen only in other namespaces is taken when none has
// series in `ns`; none seen keeps `base`'s names. `series` carry `__name__`.
ProbedProfile chooseMetricsProfile(
    const std::vector<Labels>& series, const std::string& ns, const MetricsProfile& base = {});

// For a memory query that found no series: which selector of which metric found nothing, and the
// `--metric` settings (or config `metrics:` keys) that name the cluster's metric and labels.
std::string emptyMemoryQueryAdvice(std::string_view promql, const MetricsProfile& profile);

// The names in use on a connection: probed (once per namespace), then overridden.
struct MetricsProfileInUse {
    MetricsProfile profile;
    bool probed = false;
    std::string probedNamespace;
    std::vector<std::string> notes; // per exporter: what the probe found, or why it could not say
    std::vector<std::string> overridden; // keys the user gave (--metric, the config file)
};

} // namespace leakdesk::prometheus
