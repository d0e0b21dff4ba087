#include "ui/heap/ObjectInspectorModel.h"

#include "ui/heap/ByteText.h"

namespace leakdesk::ui {

ObjectInspectorModel::ObjectInspectorModel(QObject* parent)
    : QAbstractTableModel(parent)
{ }

void ObjectInspectorModel::inspect(std::shared_ptr<const HeapAnalysis> analysis, std::uint32_t object)
{
    beginResetModel();
    m_analysis = std::move(analysis);
    m_inspection = m_analysis && m_analysis->snapshot ? heap::inspectObject(*m_analysis->snapshot, object)
                                                      : heap::ObjectInspection {};
    endResetModel();
}

void ObjectInspectorModel::clear()
{
    beginResetModel();
    m_analysis.reset();
    m_inspection = {};
    endResetModel();
}

QString ObjectInspectorModel::title() const
{
    return QString::fromStdString(m_inspection.title);
}

int ObjectInspectorModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_inspection.fields.size());
}

int ObjectInspectorModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ObjectInspectorModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const heap::InspectedField& f = m_inspection.fields[std::size_t(index.row())];
    const bool reference = f.target != heap::kNoIndex;
    if (role == TargetRole)
        return reference ? QVariant(uint(f.target)) : QVariant();
    if (role == Qt::ToolTipRole && reference)
        return tr("Double-click to show %1 in the dominator tree").arg(QString::fromStdString(f.value));
    if (role == Qt::TextAlignmentRole && index.column() == Retained)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Field:
        return QString::fromStdString(f.name);
    case Type:
        return QString::fromStdString(f.type);
    case Value:
        return QString::fromStdString(f.value);
    case Retained:
        if (reference && m_analysis && m_analysis->dominators && m_analysis->dominators->isReachable(f.target))
            return byteText(m_analysis->dominators->retainedSize(f.target));
        return {};
    }
    return {};
}

QVariant ObjectInspectorModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::ToolTipRole && section == Retained)
        return tr("What the referenced object keeps alive");
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Field:
        return tr("Field");
    case Type:
        return tr("Type");
    case Value:
        return tr("Value");
    case Retained:
        return tr("Retained");
    }
    return {};
}

} // namespace leakdesk::ui
