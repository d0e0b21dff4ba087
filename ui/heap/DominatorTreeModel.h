#pragma once
// The dominator tree as a lazily populated item tree: the top level holds the objects dominated
// only by the GC roots, each node's children are the objects it alone keeps alive, largest
// retained size first (the order core/heap already keeps). A real heap has hundreds of thousands
// of top-level objects and nodes with millions of children, so rows are fetched in batches when
// the view asks (canFetchMore/fetchMore on expand and on scrolling to the end), never up front.
// Grouped by class (MAT's "Group by class"), each node's children are first gathered into one row
// per class (objects, shallow and retained bytes summed, largest retained first) whose children
// are those objects: 1,500 request objects at the top level become one row.

#include "ui/heap/HeapAnalysisJob.h"

#include <QAbstractItemModel>

#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

namespace leakdesk::ui {

class DominatorTreeModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column { Object, ShallowBytes, RetainedBytes, HeapShare, ColumnCount };
    enum Role {
        SortRole = Qt::UserRole + 1, // raw value of the column
        ObjectIndexRole, // uint: the object's index in the snapshot
        ClassNameRole, // QString
        ShallowBytesRole, // qulonglong
        RetainedBytesRole, // qulonglong
        HeapShareRole, // double: retained / reachable bytes
        DominatedCountRole, // uint: how many objects this one immediately dominates (a group: its objects)
        GroupSizeRole, // uint: a class group's objects; invalid for an object row (ObjectIndexRole is then invalid)
    };
    static constexpr int kBatchSize = 200;

    explicit DominatorTreeModel(QObject* parent = nullptr);

    void setAnalysis(std::shared_ptr<const HeapAnalysis> analysis);
    std::shared_ptr<const HeapAnalysis> analysis() const { return m_analysis; }

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    bool hasChildren(const QModelIndex& parent = {}) const override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // How many dominated objects `parent` has in total (rowCount() is how many are fetched so far).
    int dominatedCount(const QModelIndex& parent = {}) const;

    // One row per class above the objects, at every level (resets the rows).
    void setGroupByClass(bool grouped);
    bool groupByClass() const { return m_groupByClass; }

    // The row of `object` (column 0), fetching the rows of its dominators down to it as needed:
    // where a path from a GC root or a reference of the inspector leads in the tree. Invalid when
    // the object is unreachable (not in the tree) or there is no analysis.
    QModelIndex indexOfObject(std::uint32_t object);

private:
    struct Node {
        std::uint32_t object = 0; // heap::DominatorTree::kVirtualRoot for node 0; a group: the class index
        bool group = false; // a class group of its parent's dominated objects
        int parent = -1; // node index
        int row = 0; // within the parent; a group's row is its index in classGroups(parent)
        std::vector<int> children; // node indices, the fetched prefix of the dominated objects
    };
    struct ClassGroup {
        std::uint32_t cls = 0; // class-table index (heap::kNoIndex: unknown class)
        std::vector<std::uint32_t> objects; // largest retained first
        std::uint64_t shallow = 0;
        std::uint64_t retained = 0; // siblings in the dominator tree: their retained sets are disjoint
    };
    int nodeOf(const QModelIndex& index) const { return index.isValid() ? int(index.internalId()) : 0; }
    std::size_t totalChildren(int node) const;
    // The `i`-th child of `node`: (object or class index, whether it is a group).
    std::pair<std::uint32_t, bool> childAt(int node, std::size_t i) const;
    const std::vector<ClassGroup>& classGroups(int objectNode) const; // made when first asked for
    std::uint32_t classIndexOf(std::uint32_t object) const;
    QVariant groupData(const Node& node, int column, int role) const;
    void fetchUpTo(const QModelIndex& parent, std::size_t rows); // at least `rows` children fetched

    std::shared_ptr<const HeapAnalysis> m_analysis;
    std::vector<Node> m_nodes; // node 0 is the virtual root
    // Views and QAbstractItemModelTester may ask to fetch more from inside the rowsAboutToBeInserted of a
    // fetch; a nested insertion would corrupt the rows being inserted, so it waits for the next ask.
    bool m_fetching = false;
    bool m_groupByClass = false;
    mutable std::unordered_map<int, std::vector<ClassGroup>> m_groups; // by object node
};

} // namespace leakdesk::ui
