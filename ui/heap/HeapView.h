#pragma once
// The Heap view (runbook step 3, "analyse the dump"): a dump's class histogram (sortable,
// filterable) with a bar chart of the top classes, its dominator tree, the leak suspects with the
// selected suspect's path to a GC root, and the diff against an earlier dump. Analysis runs as a
// HeapAnalysisJob: the histogram appears first, the dominator tree and suspects when ready.
// The view only shows what the jobs and models give it; it computes nothing itself.

#include "core/heap/HeapDiff.h"
#include "ui/heap/HeapAnalysisJob.h"

#include <QWidget>

#include <functional>
#include <memory>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QLabel;
class QLineEdit;
class QModelIndex;
class QPushButton;
class QSortFilterProxyModel;
class QTabWidget;
class QTableView;
class QTreeView;
QT_END_NAMESPACE

namespace leakdesk::ui {

class DiffModel;
class DominatorTreeModel;
class GcRootPathModel;
class HeapDiffJob;
class HistogramModel;
class JobProgressBar;
class ObjectInspectorModel;
class SuspectsModel;
class TopClassesChart;

class HeapView : public QWidget {
    Q_OBJECT
public:
    enum class Page { Histogram, DominatorTree, Suspects, Diff };

    explicit HeapView(QWidget* parent = nullptr);
    ~HeapView() override;

    // The dump shown (or being opened); empty before the first openDump().
    QString dumpPath() const { return m_path; }
    // An analysis or a comparison is running.
    bool isBusy() const;
    // What is shown: the histogram (shallow, then with retained sizes) and the full analysis.
    std::shared_ptr<const heap::ClassHistogram> histogram() const;
    std::shared_ptr<const HeapAnalysis> analysis() const;
    std::shared_ptr<const heap::HeapDiff> diff() const;
    // The error or warning banner's text; empty when it is hidden.
    QString bannerText() const;

    void showPage(Page page);
    Page currentPage() const;
    bool isPageEnabled(Page page) const;

    HeapAnalysisJob* analysisJob() const { return m_job; }
    HeapDiffJob* diffJob() const { return m_diffJob; }
    HistogramModel* histogramModel() const { return m_histogramModel; }
    DominatorTreeModel* dominatorTreeModel() const { return m_dominatorModel; }
    SuspectsModel* suspectsModel() const { return m_suspectsModel; }
    GcRootPathModel* pathModel() const { return m_pathModel; }
    DiffModel* diffModel() const { return m_diffModel; }
    ObjectInspectorModel* inspectorModel() const { return m_inspectorModel; }
    TopClassesChart* topClassesChart() const { return m_chart; }

    // Asked when a .gz inflates further than the ratio cap: open it again without the cap? The
    // default shows a QMessageBox; tests replace it.
    using InflateConfirmer = std::function<bool(const QString& path, const QString& message)>;
    void setInflateConfirmer(InflateConfirmer confirm) { m_confirmInflate = std::move(confirm); }

public Q_SLOTS:
    // Analyses `path` (.hprof or .hprof.gz) and shows it; a dump still being analysed is dropped.
    void openDump(const QString& path);
    // Compares two dumps of the same service (earlier first) in the Diff page, which it enables.
    void openDiff(const QString& earlier, const QString& later);
    // Stops the running analysis and comparison; what is shown stays.
    void cancel();
    // Shows the path from a GC root of the suspect in `row` of the suspects model.
    void selectSuspect(int row);
    // Shows `object` (an index of the analysed snapshot) in the dominator tree: the tab, its
    // dominators expanded, the row selected and its fields in the inspector. False when the object
    // is not in the tree (unreachable) or nothing is analysed yet.
    bool revealInDominatorTree(std::uint32_t object);
    // MAT's "Group by class" in the dominator tree (the check box above it).
    void setGroupByClass(bool grouped);

Q_SIGNALS:
    // The dump could be read: its histogram is shown (the full analysis may still be running).
    void dumpOpened(const QString& path);
    // The full analysis (dominator tree, retained sizes, suspects) of the current dump is shown.
    void analysisFinished();
    // Opening or analysing the current dump failed or was cancelled; the banner shows the same text.
    void analysisFailed(const QString& message, const QString& hint);
    // Both stages of the comparison are shown.
    void diffFinished();

private:
    enum class BannerKind { Error, Warning, Info };
    QWidget* buildHistogramPage();
    QWidget* buildDominatorPage();
    QWidget* buildSuspectsPage();
    QWidget* buildDiffPage();
    void showBanner(BannerKind kind, const QString& message, const QString& hint);
    void hideBanner();
    void onHistogram(std::shared_ptr<const heap::ClassHistogram> histogram);
    void onAnalysis(std::shared_ptr<const HeapAnalysis> analysis);
    void updateSummary();
    void updateFilterCount();
    void setPageEnabled(Page page, bool enabled, const QString& why = {});
    void inspect(const QModelIndex& treeIndex);
    void revealSelectedPathStep();

    void openDumpWithRatio(const QString& path, double maxInflateRatio);

    HeapAnalysisJob* m_job;
    HeapDiffJob* m_diffJob;
    InflateConfirmer m_confirmInflate;
    QString m_limitExceededPath; // its run is about to fail over the ratio cap: ask, then maybe reopen
    QString m_limitExceededMessage;
    QString m_path;
    std::shared_ptr<const heap::ClassHistogram> m_histogram;
    std::shared_ptr<const HeapAnalysis> m_analysis;

    QLabel* m_title = nullptr;
    QLabel* m_summary = nullptr;
    QLabel* m_banner = nullptr;
    JobProgressBar* m_progress = nullptr;
    QTabWidget* m_tabs = nullptr;

    HistogramModel* m_histogramModel = nullptr;
    QSortFilterProxyModel* m_histogramProxy = nullptr;
    QLineEdit* m_filter = nullptr;
    QLabel* m_filterCount = nullptr;
    QTableView* m_histogramView = nullptr;
    TopClassesChart* m_chart = nullptr;

    DominatorTreeModel* m_dominatorModel = nullptr;
    QTreeView* m_dominatorView = nullptr;
    QCheckBox* m_groupByClass = nullptr;
    ObjectInspectorModel* m_inspectorModel = nullptr;
    QTableView* m_inspectorView = nullptr;
    QLabel* m_inspectorTitle = nullptr;

    SuspectsModel* m_suspectsModel = nullptr;
    QTableView* m_suspectsView = nullptr;
    GcRootPathModel* m_pathModel = nullptr;
    QTableView* m_pathView = nullptr;
    QLabel* m_pathTitle = nullptr;
    QPushButton* m_revealButton = nullptr;

    DiffModel* m_diffModel = nullptr;
    QSortFilterProxyModel* m_diffProxy = nullptr;
    QTableView* m_diffView = nullptr;
    QLabel* m_diffTitle = nullptr;
    JobProgressBar* m_diffProgress = nullptr;
};

} // namespace leakdesk::ui
