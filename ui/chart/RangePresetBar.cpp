#include "ui/chart/RangePresetBar.h"

#include "ui/widgets/ElidedLabel.h"

#include <QAbstractButton>
#include <QButtonGroup>
#include <QHBoxLayout>
#include <QToolButton>

namespace leakdesk::ui {

RangePresetBar::RangePresetBar(QWidget* parent)
    : QWidget(parent)
    , m_buttons(new QButtonGroup(this))
{
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 2, 4, 0);
    const std::pair<RangePreset, QString> presets[] = { { RangePreset::LastHour, QStringLiteral("1h") },
        { RangePreset::Last6Hours, QStringLiteral("6h") }, { RangePreset::Last24Hours, QStringLiteral("24h") },
        { RangePreset::Last7Days, QStringLiteral("7d") }, { RangePreset::All, QStringLiteral("All") } };
    for (const auto& [preset, text] : presets) {
        auto* button = new QToolButton(this);
        button->setText(text);
        button->setCheckable(true);
        button->setAutoRaise(true);
        button->setObjectName(QStringLiteral("rangePreset_") + text);
        // Keyboard: Alt+1 to Alt+5 in the order shown (a button's shortcut acts while it is visible).
        const QKeySequence keys(Qt::ALT | Qt::Key(Qt::Key_1 + m_buttons->buttons().size()));
        button->setShortcut(keys);
        button->setToolTip(
            (preset == RangePreset::All ? tr("Show the whole history") : tr("Show the last %1").arg(text))
            + QStringLiteral(" (%1)").arg(keys.toString(QKeySequence::NativeText)));
        m_buttons->addButton(button, static_cast<int>(preset));
        layout->addWidget(button);
    }
    connect(m_buttons, &QButtonGroup::idClicked, this,
        [this](int id) { Q_EMIT presetChosen(static_cast<RangePreset>(id)); });
    // A slow leak on a 0-to-limit axis looks flat: this shows the data's own range.
    auto* fit = new QToolButton(this);
    fit->setText(tr("Fit"));
    fit->setCheckable(true);
    fit->setAutoRaise(true);
    fit->setObjectName(QStringLiteral("fitToData"));
    fit->setToolTip(tr("Memory axis from the lowest to the highest value shown, instead of from 0 to the limit"));
    layout->addSpacing(12);
    layout->addWidget(fit);
    connect(fit, &QToolButton::toggled, this, &RangePresetBar::fitToDataToggled);
    layout->addStretch(1);
    // Cut with "…" on a narrow window rather than setting the window's minimum width.
    auto* hint = new ElidedLabel(
        tr("drag: zoom · wheel: zoom · Shift+drag: pan · double-click: reset · legend: hide/show"), this);
    hint->setStyleSheet(QStringLiteral("color: #808080;"));
    layout->addWidget(hint);
}

void RangePresetBar::setCurrent(std::optional<RangePreset> preset)
{
    // An exclusive group refuses to uncheck its last checked button.
    m_buttons->setExclusive(false);
    for (QAbstractButton* button : m_buttons->buttons())
        button->setChecked(preset && m_buttons->id(button) == static_cast<int>(*preset));
    m_buttons->setExclusive(true);
}

} // namespace leakdesk::ui
