#include "ui/chart/ChartAxes.h"

#include "ui/chart/ChartPalette.h"
#include "ui/chart/QCustomPlotInclude.h"

#include <QCoreApplication>
#include <QDateTime>

namespace leakdesk::ui {

void styleChartAxis(QCPAxis* axis, const QFont& font)
{
    const QColor text(0x40, 0x40, 0x40);
    axis->setBasePen(QPen(chartpalette::axisLine(), 1));
    axis->setTickPen(QPen(chartpalette::axisLine(), 1));
    axis->setSubTickPen(QPen(chartpalette::axisLine(), 1));
    axis->setTickLabelColor(text);
    axis->setLabelColor(text);
    axis->setTickLabelFont(font);
    axis->setLabelFont(font);
    axis->setTickLengthIn(0);
    axis->setTickLengthOut(4);
    axis->setSubTickLengthIn(0);
    axis->setSubTickLengthOut(2);
    axis->grid()->setPen(QPen(chartpalette::grid(), 1));
    axis->grid()->setZeroLinePen(Qt::NoPen);
    axis->grid()->setSubGridVisible(false);
}

QString timeTickFormat(qint64 spanMs)
{
    constexpr qint64 minute = 60'000;
    constexpr qint64 hour = 60 * minute;
    if (spanMs < 10 * minute)
        return QStringLiteral("HH:mm:ss");
    if (spanMs <= 36 * hour)
        return QStringLiteral("HH:mm");
    if (spanMs <= 4 * 24 * hour)
        return QStringLiteral("ddd HH:mm");
    return QStringLiteral("ddd d MMM");
}

QString timeAxisCaption(TimeRange visible)
{
    const QDateTime start = QDateTime::fromMSecsSinceEpoch(visible.startMs);
    const QDateTime end = QDateTime::fromMSecsSinceEpoch(visible.endMs);
    const QString days = start.date() == end.date() ? start.toString(QStringLiteral("ddd d MMM yyyy"))
                                                    : start.toString(QStringLiteral("ddd d MMM"))
            + QStringLiteral(" – ") + end.toString(QStringLiteral("ddd d MMM yyyy"));
    return days + QStringLiteral("  (")
        + QCoreApplication::translate("MemoryChart", "local time, %1").arg(start.timeZoneAbbreviation())
        + QLatin1Char(')');
}

} // namespace leakdesk::ui
