#include "ui/chart/ByteAxisTicker.h"

#include <array>
#include <cmath>

namespace leakdesk::ui {

namespace {
constexpr std::array<const char*, 5> kUnits { "B", "KiB", "MiB", "GiB", "TiB" };
}

QString formatBinaryBytes(double bytes, int maxDecimals)
{
    if (!std::isfinite(bytes))
        return QStringLiteral("–");
    const double magnitude = std::fabs(bytes);
    std::size_t unit = 0;
    double scaled = bytes;
    while (unit + 1 < kUnits.size() && magnitude >= std::ldexp(1.0, 10 * static_cast<int>(unit + 1))) {
        ++unit;
    }
    scaled = bytes / std::ldexp(1.0, 10 * static_cast<int>(unit));
    QString number = QString::number(scaled, 'f', unit == 0 ? 0 : maxDecimals);
    if (number.contains(QLatin1Char('.'))) {
        while (number.endsWith(QLatin1Char('0')))
            number.chop(1);
        if (number.endsWith(QLatin1Char('.')))
            number.chop(1);
    }
    if (number == QLatin1String("-0"))
        number = QStringLiteral("0");
    return number + QLatin1Char(' ') + QLatin1String(kUnits[unit]);
}

double ByteAxisTicker::binaryTickStep(double rangeSize, int tickCount)
{
    if (!(rangeSize > 0.0) || tickCount < 1)
        return 1.0;
    const double wished = rangeSize / tickCount;
    // Steps 1, 2, 4, ..., 512 of each unit, then the next unit: a power of two either way, except that a
    // unit boundary (1024 of the smaller) reads better as "1 GiB" than "1024 MiB", which it is anyway.
    const double step = std::exp2(std::ceil(std::log2(wished)));
    return std::max(step, 1.0);
}

double ByteAxisTicker::getTickStep(const QCPRange& range)
{
    return binaryTickStep(range.size(), tickCount());
}

int ByteAxisTicker::getSubTickCount(double tickStep)
{
    Q_UNUSED(tickStep)
    return 1; // one sub tick halves every binary step, still a round number
}

QString ByteAxisTicker::getTickLabel(double tick, const QLocale& locale, QChar formatChar, int precision)
{
    Q_UNUSED(locale)
    Q_UNUSED(formatChar)
    Q_UNUSED(precision)
    return formatBinaryBytes(tick);
}

} // namespace leakdesk::ui
