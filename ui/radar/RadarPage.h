#pragma once
// The Radar: every workload of the cluster (or of the fleet behind a Thanos or VictoriaMetrics
// view) ranked by how likely it leaks memory now, from the rows Prometheus computes (core/radar).
// A sortable, filterable table with a sparkline of memory per row; the namespaces or queries that
// failed are named in a banner above it, never hidden; progress while the radar runs; an empty
// state that says why there is nothing to show. A click or Enter on a row asks for the
// investigation of that workload (workloadActivated); the window decides what that opens.

#include "core/common/Result.h"
#include "core/radar/Radar.h"

#include <QWidget>

#include <memory>

class QLabel;
class QLineEdit;
class QPushButton;
class QStackedWidget;
class QTableView;

namespace leakdesk::radar {
class LeakRadar;
}

namespace leakdesk::ui {

class ElidedLabel;
class InvestigationController;
class JobProgressBar;
class RadarFilterModel;
class RadarTableModel;

class RadarPage : public QWidget {
    Q_OBJECT
public:
    explicit RadarPage(InvestigationController* controller, QWidget* parent = nullptr);
    ~RadarPage() override;

    // Ranks the workloads again (the Refresh button, F5 in the window). While a run is under way
    // the rows of the last one stay.
    void refresh();
    bool isLoading() const { return m_loading; }
    // Shows a report: the rows, the failures' banner, the empty state or "nothing is leaking" (what
    // a finished run does; tests give invented reports).
    void showReport(std::shared_ptr<const radar::RadarReport> report);
    // Whether the green "nothing is leaking" line shows, and its text.
    QString allClearText() const;

    RadarTableModel* model() const { return m_model; }
    RadarFilterModel* proxy() const { return m_proxy; }
    QTableView* table() const { return m_table; }
    QLineEdit* filterBox() const { return m_filter; }
    // What the page says instead of a table, empty while the table shows.
    QString emptyStateText() const;
    // The failures' banner text, empty when every namespace and query answered.
    QString failureText() const;
    QString summaryText() const;
    // The full reason of the row under the mouse or the current row, below the table.
    QString detailText() const;

Q_SIGNALS:
    // A row was clicked or Enter pressed on it: `workload` is "Kind/name".
    void workloadActivated(const QString& ns, const QString& workload, const QString& cluster);
    // A run ended: rows (or an empty state) are shown. For --screenshot and tests.
    void loaded();

protected:
    void showEvent(QShowEvent* event) override;

private:
    void connectionChanging();
    void connectionOpened();
    void startRadar();
    void showEmptyState(const QString& text);
    void showFailures(const radar::RadarReport& report);
    void activate(const QModelIndex& proxyIndex);
    void fitColumns();
    void showDetail(const QModelIndex& proxyIndex);

    InvestigationController* m_controller;
    RadarTableModel* m_model;
    RadarFilterModel* m_proxy;
    QLineEdit* m_filter;
    QPushButton* m_refresh;
    ElidedLabel* m_summary;
    QLabel* m_failures;
    QLabel* m_allClear;
    QStackedWidget* m_body;
    QTableView* m_table;
    QLabel* m_empty;
    QLabel* m_detail;
    QWidget* m_progressSlot;
    // Made per connection: the job holds the connection's PromClient.
    radar::LeakRadar* m_radar = nullptr;
    JobProgressBar* m_progress = nullptr;
    bool m_loading = false;
    bool m_stale = true; // nothing shown yet for this connection
    bool m_columnsFitted = false;
};

} // namespace leakdesk::ui
