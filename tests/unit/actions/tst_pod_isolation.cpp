// The pure parts of taking a pod out of its Service: which labels go, the kubectl equivalents and
// the record's JSON (read back from incident files, so bad input must be an error, not a crash).

#include "core/actions/PodIsolation.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::actions;
using nlohmann::json;

class TestPodIsolation : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void selectsNeedsEveryLabelAndNeverMatchesAnEmptySelector()
    {
        const LabelMap pod { { "app", "checkout" }, { "team", "checkout" }, { "pod-template-hash", "abc" } };
        QVERIFY(PodIsolation::selects({ { "app", "checkout" } }, pod));
        QVERIFY(PodIsolation::selects({ { "app", "checkout" }, { "team", "checkout" } }, pod));
        QVERIFY(!PodIsolation::selects({ { "app", "checkout" }, { "tier", "web" } }, pod));
        QVERIFY(!PodIsolation::selects({ { "app", "payments" } }, pod));
        QVERIFY(!PodIsolation::selects({}, pod));
    }

    void removesTheLabelTheOwnerAlsoSelectsOn()
    {
        const LabelMap pod { { "app.kubernetes.io/name", "checkout" }, { "tier", "web" }, { "pod-template-hash", "abc" } };
        const LabelMap owner { { "app.kubernetes.io/name", "checkout" }, { "pod-template-hash", "abc" } };
        // Service selects on both: the one in the owner's selector goes, so a replacement starts.
        const auto r = PodIsolation::labelsToRemove(pod, { { { "tier", "web" }, { "app.kubernetes.io/name", "checkout" } } }, owner);
        QCOMPARE(r, (LabelMap { { "app.kubernetes.io/name", "checkout" } }));
    }

    void prefersAppAndReusesOneLabelForSeveralServices()
    {
        const LabelMap pod { { "app", "checkout" }, { "team", "shop" }, { "pod-template-hash", "abc" } };
        const LabelMap owner { { "app", "checkout" }, { "team", "shop" }, { "pod-template-hash", "abc" } };
        const std::vector<LabelMap> services { { { "team", "shop" }, { "app", "checkout" } }, { { "app", "checkout" } },
            { { "app", "payments" } } };
        QCOMPARE(PodIsolation::labelsToRemove(pod, services, owner), (LabelMap { { "app", "checkout" } }));
    }

    void oneLabelPerServiceWhenTheyDiffer()
    {
        const LabelMap pod { { "app", "checkout" }, { "metrics", "on" } };
        const std::vector<LabelMap> services { { { "app", "checkout" } }, { { "metrics", "on" } } };
        QCOMPARE(PodIsolation::labelsToRemove(pod, services, {}), (LabelMap { { "app", "checkout" }, { "metrics", "on" } }));
    }

    void kubectlEquivalents()
    {
        const LabelMap removed { { "app", "checkout" } };
        QCOMPARE(PodIsolation::kubectlFor("production", "checkout-1", removed),
            std::string("kubectl label pod checkout-1 -n production app- leakdesk.io/isolated=true && kubectl annotate "
                        "pod checkout-1 -n production leakdesk.io/isolated-labels='{\"app\":\"checkout\"}'"));
        QCOMPARE(PodIsolation::kubectlRevertFor("production", "checkout-1", removed),
            std::string("kubectl label pod checkout-1 -n production app=checkout leakdesk.io/isolated- && kubectl "
                        "annotate pod checkout-1 -n production leakdesk.io/isolated-labels-"));
    }

    void recordRoundTripAndBadRecords()
    {
        IsolationRecord r;
        r.id = "isolate-checkout-1-20261201T120000000Z";
        r.ns = "production";
        r.pod = "checkout-1";
        r.podIp = "10.244.1.20";
        r.removed = { { "app", "checkout" } };
        r.services = { "checkout" };
        r.owner = "ReplicaSet/checkout-abc";
        r.replacementExpected = true;
        r.resourceVersion = "1234";
        r.appliedMs = 1796000000000;
        const auto back = IsolationRecord::fromJson(r.toJson());
        QVERIFY(back.ok());
        QCOMPARE(back->toJson().dump(), r.toJson().dump());

        for (const json& bad : { json(), json::array(), json { { "kind", "limits" } },
                 json { { "kind", "isolate-pod" }, { "namespace", "production" } },
                 json { { "kind", "isolate-pod" }, { "namespace", "production" }, { "pod", "p" }, { "removed", json::object() } },
                 json { { "kind", "isolate-pod" }, { "namespace", "production" }, { "pod", "p" }, { "removed", { { "app", 3 } } } } }) {
            const auto parsed = IsolationRecord::fromJson(bad);
            QVERIFY2(!parsed.ok(), bad.dump().c_str());
            QCOMPARE(parsed.error().code, ErrorCode::Parse);
        }
    }
};

QTEST_GUILESS_MAIN(TestPodIsolation)
#include "tst_pod_isolation.moc"
