#pragma once
// The crosshair of the memory chart: a vertical line at the hovered instant and a box listing the time and
// every visible line's value there. The line lives on its own buffered QCustomPlot layer so following the
// mouse repaints one transparent layer instead of replotting millions of points' worth of graphs; the box
// is a plain QLabel over the plot (rich text, never part of an exported PNG).

#include <QColor>
#include <QString>
#include <QtGlobal>

#include <vector>

class QCustomPlot;
class QCPItemStraightLine;
class QCPLayer;
class QLabel;

namespace leakdesk::ui {

struct CrosshairReading {
    QString name;
    QColor colour;
    QString valueText; // "1.42 GiB", "120 req/s", "no data"
};

class ChartCrosshair {
public:
    explicit ChartCrosshair(QCustomPlot* plot);

    // Shows the line at tMs and the box next to pixel x (flipped to the left near the right edge).
    void show(qint64 tMs, double px, const QString& timeText, const std::vector<CrosshairReading>& readings);
    void hide();
    bool isVisible() const { return m_visible; }
    qint64 timeMs() const { return m_tMs; }
    // The box as plain text, one line per row: the time, then "name: value".
    QString plainText() const { return m_plainText; }

private:
    QCustomPlot* m_plot;
    QCPLayer* m_layer = nullptr;
    QCPItemStraightLine* m_line = nullptr;
    QLabel* m_box = nullptr;
    bool m_visible = false;
    qint64 m_tMs = 0;
    QString m_plainText;
};

} // namespace leakdesk::ui
