// The radar over the sandbox's synthetic fleet (`sandbox serve --scale-workloads 60`), small enough
// for ctest: the real kubectl lists every synthetic workload and pod (paged), and the radar's core
// runner (what `leakdesk-cli radar` runs) ranks the known leakers first and the healthy last, both on
// the sandbox's own Prometheus API and on a real Prometheus backfilled with the same history
// (`sandbox export-metrics --scale-workloads 60`, thinned as the scale bench does: the newest 7 h
// every 150 s, the day before hourly, the week-ago 7 h every 5 min for the baseline).
// The leakers are known from the fleet's rule (core/sandbox/scenario/ScaleWorkloads.h), not read
// from the cluster. Rows of the other namespaces (production, storefront) are left aside.

#include "RadarRun.h"
#include "SandboxMoments.h"
#include "TestSupport.h"

#include "core/prometheus/PromClient.h"
#include "core/sandbox/scenario/ScaleWorkloads.h"

#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <map>
#include <set>

using namespace leakdesk;
using sandbox::scenario::ScaleRole;

namespace {

constexpr int kWorkloads = 60;
constexpr quint64 kSeed = 42;
constexpr qint64 kHourMs = 3600 * 1000LL;
constexpr qint64 kDayMs = 24 * kHourMs;

bool inFleet(const std::string& ns)
{
    return ns.rfind("fleet-", 0) == 0;
}

} // namespace

class TestRadarScale : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    test::ServedSandbox m_sandbox;
    QProcess m_prometheus;
    QUrl m_prometheusUrl;
    qint64 m_now = 0;
    std::map<std::string, ScaleRole> m_roles; // "namespace/name"

    bool exportHistory(const QString& file, qint64 untilMs, double hours, const QStringList& thinning)
    {
        QStringList args { QStringLiteral("sandbox"), QStringLiteral("export-metrics"), QStringLiteral("--out"), file,
            QStringLiteral("--scale-workloads"), QString::number(kWorkloads), QStringLiteral("--now-ms"),
            QString::number(m_now), QStringLiteral("--until-ms"), QString::number(untilMs), QStringLiteral("--hours"),
            QString::number(hours) };
        for (const QString& thin : thinning)
            args << QStringLiteral("--thin") << thin;
        const auto exported = test::runProgram(test::cliPath(), args, 300000);
        if (exported.exitCode != 0)
            qWarning("export-metrics failed: %s", exported.err.constData());
        return exported.exitCode == 0;
    }

    std::shared_ptr<const radar::RadarReport> runRadar(const QUrl& url, QString& why)
    {
        prometheus::PromConnection connection;
        connection.baseUrl = url;
        connection.timeoutMs = 60000;
        prometheus::PromClient client(connection);
        radar::RadarOptions options;
        options.allNamespaces = true;
        options.topN = 0;
        options.nowMs = m_now;
        auto report = test::runRadarToEnd(client, options);
        if (!report) {
            why = QString::fromStdString(report.error().toString());
            return nullptr;
        }
        return *report;
    }

private Q_SLOTS:
    void initTestCase()
    {
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("kubectl"));
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("prometheus"));
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("promtool"));
        QVERIFY(m_dir.isValid());
        QElapsedTimer took;
        took.start();
        // Off the scrape grid, so that no query lands exactly on a sample.
        m_now = (test::testNowMs() / 30000) * 30000 + 7000;
        qInfo("sandbox clock pinned to %lld (LEAKDESK_TEST_NOW_MS replays it)", static_cast<long long>(m_now));
        for (const auto& w : sandbox::scenario::scaleWorkloads(kWorkloads, kSeed))
            m_roles[w.namespaceName + "/" + w.name] = w.role;

        QString why;
        QVERIFY2(m_sandbox.start({ QStringLiteral("--scale-workloads"), QString::number(kWorkloads),
                                     QStringLiteral("--now-ms"), QString::number(m_now),
                                     QStringLiteral("--kubeconfig-out"), m_dir.filePath(QStringLiteral("kubeconfig")) },
                     why),
            qPrintable(why));
        QVERIFY2(m_sandbox.startupOutput.contains("scale-workloads: 60"), m_sandbox.startupOutput.constData());

        // The last 31 h (the window, the 24 h counts) and the week-ago window of the baseline.
        const QString recent = m_dir.filePath(QStringLiteral("recent.om"));
        const QString weekAgo = m_dir.filePath(QStringLiteral("week-ago.om"));
        QVERIFY(exportHistory(recent, m_now, 31, { QStringLiteral("0s-7h:150s"), QStringLiteral("7h:1h") }));
        QVERIFY(exportHistory(weekAgo, m_now - 7 * kDayMs, 7, { QStringLiteral("0s:5m") }));
        const QString tsdb = m_dir.filePath(QStringLiteral("tsdb"));
        for (const QString& file : { recent, weekAgo }) {
            const auto created = test::runProgram(test::findProgram(QStringLiteral("promtool")),
                { QStringLiteral("tsdb"), QStringLiteral("create-blocks-from"), QStringLiteral("openmetrics"), file,
                    tsdb },
                300000);
            QVERIFY2(created.exitCode == 0, created.err.constData());
        }
        QVERIFY2(test::startLocalPrometheus(m_prometheus, test::findProgram(QStringLiteral("prometheus")), m_dir.path(),
                     tsdb, { QStringLiteral("--storage.tsdb.retention.time=100y") }, m_prometheusUrl, why),
            qPrintable(why));
        qInfo("set-up took %lld ms", static_cast<long long>(took.elapsed()));
    }

    void cleanupTestCase() { test::stopProcess(m_prometheus); }

    // Every synthetic workload and pod through the real kubectl, in pages smaller than the fleet.
    void kubectlListsTheFleet()
    {
        const QStringList kubeconfig { QStringLiteral("--kubeconfig"), m_sandbox.kubeconfig };
        const auto workloads = test::runProgram(test::findProgram(QStringLiteral("kubectl")),
            kubeconfig
                + QStringList { QStringLiteral("get"), QStringLiteral("deployments,statefulsets,daemonsets"),
                    QStringLiteral("-A"), QStringLiteral("-l"), QStringLiteral("app.kubernetes.io/part-of=fleet"),
                    QStringLiteral("--chunk-size=7"), QStringLiteral("-o"),
                    QStringLiteral("custom-columns=NS:.metadata.namespace,NAME:.metadata.name"),
                    QStringLiteral("--no-headers") });
        QVERIFY2(workloads.exitCode == 0, workloads.err.constData());
        std::set<std::string> listed;
        for (const QStringList& row : test::tableRows(workloads.out))
            if (row.size() == 2)
                listed.insert(row[0].toStdString() + "/" + row[1].toStdString());
        std::set<std::string> expected;
        for (const auto& [key, role] : m_roles)
            expected.insert(key);
        QCOMPARE(listed, expected);

        const auto pods = test::runProgram(test::findProgram(QStringLiteral("kubectl")),
            kubeconfig
                + QStringList { QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-A"),
                    QStringLiteral("--chunk-size=25"), QStringLiteral("-o"),
                    QStringLiteral("custom-columns=NS:.metadata.namespace,NAME:.metadata.name,PHASE:.status.phase"),
                    QStringLiteral("--no-headers") });
        QVERIFY2(pods.exitCode == 0, pods.err.constData());
        std::set<std::string> podNames;
        for (const QStringList& row : test::tableRows(pods.out))
            if (row.size() == 3 && inFleet(row[0].toStdString())) {
                QCOMPARE(row[2], QStringLiteral("Running"));
                QVERIFY2(podNames.insert(row[1].toStdString()).second, qPrintable(row[1])); // no page twice
            }
        QCOMPARE(static_cast<int>(podNames.size()), kWorkloads * sandbox::scenario::kScalePodsPerWorkload);
    }

    void radarRanksLeakersFirst_data()
    {
        QTest::addColumn<bool>("realPrometheus");
        QTest::newRow("sandbox Prometheus API") << false;
        QTest::newRow("real Prometheus, backfilled") << true;
    }
    void radarRanksLeakersFirst()
    {
        QFETCH(bool, realPrometheus);
        QString why;
        const auto report = runRadar(realPrometheus ? m_prometheusUrl : QUrl(m_sandbox.prometheusUrl), why);
        QVERIFY2(report, qPrintable(why));
        for (const radar::RadarFailure& f : report->failures)
            QVERIFY2(!inFleet(f.ns), (f.ns + " " + f.query + ": " + f.error.toString()).c_str());

        std::vector<const radar::RadarRow*> fleet;
        for (const radar::RadarRow& row : report->rows)
            if (inFleet(row.ns))
                fleet.push_back(&row);
        QCOMPARE(static_cast<int>(fleet.size()), kWorkloads);
        std::size_t leakers = 0;
        for (const auto& [key, role] : m_roles)
            leakers += sandbox::scenario::scaleRoleLeaks(role) ? 1 : 0;
        QCOMPARE(leakers, std::size_t { 3 }); // indices 7, 39 and 57
        double lowestLeakerScore = 1.0;
        for (std::size_t i = 0; i < fleet.size(); ++i) {
            const radar::RadarRow& row = *fleet[i];
            const ScaleRole role = m_roles.at(row.ns + "/" + row.workloadName);
            const std::string where = std::to_string(i + 1) + ". " + row.ns + "/" + row.workloadName + " ("
                + sandbox::scenario::scaleRoleName(role) + ", score " + std::to_string(row.score) + "): " + row.reason;
            QVERIFY2(row.dataKnown, where.c_str());
            QVERIFY2(sandbox::scenario::scaleRoleLeaks(role) == (i < leakers), where.c_str());
            // Below the leakers: the healthy and the decoys (growth that follows traffic, a
            // sidecar's sawtooth), by a margin, not by the order of equal scores.
            if (i < leakers)
                lowestLeakerScore = std::min(lowestLeakerScore, row.score);
            else
                QVERIFY2(row.score < lowestLeakerScore - 0.2, where.c_str());
        }
        // The fast leaks say so: OOM kills within the day.
        for (std::size_t i = 0; i < leakers; ++i)
            if (m_roles.at(fleet[i]->ns + "/" + fleet[i]->workloadName) == ScaleRole::LeakFast)
                QVERIFY2(fleet[i]->oomKills24h > 0 || fleet[i]->restarts24h > 0, fleet[i]->workloadName.c_str());
    }
};

QTEST_GUILESS_MAIN(TestRadarScale)
#include "tst_radar_scale.moc"
