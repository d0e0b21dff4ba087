#pragma once
// A QCPGraph whose solid lines are drawn as independent segments in batches, on screen and in exports.
// Qt strokes a wide antialiased polyline as one path, and a decimated line (thousands of short min/max
// zigzags) makes that path pathological: seconds per replot. QCustomPlot's phFastPolylines hint avoids it
// on screen only; QCustomPlot::toPixmap switches the hint off, which made a 1920x1080 export of a week of
// data take tens of seconds. Segment joins are slightly rougher, invisible at these widths.

#include "ui/chart/QCustomPlotInclude.h"

namespace leakdesk::ui {

class SegmentedLineGraph : public QCPGraph {
    Q_OBJECT
public:
    SegmentedLineGraph(QCPAxis* keyAxis, QCPAxis* valueAxis);

protected:
    void drawLinePlot(QCPPainter* painter, const QVector<QPointF>& lines) const override;
};

} // namespace leakdesk::ui
