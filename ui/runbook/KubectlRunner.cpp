#include "ui/runbook/KubectlRunner.h"

#include "core/common/ProcessGroup.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTimer>

#include <algorithm>

namespace leakdesk::ui {

namespace {

QStringList toQt(const std::vector<std::string>& words)
{
    QStringList out;
    for (const std::string& w : words)
        out << QString::fromStdString(w);
    return out;
}

} // namespace

QString kubectlCacheDir()
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + QStringLiteral("/kubectl");
    QDir().mkpath(dir);
    return dir;
}

QProcessEnvironment kubectlEnvironment(
    const QProcessEnvironment& inherited, const QString& kubectlProgram, const QStringList& extraPath)
{
    QProcessEnvironment env;
    static const QStringList kept { QStringLiteral("HOME"), QStringLiteral("USER"), QStringLiteral("LOGNAME"),
        QStringLiteral("LANG"), QStringLiteral("LC_ALL"), QStringLiteral("LC_CTYPE"), QStringLiteral("LC_MESSAGES"),
        QStringLiteral("TZ"), QStringLiteral("TMPDIR") };
    // Exec credential plugins (aws, gke-gcloud-auth-plugin, kubelogin) read their own settings.
    static const QStringList pluginPrefixes { QStringLiteral("AWS_"), QStringLiteral("GOOGLE_"),
        QStringLiteral("CLOUDSDK_"), QStringLiteral("AZURE_") };
    for (const QString& key : inherited.keys()) {
        const bool keep = kept.contains(key)
            || std::any_of(
                pluginPrefixes.begin(), pluginPrefixes.end(), [&](const QString& p) { return key.startsWith(p); });
        if (keep)
            env.insert(key, inherited.value(key));
    }
    QStringList path;
    if (!kubectlProgram.isEmpty())
        path << QFileInfo(kubectlProgram).absolutePath();
    path << extraPath << QStringLiteral("/usr/local/bin") << QStringLiteral("/usr/bin") << QStringLiteral("/bin");
    path.removeDuplicates();
    env.insert(QStringLiteral("PATH"), path.join(QLatin1Char(':')));
    // kubectl 1.33+ reads ~/.kube/kuberc (default flags and aliases for every command) when this
    // is unset: the user's own defaults must not change what a runbook line does or where it goes.
    env.insert(QStringLiteral("KUBECTL_KUBERC"), QStringLiteral("false"));
    return env;
}

Result<KubectlPlan> planKubectlRun(const QString& command, const KubectlTarget& target)
{
    runbook::KubectlRunOptions options;
    options.localFolder = target.localFolder.toStdString();
    KubectlPlan plan;
    plan.command = command;
    plan.analysis = runbook::analyseKubectlCommand(command.toStdString(), options);
    if (!plan.analysis.runnable())
        return makeError(ErrorCode::Unsupported, "LeakDesk does not run this command: " + plan.analysis.reason,
            "copy it and run it in a terminal if you are sure");
    if (target.kubeconfigFiles.isEmpty())
        return makeError(ErrorCode::Config, "no kubeconfig for the investigated cluster",
            "open the cluster from a kubeconfig first");
    // The investigated cluster's connection, and nothing the environment could add.
    QStringList connection;
    if (target.kubeconfigFiles.size() == 1)
        connection << QStringLiteral("--kubeconfig") << target.kubeconfigFiles.front();
    if (!target.context.isEmpty())
        connection << QStringLiteral("--context") << target.context;
    connection << QStringLiteral("--cache-dir") << kubectlCacheDir();
    plan.arguments = connection + toQt(plan.analysis.arguments);
    if (!plan.analysis.previewArguments.empty())
        plan.previewArguments = connection + toQt(plan.analysis.previewArguments);
    plan.environment
        = kubectlEnvironment(QProcessEnvironment::systemEnvironment(), KubectlRunner::kubectlPath(), target.extraPath);
    if (target.kubeconfigFiles.size() > 1) // merged like LeakDesk merged them; --kubeconfig takes one file
        plan.environment.insert(QStringLiteral("KUBECONFIG"), target.kubeconfigFiles.join(QLatin1Char(':')));
    plan.workingDirectory = target.localFolder.isEmpty() ? kubectlCacheDir() : target.localFolder;
    return plan;
}

Result<QStringList> kubectlArguments(const QString& command, const KubectlTarget& target)
{
    auto plan = planKubectlRun(command, target);
    if (!plan)
        return plan.error();
    return plan->arguments;
}

QString journaledOutput(const KubectlRun& run)
{
    constexpr qsizetype kMaxJournaledOutput = 64 * 1024;
    if (run.sensitive)
        return QStringLiteral("[output not kept: %1; %2 bytes]").arg(run.sensitiveReason).arg(run.output.size());
    const QString output = QString::fromUtf8(run.output);
    if (output.size() <= kMaxJournaledOutput)
        return output;
    return output.left(kMaxJournaledOutput)
        + QStringLiteral("\n[… %1 more characters not kept]").arg(output.size() - kMaxJournaledOutput);
}

KubectlRunner::KubectlRunner(QObject* parent)
    : QObject(parent)
{ }

KubectlRunner::~KubectlRunner()
{
    if (m_process) {
        m_process->disconnect(this);
        stopProcessTree();
        m_process->waitForFinished(2000);
    }
}

QString KubectlRunner::kubectlPath()
{
    return QStandardPaths::findExecutable(QStringLiteral("kubectl"));
}

bool KubectlRunner::isRunning() const
{
    return m_process != nullptr;
}

Status KubectlRunner::run(const QString& command, const KubectlTarget& target, int timeoutMs)
{
    auto plan = planKubectlRun(command, target);
    if (!plan)
        return plan.error();
    if (plan->analysis.effect != runbook::KubectlEffect::ReadOnly)
        return makeError(ErrorCode::InvalidArgument,
            "kubectl " + plan->analysis.verb + " changes the cluster and needs a confirmation");
    return run(*plan, false, timeoutMs);
}

Status KubectlRunner::run(const KubectlPlan& plan, bool preview, int timeoutMs, qint64 maxOutputBytes)
{
    if (m_process)
        return makeError(ErrorCode::InvalidArgument, "a command is still running");
    if (!plan.analysis.runnable())
        return makeError(ErrorCode::Unsupported, "LeakDesk does not run this command: " + plan.analysis.reason);
    if (preview && plan.previewArguments.isEmpty())
        return makeError(ErrorCode::InvalidArgument, "kubectl " + plan.analysis.verb + " has no server-side dry run");
    const QString program = kubectlPath();
    if (program.isEmpty())
        return makeError(ErrorCode::NotFound, "kubectl is not on PATH", "install kubectl, or copy the command");
    m_run = {};
    m_stdout.clear();
    m_stderr.clear();
    m_maxOutputBytes = std::max<qint64>(maxOutputBytes, 0);
    m_run.command = plan.command;
    m_run.preview = preview;
    m_run.sensitive = plan.analysis.sensitiveOutput;
    m_run.sensitiveReason = QString::fromStdString(plan.analysis.sensitiveReason);
    m_started = QDateTime::currentMSecsSinceEpoch();
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::SeparateChannels);
    m_process->setStandardInputFile(QProcess::nullDevice());
    m_process->setProcessEnvironment(plan.environment);
    m_process->setWorkingDirectory(plan.workingDirectory);
    m_group = 0;
    startInOwnProcessGroup(*m_process);
    connect(m_process.get(), &QProcess::started, this, [this] { m_group = m_process->processId(); });
    // Read as it comes, so that QProcess's own buffer never holds more than a pipe's worth.
    connect(m_process.get(), &QProcess::readyReadStandardOutput, this, &KubectlRunner::readOutput);
    connect(m_process.get(), &QProcess::readyReadStandardError, this, &KubectlRunner::readOutput);
    connect(m_process.get(), &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
        m_run.exitCode = status == QProcess::NormalExit ? code : -1;
        readOutput();
        // kubectl is done; whatever it left in its group (a plugin it did not wait for) goes too.
        stopProcessTree();
        m_run.output = m_stdout + m_stderr;
        if (m_run.outputTruncated)
            m_run.output += QStringLiteral("\n[output stopped after %1 bytes: kubectl was stopped]")
                                .arg(m_maxOutputBytes)
                                .toUtf8();
        m_stdout.clear();
        m_stderr.clear();
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
        stopProcessTree();
    });
    m_process->start(program, preview ? plan.previewArguments : plan.arguments);
    return Ok {};
}

void KubectlRunner::readOutput()
{
    if (!m_process)
        return;
    auto take = [this](QByteArray& into, QByteArray chunk) {
        const qint64 room = m_maxOutputBytes - m_stdout.size() - m_stderr.size();
        if (chunk.size() > room) {
            chunk.truncate(std::max<qint64>(room, 0));
            m_run.outputTruncated = true;
        }
        into += chunk;
    };
    take(m_stdout, m_process->readAllStandardOutput());
    take(m_stderr, m_process->readAllStandardError());
    if (m_run.outputTruncated && m_process->state() != QProcess::NotRunning)
        stopProcessTree(); // finished() follows
}

void KubectlRunner::cancel()
{
    if (m_process)
        stopProcessTree();
}

void KubectlRunner::stopProcessTree()
{
    if (m_process)
        killProcessGroup(*m_process, m_group);
}

} // namespace leakdesk::ui
