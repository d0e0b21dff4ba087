#include "ui/investigation/MemoryChartFeed.h"

#include "core/investigation/ClusterConnection.h"
#include "core/investigation/MemoryHistory.h"
#include "core/investigation/PodMetricsSampler.h"
#include "ui/chart/AbsoluteRangePicker.h"
#include "ui/chart/MemoryChart.h"
#include "ui/chart/RangePresetBar.h"
#include "ui/investigation/ChartDataBuilder.h"

#include <QDateTime>
#include <QScopedValueRollback>

namespace leakdesk::ui {

using prometheus::QueryKind;

namespace {

// All: as far back as the absolute picker reaches.
qint64 presetMs(RangePreset preset)
{
    const qint64 ms = rangePresetDurationMs(preset);
    return ms > 0 ? ms : kMaxAbsoluteRangeMs;
}

} // namespace

MemoryChartFeed::MemoryChartFeed(MemoryChart* chart, QObject* parent)
    : QObject(parent)
    , m_chart(chart)
    , m_clock([] { return QDateTime::currentMSecsSinceEpoch(); })
{
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(150);
    connect(&m_debounce, &QTimer::timeout, this, &MemoryChartFeed::loadShown);
    connect(m_chart, &MemoryChart::visibleRangeChanged, this, [this] {
        if (!m_rebuilding && m_findings)
            m_debounce.start();
    });
    connect(m_chart, &MemoryChart::autoRefreshChanged, this, &MemoryChartFeed::setAutoRefresh);
    connect(&m_refreshTimer, &QTimer::timeout, this, &MemoryChartFeed::refresh);
}

MemoryChartFeed::~MemoryChartFeed() = default;

void MemoryChartFeed::setConnectionSource(std::function<investigation::ClusterConnection*()> source)
{
    m_connectionSource = std::move(source);
}

void MemoryChartFeed::ensureHistory()
{
    investigation::ClusterConnection* connection = m_connectionSource ? m_connectionSource() : nullptr;
    if (!connection || !connection->hasPrometheus()) {
        delete m_history;
        m_history = nullptr;
        if (!connection || connection != m_samplerConnection) {
            delete m_sampler;
            m_sampler = nullptr;
            m_samplerConnection = nullptr;
        }
        if (connection && !m_sampler) {
            m_sampler = new investigation::PodMetricsSampler(connection->kube(), this);
            m_samplerConnection = connection;
            connect(m_sampler, &investigation::PodMetricsSampler::sampled, this, [this](int added) {
                if (added > 0)
                    rebuild();
            });
        }
        return;
    }
    delete m_sampler;
    m_sampler = nullptr;
    m_samplerConnection = nullptr;
    if (m_history && m_history->uses(&connection->prometheus()))
        return;
    delete m_history;
    m_history = new investigation::MemoryHistory(connection->prometheus(), connection->catalogue(), this);
    connect(m_history, &investigation::MemoryHistory::loadingStarted, this,
        [this] { m_chart->setHistoryStatus(tr("loading %1…").arg(m_loadingName)); });
    connect(m_history, &investigation::MemoryHistory::loaded, this, [this](qint64, qint64, qint64, bool fetched) {
        m_chart->setHistoryStatus({});
        const bool moved = m_refreshNowMs.has_value();
        if (m_refreshNowMs)
            m_nowMs = *m_refreshNowMs;
        m_refreshNowMs.reset();
        if (fetched || moved)
            rebuild();
    });
    connect(m_history, &Job::failed, this, [this](const Error& e) {
        m_refreshNowMs.reset();
        m_chart->setHistoryStatus(tr("%1 not loaded: %2").arg(m_loadingName, QString::fromStdString(e.message)), true);
        rebuild(); // what did arrive is shown
    });
}

void MemoryChartFeed::setFindings(std::shared_ptr<const investigation::Findings> findings)
{
    m_findings = std::move(findings);
    m_refreshNowMs.reset();
    m_chart->setHistoryStatus({});
    if (!m_findings) {
        m_chart->setData(nullptr);
        return;
    }
    m_nowMs = m_findings->request.nowMs;
    ensureHistory();
    if (m_history && m_findings->evidence)
        m_history->seed(*m_findings->evidence);
    if (m_sampler && m_findings->evidence) {
        m_sampler->start(QString::fromStdString(m_findings->request.ns),
            QStringLiteral("app=") + QString::fromStdString(m_findings->request.service), m_samplingIntervalMs);
        m_sampler->seed(m_findings->evidence->podMetrics);
        // Samples from now on, 15 s apart: the last hour is where they show.
        m_chart->setRangePreset(RangePreset::LastHour);
    }
    rebuild();
    loadShown(); // the preset in effect may want more than the investigation's window
}

TimeRange MemoryChartFeed::wantedRange(qint64 nowMs) const
{
    if (const auto preset = m_chart->rangePreset())
        return { nowMs - presetMs(*preset), nowMs };
    const TimeRange visible = m_chart->visibleRange();
    return { visible.startMs, std::min<std::int64_t>(visible.endMs, nowMs) };
}

QString MemoryChartFeed::rangeName() const
{
    if (const auto preset = m_chart->rangePreset())
        return rangePresetName(*preset);
    return tr("the range shown");
}

void MemoryChartFeed::loadShown()
{
    m_debounce.stop();
    if (m_findings && m_history)
        load(wantedRange(m_nowMs), std::nullopt);
}

void MemoryChartFeed::load(TimeRange want, std::optional<qint64> refreshNowMs)
{
    if (want.endMs <= want.startMs)
        return;
    m_loadingName = refreshNowMs ? tr("the newest samples of %1").arg(rangeName()) : rangeName();
    m_refreshNowMs = refreshNowMs;
    m_history->load(want);
}

void MemoryChartFeed::setAutoRefresh(int intervalMs)
{
    if (intervalMs <= 0) {
        m_refreshTimer.stop();
        return;
    }
    m_refreshTimer.start(intervalMs);
}

void MemoryChartFeed::refresh()
{
    if (!m_findings || !m_history)
        return;
    if (m_history->isRunning()) {
        ++m_skippedRefreshes; // never stack requests on a Prometheus that is still answering
        return;
    }
    const qint64 now = std::max<qint64>(m_clock(), m_nowMs);
    // A range shown in the past (an absolute range) has nothing new to fetch.
    const TimeRange shown = wantedRange(m_nowMs);
    if (!m_chart->rangePreset() && shown.endMs < m_nowMs)
        return;
    const TimeRange want
        = m_chart->rangePreset() ? wantedRange(now) : TimeRange { shown.startMs + (now - m_nowMs), now };
    load(want, now);
}

void MemoryChartFeed::rebuild()
{
    if (!m_findings)
        return;
    QScopedValueRollback<bool> rebuilding(m_rebuilding, true);
    auto data = std::make_shared<MemoryChartData>(*buildMemoryChartData(*m_findings));
    data->nowMs = m_nowMs;
    if (m_sampler) {
        setPrometheusLines(*data, m_sampler->series(), {}, {});
        for (const auto& pod : data->pods)
            if (!pod.samples.empty())
                data->nowMs = std::max<qint64>(data->nowMs, pod.samples.back().tMs);
        // Short, so the range bar keeps it whole; the verdict banner names the questions it cannot answer.
        m_chart->setHistoryStatus(tr("no Prometheus: kubectl top every 15 s while open"));
    }
    if (m_history) {
        const TimeRange want = wantedRange(m_nowMs);
        // Everything fetched at the resolution of the range shown, from the earliest instant the
        // picker reaches: panning within it needs no rebuild, and finer data is used where it exists.
        const TimeRange all { m_nowMs - kMaxAbsoluteRangeMs, m_nowMs };
        const TimeRange span { std::min(all.startMs, want.startMs), std::max(all.endMs, want.endMs) };
        const qint64 step = m_history->stepFor(want);
        setPrometheusLines(*data, m_history->series(QueryKind::MemoryWorkingSet, span, step),
            m_history->series(QueryKind::MemoryPerPodAvgBaseline, span, step),
            m_history->series(QueryKind::RequestRate, span, step));
    }
    m_chart->setData(data);
}

} // namespace leakdesk::ui
