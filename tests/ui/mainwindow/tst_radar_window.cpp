// The window as `leakdesk --sandbox` opens it without --service, on the real sandbox (served on
// 127.0.0.1 by the same process) and under a real X server (ctest runs it in xvfb-run): it opens on
// the Radar, the Radar fills from the sandbox's Prometheus with the leaking workloads on top and the
// healthy ones at the bottom; a click on a row of another namespace opens the investigation of that
// workload with the runbook at step 1, Enter on a row does the same, and the Radar button goes back.
#include "MainWindowOnSandbox.h"

#include "WaitForSignals.h"
#include "ui/main/ConnectionBar.h"
#include "ui/radar/RadarFilterModel.h"
#include "ui/radar/RadarPage.h"
#include "ui/radar/RadarTableModel.h"

#include <QAction>
#include <QComboBox>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::ui;

namespace {

// The default scenario's workloads, as the Radar names them: "namespace/Kind/name".
const QStringList kLeaking = {
    QStringLiteral("production/Deployment/checkout"),
    QStringLiteral("production/Deployment/payments"),
    QStringLiteral("storefront/StatefulSet/search"),
    QStringLiteral("storefront/Deployment/cart"),
    QStringLiteral("storefront/Rollout/recommender"),
};
const QStringList kHealthy = {
    QStringLiteral("production/Deployment/catalog"),
    QStringLiteral("storefront/DaemonSet/node-agent"),
    QStringLiteral("storefront/CronJob/report"),
};

QString rowName(const QModelIndex& index)
{
    return index.data(RadarTableModel::NamespaceRole).toString() + QLatin1Char('/')
        + index.data(RadarTableModel::WorkloadRole).toString();
}

// The view row of `name`, -1 when it is not shown.
int viewRow(const QTableView* table, const QString& name)
{
    for (int r = 0; r < table->model()->rowCount(); ++r)
        if (rowName(table->model()->index(r, 0)) == name)
            return r;
    return -1;
}

} // namespace

class TestRadarWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        qRegisterMetaType<std::shared_ptr<const investigation::Findings>>();
        const auto started = m_sandbox.start({});
        QVERIFY2(started.ok(), started.ok() ? "" : started.error().message.c_str());
        auto st = m_controller.open(m_sandbox.connectionOptions());
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().message.c_str());
        m_window = test::newMainWindow(&m_controller);
        QVERIFY(m_window);
        m_window->setPreferredService(QString()); // as main() does without --service
        m_window->resize(1280, 720);
        QSignalSpy loaded(m_window->radarPage(), &RadarPage::loaded);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_controller.refreshNamespaces();
        QVERIFY2(test::waitForSignals(loaded, 1, 60000), "the Radar did not fill within 60 s");
    }

    void opensOnTheRadarWithNothingPicked()
    {
        QVERIFY(m_window->isRadarShown());
        QVERIFY(m_window->showRadarAction()->isChecked());
        QVERIFY(m_window->radarPage()->isVisible());
        // The service picker lists the namespace's workloads but investigates none.
        QTRY_VERIFY_WITH_TIMEOUT(m_window->connectionBar()->serviceBox()->count() > 0, 20000);
        QVERIFY(m_window->connectionBar()->currentWorkload().isEmpty());
        QVERIFY(!m_window->findings());
    }

    void leakingWorkloadsComeFirst()
    {
        RadarPage* page = m_window->radarPage();
        QVERIFY2(page->emptyStateText().isEmpty(), qPrintable(page->emptyStateText()));
        QVERIFY2(page->failureText().isEmpty(), qPrintable(page->failureText()));
        QTableView* table = page->table();
        QVERIFY(table->isVisible());
        QVERIFY(table->model()->rowCount() >= kLeaking.size() + kHealthy.size());
        int lastLeaking = -1;
        for (const QString& name : kLeaking) {
            const int r = viewRow(table, name);
            QVERIFY2(r >= 0, qPrintable(name + QStringLiteral(" is not on the Radar")));
            QVERIFY2(table->model()->index(r, 0).data(RadarTableModel::LeakingRole).toBool(),
                qPrintable(name + QStringLiteral(" is not shown as leaking")));
            lastLeaking = std::max(lastLeaking, r);
        }
        for (const QString& name : kHealthy) {
            const int r = viewRow(table, name);
            QVERIFY2(r > lastLeaking, qPrintable(name + QStringLiteral(" ranks among the leaking workloads")));
            QVERIFY(!table->model()->index(r, 0).data(RadarTableModel::LeakingRole).toBool());
        }
        QCOMPARE(page->model()->leakingCount(), kLeaking.size());
        QVERIFY2(page->summaryText().startsWith(QStringLiteral("%1 of ").arg(kLeaking.size())),
            qPrintable(page->summaryText()));
    }

    // A click on a row of another namespace: its investigation, the runbook at step 1.
    void clickOpensTheWorkloadAtStepOne()
    {
        m_window->selectStep(2); // wherever the runbook was, a new workload starts at step 1
        QTableView* table = m_window->radarPage()->table();
        const int r = viewRow(table, QStringLiteral("storefront/StatefulSet/search"));
        QVERIFY(r >= 0);
        table->scrollTo(table->model()->index(r, RadarTableModel::Reason));
        QSignalSpy shown(m_window.get(), &MainWindow::findingsShown);
        const QRect cell = table->visualRect(table->model()->index(r, RadarTableModel::Reason));
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, cell.center());
        QVERIFY(!m_window->isRadarShown());
        QCOMPARE(m_window->currentStep(), 0);
        QVERIFY2(test::waitForSignals(shown, 1, 60000), "no findings for the clicked workload within 60 s");
        const auto findings = shown.last().at(0).value<std::shared_ptr<const investigation::Findings>>();
        QCOMPARE(findings->request.ns, std::string("storefront"));
        QCOMPARE(findings->request.service, std::string("search"));
        // Its Service has its name, so the picker offers it by that name, as for any choice in the bar;
        // the investigation resolves it to the row's workload.
        QVERIFY(findings->evidence && findings->evidence->workload);
        QCOMPARE(findings->evidence->workload->workload.text(), std::string("StatefulSet/search"));
        QCOMPARE(m_window->connectionBar()->currentNamespace(), QStringLiteral("storefront"));
        QCOMPARE(m_window->currentStep(), 0);
        QVERIFY(!m_window->showRadarAction()->isChecked());
    }

    // Back with the Radar button; Enter on a filtered row opens that one.
    void radarButtonGoesBackAndEnterOpens()
    {
        m_window->showRadarAction()->trigger();
        QVERIFY(m_window->isRadarShown());
        RadarPage* page = m_window->radarPage();
        QVERIFY(page->table()->model()->rowCount() > 0); // the ranking is kept, not redone
        QTest::keyClicks(page->filterBox(), QStringLiteral("production/"));
        page->filterBox()->clear();
        QTest::keyClicks(page->filterBox(), QStringLiteral("payments"));
        QTableView* table = page->table();
        const int r = viewRow(table, QStringLiteral("production/Deployment/payments"));
        QVERIFY(r >= 0);
        QSignalSpy shown(m_window.get(), &MainWindow::findingsShown);
        table->setFocus();
        table->setCurrentIndex(table->model()->index(r, RadarTableModel::Workload));
        QTest::keyClick(table, Qt::Key_Return);
        QVERIFY(!m_window->isRadarShown());
        QVERIFY2(test::waitForSignals(shown, 1, 60000), "no findings for payments within 60 s");
        const auto findings = shown.last().at(0).value<std::shared_ptr<const investigation::Findings>>();
        QCOMPARE(findings->request.ns, std::string("production"));
        QCOMPARE(findings->request.service, std::string("payments"));
        QCOMPARE(m_window->currentStep(), 0);
        // Ctrl+0 goes back too (a window shortcut: the window must be the active one).
        m_window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        QTest::keyClick(m_window.get(), Qt::Key_0, Qt::ControlModifier);
        QVERIFY(m_window->isRadarShown());
    }

private:
    app::SandboxSession m_sandbox;
    InvestigationController m_controller;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(TestRadarWindow)
#include "tst_radar_window.moc"
