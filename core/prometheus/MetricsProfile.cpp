#include "core/prometheus/MetricsProfile.h"

#include "core/prometheus/QueryCatalogue.h"

#include <algorithm>
#include <array>

namespace leakdesk::prometheus {

namespace {

constexpr const char* kKsmV1MemoryLimits = "kube_pod_container_resource_limits_memory_bytes";

bool endsWith(std::string_view s, std::string_view suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool isName(std::string_view s, bool allowColon)
{
    if (s.empty())
        return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allowColon && c == ':');
        if (!letter && !(i > 0 && c >= '0' && c <= '9'))
            return false;
    }
    return true;
}

std::string labelOf(const Labels& l, const std::string& name)
{
    const auto it = l.find(name);
    return it == l.end() ? std::string() : it->second;
}

MetricsProfile legacyCadvisor(MetricsProfile p)
{
    p.podLabel = "pod_name";
    p.containerLabel = "container_name";
    return p;
}
MetricsProfile ksmV1(MetricsProfile p)
{
    p.limits = kKsmV1MemoryLimits;
    return p;
}
MetricsProfile otelJvm(MetricsProfile p)
{
    p.jvmMemoryUsed = "jvm_memory_used_bytes";
    p.jvmMemoryMax = "jvm_memory_limit_bytes";
    p.jvmAreaLabel = "jvm_memory_type";
    return p;
}
MetricsProfile jmxExporterJvm(MetricsProfile p)
{
    p.jvmMemoryUsed = "jvm_memory_bytes_used";
    p.jvmMemoryMax = "jvm_memory_bytes_max";
    p.jvmAreaLabel = "area";
    return p;
}
MetricsProfile requestsTotal(MetricsProfile p)
{
    p.httpRequests = "http_requests_total";
    return p;
}
MetricsProfile istioRequests(MetricsProfile p)
{
    p.httpRequests = "istio_requests_total";
    return p;
}

// One exporter's candidates: counts of matching series in the namespace and elsewhere.
struct Tally {
    std::vector<std::string> names; // what each candidate is, for the notes
    std::vector<std::array<std::size_t, 2>> counts; // [in ns, elsewhere]

    explicit Tally(std::vector<std::string> n)
        : names(std::move(n))
        , counts(names.size(), { 0, 0 })
    { }
    void count(std::size_t candidate, bool inNs) { ++counts[candidate][inNs ? 0 : 1]; }
    // The candidate with the most series in the namespace, else the most elsewhere; -1 when none.
    int chosen() const
    {
        for (int where = 0; where < 2; ++where) {
            int best = -1;
            for (std::size_t i = 0; i < counts.size(); ++i)
                if (counts[i][where] > 0 && (best < 0 || counts[i][where] > counts[std::size_t(best)][where]))
                    best = int(i);
            if (best >= 0)
                return best;
        }
        return -1;
    }
};

} // namespace

bool MetricsProfile::limitsHaveResourceLabel() const
{
    return !endsWith(limits, "_memory_bytes");
}

bool MetricsProfile::requestsFromIstio() const
{
    return httpRequests == "istio_requests_total";
}

std::map<std::string, std::string> MetricsProfile::asMap() const
{
    return {
        { "memory_working_set", workingSet },
        { "oom_events", oomEvents },
        { "pod_label", podLabel },
        { "container_label", containerLabel },
        { "memory_limit", limits },
        { "restarts", restarts },
        { "last_terminated_reason", lastTerminatedReason },
        { "jvm_heap_used", jvmMemoryUsed },
        { "jvm_heap_max", jvmMemoryMax },
        { "jvm_area_label", jvmAreaLabel },
        { "request_rate", httpRequests },
    };
}

const std::vector<std::string>& metricsProfileKeys()
{
    static const std::vector<std::string> keys = [] {
        std::vector<std::string> k;
        for (const auto& [key, value] : MetricsProfile {}.asMap())
            k.push_back(key);
        return k;
    }();
    return keys;
}

Result<MetricsProfile> applyMetricOverrides(MetricsProfile p, const std::map<std::string, std::string>& overrides)
{
    for (const auto& [key, value] : overrides) {
        std::string* field = key == "memory_working_set" ? &p.workingSet
            : key == "oom_events"                        ? &p.oomEvents
            : key == "pod_label"                         ? &p.podLabel
            : key == "container_label"                   ? &p.containerLabel
            : key == "memory_limit"                      ? &p.limits
            : key == "restarts"                          ? &p.restarts
            : key == "last_terminated_reason"            ? &p.lastTerminatedReason
            : key == "jvm_heap_used"                     ? &p.jvmMemoryUsed
            : key == "jvm_heap_max"                      ? &p.jvmMemoryMax
            : key == "jvm_area_label"                    ? &p.jvmAreaLabel
            : key == "request_rate"                      ? &p.httpRequests
                                                         : nullptr;
        if (!field) {
            std::string known;
            for (const auto& k : metricsProfileKeys())
                known += (known.empty() ? "" : ", ") + k;
            return makeError(ErrorCode::Config, "unknown metric kind '" + key + "'", "use one of: " + known);
        }
        const bool isLabel = endsWith(key, "_label");
        if (!isName(value, !isLabel))
            return makeError(ErrorCode::Config,
                "'" + value + "' is not a Prometheus " + (isLabel ? "label" : "metric") + " name (for " + key + ")",
                isLabel ? "a label name is letters, digits and '_', not starting with a digit"
                        : "a metric name is letters, digits, '_' and ':', not starting with a digit");
        *field = value;
    }
    return p;
}

MetricsProfile profileForDialect(MetricsDialect dialect)
{
    switch (dialect) {
    case MetricsDialect::Current:
        return {};
    case MetricsDialect::Legacy:
        // A cluster from before Kubernetes 1.16 with kube-state-metrics v1, whose services count
        // requests with a Prometheus client library.
        return requestsTotal(ksmV1(legacyCadvisor({})));
    case MetricsDialect::Otel:
        return otelJvm({});
    case MetricsDialect::JmxExporter:
        return requestsTotal(jmxExporterJvm({}));
    }
    return {};
}

const char* metricsDialectName(MetricsDialect dialect)
{
    switch (dialect) {
    case MetricsDialect::Current:
        return "current";
    case MetricsDialect::Legacy:
        return "legacy";
    case MetricsDialect::Otel:
        return "otel";
    case MetricsDialect::JmxExporter:
        return "jmx-exporter";
    }
    return "current";
}

std::optional<MetricsDialect> metricsDialectFromName(std::string_view name)
{
    for (MetricsDialect d : allMetricsDialects())
        if (name == metricsDialectName(d))
            return d;
    return std::nullopt;
}

const std::vector<MetricsDialect>& allMetricsDialects()
{
    static const std::vector<MetricsDialect> all
        = { MetricsDialect::Current, MetricsDialect::Legacy, MetricsDialect::Otel, MetricsDialect::JmxExporter };
    return all;
}

const std::vector<MetricsProfile>& knownProfileVariants()
{
    static const std::vector<MetricsProfile> variants = {
        MetricsProfile {},
        legacyCadvisor({}),
        ksmV1({}),
        otelJvm({}),
        jmxExporterJvm({}),
        requestsTotal({}),
        istioRequests({}),
    };
    return variants;
}

std::vector<std::string> metricsProbeSelectors(const std::string& ns)
{
    const std::string in = "namespace=\"" + quotePromqlString(ns) + "\"";
    const MetricsProfile current;
    return {
        current.workingSet + "{" + in + "}",
        current.limits + "{" + in + ",resource=\"memory\"}",
        std::string(kKsmV1MemoryLimits) + "{" + in + "}",
        "jvm_memory_used_bytes{" + in + ",area=\"heap\"}",
        "jvm_memory_used_bytes{" + in + ",jvm_memory_type=\"heap\"}",
        "jvm_memory_bytes_used{" + in + ",area=\"heap\"}",
        "http_server_requests_seconds_count{" + in + "}",
        "http_requests_total{" + in + "}",
        "istio_requests_total{" + in + ",reporter=\"destination\"}",
    };
}

ProbedProfile chooseMetricsProfile(const std::vector<Labels>& series, const std::string& ns, const MetricsProfile& base)
{
    Tally cadvisor({ "pod/container", "pod_name/container_name" });
    Tally limits({ "kube_pod_container_resource_limits{resource=\"memory\"}", kKsmV1MemoryLimits });
    Tally jvm({ "jvm_memory_used_bytes{area=\"heap\"}", "jvm_memory_used_bytes{jvm_memory_type=\"heap\"}",
        "jvm_memory_bytes_used{area=\"heap\"}" });
    Tally requests({ "http_server_requests_seconds_count", "http_requests_total", "istio_requests_total" });
    const MetricsProfile current;
    for (const Labels& l : series) {
        const std::string name = labelOf(l, "__name__");
        const bool inNs = labelOf(l, "namespace") == ns;
        if (name == current.workingSet) {
            if (!labelOf(l, "pod").empty())
                cadvisor.count(0, inNs);
            else if (!labelOf(l, "pod_name").empty())
                cadvisor.count(1, inNs);
        } else if (name == current.limits && labelOf(l, "resource") == "memory") {
            limits.count(0, inNs);
        } else if (name == kKsmV1MemoryLimits) {
            limits.count(1, inNs);
        } else if (name == "jvm_memory_used_bytes" && labelOf(l, "area") == "heap") {
            jvm.count(0, inNs);
        } else if (name == "jvm_memory_used_bytes" && labelOf(l, "jvm_memory_type") == "heap") {
            jvm.count(1, inNs);
        } else if (name == "jvm_memory_bytes_used" && labelOf(l, "area") == "heap") {
            jvm.count(2, inNs);
        } else if (name == "http_server_requests_seconds_count") {
            requests.count(0, inNs);
        } else if (name == "http_requests_total") {
            requests.count(1, inNs);
        } else if (name == "istio_requests_total" && labelOf(l, "reporter") == "destination") {
            requests.count(2, inNs);
        }
    }

    ProbedProfile out { base, {} };
    auto decide = [&](const char* what, const Tally& tally, const std::string& kept, auto apply) {
        const int c = tally.chosen();
        if (c < 0) {
            out.notes.push_back(
                std::string(what) + ": no candidate has series in namespace '" + ns + "', kept " + kept);
            return;
        }
        const std::size_t i = std::size_t(c);
        apply(i);
        out.notes.push_back(std::string(what) + ": " + tally.names[i] + " ("
            + std::to_string(tally.counts[i][0] > 0 ? tally.counts[i][0] : tally.counts[i][1]) + " series"
            + (tally.counts[i][0] > 0 ? " in '" + ns + "'" : " in other namespaces") + ")");
    };
    decide("cAdvisor labels", cadvisor, base.podLabel + "/" + base.containerLabel, [&](std::size_t i) {
        const MetricsProfile p = i == 0 ? current : legacyCadvisor(current);
        out.profile.podLabel = p.podLabel;
        out.profile.containerLabel = p.containerLabel;
    });
    decide("memory limits", limits, base.limits,
        [&](std::size_t i) { out.profile.limits = i == 0 ? current.limits : ksmV1(current).limits; });
    decide("JVM heap", jvm, base.jvmMemoryUsed + "{" + base.jvmAreaLabel + "=\"heap\"}", [&](std::size_t i) {
        const MetricsProfile p = i == 0 ? current : i == 1 ? otelJvm(current) : jmxExporterJvm(current);
        out.profile.jvmMemoryUsed = p.jvmMemoryUsed;
        out.profile.jvmMemoryMax = p.jvmMemoryMax;
        out.profile.jvmAreaLabel = p.jvmAreaLabel;
    });
    decide("requests", requests, base.httpRequests, [&](std::size_t i) {
        out.profile.httpRequests = i == 0 ? current.httpRequests
            : i == 1                      ? "http_requests_total"
                                          : "istio_requests_total";
    });
    return out;
}

std::string emptyMemoryQueryAdvice(std::string_view promql, const MetricsProfile& profile)
{
    // The selector as asked: the metric name and its braces, quotes respected.
    std::string selector = profile.workingSet;
    if (const auto at = promql.find(profile.workingSet + "{"); at != std::string_view::npos) {
        bool inQuotes = false;
        for (std::size_t i = at + profile.workingSet.size(); i < promql.size(); ++i) {
            const char c = promql[i];
            if (c == '\\' && inQuotes) {
                ++i;
                continue;
            }
            if (c == '"')
                inQuotes = !inQuotes;
            if (c == '}' && !inQuotes) {
                selector = std::string(promql.substr(at, i - at + 1));
                break;
            }
        }
    }
    const bool legacy = profile.podLabel == "pod_name";
    return "the selector " + selector + " (metric " + profile.workingSet + ", pod label '" + profile.podLabel
        + "', container label '" + profile.containerLabel + "') found no series; if this Prometheus names them "
        + "otherwise, set --metric memory_working_set=NAME"
        + (legacy ? " or --metric pod_label=pod --metric container_label=container"
                  : " or, before Kubernetes 1.16, --metric pod_label=pod_name --metric container_label=container_name")
        + " (or the same keys under metrics: in the config file)";
}

} // namespace leakdesk::prometheus
