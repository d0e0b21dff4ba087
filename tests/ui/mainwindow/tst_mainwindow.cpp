// Opens the real main window on the real sandbox (served on 127.0.0.1 by the same process) and
// checks what the on-call engineer sees for runbook steps 1 and 2.
#include "chart/MemoryChart.h"
#include "investigation/InvestigationController.h"
#include "investigation/MemoryEvidenceView.h"
#include "investigation/OomEvidenceView.h"
#include "investigation/OomTableModel.h"
#include "investigation/PodTableModel.h"
#include "investigation/VerdictBanner.h"
#include "main/ConnectionBar.h"
#include "main/MainWindow.h"
#include "runbook/RunbookChecklistModel.h"
#include "runbook/RunbookParser.h"
#include "runbook/StepDetailView.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QListView>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

#include "chart/QCustomPlotInclude.h"

using namespace leakdesk;
using namespace leakdesk::ui;

class TestMainWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<std::shared_ptr<const investigation::Findings>>();
        investigation::ConnectionOptions options;
        options.sandbox = true;
        auto st = m_controller.open(options);
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().message.c_str());
        auto book = runbook::loadBundledRunbook();
        QVERIFY(book.ok());
        m_window = std::make_unique<MainWindow>(&m_controller, std::make_shared<const runbook::Runbook>(std::move(book).value()));
        m_window->setPreferredService(QStringLiteral("checkout"));
        m_window->show();
        QSignalSpy shown(m_window.get(), &MainWindow::findingsShown);
        m_controller.refreshNamespaces();
        QVERIFY(shown.wait(30000) || shown.count() > 0);
    }

    void connectionBarShowsTheCluster()
    {
        auto* bar = m_window->connectionBar();
        QCOMPARE(bar->currentNamespace(), QStringLiteral("production"));
        QCOMPARE(bar->currentService(), QStringLiteral("checkout"));
        QStringList services;
        for (int i = 0; i < bar->serviceBox()->count(); ++i)
            services << bar->serviceBox()->itemText(i);
        QCOMPARE(services, (QStringList { QStringLiteral("catalog"), QStringLiteral("checkout"), QStringLiteral("payments") }));
        QTRY_VERIFY(m_controller.state().kubeOk);
        QTRY_VERIFY(m_controller.state().promOk);
        QCOMPARE(m_controller.state().authMethod, QStringLiteral("token"));
    }

    void stepOneShowsChartAndTopTable()
    {
        m_window->selectStep(0);
        QCOMPARE(m_window->currentEvidenceWidget(), static_cast<QWidget*>(m_window->memoryView()));
        auto* view = m_window->memoryView();
        QAbstractItemModelTester tester(view->podModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        const int pods = view->podModel()->rowCount();
        QVERIFY(pods >= 2);
        // One graph per pod that has memory history, and each pod of the table has a line.
        QCOMPARE(view->chart()->podGraphCount(), pods);
        QVERIFY(view->chart()->markerCount(ChartMarker::OomKill) >= 3);
        QCOMPARE(view->banner()->tone(), VerdictBanner::Tone::Bad);
        QVERIFY2(view->banner()->headline().contains(QStringLiteral("sawtooth")), qPrintable(view->banner()->headline()));
        // The table is kubectl top's: memory column filled, limit 2Gi.
        const QModelIndex limit = view->podModel()->index(0, PodTableModel::Limit);
        QCOMPARE(limit.data().toString(), QStringLiteral("2Gi"));
        QVERIFY(view->podModel()->index(0, PodTableModel::Memory).data(PodTableModel::SortRole).toLongLong() > 100LL << 20);
        // The runbook's command is bound to the selection.
        const QStringList cmds = m_window->stepView()->renderedCommands();
        QVERIFY(!cmds.isEmpty());
        QVERIFY2(cmds.first().contains(QStringLiteral("app=checkout")), qPrintable(cmds.first()));
    }

    void stepTwoShowsOomKills()
    {
        m_window->selectStep(1);
        QCOMPARE(m_window->currentEvidenceWidget(), static_cast<QWidget*>(m_window->oomView()));
        auto* view = m_window->oomView();
        QAbstractItemModelTester tester(view->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(view->model()->rowCount() >= 3);
        QCOMPARE(view->banner()->tone(), VerdictBanner::Tone::Bad);
        // Newest first.
        const qint64 first = view->model()->index(0, 0).data(OomTableModel::TimeMsRole).toLongLong();
        const qint64 second = view->model()->index(1, 0).data(OomTableModel::TimeMsRole).toLongLong();
        QVERIFY(first >= second);
    }

    void checklistMarksSteps()
    {
        auto* model = m_window->checklist();
        QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(model->rowCount() >= 6);
        model->setStepState(0, StepState::Done, QStringLiteral("sawtooth confirmed"));
        model->setStepState(3, StepState::Skipped, QStringLiteral("not JVM"));
        QCOMPARE(model->index(0).data(Qt::CheckStateRole).toInt(), int(Qt::Checked));
        QCOMPARE(model->index(3).data(Qt::CheckStateRole).toInt(), int(Qt::PartiallyChecked));
        QCOMPARE(model->stepNote(0), QStringLiteral("sawtooth confirmed"));
        QCOMPARE(model->doneCount(), 2);
    }

    void switchingToHealthyServiceUpdatesEverything()
    {
        QSignalSpy shown(m_window.get(), &MainWindow::findingsShown);
        m_window->connectionBar()->serviceBox()->setCurrentText(QStringLiteral("catalog"));
        QVERIFY(shown.wait(30000));
        m_window->selectStep(0);
        auto* view = m_window->memoryView();
        QCOMPARE(view->banner()->tone(), VerdictBanner::Tone::Good);
        QCOMPARE(view->chart()->markerCount(ChartMarker::OomKill), 0);
        QCOMPARE(view->chart()->podGraphCount(), view->podModel()->rowCount());
        m_window->selectStep(1);
        QCOMPARE(m_window->oomView()->model()->rowCount(), 0);
    }

    void cleanupTestCase() { m_window.reset(); }

private:
    InvestigationController m_controller;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
