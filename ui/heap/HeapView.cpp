#include "ui/heap/HeapView.h"

#include "ui/heap/ByteText.h"
#include "ui/heap/DiffModel.h"
#include "ui/heap/DominatorTreeModel.h"
#include "ui/heap/HeapDiffJob.h"
#include "ui/heap/HistogramModel.h"
#include "ui/heap/JobProgressBar.h"
#include "ui/heap/ObjectInspectorModel.h"
#include "ui/heap/SuspectsModel.h"
#include "ui/heap/TopClassesChart.h"

#include <QCheckBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>

#include <utility>

namespace leakdesk::ui {

namespace {

void setUpTable(QTableView* view)
{
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setAlternatingRowColors(true);
    view->setWordWrap(false);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->verticalHeader()->hide(); // row numbers of a sorted, filtered table mean nothing
    view->horizontalHeader()->setHighlightSections(false);
}

QLabel* sectionTitle(const QString& text, QWidget* parent)
{
    auto* label = new QLabel(text, parent);
    QFont f = label->font();
    f.setBold(true);
    label->setFont(f);
    return label;
}

} // namespace

HeapView::HeapView(QWidget* parent)
    : QWidget(parent)
    , m_job(new HeapAnalysisJob(this))
    , m_diffJob(new HeapDiffJob(this))
{
    m_title = new QLabel(tr("No heap dump open"), this);
    m_title->setObjectName(QStringLiteral("heapTitle"));
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.15);
    m_title->setFont(titleFont);
    m_summary = new QLabel(tr("Open a .hprof or .hprof.gz file (jcmd <pid> GC.heap_dump) to analyse it."), this);
    m_summary->setObjectName(QStringLiteral("heapSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_progress = new JobProgressBar(m_job, this);
    m_progress->setObjectName(QStringLiteral("heapProgress"));
    m_banner = new QLabel(this);
    m_banner->setObjectName(QStringLiteral("heapBanner"));
    m_banner->setWordWrap(true);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_banner->setContentsMargins(8, 6, 8, 6);
    m_banner->hide();

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("heapTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(buildHistogramPage(), tr("Histogram"));
    m_tabs->addTab(buildDominatorPage(), tr("Dominator tree"));
    m_tabs->addTab(buildSuspectsPage(), tr("Leak suspects"));
    m_tabs->addTab(buildDiffPage(), tr("Diff"));
    setPageEnabled(Page::DominatorTree, false, tr("Available when the dominator tree has been computed"));
    setPageEnabled(Page::Suspects, false, tr("Available when the dominator tree has been computed"));
    setPageEnabled(Page::Diff, false, tr("Compare this dump with an earlier one of the same service"));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(m_title);
    layout->addWidget(m_summary);
    layout->addWidget(m_progress);
    layout->addWidget(m_banner);
    layout->addWidget(m_tabs, 1);

    connect(m_job, &HeapAnalysisJob::histogramReady, this, &HeapView::onHistogram);
    connect(m_job, &HeapAnalysisJob::analysisReady, this, &HeapView::onAnalysis);
    connect(m_job, &HeapJob::damaged, this, [this](const QString& message, const QString& hint) {
        showBanner(BannerKind::Warning, tr("The dump is damaged: %1").arg(message), hint);
    });
    connect(m_job, &HeapJob::finished, this, [this] {
        updateSummary();
        Q_EMIT analysisFinished();
    });
    connect(m_job, &HeapAnalysisJob::inflateLimitExceeded, this, [this](const QString& path, const QString& message) {
        m_limitExceededPath = path;
        m_limitExceededMessage = message;
    });
    connect(m_job, &Job::failed, this, [this](const Error& error) {
        const QString message = QString::fromStdString(error.message);
        const QString hint = QString::fromStdString(error.detail);
        showBanner(m_job->wasCancelled() ? BannerKind::Info : BannerKind::Error, message, hint);
        if (!m_histogram && !m_job->wasCancelled())
            m_title->setText(tr("Could not open %1").arg(QFileInfo(m_path).fileName()));
        Q_EMIT analysisFailed(message, hint);
        const QString path = std::exchange(m_limitExceededPath, QString());
        const QString limitMessage = std::exchange(m_limitExceededMessage, QString());
        if (path.isEmpty() || path != m_path)
            return;
        // Asked after the run has ended (never from inside its failed()), and only if the user has
        // not opened something else meanwhile.
        QTimer::singleShot(0, this, [this, path, limitMessage] {
            if (m_path == path && !m_job->isRunning() && m_confirmInflate && m_confirmInflate(path, limitMessage))
                openDumpWithRatio(path, 0);
        });
    });
    m_confirmInflate = [this](const QString& path, const QString& message) {
        QMessageBox box(QMessageBox::Warning, tr("Open %1?").arg(QFileInfo(path).fileName()),
            tr("This dump inflates much further than heap dumps do."), QMessageBox::Cancel, this);
        box.setInformativeText(tr("%1\n\nA file made to fill the disk (a gzip bomb) looks like this; a heap made "
                                  "mostly of zeroed arrays can too. Open it anyway, without the limit? LeakDesk still "
                                  "stops if free space in the temporary directory runs low.")
                                   .arg(message));
        auto* open = box.addButton(tr("Open anyway"), QMessageBox::AcceptRole);
        box.setDefaultButton(QMessageBox::Cancel);
        box.exec();
        return box.clickedButton() == open;
    };

    connect(m_diffJob, &HeapDiffJob::diffReady, this, [this](std::shared_ptr<const heap::HeapDiff> diff) {
        const bool first = !m_diffModel->diff();
        m_diffModel->setDiff(std::move(diff));
        m_diffView->setColumnHidden(DiffModel::RetainedBefore, !m_diffModel->hasRetained());
        m_diffView->setColumnHidden(DiffModel::RetainedAfter, !m_diffModel->hasRetained());
        m_diffView->setColumnHidden(DiffModel::RetainedGrowth, !m_diffModel->hasRetained());
        // What grows is the leak: once retained sizes are in, the largest retained growth comes
        // first (what MAT's comparison ranks by), unless the user sorted by another column.
        if (m_diffModel->hasRetained()
            && m_diffView->horizontalHeader()->sortIndicatorSection() == DiffModel::ShallowGrowth)
            m_diffView->sortByColumn(DiffModel::RetainedGrowth, Qt::DescendingOrder);
        m_diffView->resizeColumnsToContents();
        if (m_diffModel->diff()->identicalDumps)
            showBanner(BannerKind::Warning,
                tr("The two dumps are the same bytes: every growth below is 0 because the same heap was compared "
                   "with itself, not because nothing grew."),
                tr("Capture a later dump (minutes apart, from the same pod) to see what grows; two captures with the "
                   "same SHA-256 are one dump."));
        setPageEnabled(Page::Diff, true);
        if (first)
            showPage(Page::Diff);
    });
    connect(m_diffJob, &HeapJob::damaged, this, [this](const QString& message, const QString& hint) {
        showBanner(BannerKind::Warning, tr("A dump of the comparison is damaged: %1").arg(message), hint);
    });
    connect(m_diffJob, &Job::failed, this, [this](const Error& error) {
        showBanner(m_diffJob->wasCancelled() ? BannerKind::Info : BannerKind::Error,
            tr("Comparison failed: %1").arg(QString::fromStdString(error.message)),
            QString::fromStdString(error.detail));
    });
    connect(m_diffJob, &HeapJob::finished, this, &HeapView::diffFinished);
}

HeapView::~HeapView() = default;

QWidget* HeapView::buildHistogramPage()
{
    auto* page = new QSplitter(Qt::Horizontal);
    auto* left = new QWidget(page);
    m_filter = new QLineEdit(left);
    m_filter->setObjectName(QStringLiteral("histogramFilter"));
    m_filter->setPlaceholderText(tr("Filter classes (e.g. HashMap, byte[], com.example)"));
    m_filter->setClearButtonEnabled(true);
    m_filterCount = new QLabel(left);
    m_filterCount->setObjectName(QStringLiteral("histogramFilterCount"));
    m_histogramModel = new HistogramModel(this);
    m_histogramProxy = new QSortFilterProxyModel(this);
    m_histogramProxy->setSourceModel(m_histogramModel);
    m_histogramProxy->setSortRole(HistogramModel::SortRole);
    m_histogramProxy->setFilterKeyColumn(HistogramModel::ClassName);
    m_histogramProxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_histogramView = new QTableView(left);
    m_histogramView->setObjectName(QStringLiteral("histogramView"));
    setUpTable(m_histogramView);
    m_histogramView->setModel(m_histogramProxy);
    m_histogramView->setSortingEnabled(true);
    m_histogramView->sortByColumn(HistogramModel::ShallowBytes, Qt::DescendingOrder);
    m_histogramView->horizontalHeader()->setSectionResizeMode(HistogramModel::ClassName, QHeaderView::Stretch);
    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString& text) {
        m_histogramProxy->setFilterFixedString(text.trimmed());
        updateFilterCount();
    });
    auto* filterRow = new QHBoxLayout;
    filterRow->addWidget(m_filter, 1);
    filterRow->addWidget(m_filterCount);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 4, 0, 0);
    leftLayout->addLayout(filterRow);
    leftLayout->addWidget(m_histogramView, 1);

    m_chart = new TopClassesChart(page);
    m_chart->setObjectName(QStringLiteral("topClassesChart"));
    page->addWidget(left);
    page->addWidget(m_chart);
    page->setStretchFactor(0, 3);
    page->setStretchFactor(1, 2);
    page->setSizes({ 900, 560 }); // the chart needs room for class names and values
    return page;
}

QWidget* HeapView::buildDominatorPage()
{
    auto* page = new QSplitter(Qt::Vertical);
    auto* upper = new QWidget(page);
    m_groupByClass = new QCheckBox(tr("&Group by class"), upper);
    m_groupByClass->setObjectName(QStringLiteral("groupByClassBox"));
    m_groupByClass->setToolTip(tr("One row per class at every level, with the objects of that class below it: "
                                  "thousands of alike objects become one row"));
    m_dominatorModel = new DominatorTreeModel(this);
    m_dominatorView = new QTreeView(upper);
    m_dominatorView->setObjectName(QStringLiteral("dominatorView"));
    m_dominatorView->setModel(m_dominatorModel);
    m_dominatorView->setUniformRowHeights(true); // millions of rows may be fetched by scrolling
    m_dominatorView->setAlternatingRowColors(true);
    m_dominatorView->header()->setStretchLastSection(false);
    m_dominatorView->header()->setSectionResizeMode(DominatorTreeModel::Object, QHeaderView::Stretch);
    m_dominatorView->setToolTip(
        tr("Each object keeps the objects below it alive on its own; largest retained size first."));
    connect(m_dominatorView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
        [this](const QModelIndex& current) { inspect(current); });
    connect(m_groupByClass, &QCheckBox::toggled, this, &HeapView::setGroupByClass);
    auto* upperLayout = new QVBoxLayout(upper);
    upperLayout->setContentsMargins(0, 0, 0, 0);
    upperLayout->addWidget(m_groupByClass);
    upperLayout->addWidget(m_dominatorView, 1);

    // The inspector: what the selected object holds (what is in the HashMap's entries?).
    auto* lower = new QWidget(page);
    m_inspectorTitle = sectionTitle(tr("Object inspector"), lower);
    m_inspectorTitle->setObjectName(QStringLiteral("inspectorTitle"));
    m_inspectorTitle->setWordWrap(true);
    m_inspectorModel = new ObjectInspectorModel(this);
    m_inspectorView = new QTableView(lower);
    m_inspectorView->setObjectName(QStringLiteral("inspectorView"));
    setUpTable(m_inspectorView);
    m_inspectorView->setModel(m_inspectorModel);
    m_inspectorView->verticalHeader()->hide();
    m_inspectorView->horizontalHeader()->setSectionResizeMode(ObjectInspectorModel::Value, QHeaderView::Stretch);
    m_inspectorView->setToolTip(tr("Double-click a reference to go to its object in the tree."));
    connect(m_inspectorView, &QTableView::activated, this, [this](const QModelIndex& index) {
        const QVariant target = index.data(ObjectInspectorModel::TargetRole);
        if (target.isValid())
            revealInDominatorTree(target.toUInt());
    });
    auto* lowerLayout = new QVBoxLayout(lower);
    lowerLayout->setContentsMargins(0, 4, 0, 0);
    lowerLayout->addWidget(m_inspectorTitle);
    lowerLayout->addWidget(m_inspectorView, 1);
    page->addWidget(upper);
    page->addWidget(lower);
    page->setStretchFactor(0, 3);
    page->setStretchFactor(1, 2);
    return page;
}

void HeapView::setGroupByClass(bool grouped)
{
    if (m_groupByClass->isChecked() != grouped)
        m_groupByClass->setChecked(grouped); // comes back here through toggled
    if (m_dominatorModel->groupByClass() == grouped)
        return;
    // The object selected stays selected, in the new rows.
    const QVariant selected = m_dominatorView->currentIndex().data(DominatorTreeModel::ObjectIndexRole);
    m_dominatorModel->setGroupByClass(grouped);
    m_dominatorModel->fetchMore({});
    if (!selected.isValid() || !revealInDominatorTree(selected.toUInt())) {
        m_dominatorView->setCurrentIndex(m_dominatorModel->index(0, 0));
        inspect(m_dominatorView->currentIndex());
    }
}

void HeapView::inspect(const QModelIndex& treeIndex)
{
    if (treeIndex.isValid() && !treeIndex.data(DominatorTreeModel::ObjectIndexRole).isValid()) {
        // A class group: the inspector lists one object's fields, the group row says the rest.
        m_inspectorModel->clear();
        m_inspectorTitle->setText(
            tr("Object inspector: %1 — select one of its objects").arg(treeIndex.siblingAtColumn(0).data().toString()));
        return;
    }
    if (!treeIndex.isValid() || !m_analysis) {
        m_inspectorModel->clear();
        m_inspectorTitle->setText(tr("Object inspector: select an object in the tree"));
        return;
    }
    m_inspectorModel->inspect(m_analysis, treeIndex.data(DominatorTreeModel::ObjectIndexRole).toUInt());
    QString title = tr("Object inspector: %1").arg(m_inspectorModel->title());
    if (m_inspectorModel->omitted() > 0)
        title += tr(" (%n more element(s) not listed)", nullptr, int(m_inspectorModel->omitted()));
    m_inspectorTitle->setText(title);
    m_inspectorView->resizeColumnToContents(ObjectInspectorModel::Field);
    m_inspectorView->resizeColumnToContents(ObjectInspectorModel::Type);
    m_inspectorView->resizeColumnToContents(ObjectInspectorModel::Retained);
}

bool HeapView::revealInDominatorTree(std::uint32_t object)
{
    if (!m_analysis || !isPageEnabled(Page::DominatorTree))
        return false;
    const QModelIndex index = m_dominatorModel->indexOfObject(object);
    if (!index.isValid())
        return false;
    showPage(Page::DominatorTree);
    for (QModelIndex p = index.parent(); p.isValid(); p = p.parent())
        m_dominatorView->expand(p);
    m_dominatorView->setCurrentIndex(index);
    m_dominatorView->scrollTo(index, QAbstractItemView::PositionAtCenter);
    return true;
}

void HeapView::revealSelectedPathStep()
{
    // The selected step of the path, else its last one: the suspect's own object.
    QModelIndex step = m_pathView->currentIndex();
    if (!step.isValid())
        step = m_pathModel->index(m_pathModel->rowCount() - 1, 0);
    if (step.isValid())
        revealInDominatorTree(step.siblingAtColumn(0).data(GcRootPathModel::ObjectIndexRole).toUInt());
}

QWidget* HeapView::buildSuspectsPage()
{
    auto* page = new QSplitter(Qt::Vertical);
    m_suspectsModel = new SuspectsModel(this);
    m_suspectsView = new QTableView(page);
    m_suspectsView->setObjectName(QStringLiteral("suspectsView"));
    setUpTable(m_suspectsView);
    m_suspectsView->setModel(m_suspectsModel);
    m_suspectsView->horizontalHeader()->setStretchLastSection(true);
    connect(m_suspectsView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
        [this](const QModelIndex& current) { selectSuspect(current.row()); });

    auto* lower = new QWidget(page);
    m_pathTitle = sectionTitle(tr("Path from a GC root"), lower);
    {
        // Carries the selected suspect's explanation, which may be long: plain weight, wrapped.
        QFont f = m_pathTitle->font();
        f.setBold(false);
        m_pathTitle->setFont(f);
        m_pathTitle->setWordWrap(true);
        m_pathTitle->setTextFormat(Qt::RichText);
    }
    m_pathModel = new GcRootPathModel(this);
    m_pathView = new QTableView(lower);
    m_pathView->setObjectName(QStringLiteral("pathView"));
    setUpTable(m_pathView);
    m_pathView->setModel(m_pathModel);
    m_pathView->verticalHeader()->hide();
    m_pathView->horizontalHeader()->setStretchLastSection(true);
    // From why it is alive (the path) to what it keeps alive (the tree), as MAT's "show in tree".
    connect(m_pathView, &QTableView::activated, this, [this] { revealSelectedPathStep(); });
    m_revealButton = new QPushButton(tr("Show in dominator tree"), lower);
    m_revealButton->setObjectName(QStringLiteral("revealInTreeButton"));
    m_revealButton->setToolTip(tr("Go to the selected step of the path (or the suspect itself) in the dominator "
                                  "tree, with the objects it keeps alive below it"));
    connect(m_revealButton, &QPushButton::clicked, this, [this] { revealSelectedPathStep(); });
    auto* lowerLayout = new QVBoxLayout(lower);
    lowerLayout->setContentsMargins(0, 4, 0, 0);
    lowerLayout->addWidget(m_pathTitle);
    lowerLayout->addWidget(m_pathView, 1);
    lowerLayout->addWidget(m_revealButton, 0, Qt::AlignLeft);
    page->addWidget(m_suspectsView);
    page->addWidget(lower);
    page->setStretchFactor(0, 1);
    page->setStretchFactor(1, 1);
    return page;
}

QWidget* HeapView::buildDiffPage()
{
    auto* page = new QWidget;
    m_diffTitle = sectionTitle(QString(), page);
    m_diffTitle->setObjectName(QStringLiteral("diffTitle"));
    m_diffProgress = new JobProgressBar(m_diffJob, page);
    m_diffProgress->setObjectName(QStringLiteral("diffProgress"));
    m_diffModel = new DiffModel(this);
    m_diffProxy = new QSortFilterProxyModel(this);
    m_diffProxy->setSourceModel(m_diffModel);
    m_diffProxy->setSortRole(DiffModel::SortRole);
    m_diffView = new QTableView(page);
    m_diffView->setObjectName(QStringLiteral("diffView"));
    setUpTable(m_diffView);
    m_diffView->setModel(m_diffProxy);
    m_diffView->setSortingEnabled(true);
    m_diffView->sortByColumn(DiffModel::ShallowGrowth, Qt::DescendingOrder);
    auto* layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 4, 0, 0);
    layout->addWidget(m_diffTitle);
    layout->addWidget(m_diffProgress);
    layout->addWidget(m_diffView, 1);
    return page;
}

bool HeapView::isBusy() const
{
    return m_job->isRunning() || m_diffJob->isRunning();
}

std::shared_ptr<const heap::ClassHistogram> HeapView::histogram() const
{
    return m_histogram;
}

std::shared_ptr<const HeapAnalysis> HeapView::analysis() const
{
    return m_analysis;
}

std::shared_ptr<const heap::HeapDiff> HeapView::diff() const
{
    return m_diffModel->diff();
}

QString HeapView::bannerText() const
{
    return m_banner->isHidden() ? QString() : m_banner->text();
}

void HeapView::showPage(Page page)
{
    m_tabs->setCurrentIndex(int(page));
}

HeapView::Page HeapView::currentPage() const
{
    return Page(m_tabs->currentIndex());
}

bool HeapView::isPageEnabled(Page page) const
{
    return m_tabs->isTabEnabled(int(page));
}

void HeapView::setPageEnabled(Page page, bool enabled, const QString& why)
{
    m_tabs->setTabEnabled(int(page), enabled);
    m_tabs->setTabToolTip(int(page), enabled ? QString() : why);
}

void HeapView::openDump(const QString& path)
{
    openDumpWithRatio(path, heap::InflateLimits {}.maxRatio);
}

void HeapView::openDumpWithRatio(const QString& path, double maxInflateRatio)
{
    m_path = path;
    m_limitExceededPath.clear();
    m_histogram.reset();
    m_analysis.reset();
    m_histogramModel->setHistogram(nullptr);
    m_chart->clear();
    m_dominatorModel->setAnalysis(nullptr);
    m_inspectorModel->clear();
    m_suspectsModel->setAnalysis(nullptr);
    m_pathModel->clear();
    hideBanner();
    setPageEnabled(Page::DominatorTree, false, tr("Available when the dominator tree has been computed"));
    setPageEnabled(Page::Suspects, false, tr("Available when the dominator tree has been computed"));
    if (currentPage() != Page::Diff)
        showPage(Page::Histogram);
    m_title->setText(QFileInfo(path).fileName());
    m_title->setToolTip(path);
    m_summary->setText(tr("Reading %1…").arg(path));
    m_job->openDump(path, maxInflateRatio);
    m_progress->jobStarted(QFileInfo(path).fileName());
}

void HeapView::openDiff(const QString& earlier, const QString& later)
{
    hideBanner(); // what was said of the last comparison does not hold for this one
    m_diffModel->setDiff(nullptr);
    m_diffTitle->setText(
        tr("Growth per class from %1 to %2").arg(QFileInfo(earlier).fileName(), QFileInfo(later).fileName()));
    m_diffTitle->setToolTip(tr("%1 → %2").arg(earlier, later));
    m_diffJob->compare(earlier, later);
    m_diffProgress->jobStarted(tr("comparing"));
}

void HeapView::cancel()
{
    m_job->cancel();
    m_diffJob->cancel();
}

void HeapView::onHistogram(std::shared_ptr<const heap::ClassHistogram> histogram)
{
    m_histogram = std::move(histogram);
    m_histogramModel->setHistogram(m_histogram);
    m_chart->setHistogram(m_histogram);
    m_histogramView->resizeColumnToContents(HistogramModel::Instances);
    m_histogramView->resizeColumnToContents(HistogramModel::ShallowBytes);
    updateSummary();
    updateFilterCount();
    Q_EMIT dumpOpened(m_path);
}

void HeapView::onAnalysis(std::shared_ptr<const HeapAnalysis> analysis)
{
    m_analysis = std::move(analysis);
    m_histogram = m_analysis->histogram;
    const auto* header = m_histogramView->horizontalHeader();
    const bool defaultSort = header->sortIndicatorSection() == HistogramModel::ShallowBytes;
    m_histogramModel->setHistogram(m_histogram);
    if (defaultSort)
        m_histogramView->sortByColumn(HistogramModel::RetainedBytes, Qt::DescendingOrder);
    m_histogramView->resizeColumnToContents(HistogramModel::RetainedBytes);
    m_chart->setHistogram(m_histogram);

    m_dominatorModel->setAnalysis(m_analysis);
    m_dominatorModel->fetchMore({});
    const QModelIndex top = m_dominatorModel->index(0, 0);
    if (top.isValid()) {
        m_dominatorModel->fetchMore(top);
        m_dominatorView->expand(top);
    }
    m_dominatorView->setCurrentIndex(top); // the inspector shows the largest object's fields
    inspect(top);
    for (int c = 1; c < DominatorTreeModel::ColumnCount; ++c)
        m_dominatorView->resizeColumnToContents(c);

    m_suspectsModel->setAnalysis(m_analysis);
    m_suspectsView->resizeColumnsToContents();
    if (m_suspectsModel->rowCount() > 0)
        m_suspectsView->selectRow(0);
    else
        selectSuspect(-1);
    setPageEnabled(Page::DominatorTree, true);
    setPageEnabled(Page::Suspects, true);
    updateFilterCount();
}

void HeapView::selectSuspect(int row)
{
    const heap::LeakSuspect* s = m_suspectsModel->suspectAt(row);
    m_revealButton->setEnabled(s != nullptr);
    if (!s) {
        m_pathModel->clear();
        m_pathTitle->setText(m_analysis && m_analysis->suspects.empty()
                ? tr("<b>No leak suspects</b>: nothing retains a large share of the heap.")
                : tr("<b>Path from a GC root</b>"));
        return;
    }
    if (m_suspectsView->currentIndex().row() != row)
        m_suspectsView->selectRow(row);
    m_pathModel->setPath(m_analysis, s->pathToRoot);
    // The suspect's explanation in full (the table cuts it), then what the path shows.
    m_pathTitle->setText(tr("%1<br><b>Why %2 is still alive</b>: path from a GC root (%3 retained)")
                             .arg(QString::fromStdString(s->explanation).toHtmlEscaped(),
                                 QString::fromStdString(s->className).toHtmlEscaped(), byteText(s->retainedBytes)));
    m_pathView->resizeColumnToContents(GcRootPathModel::Step);
    m_pathView->resizeColumnToContents(GcRootPathModel::Reference);
}

void HeapView::updateSummary()
{
    if (!m_histogram)
        return;
    const QLocale locale;
    const heap::ClassHistogram& h = *m_histogram;
    QString text = tr("%1 objects in %2 classes, %3 shallow; %4")
                       .arg(locale.toString(qulonglong(h.totalInstances)), locale.toString(qulonglong(h.rows.size())),
                           byteText(h.totalShallowBytes), QString::fromStdString(h.layout.describe()));
    if (m_analysis && m_analysis->dominators) {
        const auto& d = *m_analysis->dominators;
        text += tr(" · %1 reachable from GC roots in %2 objects · %n leak suspect(s)", nullptr,
            int(m_analysis->suspects.size()))
                    .arg(byteText(d.reachableBytes()), locale.toString(qulonglong(d.reachableObjects())));
    } else if (m_job->isRunning()) {
        text += tr(" · computing the dominator tree…");
    }
    m_summary->setText(text);
}

void HeapView::updateFilterCount()
{
    const int all = m_histogramModel->rowCount();
    const int shown = m_histogramProxy->rowCount();
    m_filterCount->setText(
        shown == all ? tr("%n class(es)", nullptr, all) : tr("%1 of %2 classes").arg(shown).arg(all));
}

void HeapView::showBanner(BannerKind kind, const QString& message, const QString& hint)
{
    static const char* const styles[] = {
        "QLabel { background: #fbe3e1; color: #6b1010; border: 1px solid #d9a3a0; border-radius: 3px; }",
        "QLabel { background: #fff3d6; color: #5c4200; border: 1px solid #e0c27a; border-radius: 3px; }",
        "QLabel { background: #e6eef8; color: #1d3b5c; border: 1px solid #a9c0dc; border-radius: 3px; }",
    };
    m_banner->setStyleSheet(QString::fromLatin1(styles[int(kind)]));
    m_banner->setText(hint.isEmpty() ? message : message + QLatin1Char('\n') + hint);
    m_banner->show();
}

void HeapView::hideBanner()
{
    m_banner->clear();
    m_banner->hide();
}

} // namespace leakdesk::ui
