#include "ui/widgets/ElidedLabel.h"

#include <QEvent>
#include <QResizeEvent>

#include <algorithm>

namespace leakdesk::ui {

namespace {
// Enough to tell what a cut label is about ("● Cluster ht…") before it is only an ellipsis.
constexpr int kMinimumCharacters = 8;
} // namespace

ElidedLabel::ElidedLabel(QWidget* parent, Qt::TextElideMode mode)
    : ElidedLabel(QString(), parent, mode)
{ }

ElidedLabel::ElidedLabel(const QString& text, QWidget* parent, Qt::TextElideMode mode)
    : QLabel(parent)
    , m_mode(mode)
{
    setTextFormat(Qt::PlainText);
    setWordWrap(false);
    // Takes what the layout can give, down to its minimum; its wish (the whole text) is only a wish.
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    setFullText(text);
}

void ElidedLabel::setFullText(const QString& text)
{
    m_fullText = text;
    updateElision();
    updateGeometry();
}

void ElidedLabel::setDetail(const QString& detail)
{
    m_detail = detail;
    updateElision();
}

QSize ElidedLabel::sizeHint() const
{
    const QMargins m = contentsMargins();
    return { fontMetrics().horizontalAdvance(m_fullText) + 2 * margin() + m.left() + m.right(),
        QLabel::sizeHint().height() };
}

QSize ElidedLabel::minimumSizeHint() const
{
    const QMargins m = contentsMargins();
    // The same whatever the text (an empty busy label included): text arriving never widens it.
    const int least = fontMetrics().averageCharWidth() * kMinimumCharacters;
    return { least + 2 * margin() + m.left() + m.right(), QLabel::minimumSizeHint().height() };
}

void ElidedLabel::resizeEvent(QResizeEvent* event)
{
    QLabel::resizeEvent(event);
    updateElision();
}

void ElidedLabel::changeEvent(QEvent* event)
{
    QLabel::changeEvent(event);
    if (event->type() == QEvent::FontChange || event->type() == QEvent::StyleChange) {
        updateElision();
        updateGeometry();
    }
}

void ElidedLabel::updateElision()
{
    const int available = contentsRect().width() - 2 * margin();
    const QString shown = fontMetrics().elidedText(m_fullText, m_mode, std::max(0, available));
    m_elided = shown != m_fullText;
    // The size hints read m_fullText, never the shown text: setting it cannot feed back into the layout.
    if (shown != text())
        QLabel::setText(shown);
    QString tip = m_elided ? m_fullText : QString();
    if (!m_detail.isEmpty())
        tip += (tip.isEmpty() ? QString() : QStringLiteral("\n")) + m_detail;
    setToolTip(tip);
}

} // namespace leakdesk::ui
