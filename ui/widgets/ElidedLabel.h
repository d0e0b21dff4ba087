#pragma once
// A one-line label that fits any width: text longer than the space it gets is cut with "…" and
// the whole text goes into the tooltip. Its minimum width is a few characters, not the text's:
// a long server URL, pod name or verdict never makes the window wider than a laptop screen.

#include <QLabel>

namespace leakdesk::ui {

class ElidedLabel : public QLabel {
    Q_OBJECT
public:
    explicit ElidedLabel(QWidget* parent = nullptr, Qt::TextElideMode mode = Qt::ElideRight);
    explicit ElidedLabel(const QString& text, QWidget* parent = nullptr, Qt::TextElideMode mode = Qt::ElideRight);

    // Plain text (never rich text: a cut tag would show as text). Replaces QLabel::setText.
    void setFullText(const QString& text);
    QString fullText() const { return m_fullText; }
    // Shown in the tooltip, after the full text when that is cut.
    void setDetail(const QString& detail);
    bool isElided() const { return m_elided; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void updateElision();

    QString m_fullText;
    QString m_detail;
    Qt::TextElideMode m_mode;
    bool m_elided = false;
};

} // namespace leakdesk::ui
