// The pure parts of the mitigations: the limit suggested by a peak, HEAP_LIMIT_RESTART by the
// runbook's ratio, the kubectl equivalents, the spec diff, the record's JSON and rollout status.

#include "core/actions/CapacityChecks.h"
#include "core/actions/MitigationRecord.h"
#include "core/actions/MitigationValues.h"
#include "core/actions/RolloutProgress.h"
#include "core/actions/SpecDiff.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::actions;
using nlohmann::json;

namespace {
constexpr std::int64_t kMi = 1024LL * 1024;
constexpr std::int64_t kGi = 1024 * kMi;

json deployment(const std::string& memory, const json& env, const json& annotations = json::object())
{
    json c = { { "name", "checkout" }, { "image", "registry.local/checkout:1.0" },
        { "resources", { { "limits", { { "memory", memory } } }, { "requests", { { "memory", "1Gi" } } } } } };
    if (!env.is_null())
        c["env"] = env;
    json sidecar = { { "name", "envoy" }, { "image", "envoy:1.29" } };
    return { { "metadata", { { "name", "checkout" }, { "resourceVersion", "17" } } },
        { "spec",
            { { "replicas", 3 },
                { "template",
                    { { "metadata", { { "labels", { { "app", "checkout" } } }, { "annotations", annotations } } },
                        { "spec", { { "containers", json::array({ c, sidecar }) } } } } } } } };
}
} // namespace

class TestActionsValues : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void suggestion_data()
    {
        QTest::addColumn<qint64>("peak");
        QTest::addColumn<qint64>("suggested");
        QTest::newRow("2Gi peak -> 2.5Gi") << qint64(2 * kGi) << qint64(2560 * kMi);
        QTest::newRow("exact step stays") << qint64(1024 * kMi) << qint64(1280 * kMi);
        QTest::newRow("one byte over rounds up") << qint64(1024 * kMi + 1) << qint64(1536 * kMi);
        QTest::newRow("3.3Gi -> 4352Mi") << qint64(3379 * kMi) << qint64(4352 * kMi);
        QTest::newRow("tiny peak -> one step") << qint64(1) << qint64(256 * kMi);
    }
    void suggestion()
    {
        QFETCH(qint64, peak);
        QFETCH(qint64, suggested);
        const auto s = suggestMemoryLimit(peak);
        QVERIFY(s.ok());
        QCOMPARE(qint64(*s), suggested);
        QVERIFY(*s >= peak * 5 / 4);
        QCOMPARE(*s % (256 * kMi), 0);
    }
    void suggestionNeedsAPeak()
    {
        QCOMPARE(suggestMemoryLimit(0).error().code, ErrorCode::InvalidArgument);
        QCOMPARE(suggestMemoryLimit(-5).error().code, ErrorCode::InvalidArgument);
    }

    void heapRatio_data()
    {
        QTest::addColumn<qint64>("limit");
        QTest::addColumn<QString>("expected");
        QTest::newRow("runbook 4Gi") << qint64(4 * kGi) << "3584m";
        QTest::newRow("2Gi") << qint64(2 * kGi) << "1792m";
        QTest::newRow("4352Mi") << qint64(4352 * kMi) << "3808m";
        QTest::newRow("rounds down") << qint64(1000 * kMi) << "875m";
    }
    void heapRatio()
    {
        QFETCH(qint64, limit);
        QFETCH(QString, expected);
        QCOMPARE(heapRestartRatio({}), 0.875);
        QCOMPARE(QString::fromStdString(heapLimitRestartFor(limit)), expected);
    }
    void heapRatioFollowsTheRunbook()
    {
        runbook::RunbookParameters p;
        p.memoryLimitBytes = 8 * kGi;
        p.heapLimitRestartBytes = 6 * kGi;
        QCOMPARE(heapRestartRatio(p), 0.75);
        QCOMPARE(heapLimitRestartFor(4 * kGi, p), std::string("3072m"));
    }

    void valueParsing()
    {
        QCOMPARE(*parseMemoryLimit("4Gi"), 4 * kGi);
        QCOMPARE(parseMemoryLimit("4Gx").error().code, ErrorCode::InvalidArgument);
        QCOMPARE(parseMemoryLimit("12").error().code, ErrorCode::InvalidArgument); // 12 bytes
        QCOMPARE(*parseHeapLimitRestart("3584m"), 3584 * kMi);
        QCOMPARE(parseHeapLimitRestart("lots").error().code, ErrorCode::InvalidArgument);
        QCOMPARE(parseMitigationKind("heap-restart"), std::optional(MitigationKind::SetHeapLimitRestart));
        QVERIFY(!parseMitigationKind("scale"));
    }

    void kubectlCommands()
    {
        const KubectlTarget t { "production", "checkout", "checkout", false };
        QCOMPARE(kubectlCommand(MitigationKind::RaiseMemoryLimit, t, std::string("4Gi")),
            std::string("kubectl set resources deployment/checkout -n production -c checkout --limits=memory=4Gi"));
        QCOMPARE(kubectlCommand(MitigationKind::SetHeapLimitRestart, t, std::string("3584m")),
            std::string("kubectl set env deployment/checkout -n production HEAP_LIMIT_RESTART=3584m"));
        QCOMPARE(kubectlCommand(MitigationKind::RolloutRestart, t, std::string("2026-01-01T00:00:00Z")),
            std::string("kubectl rollout restart deployment/checkout -n production"));
        // Reverts to "no value": env removal, or a patch that deletes the field.
        QCOMPARE(kubectlCommand(
                     MitigationKind::SetHeapLimitRestart, { "production", "checkout", "app", true }, std::nullopt),
            std::string("kubectl set env deployment/checkout -n production -c app HEAP_LIMIT_RESTART-"));
        const json patch = { { "spec", { { "x", nullptr } } } };
        QCOMPARE(kubectlCommand(MitigationKind::RaiseMemoryLimit, t, std::nullopt, patch),
            std::string(
                "kubectl patch deployment/checkout -n production --type=strategic -p '{\"spec\":{\"x\":null}}'"));
    }

    void diffShowsOnlyChangedPathsByName()
    {
        const json before = deployment("2Gi", nullptr);
        const json after
            = deployment("4Gi", json::array({ { { "name", "HEAP_LIMIT_RESTART" }, { "value", "3584m" } } }),
                { { "kubectl.kubernetes.io/restartedAt", "2026-12-01T14:00:00Z" } });
        const auto d = diffDeploymentSpec(before, after);
        QCOMPARE(d.size(), std::size_t(3));
        QCOMPARE(d[0].toString(),
            std::string("spec.template.metadata.annotations[kubectl.kubernetes.io/restartedAt]: <none> → "
                        "2026-12-01T14:00:00Z"));
        QCOMPARE(
            d[1].toString(), std::string("spec.template.spec.containers[checkout].resources.limits.memory: 2Gi → 4Gi"));
        QCOMPARE(d[2].toString(),
            std::string("spec.template.spec.containers[checkout].env[HEAP_LIMIT_RESTART].value: <none> → 3584m"));
        QVERIFY(diffDeploymentSpec(before, before).empty());
        // Removal and a reordered list by name: only the value that changed.
        const auto back = diffDeploymentSpec(after, before);
        QCOMPARE(back.size(), std::size_t(3));
        QCOMPARE(back[1].toString(),
            std::string("spec.template.spec.containers[checkout].env[HEAP_LIMIT_RESTART].value: 3584m → <none>"));
        json reordered = before;
        auto& cs = reordered["spec"]["template"]["spec"]["containers"];
        std::swap(cs[0], cs[1]);
        QVERIFY(diffDeploymentSpec(before, reordered).empty());
        // A variable added next to existing ones: one line, its value.
        const json withEnv = deployment("2Gi", json::array({ { { "name", "JAVA_OPTS" }, { "value", "-Xss1m" } } }));
        json plusHeap = withEnv;
        plusHeap["spec"]["template"]["spec"]["containers"][0]["env"].push_back(
            { { "name", "HEAP_LIMIT_RESTART" }, { "value", "3584m" } });
        const auto added = diffDeploymentSpec(withEnv, plusHeap);
        QCOMPARE(added.size(), std::size_t(1));
        QCOMPARE(added[0].toString(),
            std::string("spec.template.spec.containers[checkout].env[HEAP_LIMIT_RESTART].value: <none> → 3584m"));
        const auto removed = diffDeploymentSpec(plusHeap, withEnv);
        QCOMPARE(removed.size(), std::size_t(1));
        QCOMPARE(removed[0].after, std::string("<none>"));
    }

    void diffOfScalarsAndUnnamedLists()
    {
        const auto d = diffJson(json { { "replicas", 3 }, { "args", json::array({ "a", "b" }) } },
            json { { "replicas", 5 }, { "args", json::array({ "a" }) } }, "spec");
        QCOMPARE(d.size(), std::size_t(2));
        QCOMPARE(d[0].toString(), std::string("spec.args: [\"a\",\"b\"] → [\"a\"]"));
        QCOMPARE(d[1].toString(), std::string("spec.replicas: 3 → 5"));
    }

    void recordRoundTrip()
    {
        MitigationRecord r;
        r.id = "limits-checkout-1";
        r.kind = MitigationKind::SetHeapLimitRestart;
        r.ns = "production";
        r.workload = { kube::WorkloadKind::Deployment, "checkout" };
        r.container = "checkout";
        r.before = { { "env.HEAP_LIMIT_RESTART", std::nullopt } };
        r.after = { { "env.HEAP_LIMIT_RESTART", "3584m" } };
        r.resourceVersion = "1234";
        r.generation = 3;
        r.appliedMs = 1764597600000;
        r.fieldManager = "leakdesk";
        r.kubectl = "kubectl set env deployment/checkout -n production HEAP_LIMIT_RESTART=3584m";
        const json j = r.toJson();
        QCOMPARE(j["kind"].get<std::string>(), std::string("heap-restart"));
        QVERIFY(j["before"]["env.HEAP_LIMIT_RESTART"].is_null());
        QCOMPARE(j["appliedAt"].get<std::string>(), std::string("2025-12-01T14:00:00Z"));
        const auto back = MitigationRecord::fromJson(json::parse(j.dump()));
        QVERIFY2(back.ok(), back.ok() ? "" : back.error().message.c_str());
        QCOMPARE(back->toJson().dump(), j.dump());
    }

    void damagedRecordsAreRefused_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("message");
        QTest::newRow("not an object") << "[1]"
                                       << "not a JSON object";
        QTest::newRow("no resourceVersion")
            << R"({"id":"x","kind":"limits","namespace":"p","deployment":"d","container":"c","before":{"a":null},"after":{"a":"1"}})"
            << "resourceVersion";
        QTest::newRow("unknown kind")
            << R"({"id":"x","kind":"scale","namespace":"p","deployment":"d","container":"c","resourceVersion":"1"})"
            << "unknown";
        QTest::newRow("number value")
            << R"({"id":"x","kind":"limits","namespace":"p","deployment":"d","container":"c","resourceVersion":"1","before":{"a":5},"after":{"a":"1"}})"
            << "neither a string nor null";
        QTest::newRow("nothing to restore")
            << R"({"id":"x","kind":"limits","namespace":"p","deployment":"d","container":"c","resourceVersion":"1","before":{},"after":{}})"
            << "no values";
    }
    void damagedRecordsAreRefused()
    {
        QFETCH(QString, text);
        QFETCH(QString, message);
        const auto r = MitigationRecord::fromJson(json::parse(text.toStdString()));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Parse);
        QVERIFY2(QString::fromStdString(r.error().message).contains(message), r.error().message.c_str());
    }

    void nodeAllocatable()
    {
        kube::Node small;
        small.meta.name = "node-a";
        small.memoryAllocatableBytes = 7 * kGi;
        kube::Node big;
        big.meta.name = "node-b";
        big.memoryAllocatableBytes = 15 * kGi;
        QVERIFY(!nodeAllocatableWarning({ small, big }, { 8 * kGi, "8Gi", 2 * kGi, 3 }));
        const auto w = nodeAllocatableWarning({ small, big }, { 16 * kGi, "16Gi", 2 * kGi, 3 });
        QCOMPARE(w.value_or(""),
            std::string("16Gi is above the largest node's allocatable memory (15Gi on node-b): the new pods would stay "
                        "Pending"));
        QCOMPARE(nodeAllocatableWarning({ kube::Node {} }, { kGi, "1Gi", 0, 1 }).value_or(""),
            std::string("node allocatable memory not checked: no node reports it"));
    }

    void limitRanges()
    {
        // Shaped like `kubectl get limitranges -o json` on a cluster with a per-container cap.
        const json list = json::parse(R"({"apiVersion":"v1","kind":"LimitRangeList","items":[
            {"metadata":{"name":"mem-cap"},"spec":{"limits":[
                {"type":"Container","max":{"memory":"3Gi","cpu":"2"},"default":{"memory":"1Gi"}},
                {"type":"PersistentVolumeClaim","max":{"storage":"1Gi"}}]}},
            {"metadata":{"name":"roomy"},"spec":{"limits":[{"type":"Pod","max":{"memory":"8Gi"}}]}},
            {"metadata":{"name":"odd"},"spec":{"limits":"not a list"}}]})");
        const auto w = limitRangeWarnings(list, { 4 * kGi, "4Gi", 2 * kGi, 3 });
        QCOMPARE(w.size(), std::size_t(1));
        QCOMPARE(w[0],
            std::string("LimitRange \"mem-cap\" allows at most 3Gi per Container: the API server will reject 4Gi"));
        QVERIFY(limitRangeWarnings(list, { 3 * kGi, "3Gi", 2 * kGi, 3 }).empty());
        QVERIFY(limitRangeWarnings(json::array(), { 3 * kGi, "3Gi", 2 * kGi, 3 }).empty());
    }

    void resourceQuotas()
    {
        const json list = json::parse(R"({"kind":"ResourceQuotaList","items":[
            {"metadata":{"name":"team-quota"},"spec":{"hard":{"limits.memory":"10Gi","pods":"20"}},
             "status":{"hard":{"limits.memory":"10Gi"},"used":{"limits.memory":"7Gi"}}},
            {"metadata":{"name":"fresh"},"spec":{"hard":{"memory":"12Gi"}}}]})");
        // 3 replicas from 2Gi to 4Gi: 7Gi used + 6Gi more = 13Gi > 10Gi; the unused quota: 12Gi >= 3 x 4Gi.
        const auto w = resourceQuotaWarnings(list, { 4 * kGi, "4Gi", 2 * kGi, 3 });
        QCOMPARE(w.size(), std::size_t(1));
        QCOMPARE(w[0],
            std::string("ResourceQuota \"team-quota\" allows limits.memory 10Gi in the namespace; 3 replica(s) at 4Gi "
                        "would need 13Gi"));
        QVERIFY(resourceQuotaWarnings(list, { 3 * kGi, "3Gi", 2 * kGi, 3 }).empty());
        const auto fresh = resourceQuotaWarnings(list, { 5 * kGi, "5Gi", 2 * kGi, 3 });
        QCOMPARE(fresh.size(), std::size_t(2));
        QVERIFY(
            QString::fromStdString(fresh[1]).startsWith(QStringLiteral("ResourceQuota \"fresh\" allows memory 12Gi")));
    }

    void rolloutStatus_data()
    {
        QTest::addColumn<QString>("status");
        QTest::addColumn<bool>("complete");
        QTest::addColumn<QString>("text");
        QTest::newRow("not observed")
            << R"({"observedGeneration":1,"replicas":3,"updatedReplicas":3,"availableReplicas":3})" << false
            << "waiting for the controller to see generation 2";
        QTest::newRow("old pods left")
            << R"({"observedGeneration":2,"replicas":4,"updatedReplicas":3,"availableReplicas":3})" << false
            << "3 of 3 updated, 3 available, 1 old replica(s) terminating";
        QTest::newRow("not available")
            << R"({"observedGeneration":2,"replicas":3,"updatedReplicas":3,"availableReplicas":2})" << false
            << "3 of 3 updated, 2 available";
        QTest::newRow("done") << R"({"observedGeneration":2,"replicas":3,"updatedReplicas":3,"availableReplicas":3})"
                              << true << "3 of 3 updated, 3 available: rolled out";
    }
    void rolloutStatus()
    {
        QFETCH(QString, status);
        QFETCH(bool, complete);
        QFETCH(QString, text);
        const json d = { { "metadata", { { "generation", 2 } } }, { "spec", { { "replicas", 3 } } },
            { "status", json::parse(status.toStdString()) } };
        const RolloutStatus s = rolloutStatusOf(d);
        QCOMPARE(s.complete, complete);
        QCOMPARE(QString::fromStdString(s.toString()), text);
    }
};

QTEST_GUILESS_MAIN(TestActionsValues)
#include "tst_actions_values.moc"
