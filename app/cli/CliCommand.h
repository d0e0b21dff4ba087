#pragma once
// Each leakdesk-cli subcommand is one function; main.cpp only dispatches.
// `args` holds the arguments after the subcommand name. Return value is the process exit code:
// 0 success, 1 failure at run time (server unreachable, analysis failed), 2 usage error.

#include <QStringList>

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

// Prints "leakdesk-cli: <message>" (and the hint on its own line) to stderr.
void printError(const QString& message, const QString& hint = {});

} // namespace leakdesk::cli
