// The step-5 mitigation panel on the real sandbox (served by this process on 127.0.0.1), with
// the real KubeClient: what the buttons offer, that nothing changes without confirmation, that
// an applied change reaches the Deployment and the incident, and that revert restores it; the
// sandbox's read-only user gets disabled buttons with the RBAC reason.
#include "SandboxCluster.h"
#include "WaitForResult.h"
#include "ui/actions/MitigationPanel.h"
#include "core/incident/IncidentRecording.h"
#include "ui/incident/IncidentSession.h"
#include "core/kube/KubeClient.h"
#include "core/kube/KubeConfig.h"
#include "core/runbook/RunbookParser.h"
#include "core/sandbox/SandboxHost.h"

#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::ui;
using Kind = actions::MitigationKind;

class TestMitigationPanel : public QObject {
    Q_OBJECT

    // The checkout container's memory limit and HEAP_LIMIT_RESTART as the server has them now.
    std::pair<QString, QString> served()
    {
        const auto got = test::waitForResult<nlohmann::json>(
            [&](auto done) {
                m_cluster.client->getJson(
                    QStringLiteral("/apis/apps/v1/namespaces/production/deployments/checkout"), {}, this, done);
            },
            20000);
        if (!got || !got->is_object())
            return {};
        const auto& c = (*got)["spec"]["template"]["spec"]["containers"][0];
        QString env;
        for (const auto& e : c.value("env", nlohmann::json::array()))
            if (e.value("name", "") == "HEAP_LIMIT_RESTART")
                env = QString::fromStdString(e.value("value", ""));
        return { QString::fromStdString(c["resources"]["limits"].value("memory", "")), env };
    }

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<actions::MitigationKind>();
        sandbox::SandboxOptions options;
        options.readOnlyUser = true;
        QVERIFY(m_cluster.start(options).ok());

        auto book = runbook::loadBundledRunbook();
        QVERIFY(book.ok());
        m_params = runbook::parametersOf(*book);
        incident::NewIncident params;
        params.ns = "production";
        params.service = "checkout";
        params.runbook = &book.value();
        params.nowMs = incident::currentTimeMs();
        QVERIFY(m_session.create(m_dir.filePath(QStringLiteral("i.leakdesk")), incident::newIncident(params)).ok());
        m_panel.setIncident(&m_session);
    }

    void plansWithTheRunbooksValues()
    {
        QSignalSpy planned(&m_panel, &MitigationPanel::planned);
        m_panel.setTarget(
            m_cluster.client.get(), QStringLiteral("production"), QStringLiteral("checkout"), 2147483648LL, m_params);
        // limits, heap-restart (twice: again once the limit is known), restart
        QTRY_VERIFY_WITH_TIMEOUT(planned.count() >= 4, 20000);
        const auto* limits = m_panel.plan(Kind::RaiseMemoryLimit);
        QVERIFY(limits);
        QVERIFY(limits->rbac.allowed);
        QCOMPARE(m_panel.valueEdit(Kind::RaiseMemoryLimit)->text(), QStringLiteral("4Gi"));
        QCOMPARE(limits->suggestedValue.value_or(""), std::string("2560Mi")); // 2Gi × 1.25
        QTRY_COMPARE(m_panel.valueEdit(Kind::SetHeapLimitRestart)->text(), QStringLiteral("3584m"));
        QVERIFY(m_panel.applyButton(Kind::RaiseMemoryLimit)->isEnabled());
        QVERIFY(!m_panel.revertButton(Kind::RaiseMemoryLimit)->isEnabled()); // nothing applied yet
        QCOMPARE(served().first, QStringLiteral("2Gi"));
    }

    void nothingChangesWithoutConfirmation()
    {
        QString asked;
        m_panel.setConfirmer([&](const QString&, const QString& text) {
            asked = text;
            return false;
        });
        m_panel.apply(Kind::RaiseMemoryLimit);
        QTRY_VERIFY_WITH_TIMEOUT(m_panel.statusText(Kind::RaiseMemoryLimit).contains(QStringLiteral("Cancelled")), 20000);
        // The confirmation showed the server's dry-run diff and the kubectl equivalent.
        QVERIFY2(asked.contains(QStringLiteral("resources.limits.memory: 2Gi → 4Gi")), qPrintable(asked));
        QVERIFY(asked.contains(QStringLiteral("kubectl set resources deployment/checkout")));
        QCOMPARE(served().first, QStringLiteral("2Gi"));
        QVERIFY(m_session.document()->actions.empty());
    }

    void applyChangesTheDeploymentAndJournalsIt()
    {
        m_panel.setConfirmer([](const QString&, const QString&) { return true; });
        QSignalSpy applied(&m_panel, &MitigationPanel::applied);
        QSignalSpy rolled(&m_panel, &MitigationPanel::rolloutFinished);
        m_panel.apply(Kind::RaiseMemoryLimit);
        QVERIFY(applied.wait(20000));
        const QString id = applied.at(0).at(1).toString();
        QCOMPARE(id, QStringLiteral("A1"));
        QCOMPARE(served().first, QStringLiteral("4Gi"));
        const auto* action = m_session.document()->action("A1");
        QVERIFY(action);
        QCOMPARE(action->state, incident::ActionState::Applied);
        QCOMPARE(action->kind, std::string("raise-limit"));
        QVERIFY(action->diff.find("2Gi → 4Gi") != std::string::npos);
        // The sandbox rolls pods in real time (one at a time, as maxSurge 1 does): its clock is
        // moved on instead of waiting minutes. The panel polls the Deployment's status meanwhile.
        for (int i = 0; i < 300 && rolled.isEmpty(); ++i) {
            m_cluster.host.advanceClock(20 * 1000);
            QTest::qWait(100);
        }
        QCOMPARE(rolled.count(), 1);
        QCOMPARE(rolled.at(0).at(1).toBool(), true);
        QVERIFY(m_panel.statusText(Kind::RaiseMemoryLimit).startsWith(QStringLiteral("Rollout complete")));
        QVERIFY(m_panel.revertButton(Kind::RaiseMemoryLimit)->isEnabled());
        // Saved: the file on disk has the action.
        auto onDisk = incident::readIncidentFile(m_session.path());
        QVERIFY(onDisk.ok());
        QCOMPARE(onDisk->actions.size(), std::size_t(1));
    }

    void revertRestoresThePreviousLimit()
    {
        QSignalSpy reverted(&m_panel, &MitigationPanel::reverted);
        m_panel.revert(Kind::RaiseMemoryLimit);
        QVERIFY(reverted.wait(20000));
        QCOMPARE(served().first, QStringLiteral("2Gi"));
        QCOMPARE(m_session.document()->action("A1")->state, incident::ActionState::Reverted);
        // Nothing left to revert (the revert's own rollout is not awaited: the sandbox rolls pods
        // in real time, and the apply above already proved the rollout is followed).
        QVERIFY(!m_panel.revertButton(Kind::RaiseMemoryLimit)->isEnabled());
    }

    void readOnlyUserGetsTheRbacReason()
    {
        MitigationPanel viewerPanel;
        QSignalSpy planned(&viewerPanel, &MitigationPanel::planned);
        viewerPanel.setTarget(
            m_cluster.viewer.get(), QStringLiteral("production"), QStringLiteral("checkout"), std::nullopt, m_params);
        QTRY_VERIFY_WITH_TIMEOUT(planned.count() >= 3, 20000);
        const auto* plan = viewerPanel.plan(Kind::RaiseMemoryLimit);
        QVERIFY(plan);
        QVERIFY(!plan->rbac.allowed);
        QVERIFY(!plan->rbac.reason.empty());
        QVERIFY(!viewerPanel.applyButton(Kind::RaiseMemoryLimit)->isEnabled());
        QVERIFY(!viewerPanel.applyButton(Kind::RolloutRestart)->isEnabled());
        // Even when called directly, nothing is applied.
        bool asked = false;
        viewerPanel.setConfirmer([&](const QString&, const QString&) { return asked = true; });
        QSignalSpy failed(&viewerPanel, &MitigationPanel::failed);
        viewerPanel.apply(Kind::RaiseMemoryLimit);
        QVERIFY(failed.wait(20000));
        QVERIFY(!asked);
        QCOMPARE(served().first, QStringLiteral("2Gi"));
    }

private:
    test::SandboxCluster m_cluster;
    runbook::RunbookParameters m_params;
    QTemporaryDir m_dir;
    IncidentSession m_session;
    MitigationPanel m_panel;
};

QTEST_MAIN(TestMitigationPanel)
#include "tst_mitigation_panel.moc"
