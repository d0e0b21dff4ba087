#pragma once
// Axis ticks for memory in bytes. Steps are binary (…, 128 MiB, 256 MiB, 512 MiB, 1 GiB, …) so ticks land
// on the numbers Kubernetes limits are written in (a 2Gi limit sits exactly on a tick), and labels use
// binary units the way kubectl and the runbook do.

#include "ui/chart/QCustomPlotInclude.h"

#include <QString>

namespace leakdesk::ui {

// "0 B", "512 MiB", "1 GiB", "1.5 GiB", "1.25 GiB": the largest binary unit not above the value, with at
// most `maxDecimals` decimals and no trailing zeros.
QString formatBinaryBytes(double bytes, int maxDecimals = 2);

class ByteAxisTicker : public QCPAxisTicker {
public:
    // The binary step for a range and a wished number of ticks: the smallest of {1, 2, 4, ... 512} x
    // {B, KiB, MiB, GiB, TiB} that yields at most `tickCount` + 1 intervals.
    static double binaryTickStep(double rangeSize, int tickCount);

protected:
    double getTickStep(const QCPRange& range) override;
    int getSubTickCount(double tickStep) override;
    QString getTickLabel(double tick, const QLocale& locale, QChar formatChar, int precision) override;
};

} // namespace leakdesk::ui
