#include "core/alerts/AlertmanagerInCluster.h"

#include <algorithm>

namespace leakdesk::alerts {

namespace {

std::string labelOf(const kube::StringMap& labels, const char* key)
{
    const auto it = labels.find(key);
    return it == labels.end() ? std::string() : it->second;
}

bool contains(const std::string& s, const char* part)
{
    return s.find(part) != std::string::npos;
}

} // namespace

std::vector<AlertmanagerCandidate> rankAlertmanagerCandidates(const std::vector<kube::Service>& services)
{
    std::vector<AlertmanagerCandidate> out;
    for (const kube::Service& svc : services) {
        if (svc.type == "ExternalName")
            continue;
        const auto& l = svc.meta.labels;
        const std::string name = svc.meta.name;
        const std::string appName = labelOf(l, "app.kubernetes.io/name");
        const std::string app = labelOf(l, "app");
        if (contains(name, "operator") || contains(name, "reloader") || contains(appName, "operator"))
            continue;
        int score = 0;
        std::string why;
        if (appName == "alertmanager") {
            score = 85;
            why = "label app.kubernetes.io/name=alertmanager";
        } else if (labelOf(l, "operated-alertmanager") == "true") {
            // prometheus-operator's governing (headless) Service of the same Alertmanager.
            score = 80;
            why = "label operated-alertmanager=true";
        } else if (contains(app, "alertmanager")) {
            score = 75;
            why = "label app=" + app;
        } else if (contains(name, "alertmanager")) {
            score = 60;
            why = "name " + name;
        } else {
            continue;
        }
        const kube::ServicePort* chosen = nullptr;
        for (const char* wanted : { "web", "http-web", "http" })
            for (const auto& p : svc.ports)
                if (!chosen && p.name == wanted)
                    chosen = &p;
        for (const auto& p : svc.ports)
            if (!chosen && p.port == 9093)
                chosen = &p;
        if (!chosen)
            continue; // a cluster (gossip) port only: not the API
        AlertmanagerCandidate c;
        c.service.ns = svc.meta.ns;
        c.service.name = name;
        c.service.port = chosen->name.empty() ? std::to_string(chosen->port) : chosen->name;
        c.score = score;
        c.why = why + ", port " + (chosen->name.empty() ? std::string() : chosen->name + " ") + "("
            + std::to_string(chosen->port) + ")";
        out.push_back(std::move(c));
    }
    std::stable_sort(out.begin(), out.end(), [](const AlertmanagerCandidate& a, const AlertmanagerCandidate& b) {
        return std::tie(b.score, a.service.ns, a.service.name) < std::tie(a.score, b.service.ns, b.service.name);
    });
    return out;
}

prometheus::PromConnection alertmanagerProxyConnection(
    kube::KubeClient& kube, const investigation::PrometheusService& service)
{
    prometheus::PromConnection c
        = investigation::serviceProxyConnection(kube, service, "Alertmanager", "--alertmanager");
    const std::string url = c.settingNames.url;
    const std::string token = c.settingNames.token;
    c.settingNames = alertmanagerSettingNames();
    c.settingNames.url = url;
    c.settingNames.token = token;
    return c;
}

namespace {

struct Discovery {
    kube::KubeClient* kube = nullptr;
    QObject* context = nullptr;
    std::function<void(Result<DiscoveredAlertmanager>)> done;
    std::vector<AlertmanagerCandidate> candidates;
    std::string lookedAt;
    std::vector<std::string> refusals;
    std::unique_ptr<AlertmanagerClient> probe;
};

void probeNext(const std::shared_ptr<Discovery>& d, std::size_t index)
{
    if (index >= d->candidates.size() || index >= 3) {
        std::string tried;
        for (const auto& r : d->refusals)
            tried += (tried.empty() ? "" : "; ") + r;
        return d->done(
            makeError(ErrorCode::NotFound, "no Alertmanager answered through the API server's service proxy: " + tried,
                "name it with --alertmanager k8s://NAMESPACE/SERVICE:PORT or --alertmanager URL"));
    }
    const AlertmanagerCandidate candidate = d->candidates[index];
    auto connection = alertmanagerProxyConnection(*d->kube, candidate.service);
    d->probe = std::make_unique<AlertmanagerClient>(connection);
    d->probe->version(d->context, [d, index, candidate, connection](Result<std::string> version) {
        if (version)
            return d->done(DiscoveredAlertmanager { candidate, connection, *version });
        d->refusals.push_back(candidate.service.display() + ": " + version.error().message);
        QMetaObject::invokeMethod(
            d->kube, [d, index] { probeNext(d, index + 1); }, Qt::QueuedConnection);
    });
}

void rankAndProbe(const std::shared_ptr<Discovery>& d, const std::vector<kube::Service>& services)
{
    d->candidates = rankAlertmanagerCandidates(services);
    if (d->candidates.empty())
        return d->done(makeError(ErrorCode::NotFound, "no Alertmanager found in the cluster: looked at " + d->lookedAt,
            "name it with --alertmanager k8s://NAMESPACE/SERVICE:PORT or --alertmanager URL"));
    probeNext(d, 0);
}

} // namespace

void discoverAlertmanager(
    kube::KubeClient& kube, QObject* context, std::function<void(Result<DiscoveredAlertmanager>)> done)
{
    auto d = std::make_shared<Discovery>();
    d->kube = &kube;
    d->context = context;
    d->done = std::move(done);
    kube.listServices(QString(), context, [d](Result<kube::ParsedList<kube::Service>> all) {
        if (all) {
            d->lookedAt = "Services in all namespaces (" + std::to_string(all->items.size()) + ")";
            return rankAndProbe(d, all->items);
        }
        if (all.error().code != ErrorCode::Forbidden)
            return d->done(all.error());
        // Cluster-wide listing forbidden: where kube-prometheus and the Helm charts put it.
        const auto namespaces = investigation::usualPrometheusNamespaces(std::string());
        struct Gather {
            std::vector<kube::Service> services;
            std::size_t pending = 0;
        };
        auto gather = std::make_shared<Gather>();
        gather->pending = namespaces.size();
        d->lookedAt = "Services in the usual monitoring namespaces (listing them cluster-wide is forbidden)";
        for (const std::string& ns : namespaces)
            d->kube->listServices(
                QString::fromStdString(ns), d->context, [d, gather](Result<kube::ParsedList<kube::Service>> r) {
                    if (r)
                        for (auto& s : r->items)
                            gather->services.push_back(std::move(s));
                    if (--gather->pending == 0)
                        rankAndProbe(d, gather->services);
                });
    });
}

} // namespace leakdesk::alerts
