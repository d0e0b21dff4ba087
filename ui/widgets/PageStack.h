#pragma once
// Pages of which one shows, like QStackedWidget, but sized by the page shown alone. A
// QStackedWidget is as tall as its tallest page and its height for a width is the largest of all
// its pages': in a scroll area, a small page (the memory chart and its pods) would scroll because a
// hidden one (the mitigation panel) is tall. Hidden pages here take no room in the layout.

#include <QWidget>

class QVBoxLayout;

namespace leakdesk::ui {

class PageStack : public QWidget {
    Q_OBJECT
public:
    explicit PageStack(QWidget* parent = nullptr);

    void addWidget(QWidget* page); // hidden until it is made current
    void setCurrentWidget(QWidget* page);
    QWidget* currentWidget() const { return m_current; }
    int count() const;
    QWidget* widget(int index) const;

private:
    QVBoxLayout* m_layout;
    QWidget* m_current = nullptr;
};

} // namespace leakdesk::ui
