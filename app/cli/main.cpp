#include "CliCommand.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QGuiApplication>
#include <QTextStream>

#include <cstdio>
#include <cstring>
#include <memory>

using namespace leakdesk::cli;

namespace {

struct Subcommand {
    const char* name;
    int (*run)(const QStringList&);
    const char* summary;
};

constexpr Subcommand kSubcommands[] = {
    { "sandbox", runSandboxCommand, "serve or export the built-in simulated cluster" },
    { "investigate", runInvestigateCommand, "run runbook steps 1-2 for a service and print the findings" },
    { "radar", runRadarCommand, "rank workloads by how likely they leak memory now (one namespace, all, a fleet)" },
    { "oom", runOomCommand, "runbook step 2: OOM kills fused from every source and the >2/hour rule" },
    { "heap", runHeapCommand, "analyse HPROF heap dumps (histogram, dominators, suspects, path, diff)" },
    { "runbook", runRunbookCommand, "parse a Markdown runbook and print its steps, commands and thresholds" },
    { "export", runExportCommand, "export an incident file as Markdown, HTML, PDF or JSON" },
    { "alerts", runAlertsCommand, "firing Alertmanager alerts about memory, by workload; start an incident from one" },
    { "mitigate", runMitigateCommand,
        "runbook step 5: raise the limit, set HEAP_LIMIT_RESTART or restart; dry run, apply, revert" },
    { "isolate", runIsolateCommand,
        "runbook step 3: take a pod out of its Service before a live heap dump; put it back" },
    { "verify-fix", runVerifyFixCommand,
        "runbook step 6: did the deployed fix stop the leak? the new revision against the leaking one" },
    { "handover", runHandoverCommand,
        "runbook step 6: write the regression test and the alert rules from the incident, record them in it" },
};

void printUsage(FILE* out)
{
    QTextStream s(out);
    s << "usage: leakdesk-cli <command> [options]\n\n"
      << "LeakDesk: memory-leak incident workbench for Kubernetes (headless).\n\ncommands:\n";
    for (const auto& c : kSubcommands)
        s << "  " << QString::fromLatin1(c.name).leftJustified(13) << QString::fromLatin1(c.summary) << '\n';
    s << "\n  --version    print the version\n  --help       this text\n"
      << "\nRun 'leakdesk-cli <command> --help' for a command's options.\n";
}

} // namespace

namespace leakdesk::cli {

void printError(const QString& message, const QString& hint)
{
    QTextStream err(stderr);
    err << "leakdesk-cli: " << message << '\n';
    if (!hint.isEmpty())
        err << "  " << hint << '\n';
}

std::optional<int> parseOrExit(QCommandLineParser& parser, const QString& command, const QStringList& args)
{
    if (!parser.parse(QStringList { QStringLiteral("leakdesk-cli ") + command } + args)) {
        printError(parser.errorText(), QStringLiteral("run 'leakdesk-cli %1 --help'").arg(command));
        return 2;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        QTextStream(stdout) << parser.helpText();
        return 0;
    }
    return std::nullopt;
}

} // namespace leakdesk::cli

int main(int argc, char** argv)
{
    // Exports paint charts and lay out PDFs, which needs fonts and so a QGuiApplication; headless by default.
    const bool needsGui = argc > 1 && std::strcmp(argv[1], "export") == 0;
    if (needsGui && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    std::unique_ptr<QCoreApplication> app
        = needsGui ? std::make_unique<QGuiApplication>(argc, argv) : std::make_unique<QCoreApplication>(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("leakdesk-cli"));
    QCoreApplication::setOrganizationName(QStringLiteral("LeakDesk"));
    QCoreApplication::setApplicationVersion(QStringLiteral(LEAKDESK_VERSION));

    const QStringList args = app->arguments().mid(1);
    if (args.isEmpty() || args.first() == QLatin1String("--help") || args.first() == QLatin1String("-h")) {
        printUsage(args.isEmpty() ? stderr : stdout);
        return args.isEmpty() ? 2 : 0;
    }
    if (args.first() == QLatin1String("--version")) {
        QTextStream(stdout) << "leakdesk-cli " << QCoreApplication::applicationVersion() << '\n';
        return 0;
    }
    for (const auto& c : kSubcommands) {
        if (args.first() == QLatin1String(c.name))
            return c.run(args.mid(1));
    }
    printError(QStringLiteral("unknown command '%1'").arg(args.first()),
        QStringLiteral("run 'leakdesk-cli --help' for the list of commands"));
    return 2;
}
