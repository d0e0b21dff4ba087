#pragma once
// "Run with kubectl": a runbook command, filled in, run by the real kubectl against the cluster
// LeakDesk has open (its kubeconfig and context are added), without a terminal: `-i`/`-t`/`-it`
// are dropped, stdin is closed, and the run is bounded in time. The output is captured for the
// incident journal.

#include "common/Result.h"

#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <memory>

namespace leakdesk::ui {

struct KubectlTarget {
    QString kubeconfig; // empty: kubectl's own default (KUBECONFIG, ~/.kube/config)
    QString context; // empty: the kubeconfig's current context
};

// The argument list (without the program) for `command`, which must start with "kubectl".
// Shell syntax (pipes, redirections, $(...)) is refused: nothing runs through a shell.
Result<QStringList> kubectlArguments(const QString& command, const KubectlTarget& target);

struct KubectlRun {
    QString command; // as shown
    int exitCode = -1;
    QByteArray output; // stdout then stderr
    bool timedOut = false;
    qint64 elapsedMs = 0;
};

class KubectlRunner : public QObject {
    Q_OBJECT
public:
    explicit KubectlRunner(QObject* parent = nullptr);
    ~KubectlRunner() override;

    static QString kubectlPath(); // empty when kubectl is not on PATH
    bool isRunning() const;
    // Starts the command; finished() follows (also for a command that could not start).
    Status run(const QString& command, const KubectlTarget& target, int timeoutMs = 120000);
    void cancel();

Q_SIGNALS:
    void finished(const leakdesk::ui::KubectlRun& run);

private:
    std::unique_ptr<QProcess> m_process;
    KubectlRun m_run;
    qint64 m_started = 0;
};

} // namespace leakdesk::ui
