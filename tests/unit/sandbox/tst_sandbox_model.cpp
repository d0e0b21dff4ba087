// The sandbox model must show the incident the runbook is about, for every seed and at any time:
// checkout leaks in a sawtooth with >= 3 OOM kills an hour, payments leaks slowly without OOM,
// catalog stabilises within 10 minutes of each start; and it must be deterministic.

#include "prometheus/QueryCatalogue.h"
#include "sandbox/MetricsHistory.h"
#include "sandbox/SandboxModel.h"

#include <QTest>

#include <algorithm>
#include <numeric>
#include <regex>

using namespace leakdesk::sandbox;

namespace {

// 2026-03-10T14:23:45Z and two other instants, chosen away from day boundaries and from each other.
constexpr std::int64_t kNow = 1773152625000;

std::size_t podOf(const SandboxModel& m, const std::string& service, int replica)
{
    for (std::size_t i = 0; i < m.pods().size(); ++i)
        if (m.services()[m.pods()[i].service].name == service && m.pods()[i].replica == replica)
            return i;
    return m.pods().size();
}

std::vector<std::size_t> podsOf(const SandboxModel& m, const std::string& service)
{
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < m.pods().size(); ++i)
        if (m.services()[m.pods()[i].service].name == service)
            out.push_back(i);
    return out;
}

// Least-squares slope in bytes per hour.
double slopePerHour(const std::vector<std::pair<std::int64_t, double>>& pts)
{
    const double n = static_cast<double>(pts.size());
    double mt = 0, mv = 0;
    for (const auto& [t, v] : pts) {
        mt += static_cast<double>(t) / n;
        mv += v / n;
    }
    double num = 0, den = 0;
    for (const auto& [t, v] : pts) {
        num += (static_cast<double>(t) - mt) * (v - mv);
        den += (static_cast<double>(t) - mt) * (static_cast<double>(t) - mt);
    }
    return num / den * static_cast<double>(kHourMs);
}

} // namespace

class TestSandboxModel : public QObject {
    Q_OBJECT
    static void incidentRows()
    {
        QTest::addColumn<quint64>("seed");
        QTest::addColumn<qint64>("now");
        QTest::newRow("seed 42") << quint64(42) << qint64(kNow);
        QTest::newRow("seed 7, 9 h later") << quint64(7) << qint64(kNow + 9 * kHourMs + 17 * kMinuteMs);
        QTest::newRow("seed 123456789, next day") << quint64(123456789) << qint64(kNow + 26 * kHourMs);
        QTest::newRow("seed 0, 3 days running") << quint64(0) << qint64(kNow + 3 * kDayMs + 5 * kMinuteMs);
    }

private Q_SLOTS:
    void checkoutIsOomKilledAtLeastThreeTimesAnHour_data() { incidentRows(); }
    void checkoutIsOomKilledAtLeastThreeTimesAnHour()
    {
        QFETCH(quint64, seed);
        QFETCH(qint64, now);
        const SandboxModel m(seed, kNow);
        // Every hour-long window of the last week, not only the last one.
        for (std::int64_t end = now - SandboxModel::kHistoryMs + kHourMs; end <= now; end += 7 * kMinuteMs) {
            const auto kills = m.oomKillsBetween(end - kHourMs, end);
            int checkoutKills = 0;
            for (const auto& k : kills) {
                QCOMPARE(m.services()[m.pods()[k.pod].service].name, std::string("checkout"));
                ++checkoutKills;
            }
            QVERIFY2(checkoutKills >= 3,
                qPrintable(QStringLiteral("only %1 kills in the hour up to %2").arg(checkoutKills).arg(end)));
        }
        // Each kill is a restart in the same pod, with restartCount and the OOM counter following.
        for (std::size_t p : podsOf(m, "checkout")) {
            const int before = m.restartCountAt(p, now - kHourMs);
            const int after = m.restartCountAt(p, now);
            QVERIFY(after > before);
            QCOMPARE(m.oomKillCountAt(p, now), m.restartCountAt(p, now) + (m.containerRunningAt(p, now) ? 0 : 1));
            const ContainerRun* last = m.lastTerminatedAt(p, now);
            QVERIFY(last);
            QCOMPARE(last->reason, std::string("OOMKilled"));
            QCOMPARE(last->exitCode, 137);
        }
    }

    void checkoutMemoryIsASawtoothUpToTheLimit_data() { incidentRows(); }
    void checkoutMemoryIsASawtoothUpToTheLimit()
    {
        QFETCH(quint64, seed);
        QFETCH(qint64, now);
        const SandboxModel m(seed, kNow);
        const double limit = 2.0 * kGiB;
        for (std::size_t p : podsOf(m, "checkout")) {
            int drops = 0;
            double peak = 0;
            std::optional<double> prev;
            int rises = 0;
            int steps = 0;
            for (std::int64_t t = MetricsHistory::gridFloor(now - 3 * kHourMs); t <= now;
                 t += SandboxModel::kScrapeIntervalMs) {
                const auto v = m.workingSetBytes(p, t);
                if (!v)
                    continue;
                QVERIFY(*v <= limit);
                peak = std::max(peak, *v);
                if (prev) {
                    ++steps;
                    if (*v < *prev - 0.5 * limit)
                        ++drops;
                    else if (*v > *prev)
                        ++rises;
                }
                prev = v;
            }
            QVERIFY2(drops >= 3, qPrintable(QStringLiteral("%1 drops in 3 h").arg(drops)));
            QVERIFY(peak > 0.95 * limit);
            // Grows between the drops: most steps go up (noise makes a few go down).
            QVERIFY(rises > steps * 0.7);
        }
    }

    void paymentsLeaksSlowlyWithoutOom_data() { incidentRows(); }
    void paymentsLeaksSlowlyWithoutOom()
    {
        QFETCH(quint64, seed);
        QFETCH(qint64, now);
        const SandboxModel m(seed, kNow);
        for (std::size_t p : podsOf(m, "payments")) {
            std::vector<std::pair<std::int64_t, double>> pts;
            double highest = 0;
            for (std::int64_t t = now - SandboxModel::kHistoryMs; t <= now; t += 10 * kMinuteMs) {
                const auto v = m.workingSetBytes(p, t);
                QVERIFY(v);
                pts.emplace_back(t, *v);
                highest = std::max(highest, *v);
            }
            const double slope = slopePerHour(pts);
            QVERIFY2(slope > 2.0 * kMiB && slope < 6.0 * kMiB, qPrintable(QString::number(slope / kMiB)));
            QVERIFY(highest < 0.6 * 3.0 * kGiB);
            QCOMPARE(m.restartCountAt(p, now), 0);
            QVERIFY(!m.lastTerminatedAt(p, now));
        }
        for (const auto& k : m.oomKillsBetween(now - SandboxModel::kHistoryMs, now))
            QVERIFY(m.services()[m.pods()[k.pod].service].name != "payments");
    }

    void catalogStabilisesWithinTenMinutesOfEachStart_data() { incidentRows(); }
    void catalogStabilisesWithinTenMinutesOfEachStart()
    {
        QFETCH(quint64, seed);
        QFETCH(qint64, now);
        const SandboxModel m(seed, kNow);
        int startsChecked = 0;
        for (std::size_t p : podsOf(m, "catalog")) {
            for (const ContainerRun& run : m.pods()[p].runs) {
                if (run.startedMs < now - SandboxModel::kHistoryMs || run.startedMs + kHourMs > now)
                    continue;
                ++startsChecked;
                const double atStart = *m.workingSetBytes(p, run.startedMs + kSecondMs);
                std::vector<std::pair<std::int64_t, double>> settled;
                for (std::int64_t t = run.startedMs + 10 * kMinuteMs; t <= run.startedMs + kHourMs;
                     t += SandboxModel::kScrapeIntervalMs)
                    settled.emplace_back(t, *m.workingSetBytes(p, t));
                const double settledMean = std::accumulate(settled.begin(), settled.end(), 0.0,
                                               [](double a, const auto& pt) { return a + pt.second; })
                    / static_cast<double>(settled.size());
                // Rises after the start ...
                QVERIFY(settledMean - atStart > 100.0 * kMiB);
                // ... and is flat from minute 10 on: the trend over the next 50 minutes is noise.
                QVERIFY2(std::abs(slopePerHour(settled)) < 4.0 * kMiB,
                    qPrintable(QString::number(slopePerHour(settled) / kMiB)));
                QVERIFY(std::abs(settled.front().second - settledMean) < 0.03 * settledMean);
            }
        }
        QVERIFY2(startsChecked >= 2, "catalog needs restarts within the last week to show its stabilisation");
    }

    void sameSeedGivesTheSameClusterAllDay()
    {
        const SandboxModel a(42, kNow);
        const SandboxModel b(42, kNow + 3 * kHourMs); // another process started later the same day
        const SandboxModel c(43, kNow);
        QCOMPARE(a.pods().size(), b.pods().size());
        bool anyDifferentFromOtherSeed = false;
        for (std::size_t p = 0; p < a.pods().size(); ++p) {
            QCOMPARE(a.pods()[p].name, b.pods()[p].name);
            anyDifferentFromOtherSeed = anyDifferentFromOtherSeed || a.pods()[p].name != c.pods()[p].name;
            for (std::int64_t t = kNow - 2 * kDayMs; t <= kNow; t += 17 * kMinuteMs + 30 * kSecondMs) {
                QCOMPARE(a.workingSetBytes(p, t), b.workingSetBytes(p, t));
                QCOMPARE(a.restartCountAt(p, t), b.restartCountAt(p, t));
            }
        }
        QVERIFY(anyDifferentFromOtherSeed);
    }

    void podNamesLookReal()
    {
        const SandboxModel m(42, kNow);
        QCOMPARE(m.pods().size(), std::size_t(7));
        for (const auto& svc : m.services()) {
            const std::regex workloadPods(leakdesk::prom::podRegexForWorkload(svc.name));
            const auto pods = podsOf(m, svc.name);
            QVERIFY(pods.size() >= 2 && pods.size() <= 3);
            for (std::size_t p : pods) {
                QVERIFY2(std::regex_match(m.pods()[p].name, workloadPods), m.pods()[p].name.c_str());
                QCOMPARE(m.pods()[p].name.size(), svc.name.size() + 1 + 10 + 1 + 5);
            }
        }
        QVERIFY(podOf(m, "checkout", 0) < m.pods().size());
    }

    void historyHasRealSeriesAndCadvisorExtras()
    {
        const SandboxModel m(42, kNow);
        const MetricsHistory h(m);
        const std::size_t p = podOf(m, "checkout", 0);
        int containerSeries = 0;
        for (const RawSeries& s : h.series()) {
            if (s.metric != "container_memory_working_set_bytes" || s.pod != p)
                continue;
            ++containerSeries;
            const auto v = h.sampleAt(s, MetricsHistory::gridFloor(kNow));
            QVERIFY(v);
            if (s.labels.at("container") == "POD")
                QVERIFY(*v < 1.0 * kMiB);
            else if (s.labels.at("container").empty())
                QVERIFY(*v > *m.workingSetBytes(p, MetricsHistory::gridFloor(kNow)));
        }
        QCOMPARE(containerSeries, 3);
    }
};

QTEST_GUILESS_MAIN(TestSandboxModel)
#include "tst_sandbox_model.moc"
