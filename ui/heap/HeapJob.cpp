#include "ui/heap/HeapJob.h"

namespace leakdesk::ui {

HeapJob::HeapJob(QObject* parent)
    : Job(parent)
{
    // Two workers: a superseded run may still be winding down (it stops at its next cancel check)
    // while the new one starts. The analyses themselves fan out on their own threads.
    m_pool.setMaxThreadCount(2);
    m_progressTimer.setInterval(100);
    connect(&m_progressTimer, &QTimer::timeout, this, &HeapJob::pollProgress);
    connect(this, &Job::ended, &m_progressTimer, &QTimer::stop);
}

HeapJob::~HeapJob()
{
    // Workers deliver to `this`: they must be gone before the object is.
    abandon();
    m_pool.waitForDone();
}

bool HeapJob::waitForIdle(int timeoutMs)
{
    return m_pool.waitForDone(timeoutMs);
}

void HeapJob::start(const QString& description, std::function<void(const RunPtr&)> work)
{
    auto run = begin<Run>(description);
    run->progress.threads = m_threads;
    m_progressTimer.start();
    m_pool.start([run, work = std::move(work)] { work(run); });
}

void HeapJob::deliverFinished(const RunPtr& run)
{
    deliver(run, [this, run] {
        pollProgress(); // the last stage's 100 %
        finish(run, [this] { Q_EMIT finished(); });
    });
}

void HeapJob::deliverFailed(const RunPtr& run, const Error& error)
{
    deliver(run, [this, run, error] { fail(run, error); });
}

Error HeapJob::cancelledError(const JobRun& run) const
{
    return makeError(ErrorCode::Cancelled, tr("The analysis of %1 was cancelled.").arg(run.description()).toStdString(),
        tr("Everything shown so far stays; open the dump again for the full analysis.").toStdString());
}

void HeapJob::pollProgress()
{
    const auto run = std::static_pointer_cast<Run>(currentRun());
    if (!run)
        return;
    const auto stage = run->progress.stage();
    reportProgress(run, QString::fromLatin1(heap::stageName(stage)), run->progress.fraction());
}

} // namespace leakdesk::ui
