#pragma once
// OOM kills of runbook step 2, fused from every source, newest first.

#include "core/oom/OomEvidence.h"

#include <QAbstractTableModel>

#include <memory>

namespace leakdesk::ui {

class OomTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Time, Pod, Node, Sources, Detail, ColumnCount };
    enum Role { TimeMsRole = Qt::UserRole + 1 };

    explicit OomTableModel(QObject* parent = nullptr);

    // The finding must outlive the model's use of it; it is held by the shared Findings.
    void setFinding(std::shared_ptr<const oom::OomFinding> finding);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    const oom::OomKill& killAt(int row) const;
    std::shared_ptr<const oom::OomFinding> m_finding;
};

} // namespace leakdesk::ui
