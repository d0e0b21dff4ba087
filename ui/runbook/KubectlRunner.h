#pragma once
// "Run with kubectl": a runbook command, filled in, run by the real kubectl against the cluster
// LeakDesk has open, without a shell or a terminal. What may run is decided in core
// (runbook/KubectlCommand.h, the same reading `leakdesk-cli runbook parse` prints): refused
// commands never start, changes are confirmed by the caller (after a --dry-run=server preview),
// and kubectl gets a clean environment and only the investigated cluster's kubeconfig and context.

#include "core/common/Result.h"
#include "core/runbook/KubectlCommand.h"

#include <QObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <memory>

namespace leakdesk::ui {

struct KubectlTarget {
    QStringList kubeconfigFiles; // the files LeakDesk read the investigated cluster from (required)
    QString context; // empty: those files' current-context
    QString server; // the API server URL, named in the confirmation
    QString localFolder; // the folder the user picked for kubectl's files (cp, -f ...); empty: none yet
    QStringList extraPath; // folders of the cluster's exec credential plugin, so kubectl finds it
};

// Everything needed to run one command, decided before anything starts.
struct KubectlPlan {
    QString command; // as shown
    runbook::KubectlAnalysis analysis;
    QStringList arguments; // full argv after the program: connection flags, then the command's words
    QStringList previewArguments; // the same with --dry-run=server; empty when there is no preview
    QProcessEnvironment environment;
    QString workingDirectory;
};

// The plan for `command` (which must start with "kubectl"), or why it is refused.
Result<KubectlPlan> planKubectlRun(const QString& command, const KubectlTarget& target);

// The argument list (without the program) that would run for `command`.
Result<QStringList> kubectlArguments(const QString& command, const KubectlTarget& target);

// kubectl's environment: nothing inherited but the locale, the time zone, HOME/USER (which exec
// credential plugins need for their own login state) and the cloud SDK variables those plugins
// read; PATH is kubectl's folder, the system's and the plugin's; no KUBECONFIG, no KUBECTL_*.
QProcessEnvironment kubectlEnvironment(
    const QProcessEnvironment& inherited, const QString& kubectlProgram, const QStringList& extraPath);

// LeakDesk's own folder for kubectl's discovery cache (--cache-dir) and working directory.
QString kubectlCacheDir();

struct KubectlRun {
    QString command; // as shown
    int exitCode = -1;
    QByteArray output; // stdout then stderr
    bool timedOut = false;
    bool outputTruncated = false; // kubectl printed more than the bound and was stopped
    qint64 elapsedMs = 0;
    bool preview = false; // the --dry-run=server run before a change
    bool sensitive = false; // prints Secret/ConfigMap data: masked on screen, never journaled
    QString sensitiveReason;
};

// What the incident journal keeps of a run: the output (capped), or for a sensitive command only
// that it ran and why its output is not kept.
QString journaledOutput(const KubectlRun& run);

class KubectlRunner : public QObject {
    Q_OBJECT
public:
    explicit KubectlRunner(QObject* parent = nullptr);
    ~KubectlRunner() override;

    static QString kubectlPath(); // empty when kubectl is not on PATH
    bool isRunning() const;
    // What a run keeps of kubectl's output (stdout and stderr together); beyond it kubectl is
    // stopped, so `logs -f` or `get -w` cannot grow memory until the time limit.
    static constexpr qint64 kMaxOutputBytes = 16 * 1024 * 1024;

    // Starts the plan (its preview when `preview`); finished() follows (also when it could not
    // start). Refuses a plan whose analysis is refused, and a preview when there is none.
    Status run(
        const KubectlPlan& plan, bool preview = false, int timeoutMs = 120000, qint64 maxOutputBytes = kMaxOutputBytes);
    // Plans and runs a command that needs no confirmation (read-only); changes are refused here.
    Status run(const QString& command, const KubectlTarget& target, int timeoutMs = 120000);
    // Stops kubectl and every process it started; finished() follows.
    void cancel();

Q_SIGNALS:
    void finished(const leakdesk::ui::KubectlRun& run);

private:
    std::unique_ptr<QProcess> m_process;
    // kubectl's process group (its pid when it started): kubectl runs in its own session so that
    // stopping it (time limit, output bound, cancel, destruction) also stops what it started, e.g.
    // an exec credential plugin waiting on a login.
    qint64 m_group = 0;
    void readOutput();
    void stopProcessTree();

    KubectlRun m_run;
    qint64 m_started = 0;
    qint64 m_maxOutputBytes = kMaxOutputBytes;
    QByteArray m_stdout;
    QByteArray m_stderr;
};

} // namespace leakdesk::ui
