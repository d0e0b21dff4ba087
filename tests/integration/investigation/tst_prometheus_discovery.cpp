// PrometheusDiscovery against a scripted API server: when listing Services cluster-wide is
// forbidden it looks in the usual namespaces (and the investigated one), probes the candidates
// best first through the service proxy with the kubeconfig's token, skips one without endpoints,
// and takes the first that answers; with nothing Prometheus-like it says what it looked at; a
// refused proxy names the permission.

#include "LoopbackHttpServer.h"
#include "WaitForResult.h"

#include "core/investigation/PrometheusInCluster.h"
#include "core/kube/KubeClient.h"

#include <nlohmann/json.hpp>

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::investigation;
using nlohmann::json;
using test::RecordedRequest;
using test::ScriptedAnswer;

namespace {

ScriptedAnswer jsonAnswer(int status, const json& body)
{
    return { status, { { "Content-Type", "application/json" } }, QByteArray::fromStdString(body.dump()), false };
}

ScriptedAnswer kubeStatus(int status, const std::string& reason, const std::string& message)
{
    return jsonAnswer(status,
        { { "kind", "Status" }, { "apiVersion", "v1" }, { "status", "Failure" }, { "reason", reason },
            { "message", message }, { "code", status } });
}

json serviceList(const json& items)
{
    return { { "kind", "ServiceList" }, { "apiVersion", "v1" }, { "metadata", { { "resourceVersion", "1" } } },
        { "items", items } };
}

json serviceJson(const std::string& ns, const std::string& name, const json& labels, const json& ports)
{
    return { { "metadata", { { "name", name }, { "namespace", ns }, { "labels", labels } } },
        { "spec", { { "type", "ClusterIP" }, { "ports", ports } } } };
}

const json kBuildInfo = { { "status", "success" }, { "data", { { "version", "2.53.0" } } } };

QByteArray pathOf(const RecordedRequest& r)
{
    const qsizetype q = r.target.indexOf('?');
    return q < 0 ? r.target : r.target.left(q);
}

} // namespace

class TestPrometheusDiscovery : public QObject {
    Q_OBJECT

    std::unique_ptr<kube::KubeClient> client(quint16 port)
    {
        kube::ResolvedContext context;
        context.cluster.name = "scripted";
        context.cluster.server = "http://127.0.0.1:" + std::to_string(port);
        context.user.name = "alice";
        context.user.token = "alice-token";
        kube::KubeClientOptions options;
        options.maxRetries = 0; // a 503 answers at once
        auto c = kube::KubeClient::create(context, options);
        [&] { QVERIFY(c.ok()); }();
        return c ? std::move(*c) : nullptr;
    }

    Result<DiscoveredPrometheus> discover(kube::KubeClient& kube, const std::string& ns)
    {
        PrometheusDiscovery discovery(kube);
        return test::waitForResult<DiscoveredPrometheus>([&](auto done) { discovery.start(ns, done); });
    }

private Q_SLOTS:
    void forbiddenClusterWideLooksInTheUsualNamespaces()
    {
        test::LoopbackHttpServer server([](const RecordedRequest& r, int) {
            const QByteArray path = pathOf(r);
            if (path == "/api/v1/services")
                return kubeStatus(403, "Forbidden",
                    "services is forbidden: User \"alice\" cannot list resource \"services\" in API group \"\" at the "
                    "cluster scope");
            if (path == "/api/v1/namespaces/monitoring/services")
                return jsonAnswer(200,
                    serviceList(json::array({ serviceJson("monitoring", "prometheus-operated",
                                                  { { "operated-prometheus", "true" } },
                                                  { { { "name", "web" }, { "port", 9090 } } }),
                        serviceJson("monitoring", "thanos-query",
                            { { "app.kubernetes.io/name", "thanos" }, { "app.kubernetes.io/component", "query" } },
                            { { { "name", "grpc" }, { "port", 10901 } }, { { "name", "http" }, { "port", 10902 } } }),
                        serviceJson("monitoring", "alertmanager-main", { { "app.kubernetes.io/name", "alertmanager" } },
                            { { { "name", "web" }, { "port", 9093 } } }) })));
            if (path == "/api/v1/namespaces/shop/services")
                return kubeStatus(403, "Forbidden", "services is forbidden");
            if (path.endsWith("/services"))
                return jsonAnswer(200, serviceList(json::array()));
            if (path == "/api/v1/namespaces/monitoring/services/thanos-query:http/proxy/api/v1/status/buildinfo")
                return kubeStatus(
                    503, "ServiceUnavailable", "no endpoints available for service \"thanos-query:http\"");
            if (path == "/api/v1/namespaces/monitoring/services/prometheus-operated:web/proxy/api/v1/status/buildinfo")
                return jsonAnswer(200, kBuildInfo);
            return kubeStatus(404, "NotFound", "not scripted");
        });
        QVERIFY(server.listening());
        auto kube = client(server.port());
        const auto found = discover(*kube, "shop");
        QVERIFY2(found.ok(), found.ok() ? "" : found.error().toString().c_str());
        QCOMPARE(found->chosen.service.display(), std::string("monitoring/prometheus-operated:web"));
        QVERIFY2(found->lookedAt.find("forbidden") != std::string::npos, found->lookedAt.c_str());
        QVERIFY2(found->lookedAt.find("shop") != std::string::npos, found->lookedAt.c_str());
        QVERIFY2(found->chosen.why.find("2.53.0") != std::string::npos, found->chosen.why.c_str());

        // Thanos Query was probed first (best ranked), then the Prometheus that answered; every
        // request carried the kubeconfig's token and nothing else went anywhere.
        QStringList probes;
        for (const RecordedRequest& r : server.requests()) {
            QCOMPARE(r.headers.value("authorization"), QByteArray("Bearer alice-token"));
            if (r.target.contains("/proxy/"))
                probes << QString::fromLatin1(pathOf(r));
        }
        QCOMPARE(probes,
            QStringList({ QStringLiteral(
                              "/api/v1/namespaces/monitoring/services/thanos-query:http/proxy/api/v1/status/buildinfo"),
                QStringLiteral(
                    "/api/v1/namespaces/monitoring/services/prometheus-operated:web/proxy/api/v1/status/buildinfo") }));
    }

    void nothingPrometheusLikeSaysWhatWasLookedAt()
    {
        test::LoopbackHttpServer server([](const RecordedRequest& r, int) {
            if (pathOf(r) == "/api/v1/services")
                return jsonAnswer(200,
                    serviceList(json::array({ serviceJson("production", "checkout", { { "app", "checkout" } },
                        { { { "name", "http" }, { "port", 80 } } }) })));
            return kubeStatus(404, "NotFound", "not scripted");
        });
        auto kube = client(server.port());
        const auto found = discover(*kube, "production");
        QVERIFY(!found);
        QVERIFY2(found.error().code == ErrorCode::NotFound, found.error().toString().c_str());
        QVERIFY2(found.error().message.find("none found in the cluster: looked at Services in all namespaces (1)")
                != std::string::npos,
            found.error().message.c_str());
        QVERIFY(found.error().detail.find("--no-prometheus") != std::string::npos);
    }

    void refusedProxyNamesThePermission()
    {
        test::LoopbackHttpServer server([](const RecordedRequest& r, int) {
            if (pathOf(r) == "/api/v1/services")
                return jsonAnswer(200,
                    serviceList(json::array(
                        { serviceJson("monitoring", "prometheus-k8s", { { "app.kubernetes.io/name", "prometheus" } },
                            { { { "name", "web" }, { "port", 9090 } } }) })));
            return kubeStatus(403, "Forbidden",
                "services \"prometheus-k8s:web\" is forbidden: User \"alice\" cannot get resource \"services/proxy\" "
                "in "
                "API group \"\" in the namespace \"monitoring\"");
        });
        auto kube = client(server.port());
        const auto found = discover(*kube, "production");
        QVERIFY(!found);
        QVERIFY2(found.error().code == ErrorCode::Forbidden, found.error().toString().c_str());
        QVERIFY2(found.error().message.find("services/proxy") != std::string::npos, found.error().message.c_str());
        QVERIFY2(found.error().detail.find("'get' on services/proxy in namespace monitoring") != std::string::npos,
            found.error().detail.c_str());
    }
};

QTEST_GUILESS_MAIN(TestPrometheusDiscovery)
#include "tst_prometheus_discovery.moc"
