#pragma once
// Alertmanager inside the cluster, reached through the API server's service proxy with the
// kubeconfig's credentials, exactly as investigation/PrometheusInCluster reaches Prometheus (its
// serviceProxyConnection and k8s:// URLs are reused): named (`--alertmanager
// k8s://monitoring/alertmanager-main:web`) or discovered among the Services by the labels, names
// and ports kube-prometheus, prometheus-operator and the Helm charts give it.

#include "core/alerts/AlertmanagerClient.h"
#include "core/common/Result.h"
#include "core/investigation/PrometheusInCluster.h"
#include "core/kube/KubeClient.h"

#include <QObject>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace leakdesk::alerts {

struct AlertmanagerCandidate {
    investigation::PrometheusService service; // namespace, name, port (no path prefix)
    int score = 0;
    std::string why; // "label app.kubernetes.io/name=alertmanager, port web (9093)"
};

// Pure: the Services that look like Alertmanager's API, best first. Not ExternalName Services (the
// proxy cannot reach them), not the operator's or a config reloader's port.
std::vector<AlertmanagerCandidate> rankAlertmanagerCandidates(const std::vector<kube::Service>& services);

// The connection to `service` through the API server's proxy (credentials never leave the proxy path).
prometheus::PromConnection alertmanagerProxyConnection(
    kube::KubeClient& kube, const investigation::PrometheusService& service);

struct DiscoveredAlertmanager {
    AlertmanagerCandidate chosen;
    prometheus::PromConnection connection;
    std::string version;
};

// Lists Services (cluster-wide, else the usual monitoring namespaces), ranks them, and probes the
// best few with GET /api/v2/status through the proxy; the first that answers is the one. NotFound
// says what was looked at. `kube` must outlive the callback.
void discoverAlertmanager(
    kube::KubeClient& kube, QObject* context, std::function<void(Result<DiscoveredAlertmanager>)> done);

} // namespace leakdesk::alerts
