#pragma once
// client.authentication.k8s.io exec credential plugins (aws eks get-token, gke-gcloud-auth-plugin,
// kubelogin, ...): what kubectl runs to get a token or a client certificate for a user.

#include "core/common/Result.h"
#include "core/kube/KubeConfig.h"

#include <QByteArray>
#include <QObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QTimer>

#include <cstdint>
#include <functional>
#include <optional>

namespace leakdesk::kube {

struct ExecCredential {
    std::string token; // never logged
    std::string clientCertificateData;
    std::string clientKeyData; // never logged
    std::optional<std::int64_t> expiresMs; // from status.expirationTimestamp; none = valid until a 401

    bool validAt(std::int64_t nowMs) const { return !expiresMs || *expiresMs > nowMs + 10'000; }
};

// Parses the plugin's stdout (an ExecCredential object of apiVersion v1 or v1beta1).
Result<ExecCredential> parseExecCredential(const QByteArray& stdoutBytes, const std::string& expectedApiVersion);

// What to start: program (resolved like kubectl: a path with '/' relative to the kubeconfig's
// directory, otherwise looked up in PATH), arguments and environment (KUBERNETES_EXEC_INFO set).
struct ExecInvocation {
    QString program;
    QStringList arguments;
    QProcessEnvironment environment;
};
Result<ExecInvocation> execInvocation(const KubeUser& user, const KubeCluster& cluster);

// Bounds for one run of a plugin. kubectl waits forever and reads everything; a desktop app must
// not: a plugin waiting for an interactive login, stuck on the network or printing in a loop would
// hang the GUI or fill its memory.
struct CredentialPluginLimits {
    // aws eks get-token, gke-gcloud-auth-plugin and kubelogin (with a cached session) answer in 1-5 s;
    // a minute covers a slow token endpoint without leaving the user staring at a frozen action.
    int timeoutMs = 60'000;
    // An ExecCredential is a few KiB (a client certificate and key a few more).
    qint64 maxStdoutBytes = 1 << 20;
    // stderr is drained and dropped (it may hold secrets) so a chatty plugin never blocks on a full
    // pipe, but a plugin that prints there forever is stopped too.
    qint64 maxStderrBytes = 1 << 20;
};

// Who a plugin run is for, for messages: "credential plugin 'aws' of user 'u' in kubeconfig F".
struct CredentialPluginIdentity {
    std::string command; // users[].user.exec.command as written
    std::string userName;
    std::string kubeconfig;

    std::string describe() const;
};

// One run of a credential plugin in its own session (setsid), so that on a timeout or too much
// output the whole process group is killed, including children that keep the output pipe open
// (a shell script's `sleep`, a helper it forked). `done` is called exactly once, on the thread of
// `parent`, with the plugin's stdout or an Error naming the plugin and what happened; the run
// deletes itself afterwards. Stray processes left in the plugin's group are killed after a normal
// exit, too: nothing the plugin started outlives it unless it left the session on purpose.
class CredentialPluginRun : public QObject {
    Q_OBJECT
public:
    static CredentialPluginRun* start(const ExecInvocation& invocation, CredentialPluginIdentity identity,
        CredentialPluginLimits limits, QObject* parent, std::function<void(Result<QByteArray>)> done);
    ~CredentialPluginRun() override;

    // The plugin's process group (its pid); 0 before it started. For tests.
    qint64 processGroup() const { return m_group; }

private:
    CredentialPluginRun(CredentialPluginIdentity identity, CredentialPluginLimits limits, QObject* parent,
        std::function<void(Result<QByteArray>)> done);
    void onStdout();
    void onStderr();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void stop(Error error); // kills the group, reports `error`
    void killGroup();
    void finish(Result<QByteArray> result);

    CredentialPluginIdentity m_identity;
    CredentialPluginLimits m_limits;
    std::function<void(Result<QByteArray>)> m_done;
    QProcess* m_process = nullptr;
    QTimer* m_timer = nullptr;
    QByteArray m_stdout;
    qint64 m_stderrBytes = 0;
    qint64 m_group = 0;
    bool m_reported = false;
};

} // namespace leakdesk::kube
