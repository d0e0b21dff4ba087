#include "core/common/Job.h"

#include <QElapsedTimer>
#include <QMetaObject>

namespace leakdesk {

namespace {

qint64 monotonicMs()
{
    static QElapsedTimer clock = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return clock.elapsed();
}

} // namespace

Job::Job(QObject* parent)
    : QObject(parent)
    , m_nowMs(monotonicMs)
{
    qRegisterMetaType<leakdesk::JobProgress>();
    qRegisterMetaType<leakdesk::Error>();
}

Job::~Job()
{
    if (m_current)
        stop(*m_current);
}

std::optional<double> Job::estimateSeconds(double startFraction, double fraction, qint64 elapsedMs)
{
    const double gained = fraction - startFraction;
    if (gained <= 0 || elapsedMs <= 0 || fraction > 1)
        return std::nullopt;
    return double(elapsedMs) / 1000.0 * (1.0 - fraction) / gained;
}

void Job::adopt(const std::shared_ptr<JobRun>& run, const QString& description)
{
    if (m_current)
        stop(*m_current); // superseded: it ends silently
    run->m_serial = m_nextSerial++;
    run->m_description = description;
    m_current = run;
    m_cancelled = false;
}

void Job::stop(JobRun& run)
{
    if (run.m_stopped.exchange(true))
        return;
    run.onStop();
}

void Job::abandon()
{
    if (m_current)
        stop(*m_current);
    end();
}

void Job::end()
{
    m_current.reset();
}

void Job::cancel()
{
    if (!m_current)
        return;
    const std::shared_ptr<JobRun> run = m_current;
    stop(*run);
    end();
    m_cancelled = true;
    Q_EMIT failed(cancelledError(*run));
    Q_EMIT ended();
}

Error Job::cancelledError(const JobRun& run) const
{
    return makeError(ErrorCode::Cancelled,
        (run.description().isEmpty() ? QStringLiteral("The run") : run.description()).toStdString() + " was cancelled");
}

void Job::reportProgress(
    const std::shared_ptr<JobRun>& run, const QString& stage, double fraction, std::optional<double> etaSeconds)
{
    if (!isCurrent(run))
        return;
    const qint64 now = m_nowMs();
    if (!run->m_reported || stage != run->m_stage) {
        run->m_stage = stage;
        run->m_stageStartMs = now;
        run->m_stageStartFraction = fraction;
        run->m_lastPercent = -1;
        run->m_reported = true;
    }
    const int percent = int(fraction * 100);
    if (percent == run->m_lastPercent)
        return;
    run->m_lastPercent = percent;
    JobProgress p;
    p.stage = stage;
    p.fraction = fraction;
    p.etaSeconds
        = etaSeconds ? etaSeconds : estimateSeconds(run->m_stageStartFraction, fraction, now - run->m_stageStartMs);
    Q_EMIT progress(p);
}

void Job::reportCount(const std::shared_ptr<JobRun>& run, const QString& stage, int done, int total)
{
    if (!isCurrent(run))
        return;
    const qint64 now = m_nowMs();
    const double fraction = total > 0 ? double(done) / total : 0;
    if (!run->m_reported) {
        run->m_stageStartMs = now;
        run->m_stageStartFraction = 0;
        run->m_reported = true;
    }
    // A counted run's stages are its items: one clock for all of them, each report is news.
    run->m_stage = stage;
    JobProgress p;
    p.stage = stage;
    p.fraction = fraction;
    p.done = done;
    p.total = total;
    p.etaSeconds = estimateSeconds(run->m_stageStartFraction, fraction, now - run->m_stageStartMs);
    Q_EMIT progress(p);
}

void Job::finish(const std::shared_ptr<JobRun>& run, const std::function<void()>& emitFinished)
{
    if (!isCurrent(run))
        return;
    end();
    emitFinished();
    Q_EMIT ended();
}

void Job::fail(const std::shared_ptr<JobRun>& run, Error error)
{
    if (!isCurrent(run))
        return;
    end();
    Q_EMIT failed(error);
    Q_EMIT ended();
}

void Job::deliver(const std::shared_ptr<JobRun>& run, std::function<void()> f)
{
    QMetaObject::invokeMethod(
        this,
        [this, run, f = std::move(f)] {
            if (isCurrent(run))
                f();
        },
        Qt::QueuedConnection);
}

} // namespace leakdesk
