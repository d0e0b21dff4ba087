#include "sandbox/SandboxHost.h"

#include "sandbox/ContainerRuntime.h"
#include "sandbox/ExecEndpoint.h"
#include "sandbox/HttpServer.h"
#include "sandbox/KubeApi.h"
#include "sandbox/MetricsHistory.h"
#include "sandbox/PromApi.h"
#include "sandbox/SandboxModel.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QSaveFile>
#include <QTemporaryDir>
#include <QThread>

namespace leakdesk::sandbox {

namespace {
const QString kContext = QStringLiteral("leakdesk-sandbox");
}

// Everything that lives on the worker thread: the model and both servers. Created and destroyed
// on that thread so the sockets have the right thread affinity.
class SandboxServers : public QObject {
public:
    SandboxServers(const SandboxOptions& options, const std::string& token, const std::string& viewerToken,
        std::shared_ptr<std::atomic<qint64>> offset)
        : m_fixedNow(options.fixedNowMs)
        , m_offset(std::move(offset))
        , m_model(options.seed, now())
        , m_history(m_model)
        // Plain http:// for now, and kubectl sends no credentials without TLS: anonymous reads are
        // served, a wrong token is still refused.
        , m_kube(
              m_model, token, [this] { return now(); }, KubeApi::AuthPolicy::AllowAnonymous)
        , m_prom(m_history, [this] { return now(); })
        , m_runtime(m_model)
        , m_exec([this](const ExecTarget& t) { return m_runtime.exec(t.pod, t.command, now()); })
    {
        if (!viewerToken.empty())
            m_kube.addUser(KubeApi::User { "leakdesk-sandbox-viewer", viewerToken, true });
        m_kubeServer.setHandler([this](const HttpRequest& r) { return m_kube.handle(r); });
        // A rollout creates pods: their metric series must exist for Prometheus queries.
        m_kube.deployments().setOnRollout([this] { m_history.rebuild(); });
        if (!options.execProtocols.isEmpty())
            m_exec.setProtocols(options.execProtocols);
        m_exec.setDropAfterBytes(options.execDropAfterBytes);
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
        m_promServer.setHandler([this](const HttpRequest& r) { return m_prom.handle(r); });
    }

    Status listen(quint16 kubePort, quint16 promPort)
    {
        if (auto s = m_kubeServer.listen(QHostAddress::LocalHost, kubePort); !s)
            return s.error();
        m_kube.setServerAddress("127.0.0.1:" + std::to_string(m_kubeServer.port()));
        if (auto s = m_promServer.listen(QHostAddress::LocalHost, promPort); !s)
            return s.error();
        return Ok {};
    }

    quint16 kubePort() const { return m_kubeServer.port(); }
    quint16 promPort() const { return m_promServer.port(); }
    const ExecEndpoint& exec() const { return m_exec; }

private:
    std::int64_t now() const
    {
        return (m_fixedNow ? *m_fixedNow : QDateTime::currentMSecsSinceEpoch()) + m_offset->load();
    }

    std::optional<qint64> m_fixedNow;
    std::shared_ptr<std::atomic<qint64>> m_offset;
    SandboxModel m_model;
    MetricsHistory m_history;
    KubeApi m_kube;
    PromApi m_prom;
    ContainerRuntime m_runtime;
    ExecEndpoint m_exec;
    HttpServer m_kubeServer;
    HttpServer m_promServer;
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
    const QString token = options.token.isEmpty() ? randomToken() : options.token;
    const QString viewerToken = options.readOnlyUser ? randomToken() : QString();

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
            m_servers = new SandboxServers(options, token.toStdString(), viewerToken.toStdString(), m_clockOffset);
            listening = m_servers->listen(options.kubePort, options.prometheusPort);
            m_kubePort = m_servers->kubePort();
            m_promPort = m_servers->promPort();
        },
        Qt::BlockingQueuedConnection);
    context->deleteLater();
    if (!listening) {
        const Error e = listening.error();
        stop();
        return e;
    }
    if (auto written = writeKubeconfig(path, token, viewerToken); !written) {
        stop();
        return written.error();
    }
    m_kubeconfigPath = path;
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
    m_kubePort = 0;
    m_promPort = 0;
}

Status SandboxHost::writeKubeconfig(const QString& path, const QString& token, const QString& viewerToken) const
{
    QString yaml = QStringLiteral(
        "# Generated by LeakDesk for its built-in sandbox cluster. The token is valid while the sandbox runs.\n"
        "apiVersion: v1\n"
        "kind: Config\n"
        "clusters:\n"
        "- name: %1\n"
        "  cluster:\n"
        "    server: %2\n"
        "users:\n"
        "- name: %1-admin\n"
        "  user:\n"
        "    token: %3\n"
        "contexts:\n"
        "- name: %1\n"
        "  context:\n"
        "    cluster: %1\n"
        "    user: %1-admin\n"
        "    namespace: %4\n"
        "current-context: %1\n"
        "preferences: {}\n")
                             .arg(kContext, kubeUrl().toString(), token, namespaceName());
    if (!viewerToken.isEmpty()) {
        // Same cluster, a user bound to RBAC's "view" role: what an on-call engineer without write
        // access sees (403 on patch and exec).
        yaml.replace(QStringLiteral("contexts:\n"),
            QStringLiteral("- name: %1-viewer\n  user:\n    token: %2\ncontexts:\n- name: %3\n  context:\n    cluster: %1\n"
                           "    user: %1-viewer\n    namespace: %4\n")
                .arg(kContext, viewerToken, readOnlyContextName(), namespaceName()));
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        return makeError(ErrorCode::Io,
            "cannot write the sandbox kubeconfig " + path.toStdString() + ": " + file.errorString().toStdString(),
            "choose a writable --kubeconfig-out path");
    }
    // Owner-only before any byte is written: the file holds a bearer token.
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
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_kubePort));
}

QUrl SandboxHost::prometheusUrl() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_promPort));
}

void SandboxHost::advanceClock(qint64 ms)
{
    *m_clockOffset += ms;
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

QString SandboxHost::readOnlyContextName() const
{
    return kContext + QStringLiteral("-readonly");
}

QString SandboxHost::namespaceName() const
{
    return QStringLiteral("production");
}

} // namespace leakdesk::sandbox
