#include "core/kube/KubeObjects.h"

#include <nlohmann/json.hpp>

#include <QFile>
#include <QTest>

#include <map>

using namespace leakdesk;
using namespace leakdesk::kube;
using nlohmann::json;

namespace {

// tests/fixtures/kube/<name>, parsed; null (and a test failure) when unreadable.
json fixture(const QString& name)
{
    QFile f(QFINDTESTDATA(QStringLiteral("../../fixtures/kube/") + name));
    if (!f.open(QIODevice::ReadOnly)) {
        QTest::qFail(qPrintable(QStringLiteral("fixture %1 cannot be read").arg(name)), __FILE__, __LINE__);
        return nullptr;
    }
    return json::parse(f.readAll().toStdString(), nullptr, false);
}

} // namespace

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

    // As the sandbox serves them (captured with `sandbox serve --now-ms 1764590400000`, then
    // `kubectl set env deployment/checkout HEAP_LIMIT_RESTART=3584m`): three nodes, and checkout
    // in the middle of its rollout (old ReplicaSet scaled to 0 with its pods still there).
    void sandboxNodes()
    {
        const auto list = parseNodeList(fixture(QStringLiteral("sandbox-nodes.json")));
        QVERIFY(list.ok());
        QCOMPARE(list->items.size(), std::size_t(3));
        QVERIFY(list->skipped.empty());
        QVERIFY(!list->resourceVersion.empty());
        for (const Node& n : list->items) {
            QVERIFY(QString::fromStdString(n.meta.name).startsWith(QLatin1String("prod-worker-")));
            QCOMPARE(n.memoryCapacityBytes.value_or(0), 16LL << 30);
            QCOMPARE(n.memoryAllocatableBytes.value_or(0), 15LL << 30);
            QCOMPARE(n.cpuCapacityCores, 4.0);
            QCOMPARE(n.cpuAllocatableCores, 3.9);
            QVERIFY(n.ready);
            QVERIFY(!n.memoryPressure);
            QCOMPARE(n.kubeletVersion, std::string("v1.32.0"));
            QVERIFY(!n.internalIp.empty());
        }
    }

    void sandboxReplicaSetsDuringRollout()
    {
        const auto list = parseReplicaSetList(fixture(QStringLiteral("sandbox-replicasets-rollout.json")));
        QVERIFY(list.ok());
        QCOMPARE(list->items.size(), std::size_t(4));
        std::map<std::string, const ReplicaSet*> byName;
        for (const ReplicaSet& r : list->items)
            byName[r.meta.name] = &r;
        const ReplicaSet* old = byName["checkout-45kjmkcs9w"];
        const ReplicaSet* current = byName["checkout-h62bgwnsx5"];
        QVERIFY(old && current);
        QCOMPARE(old->ownerDeployment, std::string("checkout"));
        QCOMPARE(current->ownerDeployment, std::string("checkout"));
        QCOMPARE(old->revision, 1);
        QCOMPARE(current->revision, 2);
        QCOMPARE(old->podTemplateHash, std::string("45kjmkcs9w"));
        QCOMPARE(current->podTemplateHash, std::string("h62bgwnsx5"));
        QCOMPARE(old->replicas, 0);
        QCOMPARE(old->currentReplicas, 3);
        QCOMPARE(old->readyReplicas, 3);
        QCOMPARE(current->replicas, 3);
        QCOMPARE(current->currentReplicas, 1);
        QCOMPARE(current->readyReplicas, 0);
        bool env = false;
        for (const auto& [k, v] : current->containers.at(0).env)
            env = env || (k == "HEAP_LIMIT_RESTART" && v == "3584m");
        QVERIFY2(env, "the new template carries the env kubectl set");
        QCOMPARE(byName["payments-jsd25htm7m"]->replicas, 2);
    }

    // Shaped like a managed cloud node: quantities in Ki and milli-cores, a kubelet version with
    // a vendor suffix, a NotReady node under memory pressure, fields the sandbox never sends.
    void realClusterNodes()
    {
        const auto list = parseNodeList(json::parse(R"J({"kind":"NodeList","apiVersion":"v1",
            "metadata":{"resourceVersion":"918273645"},"items":[
            {"metadata":{"name":"ip-10-0-12-34.eu-west-1.compute.internal","uid":"5b1f","resourceVersion":"918273001",
              "labels":{"node.kubernetes.io/instance-type":"m6i.xlarge","topology.kubernetes.io/zone":"eu-west-1a"}},
             "spec":{"taints":[{"key":"dedicated","value":"jvm","effect":"NoSchedule"}]},
             "status":{"capacity":{"cpu":"4","ephemeral-storage":"83873772Ki","hugepages-1Gi":"0","memory":"15896640Ki","pods":"58"},
               "allocatable":{"cpu":"3920m","ephemeral-storage":"76224326324","memory":"14879808Ki","pods":"58"},
               "conditions":[{"type":"MemoryPressure","status":"False","reason":"KubeletHasSufficientMemory"},
                 {"type":"DiskPressure","status":"False"},{"type":"PIDPressure","status":"False"},
                 {"type":"Ready","status":"True","reason":"KubeletReady"}],
               "addresses":[{"type":"InternalIP","address":"10.0.12.34"},{"type":"InternalDNS","address":"ip-10-0-12-34.eu-west-1.compute.internal"}],
               "nodeInfo":{"kubeletVersion":"v1.29.3-eks-ae9a62a","osImage":"Amazon Linux 2023"},
               "images":[{"names":["registry/checkout@sha256:aa"],"sizeBytes":312345678}]}},
            {"metadata":{"name":"gke-prod-pool-2-7f3c","uid":"9e2d"},
             "status":{"capacity":{"cpu":"2","memory":"8148920Ki"},"allocatable":{"cpu":"1930m","memory":"5930936Ki"},
               "conditions":[{"type":"MemoryPressure","status":"True","reason":"KubeletHasInsufficientMemory"},
                 {"type":"Ready","status":"Unknown","reason":"NodeStatusUnknown","message":"Kubelet stopped posting node status."}],
               "nodeInfo":{"kubeletVersion":"v1.30.5-gke.1014001"}}},
            {"metadata":{}}]})J"));
        QVERIFY(list.ok());
        QCOMPARE(list->items.size(), std::size_t(2));
        QCOMPARE(list->skipped.size(), std::size_t(1)); // the nameless one, reported, not dropped silently
        QCOMPARE(list->resourceVersion, std::string("918273645"));
        const Node& eks = list->items[0];
        QCOMPARE(eks.memoryCapacityBytes.value_or(0), 15896640LL * 1024);
        QCOMPARE(eks.memoryAllocatableBytes.value_or(0), 14879808LL * 1024);
        QCOMPARE(eks.cpuCapacityCores, 4.0);
        QCOMPARE(eks.cpuAllocatableCores, 3.92);
        QVERIFY(eks.ready);
        QVERIFY(!eks.memoryPressure);
        QCOMPARE(eks.kubeletVersion, std::string("v1.29.3-eks-ae9a62a"));
        QCOMPARE(eks.internalIp, std::string("10.0.12.34"));
        const Node& gke = list->items[1];
        QVERIFY2(!gke.ready, "Ready=Unknown is not ready");
        QVERIFY(gke.memoryPressure);
        QCOMPARE(gke.cpuAllocatableCores, 1.93);
        QCOMPARE(gke.kubeletVersion, std::string("v1.30.5-gke.1014001"));
    }

    // A ReplicaSet as a real controller leaves it: no readyReplicas key while none is ready,
    // revision-history annotation, and an owner that is not a Deployment (a bare ReplicaSet).
    void realClusterReplicaSets()
    {
        const auto list = parseReplicaSetList(json::parse(R"J({"kind":"ReplicaSetList","apiVersion":"apps/v1",
            "metadata":{"resourceVersion":"5521"},"items":[
            {"metadata":{"name":"checkout-6d9c7b8f4d","namespace":"shop","generation":4,
              "labels":{"app":"checkout","pod-template-hash":"6d9c7b8f4d"},
              "annotations":{"deployment.kubernetes.io/desired-replicas":"4","deployment.kubernetes.io/max-replicas":"5",
                "deployment.kubernetes.io/revision":"12","deployment.kubernetes.io/revision-history":"8,10"},
              "ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"checkout","uid":"d1","controller":true}]},
             "spec":{"replicas":4,"selector":{"matchLabels":{"app":"checkout","pod-template-hash":"6d9c7b8f4d"}},
               "template":{"spec":{"containers":[{"name":"checkout","image":"c:2","resources":{"limits":{"memory":"3Gi"}}},
                 {"name":"istio-proxy","image":"proxy:1.20"}]}}},
             "status":{"replicas":2,"fullyLabeledReplicas":2,"observedGeneration":4}},
            {"metadata":{"name":"standalone","namespace":"shop"},"spec":{"replicas":1},"status":{"replicas":1,"readyReplicas":1}}]})J"));
        QVERIFY(list.ok());
        QCOMPARE(list->items.size(), std::size_t(2));
        const ReplicaSet& rs = list->items[0];
        QCOMPARE(rs.revision, 12);
        QCOMPARE(rs.replicas, 4);
        QCOMPARE(rs.currentReplicas, 2);
        QCOMPARE(rs.readyReplicas, 0);
        QCOMPARE(rs.ownerDeployment, std::string("checkout"));
        QCOMPARE(rs.containers.size(), std::size_t(2));
        QCOMPARE(rs.containers[0].memoryLimitBytes.value_or(0), 3LL << 30);
        const ReplicaSet& bare = list->items[1];
        QVERIFY(bare.ownerDeployment.empty());
        QCOMPARE(bare.revision, 0);
        QVERIFY(bare.podTemplateHash.empty());
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
