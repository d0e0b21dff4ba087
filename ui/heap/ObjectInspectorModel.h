#pragma once
// The object inspector (MAT's Inspector): the fields of the object selected in the dominator tree,
// with their values, as core/heap's inspectObject reads them. A reference names its target, its
// retained size, and carries its index (TargetRole) so the view can go to it in the tree.

#include "core/heap/ObjectInspector.h"
#include "ui/heap/HeapAnalysisJob.h"

#include <QAbstractTableModel>

#include <memory>

namespace leakdesk::ui {

class ObjectInspectorModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Field, Type, Value, Retained, ColumnCount };
    enum Role {
        TargetRole = Qt::UserRole + 1, // uint: the referenced object; invalid for a primitive or null
    };

    explicit ObjectInspectorModel(QObject* parent = nullptr);

    // Shows `object` of `analysis` (which keeps the snapshot alive); clear() shows nothing.
    void inspect(std::shared_ptr<const HeapAnalysis> analysis, std::uint32_t object);
    void clear();
    QString title() const; // "java.util.HashMap @ 0x...", empty when nothing is shown
    std::size_t omitted() const { return m_inspection.omitted; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    heap::ObjectInspection m_inspection;
    std::shared_ptr<const HeapAnalysis> m_analysis; // keeps the snapshot of the targets alive
};

} // namespace leakdesk::ui
