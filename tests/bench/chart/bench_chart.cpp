// Benchmark of the memory chart on 2,000,000 samples (4 pods x ~500,000, one week at 1.2 s): how long
// setData + the first replot take, how long a zoom, a wheel step, a pan step and a crosshair move take,
// the PNG export, and the memory used. For contrast it also times QCustomPlot drawing the same samples
// without the chart's decimation. Prints one JSON object on stdout.
//
// Usage: bench_chart [--pods N] [--points N] [--iterations N] [--no-raw]

#include "SyntheticMemory.h"

#include "ui/chart/MemoryChart.h"
#include "ui/chart/MinMaxDecimation.h"
#include "ui/chart/QCustomPlotInclude.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <numeric>

#include <time.h>

#ifndef LEAKDESK_BUILD_TYPE
#define LEAKDESK_BUILD_TYPE "unknown"
#endif

using namespace leakdesk::ui;

namespace {

// Resident and peak resident set size in MiB, from /proc (Linux).
double procStatusMiB(const char* key)
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1.0;
    const QByteArray prefix = QByteArray(key) + ':';
    for (const QByteArray& line : f.readAll().split('\n')) {
        if (line.startsWith(prefix))
            return line.mid(prefix.size()).trimmed().split(' ').value(0).toDouble() / 1024.0;
    }
    return -1.0;
}

// Wall time and the main thread's CPU time: on a machine shared with other builds the CPU time is the
// steadier figure, the wall time the one a user feels.
struct Timing {
    double wallMs = 0.0;
    double cpuMs = 0.0;
};

double threadCpuMs()
{
    timespec ts {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

Timing measure(const std::function<void()>& work)
{
    QElapsedTimer wall;
    const double cpu0 = threadCpuMs();
    wall.start();
    work();
    return { static_cast<double>(wall.nsecsElapsed()) / 1e6, threadCpuMs() - cpu0 };
}

double round2(double v)
{
    return std::round(v * 100.0) / 100.0;
}

QJsonObject stats(std::vector<double> ms)
{
    std::sort(ms.begin(), ms.end());
    const auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * ms.size()))]; };
    const double mean = std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(ms.size());
    return QJsonObject { { QStringLiteral("n"), static_cast<int>(ms.size()) }, { QStringLiteral("mean"), round2(mean) },
        { QStringLiteral("median"), round2(at(0.5)) }, { QStringLiteral("p95"), round2(at(0.95)) },
        { QStringLiteral("max"), round2(ms.back()) } };
}

QJsonObject stats(const std::vector<Timing>& timings)
{
    std::vector<double> wall;
    std::vector<double> cpu;
    for (const Timing& t : timings) {
        wall.push_back(t.wallMs);
        cpu.push_back(t.cpuMs);
    }
    return QJsonObject { { QStringLiteral("wall_ms"), stats(wall) }, { QStringLiteral("cpu_ms"), stats(cpu) } };
}

QJsonObject one(const Timing& t)
{
    return QJsonObject { { QStringLiteral("wall_ms"), round2(t.wallMs) },
        { QStringLiteral("cpu_ms"), round2(t.cpuMs) } };
}

} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    int pods = 4;
    long long points = 2'000'000;
    int iterations = 40;
    bool raw = true;
    const QStringList args = app.arguments();
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--pods") && i + 1 < args.size())
            pods = std::max(1, args[++i].toInt());
        else if (args[i] == QLatin1String("--points") && i + 1 < args.size())
            points = std::max(1000LL, args[++i].toLongLong());
        else if (args[i] == QLatin1String("--iterations") && i + 1 < args.size())
            iterations = std::max(1, args[++i].toInt());
        else if (args[i] == QLatin1String("--no-raw"))
            raw = false;
    }

    const double rssStart = procStatusMiB("VmRSS");
    constexpr qint64 week = 7LL * 24 * 3600 * 1000;
    leakdesk::test::SawtoothSpec spec;
    spec.pods = pods;
    spec.endMs = 1'763'980'800'000;
    spec.durationMs = week;
    spec.stepMs = std::max<qint64>(1, week * pods / points);
    std::shared_ptr<MemoryChartData> data;
    const Timing generate = measure([&] { data = leakdesk::test::sawtoothChartData(spec); });
    long long total = 0;
    for (const ChartSeries& pod : data->pods)
        total += static_cast<long long>(pod.samples.size());
    const double rssData = procStatusMiB("VmRSS");

    MemoryChart chart;
    chart.resize(1280, 800);
    chart.show();
    QCoreApplication::processEvents();
    chart.setRangePreset(RangePreset::All); // the worst case: every sample inside the visible span

    const Timing setData = measure([&] { chart.setData(data); });
    QCustomPlot* plot = chart.plot();
    const int drawnFull = chart.drawnPointCount();
    const Timing fullReplot = measure([&] { plot->replot(); });

    // Random zooms: spans from 10 minutes to 3 days anywhere in the week.
    QRandomGenerator rng(7);
    std::vector<Timing> zoom;
    for (int i = 0; i < iterations; ++i) {
        const qint64 span = 10LL * 60 * 1000 + static_cast<qint64>(rng.bounded(3.0 * 24 * 3600 * 1000));
        const qint64 start = spec.endMs - week + static_cast<qint64>(rng.bounded(static_cast<double>(week - span)));
        zoom.push_back(measure([&] { chart.setVisibleRange({ start, start + span }); }));
    }

    // Mouse-wheel steps from the whole week inwards, as QCustomPlot applies them, each with its replot.
    chart.setRangePreset(RangePreset::All);
    std::vector<Timing> wheel;
    for (int i = 0; i < iterations; ++i) {
        wheel.push_back(measure([&] {
            plot->xAxis->scaleRange(i < iterations / 2 ? 0.85 : 1.0 / 0.85, plot->xAxis->range().center());
            plot->replot();
        }));
    }

    // Shift+drag pan steps over a 24 h view.
    chart.setRangePreset(RangePreset::Last24Hours);
    std::vector<Timing> pan;
    for (int i = 0; i < iterations; ++i) {
        pan.push_back(measure([&] {
            plot->xAxis->moveRange(-plot->xAxis->range().size() / 50.0);
            plot->replot();
        }));
    }

    // Crosshair following the mouse over the whole week (a layer repaint, no full replot).
    chart.setRangePreset(RangePreset::All);
    std::vector<Timing> hover;
    for (int i = 0; i < iterations; ++i) {
        const qint64 t = spec.endMs - week + week * i / iterations;
        hover.push_back(measure([&] { chart.showCrosshairAt(t); }));
    }
    chart.hideCrosshair();

    QTemporaryDir dir;
    const Timing exportPng
        = measure([&] { (void)chart.exportPng(dir.filePath(QStringLiteral("bench.png")), 1920, 1080); });

    // Decimation alone on one pod's full week.
    std::vector<leakdesk::Sample> decimated;
    const auto& pod0 = data->pods.front().samples;
    const Timing decimate = measure([&] {
        decimated = decimateMinMax(pod0, leakdesk::TimeRange { pod0.front().tMs, pod0.back().tMs }, 1280);
    });
    const double peakChart = procStatusMiB("VmHWM");

    QJsonObject out {
        { QStringLiteral("benchmark"), QStringLiteral("memory_chart") },
        { QStringLiteral("build_type"), QStringLiteral(LEAKDESK_BUILD_TYPE) },
        { QStringLiteral("points"), static_cast<double>(total) },
        { QStringLiteral("pods"), pods },
        { QStringLiteral("chart_size"), QStringLiteral("1280x800") },
        { QStringLiteral("generate_data"), one(generate) },
        { QStringLiteral("set_data_and_replot"), one(setData) },
        { QStringLiteral("full_week_replot"), one(fullReplot) },
        { QStringLiteral("drawn_points_full_week"), drawnFull },
        { QStringLiteral("zoom_replot"), stats(zoom) },
        { QStringLiteral("wheel_step_replot"), stats(wheel) },
        { QStringLiteral("pan_step_replot"), stats(pan) },
        { QStringLiteral("crosshair_move"), stats(hover) },
        { QStringLiteral("export_png_1920x1080"), one(exportPng) },
        { QStringLiteral("decimate_one_pod_week"), one(decimate) },
        { QStringLiteral("decimate_one_pod_points"), static_cast<double>(pod0.size()) },
        { QStringLiteral("rss_start_mib"), round2(rssStart) },
        { QStringLiteral("rss_with_data_mib"), round2(rssData) },
        { QStringLiteral("peak_rss_mib"), round2(peakChart) },
    };

    if (raw) {
        // Contrast: the same samples handed to QCustomPlot as they are (its own adaptive sampling on).
        QCustomPlot rawPlot;
        rawPlot.resize(1280, 760);
        rawPlot.xAxis->setRange(
            static_cast<double>(spec.endMs - week) / 1000.0, static_cast<double>(spec.endMs) / 1000.0);
        rawPlot.yAxis->setRange(0, spec.limitBytes * 1.08);
        const Timing load = measure([&] {
            for (const ChartSeries& pod : data->pods) {
                QVector<QCPGraphData> points;
                points.reserve(static_cast<qsizetype>(pod.samples.size()));
                for (const auto& s : pod.samples)
                    points.append(QCPGraphData(static_cast<double>(s.tMs) / 1000.0, s.value));
                rawPlot.addGraph()->data()->set(points, true);
            }
        });
        const Timing rawReplot = measure([&] { rawPlot.replot(); });
        std::vector<Timing> rawZoom;
        for (int i = 0; i < std::min(iterations, 10); ++i) {
            rawZoom.push_back(measure([&] {
                rawPlot.xAxis->scaleRange(0.85, rawPlot.xAxis->range().center());
                rawPlot.replot();
            }));
        }
        out.insert(QStringLiteral("raw_qcustomplot"),
            QJsonObject { { QStringLiteral("load"), one(load) }, { QStringLiteral("full_week_replot"), one(rawReplot) },
                { QStringLiteral("wheel_step_replot"), stats(rawZoom) },
                { QStringLiteral("peak_rss_mib"), round2(procStatusMiB("VmHWM")) } });
    }

    std::fputs(QJsonDocument(out).toJson(QJsonDocument::Compact).constData(), stdout);
    return 0;
}
