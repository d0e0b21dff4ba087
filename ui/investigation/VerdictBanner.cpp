#include "ui/investigation/VerdictBanner.h"

#include <QLabel>
#include <QVBoxLayout>

namespace leakdesk::ui {

VerdictBanner::VerdictBanner(QWidget* parent)
    : QFrame(parent)
    , m_headline(new QLabel(this))
    , m_detail(new QLabel(this))
{
    setObjectName(QStringLiteral("verdictBanner"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(12, 8, 12, 8);
    layout->setSpacing(2);
    QFont f = m_headline->font();
    f.setPointSizeF(f.pointSizeF() * 1.25);
    f.setBold(true);
    m_headline->setFont(f);
    m_headline->setWordWrap(true);
    m_detail->setWordWrap(true);
    m_headline->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_detail->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_headline);
    layout->addWidget(m_detail);
    show(Tone::Neutral, tr("No data yet"));
}

void VerdictBanner::show(Tone tone, const QString& headline, const QString& detail)
{
    m_tone = tone;
    m_headline->setText(headline);
    m_detail->setText(detail);
    m_detail->setVisible(!detail.isEmpty());
    QString bg, border;
    switch (tone) {
    case Tone::Bad: bg = QStringLiteral("#fdecea"); border = QStringLiteral("#c62828"); break;
    case Tone::Good: bg = QStringLiteral("#e8f5e9"); border = QStringLiteral("#2e7d32"); break;
    case Tone::Warning: bg = QStringLiteral("#fff8e1"); border = QStringLiteral("#ef8f00"); break;
    case Tone::Neutral: bg = QStringLiteral("#f1f3f4"); border = QStringLiteral("#9aa0a6"); break;
    }
    setStyleSheet(QStringLiteral("#verdictBanner { background: %1; border-left: 5px solid %2; border-radius: 3px; }"
                                 " #verdictBanner QLabel { color: #202124; }")
                      .arg(bg, border));
}

QString VerdictBanner::headline() const { return m_headline->text(); }

QString VerdictBanner::detail() const
{
    return m_detail->text();
}

} // namespace leakdesk::ui
