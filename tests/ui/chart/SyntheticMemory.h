#pragma once
// Synthetic memory histories for the chart's tests and benchmark: a JVM-like sawtooth (linear growth to
// the limit, OOM kill, restart at a base level) with deterministic noise, and the markers, bands and
// overlays the analysis would attach to it. Deterministic so images and figures are comparable.

#include "ui/chart/MemoryChartData.h"

#include <QRandomGenerator>

#include <cmath>
#include <memory>

namespace leakdesk::test {

struct SawtoothSpec {
    int pods = 3;
    qint64 endMs = 0; // last sample time
    qint64 durationMs = 6LL * 3600 * 1000;
    qint64 stepMs = 15'000; // scrape interval
    double baseBytes = 380.0 * 1024 * 1024; // after a restart
    double limitBytes = 2.0 * 1024 * 1024 * 1024;
    qint64 toothMs = 95LL * 60 * 1000; // time from restart to OOM kill
    double noiseBytes = 12.0 * 1024 * 1024;
    quint32 seed = 42;
};

// The sawtooth of one pod; `oomTimes` receives the time of every kill. Pods are phase-shifted.
inline std::vector<leakdesk::Sample> sawtoothSamples(
    const SawtoothSpec& spec, int pod, std::vector<qint64>* oomTimes = nullptr)
{
    QRandomGenerator rng(spec.seed + static_cast<quint32>(pod) * 7919u);
    std::vector<leakdesk::Sample> samples;
    const qint64 start = spec.endMs - spec.durationMs;
    samples.reserve(static_cast<std::size_t>(spec.durationMs / spec.stepMs) + 1);
    const qint64 tooth = spec.toothMs + pod * 9LL * 60 * 1000; // pods leak at slightly different speeds
    const qint64 phase = (pod * 37LL * 60 * 1000) % tooth;
    qint64 previousCycle = -1;
    for (qint64 t = start; t <= spec.endMs; t += spec.stepMs) {
        const qint64 sinceStart = t - start + phase;
        const qint64 cycle = sinceStart / tooth;
        const double f = static_cast<double>(sinceStart % tooth) / static_cast<double>(tooth);
        if (oomTimes && previousCycle >= 0 && cycle != previousCycle)
            oomTimes->push_back(t - spec.stepMs / 2);
        previousCycle = cycle;
        // Fast warm-up over the first 8% of a tooth, then the leak's straight climb to the limit.
        const double warm = 1.0 - std::exp(-f / 0.03);
        const double value = spec.baseBytes + warm * 0.18 * (spec.limitBytes - spec.baseBytes)
            + f * 0.80 * (spec.limitBytes - spec.baseBytes) + (rng.generateDouble() - 0.5) * spec.noiseBytes;
        samples.push_back({ t, std::min(value, spec.limitBytes * 0.995) });
    }
    return samples;
}

inline QString podName(int pod)
{
    static const char* suffixes[] = { "x7kqp", "m2vzt", "c9wfd", "r4hns", "t8lbe", "p3gjx", "w6ydk", "q5ncz" };
    return QStringLiteral("checkout-7d9f8b6c5-") + QLatin1String(suffixes[pod % 8])
        + (pod >= 8 ? QString::number(pod) : QString());
}

// The full picture of a leaking service: pods, limit, OOM markers, one plain restart, sawtooth segments
// of the first pod shaded, slope over its last tooth, a flat baseline 7 days earlier, a projection and
// the request rate.
inline std::shared_ptr<leakdesk::ui::MemoryChartData> sawtoothChartData(const SawtoothSpec& spec)
{
    using namespace leakdesk::ui;
    auto data = std::make_shared<MemoryChartData>();
    data->limitBytes = spec.limitBytes;
    data->nowMs = spec.endMs;
    for (int p = 0; p < spec.pods; ++p) {
        std::vector<qint64> ooms;
        data->pods.push_back({ podName(p), sawtoothSamples(spec, p, &ooms) });
        for (qint64 t : ooms)
            data->markers.push_back({ t, podName(p), ChartMarker::OomKill, {} });
        if (p == 0) {
            qint64 segmentStart = spec.endMs - spec.durationMs;
            int segment = 1;
            for (qint64 t : ooms) {
                data->bands.push_back({ segmentStart, t, QStringLiteral("segment %1").arg(segment++) });
                segmentStart = t;
            }
            if (!ooms.empty()) {
                const auto& s = data->pods.back().samples;
                const qint64 from = ooms.back() + 10 * 60 * 1000;
                auto it = std::lower_bound(s.begin(), s.end(), from, [](const auto& x, qint64 t) { return x.tMs < t; });
                if (it != s.end()) {
                    const double slopePerMs = 0.80 * (spec.limitBytes - spec.baseBytes) / spec.toothMs;
                    const double v0 = it->value;
                    data->slope = ChartLine {
                        QStringLiteral("slope +%1 MiB/h").arg(std::lround(slopePerMs * 3.6e6 / 1048576.0)),
                        { { it->tMs, v0 }, { spec.endMs, v0 + slopePerMs * static_cast<double>(spec.endMs - it->tMs) } }
                    };
                    const double vEnd = data->slope->samples.back().value;
                    const qint64 toLimit = static_cast<qint64>((spec.limitBytes - vEnd) / slopePerMs);
                    data->projection = ChartLine { QStringLiteral("projection to limit"),
                        { { spec.endMs, vEnd }, { spec.endMs + toLimit, spec.limitBytes } } };
                }
            }
        }
    }
    if (spec.pods >= 3) {
        // A plain restart (a rollout), not an OOM kill: drawn differently.
        const auto& s = data->pods[2].samples;
        data->markers.push_back({ s[s.size() / 3].tMs, podName(2), ChartMarker::Restart, {} });
    }
    ChartLine baseline { QStringLiteral("baseline (7 days ago)"), {} };
    ChartSeries rate { QStringLiteral("requests/s"), {} };
    const qint64 start = spec.endMs - spec.durationMs;
    for (qint64 t = start; t <= spec.endMs; t += 60'000) {
        const double hour = static_cast<double>(t - start) / 3.6e6;
        baseline.samples.push_back({ t, 520.0 * 1024 * 1024 + 30.0 * 1024 * 1024 * std::sin(hour / 3.0) });
        rate.samples.push_back({ t, 180.0 + 40.0 * std::sin(hour / 4.0) });
    }
    data->baseline = std::move(baseline);
    data->requestRate = std::move(rate);
    return data;
}

} // namespace leakdesk::test
