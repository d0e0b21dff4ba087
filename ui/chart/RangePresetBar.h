#pragma once
// The row above the memory chart: range preset buttons (1h, 6h, 24h, 7d, All), an absolute range
// ("Range…"), auto-refresh (off, 30 s, 1 min, 5 min), what the history is doing ("loading 7d…" or
// why it failed) and a short reminder of the mouse gestures. Preset buttons are checkable; none is
// checked once the user zoomed away from a preset or chose an absolute range.

#include "ui/chart/MemoryChartData.h"

#include <QWidget>

#include <optional>

class QButtonGroup;
class QComboBox;
class QLabel;

namespace leakdesk::ui {

class RangePresetBar : public QWidget {
    Q_OBJECT
public:
    explicit RangePresetBar(QWidget* parent = nullptr);

    // Checks the preset's button, or none.
    void setCurrent(std::optional<RangePreset> preset);
    // "loading 7d…", or an error (shown in red, the full text as tooltip); empty hides it.
    void setStatus(const QString& text, bool error);
    QString statusText() const;
    int autoRefreshMs() const; // 0: off

signals:
    void presetChosen(leakdesk::ui::RangePreset preset);
    // "Fit" toggled: the memory axis spans the data's own range instead of 0 to the limit.
    void fitToDataToggled(bool fit);
    void absoluteRangeRequested();
    void autoRefreshChosen(int intervalMs); // 0: off

private:
    QButtonGroup* m_buttons = nullptr;
    QComboBox* m_refresh = nullptr;
    QLabel* m_status = nullptr;
};

// The preset's button text ("24h"), as the status line names it.
QString rangePresetName(RangePreset preset);
// How long the preset's span is; 0 for All (as long as the history).
qint64 rangePresetDurationMs(RangePreset preset);

} // namespace leakdesk::ui
