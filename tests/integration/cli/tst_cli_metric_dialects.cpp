// leakdesk-cli investigate against `sandbox serve --metrics-naming D`: the probe finds the
// dialect's names and the verdict, pods and query answers are those of the current names; with
// names overridden wrongly the verdict is unknown and says which selector found nothing.
#include "TestSupport.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

using namespace leakdesk::test;

class TestCliMetricDialects : public QObject {
    Q_OBJECT
private:
    // One clock for every served sandbox: the same history, whichever names it carries.
    qint64 m_nowMs = 0;
    std::map<QString, std::unique_ptr<ServedSandbox>> m_served;

    ServedSandbox* served(const QString& dialect)
    {
        auto& s = m_served[dialect];
        if (!s) {
            s = std::make_unique<ServedSandbox>();
            QString why;
            if (!s->start({ QStringLiteral("--metrics-naming"), dialect, QStringLiteral("--now-ms"),
                              QString::number(m_nowMs) },
                    why)) {
                qWarning("%s", qPrintable(why));
                s.reset();
                return nullptr;
            }
        }
        return s.get();
    }

    ProcessResult investigate(ServedSandbox& s, const QString& service, const QStringList& more = {})
    {
        return runProgram(cliPath(),
            QStringList { QStringLiteral("investigate"), QStringLiteral("--kubeconfig"), s.kubeconfig,
                QStringLiteral("--prometheus"), s.prometheusUrl, QStringLiteral("--namespace"),
                QStringLiteral("production"), QStringLiteral("--service"), service, QStringLiteral("--format"),
                QStringLiteral("json") }
                + more,
            120000);
    }

    static bool near(const QJsonValue& a, const QJsonValue& b)
    {
        if (a.isDouble() && b.isDouble())
            return std::abs(a.toDouble() - b.toDouble()) <= 0.02 * std::max(std::abs(a.toDouble()), 1e-9);
        return a == b;
    }

    static QJsonObject parse(const ProcessResult& r) { return QJsonDocument::fromJson(r.out).object(); }

private Q_SLOTS:
    void initTestCase()
    {
        m_nowMs = qEnvironmentVariable("LEAKDESK_TEST_NOW_MS").toLongLong();
        if (m_nowMs == 0)
            m_nowMs = QDateTime::currentMSecsSinceEpoch();
        qInfo("sandbox clock pinned at %lld (LEAKDESK_TEST_NOW_MS replays it)", static_cast<long long>(m_nowMs));
        QVERIFY(served(QStringLiteral("current")));
    }

    void sameVerdictInEveryDialect_data()
    {
        QTest::addColumn<QString>("dialect");
        QTest::addColumn<QString>("service");
        QTest::addColumn<QString>("podLabel");
        QTest::addColumn<QString>("jvmHeapUsed");
        QTest::addColumn<QString>("requestRate");
        for (const char* service : { "checkout", "payments" }) {
            QTest::addRow("legacy %s", service) << "legacy" << service << "pod_name"
                                                << "jvm_memory_used_bytes"
                                                << "http_requests_total";
            QTest::addRow("otel %s", service) << "otel" << service << "pod"
                                              << "jvm_memory_used_bytes"
                                              << "http_server_requests_seconds_count";
            QTest::addRow("jmx-exporter %s", service) << "jmx-exporter" << service << "pod"
                                                      << "jvm_memory_bytes_used"
                                                      << "http_requests_total";
        }
    }

    void sameVerdictInEveryDialect()
    {
        QFETCH(QString, dialect);
        QFETCH(QString, service);
        QFETCH(QString, podLabel);
        QFETCH(QString, jvmHeapUsed);
        QFETCH(QString, requestRate);
        ServedSandbox* current = served(QStringLiteral("current"));
        ServedSandbox* other = served(dialect);
        QVERIFY(current && other);
        const auto a = investigate(*current, service);
        const auto b = investigate(*other, service);
        QVERIFY2(a.exitCode == 0, a.err.constData());
        QVERIFY2(b.exitCode == 0, b.err.constData());
        const QJsonObject ja = parse(a);
        const QJsonObject jb = parse(b);
        const QJsonObject profile = jb[QStringLiteral("metrics_profile")].toObject();
        QCOMPARE(profile[QStringLiteral("pod_label")].toString(), podLabel);
        QCOMPARE(profile[QStringLiteral("jvm_heap_used")].toString(), jvmHeapUsed);
        QCOMPARE(profile[QStringLiteral("request_rate")].toString(), requestRate);
        QCOMPARE(profile[QStringLiteral("probed")].toBool(), true);
        QCOMPARE(ja[QStringLiteral("metrics_profile")].toObject()[QStringLiteral("pod_label")].toString(),
            QStringLiteral("pod"));
        // The served clocks start at the same moment but run on: the two runs' windows end seconds
        // apart, which moves rates a little. Numbers agree within 2 %, everything else exactly.
        const QJsonObject va = ja[QStringLiteral("verdict")].toObject();
        const QJsonObject vb = jb[QStringLiteral("verdict")].toObject();
        QCOMPARE(va[QStringLiteral("pattern")].toString() == QStringLiteral("unknown"), false);
        for (const char* key : { "leak", "pattern", "confidence", "slope_bytes_per_hour", "restarts_in_window" })
            QVERIFY2(near(va[QLatin1String(key)], vb[QLatin1String(key)]), key);
        const QJsonObject ta = ja[QStringLiteral("traffic_correlation")].toObject();
        const QJsonObject tb = jb[QStringLiteral("traffic_correlation")].toObject();
        QCOMPARE(ta.keys(), tb.keys());
        for (const QString& key : ta.keys())
            QVERIFY2(near(ta[key], tb[key]), qPrintable(key));
        const QJsonArray pa = ja[QStringLiteral("pods")].toArray();
        const QJsonArray pb = jb[QStringLiteral("pods")].toArray();
        QCOMPARE(pa.size(), pb.size());
        for (qsizetype i = 0; i < pa.size(); ++i) {
            const QJsonObject oa = pa[i].toObject();
            const QJsonObject ob = pb[i].toObject();
            QCOMPARE(oa.keys(), ob.keys());
            for (const QString& key : oa.keys())
                QVERIFY2(near(oa[key], ob[key]), qPrintable(key));
        }
        // Every query answered as many series under the dialect's names.
        std::map<QString, int> seriesA, seriesB;
        for (const auto& q : ja[QStringLiteral("queries")].toArray())
            seriesA[q.toObject()[QStringLiteral("kind")].toString()] += q.toObject()[QStringLiteral("series")].toInt();
        for (const auto& q : jb[QStringLiteral("queries")].toArray())
            seriesB[q.toObject()[QStringLiteral("kind")].toString()] += q.toObject()[QStringLiteral("series")].toInt();
        QVERIFY(seriesA == seriesB);
    }

    // Names overridden wrongly (a legacy cluster told it has the current labels): nothing is found,
    // the verdict is unknown, and it names the selector and what to set.
    void wrongOverrideSaysWhatToSet()
    {
        ServedSandbox* legacy = served(QStringLiteral("legacy"));
        QVERIFY(legacy);
        const auto r = investigate(*legacy, QStringLiteral("checkout"),
            { QStringLiteral("--metric"), QStringLiteral("pod_label=pod"), QStringLiteral("--metric"),
                QStringLiteral("container_label=container") });
        QCOMPARE(r.exitCode, 3);
        const QJsonObject j = parse(r);
        const QJsonObject profile = j[QStringLiteral("metrics_profile")].toObject();
        QCOMPARE(profile[QStringLiteral("pod_label")].toString(), QStringLiteral("pod"));
        QVERIFY(profile[QStringLiteral("overridden")].toArray().contains(QStringLiteral("pod_label")));
        const QString summary = j[QStringLiteral("verdict")].toObject()[QStringLiteral("summary")].toString();
        QVERIFY2(
            summary.contains(QStringLiteral("container_memory_working_set_bytes{namespace=\"production\",pod=~\"")),
            qPrintable(summary));
        QVERIFY2(summary.contains(QStringLiteral("--metric pod_label=pod_name")), qPrintable(summary));
        // Limits are kube-state-metrics' and were probed: still found.
        QVERIFY(!j[QStringLiteral("pods")].toArray().isEmpty());
    }

    // --sandbox starts the sandbox in the process with the same naming.
    void inProcessSandboxInADialect()
    {
        const auto r = runProgram(cliPath(),
            { QStringLiteral("investigate"), QStringLiteral("--sandbox"), QStringLiteral("--metrics-naming"),
                QStringLiteral("legacy"), QStringLiteral("--namespace"), QStringLiteral("production"),
                QStringLiteral("--service"), QStringLiteral("checkout"), QStringLiteral("--format"),
                QStringLiteral("json") },
            120000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject j = parse(r);
        const QJsonObject profile = j[QStringLiteral("metrics_profile")].toObject();
        QCOMPARE(profile[QStringLiteral("pod_label")].toString(), QStringLiteral("pod_name"));
        QCOMPARE(profile[QStringLiteral("memory_limit")].toString(),
            QStringLiteral("kube_pod_container_resource_limits_memory_bytes"));
        QCOMPARE(j[QStringLiteral("verdict")].toObject()[QStringLiteral("leak")].toBool(), true);
    }

    void badMetricOptionIsRefused_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("says");
        QTest::newRow("no =") << QStringList { QStringLiteral("--metric"), QStringLiteral("pod_label") } << "KIND=NAME";
        QTest::newRow("unknown kind") << QStringList { QStringLiteral("--metric"), QStringLiteral("heap=x") }
                                      << "unknown metric kind 'heap'";
        QTest::newRow("naming without sandbox")
            << QStringList { QStringLiteral("--metrics-naming"), QStringLiteral("legacy") } << "--metrics-naming";
    }

    void badMetricOptionIsRefused()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, says);
        ServedSandbox* current = served(QStringLiteral("current"));
        QVERIFY(current);
        const auto r = investigate(*current, QStringLiteral("checkout"), args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(QString::fromUtf8(r.err).contains(says), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliMetricDialects)
#include "tst_cli_metric_dialects.moc"
