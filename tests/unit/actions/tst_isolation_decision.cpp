// The decision of taking a pod out of its Service, without a cluster: given the pod, the Services of
// its namespace, its owner, the pods left and the RBAC answer, the plan (labels to remove, whether a
// replacement starts, who is left serving, warnings) or the refusal with its reason. Invented cases.

#include "core/actions/PodIsolation.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::actions;
using nlohmann::json;

Q_DECLARE_METATYPE(leakdesk::actions::IsolationFacts)
Q_DECLARE_METATYPE(leakdesk::actions::LabelMap)

namespace {

struct PodSpec {
    LabelMap labels;
    std::string ownerKind; // "" : no controller
    std::string ownerName;
    bool ready = true;
    bool terminating = false;
};

json podJson(const std::string& name, const PodSpec& spec)
{
    json labels = json::object();
    for (const auto& [k, v] : spec.labels)
        labels[k] = v;
    json pod
        = { { "metadata",
                { { "name", name }, { "namespace", "shop" }, { "resourceVersion", "4711" }, { "labels", labels } } },
              { "status",
                  { { "podIP", "10.1.2.3" },
                      { "conditions",
                          json::array({ { { "type", "Ready" }, { "status", spec.ready ? "True" : "False" } } }) } } } };
    if (!spec.ownerKind.empty())
        pod["metadata"]["ownerReferences"]
            = json::array({ { { "kind", spec.ownerKind }, { "name", spec.ownerName }, { "controller", true } } });
    if (spec.terminating)
        pod["metadata"]["deletionTimestamp"] = "2026-12-07T04:00:00Z";
    return pod;
}

json serviceList(const std::vector<std::pair<std::string, LabelMap>>& services)
{
    json items = json::array();
    for (const auto& [name, selector] : services) {
        json sel = json::object();
        for (const auto& [k, v] : selector)
            sel[k] = v;
        items.push_back({ { "metadata", { { "name", name } } }, { "spec", { { "selector", sel } } } });
    }
    return { { "items", items } };
}

json podList(const std::vector<std::pair<std::string, PodSpec>>& pods)
{
    json items = json::array();
    for (const auto& [name, spec] : pods)
        items.push_back(podJson(name, spec));
    return { { "items", items } };
}

json replicaSetJson(const LabelMap& matchLabels, bool matchExpressions = false)
{
    json ml = json::object();
    for (const auto& [k, v] : matchLabels)
        ml[k] = v;
    json rs = { { "spec", { { "selector", { { "matchLabels", ml } } } } } };
    if (matchExpressions)
        rs["spec"]["selector"]["matchExpressions"]
            = json::array({ { { "key", "tier" }, { "operator", "In" }, { "values", { "web" } } } });
    return rs;
}

const LabelMap kWeb { { "app", "web" }, { "pod-template-hash", "7f9" } };
const PodSpec kSibling { kWeb, "ReplicaSet", "web-7f9" };

IsolationFacts facts(const PodSpec& pod, const json& services)
{
    IsolationFacts f;
    f.ns = "shop";
    f.pod = "web-7f9-a";
    f.podObject = podJson(f.pod, pod);
    f.services = services;
    f.pods = podList({ { f.pod, pod }, { "web-7f9-b", kSibling }, { "web-7f9-c", kSibling } });
    f.rbac = { true, false, "" };
    return f;
}

} // namespace

class TestIsolationDecision : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void decide_data()
    {
        QTest::addColumn<IsolationFacts>("input");
        QTest::addColumn<QString>("refusal"); // "": a plan; else a part of the refusal's message
        QTest::addColumn<int>("refusalCode");
        QTest::addColumn<LabelMap>("remove");
        QTest::addColumn<QString>("owner");
        QTest::addColumn<bool>("replacement");
        QTest::addColumn<int>("otherReady");
        QTest::addColumn<bool>("allowed");
        QTest::addColumn<QStringList>("warnings"); // a part of each warning, in order

        const json webService = serviceList({ { "web", { { "app", "web" } } } });
        const PodSpec managed { kWeb, "ReplicaSet", "web-7f9" };

        {
            IsolationFacts f = facts(managed, webService);
            f.replicaSet = replicaSetJson(kWeb);
            QTest::newRow("ReplicaSet lets go, siblings serve")
                << f << "" << 0 << LabelMap { { "app", "web" } } << "ReplicaSet/web-7f9" << true << 2 << true
                << QStringList { "lets go of the pod and starts a replacement" };
        }
        {
            const PodSpec bare { { { "app", "web" } } };
            IsolationFacts f = facts(bare, webService);
            QTest::newRow("owner-less pod") << f << "" << 0 << LabelMap { { "app", "web" } } << "" << false << 2 << true
                                            << QStringList { "no controller owns this pod" };
        }
        {
            PodSpec twoServices = managed;
            twoServices.labels["metrics"] = "on";
            IsolationFacts f = facts(twoServices,
                serviceList({ { "web", { { "app", "web" } } }, { "scrape", { { "metrics", "on" } } },
                    { "other", { { "app", "cart" } } } }));
            f.replicaSet = replicaSetJson(kWeb);
            QTest::newRow("pod in two Services on different labels")
                << f << "" << 0 << LabelMap { { "app", "web" }, { "metrics", "on" } } << "ReplicaSet/web-7f9" << true
                << 0 << true << QStringList { "lets go of the pod", "no other ready pod serves web, scrape" };
        }
        {
            IsolationFacts f = facts(managed,
                serviceList({ { "web", { { "app", "web" } } },
                    { "web-canary", { { "app", "web" }, { "pod-template-hash", "7f9" } } } }));
            f.replicaSet = replicaSetJson(kWeb);
            QTest::newRow("two Services, one label takes it out of both")
                << f << "" << 0 << LabelMap { { "app", "web" } } << "ReplicaSet/web-7f9" << true << 2 << true
                << QStringList { "lets go of the pod" };
        }
        {
            PodSpec isolated = managed;
            isolated.labels = { { "pod-template-hash", "7f9" }, { kIsolatedLabel, "true" } };
            QTest::newRow("already isolated")
                << facts(isolated, webService) << "is already out of its Service" << int(ErrorCode::Conflict)
                << LabelMap {} << "" << false << -1 << false << QStringList {};
        }
        {
            PodSpec leaving = managed;
            leaving.terminating = true;
            QTest::newRow("terminating") << facts(leaving, webService) << "is terminating" << int(ErrorCode::Conflict)
                                         << LabelMap {} << "" << false << -1 << false << QStringList {};
        }
        {
            QTest::newRow("no Service selects it")
                << facts(managed, serviceList({ { "cart", { { "app", "cart" } } }, { "manual", {} } }))
                << "no Service of namespace shop selects pod/web-7f9-a" << int(ErrorCode::NotFound) << LabelMap {} << ""
                << false << -1 << false << QStringList {};
        }
        {
            IsolationFacts f = facts(managed, webService);
            f.replicaSet = replicaSetJson(kWeb);
            f.rbac = { false, false, "no RBAC policy matched" };
            QTest::newRow("read-only user: the plan, not allowed")
                << f << "" << 0 << LabelMap { { "app", "web" } } << "ReplicaSet/web-7f9" << true << 2 << false
                << QStringList { "lets go of the pod" };
        }
        {
            IsolationFacts f = facts(managed, webService);
            f.replicaSet = replicaSetJson(kWeb);
            PodSpec notReady = kSibling;
            notReady.ready = false;
            PodSpec goingAway = kSibling;
            goingAway.terminating = true;
            f.pods = podList({ { f.pod, managed }, { "web-7f9-b", notReady }, { "web-7f9-c", goingAway },
                { "cart-1", { { { "app", "cart" } } } } });
            QTest::newRow("last ready pod")
                << f << "" << 0 << LabelMap { { "app", "web" } } << "ReplicaSet/web-7f9" << true << 0 << true
                << QStringList { "lets go of the pod", "no other ready pod serves web" };
        }
        {
            PodSpec tiered = managed;
            tiered.labels["tier"] = "front"; // the siblings have no tier: none serves the Service
            IsolationFacts f = facts(tiered, serviceList({ { "web", { { "tier", "front" } } } }));
            f.replicaSet = replicaSetJson(kWeb);
            QTest::newRow("ReplicaSet keeps selecting it")
                << f << "" << 0 << LabelMap { { "tier", "front" } } << "ReplicaSet/web-7f9" << false << 0 << true
                << QStringList { "still selects the pod after the change", "no other ready pod serves web" };
        }
        {
            IsolationFacts f = facts(managed, webService);
            f.replicaSetError = "replicasets.apps \"web-7f9\" is forbidden";
            QTest::newRow("owner unreadable")
                << f << "" << 0 << LabelMap { { "app", "web" } } << "ReplicaSet/web-7f9" << false << 2 << true
                << QStringList { "cannot read ReplicaSet/web-7f9 (replicasets.apps \"web-7f9\" is forbidden)",
                       "still selects the pod" };
        }
        {
            IsolationFacts f = facts(managed, webService);
            f.replicaSet = replicaSetJson(kWeb, true);
            f.pods.reset();
            QTest::newRow("matchExpressions, pods not listable")
                << f << "" << 0 << LabelMap { { "app", "web" } } << "ReplicaSet/web-7f9" << true << -1 << true
                << QStringList { "selector has matchExpressions", "lets go of the pod" };
        }
        {
            const PodSpec stateful { { { "app", "web" } }, "StatefulSet", "web" };
            QTest::newRow("StatefulSet owner")
                << facts(stateful, webService) << "" << 0 << LabelMap { { "app", "web" } } << "StatefulSet/web" << false
                << 2 << true << QStringList { "StatefulSet/web still selects the pod" };
        }
    }
    void decide()
    {
        QFETCH(IsolationFacts, input);
        QFETCH(QString, refusal);
        QFETCH(int, refusalCode);
        QFETCH(LabelMap, remove);
        QFETCH(QString, owner);
        QFETCH(bool, replacement);
        QFETCH(int, otherReady);
        QFETCH(bool, allowed);
        QFETCH(QStringList, warnings);

        const Result<IsolationPlan> plan = decideIsolation(input);
        if (!refusal.isEmpty()) {
            QVERIFY(!plan);
            QCOMPARE(int(plan.error().code), refusalCode);
            QVERIFY2(QString::fromStdString(plan.error().message).contains(refusal), plan.error().message.c_str());
            return;
        }
        QVERIFY2(plan.ok(), plan.ok() ? "" : plan.error().message.c_str());
        QCOMPARE(plan->remove, remove);
        QCOMPARE(QString::fromStdString(plan->owner), owner);
        QCOMPARE(plan->replacementExpected, replacement);
        QCOMPARE(plan->otherReadyPods, otherReady);
        QCOMPARE(plan->rbac.allowed, allowed);
        QCOMPARE(plan->podIp, std::string("10.1.2.3"));
        QCOMPARE(plan->resourceVersion, std::string("4711"));
        QCOMPARE(plan->kubectl, PodIsolation::kubectlFor("shop", "web-7f9-a", remove));
        // The patch removes exactly the chosen labels and marks the pod.
        for (const auto& [k, v] : remove)
            QVERIFY(plan->patch["metadata"]["labels"][k].is_null());
        QVERIFY(plan->patch["metadata"]["labels"][kIsolatedLabel] == json("true"));
        QCOMPARE(int(plan->warnings.size()), int(warnings.size()));
        for (int i = 0; i < warnings.size(); ++i)
            QVERIFY2(QString::fromStdString(plan->warnings[std::size_t(i)]).contains(warnings[i]),
                plan->warnings[std::size_t(i)].c_str());
    }

    // plan() checks these before reading more: they must agree with the whole decision.
    void earlyRefusalsAgreeWithTheDecision()
    {
        PodSpec isolated { { { "app", "web" }, { kIsolatedLabel, "true" } } };
        const IsolationFacts f = facts(isolated, serviceList({ { "web", { { "app", "web" } } } }));
        QVERIFY(refusalForPod(f.ns, f.pod, f.podObject).has_value());
        QCOMPARE(refusalForPod(f.ns, f.pod, f.podObject)->message, decideIsolation(f).error().message);
        const IsolationFacts g = facts(PodSpec { { { "app", "web" } } }, serviceList({}));
        QVERIFY(!refusalForPod(g.ns, g.pod, g.podObject));
        QCOMPARE(refusalForServices(g.ns, g.pod, g.podObject, g.services)->message, decideIsolation(g).error().message);
    }
};

QTEST_GUILESS_MAIN(TestIsolationDecision)
#include "tst_isolation_decision.moc"
