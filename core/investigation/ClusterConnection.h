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
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::investigation {

struct ConnectionOptions {
    // The kubeconfig and URL below are the embedded sandbox's (started by app/, which keeps it alive
    // longer than the connection): described and recorded as the sandbox, no other context offered.
    bool sandboxCluster = false;
    QString kubeconfig; // empty: KUBECONFIG or ~/.kube/config
    QString context; // empty: current-context
    QUrl prometheusUrl; // http(s)://..., k8s://NS/SERVICE:PORT (the service proxy), or empty: discover it
    bool noPrometheus = false; // --no-prometheus: the cluster's evidence alone
    QByteArray prometheusToken; // never logged
    // Read at open() when prometheusToken is empty (trailing newline dropped), and again by the
    // client when it changes or on a 401.
    QString prometheusTokenFile;
    QString prometheusCaFile; // PEM CA(s) for an https Prometheus; empty: the system's CAs
    bool prometheusInsecureSkipTlsVerify = false;
    QList<prometheus::PromHeader> prometheusHeaders; // --prometheus-header; values never logged
    QList<prometheus::PromParam> prometheusParams; // --prometheus-param
    // `--metric KIND=NAME` and the config file's `metrics:` map (keys of
    // prometheus::metricsProfileKeys()): they win over what the probe finds.
    std::map<std::string, std::string> metricOverrides;
};

// Which Prometheus the connection reads, as the findings report it.
struct PrometheusSource {
    std::string url; // the base URL (the API server's service proxy URL for a Service)
    std::string discoveredFrom; // "monitoring/prometheus-k8s:web" when found in the cluster
    std::string why; // why that one: its labels, port, and that it answered
};

// Owns the clients. Lives on the thread that uses the clients.
class ClusterConnection {
public:
    static Result<std::unique_ptr<ClusterConnection>> open(const ConnectionOptions& options);
    ~ClusterConnection();

    kube::KubeClient& kube() { return *m_kube; }
    const kube::KubeClient& kube() const { return *m_kube; }
    // Only when hasPrometheus().
    prometheus::PromClient& prometheus() { return *m_prom; }
    const prometheus::PromClient& prometheus() const { return *m_prom; }
    bool hasPrometheus() const { return m_prom != nullptr; }
    // No Prometheus URL was given (nor --no-prometheus): PrometheusDiscovery is to look for one.
    bool prometheusToDiscover() const { return !m_prom && !m_noPrometheus; }
    // Why there is no Prometheus (--no-prometheus, none found), once that is settled.
    const std::optional<std::string>& noPrometheusReason() const { return m_noPrometheus; }
    const PrometheusSource& prometheusSource() const { return m_promSource; }
    // The outcome of discovery: the Prometheus found, or going on without one (and why).
    void usePrometheus(const prometheus::PromConnection& connection, PrometheusSource source);
    void goWithoutPrometheus(std::string reason, std::string hint = {});
    const std::string& noPrometheusHint() const { return m_noPrometheusHint; } // what to change, when known
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
    PrometheusSource m_promSource;
    std::optional<std::string> m_noPrometheus;
    std::string m_noPrometheusHint;
    prometheus::QueryCatalogue m_catalogue;
    prometheus::MetricsProfileInUse m_profileInUse;
    ConnectionOptions m_options; // as opened (the kubeconfig file and context resolved)
};

} // namespace leakdesk::investigation
