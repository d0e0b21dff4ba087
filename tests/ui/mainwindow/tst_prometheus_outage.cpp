// Issue 15 item 1: the main window on a cluster that answers while its Prometheus does not
// (nothing listens on the configured port). What comes from the cluster must still show (the pods
// with kubectl top's memory, restarts, limits; the OOM kills from container status and events),
// the missing Prometheus evidence must be named instead of an empty 0-5 B chart, the window must
// not grow past a laptop screen, and heap capture and mitigations must work without Prometheus.
#include "SandboxSession.h"
#include "core/investigation/CaptureCandidates.h"

#include "IncidentCleanup.h"
#include "TestSupport.h"
#include "WaitForSignals.h"
#include "core/incident/IncidentStore.h"
#include "core/investigation/ClusterConnection.h"
#include "core/runbook/RunbookParser.h"
#include "ui/actions/MitigationPanel.h"
#include "ui/heap/HeapCaptureDialog.h"
#include "ui/incident/IncidentSession.h"
#include "ui/investigation/InvestigationController.h"
#include "ui/investigation/MemoryEvidenceView.h"
#include "ui/investigation/OomEvidenceView.h"
#include "ui/investigation/OomTableModel.h"
#include "ui/investigation/PodTableModel.h"
#include "ui/investigation/VerdictBanner.h"
#include "ui/main/ConnectionBar.h"
#include "ui/main/MainWindow.h"
#include "ui/runbook/RunbookChecklistModel.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::ui;

class TestPrometheusOutage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        qRegisterMetaType<std::shared_ptr<const investigation::Findings>>();
        const auto started = m_sandbox.start({});
        QVERIFY2(started.ok(), started.ok() ? "" : started.error().message.c_str());
        auto options = m_sandbox.connectionOptions();
        // A loopback port nothing listens on.
        options.prometheusUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(test::freeLoopbackPort()));
        auto st = m_controller.open(options);
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().message.c_str());
        auto book = runbook::loadBundledRunbook();
        QVERIFY(book.ok());
        m_window = std::make_unique<MainWindow>(
            &m_controller, std::make_shared<const runbook::Runbook>(std::move(book).value()));
        m_window->setPreferredService(QStringLiteral("checkout"));
        m_window->resize(1280, 720);
        m_window->show();
        QSignalSpy recorded(m_window.get(), &MainWindow::findingsRecorded);
        m_controller.refreshNamespaces();
        QVERIFY(test::waitForSignals(recorded, 1, 60000));
        m_incidentPath = m_window->incident()->path();
    }

    void connectionBarNamesTheOutage()
    {
        QTRY_VERIFY(m_controller.state().kubeOk);
        // The bar's label starts with what is wrong, so that its elided form still says it.
        QTRY_VERIFY2_WITH_TIMEOUT(m_controller.state().promStatus.startsWith(QStringLiteral("Prometheus unreachable")),
            qPrintable(m_controller.state().promStatus), 30000);
        QVERIFY(!m_controller.state().promOk);
        // A long error must not push the window wider than a laptop screen.
        QVERIFY2(m_window->minimumSizeHint().width() <= 1280,
            qPrintable(QString::number(m_window->minimumSizeHint().width())));
        QVERIFY2(m_window->width() <= 1280, qPrintable(QString::number(m_window->width())));
    }

    void stepOneShowsThePodsAndNamesWhatIsMissing()
    {
        m_window->selectStep(0);
        auto* view = m_window->memoryView();
        QCOMPARE(view->banner()->tone(), VerdictBanner::Tone::Warning);
        QVERIFY2(view->banner()->detail().contains(QStringLiteral("Prometheus is unreachable")),
            qPrintable(view->banner()->detail()));
        // No empty chart with a 0-5 B axis: a notice says why there is no history.
        QVERIFY(!view->chartShown());
        QVERIFY(view->noHistoryNotice()->isVisible());
        QVERIFY(view->noHistoryNotice()->text().contains(QStringLiteral("unreachable")));
        // The pods come from the cluster, with kubectl top's memory, their limits and restarts.
        QCOMPARE(view->podModel()->rowCount(), 3);
        for (int row = 0; row < 3; ++row) {
            QVERIFY(view->podModel()->index(row, PodTableModel::Memory).data(PodTableModel::SortRole).toLongLong() > 0);
            QCOMPARE(view->podModel()->index(row, PodTableModel::Limit).data().toString(), QStringLiteral("2Gi"));
            QVERIFY(view->podModel()->index(row, PodTableModel::Restarts).data(PodTableModel::SortRole).toInt() > 0);
        }
        QVERIFY(view->podTable()->isVisible());
        QVERIFY(view->podTable()->height() >= 3 * view->podTable()->verticalHeader()->defaultSectionSize());
    }

    void stepTwoShowsTheOomKillsFromTheCluster()
    {
        m_window->selectStep(1);
        auto* view = m_window->oomView();
        QVERIFY(view->model()->rowCount() >= 3);
        QCOMPARE(view->banner()->tone(), VerdictBanner::Tone::Bad);
    }

    void heapCaptureWorksWithoutPrometheus()
    {
        // The pod a capture defaults to (not at risk of an OOM kill): the pod with the most memory
        // may be near its limit at this moment, and the pre-flight then rightly refuses it.
        QVERIFY(m_window->findings());
        const auto candidates = investigation::captureCandidates(m_window->findings()->pods);
        QVERIFY(!candidates.empty());
        const QString pod = QString::fromStdString(candidates.front().pod);
        QVERIFY(pod.startsWith(QStringLiteral("checkout-")));
        auto* dialog = qobject_cast<HeapCaptureDialog*>(m_window->captureHeapDump(pod));
        QVERIFY(dialog);
        QSignalSpy done(dialog, &HeapCaptureDialog::captured);
        QVERIFY2(QTest::qWaitFor([&] { return dialog->canStartCapture(); }, 60000),
            qPrintable(pod + QStringLiteral(": ") + dialog->preflightText() + QStringLiteral(" / ") + dialog->statusText()));
        dialog->startCapture();
        QVERIFY(test::waitForSignals(done, 1, 120000));
        const QString path = done.at(0).at(0).toString();
        QVERIFY(QFileInfo(path).size() > 0);
        dialog->close();
        QFile::remove(path);
    }

    void mitigationWorksWithoutPrometheus()
    {
        auto* model = m_window->checklist();
        int mitigate = -1;
        for (int r = 0; r < model->rowCount() && mitigate < 0; ++r)
            for (const auto& c : model->step(r)->commands)
                if (c.action == runbook::ActionKind::RaiseLimit)
                    mitigate = r;
        QVERIFY(mitigate >= 0);
        m_window->selectStep(mitigate);
        auto* panel = m_window->mitigationPanel();
        QTRY_VERIFY_WITH_TIMEOUT(panel->applyButton(MitigationPanel::Kind::RaiseMemoryLimit)->isEnabled(), 20000);
        panel->setConfirmer([](const QString&, const QString&) { return true; });
        QSignalSpy applied(panel, &MitigationPanel::applied);
        panel->apply(MitigationPanel::Kind::RaiseMemoryLimit);
        QVERIFY(test::waitForSignals(applied, 1, 30000));
    }

    void cleanupTestCase()
    {
        m_window.reset();
        test::removeIncidentFiles(m_incidentPath);
    }

private:
    app::SandboxSession m_sandbox;
    InvestigationController m_controller;
    std::unique_ptr<MainWindow> m_window;
    QString m_incidentPath;
};

QTEST_MAIN(TestPrometheusOutage)
#include "tst_prometheus_outage.moc"
