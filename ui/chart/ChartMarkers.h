#pragma once
// Restart and OOM-kill markers of the memory chart. Each marker sits on its pod's line at the last value
// before the event (so an OOM kill tops its tooth), drawn as one scatter graph per kind: red downward
// triangles for OOM kills, hollow dark circles for plain restarts. A hidden pod hides its markers.

#include "ui/chart/MemoryChartData.h"

#include <QPointF>
#include <QString>

#include <functional>
#include <vector>

class QCustomPlot;
class QCPGraph;

namespace leakdesk::ui {

class ChartMarkers {
public:
    using PodVisible = std::function<bool(const QString& pod)>;

    explicit ChartMarkers(QCustomPlot* plot);

    // Places the snapshot's markers and adds the scatter graphs (after the lines, so they draw on top).
    void set(const MemoryChartData& data, const PodVisible& podVisible);
    // Forgets the graphs; call after the plot's graphs were cleared.
    void clear();
    // Re-filters the drawn markers after a pod was hidden or shown.
    void refresh(const PodVisible& podVisible);

    int count(ChartMarker::Kind kind) const;
    QCPGraph* graph(ChartMarker::Kind kind) const { return kind == ChartMarker::OomKill ? m_oomGraph : m_restartGraph; }
    // The tooltip of the visible marker nearest to a pixel position within hitPx, empty when none.
    QString toolTipAt(QPointF pixel, double hitPx, const PodVisible& podVisible) const;

private:
    struct Placed {
        qint64 tMs = 0;
        double value = 0.0;
        ChartMarker::Kind kind = ChartMarker::Restart;
        QString pod;
        QString tooltip;
    };
    QCustomPlot* m_plot;
    std::vector<Placed> m_markers; // ascending by tMs
    QCPGraph* m_oomGraph = nullptr;
    QCPGraph* m_restartGraph = nullptr;
};

} // namespace leakdesk::ui
