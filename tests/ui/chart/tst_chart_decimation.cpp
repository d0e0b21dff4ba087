// The pieces of the memory chart that decide what reaches the screen: pixel/time mapping, min/max
// decimation, value lookups and byte labels. Pure functions, checked against brute force.

#include "ui/chart/ByteAxisTicker.h"
#include "ui/chart/MinMaxDecimation.h"
#include "ui/chart/SeriesLookup.h"
#include "ui/chart/TimeAxisMapping.h"

#include <QRandomGenerator>
#include <QTest>

#include <cmath>
#include <map>

using leakdesk::Sample;
using leakdesk::TimeRange;
using namespace leakdesk::ui;

namespace {

enum class Shape { Sawtooth, Random, Constant, Spikes };

std::vector<Sample> makeSeries(int count, qint64 startMs, qint64 stepMs, Shape shape, quint32 seed)
{
    QRandomGenerator rng(seed);
    std::vector<Sample> out;
    out.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        double v = 0.0;
        switch (shape) {
        case Shape::Sawtooth:
            v = 300e6 + (i % 997) * 1.7e6;
            break;
        case Shape::Random:
            v = rng.bounded(2.0e9);
            break;
        case Shape::Constant:
            v = 512e6;
            break;
        case Shape::Spikes:
            v = (i % 331 == 17) ? 4e9 : ((i % 409 == 3) ? 0.0 : 1e9);
            break;
        }
        // Jittered scrape times, still strictly ascending.
        out.push_back({ startMs + i * stepMs + static_cast<qint64>(rng.bounded(static_cast<int>(stepMs / 2))), v });
    }
    return out;
}

} // namespace

class TestChartDecimation : public QObject {
    Q_OBJECT
private slots:
    void mappingColumnsAgreeWithBoundaries_data();
    void mappingColumnsAgreeWithBoundaries();
    void mappingPixelRoundTrip();
    void decimationKeepsMinAndMaxOfEveryColumn_data();
    void decimationKeepsMinAndMaxOfEveryColumn();
    void decimationIsIdentityWhenSparse();
    void decimationBreaksLinesAtGaps();
    void decimationIgnoresNonFiniteValues();
    void decimationOfEmptyInput();
    void gapThresholdFollowsTheScrapeInterval();
    void lookups();
    void binaryByteLabels_data();
    void binaryByteLabels();
    void binaryTickSteps_data();
    void binaryTickSteps();
};

void TestChartDecimation::mappingColumnsAgreeWithBoundaries_data()
{
    QTest::addColumn<qint64>("start");
    QTest::addColumn<qint64>("span");
    QTest::addColumn<double>("width");
    QTest::newRow("6h over 1200px") << qint64(1'700'000'000'000) << qint64(6 * 3600 * 1000) << 1200.0;
    QTest::newRow("7d over 1917px") << qint64(1'700'000'000'000) << qint64(7LL * 24 * 3600 * 1000) << 1917.0;
    QTest::newRow("span shorter than columns") << qint64(5) << qint64(700) << 1000.0;
    QTest::newRow("prime span") << qint64(0) << qint64(1'000'003) << 97.0;
    QTest::newRow("fractional width") << qint64(10) << qint64(123'456) << 640.7;
}

void TestChartDecimation::mappingColumnsAgreeWithBoundaries()
{
    QFETCH(qint64, start);
    QFETCH(qint64, span);
    QFETCH(double, width);
    const TimeAxisMapping m { start, start + span, 0.0, width };
    const int n = m.columns();
    QCOMPARE(n, static_cast<int>(std::floor(width)));
    QCOMPARE(m.columnStartMs(0), start);
    QCOMPARE(m.columnStartMs(n), start + span);
    QCOMPARE(m.columnOf(start), 0);
    QCOMPARE(m.columnOf(start + span), n - 1);
    QCOMPARE(m.columnOf(start - 1), -1);
    QCOMPARE(m.columnOf(start + span + 1), -1);
    for (int c = 1; c < n; ++c) {
        const qint64 b = m.columnStartMs(c);
        if (b == m.columnStartMs(c - 1) || b == m.columnStartMs(c + 1))
            continue; // an empty column (more columns than milliseconds) owns no instant
        QCOMPARE(m.columnOf(b), c);
        QVERIFY2(m.columnOf(b - 1) < c, qPrintable(QStringLiteral("column %1").arg(c)));
    }
}

void TestChartDecimation::mappingPixelRoundTrip()
{
    const TimeAxisMapping m { 1'700'000'000'000, 1'700'000'000'000 + 6 * 3600 * 1000, 57.0, 1100.0 };
    QCOMPARE(m.pixelAt(m.startMs), 57.0);
    QCOMPARE(m.pixelAt(m.endMs), 1157.0);
    QCOMPARE(m.timeAt(57.0), m.startMs);
    QCOMPARE(m.timeAt(1157.0), m.endMs);
    for (double px : { 57.0, 100.5, 600.0, 1156.0 })
        QVERIFY(std::abs(m.pixelAt(m.timeAt(px)) - px) < 0.01);
    QCOMPARE(m.timeAt(57.0 + 550.0), m.startMs + 3 * 3600 * 1000);
    const TimeAxisMapping invalid { 10, 10, 0.0, 100.0 };
    QVERIFY(!invalid.isValid());
    QCOMPARE(invalid.columnOf(10), -1);
}

void TestChartDecimation::decimationKeepsMinAndMaxOfEveryColumn_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("shape");
    QTest::addColumn<int>("columns");
    QTest::addColumn<qint64>("fromOffset"); // visible start relative to the first sample, in steps
    QTest::addColumn<qint64>("toOffset"); // visible end relative to the first sample, in steps
    QTest::addColumn<qint64>("gapSteps"); // 0: no gap detection

    QTest::newRow("sawtooth, whole range")
        << 200'000 << int(Shape::Sawtooth) << 1200 << qint64(0) << qint64(200'000) << qint64(0);
    QTest::newRow("random, whole range") << 100'000 << int(Shape::Random) << 997 << qint64(0) << qint64(100'000)
                                         << qint64(0);
    QTest::newRow("random, zoomed middle")
        << 100'000 << int(Shape::Random) << 800 << qint64(40'000) << qint64(52'000) << qint64(0);
    QTest::newRow("spikes, zoomed with edges")
        << 50'000 << int(Shape::Spikes) << 640 << qint64(-100) << qint64(30'000) << qint64(0);
    QTest::newRow("constant") << 30'000 << int(Shape::Constant) << 500 << qint64(0) << qint64(30'000) << qint64(0);
    QTest::newRow("fewer samples than columns")
        << 300 << int(Shape::Random) << 1200 << qint64(0) << qint64(300) << qint64(0);
    QTest::newRow("range beyond data") << 10'000 << int(Shape::Sawtooth) << 300 << qint64(-5'000) << qint64(20'000)
                                       << qint64(0);
    QTest::newRow("with gap detection") << 80'000 << int(Shape::Random) << 1000 << qint64(0) << qint64(80'000)
                                        << qint64(3);
}

void TestChartDecimation::decimationKeepsMinAndMaxOfEveryColumn()
{
    QFETCH(int, count);
    QFETCH(int, shape);
    QFETCH(int, columns);
    QFETCH(qint64, fromOffset);
    QFETCH(qint64, toOffset);
    QFETCH(qint64, gapSteps);
    constexpr qint64 step = 15'000;
    constexpr qint64 t0 = 1'700'000'000'000;
    std::vector<Sample> samples = makeSeries(count, t0, step, static_cast<Shape>(shape), 1234);
    if (gapSteps > 0) // cut out two missing stretches of scrapes
        samples.erase(samples.begin() + count / 3, samples.begin() + count / 3 + 200);
    const TimeRange range { t0 + fromOffset * step, t0 + toOffset * step };
    const qint64 gapMs = gapSteps * step;

    const std::vector<Sample> out = decimateMinMax(samples, range, columns, gapMs);

    // Brute force: min and max per column from the definition of a column.
    const TimeAxisMapping m { range.startMs, range.endMs, 0.0, static_cast<double>(columns) };
    std::map<int, std::pair<double, double>> expected;
    for (const Sample& s : samples) {
        const int c = m.columnOf(s.tMs);
        if (c < 0)
            continue;
        auto [it, inserted] = expected.try_emplace(c, s.value, s.value);
        if (!inserted) {
            it->second.first = std::min(it->second.first, s.value);
            it->second.second = std::max(it->second.second, s.value);
        }
    }
    std::map<int, std::pair<double, double>> got;
    int breaks = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (i > 0)
            QVERIFY2(out[i].tMs >= out[i - 1].tMs, "decimated samples must stay in time order");
        if (std::isnan(out[i].value)) {
            ++breaks;
            continue;
        }
        // Every drawn point is a real sample (never an average or an invented value).
        const auto it = std::lower_bound(
            samples.begin(), samples.end(), out[i].tMs, [](const Sample& s, qint64 t) { return s.tMs < t; });
        QVERIFY(it != samples.end() && it->tMs == out[i].tMs && it->value == out[i].value);
        const int c = m.columnOf(out[i].tMs);
        if (c < 0)
            continue;
        auto [g, inserted] = got.try_emplace(c, out[i].value, out[i].value);
        if (!inserted) {
            g->second.first = std::min(g->second.first, out[i].value);
            g->second.second = std::max(g->second.second, out[i].value);
        }
    }
    QCOMPARE(got.size(), expected.size());
    for (const auto& [column, minMax] : expected) {
        QVERIFY2(got.count(column), qPrintable(QStringLiteral("column %1 lost").arg(column)));
        QCOMPARE(got[column].first, minMax.first);
        QCOMPARE(got[column].second, minMax.second);
    }
    QVERIFY(out.size() <= 2 * static_cast<std::size_t>(columns) + 2 + static_cast<std::size_t>(breaks));
    // Lines reach the edges: the neighbours just outside the range are kept.
    if (range.startMs > samples.front().tMs)
        QVERIFY(out.front().tMs < range.startMs);
    if (range.endMs < samples.back().tMs)
        QVERIFY(out.back().tMs > range.endMs);
    QCOMPARE(breaks, gapSteps > 0 ? 1 : 0);
}

void TestChartDecimation::decimationIsIdentityWhenSparse()
{
    const std::vector<Sample> samples = makeSeries(100, 0, 60'000, Shape::Random, 7);
    const std::vector<Sample> out = decimateMinMax(samples, TimeRange { 0, 100 * 60'000 }, 1000);
    QCOMPARE(out.size(), samples.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
        QCOMPARE(out[i].tMs, samples[i].tMs);
        QCOMPARE(out[i].value, samples[i].value);
    }
}

void TestChartDecimation::decimationBreaksLinesAtGaps()
{
    std::vector<Sample> samples;
    for (qint64 t = 0; t < 3600'000; t += 15'000) {
        if (t < 1200'000 || t >= 1800'000) // ten minutes of missing scrapes
            samples.push_back({ t, 1.0 });
    }
    const auto out = decimateMinMax(samples, TimeRange { 0, 3600'000 }, 2000, 45'000);
    const auto nan = std::find_if(out.begin(), out.end(), [](const Sample& s) { return std::isnan(s.value); });
    QVERIFY(nan != out.end());
    QVERIFY(nan->tMs > 1185'000 && nan->tMs < 1800'000);
    QCOMPARE(std::count_if(out.begin(), out.end(), [](const Sample& s) { return std::isnan(s.value); }), 1);
    // Without a threshold the line is continuous.
    const auto joined = decimateMinMax(samples, TimeRange { 0, 3600'000 }, 2000, 0);
    QVERIFY(std::none_of(joined.begin(), joined.end(), [](const Sample& s) { return std::isnan(s.value); }));
}

void TestChartDecimation::decimationIgnoresNonFiniteValues()
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::vector<Sample> samples { { 0, 5.0 }, { 1, nan }, { 2, 9.0 }, { 3, 1.0 }, { 4, nan } };
    const auto out = decimateMinMax(samples, TimeRange { 0, 4 }, 1);
    QCOMPARE(out.size(), std::size_t(2));
    QCOMPARE(out[0].value, 9.0);
    QCOMPARE(out[1].value, 1.0);
}

void TestChartDecimation::decimationOfEmptyInput()
{
    QVERIFY(decimateMinMax({}, TimeRange { 0, 100 }, 10).empty());
    const std::vector<Sample> one { { 50, 3.0 } };
    QCOMPARE(decimateMinMax(one, TimeRange { 0, 100 }, 0).size(), std::size_t(0));
    QCOMPARE(decimateMinMax(one, TimeRange { 0, 100 }, 10).size(), std::size_t(1));
    // Entirely outside the range: only the neighbour that lets the line cross the view.
    QCOMPARE(decimateMinMax(one, TimeRange { 100, 200 }, 10).size(), std::size_t(1));
}

void TestChartDecimation::gapThresholdFollowsTheScrapeInterval()
{
    QCOMPARE(typicalGapThresholdMs(makeSeries(2, 0, 30'000, Shape::Constant, 1)), qint64(0));
    std::vector<Sample> regular;
    for (qint64 t = 0; t < 100 * 30'000; t += 30'000)
        regular.push_back({ t, 1.0 });
    QCOMPARE(typicalGapThresholdMs(regular), qint64(90'000));
    regular.erase(regular.begin() + 10, regular.begin() + 40); // one long hole does not move the median
    QCOMPARE(typicalGapThresholdMs(regular), qint64(90'000));
}

void TestChartDecimation::lookups()
{
    const std::vector<Sample> s { { 1000, 10.0 }, { 2000, 20.0 }, { 4000, 40.0 } };
    QCOMPARE(nearestSample(s, 1400, 1000)->value, 10.0);
    QCOMPARE(nearestSample(s, 1500, 1000)->value, 10.0); // tie goes to the earlier sample
    QCOMPARE(nearestSample(s, 3100, 1000)->value, 40.0);
    QVERIFY(!nearestSample(s, 6000, 1000));
    QVERIFY(!nearestSample({}, 6000, 1000));
    QCOMPARE(nearestSample(s, 6000, 5000)->value, 40.0);
    QVERIFY(!sampleAtOrBefore(s, 999));
    QCOMPARE(sampleAtOrBefore(s, 2000)->value, 20.0);
    QCOMPARE(sampleAtOrBefore(s, 3999)->value, 20.0);
    QCOMPARE(*interpolatedValue(s, 3000), 30.0);
    QCOMPARE(*interpolatedValue(s, 1000), 10.0);
    QVERIFY(!interpolatedValue(s, 4001));
}

void TestChartDecimation::binaryByteLabels_data()
{
    QTest::addColumn<double>("bytes");
    QTest::addColumn<QString>("label");
    const double MiB = 1024.0 * 1024.0;
    QTest::newRow("zero") << 0.0 << QStringLiteral("0 B");
    QTest::newRow("bytes") << 512.0 << QStringLiteral("512 B");
    QTest::newRow("KiB") << 1536.0 << QStringLiteral("1.5 KiB");
    QTest::newRow("MiB") << 512 * MiB << QStringLiteral("512 MiB");
    QTest::newRow("GiB") << 1024 * MiB << QStringLiteral("1 GiB");
    QTest::newRow("1.5 GiB") << 1536 * MiB << QStringLiteral("1.5 GiB");
    QTest::newRow("1.25 GiB") << 1280 * MiB << QStringLiteral("1.25 GiB");
    QTest::newRow("rounded") << 1.4238 * 1024 * MiB << QStringLiteral("1.42 GiB");
    QTest::newRow("TiB") << 3.0 * 1024 * 1024 * MiB << QStringLiteral("3 TiB");
    QTest::newRow("negative") << -256 * MiB << QStringLiteral("-256 MiB");
}

void TestChartDecimation::binaryByteLabels()
{
    QFETCH(double, bytes);
    QFETCH(QString, label);
    QCOMPARE(formatBinaryBytes(bytes), label);
}

void TestChartDecimation::binaryTickSteps_data()
{
    QTest::addColumn<double>("range");
    QTest::addColumn<int>("ticks");
    QTest::addColumn<double>("step");
    const double MiB = 1024.0 * 1024.0;
    QTest::newRow("2.2 GiB in 6") << 2.2 * 1024 * MiB << 6 << 512 * MiB;
    QTest::newRow("2.2 GiB in 5") << 2.2 * 1024 * MiB << 5 << 512 * MiB;
    QTest::newRow("600 MiB in 6") << 600 * MiB << 6 << 128 * MiB;
    QTest::newRow("9 GiB in 5") << 9.0 * 1024 * MiB << 5 << 2048 * MiB;
    QTest::newRow("tiny") << 10.0 << 5 << 2.0;
    QTest::newRow("empty") << 0.0 << 5 << 1.0;
}

void TestChartDecimation::binaryTickSteps()
{
    QFETCH(double, range);
    QFETCH(int, ticks);
    QFETCH(double, step);
    QCOMPARE(ByteAxisTicker::binaryTickStep(range, ticks), step);
}

QTEST_GUILESS_MAIN(TestChartDecimation)
#include "tst_chart_decimation.moc"
