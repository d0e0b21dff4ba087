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
    m_groups.clear();
    if (m_analysis && m_analysis->dominators)
        m_nodes.push_back(Node { heap::DominatorTree::kVirtualRoot, false, -1, 0, {} });
    // Listeners of modelReset (QAbstractItemModelTester does) may ask to fetch at once; inserting
    // rows from inside the reset notification confuses the others, so that ask is ignored too.
    m_fetching = true;
    endResetModel();
    m_fetching = false;
}

void DominatorTreeModel::setGroupByClass(bool grouped)
{
    if (grouped == m_groupByClass)
        return;
    m_groupByClass = grouped;
    setAnalysis(m_analysis); // the same analysis, its rows made again
}

std::uint32_t DominatorTreeModel::classIndexOf(std::uint32_t object) const
{
    return m_analysis->snapshot->classOf(object); // java.lang.Class for a class object, as MAT groups it
}

const std::vector<DominatorTreeModel::ClassGroup>& DominatorTreeModel::classGroups(int objectNode) const
{
    auto it = m_groups.find(objectNode);
    if (it != m_groups.end())
        return it->second;
    const heap::DominatorTree& d = *m_analysis->dominators;
    const heap::HeapSnapshot& s = *m_analysis->snapshot;
    std::vector<ClassGroup> groups;
    std::unordered_map<std::uint32_t, std::size_t> byClass;
    for (const std::uint32_t o : d.children(m_nodes[std::size_t(objectNode)].object)) {
        const auto [at, added] = byClass.emplace(classIndexOf(o), groups.size());
        if (added)
            groups.push_back(ClassGroup { classIndexOf(o), {}, 0, 0 });
        ClassGroup& g = groups[at->second];
        g.objects.push_back(o); // children come largest first, and so do a group's objects
        g.shallow += s.shallowSize(o);
        g.retained += d.retainedSize(o);
    }
    std::stable_sort(
        groups.begin(), groups.end(), [](const ClassGroup& a, const ClassGroup& b) { return a.retained > b.retained; });
    return m_groups.emplace(objectNode, std::move(groups)).first->second;
}

std::size_t DominatorTreeModel::totalChildren(int node) const
{
    if (m_nodes.empty())
        return 0;
    const Node& n = m_nodes[std::size_t(node)];
    if (n.group)
        return classGroups(n.parent)[std::size_t(n.row)].objects.size();
    if (m_groupByClass)
        return classGroups(node).size();
    return m_analysis->dominators->children(n.object).size();
}

std::pair<std::uint32_t, bool> DominatorTreeModel::childAt(int node, std::size_t i) const
{
    const Node& n = m_nodes[std::size_t(node)];
    if (n.group)
        return { classGroups(n.parent)[std::size_t(n.row)].objects[i], false };
    if (m_groupByClass)
        return { classGroups(node)[i].cls, true };
    return { m_analysis->dominators->children(n.object)[i], false };
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
    const std::size_t total = totalChildren(n);
    const std::size_t first = m_nodes[std::size_t(n)].children.size();
    if (m_fetching || first >= std::min(rows, total))
        return;
    const std::size_t last = std::min(total, rows) - 1;
    m_fetching = true;
    beginInsertRows(parent, int(first), int(last));
    for (std::size_t i = first; i <= last; ++i) {
        const auto [object, group] = childAt(n, i);
        m_nodes[std::size_t(n)].children.push_back(int(m_nodes.size()));
        m_nodes.push_back(Node { object, group, n, int(i), {} });
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
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        // Grouped: first the row of the object's class among the parent's groups.
        if (m_groupByClass) {
            const auto& groups = classGroups(nodeOf(parent));
            const auto group = std::find_if(
                groups.begin(), groups.end(), [&](const ClassGroup& g) { return g.cls == classIndexOf(*it); });
            if (group == groups.end())
                return {};
            const auto row = std::size_t(group - groups.begin());
            fetchUpTo(parent, row + 1);
            if (int(row) >= rowCount(parent))
                return {};
            parent = index(int(row), 0, parent);
        }
        const int n = nodeOf(parent);
        std::size_t row = 0;
        const std::size_t total = totalChildren(n);
        while (row < total && childAt(n, row).first != *it)
            ++row;
        if (row == total)
            return {};
        fetchUpTo(parent, row + 1);
        if (int(row) >= rowCount(parent))
            return {};
        parent = index(int(row), 0, parent);
    }
    return parent;
}

QVariant DominatorTreeModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Node& node = m_nodes[std::size_t(nodeOf(index))];
    if (node.group)
        return groupData(node, index.column(), role);
    const std::uint32_t object = node.object;
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

QVariant DominatorTreeModel::groupData(const Node& node, int column, int role) const
{
    const ClassGroup& g = classGroups(node.parent)[std::size_t(node.row)];
    const heap::DominatorTree& d = *m_analysis->dominators;
    const QString name = g.cls == heap::kNoIndex ? tr("unknown class")
                                                 : QString::fromStdString(m_analysis->snapshot->classes()[g.cls].name);
    const double share = double(g.retained) / double(std::max<std::uint64_t>(1, d.reachableBytes()));
    const QString text = tr("%1 (%2 %3)")
                             .arg(name, QLocale().toString(qulonglong(g.objects.size())),
                                 g.objects.size() == 1 ? tr("object") : tr("objects"));
    switch (role) {
    case ClassNameRole:
        return name;
    case GroupSizeRole:
    case DominatedCountRole:
        return uint(g.objects.size());
    case ShallowBytesRole:
        return qulonglong(g.shallow);
    case RetainedBytesRole:
        return qulonglong(g.retained);
    case HeapShareRole:
        return share;
    case SortRole:
        return column == Object ? QVariant(text)
                                : QVariant(qulonglong(column == ShallowBytes ? g.shallow : g.retained));
    case Qt::DisplayRole:
        switch (column) {
        case Object:
            return text;
        case ShallowBytes:
            return byteText(g.shallow);
        case RetainedBytes:
            return byteText(g.retained);
        case HeapShare:
            return QString(QLocale().toString(100.0 * share, 'f', share < 0.001 ? 3 : 1) + QLatin1Char('%'));
        }
        return {};
    case Qt::TextAlignmentRole:
        return column == Object ? QVariant() : QVariant(int(Qt::AlignRight | Qt::AlignVCenter));
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
