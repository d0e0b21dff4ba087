#include "ui/heap/HistogramModel.h"

#include "ui/heap/ByteText.h"

#include <QLocale>

namespace leakdesk::ui {

HistogramModel::HistogramModel(QObject* parent)
    : QAbstractTableModel(parent)
{ }

void HistogramModel::setHistogram(std::shared_ptr<const heap::ClassHistogram> histogram)
{
    beginResetModel();
    m_histogram = std::move(histogram);
    endResetModel();
}

int HistogramModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() || !m_histogram ? 0 : int(m_histogram->rows.size());
}

int HistogramModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant HistogramModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const heap::HistogramRow& r = m_histogram->rows[std::size_t(index.row())];
    const bool retained = m_histogram->hasRetained;
    switch (role) {
    case ClassNameRole:
        return QString::fromStdString(r.className);
    case JvmNameRole:
        return QString::fromStdString(r.jvmName);
    case InstancesRole:
        return qulonglong(r.instances);
    case ShallowBytesRole:
        return qulonglong(r.shallowBytes);
    case RetainedBytesRole:
        return retained ? QVariant(qulonglong(r.retainedBytes)) : QVariant();
    case SortRole:
        switch (index.column()) {
        case ClassName:
            return QString::fromStdString(r.className);
        case Instances:
            return qulonglong(r.instances);
        case ShallowBytes:
            return qulonglong(r.shallowBytes);
        case RetainedBytes:
            return qulonglong(retained ? r.retainedBytes : 0);
        }
        return {};
    case Qt::DisplayRole:
        switch (index.column()) {
        case ClassName:
            return QString::fromStdString(r.className);
        case Instances:
            return QLocale().toString(qulonglong(r.instances));
        case ShallowBytes:
            return byteText(r.shallowBytes);
        case RetainedBytes:
            return retained ? byteText(r.retainedBytes) : QString();
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == ClassName)
            return QString::fromStdString(r.jvmName);
        if (index.column() == RetainedBytes && !retained)
            return tr("Retained sizes appear when the dominator tree is ready.");
        if (index.column() == ShallowBytes || index.column() == RetainedBytes)
            return tr("%1 bytes")
                .arg(QLocale().toString(qulonglong(index.column() == ShallowBytes ? r.shallowBytes : r.retainedBytes)));
        return {};
    case Qt::TextAlignmentRole:
        return index.column() == ClassName ? QVariant() : QVariant(int(Qt::AlignRight | Qt::AlignVCenter));
    default:
        return {};
    }
}

QVariant HistogramModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case ClassName:
        return tr("Class");
    case Instances:
        return tr("Instances");
    case ShallowBytes:
        return tr("Shallow size");
    case RetainedBytes:
        return tr("Retained size");
    }
    return {};
}

} // namespace leakdesk::ui
