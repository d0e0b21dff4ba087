#include "runbook/KubectlRunner.h"

#include <QDateTime>
#include <QStandardPaths>
#include <QTimer>

namespace leakdesk::ui {

namespace {

// Words as a POSIX shell splits them: single quotes literal, double quotes and backslashes as in sh.
Result<QStringList> splitWords(const QString& command)
{
    QStringList words;
    QString word;
    bool inWord = false;
    QChar quote;
    for (qsizetype i = 0; i < command.size(); ++i) {
        const QChar c = command[i];
        if (quote == QLatin1Char('\'')) {
            if (c == quote)
                quote = QChar();
            else
                word += c;
        } else if (quote == QLatin1Char('"')) {
            if (c == quote)
                quote = QChar();
            else if (c == QLatin1Char('\\') && i + 1 < command.size())
                word += command[++i];
            else
                word += c;
        } else if (c == QLatin1Char('\'') || c == QLatin1Char('"')) {
            quote = c;
            inWord = true;
        } else if (c == QLatin1Char('\\') && i + 1 < command.size()) {
            word += command[++i];
            inWord = true;
        } else if (c.isSpace()) {
            if (inWord)
                words << word;
            word.clear();
            inWord = false;
        } else {
            word += c;
            inWord = true;
        }
    }
    if (!quote.isNull())
        return makeError(ErrorCode::Parse, "unbalanced quotes in the command");
    if (inWord)
        words << word;
    return words;
}

} // namespace

Result<QStringList> kubectlArguments(const QString& command, const KubectlTarget& target)
{
    static const QString shellChars = QStringLiteral("|;&<>`$");
    for (QChar c : command)
        if (shellChars.contains(c))
            return makeError(ErrorCode::Unsupported, "the command uses shell syntax ('" + QString(c).toStdString() + "'), which LeakDesk does not run",
                "copy it and run it in a terminal");
    auto split = splitWords(command);
    if (!split)
        return split.error();
    QStringList words = std::move(split).value();
    if (words.isEmpty() || words.front() != QLatin1String("kubectl"))
        return makeError(ErrorCode::InvalidArgument, "only kubectl commands can be run from LeakDesk", "copy it and run it in a terminal");
    words.removeFirst();
    QStringList out;
    bool afterDashDash = false;
    bool hasKubeconfig = false;
    bool hasContext = false;
    for (const QString& w : words) {
        if (afterDashDash) {
            out << w;
            continue;
        }
        if (w == QLatin1String("--")) {
            afterDashDash = true;
            out << w;
            continue;
        }
        // No terminal here: interactive flags would make kubectl wait or fail.
        if (w == QLatin1String("-it") || w == QLatin1String("-ti") || w == QLatin1String("-i") || w == QLatin1String("-t")
            || w == QLatin1String("--stdin") || w == QLatin1String("--tty"))
            continue;
        hasKubeconfig = hasKubeconfig || w.startsWith(QLatin1String("--kubeconfig"));
        hasContext = hasContext || w.startsWith(QLatin1String("--context"));
        out << w;
    }
    if (out.isEmpty())
        return makeError(ErrorCode::InvalidArgument, "kubectl without a subcommand");
    QStringList prefix;
    if (!hasKubeconfig && !target.kubeconfig.isEmpty())
        prefix << QStringLiteral("--kubeconfig") << target.kubeconfig;
    if (!hasContext && !target.context.isEmpty())
        prefix << QStringLiteral("--context") << target.context;
    return prefix + out;
}

KubectlRunner::KubectlRunner(QObject* parent)
    : QObject(parent)
{
}

KubectlRunner::~KubectlRunner()
{
    if (m_process) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->waitForFinished(2000);
    }
}

QString KubectlRunner::kubectlPath() { return QStandardPaths::findExecutable(QStringLiteral("kubectl")); }

bool KubectlRunner::isRunning() const { return m_process != nullptr; }

Status KubectlRunner::run(const QString& command, const KubectlTarget& target, int timeoutMs)
{
    if (m_process)
        return makeError(ErrorCode::InvalidArgument, "a command is still running");
    const QString program = kubectlPath();
    if (program.isEmpty())
        return makeError(ErrorCode::NotFound, "kubectl is not on PATH", "install kubectl, or copy the command");
    auto args = kubectlArguments(command, target);
    if (!args)
        return args.error();
    m_run = {};
    m_run.command = command;
    m_started = QDateTime::currentMSecsSinceEpoch();
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::SeparateChannels);
    m_process->setStandardInputFile(QProcess::nullDevice());
    connect(m_process.get(), &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
        m_run.exitCode = status == QProcess::NormalExit ? code : -1;
        m_run.output = m_process->readAllStandardOutput() + m_process->readAllStandardError();
        m_run.elapsedMs = QDateTime::currentMSecsSinceEpoch() - m_started;
        m_process.release()->deleteLater();
        Q_EMIT finished(m_run);
    });
    connect(m_process.get(), &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e != QProcess::FailedToStart)
            return;
        m_run.output = m_process->errorString().toUtf8();
        m_process.release()->deleteLater();
        Q_EMIT finished(m_run);
    });
    QTimer::singleShot(timeoutMs, m_process.get(), [this] {
        m_run.timedOut = true;
        m_process->kill();
    });
    m_process->start(program, *args);
    return Ok {};
}

void KubectlRunner::cancel()
{
    if (m_process)
        m_process->kill();
}

} // namespace leakdesk::ui
