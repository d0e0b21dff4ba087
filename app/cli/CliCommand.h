#pragma once
// Each leakdesk-cli subcommand is one function; main.cpp only dispatches.
// `args` holds the arguments after the subcommand name. Return value is the process exit code:
// 0 success, 1 failure at run time (server unreachable, analysis failed), 2 usage error.

#include <QStringList>

#include <optional>

class QCommandLineParser;

namespace leakdesk::cli {

int runSandboxCommand(const QStringList& args);
int runInvestigateCommand(const QStringList& args);
int runOomCommand(const QStringList& args);
int runHeapCommand(const QStringList& args);
int runHeapCaptureCommand(const QStringList& args); // `heap capture`, dispatched by runHeapCommand
int runRunbookCommand(const QStringList& args);
int runExportCommand(const QStringList& args);
int runMitigateCommand(const QStringList& args);
int runIsolateCommand(const QStringList& args);
int runAlertsCommand(const QStringList& args);
int runRadarCommand(const QStringList& args);
// Exit codes of its own (the issue's): 0 fixed, 1 not fixed, 2 usage, 3 pending, 4 could not run.
int runVerifyFixCommand(const QStringList& args);
int runHandoverCommand(const QStringList& args);

class ChangeOptions;
// `mitigate --undo-stopgaps --incident F`: the incident's stopgaps checked against the cluster and
// undone in order (UndoStopgapsCommand.cpp); `settleS` is --verify's wait after each undo.
int runUndoStopgaps(const ChangeOptions& change, int settleS);

// Prints "leakdesk-cli: <message>" (and the hint on its own line) to stderr.
void printError(const QString& message, const QString& hint = {});

// Parses `args` of `leakdesk-cli <command>`: a usage error is printed and gives exit code 2,
// --help prints the help and gives 0; nullopt means the command goes on.
std::optional<int> parseOrExit(QCommandLineParser& parser, const QString& command, const QStringList& args);

} // namespace leakdesk::cli
