// fetchWorkload against the sandbox's API server (issue 16 item 1): what it lists, how a missing
// API (the sandbox serves no StatefulSets or Rollouts) or a name that exists nowhere is reported,
// and that the pods found are exactly those the API lists for the workload's own selector.
#include "SandboxCluster.h"
#include "WaitForResult.h"
#include "core/kube/KubeClient.h"
#include "core/kube/KubeObjects.h"
#include "core/kube/WorkloadResolution.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::kube;

class TestWorkloadResolutionSandbox : public QObject {
    Q_OBJECT
private:
    test::SandboxCluster m_cluster;

    Result<ResolvedWorkload> resolve(const std::string& named)
    {
        const auto ref = parseWorkloadRef(named);
        if (!ref)
            return ref.error();
        return test::waitForResult<ResolvedWorkload>([&](auto cb) {
            fetchWorkload(*m_cluster.client, QStringLiteral("production"), *ref, this, std::move(cb));
        });
    }

private Q_SLOTS:
    void initTestCase()
    {
        const auto s = m_cluster.start();
        QVERIFY2(s.ok(), s.ok() ? "" : s.error().message.c_str());
    }

    void namesResolveToTheDeploymentAndItsPods_data()
    {
        QTest::addColumn<QString>("named");
        QTest::addColumn<QString>("service");
        QTest::newRow("bare name: the Service first") << "checkout"
                                                      << "checkout";
        QTest::newRow("the Service by kind") << "svc/checkout"
                                             << "checkout";
        QTest::newRow("the Deployment by kind") << "deploy/checkout"
                                                << "";
        QTest::newRow("group-qualified") << "deployments.apps/payments"
                                         << "";
    }
    void namesResolveToTheDeploymentAndItsPods()
    {
        QFETCH(QString, named);
        QFETCH(QString, service);
        const auto r = resolve(named.toStdString());
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(r->workload.kind, WorkloadKind::Deployment);
        QCOMPARE(QString::fromStdString(r->service.value_or("")), service);
        // The pods the API lists for the Deployment's own selector, and no other.
        const auto listed = test::waitForResult<ParsedList<Pod>>([&](auto cb) {
            m_cluster.client->listPods(
                QStringLiteral("production"), QString::fromStdString(r->selector.toQuery()), this, std::move(cb));
        });
        QVERIFY(listed.ok());
        QStringList expected;
        for (const auto& p : listed->items)
            expected << QString::fromStdString(p.meta.name);
        QStringList found;
        for (const auto& n : r->podNames())
            found << QString::fromStdString(n);
        expected.sort();
        found.sort();
        QVERIFY(!found.isEmpty());
        QCOMPARE(found, expected);
    }

    void unknownNamesAndUnservedKindsAreSaid_data()
    {
        QTest::addColumn<QString>("named");
        QTest::addColumn<QString>("message");
        QTest::newRow("no such name") << "nothing-here"
                                      << "no Service and no workload named 'nothing-here'";
        QTest::newRow("a kind the server does not serve") << "rollout/checkout"
                                                          << "Rollout";
        QTest::newRow("no such Deployment") << "deploy/nothing"
                                            << "no Deployment/nothing";
    }
    void unknownNamesAndUnservedKindsAreSaid()
    {
        QFETCH(QString, named);
        QFETCH(QString, message);
        const auto r = resolve(named.toStdString());
        QVERIFY(!r.ok());
        QVERIFY2(QString::fromStdString(r.error().message).contains(message), r.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestWorkloadResolutionSandbox)
#include "tst_workload_resolution_sandbox.moc"
