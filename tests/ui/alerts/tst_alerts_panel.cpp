// The Alerts panel with alerts handed in (invented) and read from the sandbox's Alertmanager:
// one row per memory alert with its workload, sorted by how long it fires, Start incident offered
// only when the workload is known and emitting the chosen alert.
#include "ui/alerts/AlertsPanel.h"

#include "WaitForResult.h"
#include "core/alerts/AlertIncident.h"
#include "core/common/ActionKinds.h"
#include "core/incident/ActionJournal.h"
#include "core/incident/IncidentRecording.h"
#include "core/runbook/RunbookParser.h"
#include "ui/actions/MitigationPanel.h"
#include "ui/alerts/SilenceOption.h"
#include "ui/incident/IncidentSession.h"

#include "SandboxCluster.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::alerts;

namespace {

MemoryAlert alertOf(
    const char* name, const char* ns, const char* pod, std::optional<kube::WorkloadRef> workload, std::int64_t startsAt)
{
    MemoryAlert a;
    a.alert.fingerprint = std::string("fp-") + pod;
    a.alert.labels = { { "alertname", name }, { "namespace", ns }, { "pod", pod } };
    a.alert.startsAtMs = startsAt;
    a.category = MemoryAlertCategory::OomKill;
    a.target = targetFromLabels(a.alert.labels);
    a.target.workload = workload;
    return a;
}

} // namespace

class TestAlertsPanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void startIncidentForKnownWorkloadsOnly()
    {
        ui::AlertsPanel panel;
        QAbstractItemModelTester tester(panel.model());
        const std::int64_t now = 10 * 3600 * 1000;
        ResolvedAlerts r;
        r.alerts = { alertOf("KubePodCrashLooping", "shop", "cart-5d8f9c7b6d-aaaaa",
                         kube::WorkloadRef { kube::WorkloadKind::Deployment, "cart" }, now - 3600 * 1000),
            alertOf("KubeContainerOOMKilled", "shop", "gone-6c7d8e9f0a-bbbbb", std::nullopt, now - 60 * 1000) };
        panel.showAlerts(r, now);
        QCOMPARE(panel.model()->rowCount(), 2);
        QVERIFY(!panel.startIncidentButton()->isEnabled()); // nothing selected
        QSignalSpy started(&panel, &ui::AlertsPanel::startIncidentRequested);
        // Sorted by start: the oldest (cart's crash loop) first.
        auto* view = panel.view();
        QCOMPARE(view->model()->index(0, ui::AlertsTableModel::Workload).data().toString(),
            QStringLiteral("Deployment/cart"));
        view->selectRow(1);
        QVERIFY(!panel.startIncidentButton()->isEnabled()); // the pod's owner is unknown
        view->selectRow(0);
        QVERIFY(panel.startIncidentButton()->isEnabled());
        QTest::mouseClick(panel.startIncidentButton(), Qt::LeftButton);
        QCOMPARE(started.count(), 1);
        const auto chosen = started.first().first().value<MemoryAlert>();
        QCOMPARE(chosen.alert.fingerprint, std::string("fp-cart-5d8f9c7b6d-aaaaa"));
    }

    void readsTheSandboxsAlertmanager()
    {
        test::SandboxCluster cluster;
        QVERIFY(cluster.start(test::SandboxCluster::pinnedNow()).ok());
        prometheus::PromConnection c;
        c.baseUrl = cluster.host.alertmanagerUrl();
        c.useEnvironmentProxy = false;
        AlertmanagerClient client(c);
        ui::AlertsPanel panel;
        panel.setSources(cluster.client.get(), &client, MemoryAlertMatcher::defaults());
        panel.refresh();
        QTRY_VERIFY_WITH_TIMEOUT(panel.model()->rowCount() > 0, 30000);
        bool checkout = false;
        for (int row = 0; row < panel.model()->rowCount(); ++row) {
            const QString workload = panel.model()->index(row, ui::AlertsTableModel::Workload).data().toString();
            QVERIFY2(workload != QStringLiteral("Deployment/catalog"), qPrintable(workload));
            checkout = checkout || workload == QStringLiteral("Deployment/checkout");
        }
        QVERIFY(checkout);
    }

    // The mitigation panel's silence option: previewed in the one confirmation, created after the
    // apply with the incident's id, journaled, and expired by the revert.
    void silenceWhileTheMitigationRollsOut()
    {
        qRegisterMetaType<actions::MitigationKind>();
        test::SandboxCluster cluster; // the wall clock: the silence starts now for the sandbox too
        QVERIFY(cluster.start().ok());
        prometheus::PromConnection c;
        c.baseUrl = cluster.host.alertmanagerUrl();
        c.useEnvironmentProxy = false;
        AlertmanagerClient client(c);
        QTemporaryDir dir;
        auto book = runbook::loadBundledRunbook();
        QVERIFY(book.ok());
        incident::NewIncident params;
        params.ns = "production";
        params.service = "checkout";
        params.runbook = &book.value();
        params.nowMs = incident::currentTimeMs();
        ui::IncidentSession session;
        QVERIFY(session.create(dir.filePath(QStringLiteral("i.leakdesk")), incident::newIncident(params)).ok());
        ui::MitigationPanel panel;
        panel.setIncident(&session);
        auto* option = new ui::SilenceOption;
        option->setIncident(&session);
        panel.setSilenceOption(option);
        QVERIFY(option->isHidden()); // no Alertmanager yet: not offered
        option->setAlertmanager(&client);
        option->checkBox()->setChecked(true);
        option->durationBox()->setCurrentIndex(4); // 8 h: the rollout below moves the sandbox's clock on
        QString confirmed;
        panel.setConfirmer([&](const QString&, const QString& text) {
            confirmed += text;
            return true;
        });
        QSignalSpy planned(&panel, &ui::MitigationPanel::planned);
        panel.setTarget(cluster.client.get(), QStringLiteral("production"), QStringLiteral("checkout"), 2147483648LL,
            runbook::parametersOf(*book));
        QTRY_VERIFY_WITH_TIMEOUT(planned.count() >= 4, 20000);
        QSignalSpy applied(&panel, &ui::MitigationPanel::applied);
        QSignalSpy rolled(&panel, &ui::MitigationPanel::rolloutFinished);
        panel.apply(ui::MitigationPanel::Kind::RaiseMemoryLimit);
        QVERIFY(applied.wait(20000));
        QVERIFY2(confirmed.contains(QStringLiteral("Also silences")), qPrintable(confirmed));
        QVERIFY(confirmed.contains(QStringLiteral("namespace=\"production\"")));
        const auto silenceAction = [&]() -> const incident::ActionRecord* {
            for (const auto& a : session.document()->actions)
                if (a.kind == actionkind::kSilenceAlerts)
                    return &a;
            return nullptr;
        };
        QTRY_VERIFY_WITH_TIMEOUT(silenceAction(), 10000);
        QCOMPARE(silenceAction()->state, incident::ActionState::Applied);
        auto listed = test::waitForResult<std::vector<Silence>>([&](auto cb) { client.silences(nullptr, cb); });
        QVERIFY(listed.ok());
        QCOMPARE(listed->size(), std::size_t(1));
        QCOMPARE(listed->front().state, std::string("active"));
        QVERIFY(
            QString::fromStdString(listed->front().comment).contains(QString::fromStdString(session.document()->id)));

        // The rollout ends (the sandbox's clock moved on) before a revert is offered.
        for (int i = 0; i < 300 && rolled.isEmpty(); ++i) {
            cluster.host.advanceClock(20 * 1000);
            QTest::qWait(100);
        }
        QVERIFY(!rolled.isEmpty());
        QSignalSpy reverted(&panel, &ui::MitigationPanel::reverted);
        QTRY_VERIFY_WITH_TIMEOUT(panel.revertButton(ui::MitigationPanel::Kind::RaiseMemoryLimit)->isEnabled(), 20000);
        panel.revert(ui::MitigationPanel::Kind::RaiseMemoryLimit);
        QVERIFY(reverted.wait(30000));
        QTRY_COMPARE_WITH_TIMEOUT(silenceAction()->state, incident::ActionState::Reverted, 10000);
        auto after = test::waitForResult<std::vector<Silence>>([&](auto cb) { client.silences(nullptr, cb); });
        QCOMPARE(after->front().state, std::string("expired"));
    }
};

QTEST_MAIN(TestAlertsPanel)
#include "tst_alerts_panel.moc"
