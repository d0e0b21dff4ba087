// Runbook step 6's panel against the in-process sandbox (its clock pinned, moved by hand): before a
// new image it says there is nothing to verify yet; right after `set image` to the fixed release it
// is pending with the minutes still needed; once the new pods have run past the old OOM period it
// says fixed, shows old vs new growth and the evidence, and announces the fix once.

#include "SandboxCluster.h"
#include "SandboxMoments.h"

#include "core/investigation/ClusterConnection.h"
#include "ui/investigation/VerdictBanner.h"
#include "ui/verify/FixVerificationPanel.h"

#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::ui;

namespace {
constexpr qint64 kMinuteMs = 60 * 1000;
}

class TestFixVerificationPanel : public QObject {
    Q_OBJECT
private:
    test::SandboxCluster m_cluster;
    std::unique_ptr<investigation::ClusterConnection> m_connection;
    qint64 m_moment = 0;

    // One answer of the panel: checkNow() and the verified() that follows.
    std::shared_ptr<const investigation::FixVerificationReport> answer(FixVerificationPanel& panel)
    {
        QSignalSpy verified(&panel, &FixVerificationPanel::verified);
        panel.checkNow();
        if (!verified.wait(60000)) {
            qWarning(
                "no answer: %s / %s", qPrintable(panel.banner()->headline()), qPrintable(panel.banner()->detail()));
            return nullptr;
        }
        return panel.lastReport();
    }

    bool setImage(const QString& tag)
    {
        const nlohmann::json patch = { { "spec",
            { { "template",
                { { "spec",
                    { { "containers",
                        nlohmann::json::array({ { { "name", "checkout" },
                            { "image", "registry.shop.internal/checkout:" + tag.toStdString() } } }) } } } } } } } };
        std::optional<bool> ok;
        QEventLoop loop;
        m_cluster.client->patchDeployment(QStringLiteral("production"), QStringLiteral("checkout"), patch,
            kube::KubeClient::PatchType::StrategicMerge, {}, this, [&](Result<kube::KubeClient::PatchedDeployment> r) {
                if (!r)
                    qWarning("%s", r.error().toString().c_str());
                ok = r.ok();
                loop.quit();
            });
        if (!ok)
            loop.exec();
        return ok.value_or(false);
    }

private slots:
    void initTestCase()
    {
        const auto moment = test::steadyMoment(42, "checkout", test::testNowMs(), 2 * kMinuteMs);
        QVERIFY(moment);
        m_moment = *moment;
        sandbox::SandboxOptions options = test::SandboxCluster::pinnedAt({}, m_moment);
        options.defaultScenario = false; // production alone
        QVERIFY(m_cluster.start(options).ok());
        investigation::ConnectionOptions o;
        o.sandboxCluster = true;
        o.kubeconfig = m_cluster.kubeconfig();
        o.prometheusUrl = m_cluster.host.prometheusUrl();
        auto c = investigation::ClusterConnection::open(o);
        QVERIFY(c.ok());
        m_connection = std::move(c).value();
    }

    void followsTheFixToFixed()
    {
        FixVerificationPanel panel;
        panel.setConnectionSource([this] { return m_connection.get(); });
        panel.setTarget(
            QStringLiteral("production"), { kube::WorkloadKind::Deployment, "checkout" }, m_moment - 60 * kMinuteMs);
        QSignalSpy fixed(&panel, &FixVerificationPanel::fixVerified);

        auto before = answer(panel);
        QVERIFY(before);
        QCOMPARE(before->verification.outcome, analysis::FixOutcome::Pending);
        QVERIFY(!before->verification.neededMinutes);
        QVERIFY2(
            panel.banner()->detail().contains(QStringLiteral("No new revision")), qPrintable(panel.banner()->detail()));

        QVERIFY(setImage(QStringLiteral("2.14.4")));
        m_cluster.host.advanceClock(20 * kMinuteMs);
        auto early = answer(panel);
        QVERIFY(early);
        QCOMPARE(early->verification.outcome, analysis::FixOutcome::Pending);
        QVERIFY(early->verification.neededMinutes && *early->verification.neededMinutes > 0);
        QCOMPARE(panel.banner()->tone(), VerdictBanner::Tone::Neutral);
        QCOMPARE(fixed.count(), 0);

        m_cluster.host.advanceClock(50 * kMinuteMs);
        auto late = answer(panel);
        QVERIFY(late);
        QVERIFY2(late->verification.outcome == analysis::FixOutcome::Fixed, late->verification.reason.c_str());
        QCOMPARE(panel.banner()->tone(), VerdictBanner::Tone::Good);
        QCOMPARE(fixed.count(), 1);
        QVERIFY2(panel.comparisonText().contains(QStringLiteral("OOMKilled about every")),
            qPrintable(panel.comparisonText()));
        QVERIFY(panel.comparisonText().contains(QString::fromStdString(late->verification.newRevision)));
        QVERIFY(panel.evidenceTexts().size() >= 3);

        // Another check of the same fixed revision answers again but announces nothing new.
        QVERIFY(answer(panel));
        QCOMPARE(fixed.count(), 1);
    }
};

QTEST_MAIN(TestFixVerificationPanel)
#include "tst_fix_verification_panel.moc"
