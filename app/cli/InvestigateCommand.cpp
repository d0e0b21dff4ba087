// leakdesk-cli investigate: runbook steps 1-2 for one service, printed as text or JSON.
#include "CliCommand.h"
#include "ClusterOptions.h"

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
    if (const auto exit = parseOrExit(parser, QStringLiteral("investigate"), args))
        return *exit;
    if (!options.validate())
        return 2;
    const bool json = options.format() == QLatin1String("json");
    const QString incidentFile = parser.value(incidentOpt);
    return runInvestigation(options,
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
        });
}

} // namespace leakdesk::cli
