#pragma once
// Helpers shared by tests: locating the built tools and the source tree, free loopback ports,
// and running external programs (kubectl, promtool, java) with a deadline.

#include <QProcess>
#include <QString>
#include <QStringList>

#include <optional>

namespace leakdesk::test {

QString sourceDir(); // LEAKDESK_SOURCE_DIR
QString binaryDir(); // LEAKDESK_BINARY_DIR
QString cliPath(); // LEAKDESK_CLI: the built leakdesk-cli
quint16 freeLoopbackPort();
QString findProgram(const QString& name); // empty when not on PATH

struct ProcessResult {
    int exitCode = -1;
    bool timedOut = false;
    QByteArray out;
    QByteArray err;
};

ProcessResult runProgram(const QString& program, const QStringList& args, int timeoutMs = 60000,
    const QStringList& extraEnv = {});

} // namespace leakdesk::test
