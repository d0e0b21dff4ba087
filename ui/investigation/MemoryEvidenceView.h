#pragma once
// Runbook step 1: "Confirm memory growth pattern". The verdict, the memory chart, the
// `kubectl top` table and the evidence behind each number.

#include "core/investigation/Findings.h"

#include <QWidget>

#include <functional>
#include <memory>

class QTableView;
class QLabel;
class QListWidget;
class QSplitter;
class QStackedWidget;
class QSortFilterProxyModel;

namespace leakdesk::investigation {
class ClusterConnection;
}

namespace leakdesk::ui {

class MemoryChart;
class MemoryChartFeed;
class PodTableModel;
class VerdictBanner;

class MemoryEvidenceView : public QWidget {
    Q_OBJECT
public:
    explicit MemoryEvidenceView(QWidget* parent = nullptr);
    void setFindings(std::shared_ptr<const investigation::Findings> findings);
    // Where the chart fetches the history of longer ranges from (the controller's connection).
    void setConnectionSource(std::function<investigation::ClusterConnection*()> source);

    MemoryChartFeed* chartFeed() const { return m_feed; }
    MemoryChart* chart() const { return m_chart; }
    QTableView* podTable() const { return m_table; }
    PodTableModel* podModel() const { return m_model; }
    VerdictBanner* banner() const { return m_banner; }
    // Shown instead of the chart when there is no memory history to draw (e.g. Prometheus is down).
    QLabel* noHistoryNotice() const { return m_noHistory; }
    QLabel* containersSummary() const { return m_containers; }
    bool chartShown() const;

private:
    void showContainers(const investigation::Findings* f);
    int chartMinimumHeight() const;

    VerdictBanner* m_banner;
    MemoryChart* m_chart;
    MemoryChartFeed* m_feed;
    QLabel* m_noHistory;
    QStackedWidget* m_chartStack;
    QSplitter* m_split;
    PodTableModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_table;
    QListWidget* m_evidence;
    QLabel* m_containers; // one line per container when the pods have more than one
};

} // namespace leakdesk::ui
