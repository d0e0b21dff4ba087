#include "heap/HeapJob.h"

namespace leakdesk::ui {

HeapJob::HeapJob(QObject* parent)
    : QObject(parent)
{
    // Two workers: a superseded run may still be winding down (it stops at its next cancel check)
    // while the new one starts. The analyses themselves fan out on their own threads.
    m_pool.setMaxThreadCount(2);
    m_progressTimer.setInterval(100);
    connect(&m_progressTimer, &QTimer::timeout, this, &HeapJob::pollProgress);
}

HeapJob::~HeapJob()
{
    // Workers deliver to `this`: they must be gone before the object is.
    if (m_current)
        m_current->progress.cancel();
    m_current.reset();
    m_pool.waitForDone();
}

bool HeapJob::waitForIdle(int timeoutMs)
{
    return m_pool.waitForDone(timeoutMs);
}

void HeapJob::start(const QString& description, std::function<void(const RunPtr&)> work)
{
    if (m_current)
        m_current->progress.cancel(); // superseded: stop wasting cores on it
    auto run = std::make_shared<Run>();
    run->serial = m_nextSerial++;
    run->description = description;
    run->progress.threads = m_threads;
    m_current = run;
    m_cancelled = false;
    m_lastStage = -1;
    m_lastPercent = -1;
    m_progressTimer.start();
    m_pool.start([run, work = std::move(work)] { work(run); });
}

void HeapJob::deliver(const RunPtr& run, std::function<void()> f)
{
    QMetaObject::invokeMethod(
        this,
        [this, run, f = std::move(f)] {
            if (run == m_current)
                f();
        },
        Qt::QueuedConnection);
}

void HeapJob::deliverFinished(const RunPtr& run)
{
    deliver(run, [this] {
        pollProgress(); // the last stage's 100 %
        end();
        Q_EMIT finished();
    });
}

void HeapJob::deliverFailed(const RunPtr& run, const QString& message, const QString& hint)
{
    deliver(run, [this, message, hint] {
        end();
        Q_EMIT failed(message, hint);
    });
}

void HeapJob::cancel()
{
    if (!m_current)
        return;
    m_current->progress.cancel();
    const QString what = m_current->description;
    end();
    m_cancelled = true;
    Q_EMIT failed(tr("The analysis of %1 was cancelled.").arg(what),
        tr("Everything shown so far stays; open the dump again for the full analysis."));
}

void HeapJob::end()
{
    m_current.reset();
    m_progressTimer.stop();
}

void HeapJob::pollProgress()
{
    if (!m_current)
        return;
    const auto stage = m_current->progress.stage();
    const double fraction = m_current->progress.fraction();
    const int percent = int(fraction * 100);
    if (int(stage) == m_lastStage && percent == m_lastPercent)
        return;
    m_lastStage = int(stage);
    m_lastPercent = percent;
    Q_EMIT progress(QString::fromLatin1(heap::stageName(stage)), fraction);
}

} // namespace leakdesk::ui
