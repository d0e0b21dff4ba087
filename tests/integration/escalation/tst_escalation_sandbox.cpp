// fetchServiceContext() against the sandbox's API (served by this process on 127.0.0.1): checkout
// and catalog are behind the Ingress "shop", payments is reachable only inside the cluster, and
// each Deployment names its owner; with checkout's findings, P1 is proposed.
#include "SandboxSession.h"

#include "core/investigation/ClusterConnection.h"
#include "core/investigation/Escalation.h"
#include "core/investigation/Investigation.h"

#include "WaitForResult.h"

#include <QSignalSpy>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::investigation;

class TestEscalationSandbox : public QObject {
    Q_OBJECT

    Result<ServiceContext> contextOf(const QString& service)
    {
        return test::waitForResult<ServiceContext>(
            [&](auto done) {
                fetchServiceContext(m_connection->kube(), QStringLiteral("production"), service, this, done);
            },
            20000);
    }

private Q_SLOTS:
    void initTestCase()
    {
        const auto started = m_sandbox.start({});
        QVERIFY2(started.ok(), started.ok() ? "" : started.error().toString().c_str());
        auto c = ClusterConnection::open(m_sandbox.connectionOptions());
        QVERIFY2(c.ok(), c.ok() ? "" : c.error().toString().c_str());
        m_connection = std::move(c).value();
    }

    void checkoutIsUserFacing()
    {
        auto ctx = contextOf(QStringLiteral("checkout"));
        QVERIFY2(ctx.ok(), ctx.ok() ? "" : ctx.error().toString().c_str());
        QVERIFY(ctx->exposure.servicesChecked && ctx->exposure.ingressesChecked);
        QVERIFY(ctx->exposure.exposed());
        QCOMPARE(ctx->exposure.userFacing.front(), std::string("Ingress shop (shop.example.test /checkout) → Service checkout"));
        QVERIFY(ctx->owner);
        QCOMPARE(ctx->owner->owner, std::string("checkout-team (#checkout-oncall)"));
        QCOMPARE(ctx->owner->source, std::string("annotation leakdesk.io/owner"));
    }

    void paymentsIsInternal()
    {
        auto ctx = contextOf(QStringLiteral("payments"));
        QVERIFY(ctx.ok());
        QVERIFY(!ctx->exposure.exposed());
        QCOMPARE(ctx->exposure.internalOnly.front(), std::string("Service payments (ClusterIP)"));
    }

    void unknownDeploymentIsAnError()
    {
        auto ctx = contextOf(QStringLiteral("nosuch"));
        QVERIFY(!ctx.ok());
        QCOMPARE(ctx.error().code, ErrorCode::NotFound);
    }

    void checkoutsKillsProposeP1()
    {
        Investigation job(*m_connection);
        qRegisterMetaType<std::shared_ptr<const Findings>>();
        QSignalSpy ready(&job, &Investigation::finished);
        InvestigationRequest request;
        request.ns = "production";
        request.service = "checkout";
        job.start(request);
        QVERIFY(ready.wait(60000));
        auto findings = ready.at(0).at(0).value<std::shared_ptr<const Findings>>();
        QVERIFY(findings);
        auto ctx = contextOf(QStringLiteral("checkout"));
        QVERIFY(ctx.ok());
        const auto p = assessSeverity(*findings, ctx->exposure, "P2", {});
        QVERIFY(findings->oom.ruleMet);
        QVERIFY(p.propose);
        QCOMPARE(p.to, std::string("P1"));
        bool rateLine = false;
        for (const auto& e : p.evidence)
            rateLine = rateLine || e.find("request rate") != std::string::npos;
        QVERIFY(rateLine);
    }

private:
    app::SandboxSession m_sandbox; // outlives the connection to it
    std::unique_ptr<ClusterConnection> m_connection;
};

QTEST_GUILESS_MAIN(TestEscalationSandbox)
#include "tst_escalation_sandbox.moc"
