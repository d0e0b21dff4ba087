#pragma once
// HeapJob: what every heap analysis run in the GUI has in common. Work runs on the job's own
// thread pool; results travel back to the GUI thread as queued calls that are delivered only while
// the run that produced them is still the current one, so a run superseded by a newer request (or
// cancelled) can never overwrite what the user asked for last. Progress is polled from core/heap's
// AnalysisProgress on a GUI timer, which throttles it to a few updates per second at no cost to the
// analysis loops. Each run ends in exactly one of finished() / failed(); a superseded run ends silently.

#include "heap/AnalysisProgress.h"

#include <QObject>
#include <QString>
#include <QThreadPool>
#include <QTimer>

#include <functional>
#include <memory>

namespace leakdesk::ui {

class HeapJob : public QObject {
    Q_OBJECT
public:
    ~HeapJob() override;

    bool isRunning() const { return m_current != nullptr; }
    // The last run ended because cancel() was called (its failed() said so).
    bool wasCancelled() const { return m_cancelled; }
    // Worker threads the analyses may use (0: one per core). Applies to the next run.
    void setThreads(unsigned threads) { m_threads = threads; }
    // Blocks until no worker runs any more (also superseded and cancelled ones); for shutdown and tests.
    bool waitForIdle(int timeoutMs = -1);

public Q_SLOTS:
    // Stops the current run: the analysis loops see core/heap's cancel flag, every result still in
    // flight is dropped, and failed() says the run was cancelled. Does nothing when idle.
    void cancel();

Q_SIGNALS:
    // Stage name ("class histogram", "dominator tree"...) and its fraction done, 0..1, throttled.
    void progress(const QString& stage, double fraction);
    // The dump is truncated or corrupt; results cover what was read before `message`'s offset.
    void damaged(const QString& message, const QString& hint);
    void finished();
    void failed(const QString& message, const QString& hint);

protected:
    struct Run {
        quint64 serial = 0;
        QString description; // for the cancel message: the dump's file name
        heap::AnalysisProgress progress;
    };
    using RunPtr = std::shared_ptr<Run>;

    explicit HeapJob(QObject* parent = nullptr);

    // Supersedes the current run (its flag is set, its results dropped) and starts `work` for a new one.
    void start(const QString& description, std::function<void(const RunPtr&)> work);
    // From a worker: runs `f` on the GUI thread if `run` is still current when the call arrives.
    void deliver(const RunPtr& run, std::function<void()> f);
    // From a worker: ends `run` with finished() / failed() (dropped if superseded or cancelled).
    void deliverFinished(const RunPtr& run);
    void deliverFailed(const RunPtr& run, const QString& message, const QString& hint);

private:
    void end();
    void pollProgress();

    QThreadPool m_pool;
    QTimer m_progressTimer;
    RunPtr m_current;
    quint64 m_nextSerial = 1;
    unsigned m_threads = 0;
    bool m_cancelled = false;
    int m_lastStage = -1;
    int m_lastPercent = -1;
};

} // namespace leakdesk::ui
