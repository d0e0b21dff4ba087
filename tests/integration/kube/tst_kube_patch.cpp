// KubeClient's write path against the sandbox: SelfSubjectAccessReview for the admin and the
// read-only user, server-side dry run, PATCH with fieldManager, resourceVersion conflicts,
// validation errors, and the rollout that follows a patched template (new ReplicaSet, pods with
// the new limit and env, and memory that keeps growing past the old limit).

#include "SandboxCluster.h"
#include "WaitForResult.h"
#include "core/kube/KubeClient.h"
#include "core/sandbox/SandboxHost.h"

#include <QDateTime>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::kube;
using nlohmann::json;

namespace {

const QString kNs = QStringLiteral("production");
constexpr qint64 kGi = 1024LL * 1024 * 1024;

json limitsPatch(const std::string& memory)
{
    return { { "spec",
        { { "template",
            { { "spec",
                { { "containers",
                    json::array({ { { "name", "checkout" },
                        { "resources", { { "limits", { { "memory", memory } } } } } } }) } } } } } } } };
}

} // namespace

class TestKubePatch : public QObject {
    Q_OBJECT
    test::SandboxCluster m_cluster;

    Result<KubeClient::PatchedDeployment> patch(KubeClient& c, const json& body, bool dryRun,
        KubeClient::PatchType type = KubeClient::PatchType::StrategicMerge)
    {
        return test::waitForResult<KubeClient::PatchedDeployment>([&](auto cb) {
            return c.patchDeployment(
                kNs, QStringLiteral("checkout"), body, type, { dryRun, QStringLiteral("leakdesk") }, nullptr, cb);
        });
    }

    Result<Deployment> checkout()
    {
        auto r = test::waitForResult<ParsedList<Deployment>>(
            [&](auto cb) { return m_cluster.client->listDeployments(kNs, nullptr, cb); });
        if (!r)
            return r.error();
        for (auto& d : r->items)
            if (d.meta.name == "checkout")
                return d;
        return makeError(ErrorCode::NotFound, "no checkout deployment");
    }

    Result<ParsedList<Pod>> checkoutPods()
    {
        return test::waitForResult<ParsedList<Pod>>(
            [&](auto cb) { return m_cluster.client->listPods(kNs, QStringLiteral("app=checkout"), nullptr, cb); });
    }

private Q_SLOTS:
    void initTestCase()
    {
        sandbox::SandboxOptions options;
        options.readOnlyUser = true;
        const auto started = m_cluster.start(test::SandboxCluster::pinnedNow(options));
        QVERIFY2(started.ok(), started.ok() ? "" : started.error().toString().c_str());
        // The kubeconfig has both users, the read-only one under its own name.
        auto cfg = loadKubeConfig({ m_cluster.host.kubeconfigPath().toStdString() });
        QVERIFY(cfg.ok());
        QCOMPARE(cfg->contextNames().size(), std::size_t(2));
        auto viewer = resolveContext(*cfg, m_cluster.host.readOnlyContextName().toStdString());
        QVERIFY(viewer.ok());
        QCOMPARE(viewer->user.name, std::string("leakdesk-sandbox-viewer"));
    }

    void accessReview_data()
    {
        QTest::addColumn<bool>("viewer");
        QTest::addColumn<QString>("verb");
        QTest::addColumn<QString>("group");
        QTest::addColumn<QString>("resource");
        QTest::addColumn<QString>("subresource");
        QTest::addColumn<bool>("allowed");
        QTest::newRow("admin patch") << false << "patch"
                                     << "apps"
                                     << "deployments"
                                     << "" << true;
        QTest::newRow("viewer patch") << true << "patch"
                                      << "apps"
                                      << "deployments"
                                      << "" << false;
        QTest::newRow("viewer list pods") << true << "list"
                                          << ""
                                          << "pods"
                                          << "" << true;
        QTest::newRow("viewer exec") << true << "create"
                                     << ""
                                     << "pods"
                                     << "exec" << false;
        QTest::newRow("admin exec") << false << "create"
                                    << ""
                                    << "pods"
                                    << "exec" << true;
    }

    void accessReview()
    {
        QFETCH(bool, viewer);
        QFETCH(QString, verb);
        QFETCH(QString, group);
        QFETCH(QString, resource);
        QFETCH(QString, subresource);
        QFETCH(bool, allowed);
        KubeClient& c = viewer ? *m_cluster.viewer : *m_cluster.client;
        const auto r = test::waitForResult<KubeClient::AccessReview>([&](auto cb) {
            return c.accessReview(verb, group, resource, kNs, QStringLiteral("checkout"), nullptr, cb, subresource);
        });
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
        QCOMPARE(r->allowed, allowed);
        if (!allowed)
            QVERIFY2(QString::fromStdString(r->reason).contains(QStringLiteral("view")), r->reason.c_str());
    }

    void viewerPatchIsForbiddenWithTheRbacMessage()
    {
        const auto r = patch(*m_cluster.viewer, limitsPatch("4Gi"), true);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Forbidden);
        QVERIFY2(
            QString::fromStdString(r.error().message)
                .contains(QStringLiteral("User \"leakdesk-sandbox-viewer\" cannot patch resource \"deployments\" in "
                                         "API group \"apps\" in the namespace \"production\"")),
            r.error().message.c_str());
    }

    void dryRunChangesNothing()
    {
        const auto before = checkout();
        QVERIFY(before.ok());
        QCOMPARE(before->containers.at(0).memoryLimitBytes.value_or(0), 2 * kGi);
        const auto r = patch(*m_cluster.client, limitsPatch("4Gi"), true);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
        QCOMPARE(r->deployment.containers.at(0).memoryLimitBytes.value_or(0), 4 * kGi);
        QCOMPARE(r->object["metadata"].value("generation", 0), 2);
        const auto after = checkout();
        QVERIFY(after.ok());
        QCOMPARE(after->containers.at(0).memoryLimitBytes.value_or(0), 2 * kGi);
        QCOMPARE(after->meta.resourceVersion, before->meta.resourceVersion);
        const auto pods = checkoutPods();
        QCOMPARE(pods->items.size(), std::size_t(3));
    }

    void invalidPatchIs422()
    {
        json body = limitsPatch("1Gi");
        body["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"] = { { "memory", "3Gi" } };
        const auto r = patch(*m_cluster.client, body, true);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Invalid);
        QVERIFY2(QString::fromStdString(r.error().message)
                     .contains(QStringLiteral("must be less than or equal to memory limit")),
            r.error().message.c_str());
        const auto bad = patch(*m_cluster.client, limitsPatch("4Gx"), true);
        QCOMPARE(bad.error().code, ErrorCode::Invalid);
    }

    void staleResourceVersionIsAConflict()
    {
        const json stale = { { "metadata", { { "resourceVersion", "1" } } }, { "spec", { { "paused", false } } } };
        const auto r = patch(*m_cluster.client, stale, false, KubeClient::PatchType::Merge);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Conflict);
        QVERIFY2(QString::fromStdString(r.error().message).contains(QStringLiteral("the object has been modified")),
            r.error().message.c_str());
    }

    void patchRollsPodsWithTheNewLimit()
    {
        const auto before = checkout();
        const auto oldPods = checkoutPods();
        QVERIFY(before.ok() && oldPods.ok());
        // The precondition holds when the resourceVersion is current.
        json body = limitsPatch("4Gi");
        body["metadata"] = { { "resourceVersion", before->meta.resourceVersion } };
        const auto r = patch(*m_cluster.client, body, false);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
        QVERIFY(r->deployment.meta.resourceVersion != before->meta.resourceVersion);
        bool managedByUs = false;
        for (const auto& m : r->object["metadata"]["managedFields"])
            managedByUs = managedByUs || m.value("manager", "") == "leakdesk";
        QVERIFY(managedByUs);
        QCOMPARE(checkout()->containers.at(0).memoryLimitBytes.value_or(0), 4 * kGi);

        // The rolling update takes under two minutes; afterwards only new pods are left.
        m_cluster.host.advanceClock(3 * 60 * 1000);
        const auto newPods = checkoutPods();
        QVERIFY(newPods.ok());
        QCOMPARE(newPods->items.size(), std::size_t(3));
        const std::string oldHash = oldPods->items[0].meta.labels.at("pod-template-hash");
        for (const Pod& p : newPods->items) {
            QVERIFY(p.meta.labels.at("pod-template-hash") != oldHash);
            QCOMPARE(p.containers.at(0).memoryLimitBytes.value_or(0), 4 * kGi);
            QCOMPARE(p.restartCount(), 0);
        }
        const auto rs = test::waitForResult<json>([&](auto cb) {
            return m_cluster.client->getJson(
                QStringLiteral("/apis/apps/v1/namespaces/production/replicasets"), {}, nullptr, cb);
        });
        int checkoutSets = 0;
        for (const auto& item : (*rs)["items"])
            if (item["metadata"]["labels"].value("app", "") == "checkout")
                ++checkoutSets;
        QCOMPARE(checkoutSets, 2);

        // An hour later the leak has grown past the old 2Gi limit without an OOM kill.
        m_cluster.host.advanceClock(70 * 60 * 1000);
        const auto metrics = test::waitForResult<ParsedList<PodMetrics>>([&](auto cb) {
            return m_cluster.client->listPodMetrics(kNs, QStringLiteral("app=checkout"), nullptr, cb);
        });
        QVERIFY(metrics.ok());
        std::int64_t peak = 0;
        for (const auto& m : metrics->items)
            peak = std::max(peak, m.memoryBytes());
        QVERIFY2(peak > 2 * kGi, qPrintable(QString::number(peak)));
    }

    void heapLimitRestartReplacesOomKills()
    {
        const json env = { { "spec",
            { { "template",
                { { "spec",
                    { { "containers",
                        json::array({ { { "name", "checkout" },
                            { "env",
                                json::array({ { { "name", "HEAP_LIMIT_RESTART" },
                                    { "value", "3584m" } } }) } } }) } } } } } } } };
        const auto r = patch(*m_cluster.client, env, false);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
        const auto& c = r->deployment.containers.at(0);
        QVERIFY(std::find(
                    c.env.begin(), c.env.end(), std::make_pair(std::string("HEAP_LIMIT_RESTART"), std::string("3584m")))
            != c.env.end());
        QCOMPARE(c.memoryLimitBytes.value_or(0), 4 * kGi); // the earlier patch stays
        // Three hours on, every checkout pod has restarted itself at 3584 MiB instead of being OOMKilled.
        m_cluster.host.advanceClock(3 * 3600 * 1000);
        const auto pods = checkoutPods();
        QVERIFY(pods.ok());
        QCOMPARE(pods->items.size(), std::size_t(3));
        for (const Pod& p : pods->items) {
            QVERIFY(p.restartCount() >= 1);
            const ContainerStatus* s = p.status("checkout");
            QVERIFY(s && s->lastTerminated);
            QCOMPARE(s->lastTerminated->reason, std::string("Completed"));
            QCOMPARE(s->lastTerminated->exitCode, 0);
        }
    }
};

QTEST_GUILESS_MAIN(TestKubePatch)
#include "tst_kube_patch.moc"
