#include "core/oom/OomEvidence.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::oom;

namespace {

constexpr std::int64_t kMin = 60 * 1000;
constexpr std::int64_t kNow = 1'700'000'000'000;

kube::Pod makePod(const std::string& name, const std::string& node, std::optional<std::int64_t> lastOomMs)
{
    kube::Pod p;
    p.meta.name = name;
    p.meta.ns = "production";
    p.nodeName = node;
    kube::ContainerStatus st;
    st.name = "app";
    if (lastOomMs)
        st.lastTerminated = kube::TerminatedState { "OOMKilled", 137, *lastOomMs - 15 * kMin, *lastOomMs };
    p.statuses.push_back(st);
    return p;
}

// A counter scraped every 30 s that increases by one at each of `at`.
Series counter(const std::string& pod, const std::vector<std::int64_t>& at, std::int64_t from, std::int64_t to)
{
    Series s;
    s.labels["pod"] = pod;
    double v = 3; // history before the window
    for (std::int64_t t = from; t <= to; t += 30000) {
        for (auto a : at)
            if (a > t - 30000 && a <= t)
                v += 1;
        s.samples.push_back({ t, v });
    }
    return s;
}

kube::Event nodeEvent(const std::string& node, std::int64_t t, const std::string& ns = "default")
{
    kube::Event e;
    e.meta.name = node + "." + std::to_string(t);
    e.meta.ns = ns;
    e.reason = "OOMKilling";
    e.involved = { "Node", node, "" };
    e.sourceComponent = "kernel-monitor";
    e.message = "Memory cgroup out of memory: Killed process 4242 (java)";
    e.lastMs = t;
    e.firstMs = t;
    return e;
}

} // namespace

class TestOomEvidence : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void counterIncreasesHandleResets()
    {
        Series s;
        s.samples = { { 0, 5 }, { 1, 5 }, { 2, 6 }, { 3, 8 }, { 4, 1 }, { 5, 1 } };
        const auto t = counterIncreaseTimes(s);
        QCOMPARE(t, (std::vector<std::int64_t> { 2, 3, 3, 4 }));
    }

    void fusesAllSources()
    {
        // Three kills of pod a in the last hour, on node-1. Only the last is in the pod status;
        // all three are seen by cAdvisor, restarts+KSM, and NPD node events.
        const std::vector<std::int64_t> kills { kNow - 50 * kMin, kNow - 30 * kMin, kNow - 10 * kMin };
        OomInputs in;
        in.pods = { makePod("a", "node-1", kills.back()), makePod("b", "node-2", std::nullopt) };
        in.oomEventCounters = { counter("a", kills, kNow - 60 * kMin, kNow) };
        in.restarts = { counter("a", kills, kNow - 60 * kMin, kNow) };
        Series last;
        last.labels = { { "pod", "a" }, { "container", "app" }, { "reason", "OOMKilled" } };
        for (std::int64_t t = kNow - 60 * kMin; t <= kNow; t += 30000)
            last.samples.push_back({ t, 1 });
        in.lastTerminatedOom = { last };
        for (auto k : kills)
            in.oomEvents.push_back(nodeEvent("node-1", k + 2000));
        in.oomEvents.push_back(nodeEvent("node-9", kNow - 5 * kMin)); // another service's node: ignored
        in.oomEvents.push_back(nodeEvent("node-2", kNow - 20 * kMin)); // pod b's node, but b was not killed

        const auto f = fuseOomEvidence(in, "production", kNow);
        QCOMPARE(f.kills.size(), size_t(3));
        for (const auto& k : f.kills) {
            QCOMPARE(k.pod, std::string("a"));
            QVERIFY(k.sources.count(kSourceCadvisor));
            QVERIFY(k.sources.count(kSourceKubeStateMetrics));
            QVERIFY(k.sources.count(kSourceNodeEvent));
        }
        QVERIFY(f.kills.back().sources.count(kSourcePodStatus));
        QCOMPARE(f.kills.back().timeMs, kills.back()); // exact time from the pod status wins
        QCOMPARE(f.countLastHour, 3);
        QCOMPARE(f.maxInAnyWindow, 3);
        QVERIFY(f.ruleMet);
        QCOMPARE(f.unattributedNodeEvents, 1); // reported, not counted against the service
        // Node events live in "default": the literal command in "production" shows none.
        QCOMPARE(f.literalEventCount, 0);
        QVERIFY(!f.notes.empty());
    }

    void withoutNodeProblemDetector()
    {
        const std::vector<std::int64_t> kills { kNow - 40 * kMin, kNow - 5 * kMin };
        OomInputs in;
        in.pods = { makePod("a", "node-1", kills.back()) };
        in.oomEventCounters = { counter("a", kills, kNow - 60 * kMin, kNow) };
        const auto f = fuseOomEvidence(in, "production", kNow);
        QCOMPARE(f.kills.size(), size_t(2));
        QCOMPARE(f.countLastHour, 2);
        QVERIFY(!f.ruleMet); // 2 is not "more than 2"
    }

    void slidingWindow_data()
    {
        QTest::addColumn<QList<int>>("minutesAgo");
        QTest::addColumn<int>("lastHour");
        QTest::addColumn<int>("maxAny");
        QTest::addColumn<bool>("met");
        QTest::newRow("three recent") << QList<int> { 5, 20, 40 } << 3 << 3 << true;
        QTest::newRow("three spread over 2h") << QList<int> { 10, 70, 130 } << 1 << 1 << false;
        QTest::newRow("burst 2h ago") << QList<int> { 100, 110, 120, 125 } << 0 << 4 << true;
        QTest::newRow("exactly two") << QList<int> { 1, 2 } << 2 << 2 << false;
    }
    void slidingWindow()
    {
        QFETCH(QList<int>, minutesAgo);
        QFETCH(int, lastHour);
        QFETCH(int, maxAny);
        QFETCH(bool, met);
        OomInputs in;
        in.pods = { makePod("a", "n", std::nullopt) };
        std::vector<std::int64_t> kills;
        for (int m : minutesAgo)
            kills.push_back(kNow - m * kMin);
        in.oomEventCounters = { counter("a", kills, kNow - 180 * kMin, kNow) };
        const auto f = fuseOomEvidence(in, "production", kNow);
        QCOMPARE(f.countLastHour, lastHour);
        QCOMPARE(f.maxInAnyWindow, maxAny);
        QCOMPARE(f.ruleMet, met);
    }
};

QTEST_GUILESS_MAIN(TestOomEvidence)
#include "tst_oom_evidence.moc"
