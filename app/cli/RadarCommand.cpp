// leakdesk-cli radar: which workloads leak memory right now, ranked from Prometheus's own answers
// (core/radar), for one namespace, every namespace, or a fleet behind a global view.
#include "CliCommand.h"

#include "ClusterTargetOptions.h"
#include "SandboxSession.h"

#include "core/investigation/ClusterConnection.h"
#include "core/investigation/PrometheusInCluster.h"
#include "core/radar/LeakRadar.h"
#include "core/radar/RadarJson.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QRegularExpression>
#include <QTimer>

#include <iostream>

namespace leakdesk::cli {

namespace {

// Runs `start` and the event loop until `stop` is called or `timeoutS` passes; false on the timeout.
bool runUntilDone(const std::function<void(std::function<void()> stop)>& start, int timeoutS)
{
    bool done = false;
    QTimer deadline;
    deadline.setSingleShot(true);
    QObject::connect(&deadline, &QTimer::timeout, [] { QCoreApplication::exit(0); });
    deadline.start(timeoutS * 1000);
    start([&done] {
        done = true;
        QCoreApplication::exit(0);
    });
    if (!done)
        QCoreApplication::exec();
    return done;
}

} // namespace

int runRadarCommand(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Rank workloads by how likely they leak memory now, from Prometheus: working set per workload through\n"
        "kube-state-metrics' owners, growth per container lifetime, OOM kills and restarts in 24 h, time to the\n"
        "limit, weighed against traffic and the week-ago baseline as an investigation does. Sidecars never make\n"
        "a workload look leaky. Without -n or --all-namespaces: the context's namespace.\n\n"
        "Exit codes:\n"
        "  0  ranked (queries that failed are listed with the rows)\n"
        "  1  the radar could not run (connection, credentials, Prometheus answered no query)\n"
        "  2  wrong usage\n"
        "  3  unknown: no workload had memory data (no Prometheus, or it has no data): never \"no leak\""));
    parser.addHelpOption();
    app::ClusterTargetOptions cluster(parser, { .prometheus = true });
    const QCommandLineOption allNamespaces(QStringLiteral("all-namespaces"),
        QStringLiteral("Rank the workloads of every namespace kube-state-metrics knows (instead of -n)."));
    const QCommandLineOption top(QStringLiteral("top"),
        QStringLiteral("Show the N highest ranked workloads (default 20; 0: all)."), QStringLiteral("N"),
        QStringLiteral("20"));
    const QCommandLineOption format(QStringLiteral("format"), QStringLiteral("table or json (text is the table)."),
        QStringLiteral("FMT"), QStringLiteral("table"));
    const QCommandLineOption window(QStringLiteral("window"),
        QStringLiteral("Hours of memory to judge growth over (default 6; restarts and OOM kills count 24 h)."),
        QStringLiteral("H"), QStringLiteral("6"));
    const QCommandLineOption clusterLabel(QStringLiteral("cluster-label"),
        QStringLiteral("The label that names the cluster in a Thanos or VictoriaMetrics global view (default "
                       "cluster)."),
        QStringLiteral("NAME"), QStringLiteral("cluster"));
    const QCommandLineOption timeout(QStringLiteral("timeout"),
        QStringLiteral("Give up after this many seconds (default 120)."), QStringLiteral("S"), QStringLiteral("120"));
    const QCommandLineOption nowMs(QStringLiteral("now-ms"),
        QStringLiteral("Rank as of this time (unix ms) instead of now, e.g. to reproduce a report."),
        QStringLiteral("MS"));
    parser.addOptions({ allNamespaces, top, format, window, clusterLabel, timeout, nowMs });
    if (const auto exit = parseOrExit(parser, QStringLiteral("radar"), args))
        return *exit;

    const QString fmt = parser.value(format);
    if (fmt != QLatin1String("table") && fmt != QLatin1String("text") && fmt != QLatin1String("json")) {
        printError(
            QStringLiteral("unknown format '%1'").arg(fmt), QStringLiteral("use --format table or --format json"));
        return 2;
    }
    if (parser.isSet(allNamespaces) && cluster.namespaceGiven()) {
        printError(QStringLiteral("--namespace and --all-namespaces exclude each other"),
            QStringLiteral("name one namespace, or ask for all of them"));
        return 2;
    }
    bool ok = false;
    const int topN = parser.value(top).toInt(&ok);
    if (!ok || topN < 0) {
        printError(QStringLiteral("--top must be a whole number, 0 or more"));
        return 2;
    }
    const double hours = parser.value(window).toDouble(&ok);
    if (!ok || hours < 0.5 || hours > 24 * 7) {
        printError(QStringLiteral("--window must be a number of hours between 0.5 and 168"));
        return 2;
    }
    const int timeoutS = parser.value(timeout).toInt(&ok);
    if (!ok || timeoutS <= 0) {
        printError(QStringLiteral("--timeout must be a positive number of seconds"));
        return 2;
    }
    static const QRegularExpression labelName(QStringLiteral("^[a-zA-Z_][a-zA-Z0-9_]*$"));
    if (!labelName.match(parser.value(clusterLabel)).hasMatch()) {
        printError(QStringLiteral("--cluster-label must be a Prometheus label name"));
        return 2;
    }
    if (parser.isSet(nowMs) && parser.value(nowMs).toLongLong(&ok) <= 0) {
        printError(QStringLiteral("--now-ms must be a unix time in milliseconds"));
        return 2;
    }
    if (const auto problem = cluster.validate()) {
        printError(problem->message, problem->hint);
        return 2;
    }

    app::SandboxSession sandbox; // outlives the connection that reaches it
    auto target = cluster.resolve(sandbox);
    if (!target) {
        printError(QString::fromStdString(target.error().message), QString::fromStdString(target.error().detail));
        return 1;
    }
    auto opened = investigation::ClusterConnection::open(*target);
    if (!opened) {
        printError(QString::fromStdString(opened.error().message), QString::fromStdString(opened.error().detail));
        return 1;
    }
    investigation::ClusterConnection& connection = **opened;
    radar::RadarOptions options;
    options.allNamespaces = parser.isSet(allNamespaces);
    if (!options.allNamespaces)
        options.namespaces
            = { (cluster.namespaceGiven() ? cluster.namespaceName() : connection.defaultNamespace()).toStdString() };
    options.topN = static_cast<std::size_t>(topN);
    options.windowMs = static_cast<std::int64_t>(hours * 3600 * 1000);
    options.nowMs = parser.isSet(nowMs) ? parser.value(nowMs).toLongLong() : QDateTime::currentMSecsSinceEpoch();
    options.clusterLabel = parser.value(clusterLabel).toStdString();

    // Prometheus: the one named, else the one found in the cluster as investigate finds it.
    if (connection.prometheusToDiscover()) {
        investigation::PrometheusDiscovery discovery(connection.kube());
        const bool answered = runUntilDone(
            [&](std::function<void()> stop) {
                discovery.start(options.namespaces.empty() ? std::string() : options.namespaces.front(),
                    [&, stop](Result<investigation::DiscoveredPrometheus> found) {
                        if (found) {
                            connection.usePrometheus(found->connection,
                                { found->connection.baseUrl.toString().toStdString(), found->chosen.service.display(),
                                    found->chosen.why });
                            std::cerr << "leakdesk-cli: Prometheus found in the cluster: "
                                      << found->chosen.service.display() << " (" << found->chosen.why << ")\n";
                        } else {
                            connection.goWithoutPrometheus(found.error().message, found.error().detail);
                        }
                        stop();
                    });
            },
            timeoutS);
        if (!answered) {
            discovery.cancel();
            printError(QStringLiteral("no Prometheus found within %1 s").arg(timeoutS));
            return 1;
        }
    }
    if (!connection.hasPrometheus()) {
        // The radar is Prometheus's answers: without one there is nothing to rank, which is not "no leak".
        printError(QStringLiteral("no Prometheus to ask: %1")
                       .arg(QString::fromStdString(connection.noPrometheusReason().value_or("none given"))),
            QString::fromStdString(
                connection.noPrometheusHint().empty() ? "pass --prometheus URL" : connection.noPrometheusHint()));
        return 3;
    }

    // The metric names the cluster uses (probed in the first namespace asked, overrides on top).
    runUntilDone(
        [&](std::function<void()> stop) {
            connection.probeMetricsProfile(
                options.namespaces.empty() ? connection.defaultNamespace().toStdString() : options.namespaces.front(),
                options.nowMs, qApp, std::move(stop));
        },
        timeoutS);
    options.profile = connection.metricsProfile().profile;

    int exitCode = 1;
    radar::LeakRadar job(connection.prometheus());
    const bool json = fmt == QLatin1String("json");
    const bool finished = runUntilDone(
        [&](std::function<void()> stop) {
            QObject::connect(&job, &radar::LeakRadar::finished, [&, stop](std::shared_ptr<const radar::RadarReport> r) {
                if (json)
                    std::cout << radar::radarReportToJson(*r).dump(2) << std::endl;
                else
                    std::cout << radar::radarReportToText(*r) << std::flush;
                for (const radar::RadarFailure& f : r->failures)
                    std::cerr << "leakdesk-cli: " << (f.ns.empty() ? std::string("namespaces") : f.ns) << " " << f.query
                              << " not answered: " << f.error.message << '\n';
                // Unknown is never "no leak": a script must tell the two apart without parsing.
                exitCode = r->noData() ? 3 : 0;
                stop();
            });
            QObject::connect(&job, &radar::LeakRadar::failed, [&, stop](const Error& e) {
                printError(QString::fromStdString(e.message), QString::fromStdString(e.detail));
                exitCode = 1;
                stop();
            });
            job.start(options);
        },
        timeoutS);
    if (!finished) {
        job.cancel();
        printError(QStringLiteral("no complete answer within %1 s").arg(timeoutS),
            QStringLiteral("Prometheus is slow or unreachable; retry with a larger --timeout or fewer namespaces"));
        return 1;
    }
    return exitCode;
}

} // namespace leakdesk::cli
