// analyseMemory() on whole services shaped like the sandbox's: checkout (sawtooth with OOM kills),
// payments (slow linear leak), catalog (settles within minutes), plus the awkward inputs real
// clusters give: missed scrapes, counter resets, renamed pods, too little data.
#include "CorpusShapes.h"
#include "core/analysis/MemoryAnalysis.h"

#include <QTest>

#include <algorithm>
#include <cmath>

using namespace leakdesk;
using namespace leakdesk::analysis;
using namespace leakdesk::test;

namespace {

const TimeRange kTwoHours { kT0, kT0 + 2 * kHour };

MemoryInputs checkoutInputs(std::int64_t windowMs, bool withGapAndReset)
{
    MemoryInputs in;
    in.service = "checkout";
    in.window = TimeRange { kT0, kT0 + windowMs };
    in.sources.memory = "sum by (pod) (container_memory_working_set_bytes{container!=\"\",container!=\"POD\"})";
    in.sources.restarts = "sum by (pod) (kube_pod_container_status_restarts_total)";
    const char* names[] = { "checkout-7d9f8b6c4-abcde", "checkout-7d9f8b6c4-fghij", "checkout-7d9f8b6c4-klmno" };
    for (int i = 0; i < 3; ++i) {
        SawtoothPod p = sawtoothPod(in.window.startMs, in.window.endMs, 100 + i, i / 3.0);
        PodMemoryInput pod;
        pod.pod = names[i];
        pod.memory = std::move(p.memory);
        pod.restartCounter = std::move(p.restarts);
        pod.limitBytes = 2 * GiB;
        in.pods.push_back(std::move(pod));
    }
    if (withGapAndReset) {
        // Pod 0 misses 6 minutes of scrapes; pod 1's restart counter resets (kube-state-metrics
        // lost the series) at 50 minutes and starts counting from 0 again.
        punchGap(in.pods[0].memory, kT0 + 40 * kMinute, kT0 + 46 * kMinute);
        punchGap(in.pods[0].restartCounter, kT0 + 40 * kMinute, kT0 + 46 * kMinute);
        double offset = -1;
        for (Sample& s : in.pods[1].restartCounter) {
            if (s.tMs >= kT0 + 50 * kMinute) {
                if (offset < 0)
                    offset = s.value;
                s.value -= offset;
            }
        }
    }
    return in;
}

MemoryInputs paymentsInputs(std::int64_t windowMs)
{
    MemoryInputs in;
    in.service = "payments";
    in.window = TimeRange { kT0, kT0 + windowMs };
    for (int i = 0; i < 2; ++i) {
        PodMemoryInput pod;
        pod.pod = "payments-5c6d7e8f9-" + std::string(1, char('p' + i)) + "xyzw";
        // Running for days already; 4 MiB/h on ~420 MiB with 3 MiB of scrape noise.
        pod.memory = linearPod(in.window.startMs, in.window.endMs, (410 + 20 * i) * MiB, 4 * MiB, 3 * MiB, 200 + i);
        pod.limitBytes = 1 * GiB;
        pod.restartCounter = sampled(in.window.startMs, in.window.endMs, 30'000, [](std::int64_t) { return 0.0; });
        in.pods.push_back(std::move(pod));
    }
    return in;
}

std::vector<Sample> cleanStart(std::vector<Sample> s, std::int64_t fromMs)
{
    std::erase_if(s, [&](const Sample& x) { return x.tMs < fromMs; });
    return s;
}

MemoryInputs catalogInputs(bool startsInWindow)
{
    MemoryInputs in;
    in.service = "catalog";
    in.window = kTwoHours;
    for (int i = 0; i < 3; ++i) {
        PodMemoryInput pod;
        pod.pod = "catalog-6b5a4c3d2-" + std::string(1, char('a' + i)) + "bcde";
        // Started 5-15 minutes into the window (a rollout), rises ~250 MiB with a 2 min time
        // constant, then only noise. Or: started long before, flat.
        const std::int64_t start = startsInWindow ? kT0 + (5 + 5 * i) * kMinute : kT0 - 3 * kHour;
        pod.memory = cleanStart(
            settlingPod(start, in.window.endMs, 150 * MiB, (380 + 10 * i) * MiB, 2 * kMinute, 4 * MiB, 300 + i),
            in.window.startMs);
        pod.limitBytes = 1 * GiB;
        in.pods.push_back(std::move(pod));
    }
    return in;
}

} // namespace

class TestMemoryVerdict : public QObject {
    Q_OBJECT
private:
    static bool hasEvidence(const Verdict& v, const std::string& topic, const std::string& needle = {})
    {
        return std::any_of(v.evidence.begin(), v.evidence.end(), [&](const Evidence& e) {
            return e.topic == topic && (needle.empty() || e.sentence.find(needle) != std::string::npos);
        });
    }
    static std::string dump(const Verdict& v)
    {
        std::string s = std::string(patternName(v.pattern)) + ": " + v.summary + "\n";
        for (const Evidence& e : v.evidence)
            s += "  [" + e.topic + "] " + e.sentence + "\n";
        return s;
    }

private Q_SLOTS:
    void checkoutIsSawtooth_data()
    {
        QTest::addColumn<qint64>("windowMs");
        QTest::addColumn<bool>("gapAndReset");
        QTest::newRow("1 h, clean") << qint64(kHour) << false;
        QTest::newRow("2 h, clean") << qint64(2 * kHour) << false;
        QTest::newRow("2 h, gap and counter reset") << qint64(2 * kHour) << true;
        QTest::newRow("6 h, gap and counter reset") << qint64(6 * kHour) << true;
    }
    void checkoutIsSawtooth()
    {
        QFETCH(qint64, windowMs);
        QFETCH(bool, gapAndReset);
        const Verdict v = analyseMemory(checkoutInputs(windowMs, gapAndReset));
        QVERIFY2(v.pattern == Pattern::Sawtooth, dump(v).c_str());
        QVERIFY(v.leak);
        QVERIFY(v.confidence >= 0.6 && v.confidence <= 1.0);
        QVERIFY(v.periodMs);
        QVERIFY2(*v.periodMs >= 15 * kMinute && *v.periodMs <= 20 * kMinute, dump(v).c_str());
        QVERIFY(v.amplitudeBytes);
        QVERIFY2(std::abs(*v.amplitudeBytes - (2 * GiB - 300 * MiB)) < 200 * MiB, dump(v).c_str());
        // ~1.7 GiB in 15-20 minutes is 5-7 GiB/h.
        QVERIFY(v.slopeBytesPerHour);
        QVERIFY(*v.slopeBytesPerHour > 4.5 * GiB && *v.slopeBytesPerHour < 7.5 * GiB);
        QCOMPARE(v.stabilisedWithin10min, std::optional<bool>(false));
        QVERIFY(v.restartRuleMet);
        QVERIFY(v.maxRestartsPerOomWindow >= 3);
        QVERIFY(hasEvidence(v, "sawtooth", "grow-then-drop"));
        QVERIFY(hasEvidence(v, "oom-rate", "more than 2"));
        QVERIFY2(hasEvidence(v, "stabilisation", "levels off in none of the"), dump(v).c_str());
        for (const PodAnalysis& pa : v.pods) {
            QVERIFY(pa.projection);
            QVERIFY(pa.projection->state == ProjectionState::Projected
                || pa.projection->state == ProjectionState::AtOrAboveLimit);
            QVERIFY(!pa.projection->hoursToLimit || *pa.projection->hoursToLimit < 0.4);
        }
        if (gapAndReset) {
            QVERIFY(hasEvidence(v, "data", "gap"));
            QVERIFY(hasEvidence(v, "data", "counter reset"));
            // The reset must not invent or lose restarts: pod 1 restarts as often as the others.
            QVERIFY(qint64(v.pods[1].restarts.size()) >= windowMs / (20 * kMinute) - 1);
        }
        for (const Evidence& e : v.evidence)
            QVERIFY2(e.window.endMs >= e.window.startMs && !e.sentence.empty(), e.sentence.c_str());
    }

    void longPeriodSawtoothInOneHour()
    {
        // OOM kills every 38-51 minutes: an hour holds one drop or two per pod, so mostly
        // incomplete cycles; across three pods the grow-then-drop still repeats.
        MemoryInputs in;
        in.window = TimeRange { kT0, kT0 + kHour };
        for (int i = 0; i < 3; ++i) {
            SawtoothPod p
                = sawtoothPod(in.window.startMs, in.window.endMs, 500 + i, 0.3 + 0.25 * i, 30'000, 5 * MiB, 38, 13);
            PodMemoryInput pod;
            pod.pod = "checkout-66f7d8c9b-" + std::to_string(i) + "abcd";
            pod.memory = std::move(p.memory);
            pod.restartCounter = std::move(p.restarts);
            pod.limitBytes = 2 * GiB;
            in.pods.push_back(std::move(pod));
        }
        const Verdict v = analyseMemory(in);
        QVERIFY2(v.pattern == Pattern::Sawtooth, dump(v).c_str());
        QVERIFY(v.leak);
        QCOMPARE(v.stabilisedWithin10min, std::optional<bool>(false));
        QVERIFY(*v.slopeBytesPerHour > 1.5 * GiB && *v.slopeBytesPerHour < 3 * GiB);
    }

    void restartsFoundWithoutCounter()
    {
        // kube-state-metrics missing: the memory drops alone still show the restarts.
        MemoryInputs in = checkoutInputs(2 * kHour, false);
        std::vector<std::int64_t> kills;
        for (PodMemoryInput& p : in.pods)
            p.restartCounter.clear();
        const Verdict v = analyseMemory(in);
        QCOMPARE(v.pattern, Pattern::Sawtooth);
        for (const PodAnalysis& pa : v.pods) {
            QVERIFY(pa.restarts.size() >= 5);
            for (const RestartEvent& r : pa.restarts)
                QVERIFY(r.fromMemoryDrop && !r.fromCounter);
        }
    }

    void restartTimesMatchTheKills()
    {
        const std::int64_t window = 2 * kHour;
        SawtoothPod truth = sawtoothPod(kT0, kT0 + window, 100, 0.0);
        const Verdict v = analyseMemory(checkoutInputs(window, false));
        const PodAnalysis& pa = v.pods[0];
        QCOMPARE(pa.restarts.size(), truth.killTimesMs.size());
        for (std::size_t i = 0; i < truth.killTimesMs.size(); ++i) {
            QVERIFY(pa.restarts[i].fromCounter && pa.restarts[i].fromMemoryDrop);
            QVERIFY(pa.restarts[i].tMs >= truth.killTimesMs[i]);
            QVERIFY(pa.restarts[i].tMs - truth.killTimesMs[i] <= 30'000); // within one scrape
        }
    }

    void paymentsIsSteadyGrowth_data()
    {
        QTest::addColumn<qint64>("windowMs");
        QTest::newRow("1 h") << qint64(kHour);
        QTest::newRow("6 h") << qint64(6 * kHour);
        QTest::newRow("24 h") << qint64(24 * kHour);
    }
    void paymentsIsSteadyGrowth()
    {
        QFETCH(qint64, windowMs);
        const Verdict v = analyseMemory(paymentsInputs(windowMs));
        QVERIFY2(v.pattern == Pattern::SteadyGrowth, dump(v).c_str());
        QVERIFY(v.leak);
        QVERIFY(v.slopeBytesPerHour);
        const double tolerance = windowMs >= 6 * kHour ? 0.3 * MiB : 1.5 * MiB;
        QVERIFY2(std::abs(*v.slopeBytesPerHour - 4 * MiB) < tolerance, dump(v).c_str());
        QVERIFY(*v.slopeLowBytesPerHour > 0);
        QVERIFY(*v.slopeLowBytesPerHour <= *v.slopeBytesPerHour && *v.slopeBytesPerHour <= *v.slopeHighBytesPerHour);
        QCOMPARE(v.stabilisedWithin10min, std::optional<bool>(false));
        QVERIFY(!v.restartRuleMet);
        QCOMPARE(v.restartsInWindow, 0);
        QVERIFY(v.confidence > 0.5);
        QVERIFY(hasEvidence(v, "growth", "is growing at"));
        // ~430 MiB to 1 GiB at 4 MiB/h: well over a hundred hours away.
        for (const PodAnalysis& pa : v.pods) {
            QCOMPARE(pa.projection->state, ProjectionState::Projected);
            QVERIFY(*pa.projection->hoursToLimit > 100 && *pa.projection->hoursToLimit < 200);
        }
    }

    void catalogIsStable_data()
    {
        QTest::addColumn<bool>("startsInWindow");
        QTest::newRow("pods started in the window") << true;
        QTest::newRow("pods running before the window") << false;
    }
    void catalogIsStable()
    {
        QFETCH(bool, startsInWindow);
        const Verdict v = analyseMemory(catalogInputs(startsInWindow));
        QVERIFY2(v.pattern == Pattern::Stable, dump(v).c_str());
        QVERIFY(!v.leak);
        QVERIFY2(v.stabilisedWithin10min == std::optional<bool>(true), dump(v).c_str());
        QVERIFY(v.confidence > 0.5);
        QVERIFY(!v.periodMs);
        QVERIFY2(!startsInWindow || hasEvidence(v, "stabilisation", "levels off in all"), dump(v).c_str());
        QVERIFY(hasEvidence(v, "stabilisation"));
        for (const PodAnalysis& pa : v.pods) {
            QCOMPARE(pa.trend, Trend::Flat);
            QCOMPARE(pa.projection->state, ProjectionState::NotGrowing);
            QVERIFY(pa.restarts.empty());
        }
    }

    // One pod of two: a barely significant drift (noise over three hours, as the sandbox's catalog
    // showed on the real-Prometheus test) leaves the service stable; a clear leak in one of two
    // pods is growth.
    void tieOfGrowingAndFlatPods_data()
    {
        QTest::addColumn<double>("driftPerHour");
        QTest::addColumn<double>("noise");
        QTest::addColumn<bool>("leak");
        // Both drifts are significant (the band excludes zero: a plain majority vote would call
        // them growth); only the tight one is.
        QTest::newRow("noisy drift on one pod") << 0.6 * MiB << 3.0 * MiB << false;
        QTest::newRow("tight drift on one pod") << 0.8 * MiB << 1.0 * MiB << true;
        QTest::newRow("clear leak on one pod") << 20.0 * MiB << 1.0 * MiB << true;
    }
    void tieOfGrowingAndFlatPods()
    {
        QFETCH(double, driftPerHour);
        QFETCH(double, noise);
        QFETCH(bool, leak);
        MemoryInputs in;
        in.service = "catalog";
        in.window = TimeRange { kT0, kT0 + 3 * kHour };
        for (int i = 0; i < 2; ++i) {
            PodMemoryInput pod;
            pod.pod = "catalog-6b5a4c3d2-" + std::string(1, char('a' + i)) + "bcde";
            pod.memory
                = linearPod(in.window.startMs, in.window.endMs, 310 * MiB, i == 0 ? driftPerHour : 0.0, noise, 500 + i);
            pod.limitBytes = 1 * GiB;
            in.pods.push_back(std::move(pod));
        }
        const Verdict v = analyseMemory(in);
        QVERIFY2(v.leak == leak, dump(v).c_str());
        QVERIFY2(v.pattern == (leak ? Pattern::SteadyGrowth : Pattern::Stable), dump(v).c_str());
    }

    // The sandbox's shapes over many seeds: a slow leak on a large level with uniform scrape noise
    // must still be growth, and flat-with-noise must never be. Guards the flat rule's thresholds.
    void verdictsHoldAcrossSeeds_data()
    {
        QTest::addColumn<int>("seed");
        for (int seed = 1; seed <= 12; ++seed)
            QTest::addRow("seed %d", seed) << seed;
    }
    void verdictsHoldAcrossSeeds()
    {
        QFETCH(int, seed);
        const TimeRange window { kT0, kT0 + 6 * kHour };
        MemoryInputs slow, flat;
        slow.window = flat.window = window;
        for (int i = 0; i < 2; ++i) {
            SeededNoise noise(std::uint64_t(seed) * 131 + std::uint64_t(i));
            PodMemoryInput a;
            a.pod = "payments-" + std::to_string(i);
            // 3.5 MiB/h on ~1.25 GiB with +-12 MiB uniform noise (the sandbox's payments).
            a.memory = sampled(window.startMs, window.endMs, 30'000, [&](std::int64_t t) {
                return 1.25 * GiB + 3.5 * MiB * double(t - kT0) / 3.6e6 + 12 * MiB * (2 * noise.uniform() - 1);
            });
            slow.pods.push_back(a);
            PodMemoryInput b;
            b.pod = "catalog-" + std::to_string(i);
            b.memory = sampled(window.startMs, window.endMs, 30'000,
                [&](std::int64_t) { return 420 * MiB + 3 * MiB * (2 * noise.uniform() - 1); });
            flat.pods.push_back(b);
        }
        const Verdict vs = analyseMemory(slow);
        QVERIFY2(vs.pattern == Pattern::SteadyGrowth, dump(vs).c_str());
        QVERIFY(std::abs(*vs.slopeBytesPerHour - 3.5 * MiB) < 0.5 * MiB);
        const Verdict vf = analyseMemory(flat);
        QVERIFY2(vf.pattern == Pattern::Stable, dump(vf).c_str());
        QCOMPARE(vf.stabilisedWithin10min, std::optional<bool>(true));
    }

    void catalogWithoutWarmUpIsNotStabilised()
    {
        // Judged from the first minute the start-up rise counts as growth: the warm-up matters.
        AnalysisParams p;
        p.stability.warmUpMs = 0;
        MemoryInputs in = catalogInputs(true);
        in.window = TimeRange { kT0, kT0 + 30 * kMinute };
        const Verdict v = analyseMemory(in, p);
        QCOMPARE(v.stabilisedWithin10min, std::optional<bool>(false));
    }

    void notEnoughData_data()
    {
        QTest::addColumn<int>("pods");
        QTest::addColumn<int>("points");
        QTest::addColumn<qint64>("stepMs");
        QTest::newRow("no pods") << 0 << 0 << qint64(30'000);
        QTest::newRow("empty series") << 2 << 0 << qint64(30'000);
        QTest::newRow("five points") << 1 << 5 << qint64(30'000);
        QTest::newRow("many points, 4 minutes") << 2 << 50 << qint64(5'000);
    }
    void notEnoughData()
    {
        QFETCH(int, pods);
        QFETCH(int, points);
        QFETCH(qint64, stepMs);
        MemoryInputs in;
        in.service = "tiny";
        for (int i = 0; i < pods; ++i) {
            PodMemoryInput pod;
            pod.pod = "tiny-" + std::to_string(i);
            for (int k = 0; k < points; ++k)
                pod.memory.push_back(Sample { kT0 + k * stepMs, 100 * MiB + k * 10 * MiB });
            in.pods.push_back(pod);
        }
        const Verdict v = analyseMemory(in);
        QCOMPARE(v.pattern, Pattern::InsufficientData);
        QVERIFY(!v.leak);
        QCOMPARE(v.confidence, 0.0);
        QVERIFY(!v.slopeBytesPerHour);
        QVERIFY(!v.stabilisedWithin10min);
        QVERIFY2(v.summary.find("Not enough data") != std::string::npos, v.summary.c_str());
        QVERIFY(hasEvidence(v, "data", "Not enough data"));
    }

    void renamedPodsAreAnalysedSeparately()
    {
        // A rollout replaced the pods halfway: the old and new names are separate series. Joined,
        // the switch would look like a drop (a restart) or a jump; apart, both are steady growth.
        MemoryInputs in;
        in.window = TimeRange { kT0, kT0 + 4 * kHour };
        PodMemoryInput oldPod, newPod;
        oldPod.pod = "payments-5c6d7e8f9-aaaaa";
        oldPod.memory = linearPod(kT0, kT0 + 2 * kHour, 900 * MiB, 8 * MiB, 3 * MiB, 1);
        newPod.pod = "payments-84b7c6d5e-bbbbb";
        newPod.memory = linearPod(kT0 + 2 * kHour + kMinute, kT0 + 4 * kHour, 400 * MiB, 8 * MiB, 3 * MiB, 2);
        in.pods = { oldPod, newPod };
        const Verdict v = analyseMemory(in);
        QVERIFY2(v.pattern == Pattern::SteadyGrowth, dump(v).c_str());
        QCOMPARE(v.restartsInWindow, 0);
        QCOMPARE(v.pods.size(), std::size_t(2));
        QVERIFY(v.pods[0].restarts.empty() && v.pods[1].restarts.empty());
    }

    void trafficBaselineAndHeapEvidence()
    {
        MemoryInputs in = paymentsInputs(6 * kHour);
        in.requestRate = linearPod(in.window.startMs, in.window.endMs, 120, 0, 4, 77);
        in.baselineMemory = linearPod(
            in.window.startMs - 7 * 24 * kHour, in.window.endMs - 7 * 24 * kHour, 300 * MiB, 0, 3 * MiB, 78);
        in.baselineWindow = TimeRange { in.window.startMs - 7 * 24 * kHour, in.window.endMs - 7 * 24 * kHour };
        in.sources.requestRate = "sum(rate(http_server_requests_seconds_count[5m]))";
        // JVM heap flat at 250 MiB while the container grows: native memory.
        for (PodMemoryInput& p : in.pods)
            p.jvmHeapUsed = linearPod(in.window.startMs, in.window.endMs, 250 * MiB, 0, 2 * MiB, 79);
        const Verdict v = analyseMemory(in);
        QCOMPARE(v.pattern, Pattern::SteadyGrowth);
        QVERIFY(v.traffic);
        QVERIFY(v.traffic->growthWithoutTraffic);
        QVERIFY(hasEvidence(v, "traffic", "without a matching traffic increase"));
        QVERIFY(v.baseline);
        QVERIFY(v.baseline->higherThanBaseline);
        QVERIFY(hasEvidence(v, "baseline", "7 days ago"));
        for (const PodAnalysis& pa : v.pods) {
            QVERIFY(pa.heapVsContainer);
            QVERIFY(pa.heapVsContainer->nativeLeakSuspected);
        }
        QVERIFY(hasEvidence(v, "jvm-heap", "jcmd <pid> VM.native_memory summary"));
        const auto it = std::find_if(
            v.evidence.begin(), v.evidence.end(), [](const Evidence& e) { return e.topic == "traffic"; });
        QVERIFY(it->source.find("http_server_requests_seconds_count") != std::string::npos);
        QCOMPARE(it->window.startMs, in.window.startMs);
    }

    void twentyThousandPointsPerPod()
    {
        // A week at 30 s is ~20k points per pod: the subsampled Theil-Sen keeps this quick and right.
        MemoryInputs in;
        in.window = TimeRange { kT0, kT0 + 7 * 24 * kHour };
        PodMemoryInput pod;
        pod.pod = "payments-5c6d7e8f9-week1";
        pod.memory = linearPod(in.window.startMs, in.window.endMs, 300 * MiB, 3 * MiB, 3 * MiB, 5);
        pod.limitBytes = 2 * GiB;
        in.pods = { pod };
        QVERIFY(in.pods[0].memory.size() > 20000);
        const Verdict v = analyseMemory(in);
        QCOMPARE(v.pattern, Pattern::SteadyGrowth);
        QVERIFY(std::abs(*v.slopeBytesPerHour - 3 * MiB) < 0.1 * MiB);
        QCOMPARE(v.pods[0].growth->pointsUsed, std::size_t(400));
    }

    // Memory that rises and falls with the day's traffic: not a leak, and the summary gives the
    // numbers (memory per request then and now, the change of the rate, the week-ago level).
    void followsTrafficGivesItsNumbers_data()
    {
        QTest::addColumn<bool>("withBaseline");
        QTest::addColumn<bool>("baselineLower");
        QTest::newRow("traffic alone") << false << false;
        QTest::newRow("traffic and the week-ago level") << true << false;
        QTest::newRow("traffic, but 40 % above a week ago") << true << true;
    }
    void followsTrafficGivesItsNumbers()
    {
        QFETCH(bool, withBaseline);
        QFETCH(bool, baselineLower);
        MemoryInputs in;
        in.service = "feed";
        in.window = TimeRange { kT0, kT0 + 16 * kHour };
        in.requestRate = diurnalRate(kT0, kT0 + 16 * kHour, kT0 - kHour, 200, 0.6, 4, 7);
        for (int i = 0; i < 2; ++i)
            in.pods.push_back(podOf("feed-" + std::to_string(i),
                memoryForRate(in.requestRate, 300 * MiB, 1.5 * MiB, 0, 5 * MiB, 8 + i),
                flatCounter(kT0, kT0 + 16 * kHour)));
        if (withBaseline)
            in.baselineMemory
                = memoryForRate(diurnalRate(kT0, kT0 + 16 * kHour, kT0 - kHour, baselineLower ? 100 : 200, 0.6, 4, 9),
                    baselineLower ? 150 * MiB : 300 * MiB, 1.5 * MiB, 0, 3 * MiB, 10);
        const Verdict v = analyseMemory(in);
        QVERIFY2(v.pattern == Pattern::FollowsTraffic, dump(v).c_str());
        QVERIFY(!v.leak);
        QVERIFY(v.traffic && !v.traffic->growthWithoutTraffic);
        for (const char* needle : { "req/s", "memory per req/s", "with the request rate held fixed", "not a leak" })
            QVERIFY2(v.summary.find(needle) != std::string::npos, v.summary.c_str());
        QCOMPARE(v.summary.find("7 days ago") != std::string::npos, withBaseline);
        QVERIFY(hasEvidence(v, "traffic", "the traffic explains the growth"));
        for (const PodAnalysis& pa : v.pods) {
            QVERIFY(pa.traffic && pa.traffic->explained);
            // Growth the traffic explains is not projected to the limit.
            QVERIFY(pa.projection && pa.projection->state != ProjectionState::Projected);
        }
        const bool contradicted = std::any_of(v.contradictions.begin(), v.contradictions.end(),
            [](const Contradiction& c) { return c.topic == "baseline"; });
        QCOMPARE(contradicted, baselineLower);
        QCOMPARE(v.summary.find("Contradicting evidence") != std::string::npos, baselineLower);
        QVERIFY(baselineLower ? v.confidence < 0.6 : v.confidence >= 0.75);
    }

    // Growth that the traffic and the week-ago curve both explain is still a leak when the pods'
    // main containers were last OOM-killed: a grow-crash cycle as long as the window looks the same
    // at the same hours a week ago.
    void followsTrafficUnlessLastOomKilled_data()
    {
        QTest::addColumn<std::size_t>("killedPods");
        QTest::newRow("never killed") << std::size_t(0);
        QTest::newRow("one pod last OOM-killed") << std::size_t(1);
        QTest::newRow("both pods") << std::size_t(2);
    }
    void followsTrafficUnlessLastOomKilled()
    {
        QFETCH(std::size_t, killedPods);
        MemoryInputs in;
        in.service = "feed";
        in.window = TimeRange { kT0, kT0 + 16 * kHour };
        in.requestRate = diurnalRate(kT0, kT0 + 16 * kHour, kT0 - kHour, 200, 0.6, 4, 7);
        for (int i = 0; i < 2; ++i)
            in.pods.push_back(podOf("feed-" + std::to_string(i),
                memoryForRate(in.requestRate, 300 * MiB, 1.5 * MiB, 0, 5 * MiB, 8 + i),
                flatCounter(kT0, kT0 + 16 * kHour)));
        in.baselineMemory = memoryForRate(
            diurnalRate(kT0, kT0 + 16 * kHour, kT0 - kHour, 200, 0.6, 4, 9), 300 * MiB, 1.5 * MiB, 0, 3 * MiB, 10);
        in.podsLastOomKilled = killedPods;
        const Verdict v = analyseMemory(in);
        QVERIFY2(v.leak == (killedPods > 0), dump(v).c_str());
        QVERIFY2(v.pattern == (killedPods > 0 ? Pattern::SteadyGrowth : Pattern::FollowsTraffic), dump(v).c_str());
        QCOMPARE(v.summary.find("last OOM-killed") != std::string::npos, killedPods > 0);
    }

    // A slow leak inside one window's noise on every pod (no band excludes zero) is decided by the
    // week: the per-pod average grows in each third of the last 7 days. A level that stepped up once
    // during the week, a week with a restart in it, or too little history leave the window's answer.
    void slowLeakDecidedByTheWeek_data()
    {
        QTest::addColumn<QString>("week");
        QTest::addColumn<int>("seed");
        QTest::addColumn<bool>("leak");
        for (int seed = 1; seed <= 4; ++seed) {
            QTest::addRow("3 MiB/h all week, seed %d", seed) << "linear" << seed << true;
            QTest::addRow("stepped up 480 MiB mid-week, seed %d", seed) << "step" << seed << false;
            QTest::addRow("growing, restarted on day 5, seed %d", seed) << "restart" << seed << false;
            QTest::addRow("one day of history, seed %d", seed) << "short" << seed << false;
            QTest::addRow("flat week, seed %d", seed) << "flat" << seed << false;
        }
    }
    void slowLeakDecidedByTheWeek()
    {
        QFETCH(QString, week);
        QFETCH(int, seed);
        QFETCH(bool, leak);
        MemoryInputs in;
        in.service = "recommender";
        in.window = TimeRange { kT0, kT0 + 6 * kHour };
        // Within the window: 3 MiB/h under 60 MiB of noise, or flat (the step and flat weeks).
        const double windowDrift = week == "linear" || week == "restart" || week == "short" ? 3.0 * MiB : 0.0;
        for (int i = 0; i < 2; ++i) {
            PodMemoryInput pod;
            pod.pod = "recommender-5f6d7c8b9-" + std::string(1, char('a' + i)) + "wxyz";
            pod.memory
                = linearPod(in.window.startMs, in.window.endMs, 1700 * MiB, windowDrift, 60 * MiB, 900 + 10 * seed + i);
            pod.restartCounter = flatCounter(in.window.startMs, in.window.endMs);
            pod.limitBytes = 3 * GiB;
            in.pods.push_back(std::move(pod));
        }
        const std::int64_t weekStart = in.window.endMs - 7 * 24 * kHour;
        const std::int64_t from = week == "short" ? in.window.endMs - 24 * kHour : weekStart;
        in.weekMemory = linearPod(from, in.window.endMs, 1200 * MiB, week == "flat" || week == "step" ? 0.0 : 3.0 * MiB,
            40 * MiB, 970 + seed, kHour);
        for (Sample& s : in.weekMemory) {
            if (week == "step" && s.tMs >= weekStart + 84 * kHour)
                s.value += 480 * MiB;
            if (week == "restart" && s.tMs >= weekStart + 120 * kHour)
                s.value -= 400 * MiB;
        }
        const Verdict v = analyseMemory(in);
        const bool slowLeak = v.summary.find("slow memory leak") != std::string::npos;
        // A leaking week is a leak, by the week or by a pod that stands out in the window anyway;
        // the others never claim the week's slow leak.
        if (leak)
            QVERIFY2(v.leak && v.pattern == Pattern::SteadyGrowth, dump(v).c_str());
        else
            QVERIFY2(!slowLeak, dump(v).c_str());
        if (week == "flat" || week == "step")
            QVERIFY2(!v.leak, dump(v).c_str());
    }

    // Steady growth at the level of the same hours a week ago, or while the request rate grows as
    // fast as memory: still a leak, but the contradiction is named and confidence drops.
    void growthWithContradictions_data()
    {
        QTest::addColumn<int>(
            "kind"); // 0: flat baseline at today's level, 1: rate ramp as fast, 2: none, 3: 1 + baseline far below
        QTest::addColumn<QString>("topic");
        QTest::newRow("at the week-ago level") << 0 << "baseline";
        QTest::newRow("traffic grows as fast as memory") << 1 << "traffic";
        QTest::newRow("no contradiction") << 2 << "";
        // The same ramp, but memory is far above the same hours a week ago: the traffic then held
        // less memory, so it is not the cause.
        QTest::newRow("traffic as fast, memory above the week-ago level") << 3 << "";
    }
    void growthWithContradictions()
    {
        QFETCH(int, kind);
        QFETCH(QString, topic);
        MemoryInputs in = paymentsInputs(6 * kHour);
        const double plain = analyseMemory(in).confidence;
        if (kind == 0)
            in.baselineMemory = linearPod(kT0, kT0 + 6 * kHour, 430 * MiB, 0, 3 * MiB, 11);
        if (kind == 1) // 2 %/h of a straight ramp: memory grows ~1 %/h; the two cannot be separated
            in.requestRate = sampled(
                kT0, kT0 + 6 * kHour, 30'000, [](std::int64_t t) { return 100 + 2 * double(t - kT0) / 3.6e6; });
        if (kind == 3) {
            in.requestRate = sampled(
                kT0, kT0 + 6 * kHour, 30'000, [](std::int64_t t) { return 100 + 2 * double(t - kT0) / 3.6e6; });
            in.baselineMemory = linearPod(kT0, kT0 + 6 * kHour, 250 * MiB, 0, 3 * MiB, 13);
        }
        if (kind == 2)
            in.requestRate = linearPod(kT0, kT0 + 6 * kHour, 120, 0, 4, 12);
        const Verdict v = analyseMemory(in);
        QVERIFY2(v.pattern == Pattern::SteadyGrowth && v.leak, dump(v).c_str());
        if (topic.isEmpty()) {
            QVERIFY2(v.contradictions.empty(), dump(v).c_str());
            QCOMPARE(v.confidence, plain);
            return;
        }
        QCOMPARE(v.contradictions.size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(v.contradictions[0].topic), topic);
        QVERIFY(v.summary.find("Contradicting evidence: " + v.contradictions[0].reason) != std::string::npos);
        QVERIFY(std::abs(v.confidence - 0.7 * plain) < 1e-9);
    }

    // GC teeth deeper than a restart's drop: with the restart counter flat they are not restarts;
    // without any counter they still read as a sawtooth, but one nothing confirms.
    void gcTeethAreNotRestarts_data()
    {
        QTest::addColumn<bool>("withCounter");
        QTest::newRow("restart counter flat") << true;
        QTest::newRow("no restart counter") << false;
    }
    void gcTeethAreNotRestarts()
    {
        QFETCH(bool, withCounter);
        MemoryInputs in;
        in.window = TimeRange { kT0, kT0 + 3 * kHour };
        for (int i = 0; i < 2; ++i)
            in.pods.push_back(podOf("events-" + std::to_string(i),
                gcTeeth(kT0, kT0 + 3 * kHour, 300 * MiB, 260 * MiB, 8 * kMinute, 0, 3 * MiB, 20 + i),
                withCounter ? flatCounter(kT0, kT0 + 3 * kHour, 1) : std::vector<Sample> {}));
        const Verdict v = analyseMemory(in);
        if (withCounter) {
            QVERIFY2(v.pattern == Pattern::Stable && !v.leak, dump(v).c_str());
            QCOMPARE(v.restartsInWindow, 0);
            for (const PodAnalysis& pa : v.pods) {
                QVERIFY(pa.unconfirmedDrops >= 15);
                QVERIFY(pa.restarts.empty());
                QVERIFY(pa.sawtooth.cycles.empty());
            }
            QVERIFY(hasEvidence(v, "restarts", "not restarts"));
        } else {
            QVERIFY2(v.pattern == Pattern::Sawtooth, dump(v).c_str());
            QCOMPARE(v.contradictions.size(), std::size_t(1));
            QCOMPARE(v.contradictions[0].topic, std::string("restarts"));
            QVERIFY(v.confidence < 0.7);
        }
    }

    void slowWarmUpReportsWhenItLevelledOff()
    {
        MemoryInputs in;
        in.window = TimeRange { kT0, kT0 + 3 * kHour };
        for (int i = 0; i < 2; ++i)
            in.pods.push_back(podOf("reports-" + std::to_string(i),
                settlingPod(kT0 + 5 * kMinute, kT0 + 3 * kHour, 150 * MiB, 420 * MiB, 15 * kMinute, 4 * MiB, 30 + i)));
        const Verdict v = analyseMemory(in);
        QVERIFY2(v.pattern == Pattern::SlowWarmUp && !v.leak, dump(v).c_str());
        QCOMPARE(v.stabilisedWithin10min, std::optional<bool>(false));
        QVERIFY(v.levelledOffAfterMs);
        QVERIFY2(*v.levelledOffAfterMs > 30 * kMinute && *v.levelledOffAfterMs < 100 * kMinute, dump(v).c_str());
        QVERIFY2(v.summary.find("runbook: within 10 min") != std::string::npos, v.summary.c_str());
        QVERIFY(hasEvidence(v, "stabilisation", "levelled off only after"));
        for (const PodAnalysis& pa : v.pods) {
            QVERIFY(pa.lateLevelling);
            QCOMPARE(pa.trend, Trend::Flat);
            QCOMPARE(pa.projection->state, ProjectionState::NotGrowing);
        }
    }

    void stepChangeIsStableWithTheStepNamed()
    {
        MemoryInputs in;
        in.window = TimeRange { kT0, kT0 + 6 * kHour };
        for (int i = 0; i < 2; ++i) {
            SeededNoise noise(40 + i);
            in.pods.push_back(
                podOf("pricing-" + std::to_string(i), sampled(kT0, kT0 + 6 * kHour, 30'000, [&](std::int64_t t) {
                    return 400 * MiB + (t >= kT0 + 4 * kHour ? 90 * MiB : 0.0) + noise.gaussian(4 * MiB);
                })));
        }
        const Verdict v = analyseMemory(in);
        QVERIFY2(v.pattern == Pattern::Stable && !v.leak, dump(v).c_str());
        QVERIFY(hasEvidence(v, "step", "stepped up once by"));
        for (const PodAnalysis& pa : v.pods) {
            QVERIFY(pa.step);
            QVERIFY(std::llabs(pa.step->atMs - (kT0 + 4 * kHour)) <= 2 * kMinute);
        }
    }
};

QTEST_GUILESS_MAIN(TestMemoryVerdict)
#include "tst_memory_verdict.moc"
