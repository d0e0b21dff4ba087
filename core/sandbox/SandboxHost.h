#pragma once
// Runs the sandbox cluster (Kubernetes API + Prometheus API on 127.0.0.1) on its own worker
// thread and writes a kubeconfig for it, so a GUI or CLI in the same process can talk to it
// through the same clients it uses for a real cluster, synchronously or not.

#include "common/Result.h"

#include <QObject>
#include <QString>
#include <QUrl>

#include <memory>
#include <optional>

class QThread;
class QTemporaryDir;

namespace leakdesk::sandbox {

struct SandboxOptions {
    quint64 seed = 42;
    quint16 kubePort = 0; // 0 = any free port on 127.0.0.1
    quint16 prometheusPort = 0; // 0 = any free port
    QString kubeconfigPath; // where to write the generated kubeconfig; empty = a temp dir owned by the host
    std::optional<qint64> fixedNowMs; // tests pin the clock; default follows the wall clock
};

class SandboxServers;

class SandboxHost : public QObject {
    Q_OBJECT
public:
    explicit SandboxHost(QObject* parent = nullptr);
    ~SandboxHost() override; // stops the thread and removes temp files

    leakdesk::Status start(const SandboxOptions& options); // returns when both servers listen, or an Error
    void stop();

    QUrl kubeUrl() const; // http://127.0.0.1:PORT
    QUrl prometheusUrl() const; // http://127.0.0.1:PORT
    QString kubeconfigPath() const;
    QString contextName() const; // "leakdesk-sandbox"
    QString namespaceName() const; // "production"

private:
    Status writeKubeconfig(const QString& path, const QString& token) const;

    QThread* m_thread = nullptr;
    SandboxServers* m_servers = nullptr; // lives in m_thread
    std::unique_ptr<QTemporaryDir> m_tempDir;
    quint16 m_kubePort = 0;
    quint16 m_promPort = 0;
    QString m_kubeconfigPath;
};

} // namespace leakdesk::sandbox
