#pragma once
// The radar's rows as a table: one row per workload, in the radar's ranking order. DisplayRole is
// text for a person ("+12.3 MiB/h", "in 3 h 20 min", "—"); SortRole the raw number (an invalid
// QVariant where the value does not exist, which RadarFilterModel sorts last); SparklineRole the
// row's memory as a QPolygonF scaled to 0..1 once per report, so the delegate only scales it to
// its cell. The Cluster column is empty on a single cluster (the page hides it then).

#include "core/radar/Radar.h"

#include <QAbstractTableModel>
#include <QIcon>
#include <QPolygonF>
#include <QStringList>

#include <memory>
#include <vector>

namespace leakdesk::ui {

class RadarTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Memory,
        Score,
        Cluster,
        Namespace,
        Workload,
        Growth,
        OomKills,
        Restarts,
        TimeToLimit,
        Reason,
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1, // double/int for numbers, QString for names; invalid: no value
        SparklineRole, // QPolygonF, points in 0..1 x 0..1 (time, memory)
        LeakingRole, // bool: the score says "leaking" (isLeakingScore)
        NamespaceRole, // QString
        WorkloadRole, // QString "Kind/name", as the service picker writes a workload
        ClusterRole, // QString, "" on a single cluster
    };

    // From this score on, a row is shown as leaking (red sparkline and score). The ranking's scores
    // are the per-service verdict's confidence that memory grows without bound: 0.5 is "more likely
    // than not".
    static constexpr double kLeakingScore = 0.5;
    static bool isLeakingScore(double score) { return score >= kLeakingScore; }

    explicit RadarTableModel(QObject* parent = nullptr);

    // Resets the model from a new report (nullptr clears it).
    void setReport(std::shared_ptr<const radar::RadarReport> report);
    std::shared_ptr<const radar::RadarReport> report() const { return m_report; }
    const radar::RadarRow* rowAt(int row) const;
    bool hasClusters() const { return m_hasClusters; }
    int leakingCount() const { return m_leaking; }

    // The sparkline's points scaled to 0..1: time over the samples' span, memory over a range at
    // least 10 % of the peak wide (centred on the samples), so that scrape noise on a flat line stays
    // flat instead of filling the cell. Fewer than two samples: empty.
    static QPolygonF unitSparkline(const std::vector<Sample>& samples);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Shown {
        QString workload; // "Kind/name"
        QString growth;
        QString timeToLimit;
        QPolygonF sparkline;
        QString sparklineTip;
        QString workloadTip;
    };
    QVariant sortValue(const radar::RadarRow& row, int column) const;

    std::shared_ptr<const radar::RadarReport> m_report;
    std::vector<Shown> m_shown; // per row, made once per report
    QIcon m_redDot, m_amberDot, m_greenDot, m_greyDot; // made once: data() is called per painted cell
    bool m_hasClusters = false;
    int m_leaking = 0;
};

} // namespace leakdesk::ui
