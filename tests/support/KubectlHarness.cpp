#include "KubectlHarness.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace leakdesk::test {

KubectlHarness::KubectlHarness()
    : m_program(findKubectl())
{ }

QString KubectlHarness::findKubectl()
{
    // ctest puts the witness folder first on PATH; a test run by hand may only have the variable.
    const QString witnessDir = qEnvironmentVariable("LEAKDESK_WITNESS_BIN_DIR");
    if (!witnessDir.isEmpty()) {
        const QFileInfo own(QDir(witnessDir).filePath(QStringLiteral("kubectl")));
        if (own.isFile() && own.isExecutable())
            return own.absoluteFilePath();
    }
    return findProgram(QStringLiteral("kubectl"));
}

QProcessEnvironment KubectlHarness::environment() const
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const QString& name : env.keys())
        if (name == QLatin1String("KUBECONFIG") || name == QLatin1String("KUBE_EDITOR")
            || name.startsWith(QLatin1String("KUBECTL_")))
            env.remove(name);
    env.insert(QStringLiteral("HOME"), m_dir.path());
    return env;
}

QStringList KubectlHarness::connectionArgs(const QString& kubeconfig) const
{
    return { QStringLiteral("--kubeconfig"), kubeconfig, QStringLiteral("--cache-dir"),
        m_dir.filePath(QStringLiteral("cache")) };
}

ProcessResult KubectlHarness::runIn(const QStringList& args, int timeoutMs, const QStringList& extraEnv) const
{
    QProcessEnvironment env = environment();
    for (const QString& kv : extraEnv) {
        const auto eq = kv.indexOf(QLatin1Char('='));
        env.insert(kv.left(eq), kv.mid(eq + 1));
    }
    return runProgramIn(env, m_program, args, timeoutMs);
}

ProcessResult KubectlHarness::runOn(const QString& kubeconfig, const QStringList& args, int timeoutMs) const
{
    return runIn(connectionArgs(kubeconfig) + args, timeoutMs, {});
}

ProcessResult KubectlHarness::runWithoutKubeconfig(
    const QStringList& args, int timeoutMs, const QStringList& extraEnv) const
{
    // No --cache-dir: kubectl's default under the harness's HOME, apart from the kubeconfig runs'
    // cache, so that such a run makes its own discovery requests with its own credentials.
    return runIn(args, timeoutMs, extraEnv);
}

nlohmann::json KubectlHarness::json(const QStringList& args) const
{
    const ProcessResult r = run(args + QStringList { QStringLiteral("-o"), QStringLiteral("json") });
    if (r.exitCode != 0)
        qWarning("kubectl %s failed: %s", qPrintable(args.join(u' ')), r.err.constData());
    return nlohmann::json::parse(r.out.toStdString(), nullptr, false);
}

QString KubectlHarness::serve(ServedSandbox& sandbox, const QStringList& args, const QString& kubeconfigName)
{
    if (!QFile::exists(cliPath()))
        return QStringLiteral("LEAKDESK_CLI must point at the built leakdesk-cli");
    if (!m_dir.isValid())
        return QStringLiteral("no temporary folder for the kubeconfig: %1").arg(m_dir.errorString());
    const QString kubeconfig = m_dir.filePath(kubeconfigName);
    QString why;
    if (!sandbox.start(args + QStringList { QStringLiteral("--kubeconfig-out"), kubeconfig }, why))
        return why;
    m_kubeconfig = kubeconfig;
    return {};
}

void KubectlHarness::start(QProcess& process, const QStringList& args) const
{
    process.setProcessEnvironment(environment());
    process.start(m_program, connectionArgs(m_kubeconfig) + args);
}

} // namespace leakdesk::test
