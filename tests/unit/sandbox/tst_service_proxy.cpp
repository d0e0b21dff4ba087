// The sandbox's service proxy: the `[scheme:]name[:port]` segment split as the API server splits
// it, and a request forwarded to the handler of the Service's served port as the upstream sees it
// (path after `proxy`, the query, no Authorization header); other ports have no endpoints (503),
// unknown Services are 404.

#include "core/sandbox/kubeapi/ServiceProxy.h"

#include <nlohmann/json.hpp>

#include <QTest>

using namespace leakdesk::sandbox;

class TestServiceProxy : public QObject {
    Q_OBJECT

    ServiceProxy proxy(HttpRequest* seen)
    {
        ServiceProxy p;
        p.add(ProxiedService {
            kubePrometheusService("uid", "2026-01-01T00:00:00Z", "1"), "web", [seen](const HttpRequest& r) {
                *seen = r;
                return HttpResponse::text(200, "upstream");
            } });
        return p;
    }

private Q_SLOTS:
    void names_data()
    {
        QTest::addColumn<QString>("segment");
        QTest::addColumn<QString>("scheme");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("port");
        QTest::newRow("name") << QStringLiteral("prometheus-k8s") << QStringLiteral("")
                              << QStringLiteral("prometheus-k8s") << QStringLiteral("");
        QTest::newRow("name:port") << QStringLiteral("prometheus-k8s:web") << QStringLiteral("")
                                   << QStringLiteral("prometheus-k8s") << QStringLiteral("web");
        QTest::newRow("scheme:name:port") << QStringLiteral("https:prometheus-k8s:9090") << QStringLiteral("https")
                                          << QStringLiteral("prometheus-k8s") << QStringLiteral("9090");
        QTest::newRow("four parts: nothing")
            << QStringLiteral("a:b:c:d") << QStringLiteral("") << QStringLiteral("") << QStringLiteral("");
    }

    void names()
    {
        QFETCH(QString, segment);
        const ServiceProxyName n = parseServiceProxyName(segment.toStdString());
        QTEST(QString::fromStdString(n.scheme), "scheme");
        QTEST(QString::fromStdString(n.name), "name");
        QTEST(QString::fromStdString(n.port), "port");
    }

    void forwards_data()
    {
        QTest::addColumn<QString>("ns");
        QTest::addColumn<QString>("segment");
        QTest::addColumn<int>("status");
        QTest::newRow("port name") << QStringLiteral("monitoring") << QStringLiteral("prometheus-k8s:web") << 200;
        QTest::newRow("port number") << QStringLiteral("monitoring") << QStringLiteral("prometheus-k8s:9090") << 200;
        QTest::newRow("first port by default")
            << QStringLiteral("monitoring") << QStringLiteral("prometheus-k8s") << 200;
        QTest::newRow("http scheme") << QStringLiteral("monitoring") << QStringLiteral("http:prometheus-k8s:web")
                                     << 200;
        QTest::newRow("a port without endpoints")
            << QStringLiteral("monitoring") << QStringLiteral("prometheus-k8s:reloader-web") << 503;
        QTest::newRow("no such port") << QStringLiteral("monitoring") << QStringLiteral("prometheus-k8s:9999") << 503;
        QTest::newRow("https to a plain http upstream")
            << QStringLiteral("monitoring") << QStringLiteral("https:prometheus-k8s:web") << 503;
        QTest::newRow("another namespace")
            << QStringLiteral("production") << QStringLiteral("prometheus-k8s:web") << 404;
        QTest::newRow("unknown Service") << QStringLiteral("monitoring") << QStringLiteral("grafana:http") << 404;
        QTest::newRow("unknown scheme") << QStringLiteral("monitoring") << QStringLiteral("ftp:prometheus-k8s:web")
                                        << 400;
    }

    void forwards()
    {
        QFETCH(QString, ns);
        QFETCH(QString, segment);
        QFETCH(int, status);
        HttpRequest seen;
        const ServiceProxy p = proxy(&seen);
        HttpRequest request;
        request.method = "GET";
        request.target = "/api/v1/namespaces/x/services/y/proxy/api/v1/query?query=up";
        request.path = "/api/v1/namespaces/x/services/y/proxy/api/v1/query";
        request.headers = { { "authorization", "Bearer user-token" }, { "accept", "application/json" } };
        const HttpResponse r = p.forward(request, ns.toStdString(), segment.toStdString(), "/api/v1/query");
        QCOMPARE(r.status, status);
        if (status != 200) {
            QCOMPARE(nlohmann::json::parse(r.body.toStdString()).value("kind", ""), std::string("Status"));
            return;
        }
        QCOMPARE(r.body, QByteArray("upstream"));
        QCOMPARE(QString::fromStdString(seen.path), QStringLiteral("/api/v1/query"));
        QCOMPARE(seen.target, QByteArray("/api/v1/query?query=up"));
        QVERIFY(seen.header("authorization").isEmpty());
        QCOMPARE(seen.header("accept"), QByteArray("application/json"));
    }
};

QTEST_GUILESS_MAIN(TestServiceProxy)
#include "tst_service_proxy.moc"
