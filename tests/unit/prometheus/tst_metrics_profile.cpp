// The metric dialects: which names the probe chooses from a Prometheus's answer (mixed clusters
// included), what --metric accepts, and that every dialect's spelling of every query kind comes
// back through match() as the same kind, selector and names (what the sandbox answers by).

#include "core/prometheus/MetricsProfile.h"
#include "core/prometheus/QueryCatalogue.h"

#include <QTest>

#include <string>

using namespace leakdesk;
using prometheus::MetricsProfile;

namespace {

// "name ns k=v,k=v" -> labels with __name__ and namespace.
Labels seriesOf(const QString& spec)
{
    const QStringList parts = spec.split(QLatin1Char(' '));
    Labels l { { "__name__", parts.value(0).toStdString() }, { "namespace", parts.value(1).toStdString() } };
    if (parts.size() > 2)
        for (const QString& kv : parts[2].split(QLatin1Char(','))) {
            const qsizetype eq = kv.indexOf(QLatin1Char('='));
            l[kv.left(eq).toStdString()] = kv.mid(eq + 1).toStdString();
        }
    return l;
}

} // namespace

class TestMetricsProfile : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void choosesFromProbeAnswers_data()
    {
        QTest::addColumn<QStringList>("series");
        QTest::addColumn<QString>("podLabel");
        QTest::addColumn<QString>("limits");
        QTest::addColumn<QString>("jvmUsed");
        QTest::addColumn<QString>("jvmArea");
        QTest::addColumn<QString>("requests");
        const QString ws = QStringLiteral("container_memory_working_set_bytes ");
        const QString v2 = QStringLiteral("kube_pod_container_resource_limits ");
        const QString v1 = QStringLiteral("kube_pod_container_resource_limits_memory_bytes ");
        QTest::newRow("current cluster") << QStringList { ws + "shop pod=a-1,container=app",
            v2 + "shop pod=a-1,container=app,resource=memory", "jvm_memory_used_bytes shop pod=a-1,area=heap",
            "http_server_requests_seconds_count shop pod=a-1,uri=/" }
                                         << "pod"
                                         << "kube_pod_container_resource_limits"
                                         << "jvm_memory_used_bytes"
                                         << "area"
                                         << "http_server_requests_seconds_count";
        QTest::newRow("legacy cluster") << QStringList { ws + "shop pod_name=a-1,container_name=app",
            v1 + "shop pod=a-1,container=app", "http_requests_total shop pod=a-1" }
                                        << "pod_name"
                                        << "kube_pod_container_resource_limits_memory_bytes"
                                        << "jvm_memory_used_bytes"
                                        << "area"
                                        << "http_requests_total";
        // Mixed clusters: both names exist; the namespace's own series decide.
        QTest::newRow("legacy elsewhere, current here") << QStringList { ws + "old pod_name=x-1,container_name=app",
            ws + "old pod_name=x-2,container_name=app", ws + "shop pod=a-1,container=app", v1 + "old pod=x-1",
            v2 + "shop pod=a-1,resource=memory" } << "pod"
                                                        << "kube_pod_container_resource_limits"
                                                        << "jvm_memory_used_bytes"
                                                        << "area"
                                                        << "http_server_requests_seconds_count";
        QTest::newRow("current elsewhere, legacy here")
            << QStringList { ws + "new pod=y-1,container=app", ws + "new pod=y-2,container=app",
                   ws + "shop pod_name=a-1,container_name=app", v2 + "new pod=y-1,resource=memory", v1 + "shop pod=a-1",
                   "istio_requests_total shop pod=a-1,reporter=destination", "http_requests_total new pod=y-1" }
            << "pod_name"
            << "kube_pod_container_resource_limits_memory_bytes"
            << "jvm_memory_used_bytes"
            << "area"
            << "istio_requests_total";
        QTest::newRow("both here: the one with more series") << QStringList { ws + "shop pod=a-1,container=app",
            ws + "shop pod_name=a-1,container_name=app", ws + "shop pod_name=a-2,container_name=app" }
                                                             << "pod_name"
                                                             << "kube_pod_container_resource_limits"
                                                             << "jvm_memory_used_bytes"
                                                             << "area"
                                                             << "http_server_requests_seconds_count";
        QTest::newRow("only other namespaces answer")
            << QStringList { ws + "other pod_name=a-1,container_name=app" } << "pod_name"
            << "kube_pod_container_resource_limits"
            << "jvm_memory_used_bytes"
            << "area"
            << "http_server_requests_seconds_count";
        QTest::newRow("opentelemetry jvm") << QStringList { "jvm_memory_used_bytes shop pod=a-1,jvm_memory_type=heap",
            "jvm_memory_used_bytes shop pod=a-1,area=nonheap" }
                                           << "pod"
                                           << "kube_pod_container_resource_limits"
                                           << "jvm_memory_used_bytes"
                                           << "jvm_memory_type"
                                           << "http_server_requests_seconds_count";
        QTest::newRow("jmx exporter") << QStringList { "jvm_memory_bytes_used shop pod=a-1,area=heap",
            "jvm_memory_bytes_used shop pod=a-2,area=heap", "jvm_memory_used_bytes shop pod=a-1,area=heap" }
                                      << "pod"
                                      << "kube_pod_container_resource_limits"
                                      << "jvm_memory_bytes_used"
                                      << "area"
                                      << "http_server_requests_seconds_count";
        // What a selector would not have asked for is not counted: non-heap, Istio's source side,
        // v2 limits of cpu.
        QTest::newRow("non-matching label values are not evidence")
            << QStringList { "istio_requests_total shop pod=a-1,reporter=source", "http_requests_total shop pod=a-1",
                   v2 + "shop pod=a-1,resource=cpu", v1 + "shop pod=a-1",
                   "jvm_memory_bytes_used shop pod=a-1,area=nonheap" }
            << "pod"
            << "kube_pod_container_resource_limits_memory_bytes"
            << "jvm_memory_used_bytes"
            << "area"
            << "http_requests_total";
    }

    void choosesFromProbeAnswers()
    {
        QFETCH(QStringList, series);
        QFETCH(QString, podLabel);
        QFETCH(QString, limits);
        QFETCH(QString, jvmUsed);
        QFETCH(QString, jvmArea);
        QFETCH(QString, requests);
        std::vector<Labels> answer;
        for (const QString& s : series)
            answer.push_back(seriesOf(s));
        const auto probed = prometheus::chooseMetricsProfile(answer, "shop");
        QCOMPARE(QString::fromStdString(probed.profile.podLabel), podLabel);
        QCOMPARE(QString::fromStdString(probed.profile.containerLabel),
            probed.profile.podLabel == "pod" ? QStringLiteral("container") : QStringLiteral("container_name"));
        QCOMPARE(QString::fromStdString(probed.profile.limits), limits);
        QCOMPARE(QString::fromStdString(probed.profile.jvmMemoryUsed), jvmUsed);
        QCOMPARE(QString::fromStdString(probed.profile.jvmAreaLabel), jvmArea);
        QCOMPARE(QString::fromStdString(probed.profile.httpRequests), requests);
        QCOMPARE(probed.notes.size(), std::size_t(4)); // one per exporter, found or kept
    }

    // Nothing found keeps what was there (overrides, the defaults), and says so.
    void nothingFoundKeepsTheBase()
    {
        MetricsProfile base;
        base.httpRequests = "orders_handled_total";
        const auto probed = prometheus::chooseMetricsProfile({}, "shop", base);
        QCOMPARE(probed.profile, base);
        for (const auto& note : probed.notes)
            QVERIFY2(note.find("kept") != std::string::npos, note.c_str());
    }

    void probeSelectorsAreAboutTheNamespace()
    {
        const auto selectors = prometheus::metricsProbeSelectors("we\"ird");
        QCOMPARE(selectors.size(), std::size_t(9));
        for (const auto& s : selectors)
            QVERIFY2(s.find("namespace=\"we\\\"ird\"") != std::string::npos, s.c_str());
    }

    void overrides_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value");
        QTest::addColumn<bool>("ok");
        QTest::newRow("recording rule") << "memory_working_set"
                                        << "node_namespace_pod_container:container_memory_working_set_bytes" << true;
        QTest::newRow("legacy pod label") << "pod_label"
                                          << "pod_name" << true;
        QTest::newRow("every key") << "request_rate"
                                   << "istio_requests_total" << true;
        QTest::newRow("unknown kind") << "memory"
                                      << "x" << false;
        QTest::newRow("label with colon") << "container_label"
                                          << "a:b" << false;
        QTest::newRow("leading digit") << "jvm_heap_used"
                                       << "1jvm" << false;
        QTest::newRow("empty") << "memory_limit"
                               << "" << false;
        QTest::newRow("selector, not a name") << "memory_working_set"
                                              << "x{a=\"b\"}" << false;
    }

    void overrides()
    {
        QFETCH(QString, key);
        QFETCH(QString, value);
        QFETCH(bool, ok);
        const auto r = prometheus::applyMetricOverrides({}, { { key.toStdString(), value.toStdString() } });
        QCOMPARE(r.ok(), ok);
        if (!ok) {
            QVERIFY(r.error().message.find(key.toStdString()) != std::string::npos
                || r.error().message.find(value.toStdString()) != std::string::npos);
            return;
        }
        QCOMPARE(r->asMap().at(key.toStdString()), value.toStdString());
        QCOMPARE(int(prometheus::metricsProfileKeys().size()), int(MetricsProfile {}.asMap().size()));
    }

    // Every dialect (and a combination no dialect has) spells every kind so that the sandbox's
    // catalogue, built with the default names, recognises it and reads it with the same names.
    void everyDialectRoundTrips_data()
    {
        QTest::addColumn<int>("dialect"); // -1: a mixed profile
        for (auto d : prometheus::allMetricsDialects())
            QTest::newRow(prometheus::metricsDialectName(d)) << int(d);
        QTest::newRow("legacy cAdvisor + OpenTelemetry JVM + Istio") << -1;
    }

    void everyDialectRoundTrips()
    {
        QFETCH(int, dialect);
        MetricsProfile profile;
        if (dialect >= 0) {
            profile = prometheus::profileForDialect(static_cast<prometheus::MetricsDialect>(dialect));
        } else {
            profile = prometheus::applyMetricOverrides({},
                { { "pod_label", "pod_name" }, { "container_label", "container_name" },
                    { "jvm_heap_used", "jvm_memory_used_bytes" }, { "jvm_heap_max", "jvm_memory_limit_bytes" },
                    { "jvm_area_label", "jvm_memory_type" }, { "request_rate", "istio_requests_total" } })
                          .value();
        }
        const prometheus::QueryCatalogue spelled(profile);
        const prometheus::QueryCatalogue sandbox;
        const prometheus::PodSelector selector { "shop", "a-1|a\\.2", "app" };
        for (auto kind : prometheus::allQueryKinds()) {
            const std::string promql = spelled.build(kind, selector);
            const auto matched = sandbox.match(promql);
            QVERIFY2(matched.has_value(), promql.c_str());
            QCOMPARE(matched->kind, kind);
            QCOMPARE(matched->selector.ns, selector.ns);
            QCOMPARE(matched->selector.podRegex, selector.podRegex);
            // The names the sandbox reads the query with spell it the same way.
            QCOMPARE(prometheus::QueryCatalogue(matched->profile).build(kind, selector), promql);
            // Answers keep `pod` whatever the cluster's label: the legacy one is copied in the query.
            if (profile.podLabel != "pod" && promql.find(profile.workingSet) != std::string::npos)
                QVERIFY2(promql.find("\"pod\",\"$1\",\"pod_name\"") != std::string::npos, promql.c_str());
        }
        // The selector names the dialect's labels: a legacy memory query never asks `pod`.
        const std::string memory = spelled.build(prometheus::QueryKind::MemoryWorkingSet, selector);
        QVERIFY2(memory.find(profile.podLabel + "=~\"a-1") != std::string::npos, memory.c_str());
    }

    void emptyMemoryAdviceNamesTheSelector()
    {
        const auto legacy = prometheus::profileForDialect(prometheus::MetricsDialect::Legacy);
        const std::string promql = prometheus::QueryCatalogue(legacy).build(
            prometheus::QueryKind::MemoryWorkingSet, { "shop", "a-1", "app" });
        const std::string advice = prometheus::emptyMemoryQueryAdvice(promql, legacy);
        QVERIFY2(
            advice.find("container_memory_working_set_bytes{namespace=\"shop\",pod_name=~\"a-1\"") != std::string::npos,
            advice.c_str());
        QVERIFY2(advice.find("--metric pod_label=pod ") != std::string::npos, advice.c_str());
        const std::string current = prometheus::emptyMemoryQueryAdvice(
            prometheus::QueryCatalogue().build(prometheus::QueryKind::MemoryWorkingSet, { "shop", "a-1", "app" }), {});
        QVERIFY2(current.find("pod_label=pod_name") != std::string::npos, current.c_str());
        QVERIFY2(current.find("--metric memory_working_set=NAME") != std::string::npos, current.c_str());
    }
};

QTEST_GUILESS_MAIN(TestMetricsProfile)
#include "tst_metrics_profile.moc"
