#include "kube/KubeObjects.h"

#include <nlohmann/json.hpp>

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::kube;
using nlohmann::json;

class TestKubeObjects : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void timestamps_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qlonglong>("ms");
        QTest::newRow("utc") << "2024-05-01T12:00:00Z" << 1714564800000LL;
        QTest::newRow("fraction") << "2024-05-01T12:00:00.250000Z" << 1714564800250LL;
        QTest::newRow("offset") << "2024-05-01T14:00:00+02:00" << 1714564800000LL;
        QTest::newRow("empty") << "" << 0LL;
        QTest::newRow("garbage") << "yesterday" << 0LL;
    }
    void timestamps()
    {
        QFETCH(QString, text);
        QFETCH(qlonglong, ms);
        QCOMPARE(static_cast<qlonglong>(parseTimestampMs(text.toStdString())), ms);
    }

    void podWithOomKilledLastState()
    {
        const json pod = json::parse(R"J({
          "metadata": {"name": "checkout-7c9d8f6b5d-x2k9p", "namespace": "production", "labels": {"app": "checkout"}},
          "spec": {"nodeName": "node-a", "containers": [{"name": "app", "image": "checkout:1",
                   "resources": {"limits": {"memory": "2Gi"}, "requests": {"memory": "1Gi"}}}]},
          "status": {"phase": "Running", "startTime": "2024-05-01T10:00:00Z",
            "containerStatuses": [{"name": "app", "ready": true, "restartCount": 7,
              "state": {"running": {"startedAt": "2024-05-01T11:59:00Z"}},
              "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137,
                 "startedAt": "2024-05-01T11:40:00Z", "finishedAt": "2024-05-01T11:58:50Z"}}}]}})J");
        auto p = parsePod(pod);
        QVERIFY(p.ok());
        QCOMPARE(p->restartCount(), 7);
        QCOMPARE(*p->memoryLimitBytes(), 2LL << 30);
        const auto* st = p->status("app");
        QVERIFY(st && st->lastTerminated);
        QCOMPARE(st->lastTerminated->reason, std::string("OOMKilled"));
        QCOMPARE(st->lastTerminated->exitCode, 137);
        QCOMPARE(st->state, std::string("running"));
    }

    void eventShapes()
    {
        // core/v1 node event from node-problem-detector
        auto v1 = parseEvent(json::parse(R"J({"metadata": {"name": "node-a.17", "namespace": "default"}, "reason": "OOMKilling",
            "type": "Warning", "message": "Memory cgroup out of memory: Killed process 4242 (java)",
            "involvedObject": {"kind": "Node", "name": "node-a"}, "source": {"component": "kernel-monitor", "host": "node-a"},
            "count": 1, "lastTimestamp": "2024-05-01T11:58:50Z"})J"));
        QVERIFY(v1.ok());
        QCOMPARE(v1->involved.kind, std::string("Node"));
        QCOMPARE(v1->sourceComponent, std::string("kernel-monitor"));
        QCOMPARE(v1->lastMs, parseTimestampMs("2024-05-01T11:58:50Z"));
        // events.k8s.io/v1 has note/regarding/eventTime
        auto v1new = parseEvent(json::parse(R"J({"metadata": {"name": "e2"}, "reason": "OOMKilling", "note": "killed",
            "regarding": {"kind": "Node", "name": "node-b"}, "eventTime": "2024-05-01T11:00:00.000000Z", "reportingController": "kernel-monitor"})J"));
        QVERIFY(v1new.ok());
        QCOMPARE(v1new->message, std::string("killed"));
        QCOMPARE(v1new->involved.name, std::string("node-b"));
        QCOMPARE(v1new->lastMs, parseTimestampMs("2024-05-01T11:00:00Z"));
    }

    void listSkipsBrokenItemsVisibly()
    {
        auto list = parsePodList(json::parse(R"J({"metadata": {"continue": "abc"}, "items": [{"metadata": {"name": "ok"}}, {"metadata": {}}, 5]})J"));
        QVERIFY(list.ok());
        QCOMPARE(list->items.size(), size_t(1));
        QCOMPARE(list->skipped.size(), size_t(2));
        QCOMPARE(list->continueToken, std::string("abc"));
        QVERIFY(!parsePodList(json::parse(R"J({"kind": "Status"})J")).ok());
    }

    void replicaSetOfARollout()
    {
        const auto rs = parseReplicaSet(nlohmann::json::parse(R"({"metadata":{"name":"checkout-7c9f8d6b5x",
            "labels":{"app":"checkout","pod-template-hash":"7c9f8d6b5x"},
            "annotations":{"deployment.kubernetes.io/revision":"3"},
            "ownerReferences":[{"kind":"Deployment","name":"checkout","uid":"u"}]},
            "spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"checkout","image":"c:1",
            "resources":{"limits":{"memory":"4Gi"}}}]}}},"status":{"replicas":3,"readyReplicas":2}})"));
        QVERIFY(rs.ok());
        QCOMPARE(rs->revision, 3);
        QCOMPARE(rs->podTemplateHash, std::string("7c9f8d6b5x"));
        QCOMPARE(rs->ownerDeployment, std::string("checkout"));
        QCOMPARE(rs->replicas, 3);
        QCOMPARE(rs->readyReplicas, 2);
        QCOMPARE(rs->containers.at(0).memoryLimitBytes.value_or(0), 4LL << 30);
    }

    void nodeAllocatableAndConditions()
    {
        const auto node = parseNode(nlohmann::json::parse(R"({"metadata":{"name":"prod-worker-1"},
            "status":{"capacity":{"cpu":"4","memory":"16Gi"},"allocatable":{"cpu":"3900m","memory":"15Gi"},
            "conditions":[{"type":"MemoryPressure","status":"True"},{"type":"Ready","status":"True"}],
            "nodeInfo":{"kubeletVersion":"v1.32.0"},"addresses":[{"type":"InternalIP","address":"10.0.1.11"}]}})"));
        QVERIFY(node.ok());
        QCOMPARE(node->memoryCapacityBytes.value_or(0), 16LL << 30);
        QCOMPARE(node->memoryAllocatableBytes.value_or(0), 15LL << 30);
        QCOMPARE(node->cpuAllocatableCores, 3.9);
        QVERIFY(node->ready);
        QVERIFY(node->memoryPressure);
        QCOMPARE(node->internalIp, std::string("10.0.1.11"));
        QVERIFY(!parseNode(nlohmann::json::array()).ok());
    }

    void podMetrics()
    {
        auto m = parsePodMetrics(json::parse(R"J({"metadata": {"name": "p"}, "timestamp": "2024-05-01T12:00:00Z",
            "containers": [{"name": "a", "usage": {"cpu": "250m", "memory": "1536Mi"}}, {"name": "b", "usage": {"cpu": "10m", "memory": "512Ki"}}]})J"));
        QVERIFY(m.ok());
        QCOMPARE(m->memoryBytes(), (1536LL << 20) + (512LL << 10));
        QCOMPARE(m->containers[0].cpuCores, 0.25);
    }
};

QTEST_GUILESS_MAIN(TestKubeObjects)
#include "tst_kube_objects.moc"
