#include "core/alerts/MemoryAlerts.h"

#include <QString>

#include <algorithm>
#include <tuple>

namespace leakdesk::alerts {

namespace {

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

// Alertmanager anchors every regular expression: "^(?:RE)$".
QRegularExpression anchored(const std::string& re)
{
    return QRegularExpression(QRegularExpression::anchoredPattern(q(re)));
}

} // namespace

const char* memoryAlertCategoryName(MemoryAlertCategory category)
{
    switch (category) {
    case MemoryAlertCategory::OomKill:
        return "oom-kill";
    case MemoryAlertCategory::CrashLoop:
        return "crash-loop";
    case MemoryAlertCategory::NearLimit:
        return "near-limit";
    case MemoryAlertCategory::Overcommit:
        return "overcommit";
    }
    return "oom-kill";
}

std::optional<MemoryAlertCategory> memoryAlertCategoryFromName(std::string_view name)
{
    for (const auto c : { MemoryAlertCategory::OomKill, MemoryAlertCategory::CrashLoop, MemoryAlertCategory::NearLimit,
             MemoryAlertCategory::Overcommit })
        if (name == memoryAlertCategoryName(c))
            return c;
    return std::nullopt;
}

std::vector<MemoryAlertRule> defaultMemoryAlertRules()
{
    using C = MemoryAlertCategory;
    return {
        // The OOM-kill rules people write (kube-prometheus has none of its own): awesome-prometheus-alerts'
        // KubernetesContainerOomKiller, and the usual names of hand-written ones.
        { "KubeContainerOOMKilled|KubePodOOMKilled|KubernetesContainerOomKiller|ContainerOOMKilled|ContainerOomKilled"
          "|PodOOMKilled|OOMKilled|.*OOMKill.*|.*OomKill.*",
            {}, C::OomKill },
        // kube-prometheus: a container restarting over and over (memory is the usual reason; the
        // investigation tells). Crash-looping alerts of other names need a rule in the config file.
        { "KubePodCrashLooping|KubernetesPodCrashLooping|PodCrashLooping|.*CrashLoop.*", {}, C::CrashLoop },
        // Memory near the limit: hand-written and cAdvisor-based rules.
        { "KubeContainerMemoryNearLimit|ContainerMemoryNearLimit|ContainerMemoryUsageHigh|KubeContainerMemoryHigh"
          "|ContainerHighMemoryUsage|KubernetesContainerHighMemoryUsage|.*MemoryNearLimit.*",
            {}, C::NearLimit },
        // kube-prometheus: a namespace's memory quota almost used up (only the memory resource's).
        { "KubeQuotaAlmostFull|KubeQuotaFullyUsed|KubeQuotaExceeded", { { "resource", ".*memory.*" } }, C::NearLimit },
        // kube-prometheus: requests over what the nodes can give (cluster-wide, no workload).
        { "KubeMemoryOvercommit|KubeMemoryQuotaOvercommit", {}, C::Overcommit },
    };
}

Result<MemoryAlertMatcher> MemoryAlertMatcher::create(const std::vector<MemoryAlertRule>& rules)
{
    MemoryAlertMatcher m;
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const MemoryAlertRule& rule = rules[i];
        const std::string which
            = "memory alert rule " + std::to_string(i + 1) + " (alertname '" + rule.alertname.substr(0, 60) + "')";
        if (rule.alertname.empty())
            return makeError(ErrorCode::Config, which + " has no alertname",
                "give a name or a regular expression, e.g. KubePodCrashLooping");
        Compiled c { anchored(rule.alertname), {} };
        if (!c.alertname.isValid())
            return makeError(ErrorCode::Config,
                which + ": the alertname is no regular expression: " + c.alertname.errorString().toStdString());
        for (const auto& [label, re] : rule.labels) {
            QRegularExpression compiled = anchored(re);
            if (!compiled.isValid() || label.empty())
                return makeError(
                    ErrorCode::Config, which + ": label '" + label.substr(0, 60) + "' has no valid regular expression");
            c.labels.emplace_back(label, std::move(compiled));
        }
        m.m_rules.push_back(rule);
        m.m_compiled.push_back(std::move(c));
    }
    return m;
}

MemoryAlertMatcher MemoryAlertMatcher::defaults()
{
    // The defaults compile: a unit test says so.
    return *create(defaultMemoryAlertRules());
}

Result<MemoryAlertMatcher> MemoryAlertMatcher::fromConfig(
    const std::vector<prometheus::MemoryAlertRuleSetting>& settings, const std::string& where)
{
    if (settings.empty())
        return defaults();
    std::vector<MemoryAlertRule> rules;
    for (const auto& s : settings) {
        MemoryAlertRule rule;
        rule.alertname = s.alertname;
        rule.labels = s.labels;
        const auto category = s.category.empty() ? std::optional(MemoryAlertCategory::OomKill)
                                                 : memoryAlertCategoryFromName(s.category);
        if (!category)
            return makeError(ErrorCode::Config,
                where + ": memory-alerts: unknown category '" + s.category.substr(0, 40) + "'",
                "use oom-kill, crash-loop, near-limit or overcommit");
        rule.category = *category;
        rules.push_back(std::move(rule));
    }
    auto m = create(rules);
    if (!m)
        return makeError(m.error().code, where + ": " + m.error().message, m.error().detail);
    return m;
}

std::optional<MemoryAlertCategory> MemoryAlertMatcher::match(const Labels& labels) const
{
    const auto name = labels.find("alertname");
    if (name == labels.end())
        return std::nullopt;
    for (std::size_t i = 0; i < m_compiled.size(); ++i) {
        const Compiled& c = m_compiled[i];
        if (!c.alertname.match(q(name->second)).hasMatch())
            continue;
        const bool labelsMatch = std::all_of(c.labels.begin(), c.labels.end(), [&](const auto& l) {
            const auto it = labels.find(l.first);
            return l.second.match(it == labels.end() ? QString() : q(it->second)).hasMatch();
        });
        if (labelsMatch)
            return m_rules[i].category;
    }
    return std::nullopt;
}

std::string MemoryAlertMatcher::alertnamesExpression() const
{
    std::string out;
    for (const MemoryAlertRule& r : m_rules)
        out += (out.empty() ? "" : "|") + ("(?:" + r.alertname + ")");
    return out;
}

AlertTarget targetFromLabels(const Labels& labels)
{
    const auto get = [&](const char* key) {
        const auto it = labels.find(key);
        return it == labels.end() ? std::string() : it->second;
    };
    AlertTarget t;
    t.cluster = get("cluster");
    // A rule over kube-state-metrics scraped by a Prometheus that keeps the target's labels has
    // the workload's namespace in exported_namespace.
    t.ns = get("namespace");
    if (t.ns.empty())
        t.ns = get("exported_namespace");
    t.pod = get("pod");
    t.container = get("container");
    using K = kube::WorkloadKind;
    // `job` is the scrape job (kube-state-metrics), never a Job: kube-state-metrics names those job_name.
    const std::pair<const char*, K> byLabel[] = { { "deployment", K::Deployment }, { "statefulset", K::StatefulSet },
        { "daemonset", K::DaemonSet }, { "rollout", K::Rollout }, { "cronjob", K::CronJob }, { "job_name", K::Job } };
    for (const auto& [label, kind] : byLabel) {
        const std::string name = get(label);
        if (!name.empty()) {
            t.workload = kube::WorkloadRef { kind, name };
            t.how = std::string("label ") + label + "=" + name;
            return t;
        }
    }
    // kube-prometheus' namespace_workload_pod:kube_pod_owner:relabel: workload + workload_type.
    const std::string workload = get("workload");
    if (!workload.empty()) {
        auto ref = kube::parseWorkloadRef(get("workload_type") + "/" + workload);
        if (ref && ref->kind && *ref->kind != K::Service) {
            t.workload = *ref;
            t.how = "labels workload=" + workload + ", workload_type=" + get("workload_type");
            return t;
        }
    }
    if (!t.pod.empty())
        t.how = "owner of pod " + t.pod;
    return t;
}

std::string MemoryAlert::targetText() const
{
    std::string out = target.cluster.empty() ? std::string() : target.cluster + ": ";
    if (target.ns.empty())
        return out + "cluster-wide";
    out += target.ns;
    if (target.workload)
        out += "/" + target.workload->text();
    else if (!target.pod.empty())
        out += "/pod/" + target.pod;
    return out;
}

std::vector<MemoryAlert> memoryAlerts(const std::vector<Alert>& alerts, const MemoryAlertMatcher& matcher)
{
    std::vector<MemoryAlert> out;
    for (const Alert& a : alerts) {
        const auto category = matcher.match(a.labels);
        if (!category)
            continue;
        out.push_back({ a, *category, targetFromLabels(a.labels) });
    }
    std::stable_sort(out.begin(), out.end(), [](const MemoryAlert& x, const MemoryAlert& y) {
        const auto key = [](const MemoryAlert& m) {
            return std::make_tuple(m.target.cluster, m.target.ns,
                m.target.workload ? m.target.workload->text() : std::string(), m.target.pod, m.alert.name(),
                m.alert.startsAtMs, m.alert.fingerprint);
        };
        return key(x) < key(y);
    });
    return out;
}

namespace {

std::string escapeRegex(const std::string& s)
{
    return QRegularExpression::escape(q(s)).toStdString();
}

} // namespace

std::string podNameExpression(const kube::WorkloadRef& workload)
{
    const std::string name = escapeRegex(workload.name);
    using K = kube::WorkloadKind;
    switch (workload.kind.value_or(K::Deployment)) {
    case K::Deployment:
    case K::Rollout:
        return name + "-[a-z0-9]{1,10}-[a-z0-9]{5}";
    case K::StatefulSet:
        return name + "-[0-9]+";
    case K::DaemonSet:
    case K::Job:
    case K::ReplicaSet:
        return name + "-[a-z0-9]{5}";
    case K::CronJob:
        return name + "-[0-9]+-[a-z0-9]{5}";
    case K::Service:
        break;
    }
    return name + "-.+";
}

std::vector<SilenceMatcher> silenceMatchersFor(
    const std::string& ns, const kube::WorkloadRef& workload, const MemoryAlertMatcher& matcher)
{
    return {
        { "namespace", ns, false, true },
        { "alertname", matcher.alertnamesExpression(), true, true },
        { "pod", podNameExpression(workload), true, true },
    };
}

bool matchersMatch(const std::vector<SilenceMatcher>& matchers, const Labels& labels)
{
    return std::all_of(matchers.begin(), matchers.end(), [&](const SilenceMatcher& m) {
        const auto it = labels.find(m.name);
        const std::string value = it == labels.end() ? std::string() : it->second;
        const bool hit = m.isRegex ? anchored(m.value).match(q(value)).hasMatch() : value == m.value;
        return hit == m.isEqual;
    });
}

Result<std::int64_t> parseSilenceDuration(std::string_view text)
{
    const auto bad = [&] {
        return makeError(ErrorCode::InvalidArgument, "'" + std::string(text.substr(0, 40)) + "' is not a duration",
            "e.g. 2h, 90m, 1h30m, 1d (at most 30 days)");
    };
    if (text.empty())
        return bad();
    std::int64_t total = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        std::int64_t n = 0;
        const std::size_t start = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 6)
            n = n * 10 + (text[i++] - '0');
        if (i == start || i >= text.size())
            return bad();
        std::int64_t unit = 0;
        switch (text[i++]) {
        case 'd':
            unit = 86400000;
            break;
        case 'h':
            unit = 3600000;
            break;
        case 'm':
            unit = 60000;
            break;
        case 's':
            unit = 1000;
            break;
        default:
            return bad();
        }
        total += n * unit;
        if (total > 30LL * 86400000)
            return bad();
    }
    if (total < 60000)
        return makeError(
            ErrorCode::InvalidArgument, "a silence of '" + std::string(text) + "' is shorter than a minute", "e.g. 2h");
    return total;
}

} // namespace leakdesk::alerts
