#pragma once
// Feeds the memory chart: the investigation's findings (markers, bands, slope, projection) with the
// lines Prometheus has for the range the user looks at. Choosing 24h, 7d, All, an absolute range or
// zooming loads what that range lacks in the background (investigation::MemoryHistory: the step
// Prometheus allows, a cache of what was fetched), shows "loading 7d…" and names a failure; the
// UI never waits. Auto-refresh fetches only the new tail and skips a tick while a fetch still runs.
// With no Prometheus the lines are what metrics.k8s.io says every 15 s while open
// (investigation::PodMetricsSampler), and the chart says which questions that cannot answer.

#include "core/common/Series.h"
#include "core/investigation/Findings.h"

#include <QObject>
#include <QString>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

namespace leakdesk::investigation {
class ClusterConnection;
class MemoryHistory;
class PodMetricsSampler;
} // namespace leakdesk::investigation

namespace leakdesk::ui {

class MemoryChart;

class MemoryChartFeed : public QObject {
    Q_OBJECT
public:
    explicit MemoryChartFeed(MemoryChart* chart, QObject* parent = nullptr);
    ~MemoryChartFeed() override;

    // Where the history comes from (the controller's current connection; null: none). Asked again
    // for every new findings, so a reopened connection gets a fresh loader.
    void setConnectionSource(std::function<investigation::ClusterConnection*()> source);
    // New findings: the chart shows them at once, with every line fetched for that service so far.
    void setFindings(std::shared_ptr<const investigation::Findings> findings);
    // The clock auto-refresh reads "now" from (default: the wall clock). For tests.
    void setClock(std::function<qint64()> nowMs) { m_clock = std::move(nowMs); }
    // How often metrics.k8s.io is sampled with no Prometheus (default 15 s). For tests.
    void setSamplingInterval(int intervalMs) { m_samplingIntervalMs = intervalMs; }
    investigation::PodMetricsSampler* sampler() const { return m_sampler; }
    // 0: off. The chart's auto-refresh box calls this.
    void setAutoRefresh(int intervalMs);
    int autoRefreshMs() const { return m_refreshTimer.isActive() ? m_refreshTimer.interval() : 0; }
    // One auto-refresh tick: fetches [last fetched, now] of the range shown; skipped (counted)
    // while a fetch is still running, so a slow Prometheus never has requests stacked on it.
    void refresh();
    int skippedRefreshes() const { return m_skippedRefreshes; }

    investigation::MemoryHistory* history() const { return m_history; }
    qint64 nowMs() const { return m_nowMs; }
    // The range the chart needs data for: the preset's span ending now, All as far back as the
    // picker reaches, or the span shown (never past now).
    leakdesk::TimeRange wantedRange(qint64 nowMs) const;

private:
    void ensureHistory();
    void loadShown();
    void load(leakdesk::TimeRange want, std::optional<qint64> refreshNowMs);
    void rebuild();
    QString rangeName() const;

    MemoryChart* m_chart;
    std::function<investigation::ClusterConnection*()> m_connectionSource;
    std::function<qint64()> m_clock;
    std::shared_ptr<const investigation::Findings> m_findings;
    investigation::MemoryHistory* m_history = nullptr;
    // With no Prometheus: metrics.k8s.io sampled every 15 s while the findings are shown.
    investigation::PodMetricsSampler* m_sampler = nullptr;
    const investigation::ClusterConnection* m_samplerConnection = nullptr;
    int m_samplingIntervalMs = 15000;
    qint64 m_nowMs = 0;
    std::optional<qint64> m_refreshNowMs; // the "now" of the auto-refresh being loaded
    QString m_loadingName;
    QTimer m_debounce; // zooming and panning settle before a load
    QTimer m_refreshTimer;
    int m_skippedRefreshes = 0;
    bool m_rebuilding = false;
};

} // namespace leakdesk::ui
