// The Alerts panel with alerts handed in (invented) and read from the sandbox's Alertmanager:
// one row per memory alert with its workload, sorted by how long it fires, Start incident offered
// only when the workload is known and emitting the chosen alert.
#include "ui/alerts/AlertsPanel.h"

#include "SandboxCluster.h"

#include <QAbstractItemModelTester>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
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
};

QTEST_MAIN(TestAlertsPanel)
#include "tst_alerts_panel.moc"
