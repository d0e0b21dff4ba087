// The window's Alerts tab beside the Radar, on the real sandbox: the panel finds the sandbox's
// Alertmanager through the API server's service proxy when the window connects, lists the memory
// alerts with their workloads, and Start incident opens the investigation of the alert's workload
// with the alert recorded in that incident.
#include "MainWindowOnSandbox.h"
#include "WaitForSignals.h"
#include "core/alerts/AlertIncident.h"
#include "ui/alerts/AlertsPanel.h"
#include "ui/incident/IncidentSession.h"

#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::ui;

class TestAlertsWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void startIncidentFromAnAlert()
    {
        QStandardPaths::setTestModeEnabled(true);
        qRegisterMetaType<std::shared_ptr<const investigation::Findings>>();
        app::SandboxSession sandbox;
        QVERIFY(sandbox.start({}).ok());
        InvestigationController controller;
        QVERIFY(controller.open(sandbox.connectionOptions()).ok());
        auto window = test::newMainWindow(&controller);
        QVERIFY(window);
        window->setPreferredService(QString());
        window->show();
        controller.refreshNamespaces();
        QTabWidget* tabs = window->overviewTabs();
        AlertsPanel* panel = nullptr;
        for (int i = 0; i < tabs->count(); ++i)
            if (tabs->tabText(i) == QStringLiteral("Alerts"))
                panel = qobject_cast<AlertsPanel*>(tabs->widget(i));
        QVERIFY2(panel, "no Alerts tab beside the Radar");
        tabs->setCurrentWidget(panel);
        QTRY_VERIFY_WITH_TIMEOUT(panel->model()->rowCount() > 0, 60000);
        int checkout = -1;
        QTableView* view = panel->view();
        for (int r = 0; r < view->model()->rowCount(); ++r)
            if (view->model()->index(r, AlertsTableModel::Namespace).data().toString() == QStringLiteral("production")
                && view->model()->index(r, AlertsTableModel::Workload).data().toString()
                    == QStringLiteral("Deployment/checkout"))
                checkout = r;
        QVERIFY2(checkout >= 0, "checkout's memory alerts are not listed");
        view->selectRow(checkout);
        QSignalSpy recorded(window.get(), &MainWindow::findingsRecorded);
        QTest::mouseClick(panel->startIncidentButton(), Qt::LeftButton);
        QVERIFY2(test::waitForSignals(recorded, 1, 90000), "no investigation of checkout was recorded");
        QTRY_VERIFY_WITH_TIMEOUT(window->incident()->document()
                && std::any_of(window->incident()->document()->escalations.begin(),
                    window->incident()->document()->escalations.end(),
                    [](const incident::EscalationEvent& e) { return e.kind == alerts::kAlertEventKind; }),
            10000);
        QCOMPARE(QString::fromStdString(window->incident()->document()->service), QStringLiteral("checkout"));
    }
};

QTEST_MAIN(TestAlertsWindow)
#include "tst_alerts_window.moc"
