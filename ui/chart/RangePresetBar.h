#pragma once
// The row above the memory chart: range preset buttons (1h, 6h, 24h, 7d, All) and a short reminder of
// the mouse gestures. Buttons are checkable; none is checked once the user zoomed away from a preset.

#include "ui/chart/MemoryChartData.h"

#include <QWidget>

#include <optional>

class QButtonGroup;

namespace leakdesk::ui {

class RangePresetBar : public QWidget {
    Q_OBJECT
public:
    explicit RangePresetBar(QWidget* parent = nullptr);

    // Checks the preset's button, or none.
    void setCurrent(std::optional<RangePreset> preset);

signals:
    void presetChosen(leakdesk::ui::RangePreset preset);
    // "Fit" toggled: the memory axis spans the data's own range instead of 0 to the limit.
    void fitToDataToggled(bool fit);

private:
    QButtonGroup* m_buttons = nullptr;
};

} // namespace leakdesk::ui
