#include "ui/radar/RadarFilterModel.h"

#include "ui/radar/RadarTableModel.h"

namespace leakdesk::ui {

RadarFilterModel::RadarFilterModel(QObject* parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(RadarTableModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    setSortLocaleAware(true);
}

void RadarFilterModel::setFilterText(const QString& text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == m_text)
        return;
    m_text = trimmed;
    invalidateRowsFilter();
}

bool RadarFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    if (m_text.isEmpty())
        return true;
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    for (const int role :
        { int(RadarTableModel::NamespaceRole), int(RadarTableModel::WorkloadRole), int(RadarTableModel::ClusterRole) })
        if (index.data(role).toString().contains(m_text, Qt::CaseInsensitive))
            return true;
    return false;
}

bool RadarFilterModel::lessThan(const QModelIndex& left, const QModelIndex& right) const
{
    const QVariant l = left.data(sortRole());
    const QVariant r = right.data(sortRole());
    // A missing value goes last whichever way the column is sorted: "less" ends last descending.
    if (!l.isValid() || !r.isValid()) {
        if (l.isValid() == r.isValid())
            return false;
        const bool missingIsLess = sortOrder() == Qt::DescendingOrder;
        return l.isValid() ? !missingIsLess : missingIsLess;
    }
    return QSortFilterProxyModel::lessThan(left, right);
}

} // namespace leakdesk::ui
