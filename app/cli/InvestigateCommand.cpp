// leakdesk-cli investigate: runbook steps 1-2 for one service, printed as text or JSON.
#include "CliAlerts.h"
#include "CliCommand.h"
#include "ClusterOptions.h"

#include "core/alerts/AlertIncident.h"

#include "core/incident/IncidentRecording.h"
#include "core/incident/InvestigationRecording.h"
#include "core/investigation/FindingsJson.h"

#include <QCommandLineParser>
#include <QTextStream>

#include <iostream>

namespace leakdesk::cli {

namespace {

// --incident FILE: the findings also go into the incident file (created when missing), so a
// headless run leaves the same record the GUI would.
int recordInIncident(const QString& file, const investigation::Findings& f, const incident::ClusterRef& cluster)
{
    auto recorded = incident::recordInvestigationInFile(file, f, cluster, incident::currentTimeMs());
    if (!recorded) {
        printError(QString::fromStdString(recorded.error().message), QString::fromStdString(recorded.error().detail));
        return 1;
    }
    QTextStream(stderr) << "recorded in " << file << (recorded->created ? " (new incident)" : "") << ": snapshot "
                        << QString::fromStdString(recorded->snapshotId) << ", " << recorded->stepsCompleted.size()
                        << " runbook step(s) ticked\n";
    return 0;
}

} // namespace

int runInvestigateCommand(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Run runbook steps 1-2 (memory growth pattern, OOMKills) for one service.\n\n"
        "Exit codes:\n"
        "  0  answered (leak or no leak; a verdict on partial data lists what is missing)\n"
        "  1  the investigation could not run (connection, credentials, service not found, incident file)\n"
        "  2  wrong usage\n"
        "  3  verdict unknown: the memory evidence is missing (query failed, or Prometheus has no data)"));
    parser.addHelpOption();
    ClusterOptions options(parser);
    const QCommandLineOption incidentOpt(QStringLiteral("incident"),
        QStringLiteral("Also record the findings in this incident file (created when missing)."),
        QStringLiteral("FILE"));
    parser.addOption(incidentOpt);
    const QCommandLineOption fromAlertOpt(QStringLiteral("from-alert"),
        QStringLiteral("Investigate the workload of this firing Alertmanager alert (its fingerprint, as leakdesk-cli "
                       "alerts prints it) and record the alert in --incident FILE."),
        QStringLiteral("FINGERPRINT"));
    parser.addOption(fromAlertOpt);
    AlertmanagerOptions am(parser);
    if (const auto exit = parseOrExit(parser, QStringLiteral("investigate"), args))
        return *exit;
    const bool fromAlert = parser.isSet(fromAlertOpt);
    if (fromAlert)
        options.takeTargetFromElsewhere();
    if (!options.validate() || !am.validate())
        return 2;
    if (fromAlert && !parser.isSet(incidentOpt)) {
        printError(QStringLiteral("--from-alert records the alert in an incident: add --incident FILE"));
        return 2;
    }
    const bool json = options.format() == QLatin1String("json");
    const QString incidentFile = parser.value(incidentOpt);
    // --from-alert: the alert's namespace and workload, and the alert recorded first (so a new
    // incident is opened on that workload, with the page that started it).
    ChooseTarget chooseFromAlert;
    if (fromAlert)
        chooseFromAlert
            = [&](investigation::ClusterConnection& connection) -> Result<std::pair<std::string, kube::WorkloadRef>> {
            const int timeoutS = options.timeoutSeconds();
            auto matcher = AlertmanagerOptions::matcher(options.cluster().configPath());
            if (!matcher)
                return matcher.error();
            kube::KubeClient& kube = connection.kube();
            auto amConn = am.connect(kube, options.cluster().configPath(), kube.context().context.name, timeoutS);
            if (!amConn)
                return amConn.error();
            auto resolved = fetchMemoryAlerts(*amConn->client, kube, *matcher, std::string(), true, timeoutS);
            if (!resolved)
                return resolved.error();
            auto alert = findAlert(resolved->alerts, parser.value(fromAlertOpt).toStdString());
            if (!alert)
                return alert.error();
            if (!alert->target.workload)
                return makeError(ErrorCode::NotFound,
                    "alert " + alert->alert.name() + " (" + alert->alert.fingerprint
                        + ") names no workload LeakDesk can find (" + alert->targetText() + ")",
                    "name it with --workload KIND/NAME --namespace NS");
            const kube::ResolvedContext& reached = kube.context();
            auto recorded = alerts::recordAlertInFile(incidentFile, *alert,
                incident::clusterRefFor(reached.context.name, reached.cluster.server, connection.isSandbox()),
                incident::currentTimeMs());
            if (!recorded)
                return recorded.error();
            std::cerr << "leakdesk-cli: alert " << alert->alert.name() << " on " << alert->targetText()
                      << " recorded in " << incidentFile.toStdString() << " (event " << recorded->eventId << ")\n";
            return std::pair { alert->target.ns, *alert->target.workload };
        };
    return runInvestigation(
        options,
        [json, incidentFile](const investigation::Findings& f, const investigation::ClusterConnection& connection) {
            if (json)
                std::cout << investigation::findingsToJson(f).dump(2) << std::endl;
            else
                std::cout << investigation::findingsToText(f) << std::flush;
            if (!incidentFile.isEmpty()) {
                // The context and server as the kubeconfig names them (not as the client normalised the URL).
                const kube::ResolvedContext& reached = connection.kube().context();
                const int recorded = recordInIncident(incidentFile, f,
                    incident::clusterRefFor(reached.context.name, reached.cluster.server, connection.isSandbox()));
                if (recorded != 0)
                    return recorded;
            }
            // Which Prometheus answered, when LeakDesk found it rather than being told.
            if (!f.evidence->prometheusDiscoveredFrom.empty())
                std::cerr << "leakdesk-cli: Prometheus found in the cluster: " << f.evidence->prometheusDiscoveredFrom
                          << " (" << f.evidence->prometheusChosenBecause << ")\n";
            // The cluster's evidence was printed; what kept Prometheus away is a fix for the user.
            if (const auto& down = f.evidence->prometheusUnreachable) {
                std::cerr << "leakdesk-cli: Prometheus is unreachable: " << *down << '\n';
                if (!f.evidence->prometheusUnreachableHint.empty())
                    std::cerr << "  " << f.evidence->prometheusUnreachableHint << '\n';
            }
            // No data is never "no leak": a script must be able to tell the two apart without parsing.
            return f.verdict.pattern == analysis::Pattern::Unknown ? 3 : 0;
        },
        chooseFromAlert);
}

} // namespace leakdesk::cli
