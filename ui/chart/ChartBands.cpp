#include "ui/chart/ChartBands.h"

#include "ui/chart/ChartPalette.h"
#include "ui/chart/QCustomPlotInclude.h"

#include <QDateTime>

namespace leakdesk::ui {

namespace {
double toKey(qint64 tMs)
{
    return static_cast<double>(tMs) / 1000.0;
}

QString formatDuration(qint64 ms)
{
    const qint64 minutes = ms / 60'000;
    if (minutes < 60)
        return QString::number(minutes) + QStringLiteral(" min");
    return QString::number(minutes / 60) + QStringLiteral(" h ") + QString::number(minutes % 60)
        + QStringLiteral(" min");
}
} // namespace

ChartBands::ChartBands(QCustomPlot* plot, QString layer)
    : m_plot(plot)
    , m_layer(std::move(layer))
{ }

void ChartBands::clear()
{
    for (const Drawn& d : m_bands) {
        m_plot->removeItem(d.rect);
        if (d.label)
            m_plot->removeItem(d.label);
    }
    m_bands.clear();
}

void ChartBands::set(const std::vector<ChartBand>& bands)
{
    clear();
    QFont font = m_plot->xAxis->tickLabelFont();
    font.setPointSizeF(font.pointSizeF() - 1.0);
    int index = 0;
    for (const ChartBand& band : bands) {
        auto* rect = new QCPItemRect(m_plot);
        rect->setLayer(m_layer);
        rect->setSelectable(false);
        rect->setAntialiased(false); // axis-aligned: nothing to smooth, and cheaper to fill
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
            label->setLayer(m_layer);
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

void ChartBands::layOutLabels(TimeRange visible, double axisWidthPx)
{
    if (visible.durationMs() <= 0)
        return;
    for (const Drawn& d : m_bands) {
        if (!d.label)
            continue;
        const qint64 start = std::max<qint64>(d.band->startMs, visible.startMs);
        const qint64 end = std::min<qint64>(d.band->endMs, visible.endMs);
        const double widthPx
            = static_cast<double>(end - start) * axisWidthPx / static_cast<double>(visible.durationMs());
        const int textPx = QFontMetrics(d.label->font()).horizontalAdvance(d.label->text()) + 8;
        d.label->setVisible(end > start && widthPx >= textPx);
        d.label->position->setCoords(toKey(start + (end - start) / 2), 1.0);
    }
}

QString ChartBands::toolTipAt(qint64 tMs) const
{
    for (const Drawn& d : m_bands) {
        const ChartBand& band = *d.band;
        if (tMs >= band.startMs && tMs < band.endMs) {
            const auto hhmm
                = [](qint64 t) { return QDateTime::fromMSecsSinceEpoch(t).toString(QStringLiteral("HH:mm")); };
            const QString span = hhmm(band.startMs) + QStringLiteral(" – ") + hhmm(band.endMs) + QStringLiteral(" (")
                + formatDuration(band.endMs - band.startMs) + QLatin1Char(')');
            return band.label.isEmpty() ? span : band.label + QLatin1Char('\n') + span;
        }
    }
    return {};
}

} // namespace leakdesk::ui
