#include "ui/heap/TopClassesChart.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QHorizontalBarSeries>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>

namespace leakdesk::ui {

namespace {

// Long generic names would squeeze the bars to nothing; the tooltip of the histogram has the rest.
QString shortClassName(const QString& name)
{
    // The package goes first ("java.util.HashMap$Node[]" → "HashMap$Node[]"): the axis has room
    // for a simple name, and the histogram beside the chart has the full one.
    constexpr int kMax = 28;
    const qsizetype bracket = name.indexOf(QLatin1Char('['));
    const qsizetype dot = name.lastIndexOf(QLatin1Char('.'), bracket <= 0 ? -1 : bracket - 1);
    const QString simple = dot < 0 ? name : name.mid(dot + 1);
    return simple.size() <= kMax ? simple : QStringLiteral("…") + simple.right(kMax - 1);
}

} // namespace

TopClassesChart::TopClassesChart(QWidget* parent)
    : QWidget(parent)
{
    m_chart = new QChart;
    m_chart->legend()->hide();
    m_chart->setAnimationOptions(QChart::NoAnimation);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_view = new QChartView(m_chart, this);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setObjectName(QStringLiteral("topClassesChartView"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    setHistogram(nullptr);
}

void TopClassesChart::setHistogram(std::shared_ptr<const heap::ClassHistogram> histogram)
{
    m_chart->removeAllSeries();
    const auto axes = m_chart->axes();
    for (QAbstractAxis* axis : axes) {
        m_chart->removeAxis(axis);
        delete axis;
    }
    m_classes.clear();
    m_megabytes.clear();
    m_byRetained = histogram && histogram->hasRetained;
    if (!histogram || histogram->rows.empty()) {
        m_chart->setTitle(tr("Top classes: no dump analysed yet"));
        return;
    }

    const auto size = [this](const heap::HistogramRow& r) { return m_byRetained ? r.retainedBytes : r.shallowBytes; };
    std::vector<const heap::HistogramRow*> rows;
    rows.reserve(histogram->rows.size());
    for (const auto& r : histogram->rows)
        rows.push_back(&r);
    const std::size_t n = std::min<std::size_t>(kClassCount, rows.size());
    std::partial_sort(rows.begin(), rows.begin() + std::ptrdiff_t(n), rows.end(),
        [&](const heap::HistogramRow* a, const heap::HistogramRow* b) { return size(*a) > size(*b); });
    rows.resize(n);

    // Small dumps (tests, a service just started) are drawn in KiB so the bars keep their labels.
    const bool inMegabytes = size(*rows.front()) >= 1024 * 1024;
    const double unit = inMegabytes ? 1024.0 * 1024.0 : 1024.0;
    const QString unitName = inMegabytes ? tr("MiB") : tr("KiB");
    const double largest = double(size(*rows.front())) / unit;

    // Qt Charts puts the first category at the bottom of a horizontal bar chart: feed them reversed.
    auto* set = new QBarSet(m_byRetained ? tr("Retained size") : tr("Shallow size"));
    set->setColor(m_byRetained ? QColor(0xc0, 0x50, 0x30) : QColor(0x50, 0x80, 0xb0));
    set->setLabelColor(Qt::white);
    QStringList categories;
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
        *set << double(size(**it)) / unit;
        categories << shortClassName(QString::fromStdString((*it)->className));
    }
    for (const auto* r : rows) {
        m_classes << QString::fromStdString(r->className);
        m_megabytes << double(size(*r)) / (1024.0 * 1024.0);
    }
    auto* series = new QHorizontalBarSeries;
    series->append(set);
    series->setBarWidth(0.7);
    series->setLabelsVisible(true);
    series->setLabelsPosition(QAbstractBarSeries::LabelsInsideEnd);
    series->setLabelsFormat(QStringLiteral("@value ") + unitName);
    series->setLabelsPrecision(3);
    m_chart->addSeries(series);

    auto* classes = new QBarCategoryAxis;
    classes->append(categories);
    m_chart->addAxis(classes, Qt::AlignLeft);
    series->attachAxis(classes);
    auto* sizes = new QValueAxis;
    sizes->setTitleText(unitName);
    sizes->setLabelFormat(QStringLiteral("%.0f"));
    sizes->setRange(0, largest > 0 ? largest * 1.05 : 1);
    sizes->applyNiceNumbers();
    m_chart->addAxis(sizes, Qt::AlignBottom);
    series->attachAxis(sizes);
    m_chart->setTitle(m_byRetained ? tr("Top %1 classes by retained size").arg(n)
                                   : tr("Top %1 classes by shallow size (retained sizes pending)").arg(n));
}

} // namespace leakdesk::ui
