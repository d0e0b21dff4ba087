#pragma once
// How an investigation reaches a cluster: a KubeClient and a PromClient built from a kubeconfig +
// Prometheus URL. The embedded sandbox is reached the very same way: app/ starts it and passes its
// kubeconfig and URL (it is just another API server on 127.0.0.1); this layer never starts one.

#include "core/common/Result.h"
#include "core/kube/KubeClient.h"
#include "core/prometheus/PromClient.h"
#include "core/prometheus/QueryCatalogue.h"

#include <QString>
#include <QUrl>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace leakdesk::investigation {

struct ConnectionOptions {
    // The kubeconfig and URL below are the embedded sandbox's (started by app/, which keeps it alive
    // longer than the connection): described and recorded as the sandbox, no other context offered.
    bool sandboxCluster = false;
    QString kubeconfig; // empty: KUBECONFIG or ~/.kube/config
    QString context; // empty: current-context
    QUrl prometheusUrl;
    QByteArray prometheusToken; // never logged
    QString prometheusTokenFile; // read at open() when prometheusToken is empty; trailing newline dropped
    QString prometheusCaFile; // PEM CA(s) for an https Prometheus; empty: the system's CAs
    bool prometheusInsecureSkipTlsVerify = false;
    // `--metric KIND=NAME` and the config file's `metrics:` map (keys of
    // prometheus::metricsProfileKeys()): they win over what the probe finds.
    std::map<std::string, std::string> metricOverrides;
};

// Owns the clients. Lives on the thread that uses the clients.
class ClusterConnection {
public:
    static Result<std::unique_ptr<ClusterConnection>> open(const ConnectionOptions& options);
    ~ClusterConnection();

    kube::KubeClient& kube() { return *m_kube; }
    const kube::KubeClient& kube() const { return *m_kube; }
    prometheus::PromClient& prometheus() { return *m_prom; }
    const prometheus::QueryCatalogue& catalogue() const { return m_catalogue; }
    // Asks Prometheus (one /api/v1/series request over the 10 minutes before `atMs`) which metric
    // and label names hold series in `ns`, and rebuilds the catalogue from them with the overrides
    // on top. A failed probe keeps the defaults and says so in the notes. Once per namespace.
    void probeMetricsProfile(const std::string& ns, std::int64_t atMs, QObject* context, std::function<void()> done);
    const prometheus::MetricsProfileInUse& metricsProfile() const { return m_profileInUse; }
    QString contextName() const;
    QString defaultNamespace() const;
    QString describe() const; // "sandbox (production)" or "context @ https://server"
    bool isSandbox() const { return m_options.sandboxCluster; }
    // The options that open the same cluster and Prometheus (URL, token, CA, metric names) in
    // another kubeconfig context of the same file (the sandbox's file has only sandbox contexts).
    ConnectionOptions optionsForContext(const QString& context) const;

private:
    ClusterConnection() = default;
    std::unique_ptr<kube::KubeClient> m_kube;
    std::unique_ptr<prometheus::PromClient> m_prom;
    prometheus::QueryCatalogue m_catalogue;
    prometheus::MetricsProfileInUse m_profileInUse;
    ConnectionOptions m_options; // as opened (the kubeconfig file and context resolved)
};

} // namespace leakdesk::investigation
