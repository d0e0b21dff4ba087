#include "ui/chart/RangePresetBar.h"

#include "ui/widgets/ElidedLabel.h"

#include <QAbstractButton>
#include <QButtonGroup>
#include <QComboBox>
#include <QHBoxLayout>
#include <QToolButton>

namespace leakdesk::ui {

QString rangePresetName(RangePreset preset)
{
    switch (preset) {
    case RangePreset::LastHour:
        return QStringLiteral("1h");
    case RangePreset::Last6Hours:
        return QStringLiteral("6h");
    case RangePreset::Last24Hours:
        return QStringLiteral("24h");
    case RangePreset::Last7Days:
        return QStringLiteral("7d");
    case RangePreset::All:
        break;
    }
    return QStringLiteral("All");
}

qint64 rangePresetDurationMs(RangePreset preset)
{
    constexpr qint64 hourMs = 3600 * 1000;
    switch (preset) {
    case RangePreset::LastHour:
        return hourMs;
    case RangePreset::Last6Hours:
        return 6 * hourMs;
    case RangePreset::Last24Hours:
        return 24 * hourMs;
    case RangePreset::Last7Days:
        return 7 * 24 * hourMs;
    case RangePreset::All:
        break;
    }
    return 0;
}

RangePresetBar::RangePresetBar(QWidget* parent)
    : QWidget(parent)
    , m_buttons(new QButtonGroup(this))
{
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 2, 4, 0);
    for (const RangePreset preset : { RangePreset::LastHour, RangePreset::Last6Hours, RangePreset::Last24Hours,
             RangePreset::Last7Days, RangePreset::All }) {
        const QString text = rangePresetName(preset);
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
    auto* absolute = new QToolButton(this);
    absolute->setText(tr("Range…"));
    absolute->setAutoRaise(true);
    absolute->setObjectName(QStringLiteral("absoluteRange"));
    absolute->setToolTip(tr("Show an absolute time range: from a date and time to another"));
    layout->addWidget(absolute);
    connect(absolute, &QToolButton::clicked, this, &RangePresetBar::absoluteRangeRequested);
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
    m_refresh = new QComboBox(this);
    m_refresh->setObjectName(QStringLiteral("autoRefresh"));
    m_refresh->setToolTip(tr("Fetch the newest samples periodically (only what is new since the last fetch)"));
    m_refresh->addItem(tr("refresh: off"), 0);
    m_refresh->addItem(tr("every 30 s"), 30 * 1000);
    m_refresh->addItem(tr("every 1 min"), 60 * 1000);
    m_refresh->addItem(tr("every 5 min"), 5 * 60 * 1000);
    layout->addWidget(m_refresh);
    connect(m_refresh, &QComboBox::currentIndexChanged, this, [this] { Q_EMIT autoRefreshChosen(autoRefreshMs()); });
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("historyStatus"));
    m_status->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_status->setMinimumWidth(80);
    m_status->hide();
    layout->addWidget(m_status, 2);
    layout->addStretch(1);
    // Cut with "…" on a narrow window rather than setting the window's minimum width.
    auto* hint = new ElidedLabel(
        tr("drag: zoom · wheel: zoom · Shift+drag: pan · double-click: reset · legend: hide/show"), this);
    hint->setStyleSheet(QStringLiteral("color: #808080;"));
    // Gives way to the controls on a narrow window instead of widening it.
    hint->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    layout->addWidget(hint, 3);
}

void RangePresetBar::setCurrent(std::optional<RangePreset> preset)
{
    // An exclusive group refuses to uncheck its last checked button.
    m_buttons->setExclusive(false);
    for (QAbstractButton* button : m_buttons->buttons())
        button->setChecked(preset && m_buttons->id(button) == static_cast<int>(*preset));
    m_buttons->setExclusive(true);
}

void RangePresetBar::setStatus(const QString& text, bool error)
{
    m_status->setText(text);
    m_status->setToolTip(text);
    m_status->setStyleSheet(error ? QStringLiteral("color: #b00020;") : QStringLiteral("color: #5f6368;"));
    m_status->setVisible(!text.isEmpty());
}

QString RangePresetBar::statusText() const
{
    return m_status->text();
}

int RangePresetBar::autoRefreshMs() const
{
    return m_refresh->currentData().toInt();
}

} // namespace leakdesk::ui
