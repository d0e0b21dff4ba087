#include "ui/widgets/PageStack.h"

#include <QVBoxLayout>

namespace leakdesk::ui {

PageStack::PageStack(QWidget* parent)
    : QWidget(parent)
    , m_layout(new QVBoxLayout(this))
{
    m_layout->setContentsMargins(0, 0, 0, 0);
    m_layout->setSpacing(0);
}

void PageStack::addWidget(QWidget* page)
{
    page->setParent(this);
    m_layout->addWidget(page, 1);
    if (!m_current)
        m_current = page;
    else
        page->hide();
}

void PageStack::setCurrentWidget(QWidget* page)
{
    if (page == m_current || m_layout->indexOf(page) < 0)
        return;
    // Hide before show: the layout never holds two pages at once (no flicker of a doubled height).
    if (m_current)
        m_current->hide();
    m_current = page;
    page->show();
}

int PageStack::count() const
{
    return m_layout->count();
}

QWidget* PageStack::widget(int index) const
{
    QLayoutItem* item = m_layout->itemAt(index);
    return item ? item->widget() : nullptr;
}

} // namespace leakdesk::ui
