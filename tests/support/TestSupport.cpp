#include "TestSupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTimer>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <sys/stat.h>

namespace leakdesk::test {

namespace {

// Polls `url` every 250 ms until it answers 200 (true), `process` ends or 60 s pass (false, with
// `why` holding the end of the process's output).
bool waitUntilAnswers200(QProcess& process, const QUrl& url, QString& why)
{
    QNetworkAccessManager nam;
    QElapsedTimer ready;
    ready.start();
    bool up = false;
    while (!up && ready.elapsed() < 60000 && process.state() == QProcess::Running) {
        QEventLoop pause;
        QTimer::singleShot(250, &pause, &QEventLoop::quit);
        pause.exec();
        QNetworkReply* r = nam.get(QNetworkRequest(url));
        QEventLoop loop;
        QObject::connect(r, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        up = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 200;
        r->deleteLater();
    }
    if (!up)
        why = QStringLiteral("%1 did not answer 200 within 60 s: %2")
                  .arg(url.toString(), QString::fromUtf8(process.readAll().right(2000)));
    return up;
}

} // namespace

QString sourceDir()
{
    return qEnvironmentVariable("LEAKDESK_SOURCE_DIR");
}
QString binaryDir()
{
    return qEnvironmentVariable("LEAKDESK_BINARY_DIR");
}
QString cliPath()
{
    return qEnvironmentVariable("LEAKDESK_CLI");
}

quint16 freeLoopbackPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

QString findProgram(const QString& name)
{
    return QStandardPaths::findExecutable(name);
}

bool missingWitnessesAllowed()
{
    return qEnvironmentVariable("LEAKDESK_ALLOW_MISSING_WITNESSES") == QLatin1String("1");
}

namespace {

// Runs as the binary exits (glibc's on_exit passes the status main returned). Qt Test's main returns
// the number of failed functions, capped at 127, so 0 means nothing failed; the skip code lies above
// that range, so no count of failures can read as "skipped".
void exitAsSkippedWhenNothingFailed(int status, void*)
{
    static_assert(LEAKDESK_QTEST_SKIP_EXIT_CODE > 127 && LEAKDESK_QTEST_SKIP_EXIT_CODE < 256);
    if (status != 0)
        return;
    std::fflush(nullptr);
    std::_Exit(LEAKDESK_QTEST_SKIP_EXIT_CODE);
}

} // namespace

void markWitnessSkipped()
{
    static const bool registered = on_exit(&exitAsSkippedWhenNothingFailed, nullptr) == 0;
    if (!registered)
        qFatal("cannot register the witness-skip exit handler");
}

QString missingWitness(const QString& program)
{
    if (!findProgram(program).isEmpty())
        return {};
    QString install = QStringLiteral("see tools/check-witnesses.sh");
    if (program == QLatin1String("kubectl"))
        install = QStringLiteral("tools/dev.sh setup installs the project's kubectl v1.32.3");
    else if (program == QLatin1String("prometheus") || program == QLatin1String("promtool"))
        install = QStringLiteral("apt-get install prometheus");
    else if (program == QLatin1String("java") || program == QLatin1String("javac") || program == QLatin1String("jcmd"))
        install = QStringLiteral("apt-get install openjdk-17-jdk-headless");
    else if (program.startsWith(QLatin1String("pdfto")))
        install = QStringLiteral("apt-get install poppler-utils");
    return QStringLiteral("witness %1 is not on PATH (%2); LEAKDESK_ALLOW_MISSING_WITNESSES=1 skips this test instead")
        .arg(program, install);
}

bool processIsGone(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return true;
    const QByteArray line = stat.readAll();
    const qsizetype paren = line.lastIndexOf(')');
    return paren < 0 || line.mid(paren + 2, 1) == "Z";
}

ProcessResult runProgram(const QString& program, const QStringList& args, int timeoutMs, const QStringList& extraEnv)
{
    auto env = QProcessEnvironment::systemEnvironment();
    for (const QString& kv : extraEnv) {
        const auto eq = kv.indexOf(QLatin1Char('='));
        env.insert(kv.left(eq), kv.mid(eq + 1));
    }
    return runProgramIn(env, program, args, timeoutMs);
}

ProcessResult runProgramIn(
    const QProcessEnvironment& environment, const QString& program, const QStringList& args, int timeoutMs)
{
    QProcess p;
    p.setProcessEnvironment(environment);
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

void stopProcess(QProcess& process, int graceMs)
{
    if (process.state() == QProcess::NotRunning)
        return;
    process.terminate();
    if (!process.waitForFinished(graceMs)) {
        process.kill();
        process.waitForFinished(graceMs);
    }
}

ServedSandbox::~ServedSandbox()
{
    stopProcess(process, 15000);
}

bool ServedSandbox::start(const QStringList& args, QString& why)
{
    process.start(cliPath(), QStringList { QStringLiteral("sandbox"), QStringLiteral("serve") } + args);
    if (!process.waitForStarted(10000)) {
        why = QStringLiteral("cannot start %1: %2").arg(cliPath(), process.errorString());
        return false;
    }
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 30000 && !startupOutput.contains("prometheus: ") && process.state() == QProcess::Running) {
        process.waitForReadyRead(1000);
        startupOutput += process.readAllStandardOutput();
    }
    for (const QByteArray& line : startupOutput.split('\n')) {
        if (line.startsWith("kubeconfig: "))
            kubeconfig = QString::fromUtf8(line.mid(12).trimmed());
        else if (line.startsWith("kube: "))
            kubeUrl = QString::fromUtf8(line.mid(6).trimmed());
        else if (line.startsWith("prometheus: "))
            prometheusUrl = QString::fromUtf8(line.mid(12).trimmed());
    }
    if (kubeconfig.isEmpty() || kubeUrl.isEmpty() || prometheusUrl.isEmpty()) {
        why = QStringLiteral("sandbox serve printed no addresses; stdout: %1 stderr: %2")
                  .arg(QString::fromUtf8(startupOutput), QString::fromUtf8(process.readAllStandardError()));
        return false;
    }
    return true;
}

bool ServedSandbox::stop()
{
    if (process.state() != QProcess::Running)
        return true;
    process.terminate();
    return process.waitForFinished(15000) && process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
}

QString writeTestFile(
    const QString& path, const QByteArray& content, std::optional<QFileDevice::Permissions> permissions)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
    f.write(content);
    f.close();
    if (permissions && !f.setPermissions(*permissions))
        return QStringLiteral("cannot set the permissions of %1: %2").arg(path, f.errorString());
    return {};
}

QString makeFifo(const QString& path)
{
    QFile::remove(path);
    if (::mkfifo(QFile::encodeName(path).constData(), 0600) != 0)
        return QStringLiteral("mkfifo %1: %2").arg(path, QString::fromLocal8Bit(std::strerror(errno)));
    return {};
}

namespace {

// Starts `program` with `argsFor(port)` for a free loopback port and waits until `readyPath` there
// answers 200. Sets `url`; false with `why` when it did not start or was not ready within 60 s.
bool startOnFreeLoopbackPort(QProcess& process, const QString& program,
    const std::function<QStringList(quint16)>& argsFor, const QString& readyPath, QUrl& url, QString& why)
{
    const quint16 port = freeLoopbackPort();
    if (port == 0) {
        why = QStringLiteral("no free loopback port");
        return false;
    }
    url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, argsFor(port));
    if (!process.waitForStarted(10000)) {
        why = process.errorString();
        return false;
    }
    return waitUntilAnswers200(process, url.resolved(QUrl(readyPath)), why);
}

} // namespace

bool startLocalPrometheus(QProcess& process, const QString& program, const QString& workDir, const QString& tsdbPath,
    const QStringList& extraArgs, QUrl& url, QString& why)
{
    const QString config = QDir(workDir).filePath(QStringLiteral("prometheus.yml"));
    QFile cfg(config);
    if (!cfg.open(QIODevice::WriteOnly)) {
        why = QStringLiteral("cannot write %1: %2").arg(config, cfg.errorString());
        return false;
    }
    cfg.write("global:\n  scrape_interval: 1h\nscrape_configs: []\n");
    cfg.close();
    return startOnFreeLoopbackPort(
        process, program,
        [&](quint16 port) {
            return QStringList { QStringLiteral("--config.file=") + config,
                QStringLiteral("--storage.tsdb.path=") + tsdbPath }
            + extraArgs + QStringList { QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(port) };
        },
        QStringLiteral("/-/ready"), url, why);
}

bool startLocalVictoriaMetrics(QProcess& process, const QString& program, const QString& storagePath,
    const QStringList& extraArgs, QUrl& url, QString& why)
{
    // A retention longer than any history a test imports: the default (1 month) would drop nothing
    // today, but a pinned LEAKDESK_TEST_NOW_MS far in the past would be outside it.
    return startOnFreeLoopbackPort(
        process, program,
        [&](quint16 port) {
            return QStringList { QStringLiteral("-storageDataPath=") + storagePath,
                QStringLiteral("-httpListenAddr=127.0.0.1:%1").arg(port), QStringLiteral("-retentionPeriod=100y") }
            + extraArgs;
        },
        QStringLiteral("/health"), url, why);
}

bool startLocalAlertmanager(QProcess& process, const QString& program, const QString& workDir, QUrl& url, QString& why)
{
    const QString config = QDir(workDir).filePath(QStringLiteral("alertmanager.yml"));
    QFile cfg(config);
    if (!cfg.open(QIODevice::WriteOnly)) {
        why = QStringLiteral("cannot write %1: %2").arg(config, cfg.errorString());
        return false;
    }
    cfg.write("route:\n  receiver: nowhere\nreceivers:\n  - name: nowhere\n");
    cfg.close();
    return startOnFreeLoopbackPort(
        process, program,
        [&](quint16 port) {
            return QStringList { QStringLiteral("--config.file=") + config,
                QStringLiteral("--storage.path=") + QDir(workDir).filePath(QStringLiteral("data")),
                QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(port),
                QStringLiteral("--cluster.listen-address=") };
        },
        QStringLiteral("/-/ready"), url, why);
}

bool startLocalVmauth(QProcess& process, const QString& program, const QString& configPath, QUrl& url, QString& why)
{
    // vmauth's own /health needs no user: it answers once the configuration is loaded.
    return startOnFreeLoopbackPort(
        process, program,
        [&](quint16 port) {
            return QStringList { QStringLiteral("-auth.config=") + configPath,
                QStringLiteral("-httpListenAddr=127.0.0.1:%1").arg(port) };
        },
        QStringLiteral("/health"), url, why);
}

QByteArray openMetricsToImportText(const QByteArray& openMetrics)
{
    QByteArray out;
    out.reserve(openMetrics.size() + openMetrics.size() / 8);
    qsizetype start = 0;
    while (start < openMetrics.size()) {
        qsizetype end = openMetrics.indexOf('\n', start);
        if (end < 0)
            end = openMetrics.size();
        const QByteArray line = openMetrics.mid(start, end - start);
        start = end + 1;
        // # TYPE/# HELP/# UNIT/# EOF: the import reads samples only.
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        // The timestamp is the last field (label values may hold spaces, the value and timestamp
        // cannot); a sample without one would be stamped with the import's wall clock: kept as is.
        const qsizetype lastSpace = line.lastIndexOf(' ');
        const qsizetype closingBrace = line.lastIndexOf('}');
        const qsizetype valueSpace = lastSpace > 0 ? line.lastIndexOf(' ', lastSpace - 1) : -1;
        if (lastSpace < 0 || valueSpace < 0 || valueSpace < closingBrace) {
            out += line + '\n';
            continue;
        }
        bool ok = false;
        const double seconds = line.mid(lastSpace + 1).toDouble(&ok);
        if (!ok) {
            out += line + '\n';
            continue;
        }
        out += line.left(lastSpace + 1) + QByteArray::number(std::llround(seconds * 1000.0)) + '\n';
    }
    return out;
}

QList<QStringList> tableRows(const QByteArray& out)
{
    static const QRegularExpression gap(QStringLiteral("\\s{2,}"));
    QList<QStringList> rows;
    for (const QString& line : QString::fromUtf8(out).split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        rows << line.trimmed().split(gap);
    return rows;
}

} // namespace leakdesk::test
