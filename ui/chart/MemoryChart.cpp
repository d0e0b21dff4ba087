#include "ui/chart/MemoryChart.h"

#include "ui/chart/AbsoluteRangePicker.h"
#include "ui/chart/ByteAxisTicker.h"
#include "ui/chart/ChartAxes.h"
#include "ui/chart/ChartBands.h"
#include "ui/chart/ChartCrosshair.h"
#include "ui/chart/ChartMarkers.h"
#include "ui/chart/ChartPalette.h"
#include "ui/chart/MinMaxDecimation.h"
#include "ui/chart/QCustomPlotInclude.h"
#include "ui/chart/RangePresetBar.h"
#include "ui/chart/SegmentedLineGraph.h"
#include "ui/chart/SeriesLookup.h"

#include <QDateTime>
#include <QSaveFile>
#include <QScopedValueRollback>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

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

} // namespace

MemoryChart::MemoryChart(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    m_presetBar = new RangePresetBar(this);
    connect(m_presetBar, &RangePresetBar::presetChosen, this, &MemoryChart::setRangePreset);
    connect(m_presetBar, &RangePresetBar::fitToDataToggled, this, &MemoryChart::setFitToData);
    connect(m_presetBar, &RangePresetBar::absoluteRangeRequested, this, &MemoryChart::openRangePicker);
    connect(m_presetBar, &RangePresetBar::autoRefreshChosen, this, &MemoryChart::autoRefreshChanged);
    layout->addWidget(m_presetBar);
    m_plot = new QCustomPlot(this);
    layout->addWidget(m_plot, 1);
    setUpPlot();
    m_crosshair = std::make_unique<ChartCrosshair>(m_plot);
    m_markers = std::make_unique<ChartMarkers>(m_plot);
    m_bands = std::make_unique<ChartBands>(m_plot, kBandsLayer);
}

MemoryChart::~MemoryChart() = default;

void MemoryChart::setUpPlot()
{
    QFont font = this->font();
    font.setPointSizeF(std::max(font.pointSizeF(), 9.0));
    m_plot->setBackground(QBrush(Qt::white));
    m_plot->setNoAntialiasingOnDrag(true);
    // Without this hint Qt strokes each line as one wide antialiased path; on a decimated week (a few
    // thousand zigzagging min/max points per line) that took seconds per replot. Drawing segment by
    // segment (slightly rougher joins) takes milliseconds; see tests/bench/chart.
    m_plot->setPlottingHint(QCP::phFastPolylines, true);
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
        styleChartAxis(axis, font);
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
    m_bands->clear();
    m_plot->clearGraphs();
    m_markers->clear();
    m_lines.clear();
    m_podGraphs.clear();
}

void MemoryChart::setData(std::shared_ptr<const MemoryChartData> data)
{
    hideCrosshair();
    const bool hadData = m_data != nullptr;
    const TimeRange previous = visibleRange();
    clearDrawnData();
    m_data = std::move(data);
    if (!m_data) {
        m_plot->yAxis2->setVisible(false);
        m_plot->replot();
        return;
    }

    // Creation order is legend order; layers decide what is drawn on top (context lines sit under pods).
    int index = 0;
    for (const ChartSeries& pod : m_data->pods) {
        // 1.6 px with square caps: round caps look no different at this width but made Qt's rasteriser
        // ten times slower on a week of data (tests/bench/chart).
        m_podGraphs.push_back(
            addLine(pod.samples, pod.name, QPen(chartpalette::podColor(index++), 1.6), true, false, false));
    }
    if (m_data->slope)
        addLine(m_data->slope->samples, m_data->slope->name, QPen(chartpalette::slope(), 2.2), false, false, true);
    if (m_data->baseline) {
        // Exactly 1.0 wide: QCustomPlot draws it cosmetic, the one dashed stroke Qt does fast on thousands
        // of points (dashes must run across segments, so this line cannot be drawn segment by segment).
        addLine(m_data->baseline->samples, m_data->baseline->name, QPen(chartpalette::baseline(), 1.0, Qt::DashLine),
            false, false, false)
            ->setLayer(kContextLayer);
    }
    if (m_data->projection) {
        addLine(m_data->projection->samples, m_data->projection->name,
            QPen(chartpalette::projection(), 2.0, Qt::DotLine), false, false, true);
    }
    if (m_data->requestRate) {
        addLine(m_data->requestRate->samples, m_data->requestRate->name, QPen(chartpalette::requestRate(), 1.0), false,
            true, false)
            ->setLayer(kContextLayer);
    }
    m_plot->yAxis2->setVisible(m_data->requestRate.has_value());
    m_markers->set(*m_data, [this](const QString& pod) { return isPodShown(pod); });
    m_bands->set(m_data->bands);
    addLimitAndNow();

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
    // Registers itself with the plot and its legend, exactly like QCustomPlot::addGraph.
    QCPGraph* graph = new SegmentedLineGraph(m_plot->xAxis, isRate ? m_plot->yAxis2 : m_plot->yAxis);
    graph->setName(name);
    graph->setPen(pen);
    graph->setLineStyle(QCPGraph::lsLine);
    m_lines.push_back({ graph, &samples, interpolate ? 0 : typicalGapThresholdMs(samples), name, pen.color(), isPod,
        isRate, interpolate });
    return graph;
}

void MemoryChart::addLimitAndNow()
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
        auto* label = new QCPItemText(m_plot);
        label->setLayer(kContextLayer);
        label->position->setTypeX(QCPItemPosition::ptPlotCoords);
        label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        label->position->setCoords(toKey(m_data->nowMs), 0.0);
        label->setPositionAlignment(Qt::AlignRight | Qt::AlignTop);
        label->setPadding(QMargins(0, 2, 4, 0));
        label->setText(tr("now"));
        label->setFont(m_plot->xAxis->tickLabelFont());
        label->setColor(chartpalette::now());
        label->setSelectable(false);
        m_dataItems.insert(m_dataItems.end(), { now, label });
    }
}

bool MemoryChart::isPodShown(const QString& pod) const
{
    const QCPGraph* graph = graphForSeries(pod);
    return !graph || graph->visible(); // markers of unknown pods stay
}

TimeRange MemoryChart::dataSpan() const
{
    TimeRange span { std::numeric_limits<qint64>::max(), std::numeric_limits<qint64>::min() };
    for (const DrawnLine& line : m_lines) {
        if (line.samples->empty() || line.interpolate)
            continue;
        span.startMs = std::min<qint64>(span.startMs, line.samples->front().tMs);
        span.endMs = std::max<qint64>(span.endMs, line.samples->back().tMs);
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
    const qint64 duration = preset == RangePreset::All ? end - all.startMs : rangePresetDurationMs(preset);
    // A projection runs into the future: show up to a quarter of the span beyond "now" so it is visible.
    qint64 ahead = 0;
    if (m_data && m_data->projection && !m_data->projection->samples.empty())
        ahead = std::clamp<qint64>(m_data->projection->samples.back().tMs - end, 0, duration / 4);
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

void MemoryChart::setHistoryStatus(const QString& text, bool error)
{
    m_presetBar->setStatus(text, error);
}

void MemoryChart::openRangePicker()
{
    if (!m_picker) {
        m_picker = new AbsoluteRangePicker(this);
        connect(m_picker, &AbsoluteRangePicker::rangeChosen, this, [this](qint64 fromMs, qint64 toMs) {
            setVisibleRange({ fromMs, toMs });
        });
    }
    const qint64 now = m_data && m_data->nowMs > 0 ? m_data->nowMs : QDateTime::currentMSecsSinceEpoch();
    m_picker->present(visibleRange(), now);
}

void MemoryChart::applyRange(TimeRange range, std::optional<RangePreset> preset)
{
    m_appliedSpanMs = std::max<qint64>(range.durationMs(), kMinSpanMs);
    {
        QScopedValueRollback<bool> applying(m_applyingRange, true);
        m_preset = preset;
        m_presetBar->setCurrent(m_preset);
        m_rangeRefreshed = false;
        m_plot->xAxis->setRange(toKey(range.startMs), toKey(range.endMs));
        if (!m_rangeRefreshed) // same range as before: QCustomPlot does not signal, the data changed anyway
            onRangeChanged(m_plot->xAxis->range());
    }
    m_plot->replot();
}

void MemoryChart::onRangeChanged(const QCPRange& newRange)
{
    if (m_inRangeChange)
        return;
    QScopedValueRollback<bool> guard(m_inRangeChange, true);
    // Keep the span sensible: at least a minute; zooming out by hand at most a little more than the
    // history or the span last chosen. A preset or an explicit span is shown whole: clamping 24h to
    // 1.5 times a 6-hour history once showed an empty nine-hour slice (issue 15).
    const double minSpan = toKey(kMinSpanMs);
    const double maxSpan = std::max({ toKey(dataSpan().durationMs()) * 1.5, toKey(kHourMs), toKey(m_appliedSpanMs) });
    QCPRange range = newRange;
    if (range.size() < minSpan || range.size() > maxSpan) {
        const double half = std::clamp(range.size(), minSpan, maxSpan) / 2.0;
        range = QCPRange(range.center() - half, range.center() + half);
        m_plot->xAxis->setRange(range);
    }
    if (!m_applyingRange && m_preset) { // the user zoomed or panned away from the preset
        m_preset.reset();
        m_presetBar->setCurrent(m_preset);
    }
    redecimate(screenColumns());
    fitValueAxes();
    if (auto ticker = m_plot->xAxis->ticker().dynamicCast<QCPAxisTickerDateTime>())
        ticker->setDateTimeFormat(timeTickFormat(toMs(range.size())));
    m_plot->xAxis->setLabel(timeAxisCaption(visibleRange()));
    m_bands->layOutLabels(visibleRange(), m_plot->axisRect()->width() > 0 ? m_plot->axisRect()->width() : width());
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
    const TimeAxisMapping mapping { visible.startMs, visible.endMs, 0.0, static_cast<double>(columns) };
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

void MemoryChart::setFitToData(bool fit)
{
    m_fitToData = fit;
    fitValueAxes();
    m_plot->replot();
}

void MemoryChart::fitValueAxes()
{
    // Memory axes start at zero (a leak is judged against the limit, not against the visible minimum) and
    // always include the limit, so headroom is visible at a glance; "Fit" spans the visible data alone.
    double memoryMax = m_data && m_data->limitBytes && !m_fitToData ? *m_data->limitBytes : 0.0;
    double memoryMin = std::numeric_limits<double>::infinity();
    double rateMax = 0.0;
    const QCPRange keys = m_plot->xAxis->range();
    for (const DrawnLine& line : m_lines) {
        if (!line.graph->visible())
            continue;
        double& target = line.isRate ? rateMax : memoryMax;
        for (const QCPGraphData& p : *line.graph->data()) {
            if (std::isfinite(p.value) && p.key >= keys.lower && p.key <= keys.upper) {
                target = std::max(target, p.value);
                if (!line.isRate)
                    memoryMin = std::min(memoryMin, p.value);
            }
        }
    }
    if (m_fitToData && std::isfinite(memoryMin) && memoryMax > memoryMin) {
        const double pad = (memoryMax - memoryMin) * 0.08;
        m_plot->yAxis->setRange(std::max(0.0, memoryMin - pad), memoryMax + pad);
    } else {
        m_plot->yAxis->setRange(0.0, memoryMax > 0.0 ? memoryMax * 1.08 : 1024.0 * 1024.0);
    }
    m_plot->yAxis2->setRange(0.0, rateMax > 0.0 ? rateMax * 1.15 : 1.0);
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
    return m_markers->count(kind);
}

int MemoryChart::bandCount() const
{
    return m_bands->count();
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
    for (auto kind : { ChartMarker::OomKill, ChartMarker::Restart }) {
        if (!graph && m_markers->graph(kind) && m_markers->graph(kind)->name() == name)
            graph = m_markers->graph(kind);
    }
    if (!graph || graph->visible() == visible)
        return;
    graph->setVisible(visible);
    if (QCPPlottableLegendItem* item = m_plot->legend->itemWithPlottable(graph))
        item->setTextColor(visible ? QColor(0x20, 0x20, 0x20) : chartpalette::hiddenText());
    m_markers->refresh([this](const QString& pod) { return isPodShown(pod); });
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
    // makes a plain drag a zoom rectangle and Shift+drag a pan. Outside the axis rect (the legend) a press
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
    const TimeAxisMapping mapping { visible.startMs, visible.endMs, static_cast<double>(m_plot->axisRect()->left()),
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
        QDateTime::fromMSecsSinceEpoch(tMs).toString(QStringLiteral("ddd d MMM yyyy HH:mm:ss")), readingsAt(tMs));
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
    const QString marker
        = m_markers->toolTipAt(QPointF(plotPos), kMarkerHitPx, [this](const QString& pod) { return isPodShown(pod); });
    return marker.isEmpty() ? m_bands->toolTipAt(toMs(m_plot->xAxis->pixelToCoord(plotPos.x()))) : marker;
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
    m_bands->layOutLabels(visibleRange(), width - (m_plot->width() - m_plot->axisRect()->width()));
    const QImage image = m_plot->toPixmap(width, height, 1.0).toImage();
    redecimate(screenColumns());
    m_bands->layOutLabels(visibleRange(), m_plot->axisRect()->width());
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
