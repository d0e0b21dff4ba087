#include "ui/radar/RadarPage.h"

#include "core/radar/LeakRadar.h"
#include "ui/heap/JobProgressBar.h"
#include "ui/investigation/InvestigationController.h"
#include "ui/radar/RadarFilterModel.h"
#include "ui/radar/RadarTableModel.h"
#include "ui/radar/SparklineDelegate.h"
#include "ui/widgets/ElidedLabel.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace leakdesk::ui {

namespace {
QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

QString errorText(const Error& e)
{
    return e.detail.empty() ? qs(e.message) : QStringLiteral("%1 (%2)").arg(qs(e.message), qs(e.detail));
}

// A banner in the window's status colours (the verdict banner's): text dark on a light tint, so it
// reads the same in a dark theme.
QLabel* banner(QWidget* parent, const char* name, const char* background, const char* border)
{
    auto* label = new QLabel(parent);
    label->setObjectName(QLatin1String(name));
    label->setWordWrap(true);
    label->setTextFormat(Qt::PlainText);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setStyleSheet(QStringLiteral("QLabel#%1 { background: %2; color: #202124; border-left: 5px solid %3;"
                                        " border-radius: 3px; padding: 6px 10px; }")
                             .arg(QLatin1String(name), QLatin1String(background), QLatin1String(border)));
    label->hide();
    return label;
}

// Enter and Return on the table open the current row, as a click does (QAbstractItemView's own
// activation is a double click on most styles).
class EnterOpens : public QObject {
public:
    EnterOpens(QTableView* table, std::function<void(const QModelIndex&)> open)
        : QObject(table)
        , m_table(table)
        , m_open(std::move(open))
    {
        table->installEventFilter(this);
    }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (watched == m_table && event->type() == QEvent::KeyPress) {
            const int key = static_cast<QKeyEvent*>(event)->key();
            if ((key == Qt::Key_Return || key == Qt::Key_Enter) && m_table->currentIndex().isValid()) {
                m_open(m_table->currentIndex());
                return true;
            }
        }
        return QObject::eventFilter(watched, event);
    }

private:
    QTableView* m_table;
    std::function<void(const QModelIndex&)> m_open;
};
} // namespace

RadarPage::RadarPage(InvestigationController* controller, QWidget* parent)
    : QWidget(parent)
    , m_controller(controller)
    , m_model(new RadarTableModel(this))
    , m_proxy(new RadarFilterModel(this))
    , m_filter(new QLineEdit(this))
    , m_refresh(new QPushButton(tr("Refresh"), this))
    , m_summary(new ElidedLabel(this))
    , m_failures(banner(this, "radarFailures", "#fff8e1", "#ef8f00"))
    , m_allClear(banner(this, "radarAllClear", "#e8f5e9", "#2e7d32"))
    , m_body(new QStackedWidget(this))
    , m_table(new QTableView(this))
    , m_empty(new QLabel(this))
    , m_detail(new QLabel(this))
    , m_progressSlot(new QWidget(this))
{
    setObjectName(QStringLiteral("radarPage"));
    m_filter->setObjectName(QStringLiteral("radarFilter"));
    m_filter->setAccessibleName(tr("Filter workloads"));
    m_filter->setPlaceholderText(tr("Filter by namespace or name"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setMaximumWidth(320);
    m_refresh->setObjectName(QStringLiteral("radarRefresh"));
    m_refresh->setAccessibleName(tr("Refresh the radar"));
    m_refresh->setToolTip(tr("Rank the workloads again (F5)"));
    m_summary->setObjectName(QStringLiteral("radarSummary"));
    m_summary->setStyleSheet(QStringLiteral("color:#5f6368"));
    m_failures->setAccessibleName(tr("What the radar could not rank"));
    m_allClear->setAccessibleName(tr("Nothing is leaking"));

    m_proxy->setSourceModel(m_model);
    m_table->setObjectName(QStringLiteral("radarTable"));
    m_table->setAccessibleName(tr("Workloads ranked by leak likelihood"));
    m_table->setAccessibleDescription(tr("A click or Enter on a row opens the investigation of that workload"));
    m_table->setModel(m_proxy);
    m_table->setItemDelegateForColumn(RadarTableModel::Memory,
        new SparklineDelegate(RadarTableModel::SparklineRole, RadarTableModel::LeakingRole, m_table));
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(RadarTableModel::Score, Qt::DescendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideRight);
    m_table->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_table->verticalHeader()->hide();
    // One height for every row: the view lays out 2,000 rows without asking each one its size.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 10);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setHighlightSections(false);
    m_table->setColumnHidden(RadarTableModel::Cluster, true);
    connect(m_table, &QTableView::clicked, this, &RadarPage::activate);
    // The reason is the longest column and the one that explains the row: whole, below the table,
    // for the row under the mouse or the current one (keyboard).
    m_table->setMouseTracking(true);
    connect(m_table, &QTableView::entered, this, &RadarPage::showDetail);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentChanged, this,
        [this](const QModelIndex& current) { showDetail(current); });
    m_detail->setObjectName(QStringLiteral("radarDetail"));
    m_detail->setAccessibleName(tr("The workload's reason"));
    m_detail->setWordWrap(true);
    m_detail->setTextFormat(Qt::PlainText);
    m_detail->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_detail->setMinimumHeight(fontMetrics().lineSpacing() * 2 + 8);
    m_detail->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    new EnterOpens(m_table, [this](const QModelIndex& index) { activate(index); });

    m_empty->setObjectName(QStringLiteral("radarEmptyState"));
    m_empty->setAccessibleName(tr("Why the radar shows no workloads"));
    m_empty->setWordWrap(true);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setTextFormat(Qt::PlainText);
    m_empty->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_empty->setMargin(24);
    m_body->addWidget(m_table);
    m_body->addWidget(m_empty);

    auto* progressLayout = new QHBoxLayout(m_progressSlot);
    progressLayout->setContentsMargins(0, 0, 0, 0);

    auto* top = new QHBoxLayout;
    top->addWidget(m_filter, 1);
    top->addWidget(m_refresh);
    top->addSpacing(12);
    top->addWidget(m_progressSlot, 1);
    top->addWidget(m_summary, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->addLayout(top);
    layout->addWidget(m_failures);
    layout->addWidget(m_allClear);
    layout->addWidget(m_body, 1);
    layout->addWidget(m_detail);

    connect(m_filter, &QLineEdit::textChanged, m_proxy, &RadarFilterModel::setFilterText);
    connect(m_refresh, &QPushButton::clicked, this, &RadarPage::refresh);
    connect(m_controller, &InvestigationController::connectionChanging, this, &RadarPage::connectionChanging);
    connect(m_controller, &InvestigationController::connectionOpened, this, &RadarPage::connectionOpened);
    showEmptyState(tr("The radar ranks every workload by how likely it leaks memory once the cluster answers."));
}

RadarPage::~RadarPage() = default;

void RadarPage::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (m_stale && !m_loading)
        refresh();
}

void RadarPage::connectionChanging()
{
    // The job holds the old connection's PromClient: gone with it, its run ends silently.
    delete m_progress;
    m_progress = nullptr;
    delete m_radar;
    m_radar = nullptr;
    m_loading = false;
    m_refresh->setEnabled(true);
    m_stale = true;
}

void RadarPage::connectionOpened()
{
    m_model->setReport(nullptr);
    m_failures->hide();
    m_allClear->hide();
    m_summary->setFullText(QString());
    showEmptyState(tr("Connecting…"));
    if (isVisible())
        refresh();
}

void RadarPage::refresh()
{
    if (m_loading)
        return;
    m_stale = false;
    if (!m_controller->isOpen()) {
        showEmptyState(tr("Not connected to a cluster: choose a context in the bar above."));
        Q_EMIT loaded();
        return;
    }
    m_loading = true;
    m_refresh->setEnabled(false);
    m_summary->setFullText(tr("Looking for Prometheus…"));
    // Discovery first when no Prometheus was named, as an investigation does; then the metric names
    // the cluster's exporters use.
    m_controller->settlePrometheus([this] {
        auto* conn = m_controller->connection();
        if (!conn->hasPrometheus()) {
            m_loading = false;
            m_refresh->setEnabled(true);
            m_summary->setFullText(QString());
            const QString reason = conn->noPrometheusReason() ? qs(*conn->noPrometheusReason()) : QString();
            const QString hint = qs(conn->noPrometheusHint());
            showEmptyState(tr("No Prometheus: %1%2\n\nThe radar ranks every workload from Prometheus's memory history. "
                              "Choose a workload in the Service box above to investigate it from the cluster's own "
                              "evidence.")
                               .arg(reason.isEmpty() ? tr("none is configured.") : reason,
                                   hint.isEmpty() ? QString() : QStringLiteral(" ") + hint));
            Q_EMIT loaded();
            return;
        }
        m_summary->setFullText(tr("Reading the metric names…"));
        conn->probeMetricsProfile(conn->defaultNamespace().toStdString(), QDateTime::currentMSecsSinceEpoch(), this,
            [this] { startRadar(); });
    });
}

void RadarPage::startRadar()
{
    auto* conn = m_controller->connection();
    if (!m_radar) {
        m_radar = new radar::LeakRadar(conn->prometheus(), this);
        m_progress = new JobProgressBar(m_radar, m_progressSlot);
        m_progress->setObjectName(QStringLiteral("radarProgress"));
        m_progressSlot->layout()->addWidget(m_progress);
        connect(m_radar, &radar::LeakRadar::finished, this, &RadarPage::showReport);
        connect(m_radar, &Job::failed, this, [this](const Error& e) {
            m_loading = false;
            m_refresh->setEnabled(true);
            m_summary->setFullText(QString());
            if (e.code == ErrorCode::Cancelled && m_model->rowCount() > 0) {
                m_summary->setFullText(tr("Refresh cancelled: the rows shown are the last ranking's"));
            } else {
                m_model->setReport(nullptr);
                showEmptyState(
                    tr("The radar could not ask Prometheus: %1\n\nCheck the Prometheus status in the bar above, "
                       "then Refresh.")
                        .arg(errorText(e)));
            }
            Q_EMIT loaded();
        });
    }
    radar::RadarOptions options;
    options.allNamespaces = true;
    options.topN = 0; // every workload: the table sorts and filters them
    options.profile = conn->metricsProfile().profile;
    // The runbook's thresholds, as the per-service verdict uses them.
    const runbook::RunbookParameters& params = m_controller->parameters();
    options.analysis.oomMaxCount = params.oomMaxCount;
    options.analysis.oomWindowMs = params.oomWindowMs;
    options.analysis.stability.warmUpMs = params.stabiliseWithinMs;
    m_summary->setFullText(QString());
    m_radar->start(options);
    m_progress->jobStarted(tr("Radar"));
}

void RadarPage::showReport(std::shared_ptr<const radar::RadarReport> report)
{
    m_loading = false;
    m_refresh->setEnabled(true);
    m_model->setReport(report);
    m_detail->clear();
    m_table->setColumnHidden(RadarTableModel::Cluster, !m_model->hasClusters());
    showFailures(*report);
    const QLocale locale;
    m_summary->setFullText(tr("%1 of %2 workloads leaking · %3 namespaces · %4 queries, %5 · %6 s · updated %7")
                               .arg(m_model->leakingCount())
                               .arg(locale.toString(qulonglong(report->rows.size())))
                               .arg(report->namespaces.size())
                               .arg(report->queries)
                               .arg(locale.formattedDataSize(report->bytesReceived))
                               .arg(locale.toString(double(report->elapsedMs) / 1000.0, 'f', 1))
                               .arg(QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss"))));
    QStringList notes;
    for (const auto& n : report->notes)
        notes << qs(n);
    const QString noteText = notes.isEmpty() ? QString() : QStringLiteral("\n\n") + notes.join(QLatin1Char('\n'));
    m_allClear->hide();
    if (report->rows.empty()) {
        showEmptyState(report->failures.empty()
                ? tr("No workloads: Prometheus knows no pod owners (kube-state-metrics' kube_pod_owner) in the last "
                     "%1 h.%2")
                      .arg(double(report->windowMs) / 3600000.0, 0, 'f', 0)
                      .arg(noteText)
                : tr("No workloads could be ranked: every namespace failed (see above).%1").arg(noteText));
    } else if (report->noData()) {
        showEmptyState(tr("No memory data: Prometheus knows %1 workloads but none has working-set samples "
                          "(cAdvisor's container_memory_working_set_bytes) in the last %2 h. Without them nothing can "
                          "be called leaking or healthy.%3")
                           .arg(report->rows.size())
                           .arg(double(report->windowMs) / 3600000.0, 0, 'f', 0)
                           .arg(noteText));
    } else {
        m_body->setCurrentWidget(m_table);
        if (m_model->leakingCount() == 0) {
            const radar::RadarRow& top = report->rows.front();
            m_allClear->setText(
                tr("Nothing is leaking: no workload scores %1 or more. The highest is %2/%3/%4 at %5.")
                    .arg(QLocale().toString(RadarTableModel::kLeakingScore, 'f', 2), qs(top.ns), qs(top.workloadKind),
                        qs(top.workloadName), QLocale().toString(top.score, 'f', 2)));
            m_allClear->show();
        }
        if (!m_columnsFitted)
            fitColumns();
    }
    Q_EMIT loaded();
}

void RadarPage::showFailures(const radar::RadarReport& report)
{
    if (report.failures.empty()) {
        m_failures->hide();
        m_failures->clear();
        return;
    }
    // The first few in the banner, every one in its tooltip: a fleet can fail in many namespaces.
    constexpr std::size_t kShown = 4;
    QStringList lines, all;
    for (const radar::RadarFailure& f : report.failures) {
        const QString where = f.ns.empty() ? tr("listing the namespaces") : tr("namespace %1").arg(qs(f.ns));
        const QString line = tr("%1, %2: %3").arg(where, qs(f.query), errorText(f.error));
        all << line;
        if (std::size_t(lines.size()) < kShown)
            lines << line;
    }
    if (report.failures.size() > kShown)
        lines << tr("… and %1 more (hover for all)").arg(report.failures.size() - kShown);
    m_failures->setText(tr("Some of the radar's queries failed; the rows of those namespaces may be missing or "
                           "incomplete:\n%1")
                            .arg(lines.join(QLatin1Char('\n'))));
    m_failures->setToolTip(all.join(QLatin1Char('\n')));
    m_failures->show();
}

void RadarPage::showDetail(const QModelIndex& proxyIndex)
{
    const radar::RadarRow* row
        = proxyIndex.isValid() ? m_model->rowAt(m_proxy->mapToSource(proxyIndex).row()) : nullptr;
    if (!row) {
        m_detail->clear();
        return;
    }
    m_detail->setText(tr("%1/%2/%3: %4. Click or Enter opens its investigation.")
                          .arg(qs(row->ns), qs(row->workloadKind), qs(row->workloadName), qs(row->reason)));
}

QString RadarPage::detailText() const
{
    return m_detail->text();
}

void RadarPage::showEmptyState(const QString& text)
{
    m_detail->clear();
    m_empty->setText(text);
    m_body->setCurrentWidget(m_empty);
}

QString RadarPage::emptyStateText() const
{
    return m_body->currentWidget() == m_empty ? m_empty->text() : QString();
}

QString RadarPage::failureText() const
{
    return m_failures->isHidden() ? QString() : m_failures->text();
}

QString RadarPage::allClearText() const
{
    return m_allClear->isHidden() ? QString() : m_allClear->text();
}

QString RadarPage::summaryText() const
{
    return m_summary->fullText();
}

void RadarPage::activate(const QModelIndex& proxyIndex)
{
    const radar::RadarRow* row = m_model->rowAt(m_proxy->mapToSource(proxyIndex).row());
    if (!row)
        return;
    Q_EMIT workloadActivated(
        qs(row->ns), qs(row->workloadKind) + QLatin1Char('/') + qs(row->workloadName), qs(row->cluster));
}

void RadarPage::fitColumns()
{
    // Measured once, on the first rows (QTableView measures what is in view): the user's widths
    // stay afterwards. The sparkline wants room for its shape; the reason takes what is left.
    m_columnsFitted = true;
    QHeaderView* header = m_table->horizontalHeader();
    m_table->resizeColumnsToContents();
    const int em = fontMetrics().averageCharWidth();
    header->resizeSection(RadarTableModel::Memory, 16 * em);
    for (const int column : { int(RadarTableModel::Namespace), int(RadarTableModel::Workload) })
        header->resizeSection(column, std::min(header->sectionSize(column), 28 * em));
}

} // namespace leakdesk::ui
