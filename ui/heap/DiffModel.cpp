#include "ui/heap/DiffModel.h"

#include "ui/heap/ByteText.h"

#include <QColor>
#include <QLocale>

namespace leakdesk::ui {

namespace {

bool isRetainedColumn(int column)
{
    return column == DiffModel::RetainedBefore || column == DiffModel::RetainedAfter
        || column == DiffModel::RetainedGrowth;
}

bool isGrowthColumn(int column)
{
    return column == DiffModel::InstanceGrowth || column == DiffModel::ShallowGrowth
        || column == DiffModel::RetainedGrowth;
}

qlonglong rawValue(const heap::HeapDiffRow& r, int column)
{
    switch (column) {
    case DiffModel::InstancesBefore:
        return r.instancesBefore;
    case DiffModel::InstancesAfter:
        return r.instancesAfter;
    case DiffModel::InstanceGrowth:
        return r.instanceGrowth();
    case DiffModel::ShallowBefore:
        return r.shallowBefore;
    case DiffModel::ShallowAfter:
        return r.shallowAfter;
    case DiffModel::ShallowGrowth:
        return r.shallowGrowth();
    case DiffModel::RetainedBefore:
        return r.retainedBefore;
    case DiffModel::RetainedAfter:
        return r.retainedAfter;
    case DiffModel::RetainedGrowth:
        return r.retainedGrowth();
    }
    return 0;
}

} // namespace

DiffModel::DiffModel(QObject* parent)
    : QAbstractTableModel(parent)
{ }

void DiffModel::setDiff(std::shared_ptr<const heap::HeapDiff> diff)
{
    beginResetModel();
    m_diff = std::move(diff);
    endResetModel();
}

int DiffModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() || !m_diff ? 0 : int(m_diff->rows.size());
}

int DiffModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant DiffModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const heap::HeapDiffRow& r = m_diff->rows[std::size_t(index.row())];
    const int column = index.column();
    const bool known = !isRetainedColumn(column) || m_diff->hasRetained;
    switch (role) {
    case ClassNameRole:
        return QString::fromStdString(r.className);
    case InstanceGrowthRole:
        return qlonglong(r.instanceGrowth());
    case ShallowGrowthRole:
        return qlonglong(r.shallowGrowth());
    case RetainedGrowthRole:
        return m_diff->hasRetained ? QVariant(qlonglong(r.retainedGrowth())) : QVariant();
    case SortRole:
        if (column == ClassName)
            return QString::fromStdString(r.className);
        return known ? rawValue(r, column) : 0;
    case Qt::DisplayRole: {
        if (column == ClassName)
            return QString::fromStdString(r.className);
        if (!known)
            return QString();
        const qlonglong v = rawValue(r, column);
        switch (column) {
        case InstancesBefore:
        case InstancesAfter:
            return QLocale().toString(v);
        case InstanceGrowth:
            return QString((v > 0 ? QStringLiteral("+") : QString()) + QLocale().toString(v));
        case ShallowGrowth:
        case RetainedGrowth:
            return growthText(v);
        default:
            return byteText(std::uint64_t(std::max<qlonglong>(0, v)));
        }
    }
    case Qt::ForegroundRole:
        // Growth is the leak signal: make it stand out, and shrinking visibly harmless.
        if (known && isGrowthColumn(column)) {
            const qlonglong v = rawValue(r, column);
            if (v > 0)
                return QColor(0xb0, 0x20, 0x20);
            if (v < 0)
                return QColor(0x20, 0x80, 0x30);
        }
        return {};
    case Qt::ToolTipRole:
        if (column == ClassName)
            return QString::fromStdString(r.jvmName);
        if (!known)
            return tr("Retained sizes appear when both dominator trees are ready.");
        return {};
    case Qt::TextAlignmentRole:
        return column == ClassName ? QVariant() : QVariant(int(Qt::AlignRight | Qt::AlignVCenter));
    default:
        return {};
    }
}

QVariant DiffModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case ClassName:
        return tr("Class");
    case InstancesBefore:
        return tr("Instances before");
    case InstancesAfter:
        return tr("Instances after");
    case InstanceGrowth:
        return tr("Δ Instances");
    case ShallowBefore:
        return tr("Shallow before");
    case ShallowAfter:
        return tr("Shallow after");
    case ShallowGrowth:
        return tr("Δ Shallow");
    case RetainedBefore:
        return tr("Retained before");
    case RetainedAfter:
        return tr("Retained after");
    case RetainedGrowth:
        return tr("Δ Retained");
    }
    return {};
}

} // namespace leakdesk::ui
