// The memory of a scenario container as the sim.leakdesk.io/memory annotation describes it: a leak
// reaches the limit and is OOMKilled at the predicted time, then restarts; GC teeth stay within
// their band; traffic-following memory rises and falls with the day; warm-up levels off; jobs
// complete. Every value is a pure function of (seed, container, time).

#include "core/sandbox/scenario/ContainerMemoryModel.h"

#include <QTest>

#include <cmath>

using namespace leakdesk::sandbox;
using namespace leakdesk::sandbox::scenario;

namespace {

constexpr qint64 kMi = 1024 * 1024;
// 2026-03-02T00:00:00Z: midnight UTC, the quietest moment of the diurnal curve.
constexpr qint64 kMidnight = 1772409600000LL;

ContainerMemorySpec spec(const QString& annotation, std::optional<qint64> limit, double diurnal = 0)
{
    ContainerMemorySpec s;
    s.key = stableHash("shop/app-0/app");
    auto parsed = parseMemoryBehaviour(annotation.toStdString());
    if (!parsed)
        qFatal("bad annotation in the test: %s", parsed.error().message.c_str());
    s.memory = *parsed;
    s.diurnal = diurnal;
    if (limit)
        s.limitBytes = *limit;
    return s;
}

} // namespace

class TestContainerMemory : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void leakIsKilledAtThePredictedTime_data()
    {
        QTest::addColumn<QString>("memory");
        QTest::addColumn<qint64>("limit");
        QTest::addColumn<double>("predictedHours"); // (limit - base) / growth
        QTest::addColumn<double>("toleranceHours");
        QTest::newRow("jvm leak, 1Gi") << "base=300Mi growth=60Mi/h noise=0" << 1024 * kMi << (1024.0 - 300) / 60
                                       << 0.002;
        QTest::newRow("fast node leak, 512Mi")
            << "base=100Mi growth=5Mi/m noise=0" << 512 * kMi << (512.0 - 100) / 300 << 0.002;
        // The noise may reach the limit up to noise/growth earlier.
        QTest::newRow("with noise") << "base=1Gi growth=100Mi/h noise=20Mi" << 2048 * kMi << 1024.0 / 100 << 0.21;
        // A warm-up long over before the limit is near changes nothing.
        QTest::newRow("with warm-up") << "base=500Mi growth=50Mi/h warmup=5m noise=0" << 1536 * kMi
                                      << (1536.0 - 500) / 50 << 0.002;
        // Teeth reach the limit at the top of a tooth: at most one period (and its height) early.
        QTest::newRow("with gc teeth") << "base=400Mi growth=30Mi/h gc=60Mi/2m noise=0" << 1024 * kMi << 624.0 / 30
                                       << 60.0 / 30 + 0.04;
    }
    void leakIsKilledAtThePredictedTime()
    {
        QFETCH(QString, memory);
        QFETCH(qint64, limit);
        QFETCH(double, predictedHours);
        QFETCH(double, toleranceHours);
        const ContainerMemoryModel model(42, spec(memory, limit));
        const qint64 start = kMidnight + 4 * kSecondMs;
        const auto runs = model.runs(start, start + 10 * kDayMs, RunPolicy {});
        QVERIFY(runs.size() >= 3);
        const double hours = double(runs[0].finishedMs - start) / double(kHourMs);
        QVERIFY2(hours <= predictedHours + 0.002 && hours >= predictedHours - toleranceHours,
            qPrintable(QStringLiteral("killed after %1 h, predicted %2 h").arg(hours).arg(predictedHours)));
        for (std::size_t i = 0; i + 1 < runs.size(); ++i) {
            QVERIFY(runs[i].terminated);
            QCOMPARE(QString::fromStdString(runs[i].reason), QStringLiteral("OOMKilled"));
            QCOMPARE(runs[i].exitCode, 137);
            // The kubelet restarts it 10 s later, and the new run starts from the bottom again.
            QCOMPARE(runs[i + 1].startedMs, runs[i].finishedMs + SandboxModel::kRestartDelayMs);
            QVERIFY(runs[i].containerId != runs[i + 1].containerId);
        }
        const ContainerRun& first = runs[0];
        const auto before = model.workingSetBytes(runs, first.finishedMs - 1);
        QVERIFY(before && *before < double(limit) && *before > 0.9 * double(limit));
        QVERIFY(!model.workingSetBytes(runs, first.finishedMs));
        QVERIFY(!model.workingSetBytes(runs, first.finishedMs + SandboxModel::kRestartDelayMs - 1));
        const auto after = model.workingSetBytes(runs, runs[1].startedMs + kMinuteMs);
        QVERIFY(after && *after < 0.8 * double(limit));
        // Every run lasts about as long: the leak is the same each time.
        QVERIFY(
            std::abs(double(runs[1].runLengthMs - runs[0].runLengthMs)) <= toleranceHours * kHourMs + kOomCheckStepMs);
    }

    void noLimitOrRoomEnoughMeansNoKill_data()
    {
        QTest::addColumn<QString>("memory");
        QTest::addColumn<std::optional<qint64>>("limit");
        QTest::newRow("leak without a limit") << "base=300Mi growth=60Mi/h" << std::optional<qint64>();
        QTest::newRow("flat under its limit")
            << "base=300Mi gc=100Mi/1m noise=10Mi" << std::optional<qint64>(512 * kMi);
        QTest::newRow("traffic peak under its limit")
            << "base=300Mi follow-traffic=200Mi noise=5Mi" << std::optional<qint64>(512 * kMi);
    }
    void noLimitOrRoomEnoughMeansNoKill()
    {
        QFETCH(QString, memory);
        QFETCH(std::optional<qint64>, limit);
        const ContainerMemoryModel model(7, spec(memory, limit, 0.5));
        const auto runs = model.runs(kMidnight, kMidnight + 30 * kDayMs, RunPolicy {});
        QCOMPARE(runs.size(), std::size_t(1));
        QVERIFY(!runs[0].terminated);
        QVERIFY(model.workingSetBytes(runs, kMidnight + 29 * kDayMs));
    }

    void flatContainerOverItsLimitLoops()
    {
        // A base above the limit: killed at the first check of every run (CrashLoop, as a real one).
        const ContainerMemoryModel model(7, spec("base=600Mi noise=0", 512 * kMi));
        const auto runs = model.runs(kMidnight, kMidnight + kHourMs, RunPolicy {});
        QVERIFY(runs.size() > 100);
        QCOMPARE(runs[0].finishedMs, kMidnight);
        QCOMPARE(QString::fromStdString(runs.back().reason), QStringLiteral("OOMKilled"));
    }

    void gcTeethStayWithinTheirBand_data()
    {
        QTest::addColumn<qint64>("base");
        QTest::addColumn<qint64>("height");
        QTest::addColumn<qint64>("periodMs");
        QTest::newRow("80Mi every 3m") << 500 * kMi << 80 * kMi << qint64(3 * kMinuteMs);
        QTest::newRow("20Mi every 30s") << 128 * kMi << 20 * kMi << qint64(30 * kSecondMs);
        QTest::newRow("1Gi every 1h") << 2048 * kMi << 1024 * kMi << qint64(kHourMs);
    }
    void gcTeethStayWithinTheirBand()
    {
        QFETCH(qint64, base);
        QFETCH(qint64, height);
        QFETCH(qint64, periodMs);
        const QString annotation = QStringLiteral("base=%1 gc=%2/%3ms noise=0").arg(base).arg(height).arg(periodMs);
        const ContainerMemoryModel model(3, spec(annotation, std::nullopt));
        const auto runs = model.runs(kMidnight, kMidnight + kDayMs, RunPolicy {});
        double low = 1e300;
        double high = 0;
        int drops = 0;
        double previous = -1;
        const qint64 step = periodMs / 20;
        const qint64 span = 10 * periodMs;
        for (qint64 t = kMidnight; t < kMidnight + span; t += step) {
            const double v = *model.workingSetBytes(runs, t);
            low = std::min(low, v);
            high = std::max(high, v);
            if (previous >= 0 && v < previous - height / 2)
                ++drops;
            previous = v;
        }
        QVERIFY2(low >= double(base) - 1 && high < double(base + height),
            qPrintable(QStringLiteral("%1..%2").arg(low).arg(high)));
        QVERIFY(high - low > 0.8 * double(height)); // the band is used, not just bounded
        QVERIFY2(drops >= 9 && drops <= 10, qPrintable(QString::number(drops))); // one collection per period
    }

    void followTrafficRisesAndFallsWithTheDay()
    {
        const qint64 base = 200 * kMi;
        const qint64 extra = 300 * kMi;
        const ContainerMemoryModel model(5, spec("base=200Mi follow-traffic=300Mi noise=0", std::nullopt, 0.5));
        const auto runs = model.runs(kMidnight - kDayMs, kMidnight + 2 * kDayMs, RunPolicy {});
        auto at = [&](qint64 hour) { return *model.workingSetBytes(runs, kMidnight + hour * kHourMs); };
        QCOMPARE(at(12), double(base + extra)); // all of it at the noon peak
        QCOMPARE(at(0), std::round(double(base) + double(extra) * 0.5 / 1.5)); // a third at midnight
        QCOMPARE(at(24), at(0)); // a daily cycle
        for (qint64 h = 0; h < 12; ++h)
            QVERIFY2(at(h) < at(h + 1), qPrintable(QString::number(h))); // rises in the morning
        for (qint64 h = 12; h < 24; ++h)
            QVERIFY2(at(h) > at(h + 1), qPrintable(QString::number(h))); // falls in the evening
        // Without a diurnal swing the traffic is flat, and so is the memory.
        const ContainerMemoryModel flat(5, spec("base=200Mi follow-traffic=300Mi noise=0", std::nullopt, 0.0));
        const auto flatRuns = flat.runs(kMidnight, kMidnight + kDayMs, RunPolicy {});
        QCOMPARE(*flat.workingSetBytes(flatRuns, kMidnight + 3 * kHourMs),
            *flat.workingSetBytes(flatRuns, kMidnight + 15 * kHourMs));
    }

    void warmUpLevelsOff_data()
    {
        QTest::addColumn<QString>("memory");
        QTest::addColumn<qint64>("base");
        QTest::addColumn<qint64>("warmupMs");
        QTest::newRow("10 minutes") << "base=400Mi warmup=10m noise=0" << 400 * kMi << qint64(10 * kMinuteMs);
        QTest::newRow("90 seconds") << "base=1Gi warmup=90s noise=0" << 1024 * kMi << qint64(90 * kSecondMs);
    }
    void warmUpLevelsOff()
    {
        QFETCH(QString, memory);
        QFETCH(qint64, base);
        QFETCH(qint64, warmupMs);
        const ContainerMemoryModel model(11, spec(memory, std::nullopt));
        const qint64 start = kMidnight + 7 * kSecondMs;
        const auto runs = model.runs(start, start + kDayMs, RunPolicy {});
        const double first = *model.workingSetBytes(runs, start);
        QVERIFY(std::abs(first - 0.25 * double(base)) < 0.01 * double(base)); // starts low
        double previous = first;
        for (qint64 t = start + warmupMs / 10; t <= start + warmupMs; t += warmupMs / 10) {
            const double v = *model.workingSetBytes(runs, t);
            QVERIFY(v > previous); // rises through the warm-up
            previous = v;
        }
        QVERIFY(previous > 0.99 * double(base)); // all but 1% there at the end of it
        const double later = *model.workingSetBytes(runs, start + 6 * warmupMs);
        QVERIFY(std::abs(later - previous) < 0.01 * double(base)); // and flat from then on
        QVERIFY(later <= double(base));
    }

    void jobsCompleteUnlessKilled_data()
    {
        QTest::addColumn<QString>("memory");
        QTest::addColumn<bool>("restartAfterOom");
        QTest::addColumn<QStringList>("reasons");
        QTest::newRow("grows but completes")
            << "base=200Mi growth=10Mi/m noise=0" << true << QStringList { "Completed" };
        // 40 Mi per minute from 200Mi reaches 1Gi in ~20.6 minutes, before the 30-minute run ends.
        QTest::newRow("killed, restartPolicy Never")
            << "base=200Mi growth=40Mi/m noise=0" << false << QStringList { "OOMKilled" };
        QTest::newRow("killed, restartPolicy OnFailure: again and again")
            << "base=200Mi growth=40Mi/m noise=0" << true
            << QStringList { "OOMKilled", "OOMKilled", "OOMKilled", "" }; // the fourth still running at 65m
    }
    void jobsCompleteUnlessKilled()
    {
        QFETCH(QString, memory);
        QFETCH(bool, restartAfterOom);
        QFETCH(QStringList, reasons);
        const ContainerMemoryModel model(1, spec(memory, 1024 * kMi));
        RunPolicy policy;
        policy.completesAfterMs = 30 * kMinuteMs;
        policy.restartAfterOom = restartAfterOom;
        const auto runs = model.runs(kMidnight, kMidnight + 65 * kMinuteMs, policy);
        QStringList got;
        for (const auto& r : runs)
            got << QString::fromStdString(r.reason);
        QCOMPARE(got, reasons);
        if (reasons == QStringList { "Completed" }) {
            QCOMPARE(runs[0].finishedMs, kMidnight + 30 * kMinuteMs);
            QCOMPARE(runs[0].exitCode, 0);
            QVERIFY(!model.workingSetBytes(runs, kMidnight + 31 * kMinuteMs)); // gone once done
        }
    }

    void valuesArePureFunctionsOfSeedAndTime()
    {
        const auto s = spec("base=300Mi growth=60Mi/h noise=10Mi gc=50Mi/2m follow-traffic=80Mi", 2048 * kMi, 0.4);
        const ContainerMemoryModel a(42, s);
        const ContainerMemoryModel b(42, s);
        const ContainerMemoryModel other(43, s);
        const auto runsA = a.runs(kMidnight, kMidnight + 3 * kDayMs, RunPolicy {});
        const auto runsB = b.runs(kMidnight, kMidnight + 3 * kDayMs, RunPolicy {});
        QCOMPARE(runsA.size(), runsB.size());
        int differs = 0;
        for (qint64 t = kMidnight; t < kMidnight + kHourMs; t += 30 * kSecondMs) {
            QCOMPARE(a.workingSetBytes(runsA, t), b.workingSetBytes(runsB, t));
            differs += a.demandBytes(kMidnight, t) != other.demandBytes(kMidnight, t) ? 1 : 0;
        }
        QVERIFY(differs > 100); // another seed is another cluster
    }
};

QTEST_GUILESS_MAIN(TestContainerMemory)
#include "tst_container_memory.moc"
