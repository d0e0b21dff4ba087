#pragma once
// HeapAnalysisJob: analyses one heap dump off the GUI thread in two stages, like heaptrack's
// parser: the streaming class histogram first (seconds even on gigabyte dumps, no per-object
// memory), then the snapshot, dominator tree, retained sizes, paths to GC roots and leak suspects.
// Every result is an immutable shared value; views keep it as long as they show it.

#include "ui/heap/HeapJob.h"

#include "core/heap/ClassHistogram.h"
#include "core/heap/DominatorTree.h"
#include "core/heap/GcRootPaths.h"
#include "core/heap/HeapSnapshot.h"
#include "core/heap/HprofFile.h"
#include "core/heap/LeakSuspects.h"

#include <QString>

#include <memory>
#include <vector>

namespace leakdesk::ui {

// Everything the full analysis of one dump produced. The snapshot keeps the mapped file alive, so
// descriptions and paths can be computed on demand for as long as this is held.
struct HeapAnalysis {
    QString path;
    std::shared_ptr<const heap::HeapSnapshot> snapshot;
    std::shared_ptr<const heap::DominatorTree> dominators;
    std::shared_ptr<const heap::GcRootPaths> paths;
    std::shared_ptr<const heap::ClassHistogram> histogram; // with retained bytes per class
    std::vector<heap::LeakSuspect> suspects; // largest first
};

class HeapAnalysisJob : public HeapJob {
    Q_OBJECT
public:
    explicit HeapAnalysisJob(QObject* parent = nullptr);

    // The dump of the current (or last) run.
    QString path() const { return m_path; }

public Q_SLOTS:
    // Starts analysing `path` (plain or gzip HPROF); a run still going is superseded.
    // `maxInflateRatio` caps how far a .gz may inflate (see heap::InflateLimits; 0: no cap).
    void openDump(const QString& path, double maxInflateRatio = heap::InflateLimits {}.maxRatio);

Q_SIGNALS:
    void started(const QString& path);
    // Just before failed(): the .gz inflates further than the cap allows (a gzip bomb, or a heap of
    // zeroed arrays). The view asks whether to open it again without the cap.
    void inflateLimitExceeded(const QString& path, const QString& message);
    // Stage 1: shallow sizes only (hasRetained is false).
    void histogramReady(std::shared_ptr<const leakdesk::heap::ClassHistogram> histogram);
    // Stage 2, then finished().
    void analysisReady(std::shared_ptr<const leakdesk::ui::HeapAnalysis> analysis);

private:
    void analyse(const RunPtr& run, const QString& path, double maxInflateRatio);

    QString m_path;
};

} // namespace leakdesk::ui

Q_DECLARE_METATYPE(std::shared_ptr<const leakdesk::heap::ClassHistogram>)
Q_DECLARE_METATYPE(std::shared_ptr<const leakdesk::ui::HeapAnalysis>)
