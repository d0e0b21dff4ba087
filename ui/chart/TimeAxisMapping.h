#pragma once
// The mapping between a visible time span and the pixels of the chart's time axis. Kept apart from the
// widget so that decimation, hit-testing and the crosshair share one definition of "which pixel column
// holds this instant", and so that definition can be unit-tested without a display.

#include <QtGlobal>

namespace leakdesk::ui {

struct TimeAxisMapping {
    qint64 startMs = 0; // time at the left edge of the axis
    qint64 endMs = 0; // time at the right edge
    double leftPx = 0.0; // pixel x of the left edge
    double widthPx = 0.0; // pixel width of the axis; one column per whole pixel

    bool isValid() const { return endMs > startMs && widthPx >= 1.0; }
    qint64 spanMs() const { return endMs - startMs; }
    int columns() const;

    // Pixel x of an instant (not clamped: instants outside the span map outside the axis).
    double pixelAt(qint64 tMs) const;
    // Instant under a pixel x (not clamped).
    qint64 timeAt(double px) const;
    // Pixel column [0, columns()) holding tMs, or -1 outside [startMs, endMs]. Column c covers
    // [columnStartMs(c), columnStartMs(c + 1)); endMs itself belongs to the last column.
    int columnOf(qint64 tMs) const;
    // First millisecond of column c (c == columns() gives endMs).
    qint64 columnStartMs(int column) const;
};

} // namespace leakdesk::ui
