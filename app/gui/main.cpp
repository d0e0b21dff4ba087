// leakdesk: the GUI. Parses arguments, opens the connection (starting the sandbox when asked, kept
// for the process's lifetime), shows the main window: on the Radar without --service, on that
// service's investigation with it. --screenshot renders the window once data has arrived and exits.
#include "ClusterTargetOptions.h"
#include "SandboxSession.h"

#include "core/runbook/RunbookParser.h"
#include "ui/heap/HeapView.h"
#include "ui/investigation/InvestigationController.h"
#include "ui/main/MainWindow.h"
#include "ui/main/RunbookPage.h"
#include "ui/radar/RadarPage.h"
#include "ui/verify/FixVerificationPanel.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>
#include <QSaveFile>
#include <QScreen>
#include <QTextStream>
#include <QTabWidget>
#include <QTimer>

#include <memory>

using namespace leakdesk;

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("LeakDesk"));
    QApplication::setOrganizationName(QStringLiteral("LeakDesk"));
    QApplication::setApplicationVersion(QStringLiteral(LEAKDESK_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Memory-leak incident workbench for Kubernetes."));
    parser.addHelpOption();
    parser.addVersionOption();
    // Neither --kubeconfig nor --prometheus: the sandbox, so that `leakdesk` alone shows something.
    const leakdesk::app::ClusterTargetOptions cluster(parser, { .prometheus = true, .sandboxWhenNoCluster = true });
    const QCommandLineOption serviceOpt(QStringLiteral("service"),
        QStringLiteral("Service or Kind/name to investigate (default: none, the window opens on the Radar)."),
        QStringLiteral("SVC"));
    const QCommandLineOption stepOpt(QStringLiteral("step"), QStringLiteral("Runbook step to show (1-based)."), QStringLiteral("N"), QStringLiteral("1"));
    const QCommandLineOption runbookOpt(QStringLiteral("runbook"), QStringLiteral("Markdown runbook (default: the bundled one)."), QStringLiteral("FILE"));
    const QCommandLineOption incidentOpt(QStringLiteral("incident"),
        QStringLiteral("Incident file to reopen, or to start when it does not exist (default: a new one in the app's data folder)."),
        QStringLiteral("FILE"));
    const QCommandLineOption heapOpt(QStringLiteral("heap-dump"), QStringLiteral("Open this HPROF heap dump in the Heap view."), QStringLiteral("FILE"));
    const QCommandLineOption tabOpt(QStringLiteral("tab"), QStringLiteral("Tab to show: runbook, heap (suspects, dominators) or timeline."), QStringLiteral("TAB"));
    const QCommandLineOption shotOpt(QStringLiteral("screenshot"), QStringLiteral("Render the window to FILE.png once data is loaded, then exit."), QStringLiteral("FILE"));
    parser.addOptions({ serviceOpt, stepOpt, runbookOpt, incidentOpt, heapOpt, tabOpt, shotOpt });
    parser.process(app);

    const bool headless = parser.isSet(shotOpt);
    auto fail = [&](const QString& message) {
        QTextStream(stderr) << "leakdesk: " << message << '\n';
        if (!headless)
            QMessageBox::critical(nullptr, QStringLiteral("LeakDesk"), message);
        return 1;
    };

    auto book = parser.isSet(runbookOpt) ? runbook::loadRunbookFile(parser.value(runbookOpt).toStdString()) : runbook::loadBundledRunbook();
    if (!book)
        return fail(QString::fromStdString(book.error().toString()));

    if (const auto problem = cluster.validate())
        return fail(problem->text());
    leakdesk::app::SandboxSession sandbox; // before the controller: the sandbox outlives every connection to it
    auto options = cluster.resolve(sandbox);
    if (!options)
        return fail(QString::fromStdString(options.error().toString()));
    if (options->prometheusInsecureSkipTlsVerify && options->prometheusUrl.scheme() == QLatin1String("https"))
        QTextStream(stderr) << "leakdesk: warning: Prometheus's certificate is not verified "
                               "(--prometheus-insecure-skip-tls-verify); pass --prometheus-ca instead\n";

    ui::InvestigationController controller;
    if (auto st = controller.open(*options); !st)
        return fail(QString::fromStdString(st.error().toString()));

    if (cluster.namespaceGiven())
        controller.setPreferredNamespace(cluster.namespaceName());
    ui::MainWindow window(&controller, std::make_shared<const runbook::Runbook>(std::move(book).value()));
    window.setConfigPath(cluster.configPath());
    // Without a service the on-call engineer's first question is "what is leaking, anywhere?": the Radar.
    window.setPreferredService(parser.isSet(serviceOpt) ? parser.value(serviceOpt) : QString());
    const int step = parser.value(stepOpt).toInt() - 1;
    window.selectStep(std::max(0, step));
    if (parser.isSet(incidentOpt) && !window.openOrCreateIncident(parser.value(incidentOpt)))
        return fail(QStringLiteral("cannot open the incident file %1").arg(parser.value(incidentOpt)));
    const bool withHeap = parser.isSet(heapOpt);
    if (withHeap)
        window.openHeapDump(parser.value(heapOpt));
    const QString tab = parser.value(tabOpt);
    const bool heapTab = tab == QLatin1String("heap") || tab == QLatin1String("suspects") || tab == QLatin1String("dominators");
    window.tabs()->setCurrentIndex(heapTab ? 1 : tab == QLatin1String("timeline") ? 2 : tab.isEmpty() && withHeap ? 1 : 0);
    if (!tab.isEmpty() || withHeap)
        window.showInvestigation();
    if (tab == QLatin1String("suspects") || tab == QLatin1String("dominators")) {
        // Shown once the analysis has filled them.
        const auto page = tab == QLatin1String("suspects") ? ui::HeapView::Page::Suspects : ui::HeapView::Page::DominatorTree;
        QObject::connect(window.heapView(), &ui::HeapView::analysisFinished, window.heapView(), [&window, page] {
            window.heapView()->showPage(page);
            if (page == ui::HeapView::Page::Suspects)
                window.heapView()->selectSuspect(0);
        });
    }
    window.show();
    controller.refreshNamespaces();

    if (headless) {
        const QString path = parser.value(shotOpt);
        // Give the chart a moment to lay out after the data arrives, then grab.
        // Waits for the findings (recorded in the incident) and, with --heap-dump, the heap analysis;
        // on the Radar, for its rows (or the empty state that says why there are none). On the fix
        // step, also the first answer of the fix verification.
        const bool radar = window.isRadarShown();
        const bool fixStep
            = !radar && window.currentEvidenceWidget() == window.runbookPage()->fixVerificationPanel();
        auto pending = std::make_shared<int>((withHeap ? 2 : 1) + (fixStep ? 1 : 0));
        auto grab = [&window, path, pending] {
            if (--*pending > 0)
                return;
            QTimer::singleShot(400, &window, [&window, path] {
                const QPixmap pix = window.grab();
                QSaveFile out(path);
                if (!out.open(QIODevice::WriteOnly) || !pix.save(&out, "PNG") || !out.commit()) {
                    QTextStream(stderr) << "leakdesk: cannot write " << path << '\n';
                    QApplication::exit(1);
                    return;
                }
                QTextStream(stdout) << "screenshot: " << path << '\n';
                QApplication::exit(0);
            });
        };
        if (radar)
            QObject::connect(window.radarPage(), &ui::RadarPage::loaded, &window, grab, Qt::SingleShotConnection);
        else
            QObject::connect(&window, &ui::MainWindow::findingsRecorded, &window, grab, Qt::SingleShotConnection);
        if (fixStep)
            QObject::connect(window.runbookPage()->fixVerificationPanel(), &ui::FixVerificationPanel::verified, &window,
                grab, Qt::SingleShotConnection);
        if (withHeap) {
            QObject::connect(window.heapView(), &ui::HeapView::analysisFinished, &window, grab, Qt::SingleShotConnection);
            QObject::connect(window.heapView(), &ui::HeapView::analysisFailed, &app, [](const QString& m, const QString&) {
                QTextStream(stderr) << "leakdesk: heap dump: " << m << '\n';
                QApplication::exit(1);
            });
        }
        // On the Radar a failure is its empty state, and that is what the screenshot shows.
        if (!radar)
            QObject::connect(&controller, &ui::InvestigationController::investigationFailed, &app,
                [](const QString& m, const QString& h) {
                    QTextStream(stderr) << "leakdesk: " << m
                                        << (h.isEmpty() ? QString() : QStringLiteral(" (") + h + QLatin1Char(')'))
                                        << '\n';
                    QApplication::exit(1);
                });
        QTimer::singleShot(60000, &app, [] {
            QTextStream(stderr) << "leakdesk: no data within 60 s, no screenshot taken\n";
            QApplication::exit(1);
        });
    }
    return QApplication::exec();
}
