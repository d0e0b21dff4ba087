// The memory chart as a user meets it: one line per pod, markers, legend toggles, range presets, mouse
// zoom and pan, the crosshair, screen decimation of big histories, and PNG export.

#include "SyntheticMemory.h"
#include "TestSupport.h"

#include "ui/chart/ByteAxisTicker.h"
#include "ui/chart/MemoryChart.h"

#include "ui/chart/QCustomPlotInclude.h"

#include <QAbstractButton>
#include <QDir>
#include <QImage>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <set>

using namespace leakdesk::ui;
using leakdesk::test::SawtoothSpec;

namespace {

constexpr qint64 kNow = 1'763'980'800'000; // a fixed instant so every run draws the same chart
constexpr qint64 kHour = 3600'000;

SawtoothSpec spec(int pods, qint64 durationMs = 6 * kHour)
{
    SawtoothSpec s;
    s.pods = pods;
    s.endMs = kNow;
    s.durationMs = durationMs;
    return s;
}

void sendMouse(QWidget* w, QEvent::Type type, QPoint pos, Qt::MouseButton button, Qt::MouseButtons buttons,
    Qt::KeyboardModifiers modifiers = Qt::NoModifier)
{
    QMouseEvent event(type, QPointF(pos), QPointF(w->mapToGlobal(pos)), button, buttons, modifiers);
    QCoreApplication::sendEvent(w, &event);
}

void drag(QWidget* w, QPoint from, QPoint to, Qt::KeyboardModifiers modifiers = Qt::NoModifier)
{
    sendMouse(w, QEvent::MouseButtonPress, from, Qt::LeftButton, Qt::LeftButton, modifiers);
    for (int i = 1; i <= 5; ++i)
        sendMouse(w, QEvent::MouseMove, from + (to - from) * i / 5, Qt::NoButton, Qt::LeftButton, modifiers);
    sendMouse(w, QEvent::MouseButtonRelease, to, Qt::LeftButton, Qt::NoButton, modifiers);
}

QPoint legendItemCentre(QCustomPlot* plot, QCPGraph* graph)
{
    QCPPlottableLegendItem* item = plot->legend->itemWithPlottable(graph);
    return item ? item->outerRect().center() : QPoint(-1, -1);
}

} // namespace

class TestMemoryChart : public QObject {
    Q_OBJECT
private slots:
    // A slow leak near a 3 GiB limit looks flat on a 0-3 GiB axis (issue 15, item 8): "Fit" spans
    // the data's own range; off again, the axis starts at 0 and shows the limit.
    void fitToDataZoomsTheMemoryAxis()
    {
        MemoryChart chart;
        chart.resize(1000, 600);
        auto data = std::make_shared<MemoryChartData>();
        constexpr double GiB = 1024.0 * 1024.0 * 1024.0;
        const qint64 t0 = 1'700'000'000'000;
        ChartSeries pod { QStringLiteral("payments-1"), {} };
        for (int i = 0; i <= 360; ++i) // 2.60 GiB rising to 2.66 GiB over 6 h
            pod.samples.push_back({ t0 + i * 60'000LL, 2.60 * GiB + 0.06 * GiB * i / 360.0 });
        data->pods.push_back(pod);
        data->limitBytes = 3.0 * GiB;
        chart.setData(data);
        QCOMPARE(chart.plot()->yAxis->range().lower, 0.0);
        QVERIFY(chart.plot()->yAxis->range().upper >= 3.0 * GiB);
        auto* fit = chart.findChild<QAbstractButton*>(QStringLiteral("fitToData"));
        QVERIFY(fit);
        fit->click();
        QVERIFY(chart.fitsData());
        const QCPRange r = chart.plot()->yAxis->range();
        QVERIFY2(r.lower > 2.5 * GiB && r.upper < 2.75 * GiB, qPrintable(QStringLiteral("%1 .. %2").arg(r.lower).arg(r.upper)));
        fit->click();
        QCOMPARE(chart.plot()->yAxis->range().lower, 0.0);
        QVERIFY(chart.plot()->yAxis->range().upper >= 3.0 * GiB);
    }

    void oneGraphPerPod_data();
    void oneGraphPerPod();
    void markersArePlacedOnTheirPodsWithTooltips();
    void bandsOverlaysAndLimitAreDrawn();
    void legendClickHidesAndShowsAPod();
    void rangePresetsSetTheTimeAxis_data();
    void rangePresetsSetTheTimeAxis();
    void presetsEndAtTheLatestSampleWithoutNow();
    void missingScrapesBreakTheLine();
    void dragZoomsWheelZoomsShiftDragPans();
    void crosshairShowsExactValuesOfVisiblePods();
    void twoMillionPointsAreDecimatedNotDropped();
    void newDataReplacesOldDrawing();
    void exportWritesARealImage();
    void exportRejectsBadRequests();
    void demoImageOfASawtooth();
};

void TestMemoryChart::oneGraphPerPod_data()
{
    QTest::addColumn<int>("pods");
    QTest::newRow("none") << 0;
    QTest::newRow("one") << 1;
    QTest::newRow("three") << 3;
    QTest::newRow("eleven (palette wraps)") << 11;
}

void TestMemoryChart::oneGraphPerPod()
{
    QFETCH(int, pods);
    MemoryChart chart;
    chart.resize(1000, 600);
    auto data = leakdesk::test::sawtoothChartData(spec(pods));
    chart.setData(data);
    QCOMPARE(chart.podGraphCount(), pods);
    std::set<QString> names;
    for (int i = 0; i < pods; ++i) {
        QCPGraph* g = chart.podGraph(i);
        QVERIFY(g);
        QCOMPARE(g->name(), data->pods[static_cast<std::size_t>(i)].name);
        QVERIFY(!g->data()->isEmpty());
        QCOMPARE(g->valueAxis(), chart.plot()->yAxis);
        names.insert(g->name());
        QVERIFY(chart.plot()->legend->itemWithPlottable(g));
    }
    QCOMPARE(static_cast<int>(names.size()), pods);
    QVERIFY(!chart.podGraph(pods));
    // Distinct colours for up to eight pods (the palette's size).
    std::set<QRgb> colours;
    for (int i = 0; i < std::min(pods, 8); ++i)
        colours.insert(chart.podGraph(i)->pen().color().rgb());
    QCOMPARE(static_cast<int>(colours.size()), std::min(pods, 8));
}

void TestMemoryChart::markersArePlacedOnTheirPodsWithTooltips()
{
    MemoryChart chart;
    chart.resize(1200, 700);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    auto data = leakdesk::test::sawtoothChartData(spec(3));
    chart.setData(data);
    const auto expectedOoms = std::count_if(data->markers.begin(), data->markers.end(),
        [](const ChartMarker& m) { return m.kind == ChartMarker::OomKill; });
    QVERIFY(expectedOoms >= 6); // three pods, 6 hours, teeth of 95-113 minutes
    QCOMPARE(chart.markerCount(ChartMarker::OomKill), static_cast<int>(expectedOoms));
    QCOMPARE(chart.markerCount(ChartMarker::Restart), 1);

    QCPGraph* oom = nullptr;
    QCPGraph* restart = nullptr;
    for (int i = 0; i < chart.plot()->graphCount(); ++i) {
        if (chart.plot()->graph(i)->name() == QLatin1String("OOM kill"))
            oom = chart.plot()->graph(i);
        if (chart.plot()->graph(i)->name() == QLatin1String("restart"))
            restart = chart.plot()->graph(i);
    }
    QVERIFY(oom && restart);
    QCOMPARE(oom->data()->size(), static_cast<int>(expectedOoms));
    QVERIFY(oom->scatterStyle().shape() != restart->scatterStyle().shape());
    QVERIFY(oom->scatterStyle().brush().color() != restart->scatterStyle().brush().color());

    // An OOM kill sits on the top of its tooth (near the limit), under the mouse it explains itself.
    const ChartMarker& first = *std::find_if(data->markers.begin(), data->markers.end(),
        [](const ChartMarker& m) { return m.kind == ChartMarker::OomKill; });
    const auto& pod = std::find_if(data->pods.begin(), data->pods.end(), [&](const ChartSeries& s) {
        return s.name == first.pod;
    })->samples;
    const auto before = *std::prev(std::upper_bound(
        pod.begin(), pod.end(), first.tMs, [](qint64 t, const leakdesk::Sample& s) { return t < s.tMs; }));
    QVERIFY(before.value > 0.9 * *data->limitBytes);
    chart.plot()->replot();
    const QPoint at(qRound(chart.plot()->xAxis->coordToPixel(first.tMs / 1000.0)),
        qRound(chart.plot()->yAxis->coordToPixel(before.value)));
    const QString tip = chart.toolTipAt(at + QPoint(2, -1));
    QVERIFY2(tip.contains(QLatin1String("OOMKilled")) && tip.contains(first.pod), qPrintable(tip));
    // Far from any marker, inside a shaded segment, the band explains itself instead.
    const QString bandTip = chart.toolTipAt(QPoint(at.x(), chart.plot()->axisRect()->bottom() - 5));
    QVERIFY2(bandTip.contains(QLatin1String("segment")), qPrintable(bandTip));
}

void TestMemoryChart::bandsOverlaysAndLimitAreDrawn()
{
    MemoryChart chart;
    chart.resize(1200, 700);
    auto data = leakdesk::test::sawtoothChartData(spec(3));
    chart.setData(data);
    QCOMPARE(chart.bandCount(), static_cast<int>(data->bands.size()));
    QVERIFY(chart.bandCount() >= 2);
    QVERIFY(data->slope && data->baseline && data->projection && data->requestRate);
    QCPGraph* slope = chart.graphForSeries(data->slope->name);
    QCPGraph* baseline = chart.graphForSeries(data->baseline->name);
    QCPGraph* projection = chart.graphForSeries(data->projection->name);
    QCPGraph* rate = chart.graphForSeries(data->requestRate->name);
    QVERIFY(slope && baseline && projection && rate);
    QCOMPARE(baseline->pen().style(), Qt::DashLine);
    QCOMPARE(projection->pen().style(), Qt::DotLine);
    QCOMPARE(slope->pen().style(), Qt::SolidLine);
    QCOMPARE(rate->valueAxis(), chart.plot()->yAxis2);
    QVERIFY(chart.plot()->yAxis2->visible());
    // The limit is always in view, drawn as a line, labelled with its size.
    QVERIFY(chart.plot()->yAxis->range().upper >= *data->limitBytes);
    bool limitLabel = false;
    for (int i = 0; i < chart.plot()->itemCount(); ++i) {
        if (auto* text = qobject_cast<QCPItemText*>(chart.plot()->item(i)))
            limitLabel = limitLabel || text->text() == QLatin1String("limit 2 GiB");
    }
    QVERIFY(limitLabel);
    // The projection runs past "now", so the 6h preset shows a little of the future.
    QVERIFY(chart.visibleRange().endMs > kNow);
}

void TestMemoryChart::legendClickHidesAndShowsAPod()
{
    MemoryChart chart;
    chart.resize(1200, 700);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    auto data = leakdesk::test::sawtoothChartData(spec(3));
    chart.setData(data);
    chart.plot()->replot();
    QCPGraph* pod = chart.podGraph(1);
    const QPoint where = legendItemCentre(chart.plot(), pod);
    QVERIFY(chart.plot()->legend->outerRect().contains(where));
    const int oomBefore = chart.plot()->graph(chart.plot()->graphCount() - 1)->data()->size();

    QTest::mouseClick(chart.plot(), Qt::LeftButton, Qt::NoModifier, where);
    QVERIFY(!pod->visible());
    QVERIFY(!chart.isSeriesVisible(pod->name()));
    QVERIFY(chart.podGraph(0)->visible());
    // Its markers go with it, and the crosshair no longer lists it.
    QVERIFY(chart.plot()->graph(chart.plot()->graphCount() - 1)->data()->size() < oomBefore);
    chart.showCrosshairAt(kNow - kHour);
    QVERIFY(!chart.crosshairText().contains(pod->name()));
    QVERIFY(chart.crosshairText().contains(chart.podGraph(0)->name()));

    QTest::mouseClick(chart.plot(), Qt::LeftButton, Qt::NoModifier, where);
    QVERIFY(pod->visible());
    QCOMPARE(chart.plot()->graph(chart.plot()->graphCount() - 1)->data()->size(), oomBefore);
}

void TestMemoryChart::rangePresetsSetTheTimeAxis_data()
{
    QTest::addColumn<int>("preset");
    QTest::addColumn<QString>("button");
    QTest::addColumn<qint64>("duration");
    QTest::addColumn<qint64>("history");
    QTest::newRow("1h") << int(RangePreset::LastHour) << QStringLiteral("rangePreset_1h") << kHour << 8 * 24 * kHour;
    QTest::newRow("6h") << int(RangePreset::Last6Hours) << QStringLiteral("rangePreset_6h") << 6 * kHour
                        << 8 * 24 * kHour;
    QTest::newRow("24h") << int(RangePreset::Last24Hours) << QStringLiteral("rangePreset_24h") << 24 * kHour
                         << 8 * 24 * kHour;
    QTest::newRow("7d") << int(RangePreset::Last7Days) << QStringLiteral("rangePreset_7d") << 7 * 24 * kHour
                        << 8 * 24 * kHour;
    QTest::newRow("All") << int(RangePreset::All) << QStringLiteral("rangePreset_All") << 8 * 24 * kHour
                         << 8 * 24 * kHour;
    // Before a longer history arrives the chart holds the investigation's 6 hours: the preset is still
    // shown whole (clamping it to 1.5 times the data once showed an empty nine-hour slice, issue 15).
    QTest::newRow("24h over 6h of data") << int(RangePreset::Last24Hours) << QStringLiteral("rangePreset_24h")
                                         << 24 * kHour << 6 * kHour;
    QTest::newRow("7d over 6h of data") << int(RangePreset::Last7Days) << QStringLiteral("rangePreset_7d")
                                        << 7 * 24 * kHour << 6 * kHour;
}

void TestMemoryChart::rangePresetsSetTheTimeAxis()
{
    QFETCH(int, preset);
    QFETCH(QString, button);
    QFETCH(qint64, duration);
    QFETCH(qint64, history);
    MemoryChart chart;
    chart.resize(1200, 700);
    auto data = leakdesk::test::sawtoothChartData(spec(2, history));
    data->projection.reset(); // presets end exactly at "now" without a projection
    chart.setData(data);

    chart.setRangePreset(static_cast<RangePreset>(preset));
    QCOMPARE(chart.visibleRange().startMs, kNow - duration);
    QCOMPARE(chart.visibleRange().endMs, kNow);
    QCOMPARE(chart.plot()->xAxis->range().lower, (kNow - duration) / 1000.0);
    QVERIFY(chart.rangePreset() == static_cast<RangePreset>(preset));

    // The same through the button, from another preset.
    chart.setVisibleRange({ kNow - 3 * kHour, kNow - 2 * kHour });
    QVERIFY(!chart.rangePreset());
    auto* b = chart.findChild<QAbstractButton*>(button);
    QVERIFY(b);
    QVERIFY(!b->isChecked());
    b->click();
    QVERIFY(b->isChecked());
    QCOMPARE(chart.visibleRange().startMs, kNow - duration);
    QCOMPARE(chart.visibleRange().endMs, kNow);
}

void TestMemoryChart::presetsEndAtTheLatestSampleWithoutNow()
{
    auto data = std::make_shared<MemoryChartData>();
    data->pods.push_back({ QStringLiteral("catalog-0"), {} });
    for (qint64 t = kNow - 30 * kHour; t <= kNow - 2 * kHour; t += 30'000)
        data->pods.back().samples.push_back({ t, 300.0 * 1024 * 1024 });
    MemoryChart chart;
    chart.resize(1000, 600);
    chart.setData(data);
    chart.setRangePreset(RangePreset::Last6Hours);
    QCOMPARE(chart.visibleRange().endMs, kNow - 2 * kHour);
    QCOMPARE(chart.visibleRange().durationMs(), 6 * kHour);
    // Without a limit the axis still starts at zero and tops the data.
    QCOMPARE(chart.plot()->yAxis->range().lower, 0.0);
    QVERIFY(chart.plot()->yAxis->range().upper > 300.0 * 1024 * 1024);
    QVERIFY(!chart.plot()->yAxis2->visible());
}

void TestMemoryChart::missingScrapesBreakTheLine()
{
    auto data = std::make_shared<MemoryChartData>();
    data->nowMs = kNow;
    data->pods.push_back({ QStringLiteral("payments-0"), {} });
    for (qint64 t = kNow - 6 * kHour; t <= kNow; t += 15'000) {
        if (t < kNow - 4 * kHour || t > kNow - 3 * kHour) // an hour of missing scrapes
            data->pods.back().samples.push_back({ t, 700.0 * 1024 * 1024 });
    }
    MemoryChart chart;
    chart.resize(1000, 600);
    chart.setData(data);
    chart.setRangePreset(RangePreset::Last6Hours);
    int breaks = 0;
    for (const QCPGraphData& p : *chart.podGraph(0)->data()) {
        if (std::isnan(p.value)) {
            ++breaks;
            QVERIFY(p.key > (kNow - 4 * kHour) / 1000.0 && p.key < (kNow - 3 * kHour) / 1000.0);
        }
    }
    QCOMPARE(breaks, 1);
    chart.showCrosshairAt(kNow - 3 * kHour - kHour / 2);
    QVERIFY2(chart.crosshairText().contains(QStringLiteral("payments-0: no data")), qPrintable(chart.crosshairText()));
}

void TestMemoryChart::dragZoomsWheelZoomsShiftDragPans()
{
    MemoryChart chart;
    chart.resize(1200, 700);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    chart.setData(leakdesk::test::sawtoothChartData(spec(3, 24 * kHour)));
    chart.setRangePreset(RangePreset::Last24Hours);
    chart.plot()->replot();
    QSignalSpy spy(&chart, &MemoryChart::visibleRangeChanged);
    const QRect area = chart.plot()->axisRect()->rect();
    const int y = area.center().y();
    QCPAxis* x = chart.plot()->xAxis;

    // Drag from a quarter to a half of the width: exactly that time span, and no preset any more.
    const QPoint from(area.left() + area.width() / 4, y);
    const QPoint to(area.left() + area.width() / 2, y);
    const double expectLower = x->pixelToCoord(from.x());
    const double expectUpper = x->pixelToCoord(to.x());
    drag(chart.plot(), from, to);
    QVERIFY(!spy.isEmpty());
    QVERIFY(std::abs(x->range().lower - expectLower) < 2.0 * (expectUpper - expectLower) / area.width());
    QVERIFY(std::abs(x->range().upper - expectUpper) < 2.0 * (expectUpper - expectLower) / area.width());
    QVERIFY(!chart.rangePreset());
    QVERIFY(!chart.findChild<QAbstractButton*>(QStringLiteral("rangePreset_24h"))->isChecked());

    // Wheel forward zooms in around the cursor.
    const double before = x->range().size();
    const double centre = x->range().center();
    QWheelEvent wheel(QPointF(area.center()), QPointF(chart.plot()->mapToGlobal(area.center())), QPoint(),
        QPoint(0, 120), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(chart.plot(), &wheel);
    QVERIFY(x->range().size() < before * 0.95);
    QVERIFY(std::abs(x->range().center() - centre) < before * 0.02);

    // Shift+drag pans: same span, earlier times when dragging to the right.
    const QCPRange panned = x->range();
    drag(chart.plot(), QPoint(area.center().x() - 100, y), QPoint(area.center().x() + 100, y), Qt::ShiftModifier);
    QVERIFY(std::abs(x->range().size() - panned.size()) < 1.0);
    QVERIFY(x->range().lower < panned.lower - panned.size() * 0.05);

    // Double-click returns to the preset the user last chose.
    sendMouse(chart.plot(), QEvent::MouseButtonDblClick, area.center(), Qt::LeftButton, Qt::LeftButton);
    QVERIFY(chart.rangePreset() == RangePreset::Last24Hours);
    QCOMPARE(chart.visibleRange().durationMs(), 24 * kHour + chart.visibleRange().endMs - kNow);
}

void TestMemoryChart::crosshairShowsExactValuesOfVisiblePods()
{
    MemoryChart chart;
    chart.resize(1200, 700);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    auto data = leakdesk::test::sawtoothChartData(spec(3));
    chart.setData(data);
    chart.plot()->replot();
    QVERIFY(chart.crosshairText().isEmpty());

    // Hovering the middle of the plot.
    const QPoint mid = chart.plot()->axisRect()->rect().center();
    sendMouse(chart.plot(), QEvent::MouseMove, mid, Qt::NoButton, Qt::NoButton);
    const QString text = chart.crosshairText();
    QVERIFY(!text.isEmpty());
    const qint64 t = std::llround(chart.plot()->xAxis->pixelToCoord(mid.x()) * 1000.0);
    for (const ChartSeries& pod : data->pods) {
        // Brute force over the full-resolution samples, not what was drawn.
        const leakdesk::Sample* nearest = &pod.samples.front();
        for (const auto& sample : pod.samples) {
            if (std::llabs(sample.tMs - t) < std::llabs(nearest->tMs - t))
                nearest = &sample;
        }
        QVERIFY2(text.contains(pod.name + QStringLiteral(": ") + formatBinaryBytes(nearest->value)), qPrintable(text));
    }
    QVERIFY(text.contains(QStringLiteral("limit: 2 GiB")));
    QVERIFY(text.contains(QStringLiteral(" req/s")));
    QVERIFY(text.startsWith(QDateTime::fromMSecsSinceEpoch(t).toString(QStringLiteral("ddd d MMM yyyy HH:mm"))));

    // Leaving the plot hides it.
    QEvent leave(QEvent::Leave);
    QCoreApplication::sendEvent(chart.plot(), &leave);
    QVERIFY(chart.crosshairText().isEmpty());
}

void TestMemoryChart::twoMillionPointsAreDecimatedNotDropped()
{
    SawtoothSpec big = spec(4, 7 * 24 * kHour);
    big.stepMs = 1200; // 4 pods x 504,001 samples
    auto data = leakdesk::test::sawtoothChartData(big);
    std::size_t total = 0;
    for (const ChartSeries& pod : data->pods)
        total += pod.samples.size();
    QVERIFY(total >= 2'000'000);
    // One isolated spike: a single sample must survive decimation at every zoom level.
    auto& spiky = data->pods[3].samples;
    spiky[spiky.size() / 2].value = 3.0 * 1024 * 1024 * 1024;
    const qint64 spikeAt = spiky[spiky.size() / 2].tMs;
    const std::vector<leakdesk::Sample> firstPodBefore = data->pods[0].samples;

    MemoryChart chart;
    chart.resize(1280, 800);
    chart.setData(data);
    chart.setRangePreset(RangePreset::Last7Days);
    const int columns = chart.width(); // the plot's width is at most the chart's
    // Eight lines (4 pods, slope, baseline, projection, request rate), at most two points per column each.
    QVERIFY2(
        chart.drawnPointCount() <= 8 * (2 * columns + 2) + 100, qPrintable(QString::number(chart.drawnPointCount())));
    auto maxOf = [](QCPGraph* g) {
        double m = 0.0;
        for (const QCPGraphData& p : *g->data())
            m = std::max(m, p.value);
        return m;
    };
    QCOMPARE(maxOf(chart.podGraph(3)), 3.0 * 1024 * 1024 * 1024);
    QVERIFY(chart.plot()->yAxis->range().upper >= 3.0 * 1024 * 1024 * 1024);

    // Zoomed into one hour around the spike: still there.
    chart.setVisibleRange({ spikeAt - kHour / 2, spikeAt + kHour / 2 });
    QCOMPARE(maxOf(chart.podGraph(3)), 3.0 * 1024 * 1024 * 1024);
    // Zoomed to five minutes (fewer samples than pixels): every sample is drawn, plus the two neighbours
    // that carry the line to the edges.
    const leakdesk::TimeRange five { spikeAt - 150'000, spikeAt + 150'000 };
    chart.setVisibleRange(five);
    const auto& pod0 = data->pods[0].samples;
    const auto inView = std::count_if(
        pod0.begin(), pod0.end(), [&](const auto& s) { return s.tMs >= five.startMs && s.tMs <= five.endMs; });
    QVERIFY(inView > 200);
    QCOMPARE(chart.podGraph(0)->data()->size(), static_cast<int>(inView) + 2);
    // The snapshot itself was never touched.
    QCOMPARE(data->pods[0].samples.size(), firstPodBefore.size());
    QVERIFY(std::equal(firstPodBefore.begin(), firstPodBefore.end(), data->pods[0].samples.begin(),
        [](const auto& a, const auto& b) { return a.tMs == b.tMs && a.value == b.value; }));
}

void TestMemoryChart::newDataReplacesOldDrawing()
{
    MemoryChart chart;
    chart.resize(1000, 600);
    chart.setData(leakdesk::test::sawtoothChartData(spec(3)));
    const int items = chart.plot()->itemCount();
    const int graphs = chart.plot()->graphCount();
    chart.setData(leakdesk::test::sawtoothChartData(spec(3)));
    QCOMPARE(chart.plot()->itemCount(), items);
    QCOMPARE(chart.plot()->graphCount(), graphs);
    auto onePodNoBands = leakdesk::test::sawtoothChartData(spec(1));
    const int bandItems = 2 * static_cast<int>(onePodNoBands->bands.size()); // shade and label
    QVERIFY(bandItems > 0);
    onePodNoBands->bands.clear();
    chart.setData(onePodNoBands);
    QCOMPARE(chart.podGraphCount(), 1);
    QCOMPARE(chart.plot()->itemCount(), items - bandItems);
    chart.setData(nullptr);
    QCOMPARE(chart.podGraphCount(), 0);
    QCOMPARE(chart.markerCount(ChartMarker::OomKill), 0);
}

void TestMemoryChart::exportWritesARealImage()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    MemoryChart chart;
    chart.resize(900, 500);
    chart.setData(leakdesk::test::sawtoothChartData(spec(3)));
    const QString path = dir.filePath(QStringLiteral("chart.png"));
    const auto status = chart.exportPng(path, 1280, 720);
    QVERIFY2(status.ok(), status.ok() ? "" : status.error().toString().c_str());
    QVERIFY(QFileInfo(path).size() > 10'000);
    QImage image(path);
    QCOMPARE(image.size(), QSize(1280, 720));
    std::set<QRgb> colours;
    for (int y = 0; y < image.height(); y += 3) {
        for (int x = 0; x < image.width(); x += 3)
            colours.insert(image.pixel(x, y));
    }
    QVERIFY2(colours.size() > 50, qPrintable(QString::number(colours.size())));
    // The limit's red is in the picture.
    QVERIFY(std::any_of(
        colours.begin(), colours.end(), [](QRgb c) { return qRed(c) > 180 && qGreen(c) < 80 && qBlue(c) < 80; }));
    // The widget keeps its own decimation after exporting at another width.
    QVERIFY(chart.drawnPointCount() > 0);
}

void TestMemoryChart::exportRejectsBadRequests()
{
    MemoryChart chart;
    chart.setData(leakdesk::test::sawtoothChartData(spec(1)));
    const auto tooSmall = chart.exportPng(QDir::temp().filePath(QStringLiteral("never.png")), 0, 100);
    QVERIFY(!tooSmall.ok());
    QCOMPARE(tooSmall.error().code, leakdesk::ErrorCode::InvalidArgument);
    const auto noFolder = chart.exportPng(QStringLiteral("/nonexistent-folder/x/chart.png"), 200, 100);
    QVERIFY(!noFolder.ok());
    QCOMPARE(noFolder.error().code, leakdesk::ErrorCode::Io);
    QVERIFY(noFolder.error().message.find("/nonexistent-folder/x/chart.png") != std::string::npos);
}

void TestMemoryChart::demoImageOfASawtooth()
{
    // The picture a reviewer looks at: 3 leaking pods over 6 h, OOM kills, shaded segments, overlays.
    MemoryChart chart;
    chart.resize(1280, 800);
    chart.setData(leakdesk::test::sawtoothChartData(spec(3)));
    chart.setRangePreset(RangePreset::Last6Hours);
    const QString dir = leakdesk::test::binaryDir().isEmpty() ? QDir::currentPath() : leakdesk::test::binaryDir();
    const QString path = QDir(dir).filePath(QStringLiteral("memory-chart-demo.png"));
    const auto status = chart.exportPng(path, 1280, 640);
    QVERIFY2(status.ok(), status.ok() ? "" : status.error().toString().c_str());
    QCOMPARE(QImage(path).size(), QSize(1280, 640));
    qInfo("demo chart written to %s", qPrintable(path));
}

QTEST_MAIN(TestMemoryChart)
#include "tst_memory_chart.moc"
