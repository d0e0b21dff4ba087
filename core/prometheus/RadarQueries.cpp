#include "core/prometheus/RadarQueries.h"

#include "core/prometheus/QueryCatalogue.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace leakdesk::prometheus {

namespace {

struct KindName {
    RadarQueryKind kind;
    const char* name;
};

constexpr KindName kKindNames[] = {
    { RadarQueryKind::Namespaces, "namespaces" },
    { RadarQueryKind::Workloads, "workloads" },
    { RadarQueryKind::WorkingSetNow, "working_set_now" },
    { RadarQueryKind::Level, "level" },
    { RadarQueryKind::Growth, "growth" },
    { RadarQueryKind::Limit, "limit" },
    { RadarQueryKind::Restarts24h, "restarts_24h" },
    { RadarQueryKind::OomEvents24h, "oom_events_24h" },
    { RadarQueryKind::OomTerminated24h, "oom_terminated_24h" },
    { RadarQueryKind::Sparkline, "sparkline" },
    { RadarQueryKind::BaselineSparkline, "baseline_sparkline" },
    { RadarQueryKind::Traffic, "traffic" },
};

// Placeholders of the templates; each matches its own class of text (see matchTemplate).
constexpr std::string_view kNs = "{ns}"; // a string literal's content
constexpr std::string_view kCluster = "{cluster}"; // a label name
constexpr std::string_view kWindow = "{window}"; // durations
constexpr std::string_view kOwners = "{owners}";
constexpr std::string_view kStep = "{step}";
constexpr std::string_view kPlaceholders[] = { kNs, kCluster, kWindow, kOwners, kStep };

// The templates, spelled with a profile's names and placeholders for everything a caller chooses.
class Spelling {
public:
    explicit Spelling(const MetricsProfile& p)
        : m_p(p)
    { }

    // cAdvisor's series of the namespace's real containers (cAdvisor also exports the pod's own
    // cgroup as container="" and the pause container as "POD").
    std::string cadvisorSelector(const std::string& metric) const
    {
        const std::string& c = m_p.containerLabel;
        return metric + R"({namespace="{ns}",)" + c + R"(!="",)" + c + R"(!="POD"})";
    }
    // An instant vector of cAdvisor's answers with `pod` and `container` whatever the cluster's labels.
    std::string renamed(std::string v) const
    {
        if (m_p.podLabel != "pod")
            v = "label_replace(" + v + R"(,"pod","$1",")" + m_p.podLabel + R"x(","(.*)"))x";
        if (m_p.containerLabel != "container")
            v = "label_replace(" + v + R"(,"container","$1",")" + m_p.containerLabel + R"x(","(.*)"))x";
        return v;
    }
    std::string restarts() const { return m_p.restarts + R"({namespace="{ns}"})"; }

    // Pod -> workload: {cluster, namespace, pod, workload_kind, workload}, value 1, for the pods that
    // ran within the owners' range (`offset`: as they were then).
    std::string owners(const std::string& offset) const
    {
        auto named = [](const std::string& v, const std::string& kindFrom, const std::string& nameFrom) {
            return R"(label_replace(label_replace()" + v + R"(,"workload_kind",)" + kindFrom + R"(),"workload","$1",")"
                + nameFrom + R"x(","(.*)"))x";
        };
        auto over
            = [&](const std::string& selector) { return "max_over_time(" + selector + "[{owners}]" + offset + ")"; };
        const std::string fromOwner = R"x("$1","owner_kind","(.*)")x";
        // StatefulSets, DaemonSets and anything else that owns its pods directly.
        const std::string direct
            = named(over(R"(kube_pod_owner{namespace="{ns}",owner_kind!~"ReplicaSet|Job|<none>|Node"})"), fromOwner,
                "owner_name");
        // Deployments and Argo Rollouts, through their ReplicaSets.
        const std::string throughReplicaSets = "(label_replace("
            + over(R"(kube_pod_owner{namespace="{ns}",owner_kind="ReplicaSet"})")
            + R"x(,"replicaset","$1","owner_name","(.*)") * on ({cluster}, namespace, replicaset) group_left (workload_kind, workload) max by ({cluster}, namespace, replicaset, workload_kind, workload) ()x"
            + named(over(R"(kube_replicaset_owner{namespace="{ns}",owner_kind!="<none>"})"), fromOwner, "owner_name")
            + "))";
        // CronJobs through their Jobs; a Job nothing owns is the workload itself.
        const std::string throughJobs = "(label_replace(" + over(R"(kube_pod_owner{namespace="{ns}",owner_kind="Job"})")
            + R"x(,"job_name","$1","owner_name","(.*)") * on ({cluster}, namespace, job_name) group_left (workload_kind, workload) max by ({cluster}, namespace, job_name, workload_kind, workload) ()x"
            + named(over(R"(kube_job_owner{namespace="{ns}",owner_kind="CronJob"})"), fromOwner, "owner_name") + " or "
            + named(over(R"(kube_job_owner{namespace="{ns}",owner_kind="<none>"})"), R"("Job","owner_kind",".*")",
                "job_name")
            + "))";
        return "max by ({cluster}, namespace, pod, workload_kind, workload) (" + direct + " or " + throughReplicaSets
            + " or " + throughJobs + ")";
    }

    // `aggregation` by workload (and container) of `perPod` (labels namespace, pod[, container]).
    std::string perWorkload(const std::string& aggregation, const std::string& perPod, bool byContainer,
        const std::string& ownersOffset = {}) const
    {
        return aggregation + " by ({cluster}, namespace, workload_kind, workload" + (byContainer ? ", container" : "")
            + ") ((" + perPod + ") * on ({cluster}, namespace, pod) group_left (workload_kind, workload) "
            + owners(ownersOffset) + ")";
    }

    std::string templateFor(RadarQueryKind kind) const
    {
        const std::string ws = cadvisorSelector(m_p.workingSet);
        const std::string byLifetime = "on ({cluster}, namespace, pod, container)";
        switch (kind) {
        case RadarQueryKind::Namespaces:
            return "count by ({cluster}, namespace) (max_over_time(kube_pod_owner[{window}]))";
        case RadarQueryKind::Workloads:
            return "count by ({cluster}, namespace, workload_kind, workload) (" + owners({}) + ")";
        case RadarQueryKind::WorkingSetNow:
            return perWorkload("max", renamed(ws), true);
        case RadarQueryKind::Level:
            return perWorkload("max", renamed("predict_linear(" + ws + "[15m], 0)"), true);
        case RadarQueryKind::Growth: {
            const std::string whole = renamed("deriv(" + ws + "[{window}])") + " unless " + byLifetime + " (increase("
                + restarts() + "[{window}]) > 0)";
            const std::string lifetimes = "quantile_over_time(0.5, (" + renamed("deriv(" + ws + "[10m])") + " unless "
                + byLifetime + " (increase(" + restarts() + "[10m]) > 0))[{window}:5m])";
            return perWorkload("avg", whole + " or " + lifetimes, true);
        }
        case RadarQueryKind::Limit: {
            const std::string memory = m_p.limitsHaveResourceLabel() ? R"(,resource="memory")" : "";
            return perWorkload("max", m_p.limits + R"({namespace="{ns}")" + memory + "}", true);
        }
        case RadarQueryKind::Restarts24h:
            return perWorkload("sum", "increase(" + restarts() + "[24h])", true);
        case RadarQueryKind::OomEvents24h:
            return perWorkload("sum", renamed("increase(" + cadvisorSelector(m_p.oomEvents) + "[24h])"), true);
        case RadarQueryKind::OomTerminated24h:
            // The last termination says OOMKilled and the container restarted within the 24 h: a
            // reason left from days ago is not counted.
            return perWorkload("count",
                "(max_over_time(" + m_p.lastTerminatedReason
                    + R"({namespace="{ns}",reason="OOMKilled"}[24h]) > 0) and )" + byLifetime + " (increase("
                    + restarts() + "[24h]) > 0)",
                true);
        case RadarQueryKind::Sparkline:
            return perWorkload("avg", renamed("avg_over_time(" + ws + "[{step}])"), true);
        case RadarQueryKind::BaselineSparkline:
            return perWorkload("avg", renamed("avg_over_time(" + ws + "[{step}] offset 7d)"), true, " offset 7d");
        case RadarQueryKind::Traffic: {
            const std::string reporter = m_p.requestsFromIstio() ? R"(,reporter="destination")" : "";
            return perWorkload("sum", "rate(" + m_p.httpRequests + R"({namespace="{ns}")" + reporter + "}[5m])", false);
        }
        }
        return {};
    }

private:
    const MetricsProfile& m_p;
};

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
    char previous = 0;
    for (char c : s) {
        if (c == '"' && previous != '\\')
            inQuotes = !inQuotes;
        previous = (previous == '\\' && c == '\\') ? 0 : c;
        if (!inQuotes && std::isspace(static_cast<unsigned char>(c)))
            continue;
        out.push_back(c);
    }
    return out;
}

std::optional<std::int64_t> parseDuration(std::string_view s)
{
    std::int64_t total = 0;
    std::size_t i = 0;
    if (s.empty())
        return std::nullopt;
    while (i < s.size()) {
        std::int64_t n = 0;
        const std::size_t digits = i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])))
            n = n * 10 + (s[i++] - '0');
        if (i == digits || i >= s.size())
            return std::nullopt;
        std::int64_t unit = 0;
        if (s.compare(i, 2, "ms") == 0) {
            unit = 1;
            ++i;
        } else {
            switch (s[i]) {
            case 'd':
                unit = 24LL * 3600 * 1000;
                break;
            case 'h':
                unit = 3600LL * 1000;
                break;
            case 'm':
                unit = 60LL * 1000;
                break;
            case 's':
                unit = 1000;
                break;
            case 'w':
                unit = 7LL * 24 * 3600 * 1000;
                break;
            default:
                return std::nullopt;
            }
        }
        ++i;
        total += n * unit;
    }
    return total;
}

// A template against a query, both without spaces: literal text must be equal, placeholders take
// the longest run of their class (a string literal's content up to its closing quote, a label name,
// a duration). The same placeholder must have the same value wherever it appears.
std::optional<std::map<std::string_view, std::string>> matchTemplate(std::string_view tpl, std::string_view q)
{
    std::map<std::string_view, std::string> values;
    std::size_t t = 0, i = 0;
    while (t < tpl.size()) {
        std::string_view placeholder;
        for (std::string_view ph : kPlaceholders)
            if (tpl.compare(t, ph.size(), ph) == 0)
                placeholder = ph;
        if (placeholder.empty()) {
            if (i >= q.size() || q[i] != tpl[t])
                return std::nullopt;
            ++t;
            ++i;
            continue;
        }
        const std::size_t start = i;
        if (placeholder == kNs) {
            while (i < q.size() && q[i] != '"')
                i += (q[i] == '\\' && i + 1 < q.size()) ? 2 : 1;
        } else if (placeholder == kCluster) {
            while (i < q.size() && (std::isalnum(static_cast<unsigned char>(q[i])) || q[i] == '_'))
                ++i;
        } else {
            while (i < q.size() && std::isalnum(static_cast<unsigned char>(q[i])))
                ++i;
        }
        std::string value(q.substr(start, i - start));
        if (placeholder != kNs && value.empty())
            return std::nullopt;
        auto [it, inserted] = values.emplace(placeholder, value);
        if (!inserted && it->second != value)
            return std::nullopt;
        t += placeholder.size();
    }
    if (i != q.size())
        return std::nullopt;
    return values;
}

std::string unquote(std::string_view v)
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

const char* radarQueryKindName(RadarQueryKind kind)
{
    for (const auto& k : kKindNames)
        if (k.kind == kind)
            return k.name;
    return "unknown";
}

std::optional<RadarQueryKind> radarQueryKindFromName(std::string_view name)
{
    for (const auto& k : kKindNames)
        if (name == k.name)
            return k.kind;
    return std::nullopt;
}

const std::vector<RadarQueryKind>& allRadarQueryKinds()
{
    static const std::vector<RadarQueryKind> kinds = [] {
        std::vector<RadarQueryKind> v;
        for (const auto& k : kKindNames)
            v.push_back(k.kind);
        return v;
    }();
    return kinds;
}

bool isRangeRadarQuery(RadarQueryKind kind)
{
    return kind == RadarQueryKind::Sparkline || kind == RadarQueryKind::BaselineSparkline
        || kind == RadarQueryKind::Traffic;
}

std::int64_t radarOwnerRangeMs(std::int64_t windowMs)
{
    return std::max(windowMs, kRadarCountsMs);
}

std::string promDuration(std::int64_t ms)
{
    std::int64_t s = std::max<std::int64_t>(1, ms / 1000);
    if (s % 86400 == 0)
        return std::to_string(s / 86400) + "d";
    if (s % 3600 == 0)
        return std::to_string(s / 3600) + "h";
    if (s % 60 == 0)
        return std::to_string(s / 60) + "m";
    return std::to_string(s) + "s";
}

std::string radarQuery(RadarQueryKind kind, const MetricsProfile& profile, const RadarQueryParams& params)
{
    std::string q = Spelling(profile).templateFor(kind);
    replaceAll(q, kNs, quotePromqlString(params.ns));
    replaceAll(q, kCluster, params.clusterLabel);
    replaceAll(q, kWindow, promDuration(params.windowMs));
    replaceAll(q, kOwners, promDuration(radarOwnerRangeMs(params.windowMs)));
    replaceAll(q, kStep, promDuration(params.stepMs));
    return q;
}

std::optional<MatchedRadarQuery> matchRadarQuery(std::string_view promql, const MetricsProfile& profile)
{
    const std::string wanted = stripSpaces(promql);
    std::vector<const MetricsProfile*> profiles { &profile };
    for (const MetricsProfile& variant : knownProfileVariants())
        if (!(variant == profile))
            profiles.push_back(&variant);
    for (const MetricsProfile* p : profiles) {
        for (RadarQueryKind kind : allRadarQueryKinds()) {
            const auto values = matchTemplate(stripSpaces(Spelling(*p).templateFor(kind)), wanted);
            if (!values)
                continue;
            MatchedRadarQuery matched { kind, {}, *p };
            auto value = [&](std::string_view ph) {
                auto it = values->find(ph);
                return it == values->end() ? std::string() : it->second;
            };
            matched.params.ns = unquote(value(kNs));
            matched.params.clusterLabel = value(kCluster);
            if (const std::string w = value(kWindow); !w.empty()) {
                const auto ms = parseDuration(w);
                if (!ms)
                    continue;
                matched.params.windowMs = *ms;
            }
            if (const std::string owners = value(kOwners); !owners.empty()) {
                // The owners' range follows from the window; a window-less kind takes it as given.
                const auto ms = parseDuration(owners);
                if (!ms)
                    continue;
                if (value(kWindow).empty())
                    matched.params.windowMs = *ms;
                else if (*ms != radarOwnerRangeMs(matched.params.windowMs))
                    continue;
            }
            if (const std::string step = value(kStep); !step.empty()) {
                const auto ms = parseDuration(step);
                if (!ms)
                    continue;
                matched.params.stepMs = *ms;
            }
            return matched;
        }
    }
    return std::nullopt;
}

} // namespace leakdesk::prometheus
