#include "TestSupport.h"

#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QTcpServer>

namespace leakdesk::test {

QString sourceDir() { return qEnvironmentVariable("LEAKDESK_SOURCE_DIR"); }
QString binaryDir() { return qEnvironmentVariable("LEAKDESK_BINARY_DIR"); }
QString cliPath() { return qEnvironmentVariable("LEAKDESK_CLI"); }

quint16 freeLoopbackPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

QString findProgram(const QString& name) { return QStandardPaths::findExecutable(name); }

ProcessResult runProgram(const QString& program, const QStringList& args, int timeoutMs, const QStringList& extraEnv)
{
    QProcess p;
    auto env = QProcessEnvironment::systemEnvironment();
    for (const QString& kv : extraEnv) {
        const auto eq = kv.indexOf(QLatin1Char('='));
        env.insert(kv.left(eq), kv.mid(eq + 1));
    }
    p.setProcessEnvironment(env);
    p.start(program, args);
    ProcessResult r;
    if (!p.waitForStarted(10000)) {
        r.err = p.errorString().toUtf8();
        return r;
    }
    if (!p.waitForFinished(timeoutMs)) {
        r.timedOut = true;
        p.kill();
        p.waitForFinished(5000);
    }
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    return r;
}

} // namespace leakdesk::test
