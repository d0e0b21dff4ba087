#pragma once
// The shaded time spans of the memory chart (one per sawtooth segment): alternating grey rectangles
// under the grid, each with a label that is shown only where it fits inside its band.

#include "ui/chart/MemoryChartData.h"

#include <QString>

#include <vector>

class QCustomPlot;
class QCPItemRect;
class QCPItemText;

namespace leakdesk::ui {

class ChartBands {
public:
    ChartBands(QCustomPlot* plot, QString layer);

    // Replaces the drawn bands; `bands` must outlive them (it lives in the chart's snapshot).
    void set(const std::vector<ChartBand>& bands);
    void clear();
    int count() const { return static_cast<int>(m_bands.size()); }

    // Re-centres labels on the visible part of each band and hides those that do not fit.
    void layOutLabels(leakdesk::TimeRange visible, double axisWidthPx);
    // "segment 3\n08:12 – 09:47 (1 h 35 min)" for the band holding tMs, empty when none does.
    QString toolTipAt(qint64 tMs) const;

private:
    struct Drawn {
        QCPItemRect* rect = nullptr;
        QCPItemText* label = nullptr;
        const ChartBand* band = nullptr;
    };
    QCustomPlot* m_plot;
    QString m_layer;
    std::vector<Drawn> m_bands;
};

} // namespace leakdesk::ui
