#pragma once
// Prometheus inside the cluster, reached through the API server's service proxy
// (`/api/v1/namespaces/NS/services/NAME:PORT/proxy/`) with the kubeconfig's own credentials and
// TLS: named (`--prometheus k8s://NS/SERVICE:PORT`) or discovered among the cluster's Services by
// the labels, names and ports kube-prometheus(-stack), prometheus-operator, Thanos Query and
// VictoriaMetrics give them. This removes the port-forward most users need today.

#include "core/common/Result.h"
#include "core/kube/KubeClient.h"
#include "core/kube/KubeObjects.h"
#include "core/prometheus/PromClient.h"

#include <QObject>
#include <QUrl>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::investigation {

// One port of one Service, and the path under it where the Prometheus API starts (vmselect serves
// it under /select/<tenant>/prometheus).
struct PrometheusService {
    std::string ns;
    std::string name;
    std::string port; // a port name or number, as the proxy path takes it
    std::string pathPrefix; // "" or "/select/0/prometheus"

    std::string display() const; // "monitoring/prometheus-k8s:web"
};

// `k8s://NS/SERVICE:PORT[/PATH-PREFIX]` (PORT a name or number; without it the Service's first port).
bool isServiceProxyUrl(const QUrl& url);
Result<PrometheusService> parseServiceProxyUrl(const QUrl& url);

// A PromConnection whose base URL is the API server's URL + the service proxy path and whose GETs
// go through `kube` (its credentials: token, client certificate or exec plugin; its TLS; its
// retries). The credentials never go anywhere but the API server: the transport refuses any URL
// outside the proxy path. `kube` must outlive the PromClient made from it.
// `server` names it in messages ("Prometheus", "Alertmanager"); `urlOption` is the option that names it.
prometheus::PromConnection serviceProxyConnection(kube::KubeClient& kube, const PrometheusService& service,
    const std::string& server = "Prometheus", const std::string& urlOption = "--prometheus");

// A Service that looks like a Prometheus HTTP API, how much, and why.
struct PrometheusCandidate {
    PrometheusService service;
    std::string kind; // "Prometheus", "Thanos Query", "VictoriaMetrics vmselect", "VictoriaMetrics vmsingle"
    int score = 0;
    std::string why; // "label app.kubernetes.io/name=prometheus, port web (9090)"
};

// Pure: the Services that look like a Prometheus API, best first (score, then namespace and name).
// Alertmanager, the operator, exporters, Grafana, Thanos sidecars and ExternalName Services are not.
std::vector<PrometheusCandidate> rankPrometheusCandidates(
    const std::vector<kube::Service>& services, const std::string& investigatedNamespace);

// The runbook's questions that only history answers, said plainly when there is no Prometheus (or
// it does not answer): the CLI's summary and the GUI's step 1 say the same.
std::string questionsWithoutHistory();

// Where discovery looks when listing Services cluster-wide is forbidden.
std::vector<std::string> usualPrometheusNamespaces(const std::string& investigatedNamespace);

struct DiscoveredPrometheus {
    PrometheusCandidate chosen;
    prometheus::PromConnection connection;
    std::string lookedAt; // "Services in all namespaces (12)"
};

class ClusterConnection;
// The outcome of discovery applied to `connection`: the Prometheus found, or going on without one
// (and why). Every job that runs discovery before its queries ends it this way.
void applyDiscovery(ClusterConnection& connection, const Result<DiscoveredPrometheus>& found);

// Lists Services (cluster-wide, or the usual namespaces when that is forbidden), ranks them and
// probes the best few with /api/v1/status/buildinfo through the proxy; the first that answers is
// the one. Fails with what was looked at (ErrorCode::NotFound), or with the first refusal (a
// Forbidden naming services/proxy) when candidates exist but none answered. One run per object.
class PrometheusDiscovery : public QObject {
    Q_OBJECT
public:
    static constexpr int kMaxProbes = 4;

    PrometheusDiscovery(kube::KubeClient& kube, QObject* parent = nullptr);
    ~PrometheusDiscovery() override;

    void start(const std::string& investigatedNamespace, std::function<void(Result<DiscoveredPrometheus>)> done);
    void cancel();

private:
    void rankAndProbe(std::vector<kube::Service> services, std::string lookedAt);
    void probe(std::size_t index);
    void finish(Result<DiscoveredPrometheus> result);

    kube::KubeClient& m_kube;
    std::unique_ptr<QObject> m_context; // pending replies are bound to it
    std::function<void(Result<DiscoveredPrometheus>)> m_done;
    std::string m_namespace;
    std::string m_lookedAt;
    std::vector<PrometheusCandidate> m_candidates;
    std::vector<std::string> m_refusals;
    std::optional<Error> m_firstRefusal;
    std::unique_ptr<prometheus::PromClient> m_probe;
};

} // namespace leakdesk::investigation
