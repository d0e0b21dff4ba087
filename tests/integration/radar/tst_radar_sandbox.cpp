// The radar on the default sandbox (production beside storefront), through PromClient and the
// sandbox's Prometheus API exactly as against a cluster: at several moments of the day the leaking
// workloads (production checkout and payments; storefront search, cart and the recommender Rollout)
// rank above the healthy ones (production catalog; storefront node-agent and the report CronJob).
// Then leakdesk-cli radar: the JSON rows the issue names, the table, and exit code 3 for no data.

#include "SandboxCluster.h"
#include "TestSupport.h"

#include "core/prometheus/PromClient.h"
#include "core/radar/LeakRadar.h"

#include <QSignalSpy>
#include <QTest>

#include <nlohmann/json.hpp>

#include <set>

using namespace leakdesk;

namespace {

constexpr qint64 kHourMs = 3600 * 1000LL;

const std::set<std::string> kLeaking { "production/checkout", "production/payments", "storefront/search",
    "storefront/cart", "storefront/recommender" };
const std::set<std::string> kHealthy { "production/catalog", "storefront/node-agent", "storefront/report" };

std::string keyOf(const radar::RadarRow& row)
{
    return row.ns + "/" + row.workloadName;
}

Result<std::shared_ptr<const radar::RadarReport>> runRadar(prometheus::PromClient& client, const radar::RadarOptions& o)
{
    radar::LeakRadar job(client);
    std::optional<Result<std::shared_ptr<const radar::RadarReport>>> got;
    QObject::connect(&job, &radar::LeakRadar::finished, [&](std::shared_ptr<const radar::RadarReport> r) { got = r; });
    QObject::connect(&job, &radar::LeakRadar::failed, [&](const Error& e) { got = e; });
    job.start(o);
    QElapsedTimer t;
    t.start();
    while (!got && t.elapsed() < 240000)
        QTest::qWait(20);
    if (!got)
        return makeError(ErrorCode::Timeout, "the radar did not end within 240 s");
    return *got;
}

} // namespace

class TestRadarSandbox : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void leaksRankAboveHealthyWorkloads_data()
    {
        QTest::addColumn<qint64>("hoursBack");
        // Moments spread over a day: the sandbox's kills and rollouts follow a schedule from the
        // day's start, so each is another phase of every sawtooth.
        QTest::newRow("now") << qint64(0);
        QTest::newRow("7 h earlier") << qint64(7);
        QTest::newRow("15 h earlier") << qint64(15);
    }
    void leaksRankAboveHealthyWorkloads()
    {
        QFETCH(qint64, hoursBack);
        const qint64 moment = test::testNowMs() - hoursBack * kHourMs;
        test::SandboxCluster cluster;
        QVERIFY(cluster.start(test::SandboxCluster::pinnedAt({}, moment)));
        prometheus::PromConnection connection;
        connection.baseUrl = cluster.host.prometheusUrl();
        connection.useEnvironmentProxy = false;
        prometheus::PromClient client(connection);
        radar::RadarOptions options;
        options.namespaces = { "production", "storefront" };
        options.nowMs = moment;
        options.topN = 0;
        const auto report = runRadar(client, options);
        QVERIFY2(report, report ? "" : report.error().toString().c_str());
        const radar::RadarReport& r = **report;
        for (const auto& row : r.rows)
            qInfo("%-24s %.2f %s", keyOf(row).c_str(), row.score, row.reason.c_str());
        QVERIFY(r.failures.empty());
        QCOMPARE(r.rows.size(), kLeaking.size() + kHealthy.size());
        QCOMPARE(r.queries, 22); // 11 per namespace: one row per workload container, never raw series
        QVERIFY(r.bytesReceived > 0);
        double lowestLeak = 1.0, highestHealthy = 0.0;
        std::size_t lastLeakRank = 0, firstHealthyRank = r.rows.size();
        for (std::size_t i = 0; i < r.rows.size(); ++i) {
            const auto& row = r.rows[i];
            QVERIFY2(row.dataKnown, keyOf(row).c_str());
            // At most 48 points; the report CronJob's pods run a few minutes an hour.
            QVERIFY(!row.sparkline.empty() && row.sparkline.size() <= 48);
            QVERIFY(row.workloadKind == "CronJob" || row.sparkline.size() >= 40);
            // A leak is never called "not a leak" in its reason, whatever else ranks it.
            if (kLeaking.count(keyOf(row)))
                QVERIFY2(
                    !QString::fromStdString(row.reason).contains(QStringLiteral("not a leak")), row.reason.c_str());
            if (kLeaking.count(keyOf(row))) {
                lowestLeak = std::min(lowestLeak, row.score);
                lastLeakRank = i;
            } else {
                QVERIFY2(kHealthy.count(keyOf(row)), keyOf(row).c_str());
                highestHealthy = std::max(highestHealthy, row.score);
                firstHealthyRank = std::min(firstHealthyRank, i);
            }
        }
        QVERIFY2(lastLeakRank < firstHealthyRank, "a healthy workload ranks above a leaking one");
        QVERIFY2(lowestLeak >= 0.5, qPrintable(QString::number(lowestLeak)));
        QVERIFY2(highestHealthy <= 0.3, qPrintable(QString::number(highestHealthy)));
        // The mesh and log sidecars of search are judged, and not what its score is about.
        for (const auto& row : r.rows)
            if (row.workloadName == "search") {
                QCOMPARE(row.container, std::string("search"));
                QCOMPARE(row.workloadKind, std::string("StatefulSet"));
                QCOMPARE(row.containers.size(), std::size_t(3));
            }
    }

    // The CLI: JSON rows with the fields the issue names, the table, exit codes.
    void cliJsonAndTable()
    {
        const auto json = test::runProgram(test::cliPath(),
            { QStringLiteral("radar"), QStringLiteral("--sandbox"), QStringLiteral("--all-namespaces"),
                QStringLiteral("--top"), QStringLiteral("5"), QStringLiteral("--format"), QStringLiteral("json") },
            240000);
        QVERIFY2(json.exitCode == 0, json.err.constData());
        const auto doc = nlohmann::json::parse(json.out.toStdString(), nullptr, false);
        QVERIFY(doc.is_object());
        QCOMPARE(doc["rows"].size(), std::size_t(5));
        QCOMPARE(doc["workloads_seen"].get<int>(), 8);
        for (const auto& row : doc["rows"]) {
            for (const char* field : { "cluster", "namespace", "workload", "score", "reason", "growth_bytes_per_hour",
                     "oom_kills_24h", "restarts_24h", "time_to_limit_hours" })
                QVERIFY2(row.contains(field), field);
            QVERIFY(row["workload"].contains("kind") && row["workload"].contains("name"));
            QVERIFY(
                kLeaking.count(row["namespace"].get<std::string>() + "/" + row["workload"]["name"].get<std::string>()));
        }
        const auto table = test::runProgram(test::cliPath(),
            { QStringLiteral("radar"), QStringLiteral("--sandbox"), QStringLiteral("--namespace"),
                QStringLiteral("production") },
            240000);
        QVERIFY2(table.exitCode == 0, table.err.constData());
        QVERIFY(table.out.contains("Deployment/checkout"));
        QVERIFY(!table.out.contains("storefront"));
        QVERIFY(table.out.indexOf("Deployment/checkout") < table.out.indexOf("Deployment/catalog"));
    }

    // A namespace Prometheus knows nothing of: no data, exit 3, never "no leak".
    void noDataExitsThree()
    {
        const auto r = test::runProgram(test::cliPath(),
            { QStringLiteral("radar"), QStringLiteral("--sandbox"), QStringLiteral("--namespace"),
                QStringLiteral("nothing-here"), QStringLiteral("--format"), QStringLiteral("json") },
            120000);
        QCOMPARE(r.exitCode, 3);
        const auto doc = nlohmann::json::parse(r.out.toStdString(), nullptr, false);
        QCOMPARE(doc["no_data"].get<bool>(), true);
        QVERIFY(doc["rows"].empty());
    }

    // A Prometheus that does not answer: unknown (3) with the reason, as investigate says it.
    void unreachablePrometheusExitsThree()
    {
        test::ServedSandbox served;
        QString why;
        QVERIFY2(served.start({}, why), qPrintable(why));
        const auto r = test::runProgram(test::cliPath(),
            { QStringLiteral("radar"), QStringLiteral("--kubeconfig"), served.kubeconfig,
                QStringLiteral("--prometheus"), QStringLiteral("http://127.0.0.1:9") },
            120000);
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("Prometheus"), r.err.constData());
    }

    void wrongUsageExitsTwo_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("both -n and --all-namespaces")
            << QStringList { "--sandbox", "-n", "production", "--all-namespaces" };
        QTest::newRow("bad format") << QStringList { "--sandbox", "--format", "yaml" };
        QTest::newRow("negative top") << QStringList { "--sandbox", "--top", "-1" };
        QTest::newRow("bad cluster label") << QStringList { "--sandbox", "--cluster-label", "a-b" };
    }
    void wrongUsageExitsTwo()
    {
        QFETCH(QStringList, args);
        const auto r = test::runProgram(test::cliPath(), QStringList { QStringLiteral("radar") } + args, 60000);
        QCOMPARE(r.exitCode, 2);
    }
};

QTEST_GUILESS_MAIN(TestRadarSandbox)
#include "tst_radar_sandbox.moc"
