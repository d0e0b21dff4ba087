// The sandbox model must show the incident the runbook is about, for every seed and at any time:
// checkout leaks in a sawtooth with >= 3 OOM kills an hour, payments leaks slowly without OOM,
// catalog stabilises within 10 minutes of each start; and it must be deterministic.

#include "core/prometheus/QueryCatalogue.h"
#include "core/sandbox/model/MetricsHistory.h"
#include "core/sandbox/model/SandboxModel.h"

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
        if (m.services()[m.pods()[i].service].name == service && m.pods()[i].replica == replica && !m.pods()[i].former)
            return i;
    return m.pods().size();
}

// The service's pods of the history (not the former ones, gone before it starts).
std::vector<std::size_t> podsOf(const SandboxModel& m, const std::string& service)
{
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < m.pods().size(); ++i)
        if (m.services()[m.pods()[i].service].name == service && !m.pods()[i].former)
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

// A time well inside one container run of `pod`: the run started at least a minute before and goes
// on for at least 15 more minutes (no OOM kill or restart in between).
std::int64_t quietTimeIn(const SandboxModel& m, std::size_t pod, std::int64_t notBefore)
{
    for (const ContainerRun& run : m.pods()[pod].runs) {
        const std::int64_t end = run.terminated ? run.finishedMs : m.horizonEndMs();
        if (run.startedMs >= notBefore && end - run.startedMs >= 20 * kMinuteMs)
            return run.startedMs + kMinuteMs;
    }
    return -1;
}

// A pod IP as an IPv4 address must be: four octets of 0-255.
bool isIpv4(const std::string& ip)
{
    static const std::regex quad(R"((\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}))");
    std::smatch m;
    if (!std::regex_match(ip, m, quad))
        return false;
    for (std::size_t i = 1; i <= 4; ++i)
        if (std::stoi(m[i].str()) > 255)
            return false;
    return true;
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
        // 7 pods, and the 7 they replaced a week before the history starts (Prometheus remembers them).
        QCOMPARE(m.pods().size(), std::size_t(14));
        for (const PodSpec& former : m.pods()) {
            if (!former.former)
                continue;
            const std::string& service = m.services()[former.service].name;
            QVERIFY2(std::regex_match(former.name, std::regex(leakdesk::prometheus::podRegexForWorkload(service))),
                former.name.c_str());
            QVERIFY(former.name != m.pods()[podOf(m, service, former.replica)].name);
            QCOMPARE(former.runs.empty(), false);
        }
        for (const auto& svc : m.services()) {
            const std::regex workloadPods(leakdesk::prometheus::podRegexForWorkload(svc.name));
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
    // Taking a pod out of its ReplicaSet's selector: it keeps running on its own, and the
    // ReplicaSet creates a replacement of the same revision a second later.
    void releasedPodGetsAReplacementInTheSameRevision()
    {
        SandboxModel m(42, kNow);
        const SandboxModel untouched(42, kNow);
        const std::size_t p = podOf(m, "checkout", 0);
        const std::size_t before = m.pods().size();
        QVERIFY(!m.podReleasedAt(p, kNow));

        const std::size_t r = m.releasePod(p, kNow);
        QCOMPARE(r, before);
        QCOMPARE(m.pods().size(), before + 1);
        const PodSpec& released = m.pods()[p];
        const PodSpec& replacement = m.pods()[r];
        QCOMPARE(replacement.service, released.service);
        QCOMPARE(replacement.revision, released.revision);
        QCOMPARE(replacement.createdMs, kNow + kSecondMs);
        QVERIFY(!m.podExistsAt(r, kNow));
        QVERIFY(m.podExistsAt(r, kNow + kSecondMs));
        QVERIFY(!m.podReleasedAt(r, kNow + kSecondMs));
        // A name, uid and IP of its own, in the revision's naming scheme.
        const std::regex workloadPods(leakdesk::prometheus::podRegexForWorkload("checkout"));
        QVERIFY2(std::regex_match(replacement.name, workloadPods), replacement.name.c_str());
        QVERIFY(replacement.name.starts_with("checkout-" + m.revisionOf(p).podTemplateHash + "-"));
        QVERIFY2(isIpv4(replacement.podIp), replacement.podIp.c_str());
        for (std::size_t i = 0; i < before; ++i) {
            QVERIFY(m.pods()[i].name != replacement.name);
            QVERIFY(m.pods()[i].uid != replacement.uid);
            QVERIFY2(m.pods()[i].podIp != replacement.podIp, replacement.podIp.c_str());
        }
        QCOMPARE(m.podIndex(replacement.name), std::optional<std::size_t>(r));
        // The replacement's container starts and runs like any new pod's.
        QVERIFY(!replacement.runs.empty());
        QVERIFY(replacement.runs.front().startedMs > replacement.createdMs);
        QVERIFY(m.containerRunningAt(r, kNow + kMinuteMs));

        // The released pod is out from the release on, and stays out; it is neither deleted nor
        // restarted for it (same runs as in an untouched cluster).
        QCOMPARE(released.released.size(), std::size_t(1));
        QCOMPARE(released.released.front().first, kNow);
        QVERIFY(!released.released.front().second);
        QVERIFY(!m.podReleasedAt(p, kNow - 1));
        QVERIFY(m.podReleasedAt(p, kNow));
        QVERIFY(m.podReleasedAt(p, kNow + 5 * kDayMs));
        QVERIFY(!released.deletedMs);
        QVERIFY(m.podExistsAt(p, kNow + 5 * kDayMs));
        QCOMPARE(released.runs.size(), untouched.pods()[p].runs.size());
        QCOMPARE(m.containerRunningAt(p, kNow + kHourMs), untouched.containerRunningAt(p, kNow + kHourMs));
        QCOMPARE(m.workingSetBytes(p, kNow + kHourMs), untouched.workingSetBytes(p, kNow + kHourMs));
        // Nobody else is touched.
        for (std::size_t i = 0; i < before; ++i)
            if (i != p) {
                QVERIFY(!m.podReleasedAt(i, kNow + kMinuteMs));
                QCOMPARE(m.pods()[i].deletedMs, untouched.pods()[i].deletedMs);
            }
    }

    // Relabelled back: adopted again, and the ReplicaSet, one pod too many, deletes its newest pod
    // (the latest replacement), Terminating for 2 s.
    void adoptedPodCostsTheNewestPodItsLife()
    {
        SandboxModel m(42, kNow);
        const std::size_t p = podOf(m, "checkout", 0);
        const std::size_t q = podOf(m, "checkout", 1);
        const std::size_t r1 = m.releasePod(p, kNow);
        const std::size_t r2 = m.releasePod(q, kNow + 10 * kSecondMs);
        QVERIFY(r1 != r2);
        QVERIFY(m.pods()[r1].name != m.pods()[r2].name);
        QVERIFY(m.pods()[r1].podIp != m.pods()[r2].podIp);

        const std::int64_t back = kNow + 5 * kMinuteMs;
        QCOMPARE(m.adoptPod(p, back), r2); // r2 is the newest, though p's release made r1
        QVERIFY(!m.podReleasedAt(p, back));
        QVERIFY(m.podReleasedAt(p, back - 1));
        QCOMPARE(m.pods()[p].released.size(), std::size_t(1));
        QCOMPARE(m.pods()[p].released.front().second, std::optional<std::int64_t>(back));
        QVERIFY(!m.pods()[p].deletedMs);
        QVERIFY(m.podExistsAt(p, back + kDayMs));
        QCOMPARE(m.pods()[r2].deletedMs, std::optional<std::int64_t>(back + 2 * kSecondMs));
        QVERIFY(m.podExistsAt(r2, back + 2 * kSecondMs - 1));
        QVERIFY(!m.podExistsAt(r2, back + 2 * kSecondMs));
        // Its container got SIGTERM at the deletion and never starts again.
        const ContainerRun& last = m.pods()[r2].runs.back();
        QVERIFY(last.terminated);
        QVERIFY(last.finishedMs <= back + 2 * kSecondMs);
        QVERIFY(!m.containerRunningAt(r2, back + 2 * kSecondMs));
        QVERIFY(!m.pods()[r1].deletedMs);
        QVERIFY(m.podReleasedAt(q, back));

        // q comes back too: now r1 is the newest pod of the ReplicaSet that is not already going.
        const std::int64_t back2 = back + kSecondMs; // while r2 is still Terminating
        QCOMPARE(m.adoptPod(q, back2), r1);
        QCOMPARE(m.pods()[r1].deletedMs, std::optional<std::int64_t>(back2 + 2 * kSecondMs));
        QCOMPARE(m.pods()[r2].deletedMs, std::optional<std::int64_t>(back + 2 * kSecondMs));
        // Back to the replicas the Deployment asks for, the original pods among them.
        int existing = 0;
        for (std::size_t i : podsOf(m, "checkout"))
            existing += m.podExistsAt(i, back2 + kMinuteMs) ? 1 : 0;
        QCOMPARE(existing, m.services()[m.pods()[p].service].replicas);
        QVERIFY(m.podExistsAt(p, back2 + kMinuteMs) && m.podExistsAt(q, back2 + kMinuteMs));
    }

    // Put back within the second before the ReplicaSet creates the replacement: the replacement
    // goes (it is never created), not another pod of the Service; the newest pod put back stays too.
    void adoptedBeforeTheReplacementExistsKeepsEveryPod()
    {
        SandboxModel m(42, kNow);
        const auto pods = podsOf(m, "checkout");
        std::size_t newest = pods.front();
        for (std::size_t i : pods)
            if (m.pods()[i].createdMs > m.pods()[newest].createdMs)
                newest = i;
        const std::size_t r = m.releasePod(newest, kNow);
        QCOMPARE(m.adoptPod(newest, kNow), r);
        QVERIFY(!m.pods()[newest].deletedMs);
        for (std::int64_t t : { kNow, kNow + kSecondMs, kNow + kMinuteMs })
            QVERIFY(!m.podExistsAt(r, t));
        for (std::size_t i : pods)
            QVERIFY2(!m.pods()[i].deletedMs, m.pods()[i].name.c_str());
    }

    // Out of its Service the pod takes no requests: its counters stand still (they are counters:
    // never going down), and grow again once it is back.
    void releasedPodTakesNoTraffic()
    {
        SandboxModel m(42, kNow);
        const std::size_t p = podOf(m, "checkout", 0);
        const std::int64_t t = quietTimeIn(m, p, kNow - 6 * kHourMs);
        QVERIFY(t > 0);
        const std::size_t routes = m.services()[m.pods()[p].service].routes.size();
        QVERIFY(routes > 0);
        const std::int64_t out = t + kMinuteMs;
        const std::int64_t back = t + 6 * kMinuteMs;
        m.releasePod(p, out);
        m.adoptPod(p, back);
        for (std::size_t route = 0; route < routes; ++route) {
            const double atRelease = *m.httpRequestCount(p, route, out);
            QVERIFY(atRelease > *m.httpRequestCount(p, route, t));
            for (std::int64_t at = out; at <= back; at += 15 * kSecondMs) {
                QCOMPARE(*m.httpRequestCount(p, route, at), atRelease);
                QCOMPARE(*m.httpRequestSecondsSum(p, route, at), *m.httpRequestSecondsSum(p, route, out));
            }
            double previous = atRelease;
            for (std::int64_t at = back + 15 * kSecondMs; at <= back + 5 * kMinuteMs; at += 15 * kSecondMs) {
                const double now = *m.httpRequestCount(p, route, at);
                QVERIFY2(now >= previous, qPrintable(QStringLiteral("%1 after %2").arg(now).arg(previous)));
                previous = now;
            }
            QVERIFY(previous > atRelease);
        }
        // The other pods' traffic is not affected.
        const SandboxModel untouched(42, kNow);
        const std::size_t q = podOf(m, "checkout", 1);
        QCOMPARE(m.httpRequestCount(q, 0, back), untouched.httpRequestCount(q, 0, back));
    }

    // A rollout right after a relabel back: the replacement already Terminating goes as it was
    // going (2 s), it does not stand in for one of the old pods the rollout replaces.
    void rolloutDuringTheReplacementsTerminationLetsItGo()
    {
        SandboxModel m(42, kNow);
        const std::size_t service = *m.serviceIndex("checkout");
        const std::size_t p = podOf(m, "checkout", 0);
        const std::size_t r = m.releasePod(p, kNow);
        const std::int64_t back = kNow + kMinuteMs;
        QCOMPARE(m.adoptPod(p, back), r);
        TemplateRevision rev = m.revisions(service).back();
        rev.podTemplateHash = m.templateHash("rollout-after-relabel");
        m.rollOut(service, rev, back + kSecondMs);
        QCOMPARE(m.pods()[r].deletedMs, std::optional<std::int64_t>(back + 2 * kSecondMs));
        // Every pod of the old revision that was serving is replaced one for one, the last one
        // included.
        int oldLeft = 0;
        int newPods = 0;
        for (std::size_t i : podsOf(m, "checkout")) {
            if (!m.podExistsAt(i, back + kHourMs))
                continue;
            (m.pods()[i].revision == 0 ? oldLeft : newPods) += 1;
        }
        QCOMPARE(oldLeft, 0);
        QCOMPARE(newPods, m.services()[service].replicas);
        QVERIFY(m.pods()[p].deletedMs);
    }

    // A rollout replaces the pods of the ReplicaSet, not a pod it has let go of; relabelled back to
    // the old revision, that pod is adopted by a ReplicaSet scaled to 0, which deletes it.
    void rolloutLeavesAReleasedPodAloneAndItsOldReplicaSetDeletesIt()
    {
        SandboxModel m(42, kNow);
        const std::size_t service = *m.serviceIndex("checkout");
        const std::size_t p = podOf(m, "checkout", 0);
        const std::size_t r = m.releasePod(p, kNow);
        TemplateRevision rev = m.revisions(service).back();
        rev.memoryLimitBytes = 4 * kGiB;
        rev.podTemplateHash = m.templateHash("released-pod-test");
        const std::int64_t rollAt = kNow + kMinuteMs;
        const std::size_t newRevision = m.rollOut(service, rev, rollAt);
        QCOMPARE(newRevision, std::size_t(1));

        // Every pod of the old ReplicaSet (the replacement included) goes; the released one stays.
        const std::int64_t later = rollAt + kHourMs;
        QVERIFY(!m.pods()[p].deletedMs);
        QVERIFY(m.podExistsAt(p, later));
        QVERIFY(m.podReleasedAt(p, later));
        QVERIFY(m.pods()[r].deletedMs);
        QVERIFY(!m.podExistsAt(r, later));
        std::vector<std::size_t> newPods;
        for (std::size_t i : podsOf(m, "checkout")) {
            if (i == p)
                continue;
            if (m.podExistsAt(i, later)) {
                QCOMPARE(m.pods()[i].revision, newRevision);
                newPods.push_back(i);
            }
        }
        QCOMPARE(int(newPods.size()), m.services()[service].replicas);

        const std::int64_t back = later + kMinuteMs;
        QCOMPARE(m.adoptPod(p, back), p);
        QVERIFY(!m.podReleasedAt(p, back));
        QCOMPARE(m.pods()[p].deletedMs, std::optional<std::int64_t>(back + 2 * kSecondMs));
        QVERIFY(!m.podExistsAt(p, back + 2 * kSecondMs));
        for (std::size_t i : newPods)
            QVERIFY(!m.pods()[i].deletedMs);
    }
};

QTEST_GUILESS_MAIN(TestSandboxModel)
#include "tst_sandbox_model.moc"
