#include "ui/heap/HeapDiffJob.h"

#include "core/heap/DominatorTree.h"
#include "core/heap/HeapSnapshot.h"
#include "core/heap/HprofFile.h"

#include <QFile>
#include <QFileInfo>

namespace leakdesk::ui {

namespace {

QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

// Names which of the two dumps an error is about, so the user knows which file to fix.
Error about(const QString& path, Error e)
{
    e.message = QFileInfo(path).fileName().toStdString() + ": " + e.message;
    return e;
}

Result<std::shared_ptr<const heap::HprofFile>> openFile(const QString& path)
{
    auto f = heap::HprofFile::open(QFile::encodeName(path).toStdString());
    if (!f)
        return about(path, f.error());
    return std::make_shared<const heap::HprofFile>(std::move(f).value());
}

Result<heap::ClassHistogram> retainedHistogram(
    const std::shared_ptr<const heap::HprofFile>& file, const QString& path, heap::AnalysisProgress& progress)
{
    auto snapshot = heap::HeapSnapshot::load(file, &progress);
    if (!snapshot)
        return about(path, snapshot.error());
    auto dominators = heap::DominatorTree::compute(**snapshot, &progress);
    if (!dominators)
        return about(path, dominators.error());
    return heap::classHistogram(**snapshot, &*dominators);
}

} // namespace

HeapDiffJob::HeapDiffJob(QObject* parent)
    : HeapJob(parent)
{
    qRegisterMetaType<std::shared_ptr<const heap::HeapDiff>>();
}

void HeapDiffJob::compare(const QString& earlier, const QString& later)
{
    m_earlier = earlier;
    m_later = later;
    start(tr("%1 and %2").arg(QFileInfo(earlier).fileName(), QFileInfo(later).fileName()),
        [this, earlier, later](const RunPtr& r) { run(r, earlier, later); });
    Q_EMIT started(earlier, later);
}

// Runs on a worker thread.
void HeapDiffJob::run(const RunPtr& run, const QString& earlier, const QString& later)
{
    heap::AnalysisProgress& progress = run->progress;
    auto fail = [&](const Error& e) { deliverFailed(run, e); };
    const QString paths[2] = { earlier, later };
    std::shared_ptr<const heap::HprofFile> files[2];
    heap::ClassHistogram shallow[2];
    for (int i = 0; i < 2; ++i) {
        auto f = openFile(paths[i]);
        if (!f)
            return fail(f.error());
        files[i] = *f;
        auto h = heap::computeClassHistogram(*files[i], &progress);
        if (!h)
            return fail(about(paths[i], h.error()));
        if (h->damage) {
            const Error e = about(paths[i], *h->damage);
            deliver(run, [this, e] {
                Q_EMIT damaged(qs(e.message), tr("The comparison covers what was read before that point."));
            });
        }
        shallow[i] = std::move(h).value();
    }
    auto diff = heap::diffHistograms(shallow[0], shallow[1]);
    const auto a = files[0]->bytes();
    const auto b = files[1]->bytes();
    diff.identicalDumps = a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
    const bool identical = diff.identicalDumps;
    auto first = std::make_shared<const heap::HeapDiff>(std::move(diff));
    deliver(run, [this, first] { Q_EMIT diffReady(first); });
    if (identical) // every retained growth would be 0 too: minutes of work to say nothing
        return deliverFinished(run);

    heap::ClassHistogram retained[2];
    for (int i = 0; i < 2; ++i) {
        auto h = retainedHistogram(files[i], paths[i], progress);
        if (!h)
            return fail(h.error());
        retained[i] = std::move(h).value();
        files[i].reset(); // the snapshot is gone too: one dump's graph in memory at a time
    }
    auto full = std::make_shared<const heap::HeapDiff>(heap::diffHistograms(retained[0], retained[1]));
    deliver(run, [this, full] { Q_EMIT diffReady(full); });
    deliverFinished(run);
}

} // namespace leakdesk::ui
