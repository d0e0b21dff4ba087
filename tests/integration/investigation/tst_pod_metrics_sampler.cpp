// PodMetricsSampler: the memory line a chart has with no Prometheus, from metrics.k8s.io every
// interval. The pure part (addPodMetricsSamples) on invented PodMetrics; the sampler against the
// sandbox's metrics API with its clock pinned to a moment where checkout's pods run steadily, then
// moved on: each pod's line gains the newer sample, never the same one twice.

#include "SandboxMoments.h"

#include "core/investigation/PodMetricsSampler.h"
#include "core/kube/KubeClient.h"
#include "core/kube/KubeConfig.h"
#include "core/sandbox/SandboxHost.h"

#include <QSignalSpy>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::investigation;

namespace {

kube::PodMetrics podMetrics(const std::string& pod, std::int64_t tMs, std::vector<std::int64_t> containerBytes)
{
    kube::PodMetrics m;
    m.meta.name = pod;
    m.timestampMs = tMs;
    int i = 0;
    for (const auto bytes : containerBytes)
        m.containers.push_back({ "c" + std::to_string(i++), 0.1, bytes });
    return m;
}

using Batches = std::vector<std::vector<kube::PodMetrics>>;

} // namespace

Q_DECLARE_METATYPE(Batches)

class TestPodMetricsSampler : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void addSamples_data()
    {
        QTest::addColumn<Batches>("batches");
        QTest::addColumn<int>("maxSamples");
        QTest::addColumn<QString>("expected"); // "pod:t=bytes,t=bytes;pod:..." by pod name
        QTest::addColumn<int>("added");
        QTest::newRow("one pod, two reads")
            << Batches { { podMetrics("a", 1000, { 10 }) }, { podMetrics("a", 16000, { 12 }) } } << 10
            << QStringLiteral("a:1000=10,16000=12") << 2;
        QTest::newRow("metrics-server not refreshed yet: the same sample once")
            << Batches { { podMetrics("a", 1000, { 10 }) }, { podMetrics("a", 1000, { 10 }) } } << 10
            << QStringLiteral("a:1000=10") << 1;
        QTest::newRow("an older sample after a newer one is dropped")
            << Batches { { podMetrics("a", 5000, { 10 }) }, { podMetrics("a", 4000, { 99 }) } } << 10
            << QStringLiteral("a:5000=10") << 1;
        QTest::newRow("containers add up to the pod")
            << Batches { { podMetrics("a", 1000, { 10, 5, 1 }) } } << 10 << QStringLiteral("a:1000=16") << 1;
        QTest::newRow("pods keep their own lines")
            << Batches { { podMetrics("b", 1000, { 2 }), podMetrics("a", 1000, { 1 }) },
                   { podMetrics("a", 2000, { 3 }) } }
            << 10 << QStringLiteral("a:1000=1,2000=3;b:1000=2") << 3;
        QTest::newRow("bounded: the oldest go") << Batches { { podMetrics("a", 1000, { 1 }) },
            { podMetrics("a", 2000, { 2 }) }, { podMetrics("a", 3000, { 3 }) } }
                                                << 2 << QStringLiteral("a:2000=2,3000=3") << 3;
        QTest::newRow("no timestamp: the time of the read")
            << Batches { { podMetrics("a", 0, { 7 }) } } << 10 << QStringLiteral("a:99000=7") << 1;
        QTest::newRow("a nameless item is no pod")
            << Batches { { podMetrics("", 1000, { 7 }) } } << 10 << QString() << 0;
    }

    void addSamples()
    {
        QFETCH(Batches, batches);
        QFETCH(int, maxSamples);
        QFETCH(QString, expected);
        QFETCH(int, added);
        std::map<std::string, Series> lines;
        std::size_t total = 0;
        for (const auto& batch : batches)
            total += addPodMetricsSamples(lines, batch, static_cast<std::size_t>(maxSamples), 99000);
        QStringList got;
        for (const auto& [pod, line] : lines) {
            QCOMPARE(line.label("pod"), pod);
            QStringList samples;
            for (const auto& s : line.samples)
                samples << QStringLiteral("%1=%2").arg(s.tMs).arg(s.value);
            got << QString::fromStdString(pod) + QLatin1Char(':') + samples.join(QLatin1Char(','));
        }
        QCOMPARE(got.join(QLatin1Char(';')), expected);
        QCOMPARE(static_cast<int>(total), added);
    }

    void samplesTheSandboxAsItsClockMoves()
    {
        sandbox::SandboxHost host;
        const auto moment = test::startAtSteadyMoment(host, "checkout", 10 * 60 * 1000);
        QVERIFY(moment);
        auto context = kube::resolveKubeconfig(host.kubeconfigPath().toStdString(), {});
        QVERIFY2(context.ok(), context.ok() ? "" : context.error().toString().c_str());
        auto client = kube::KubeClient::create(*context);
        QVERIFY(client.ok());

        PodMetricsSampler sampler(**client);
        QSignalSpy sampled(&sampler, &PodMetricsSampler::sampled);
        QSignalSpy failed(&sampler, &PodMetricsSampler::sampleFailed);
        sampler.start(QStringLiteral("production"), QStringLiteral("app=checkout"), 100);
        QTRY_VERIFY_WITH_TIMEOUT(!sampled.isEmpty(), 10000);
        const std::vector<Series> first = sampler.series();
        QVERIFY(first.size() >= 2);
        for (const auto& line : first) {
            QCOMPARE(line.samples.size(), std::size_t(1));
            QVERIFY(line.samples.front().value > 0);
        }
        // Reads while the clock stands still add nothing.
        QTRY_VERIFY_WITH_TIMEOUT(sampled.size() >= 3, 10000);
        for (const auto& line : sampler.series())
            QCOMPARE(line.samples.size(), std::size_t(1));

        host.advanceClock(60 * 1000);
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const auto lines = sampler.series();
                return std::all_of(lines.begin(), lines.end(), [](const Series& s) { return s.samples.size() == 2; });
            }(),
            10000);
        for (const auto& line : sampler.series())
            QCOMPARE(line.samples[1].tMs - line.samples[0].tMs, std::int64_t(60 * 1000));
        QVERIFY(failed.isEmpty());
        sampler.stop();
        QVERIFY(!sampler.isRunning());
    }
};

QTEST_GUILESS_MAIN(TestPodMetricsSampler)
#include "tst_pod_metrics_sampler.moc"
