#include "core/sandbox/kubeapi/ServiceProxy.h"

#include "core/sandbox/kubeapi/KubeApi.h"

#include <algorithm>

namespace leakdesk::sandbox {

using nlohmann::json;

ServiceProxyName parseServiceProxyName(const std::string& segment)
{
    // As the API server splits it (net.SplitSchemeNamePort): one part is the name, two are
    // name:port, three are scheme:name:port; the scheme may be empty ("::" forms are not used).
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t colon = segment.find(':', start);
        parts.push_back(segment.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
        if (colon == std::string::npos)
            break;
        start = colon + 1;
    }
    ServiceProxyName out;
    if (parts.size() == 1) {
        out.name = parts[0];
    } else if (parts.size() == 2) {
        out.name = parts[0];
        out.port = parts[1];
    } else if (parts.size() == 3) {
        out.scheme = parts[0];
        out.name = parts[1];
        out.port = parts[2];
    }
    return out;
}

std::vector<std::string> ServiceProxy::namespaces() const
{
    std::vector<std::string> out;
    for (const auto& s : m_services) {
        const std::string ns = s.object["metadata"].value("namespace", "");
        if (std::find(out.begin(), out.end(), ns) == out.end())
            out.push_back(ns);
    }
    return out;
}

HttpResponse ServiceProxy::forward(
    const HttpRequest& request, const std::string& ns, const std::string& nameSegment, const std::string& subPath) const
{
    const ServiceProxyName id = parseServiceProxyName(nameSegment);
    if (id.name.empty() || (id.scheme != "" && id.scheme != "http" && id.scheme != "https"))
        return kubeStatusError(400, "BadRequest", "invalid service request \"" + nameSegment + "\"");
    const ProxiedService* service = nullptr;
    for (const auto& s : m_services)
        if (s.object["metadata"].value("namespace", "") == ns && s.object["metadata"].value("name", "") == id.name)
            service = &s;
    if (!service)
        return kubeStatusError(
            404, "NotFound", "services \"" + id.name + "\" not found", { { "name", id.name }, { "kind", "services" } });
    // The port: by name or by number, the first one when none is named (ResourceLocation of the
    // service registry).
    std::string portName;
    bool portFound = false;
    for (const json& p : service->object["spec"]["ports"]) {
        const std::string name = p.value("name", "");
        const std::string number = std::to_string(p.value("port", 0));
        if (id.port.empty() || id.port == name || id.port == number) {
            portName = name;
            portFound = true;
            break;
        }
    }
    if (!portFound || portName != service->servedPort)
        return kubeStatusError(503, "ServiceUnavailable", "no endpoints available for service \"" + nameSegment + "\"");
    if (id.scheme == "https")
        // The sandbox's upstream speaks plain http, as Prometheus behind a ClusterIP usually does.
        return kubeStatusError(503, "ServiceUnavailable",
            "error trying to reach service: tls: first record does not look like a TLS handshake");
    HttpRequest upstream = request;
    upstream.path = subPath.empty() ? std::string("/") : subPath;
    const qsizetype q = request.target.indexOf('?');
    upstream.target = QByteArray::fromStdString(upstream.path) + (q >= 0 ? request.target.mid(q) : QByteArray());
    upstream.clientCertificate.reset();
    upstream.headers.erase(std::remove_if(upstream.headers.begin(), upstream.headers.end(),
                               [](const auto& h) { return h.first == "authorization"; }),
        upstream.headers.end());
    return service->handler(upstream);
}

json kubePrometheusService(
    const std::string& uid, const std::string& createdRfc3339, const std::string& resourceVersion)
{
    const json labels = { { "app.kubernetes.io/component", "prometheus" }, { "app.kubernetes.io/instance", "k8s" },
        { "app.kubernetes.io/name", "prometheus" }, { "app.kubernetes.io/part-of", "kube-prometheus" },
        { "app.kubernetes.io/version", "2.54.1" } };
    json selector = labels;
    selector.erase("app.kubernetes.io/version");
    return json { { "apiVersion", "v1" }, { "kind", "Service" },
        { "metadata",
            { { "name", kKubePrometheusService }, { "namespace", kKubePrometheusNamespace }, { "uid", uid },
                { "resourceVersion", resourceVersion }, { "creationTimestamp", createdRfc3339 },
                { "labels", labels } } },
        { "spec",
            { { "type", "ClusterIP" }, { "selector", selector }, { "clusterIP", "10.96.100.20" },
                { "clusterIPs", json::array({ "10.96.100.20" }) }, { "ipFamilies", json::array({ "IPv4" }) },
                { "ipFamilyPolicy", "SingleStack" }, { "sessionAffinity", "ClientIP" },
                { "internalTrafficPolicy", "Cluster" },
                { "ports",
                    json::array({ { { "name", kKubePrometheusPort }, { "port", 9090 }, { "targetPort", "web" },
                                      { "protocol", "TCP" } },
                        { { "name", "reloader-web" }, { "port", 8080 }, { "targetPort", "reloader-web" },
                            { "protocol", "TCP" } } }) } } },
        { "status", { { "loadBalancer", json::object() } } } };
}

json kubeAlertmanagerService(
    const std::string& uid, const std::string& createdRfc3339, const std::string& resourceVersion)
{
    const json labels = { { "app.kubernetes.io/component", "alert-router" }, { "app.kubernetes.io/instance", "main" },
        { "app.kubernetes.io/name", "alertmanager" }, { "app.kubernetes.io/part-of", "kube-prometheus" },
        { "app.kubernetes.io/version", "0.25.0" } };
    json selector = labels;
    selector.erase("app.kubernetes.io/version");
    return json { { "apiVersion", "v1" }, { "kind", "Service" },
        { "metadata",
            { { "name", kKubeAlertmanagerService }, { "namespace", kKubePrometheusNamespace }, { "uid", uid },
                { "resourceVersion", resourceVersion }, { "creationTimestamp", createdRfc3339 },
                { "labels", labels } } },
        { "spec",
            { { "type", "ClusterIP" }, { "selector", selector }, { "clusterIP", "10.96.100.21" },
                { "clusterIPs", json::array({ "10.96.100.21" }) }, { "ipFamilies", json::array({ "IPv4" }) },
                { "ipFamilyPolicy", "SingleStack" }, { "sessionAffinity", "ClientIP" },
                { "internalTrafficPolicy", "Cluster" },
                { "ports",
                    json::array({ { { "name", kKubeAlertmanagerPort }, { "port", 9093 }, { "targetPort", "web" },
                                      { "protocol", "TCP" } },
                        { { "name", "reloader-web" }, { "port", 8080 }, { "targetPort", "reloader-web" },
                            { "protocol", "TCP" } } }) } } },
        { "status", { { "loadBalancer", json::object() } } } };
}

} // namespace leakdesk::sandbox
