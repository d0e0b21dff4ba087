// Taking a pod out of its Service against the sandbox's API server: the plan names the Service, the
// label and the owner; apply removes the label, the ReplicaSet starts a replacement and the
// Service's endpoints drop the pod; revert puts it back and the ReplicaSet removes the extra pod;
// a revert after someone else relabelled the pod, a stale plan and the read-only user are refused.

#include "SandboxCluster.h"
#include "WaitForResult.h"
#include "core/actions/PodIsolation.h"
#include "core/kube/KubeClient.h"
#include "core/kube/KubeConfig.h"
#include "core/sandbox/SandboxHost.h"

#include <QDateTime>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::actions;
using leakdesk::kube::KubeClient;
using nlohmann::json;

namespace {

#define why(r) ((r).ok() ? std::string() : (r).error().toString()).c_str()

} // namespace

class TestActionsIsolate : public QObject {
    Q_OBJECT
    test::SandboxCluster m_cluster;
    std::unique_ptr<KubeClient>& m_admin = m_cluster.client; // the name the tests were written with

    Result<json> get(const QString& path)
    {
        return test::waitForResult<json>([&](auto cb) { m_admin->getJson(path, {}, nullptr, cb); });
    }
    json pod(const std::string& name)
    {
        auto r = get(QStringLiteral("/api/v1/namespaces/production/pods/") + QString::fromStdString(name));
        return r ? *r : json();
    }
    std::vector<std::string> checkoutPods()
    {
        std::vector<std::string> names;
        auto r = test::waitForResult<json>([&](auto cb) {
            QUrlQuery q;
            q.addQueryItem(QStringLiteral("labelSelector"), QStringLiteral("app=checkout"));
            m_admin->getJson(QStringLiteral("/api/v1/namespaces/production/pods"), q, nullptr, cb);
        });
        if (r)
            for (const json& p : (*r)["items"])
                if (!p["metadata"].contains("deletionTimestamp"))
                    names.push_back(p["metadata"]["name"].get<std::string>());
        return names;
    }
    std::vector<std::string> endpointIps(const std::string& service)
    {
        std::vector<std::string> ips;
        auto r = get(QStringLiteral("/api/v1/namespaces/production/endpoints/") + QString::fromStdString(service));
        if (r)
            for (const json& s : (*r)["subsets"])
                for (const json& a : s.value("addresses", json::array()))
                    ips.push_back(a["ip"].get<std::string>());
        return ips;
    }
    Result<IsolationPlan> plan(const std::string& name, KubeClient* client = nullptr)
    {
        PodIsolation iso(client ? *client : *m_admin);
        return test::waitForResult<IsolationPlan>([&](auto cb) { iso.plan("production", name, cb); });
    }
    Result<IsolationRecord> apply(const IsolationPlan& p, KubeClient* client = nullptr)
    {
        PodIsolation iso(client ? *client : *m_admin);
        return test::waitForResult<IsolationRecord>([&](auto cb) { iso.apply(p, cb); });
    }
    Result<IsolationStatus> status(const IsolationRecord& r)
    {
        PodIsolation iso(*m_admin);
        return test::waitForResult<IsolationStatus>([&](auto cb) { iso.status(r, cb); });
    }
    Result<IsolationRevert> revert(const IsolationRecord& r)
    {
        PodIsolation iso(*m_admin);
        return test::waitForResult<IsolationRevert>([&](auto cb) { iso.revert(r, cb); });
    }
    Result<json> patchLabels(const std::string& name, const json& labels)
    {
        return test::waitForResult<json>([&](auto cb) {
            m_admin->patch(QStringLiteral("/api/v1/namespaces/production/pods/") + QString::fromStdString(name),
                { { "metadata", { { "labels", labels } } } }, KubeClient::PatchType::Merge, {}, nullptr, cb);
        });
    }
    // Puts a pod back whatever state a test left it in.
    void restore(const std::string& name)
    {
        (void)patchLabels(name, { { "app", "checkout" }, { kIsolatedLabel, nullptr } });
        m_cluster.host.advanceClock(5000);
    }

private Q_SLOTS:
    void initTestCase()
    {
        sandbox::SandboxOptions options;
        options.readOnlyUser = true;
        // A moment where the three checkout pods run steadily through every test's clock moves:
        // at the wall clock's now one of them may be in its OOM restart back-off, out of the
        // Service's ready addresses, and the counts below would depend on the time of day.
        const auto steady = test::steadyMoment(options.seed,
            "checkout", test::testNowMs(), 10 * 60 * 1000);
        QVERIFY2(steady, "no moment today where the checkout pods all run steadily for 10 minutes");
        const auto started = m_cluster.start(test::SandboxCluster::pinnedAt(options, *steady));
        QVERIFY2(started.ok(), why(started));
    }

    void planNamesServiceLabelAndOwner()
    {
        const auto pods = checkoutPods();
        QCOMPARE(pods.size(), std::size_t(3));
        const auto p = plan(pods[0]);
        QVERIFY2(p.ok(), why(p));
        QCOMPARE(p->services, std::vector<std::string> { "checkout" });
        QCOMPARE(p->remove, (LabelMap { { "app", "checkout" } }));
        QVERIFY(QString::fromStdString(p->owner).startsWith(QStringLiteral("ReplicaSet/checkout-")));
        QVERIFY(p->replacementExpected);
        QCOMPARE(p->otherReadyPods, 2);
        QVERIFY(p->rbac.allowed);
        QVERIFY(!p->podIp.empty());
        QVERIFY(QString::fromStdString(p->kubectl).contains(QStringLiteral("kubectl label pod ") + QString::fromStdString(pods[0]) + QStringLiteral(" -n production app- leakdesk.io/isolated=true")));
        // Planning changes nothing.
        QCOMPARE(pod(pods[0])["metadata"]["labels"].value("app", ""), std::string("checkout"));
    }

    void applyReplacesThePodAndRevertPutsItBack()
    {
        const std::string target = checkoutPods()[0];
        const std::string ip = pod(target)["status"]["podIP"].get<std::string>();
        const auto served = endpointIps("checkout");
        QCOMPARE(std::count(served.begin(), served.end(), ip), 1);
        const auto p = plan(target);
        QVERIFY2(p.ok(), why(p));
        const auto rec = apply(*p);
        QVERIFY2(rec.ok(), why(rec));
        QCOMPARE(rec->removed, (LabelMap { { "app", "checkout" } }));

        const json after = pod(target);
        QVERIFY(!after["metadata"]["labels"].contains("app"));
        QCOMPARE(after["metadata"]["labels"].value(kIsolatedLabel, ""), std::string("true"));
        QVERIFY(json::parse(after["metadata"]["annotations"].value(kIsolatedLabelsAnnotation, "{}"))
            == json({ { "app", "checkout" } }));
        QVERIFY2(!after["metadata"].contains("ownerReferences"), "the ReplicaSet let go of the pod");
        QVERIFY(after["status"]["phase"] == json("Running"));

        // The Service stops sending it requests; the ReplicaSet's replacement becomes ready.
        m_cluster.host.advanceClock(30 * 1000);
        const auto st = status(*rec);
        QVERIFY2(st.ok(), why(st));
        QVERIFY(st->endpointsKnown);
        QVERIFY(!st->stillInEndpoints);
        QVERIFY(!st->replacement.empty());
        QVERIFY(st->replacement != target);
        QVERIFY(st->replacementReady);
        // This machine's clock an hour ahead of the API server's: the replacement is still known,
        // by the server's own time of the change.
        QVERIFY(rec->serverAppliedMs > 0);
        IsolationRecord skewed = *rec;
        skewed.appliedMs += 3600 * 1000;
        const auto seen = status(skewed);
        QVERIFY2(seen.ok(), why(seen));
        QCOMPARE(seen->replacement, st->replacement);
        const auto now = checkoutPods();
        QCOMPARE(now.size(), std::size_t(3));
        QVERIFY(std::find(now.begin(), now.end(), st->replacement) != now.end());
        const auto ips = endpointIps("checkout");
        QCOMPARE(ips.size(), std::size_t(3));
        QVERIFY(std::find(ips.begin(), ips.end(), ip) == ips.end());

        // The record survives a trip through JSON (the incident stores it).
        const auto back = IsolationRecord::fromJson(rec->toJson());
        QVERIFY2(back.ok(), why(back));
        QCOMPARE(back->removed, rec->removed);

        const auto r = revert(*back);
        QVERIFY2(r.ok(), why(r));
        QVERIFY(QString::fromStdString(r->kubectl).contains(QStringLiteral("app=checkout leakdesk.io/isolated-")));
        const json restored = pod(target);
        QCOMPARE(restored["metadata"]["labels"].value("app", ""), std::string("checkout"));
        QVERIFY(!restored["metadata"]["labels"].contains(kIsolatedLabel));
        QVERIFY(!restored["metadata"].value("annotations", json::object()).contains(kIsolatedLabelsAnnotation));
        // Adopted again; the extra pod (the replacement) goes.
        m_cluster.host.advanceClock(10 * 1000);
        const auto final = checkoutPods();
        QCOMPARE(final.size(), std::size_t(3));
        QVERIFY(std::find(final.begin(), final.end(), target) != final.end());
        QVERIFY(std::find(final.begin(), final.end(), st->replacement) == final.end());
        QVERIFY(pod(target)["metadata"].contains("ownerReferences"));
    }

    void revertRefusedWhenRelabelledSince()
    {
        const std::string target = checkoutPods()[1];
        const auto p = plan(target);
        QVERIFY2(p.ok(), why(p));
        const auto rec = apply(*p);
        QVERIFY2(rec.ok(), why(rec));
        // Someone else put it back by hand meanwhile.
        QVERIFY(patchLabels(target, { { "app", "checkout" } }).ok());
        const json before = pod(target);
        const auto r = revert(*rec);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Conflict);
        QVERIFY2(QString::fromStdString(r.error().message).contains(QStringLiteral("app=checkout set again")), why(r));
        QVERIFY(pod(target)["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]);
        restore(target);
    }

    void alreadyIsolatedOrUnselectedPodsAreRefused()
    {
        const std::string target = checkoutPods()[0];
        const auto p = plan(target);
        QVERIFY2(p.ok(), why(p));
        QVERIFY(apply(*p).ok());
        const auto again = plan(target);
        QVERIFY(!again.ok());
        QCOMPARE(again.error().code, ErrorCode::Conflict);
        // Taken out by hand (no marker): no Service selects it, there is nothing to do.
        QVERIFY(patchLabels(target, { { kIsolatedLabel, nullptr } }).ok());
        const auto none = plan(target);
        QVERIFY(!none.ok());
        QCOMPARE(none.error().code, ErrorCode::NotFound);
        QVERIFY2(QString::fromStdString(none.error().message).contains(QStringLiteral("no Service")), why(none));
        restore(target);
    }

    void stalePlanIsNotApplied()
    {
        const std::string target = checkoutPods()[0];
        const auto p = plan(target);
        QVERIFY2(p.ok(), why(p));
        QVERIFY(patchLabels(target, { { "touched", "yes" } }).ok());
        const auto rec = apply(*p);
        QVERIFY(!rec.ok());
        QCOMPARE(rec.error().code, ErrorCode::Conflict);
        QVERIFY(pod(target)["metadata"]["labels"].contains("app"));
        QVERIFY(patchLabels(target, { { "touched", nullptr } }).ok());
    }

    void goneOrMissingPods()
    {
        const auto p = plan("checkout-doesnotexist-x");
        QVERIFY(!p.ok());
        QCOMPARE(p.error().code, ErrorCode::NotFound);
        IsolationRecord rec;
        rec.ns = "production";
        rec.pod = "checkout-deleted-after-the-dump";
        rec.removed = { { "app", "checkout" } };
        const auto r = revert(rec);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::NotFound);
        QVERIFY2(QString::fromStdString(r.error().message).contains(QStringLiteral("is gone")), why(r));
    }

    // After the dump the leaking pod can go: deleted with its uid as a precondition, Terminating,
    // then gone; its replacement (made when it was taken out) keeps serving and no second one starts.
    void deleteAfterTheDump()
    {
        const std::string target = checkoutPods()[0];
        const auto p = plan(target);
        QVERIFY2(p.ok(), why(p));
        const auto rec = apply(*p);
        QVERIFY2(rec.ok(), why(rec));
        QVERIFY(!rec->podUid.empty());
        m_cluster.host.advanceClock(30 * 1000);
        const auto serving = checkoutPods();
        QCOMPARE(serving.size(), std::size_t(3));

        PodIsolation iso(*m_admin);
        const auto d = test::waitForResult<IsolationDelete>(
            [&](auto cb) { iso.deletePod(*IsolationRecord::fromJson(rec->toJson()), cb); });
        QVERIFY2(d.ok(), why(d));
        QCOMPARE(d->kubectl, "kubectl delete pod " + target + " -n production");
        QVERIFY(QString::fromStdString(d->message).contains(QStringLiteral("replacement keeps serving checkout")));
        QVERIFY(pod(target)["metadata"].contains("deletionTimestamp"));
        m_cluster.host.advanceClock(5000);
        QVERIFY(get(QStringLiteral("/api/v1/namespaces/production/pods/") + QString::fromStdString(target)).error().code
            == ErrorCode::NotFound);
        QCOMPARE(checkoutPods(), serving);

        // Gone: nothing to delete or put back any more.
        const auto again = test::waitForResult<IsolationDelete>([&](auto cb) { iso.deletePod(*rec, cb); });
        QVERIFY(!again.ok());
        QCOMPARE(again.error().code, ErrorCode::NotFound);
        QCOMPARE(revert(*rec).error().code, ErrorCode::NotFound);
    }

    void deleteRefusedOnceBackInItsService()
    {
        const std::string target = checkoutPods()[0];
        const auto p = plan(target);
        QVERIFY2(p.ok(), why(p));
        const auto rec = apply(*p);
        QVERIFY2(rec.ok(), why(rec));
        QVERIFY(revert(*rec).ok());
        m_cluster.host.advanceClock(5000);
        PodIsolation iso(*m_admin);
        const auto d = test::waitForResult<IsolationDelete>([&](auto cb) { iso.deletePod(*rec, cb); });
        QVERIFY(!d.ok());
        QCOMPARE(d.error().code, ErrorCode::Conflict);
        QVERIFY(!pod(target)["metadata"].contains("deletionTimestamp"));
    }

    void readOnlyUserIsToldWhy()
    {
        const std::string target = checkoutPods()[0];
        const auto p = plan(target, m_cluster.viewer.get());
        QVERIFY2(p.ok(), why(p));
        QVERIFY(!p->rbac.allowed);
        const auto rec = apply(*p, m_cluster.viewer.get());
        QVERIFY(!rec.ok());
        QCOMPARE(rec.error().code, ErrorCode::Forbidden);
        QVERIFY(pod(target)["metadata"]["labels"].contains("app"));
    }
};

QTEST_GUILESS_MAIN(TestActionsIsolate)
#include "tst_actions_isolate.moc"
