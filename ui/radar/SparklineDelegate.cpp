#include "ui/radar/SparklineDelegate.h"

#include <QApplication>
#include <QPainter>
#include <QPolygonF>

namespace leakdesk::ui {

SparklineDelegate::SparklineDelegate(int pointsRole, int alertRole, QObject* parent)
    : QStyledItemDelegate(parent)
    , m_pointsRole(pointsRole)
    , m_alertRole(alertRole)
{ }

void SparklineDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    // The cell's background, selection and focus as any other cell; no text.
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    const QWidget* widget = option.widget;
    QStyle* style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    const QPolygonF unit = index.data(m_pointsRole).value<QPolygonF>();
    const QRectF area = QRectF(option.rect).adjusted(4, 4, -4, -4);
    const bool selected = option.state & QStyle::State_Selected;
    const QPalette::ColorGroup group = option.state & QStyle::State_Enabled ? QPalette::Normal : QPalette::Disabled;
    painter->save();
    if (unit.size() < 2 || area.width() < 4 || area.height() < 4) {
        painter->setPen(option.palette.color(group, selected ? QPalette::HighlightedText : QPalette::PlaceholderText));
        painter->drawText(option.rect, Qt::AlignCenter, tr("no data"));
        painter->restore();
        return;
    }
    // y grows downwards on screen: 1 (the row's maximum) is the top of the cell.
    QPolygonF line(unit.size());
    for (qsizetype i = 0; i < unit.size(); ++i)
        line[i] = QPointF(area.left() + unit[i].x() * area.width(), area.bottom() - unit[i].y() * area.height());
    const bool alert = index.data(m_alertRole).toBool();
    // The status red of the light theme, a lighter one on a dark base so that it stays readable.
    const bool darkBase = option.palette.color(group, QPalette::Base).lightness() < 128;
    const QColor red = darkBase ? QColor(0xef, 0x53, 0x50) : QColor(0xc6, 0x28, 0x28);
    const QColor colour = selected ? option.palette.color(group, QPalette::HighlightedText)
        : alert                    ? red
                                   : option.palette.color(group, QPalette::Text);
    painter->setRenderHint(QPainter::Antialiasing, true);
    painter->setPen(QPen(colour, 1.5));
    painter->drawPolyline(line);
    painter->setBrush(colour);
    painter->setPen(Qt::NoPen);
    painter->drawEllipse(line.last(), 2.5, 2.5);
    painter->restore();
}

QSize SparklineDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    // Wide enough for a shape to read (a sawtooth needs room for its teeth), as tall as a text row.
    const QSize text = QStyledItemDelegate::sizeHint(option, index);
    return { option.fontMetrics.averageCharWidth() * 16, text.height() };
}

} // namespace leakdesk::ui
