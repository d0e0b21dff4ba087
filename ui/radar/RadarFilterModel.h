#pragma once
// The radar's table as the user sorts and filters it: numbers sort by value (the model's SortRole),
// a value that does not exist ("—": no projection to the limit) sorts last in either order, and the
// filter box keeps the rows whose namespace, workload ("Kind/name") or cluster contains its text.
// Equal rows keep the radar's own ranking.

#include <QSortFilterProxyModel>

namespace leakdesk::ui {

class RadarFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit RadarFilterModel(QObject* parent = nullptr);

    // Case-insensitive substring; empty shows every row.
    void setFilterText(const QString& text);
    QString filterText() const { return m_text; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    QString m_text;
};

} // namespace leakdesk::ui
