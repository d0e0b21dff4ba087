// The pods an investigation queries: owner-series selectors per workload kind, the API's pods
// united with those Prometheus remembers, bounded; exact-name chunks; chunked answers merged.
#include "core/investigation/WorkloadPods.h"

#include <QTest>

#include <regex>

using namespace leakdesk;
using namespace leakdesk::investigation;
using prometheus::QueryKind;

namespace {

kube::ResolvedWorkload workload(kube::WorkloadKind kind, const std::string& name, std::vector<std::string> pods = {})
{
    kube::ResolvedWorkload w;
    w.workload = { kind, name };
    for (const auto& p : pods)
        w.pods.push_back({ { "metadata", { { "name", p } } } });
    return w;
}

Series series(Labels labels, std::vector<Sample> samples)
{
    Series s;
    s.labels = std::move(labels);
    s.samples = std::move(samples);
    return s;
}

} // namespace

class TestWorkloadPods : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void ownerChainPerKind_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("step1Metric"); // empty: the workload owns its pods
        QTest::addColumn<QString>("direct");
        using K = kube::WorkloadKind;
        QTest::newRow("deployment") << int(K::Deployment) << "kube_replicaset_owner" << "ReplicaSet";
        QTest::newRow("rollout") << int(K::Rollout) << "kube_replicaset_owner" << "ReplicaSet";
        QTest::newRow("cronjob") << int(K::CronJob) << "kube_job_owner" << "Job";
        QTest::newRow("statefulset") << int(K::StatefulSet) << "" << "StatefulSet";
        QTest::newRow("daemonset") << int(K::DaemonSet) << "" << "DaemonSet";
        QTest::newRow("job") << int(K::Job) << "" << "Job";
        QTest::newRow("replicaset") << int(K::ReplicaSet) << "" << "ReplicaSet";
    }
    void ownerChainPerKind()
    {
        QFETCH(int, kind);
        QFETCH(QString, step1Metric);
        QFETCH(QString, direct);
        const auto w = workload(static_cast<kube::WorkloadKind>(kind), "web");
        const auto step1 = intermediateOwnerSelectors("shop", w);
        if (step1Metric.isEmpty()) {
            QVERIFY(step1.empty());
        } else {
            QCOMPARE(step1.size(), std::size_t(1));
            QVERIFY2(step1[0].rfind(step1Metric.toStdString() + "{", 0) == 0, step1[0].c_str());
            QVERIFY(step1[0].find("owner_name=\"web\"") != std::string::npos);
            QVERIFY(step1[0].find("namespace=\"shop\"") != std::string::npos);
        }
        QCOMPARE(QString::fromStdString(directOwnerKind(w)), direct);
    }

    // Owner names are regex-escaped and chunked: "web.1" must not match "webx1".
    void podOwnerSelectorsAreExactAndChunked()
    {
        std::vector<std::string> owners;
        for (int i = 0; i < 300; ++i)
            owners.push_back("web.v" + std::to_string(i) + "-5d8f7c9b4d");
        const auto sels = podOwnerSelectors("shop", "ReplicaSet", owners);
        QVERIFY(sels.size() > 1);
        std::size_t listed = 0;
        for (const auto& sel : sels) {
            QVERIFY(sel.size() < 2200);
            const auto from = sel.find("owner_name=~\"") + 13;
            const std::string regex = sel.substr(from, sel.rfind('"') - from);
            // PromQL string escaping doubles the regex's backslashes.
            std::string unquoted;
            for (std::size_t i = 0; i < regex.size(); ++i)
                unquoted.push_back(regex[i] == '\\' && i + 1 < regex.size() ? regex[++i] : regex[i]);
            const std::regex re(unquoted);
            QVERIFY(!std::regex_match(std::string("webxv0-5d8f7c9b4d"), re));
            for (const auto& o : owners)
                listed += std::regex_match(o, re) ? 1 : 0;
        }
        QCOMPARE(listed, owners.size());
    }

    void intermediateNamesFromEitherLabel()
    {
        const auto names = intermediateOwnerNames({ { { "replicaset", "web-1" } }, { { "job_name", "report-29" } },
            { { "replicaset", "web-1" } }, { { "other", "x" } } });
        QCOMPARE(names, (std::vector<std::string> { "report-29", "web-1" }));
    }

    void unitesApiAndHistory()
    {
        const auto pods = unitePods({ "web-b", "web-a" },
            { { { "pod", "web-old" } }, { { "pod", "web-a" } }, { { "pod", "" } }, { { "namespace", "x" } } });
        QCOMPARE(pods.names, (std::vector<std::string> { "web-a", "web-b", "web-old" }));
        QCOMPARE(pods.fromApi, std::size_t(2));
        QCOMPARE(pods.fromHistory, std::size_t(1));
        QVERIFY(pods.notes.empty());
    }

    // A CronJob firing every minute for a week: bounded, the API's pods kept, and said.
    void boundedWithTheApiPodsKept()
    {
        std::vector<Labels> history;
        for (std::size_t i = 0; i < kMaxQueriedPods * 3; ++i)
            history.push_back({ { "pod", "report-" + std::to_string(100000 + i) + "-x" } });
        const auto pods = unitePods({ "report-zzz-now" }, history);
        QCOMPARE(pods.names.size(), kMaxQueriedPods);
        QVERIFY(std::find(pods.names.begin(), pods.names.end(), "report-zzz-now") != pods.names.end());
        QCOMPARE(pods.notes.size(), std::size_t(1));
    }

    void selectorsCarryTheContainer()
    {
        const auto sels = podSelectorsFor("shop", { "a-0", "a-1" }, "search");
        QCOMPARE(sels.size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(sels[0].podRegex), QStringLiteral("a-0|a-1"));
        QCOMPARE(QString::fromStdString(sels[0].containerRegex), QStringLiteral("search"));
        QVERIFY(podSelectorsFor("shop", {}, "").empty());
    }

    void mergesChunks_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<double>("expectedAtT1");
        // Two chunks: 3 pods averaging 100, 1 pod at 200; the rate 5 + 7.
        QTest::newRow("average weighted by pods") << int(QueryKind::MemoryPerPodAvg) << 125.0;
        QTest::newRow("baseline average") << int(QueryKind::MemoryPerPodAvgBaseline) << 125.0;
        QTest::newRow("sum of rates") << int(QueryKind::RequestRate) << 12.0;
    }
    void mergesChunks()
    {
        QFETCH(int, kind);
        QFETCH(double, expectedAtT1);
        const bool rate = kind == int(QueryKind::RequestRate);
        const std::vector<std::vector<Series>> chunks {
            { series({}, { { 1000, rate ? 5.0 : 100.0 }, { 2000, 90.0 } }) },
            { series({}, { { 1000, rate ? 7.0 : 200.0 } }) },
        };
        const auto merged = mergeChunkSeries(static_cast<QueryKind>(kind), chunks, { 3, 1 });
        QCOMPARE(merged.size(), std::size_t(1));
        QCOMPARE(merged[0].samples.size(), std::size_t(2));
        QCOMPARE(merged[0].samples[0].value, expectedAtT1);
        QCOMPARE(merged[0].samples[1].value, 90.0); // only one chunk had a value then
    }

    void perPodSeriesAreConcatenated()
    {
        const std::vector<std::vector<Series>> chunks { { series({ { "pod", "a" } }, { { 1, 1 } }) },
            { series({ { "pod", "b" } }, { { 1, 2 } }), series({ { "pod", "c" } }, { { 1, 3 } }) } };
        QCOMPARE(mergeChunkSeries(QueryKind::MemoryWorkingSet, chunks, { 1, 2 }).size(), std::size_t(3));
    }

    void baselineByContainerMergedPerContainer()
    {
        const std::vector<std::vector<Series>> chunks {
            { series({ { "container", "app" } }, { { 1, 100 } }), series({ { "container", "proxy" } }, { { 1, 10 } }) },
            { series({ { "container", "app" } }, { { 1, 300 } }) },
        };
        const auto merged = mergeChunkSeries(QueryKind::MemoryPerPodAvgBaselineByContainer, chunks, { 1, 1 });
        QCOMPARE(merged.size(), std::size_t(2));
        for (const auto& s : merged)
            QCOMPARE(s.samples.front().value, s.label("container") == "app" ? 200.0 : 10.0);
    }
};

QTEST_GUILESS_MAIN(TestWorkloadPods)
#include "tst_workload_pods.moc"
