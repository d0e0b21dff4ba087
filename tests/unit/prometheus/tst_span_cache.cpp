// The step a chart range is fetched at (never over Prometheus's 11,000 points per series) and the
// cache of fetched spans that keeps a range from being fetched twice.
#include "core/prometheus/PromClient.h"
#include "core/prometheus/RangeResolution.h"
#include "core/prometheus/SpanCache.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::prometheus;

namespace {

constexpr std::int64_t kMin = 60 * 1000;
constexpr std::int64_t kHour = 60 * kMin;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kT0 = 1'765'000'000'000; // an instant on the 15 s grid

// What Prometheus answers for [range] at `step`: one series per pod, a point per step.
std::vector<Series> answer(
    TimeRange range, std::int64_t step, std::vector<std::string> pods = { "a" }, double value = 1)
{
    std::vector<Series> out;
    for (const auto& pod : pods) {
        Series s;
        s.labels = { { "pod", pod } };
        for (std::int64_t t = range.startMs; t <= range.endMs; t += step)
            s.samples.push_back({ t, value });
        out.push_back(std::move(s));
    }
    return out;
}

std::string spans(const std::vector<TimeRange>& ranges)
{
    std::string out;
    for (const auto& r : ranges)
        out += "[" + std::to_string((r.startMs - kT0) / kMin) + "," + std::to_string((r.endMs - kT0) / kMin) + "]";
    return out;
}

} // namespace

class TestSpanCache : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void resolutionStaysWithinLimits_data()
    {
        QTest::addColumn<qlonglong>("spanMs");
        QTest::addColumn<qlonglong>("budget");
        for (const qlonglong span : { 5 * kMin, 17 * kMin, kHour, 6 * kHour, 24 * kHour, 3 * kDay + 7 * kMin, 7 * kDay,
                 10 * kDay, 30 * kDay, 90 * kDay, 400 * kDay }) {
            for (const qlonglong budget : { 2LL, 300LL, 1500LL, 11000LL, 50000LL }) {
                QTest::addRow("%lld min, %lld points", span / kMin, budget) << span << budget;
            }
        }
    }
    void resolutionStaysWithinLimits()
    {
        QFETCH(qlonglong, spanMs);
        QFETCH(qlonglong, budget);
        const std::int64_t step = chooseResolutionMs(spanMs, budget);
        const TimeRange r { kT0, kT0 + spanMs };
        QVERIFY(step >= kMinStepMs);
        QCOMPARE(step % 1000, 0);
        const std::int64_t points = pointsPerSeries(r, step);
        QVERIFY2(points <= kMaxPointsPerSeries, qPrintable(QString::number(points)));
        QVERIFY2(points <= std::max<std::int64_t>(budget, 2), qPrintable(QString::number(points)));
        // One rung finer would break the budget (or the minimum): the step is no coarser than needed.
        const auto& ladder = resolutionLadderMs();
        const auto rung = std::find(ladder.begin(), ladder.end(), step);
        if (rung != ladder.end() && rung != ladder.begin() && *std::prev(rung) >= kMinStepMs)
            QVERIFY(pointsPerSeries(r, *std::prev(rung)) > std::clamp<std::int64_t>(budget, 2, kMaxPointsPerSeries));
        // And one query suffices: PromClient never needs to split it.
        QCOMPARE(splitRange(r, step).size(), std::size_t(1));
    }

    void resolutionOfThePresets_data()
    {
        QTest::addColumn<qlonglong>("spanMs");
        QTest::addColumn<qlonglong>("stepMs");
        QTest::newRow("1h") << qlonglong(kHour) << 15'000LL;
        QTest::newRow("6h: the investigation's own step") << qlonglong(6 * kHour) << 15'000LL;
        QTest::newRow("24h") << qlonglong(24 * kHour) << qlonglong(kMin);
        QTest::newRow("7d") << qlonglong(7 * kDay) << qlonglong(10 * kMin);
        QTest::newRow("30d") << qlonglong(30 * kDay) << qlonglong(30 * kMin);
    }
    void resolutionOfThePresets()
    {
        QFETCH(qlonglong, spanMs);
        QFETCH(qlonglong, stepMs);
        QCOMPARE(chooseResolutionMs(spanMs), stepMs);
    }

    void alignsStartDown()
    {
        const TimeRange r = alignStartToStep({ kT0 + 7 * kMin + 5000, kT0 + kHour }, 10 * kMin);
        QCOMPARE(r.startMs % (10 * kMin), 0);
        QVERIFY(r.startMs <= kT0 + 7 * kMin + 5000 && r.startMs > kT0 + 7 * kMin + 5000 - 10 * kMin);
        QCOMPARE(r.endMs, kT0 + kHour);
    }

    // Overlapping, adjacent and disjoint spans: what is missing afterwards.
    void missingAfterInserts_data()
    {
        QTest::addColumn<QList<qlonglong>>("fetched"); // pairs of minutes from kT0
        QTest::addColumn<qlonglong>("wantFrom");
        QTest::addColumn<qlonglong>("wantTo");
        QTest::addColumn<QString>("missing");
        QTest::addColumn<QString>("covered");
        QTest::newRow("nothing fetched") << QList<qlonglong> {} << 0LL << 60LL << QStringLiteral("[0,60]")
                                         << QStringLiteral("");
        QTest::newRow("inside") << QList<qlonglong> { 0, 120 } << 10LL << 60LL << QStringLiteral("")
                                << QStringLiteral("[0,120]");
        QTest::newRow("overlapping") << QList<qlonglong> { 0, 60, 30, 120 } << 0LL << 120LL << QStringLiteral("")
                                     << QStringLiteral("[0,120]");
        QTest::newRow("adjacent within a step")
            << QList<qlonglong> { 0, 60, 60, 120 } << 0LL << 120LL << QStringLiteral("") << QStringLiteral("[0,120]");
        QTest::newRow("disjoint: the gap") << QList<qlonglong> { 0, 30, 90, 120 } << 0LL << 120LL
                                           << QStringLiteral("[30,90]") << QStringLiteral("[0,30][90,120]");
        QTest::newRow("tail after a refresh")
            << QList<qlonglong> { 0, 360 } << 5LL << 365LL << QStringLiteral("[360,365]") << QStringLiteral("[0,360]");
        QTest::newRow("head and tail") << QList<qlonglong> { 60, 120 } << 0LL << 180LL
                                       << QStringLiteral("[0,60][120,180]") << QStringLiteral("[60,120]");
    }
    void missingAfterInserts()
    {
        QFETCH(QList<qlonglong>, fetched);
        QFETCH(qlonglong, wantFrom);
        QFETCH(qlonglong, wantTo);
        QFETCH(QString, missing);
        QFETCH(QString, covered);
        SpanCache cache;
        const std::int64_t step = 15'000;
        for (qsizetype i = 0; i + 1 < fetched.size(); i += 2) {
            const TimeRange r { kT0 + fetched[i] * kMin, kT0 + fetched[i + 1] * kMin };
            cache.insert("q", step, r, answer(r, step));
        }
        const TimeRange want { kT0 + wantFrom * kMin, kT0 + wantTo * kMin };
        // Gaps are reported to the millisecond: round them to minutes for the table.
        std::vector<TimeRange> gaps = cache.missing("q", step, want);
        for (auto& g : gaps) {
            g.startMs = (g.startMs - kT0 + kMin / 2) / kMin * kMin + kT0;
            g.endMs = (g.endMs - kT0 + kMin / 2) / kMin * kMin + kT0;
        }
        QCOMPARE(QString::fromStdString(spans(gaps)), missing);
        QCOMPARE(QString::fromStdString(spans(cache.covered("q", step))), covered);
        // Another query shares nothing.
        QCOMPARE(cache.missing("other", step, want).size(), std::size_t(1));
    }

    void finerFetchStandsInForCoarser()
    {
        SpanCache cache;
        const TimeRange day { kT0 - kDay, kT0 };
        const TimeRange lastHours { kT0 - 6 * kHour, kT0 };
        cache.insert("q", 15'000, lastHours, answer(lastHours, 15'000, { "a" }, 2));
        // A coarser view lacks only what the fine fetch does not cover ...
        const auto gaps = cache.missing("q", kMin, day);
        QCOMPARE(gaps.size(), std::size_t(1));
        QCOMPARE(gaps.front().startMs, day.startMs);
        QCOMPARE(gaps.front().endMs, lastHours.startMs - 1);
        // ... but a finer view is not served by a coarse fetch.
        cache.insert("q", kMin, day, answer(day, kMin, { "a" }, 1));
        QCOMPARE(cache.missing("q", 15'000, { kT0 - 12 * kHour, kT0 - 11 * kHour }).size(), std::size_t(1));
        QVERIFY(cache.missing("q", kMin, day).empty());
        // Assembled: coarse samples outside the fine span, every fine sample inside it.
        const auto series = cache.assemble("q", kMin, day);
        QCOMPARE(series.size(), std::size_t(1));
        std::size_t fine = 0;
        std::int64_t previous = 0;
        for (const Sample& s : series.front().samples) {
            QVERIFY(s.tMs > previous);
            previous = s.tMs;
            const bool inFine = s.tMs >= lastHours.startMs;
            QCOMPARE(s.value, inFine ? 2.0 : 1.0);
            fine += inFine;
        }
        QCOMPARE(fine, std::size_t(6 * 240 + 1));
        QCOMPARE(series.front().samples.size(), std::size_t(18 * 60) + fine);
    }

    void refetchReplacesTheSpan()
    {
        SpanCache cache;
        const TimeRange all { kT0, kT0 + kHour };
        cache.insert("q", 15'000, all, answer(all, 15'000, { "a", "b" }, 1));
        // Refetched tail: pod b is gone there, pod a has new values.
        const TimeRange tail { kT0 + 30 * kMin, kT0 + kHour };
        cache.insert("q", 15'000, tail, answer(tail, 15'000, { "a" }, 5));
        const auto series = cache.assemble("q", 15'000, all);
        QCOMPARE(series.size(), std::size_t(2));
        for (const Sample& s : series[0].samples)
            QCOMPARE(s.value, s.tMs >= tail.startMs ? 5.0 : 1.0);
        QCOMPARE(series[0].samples.size(), std::size_t(241));
        QVERIFY(series[1].samples.back().tMs < tail.startMs);
        QCOMPARE(cache.sampleCount(), std::size_t(241 + 120));
    }

    void boundedSize()
    {
        const std::size_t bound = 5000;
        SpanCache cache(bound);
        // Many resolutions and spans: the cache never holds more than its bound ...
        for (int i = 0; i < 40; ++i) {
            const std::int64_t step = (i % 2 ? 15'000 : kMin);
            const TimeRange r { kT0 + i * kHour, kT0 + (i + 3) * kHour };
            cache.insert(i % 3 ? "q" : "other", step, r, answer(r, step, { "a", "b" }));
            QVERIFY2(cache.sampleCount() <= bound, qPrintable(QString::number(cache.sampleCount())));
        }
        // ... keeps the newest of what was just fetched ...
        QVERIFY(cache.missing("other", 15'000, { kT0 + 41 * kHour, kT0 + 42 * kHour }).empty());
        // ... and one fetch larger than the bound keeps its newest part only.
        SpanCache small(1000);
        const TimeRange day { kT0, kT0 + kDay };
        small.insert("q", 15'000, day, answer(day, 15'000));
        QVERIFY(small.sampleCount() <= 1000);
        QVERIFY(small.sampleCount() > 0);
        const auto kept = small.covered("q", 15'000);
        QCOMPARE(kept.size(), std::size_t(1));
        QCOMPARE(kept.front().endMs, day.endMs);
        QVERIFY(kept.front().startMs > day.startMs);
        const auto series = small.assemble("q", 15'000, day);
        QCOMPARE(series.front().samples.front().tMs >= kept.front().startMs, true);
    }
};

QTEST_APPLESS_MAIN(TestSpanCache)
#include "tst_span_cache.moc"
