#include "core/prometheus/QueryCatalogue.h"

#include "core/prometheus/PromqlText.h"

#include <map>
#include <regex>

namespace leakdesk::prometheus {

namespace {

using promql::replaceAll;
using promql::stripSpaces;

constexpr promql::KindName<QueryKind> kKindNames[] = {
    { QueryKind::MemoryWorkingSet, "memory_working_set" },
    { QueryKind::MemoryLimit, "memory_limit" },
    { QueryKind::Restarts, "restarts" },
    { QueryKind::LastTerminatedOom, "last_terminated_oom" },
    { QueryKind::OomEvents, "oom_events" },
    { QueryKind::JvmHeapUsed, "jvm_heap_used" },
    { QueryKind::JvmHeapMax, "jvm_heap_max" },
    { QueryKind::RequestRate, "request_rate" },
    { QueryKind::MemoryPerPodAvg, "memory_per_pod_avg" },
    { QueryKind::MemoryPerPodAvgBaseline, "memory_per_pod_avg_baseline" },
    { QueryKind::MemoryWorkingSetByContainer, "memory_working_set_by_container" },
    { QueryKind::MemoryLimitByContainer, "memory_limit_by_container" },
    { QueryKind::MemoryPerPodAvgBaselineByContainer, "memory_per_pod_avg_baseline_by_container" },
};

// Placeholders in templates.
constexpr std::string_view kNs = "{ns}";
constexpr std::string_view kPod = "{pod}";
constexpr std::string_view kContainer = "{container}";
constexpr std::string_view kPlaceholders[] = { kNs, kPod, kContainer };

std::string escapeRegex(std::string_view s)
{
    static const std::string special = R"(\^$.|?*+()[]{}/)";
    std::string out;
    for (char c : s) {
        if (special.find(c) != std::string::npos)
            out.push_back('\\');
        out.push_back(c);
    }
    return out;
}

// A template as a regex with one capture group per placeholder, in the order they appear.
struct CompiledTemplate {
    std::regex re;
    std::vector<std::string_view> order;
};

// Compiled once per spelling and thread: the sandbox matches every query it is asked against
// every known spelling.
const CompiledTemplate& compiledTemplate(const std::string& spelled)
{
    thread_local std::map<std::string, CompiledTemplate> cache;
    if (auto it = cache.find(spelled); it != cache.end())
        return it->second;
    CompiledTemplate t;
    for (std::size_t pos = 0; pos < spelled.size(); ++pos)
        for (std::string_view ph : kPlaceholders)
            if (spelled.compare(pos, ph.size(), ph) == 0)
                t.order.push_back(ph);
    std::string pattern = escapeRegex(spelled);
    // escapeRegex turned "{ns}" into "\{ns\}".
    const std::string capture = R"(((?:[^"\\]|\\.)*))";
    for (std::string_view ph : kPlaceholders)
        replaceAll(pattern, escapeRegex(ph), capture);
    t.re = std::regex(pattern);
    return cache.emplace(spelled, std::move(t)).first->second;
}

} // namespace

const char* queryKindName(QueryKind kind)
{
    return promql::nameOf(kKindNames, kind);
}

std::optional<QueryKind> queryKindFromName(std::string_view name)
{
    return promql::kindNamed(kKindNames, name);
}

const std::vector<QueryKind>& allQueryKinds()
{
    static const std::vector<QueryKind> kinds = promql::kindsOf(kKindNames);
    return kinds;
}

std::vector<std::string> podRegexesForPods(const std::vector<std::string>& pods, std::size_t maxBytes)
{
    std::vector<std::string> out;
    std::string current;
    for (const std::string& pod : pods) {
        const std::string escaped = escapeRegex(pod);
        if (!current.empty() && current.size() + 1 + escaped.size() > maxBytes) {
            out.push_back(std::move(current));
            current.clear();
        }
        current += (current.empty() ? "" : "|") + escaped;
    }
    if (!current.empty())
        out.push_back(std::move(current));
    return out;
}

std::string quotePromqlString(std::string_view v)
{
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"')
            out.push_back('\\');
        out.push_back(c);
    }
    return out;
}

std::string exactRegex(std::string_view name)
{
    return escapeRegex(name);
}

std::string podRegexForWorkload(std::string_view deploymentName)
{
    return escapeRegex(deploymentName) + "-[a-z0-9]{5,10}-[a-z0-9]{5}";
}

QueryCatalogue::QueryCatalogue(MetricsProfile profile)
    : m_profile(std::move(profile))
{ }

std::string QueryCatalogue::templateFor(QueryKind kind, const MetricsProfile& p)
{
    // kube-state-metrics and the services' own metrics carry `pod` and `container` (kube-state-metrics
    // writes them, the scrape adds them); cAdvisor's labels are the profile's.
    const std::string sel = R"(namespace="{ns}",pod=~"{pod}")";
    const std::string& podLabel = p.podLabel;
    const std::string& containerLabel = p.containerLabel;
    const std::string cadvisorSel = R"(namespace="{ns}",)" + podLabel + R"(=~"{pod}")";
    // cAdvisor exports one series per container plus a pod-level one (container="") and the
    // pause container (container="POD"); summing all of them double counts the pod.
    const std::string realContainers = cadvisorSel + "," + containerLabel + R"(!="",)" + containerLabel + R"(!="POD")";
    // The per-pod queries judge one container (the main one), never sidecars summed with it.
    const std::string oneContainer = cadvisorSel + "," + containerLabel + R"(=~"{container}",)" + containerLabel
        + R"(!="",)" + containerLabel + R"(!="POD")";
    // Answers name `pod` and `container` whatever the cluster's labels: legacy ones are copied over
    // in the query, so everything reading answers stays one spelling.
    auto cadvisor = [&](const std::string& metric, const std::string& matchers, bool keepsContainer,
                        const std::string& offset = {}) {
        std::string v = metric + "{" + matchers + "}" + offset;
        if (podLabel != "pod")
            v = "label_replace(" + v + R"(,"pod","$1",")" + podLabel + R"x(","(.*)"))x";
        if (keepsContainer && containerLabel != "container")
            v = "label_replace(" + v + R"(,"container","$1",")" + containerLabel + R"x(","(.*)"))x";
        return v;
    };
    // kube-state-metrics v1 has a metric per resource; v2 one with a `resource` label.
    const std::string memoryResource = p.limitsHaveResourceLabel() ? R"(,resource="memory")" : "";
    const std::string heap = "," + p.jvmAreaLabel + R"(="heap")";
    const std::string reporter = p.requestsFromIstio() ? R"(,reporter="destination")" : "";
    switch (kind) {
    case QueryKind::MemoryWorkingSet:
        return "sum by (pod) (" + cadvisor(p.workingSet, oneContainer, false) + ")";
    case QueryKind::MemoryLimit:
        return "sum by (pod) (" + p.limits + "{" + sel + R"(,container=~"{container}")" + memoryResource + "})";
    case QueryKind::Restarts:
        return "sum by (pod) (" + p.restarts + "{" + sel + R"(,container=~"{container}"}))";
    case QueryKind::LastTerminatedOom:
        return p.lastTerminatedReason + "{" + sel + R"(,reason="OOMKilled"})";
    case QueryKind::OomEvents:
        return "sum by (pod) (" + cadvisor(p.oomEvents, realContainers, false) + ")";
    case QueryKind::JvmHeapUsed:
        return "sum by (pod) (" + p.jvmMemoryUsed + "{" + sel + heap + "})";
    case QueryKind::JvmHeapMax:
        return "sum by (pod) (" + p.jvmMemoryMax + "{" + sel + heap + "})";
    case QueryKind::RequestRate:
        return "sum(rate(" + p.httpRequests + "{" + sel + reporter + "}[5m]))";
    case QueryKind::MemoryPerPodAvg:
        return "avg(sum by (pod) (" + cadvisor(p.workingSet, oneContainer, false) + "))";
    case QueryKind::MemoryPerPodAvgBaseline:
        return "avg(sum by (pod) (" + cadvisor(p.workingSet, oneContainer, false, " offset 7d") + "))";
    case QueryKind::MemoryWorkingSetByContainer:
        return "sum by (pod, container) (" + cadvisor(p.workingSet, realContainers, true) + ")";
    case QueryKind::MemoryLimitByContainer:
        return "sum by (pod, container) (" + p.limits + "{" + sel + memoryResource + "})";
    case QueryKind::MemoryPerPodAvgBaselineByContainer:
        return "avg by (container) (sum by (pod, container) ("
            + cadvisor(p.workingSet, realContainers, true, " offset 7d") + "))";
    }
    return {};
}

std::string QueryCatalogue::build(QueryKind kind, const PodSelector& selector) const
{
    std::string q = templateFor(kind, m_profile);
    replaceAll(q, kNs, quotePromqlString(selector.ns));
    replaceAll(q, kPod, quotePromqlString(selector.podRegex));
    replaceAll(q, kContainer, quotePromqlString(selector.containerRegex.empty() ? ".+" : selector.containerRegex));
    return q;
}

std::optional<MatchedQuery> QueryCatalogue::match(std::string_view promql) const
{
    const std::string wanted = stripSpaces(promql);
    std::vector<const MetricsProfile*> profiles { &m_profile };
    for (const MetricsProfile& variant : knownProfileVariants())
        if (!(variant == m_profile))
            profiles.push_back(&variant);
    for (const MetricsProfile* profile : profiles) {
        for (QueryKind kind : allQueryKinds()) {
            const std::string spelled = stripSpaces(templateFor(kind, *profile));
            const CompiledTemplate& compiled = compiledTemplate(spelled);
            std::smatch m;
            if (!std::regex_match(wanted, m, compiled.re) || m.size() != compiled.order.size() + 1)
                continue;
            MatchedQuery matched { kind, {}, *profile };
            for (std::size_t i = 0; i < compiled.order.size(); ++i) {
                const std::string value = promql::unquote(m[static_cast<int>(i) + 1].str());
                if (compiled.order[i] == kNs)
                    matched.selector.ns = value;
                else if (compiled.order[i] == kPod)
                    matched.selector.podRegex = value;
                else
                    matched.selector.containerRegex = value;
            }
            return matched;
        }
    }
    return std::nullopt;
}

} // namespace leakdesk::prometheus
