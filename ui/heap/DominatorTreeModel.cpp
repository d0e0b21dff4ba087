#include "ui/heap/DominatorTreeModel.h"

#include "ui/heap/ByteText.h"

#include <QLocale>

#include <algorithm>

namespace leakdesk::ui {

DominatorTreeModel::DominatorTreeModel(QObject* parent)
    : QAbstractItemModel(parent)
{ }

void DominatorTreeModel::setAnalysis(std::shared_ptr<const HeapAnalysis> analysis)
{
    beginResetModel();
    m_analysis = std::move(analysis);
    m_nodes.clear();
    if (m_analysis && m_analysis->dominators)
        m_nodes.push_back(Node { heap::DominatorTree::kVirtualRoot, -1, 0, {} });
    // Listeners of modelReset (QAbstractItemModelTester does) may ask to fetch at once; inserting
    // rows from inside the reset notification confuses the others, so that ask is ignored too.
    m_fetching = true;
    endResetModel();
    m_fetching = false;
}

std::size_t DominatorTreeModel::totalChildren(int node) const
{
    if (m_nodes.empty())
        return 0;
    return m_analysis->dominators->children(m_nodes[std::size_t(node)].object).size();
}

QModelIndex DominatorTreeModel::index(int row, int column, const QModelIndex& parent) const
{
    if (!hasIndex(row, column, parent))
        return {};
    const Node& p = m_nodes[std::size_t(nodeOf(parent))];
    return createIndex(row, column, quintptr(p.children[std::size_t(row)]));
}

QModelIndex DominatorTreeModel::parent(const QModelIndex& child) const
{
    if (!child.isValid())
        return {};
    const int p = m_nodes[std::size_t(nodeOf(child))].parent;
    if (p <= 0)
        return {};
    return createIndex(m_nodes[std::size_t(p)].row, 0, quintptr(p));
}

int DominatorTreeModel::rowCount(const QModelIndex& parent) const
{
    if (m_nodes.empty() || parent.column() > 0)
        return 0;
    return int(m_nodes[std::size_t(nodeOf(parent))].children.size());
}

int DominatorTreeModel::columnCount(const QModelIndex&) const
{
    return ColumnCount;
}

bool DominatorTreeModel::hasChildren(const QModelIndex& parent) const
{
    if (m_nodes.empty() || parent.column() > 0)
        return false;
    return totalChildren(nodeOf(parent)) > 0;
}

int DominatorTreeModel::dominatedCount(const QModelIndex& parent) const
{
    return parent.column() > 0 ? 0 : int(totalChildren(nodeOf(parent)));
}

bool DominatorTreeModel::canFetchMore(const QModelIndex& parent) const
{
    if (m_fetching || m_nodes.empty() || parent.column() > 0)
        return false;
    const int n = nodeOf(parent);
    return m_nodes[std::size_t(n)].children.size() < totalChildren(n);
}

void DominatorTreeModel::fetchMore(const QModelIndex& parent)
{
    if (!canFetchMore(parent))
        return;
    fetchUpTo(parent, m_nodes[std::size_t(nodeOf(parent))].children.size() + kBatchSize);
}

void DominatorTreeModel::fetchUpTo(const QModelIndex& parent, std::size_t rows)
{
    const int n = nodeOf(parent);
    const auto dominated = m_analysis->dominators->children(m_nodes[std::size_t(n)].object);
    const std::size_t first = m_nodes[std::size_t(n)].children.size();
    if (m_fetching || first >= std::min(rows, dominated.size()))
        return;
    const std::size_t last = std::min(dominated.size(), rows) - 1;
    m_fetching = true;
    beginInsertRows(parent, int(first), int(last));
    for (std::size_t i = first; i <= last; ++i) {
        m_nodes[std::size_t(n)].children.push_back(int(m_nodes.size()));
        m_nodes.push_back(Node { dominated[i], n, int(i), {} });
    }
    endInsertRows();
    m_fetching = false;
}

QModelIndex DominatorTreeModel::indexOfObject(std::uint32_t object)
{
    if (m_nodes.empty() || object >= m_analysis->snapshot->objectCount()
        || !m_analysis->dominators->isReachable(object))
        return {};
    const heap::DominatorTree& d = *m_analysis->dominators;
    // The dominator chain from the top level down to the object.
    std::vector<std::uint32_t> chain;
    for (std::uint32_t o = object; o != heap::DominatorTree::kVirtualRoot && o != heap::kNoIndex;
         o = d.immediateDominator(o))
        chain.push_back(o);
    QModelIndex parent;
    std::uint32_t parentObject = heap::DominatorTree::kVirtualRoot;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        const auto dominated = d.children(parentObject);
        const auto at = std::find(dominated.begin(), dominated.end(), *it);
        if (at == dominated.end())
            return {};
        const auto row = std::size_t(at - dominated.begin());
        fetchUpTo(parent, row + 1);
        if (int(row) >= rowCount(parent))
            return {};
        parent = index(int(row), 0, parent);
        parentObject = *it;
    }
    return parent;
}

QVariant DominatorTreeModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const std::uint32_t object = m_nodes[std::size_t(nodeOf(index))].object;
    const heap::HeapSnapshot& s = *m_analysis->snapshot;
    const heap::DominatorTree& d = *m_analysis->dominators;
    const std::uint64_t shallow = s.shallowSize(object);
    const std::uint64_t retained = d.retainedSize(object);
    const double share = double(retained) / double(std::max<std::uint64_t>(1, d.reachableBytes()));
    switch (role) {
    case ObjectIndexRole:
        return uint(object);
    case ClassNameRole: {
        const std::uint32_t c
            = s.describedClass(object) != heap::kNoIndex ? s.describedClass(object) : s.classOf(object);
        return c == heap::kNoIndex ? QString() : QString::fromStdString(s.classes()[c].name);
    }
    case ShallowBytesRole:
        return qulonglong(shallow);
    case RetainedBytesRole:
        return qulonglong(retained);
    case HeapShareRole:
        return share;
    case DominatedCountRole:
        return uint(d.children(object).size());
    case SortRole:
        switch (index.column()) {
        case Object:
            return QString::fromStdString(s.describe(object));
        case ShallowBytes:
            return qulonglong(shallow);
        case RetainedBytes:
        case HeapShare:
            return qulonglong(retained);
        }
        return {};
    case Qt::DisplayRole:
        switch (index.column()) {
        case Object:
            return QString::fromStdString(s.describe(object));
        case ShallowBytes:
            return byteText(shallow);
        case RetainedBytes:
            return byteText(retained);
        case HeapShare:
            return QString(QLocale().toString(100.0 * share, 'f', share < 0.001 ? 3 : 1) + QLatin1Char('%'));
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == Object) {
            const auto n = d.children(object).size();
            return n ? tr("%1 — keeps %n object(s) alive on its own", nullptr, int(n))
                           .arg(QString::fromStdString(s.describe(object)))
                     : QString::fromStdString(s.describe(object));
        }
        return tr("%1 bytes").arg(QLocale().toString(qulonglong(index.column() == ShallowBytes ? shallow : retained)));
    case Qt::TextAlignmentRole:
        return index.column() == Object ? QVariant() : QVariant(int(Qt::AlignRight | Qt::AlignVCenter));
    default:
        return {};
    }
}

QVariant DominatorTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractItemModel::headerData(section, orientation, role);
    switch (section) {
    case Object:
        return tr("Object");
    case ShallowBytes:
        return tr("Shallow size");
    case RetainedBytes:
        return tr("Retained size");
    case HeapShare:
        return tr("% of heap");
    }
    return {};
}

} // namespace leakdesk::ui
