#include "core/investigation/PrometheusInCluster.h"

#include "core/investigation/ClusterConnection.h"

#include "core/kube/KubePaths.h"

#include <nlohmann/json.hpp>

#include <QPointer>
#include <QUrlQuery>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace leakdesk::investigation {

namespace {

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

bool isKubeStatus(const QByteArray& body)
{
    const auto j = nlohmann::json::parse(body.toStdString(), nullptr, false);
    return j.is_object() && j.value("kind", "") == "Status";
}

bool looksLikeJson(const QByteArray& body)
{
    return !nlohmann::json::parse(body.toStdString(), nullptr, false).is_discarded();
}

// Prometheus's answer through the proxy: what the API server itself refused (its Status objects)
// is told in RBAC and Service terms; Prometheus's own error JSON goes on to PromClient.
void deliverProxied(const Result<kube::KubeClient::RawResponse>& r, const PrometheusService& service,
    const std::string& server, const std::function<void(Result<QByteArray>, int)>& done)
{
    if (!r)
        return done(r.error(), 0);
    const int status = r->httpStatus;
    if (status >= 200 && status < 300)
        return done(r->body, status);
    const std::string where = server + " through the API server's service proxy (" + service.display() + ")";
    if (isKubeStatus(r->body)) {
        Error e = kube::kubeErrorFromResponse(status, r->body, q(where));
        if (status == 403)
            e.detail = "ask a cluster admin for 'get' on services/proxy in namespace " + service.ns
                + " (RBAC's 'view' role does not grant it), or port-forward the Service and pass --prometheus "
                  "http://127.0.0.1:PORT";
        else if (status == 404)
            e.detail = "check the namespace and the Service's name (kubectl get services -n " + service.ns + ")";
        else if (status == 503) {
            e.code = ErrorCode::Network; // nothing answers behind the Service: Prometheus is not reachable
            e.detail = "no ready pod serves that port: check that " + server
                + " runs and the port's name (kubectl get "
                  "service "
                + service.name + " -n " + service.ns + ")";
        }
        return done(e, status);
    }
    if (status == 401 || status == 403)
        return done(makeError(status == 401 ? ErrorCode::Unauthorized : ErrorCode::Forbidden,
                        where + " answered HTTP " + std::to_string(status) + " from behind the Service",
                        "the Service's port is guarded by an authenticating proxy of its own; pass its URL with "
                        "--prometheus and a token with --prometheus-token-file"),
            status);
    if (status >= 500 || status == 429)
        return done(makeError(ErrorCode::Server, where + " answered HTTP " + std::to_string(status),
                        server + " is failing or overloaded; retry in a moment"),
            status);
    if (status == 404 && !looksLikeJson(r->body))
        return done(makeError(ErrorCode::NotFound, where + ": that port serves no " + server + " API (HTTP 404)",
                        "name the port of its HTTP API (web, http-web, http) in k8s://NS/SERVICE:PORT"),
            status);
    done(r->body, status); // Prometheus's own error JSON (bad_data, ...)
}

bool has(const kube::StringMap& labels, const std::string& key, const std::string& value)
{
    const auto it = labels.find(key);
    return it != labels.end() && it->second == value;
}

std::string label(const kube::StringMap& labels, const std::string& key)
{
    const auto it = labels.find(key);
    return it == labels.end() ? std::string() : it->second;
}

bool contains(const std::string& text, const char* part)
{
    return text.find(part) != std::string::npos;
}

// What a Service is, from its labels first and its name second; empty when it is no Prometheus API.
struct Identity {
    std::string kind;
    std::string evidence; // the label or name that says so
    int score = 0;
    std::vector<std::string> portNames; // preferred port names, best first
    std::vector<int> portNumbers;
    std::string pathPrefix;
};

std::optional<Identity> identify(const kube::Service& svc)
{
    const auto& l = svc.meta.labels;
    const std::string& name = svc.meta.name;
    const std::string appName = label(l, "app.kubernetes.io/name");
    const std::string component = label(l, "app.kubernetes.io/component");
    const std::string app = label(l, "app");
    // Things next to Prometheus that are not its query API.
    for (const char* not_ : { "alertmanager", "operator", "node-exporter", "pushgateway", "adapter", "blackbox",
             "kube-state-metrics", "grafana", "config-reloader", "thanos-sidecar", "thanos-store", "thanos-compact",
             "thanos-rule", "vmagent", "vmalert", "vminsert", "vmstorage" })
        if (contains(name, not_) || contains(appName, not_) || contains(app, not_))
            return std::nullopt;
    const std::vector<std::string> web { "web", "http-web", "http" };
    if (appName == "thanos" || contains(name, "thanos")) {
        if (component != "query" && !contains(name, "query"))
            return std::nullopt; // sidecar, store, compactor: no PromQL over HTTP for us
        return Identity { "Thanos Query",
            component == "query" ? "label app.kubernetes.io/component=query" : "name " + name, 90,
            { "http", "http-query", "web" }, { 9090, 10902 }, "" };
    }
    if (appName == "vmselect" || contains(name, "vmselect") || app == "vmselect")
        return Identity { "VictoriaMetrics vmselect",
            appName == "vmselect" ? "label app.kubernetes.io/name=vmselect" : "name " + name, 70, { "http" }, { 8481 },
            "/select/0/prometheus" };
    if (appName == "vmsingle" || contains(name, "vmsingle") || contains(app, "victoria-metrics-single")
        || contains(name, "victoria-metrics-single"))
        return Identity { "VictoriaMetrics vmsingle",
            appName == "vmsingle" ? "label app.kubernetes.io/name=vmsingle" : "name " + name, 70, { "http" }, { 8428 },
            "" };
    if (appName == "prometheus")
        return Identity { "Prometheus", "label app.kubernetes.io/name=prometheus", 85, web, { 9090 }, "" };
    if (has(l, "operated-prometheus", "true"))
        // prometheus-operator's governing (headless) Service: the same Prometheus as a named one.
        return Identity { "Prometheus", "label operated-prometheus=true", 80, web, { 9090 }, "" };
    if (contains(app, "prometheus") && (contains(app, "kube-prometheus-stack") || app == "prometheus"))
        return Identity { "Prometheus", "label app=" + app, 82, web, { 9090 }, "" };
    if (contains(name, "prometheus"))
        return Identity { "Prometheus", "name " + name, 60, web, { 9090 }, "" };
    return std::nullopt;
}

} // namespace

std::string PrometheusService::display() const
{
    return ns + "/" + name + (port.empty() ? std::string() : ":" + port) + pathPrefix;
}

bool isServiceProxyUrl(const QUrl& url)
{
    return url.scheme() == QLatin1String("k8s");
}

Result<PrometheusService> parseServiceProxyUrl(const QUrl& url)
{
    const std::string hint = "write it as k8s://NAMESPACE/SERVICE:PORT, e.g. k8s://monitoring/prometheus-k8s:web";
    if (!isServiceProxyUrl(url) || !url.isValid())
        return makeError(
            ErrorCode::InvalidArgument, "not a k8s:// Prometheus URL: " + url.toString().toStdString(), hint);
    PrometheusService s;
    s.ns = url.host().toStdString();
    // QUrl lower-cases the host; namespaces are DNS labels, lower-case already.
    const QString path = url.path();
    const QStringList parts = path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    if (s.ns.empty() || parts.isEmpty() || !url.userInfo().isEmpty() || url.port() != -1)
        return makeError(ErrorCode::InvalidArgument,
            "the k8s:// Prometheus URL " + url.toString().toStdString() + " names no namespace and Service", hint);
    const QString service = parts.front();
    const qsizetype colon = service.indexOf(QLatin1Char(':'));
    s.name = (colon < 0 ? service : service.left(colon)).toStdString();
    s.port = colon < 0 ? std::string() : service.mid(colon + 1).toStdString();
    if (s.name.empty() || service.count(QLatin1Char(':')) > 1)
        return makeError(ErrorCode::InvalidArgument,
            "the k8s:// Prometheus URL " + url.toString().toStdString() + " has no usable SERVICE:PORT", hint);
    for (qsizetype i = 1; i < parts.size(); ++i)
        s.pathPrefix += "/" + parts[i].toStdString();
    return s;
}

prometheus::PromConnection serviceProxyConnection(
    kube::KubeClient& kube, const PrometheusService& service, const std::string& server, const std::string& urlOption)
{
    const QString segment = q(service.name) + (service.port.empty() ? QString() : QLatin1Char(':') + q(service.port));
    QUrl base = kube.serverUrl();
    QString serverPath = base.path();
    if (serverPath.endsWith(QLatin1Char('/')))
        serverPath.chop(1);
    const QString proxyPath
        = kube::paths::serviceProxy(q(service.ns), segment) + q(service.pathPrefix) + QLatin1Char('/');
    base.setPath(serverPath + proxyPath);

    prometheus::PromConnection pc;
    pc.baseUrl = base;
    pc.insecureSkipTlsVerify = kube.context().cluster.insecureSkipTlsVerify;
    pc.settingNames.server = server;
    pc.settingNames.url = urlOption + " k8s://" + service.display();
    pc.settingNames.token = "the credentials of user '" + kube.context().user.name + "' in the kubeconfig";
    QPointer<kube::KubeClient> client(&kube);
    const QString origin = prometheus::originOf(base);
    const QString basePath = base.path();
    pc.transport = [client, service, origin, basePath, serverPath, server](const QByteArray& method, const QUrl& url,
                       const QByteArray& body, QObject* context, std::function<void(Result<QByteArray>, int)> done) {
        if (!client)
            return done(makeError(ErrorCode::Cancelled, "the connection to the cluster is closed"), 0);
        // The kubeconfig's credentials go to the API server's proxy path and nowhere else.
        // Dot segments are resolved first: ".../proxy/../../secrets" is not under the proxy path.
        const QString path = url.adjusted(QUrl::NormalizePathSegments).path();
        if (prometheus::originOf(url) != origin || !path.startsWith(basePath))
            return done(makeError(ErrorCode::InvalidArgument,
                            "refusing to send the kubeconfig's credentials to " + url.toString().toStdString(),
                            "only the API server's service proxy path is reached with them"),
                0);
        QUrlQuery query;
        for (const auto& [k, v] : QUrlQuery(url).queryItems(QUrl::FullyDecoded))
            query.addQueryItem(k, v);
        const auto deliver = [service, server, done](
                                 Result<kube::KubeClient::RawResponse> r) { deliverProxied(r, service, server, done); };
        if (method == "GET")
            client->getRaw(path.mid(serverPath.size()), query, context, deliver);
        else
            client->sendRaw(method, path.mid(serverPath.size()), query, body, "application/json", context, deliver);
    };
    return pc;
}

std::vector<PrometheusCandidate> rankPrometheusCandidates(
    const std::vector<kube::Service>& services, const std::string& investigatedNamespace)
{
    const std::vector<std::string> usual = usualPrometheusNamespaces(std::string());
    std::vector<PrometheusCandidate> out;
    for (const kube::Service& svc : services) {
        if (svc.type == "ExternalName")
            continue; // the proxy cannot reach it
        const auto id = identify(svc);
        if (!id)
            continue;
        // The port: a preferred name first, then a usual number; none: not this Service.
        const kube::ServicePort* chosen = nullptr;
        int portBonus = 0;
        for (const std::string& wanted : id->portNames)
            for (const auto& p : svc.ports)
                if (!chosen && p.name == wanted) {
                    chosen = &p;
                    portBonus = 5;
                }
        for (const int wanted : id->portNumbers)
            for (const auto& p : svc.ports)
                if (!chosen && p.port == wanted)
                    chosen = &p;
        if (!chosen && svc.ports.size() == 1 && id->score >= 80)
            chosen = &svc.ports.front(); // a Service labelled as Prometheus with one odd port
        if (!chosen)
            continue;
        PrometheusCandidate c;
        c.service = { svc.meta.ns, svc.meta.name, chosen->name.empty() ? std::to_string(chosen->port) : chosen->name,
            id->pathPrefix };
        c.kind = id->kind;
        c.score = id->score + portBonus;
        const bool usualNamespace = std::find(usual.begin(), usual.end(), svc.meta.ns) != usual.end();
        if (usualNamespace)
            c.score += 3;
        else if (svc.meta.ns == investigatedNamespace)
            c.score += 1;
        c.why = c.kind + ": " + id->evidence + ", port "
            + (chosen->name.empty() ? std::string("(unnamed)") : chosen->name) + " (" + std::to_string(chosen->port)
            + ")" + (id->pathPrefix.empty() ? "" : ", API under " + id->pathPrefix);
        out.push_back(std::move(c));
    }
    std::stable_sort(out.begin(), out.end(), [](const PrometheusCandidate& a, const PrometheusCandidate& b) {
        if (a.score != b.score)
            return a.score > b.score;
        return std::tie(a.service.ns, a.service.name) < std::tie(b.service.ns, b.service.name);
    });
    return out;
}

std::string questionsWithoutHistory()
{
    return "Without Prometheus's history these runbook questions cannot be answered: does memory grow over hours "
           "and level off or not (step 1's pattern), is it above the same hours a week ago (baseline), and does the "
           "growth follow traffic.";
}

std::vector<std::string> usualPrometheusNamespaces(const std::string& investigatedNamespace)
{
    std::vector<std::string> out { "monitoring", "prometheus", "observability", "kube-prometheus", "victoria-metrics",
        "thanos" };
    if (!investigatedNamespace.empty() && std::find(out.begin(), out.end(), investigatedNamespace) == out.end())
        out.push_back(investigatedNamespace);
    return out;
}

PrometheusDiscovery::PrometheusDiscovery(kube::KubeClient& kube, QObject* parent)
    : QObject(parent)
    , m_kube(kube)
{ }

PrometheusDiscovery::~PrometheusDiscovery() = default;

void PrometheusDiscovery::cancel()
{
    m_context.reset();
    m_probe.reset();
    m_done = nullptr;
}

void PrometheusDiscovery::finish(Result<DiscoveredPrometheus> result)
{
    auto done = std::move(m_done);
    cancel();
    if (done)
        done(std::move(result));
}

void applyDiscovery(ClusterConnection& connection, const Result<DiscoveredPrometheus>& found)
{
    if (found)
        connection.usePrometheus(found->connection,
            { found->connection.baseUrl.toString().toStdString(), found->chosen.service.display(), found->chosen.why });
    else
        connection.goWithoutPrometheus(found.error().message, found.error().detail);
}

void PrometheusDiscovery::start(
    const std::string& investigatedNamespace, std::function<void(Result<DiscoveredPrometheus>)> done)
{
    cancel();
    m_done = std::move(done);
    m_namespace = investigatedNamespace;
    m_context = std::make_unique<QObject>();
    m_refusals.clear();
    m_firstRefusal.reset();
    m_kube.listServices(QString(), m_context.get(), [this](Result<kube::ParsedList<kube::Service>> all) {
        if (all)
            return rankAndProbe(
                std::move(all->items), "Services in all namespaces (" + std::to_string(all->items.size()) + ")");
        if (all.error().code != ErrorCode::Forbidden)
            return finish(all.error());
        // Listing Services cluster-wide is forbidden: look where Prometheus usually lives.
        const auto namespaces = usualPrometheusNamespaces(m_namespace);
        struct Gather {
            std::vector<kube::Service> services;
            std::size_t pending = 0;
            std::vector<std::string> visible;
        };
        auto gather = std::make_shared<Gather>();
        gather->pending = namespaces.size();
        for (const std::string& ns : namespaces) {
            m_kube.listServices(
                q(ns), m_context.get(), [this, gather, ns, namespaces](Result<kube::ParsedList<kube::Service>> r) {
                    if (r) {
                        gather->visible.push_back(ns);
                        for (auto& s : r->items)
                            gather->services.push_back(std::move(s));
                    }
                    if (--gather->pending > 0)
                        return;
                    std::string looked = "Services in namespaces ";
                    for (std::size_t i = 0; i < namespaces.size(); ++i)
                        looked += (i ? ", " : "") + namespaces[i];
                    looked += " (listing them cluster-wide is forbidden; readable: "
                        + std::to_string(gather->visible.size()) + " of " + std::to_string(namespaces.size()) + ")";
                    rankAndProbe(std::move(gather->services), looked);
                });
        }
    });
}

void PrometheusDiscovery::rankAndProbe(std::vector<kube::Service> services, std::string lookedAt)
{
    m_lookedAt = std::move(lookedAt);
    m_candidates = rankPrometheusCandidates(services, m_namespace);
    if (m_candidates.size() > static_cast<std::size_t>(kMaxProbes))
        m_candidates.resize(kMaxProbes);
    if (m_candidates.empty())
        return finish(makeError(ErrorCode::NotFound, "none found in the cluster: looked at " + m_lookedAt,
            "name one with --prometheus k8s://NAMESPACE/SERVICE:PORT or --prometheus URL, or run with "
            "--no-prometheus"));
    probe(0);
}

void PrometheusDiscovery::probe(std::size_t index)
{
    if (index >= m_candidates.size()) {
        std::string tried;
        for (const auto& r : m_refusals)
            tried += (tried.empty() ? "" : "; ") + r;
        Error e = m_firstRefusal ? *m_firstRefusal : makeError(ErrorCode::NotFound, "");
        e.message = "none reachable in the cluster (looked at " + m_lookedAt + "): " + tried;
        return finish(e);
    }
    const PrometheusCandidate candidate = m_candidates[index];
    prometheus::PromConnection pc = serviceProxyConnection(m_kube, candidate.service);
    m_probe = std::make_unique<prometheus::PromClient>(pc);
    m_probe->buildInfo(m_context.get(), [this, index, candidate, pc](Result<QString> version) {
        if (version) {
            DiscoveredPrometheus found { candidate, pc, m_lookedAt };
            found.chosen.why += ", answered buildinfo (version " + version->toStdString() + ")";
            return finish(std::move(found));
        }
        m_refusals.push_back(candidate.service.display() + ": " + version.error().message);
        if (!m_firstRefusal)
            m_firstRefusal = version.error();
        // The probe client is replaced by the next one after this callback has returned.
        QMetaObject::invokeMethod(
            this, [this, index] { probe(index + 1); }, Qt::QueuedConnection);
    });
}

} // namespace leakdesk::investigation
