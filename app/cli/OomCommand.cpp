// leakdesk-cli oom: runbook step 2 alone, the fused OOM kills and the ">2 in 1 hour" rule.
#include "CliCommand.h"
#include "ClusterOptions.h"

#include "core/investigation/FindingsJson.h"
#include "core/kube/KubeObjects.h"

#include <QCommandLineParser>
#include <QTextStream>

#include <iostream>

namespace leakdesk::cli {

int runOomCommand(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Runbook step 2: OOM kills of a service fused from every source, and the runbook's rule."));
    parser.addHelpOption();
    ClusterOptions options(parser);
    if (const auto exit = parseOrExit(parser, QStringLiteral("oom"), args))
        return *exit;
    if (!options.validate())
        return 2;
    const bool json = options.format() == QLatin1String("json");
    return runInvestigation(options, [json](const investigation::Findings& f, const investigation::ClusterConnection&) {
        // The same object as investigate's "oom" member: one serialisation for both commands.
        nlohmann::json oom = investigation::findingsToJson(f)["oom"];
        oom["namespace"] = f.request.ns;
        oom["service"] = f.request.service;
        if (json) {
            std::cout << oom.dump(2) << std::endl;
            return 0;
        }
        std::cout << f.request.service << ": " << f.oom.countLastHour << " OOM kill(s) in the last hour, at most " << f.oom.maxInAnyWindow
                  << " in any hour; rule (more than " << f.oom.rule.threshold << " in 1 hour) " << (f.oom.ruleMet ? "MET" : "not met") << "\n";
        for (const auto& k : f.oom.kills) {
            std::string sources;
            for (const auto& s : k.sources)
                sources += (sources.empty() ? "" : ",") + s;
            std::cout << "  " << kube::formatTimestamp(k.timeMs) << "  " << (k.pod.empty() ? "(node " + k.node + ")" : k.pod) << "  [" << sources
                      << "]\n";
        }
        for (const auto& n : f.oom.notes)
            std::cout << "  note: " << n << "\n";
        return 0;
    });
}

} // namespace leakdesk::cli
