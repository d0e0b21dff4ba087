#pragma once
// Leak suspects as core/heap ranked them (largest retained first), each mapped to the runbook's
// step-4 category, with who holds it, what it retains and a one-line explanation. The path from a
// GC root of the selected suspect is shown by GcRootPathModel.

#include "ui/heap/HeapAnalysisJob.h"

#include <QAbstractTableModel>

#include <memory>

namespace leakdesk::ui {

class SuspectsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Category, ClassName, Owner, RetainedBytes, HeapShare, Elements, Explanation, ColumnCount };
    enum Role {
        SortRole = Qt::UserRole + 1, // raw value of the column
        CategoryRole, // int: heap::LeakCategory
        CategoryKeyRole, // QString: "unbounded_cache", ... (as in `leakdesk-cli heap suspects --format json`)
        ObjectIndexRole, // uint: the accumulating object in the snapshot
        RetainedBytesRole, // qulonglong
        HeapShareRole, // double
        ElementCountRole, // qulonglong
        ElementClassRole, // QString
    };

    explicit SuspectsModel(QObject* parent = nullptr);

    void setAnalysis(std::shared_ptr<const HeapAnalysis> analysis);
    std::shared_ptr<const HeapAnalysis> analysis() const { return m_analysis; }
    // The suspect of `row`, or nullptr; valid while the model holds this analysis.
    const heap::LeakSuspect* suspectAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const HeapAnalysis> m_analysis;
};

// One row per step of a path from a GC root (row 0) to an object (the last row).
class GcRootPathModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Step, Reference, Object, ColumnCount };
    enum Role { ObjectIndexRole = Qt::UserRole + 1, IsRootRole };

    explicit GcRootPathModel(QObject* parent = nullptr);

    // `analysis` keeps the snapshot the path's object indices refer to alive.
    void setPath(std::shared_ptr<const HeapAnalysis> analysis, std::vector<heap::PathStep> path);
    void clear() { setPath(nullptr, {}); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const HeapAnalysis> m_analysis;
    std::vector<heap::PathStep> m_path;
};

} // namespace leakdesk::ui
