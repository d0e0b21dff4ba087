#include "ui/investigation/MemoryEvidenceView.h"
#include "core/investigation/PrometheusInCluster.h"

#include "core/common/Quantity.h"
#include "ui/chart/MemoryChart.h"
#include "ui/investigation/MemoryChartFeed.h"
#include "ui/investigation/PodTableModel.h"
#include "ui/investigation/VerdictBanner.h"

#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace leakdesk::ui {

namespace {
// A splitter that asks for no more than its minimum: the step's page around it gives it what the
// window has (a word-wrapped page in a scroll area asks its content for the preferred height, and
// the chart's and the table's wishes would make the page scroll on a screen where both fit).
class ModestSplitter : public QSplitter {
public:
    using QSplitter::QSplitter;
    QSize sizeHint() const override { return minimumSizeHint(); }
};
} // namespace

MemoryEvidenceView::MemoryEvidenceView(QWidget* parent)
    : QWidget(parent)
    , m_banner(new VerdictBanner(this))
    , m_chart(new MemoryChart(this))
    , m_feed(new MemoryChartFeed(m_chart, this))
    , m_noHistory(new QLabel(this))
    , m_chartStack(new QStackedWidget(this))
    , m_split(new ModestSplitter(Qt::Vertical, this))
    , m_model(new PodTableModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_table(new QTableView(this))
    , m_evidence(new QListWidget(this))
    , m_containers(new QLabel(this))
{
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(PodTableModel::SortRole);
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(PodTableModel::Memory, Qt::DescendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAlternatingRowColors(true);
    m_table->setObjectName(QStringLiteral("podTable"));
    // Rows as high as the text needs: a laptop screen shows more pods.
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_evidence->setObjectName(QStringLiteral("evidenceList"));
    m_evidence->setWordWrap(true);

    auto* bottom = new QSplitter(Qt::Horizontal, this);
    auto* tableBox = new QWidget(bottom);
    auto* tl = new QVBoxLayout(tableBox);
    tl->setContentsMargins(0, 0, 0, 0);
    m_containers->setObjectName(QStringLiteral("containersSummary"));
    m_containers->setWordWrap(true);
    m_containers->setTextFormat(Qt::RichText);
    m_containers->hide();
    tl->addWidget(m_containers);
    tl->addWidget(new QLabel(tr("<b>Pods</b> — as <code>kubectl top pods --sort-by=memory</code>"), tableBox));
    tl->addWidget(m_table);
    auto* evBox = new QWidget(bottom);
    auto* el = new QVBoxLayout(evBox);
    el->setContentsMargins(0, 0, 0, 0);
    el->addWidget(new QLabel(tr("<b>Evidence</b>"), evBox));
    el->addWidget(m_evidence);
    bottom->addWidget(tableBox);
    bottom->addWidget(evBox);
    bottom->setStretchFactor(0, 3);
    bottom->setStretchFactor(1, 2);

    m_noHistory->setObjectName(QStringLiteral("noHistoryNotice"));
    m_noHistory->setWordWrap(true);
    m_noHistory->setAlignment(Qt::AlignCenter);
    m_noHistory->setMargin(8);
    m_noHistory->setStyleSheet(
        QStringLiteral("QLabel { background: #fafafa; border: 1px dashed #bdbdbd; color: #424242; }"));
    m_chartStack->addWidget(m_chart);
    m_chartStack->addWidget(m_noHistory);

    // Neither the chart nor the pods may be squeezed to nothing on a small screen: each keeps a
    // useful height (the chart its plot, the table a header and four rows) and the step's page
    // scrolls instead. A taller window gives the chart two thirds of what is left.
    constexpr int kPodRowsShown = 4;
    const int tableHeight = m_table->horizontalHeader()->sizeHint().height()
        + kPodRowsShown * m_table->verticalHeader()->defaultSectionSize() + 2 * m_table->frameWidth()
        + m_table->horizontalScrollBar()->sizeHint().height();
    m_table->setMinimumHeight(tableHeight);
    // The preset row, the legend, the axis and a plot of about six lines of text: at 1280x720 the
    // chart and four pods fit below the step without scrolling (with an escalation proposal shown
    // above, the page scrolls a little).
    m_chart->setMinimumHeight(chartMinimumHeight());
    auto* split = m_split;
    split->setObjectName(QStringLiteral("memorySplit"));
    split->setChildrenCollapsible(false);
    split->addWidget(m_chartStack);
    split->addWidget(bottom);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 1);
    split->setSizes({ 520, 200 });

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_banner);
    layout->addWidget(split, 1);
}

void MemoryEvidenceView::showContainers(const investigation::Findings* f)
{
    if (!f || f->containers.size() < 2) {
        m_containers->hide();
        return;
    }
    // Memory now per container: the median over pods of each pod's newest sample.
    auto nowOf = [f](const std::string& container) -> std::optional<double> {
        std::vector<double> newest;
        for (const auto& s : f->evidence->seriesOf(prometheus::QueryKind::MemoryWorkingSetByContainer))
            if (s.label("container") == container && !s.samples.empty())
                newest.push_back(s.samples.back().value);
        if (newest.empty())
            return std::nullopt;
        std::nth_element(newest.begin(), newest.begin() + static_cast<std::ptrdiff_t>(newest.size() / 2), newest.end());
        return newest[newest.size() / 2];
    };
    QStringList rows;
    for (const auto& c : f->containers) {
        QString verdict = tr("not judged");
        QString colour = QStringLiteral("#616161");
        if (c.verdict && c.verdict->pattern != analysis::Pattern::Unknown
            && c.verdict->pattern != analysis::Pattern::InsufficientData) {
            verdict = (c.verdict->leak ? tr("LEAK, %1") : tr("no leak, %1"))
                          .arg(QString::fromLatin1(analysis::patternName(c.verdict->pattern)));
            colour = c.verdict->leak ? QStringLiteral("#c62828") : QStringLiteral("#2e7d32");
        }
        const auto now = nowOf(c.name);
        rows << tr("<tr><td><b>%1</b>&nbsp;</td><td>%2&nbsp;</td><td>%3 of %4&nbsp;</td><td>%5 OOM kills&nbsp;</td>"
                   "<td style='color:%6'>%7</td></tr>")
                    .arg(QString::fromStdString(c.name).toHtmlEscaped(),
                        QString::fromLatin1(kube::containerRoleName(c.role)),
                        now ? QString::fromStdString(formatBytes(*now)) : QStringLiteral("–"),
                        c.limitBytes ? QString::fromStdString(formatBytes(*c.limitBytes)) : tr("no limit"))
                    .arg(c.oomKills)
                    .arg(colour, verdict);
    }
    m_containers->setText(tr("<b>Containers</b> — each judged on its own memory and limit (per pod, now)"
                             "<table>%1</table>")
                              .arg(rows.join(QString())));
    m_containers->show();
}

void MemoryEvidenceView::setConnectionSource(std::function<investigation::ClusterConnection*()> source)
{
    m_feed->setConnectionSource(std::move(source));
}

void MemoryEvidenceView::setFindings(std::shared_ptr<const investigation::Findings> f)
{
    m_model->setFindings(f);
    m_table->resizeColumnsToContents();
    m_evidence->clear();
    showContainers(f.get());
    if (!f) {
        m_banner->show(VerdictBanner::Tone::Neutral, tr("No data yet"));
        return;
    }
    m_feed->setFindings(f);
    // An empty plot with a 0-5 B axis reads as "no memory used": say what is missing instead.
    // With no Prometheus, kubectl top's API sampled while open is the chart (MemoryChartFeed).
    const bool anyHistory = std::any_of(f->verdict.pods.begin(), f->verdict.pods.end(),
                                [](const analysis::PodAnalysis& pa) { return pa.points > 0; })
        || (f->evidence->prometheusUrl.empty() && f->evidence->prometheusUnreachable
            && !f->evidence->podMetrics.empty());
    if (anyHistory) {
        if (!chartShown()) {
            m_chart->setMinimumHeight(chartMinimumHeight());
            m_split->setSizes({ 520, 200 });
        }
        m_chartStack->setCurrentWidget(m_chart);
    } else {
        const auto& unreachable = f->evidence->prometheusUnreachable;
        // Short enough to fit above four pods at 1280x720: the pods table is what there is to read.
        m_noHistory->setText(
            tr("<b>No memory history to draw.</b> %1<br>Memory now: the pods table (<code>kubectl top</code>); OOM "
               "kills: step 2; heap capture and mitigations still work.")
                .arg(unreachable
                        ? tr("Prometheus is unreachable: %1. Without its history there is no growth pattern over hours, "
                             "no week-ago baseline and no traffic comparison.")
                              .arg(QString::fromStdString(*unreachable).toHtmlEscaped())
                        : tr("Prometheus returned no memory samples for these pods in the window.")));
        // The hidden chart's minimum would hold the notice at the chart's height.
        m_chart->setMinimumHeight(0);
        m_chartStack->setCurrentWidget(m_noHistory);
        // The notice needs a few lines; the pods table is what there is to read.
        m_split->setSizes({ m_noHistory->heightForWidth(std::max(300, m_split->width() - 40)) + 64, 600 });
    }

    const auto& v = f->verdict;
    const QString service = QString::fromStdString(f->request.service);
    const int confidence = static_cast<int>(std::lround(v.confidence * 100));
    QString detail = QString::fromStdString(v.summary);
    if (v.stabilisedWithin10min)
        detail += QLatin1Char(' ')
            + (*v.stabilisedWithin10min ? tr("Memory is flat after the 10-minute warm-up.")
                                        : tr("Memory does not stabilise within 10 minutes of start."));
    if (!v.missing.empty() && v.pattern != analysis::Pattern::Unknown) {
        QStringList missing;
        for (const auto& m : v.missing)
            missing << QString::fromStdString(m.topic + ": " + m.reason);
        detail += QLatin1Char('\n')
            + tr("Partial data, confidence lowered. Missing: %1").arg(missing.join(QStringLiteral("; ")));
    }
    if (!v.contradictions.empty() && v.pattern != analysis::Pattern::Unknown) {
        QStringList against;
        for (const auto& c : v.contradictions)
            against << QString::fromStdString(c.topic + ": " + c.reason);
        detail += QLatin1Char('\n')
            + tr("Contradicting evidence, confidence lowered: %1").arg(against.join(QStringLiteral("; ")));
    }
    switch (v.pattern) {
    case analysis::Pattern::Sawtooth:
        m_banner->show(VerdictBanner::Tone::Bad,
            (v.periodMs ? tr("%1 is leaking: sawtooth (grow, crash, restart) every %2 min — confidence %3 %")
                              .arg(service)
                              .arg(*v.periodMs / 60000.0, 0, 'f', 0)
                        : tr("%1 is leaking: sawtooth (grow, crash, restart) — confidence %2 %").arg(service))
                .arg(confidence),
            detail);
        break;
    case analysis::Pattern::SteadyGrowth:
        m_banner->show(VerdictBanner::Tone::Bad,
            tr("%1 is leaking: memory grows %2/h per pod (median) without levelling off — confidence %3 %")
                .arg(service, QString::fromStdString(formatBytes(v.slopeBytesPerHour.value_or(0))))
                .arg(confidence),
            detail);
        break;
    case analysis::Pattern::Stable:
        m_banner->show(VerdictBanner::Tone::Good,
            tr("%1 looks healthy: memory is stable — confidence %2 %").arg(service).arg(confidence), detail);
        break;
    case analysis::Pattern::FollowsTraffic:
        // Growth the request rate (or last week's same hours) explains: not a leak, not red.
        m_banner->show(VerdictBanner::Tone::Neutral,
            tr("%1 follows its traffic: memory grows with the request rate, not a leak — confidence %2 %")
                .arg(service)
                .arg(confidence),
            detail);
        break;
    case analysis::Pattern::SlowWarmUp:
        m_banner->show(VerdictBanner::Tone::Neutral,
            tr("%1 warms up slowly: memory levelled off after %2 min (runbook: 10), then stayed flat — confidence %3 %")
                .arg(service)
                .arg(v.levelledOffAfterMs ? *v.levelledOffAfterMs / 60000.0 : 0.0, 0, 'f', 0)
                .arg(confidence),
            detail);
        break;
    case analysis::Pattern::InsufficientData:
        m_banner->show(VerdictBanner::Tone::Neutral, tr("Not enough data to judge %1").arg(service), detail);
        break;
    case analysis::Pattern::Unknown:
        // Never green: no data is not "no leak". The summary says why and what to check.
        m_banner->show(VerdictBanner::Tone::Warning, tr("Unknown: cannot tell whether %1 leaks").arg(service), detail);
        break;
    }
    for (const auto& e : v.evidence) {
        auto* item = new QListWidgetItem(
            QString::fromStdString((e.pod.empty() ? std::string() : e.pod + ": ") + e.sentence), m_evidence);
        if (!e.source.empty())
            item->setToolTip(QString::fromStdString(e.source));
    }
    for (const auto& w : f->warnings) {
        auto* item = new QListWidgetItem(tr("⚠ %1").arg(QString::fromStdString(w)), m_evidence);
        item->setForeground(QColor(0xb0, 0x60, 0x00));
    }
}

int MemoryEvidenceView::chartMinimumHeight() const
{
    return 9 * fontMetrics().height() + 80;
}

bool MemoryEvidenceView::chartShown() const
{
    return m_chartStack->currentWidget() == m_chart;
}

} // namespace leakdesk::ui
