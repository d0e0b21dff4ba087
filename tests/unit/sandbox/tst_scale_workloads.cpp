// The synthetic fleet of `sandbox serve --scale-workloads N`: which workloads leak is the documented
// rule of their index, the manifests parse as a scenario with the pods asked for, everything is drawn
// from the seed, and the roles behave as named (the fast leaks are OOMKilled, the slow ones grow, the
// healthy stay flat, the decoys come back down). Also the thinned OpenMetrics export that backfills
// such a fleet's week of history in minutes. The clock is pinned.

#include "core/sandbox/model/MetricsHistory.h"
#include "core/sandbox/scenario/ScaleWorkloads.h"
#include "core/sandbox/scenario/ScenarioCluster.h"

#include <QTest>

#include <map>
#include <set>
#include <sstream>

using namespace leakdesk;
using namespace leakdesk::sandbox;
using namespace leakdesk::sandbox::scenario;

namespace {

// 2026-05-13T15:42:30Z, a Wednesday afternoon.
constexpr qint64 kNow = 1778686950000LL;

} // namespace

class TestScaleWorkloads : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rolesFollowTheIndexRule_data()
    {
        QTest::addColumn<int>("count");
        QTest::addColumn<int>("fast");
        QTest::addColumn<int>("slow");
        QTest::addColumn<int>("decoys");
        QTest::newRow("1 workload: healthy") << 1 << 0 << 0 << 0;
        QTest::newRow("8 workloads: index 7 leaks fast") << 8 << 1 << 0 << 0;
        QTest::newRow("60 workloads") << 60 << 2 << 1 << 2;
        QTest::newRow("2000 workloads") << 2000 << 40 << 40 << 80;
    }
    void rolesFollowTheIndexRule()
    {
        QFETCH(int, count);
        QFETCH(int, fast);
        QFETCH(int, slow);
        QFETCH(int, decoys);
        const auto fleet = scaleWorkloads(count, 42);
        QCOMPARE(static_cast<int>(fleet.size()), count);
        std::map<ScaleRole, int> byRole;
        std::set<std::string> names;
        for (const ScaleWorkload& w : fleet) {
            ++byRole[w.role];
            QCOMPARE(w.role, scaleRoleOf(w.index));
            QCOMPARE(scaleRoleLeaks(w.role), w.index % 50 == 7 || w.index % 50 == 39);
            QVERIFY2(names.insert(w.namespaceName + "/" + w.name).second, w.name.c_str());
        }
        QCOMPARE(byRole[ScaleRole::LeakFast], fast);
        QCOMPARE(byRole[ScaleRole::LeakSlow], slow);
        QCOMPARE(byRole[ScaleRole::DecoyTraffic] + byRole[ScaleRole::DecoySidecar], decoys);
    }

    void manifestsParseAsAScenario()
    {
        auto parsed = scaleWorkloadsScenario(60, 7);
        QVERIFY2(static_cast<bool>(parsed), parsed ? "" : parsed.error().toString().c_str());
        QCOMPARE(parsed->podCount(), std::size_t { 60 * kScalePodsPerWorkload });
        std::map<std::string, int> kinds;
        std::set<std::string> namespaces;
        for (const ScenarioObject& o : parsed->objects)
            if (o.workload) {
                ++kinds[o.kind];
                namespaces.insert(o.namespaceName);
            }
        QCOMPARE(kinds["Deployment"] + kinds["StatefulSet"] + kinds["DaemonSet"], 60);
        QVERIFY(kinds["Deployment"] > kinds["StatefulSet"]);
        QVERIFY(kinds["StatefulSet"] > 0);
        QVERIFY(kinds["DaemonSet"] > 0);
        QCOMPARE(namespaces, (std::set<std::string> { "fleet-00", "fleet-01" }));
        // The same names as scaleWorkloads() tells the tests.
        for (const ScaleWorkload& w : scaleWorkloads(60, 7))
            QVERIFY2(parsed->find(w.kind, w.namespaceName, w.name), w.name.c_str());
    }

    void drawnFromTheSeed()
    {
        QCOMPARE(scaleWorkloadsYaml(120, 5), scaleWorkloadsYaml(120, 5));
        QVERIFY(scaleWorkloadsYaml(120, 5) != scaleWorkloadsYaml(120, 6));
        const auto a = scaleWorkloads(120, 5);
        const auto b = scaleWorkloads(120, 6);
        int sameName = 0;
        for (std::size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(a[i].role, b[i].role); // the rule does not depend on the seed
            sameName += a[i].name == b[i].name ? 1 : 0;
        }
        QVERIFY(sameName < 60);
    }

    void countOutOfRangeIsRefused_data()
    {
        QTest::addColumn<int>("count");
        QTest::newRow("zero") << 0;
        QTest::newRow("negative") << -3;
        QTest::newRow("above the cap") << kMaxScaleWorkloads + 1;
    }
    void countOutOfRangeIsRefused()
    {
        QFETCH(int, count);
        const auto parsed = scaleWorkloadsScenario(count, 42);
        QVERIFY(!parsed);
        QCOMPARE(parsed.error().code, ErrorCode::LimitExceeded);
    }

    // What each role's containers do over the last day: the class of behaviour the radar must tell apart.
    void rolesBehaveAsNamed()
    {
        const auto fleet = scaleWorkloads(100, 11);
        auto parsed = scaleWorkloadsScenario(100, 11);
        QVERIFY(static_cast<bool>(parsed));
        const ScenarioCluster cluster(std::move(*parsed), 11, kNow);
        std::map<std::string, ScaleRole> roleOf;
        for (const ScaleWorkload& w : fleet)
            roleOf[w.name] = w.role;
        std::map<ScaleRole, int> checked;
        for (std::size_t p = 0; p < cluster.pods().size(); ++p) {
            const SimulatedPod& pod = cluster.pods()[p];
            const ScaleRole role = roleOf.at(cluster.scenario().objects[pod.object].name);
            const std::size_t app = 0; // the application container comes first
            int oomKills = 0;
            for (const ContainerRun& run : pod.containers[app].runs)
                if (run.terminated && run.reason == "OOMKilled" && run.finishedMs > kNow - kDayMs
                    && run.finishedMs <= kNow)
                    ++oomKills;
            const double now = cluster.workingSetBytes(p, app, kNow).value_or(0);
            const double before = cluster.workingSetBytes(p, app, kNow - 6 * kHourMs).value_or(0);
            switch (role) {
            case ScaleRole::LeakFast:
                QVERIFY2(oomKills >= 4, pod.name.c_str());
                break;
            case ScaleRole::LeakSlow:
                QCOMPARE(oomKills, 0);
                QVERIFY2(now - before > 20 * kMiB, pod.name.c_str()); // 5 MiB/h over 6 h
                break;
            case ScaleRole::Healthy:
            case ScaleRole::DecoySidecar:
            case ScaleRole::DecoyTraffic:
                QCOMPARE(oomKills, 0);
                QCOMPARE(cluster.restartCountAt(p, app, kNow), 0);
                break;
            }
            if (role == ScaleRole::Healthy)
                QVERIFY2(std::abs(now - before) < 64 * kMiB, pod.name.c_str());
            ++checked[role];
        }
        QCOMPARE(checked.size(), std::size_t { 5 });
    }

    // Older samples thinned to their step, on multiples of it; the newest stay on the 30 s scrape;
    // a finer span (the week-ago window) keeps its own step inside a coarser one.
    void exportThinsOlderSamples()
    {
        const SandboxModel model(42, kNow);
        MetricsHistory history(model);
        std::ostringstream out;
        const std::int64_t to = kNow;
        history.writeOpenMetrics(out, to - 5 * kHourMs, to, {},
            { { kHourMs, 20 * kMinuteMs, 0 }, { 3 * kHourMs, 5 * kMinuteMs, 4 * kHourMs } });
        const std::string needle = "kube_pod_owner{";
        std::vector<std::int64_t> times;
        std::string firstSeries;
        std::istringstream in(out.str());
        for (std::string line; std::getline(in, line);) {
            if (line.rfind(needle, 0) != 0)
                continue;
            const std::string series = line.substr(0, line.find('}') + 1);
            if (firstSeries.empty())
                firstSeries = series;
            if (series == firstSeries)
                times.push_back(std::stoll(line.substr(line.rfind(' ') + 1)) * 1000);
        }
        QVERIFY(times.size() > 10);
        const std::int64_t last = MetricsHistory::gridFloor(to);
        for (std::size_t i = 1; i < times.size(); ++i) {
            const std::int64_t age = last - times[i - 1];
            const std::int64_t gap = times[i] - times[i - 1];
            if (age > 4 * kHourMs) // on the 20 min grid, but for the first sample of the 5 min span
                QVERIFY2(gap <= 20 * kMinuteMs && (times[i] % (20 * kMinuteMs) == 0 || last - times[i] <= 4 * kHourMs),
                    std::to_string(age).c_str());
            else if (age > 3 * kHourMs)
                QVERIFY2(gap <= 5 * kMinuteMs, std::to_string(age).c_str());
            else if (age > kHourMs)
                QVERIFY2(gap <= 20 * kMinuteMs, std::to_string(age).c_str());
            else
                QCOMPARE(gap, std::int64_t { 30000 });
        }
        // The spans are dense where asked: 4 h..3 h at 5 min (~12), the newest hour at 30 s (~120).
        const auto countBetween = [&](std::int64_t olderAge, std::int64_t youngerAge) {
            return std::count_if(times.begin(), times.end(),
                [&](std::int64_t t) { return last - t < olderAge && last - t >= youngerAge; });
        };
        QVERIFY(countBetween(4 * kHourMs, 3 * kHourMs) >= 11);
        QVERIFY(countBetween(3 * kHourMs, kHourMs) <= 7);
        QVERIFY(countBetween(kHourMs, 0) >= 119);
    }
};

QTEST_GUILESS_MAIN(TestScaleWorkloads)
#include "tst_scale_workloads.moc"
