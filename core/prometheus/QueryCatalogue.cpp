#include "core/prometheus/QueryCatalogue.h"

#include <regex>

namespace leakdesk::prometheus {

namespace {

struct KindName {
    QueryKind kind;
    const char* name;
};

constexpr KindName kKindNames[] = {
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

void replaceAll(std::string& s, std::string_view from, std::string_view to)
{
    for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
        s.replace(pos, from.size(), to);
}

std::string stripSpaces(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    bool inQuotes = false;
    for (char c : s) {
        if (c == '"')
            inQuotes = !inQuotes;
        if (!inQuotes && (c == ' ' || c == '\n' || c == '\t' || c == '\r'))
            continue;
        out.push_back(c);
    }
    return out;
}

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

// PromQL string literals: backslash and double quote are escaped.
std::string quoteValue(std::string_view v)
{
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"')
            out.push_back('\\');
        out.push_back(c);
    }
    return out;
}

std::string unquoteValue(std::string_view v)
{
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '\\' && i + 1 < v.size())
            ++i;
        out.push_back(v[i]);
    }
    return out;
}

} // namespace

const char* queryKindName(QueryKind kind)
{
    for (const auto& k : kKindNames)
        if (k.kind == kind)
            return k.name;
    return "unknown";
}

std::optional<QueryKind> queryKindFromName(std::string_view name)
{
    for (const auto& k : kKindNames)
        if (name == k.name)
            return k.kind;
    return std::nullopt;
}

const std::vector<QueryKind>& allQueryKinds()
{
    static const std::vector<QueryKind> kinds = [] {
        std::vector<QueryKind> v;
        for (const auto& k : kKindNames)
            v.push_back(k.kind);
        return v;
    }();
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

std::string exactRegex(std::string_view name)
{
    return escapeRegex(name);
}

std::string podRegexForWorkload(std::string_view deploymentName)
{
    return escapeRegex(deploymentName) + "-[a-z0-9]{5,10}-[a-z0-9]{5}";
}

QueryCatalogue::QueryCatalogue(MetricNames names)
    : m_names(std::move(names))
{ }

std::string QueryCatalogue::templateFor(QueryKind kind) const
{
    const std::string sel = R"(namespace="{ns}",pod=~"{pod}")";
    // cAdvisor exports one series per container plus a pod-level one (container="") and the
    // pause container (container="POD"); summing all of them double counts the pod.
    const std::string realContainers = sel + R"(,container!="",container!="POD")";
    // The per-pod queries judge one container (the main one), never sidecars summed with it.
    const std::string oneContainer = sel + R"(,container=~"{container}",container!="",container!="POD")";
    switch (kind) {
    case QueryKind::MemoryWorkingSet:
        return "sum by (pod) (" + m_names.workingSet + "{" + oneContainer + "})";
    case QueryKind::MemoryLimit:
        return "sum by (pod) (" + m_names.limits + "{" + sel + R"(,container=~"{container}",resource="memory"}))";
    case QueryKind::Restarts:
        return "sum by (pod) (" + m_names.restarts + "{" + sel + R"(,container=~"{container}"}))";
    case QueryKind::LastTerminatedOom:
        return m_names.lastTerminatedReason + "{" + sel + R"(,reason="OOMKilled"})";
    case QueryKind::OomEvents:
        return "sum by (pod) (" + m_names.oomEvents + "{" + realContainers + "})";
    case QueryKind::JvmHeapUsed:
        return "sum by (pod) (" + m_names.jvmMemoryUsed + "{" + sel + R"(,area="heap"}))";
    case QueryKind::JvmHeapMax:
        return "sum by (pod) (" + m_names.jvmMemoryMax + "{" + sel + R"(,area="heap"}))";
    case QueryKind::RequestRate:
        return "sum(rate(" + m_names.httpRequests + "{" + sel + "}[5m]))";
    case QueryKind::MemoryPerPodAvg:
        return "avg(sum by (pod) (" + m_names.workingSet + "{" + oneContainer + "}))";
    case QueryKind::MemoryPerPodAvgBaseline:
        return "avg(sum by (pod) (" + m_names.workingSet + "{" + oneContainer + "} offset 7d))";
    case QueryKind::MemoryWorkingSetByContainer:
        return "sum by (pod, container) (" + m_names.workingSet + "{" + realContainers + "})";
    case QueryKind::MemoryLimitByContainer:
        return "sum by (pod, container) (" + m_names.limits + "{" + sel + R"(,resource="memory"}))";
    case QueryKind::MemoryPerPodAvgBaselineByContainer:
        return "avg by (container) (sum by (pod, container) (" + m_names.workingSet + "{" + realContainers
            + "} offset 7d))";
    }
    return {};
}

std::string QueryCatalogue::build(QueryKind kind, const PodSelector& selector) const
{
    std::string q = templateFor(kind);
    replaceAll(q, kNs, quoteValue(selector.ns));
    replaceAll(q, kPod, quoteValue(selector.podRegex));
    replaceAll(q, kContainer, quoteValue(selector.containerRegex.empty() ? ".+" : selector.containerRegex));
    return q;
}

std::optional<MatchedQuery> QueryCatalogue::match(std::string_view promql) const
{
    const std::string wanted = stripSpaces(promql);
    for (QueryKind kind : allQueryKinds()) {
        const std::string spelled = stripSpaces(templateFor(kind));
        // The placeholders in the order they appear: each becomes one capture group.
        std::vector<std::string_view> order;
        for (std::size_t pos = 0; pos < spelled.size(); ++pos)
            for (std::string_view ph : kPlaceholders)
                if (spelled.compare(pos, ph.size(), ph) == 0)
                    order.push_back(ph);
        std::string pattern = escapeRegex(spelled);
        // escapeRegex turned "{ns}" into "\{ns\}".
        const std::string capture = R"(((?:[^"\\]|\\.)*))";
        for (std::string_view ph : kPlaceholders)
            replaceAll(pattern, escapeRegex(ph), capture);
        const std::regex re(pattern);
        std::smatch m;
        if (!std::regex_match(wanted, m, re) || m.size() != order.size() + 1)
            continue;
        MatchedQuery matched { kind, {} };
        for (std::size_t i = 0; i < order.size(); ++i) {
            const std::string value = unquoteValue(m[static_cast<int>(i) + 1].str());
            if (order[i] == kNs)
                matched.selector.ns = value;
            else if (order[i] == kPod)
                matched.selector.podRegex = value;
            else
                matched.selector.containerRegex = value;
        }
        return matched;
    }
    return std::nullopt;
}

} // namespace leakdesk::prometheus
