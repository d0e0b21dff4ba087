// Batch work (CronJob runs, Job pods) is judged across runs: level peaks are no leak however much
// each run grows; climbing peaks are; OOM-killed runs with level peaks are a limit too small.
#include "core/analysis/BatchRuns.h"

#include "SeriesShapes.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::analysis;
using namespace leakdesk::test;

namespace {

// `runs` runs every `everyMs`, each growing from 150 MiB by `perRunGrowth` per minute for 8 min;
// run i's peak also rises by `peakStep` per run.
MemoryInputs batch(int runs, std::int64_t everyMs, double perRunGrowth, double peakStep, std::uint64_t seed)
{
    MemoryInputs in;
    in.service = "report";
    SeededNoise noise(seed);
    for (int r = 0; r < runs; ++r) {
        PodMemoryInput pod;
        pod.pod = "report-" + std::to_string(r);
        const std::int64_t start = kT0 + r * everyMs;
        for (std::int64_t t = 0; t <= 8 * kMinute; t += 15000)
            pod.memory.push_back({ start + t,
                150 * MiB + perRunGrowth * double(t) / kMinute + peakStep * r + noise.gaussian(3 * MiB) });
        in.pods.push_back(std::move(pod));
    }
    in.window = { kT0, kT0 + runs * everyMs };
    return in;
}

} // namespace

class TestBatchRuns : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void verdicts_data()
    {
        QTest::addColumn<int>("runs");
        QTest::addColumn<double>("growthPerMinute");
        QTest::addColumn<double>("peakStepPerRun");
        QTest::addColumn<int>("oomKilled");
        QTest::addColumn<int>("pattern");
        QTest::addColumn<bool>("leak");
        for (std::uint64_t seed : { 1, 2, 3 }) {
            const QByteArray s = QByteArray::number(qulonglong(seed));
            QTest::newRow(QByteArray("steep runs, level peaks " + s).constData()) << 12 << 20 * MiB << 0.0 << 0 << int(Pattern::Stable) << false;
            QTest::newRow(QByteArray("flat runs, level peaks " + s).constData()) << 8 << 0.0 << 0.0 << 0 << int(Pattern::Stable) << false;
            QTest::newRow(QByteArray("peaks climb 30 MiB per run " + s).constData())
                << 12 << 20 * MiB << 30 * MiB << 0 << int(Pattern::SteadyGrowth) << true;
            QTest::newRow(QByteArray("peaks climb and runs killed " + s).constData())
                << 12 << 20 * MiB << 30 * MiB << 3 << int(Pattern::SteadyGrowth) << true;
            QTest::newRow(QByteArray("killed runs, level peaks " + s).constData()) << 12 << 20 * MiB << 0.0 << 4 << int(Pattern::Stable) << false;
            QTest::newRow(QByteArray("two runs only " + s).constData()) << 2 << 20 * MiB << 0.0 << 0 << int(Pattern::InsufficientData) << false;
        }
    }
    void verdicts()
    {
        QFETCH(int, runs);
        QFETCH(double, growthPerMinute);
        QFETCH(double, peakStepPerRun);
        QFETCH(int, oomKilled);
        QFETCH(int, pattern);
        QFETCH(bool, leak);
        const auto seed = static_cast<std::uint64_t>(QByteArray(QTest::currentDataTag()).right(1).toInt());
        const Verdict v = analyseBatchRuns(batch(runs, 2 * kHour, growthPerMinute, peakStepPerRun, seed), oomKilled);
        QVERIFY2(int(v.pattern) == pattern && v.leak == leak, (patternName(v.pattern) + std::string(": ") + v.summary).c_str());
        QVERIFY(!v.summary.empty());
        if (oomKilled > 0)
            QVERIFY2(v.summary.find("OOMKilled") != std::string::npos, v.summary.c_str());
    }

    // Samples outside the window do not make runs.
    void windowBoundsTheRuns()
    {
        MemoryInputs in = batch(12, 2 * kHour, 20 * MiB, 0, 7);
        in.window = { kT0, kT0 + 7 * kHour };
        const Verdict v = analyseBatchRuns(in, 0);
        QCOMPARE(v.pattern, Pattern::Stable);
        QVERIFY2(v.summary.find("of the 4 runs") != std::string::npos, v.summary.c_str());
    }
};

QTEST_GUILESS_MAIN(TestBatchRuns)
#include "tst_batch_runs.moc"
