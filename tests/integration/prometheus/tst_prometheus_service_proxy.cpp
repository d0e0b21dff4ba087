// Prometheus inside the cluster, through the API server's service proxy: `leakdesk-cli sandbox
// serve` lists monitoring/prometheus-k8s (as kube-prometheus installs it) and proxies to its own
// Prometheus. The real kubectl reads it with `get --raw`; `leakdesk-cli investigate` with only the
// kubeconfig finds it, `--prometheus k8s://...` names it; a user without `get` on services/proxy
// (RBAC's 'view') is told that permission; `--no-prometheus` answers from the cluster alone (exit 3)
// and names the runbook questions that need history.

#include "KubectlHarness.h"
#include "TestSupport.h"

#include <nlohmann/json.hpp>

#include <QTest>

using namespace leakdesk;
using nlohmann::json;

namespace {

const QString kProxyPath = QStringLiteral("/api/v1/namespaces/monitoring/services/%1/proxy/api/v1/%2");

json parseJson(const QByteArray& text)
{
    return json::parse(text.toStdString(), nullptr, false);
}

} // namespace

class TestPrometheusServiceProxy : public QObject {
    Q_OBJECT
    test::KubectlHarness m_kubectl;
    test::ServedSandbox m_sandbox; // --tls --read-only-user: tokens over https, as on a cluster

    test::ProcessResult investigate(const QStringList& extra)
    {
        return test::runProgram(test::cliPath(),
            QStringList { QStringLiteral("investigate"), QStringLiteral("--kubeconfig"), m_kubectl.kubeconfig(),
                QStringLiteral("-n"), QStringLiteral("production"), QStringLiteral("--service"),
                QStringLiteral("checkout"), QStringLiteral("--format"), QStringLiteral("json") }
                + extra,
            120000);
    }

private Q_SLOTS:
    void initTestCase()
    {
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("kubectl"));
        const QString why = m_kubectl.serve(m_sandbox, { QStringLiteral("--tls"), QStringLiteral("--read-only-user") });
        QVERIFY2(why.isEmpty(), qPrintable(why));
    }

    void kubectlListsTheService()
    {
        const json svc = m_kubectl.json({ QStringLiteral("get"), QStringLiteral("service"), QStringLiteral("-n"),
            QStringLiteral("monitoring"), QStringLiteral("prometheus-k8s") });
        QVERIFY(svc.is_object());
        QCOMPARE(svc["metadata"]["labels"].value("app.kubernetes.io/name", ""), std::string("prometheus"));
        QCOMPARE(svc["spec"]["ports"][0].value("name", ""), std::string("web"));
        QCOMPARE(svc["spec"]["ports"][0].value("port", 0), 9090);
    }

    void kubectlGetRawThroughTheProxy_data()
    {
        QTest::addColumn<QString>("service"); // the proxy path's service segment
        QTest::addColumn<QString>("api");
        QTest::newRow("port name, query up")
            << QStringLiteral("prometheus-k8s:web") << QStringLiteral("query?query=up");
        QTest::newRow("name alone: the first port")
            << QStringLiteral("prometheus-k8s") << QStringLiteral("status/buildinfo");
        QTest::newRow("scheme, name and port number")
            << QStringLiteral("http:prometheus-k8s:9090") << QStringLiteral("status/buildinfo");
    }

    void kubectlGetRawThroughTheProxy()
    {
        QFETCH(QString, service);
        QFETCH(QString, api);
        const auto r = m_kubectl.run({ QStringLiteral("get"), QStringLiteral("--raw"), kProxyPath.arg(service, api) });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const json answer = parseJson(r.out);
        QVERIFY2(answer.is_object() && answer.value("status", "") == "success", r.out.constData());
        if (api.startsWith(QLatin1String("query")))
            QVERIFY2(!answer["data"]["result"].empty(), r.out.constData());
    }

    void kubectlPortWithoutEndpoints()
    {
        const auto r = m_kubectl.run({ QStringLiteral("get"), QStringLiteral("--raw"),
            kProxyPath.arg(QStringLiteral("prometheus-k8s:reloader-web"), QStringLiteral("status/buildinfo")) });
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.contains("no endpoints available for service"), r.err.constData());
    }

    void kubectlViewerMayNotProxy()
    {
        const auto r = m_kubectl.run({ QStringLiteral("--context"), QStringLiteral("leakdesk-sandbox-readonly"),
            QStringLiteral("get"), QStringLiteral("--raw"),
            kProxyPath.arg(QStringLiteral("prometheus-k8s:web"), QStringLiteral("status/buildinfo")) });
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.contains("cannot get resource \"services/proxy\""), r.err.constData());
        // The viewer may still read the Service itself (RBAC's 'view').
        const auto list = m_kubectl.run({ QStringLiteral("--context"), QStringLiteral("leakdesk-sandbox-readonly"),
            QStringLiteral("get"), QStringLiteral("services"), QStringLiteral("-n"), QStringLiteral("monitoring") });
        QVERIFY2(list.exitCode == 0 && list.out.contains("prometheus-k8s"), list.err.constData());
    }

    void investigateFindsPrometheusThroughTheProxy()
    {
        const auto r = investigate({});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const json out = parseJson(r.out);
        QVERIFY(out.is_object());
        const json& prom = out["prometheus"];
        QCOMPARE(
            prom.value("discovered_from", json()).get<std::string>(), std::string("monitoring/prometheus-k8s:web"));
        QCOMPARE(prom.value("reachable", false), true);
        const std::string url = prom.value("url", "");
        QVERIFY2(url.find("/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy/") != std::string::npos,
            url.c_str());
        QVERIFY2(prom.value("chosen_because", "").find("app.kubernetes.io/name=prometheus") != std::string::npos,
            prom.dump().c_str());
        QVERIFY2(out["verdict"].value("pattern", "") != "unknown", out["verdict"].dump().c_str());
        QVERIFY2(r.err.contains("Prometheus found in the cluster: monitoring/prometheus-k8s:web"), r.err.constData());
    }

    void investigateWithANamedService()
    {
        // `sandbox serve` says where its Prometheus is inside the cluster.
        QString inCluster;
        for (const QByteArray& line : m_sandbox.startupOutput.split('\n'))
            if (line.startsWith("prometheus-in-cluster: "))
                inCluster = QString::fromUtf8(line.mid(23)).trimmed();
        QCOMPARE(inCluster, QStringLiteral("k8s://monitoring/prometheus-k8s:web"));
        const auto r = investigate({ QStringLiteral("--prometheus"), inCluster });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const json out = parseJson(r.out);
        QVERIFY(out["prometheus"]["discovered_from"].is_null());
        QVERIFY2(out["verdict"].value("pattern", "") != "unknown", out["verdict"].dump().c_str());
        QVERIFY(!r.err.contains("found in the cluster"));
    }

    void viewerIsToldThePermission_data()
    {
        QTest::addColumn<QStringList>("extra");
        QTest::newRow("named") << QStringList { QStringLiteral("--prometheus"),
            QStringLiteral("k8s://monitoring/prometheus-k8s:web") };
        QTest::newRow("discovered") << QStringList {};
    }

    void viewerIsToldThePermission()
    {
        QFETCH(QStringList, extra);
        const auto r = investigate(
            QStringList { QStringLiteral("--context"), QStringLiteral("leakdesk-sandbox-readonly") } + extra);
        // The cluster's evidence still answers; the verdict is unknown without history.
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("services/proxy"), r.err.constData());
        QVERIFY2(r.err.contains("ask a cluster admin for 'get' on services/proxy in namespace monitoring"),
            r.err.constData());
        const json out = parseJson(r.out);
        QCOMPARE(out["prometheus"].value("reachable", true), false);
    }

    // The kubeconfig's client certificate (no token at all) reaches Prometheus through the proxy.
    void investigateWithAClientCertificate()
    {
        test::KubectlHarness certificates;
        test::ServedSandbox sandbox;
        const QString why = certificates.serve(sandbox,
            { QStringLiteral("--tls"), QStringLiteral("--auth"), QStringLiteral("client-cert") },
            QStringLiteral("cert.kubeconfig"));
        QVERIFY2(why.isEmpty(), qPrintable(why));
        const auto r = test::runProgram(test::cliPath(),
            { QStringLiteral("investigate"), QStringLiteral("--kubeconfig"), certificates.kubeconfig(),
                QStringLiteral("-n"), QStringLiteral("production"), QStringLiteral("--service"),
                QStringLiteral("checkout"), QStringLiteral("--format"), QStringLiteral("json") },
            120000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const json out = parseJson(r.out);
        QCOMPARE(out["prometheus"].value("discovered_from", json()).get<std::string>(),
            std::string("monitoring/prometheus-k8s:web"));
    }

    void noPrometheusAnswersFromTheClusterAlone()
    {
        const auto r = investigate({ QStringLiteral("--no-prometheus") });
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("no Prometheus (--no-prometheus)"), r.err.constData());
        const json out = parseJson(r.out);
        QVERIFY(out.is_object());
        QCOMPARE(out["verdict"].value("pattern", ""), std::string("unknown"));
        const std::string summary = out["verdict"].value("summary", "");
        QVERIFY2(summary.find("cannot be answered") != std::string::npos
                && summary.find("a week ago") != std::string::npos && summary.find("traffic") != std::string::npos,
            summary.c_str());
        // Pods still come from the cluster.
        QVERIFY2(!out["pods"].empty(), out.dump().substr(0, 400).c_str());
        for (const json& q : out["queries"])
            QVERIFY2(q.value("error", "").find("not asked") == 0, q.dump().c_str());
    }
};

QTEST_GUILESS_MAIN(TestPrometheusServiceProxy)
#include "tst_prometheus_service_proxy.moc"
