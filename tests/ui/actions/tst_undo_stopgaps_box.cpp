// Step 6's "Undo stopgaps" box against the in-process sandbox: disabled until the fix is verified
// (the enabling hook), without a cluster or without an applied stopgap; once enabled, one
// confirmation names each change and where with the server's dry run, the limit goes back to
// 2Gi, and the incident's action becomes reverted; a cancelled confirmation changes nothing.
#include "SandboxCluster.h"

#include "core/actions/Mitigation.h"
#include "core/incident/ActionJournal.h"
#include "core/incident/IncidentRecording.h"
#include "ui/actions/UndoStopgapsBox.h"
#include "ui/incident/IncidentSession.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::ui;

class TestUndoStopgapsBox : public QObject {
    Q_OBJECT
    test::SandboxCluster m_cluster;
    QTemporaryDir m_dir;
    IncidentSession m_session;
    UndoStopgapsBox m_box;

    std::string limitNow()
    {
        std::optional<Result<nlohmann::json>> got;
        m_cluster.client->getJson(QStringLiteral("/apis/apps/v1/namespaces/production/deployments/checkout"), {}, this,
            [&](Result<nlohmann::json> r) { got = std::move(r); });
        if (!QTest::qWaitFor([&] { return got.has_value(); }, 10000) || !*got)
            return {};
        return (**got)["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"].value("memory", "");
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_cluster.start(test::SandboxCluster::pinnedNow()).ok());
        incident::NewIncident params;
        params.ns = "production";
        params.service = "checkout";
        params.nowMs = incident::currentTimeMs();
        QVERIFY(m_session.create(m_dir.filePath(QStringLiteral("i.leakdesk")), incident::newIncident(params)).ok());
        m_box.setIncident(&m_session);
        m_box.setOptions({ 500, 30000, 250 });

        // The stopgap: step 5's limit raise, applied and journaled as the mitigation panel does.
        auto mitigation = actions::Mitigation::create(actions::MitigationKind::RaiseMemoryLimit, *m_cluster.client);
        actions::MitigationRequest request;
        request.ns = "production";
        request.workload = { kube::WorkloadKind::Deployment, "checkout" };
        std::optional<Result<actions::MitigationPlan>> plan;
        mitigation->plan(request, [&](Result<actions::MitigationPlan> p) { plan = std::move(p); });
        QTRY_VERIFY_WITH_TIMEOUT(plan.has_value(), 20000);
        QVERIFY(plan->ok());
        std::optional<Result<actions::MitigationRecord>> applied;
        mitigation->apply(**plan, [&](Result<actions::MitigationRecord> r) { applied = std::move(r); });
        QTRY_VERIFY_WITH_TIMEOUT(applied.has_value(), 20000);
        QVERIFY(applied->ok());
        m_session.modify([&](incident::IncidentDocument& doc) {
            incident::recordMitigation(doc,
                { actions::mitigationActionKind(actions::MitigationKind::RaiseMemoryLimit), "Raise the memory limit",
                    "checkout", "deployment/checkout", (*plan)->kubectl, {}, (*applied)->toJson() },
                incident::currentTimeMs());
        });
        QCOMPARE(limitNow(), std::string("4Gi"));
    }

    void enabledOnlyByAVerifiedFix()
    {
        m_box.setCluster(m_cluster.client.get());
        QVERIFY(!m_box.canUndo()); // not verified yet
        m_box.setFixVerified(true, QStringLiteral("no growth since the new revision"));
        QVERIFY(m_box.canUndo());
        m_box.setCluster(nullptr);
        QVERIFY(!m_box.canUndo());
        m_box.setCluster(m_cluster.client.get());
        m_box.setFixVerified(false);
        QVERIFY(!m_box.canUndo());
        m_box.setFixVerified(true);
        QVERIFY(m_box.canUndo());
    }

    void cancelChangesNothing()
    {
        QString asked;
        m_box.setConfirmer([&](const QString&, const QString& text) {
            asked = text;
            return false;
        });
        m_box.undoStopgaps();
        QTRY_VERIFY_WITH_TIMEOUT(m_box.statusText().contains(QStringLiteral("Cancelled")), 20000);
        QVERIFY2(
            asked.contains(QStringLiteral("memory limit on deployment/checkout in production")), qPrintable(asked));
        QVERIFY2(asked.contains(QStringLiteral("4Gi → 2Gi")), qPrintable(asked));
        QCOMPARE(limitNow(), std::string("4Gi"));
        QCOMPARE(m_session.document()->actions.front().state, incident::ActionState::Applied);
    }

    void undoesConfirmedStopgapsAndJournalsThem()
    {
        m_box.setConfirmer([](const QString&, const QString&) { return true; });
        QSignalSpy finished(&m_box, &UndoStopgapsBox::finished);
        m_box.undoStopgaps();
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.at(0).at(0).toBool(), true);
        QCOMPARE(limitNow(), std::string("2Gi"));
        QCOMPARE(m_session.document()->actions.front().state, incident::ActionState::Reverted);
        QVERIFY(!m_box.canUndo()); // nothing applied any more
    }
};

QTEST_MAIN(TestUndoStopgapsBox)
#include "tst_undo_stopgaps_box.moc"
