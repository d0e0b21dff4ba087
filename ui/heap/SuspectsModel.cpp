#include "ui/heap/SuspectsModel.h"

#include "ui/heap/ByteText.h"

#include <QColor>
#include <QLocale>

namespace leakdesk::ui {

SuspectsModel::SuspectsModel(QObject* parent)
    : QAbstractTableModel(parent)
{ }

void SuspectsModel::setAnalysis(std::shared_ptr<const HeapAnalysis> analysis)
{
    beginResetModel();
    m_analysis = std::move(analysis);
    endResetModel();
}

const heap::LeakSuspect* SuspectsModel::suspectAt(int row) const
{
    if (!m_analysis || row < 0 || row >= int(m_analysis->suspects.size()))
        return nullptr;
    return &m_analysis->suspects[std::size_t(row)];
}

int SuspectsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() || !m_analysis ? 0 : int(m_analysis->suspects.size());
}

int SuspectsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SuspectsModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const heap::LeakSuspect& s = *suspectAt(index.row());
    switch (role) {
    case CategoryRole:
        return int(s.category);
    case CategoryKeyRole:
        return QString::fromLatin1(heap::leakCategoryKey(s.category));
    case ObjectIndexRole:
        return uint(s.object);
    case RetainedBytesRole:
        return qulonglong(s.retainedBytes);
    case HeapShareRole:
        return s.heapShare;
    case ElementCountRole:
        return qulonglong(s.elementCount);
    case ElementClassRole:
        return QString::fromStdString(s.elementClass);
    case SortRole:
        switch (index.column()) {
        case RetainedBytes:
        case HeapShare:
            return qulonglong(s.retainedBytes);
        case Elements:
            return qulonglong(s.elementCount);
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::DisplayRole:
        switch (index.column()) {
        case Category:
            return QString::fromLatin1(heap::leakCategoryName(s.category));
        case ClassName:
            return QString::fromStdString(s.className);
        case Owner:
            return QString::fromStdString(s.owner);
        case RetainedBytes:
            return byteText(s.retainedBytes);
        case HeapShare:
            return QString(QLocale().toString(100.0 * s.heapShare, 'f', 1) + QLatin1Char('%'));
        case Elements:
            return s.elementCount ? QLocale().toString(qulonglong(s.elementCount)) : QString();
        case Explanation:
            return QString::fromStdString(s.explanation);
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == Elements && !s.elementClass.empty())
            return tr("mostly %1").arg(QString::fromStdString(s.elementClass));
        return QString::fromStdString(s.explanation);
    case Qt::TextAlignmentRole:
        return index.column() == RetainedBytes || index.column() == HeapShare || index.column() == Elements
            ? QVariant(int(Qt::AlignRight | Qt::AlignVCenter))
            : QVariant();
    default:
        return {};
    }
}

QVariant SuspectsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Vertical && role == Qt::DisplayRole)
        return section + 1; // the rank
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Category:
        return tr("Category");
    case ClassName:
        return tr("Class");
    case Owner:
        return tr("Held by");
    case RetainedBytes:
        return tr("Retained");
    case HeapShare:
        return tr("% of heap");
    case Elements:
        return tr("Elements");
    case Explanation:
        return tr("Why it is suspect");
    }
    return {};
}

GcRootPathModel::GcRootPathModel(QObject* parent)
    : QAbstractTableModel(parent)
{ }

void GcRootPathModel::setPath(std::shared_ptr<const HeapAnalysis> analysis, std::vector<heap::PathStep> path)
{
    beginResetModel();
    m_analysis = std::move(analysis);
    m_path = std::move(path);
    endResetModel();
}

int GcRootPathModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_path.size());
}

int GcRootPathModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant GcRootPathModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const heap::PathStep& step = m_path[std::size_t(index.row())];
    const bool root = index.row() == 0;
    switch (role) {
    case ObjectIndexRole:
        return uint(step.object);
    case IsRootRole:
        return root;
    case Qt::DisplayRole:
        switch (index.column()) {
        case Step:
            return root ? tr("GC root") : QString::number(index.row());
        case Reference:
            return QString::fromStdString(step.via);
        case Object:
            return QString::fromStdString(step.description);
        }
        return {};
    case Qt::ToolTipRole:
        return root ? tr("Held by the JVM: %1").arg(QString::fromStdString(step.via))
                    : tr("Referenced from the row above through %1").arg(QString::fromStdString(step.via));
    default:
        return {};
    }
}

QVariant GcRootPathModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Step:
        return tr("Step");
    case Reference:
        return tr("Through");
    case Object:
        return tr("Object");
    }
    return {};
}

} // namespace leakdesk::ui
