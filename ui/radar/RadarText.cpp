#include "ui/radar/RadarText.h"

#include "ui/heap/ByteText.h"

#include <QCoreApplication>

#include <cmath>

namespace leakdesk::ui {

namespace {
QString tr(const char* text)
{
    return QCoreApplication::translate("RadarText", text);
}
} // namespace

QString noValueText()
{
    return QStringLiteral("—");
}

QString growthPerHourText(double bytesPerHour)
{
    if (!std::isfinite(bytesPerHour))
        return noValueText();
    const QString magnitude = byteText(std::uint64_t(std::llround(std::fabs(bytesPerHour))));
    // Under half a byte an hour is nothing: no sign on a zero.
    if (std::fabs(bytesPerHour) < 0.5)
        return tr("0 B/h");
    return tr("%1%2/h").arg(bytesPerHour < 0 ? QStringLiteral("−") : QStringLiteral("+"), magnitude);
}

QString timeToLimitText(std::optional<double> hours)
{
    if (!hours || !std::isfinite(*hours))
        return noValueText();
    if (*hours <= 0)
        return tr("at the limit");
    const auto minutes = static_cast<long long>(std::llround(*hours * 60.0));
    if (minutes < 1)
        return tr("in under 1 min");
    if (minutes < 60)
        return tr("in %1 min").arg(minutes);
    if (minutes < 48 * 60) {
        const long long h = minutes / 60, m = minutes % 60;
        return m == 0 ? tr("in %1 h").arg(h) : tr("in %1 h %2 min").arg(h).arg(m);
    }
    const long long totalHours = std::llround(*hours);
    const long long d = totalHours / 24, h = totalHours % 24;
    return h == 0 ? tr("in %1 d").arg(d) : tr("in %1 d %2 h").arg(d).arg(h);
}

} // namespace leakdesk::ui
