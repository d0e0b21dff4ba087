#include "ui/chart/SegmentedLineGraph.h"

#include <cmath>

namespace leakdesk::ui {

SegmentedLineGraph::SegmentedLineGraph(QCPAxis* keyAxis, QCPAxis* valueAxis)
    : QCPGraph(keyAxis, valueAxis)
{ }

void SegmentedLineGraph::drawLinePlot(QCPPainter* painter, const QVector<QPointF>& lines) const
{
    // Dashes must run on across segments, and vector output (PDF) wants real polylines.
    if (painter->pen().style() != Qt::SolidLine || painter->modes().testFlag(QCPPainter::pmVectorized)) {
        QCPGraph::drawLinePlot(painter, lines);
        return;
    }
    if (painter->pen().color().alpha() == 0)
        return;
    applyDefaultAntialiasingHint(painter);
    QVector<QLineF> segments;
    segments.reserve(lines.size());
    const auto finite = [](const QPointF& p) { return std::isfinite(p.x()) && std::isfinite(p.y()); };
    for (qsizetype i = 1; i < lines.size(); ++i) {
        if (finite(lines[i - 1]) && finite(lines[i])) // a NaN is a gap in the data: no segment across it
            segments.append(QLineF(lines[i - 1], lines[i]));
    }
    painter->QPainter::drawLines(segments.constData(), static_cast<int>(segments.size()));
}

} // namespace leakdesk::ui
