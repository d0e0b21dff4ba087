#include "core/sandbox/model/AlertmanagerApi.h"

#include "core/sandbox/model/PromApi.h"

#include <QDateTime>
#include <QRegularExpression>
#include <QUuid>

#include <algorithm>
#include <map>
#include <tuple>

namespace leakdesk::sandbox {

using nlohmann::json;

namespace {

constexpr std::int64_t kScrapeStepMs = 30 * 1000;

std::string rfc3339(std::int64_t ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs).toStdString();
}

// Alertmanager's fingerprint: FNV-1a 64 over the sorted label names and values.
std::string fingerprint(const Labels& labels)
{
    std::uint64_t h = 14695981039346656037ull;
    const auto add = [&h](const std::string& s) {
        for (const unsigned char c : s) {
            h ^= c;
            h *= 1099511628211ull;
        }
        h ^= 0xff;
        h *= 1099511628211ull;
    };
    for (const auto& [k, v] : labels) {
        add(k);
        add(v);
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

bool matches(const AlertmanagerApi::Matcher& m, const Labels& labels)
{
    const auto it = labels.find(m.name);
    const std::string value = it == labels.end() ? std::string() : it->second;
    bool hit = value == m.value;
    if (m.isRegex)
        hit = QRegularExpression(QRegularExpression::anchoredPattern(QString::fromStdString(m.value)))
                  .match(QString::fromStdString(value))
                  .hasMatch();
    return hit == m.isEqual;
}

// amtool's and the filter parameter's matcher syntax: name="value", name=~"re", name!="v", name!~"re".
std::optional<AlertmanagerApi::Matcher> parseFilter(const std::string& text)
{
    static const QRegularExpression re(
        QStringLiteral(R"re(^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$)re"));
    const auto m = re.match(QString::fromStdString(text));
    if (!m.hasMatch())
        return std::nullopt;
    AlertmanagerApi::Matcher out;
    out.name = m.captured(1).toStdString();
    const QString op = m.captured(2);
    out.isRegex = op.contains(QLatin1Char('~'));
    out.isEqual = op.startsWith(QLatin1Char('='));
    std::string value;
    const std::string raw = m.captured(3).toStdString();
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\\' && i + 1 < raw.size()) {
            ++i;
            value += raw[i] == 'n' ? '\n' : raw[i];
        } else {
            value += raw[i];
        }
    }
    out.value = value;
    return out;
}

HttpResponse amError(int status, const std::string& message)
{
    return HttpResponse::json(status, json(message).dump());
}

bool flag(const QueryParams& q, const std::string& key)
{
    return q.value(key, "true") != "false";
}

// One container's series, found by labels.
struct ContainerKey {
    std::string ns, pod, container;
    bool operator<(const ContainerKey& o) const
    {
        return std::tie(ns, pod, container) < std::tie(o.ns, o.pod, o.container);
    }
};

} // namespace

AlertmanagerApi::AlertmanagerApi(const MetricsHistory& history, Clock clock)
    : m_history(history)
    , m_clock(std::move(clock))
{ }

std::vector<AlertmanagerApi::FiringAlert> AlertmanagerApi::firing(std::int64_t nowMs) const
{
    const prometheus::MetricsProfile& naming = m_history.naming();
    const std::int64_t last = MetricsHistory::gridFloor(nowMs);
    const std::int64_t first = MetricsHistory::gridCeil(nowMs - kHourMs);
    const auto label = [](const Labels& l, const std::string& key) {
        const auto it = l.find(key);
        return it == l.end() ? std::string() : it->second;
    };
    // Increase of a counter over the last hour, resets counted as Prometheus's increase() does,
    // and the first scrape at which it rose.
    const auto increase = [&](const RawSeries& s, std::int64_t& firstRiseMs) {
        double total = 0;
        std::optional<double> previous;
        firstRiseMs = 0;
        for (std::int64_t t = first; t <= last; t += kScrapeStepMs) {
            const auto v = m_history.sampleAt(s, t);
            if (!v)
                continue;
            if (previous) {
                const double delta = *v >= *previous ? *v - *previous : *v;
                if (delta > 0 && firstRiseMs == 0)
                    firstRiseMs = t;
                total += delta;
            }
            previous = v;
        }
        return total;
    };
    std::map<ContainerKey, const RawSeries*> workingSet, limit;
    std::vector<FiringAlert> out;
    for (const RawSeries& s : m_history.series()) {
        const bool cadvisor = s.metric == naming.workingSet || s.metric == naming.oomEvents;
        const ContainerKey key { label(s.labels, "namespace"), label(s.labels, cadvisor ? naming.podLabel : "pod"),
            label(s.labels, cadvisor ? naming.containerLabel : "container") };
        if (key.ns.empty() || key.pod.empty() || key.container.empty() || key.container == "POD")
            continue;
        const Labels base { { "namespace", key.ns }, { "pod", key.pod }, { "container", key.container } };
        if (s.metric == naming.workingSet) {
            workingSet[key] = &s;
        } else if (s.metric == naming.limits
            && (!naming.limitsHaveResourceLabel() || label(s.labels, "resource") == "memory")) {
            limit[key] = &s;
        } else if (s.metric == naming.oomEvents) {
            std::int64_t since = 0;
            const double kills = increase(s, since);
            if (kills >= 1) {
                Labels l = base;
                l["alertname"] = "KubeContainerOOMKilled";
                l["severity"] = "warning";
                l["job"] = "kubelet";
                out.push_back({ l,
                    { { "summary", "Container " + key.container + " was OOM-killed." },
                        { "description",
                            "Container " + key.container + " in pod " + key.ns + "/" + key.pod + " was OOM-killed "
                                + std::to_string(int(kills)) + " time(s) in the last hour." } },
                    since });
            }
        } else if (s.metric == naming.restarts) {
            std::int64_t since = 0;
            const double restarts = increase(s, since);
            if (restarts >= 3) {
                Labels l = base;
                l["alertname"] = "KubePodCrashLooping";
                l["severity"] = "warning";
                l["job"] = "kube-state-metrics";
                out.push_back({ l,
                    { { "summary", "Pod is crash looping." },
                        { "description",
                            "Pod " + key.ns + "/" + key.pod + " (" + key.container + ") restarted "
                                + std::to_string(int(restarts)) + " times in the last hour." },
                        { "runbook_url",
                            "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping" } },
                    since });
            }
        }
    }
    // Not a structured binding: clang 14 (the fuzz build) refuses to capture one in the lambda below.
    for (const auto& entry : workingSet) {
        const ContainerKey& key = entry.first;
        const RawSeries* ws = entry.second;
        const auto lim = limit.find(key);
        if (lim == limit.end())
            continue;
        const auto ratioAt = [&](std::int64_t t) -> std::optional<double> {
            const auto w = m_history.sampleAt(*ws, t);
            const auto l = m_history.sampleAt(*lim->second, t);
            if (!w || !l || *l <= 0)
                return std::nullopt;
            return *w / *l;
        };
        const auto now = ratioAt(last);
        if (!now || *now < 0.9)
            continue;
        std::int64_t since = last;
        while (since - kScrapeStepMs >= first) {
            const auto r = ratioAt(since - kScrapeStepMs);
            if (!r || *r < 0.9)
                break;
            since -= kScrapeStepMs;
        }
        Labels l { { "namespace", key.ns }, { "pod", key.pod }, { "container", key.container },
            { "alertname", "KubeContainerMemoryNearLimit" }, { "severity", "warning" }, { "job", "kubelet" } };
        out.push_back({ l,
            { { "summary", "Container memory is near its limit." },
                { "description",
                    "Container " + key.container + " in pod " + key.ns + "/" + key.pod + " uses "
                        + std::to_string(int(*now * 100)) + "% of its memory limit." } },
            since });
    }
    // kube-prometheus' dead man's switch: always firing, about nothing.
    out.push_back({ { { "alertname", "Watchdog" }, { "severity", "none" } },
        { { "summary", "An alert that should always be firing to certify that Alertmanager is working properly." } },
        m_history.model().originMs() });
    for (FiringAlert& a : out)
        a.labels["prometheus"] = "monitoring/k8s";
    return out;
}

json AlertmanagerApi::silenceJson(const StoredSilence& s, std::int64_t nowMs) const
{
    json matchers = json::array();
    for (const Matcher& m : s.matchers)
        matchers.push_back(
            { { "name", m.name }, { "value", m.value }, { "isRegex", m.isRegex }, { "isEqual", m.isEqual } });
    const std::string state = nowMs < s.startsAtMs ? "pending" : nowMs >= s.endsAtMs ? "expired" : "active";
    return { { "id", s.id }, { "status", { { "state", state } } }, { "updatedAt", rfc3339(s.updatedAtMs) },
        { "comment", s.comment }, { "createdBy", s.createdBy }, { "endsAt", rfc3339(s.endsAtMs) },
        { "matchers", matchers }, { "startsAt", rfc3339(s.startsAtMs) } };
}

HttpResponse AlertmanagerApi::alerts(const HttpRequest& request, std::int64_t nowMs) const
{
    std::vector<Matcher> filter;
    for (const std::string& f : request.query.values("filter")) {
        auto m = parseFilter(f);
        if (!m)
            return amError(400, "bad matcher format: " + f);
        filter.push_back(*m);
    }
    const bool wantActive = flag(request.query, "active");
    const bool wantSilenced = flag(request.query, "silenced");
    const bool wantInhibited = flag(request.query, "inhibited");
    (void)wantInhibited; // nothing is inhibited: no inhibition rules
    json out = json::array();
    for (const FiringAlert& a : firing(nowMs)) {
        if (!std::all_of(filter.begin(), filter.end(), [&](const Matcher& m) { return matches(m, a.labels); }))
            continue;
        json silencedBy = json::array();
        for (const StoredSilence& s : m_silences)
            if (nowMs >= s.startsAtMs && nowMs < s.endsAtMs
                && std::all_of(
                    s.matchers.begin(), s.matchers.end(), [&](const Matcher& m) { return matches(m, a.labels); }))
                silencedBy.push_back(s.id);
        const bool silenced = !silencedBy.empty();
        if ((silenced && !wantSilenced) || (!silenced && !wantActive))
            continue;
        // Prometheus resends firing alerts with endsAt four evaluation intervals ahead.
        out.push_back({ { "annotations", a.annotations }, { "endsAt", rfc3339(nowMs + 4 * 60 * 1000) },
            { "fingerprint", fingerprint(a.labels) }, { "receivers", json::array({ { { "name", "null" } } }) },
            { "startsAt", rfc3339(a.startsAtMs) },
            { "status",
                { { "inhibitedBy", json::array() }, { "silencedBy", silencedBy },
                    { "state", silenced ? "suppressed" : "active" } } },
            { "updatedAt", rfc3339(nowMs) }, { "generatorURL", "http://prometheus-k8s.monitoring.svc:9090/graph" },
            { "labels", a.labels } });
    }
    return HttpResponse::json(200, out.dump());
}

HttpResponse AlertmanagerApi::postSilence(const HttpRequest& request, std::int64_t nowMs)
{
    json body;
    try {
        body = json::parse(request.body.constData(), request.body.constData() + request.body.size());
    } catch (const json::exception&) {
        return amError(400, "parsing silence body from \"\" failed, because invalid character");
    }
    if (!body.is_object())
        return amError(400, "the silence is not a JSON object");
    StoredSilence s;
    try {
        const json& matchers = body.at("matchers");
        if (!matchers.is_array() || matchers.empty())
            return HttpResponse::json(422, R"({"code":612,"message":"matchers in body should have at least 1 items"})");
        for (const json& m : matchers) {
            Matcher x;
            x.name = m.at("name").get<std::string>();
            x.value = m.at("value").get<std::string>();
            x.isRegex = m.at("isRegex").get<bool>();
            x.isEqual = m.value("isEqual", true);
            if (x.name.empty())
                return amError(400, "silence invalid: invalid label matcher 0: invalid label name \"\"");
            if (x.isRegex && !QRegularExpression(QString::fromStdString(x.value)).isValid())
                return amError(400, "silence invalid: invalid regular expression \"" + x.value + "\"");
            s.matchers.push_back(x);
        }
        // RFC 3339, as Prometheus's API parameters are written.
        const auto starts = parsePromTime(body.at("startsAt").get<std::string>());
        const auto ends = parsePromTime(body.at("endsAt").get<std::string>());
        if (!starts || !ends)
            return amError(400, "startsAt and endsAt must be RFC 3339 times");
        s.startsAtMs = std::max(*starts, nowMs); // Alertmanager moves a start in the past to now
        s.endsAtMs = *ends;
        s.createdBy = body.at("createdBy").get<std::string>();
        s.comment = body.at("comment").get<std::string>();
        s.id = body.value("id", std::string());
    } catch (const json::exception& e) {
        return amError(400, std::string("silence invalid: ") + e.what());
    }
    if (s.endsAtMs <= s.startsAtMs)
        return amError(400, "silence invalid: end time must not be before start time");
    if (s.endsAtMs <= nowMs)
        return amError(400, "silence invalid: end time can't be in the past");
    // Alertmanager refuses a silence every matcher of which matches the empty string: it would
    // silence every alert.
    if (std::all_of(s.matchers.begin(), s.matchers.end(), [](const Matcher& m) { return matches(m, {}); }))
        return amError(400, "silence invalid: at least one matcher must not match the empty string");
    s.updatedAtMs = nowMs;
    if (!s.id.empty()) {
        const auto it
            = std::find_if(m_silences.begin(), m_silences.end(), [&](const StoredSilence& x) { return x.id == s.id; });
        if (it == m_silences.end())
            return amError(404, "silence not found");
        // An update of an active silence: the old one ends, the new one takes a new id.
        it->endsAtMs = std::min(it->endsAtMs, nowMs);
        it->updatedAtMs = nowMs;
    }
    s.id = QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString();
    m_silences.push_back(s);
    return HttpResponse::json(200, json { { "silenceID", s.id } }.dump());
}

HttpResponse AlertmanagerApi::handle(const HttpRequest& request)
{
    const std::int64_t nowMs = m_clock();
    const std::string& path = request.path;
    if (path == "/api/v2/alerts" && request.method == "GET")
        return alerts(request, nowMs);
    if (path == "/api/v2/status" && request.method == "GET")
        return HttpResponse::json(200,
            json { { "cluster", { { "status", "disabled" }, { "peers", json::array() } } },
                { "config", { { "original", "route:\n  receiver: \"null\"\nreceivers:\n- name: \"null\"\n" } } },
                { "uptime", rfc3339(m_history.model().originMs()) },
                { "versionInfo", { { "version", "0.25.0" }, { "branch", "sandbox" }, { "revision", "leakdesk" } } } }
                .dump());
    if (path == "/api/v2/silences" && request.method == "GET") {
        json out = json::array();
        for (const StoredSilence& s : m_silences)
            out.push_back(silenceJson(s, nowMs));
        return HttpResponse::json(200, out.dump());
    }
    if (path == "/api/v2/silences" && request.method == "POST")
        return postSilence(request, nowMs);
    const std::string prefix = "/api/v2/silence/";
    if (path.rfind(prefix, 0) == 0) {
        const std::string id = path.substr(prefix.size());
        const auto it
            = std::find_if(m_silences.begin(), m_silences.end(), [&](const StoredSilence& s) { return s.id == id; });
        if (request.method == "GET") {
            if (it == m_silences.end())
                return HttpResponse::json(404, "");
            return HttpResponse::json(200, silenceJson(*it, nowMs).dump());
        }
        if (request.method == "DELETE") {
            if (it == m_silences.end())
                return amError(500, "silence not found");
            // Expiring an expired silence changes nothing and answers 200, as Alertmanager does.
            if (nowMs < it->endsAtMs) {
                it->endsAtMs = nowMs;
                if (it->startsAtMs > nowMs)
                    it->startsAtMs = nowMs;
                it->updatedAtMs = nowMs;
            }
            return HttpResponse::json(200, "");
        }
        return amError(405, "method not allowed");
    }
    return HttpResponse::text(404, "404 page not found\n");
}

} // namespace leakdesk::sandbox
