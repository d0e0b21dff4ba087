#include "chart/MemoryChart.h"

#include "chart/ByteAxisTicker.h"
#include "chart/ChartCrosshair.h"
#include "chart/ChartPalette.h"
#include "chart/MinMaxDecimation.h"
#include "chart/SeriesLookup.h"

#include "chart/QCustomPlotInclude.h"

#include <QButtonGroup>
#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QSaveFile>
#include <QScopedValueRollback>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace leakdesk::ui {

namespace {

constexpr qint64 kMinuteMs = 60 * 1000;
constexpr qint64 kHourMs = 60 * kMinuteMs;
constexpr qint64 kMinSpanMs = kMinuteMs; // zooming further shows single scrapes, nothing more
constexpr double kMarkerHitPx = 8.0;
const QString kBandsLayer = QStringLiteral("bands");
const QString kContextLayer = QStringLiteral("context");

double toKey(qint64 tMs)
{
    return static_cast<double>(tMs) / 1000.0;
}
qint64 toMs(double key)
{
    return std::llround(key * 1000.0);
}

qint64 presetDurationMs(RangePreset preset)
{
    switch (preset) {
    case RangePreset::LastHour:
        return kHourMs;
    case RangePreset::Last6Hours:
        return 6 * kHourMs;
    case RangePreset::Last24Hours:
        return 24 * kHourMs;
    case RangePreset::Last7Days:
        return 7 * 24 * kHourMs;
    case RangePreset::All:
        break;
    }
    return 0;
}

QString formatDuration(qint64 ms)
{
    const qint64 minutes = ms / kMinuteMs;
    if (minutes < 60)
        return QString::number(minutes) + QStringLiteral(" min");
    return QString::number(minutes / 60) + QStringLiteral(" h ") + QString::number(minutes % 60)
        + QStringLiteral(" min");
}

QString formatTime(qint64 tMs, const QString& format)
{
    return QDateTime::fromMSecsSinceEpoch(tMs).toString(format);
}

void styleAxis(QCPAxis* axis, const QFont& font)
{
    const QColor text(0x40, 0x40, 0x40);
    axis->setBasePen(QPen(chartpalette::axisLine(), 1));
    axis->setTickPen(QPen(chartpalette::axisLine(), 1));
    axis->setSubTickPen(QPen(chartpalette::axisLine(), 1));
    axis->setTickLabelColor(text);
    axis->setLabelColor(text);
    axis->setTickLabelFont(font);
    axis->setLabelFont(font);
    axis->setTickLengthIn(0);
    axis->setTickLengthOut(4);
    axis->setSubTickLengthIn(0);
    axis->setSubTickLengthOut(2);
    axis->grid()->setPen(QPen(chartpalette::grid(), 1));
    axis->grid()->setZeroLinePen(Qt::NoPen);
    axis->grid()->setSubGridVisible(false);
}

} // namespace

MemoryChart::MemoryChart(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    auto* toolbar = new QHBoxLayout;
    toolbar->setContentsMargins(4, 2, 4, 0);
    setUpToolbar(toolbar);
    layout->addLayout(toolbar);
    m_plot = new QCustomPlot(this);
    layout->addWidget(m_plot, 1);
    setUpPlot();
    m_crosshair = std::make_unique<ChartCrosshair>(m_plot);
}

MemoryChart::~MemoryChart() = default;

void MemoryChart::setUpToolbar(QHBoxLayout* toolbar)
{
    m_presetButtons = new QButtonGroup(this);
    const std::pair<RangePreset, QString> presets[] = { { RangePreset::LastHour, QStringLiteral("1h") },
        { RangePreset::Last6Hours, QStringLiteral("6h") }, { RangePreset::Last24Hours, QStringLiteral("24h") },
        { RangePreset::Last7Days, QStringLiteral("7d") }, { RangePreset::All, QStringLiteral("All") } };
    for (const auto& [preset, text] : presets) {
        auto* button = new QToolButton(this);
        button->setText(text);
        button->setCheckable(true);
        button->setAutoRaise(true);
        button->setObjectName(QStringLiteral("rangePreset_") + text);
        button->setToolTip(
            preset == RangePreset::All ? tr("Show the whole history") : tr("Show the last %1").arg(text));
        m_presetButtons->addButton(button, static_cast<int>(preset));
        toolbar->addWidget(button);
    }
    connect(m_presetButtons, &QButtonGroup::idClicked, this,
        [this](int id) { setRangePreset(static_cast<RangePreset>(id)); });
    toolbar->addStretch(1);
    auto* hint
        = new QLabel(tr("drag: zoom · wheel: zoom · Shift+drag: pan · double-click: reset · click legend: hide"), this);
    hint->setStyleSheet(QStringLiteral("color: #808080;"));
    toolbar->addWidget(hint);
    updatePresetButtons();
}

void MemoryChart::setUpPlot()
{
    QFont font = this->font();
    font.setPointSizeF(std::max(font.pointSizeF(), 9.0));
    m_plot->setBackground(QBrush(Qt::white));
    m_plot->setNoAntialiasingOnDrag(true);
    m_plot->setMouseTracking(true);
    m_plot->installEventFilter(this);

    m_plot->addLayer(kBandsLayer, m_plot->layer(QStringLiteral("grid")), QCustomPlot::limBelow);
    m_plot->addLayer(kContextLayer, m_plot->layer(QStringLiteral("main")), QCustomPlot::limBelow);

    auto timeTicker = QSharedPointer<QCPAxisTickerDateTime>::create();
    timeTicker->setDateTimeSpec(Qt::LocalTime);
    timeTicker->setTickCount(7);
    m_plot->xAxis->setTicker(timeTicker);
    auto byteTicker = QSharedPointer<ByteAxisTicker>::create();
    byteTicker->setTickCount(6);
    m_plot->yAxis->setTicker(byteTicker);
    m_plot->yAxis->setLabel(tr("memory (working set)"));
    m_plot->yAxis2->setLabel(tr("requests / s"));
    for (QCPAxis* axis : { m_plot->xAxis, m_plot->yAxis, m_plot->yAxis2 })
        styleAxis(axis, font);
    m_plot->yAxis->setBasePen(Qt::NoPen);
    m_plot->yAxis2->setBasePen(Qt::NoPen);
    m_plot->yAxis2->grid()->setVisible(false);
    m_plot->yAxis2->setTickLabelColor(chartpalette::requestRate().darker(130));
    m_plot->yAxis2->setLabelColor(chartpalette::requestRate().darker(130));
    m_plot->yAxis2->setVisible(false);

    // Time-series habit: drag selects a time span, the value axes always fit what is visible.
    QCPAxisRect* rect = m_plot->axisRect();
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    rect->setRangeDrag(Qt::Horizontal);
    rect->setRangeZoom(Qt::Horizontal);
    rect->setRangeZoomFactor(0.85);
    m_plot->setSelectionRectMode(QCP::srmCustom);
    m_plot->selectionRect()->setPen(QPen(QColor(0x4E, 0x79, 0xA7), 1));
    m_plot->selectionRect()->setBrush(QColor(0x4E, 0x79, 0xA7, 40));
    connect(m_plot->selectionRect(), &QCPSelectionRect::accepted, this,
        [this](const QRect& r, QMouseEvent*) { onZoomRectAccepted(r); });

    // Legend in its own row under the plot: long pod names never cover the data.
    QCPLegend* legend = m_plot->legend;
    legend->setVisible(true);
    rect->insetLayout()->take(legend);
    m_plot->plotLayout()->addElement(1, 0, legend);
    m_plot->plotLayout()->setRowStretchFactor(1, 0.001);
    m_plot->plotLayout()->setRowSpacing(0);
    legend->setFillOrder(QCPLegend::foColumnsFirst);
    legend->setWrap(5);
    legend->setBorderPen(Qt::NoPen);
    legend->setBrush(Qt::NoBrush);
    legend->setFont(font);
    legend->setIconSize(20, 10);
    legend->setColumnSpacing(14);
    legend->setMargins(QMargins(8, 0, 8, 4));
    legend->setLayer(QStringLiteral("legend"));

    connect(m_plot, &QCustomPlot::mousePress, this, &MemoryChart::onPlotMousePress);
    connect(m_plot, &QCustomPlot::mouseMove, this, &MemoryChart::onPlotMouseMove);
    connect(m_plot, &QCustomPlot::legendClick, this, &MemoryChart::onLegendClick);
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent* event) {
        if (m_plot->axisRect()->rect().contains(event->pos()))
            setRangePreset(m_resetPreset);
    });
    connect(m_plot->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, &MemoryChart::onRangeChanged);
}

void MemoryChart::clearDrawnData()
{
    for (QCPAbstractItem* item : m_dataItems)
        m_plot->removeItem(item);
    m_dataItems.clear();
    for (const DrawnBand& band : m_bands) {
        m_plot->removeItem(band.rect);
        if (band.label)
            m_plot->removeItem(band.label);
    }
    m_bands.clear();
    m_plot->clearGraphs();
    m_lines.clear();
    m_podGraphs.clear();
    m_markers.clear();
    m_oomGraph = nullptr;
    m_restartGraph = nullptr;
}

void MemoryChart::setData(std::shared_ptr<const MemoryChartData> data)
{
    hideCrosshair();
    const bool hadData = m_data != nullptr;
    const TimeRange previous = visibleRange();
    clearDrawnData();
    m_data = std::move(data);
    if (!m_data) {
        m_plot->replot();
        return;
    }

    // Creation order is legend order; layers decide what is drawn on top (context lines sit under pods).
    int index = 0;
    for (const ChartSeries& pod : m_data->pods)
        m_podGraphs.push_back(
            addLine(pod.samples, pod.name, QPen(chartpalette::podColor(index++), 1.6), true, false, false));
    if (m_data->slope)
        addLine(m_data->slope->samples, m_data->slope->name, QPen(chartpalette::slope(), 2.2), false, false, true);
    if (m_data->baseline) {
        QCPGraph* g = addLine(m_data->baseline->samples, m_data->baseline->name,
            QPen(chartpalette::baseline(), 1.4, Qt::DashLine), false, false, false);
        g->setLayer(kContextLayer);
    }
    if (m_data->projection)
        addLine(m_data->projection->samples, m_data->projection->name,
            QPen(chartpalette::projection(), 2.0, Qt::DotLine), false, false, true);
    if (m_data->requestRate) {
        QCPGraph* g = addLine(m_data->requestRate->samples, m_data->requestRate->name,
            QPen(chartpalette::requestRate(), 1.0), false, true, false);
        g->setLayer(kContextLayer);
    }
    m_plot->yAxis2->setVisible(m_data->requestRate.has_value());
    addMarkers();
    addBands();
    addLimit();

    if (m_preset)
        applyRange(presetSpan(*m_preset), m_preset);
    else if (hadData && previous.endMs > dataSpan().startMs && previous.startMs < dataSpan().endMs)
        applyRange(previous, std::nullopt);
    else
        applyRange(presetSpan(RangePreset::All), RangePreset::All);
}

QCPGraph* MemoryChart::addLine(
    const std::vector<Sample>& samples, const QString& name, const QPen& pen, bool isPod, bool isRate, bool interpolate)
{
    QCPGraph* graph = m_plot->addGraph(m_plot->xAxis, isRate ? m_plot->yAxis2 : m_plot->yAxis);
    graph->setName(name);
    graph->setPen(pen);
    graph->setLineStyle(QCPGraph::lsLine);
    m_lines.push_back({ graph, &samples, interpolate ? 0 : typicalGapThresholdMs(samples), name, pen.color(), isPod,
        isRate, interpolate });
    return graph;
}

void MemoryChart::addMarkers()
{
    for (const ChartMarker& marker : m_data->markers) {
        PlacedMarker placed { marker.tMs, m_data->limitBytes.value_or(0.0), marker.kind, marker.pod, marker.tooltip };
        // On the pod's line just before the event: an OOM kill sits on the top of its tooth.
        for (const ChartSeries& pod : m_data->pods) {
            if (pod.name == marker.pod) {
                if (auto s = sampleAtOrBefore(pod.samples, marker.tMs))
                    placed.value = s->value;
                break;
            }
        }
        if (placed.tooltip.isEmpty()) {
            placed.tooltip = (marker.kind == ChartMarker::OomKill ? tr("OOMKilled") : tr("Restarted"))
                + QStringLiteral(" ") + marker.pod + QLatin1Char('\n')
                + formatTime(marker.tMs, QStringLiteral("ddd d MMM HH:mm:ss"));
        }
        m_markers.push_back(std::move(placed));
    }
    std::stable_sort(m_markers.begin(), m_markers.end(), [](const auto& a, const auto& b) { return a.tMs < b.tMs; });

    const auto makeGraph = [this](const QString& name, const QCPScatterStyle& style) {
        QCPGraph* g = m_plot->addGraph();
        g->setName(name);
        g->setLineStyle(QCPGraph::lsNone);
        g->setScatterStyle(style);
        g->setPen(style.pen());
        return g;
    };
    if (markerCount(ChartMarker::Restart) > 0)
        m_restartGraph = makeGraph(tr("restart"),
            QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(chartpalette::restart(), 1.6), QBrush(Qt::white), 7));
    if (markerCount(ChartMarker::OomKill) > 0)
        m_oomGraph = makeGraph(tr("OOM kill"),
            QCPScatterStyle(
                QCPScatterStyle::ssTriangleInverted, QPen(Qt::white, 1.0), QBrush(chartpalette::oomKill()), 11));
    refreshMarkerGraphs();
}

void MemoryChart::refreshMarkerGraphs()
{
    QVector<QCPGraphData> restarts;
    QVector<QCPGraphData> ooms;
    for (const PlacedMarker& m : m_markers) {
        const QCPGraph* pod = graphForSeries(m.pod);
        if (pod && !pod->visible())
            continue; // a hidden pod takes its markers with it
        (m.kind == ChartMarker::OomKill ? ooms : restarts).append(QCPGraphData(toKey(m.tMs), m.value));
    }
    if (m_restartGraph)
        m_restartGraph->data()->set(restarts, true);
    if (m_oomGraph)
        m_oomGraph->data()->set(ooms, true);
}

void MemoryChart::addBands()
{
    QFont font = m_plot->xAxis->tickLabelFont();
    font.setPointSizeF(font.pointSizeF() - 1.0);
    int index = 0;
    for (const ChartBand& band : m_data->bands) {
        auto* rect = new QCPItemRect(m_plot);
        rect->setLayer(kBandsLayer);
        rect->setSelectable(false);
        for (QCPItemPosition* p : { rect->topLeft, rect->bottomRight }) {
            p->setTypeX(QCPItemPosition::ptPlotCoords);
            p->setTypeY(QCPItemPosition::ptAxisRectRatio);
        }
        rect->topLeft->setCoords(toKey(band.startMs), 0.0);
        rect->bottomRight->setCoords(toKey(band.endMs), 1.0);
        rect->setPen(Qt::NoPen);
        // Alternating shades keep adjacent segments (one sawtooth tooth each) distinguishable.
        rect->setBrush(index++ % 2 == 0 ? chartpalette::bandEven() : chartpalette::bandOdd());
        QCPItemText* label = nullptr;
        if (!band.label.isEmpty()) {
            label = new QCPItemText(m_plot);
            label->setLayer(kBandsLayer);
            label->setSelectable(false);
            label->position->setTypeX(QCPItemPosition::ptPlotCoords);
            label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
            label->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
            label->setPadding(QMargins(2, 0, 2, 3));
            label->setText(band.label);
            label->setFont(font);
            label->setColor(chartpalette::bandLabel());
        }
        m_bands.push_back({ rect, label, &band });
    }
}

void MemoryChart::addLimit()
{
    if (m_data->limitBytes) {
        const double limit = *m_data->limitBytes;
        auto* line = new QCPItemStraightLine(m_plot);
        line->point1->setCoords(0.0, limit);
        line->point2->setCoords(1.0, limit);
        line->setPen(QPen(chartpalette::limit(), 1.5));
        line->setSelectable(false);
        auto* text = new QCPItemText(m_plot);
        text->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
        text->position->setTypeY(QCPItemPosition::ptPlotCoords);
        text->position->setCoords(1.0, limit);
        text->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
        text->setPadding(QMargins(4, 0, 6, 2));
        text->setText(tr("limit %1").arg(formatBinaryBytes(limit)));
        QFont font = m_plot->xAxis->tickLabelFont();
        font.setBold(true);
        text->setFont(font);
        text->setColor(chartpalette::limit());
        text->setSelectable(false);
        m_dataItems.insert(m_dataItems.end(), { line, text });
    }
    if (m_data->nowMs > 0) {
        auto* now = new QCPItemStraightLine(m_plot);
        now->setLayer(kContextLayer);
        now->point1->setCoords(toKey(m_data->nowMs), 0.0);
        now->point2->setCoords(toKey(m_data->nowMs), 1.0);
        now->setPen(QPen(chartpalette::now(), 1.0, Qt::DashDotLine));
        now->setSelectable(false);
        m_dataItems.push_back(now);
    }
}

TimeRange MemoryChart::dataSpan() const
{
    TimeRange span { std::numeric_limits<qint64>::max(), std::numeric_limits<qint64>::min() };
    for (const DrawnLine& line : m_lines) {
        if (line.samples->empty() || line.interpolate)
            continue;
        span.startMs = std::min(span.startMs, line.samples->front().tMs);
        span.endMs = std::max(span.endMs, line.samples->back().tMs);
    }
    if (m_data && m_data->nowMs > 0)
        span.endMs = std::max<qint64>(span.endMs, m_data->nowMs);
    if (span.startMs >= span.endMs) {
        const qint64 end
            = span.endMs > std::numeric_limits<qint64>::min() ? span.endMs : QDateTime::currentMSecsSinceEpoch();
        return { end - kHourMs, end };
    }
    return span;
}

TimeRange MemoryChart::presetSpan(RangePreset preset) const
{
    const TimeRange all = dataSpan();
    const qint64 end = m_data && m_data->nowMs > 0 ? m_data->nowMs : all.endMs;
    const qint64 duration = preset == RangePreset::All ? end - all.startMs : presetDurationMs(preset);
    // A projection runs into the future: show up to a quarter of the span beyond "now" so it is visible.
    qint64 ahead = 0;
    if (m_data && m_data->projection && !m_data->projection->samples.empty())
        ahead = std::clamp(m_data->projection->samples.back().tMs - end, qint64 { 0 }, duration / 4);
    return { end - duration, end + ahead };
}

void MemoryChart::setRangePreset(RangePreset preset)
{
    m_resetPreset = preset;
    applyRange(presetSpan(preset), preset);
}

void MemoryChart::setVisibleRange(TimeRange range)
{
    applyRange(range, std::nullopt);
}

TimeRange MemoryChart::visibleRange() const
{
    const QCPRange r = m_plot->xAxis->range();
    return { toMs(r.lower), toMs(r.upper) };
}

void MemoryChart::applyRange(TimeRange range, std::optional<RangePreset> preset)
{
    {
        QScopedValueRollback<bool> applying(m_applyingRange, true);
        m_preset = preset;
        updatePresetButtons();
        m_rangeRefreshed = false;
        m_plot->xAxis->setRange(toKey(range.startMs), toKey(range.endMs));
        if (!m_rangeRefreshed) // same range as before: QCustomPlot does not signal, the data changed anyway
            onRangeChanged(m_plot->xAxis->range());
    }
    m_plot->replot();
}

void MemoryChart::updatePresetButtons()
{
    m_presetButtons->setExclusive(false);
    for (QAbstractButton* button : m_presetButtons->buttons())
        button->setChecked(m_preset && m_presetButtons->id(button) == static_cast<int>(*m_preset));
    m_presetButtons->setExclusive(true);
}

void MemoryChart::onRangeChanged(const QCPRange& newRange)
{
    if (m_inRangeChange)
        return;
    QScopedValueRollback<bool> guard(m_inRangeChange, true);
    // Keep the span sensible: at least a minute, at most a little more than the whole history.
    const double minSpan = toKey(kMinSpanMs);
    const TimeRange all = dataSpan();
    const double maxSpan = std::max(toKey(all.durationMs()) * 1.5, toKey(kHourMs));
    QCPRange range = newRange;
    if (range.size() < minSpan || range.size() > maxSpan) {
        const double half = std::clamp(range.size(), minSpan, maxSpan) / 2.0;
        range = QCPRange(range.center() - half, range.center() + half);
        m_plot->xAxis->setRange(range);
    }
    if (!m_applyingRange && m_preset) {
        m_preset.reset();
        updatePresetButtons();
    }
    redecimate(screenColumns());
    fitValueAxes();
    updateTimeAxisFormat();
    updateBandLabels(m_plot->axisRect()->width() > 0 ? m_plot->axisRect()->width() : m_plot->width());
    m_rangeRefreshed = true;
    emit visibleRangeChanged(toMs(range.lower), toMs(range.upper));
}

int MemoryChart::screenColumns() const
{
    // The widget width bounds the axis width. Before the first layout pass the plot still has a child's
    // default size, while the chart already knows the size it will get.
    const int width = std::max({ m_plot->width(), this->width(), 64 });
    return static_cast<int>(std::ceil(width * m_plot->devicePixelRatioF()));
}

void MemoryChart::redecimate(int columns)
{
    const TimeRange visible = visibleRange();
    TimeAxisMapping mapping { visible.startMs, visible.endMs, 0.0, static_cast<double>(columns) };
    QVector<QCPGraphData> points;
    for (const DrawnLine& line : m_lines) {
        if (!line.graph->visible()) {
            line.graph->data()->clear();
            continue;
        }
        const std::vector<Sample> decimated = decimateMinMax(*line.samples, mapping, line.gapMs);
        points.resize(static_cast<qsizetype>(decimated.size()));
        for (std::size_t i = 0; i < decimated.size(); ++i)
            points[static_cast<qsizetype>(i)] = QCPGraphData(toKey(decimated[i].tMs), decimated[i].value);
        line.graph->data()->set(points, true);
    }
    m_decimatedColumns = columns;
}

void MemoryChart::fitValueAxes()
{
    // Memory axes start at zero (a leak is judged against the limit, not against the visible minimum) and
    // always include the limit, so headroom is visible at a glance.
    double memoryMax = m_data && m_data->limitBytes ? *m_data->limitBytes : 0.0;
    double rateMax = 0.0;
    const QCPRange keys = m_plot->xAxis->range();
    for (const DrawnLine& line : m_lines) {
        if (!line.graph->visible())
            continue;
        double& target = line.isRate ? rateMax : memoryMax;
        for (const QCPGraphData& p : *line.graph->data()) {
            if (std::isfinite(p.value) && p.key >= keys.lower && p.key <= keys.upper)
                target = std::max(target, p.value);
        }
    }
    m_plot->yAxis->setRange(0.0, memoryMax > 0.0 ? memoryMax * 1.08 : 1024.0 * 1024.0);
    m_plot->yAxis2->setRange(0.0, rateMax > 0.0 ? rateMax * 1.15 : 1.0);
}

void MemoryChart::updateTimeAxisFormat()
{
    const TimeRange visible = visibleRange();
    const qint64 span = visible.durationMs();
    QString format = QStringLiteral("ddd d MMM");
    if (span < 10 * kMinuteMs)
        format = QStringLiteral("HH:mm:ss");
    else if (span <= 36 * kHourMs)
        format = QStringLiteral("HH:mm");
    else if (span <= 4 * 24 * kHourMs)
        format = QStringLiteral("ddd HH:mm");
    if (auto ticker = m_plot->xAxis->ticker().dynamicCast<QCPAxisTickerDateTime>())
        ticker->setDateTimeFormat(format);

    const QDateTime start = QDateTime::fromMSecsSinceEpoch(visible.startMs);
    const QDateTime end = QDateTime::fromMSecsSinceEpoch(visible.endMs);
    const QString zone = tr("local time, %1").arg(start.timeZoneAbbreviation());
    const QString days = start.date() == end.date() ? start.toString(QStringLiteral("ddd d MMM yyyy"))
                                                    : start.toString(QStringLiteral("ddd d MMM"))
            + QStringLiteral(" – ") + end.toString(QStringLiteral("ddd d MMM yyyy"));
    m_plot->xAxis->setLabel(days + QStringLiteral("  (") + zone + QLatin1Char(')'));
}

void MemoryChart::updateBandLabels(double axisWidthPx)
{
    const TimeRange visible = visibleRange();
    if (visible.durationMs() <= 0)
        return;
    for (const DrawnBand& band : m_bands) {
        if (!band.label)
            continue;
        // Centred on the visible part of the band, shown only where it fits inside it.
        const qint64 start = std::max<qint64>(band.band->startMs, visible.startMs);
        const qint64 end = std::min<qint64>(band.band->endMs, visible.endMs);
        const double widthPx
            = static_cast<double>(end - start) * axisWidthPx / static_cast<double>(visible.durationMs());
        const int textPx = QFontMetrics(band.label->font()).horizontalAdvance(band.label->text()) + 8;
        band.label->setVisible(end > start && widthPx >= textPx);
        band.label->position->setCoords(toKey(start + (end - start) / 2), 1.0);
    }
}

QCPGraph* MemoryChart::podGraph(int index) const
{
    return index >= 0 && index < podGraphCount() ? m_podGraphs[static_cast<std::size_t>(index)] : nullptr;
}

QCPGraph* MemoryChart::graphForSeries(const QString& name) const
{
    for (const DrawnLine& line : m_lines) {
        if (line.name == name)
            return line.graph;
    }
    return nullptr;
}

int MemoryChart::markerCount(ChartMarker::Kind kind) const
{
    return static_cast<int>(
        std::count_if(m_markers.begin(), m_markers.end(), [kind](const PlacedMarker& m) { return m.kind == kind; }));
}

int MemoryChart::drawnPointCount() const
{
    int n = 0;
    for (const DrawnLine& line : m_lines)
        n += line.graph->data()->size();
    return n;
}

void MemoryChart::setSeriesVisible(const QString& name, bool visible)
{
    QCPGraph* graph = graphForSeries(name);
    if (!graph && m_oomGraph && m_oomGraph->name() == name)
        graph = m_oomGraph;
    if (!graph && m_restartGraph && m_restartGraph->name() == name)
        graph = m_restartGraph;
    if (!graph || graph->visible() == visible)
        return;
    graph->setVisible(visible);
    if (QCPPlottableLegendItem* item = m_plot->legend->itemWithPlottable(graph))
        item->setTextColor(visible ? QColor(0x20, 0x20, 0x20) : chartpalette::hiddenText());
    refreshMarkerGraphs();
    redecimate(screenColumns());
    fitValueAxes();
    if (m_crosshair->isVisible())
        showCrosshairAt(m_crosshair->timeMs());
    m_plot->replot();
}

bool MemoryChart::isSeriesVisible(const QString& name) const
{
    const QCPGraph* graph = graphForSeries(name);
    return graph && graph->visible();
}

void MemoryChart::onLegendClick(QCPLegend*, QCPAbstractLegendItem* item, QMouseEvent*)
{
    if (auto* plottableItem = qobject_cast<QCPPlottableLegendItem*>(item))
        setSeriesVisible(plottableItem->plottable()->name(), !plottableItem->plottable()->visible());
}

void MemoryChart::onPlotMousePress(QMouseEvent* event)
{
    // QCustomPlot emits mousePress before it decides what the press starts, so choosing the mode here
    // makes a plain drag a zoom rectangle and Shift+drag a pan; outside the axis rect (legend) a press
    // must reach the legend items, which an active selection rectangle would swallow.
    const bool inAxisRect = m_plot->axisRect()->rect().contains(event->pos());
    const bool pan = event->modifiers().testFlag(Qt::ShiftModifier);
    m_plot->setSelectionRectMode(
        inAxisRect && !pan && event->button() == Qt::LeftButton ? QCP::srmCustom : QCP::srmNone);
    hideCrosshair();
}

void MemoryChart::onZoomRectAccepted(const QRect& rect)
{
    if (rect.width() < 4)
        return; // a shaky click, not a zoom
    const TimeRange visible = visibleRange();
    TimeAxisMapping mapping { visible.startMs, visible.endMs, static_cast<double>(m_plot->axisRect()->left()),
        static_cast<double>(m_plot->axisRect()->width()) };
    setVisibleRange({ mapping.timeAt(rect.left()), mapping.timeAt(rect.right()) });
}

void MemoryChart::onPlotMouseMove(QMouseEvent* event)
{
    if (event->buttons() != Qt::NoButton || !m_data || !m_plot->axisRect()->rect().contains(event->pos())) {
        hideCrosshair();
        QToolTip::hideText();
        return;
    }
    showCrosshairAt(toMs(m_plot->xAxis->pixelToCoord(event->pos().x())));
    const QString tip = toolTipAt(event->pos());
    if (tip.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), tip, m_plot);
}

bool MemoryChart::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_plot) {
        if (event->type() == QEvent::Leave)
            hideCrosshair();
        // QCustomPlot replots (queued) on resize; a wider plot needs more columns first.
        if (event->type() == QEvent::Resize && m_data && screenColumns() != m_decimatedColumns) {
            redecimate(screenColumns());
            fitValueAxes();
        }
    }
    return QWidget::eventFilter(watched, event);
}

std::vector<CrosshairReading> MemoryChart::readingsAt(qint64 tMs) const
{
    std::vector<CrosshairReading> readings;
    const qint64 span = visibleRange().durationMs();
    for (const DrawnLine& line : m_lines) {
        if (!line.graph->visible())
            continue;
        std::optional<double> value;
        if (line.interpolate) {
            value = interpolatedValue(*line.samples, tMs);
            if (!value)
                continue; // a fitted line only speaks for its own window
        } else if (auto s = nearestSample(*line.samples, tMs, line.gapMs > 0 ? line.gapMs : span)) {
            value = s->value;
        }
        QString text = tr("no data");
        if (value && line.isRate)
            text = QString::number(*value, 'f', *value < 10.0 ? 2 : 0) + QStringLiteral(" req/s");
        else if (value)
            text = formatBinaryBytes(*value);
        readings.push_back({ line.name, line.colour, text });
    }
    if (m_data && m_data->limitBytes)
        readings.push_back({ tr("limit"), chartpalette::limit(), formatBinaryBytes(*m_data->limitBytes) });
    return readings;
}

void MemoryChart::showCrosshairAt(qint64 tMs)
{
    if (!m_data)
        return;
    m_crosshair->show(tMs, m_plot->xAxis->coordToPixel(toKey(tMs)),
        formatTime(tMs, QStringLiteral("ddd d MMM yyyy HH:mm:ss")), readingsAt(tMs));
}

void MemoryChart::hideCrosshair()
{
    m_crosshair->hide();
}

QString MemoryChart::crosshairText() const
{
    return m_crosshair->isVisible() ? m_crosshair->plainText() : QString();
}

QString MemoryChart::toolTipAt(const QPoint& plotPos) const
{
    if (!m_data || !m_plot->axisRect()->rect().contains(plotPos))
        return {};
    const qint64 t0 = toMs(m_plot->xAxis->pixelToCoord(plotPos.x() - kMarkerHitPx));
    const qint64 t1 = toMs(m_plot->xAxis->pixelToCoord(plotPos.x() + kMarkerHitPx));
    auto it = std::lower_bound(
        m_markers.begin(), m_markers.end(), t0, [](const PlacedMarker& m, qint64 t) { return m.tMs < t; });
    const PlacedMarker* best = nullptr;
    double bestDistance = kMarkerHitPx;
    for (; it != m_markers.end() && it->tMs <= t1; ++it) {
        const QCPGraph* markerGraph = it->kind == ChartMarker::OomKill ? m_oomGraph : m_restartGraph;
        const QCPGraph* pod = graphForSeries(it->pod);
        if (!markerGraph || !markerGraph->visible() || (pod && !pod->visible()))
            continue;
        const double dx = m_plot->xAxis->coordToPixel(toKey(it->tMs)) - plotPos.x();
        const double dy = m_plot->yAxis->coordToPixel(it->value) - plotPos.y();
        const double distance = std::hypot(dx, dy);
        if (distance <= bestDistance) {
            bestDistance = distance;
            best = &*it;
        }
    }
    if (best)
        return best->tooltip;
    const qint64 t = toMs(m_plot->xAxis->pixelToCoord(plotPos.x()));
    for (const DrawnBand& band : m_bands) {
        if (t >= band.band->startMs && t < band.band->endMs) {
            const QString span = formatTime(band.band->startMs, QStringLiteral("HH:mm")) + QStringLiteral(" – ")
                + formatTime(band.band->endMs, QStringLiteral("HH:mm")) + QStringLiteral(" (")
                + formatDuration(band.band->endMs - band.band->startMs) + QLatin1Char(')');
            return band.band->label.isEmpty() ? span : band.band->label + QLatin1Char('\n') + span;
        }
    }
    return {};
}

Status MemoryChart::exportPng(const QString& path, int width, int height)
{
    if (width < 16 || height < 16 || width > 16384 || height > 16384) {
        return makeError(ErrorCode::InvalidArgument,
            "Cannot export the memory chart: " + std::to_string(width) + "x" + std::to_string(height)
                + " is not a usable image size",
            "choose a width and height between 16 and 16384 pixels");
    }
    hideCrosshair();
    // Decimate for the export's width so a wide PNG is as exact as the screen, then restore.
    redecimate(width);
    updateBandLabels(width - (m_plot->width() - m_plot->axisRect()->width()));
    const QImage image = m_plot->toPixmap(width, height, 1.0).toImage();
    redecimate(screenColumns());
    updateBandLabels(m_plot->axisRect()->width());
    m_plot->replot();

    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        return makeError(ErrorCode::Io,
            "Cannot write the chart image " + path.toStdString() + ": " + file.errorString().toStdString(),
            "check that the folder exists and is writable");
    }
    if (image.isNull() || !image.save(&file, "PNG")) {
        file.cancelWriting();
        return makeError(ErrorCode::Io, "Cannot encode the chart as PNG for " + path.toStdString(),
            "check the free disk space and that Qt's PNG image plugin is available");
    }
    if (!file.commit()) {
        return makeError(ErrorCode::Io,
            "Cannot save the chart image " + path.toStdString() + ": " + file.errorString().toStdString(),
            "check the free disk space and the folder's permissions");
    }
    return Ok {};
}

} // namespace leakdesk::ui
