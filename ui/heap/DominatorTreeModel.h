#pragma once
// The dominator tree as a lazily populated item tree: the top level holds the objects dominated
// only by the GC roots, each node's children are the objects it alone keeps alive, largest
// retained size first (the order core/heap already keeps). A real heap has hundreds of thousands
// of top-level objects and nodes with millions of children, so rows are fetched in batches when
// the view asks (canFetchMore/fetchMore on expand and on scrolling to the end), never up front.

#include "ui/heap/HeapAnalysisJob.h"

#include <QAbstractItemModel>

#include <memory>
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
        DominatedCountRole, // uint: how many objects this one immediately dominates
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

    // The row of `object` (column 0), fetching the rows of its dominators down to it as needed:
    // where a path from a GC root or a reference of the inspector leads in the tree. Invalid when
    // the object is unreachable (not in the tree) or there is no analysis.
    QModelIndex indexOfObject(std::uint32_t object);

private:
    struct Node {
        std::uint32_t object = 0; // heap::DominatorTree::kVirtualRoot for node 0
        int parent = -1; // node index
        int row = 0; // within the parent
        std::vector<int> children; // node indices, the fetched prefix of the dominated objects
    };
    int nodeOf(const QModelIndex& index) const { return index.isValid() ? int(index.internalId()) : 0; }
    std::size_t totalChildren(int node) const;
    void fetchUpTo(const QModelIndex& parent, std::size_t rows); // at least `rows` children fetched

    std::shared_ptr<const HeapAnalysis> m_analysis;
    std::vector<Node> m_nodes; // node 0 is the virtual root
    // Views and QAbstractItemModelTester may ask to fetch more from inside the rowsAboutToBeInserted of a
    // fetch; a nested insertion would corrupt the rows being inserted, so it waits for the next ask.
    bool m_fetching = false;
};

} // namespace leakdesk::ui
