#pragma once
// The project's kubectl, run as the witness of a test: against a kubeconfig the test names, with a
// discovery cache and HOME of its own and no KUBECONFIG or KUBECTL_* from the machine, so it never
// reads or writes the user's ~/.kube and answers the same on every machine. The test still says
// LEAKDESK_REQUIRE_WITNESS("kubectl") first (it fails or skips the test function).

#include "TestSupport.h"

#include <QProcessEnvironment>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>

namespace leakdesk::test {

class KubectlHarness {
public:
    KubectlHarness();

    // The project's kubectl (LEAKDESK_WITNESS_BIN_DIR first, then PATH); empty when missing.
    static QString findKubectl();

    const QString& program() const { return m_program; }
    // The kubeconfig run() and json() use.
    void setKubeconfig(const QString& kubeconfig) { m_kubeconfig = kubeconfig; }
    const QString& kubeconfig() const { return m_kubeconfig; }
    // What kubectl runs with: the caller's environment without KUBECONFIG, KUBECTL_* and
    // KUBE_EDITOR, HOME in the harness's own folder.
    QProcessEnvironment environment() const;
    // --kubeconfig `kubeconfig` --cache-dir <own>: what every run starts with.
    QStringList connectionArgs(const QString& kubeconfig) const;

    ProcessResult run(const QStringList& args, int timeoutMs = 60000) const
    {
        return runOn(m_kubeconfig, args, timeoutMs);
    }
    ProcessResult runOn(const QString& kubeconfig, const QStringList& args, int timeoutMs = 60000) const;
    // Without --kubeconfig (the test gives --server and credentials itself), nor the runs' cache.
    ProcessResult runWithoutKubeconfig(
        const QStringList& args, int timeoutMs = 60000, const QStringList& extraEnv = {}) const;
    // `args` + `-o json`, parsed; discarded (and a warning with kubectl's stderr) when it failed.
    nlohmann::json json(const QStringList& args) const;
    // Starts `leakdesk-cli sandbox serve` with `args`, its kubeconfig written into the harness's folder
    // as `kubeconfigName`, and makes it kubeconfig(). Empty when it serves; otherwise why not.
    QString serve(ServedSandbox& sandbox, const QStringList& args = {},
        const QString& kubeconfigName = QStringLiteral("kubeconfig"));
    // A long-running kubectl (`get -w`, `logs -f`) against kubeconfig(); the caller reads and stops it.
    void start(QProcess& process, const QStringList& args) const;

private:
    ProcessResult runIn(const QStringList& args, int timeoutMs, const QStringList& extraEnv) const;

    QString m_program;
    QString m_kubeconfig;
    QTemporaryDir m_dir; // HOME and the discovery cache
};

} // namespace leakdesk::test
