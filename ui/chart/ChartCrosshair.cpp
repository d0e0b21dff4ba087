#include "ui/chart/ChartCrosshair.h"

#include "ui/chart/ChartPalette.h"

#include "ui/chart/QCustomPlotInclude.h"

#include <QLabel>

namespace leakdesk::ui {

ChartCrosshair::ChartCrosshair(QCustomPlot* plot)
    : m_plot(plot)
{
    const QString layerName = QStringLiteral("crosshair");
    m_plot->addLayer(layerName, m_plot->layer(QStringLiteral("overlay")), QCustomPlot::limBelow);
    m_layer = m_plot->layer(layerName);
    m_layer->setMode(QCPLayer::lmBuffered);

    m_line = new QCPItemStraightLine(m_plot);
    m_line->setLayer(m_layer);
    m_line->setPen(QPen(chartpalette::crosshair(), 1.0, Qt::DashLine));
    m_line->setSelectable(false);
    m_line->setVisible(false);

    m_box = new QLabel(m_plot);
    m_box->setTextFormat(Qt::RichText);
    m_box->setAttribute(Qt::WA_TransparentForMouseEvents);
    m_box->setStyleSheet(QStringLiteral("QLabel { background: rgba(255, 255, 255, 235); color: #202020;"
                                        " border: 1px solid #c8c8c8; border-radius: 4px; padding: 4px 6px; }"));
    m_box->hide();
}

void ChartCrosshair::show(qint64 tMs, double px, const QString& timeText, const std::vector<CrosshairReading>& readings)
{
    m_tMs = tMs;
    const double key = static_cast<double>(tMs) / 1000.0;
    m_line->point1->setCoords(key, 0.0);
    m_line->point2->setCoords(key, 1.0);
    m_line->setVisible(true);

    QString html = QStringLiteral("<b>") + timeText.toHtmlEscaped() + QStringLiteral("</b><table cellspacing=\"0\">");
    m_plainText = timeText;
    for (const CrosshairReading& r : readings) {
        html += QStringLiteral("<tr><td><span style=\"color:") + r.colour.name()
            + QStringLiteral("\">&#9632;</span>&nbsp;") + r.name.toHtmlEscaped()
            + QStringLiteral("&nbsp;&nbsp;</td><td align=\"right\">") + r.valueText.toHtmlEscaped()
            + QStringLiteral("</td></tr>");
        m_plainText += QLatin1Char('\n') + r.name + QStringLiteral(": ") + r.valueText;
    }
    html += QStringLiteral("</table>");
    m_box->setText(html);
    m_box->adjustSize();

    // Beside the cursor, flipped when it would leave the axis rect; near the top so it hides little data.
    const QRect area = m_plot->axisRect()->rect();
    int x = static_cast<int>(px) + 12;
    if (x + m_box->width() > area.right())
        x = static_cast<int>(px) - 12 - m_box->width();
    m_box->move(std::max(x, area.left()), area.top() + 8);
    m_box->show();
    m_box->raise();
    m_visible = true;
    m_layer->replot();
}

void ChartCrosshair::hide()
{
    if (!m_visible)
        return;
    m_visible = false;
    m_plainText.clear();
    m_line->setVisible(false);
    m_box->hide();
    m_layer->replot();
}

} // namespace leakdesk::ui
