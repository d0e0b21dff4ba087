// verifyFix(): the leaking revision against the new one, on invented series of the shapes a fix
// (or a failed fix) leaves: levelled off, still leaking at the same rate, leaking slower, a
// sawtooth that stopped, too early to tell (pending with the minutes needed), no new revision.

#include "SeriesShapes.h"

#include "core/analysis/FixVerdict.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::analysis;
using namespace leakdesk::test;

namespace {

enum class OldShape { Sawtooth, Linear, SlowLeak, None };
enum class NewShape { Settling, Linear, Sawtooth, Absent };

constexpr std::int64_t kNow = kT0 + 3 * 24 * kHour;

struct Case {
    OldShape oldShape;
    double oldRate; // linear shapes: bytes/hour
    NewShape newShape;
    double newRate;
    std::int64_t observedMs; // since the new revision was created
    int newOomKills;
};

RevisionMemory oldRevision(const Case& c, std::int64_t createdNewMs)
{
    RevisionMemory r;
    r.name = "app-old";
    r.images = "app=registry.example/app:1.0.0";
    r.createdMs = createdNewMs - 7 * kHour;
    r.memory.service = "app";
    r.memory.window = TimeRange { createdNewMs - 6 * kHour, createdNewMs };
    for (int p = 0; p < 3; ++p) {
        PodMemoryInput pod;
        pod.pod = "app-old-" + std::to_string(p);
        pod.limitBytes = 2 * GiB;
        const std::uint64_t seed = 100 + static_cast<std::uint64_t>(p);
        switch (c.oldShape) {
        case OldShape::Sawtooth: {
            // Killed every 40-45 minutes, as the sandbox's checkout.
            auto saw = sawtoothPod(r.memory.window.startMs, createdNewMs, seed, 0.3 * p, 30'000, 8 * MiB, 40, 5);
            pod.memory = std::move(saw.memory);
            pod.restartCounter = std::move(saw.restarts);
            break;
        }
        case OldShape::Linear:
        case OldShape::SlowLeak:
            pod.memory = linearPod(r.memory.window.startMs, createdNewMs, 600 * MiB, c.oldRate,
                c.oldShape == OldShape::SlowLeak ? 12 * MiB : 6 * MiB, seed);
            break;
        case OldShape::None:
            break;
        }
        r.memory.pods.push_back(std::move(pod));
    }
    return r;
}

RevisionMemory newRevision(const Case& c, std::int64_t createdMs)
{
    RevisionMemory r;
    r.name = "app-new";
    r.images = "app=registry.example/app:1.0.1";
    r.createdMs = createdMs;
    r.oomKills = c.newOomKills;
    r.memory.service = "app";
    // From before the revision: its pods' first samples then show a known start (a warm-up to skip).
    r.memory.window = TimeRange { createdMs - 5 * kMinute, kNow };
    for (int p = 0; p < 3; ++p) {
        PodMemoryInput pod;
        pod.pod = "app-new-" + std::to_string(p);
        pod.limitBytes = 2 * GiB;
        const std::int64_t start = createdMs + 30'000 * (p + 1);
        const std::uint64_t seed = 200 + static_cast<std::uint64_t>(p);
        switch (c.newShape) {
        case NewShape::Settling:
            pod.memory = settlingPod(start, kNow, 300 * MiB, 620 * MiB, 2 * kMinute, 3 * MiB, seed);
            break;
        case NewShape::Linear:
            pod.memory = linearPod(start, kNow, 600 * MiB, c.newRate, 6 * MiB, seed);
            break;
        case NewShape::Sawtooth: {
            auto saw = sawtoothPod(start, kNow, seed, 0.0, 30'000, 8 * MiB, 40, 5);
            pod.memory = std::move(saw.memory);
            pod.restartCounter = std::move(saw.restarts);
            break;
        }
        case NewShape::Absent:
            break;
        }
        pod.restartCounter = pod.restartCounter.empty() ? sampled(start, kNow, 30'000, [](std::int64_t) { return 0.0; })
                                                        : pod.restartCounter;
        r.memory.pods.push_back(std::move(pod));
    }
    return r;
}

FixInputs inputsFor(const Case& c)
{
    const std::int64_t created = kNow - c.observedMs;
    FixInputs in;
    in.nowMs = kNow;
    if (c.oldShape != OldShape::None)
        in.oldRevision = oldRevision(c, created);
    if (c.newShape != NewShape::Absent)
        in.newRevision = newRevision(c, created);
    return in;
}

} // namespace

Q_DECLARE_METATYPE(OldShape)
Q_DECLARE_METATYPE(NewShape)
Q_DECLARE_METATYPE(FixOutcome)

class TestFixVerdict : public QObject {
    Q_OBJECT
private slots:
    void outcome_data()
    {
        QTest::addColumn<OldShape>("oldShape");
        QTest::addColumn<double>("oldRate");
        QTest::addColumn<NewShape>("newShape");
        QTest::addColumn<double>("newRate");
        QTest::addColumn<qint64>("observedMs");
        QTest::addColumn<int>("newOomKills");
        QTest::addColumn<FixOutcome>("expected");
        // Pending: the minutes still needed lie in [minNeeded, maxNeeded]; otherwise 0.
        QTest::addColumn<int>("minNeeded");
        QTest::addColumn<int>("maxNeeded");
        // A word the reason must hold (what it was decided on).
        QTest::addColumn<QString>("reasonHolds");

        QTest::newRow("sawtooth stopped, levelled off, outlived the old period")
            << OldShape::Sawtooth << 0.0 << NewShape::Settling << 0.0 << qint64(70 * kMinute) << 0 << FixOutcome::Fixed
            << 0 << 0 << QStringLiteral("Fixed");
        QTest::newRow("sawtooth stopped, but younger than the old period: pending for the rest of it")
            << OldShape::Sawtooth << 0.0 << NewShape::Settling << 0.0 << qint64(20 * kMinute) << 0
            << FixOutcome::Pending << 15 << 30 << QStringLiteral("OOMKilled about every");
        QTest::newRow("too early for the warm-up rule")
            << OldShape::Linear << 400 * MiB << NewShape::Settling << 0.0 << qint64(6 * kMinute) << 0
            << FixOutcome::Pending << 7 << 12 << QStringLiteral("level off");
        QTest::newRow("still leaking at the same rate")
            << OldShape::Linear << 300 * MiB << NewShape::Linear << 300 * MiB << qint64(45 * kMinute) << 0
            << FixOutcome::NotFixed << 0 << 0 << QStringLiteral("same rate");
        QTest::newRow("still leaking, slower")
            << OldShape::Linear << 300 * MiB << NewShape::Linear << 60 * MiB << qint64(3 * kHour) << 0
            << FixOutcome::NotFixed << 0 << 0 << QStringLiteral("slower");
        QTest::newRow("sawtooth goes on in the new revision")
            << OldShape::Sawtooth << 0.0 << NewShape::Sawtooth << 0.0 << qint64(30 * kMinute) << 0
            << FixOutcome::NotFixed << 0 << 0 << QStringLiteral("Not fixed");
        QTest::newRow("an OOM kill of the new revision decides at once")
            << OldShape::Sawtooth << 0.0 << NewShape::Settling << 0.0 << qint64(5 * kMinute) << 1
            << FixOutcome::NotFixed << 0 << 0 << QStringLiteral("OOMKilled");
        QTest::newRow("slow leak: the band needs hours to exclude the old rate")
            << OldShape::SlowLeak << 3.5 * MiB << NewShape::Settling << 0.0 << qint64(30 * kMinute) << 0
            << FixOutcome::Pending << 30 << 24 * 60 << QStringLiteral("band");
        QTest::newRow("slow leak: flat for half a day excludes it")
            << OldShape::SlowLeak << 3.5 * MiB << NewShape::Settling << 0.0 << qint64(12 * kHour) << 0
            << FixOutcome::Fixed << 0 << 0 << QStringLiteral("Fixed");
        QTest::newRow("no new revision: pending, and says so")
            << OldShape::Sawtooth << 0.0 << NewShape::Absent << 0.0 << qint64(30 * kMinute) << 0 << FixOutcome::Pending
            << -1 << -1 << QStringLiteral("No new revision");
    }

    void outcome()
    {
        QFETCH(OldShape, oldShape);
        QFETCH(double, oldRate);
        QFETCH(NewShape, newShape);
        QFETCH(double, newRate);
        QFETCH(qint64, observedMs);
        QFETCH(int, newOomKills);
        QFETCH(FixOutcome, expected);
        QFETCH(int, minNeeded);
        QFETCH(int, maxNeeded);
        QFETCH(QString, reasonHolds);

        const Case c { oldShape, oldRate, newShape, newRate, observedMs, newOomKills };
        const FixVerification v = verifyFix(inputsFor(c));
        const QString reason = QString::fromStdString(v.reason);
        QVERIFY2(v.outcome == expected,
            qPrintable(
                QStringLiteral("%1 instead of %2: %3")
                    .arg(QLatin1String(fixOutcomeName(v.outcome)), QLatin1String(fixOutcomeName(expected)), reason)));
        QVERIFY2(reason.contains(reasonHolds), qPrintable(reason));
        if (minNeeded < 0) {
            QVERIFY2(!v.neededMinutes, "nothing to wait for without a new revision");
            QVERIFY(v.newRevision.empty());
        } else if (expected == FixOutcome::Pending) {
            QVERIFY(v.neededMinutes);
            QVERIFY2(*v.neededMinutes >= minNeeded && *v.neededMinutes <= maxNeeded,
                qPrintable(QStringLiteral("%1 min needed: %2").arg(*v.neededMinutes).arg(reason)));
            QCOMPARE(v.confidence, 0.0);
        } else {
            QCOMPARE(v.neededMinutes.value_or(-1), 0);
            QVERIFY2(v.confidence > 0.3 && v.confidence <= 1.0, qPrintable(QString::number(v.confidence)));
        }
        // The old revision is always in the evidence beside the new one.
        QVERIFY(!v.evidence.empty());
        QCOMPARE(QString::fromStdString(v.evidence.front().topic), QStringLiteral("old-revision"));
    }

    // A fixed verdict names both rates and the old one is the leaking revision's.
    void fixedComparesTheRates()
    {
        const Case c { OldShape::Linear, 400 * MiB, NewShape::Settling, 0.0, 2 * kHour, 0 };
        const FixVerification v = verifyFix(inputsFor(c));
        QCOMPARE(v.outcome, FixOutcome::Fixed);
        QVERIFY(v.oldRateBytesPerHour);
        QVERIFY(std::abs(*v.oldRateBytesPerHour - 400 * MiB) < 40 * MiB);
        QVERIFY(v.newRateHighBytesPerHour);
        QVERIFY(*v.newRateHighBytesPerHour < *v.oldRateBytesPerHour);
        QVERIFY(v.observedMs >= v.requiredMs);
    }
};

QTEST_GUILESS_MAIN(TestFixVerdict)
#include "tst_fix_verdict.moc"
