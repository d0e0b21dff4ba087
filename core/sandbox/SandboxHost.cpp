#include "core/sandbox/SandboxHost.h"

#include <QFile>

#include "core/sandbox/http/HttpServer.h"
#include "core/sandbox/http/SandboxCertificates.h"
#include "core/sandbox/kubeapi/ExecEndpoint.h"
#include "core/sandbox/kubeapi/KubeApi.h"
#include "core/sandbox/model/AlertmanagerApi.h"
#include "core/sandbox/model/MetricsHistory.h"
#include "core/sandbox/model/PromApi.h"
#include "core/sandbox/model/SandboxModel.h"
#include "core/sandbox/scenario/DefaultScenario.h"
#include "core/sandbox/scenario/ScaleWorkloads.h"
#include "core/sandbox/scenario/ScenarioCluster.h"
#include "core/sandbox/scenario/ScenarioMetrics.h"
#include "core/sandbox/shell/ContainerRuntime.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QLocale>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QTemporaryDir>
#include <QThread>

#include <cmath>

namespace leakdesk::sandbox {


namespace {
const QString kContext = QStringLiteral("leakdesk-sandbox");
const std::string kAdminUser = "leakdesk-admin";
const std::string kViewerUser = "leakdesk-sandbox-viewer";

// The CA of one run and the certificate the Kubernetes API presents.
struct ServerTls {
    CertificateAuthority ca;
    IssuedCertificate server;
};

// What an injected fault looks like on the wire: the API server's own Status for 500/503
// (client-go and KubeClient read its message), Prometheus's error envelope for its API.
// "1" (seconds), or the same wait as an IMF-fixdate HTTP date on the wall clock (the header is
// about real time even when the sandbox's clock is pinned); 2 s ahead so the whole-second date
// never lands in the past.
QByteArray retryAfterValue(const FaultInjector::Decision& d)
{
    if (!d.retryAfterAsHttpDate)
        return "1";
    const QDateTime at = QDateTime::currentDateTimeUtc().addSecs(2);
    return QLocale::c().toString(at, QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'")).toLatin1();
}

RequestFault kubeFault(const FaultInjector::Decision& d)
{
    RequestFault f;
    f.delayMs = d.delayMs;
    f.drop = d.action == FaultInjector::Action::Drop;
    f.dropStreamAfterMs = d.dropStreamAfterMs;
    if (d.action == FaultInjector::Action::Error500)
        f.response = kubeStatusError(
            500, "InternalError", "Internal error occurred: fault injected by the sandbox (--faults)");
    else if (d.action == FaultInjector::Action::Error503)
        f.response = kubeStatusError(503, "ServiceUnavailable",
            "the server is currently unable to handle the request (fault injected by the sandbox)");
    else if (d.action == FaultInjector::Action::Throttle) {
        // As API Priority and Fairness answers: 429 with Retry-After, so clients may come back.
        f.response = kubeStatusError(429, "TooManyRequests",
            "Too many requests, please try again later. (fault injected by the sandbox)",
            nlohmann::json { { "retryAfterSeconds", 1 } });
        f.response->headers.emplace_back("Retry-After", retryAfterValue(d));
    }
    return f;
}

RequestFault prometheusFault(const FaultInjector::Decision& d)
{
    RequestFault f;
    f.delayMs = d.delayMs;
    f.drop = d.action == FaultInjector::Action::Drop;
    f.dropStreamAfterMs = d.dropStreamAfterMs;
    if (d.action == FaultInjector::Action::Error500 || d.action == FaultInjector::Action::Error503) {
        const bool unavailable = d.action == FaultInjector::Action::Error503;
        f.response = HttpResponse::json(unavailable ? 503 : 500,
            nlohmann::json { { "status", "error" }, { "errorType", unavailable ? "unavailable" : "internal" },
                { "error", "fault injected by the sandbox (--faults)" } }
                .dump());
    } else if (d.action == FaultInjector::Action::Throttle) {
        f.response = HttpResponse::json(429,
            nlohmann::json { { "status", "error" }, { "errorType", "unavailable" },
                { "error", "too many requests (fault injected by the sandbox)" } }
                .dump());
        f.response->headers.emplace_back("Retry-After", retryAfterValue(d));
    }
    return f;
}

// The bearer token of an Authorization header, compared in constant time.
bool bearerTokenMatches(const HttpRequest& r, const std::string& token)
{
    const QByteArray header = r.header("authorization");
    if (!header.startsWith("Bearer "))
        return false;
    const QByteArray given = header.mid(7).trimmed();
    if (given.size() != static_cast<qsizetype>(token.size()))
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < given.size(); ++i)
        diff |= static_cast<unsigned char>(given[i] ^ token[static_cast<std::size_t>(i)]);
    return diff == 0;
}

// What an authenticating proxy in front of Prometheus answers: 401 with a challenge, a short text.
HttpResponse prometheusUnauthorized(const HttpRequest& r)
{
    HttpResponse response = HttpResponse::text(401,
        r.header("authorization").isEmpty() ? "Unauthorized: a bearer token is required\n"
                                            : "Unauthorized: invalid bearer token\n");
    response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"prometheus\"");
    return response;
}

// What Mimir/Cortex answer to a query without their tenant header: 401 "no org id".
HttpResponse prometheusNoTenant(const HttpRequest& r)
{
    return HttpResponse::text(401,
        r.header("x-scope-orgid").isEmpty() ? "no org id (the X-Scope-OrgID header is required)\n"
                                            : "unknown org id in X-Scope-OrgID\n");
}

} // namespace

// Everything that lives on the worker thread: the model and both servers. Created and destroyed
// on that thread so the sockets have the right thread affinity.
class SandboxServers : public QObject {
public:
    SandboxServers(const SandboxOptions& options, const std::string& token, const std::string& viewerToken,
        std::shared_ptr<SandboxClock> clock, std::optional<ServerTls> tls,
        std::optional<scenario::Scenario> scenarioObjects = std::nullopt)
        : m_clock(std::move(clock))
        , m_model(options.seed, now(), 30 * kDayMs, options.crowdReplicas)
        , m_history(m_model)
        // kubectl sends no credentials over plain http://: there anonymous requests are served (a
        // wrong token is still refused). Over TLS every request must say who it is, as on a cluster.
        , m_kube(
              m_model, token, [this] { return now(); },
              tls ? KubeApi::AuthPolicy::RequireToken : KubeApi::AuthPolicy::AllowAnonymous)
        , m_prom(m_history, [this] { return now(); })
        , m_alertmanager(m_history, [this] { return now(); })
        , m_runtime(m_model)
        , m_exec([this](const ExecTarget& t) { return m_runtime.exec(t.pod, t.command, now(), t.debugContainer); })
        , m_tls(std::move(tls))
        , m_promToken(options.prometheusToken.toStdString())
        , m_promTenant(options.prometheusTenant.toStdString())
    {
        m_history.setNaming(prometheus::profileForDialect(options.metricsNaming));
        if (!viewerToken.empty())
            m_kube.addUser(KubeApi::User { kViewerUser, viewerToken, true });
        if (scenarioObjects) {
            m_scenario = std::make_unique<scenario::ScenarioCluster>(std::move(*scenarioObjects), options.seed, now());
            m_kube.setScenario(m_scenario.get());
            auto listSeries = [this] {
                m_history.setExternalSeries(scenario::scenarioSeries(*m_scenario, m_history),
                    [cluster = m_scenario.get()](const RawSeries& series, std::int64_t gridMs) {
                        return scenario::sampleScenarioSeries(*cluster, series, gridMs);
                    });
            };
            listSeries();
            // A rollout of a scenario workload makes pods: their series must exist for queries.
            m_scenario->setOnPodsChanged(listSeries);
        }
        if (options.faults.enabled()) {
            m_kubeFaults = std::make_unique<FaultInjector>(options.faults);
            m_kubeServer.setFaultHook([this](const HttpRequest&) { return kubeFault(m_kubeFaults->next()); });
        }
        // Its own sequence, so Prometheus traffic does not shift the Kubernetes API's faults.
        FaultSpec promSpec = options.prometheusFaults.value_or(options.faults);
        if (promSpec.seed && !options.prometheusFaults)
            promSpec.seed = *promSpec.seed + 1;
        if (promSpec.enabled()) {
            m_promFaults = std::make_unique<FaultInjector>(promSpec);
            m_promServer.setFaultHook([this](const HttpRequest&) { return prometheusFault(m_promFaults->next()); });
        }
        m_kubeServer.setHandler([this](const HttpRequest& r) { return m_kube.handle(r); });
        // A rollout, or a pod taken out of its ReplicaSet, creates pods: their metric series must
        // exist for Prometheus queries.
        m_kube.deployments().setOnRollout([this] { m_history.rebuild(); });
        m_kube.pods().setOnPodsChanged([this] { m_history.rebuild(); });
        if (!options.execProtocols.isEmpty())
            m_exec.setProtocols(options.execProtocols);
        m_exec.setDropAfterBytes(options.execDropAfterBytes);
        m_kube.setExpiredContinueTokens(options.faults.expireContinue);
        m_exec.setBandwidth(options.faults.bandwidthBytesPerSecond);
        for (const auto& [name, variation] : options.containerVariations)
            m_runtime.setVariation(name, variation);
        m_kubeServer.setUpgradeHandler([this](const HttpRequest& r, QTcpSocket* socket) {
            // Only WebSocket exec is taken over; anything else is answered as a plain request.
            if (r.header("upgrade").toLower() != "websocket")
                return false;
            const KubeApi::ExecAdmission admission = m_kube.admitExec(r);
            if (!admission.target)
                return false;
            m_exec.accept(*admission.target, r, socket);
            return true;
        });
        auto servePrometheus = [this](const HttpRequest& r) {
            if (!m_promToken.empty() && !bearerTokenMatches(r, m_promToken))
                return prometheusUnauthorized(r);
            if (!m_promTenant.empty() && r.header("x-scope-orgid") != QByteArray::fromStdString(m_promTenant))
                return prometheusNoTenant(r);
            return m_prom.handle(r);
        };
        m_promServer.setHandler(servePrometheus);
        // The same Prometheus inside the cluster, as kube-prometheus installs it: a Service the
        // API server's service proxy reaches (`kubectl get --raw .../prometheus-k8s:web/proxy/...`).
        const std::int64_t installedMs = m_model.originMs() - 20 * kDayMs;
        m_kube.serviceProxy().add(
            ProxiedService { kubePrometheusService(m_model.uidFor("Service", kKubePrometheusService),
                                 rfc3339(installedMs), std::to_string(installedMs / 1000)),
                kKubePrometheusPort, servePrometheus });
        auto serveAlertmanager = [this](const HttpRequest& r) { return m_alertmanager.handle(r); };
        m_amServer.setHandler(serveAlertmanager);
        m_kube.serviceProxy().add(
            ProxiedService { kubeAlertmanagerService(m_model.uidFor("Service", kKubeAlertmanagerService),
                                 rfc3339(installedMs), std::to_string(installedMs / 1000)),
                kKubeAlertmanagerPort, serveAlertmanager });
    }

    Status listen(quint16 kubePort, quint16 promPort, quint16 amPort)
    {
        if (m_tls) {
            if (auto s = useTls(); !s)
                return s;
        }
        if (auto s = m_kubeServer.listen(QHostAddress::LocalHost, kubePort); !s)
            return s.error();
        m_kube.setServerAddress("127.0.0.1:" + std::to_string(m_kubeServer.port()));
        if (auto s = m_promServer.listen(QHostAddress::LocalHost, promPort); !s)
            return s.error();
        if (auto s = m_amServer.listen(QHostAddress::LocalHost, amPort); !s)
            return s.error();
        return Ok {};
    }

    quint16 kubePort() const { return m_kubeServer.port(); }
    quint16 promPort() const { return m_promServer.port(); }
    quint16 alertmanagerPort() const { return m_amServer.port(); }
    const ExecEndpoint& exec() const { return m_exec; }
    FaultCounts kubeFaultCounts() const { return m_kubeFaults ? m_kubeFaults->counts() : FaultCounts {}; }
    FaultCounts prometheusFaultCounts() const { return m_promFaults ? m_promFaults->counts() : FaultCounts {}; }

private:
    Status useTls()
    {
        const QSslCertificate certificate(m_tls->server.certificatePem, QSsl::Pem);
        const QSslKey key(m_tls->server.privateKeyPem, QSsl::Ec, QSsl::Pem);
        if (certificate.isNull() || key.isNull())
            return makeError(ErrorCode::Unknown, "the sandbox's server certificate cannot be loaded for TLS",
                "check that Qt's TLS backend (OpenSSL) is installed");
        QSslConfiguration config = QSslConfiguration::defaultConfiguration();
        config.setLocalCertificate(certificate);
        config.setPrivateKey(key);
        config.setCaCertificates(QSslCertificate::fromData(m_tls->ca.certificatePem(), QSsl::Pem));
        // Ask for a client certificate without requiring one: token users must still get in. The
        // certificate is checked against the CA by the verifier below, not by the handshake.
        config.setPeerVerifyMode(QSslSocket::QueryPeer);
        auto server = std::make_unique<QSslServer>();
        server->setSslConfiguration(config);
        m_kubeServer.setTcpServer(std::move(server));
        m_kubeServer.setClientCertificateVerifier(
            [ca = m_tls->ca](const QByteArray& der) { return ca.verifyClient(der); });
        // Prometheus: the same certificate (it names 127.0.0.1 and localhost), no client certificates.
        config.setPeerVerifyMode(QSslSocket::VerifyNone);
        auto promServer = std::make_unique<QSslServer>();
        promServer->setSslConfiguration(config);
        m_promServer.setTcpServer(std::move(promServer));
        auto amServer = std::make_unique<QSslServer>();
        amServer->setSslConfiguration(config);
        m_amServer.setTcpServer(std::move(amServer));
        return Ok {};
    }

    std::int64_t now() const { return m_clock->now(); }

    std::shared_ptr<SandboxClock> m_clock;
    std::unique_ptr<scenario::ScenarioCluster> m_scenario; // before the servers that point at it
    SandboxModel m_model;
    MetricsHistory m_history;
    KubeApi m_kube;
    PromApi m_prom;
    AlertmanagerApi m_alertmanager;
    ContainerRuntime m_runtime;
    ExecEndpoint m_exec;
    std::optional<ServerTls> m_tls;
    std::string m_promToken;
    std::string m_promTenant;
    std::unique_ptr<FaultInjector> m_kubeFaults;
    std::unique_ptr<FaultInjector> m_promFaults;
    HttpServer m_kubeServer;
    HttpServer m_promServer;
    HttpServer m_amServer;
};

SandboxHost::SandboxHost(QObject* parent)
    : QObject(parent)
{ }

SandboxHost::~SandboxHost()
{
    stop();
}

Status SandboxHost::start(const SandboxOptions& options)
{
    if (m_thread)
        return makeError(ErrorCode::InvalidArgument, "the sandbox is already running", "call stop() before start()");
    if (options.clockSpeed
        && !(std::isfinite(*options.clockSpeed) && *options.clockSpeed > 0
            && *options.clockSpeed <= SandboxClock::kMaxSpeed))
        return makeError(ErrorCode::InvalidArgument, "the sandbox's clock speed must be above 0 and at most 3600",
            "e.g. 60: an hour of simulated time per wall minute");
    {
        auto clock = std::make_shared<SandboxClock>(options.fixedNowMs, options.clockSpeed);
        clock->advance(m_clock->advancedMs()); // advanceClock() before start() counts
        m_clock = std::move(clock);
    }

    QString path = options.kubeconfigPath;
    if (path.isEmpty()) {
        m_tempDir = std::make_unique<QTemporaryDir>(QDir::tempPath() + QStringLiteral("/leakdesk-sandbox-XXXXXX"));
        if (!m_tempDir->isValid())
            return makeError(ErrorCode::Io,
                "cannot create a temporary directory for the sandbox kubeconfig: "
                    + m_tempDir->errorString().toStdString(),
                "check that TMPDIR is writable or pass a kubeconfig path");
        path = m_tempDir->filePath(QStringLiteral("kubeconfig"));
    }

    // A fresh random token per run: the kube API rejects requests without it, as a real cluster would.
    auto randomToken = [] {
        QByteArray raw(32, Qt::Uninitialized);
        QRandomGenerator::system()->fillRange(reinterpret_cast<quint32*>(raw.data()), raw.size() / 4);
        return QString::fromLatin1(raw.toHex());
    };
    // RFC 6750's token68 characters only: anything else could not travel in an Authorization
    // header as is, and would break the YAML of the kubeconfig.
    static const QRegularExpression tokenSyntax(QStringLiteral("^[A-Za-z0-9._~+/-]+=*$"));
    if (!options.token.isEmpty() && !tokenSyntax.match(options.token).hasMatch())
        return makeError(ErrorCode::InvalidArgument, "the sandbox token holds characters a bearer token cannot have",
            "use letters, digits and - . _ ~ + / (and = at the end only)");
    if (!options.prometheusToken.isEmpty() && !tokenSyntax.match(options.prometheusToken).hasMatch())
        return makeError(ErrorCode::InvalidArgument,
            "the sandbox's Prometheus token holds characters a bearer token cannot have",
            "use letters, digits and - . _ ~ + / (and = at the end only)");
    // Mimir's and Cortex's tenant ID syntax.
    static const QRegularExpression tenantSyntax(QStringLiteral("^[A-Za-z0-9!._*'()-]{1,150}$"));
    if (!options.prometheusTenant.isEmpty() && !tenantSyntax.match(options.prometheusTenant).hasMatch())
        return makeError(ErrorCode::InvalidArgument, "the sandbox's Prometheus tenant is not a valid tenant ID",
            "use at most 150 letters, digits and ! - _ . * ' ( )");
    const QString token = options.token.isEmpty() ? randomToken() : options.token;
    const QString viewerToken = options.readOnlyUser ? randomToken() : QString();
    UserCredential admin { token, {}, {} };
    UserCredential viewer { viewerToken, {}, {} };

    const bool clientCertificates = options.kubeconfigAuth == SandboxOptions::KubeconfigAuth::ClientCertificate;
    if (clientCertificates && !options.tls)
        return makeError(ErrorCode::InvalidArgument, "client-certificate users need TLS",
            "add --tls (SandboxOptions::tls), or authenticate with tokens");
    std::optional<ServerTls> tls;
    if (options.tls) {
        auto ca = CertificateAuthority::create("leakdesk-sandbox-ca");
        if (!ca)
            return ca.error();
        auto server = ca->issueServer({ "localhost" }, { "127.0.0.1" });
        if (!server)
            return server.error();
        if (clientCertificates) {
            // As kubeadm's admin.conf: the group system:masters makes the admin, whatever the CN.
            auto cert = ca->issueClient(kAdminUser, { "system:masters" });
            if (!cert)
                return cert.error();
            admin = UserCredential { {}, cert->certificatePem, cert->privateKeyPem };
            if (options.readOnlyUser) {
                auto viewerCert = ca->issueClient(kViewerUser, {});
                if (!viewerCert)
                    return viewerCert.error();
                viewer = UserCredential { {}, viewerCert->certificatePem, viewerCert->privateKeyPem };
            }
        }
        m_caPem = ca->certificatePem();
        tls = ServerTls { std::move(*ca), std::move(*server) };
    }

    // Scenario files are read before anything starts: a bad file is an error with its line.
    // The user's own files replace the default scenario (their manifests may well reuse its names).
    std::optional<scenario::Scenario> scenarioObjects;
    if (options.scenarioFiles.isEmpty() && options.defaultScenario) {
        auto builtIn = scenario::defaultScenario();
        if (!builtIn)
            return builtIn.error();
        scenarioObjects = std::move(*builtIn);
    }
    for (const QString& file : options.scenarioFiles) {
        auto loaded = scenario::loadScenarioFile(file.toStdString());
        if (!loaded)
            return loaded.error();
        if (!scenarioObjects)
            scenarioObjects = std::move(*loaded);
        else if (auto merged = scenario::mergeScenario(*scenarioObjects, std::move(*loaded)); !merged)
            return merged.error();
    }

    if (options.scaleWorkloads > 0) {
        auto fleet = scenario::scaleWorkloadsScenario(options.scaleWorkloads, options.seed);
        if (!fleet)
            return fleet.error();
        if (!scenarioObjects)
            scenarioObjects = std::move(*fleet);
        else if (auto merged = scenario::mergeScenario(
                     *scenarioObjects, std::move(*fleet), scenario::scaleScenarioLimits(options.scaleWorkloads));
                 !merged)
            return merged.error();
    }

    m_thread = new QThread;
    m_thread->setObjectName(QStringLiteral("leakdesk-sandbox"));
    m_thread->start();
    // A throwaway object living on the worker thread to run the set-up there.
    auto* context = new QObject;
    context->moveToThread(m_thread);

    Status listening = Ok {};
    QMetaObject::invokeMethod(
        context,
        [&] {
            m_servers = new SandboxServers(options, token.toStdString(), viewerToken.toStdString(), m_clock,
                std::move(tls), std::move(scenarioObjects));
            listening = m_servers->listen(options.kubePort, options.prometheusPort, options.alertmanagerPort);
            m_kubePort = m_servers->kubePort();
            m_promPort = m_servers->promPort();
            m_amPort = m_servers->alertmanagerPort();
        },
        Qt::BlockingQueuedConnection);
    context->deleteLater();
    if (!listening) {
        const Error e = listening.error();
        stop();
        return e;
    }
    m_tls = options.tls;
    if (auto written = writeKubeconfig(path, admin, viewer); !written) {
        stop();
        return written.error();
    }
    m_kubeconfigPath = path;
    if (!m_caPem.isEmpty()) {
        // For clients configured by option rather than kubeconfig: --prometheus-ca FILE.
        const QString caPath = path + QStringLiteral(".ca.crt");
        QSaveFile ca(caPath);
        if (!ca.open(QIODevice::WriteOnly) || ca.write(m_caPem) != m_caPem.size() || !ca.commit()) {
            stop();
            return makeError(ErrorCode::Io,
                "cannot write the sandbox CA " + caPath.toStdString() + ": " + ca.errorString().toStdString(),
                "check free space and permissions of the kubeconfig's directory");
        }
        m_caPath = caPath;
    }
    return Ok {};
}

void SandboxHost::stop()
{
    if (m_thread) {
        if (m_servers) {
            SandboxServers* servers = m_servers;
            QMetaObject::invokeMethod(
                servers, [servers] { delete servers; }, Qt::BlockingQueuedConnection);
            m_servers = nullptr;
        }
        m_thread->quit();
        m_thread->wait();
        delete m_thread;
        m_thread = nullptr;
    }
    m_tempDir.reset();
    m_caPem.clear();
    m_caPath.clear();
    m_tls = false;
    m_kubePort = 0;
    m_promPort = 0;
    m_amPort = 0;
}

Status SandboxHost::writeKubeconfig(
    const QString& path, const UserCredential& admin, const UserCredential& viewer) const
{
    auto userEntry = [](const QString& name, const UserCredential& c) -> QString {
        QString entry = QStringLiteral("- name: %1\n  user:\n").arg(name);
        if (!c.certificatePem.isEmpty())
            return entry
                + QStringLiteral("    client-certificate-data: %1\n    client-key-data: %2\n")
                      .arg(QString::fromLatin1(c.certificatePem.toBase64()), QString::fromLatin1(c.keyPem.toBase64()));
        return entry + QStringLiteral("    token: %1\n").arg(c.token);
    };
    auto contextEntry = [this](const QString& name, const QString& user) -> QString {
        return QStringLiteral("- name: %1\n  context:\n    cluster: %2\n    user: %3\n    namespace: %4\n")
            .arg(name, kContext, user, namespaceName());
    };
    QString cluster = QStringLiteral("- name: %1\n  cluster:\n    server: %2\n").arg(kContext, kubeUrl().toString());
    if (!m_caPem.isEmpty())
        cluster += QStringLiteral("    certificate-authority-data: %1\n").arg(QString::fromLatin1(m_caPem.toBase64()));
    const QString adminName = kContext + QStringLiteral("-admin");
    const QString viewerName = kContext + QStringLiteral("-viewer");
    QString users = userEntry(adminName, admin);
    QString contexts = contextEntry(kContext, adminName);
    const bool hasViewer = !viewer.token.isEmpty() || !viewer.certificatePem.isEmpty();
    if (hasViewer) {
        // Same cluster, a user bound to RBAC's "view" role: what an on-call engineer without write
        // access sees (403 on patch and exec).
        users += userEntry(viewerName, viewer);
        contexts += contextEntry(readOnlyContextName(), viewerName);
    }
    const QString yaml = QStringLiteral(
        "# Generated by LeakDesk for its built-in sandbox cluster. The credentials are valid while the sandbox runs.\n"
        "apiVersion: v1\n"
        "kind: Config\n"
        "clusters:\n%1"
        "users:\n%2"
        "contexts:\n%3"
        "current-context: %4\n"
        "preferences: {}\n")
                             .arg(cluster, users, contexts, kContext);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        return makeError(ErrorCode::Io,
            "cannot write the sandbox kubeconfig " + path.toStdString() + ": " + file.errorString().toStdString(),
            "choose a writable --kubeconfig-out path");
    }
    // Owner-only before any byte is written: the file holds a bearer token or a private key.
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    file.write(yaml.toUtf8());
    if (!file.commit()) {
        return makeError(ErrorCode::Io,
            "cannot write the sandbox kubeconfig " + path.toStdString() + ": " + file.errorString().toStdString(),
            "check free space and permissions of the target directory");
    }
    return Ok {};
}

QUrl SandboxHost::kubeUrl() const
{
    return QUrl(QStringLiteral("%1://127.0.0.1:%2")
                    .arg(m_tls ? QStringLiteral("https") : QStringLiteral("http"))
                    .arg(m_kubePort));
}

QUrl SandboxHost::prometheusUrl() const
{
    return QUrl(QStringLiteral("%1://127.0.0.1:%2")
                    .arg(m_tls ? QStringLiteral("https") : QStringLiteral("http"))
                    .arg(m_promPort));
}

QUrl SandboxHost::alertmanagerUrl() const
{
    return QUrl(QStringLiteral("%1://127.0.0.1:%2")
                    .arg(m_tls ? QStringLiteral("https") : QStringLiteral("http"))
                    .arg(m_amPort));
}

QString SandboxHost::alertmanagerServiceUrl()
{
    return QStringLiteral("k8s://%1/%2:%3")
        .arg(QLatin1String(kKubePrometheusNamespace), QLatin1String(kKubeAlertmanagerService),
            QLatin1String(kKubeAlertmanagerPort));
}

void SandboxHost::advanceClock(qint64 ms)
{
    m_clock->advance(ms);
}

qint64 SandboxHost::nowMs() const
{
    return m_clock->now();
}

FaultCounts SandboxHost::kubeFaultCounts() const
{
    return m_servers ? m_servers->kubeFaultCounts() : FaultCounts {};
}

FaultCounts SandboxHost::prometheusFaultCounts() const
{
    return m_servers ? m_servers->prometheusFaultCounts() : FaultCounts {};
}

qint64 SandboxHost::execStdoutBytesSent() const
{
    return m_servers ? m_servers->exec().stdoutBytesSent() : 0;
}

QString SandboxHost::kubeconfigPath() const
{
    return m_kubeconfigPath;
}

QString SandboxHost::contextName() const
{
    return kContext;
}

QString SandboxHost::prometheusServiceUrl()
{
    return QStringLiteral("k8s://%1/%2:%3")
        .arg(QLatin1String(kKubePrometheusNamespace), QLatin1String(kKubePrometheusService),
            QLatin1String(kKubePrometheusPort));
}

QString SandboxHost::readOnlyContextName() const
{
    return kContext + QStringLiteral("-readonly");
}

QString SandboxHost::namespaceName() const
{
    return QStringLiteral("production");
}

} // namespace leakdesk::sandbox
