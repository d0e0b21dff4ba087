#pragma once
// The `kubectl top pods --sort-by=memory` table of runbook step 1, with the limit, restarts and
// the projected time to the limit next to each pod.

#include "core/investigation/Findings.h"

#include <QAbstractTableModel>

#include <memory>

namespace leakdesk::ui {

class PodTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Memory, Limit, PercentOfLimit, Restarts, LastTermination, TimeToLimit, ColumnCount };
    enum Role { SortRole = Qt::UserRole + 1, PodNameRole };

    explicit PodTableModel(QObject* parent = nullptr);

    void setFindings(std::shared_ptr<const investigation::Findings> findings);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const investigation::Findings> m_findings;
};

} // namespace leakdesk::ui
