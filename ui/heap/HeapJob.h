#pragma once
// HeapJob: what every heap analysis run in the GUI has in common, on the project's one job shape
// (common/Job.h). Work runs on the job's own thread pool; results travel back to the GUI thread as
// queued calls that are delivered only while the run that produced them is still the current one,
// so a run superseded by a newer request (or cancelled) can never overwrite what the user asked for
// last. Progress is polled from core/heap's AnalysisProgress on a GUI timer, which throttles it to a
// few updates per second at no cost to the analysis loops. Each run ends in exactly one of
// finished() / failed(Error); a superseded run ends silently.

#include "core/common/Job.h"
#include "core/heap/AnalysisProgress.h"

#include <QString>
#include <QThreadPool>
#include <QTimer>

#include <functional>
#include <memory>

namespace leakdesk::ui {

class HeapJob : public Job {
    Q_OBJECT
public:
    ~HeapJob() override;

    // Worker threads the analyses may use (0: one per core). Applies to the next run.
    void setThreads(unsigned threads) { m_threads = threads; }
    // Blocks until no worker runs any more (also superseded and cancelled ones); for shutdown and tests.
    bool waitForIdle(int timeoutMs = -1);

Q_SIGNALS:
    // The dump is truncated or corrupt; results cover what was read before `message`'s offset.
    void damaged(const QString& message, const QString& hint);
    // The run's results were delivered by the subclass's own signals just before.
    void finished();

protected:
    struct Run : JobRun {
        heap::AnalysisProgress progress;
        void onStop() override { progress.cancel(); } // stop wasting cores on it
    };
    using RunPtr = std::shared_ptr<Run>;

    explicit HeapJob(QObject* parent = nullptr);

    // Supersedes the current run (its flag is set, its results dropped) and starts `work` for a new one.
    void start(const QString& description, std::function<void(const RunPtr&)> work);
    // From a worker: ends `run` with finished() / failed() (dropped if superseded or cancelled).
    void deliverFinished(const RunPtr& run);
    void deliverFailed(const RunPtr& run, const Error& error);

    Error cancelledError(const JobRun& run) const override;

private:
    void pollProgress();

    QThreadPool m_pool;
    QTimer m_progressTimer;
    unsigned m_threads = 0;
};

} // namespace leakdesk::ui
