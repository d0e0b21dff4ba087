// The grammar of the sim.leakdesk.io annotations: quantities, durations, memory behaviour, traffic,
// runtimes and cron schedules, each with values that must parse and values that must be refused
// with a message naming what is wrong.

#include "core/sandbox/scenario/CronSchedule.h"
#include "core/sandbox/scenario/ScenarioAnnotations.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::sandbox::scenario;

namespace {

constexpr qint64 kKi = 1024;
constexpr qint64 kMi = 1024 * kKi;
constexpr qint64 kGi = 1024 * kMi;

// 2026-03-02T00:00:00Z, a Monday.
constexpr qint64 kMonday = 1772409600000LL;

} // namespace

class TestScenarioAnnotations : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void quantities_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("bytes");
        QTest::newRow("Mi") << "300Mi" << 300 * kMi;
        QTest::newRow("Gi") << "2Gi" << 2 * kGi;
        QTest::newRow("fraction of Gi") << "1.5Gi" << 1536 * kMi;
        QTest::newRow("plain bytes") << "128974848" << qint64(128974848);
        QTest::newRow("decimal M") << "129M" << qint64(129000000);
        QTest::newRow("exponent") << "129e6" << qint64(129000000);
        QTest::newRow("k") << "64k" << qint64(64000);
        QTest::newRow("milli rounds up") << "500m" << qint64(1);
        QTest::newRow("leading plus") << "+1Ki" << kKi;
        QTest::newRow("dot first") << ".5Ki" << qint64(512);
        QTest::newRow("zero") << "0" << qint64(0);
    }
    void quantities()
    {
        QFETCH(QString, text);
        QFETCH(qint64, bytes);
        auto parsed = parseByteQuantity(text.toStdString());
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        QCOMPARE(qint64(*parsed), bytes);
    }

    void badQuantities_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("says");
        QTest::newRow("empty") << ""
                               << "empty";
        QTest::newRow("negative") << "-1Mi"
                                  << "negative";
        QTest::newRow("lower-case mi") << "300mi"
                                       << "unknown suffix";
        QTest::newRow("MB") << "300MB"
                            << "unknown suffix";
        QTest::newRow("no digits") << "Mi"
                                   << "not a quantity";
        QTest::newRow("space inside") << "300 Mi"
                                      << "unknown suffix";
        QTest::newRow("too large") << "9Ei"
                                   << "too large";
        QTest::newRow("huge exponent") << "1e40"
                                       << "too large";
        QTest::newRow("two dots") << "1.2.3Mi"
                                  << "unknown suffix";
    }
    void badQuantities()
    {
        QFETCH(QString, text);
        QFETCH(QString, says);
        auto parsed = parseByteQuantity(text.toStdString());
        QVERIFY(!parsed.ok());
        QVERIFY2(QString::fromStdString(parsed.error().message).contains(says), parsed.error().message.c_str());
    }

    void durations_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("ms");
        QTest::newRow("seconds") << "5s" << qint64(5000);
        QTest::newRow("minutes") << "10m" << qint64(600000);
        QTest::newRow("compound") << "1h30m" << qint64(5400000);
        QTest::newRow("days") << "7d" << qint64(7 * 86400000LL);
        QTest::newRow("milliseconds") << "250ms" << qint64(250);
        QTest::newRow("zero") << "0s" << qint64(0);
    }
    void durations()
    {
        QFETCH(QString, text);
        QFETCH(qint64, ms);
        auto parsed = parseDurationMs(text.toStdString());
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        QCOMPARE(qint64(*parsed), ms);
    }

    void badDurations_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("says");
        QTest::newRow("no unit") << "10"
                                 << "without a unit";
        QTest::newRow("unknown unit") << "3w"
                                      << "unknown unit";
        QTest::newRow("fraction") << "1.5h"
                                  << "unknown unit";
        QTest::newRow("negative") << "-5s"
                                  << "not a duration";
        QTest::newRow("empty") << ""
                               << "empty";
        QTest::newRow("too long") << "500d"
                                  << "too long";
        QTest::newRow("overflowing digits") << "99999999999999s"
                                            << "too long";
    }
    void badDurations()
    {
        QFETCH(QString, text);
        QFETCH(QString, says);
        auto parsed = parseDurationMs(text.toStdString());
        QVERIFY(!parsed.ok());
        QVERIFY2(QString::fromStdString(parsed.error().message).contains(says), parsed.error().message.c_str());
    }

    void memory_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("base");
        QTest::addColumn<double>("growthPerHour");
        QTest::addColumn<qint64>("noise");
        QTest::addColumn<qint64>("gcHeight");
        QTest::addColumn<qint64>("gcPeriod");
        QTest::addColumn<qint64>("follow");
        QTest::addColumn<qint64>("warmup");
        const MemoryBehaviour d;
        QTest::newRow("all keys") << "base=300Mi growth=40Mi/h noise=10Mi gc=80Mi/3m follow-traffic=200Mi warmup=10m"
                                  << 300 * kMi << 40.0 * kMi << 10 * kMi << 80 * kMi << qint64(180000) << 200 * kMi
                                  << qint64(600000);
        QTest::newRow("defaults") << "" << qint64(d.baseBytes) << 0.0 << qint64(d.noiseBytes) << qint64(0) << qint64(0)
                                  << qint64(0) << qint64(0);
        QTest::newRow("growth per 30 minutes is per hour doubled")
            << "growth=5Mi/30m" << qint64(d.baseBytes) << 10.0 * kMi << qint64(d.noiseBytes) << qint64(0) << qint64(0)
            << qint64(0) << qint64(0);
        QTest::newRow("growth per day") << "base=1Gi growth=24Mi/d" << kGi << 1.0 * kMi << qint64(d.noiseBytes)
                                        << qint64(0) << qint64(0) << qint64(0) << qint64(0);
        QTest::newRow("extra spaces and newline")
            << "  base=1Gi\n  noise=0  " << kGi << 0.0 << qint64(0) << qint64(0) << qint64(0) << qint64(0) << qint64(0);
    }
    void memory()
    {
        QFETCH(QString, text);
        auto parsed = parseMemoryBehaviour(text.toStdString());
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        QTEST(qint64(parsed->baseBytes), "base");
        QTEST(parsed->growthBytesPerHour, "growthPerHour");
        QTEST(qint64(parsed->noiseBytes), "noise");
        QTEST(qint64(parsed->gcHeightBytes), "gcHeight");
        QTEST(qint64(parsed->gcPeriodMs), "gcPeriod");
        QTEST(qint64(parsed->followTrafficBytes), "follow");
        QTEST(qint64(parsed->warmupMs), "warmup");
    }

    void badMemory_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("says");
        QTest::newRow("unknown key") << "base=1Gi leak=5Mi/h"
                                     << "unknown key \"leak\"";
        QTest::newRow("not key=value") << "base 1Gi"
                                       << "is not key=value";
        QTest::newRow("key twice") << "base=1Gi base=2Gi"
                                   << "given twice";
        QTest::newRow("empty value") << "noise="
                                     << "no value";
        QTest::newRow("bad quantity") << "base=1GB"
                                      << "unknown suffix";
        QTest::newRow("growth without period") << "growth=40Mi"
                                               << "<quantity>/<duration>";
        QTest::newRow("growth with bad unit") << "growth=40Mi/hour"
                                              << "unknown unit";
        QTest::newRow("gc period zero") << "gc=80Mi/0s"
                                        << "longer than zero";
        QTest::newRow("gc period under a second") << "gc=80Mi/500ms"
                                                  << "at least 1s";
        QTest::newRow("bad warmup") << "warmup=soon"
                                    << "not a duration";
        QTest::newRow("key case matters") << "Base=1Gi"
                                          << "unknown key";
    }
    void badMemory()
    {
        QFETCH(QString, text);
        QFETCH(QString, says);
        auto parsed = parseMemoryBehaviour(text.toStdString());
        QVERIFY(!parsed.ok());
        QVERIFY2(QString::fromStdString(parsed.error().message).contains(says), parsed.error().message.c_str());
    }

    void traffic_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<double>("rps");
        QTest::addColumn<double>("diurnal");
        QTest::addColumn<QString>("error");
        QTest::newRow("both") << "rps=20 diurnal=0.5" << 20.0 << 0.5 << "";
        QTest::newRow("rps only") << "rps=7.25" << 7.25 << 0.0 << "";
        QTest::newRow("diurnal 1") << "diurnal=1 rps=3" << 3.0 << 1.0 << "";
        QTest::newRow("diurnal over 1") << "rps=1 diurnal=1.5" << 0.0 << 0.0 << "outside 0..1";
        QTest::newRow("negative rps") << "rps=-3" << 0.0 << 0.0 << "not a number";
        QTest::newRow("exponent refused") << "rps=1e3" << 0.0 << 0.0 << "not a number";
        QTest::newRow("unknown key") << "qps=3" << 0.0 << 0.0 << "unknown key";
        QTest::newRow("absurd rps") << "rps=5000000" << 0.0 << 0.0 << "more than a pod takes";
    }
    void traffic()
    {
        QFETCH(QString, text);
        QFETCH(QString, error);
        auto parsed = parseTraffic(text.toStdString());
        if (!error.isEmpty()) {
            QVERIFY(!parsed.ok());
            QVERIFY2(QString::fromStdString(parsed.error().message).contains(error), parsed.error().message.c_str());
            return;
        }
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        QTEST(parsed->requestsPerSecond, "rps");
        QTEST(parsed->diurnal, "diurnal");
    }

    void runtimes_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("ok");
        for (const char* r : { "jvm", "node", "go", "python", "none" })
            QTest::newRow(r) << r << true;
        QTest::newRow("upper case") << "JVM" << false;
        QTest::newRow("java") << "java" << false;
        QTest::newRow("empty") << "" << false;
    }
    void runtimes()
    {
        QFETCH(QString, text);
        QFETCH(bool, ok);
        auto parsed = parseRuntime(text.toStdString());
        QCOMPARE(parsed.ok(), ok);
        if (ok)
            QCOMPARE(QString(runtimeName(*parsed)), text);
    }

    void formatsQuantities_data()
    {
        QTest::addColumn<qint64>("bytes");
        QTest::addColumn<QString>("text");
        QTest::newRow("Mi") << 300 * kMi << "300Mi";
        QTest::newRow("Gi") << 4 * kGi << "4Gi";
        QTest::newRow("Ki") << 1536 * kKi << "1536Ki";
        QTest::newRow("odd bytes") << qint64(1000) << "1000";
    }
    void formatsQuantities()
    {
        QFETCH(qint64, bytes);
        QFETCH(QString, text);
        QCOMPARE(QString::fromStdString(formatByteQuantity(bytes)), text);
        QCOMPARE(qint64(*parseByteQuantity(text.toStdString())), bytes); // and back
    }

    void cron_data()
    {
        QTest::addColumn<QString>("schedule");
        QTest::addColumn<qint64>("from");
        QTest::addColumn<qint64>("to");
        QTest::addColumn<QList<qint64>>("expected"); // minutes after Monday 00:00
        const qint64 m = 60000;
        QTest::newRow("every 15 minutes")
            << "*/15 * * * *" << kMonday << kMonday + 60 * m << QList<qint64> { 15, 30, 45, 60 };
        QTest::newRow("at minute 5 hourly")
            << "5 * * * *" << kMonday << kMonday + 130 * m << QList<qint64> { 5, 65, 125 };
        QTest::newRow("range with step") << "10-30/10 2 * * *" << kMonday << kMonday + 180 * m
                                         << QList<qint64> { 130, 140, 150 };
        QTest::newRow("list") << "0,30 0 * * *" << kMonday - 1 << kMonday + 60 * m << QList<qint64> { 0, 30 };
        QTest::newRow("@hourly") << "@hourly" << kMonday << kMonday + 120 * m << QList<qint64> { 60, 120 };
        QTest::newRow("weekdays only: none on Sunday")
            << "0 0 * * 1-5" << kMonday - 2 * 1440 * m << kMonday - 1 << QList<qint64> {};
        QTest::newRow("day 7 is Sunday") << "0 0 * * 7" << kMonday - 2 * 1440 * m << kMonday << QList<qint64> { -1440 };
        QTest::newRow("day of month or weekday") << "0 0 3 * 1" << kMonday - 1 << kMonday + 2 * 1440 * m
                                                 << QList<qint64> { 0, 1440 }; // Monday the 2nd, then the 3rd
    }
    void cron()
    {
        QFETCH(QString, schedule);
        QFETCH(qint64, from);
        QFETCH(qint64, to);
        QFETCH(QList<qint64>, expected);
        auto parsed = parseCronSchedule(schedule.toStdString());
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        QList<qint64> got;
        for (auto t : scheduledTimes(*parsed, from, to, 100))
            got.push_back((t - kMonday) / 60000);
        QCOMPARE(got, expected);
    }

    void badCron_data()
    {
        QTest::addColumn<QString>("schedule");
        QTest::addColumn<QString>("says");
        QTest::newRow("four fields") << "* * * *"
                                     << "not 5";
        QTest::newRow("minute 60") << "60 * * * *"
                                   << "outside 0-59";
        QTest::newRow("step 0") << "*/0 * * * *"
                                << "step of 0";
        QTest::newRow("word") << "every minute"
                              << "not 5";
        QTest::newRow("reversed range") << "* 5-2 * * *"
                                        << "outside 0-23";
        QTest::newRow("month 13") << "* * * 13 *"
                                  << "outside 1-12";
        QTest::newRow("letters") << "a * * * *"
                                 << "not a number";
        QTest::newRow("unknown macro") << "@often"
                                       << "not 5";
    }
    void badCron()
    {
        QFETCH(QString, schedule);
        QFETCH(QString, says);
        auto parsed = parseCronSchedule(schedule.toStdString());
        QVERIFY(!parsed.ok());
        QVERIFY2(QString::fromStdString(parsed.error().message).contains(says), parsed.error().message.c_str());
    }

    void cronKeepsTheLatest()
    {
        auto parsed = parseCronSchedule("* * * * *");
        QVERIFY(parsed.ok());
        const auto times = scheduledTimes(*parsed, kMonday, kMonday + 3600000, 3);
        QCOMPARE(times.size(), std::size_t(3));
        QCOMPARE(qint64(times.back()), kMonday + 3600000);
        QCOMPARE(qint64(times.front()), kMonday + 3600000 - 2 * 60000);
    }
};

QTEST_GUILESS_MAIN(TestScenarioAnnotations)
#include "tst_scenario_annotations.moc"
