#pragma once
// Paints a row's memory as a small line: the points come from the model (SparklineRole, a QPolygonF
// already scaled to 0..1 on both axes), so painting a visible row is one scale and one drawPolyline,
// cheap enough for 2,000 rows scrolled quickly. A leaking row's line is drawn in the status red, a
// healthy one in the palette's text colour; the last point is marked so the current level reads at
// a glance. A row without points shows "no data" in the placeholder colour.

#include <QStyledItemDelegate>

namespace leakdesk::ui {

class SparklineDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    // `pointsRole` holds the QPolygonF; `alertRole` a bool (draw in the warning colour).
    SparklineDelegate(int pointsRole, int alertRole, QObject* parent = nullptr);

    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

private:
    int m_pointsRole;
    int m_alertRole;
};

} // namespace leakdesk::ui
