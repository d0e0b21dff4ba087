// The sandbox's watch cache: what it records when the objects at two instants differ (ADDED,
// MODIFIED, DELETED; nothing for a resourceVersion-only difference), the one increasing revision
// counter, compaction (410 Gone), and the resourceVersions the served objects carry: they move
// only when an object changes and never exceed the revision a list reports.

#include "core/sandbox/kubeapi/DeploymentStore.h"
#include "core/sandbox/kubeapi/ServedKubeObjects.h"
#include "core/sandbox/kubeapi/KubeWatch.h"
#include "core/sandbox/model/SandboxModel.h"

#include <QTest>

using namespace leakdesk::sandbox;
using nlohmann::json;

namespace {

constexpr std::int64_t kNow = 1773152625000; // 2026-03-10T14:23:45Z

json object(const std::string& name, const std::string& rv, int value)
{
    return { { "metadata", { { "name", name }, { "namespace", "production" }, { "resourceVersion", rv } } },
        { "spec", { { "value", value } } } };
}

std::int64_t rvOf(const json& obj)
{
    return std::stoll(obj["metadata"]["resourceVersion"].get<std::string>());
}

} // namespace

class TestKubeWatchCache : public QObject {
    Q_OBJECT

    std::vector<json> m_objects;
    std::int64_t m_floor = 100;
    WatchHub::Source source()
    {
        return [this](std::int64_t) { return m_objects; };
    }

private Q_SLOTS:
    void init()
    {
        m_objects.clear();
        m_floor = 100;
    }

    void firstAdvanceKnowsNothingOlder()
    {
        WatchHub hub([this](std::int64_t) { return m_floor; });
        m_objects = { object("a", "90", 1) };
        QCOMPARE(hub.advance("Pod", source(), kNow).size(), std::size_t(1));
        QCOMPARE(hub.counter(), std::int64_t(100));
        QCOMPARE(hub.oldestResourceVersion("Pod"), std::int64_t(100));
        QVERIFY(hub.eventsAfter("Pod", 100).has_value());
        QVERIFY(hub.eventsAfter("Pod", 100)->empty());
        QVERIFY2(!hub.eventsAfter("Pod", 99), "older than the cache: 410 Gone");
        QVERIFY2(!hub.eventsAfter("Node", 100), "no cache yet: nothing can be replayed");
    }

    void changesBecomeEvents()
    {
        WatchHub hub([this](std::int64_t) { return m_floor; });
        m_objects = { object("a", "90", 1), object("b", "95", 1), object("c", "96", 1) };
        hub.advance("Pod", source(), kNow);
        const std::int64_t listed = hub.resourceVersion(kNow);

        // a changes, b only gets a new resourceVersion, c goes, d comes.
        m_objects = { object("a", "97", 2), object("b", "98", 1), object("d", "99", 1) };
        hub.advance("Pod", source(), kNow + 1000);
        const auto events = hub.eventsAfter("Pod", listed);
        QVERIFY(events);
        QCOMPARE(events->size(), std::size_t(3));
        std::map<std::string, const WatchEvent*> byName;
        std::int64_t last = listed;
        for (const WatchEvent* e : *events) {
            byName[e->object["metadata"]["name"]] = e;
            QVERIFY2(e->resourceVersion > last, "one strictly increasing revision");
            QCOMPARE(rvOf(e->object), e->resourceVersion);
            last = e->resourceVersion;
        }
        QCOMPARE(QString::fromStdString(byName.at("a")->type), QStringLiteral("MODIFIED"));
        QCOMPARE(byName.at("a")->previous["spec"]["value"].get<int>(), 1);
        QCOMPARE(byName.at("a")->object["spec"]["value"].get<int>(), 2);
        QCOMPARE(QString::fromStdString(byName.at("c")->type), QStringLiteral("DELETED"));
        QCOMPARE(byName.at("c")->object["spec"]["value"].get<int>(), 1);
        QCOMPARE(QString::fromStdString(byName.at("d")->type), QStringLiteral("ADDED"));
        QVERIFY2(!byName.count("b"), "a resourceVersion alone is no change");
        QVERIFY2(byName.at("a")->resourceVersion < byName.at("d")->resourceVersion
                && byName.at("d")->resourceVersion < byName.at("c")->resourceVersion,
            "in the order they happened (deletions last: their time is the advance)");
        QCOMPARE(hub.resourceVersion(kNow + 1000), last);

        // Nothing changed: nothing new, the same revision.
        hub.advance("Pod", source(), kNow + 2000);
        QCOMPARE(hub.eventsAfter("Pod", listed)->size(), std::size_t(3));
        QCOMPARE(hub.counter(), last);
        QVERIFY(hub.eventsAfter("Pod", last)->empty());
    }

    void counterFollowsFloor()
    {
        WatchHub hub([this](std::int64_t) { return m_floor; });
        m_objects = { object("a", "1", 1) };
        hub.advance("Pod", source(), kNow);
        m_floor = 5000; // time went on, or a deployment write took a larger one
        m_objects = { object("a", "1", 2) };
        hub.advance("Pod", source(), kNow + 1000);
        const auto events = hub.eventsAfter("Pod", 100);
        QCOMPARE(events->size(), std::size_t(1));
        QVERIFY(events->front()->resourceVersion > 5000);
        QCOMPARE(hub.resourceVersion(kNow), events->front()->resourceVersion);
    }

    void oldEventsAreCompacted()
    {
        WatchHub hub([this](std::int64_t) { return m_floor; });
        m_objects = { object("a", "1", 0) };
        hub.advance("Pod", source(), kNow);
        const std::int64_t listed = hub.counter();
        m_objects = { object("a", "1", 1) };
        hub.advance("Pod", source(), kNow + 1000);
        QCOMPARE(hub.eventsAfter("Pod", listed)->size(), std::size_t(1));
        // Past the retention, the next change pushes the old event out: a watch from before it is too old.
        m_objects = { object("a", "1", 2) };
        hub.advance("Pod", source(), kNow + 1000 + WatchHub::kRetentionMs + 1);
        QVERIFY(!hub.eventsAfter("Pod", listed));
        QCOMPARE(hub.eventsAfter("Pod", hub.oldestResourceVersion("Pod"))->size(), std::size_t(1));

        // And never more than kMaxEvents.
        for (std::size_t i = 0; i < WatchHub::kMaxEvents + 10; ++i) {
            m_objects = { object("a", "1", static_cast<int>(i) + 10) };
            hub.advance("Pod", source(), kNow + 2 * WatchHub::kRetentionMs);
        }
        QCOMPARE(hub.eventsAfter("Pod", hub.oldestResourceVersion("Pod"))->size(), WatchHub::kMaxEvents);
    }

    // What the served objects carry: a pod's resourceVersion moves only when the pod changes, and
    // no object in a list is newer than the list.
    void servedResourceVersionsFollowChanges()
    {
        SandboxModel model(42, kNow);
        ServedKubeObjects objects(model);
        WriteVersions versions;
        DeploymentStore deployments(model, objects, versions);
        std::map<std::size_t, std::pair<json, std::int64_t>> lastPod;
        for (std::int64_t t = kNow - 2 * kHourMs; t <= kNow; t += 7 * kSecondMs) {
            const std::int64_t listRv = std::stoll(objects.listResourceVersion(t));
            for (std::size_t p = 0; p < model.pods().size(); ++p) {
                json pod = objects.pod(p, t);
                const std::int64_t rv = rvOf(pod);
                QVERIFY2(rv <= listRv, "a pod newer than the list that holds it");
                pod["metadata"].erase("resourceVersion");
                if (const auto it = lastPod.find(p); it != lastPod.end()) {
                    QVERIFY(rv >= it->second.second);
                    QCOMPARE(rv != it->second.second, pod != it->second.first);
                }
                lastPod[p] = { pod, rv };
            }
            for (std::size_t s = 0; s < model.services().size(); ++s) {
                QVERIFY(rvOf(deployments.deployment(s, t)) <= listRv);
                QVERIFY(rvOf(objects.replicaSet(s, t)) <= listRv);
            }
            for (std::size_t n = 0; n < model.nodes().size(); ++n)
                QVERIFY(rvOf(objects.node(n, t)) <= listRv);
        }
    }
};

QTEST_GUILESS_MAIN(TestKubeWatchCache)
#include "tst_kube_watch_cache.moc"
