#pragma once
// Every PromQL expression LeakDesk issues lives here, and only here. The clients build queries
// from it, the sandbox recognises them with match(), and the tests use both directions.

#include "core/prometheus/MetricsProfile.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakdesk::prometheus {

enum class QueryKind {
    MemoryWorkingSet, // per pod, real containers only
    MemoryLimit, // per pod, kube-state-metrics
    Restarts, // per pod, counter
    LastTerminatedOom, // per pod+container, 1 while the last termination was OOMKilled
    OomEvents, // per pod, cAdvisor counter
    JvmHeapUsed, // per pod
    JvmHeapMax, // per pod
    RequestRate, // whole service, requests/s
    MemoryPerPodAvg, // average of the per-pod working set
    MemoryPerPodAvgBaseline, // the same, offset 7d
    MemoryWorkingSetByContainer, // per pod and container, every real container (sidecars too)
    MemoryLimitByContainer, // per pod and container, kube-state-metrics
    MemoryPerPodAvgBaselineByContainer, // per container: average over pods, offset 7d
};

// The server's own clock: `time()` evaluated without a `time` parameter is the server's now (a
// sandbox at --clock-speed runs ahead of the wall clock; a real Prometheus has no samples after it).
inline constexpr std::string_view kServerTimeQuery = "time()";

const char* queryKindName(QueryKind kind);
std::optional<QueryKind> queryKindFromName(std::string_view name);
const std::vector<QueryKind>& allQueryKinds();

// Which pods a query is about: namespace plus a regular expression over pod names (RE2 syntax,
// anchored by Prometheus), built from the pods found (podRegexesForPods), and the container the
// per-pod memory, limit and restart queries are about (a regex too: the main container's escaped
// name; empty means every real container, summed per pod).
struct PodSelector {
    std::string ns;
    std::string podRegex;
    std::string containerRegex = {};
};

// A PromQL string literal's content: backslash and double quote escaped.
std::string quotePromqlString(std::string_view v);

// `name` as a regex matching exactly that name.
std::string exactRegex(std::string_view name);

// Pods of Deployment `name`: name-<replicaset hash>-<5 char suffix>. Strict enough that
// "checkout" does not match "checkout-worker-...". Only for tests and the sandbox's own checks:
// an investigation queries the pods it found, never a name pattern.
std::string podRegexForWorkload(std::string_view deploymentName);

// The pods found, by exact name, as PodSelector regexes ("a|b|c"), each under `maxBytes` before
// quoting (long queries fail on proxies and in URLs): more pods give more regexes, never a pattern.
std::vector<std::string> podRegexesForPods(const std::vector<std::string>& pods, std::size_t maxBytes = 2000);

struct MatchedQuery {
    QueryKind kind;
    PodSelector selector;
    MetricsProfile profile = {}; // the spelling that matched: which names and labels to read
};

class QueryCatalogue {
public:
    // Metric and label names differ between exporters and clusters: each connection has its
    // profile (probed, or overridden). Answers keep `pod` and `container` whatever the labels read.
    explicit QueryCatalogue(MetricsProfile profile = {});

    const MetricsProfile& profile() const { return m_profile; }
    std::string build(QueryKind kind, const PodSelector& selector) const;

    // Recognises a query produced by build() (whitespace-insensitive), spelled with this profile
    // or any of knownProfileVariants() (so every probed combination). Used by the sandbox's
    // Prometheus API, which answers exactly the catalogue rather than general PromQL.
    std::optional<MatchedQuery> match(std::string_view promql) const;

private:
    static std::string templateFor(QueryKind kind, const MetricsProfile& profile);
    MetricsProfile m_profile;
};

} // namespace leakdesk::prometheus
