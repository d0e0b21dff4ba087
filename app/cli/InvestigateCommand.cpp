// leakdesk-cli investigate: runbook steps 1-2 for one service, printed as text or JSON.
#include "CliCommand.h"
#include "ClusterOptions.h"

#include "investigation/FindingsJson.h"

#include <QCommandLineParser>
#include <QTextStream>

#include <iostream>

namespace leakdesk::cli {

int runInvestigateCommand(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Run runbook steps 1-2 (memory growth pattern, OOMKills) for one service."));
    parser.addHelpOption();
    ClusterOptions options(parser);
    if (!parser.parse(QStringList { QStringLiteral("leakdesk-cli investigate") } + args)) {
        printError(parser.errorText(), QStringLiteral("run 'leakdesk-cli investigate --help'"));
        return 2;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        QTextStream(stdout) << parser.helpText();
        return 0;
    }
    if (!options.validate())
        return 2;
    const bool json = options.format() == QLatin1String("json");
    return runInvestigation(options, [json](const investigation::Findings& f) {
        if (json)
            std::cout << investigation::findingsToJson(f).dump(2) << std::endl;
        else
            std::cout << investigation::findingsToText(f) << std::flush;
        return 0;
    });
}

} // namespace leakdesk::cli
