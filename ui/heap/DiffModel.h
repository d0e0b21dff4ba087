#pragma once
// Growth per class between two dumps (core/heap's HeapDiff): counts, shallow and retained bytes
// before and after, and the growth of each. The leak is what grows, so rows arrive largest growth
// first; retained columns stay empty until both dumps have their dominator trees.

#include "core/heap/HeapDiff.h"

#include <QAbstractTableModel>

#include <memory>

namespace leakdesk::ui {

class DiffModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        ClassName,
        InstancesBefore,
        InstancesAfter,
        InstanceGrowth,
        ShallowBefore,
        ShallowAfter,
        ShallowGrowth,
        RetainedBefore,
        RetainedAfter,
        RetainedGrowth,
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1, // qlonglong for numbers (growth can be negative), QString for the class
        ClassNameRole,
        InstanceGrowthRole, // qlonglong
        ShallowGrowthRole, // qlonglong
        RetainedGrowthRole, // qlonglong, invalid while retained sizes are unknown
    };

    explicit DiffModel(QObject* parent = nullptr);

    void setDiff(std::shared_ptr<const heap::HeapDiff> diff);
    std::shared_ptr<const heap::HeapDiff> diff() const { return m_diff; }
    bool hasRetained() const { return m_diff && m_diff->hasRetained; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const heap::HeapDiff> m_diff;
};

} // namespace leakdesk::ui
