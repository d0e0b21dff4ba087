// Step 1 with no Prometheus (--no-prometheus, or none found in the cluster): the memory chart draws
// what metrics.k8s.io says while the view is open (one line per pod, a sample per read that
// metrics-server refreshed), and says which runbook questions that cannot answer. Against the
// sandbox, its clock pinned to a moment where checkout's pods run steadily, then moved on.
#include "SandboxMoments.h"

#include "core/investigation/ClusterConnection.h"
#include "core/investigation/Investigation.h"
#include "core/investigation/PodMetricsSampler.h"
#include "core/sandbox/SandboxHost.h"
#include "ui/chart/MemoryChart.h"
#include "ui/investigation/MemoryChartFeed.h"
#include "ui/investigation/MemoryEvidenceView.h"

#include <QLabel>
#include <QSignalSpy>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::investigation;
using namespace leakdesk::ui;

class TestMemoryChartWithoutPrometheus : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void chartsKubectlTopWhileOpen()
    {
        sandbox::SandboxHost host;
        const auto moment = test::startAtSteadyMoment(host, "checkout", 10 * 60 * 1000);
        QVERIFY(moment);
        ConnectionOptions o;
        o.kubeconfig = host.kubeconfigPath();
        o.noPrometheus = true;
        auto connection = ClusterConnection::open(o);
        QVERIFY2(connection.ok(), connection.ok() ? "" : connection.error().toString().c_str());
        QVERIFY(!(*connection)->hasPrometheus());

        Investigation job(**connection);
        QSignalSpy finished(&job, &Investigation::finished);
        InvestigationRequest request;
        request.ns = "production";
        request.service = "checkout";
        request.nowMs = *moment;
        job.start(request);
        QVERIFY(finished.wait(60000));
        const auto findings = finished.at(0).at(0).value<std::shared_ptr<const Findings>>();
        QVERIFY(findings->evidence->prometheusUnreachable);

        MemoryEvidenceView view;
        view.setConnectionSource([&] { return connection->get(); });
        view.chartFeed()->setSamplingInterval(100);
        view.resize(1200, 760);
        view.show();
        view.setFindings(findings);
        QVERIFY(view.chartFeed()->sampler());
        QVERIFY(view.chart()->isVisible());
        // The investigation's own read is the first sample of each line.
        QTRY_VERIFY(view.chart()->data() && view.chart()->data()->pods.size() >= 2);
        for (const ChartSeries& pod : view.chart()->data()->pods)
            QCOMPARE(pod.samples.size(), std::size_t(1));
        // The chart says where its lines come from, the banner which questions they cannot answer.
        bool sampling = false;
        for (const QLabel* label : view.chart()->findChildren<QLabel*>())
            sampling = sampling || label->text().contains(QStringLiteral("kubectl top every 15 s"));
        QVERIFY(sampling);
        bool questions = false;
        for (const QLabel* label : view.findChildren<QLabel*>())
            questions = questions || label->text().contains(QStringLiteral("cannot be answered"));
        QVERIFY(questions);
        QCOMPARE(view.chart()->rangePreset(), std::optional<RangePreset>(RangePreset::LastHour));

        host.advanceClock(60 * 1000);
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const auto& pods = view.chart()->data()->pods;
                return !pods.empty() && std::all_of(pods.begin(), pods.end(), [](const ChartSeries& p) {
                    return p.samples.size() == 2;
                });
            }(),
            10000);
        QVERIFY(view.chart()->data()->nowMs >= *moment + 60 * 1000 - 15000);
    }
};

QTEST_MAIN(TestMemoryChartWithoutPrometheus)
#include "tst_memory_chart_without_prometheus.moc"
