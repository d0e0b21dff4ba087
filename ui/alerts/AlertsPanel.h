#pragma once
// The Alerts panel: Alertmanager's firing memory alerts (core/alerts: matched by the configured
// rules, each with the namespace and workload it is about) in a sortable table, refreshed on
// demand, and "Start incident" for the selected alert, which the window turns into the
// investigation of its workload with the alert recorded in the incident. Self-contained: the
// window hands it the clients (setSources) and listens to startIncidentRequested.

#include "core/alerts/AlertWorkloads.h"
#include "core/alerts/AlertmanagerClient.h"
#include "core/alerts/MemoryAlerts.h"

#include <QAbstractTableModel>
#include <QPointer>
#include <QWidget>

#include <memory>
#include <optional>

class QLabel;
class QPushButton;
class QTableView;
class QSortFilterProxyModel;

namespace leakdesk::kube {
class KubeClient;
}

namespace leakdesk::ui {

class AlertsTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Namespace, Workload, Alert, Category, Since, State, ColumnCount };
    enum Role { SortRole = Qt::UserRole + 1 };

    using QAbstractTableModel::QAbstractTableModel;
    void setAlerts(std::vector<alerts::MemoryAlert> alerts, std::int64_t nowMs);
    const alerts::MemoryAlert* alertAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<alerts::MemoryAlert> m_alerts;
    std::int64_t m_nowMs = 0;
};

class AlertsPanel : public QWidget {
    Q_OBJECT
public:
    explicit AlertsPanel(QWidget* parent = nullptr);
    ~AlertsPanel() override;

    // What to read: the cluster (for the pods' owners) and Alertmanager; neither is owned and both
    // must outlive the panel's use of them (null: nothing to read, the panel says so).
    void setSources(
        kube::KubeClient* kube, alerts::AlertmanagerClient* alertmanager, alerts::MemoryAlertMatcher matcher);
    // The window's way: the cluster's Alertmanager, found among its Services and reached through
    // the API server's service proxy (core/alerts discoverAlertmanager), then a refresh. Calling it
    // again with the same client does nothing; `kube` must outlive the panel's use of it.
    void connectTo(kube::KubeClient* kube);
    void refresh();
    // Shows `alerts` (what refresh() ends with; tests and other callers hand them in directly).
    void showAlerts(const alerts::ResolvedAlerts& alerts, std::int64_t nowMs);
    void showError(const QString& message);

    AlertsTableModel* model() const { return m_model; }
    QTableView* view() const { return m_view; }
    QPushButton* startIncidentButton() const { return m_start; }

Q_SIGNALS:
    // The user chose "Start incident" on an alert whose workload is known.
    void startIncidentRequested(const leakdesk::alerts::MemoryAlert& alert);
    // connectTo() found an Alertmanager (null: none any more), for the mitigation's silence option.
    void alertmanagerChanged(leakdesk::alerts::AlertmanagerClient* client);

private:
    void updateButtons();
    std::optional<alerts::MemoryAlert> selectedAlert() const;

    AlertsTableModel* m_model = nullptr;
    QSortFilterProxyModel* m_sorted = nullptr;
    QTableView* m_view = nullptr;
    QLabel* m_status = nullptr;
    QPushButton* m_refresh = nullptr;
    QPushButton* m_start = nullptr;
    QPointer<kube::KubeClient> m_kube;
    QPointer<alerts::AlertmanagerClient> m_alertmanager;
    alerts::MemoryAlertMatcher m_matcher = alerts::MemoryAlertMatcher::defaults();
    std::unique_ptr<QObject> m_pending; // replies of the refresh under way are bound to it
    std::unique_ptr<alerts::AlertmanagerClient> m_ownClient; // the one connectTo() found
    QPointer<kube::KubeClient> m_connectedTo;
};

} // namespace leakdesk::ui

Q_DECLARE_METATYPE(leakdesk::alerts::MemoryAlert)
