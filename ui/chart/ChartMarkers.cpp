#include "ui/chart/ChartMarkers.h"

#include "ui/chart/ChartPalette.h"
#include "ui/chart/QCustomPlotInclude.h"
#include "ui/chart/SeriesLookup.h"

#include <QCoreApplication>
#include <QDateTime>

#include <algorithm>
#include <cmath>

namespace leakdesk::ui {

namespace {
double toKey(qint64 tMs)
{
    return static_cast<double>(tMs) / 1000.0;
}
QString tr(const char* text)
{
    return QCoreApplication::translate("MemoryChart", text);
}
} // namespace

ChartMarkers::ChartMarkers(QCustomPlot* plot)
    : m_plot(plot)
{ }

void ChartMarkers::clear()
{
    m_markers.clear();
    m_oomGraph = nullptr;
    m_restartGraph = nullptr;
}

void ChartMarkers::set(const MemoryChartData& data, const PodVisible& podVisible)
{
    clear();
    for (const ChartMarker& marker : data.markers) {
        Placed placed { marker.tMs, data.limitBytes.value_or(0.0), marker.kind, marker.pod, marker.tooltip };
        const auto pod = std::find_if(
            data.pods.begin(), data.pods.end(), [&](const ChartSeries& s) { return s.name == marker.pod; });
        if (pod != data.pods.end()) {
            if (auto s = sampleAtOrBefore(pod->samples, marker.tMs))
                placed.value = s->value;
        }
        if (placed.tooltip.isEmpty()) {
            placed.tooltip = (marker.kind == ChartMarker::OomKill ? tr("OOMKilled") : tr("Restarted"))
                + QLatin1Char(' ') + marker.pod + QLatin1Char('\n')
                + QDateTime::fromMSecsSinceEpoch(marker.tMs).toString(QStringLiteral("ddd d MMM HH:mm:ss"));
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
    if (count(ChartMarker::Restart) > 0) {
        m_restartGraph = makeGraph(tr("restart"),
            QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(chartpalette::restart(), 1.6), QBrush(Qt::white), 7));
    }
    if (count(ChartMarker::OomKill) > 0) {
        m_oomGraph = makeGraph(tr("OOM kill"),
            QCPScatterStyle(
                QCPScatterStyle::ssTriangleInverted, QPen(Qt::white, 1.0), QBrush(chartpalette::oomKill()), 11));
    }
    refresh(podVisible);
}

void ChartMarkers::refresh(const PodVisible& podVisible)
{
    QVector<QCPGraphData> restarts;
    QVector<QCPGraphData> ooms;
    for (const Placed& m : m_markers) {
        if (podVisible(m.pod))
            (m.kind == ChartMarker::OomKill ? ooms : restarts).append(QCPGraphData(toKey(m.tMs), m.value));
    }
    if (m_restartGraph)
        m_restartGraph->data()->set(restarts, true);
    if (m_oomGraph)
        m_oomGraph->data()->set(ooms, true);
}

int ChartMarkers::count(ChartMarker::Kind kind) const
{
    return static_cast<int>(
        std::count_if(m_markers.begin(), m_markers.end(), [kind](const Placed& m) { return m.kind == kind; }));
}

QString ChartMarkers::toolTipAt(QPointF pixel, double hitPx, const PodVisible& podVisible) const
{
    QCPAxis* x = m_plot->xAxis;
    QCPAxis* y = m_plot->yAxis;
    const auto t0 = std::llround(x->pixelToCoord(pixel.x() - hitPx) * 1000.0);
    const auto t1 = std::llround(x->pixelToCoord(pixel.x() + hitPx) * 1000.0);
    auto it
        = std::lower_bound(m_markers.begin(), m_markers.end(), t0, [](const Placed& m, qint64 t) { return m.tMs < t; });
    const Placed* best = nullptr;
    double bestDistance = hitPx;
    for (; it != m_markers.end() && it->tMs <= t1; ++it) {
        const QCPGraph* g = graph(it->kind);
        if (!g || !g->visible() || !podVisible(it->pod))
            continue;
        const double distance
            = std::hypot(x->coordToPixel(toKey(it->tMs)) - pixel.x(), y->coordToPixel(it->value) - pixel.y());
        if (distance <= bestDistance) {
            bestDistance = distance;
            best = &*it;
        }
    }
    return best ? best->tooltip : QString();
}

} // namespace leakdesk::ui
