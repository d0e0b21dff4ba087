// The radar's ranking on answers made up for each class of workload: what rankWorkloads() makes of
// the server's rows (no network). A leak must rank above a healthy workload whatever hides it; what
// is not a leak (growth with traffic, a sidecar's growth, a batch run's work) must not rank as one;
// no data is "unknown", never a low score.

#include "core/radar/RadarJson.h"
#include "core/radar/RadarRanking.h"

#include <QTest>

#include <cmath>
#include <functional>

using namespace leakdesk;
using prometheus::RadarQueryKind;

namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;
constexpr std::int64_t kHour = 3600 * 1000;
constexpr double kMiB = 1024.0 * 1024.0;
constexpr std::int64_t kStep = 8 * 60 * 1000;

// A deterministic wiggle in [-1, 1] (no RNG: the same answers on every run).
double wiggle(int i)
{
    return std::sin(i * 2.399963) * 0.7 + std::sin(i * 0.91) * 0.3;
}

Labels workloadLabels(const std::string& kind, const std::string& name, const std::string& container = {},
    const std::string& ns = "shop", const std::string& cluster = {})
{
    Labels l { { "namespace", ns }, { "workload_kind", kind }, { "workload", name } };
    if (!container.empty())
        l["container"] = container;
    if (!cluster.empty())
        l["cluster"] = cluster;
    return l;
}

Series instant(Labels labels, double value)
{
    return { std::move(labels), { { kNow, value } } };
}

Series over6h(Labels labels, const std::function<double(double hours, int i)>& f)
{
    Series s { std::move(labels), {} };
    int i = 0;
    for (std::int64_t t = kNow - 6 * kHour; t <= kNow; t += kStep, ++i)
        s.samples.push_back({ t, f(static_cast<double>(t - (kNow - 6 * kHour)) / kHour, i) });
    return s;
}

// One container of a workload as the server answers it.
struct ContainerAnswer {
    std::string name;
    std::function<double(double hours, int i)> memory; // the sparkline (average over pods)
    double growthBytesPerHour = 0;
    std::optional<double> limit;
    double restarts = 0;
    double oomEvents = 0;
    bool withBaseline = true;
};

void addWorkload(radar::RadarAnswers& a, const std::string& kind, const std::string& name,
    const std::vector<ContainerAnswer>& containers, const std::function<double(double, int)>& traffic = {},
    const std::string& ns = "shop", const std::string& cluster = {})
{
    auto& k = a.byKind;
    k[RadarQueryKind::Workloads].push_back(instant(workloadLabels(kind, name, {}, ns, cluster), 3));
    for (const ContainerAnswer& c : containers) {
        const Labels l = workloadLabels(kind, name, c.name, ns, cluster);
        const Series spark = over6h(l, c.memory);
        k[RadarQueryKind::Sparkline].push_back(spark);
        if (c.withBaseline)
            k[RadarQueryKind::BaselineSparkline].push_back(
                over6h(l, [&](double h, int i) { return c.memory(0, i) + 0 * h; }));
        k[RadarQueryKind::WorkingSetNow].push_back(instant(l, spark.samples.back().value));
        k[RadarQueryKind::Level].push_back(instant(l, spark.samples.back().value));
        k[RadarQueryKind::Growth].push_back(instant(l, c.growthBytesPerHour / 3600.0));
        if (c.limit)
            k[RadarQueryKind::Limit].push_back(instant(l, *c.limit));
        k[RadarQueryKind::Restarts24h].push_back(instant(l, c.restarts));
        k[RadarQueryKind::OomEvents24h].push_back(instant(l, c.oomEvents));
    }
    if (traffic)
        k[RadarQueryKind::Traffic].push_back(over6h(workloadLabels(kind, name, {}, ns, cluster), traffic));
}

radar::RadarOptions options()
{
    radar::RadarOptions o;
    o.nowMs = kNow;
    o.topN = 0;
    return o;
}

const radar::RadarRow* rowOf(const radar::RadarReport& r, const std::string& name)
{
    for (const auto& row : r.rows)
        if (row.workloadName == name)
            return &row;
    return nullptr;
}

// The classes of workload, each as the server would answer for it.
ContainerAnswer leaking(const std::string& name)
{
    return { name, [](double h, int i) { return 500 * kMiB + 100 * kMiB * h + 3 * kMiB * wiggle(i); }, 100 * kMiB,
        2048 * kMiB };
}
ContainerAnswer healthy(const std::string& name)
{
    return { name, [](double, int i) { return 300 * kMiB + 3 * kMiB * wiggle(i); }, 0.02 * kMiB, 1024 * kMiB };
}

} // namespace

class TestRadarRanking : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // One workload per row; what its score, pattern and reason must say.
    void eachClassOfWorkload_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("workloadClass");
        QTest::addColumn<double>("minScore");
        QTest::addColumn<double>("maxScore");
        QTest::addColumn<QString>("reasonSays");
        QTest::newRow("leaking: steady growth toward the limit") << "Deployment" << 0 << 0.7 << 1.0 << "steady growth";
        QTest::newRow("healthy: flat after warm-up") << "Deployment" << 1 << 0.0 << 0.15 << "stable";
        QTest::newRow("grows with its traffic") << "Deployment" << 2 << 0.0 << 0.2 << "follows-traffic";
        QTest::newRow("only the sidecar grows") << "Deployment" << 3 << 0.0 << 0.15 << "sidecar istio-proxy";
        QTest::newRow("restarts cut the average, each lifetime grows")
            << "StatefulSet" << 4 << 0.6 << 1.0 << "each container lifetime grows";
        QTest::newRow("OOM-killed while flat") << "DaemonSet" << 5 << 0.75 << 1.0 << "3 OOM kills in 24 h";
        QTest::newRow("a CronJob's runs grow while they work") << "CronJob" << 6 << 0.0 << 0.05 << "batch work";
        QTest::newRow("a batch job's runs end OOM-killed") << "Job" << 7 << 0.7 << 1.0 << "2 OOM kills in 24 h";
        QTest::newRow("growth the week-ago baseline shows too") << "Deployment" << 8 << 0.0 << 0.2 << "follows-traffic";
    }
    void eachClassOfWorkload()
    {
        QFETCH(QString, kind);
        QFETCH(int, workloadClass);
        QFETCH(double, minScore);
        QFETCH(double, maxScore);
        QFETCH(QString, reasonSays);
        radar::RadarAnswers a;
        const std::string name = "app";
        switch (workloadClass) {
        case 0:
            addWorkload(a, kind.toStdString(), name, { leaking(name) });
            break;
        case 1:
            addWorkload(a, kind.toStdString(), name, { healthy(name) });
            break;
        case 2: {
            // Requests rise and fall (and rise overall); memory holds 2 MiB per request/s.
            auto rate = [](double h, int) { return 100 + 60 * std::sin(h * 2.1) + 20 * h; };
            ContainerAnswer c { name,
                [rate](double h, int i) { return 400 * kMiB + 2 * kMiB * rate(h, i) + 1 * kMiB * wiggle(i); },
                2 * kMiB * 20, 4096 * kMiB };
            addWorkload(a, kind.toStdString(), name, { c }, rate);
            break;
        }
        case 3: {
            ContainerAnswer proxy = leaking("istio-proxy");
            addWorkload(a, kind.toStdString(), name, { healthy(name), proxy });
            break;
        }
        case 4: {
            // Each pod grows 80 MiB/h and is OOM-killed at 1 GiB; the pods' average saws around a level.
            ContainerAnswer c { name,
                [](double h, int i) {
                    return 700 * kMiB + 150 * kMiB * std::fmod(h * 0.9, 1.0) + 2 * kMiB * wiggle(i);
                },
                80 * kMiB, 1024 * kMiB, 6, 0 };
            addWorkload(a, kind.toStdString(), name, { c });
            break;
        }
        case 5: {
            ContainerAnswer c = healthy(name);
            c.oomEvents = 3;
            c.restarts = 3;
            addWorkload(a, kind.toStdString(), name, { c });
            break;
        }
        case 6: {
            ContainerAnswer c { name,
                [](double h, int i) { return 150 * kMiB + 600 * kMiB * std::fmod(h * 2, 1.0) + wiggle(i); },
                1200 * kMiB * 60, 1024 * kMiB };
            addWorkload(a, kind.toStdString(), name, { c });
            break;
        }
        case 7: {
            ContainerAnswer c { name,
                [](double h, int i) { return 150 * kMiB + 600 * kMiB * std::fmod(h * 2, 1.0) + wiggle(i); },
                1200 * kMiB * 60, 1024 * kMiB, 2, 2 };
            addWorkload(a, kind.toStdString(), name, { c });
            break;
        }
        case 8: {
            // Grows 30 MiB/h now, and grew the same way at the same hours a week ago.
            auto memory = [](double h, int i) { return 600 * kMiB + 30 * kMiB * h + 2 * kMiB * wiggle(i); };
            ContainerAnswer c { name, memory, 30 * kMiB, 4096 * kMiB, 0, 0, false };
            addWorkload(a, kind.toStdString(), name, { c });
            a.byKind[RadarQueryKind::BaselineSparkline].push_back(over6h(
                workloadLabels(kind.toStdString(), name, name), [&](double h, int i) { return memory(h, i + 7); }));
            break;
        }
        }
        const radar::RadarReport report = radar::rankWorkloads({ a }, options());
        QCOMPARE(report.rows.size(), std::size_t(1));
        const radar::RadarRow& row = report.rows.front();
        qInfo("%s score %.2f pattern %s: %s", qPrintable(kind), row.score, row.pattern.c_str(), row.reason.c_str());
        QVERIFY(row.dataKnown);
        QVERIFY2(row.score >= minScore && row.score <= maxScore, row.reason.c_str());
        QVERIFY2(QString::fromStdString(row.reason).contains(reasonSays), row.reason.c_str());
        QCOMPARE(row.container, name); // the main container, named like the workload
        QVERIFY(row.sparkline.size() <= 48);
        QVERIFY(!row.sparkline.empty());
    }

    // The projection: (limit - level) / growth, only when growing.
    void timeToLimitFromTheLevelAndTheLifetimeGrowth()
    {
        radar::RadarAnswers a;
        addWorkload(a, "Deployment", "api", { leaking("api") });
        addWorkload(a, "Deployment", "steady", { healthy("steady") });
        const auto report = radar::rankWorkloads({ a }, options());
        const radar::RadarRow* api = rowOf(report, "api");
        QVERIFY(api && api->timeToLimitHours && api->workingSetBytes);
        QCOMPARE(
            qRound(*api->timeToLimitHours * 100), qRound((2048 * kMiB - *api->workingSetBytes) / (100 * kMiB) * 100));
        QVERIFY(!rowOf(report, "steady")->timeToLimitHours);
    }

    // Leaks first, then the healthy, then the unknown; top N keeps the first; workloadsSeen all.
    void orderTopAndUnknownLast()
    {
        radar::RadarAnswers a;
        addWorkload(a, "Deployment", "flat-a", { healthy("flat-a") });
        addWorkload(a, "Deployment", "leak-slow",
            { { "leak-slow", [](double h, int i) { return 800 * kMiB + 12 * kMiB * h + 2 * kMiB * wiggle(i); },
                12 * kMiB, 4096 * kMiB } });
        addWorkload(a, "StatefulSet", "leak-fast", { leaking("leak-fast") });
        addWorkload(a, "DaemonSet", "flat-b", { healthy("flat-b") });
        // Known to kube-state-metrics, no memory samples.
        a.byKind[RadarQueryKind::Workloads].push_back(instant(workloadLabels("Deployment", "ghost"), 2));
        radar::RadarOptions o = options();
        auto report = radar::rankWorkloads({ a }, o);
        QCOMPARE(report.rows.size(), std::size_t(5));
        QCOMPARE(report.rows[0].workloadName, std::string("leak-fast"));
        QCOMPARE(report.rows[1].workloadName, std::string("leak-slow"));
        QVERIFY(report.rows[1].score > report.rows[2].score);
        QCOMPARE(report.rows[4].workloadName, std::string("ghost"));
        QVERIFY(!report.rows[4].dataKnown);
        QCOMPARE(report.rows[4].pods, 2);
        QVERIFY(QString::fromStdString(report.rows[4].reason).contains(QStringLiteral("unknown, not \"no leak\"")));
        QVERIFY(!report.noData());
        o.topN = 2;
        report = radar::rankWorkloads({ a }, o);
        QCOMPARE(report.rows.size(), std::size_t(2));
        QCOMPARE(report.workloadsSeen, std::size_t(5));
    }

    // No memory anywhere: the report says no data (the CLI's exit 3), never a ranking of zeros.
    void nothingButOwnersIsNoData()
    {
        radar::RadarAnswers a;
        a.byKind[RadarQueryKind::Workloads].push_back(instant(workloadLabels("Deployment", "a"), 2));
        a.byKind[RadarQueryKind::Workloads].push_back(instant(workloadLabels("StatefulSet", "b"), 1));
        auto report = radar::rankWorkloads({ a }, options());
        QVERIFY(report.noData());
        QCOMPARE(report.rows.size(), std::size_t(2));
        const auto json = radar::radarReportToJson(report);
        QVERIFY(json["rows"][0]["score"].is_null());
        QCOMPARE(json["no_data"].get<bool>(), true);
        report = radar::rankWorkloads({}, options());
        QVERIFY(report.noData());
        QVERIFY(!report.notes.empty());
    }

    // The same namespace and name in two clusters of a global view are two rows.
    void clustersAreKeptApart()
    {
        radar::RadarAnswers a;
        addWorkload(a, "Deployment", "api", { leaking("api") }, {}, "shop", "eu-1");
        addWorkload(a, "Deployment", "api", { healthy("api") }, {}, "shop", "us-2");
        const auto report = radar::rankWorkloads({ a }, options());
        QCOMPARE(report.rows.size(), std::size_t(2));
        QCOMPARE(report.rows[0].cluster, std::string("eu-1"));
        QCOMPARE(report.rows[1].cluster, std::string("us-2"));
        QVERIFY(report.rows[0].score > report.rows[1].score);
        QVERIFY(QString::fromStdString(radar::radarReportToText(report)).contains(QStringLiteral("CLUSTER")));
    }

    void mainContainers_data()
    {
        QTest::addColumn<QString>("workload");
        QTest::addColumn<QStringList>("containers");
        QTest::addColumn<QStringList>("main");
        QTest::newRow("named like the workload")
            << "search" << QStringList { "log-shipper", "search", "istio-proxy" } << QStringList { "search" };
        QTest::newRow("known sidecars left out")
            << "web" << QStringList { "app", "istio-proxy", "fluent-bit" } << QStringList { "app" };
        QTest::newRow("unknown names are all main")
            << "web" << QStringList { "app", "worker" } << QStringList { "app", "worker" };
        QTest::newRow("only sidecar names: all main")
            << "mesh" << QStringList { "envoy", "istio-proxy" } << QStringList { "envoy", "istio-proxy" };
    }
    void mainContainers()
    {
        QFETCH(QString, workload);
        QFETCH(QStringList, containers);
        QFETCH(QStringList, main);
        std::vector<std::string> names;
        for (const QString& c : containers)
            names.push_back(c.toStdString());
        const auto roles = radar::classifyRadarContainers(workload.toStdString(), names);
        QStringList got;
        for (const auto& [name, role] : roles)
            if (role.main)
                got << QString::fromStdString(name);
        main.sort();
        QCOMPARE(got, main);
    }

    // The JSON rows carry exactly the fields the issue names (others may be added).
    void jsonRowFields()
    {
        radar::RadarAnswers a;
        addWorkload(a, "Rollout", "rec", { leaking("rec") });
        const auto json = radar::radarReportToJson(radar::rankWorkloads({ a }, options()));
        const auto& row = json["rows"][0];
        for (const char* field : { "cluster", "namespace", "workload", "score", "reason", "growth_bytes_per_hour",
                 "oom_kills_24h", "restarts_24h", "time_to_limit_hours" })
            QVERIFY2(row.contains(field), field);
        QCOMPARE(row["workload"]["kind"].get<std::string>(), std::string("Rollout"));
        QCOMPARE(row["workload"]["name"].get<std::string>(), std::string("rec"));
        QVERIFY(row["score"].is_number());
        QVERIFY(row["time_to_limit_hours"].is_number());
        QVERIFY(row["sparkline"].is_array() && !row["sparkline"].empty());
        for (const char* field : { "queries", "bytes_received", "elapsed_ms", "failures", "rows", "no_data" })
            QVERIFY2(json.contains(field), field);
    }

    // A failed query is reported with the rows, never dropped.
    void failuresAreCarried()
    {
        radar::RadarAnswers a;
        addWorkload(a, "Deployment", "api", { leaking("api") });
        std::vector<radar::RadarFailure> failures { { "payments-ns", "growth", "deriv(...)",
            Error { ErrorCode::Network, "HTTP 503 after 4 tries", {} } } };
        const auto report = radar::rankWorkloads({ a }, options(), failures);
        QCOMPARE(report.failures.size(), std::size_t(1));
        QVERIFY(
            QString::fromStdString(radar::radarReportToText(report)).contains(QStringLiteral("payments-ns growth")));
        QCOMPARE(radar::radarReportToJson(report)["failures"][0]["namespace"].get<std::string>(),
            std::string("payments-ns"));
    }
};

QTEST_GUILESS_MAIN(TestRadarRanking)
#include "tst_radar_ranking.moc"
