#include "ui/chart/AbsoluteRangePicker.h"

#include <QDateTime>
#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace leakdesk::ui {

namespace {
constexpr qint64 kClockSkewMs = 60 * 1000;

QString describeDays(qint64 ms)
{
    return QObject::tr("%n day(s)", nullptr, static_cast<int>(ms / (24 * 3600 * 1000LL)));
}
} // namespace

QString absoluteRangeProblem(qint64 fromMs, qint64 toMs, qint64 nowMs, qint64 maxSpanMs)
{
    if (fromMs >= toMs)
        return QObject::tr("“From” must be before “To”.");
    if (toMs > nowMs + kClockSkewMs)
        return QObject::tr("“To” is in the future; there is no data after now (%1).")
            .arg(QDateTime::fromMSecsSinceEpoch(nowMs).toString(QStringLiteral("yyyy-MM-dd HH:mm")));
    if (toMs - fromMs > maxSpanMs)
        return QObject::tr("The range is longer than %1; choose a shorter one.").arg(describeDays(maxSpanMs));
    if (fromMs < nowMs - maxSpanMs)
        return QObject::tr("“From” is more than %1 ago, beyond what Prometheus usually keeps.")
            .arg(describeDays(maxSpanMs));
    return {};
}

AbsoluteRangePicker::AbsoluteRangePicker(QWidget* parent)
    : QDialog(parent)
    , m_from(new QDateTimeEdit(this))
    , m_to(new QDateTimeEdit(this))
    , m_problem(new QLabel(this))
{
    setWindowTitle(tr("Show a time range"));
    setObjectName(QStringLiteral("absoluteRangePicker"));
    for (QDateTimeEdit* edit : { m_from, m_to }) {
        edit->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm"));
        edit->setCalendarPopup(true);
        connect(edit, &QDateTimeEdit::dateTimeChanged, this, &AbsoluteRangePicker::revalidate);
    }
    m_from->setObjectName(QStringLiteral("rangeFrom"));
    m_to->setObjectName(QStringLiteral("rangeTo"));
    m_problem->setObjectName(QStringLiteral("rangeProblem"));
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(QStringLiteral("color: #b00020;"));
    auto* form = new QFormLayout;
    form->addRow(tr("From"), m_from);
    form->addRow(tr("To"), m_to);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Apply | QDialogButtonBox::Cancel, this);
    m_apply = buttons->button(QDialogButtonBox::Apply);
    m_apply->setObjectName(QStringLiteral("rangeApply"));
    m_apply->setDefault(true);
    connect(m_apply, &QPushButton::clicked, this, [this] {
        if (!problem().isEmpty())
            return;
        accept();
        Q_EMIT rangeChosen(m_from->dateTime().toMSecsSinceEpoch(), m_to->dateTime().toMSecsSinceEpoch());
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_problem);
    layout->addWidget(buttons);
}

void AbsoluteRangePicker::present(TimeRange current, qint64 nowMs)
{
    m_nowMs = nowMs;
    setRange(current.startMs, std::min<qint64>(current.endMs, nowMs));
    show();
    raise();
}

void AbsoluteRangePicker::setRange(qint64 fromMs, qint64 toMs)
{
    m_from->setDateTime(QDateTime::fromMSecsSinceEpoch(fromMs));
    m_to->setDateTime(QDateTime::fromMSecsSinceEpoch(toMs));
    revalidate();
}

QString AbsoluteRangePicker::problem() const
{
    return m_problem->text();
}

void AbsoluteRangePicker::revalidate()
{
    const qint64 now = m_nowMs > 0 ? m_nowMs : QDateTime::currentMSecsSinceEpoch();
    const QString why
        = absoluteRangeProblem(m_from->dateTime().toMSecsSinceEpoch(), m_to->dateTime().toMSecsSinceEpoch(), now);
    m_problem->setText(why);
    m_problem->setVisible(!why.isEmpty());
    m_apply->setEnabled(why.isEmpty());
}

} // namespace leakdesk::ui
