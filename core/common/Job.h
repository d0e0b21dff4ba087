#pragma once
// Job: the one shape of LeakDesk's long-running work (heap analysis, heap capture, investigation,
// mitigation, pod isolation), modelled on hotspot's job tracker. A job is a QObject living on the
// thread that listens to it; its work may run anywhere. Every run
//   - reports progress as a stage name, the stage's fraction done and, once it can be measured, an
//     ETA for the stage (elapsed time over fraction gained, measured from the stage's first report);
//   - can be cancelled: the run's stop hook runs (a cancel flag, an aborted request) and the run
//     ends in failed() with ErrorCode::Cancelled;
//   - is superseded by the next begin(): the older run is stopped and ends silently; nothing it
//     delivers afterwards reaches a listener, even when it arrives from a worker thread later;
//   - ends in exactly one finished(result) or failed(Error). A subclass declares its own typed
//     finished signal (Qt signals cannot be templates) and emits it only through finish().

#include "core/common/Result.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

namespace leakdesk {

struct JobProgress {
    QString stage; // "class histogram", "transfer", "collecting evidence"...
    double fraction = 0; // of this stage, 0..1
    std::optional<double> etaSeconds; // until the stage is done; nullopt until it can be estimated
    // Counted stages (evidence queries, steps of a plan): items done of total; 0/0 when not counted.
    int done = 0;
    int total = 0;
};

// One run of a job. Shared with whatever does its work, possibly on another thread: `stopped()` is
// the only member such code should read there.
class JobRun {
public:
    virtual ~JobRun() = default;

    quint64 serial() const { return m_serial; }
    const QString& description() const { return m_description; }
    // Cancelled or superseded: the work should stop at its next convenient point.
    bool stopped() const { return m_stopped.load(std::memory_order_relaxed); }

protected:
    // Called once, on the job's thread, when the run is cancelled or superseded (after stopped()
    // turned true). Overrides stop what the run started: a cancel flag, a request in flight.
    virtual void onStop() { }

private:
    friend class Job;
    quint64 m_serial = 0;
    QString m_description;
    std::atomic<bool> m_stopped { false };
    // ETA bookkeeping, job thread only.
    QString m_stage;
    qint64 m_stageStartMs = 0;
    double m_stageStartFraction = 0;
    int m_lastPercent = -1;
    bool m_reported = false;
};

class Job : public QObject {
    Q_OBJECT
public:
    ~Job() override;

    bool isRunning() const { return m_current != nullptr; }
    // The last run ended because cancel() was called (its failed() said so).
    bool wasCancelled() const { return m_cancelled; }
    // The clock the ETA is measured with, in milliseconds (default: a monotonic clock). For tests.
    void setClock(std::function<qint64()> nowMs) { m_nowMs = std::move(nowMs); }
    // The ETA for reaching fraction 1 of a stage entered at `startFraction`, `elapsedMs` ago, now at
    // `fraction`; nullopt while nothing measurable has happened.
    static std::optional<double> estimateSeconds(double startFraction, double fraction, qint64 elapsedMs);

public Q_SLOTS:
    // Stops the current run and ends it with failed(Cancelled). Does nothing when idle. A job whose
    // work must be undone before it can say what was left (a dump in a pod) overrides this and
    // ends the run through fail() once the clean-up is done.
    virtual void cancel();

Q_SIGNALS:
    // Throttled to changes of stage, whole percent or count.
    void progress(const leakdesk::JobProgress& progress);
    void failed(const leakdesk::Error& error);
    // After the run's finished() or failed() (never for a superseded run): for progress strips.
    void ended();

protected:
    explicit Job(QObject* parent = nullptr);

    // Starts a run of type R (a JobRun, possibly carrying the work's own state) and makes it the
    // current one; the run before it, if any, is stopped and will end silently.
    template<class R = JobRun> std::shared_ptr<R> begin(const QString& description = {})
    {
        auto run = std::make_shared<R>();
        adopt(run, description);
        return run;
    }
    // For jobs whose caller passes a callback per operation (Mitigation, PodIsolation): begins a run
    // named `stage` and returns the callback to hand to the work. It reaches `done` only while the
    // run is current (a newer operation or cancel() drops it), at most once, and ends the run: on
    // success through finish() (`done` is the typed finished listener), on failure with failed(Error)
    // and then `done` with the same error.
    template<class T>
    std::function<void(Result<T>)> beginOperation(const QString& stage, std::function<void(Result<T>)> done)
    {
        auto run = begin(stage);
        reportProgress(run, stage, 0);
        return [this, run, done = std::move(done)](Result<T> result) {
            if (!isCurrent(run))
                return;
            if (result.ok())
                return finish(run, [&] { done(std::move(result)); });
            fail(run, result.error());
            done(std::move(result));
        };
    }
    std::shared_ptr<JobRun> currentRun() const { return m_current; }
    // Stops the current run, which then ends silently: for destructors, where no one may listen.
    void abandon();
    bool isCurrent(const std::shared_ptr<JobRun>& run) const { return run && run == m_current; }

    // On the job's thread; every one does nothing unless `run` is the current run.
    // `etaSeconds` overrides the estimate when the work knows better (a transfer's own rate).
    void reportProgress(const std::shared_ptr<JobRun>& run, const QString& stage, double fraction,
        std::optional<double> etaSeconds = std::nullopt);
    void reportCount(const std::shared_ptr<JobRun>& run, const QString& stage, int done, int total);
    // Ends the run, then calls `emitFinished`, which emits the subclass's typed finished signal.
    void finish(const std::shared_ptr<JobRun>& run, const std::function<void()>& emitFinished);
    void fail(const std::shared_ptr<JobRun>& run, Error error);

    // From any thread: runs `f` on the job's thread if `run` is still current when it arrives.
    void deliver(const std::shared_ptr<JobRun>& run, std::function<void()> f);

    // What failed() says when the run is cancelled; the default names the run's description.
    virtual Error cancelledError(const JobRun& run) const;

private:
    void adopt(const std::shared_ptr<JobRun>& run, const QString& description);
    void stop(JobRun& run);
    void end();

    std::shared_ptr<JobRun> m_current;
    quint64 m_nextSerial = 1;
    bool m_cancelled = false;
    std::function<qint64()> m_nowMs;
};

} // namespace leakdesk

Q_DECLARE_METATYPE(leakdesk::JobProgress)
Q_DECLARE_METATYPE(leakdesk::Error)
