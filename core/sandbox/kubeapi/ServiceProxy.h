#pragma once
// The API server's service proxy (`/api/v1/namespaces/NS/services/[SCHEME:]NAME[:PORT]/proxy/PATH`)
// for Services whose port the sandbox serves in-process: the sandbox's own Prometheus behind
// `monitoring/prometheus-k8s`, as kube-prometheus installs it. The request reaches the handler as
// the upstream would see it: the path after `proxy`, the query, and no Authorization header (the
// API server's authentication filter removes it before proxying).

#include "core/sandbox/http/HttpServer.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace leakdesk::sandbox {

// `[scheme:]name[:port]`, the service segment of a proxy path.
struct ServiceProxyName {
    std::string scheme; // "", "http" or "https"
    std::string name;
    std::string port; // a port name or number; empty: the Service's first port
};
ServiceProxyName parseServiceProxyName(const std::string& segment);

struct ProxiedService {
    nlohmann::json object; // the Service as listed (metadata, spec.ports)
    std::string servedPort; // the spec.ports[].name the handler serves; the others have no endpoints
    HttpServer::Handler handler;
};

class ServiceProxy {
public:
    void add(ProxiedService service) { m_services.push_back(std::move(service)); }
    const std::vector<ProxiedService>& services() const { return m_services; }
    // Namespaces the proxied Services live in (listed as Namespaces by the API).
    std::vector<std::string> namespaces() const;

    // Serves one proxied request. `nameSegment` is `[scheme:]name[:port]`, `subPath` the path after
    // `proxy` ("/" when there is none). Callers have checked `get` on services/proxy.
    HttpResponse forward(const HttpRequest& request, const std::string& ns, const std::string& nameSegment,
        const std::string& subPath) const;

private:
    std::vector<ProxiedService> m_services;
};

// Where kube-prometheus puts its Prometheus, and so the sandbox: `k8s://monitoring/prometheus-k8s:web`.
inline constexpr const char* kKubePrometheusNamespace = "monitoring";
inline constexpr const char* kKubePrometheusService = "prometheus-k8s";
inline constexpr const char* kKubePrometheusPort = "web";

// The Service kube-prometheus creates for its Prometheus: `monitoring/prometheus-k8s`, labels
// app.kubernetes.io/{name=prometheus,component=prometheus,instance=k8s,part-of=kube-prometheus},
// ports `web` 9090 and `reloader-web` 8080.
nlohmann::json kubePrometheusService(
    const std::string& uid, const std::string& createdRfc3339, const std::string& resourceVersion);

// Where kube-prometheus puts its Alertmanager, and so the sandbox: `k8s://monitoring/alertmanager-main:web`.
inline constexpr const char* kKubeAlertmanagerService = "alertmanager-main";
inline constexpr const char* kKubeAlertmanagerPort = "web";

// The Service kube-prometheus creates for its Alertmanager: `monitoring/alertmanager-main`, labels
// app.kubernetes.io/{name=alertmanager,component=alert-router,instance=main,part-of=kube-prometheus},
// ports `web` 9093 and `reloader-web` 8080.
nlohmann::json kubeAlertmanagerService(
    const std::string& uid, const std::string& createdRfc3339, const std::string& resourceVersion);

} // namespace leakdesk::sandbox
