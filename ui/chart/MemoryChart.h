#pragma once
// MemoryChart: the memory-over-time chart of runbook step 1. One widget owns the QCustomPlot; everything
// the chart shows comes from one immutable MemoryChartData snapshot.
//
// Millions of samples stay interactive because the plot never sees them: on every change of the visible
// span the chart asks decimateMinMax() for the min/max of each pixel column of each line and hands QCustomPlot
// that (at most 2 points per column). The snapshot itself is never touched, so the crosshair and the
// markers read exact values.
//
// Mouse: drag = zoom to the dragged time span, wheel = zoom around the cursor, Shift+drag = pan,
// double-click = back to the range preset, hover = crosshair with values, click a legend entry = hide/show.

#include "core/common/Result.h"
#include "core/common/Series.h"
#include "ui/chart/MemoryChartData.h"

#include <QColor>
#include <QString>
#include <QWidget>

#include <memory>
#include <optional>
#include <vector>

class QCustomPlot;
class QCPGraph;
class QCPAbstractItem;
class QCPLegend;
class QCPAbstractLegendItem;
class QCPRange;
class QMouseEvent;
class QPoint;

namespace leakdesk::ui {

class AbsoluteRangePicker;
class ChartBands;
class ChartCrosshair;
class ChartMarkers;
class RangePresetBar;
struct CrosshairReading;

class MemoryChart : public QWidget {
    Q_OBJECT
public:
    explicit MemoryChart(QWidget* parent = nullptr);
    ~MemoryChart() override;

    // Replaces everything shown. The chart keeps the snapshot alive and never modifies it.
    // The current range preset is re-applied to the new data (a manual zoom is kept when it still
    // overlaps the data).
    void setData(std::shared_ptr<const MemoryChartData> data);
    std::shared_ptr<const MemoryChartData> data() const { return m_data; }

    // Shows [nowMs - preset, nowMs] (All: from the first sample), extended past nowMs by up to a quarter
    // of the span when a projection runs into the future; checks the matching button. The initial preset
    // is Last6Hours; double-click returns to the last preset chosen.
    void setRangePreset(RangePreset preset);
    // The memory axis from the lowest to the highest visible value (true), or from 0 to the limit.
    void setFitToData(bool fit);
    bool fitsData() const { return m_fitToData; }
    // The preset in effect, or empty once the user zoomed or panned away from it.
    std::optional<RangePreset> rangePreset() const { return m_preset; }
    // Shows an explicit span (clamped to a minimum of one minute); clears the preset. Presets and
    // explicit spans are shown whole, however little data they hold (whoever feeds the chart
    // fetches what they lack); zooming out by hand stops at 1.5 times the data or the span shown.
    void setVisibleRange(leakdesk::TimeRange range);
    leakdesk::TimeRange visibleRange() const;

    // Hides or shows a line by its name (pod, overlay line or request rate), exactly like clicking its
    // legend entry. Unknown names are ignored.
    void setSeriesVisible(const QString& name, bool visible);
    bool isSeriesVisible(const QString& name) const;

    // What the history behind the chart is doing ("loading 7d…") or why it failed (error: red).
    void setHistoryStatus(const QString& text, bool error = false);
    // The absolute range picker ("Range…"), opened on the visible span; its Apply shows the range.
    void openRangePicker();
    AbsoluteRangePicker* rangePicker() const { return m_picker; } // null until first opened
    RangePresetBar* presetBar() const { return m_presetBar; }

    // Inspection, for tests and the benchmark.
    int podGraphCount() const { return static_cast<int>(m_podGraphs.size()); }
    QCPGraph* podGraph(int index) const;
    QCPGraph* graphForSeries(const QString& name) const; // pods, overlays, request rate
    int markerCount(ChartMarker::Kind kind) const;
    int bandCount() const;
    int drawnPointCount() const; // points currently handed to QCustomPlot over all lines
    QCustomPlot* plot() const { return m_plot; }

    // Crosshair and hover text, as hovering the plot at that place shows them.
    void showCrosshairAt(qint64 tMs);
    void hideCrosshair();
    QString crosshairText() const; // empty while hidden
    // The tooltip of a marker or band under a position in plot() coordinates (empty: none).
    QString toolTipAt(const QPoint& plotPos) const;

    // Renders the chart into a width x height PNG (decimated for that width) and writes it atomically.
    leakdesk::Status exportPng(const QString& path, int width, int height);

signals:
    // After every change of the visible span (preset, zoom, pan, new data).
    void visibleRangeChanged(qint64 startMs, qint64 endMs);
    // The user chose an auto-refresh interval in the bar (0: off).
    void autoRefreshChanged(int intervalMs);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    bool m_fitToData = false;
    struct DrawnLine {
        QCPGraph* graph = nullptr;
        const std::vector<leakdesk::Sample>* samples = nullptr; // inside m_data
        std::int64_t gapMs = 0;
        QString name;
        QColor colour;
        bool isPod = false;
        bool isRate = false;
        bool interpolate = false; // fitted lines: crosshair interpolates instead of snapping
    };

    void setUpPlot();
    void clearDrawnData();
    QCPGraph* addLine(const std::vector<leakdesk::Sample>& samples, const QString& name, const QPen& pen, bool isPod,
        bool isRate, bool interpolate);
    void addLimitAndNow();
    bool isPodShown(const QString& pod) const;
    leakdesk::TimeRange dataSpan() const;
    leakdesk::TimeRange presetSpan(RangePreset preset) const;
    void applyRange(leakdesk::TimeRange range, std::optional<RangePreset> preset);
    void onRangeChanged(const QCPRange& range);
    void redecimate(int columns);
    int screenColumns() const;
    void fitValueAxes();
    void onPlotMousePress(QMouseEvent* event);
    void onPlotMouseMove(QMouseEvent* event);
    void onLegendClick(QCPLegend* legend, QCPAbstractLegendItem* item, QMouseEvent* event);
    void onZoomRectAccepted(const QRect& rect);
    std::vector<CrosshairReading> readingsAt(qint64 tMs) const;

    QCustomPlot* m_plot = nullptr;
    std::unique_ptr<ChartCrosshair> m_crosshair;
    std::unique_ptr<ChartMarkers> m_markers;
    std::unique_ptr<ChartBands> m_bands;
    RangePresetBar* m_presetBar = nullptr;
    AbsoluteRangePicker* m_picker = nullptr;
    qint64 m_appliedSpanMs = 0; // of the last preset or explicit span: hand zooming may go this far out
    std::shared_ptr<const MemoryChartData> m_data;
    std::vector<DrawnLine> m_lines;
    std::vector<QCPGraph*> m_podGraphs;
    std::vector<QCPAbstractItem*> m_dataItems; // limit line and label, "now" line: removed on setData
    std::optional<RangePreset> m_preset = RangePreset::Last6Hours;
    RangePreset m_resetPreset = RangePreset::Last6Hours; // what double-click returns to
    int m_decimatedColumns = 0;
    bool m_inRangeChange = false;
    bool m_applyingRange = false;
    bool m_rangeRefreshed = false;
};

} // namespace leakdesk::ui
