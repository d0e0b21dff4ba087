#include "core/kube/ExecCredential.h"

#include "core/common/ProcessGroup.h"
#include "core/kube/KubeObjects.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace leakdesk::kube {

using nlohmann::json;

Result<ExecCredential> parseExecCredential(const QByteArray& out, const std::string& expectedApiVersion)
{
    json j;
    try {
        j = json::parse(out.toStdString());
    } catch (const json::exception&) {
        return makeError(ErrorCode::Config, "the credential plugin did not print an ExecCredential (its output is not JSON)",
            "run the plugin by hand to see what it prints; it must write JSON to stdout");
    }
    if (!j.is_object() || j.value("kind", "") != "ExecCredential")
        return makeError(ErrorCode::Config, "the credential plugin printed JSON that is not an ExecCredential", "expected \"kind\": \"ExecCredential\"");
    const std::string apiVersion = j.value("apiVersion", "");
    if (!expectedApiVersion.empty() && apiVersion != expectedApiVersion)
        return makeError(ErrorCode::Config,
            "the credential plugin answered apiVersion '" + apiVersion + "' but the kubeconfig asks for '" + expectedApiVersion + "'",
            "set users[].user.exec.apiVersion to what the plugin speaks");
    const auto status = j.find("status");
    if (status == j.end() || !status->is_object())
        return makeError(ErrorCode::Config, "the credential plugin's ExecCredential has no status", "the plugin must fill status.token or a client certificate");
    ExecCredential c;
    auto str = [&](const char* k) {
        auto it = status->find(k);
        return it != status->end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    c.token = str("token");
    c.clientCertificateData = str("clientCertificateData");
    c.clientKeyData = str("clientKeyData");
    if (const std::string exp = str("expirationTimestamp"); !exp.empty()) {
        const std::int64_t ms = parseTimestampMs(exp);
        if (ms == 0)
            return makeError(ErrorCode::Config, "the credential plugin's expirationTimestamp '" + exp + "' is not RFC 3339");
        c.expiresMs = ms;
    }
    if (c.token.empty() && (c.clientCertificateData.empty() || c.clientKeyData.empty()))
        return makeError(ErrorCode::Config, "the credential plugin returned neither a token nor a client certificate and key");
    return c;
}

Result<ExecInvocation> execInvocation(const KubeUser& user, const KubeCluster& cluster)
{
    if (!user.exec)
        return makeError(ErrorCode::InvalidArgument, "user '" + user.name + "' has no exec plugin");
    const auto& x = *user.exec;
    QString program = QString::fromStdString(x.command);
    if (program.contains(QLatin1Char('/'))) {
        if (QFileInfo(program).isRelative() && !user.sourceFile.empty())
            program = QFileInfo(QString::fromStdString(user.sourceFile)).dir().filePath(program);
        if (!QFileInfo(program).isExecutable())
            return makeError(ErrorCode::Config, "credential plugin '" + program.toStdString() + "' of user '" + user.name + "' is not an executable file",
                x.installHint.empty() ? "check users[].user.exec.command in " + user.sourceFile : x.installHint);
    } else {
        const QString found = QStandardPaths::findExecutable(program);
        if (found.isEmpty())
            return makeError(ErrorCode::Config, "credential plugin '" + x.command + "' of user '" + user.name + "' is not on PATH",
                x.installHint.empty() ? "install it or fix users[].user.exec.command in " + user.sourceFile : x.installHint);
        program = found;
    }
    ExecInvocation inv;
    inv.program = program;
    for (const auto& a : x.args)
        inv.arguments << QString::fromStdString(a);
    inv.environment = QProcessEnvironment::systemEnvironment();
    for (const auto& [k, v] : x.env)
        inv.environment.insert(QString::fromStdString(k), QString::fromStdString(v));
    json info = { { "apiVersion", x.apiVersion.empty() ? "client.authentication.k8s.io/v1" : x.apiVersion }, { "kind", "ExecCredential" },
        { "spec", { { "interactive", false } } } };
    if (x.provideClusterInfo)
        info["spec"]["cluster"] = { { "server", cluster.server }, { "tls-server-name", cluster.tlsServerName },
            { "insecure-skip-tls-verify", cluster.insecureSkipTlsVerify } };
    inv.environment.insert(QStringLiteral("KUBERNETES_EXEC_INFO"), QString::fromStdString(info.dump()));
    return inv;
}

std::string CredentialPluginIdentity::describe() const
{
    std::string s = "credential plugin '" + command + "' of user '" + userName + "'";
    if (!kubeconfig.empty())
        s += " in kubeconfig " + kubeconfig;
    return s;
}

namespace {

std::string secondsText(int ms)
{
    return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

std::string bytesText(qint64 bytes)
{
    return bytes % (1 << 20) == 0 ? std::to_string(bytes >> 20) + " MiB"
        : bytes % 1024 == 0       ? std::to_string(bytes >> 10) + " KiB"
                                  : std::to_string(bytes) + " bytes";
}

} // namespace

CredentialPluginRun::CredentialPluginRun(CredentialPluginIdentity identity, CredentialPluginLimits limits,
    QObject* parent, std::function<void(Result<QByteArray>)> done)
    : QObject(parent)
    , m_identity(std::move(identity))
    , m_limits(limits)
    , m_done(std::move(done))
{ }

CredentialPluginRun::~CredentialPluginRun()
{
    // Destroyed with its parent while the plugin still runs: take its whole group down, then let
    // QProcess reap the leader without waiting on a plugin that ignores signals (SIGKILL cannot be).
    if (m_process && m_process->state() != QProcess::NotRunning) {
        killGroup();
        m_process->waitForFinished(5000);
    }
}

CredentialPluginRun* CredentialPluginRun::start(const ExecInvocation& invocation, CredentialPluginIdentity identity,
    CredentialPluginLimits limits, QObject* parent, std::function<void(Result<QByteArray>)> done)
{
    auto* run = new CredentialPluginRun(std::move(identity), limits, parent, std::move(done));
    run->m_process = new QProcess(run);
    QProcess* proc = run->m_process;
    proc->setProcessEnvironment(invocation.environment);
    proc->setProcessChannelMode(QProcess::SeparateChannels);
    // Non-interactive, as KUBERNETES_EXEC_INFO says: a plugin must not wait on our stdin.
    proc->setStandardInputFile(QProcess::nullDevice());
    // Its own session and process group, so killGroup() reaches every process it starts.
    startInOwnProcessGroup(*proc);
    run->m_timer = new QTimer(run);
    run->m_timer->setSingleShot(true);
    connect(run->m_timer, &QTimer::timeout, run, [run] {
        run->stop(makeError(ErrorCode::Timeout,
            run->m_identity.describe() + " did not answer within " + secondsText(run->m_limits.timeoutMs)
                + "; it was stopped, with every process it started",
            "run the command by hand to see where it waits (an interactive login? a network call?); LeakDesk "
            "runs plugins without a terminal"));
    });
    connect(proc, &QProcess::readyReadStandardOutput, run, &CredentialPluginRun::onStdout);
    connect(proc, &QProcess::readyReadStandardError, run, &CredentialPluginRun::onStderr);
    connect(proc, &QProcess::finished, run, &CredentialPluginRun::onFinished);
    connect(proc, &QProcess::started, run, [run] { run->m_group = run->m_process->processId(); });
    connect(proc, &QProcess::errorOccurred, run, [run](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart)
            run->finish(makeError(ErrorCode::Config, run->m_identity.describe() + " could not be started",
                "check that it is installed and executable"));
    });
    run->m_timer->start(limits.timeoutMs);
    proc->start(invocation.program, invocation.arguments);
    return run;
}

void CredentialPluginRun::onStdout()
{
    if (m_reported)
        return;
    m_stdout += m_process->readAllStandardOutput();
    if (m_stdout.size() > m_limits.maxStdoutBytes)
        stop(makeError(ErrorCode::LimitExceeded,
            m_identity.describe() + " printed more than " + bytesText(m_limits.maxStdoutBytes)
                + " on stdout; it was stopped, with every process it started",
            "an ExecCredential is a few KiB of JSON: run the command by hand and check that it prints only that"));
}

void CredentialPluginRun::onStderr()
{
    if (m_reported)
        return;
    m_stderrBytes += m_process->readAllStandardError().size();
    if (m_stderrBytes > m_limits.maxStderrBytes)
        stop(makeError(ErrorCode::LimitExceeded,
            m_identity.describe() + " printed more than " + bytesText(m_limits.maxStderrBytes)
                + " on stderr; it was stopped, with every process it started",
            "run the command by hand to see what it keeps printing"));
}

void CredentialPluginRun::onFinished(int exitCode, QProcess::ExitStatus status)
{
    if (m_reported)
        return;
    // What is still in the pipe counts against the limit as well.
    onStdout();
    onStderr();
    if (m_reported)
        return;
    // The plugin is done; anything it left in its group (a forked helper holding the pipe) goes too.
    killGroup();
    if (status != QProcess::NormalExit || exitCode != 0)
        return finish(makeError(ErrorCode::Unauthorized,
            m_identity.describe() + " failed ("
                + (status == QProcess::NormalExit ? "exit code " + std::to_string(exitCode) : std::string("crashed"))
                + ")",
            "run it by hand to see why (expired SSO session? missing login?)"));
    finish(std::move(m_stdout));
}

void CredentialPluginRun::killGroup()
{
    if (m_group <= 0 && m_process)
        m_group = m_process->processId();
    if (m_process)
        killProcessGroup(*m_process, m_group);
}

void CredentialPluginRun::stop(Error error)
{
    if (m_reported)
        return;
    killGroup();
    finish(std::move(error));
}

void CredentialPluginRun::finish(Result<QByteArray> result)
{
    if (m_reported)
        return;
    m_reported = true;
    m_timer->stop();
    auto done = std::move(m_done);
    // Deleted once QProcess has reaped the leader (or right away when it never started), never
    // while one of its signals is being delivered.
    if (!m_process || m_process->state() == QProcess::NotRunning)
        deleteLater();
    else
        connect(m_process, &QProcess::finished, this, &QObject::deleteLater);
    if (done)
        done(std::move(result));
}

} // namespace leakdesk::kube
