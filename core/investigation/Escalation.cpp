#include "core/investigation/Escalation.h"

#include "core/common/Quantity.h"
#include "core/investigation/Evidence.h"
#include "core/investigation/Findings.h"
#include "core/kube/KubeClient.h"
#include "core/kube/KubePaths.h"

#include <QDateTime>
#include <QTimeZone>
#include <QUrlQuery>

#include <algorithm>
#include <cmath>
#include <memory>

namespace leakdesk::investigation {

using nlohmann::json;

namespace {

constexpr std::int64_t kMinuteMs = 60 * 1000;

std::string str(const json& j, const char* key)
{
    if (!j.is_object())
        return {};
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json& member(const json& j, const char* key)
{
    static const json null;
    if (!j.is_object())
        return null;
    auto it = j.find(key);
    return it == j.end() ? null : *it;
}

const json& items(const json& list)
{
    static const json empty = json::array();
    const json& i = member(list, "items");
    return i.is_array() ? i : empty;
}

// A Service selects the pods when every selector pair is among the pod labels (an empty selector
// selects nothing: such Services have manually managed endpoints).
bool selects(const json& service, const std::map<std::string, std::string>& podLabels)
{
    const json& selector = member(member(service, "spec"), "selector");
    if (!selector.is_object() || selector.empty())
        return false;
    for (const auto& [k, v] : selector.items()) {
        auto it = podLabels.find(k);
        if (it == podLabels.end() || !v.is_string() || it->second != v.get<std::string>())
            return false;
    }
    return true;
}

// Every backend service name of an Ingress (default backend and rules), with the host/path it serves.
std::vector<std::pair<std::string, std::string>> ingressBackends(const json& ingress)
{
    std::vector<std::pair<std::string, std::string>> out;
    const json& spec = member(ingress, "spec");
    const std::string defaultSvc = str(member(member(spec, "defaultBackend"), "service"), "name");
    if (!defaultSvc.empty())
        out.emplace_back(defaultSvc, "default backend");
    const json& rules = member(spec, "rules");
    if (rules.is_array())
        for (const json& rule : rules) {
            const std::string host = str(rule, "host");
            const json& paths = member(member(rule, "http"), "paths");
            if (!paths.is_array())
                continue;
            for (const json& p : paths) {
                const std::string svc = str(member(member(p, "backend"), "service"), "name");
                if (!svc.empty())
                    out.emplace_back(svc, (host.empty() ? std::string("*") : host) + " " + (str(p, "path").empty() ? "/" : str(p, "path")));
            }
        }
    return out;
}

double rateAt(const std::vector<Series>& series, std::int64_t from, std::int64_t to, bool minimum)
{
    // Sum over series of each one's mean (or min) in [from, to]; NaN when a series has no sample.
    double total = 0;
    bool any = false;
    for (const auto& s : series) {
        double acc = minimum ? INFINITY : 0;
        int n = 0;
        for (const auto& p : s.samples) {
            if (p.tMs < from || p.tMs > to || !std::isfinite(p.value))
                continue;
            acc = minimum ? std::min(acc, p.value) : acc + p.value;
            ++n;
        }
        if (n == 0)
            continue;
        total += minimum ? acc : acc / n;
        any = true;
    }
    return any ? total : NAN;
}

std::string percent(double fraction) { return std::to_string(static_cast<int>(std::lround(fraction * 100))) + " %"; }

std::string severityName(int n) { return "P" + std::to_string(n); }

} // namespace

ServiceExposure exposureFrom(const json& services, const json* ingresses, const std::map<std::string, std::string>& podLabels)
{
    ServiceExposure e;
    e.servicesChecked = true;
    std::vector<std::pair<std::string, std::string>> selecting; // name, type
    for (const json& svc : items(services)) {
        if (!selects(svc, podLabels))
            continue;
        const std::string type = str(member(svc, "spec"), "type");
        selecting.emplace_back(str(member(svc, "metadata"), "name"), type.empty() ? "ClusterIP" : type);
    }
    std::vector<std::string> routed;
    if (ingresses) {
        e.ingressesChecked = true;
        for (const json& ing : items(*ingresses))
            for (const auto& [svc, where] : ingressBackends(ing))
                for (const auto& [name, type] : selecting)
                    if (name == svc) {
                        e.userFacing.push_back("Ingress " + str(member(ing, "metadata"), "name") + " (" + where + ") → Service " + svc);
                        routed.push_back(svc);
                    }
    }
    for (const auto& [name, type] : selecting) {
        if (type == "LoadBalancer" || type == "NodePort")
            e.userFacing.push_back("Service " + name + " (" + type + ")");
        else if (std::find(routed.begin(), routed.end(), name) == routed.end())
            e.internalOnly.push_back("Service " + name + " (" + type + ")");
    }
    if (selecting.empty())
        e.notes.push_back("no Service selects the pods");
    return e;
}

TrafficImpact trafficImpactAtKills(const std::vector<Series>& requestRate, const std::vector<std::int64_t>& killTimesMs, double threshold)
{
    TrafficImpact t;
    t.threshold = threshold;
    for (std::int64_t k : killTimesMs) {
        const double before = rateAt(requestRate, k - 10 * kMinuteMs, k - kMinuteMs, false);
        const double after = rateAt(requestRate, k, k + 5 * kMinuteMs, true);
        if (!std::isfinite(before) || !std::isfinite(after) || before <= 0)
            continue;
        ++t.kills;
        const double drop = std::max(0.0, 1.0 - after / before);
        t.maxDrop = std::max(t.maxDrop, drop);
        if (drop >= threshold)
            ++t.killsWithDrop;
    }
    return t;
}

SeverityProposal assessSeverity(const Findings& f, const ServiceExposure& exposure, const std::string& currentSeverity,
    const runbook::RunbookParameters& parameters)
{
    SeverityProposal p;
    p.from = currentSeverity;
    p.to = severityName(parameters.escalatedSeverity);
    if (currentSeverity == p.to)
        return p; // already there
    if (!f.oom.ruleMet)
        return p;
    p.evidence.push_back(std::to_string(f.oom.maxInAnyWindow) + " OOM kills within one hour (runbook: more than "
        + std::to_string(f.oom.rule.threshold) + "), " + std::to_string(f.oom.countLastHour) + " in the last hour");
    if (!exposure.exposed()) {
        // Not proposed: the kills are real, but nothing says users see them.
        for (const auto& i : exposure.internalOnly)
            p.evidence.push_back(i + ": reachable only inside the cluster");
        return p;
    }
    for (const auto& u : exposure.userFacing)
        p.evidence.push_back("user-facing: " + u);
    std::vector<std::int64_t> times;
    for (const auto& k : f.oom.kills)
        times.push_back(k.timeMs);
    std::vector<Series> rate;
    if (f.evidence)
        rate = f.evidence->seriesOf(prometheus::QueryKind::RequestRate);
    const TrafficImpact impact = trafficImpactAtKills(rate, times);
    if (impact.kills == 0 && f.evidence && f.evidence->prometheusUnreachable)
        p.evidence.push_back("request rate around the kills: unknown, Prometheus is unreachable");
    else if (impact.kills == 0)
        p.evidence.push_back("request rate around the kills: no data");
    else
        p.evidence.push_back("request rate fell by " + percent(impact.threshold) + " or more after " + std::to_string(impact.killsWithDrop)
            + " of " + std::to_string(impact.kills) + " kills (largest drop " + percent(impact.maxDrop) + ")");
    p.propose = true;
    p.headline = "OOM kills are hitting user-facing traffic on " + f.request.service + ": the runbook says escalate to " + p.to
        + " now";
    p.why = "Runbook escalation rule: OOMKills affect user-facing traffic. " + p.evidence.front() + "; " + exposure.userFacing.front()
        + ".";
    return p;
}

std::optional<OwnerRef> ownerOf(const json& deployment)
{
    const json& meta = member(deployment, "metadata");
    for (const char* key : { "owner", "leakdesk.io/owner", "app.kubernetes.io/owner", "team" })
        if (auto v = str(member(meta, "annotations"), key); !v.empty())
            return OwnerRef { v, std::string("annotation ") + key };
    for (const char* key : { "owner", "team", "app.kubernetes.io/part-of" })
        if (auto v = str(member(meta, "labels"), key); !v.empty())
            return OwnerRef { v, std::string("label ") + key };
    return std::nullopt;
}

std::string ownerMessage(const OwnerRef& owner, const std::string& service, const std::string& ns, const std::string& severity,
    std::int64_t sinceMs, std::int64_t nowMs, const std::string& verdict)
{
    const auto minutes = std::max<std::int64_t>(0, (nowMs - sinceMs) / kMinuteMs);
    const std::string since = QDateTime::fromMSecsSinceEpoch(sinceMs, QTimeZone::utc()).toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'")).toStdString();
    return "Hi " + owner.owner + ": " + service + " in " + ns + " is leaking memory (" + severity + " incident since " + since + ", "
        + std::to_string(minutes / 60) + " h " + std::to_string(minutes % 60) + " min). " + verdict
        + " We have not identified the leak source within 2 hours, so per the memory-leak runbook we are pulling you in. "
          "Mitigation is in place or under way; please join the incident.";
}

void fetchServiceContext(kube::KubeClient& client, const QString& ns, const QString& deployment, QObject* context,
    std::function<void(Result<ServiceContext>)> done)
{
    fetchServiceContext(
        client, ns, kube::WorkloadRef { kube::WorkloadKind::Deployment, deployment.toStdString() }, context, std::move(done));
}

void fetchServiceContext(kube::KubeClient& client, const QString& ns, const kube::WorkloadRef& workload,
    QObject* context, std::function<void(Result<ServiceContext>)> done)
{
    auto out = std::make_shared<ServiceContext>();
    const QString base = QStringLiteral("/api/v1/namespaces/%1").arg(ns);
    const QString path = kube::paths::workload(
        workload.kind.value_or(kube::WorkloadKind::Deployment), ns, QString::fromStdString(workload.name));
    client.getJson(path, {}, context,
        [&client, out, ns, base, context, done](Result<json> d) {
            if (!d)
                return done(d.error());
            out->deployment = std::move(*d);
            out->owner = ownerOf(out->deployment);
            std::map<std::string, std::string> labels;
            const json& tl = member(member(member(member(out->deployment, "spec"), "template"), "metadata"), "labels");
            if (tl.is_object())
                for (const auto& [k, v] : tl.items())
                    if (v.is_string())
                        labels[k] = v.get<std::string>();
            client.getJson(base + QStringLiteral("/services"), {}, context, [&client, out, ns, labels, context, done](Result<json> s) {
                if (!s) {
                    out->exposure.notes.push_back("Services not checked: " + s.error().message);
                    return done(std::move(*out));
                }
                auto services = std::make_shared<json>(std::move(*s));
                client.getJson(QStringLiteral("/apis/networking.k8s.io/v1/namespaces/%1/ingresses").arg(ns), {}, context,
                    [out, services, labels, done](Result<json> i) {
                        if (i) {
                            out->exposure = exposureFrom(*services, &*i, labels);
                        } else {
                            out->exposure = exposureFrom(*services, nullptr, labels);
                            out->exposure.notes.push_back("Ingresses not checked: " + i.error().message);
                        }
                        done(std::move(*out));
                    });
            });
        });
}

} // namespace leakdesk::investigation
