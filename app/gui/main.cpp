// leakdesk: the GUI. Parses arguments, opens the connection (sandbox or real cluster), shows the
// main window. --screenshot renders the window once data has arrived and exits.
#include "investigation/InvestigationController.h"
#include "main/MainWindow.h"
#include "runbook/RunbookParser.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>
#include <QSaveFile>
#include <QScreen>
#include <QTextStream>
#include <QTimer>

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
    const QCommandLineOption sandboxOpt(QStringLiteral("sandbox"), QStringLiteral("Use the built-in simulated cluster."));
    const QCommandLineOption kubeconfigOpt(QStringLiteral("kubeconfig"), QStringLiteral("kubeconfig file."), QStringLiteral("FILE"));
    const QCommandLineOption contextOpt(QStringLiteral("context"), QStringLiteral("kubeconfig context."), QStringLiteral("NAME"));
    const QCommandLineOption promOpt(QStringLiteral("prometheus"), QStringLiteral("Prometheus base URL."), QStringLiteral("URL"));
    const QCommandLineOption nsOpt(QStringLiteral("namespace"), QStringLiteral("Namespace to open."), QStringLiteral("NS"));
    const QCommandLineOption serviceOpt(QStringLiteral("service"), QStringLiteral("Service to open (default: checkout in the sandbox)."), QStringLiteral("SVC"));
    const QCommandLineOption stepOpt(QStringLiteral("step"), QStringLiteral("Runbook step to show (1-based)."), QStringLiteral("N"), QStringLiteral("1"));
    const QCommandLineOption runbookOpt(QStringLiteral("runbook"), QStringLiteral("Markdown runbook (default: the bundled one)."), QStringLiteral("FILE"));
    const QCommandLineOption shotOpt(QStringLiteral("screenshot"), QStringLiteral("Render the window to FILE.png once data is loaded, then exit."), QStringLiteral("FILE"));
    parser.addOptions({ sandboxOpt, kubeconfigOpt, contextOpt, promOpt, nsOpt, serviceOpt, stepOpt, runbookOpt, shotOpt });
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

    investigation::ConnectionOptions options;
    options.sandbox = parser.isSet(sandboxOpt) || (!parser.isSet(kubeconfigOpt) && !parser.isSet(promOpt));
    options.kubeconfig = parser.value(kubeconfigOpt);
    options.context = parser.value(contextOpt);
    options.prometheusUrl = QUrl(parser.value(promOpt));
    if (!options.sandbox && !parser.isSet(promOpt))
        return fail(QStringLiteral("--prometheus URL is required with a real cluster (or use --sandbox)"));

    ui::InvestigationController controller;
    if (auto st = controller.open(options); !st)
        return fail(QString::fromStdString(st.error().toString()));

    ui::MainWindow window(&controller, std::make_shared<const runbook::Runbook>(std::move(book).value()));
    window.setPreferredService(parser.isSet(serviceOpt) ? parser.value(serviceOpt) : (options.sandbox ? QStringLiteral("checkout") : QString()));
    const int step = parser.value(stepOpt).toInt() - 1;
    window.selectStep(std::max(0, step));
    window.show();
    controller.refreshNamespaces();

    if (headless) {
        const QString path = parser.value(shotOpt);
        // Give the chart a moment to lay out after the data arrives, then grab.
        QObject::connect(&window, &ui::MainWindow::findingsShown, &window, [&window, path] {
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
        });
        QObject::connect(&controller, &ui::InvestigationController::investigationFailed, &app, [](const QString& m, const QString& h) {
            QTextStream(stderr) << "leakdesk: " << m << (h.isEmpty() ? QString() : QStringLiteral(" (") + h + QLatin1Char(')')) << '\n';
            QApplication::exit(1);
        });
        QTimer::singleShot(60000, &app, [] {
            QTextStream(stderr) << "leakdesk: no data within 60 s, no screenshot taken\n";
            QApplication::exit(1);
        });
    }
    return QApplication::exec();
}
