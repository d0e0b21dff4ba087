#pragma once
// How an investigation reaches a cluster: a KubeClient and a PromClient built either from a
// kubeconfig + Prometheus URL (a real cluster) or from the embedded sandbox. Both paths end in the
// very same clients; the sandbox is just another API server on 127.0.0.1.

#include "common/Result.h"
#include "kube/KubeClient.h"
#include "prometheus/PromClient.h"
#include "prometheus/QueryCatalogue.h"

#include <QString>
#include <QUrl>

#include <memory>

namespace leakdesk::sandbox {
class SandboxHost;
}

namespace leakdesk::investigation {

struct ConnectionOptions {
    bool sandbox = false;
    quint64 sandboxSeed = 42;
    QString kubeconfig; // empty: KUBECONFIG or ~/.kube/config
    QString context; // empty: current-context
    QUrl prometheusUrl;
    QByteArray prometheusToken; // never logged
    QString prometheusTokenFile; // read at open() when prometheusToken is empty; trailing newline dropped
    QString prometheusCaFile; // PEM CA(s) for an https Prometheus; empty: the system's CAs
    bool prometheusInsecureSkipTlsVerify = false;
    prom::MetricNames metricNames;
};

// Owns the clients (and the sandbox when there is one). Lives on the thread that uses the clients.
class ClusterConnection {
public:
    static Result<std::unique_ptr<ClusterConnection>> open(const ConnectionOptions& options);
    ~ClusterConnection();

    kube::KubeClient& kube() { return *m_kube; }
    prom::PromClient& prometheus() { return *m_prom; }
    const prom::QueryCatalogue& catalogue() const { return m_catalogue; }
    QString contextName() const;
    QString defaultNamespace() const;
    QString describe() const; // "sandbox (production)" or "context @ https://server"
    bool isSandbox() const { return m_sandbox != nullptr; }
    // The options that open the same cluster and Prometheus (URL, token, CA, metric names) in
    // another kubeconfig context. Not for the sandbox: its servers end with this connection.
    ConnectionOptions optionsForContext(const QString& context) const;
    sandbox::SandboxHost* sandboxHost() { return m_sandbox.get(); }

private:
    ClusterConnection() = default;
    std::unique_ptr<sandbox::SandboxHost> m_sandbox;
    std::unique_ptr<kube::KubeClient> m_kube;
    std::unique_ptr<prom::PromClient> m_prom;
    prom::QueryCatalogue m_catalogue;
    ConnectionOptions m_options; // as opened (the sandbox's kubeconfig and URL filled in)
};

} // namespace leakdesk::investigation
