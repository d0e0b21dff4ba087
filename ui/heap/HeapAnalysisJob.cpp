#include "ui/heap/HeapAnalysisJob.h"

#include "core/heap/HprofFile.h"

#include <QFile>
#include <QFileInfo>

namespace leakdesk::ui {

namespace {

QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

} // namespace

HeapAnalysisJob::HeapAnalysisJob(QObject* parent)
    : HeapJob(parent)
{
    qRegisterMetaType<std::shared_ptr<const heap::ClassHistogram>>();
    qRegisterMetaType<std::shared_ptr<const HeapAnalysis>>();
}

void HeapAnalysisJob::openDump(const QString& path, double maxInflateRatio)
{
    m_path = path;
    start(QFileInfo(path).fileName(),
        [this, path, maxInflateRatio](const RunPtr& run) { analyse(run, path, maxInflateRatio); });
    Q_EMIT started(path);
}

// Runs on a worker thread: only core/heap calls and deliver*(), never a member of `this`.
void HeapAnalysisJob::analyse(const RunPtr& run, const QString& path, double maxInflateRatio)
{
    heap::AnalysisProgress& progress = run->progress;
    heap::OpenOptions options;
    options.inflate.maxRatio = maxInflateRatio;
    options.progress = &progress; // Cancel stops a long inflation too
    auto opened = heap::HprofFile::open(QFile::encodeName(path).toStdString(), options);
    if (!opened) {
        if (opened.error().code == ErrorCode::LimitExceeded) {
            const QString message = qs(opened.error().message);
            deliver(run, [this, path, message] { Q_EMIT inflateLimitExceeded(path, message); });
        }
        deliverFailed(run, opened.error());
        return;
    }
    auto file = std::make_shared<const heap::HprofFile>(std::move(opened).value());

    auto histogram = heap::computeClassHistogram(*file, &progress);
    if (!histogram) {
        // A cancelled run has already said so on the GUI thread; this delivery is dropped then.
        deliverFailed(run, histogram.error());
        return;
    }
    if (histogram->damage) {
        const Error e = *histogram->damage;
        deliver(run, [this, e] {
            Q_EMIT damaged(qs(e.message),
                e.detail.empty() ? tr("The results cover what was read before that point.") : qs(e.detail));
        });
    }
    auto shallow = std::make_shared<const heap::ClassHistogram>(std::move(histogram).value());
    deliver(run, [this, shallow] { Q_EMIT histogramReady(shallow); });

    auto snapshot = heap::HeapSnapshot::load(file, &progress);
    if (!snapshot) {
        deliverFailed(run, snapshot.error());
        return;
    }
    auto dominators = heap::DominatorTree::compute(**snapshot, &progress);
    if (!dominators) {
        deliverFailed(run, dominators.error());
        return;
    }
    auto analysis = std::make_shared<HeapAnalysis>();
    analysis->path = path;
    analysis->snapshot = *snapshot;
    analysis->dominators = std::make_shared<const heap::DominatorTree>(std::move(dominators).value());
    if (progress.cancelled())
        return;
    analysis->paths = std::make_shared<const heap::GcRootPaths>(heap::GcRootPaths::compute(**snapshot, &progress));
    if (progress.cancelled())
        return;
    analysis->histogram = std::make_shared<const heap::ClassHistogram>(
        heap::classHistogram(*analysis->snapshot, analysis->dominators.get()));
    analysis->suspects = heap::findLeakSuspects(*analysis->snapshot, *analysis->dominators, *analysis->paths);
    progress.startStage(heap::AnalysisProgress::Stage::Done, 1);
    progress.advance(1);
    std::shared_ptr<const HeapAnalysis> result = std::move(analysis);
    deliver(run, [this, result] { Q_EMIT analysisReady(result); });
    deliverFinished(run);
}

} // namespace leakdesk::ui
