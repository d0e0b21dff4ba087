#include "ui/investigation/ChartDataBuilder.h"

#include "core/common/Quantity.h"

#include <QDateTime>

#include <algorithm>

namespace leakdesk::ui {

using prometheus::QueryKind;

void setPrometheusLines(MemoryChartData& data, const std::vector<Series>& workingSet,
    const std::vector<Series>& baseline, const std::vector<Series>& requestRate)
{
    data.pods.clear();
    for (const auto& s : workingSet)
        data.pods.push_back({ QString::fromStdString(s.label("pod")), s.samples });
    std::sort(
        data.pods.begin(), data.pods.end(), [](const ChartSeries& a, const ChartSeries& b) { return a.name < b.name; });
    data.baseline.reset();
    if (!baseline.empty() && !baseline.front().samples.empty())
        data.baseline = ChartLine { QStringLiteral("7 days ago (avg per pod)"), baseline.front().samples };
    data.requestRate.reset();
    if (!requestRate.empty() && !requestRate.front().samples.empty())
        data.requestRate = ChartSeries { QStringLiteral("requests/s"), requestRate.front().samples };
}

std::shared_ptr<const MemoryChartData> buildMemoryChartData(const investigation::Findings& f)
{
    auto data = std::make_shared<MemoryChartData>();
    const auto& ev = *f.evidence;
    data->nowMs = f.request.nowMs;

    setPrometheusLines(*data, ev.seriesOf(QueryKind::MemoryWorkingSet), ev.seriesOf(QueryKind::MemoryPerPodAvgBaseline),
        ev.seriesOf(QueryKind::RequestRate));

    for (const auto& [pod, limit] : f.limitBytesByPod)
        if (limit)
            data->limitBytes = std::max(data->limitBytes.value_or(0.0), *limit);

    for (const auto& k : f.oom.kills) {
        QStringList sources;
        for (const auto& s : k.sources)
            sources << QString::fromStdString(s);
        data->markers.push_back({ k.timeMs, QString::fromStdString(k.pod), ChartMarker::OomKill,
            QStringLiteral("OOMKilled %1\n%2\nseen by: %3")
                .arg(QString::fromStdString(k.pod.empty() ? "(node " + k.node + ")" : k.pod),
                    QDateTime::fromMSecsSinceEpoch(k.timeMs).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")), sources.join(QStringLiteral(", "))) });
    }
    // Restarts that no OOM kill explains get their own marker.
    for (const auto& pa : f.verdict.pods) {
        for (const auto& r : pa.restarts) {
            const bool explained = std::any_of(f.oom.kills.begin(), f.oom.kills.end(), [&](const oom::OomKill& k) {
                return k.pod == pa.pod && k.timeMs >= r.previousMs - 120000 && k.timeMs <= r.tMs + 120000;
            });
            if (!explained)
                data->markers.push_back({ r.tMs, QString::fromStdString(pa.pod), ChartMarker::Restart, {} });
        }
    }

    // Shade each complete grow-then-crash cycle of the pod with the most cycles.
    const analysis::PodAnalysis* busiest = nullptr;
    for (const auto& pa : f.verdict.pods)
        if (!busiest || pa.sawtooth.cycles.size() > busiest->sawtooth.cycles.size())
            busiest = &pa;
    if (f.verdict.pattern == analysis::Pattern::Sawtooth && busiest) {
        for (const auto& c : busiest->sawtooth.cycles)
            data->bands.push_back({ c.startMs, c.nextStartMs,
                QStringLiteral("%1 → %2").arg(QString::fromStdString(formatBytes(c.troughBytes)), QString::fromStdString(formatBytes(c.peakBytes))) });
    }

    // Growth slope and projection of the fastest-growing pod. The banner gives the median over the
    // pods: the legend names its pod so that the two numbers are not read as one fact.
    const analysis::PodAnalysis* leading = nullptr;
    for (const auto& pa : f.verdict.pods) {
        if (!pa.growth || pa.trend != analysis::Trend::Growing)
            continue;
        if (!leading || pa.growth->slopePerHour > leading->growth->slopePerHour)
            leading = &pa;
    }
    if (leading && f.verdict.pattern != analysis::Pattern::Sawtooth) {
        const auto& g = *leading->growth;
        data->slope = ChartLine { QStringLiteral("fastest pod %2: %1/h").arg(QString::fromStdString(formatBytes(g.slopePerHour)), QString::fromStdString(leading->pod)),
            { { g.firstMs, g.valueAt(g.firstMs) }, { g.lastMs, g.valueAt(g.lastMs) } } };
        if (leading->projection && leading->projection->reachesLimitAtMs && leading->projection->limitBytes) {
            const auto& p = *leading->projection;
            data->projection = ChartLine { QStringLiteral("limit in %1 h").arg(p.hoursToLimit.value_or(0), 0, 'f', 1),
                { { f.request.nowMs, p.currentBytes }, { *p.reachesLimitAtMs, *p.limitBytes } } };
        }
    }

    return data;
}

} // namespace leakdesk::ui
