#include "ui/chart/TimeAxisMapping.h"

#include <cmath>

namespace leakdesk::ui {

int TimeAxisMapping::columns() const
{
    return widthPx >= 1.0 ? static_cast<int>(std::floor(widthPx)) : 0;
}

double TimeAxisMapping::pixelAt(qint64 tMs) const
{
    if (!isValid())
        return leftPx;
    return leftPx + static_cast<double>(tMs - startMs) * widthPx / static_cast<double>(spanMs());
}

qint64 TimeAxisMapping::timeAt(double px) const
{
    if (!isValid())
        return startMs;
    return startMs + std::llround((px - leftPx) * static_cast<double>(spanMs()) / widthPx);
}

int TimeAxisMapping::columnOf(qint64 tMs) const
{
    const int n = columns();
    if (n <= 0 || endMs <= startMs || tMs < startMs || tMs > endMs)
        return -1;
    // Integer arithmetic so that columnOf and columnStartMs agree exactly at every boundary;
    // (t - start) * n stays far below 2^63 for any realistic span (years in ms times 10^5 pixels).
    const qint64 c = (tMs - startMs) * n / spanMs();
    return c >= n ? n - 1 : static_cast<int>(c);
}

qint64 TimeAxisMapping::columnStartMs(int column) const
{
    const int n = columns();
    if (n <= 0)
        return startMs;
    // Smallest t with (t - start) * n / span >= column, i.e. start + ceil(column * span / n).
    const qint64 num = static_cast<qint64>(column) * spanMs();
    return startMs + (num + n - 1) / n;
}

} // namespace leakdesk::ui
