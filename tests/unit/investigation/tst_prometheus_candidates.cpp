// Which Services look like a Prometheus HTTP API, and in which order discovery probes them
// (rankPrometheusCandidates), on Service shapes as kube-prometheus, kube-prometheus-stack,
// prometheus-operator, Thanos and VictoriaMetrics install them, beside look-alikes that are not one
// (Alertmanager, the operator, exporters, Grafana, a Thanos sidecar, an ExternalName). Also the
// k8s://NS/SERVICE:PORT URL.

#include "core/investigation/ClusterConnection.h"
#include "core/investigation/PrometheusInCluster.h"

#include <QFile>
#include <QTemporaryDir>

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::investigation;

namespace {

// "ns/name labels k=v,k=v ports name:number,name:number [type T]" in one string keeps the table readable.
kube::Service service(const QString& ns, const QString& name, const QString& labels, const QString& ports,
    const QString& type = QStringLiteral("ClusterIP"))
{
    kube::Service s;
    s.meta.ns = ns.toStdString();
    s.meta.name = name.toStdString();
    s.type = type.toStdString();
    for (const QString& kv : labels.split(QLatin1Char(','), Qt::SkipEmptyParts))
        s.meta.labels[kv.section(QLatin1Char('='), 0, 0).toStdString()] = kv.section(QLatin1Char('='), 1).toStdString();
    for (const QString& p : ports.split(QLatin1Char(','), Qt::SkipEmptyParts))
        s.ports.push_back(
            { p.section(QLatin1Char(':'), 0, 0).toStdString(), p.section(QLatin1Char(':'), 1).toInt(), {} });
    return s;
}

using Services = std::vector<kube::Service>;

} // namespace

Q_DECLARE_METATYPE(Services)

class TestPrometheusCandidates : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void ranking_data()
    {
        QTest::addColumn<Services>("services");
        QTest::addColumn<QString>("investigated");
        QTest::addColumn<QStringList>("expected"); // display() of each candidate, best first

        const Services kubePrometheus {
            service(
                "monitoring", "alertmanager-main", "app.kubernetes.io/name=alertmanager", "web:9093,reloader-web:8080"),
            service("monitoring", "prometheus-operator", "app.kubernetes.io/name=prometheus-operator", "https:8443"),
            service("monitoring", "prometheus-k8s",
                "app.kubernetes.io/name=prometheus,app.kubernetes.io/component=prometheus",
                "web:9090,reloader-web:8080"),
            service("monitoring", "prometheus-operated", "operated-prometheus=true", "web:9090"),
            service("monitoring", "node-exporter", "app.kubernetes.io/name=node-exporter", "https:9100"),
            service("monitoring", "grafana", "app.kubernetes.io/name=grafana", "http:3000"),
            service("production", "checkout", "app=checkout", "http:80"),
        };
        QTest::newRow("kube-prometheus: the named Service before the operator's headless one")
            << kubePrometheus << QStringLiteral("production")
            << QStringList { QStringLiteral("monitoring/prometheus-k8s:web"),
                   QStringLiteral("monitoring/prometheus-operated:web") };

        QTest::newRow("kube-prometheus-stack (helm): app label and http-web")
            << Services { service("observability", "kps-kube-prometheus-stack-prometheus",
                              "app=kube-prometheus-stack-prometheus,release=kps,self-monitor=true",
                              "http-web:9090,reloader-web:8080"),
                   service("observability", "kps-kube-prometheus-stack-alertmanager",
                       "app=kube-prometheus-stack-alertmanager", "http-web:9093"),
                   service("observability", "kps-kube-state-metrics", "app.kubernetes.io/name=kube-state-metrics",
                       "http:8080") }
            << QStringLiteral("shop")
            << QStringList { QStringLiteral("observability/kps-kube-prometheus-stack-prometheus:http-web") };

        QTest::newRow("Thanos Query first: the global view; the sidecar is no query API")
            << Services { service("thanos", "thanos-query",
                              "app.kubernetes.io/name=thanos,app.kubernetes.io/component=query",
                              "grpc:10901,http:10902"),
                   service("thanos", "thanos-sidecar",
                       "app.kubernetes.io/name=thanos,app.kubernetes.io/component=sidecar", "grpc:10901,http:10902"),
                   service("monitoring", "prometheus-k8s", "app.kubernetes.io/name=prometheus", "web:9090") }
            << QString()
            << QStringList { QStringLiteral("thanos/thanos-query:http"),
                   QStringLiteral("monitoring/prometheus-k8s:web") };

        QTest::newRow("VictoriaMetrics: vmselect under its prefix, vmsingle, vminsert not")
            << Services { service(
                              "victoria-metrics", "vmselect-cluster", "app.kubernetes.io/name=vmselect", "http:8481"),
                   service("victoria-metrics", "vminsert-cluster", "app.kubernetes.io/name=vminsert", "http:8480"),
                   service("vm", "vmsingle-main", "app.kubernetes.io/name=vmsingle", "http:8428") }
            << QString()
            << QStringList { QStringLiteral("victoria-metrics/vmselect-cluster:http/select/0/prometheus"),
                   QStringLiteral("vm/vmsingle-main:http") };

        QTest::newRow("an unnamed port is addressed by its number")
            << Services { service("metrics", "prometheus", "app=prometheus", ":9090") } << QString()
            << QStringList { QStringLiteral("metrics/prometheus:9090") };

        QTest::newRow("ExternalName and a Prometheus-named Service without an HTTP port are left out")
            << Services { service("monitoring", "prometheus-external", "app.kubernetes.io/name=prometheus", "web:9090",
                              QStringLiteral("ExternalName")),
                   service("tools", "prometheus-db-backup", "", "grpc:7000,metrics:7001") }
            << QString() << QStringList {};

        QTest::newRow("equal shapes: the usual namespace, then the investigated one, then by name")
            << Services { service("zzz", "prometheus", "app.kubernetes.io/name=prometheus", "web:9090"),
                   service("shop", "prometheus", "app.kubernetes.io/name=prometheus", "web:9090"),
                   service("monitoring", "prometheus", "app.kubernetes.io/name=prometheus", "web:9090") }
            << QStringLiteral("shop")
            << QStringList { QStringLiteral("monitoring/prometheus:web"), QStringLiteral("shop/prometheus:web"),
                   QStringLiteral("zzz/prometheus:web") };

        QTest::newRow("nothing Prometheus-like")
            << Services { service("production", "checkout", "app=checkout", "http:80"),
                   service("kube-system", "kube-dns", "k8s-app=kube-dns", "dns:53,dns-tcp:53,metrics:9153") }
            << QString() << QStringList {};
    }

    void ranking()
    {
        QFETCH(Services, services);
        QFETCH(QString, investigated);
        QFETCH(QStringList, expected);
        QStringList got;
        for (const auto& c : rankPrometheusCandidates(services, investigated.toStdString())) {
            got << QString::fromStdString(c.service.display());
            QVERIFY2(!c.why.empty() && !c.kind.empty(), c.service.display().c_str());
        }
        QCOMPARE(got, expected);
    }

    void whySaysWhatMatched()
    {
        const auto ranked = rankPrometheusCandidates(
            { service("monitoring", "prometheus-k8s", "app.kubernetes.io/name=prometheus", "web:9090") }, "");
        QCOMPARE(ranked.size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(ranked[0].why),
            QStringLiteral("Prometheus: label app.kubernetes.io/name=prometheus, port web (9090)"));
    }

    void serviceProxyUrls_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("display"); // empty: refused
        QTest::newRow("name and port name")
            << QStringLiteral("k8s://monitoring/prometheus-k8s:web") << QStringLiteral("monitoring/prometheus-k8s:web");
        QTest::newRow("port number") << QStringLiteral("k8s://monitoring/prometheus-k8s:9090")
                                     << QStringLiteral("monitoring/prometheus-k8s:9090");
        QTest::newRow("no port: the first one")
            << QStringLiteral("k8s://thanos/thanos-query") << QStringLiteral("thanos/thanos-query");
        QTest::newRow("a path prefix (vmselect)") << QStringLiteral("k8s://vm/vmselect:8481/select/0/prometheus")
                                                  << QStringLiteral("vm/vmselect:8481/select/0/prometheus");
        QTest::newRow("no service") << QStringLiteral("k8s://monitoring") << QString();
        QTest::newRow("two colons") << QStringLiteral("k8s://monitoring/http:prometheus:web") << QString();
        QTest::newRow("credentials in the URL") << QStringLiteral("k8s://u:p@monitoring/prometheus:web") << QString();
        QTest::newRow("not k8s") << QStringLiteral("http://monitoring/prometheus:web") << QString();
    }

    void serviceProxyUrls()
    {
        QFETCH(QString, url);
        QFETCH(QString, display);
        const auto parsed = parseServiceProxyUrl(QUrl(url));
        if (display.isEmpty()) {
            QVERIFY(!parsed);
            QVERIFY(!parsed.error().detail.empty());
            return;
        }
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        QCOMPARE(QString::fromStdString(parsed->display()), display);
    }

    // The kubeconfig's credentials go to the API server's proxy path and nowhere else: a URL on
    // another origin, or beside the proxy path on the same server, is refused before any request.
    void transportRefusesUrlsOutsideTheProxyPath_data()
    {
        QTest::addColumn<QString>("url");
        QTest::newRow("another host") << QStringLiteral(
            "https://evil.example.test/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy/api/v1/query");
        QTest::newRow("another port") << QStringLiteral(
            "https://127.0.0.1:7/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy/");
        QTest::newRow("plain http") << QStringLiteral(
            "http://127.0.0.1:6443/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy/api/v1/query");
        QTest::newRow("the API itself") << QStringLiteral("https://127.0.0.1:6443/api/v1/secrets");
        QTest::newRow("out of the proxy path by dot segments") << QStringLiteral(
            "https://127.0.0.1:6443/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy/../../../secrets");
        QTest::newRow("another Service's proxy")
            << QStringLiteral("https://127.0.0.1:6443/api/v1/namespaces/monitoring/services/grafana:http/proxy/");
    }

    void transportRefusesUrlsOutsideTheProxyPath()
    {
        QFETCH(QString, url);
        kube::ResolvedContext context;
        context.cluster.name = "c";
        context.cluster.server = "https://127.0.0.1:6443";
        context.user.name = "u";
        context.user.token = "secret-token";
        auto client = kube::KubeClient::create(context);
        QVERIFY(client.ok());
        const auto pc = serviceProxyConnection(**client, { "monitoring", "prometheus-k8s", "web", "" });
        QCOMPARE(pc.baseUrl.toString(),
            QStringLiteral("https://127.0.0.1:6443/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy/"));
        QVERIFY(pc.transport);
        std::optional<Error> refused;
        pc.transport("GET", QUrl(url), {}, nullptr, [&](Result<QByteArray> r, int) {
            QVERIFY(!r);
            refused = r.error();
        });
        // Refused synchronously: no request was ever made.
        QVERIFY(refused);
        QVERIFY2(refused->message.find("refusing to send the kubeconfig's credentials") != std::string::npos,
            refused->message.c_str());
        QVERIFY(refused->message.find("secret-token") == std::string::npos);
    }

    // A k8s:// Prometheus uses the kubeconfig's credentials and TLS; Prometheus ones given too are
    // refused rather than ignored.
    void serviceProxyRefusesPrometheusCredentials_data()
    {
        QTest::addColumn<QString>("option");
        QTest::newRow("none") << QString();
        QTest::newRow("token file") << QStringLiteral("token-file");
        QTest::newRow("CA") << QStringLiteral("ca");
        QTest::newRow("insecure") << QStringLiteral("insecure");
    }

    void serviceProxyRefusesPrometheusCredentials()
    {
        QFETCH(QString, option);
        QTemporaryDir dir;
        const QString kubeconfig = dir.filePath(QStringLiteral("kubeconfig"));
        QFile f(kubeconfig);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: c\n  cluster:\n    server: "
                "https://127.0.0.1:6443\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: c\n  "
                "context:\n    cluster: c\n    user: u\n");
        f.close();
        ConnectionOptions o;
        o.kubeconfig = kubeconfig;
        o.prometheusUrl = QUrl(QStringLiteral("k8s://monitoring/prometheus-k8s:web"));
        if (option == QLatin1String("token-file"))
            o.prometheusTokenFile = QStringLiteral("token");
        else if (option == QLatin1String("ca"))
            o.prometheusCaFile = QStringLiteral("ca.pem");
        else if (option == QLatin1String("insecure"))
            o.prometheusInsecureSkipTlsVerify = true;
        const auto opened = ClusterConnection::open(o);
        if (option.isEmpty()) {
            QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().toString().c_str());
            QVERIFY((*opened)->hasPrometheus());
            QCOMPARE((*opened)->prometheus().connection().baseUrl.toString(),
                QStringLiteral(
                    "https://127.0.0.1:6443/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy/"));
            return;
        }
        QVERIFY(!opened);
        QVERIFY2(opened.error().message.find("not k8s://") != std::string::npos, opened.error().message.c_str());
    }

    void usualNamespacesIncludeTheInvestigatedOneOnce()
    {
        const auto withShop = usualPrometheusNamespaces("shop");
        QCOMPARE(withShop.back(), std::string("shop"));
        const auto withMonitoring = usualPrometheusNamespaces("monitoring");
        QCOMPARE(std::count(withMonitoring.begin(), withMonitoring.end(), std::string("monitoring")), 1);
    }
};

QTEST_GUILESS_MAIN(TestPrometheusCandidates)
#include "tst_prometheus_candidates.moc"
