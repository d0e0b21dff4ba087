// leakdesk-cli investigate: runbook steps 1-2 for one service, printed as text or JSON.
#include "CliCommand.h"

#include "investigation/ClusterConnection.h"
#include "investigation/FindingsJson.h"
#include "investigation/Investigation.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QTextStream>
#include <QTimer>

#include <iostream>

namespace leakdesk::cli {

int runInvestigateCommand(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Run runbook steps 1-2 (memory growth pattern, OOMKills) for one service."));
    parser.addHelpOption();
    const QCommandLineOption sandboxOpt(QStringLiteral("sandbox"), QStringLiteral("Investigate the built-in simulated cluster."));
    const QCommandLineOption seedOpt(QStringLiteral("seed"), QStringLiteral("Sandbox seed."), QStringLiteral("N"), QStringLiteral("42"));
    const QCommandLineOption kubeconfigOpt(QStringLiteral("kubeconfig"), QStringLiteral("kubeconfig file (default: KUBECONFIG or ~/.kube/config)."), QStringLiteral("FILE"));
    const QCommandLineOption contextOpt(QStringLiteral("context"), QStringLiteral("kubeconfig context (default: current-context)."), QStringLiteral("NAME"));
    const QCommandLineOption promOpt(QStringLiteral("prometheus"), QStringLiteral("Prometheus base URL, e.g. http://127.0.0.1:9090."), QStringLiteral("URL"));
    const QCommandLineOption nsOpt({ QStringLiteral("n"), QStringLiteral("namespace") }, QStringLiteral("Namespace (default: the context's)."), QStringLiteral("NS"));
    const QCommandLineOption svcOpt(QStringLiteral("service"), QStringLiteral("Service (Deployment name, pods labelled app=SERVICE)."), QStringLiteral("SVC"));
    const QCommandLineOption formatOpt(QStringLiteral("format"), QStringLiteral("text or json."), QStringLiteral("FMT"), QStringLiteral("text"));
    const QCommandLineOption windowOpt(QStringLiteral("window"), QStringLiteral("Analysis window in hours (default 6)."), QStringLiteral("H"), QStringLiteral("6"));
    const QCommandLineOption timeoutOpt(QStringLiteral("timeout"), QStringLiteral("Give up after this many seconds (default 60)."), QStringLiteral("S"), QStringLiteral("60"));
    parser.addOptions({ sandboxOpt, seedOpt, kubeconfigOpt, contextOpt, promOpt, nsOpt, svcOpt, formatOpt, windowOpt, timeoutOpt });
    if (!parser.parse(QStringList { QStringLiteral("leakdesk-cli investigate") } + args)) {
        printError(parser.errorText(), QStringLiteral("run 'leakdesk-cli investigate --help'"));
        return 2;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        QTextStream(stdout) << parser.helpText();
        return 0;
    }
    const QString format = parser.value(formatOpt);
    if (format != QLatin1String("text") && format != QLatin1String("json")) {
        printError(QStringLiteral("unknown format '%1'").arg(format), QStringLiteral("use --format text or --format json"));
        return 2;
    }
    if (!parser.isSet(svcOpt)) {
        printError(QStringLiteral("--service is required"), QStringLiteral("e.g. leakdesk-cli investigate --sandbox --namespace production --service checkout"));
        return 2;
    }
    if (!parser.isSet(sandboxOpt) && !parser.isSet(promOpt)) {
        printError(QStringLiteral("--prometheus URL is required for a real cluster"), QStringLiteral("or use --sandbox to try the built-in cluster"));
        return 2;
    }
    bool ok = false;
    const double windowHours = parser.value(windowOpt).toDouble(&ok);
    if (!ok || windowHours <= 0 || windowHours > 24 * 30) {
        printError(QStringLiteral("--window must be a number of hours between 0 and 720"));
        return 2;
    }

    investigation::ConnectionOptions options;
    options.sandbox = parser.isSet(sandboxOpt);
    options.sandboxSeed = parser.value(seedOpt).toULongLong();
    options.kubeconfig = parser.value(kubeconfigOpt);
    options.context = parser.value(contextOpt);
    options.prometheusUrl = QUrl(parser.value(promOpt));
    auto connection = investigation::ClusterConnection::open(options);
    if (!connection) {
        printError(QString::fromStdString(connection.error().message), QString::fromStdString(connection.error().detail));
        return 1;
    }

    investigation::InvestigationRequest request;
    request.ns = (parser.isSet(nsOpt) ? parser.value(nsOpt) : (*connection)->defaultNamespace()).toStdString();
    request.service = parser.value(svcOpt).toStdString();
    request.nowMs = QDateTime::currentMSecsSinceEpoch();
    request.windowMs = static_cast<std::int64_t>(windowHours * 3600 * 1000);

    int exitCode = 1;
    investigation::Investigation job(**connection);
    QObject::connect(&job, &investigation::Investigation::finished, [&](std::shared_ptr<const investigation::Findings> f) {
        if (format == QLatin1String("json"))
            std::cout << investigation::findingsToJson(*f).dump(2) << std::endl;
        else
            std::cout << investigation::findingsToText(*f) << std::flush;
        exitCode = 0;
        QCoreApplication::exit(0);
    });
    QObject::connect(&job, &investigation::Investigation::failed, [&](const Error& e) {
        printError(QString::fromStdString(e.message), QString::fromStdString(e.detail));
        exitCode = 1;
        QCoreApplication::exit(0);
    });
    const int timeoutS = parser.value(timeoutOpt).toInt();
    QTimer::singleShot(std::max(1, timeoutS) * 1000, [&] {
        job.cancel();
        printError(QStringLiteral("no complete answer within %1 s").arg(timeoutS),
            QStringLiteral("the cluster or Prometheus is slow or unreachable; retry with a larger --timeout"));
        exitCode = 1;
        QCoreApplication::exit(0);
    });
    job.start(request);
    QCoreApplication::exec();
    return exitCode;
}

} // namespace leakdesk::cli
