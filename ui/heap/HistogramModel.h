#pragma once
// The class histogram: one row per class with instances, shallow bytes and, once the dominator
// tree is ready, retained bytes. DisplayRole is formatted text; SortRole is the raw number so a
// QSortFilterProxyModel sorts by value.

#include "core/heap/ClassHistogram.h"

#include <QAbstractTableModel>

#include <memory>

namespace leakdesk::ui {

class HistogramModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { ClassName, Instances, ShallowBytes, RetainedBytes, ColumnCount };
    enum Role {
        SortRole = Qt::UserRole + 1, // QString for ClassName, qulonglong for the numbers
        ClassNameRole, // Java name ("byte[]")
        JvmNameRole, // as the JVM's histogram prints it ("[B")
        InstancesRole, // qulonglong
        ShallowBytesRole, // qulonglong
        RetainedBytesRole, // qulonglong, or an invalid QVariant while retained sizes are unknown
    };

    explicit HistogramModel(QObject* parent = nullptr);

    // Resets the model from a new histogram (nullptr clears it).
    void setHistogram(std::shared_ptr<const heap::ClassHistogram> histogram);
    std::shared_ptr<const heap::ClassHistogram> histogram() const { return m_histogram; }
    bool hasRetained() const { return m_histogram && m_histogram->hasRetained; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const heap::ClassHistogram> m_histogram;
};

} // namespace leakdesk::ui
