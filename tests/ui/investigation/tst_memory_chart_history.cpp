// Issue 15 item 2: the memory chart's 24h and 7d buttons showed an empty nine-hour slice on the
// sandbox. Against the sandbox's real Prometheus API (behind a recording, optionally slow proxy):
// every range shows data across (nearly) the whole range, what was fetched is not fetched again,
// the absolute picker refuses a reversed range, and auto-refresh fetches only the new tail without
// stacking requests on a slow server.
#include "ForwardingHttpProxy.h"
#include "SandboxMoments.h"

#include "core/investigation/ClusterConnection.h"
#include "core/investigation/Investigation.h"
#include "core/investigation/MemoryHistory.h"
#include "core/sandbox/SandboxHost.h"
#include "ui/chart/AbsoluteRangePicker.h"
#include "ui/chart/MemoryChart.h"
#include "ui/chart/QCustomPlotInclude.h"
#include "ui/chart/RangePresetBar.h"
#include "ui/investigation/MemoryChartFeed.h"
#include "ui/investigation/MemoryEvidenceView.h"

#include <QComboBox>
#include <QElapsedTimer>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QToolButton>
#include <QUrlQuery>

using namespace leakdesk;
using namespace leakdesk::investigation;
using namespace leakdesk::ui;

namespace {

constexpr qint64 kMinute = 60 * 1000;
constexpr qint64 kHour = 60 * kMinute;
constexpr qint64 kDay = 24 * kHour;

// The sandbox (clock pinned), its Prometheus behind a recording proxy, a connection through the
// proxy, and the step-1 view showing an investigation of `service` made at the pinned moment.
struct Bench {
    sandbox::SandboxHost host;
    std::unique_ptr<test::ForwardingHttpProxy> proxy;
    std::unique_ptr<ClusterConnection> connection;
    std::unique_ptr<MemoryEvidenceView> view;
    qint64 nowMs = 0;

    bool start(const std::string& service)
    {
        nowMs = test::testNowMs();
        sandbox::SandboxOptions options;
        options.fixedNowMs = nowMs;
        qInfo("sandbox clock pinned at %lld (LEAKDESK_TEST_NOW_MS replays it)", static_cast<long long>(nowMs));
        if (!host.start(options))
            return false;
        proxy = std::make_unique<test::ForwardingHttpProxy>(host.prometheusUrl());
        ConnectionOptions o;
        o.sandboxCluster = true;
        o.kubeconfig = host.kubeconfigPath();
        o.prometheusUrl = proxy->url();
        auto c = ClusterConnection::open(o);
        if (!c)
            return false;
        connection = std::move(c).value();
        Investigation job(*connection);
        QSignalSpy finished(&job, &Investigation::finished);
        InvestigationRequest request;
        request.ns = "production";
        request.service = service;
        request.nowMs = nowMs;
        job.start(request);
        if (!finished.wait(60000))
            return false;
        view = std::make_unique<MemoryEvidenceView>();
        view->setConnectionSource([this] { return connection.get(); });
        view->resize(1200, 760);
        view->show();
        view->chartFeed()->setClock([this] { return nowMs; });
        view->setFindings(finished.at(0).at(0).value<std::shared_ptr<const Findings>>());
        return true;
    }
    MemoryChart* chart() const { return view->chart(); }
    MemoryHistory* history() const { return view->chartFeed()->history(); }
    int rangeQueries() const { return proxy->countWithPath("/api/v1/query_range"); }
    void press(const QString& button) const
    {
        auto* b = chart()->findChild<QToolButton*>(button);
        QVERIFY2(b, qPrintable(button));
        QTest::mouseClick(b, Qt::LeftButton);
    }
    // Waits for the history to settle: no load running, nothing left in the debounce.
    bool settled() const
    {
        QTest::qWait(250);
        return QTest::qWaitFor([&] { return !history()->isRunning(); }, 60000);
    }
};

// The earliest and latest sample over every pod line of the chart.
TimeRange podSpan(const MemoryChart& chart)
{
    TimeRange span { std::numeric_limits<qint64>::max(), 0 };
    for (const ChartSeries& pod : chart.data()->pods) {
        if (pod.samples.empty())
            continue;
        span.startMs = std::min<qint64>(span.startMs, pod.samples.front().tMs);
        span.endMs = std::max<qint64>(span.endMs, pod.samples.back().tMs);
    }
    return span;
}

// The drawn points of the first pod's graph inside the visible range, as a span.
TimeRange drawnSpan(const MemoryChart& chart)
{
    TimeRange span { std::numeric_limits<qint64>::max(), 0 };
    for (const QCPGraphData& p : *chart.podGraph(0)->data()) {
        span.startMs = std::min<qint64>(span.startMs, std::llround(p.key * 1000));
        span.endMs = std::max<qint64>(span.endMs, std::llround(p.key * 1000));
    }
    return span;
}

} // namespace

class TestMemoryChartHistory : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<std::shared_ptr<const Findings>>();
        qRegisterMetaType<Error>();
    }

    void longRangesShowTheWholeRange_data()
    {
        QTest::addColumn<QString>("service");
        QTest::addColumn<QString>("button");
        QTest::addColumn<qlonglong>("spanMs");
        for (const char* service : { "payments", "checkout" }) {
            QTest::addRow("%s 24h", service)
                << QString::fromLatin1(service) << QStringLiteral("rangePreset_24h") << kDay;
            QTest::addRow("%s 7d", service)
                << QString::fromLatin1(service) << QStringLiteral("rangePreset_7d") << 7 * kDay;
        }
    }
    void longRangesShowTheWholeRange()
    {
        QFETCH(QString, service);
        QFETCH(QString, button);
        QFETCH(qlonglong, spanMs);
        Bench bench;
        QVERIFY(bench.start(service.toStdString()));
        QVERIFY(bench.settled());
        // The investigation's own 6 hours are not fetched again for the chart.
        const int afterInvestigation = bench.rangeQueries();
        QCOMPARE(bench.history()->requestsSent(), 0);

        // The bar says what is loading while it loads (read when the load starts: it may be quick).
        QStringList statusWhileLoading;
        QObject::connect(bench.history(), &MemoryHistory::loadingStarted, bench.chart(),
            [&] { statusWhileLoading << bench.chart()->presetBar()->statusText(); });
        QElapsedTimer clock;
        clock.start();
        bench.press(button);
        QVERIFY(bench.settled());
        qInfo("%s loaded in %lld ms", qPrintable(button), static_cast<long long>(clock.elapsed()));
        QCOMPARE(statusWhileLoading,
            QStringList { QStringLiteral("loading %1…").arg(button.mid(button.indexOf(QLatin1Char('_')) + 1)) });
        QVERIFY2(
            bench.chart()->presetBar()->statusText().isEmpty(), qPrintable(bench.chart()->presetBar()->statusText()));
        QVERIFY(bench.rangeQueries() > afterInvestigation);

        // The whole range is shown, and the lines reach across it (not a nine-hour slice).
        const TimeRange visible = bench.chart()->visibleRange();
        QVERIFY2(visible.durationMs() >= spanMs, qPrintable(QString::number(visible.durationMs())));
        QCOMPARE(visible.startMs, bench.nowMs - spanMs);
        const TimeRange data = podSpan(*bench.chart());
        QVERIFY2(data.startMs <= bench.nowMs - spanMs + 15 * kMinute,
            qPrintable(QString::number(bench.nowMs - data.startMs)));
        QVERIFY(data.endMs >= bench.nowMs - 5 * kMinute);
        const TimeRange drawn = drawnSpan(*bench.chart());
        QVERIFY(drawn.durationMs() >= spanMs * 95 / 100);
        // At most the screen's budget per line, far below Prometheus's 11,000.
        for (const ChartSeries& pod : bench.chart()->data()->pods) {
            std::size_t inRange = 0;
            for (const Sample& s : pod.samples)
                inRange += s.tMs >= visible.startMs;
            QVERIFY2(inRange <= 3000, qPrintable(QString::number(inRange)));
        }
    }

    // A history Prometheus refuses is named in the bar (which range, which query, why); the chart
    // keeps what it has.
    void aFailedLoadIsNamed()
    {
        Bench bench;
        QVERIFY(bench.start("payments"));
        QVERIFY(bench.settled());
        bench.proxy->answerWith(422,
            R"({"status":"error","errorType":"execution","error":"query processing would load too many samples into memory"})");
        bench.press(QStringLiteral("rangePreset_7d"));
        QVERIFY(bench.settled());
        const QString status = bench.chart()->presetBar()->statusText();
        QVERIFY2(status.startsWith(QStringLiteral("7d not loaded")), qPrintable(status));
        QVERIFY2(status.contains(QStringLiteral("too many samples")), qPrintable(status));
        QVERIFY2(status.contains(QStringLiteral("history from")), qPrintable(status));
        QVERIFY(!bench.chart()->data()->pods.empty()); // the investigation's 6 hours stay
        // The next range that loads clears it.
        bench.proxy->answerWith(0, {});
        bench.press(QStringLiteral("rangePreset_24h"));
        QVERIFY(bench.settled());
        QVERIFY2(
            bench.chart()->presetBar()->statusText().isEmpty(), qPrintable(bench.chart()->presetBar()->statusText()));
    }

    void rangesFetchedOnceAreNotFetchedAgain()
    {
        Bench bench;
        QVERIFY(bench.start("payments"));
        QVERIFY(bench.settled());
        bench.press(QStringLiteral("rangePreset_7d"));
        QVERIFY(bench.settled());
        const int afterWeek = bench.rangeQueries();
        const int sentAfterWeek = bench.history()->requestsSent();
        QVERIFY(afterWeek > 0);
        // Back to 6h and 24h-within-the-week: 6h is the investigation's, nothing is asked again.
        bench.press(QStringLiteral("rangePreset_6h"));
        QVERIFY(bench.settled());
        QCOMPARE(bench.rangeQueries(), afterWeek);
        QCOMPARE(bench.history()->requestsSent(), sentAfterWeek);
        QCOMPARE(bench.chart()->visibleRange().startMs, bench.nowMs - 6 * kHour);
        QVERIFY(podSpan(*bench.chart()).startMs <= bench.nowMs - 6 * kHour + kMinute);
        bench.press(QStringLiteral("rangePreset_7d"));
        QVERIFY(bench.settled());
        QCOMPARE(bench.rangeQueries(), afterWeek);
        // All: everything Prometheus keeps (the sandbox: 15 to 16 days, its former pods included).
        bench.press(QStringLiteral("rangePreset_All"));
        QVERIFY(bench.settled());
        QVERIFY2(
            bench.chart()->presetBar()->statusText().isEmpty(), qPrintable(bench.chart()->presetBar()->statusText()));
        QVERIFY(podSpan(*bench.chart()).startMs <= bench.nowMs - 15 * kDay);
        QVERIFY(bench.chart()->visibleRange().startMs <= bench.nowMs - 15 * kDay);
        bench.press(QStringLiteral("rangePreset_7d"));
        QVERIFY(bench.settled());
        const int afterAll = bench.rangeQueries();
        // 24h needs a finer step than the week's: only the part the 6 hours do not cover is asked.
        bench.press(QStringLiteral("rangePreset_24h"));
        QVERIFY(bench.settled());
        QVERIFY(bench.rangeQueries() > afterAll);
        for (qsizetype i = afterAll; i < bench.proxy->targets().size(); ++i) {
            const QUrlQuery q(QUrl(QString::fromUtf8(bench.proxy->targets()[i])).query());
            const qint64 end = std::llround(q.queryItemValue(QStringLiteral("end")).toDouble() * 1000);
            QVERIFY2(end <= bench.nowMs - 6 * kHour, bench.proxy->targets()[i].constData());
        }
    }

    void absolutePickerRefusesWhatCannotBeShown_data()
    {
        QTest::addColumn<qlonglong>("fromAgo");
        QTest::addColumn<qlonglong>("toAgo");
        QTest::addColumn<QString>("why");
        QTest::newRow("from after to") << kHour << 2 * kHour << QStringLiteral("before");
        QTest::newRow("from equals to") << 3 * kHour << 3 * kHour << QStringLiteral("before");
        QTest::newRow("to in the future") << kHour << -2 * kHour << QStringLiteral("future");
        QTest::newRow("longer than 30 days") << 40 * kDay << kDay << QStringLiteral("longer");
        QTest::newRow("older than 30 days") << 35 * kDay << 34 * kDay << QStringLiteral("ago");
    }
    void absolutePickerRefusesWhatCannotBeShown()
    {
        QFETCH(qlonglong, fromAgo);
        QFETCH(qlonglong, toAgo);
        QFETCH(QString, why);
        Bench bench;
        QVERIFY(bench.start("payments"));
        QVERIFY(bench.settled());
        const TimeRange before = bench.chart()->visibleRange();
        bench.press(QStringLiteral("absoluteRange"));
        AbsoluteRangePicker* picker = bench.chart()->rangePicker();
        QVERIFY(picker && picker->isVisible());
        picker->setRange(bench.nowMs - fromAgo, bench.nowMs - toAgo);
        QVERIFY2(picker->problem().contains(why), qPrintable(picker->problem()));
        QVERIFY(!picker->applyButton()->isEnabled());
        QTest::mouseClick(picker->applyButton(), Qt::LeftButton);
        QCOMPARE(bench.chart()->visibleRange().startMs, before.startMs);
        QCOMPARE(bench.chart()->visibleRange().endMs, before.endMs);

        // A range two to three days ago is accepted, shown and fetched.
        const qint64 from = (bench.nowMs - 3 * kDay) / kMinute * kMinute;
        const qint64 to = (bench.nowMs - 2 * kDay) / kMinute * kMinute;
        picker->setRange(from, to);
        QVERIFY2(picker->problem().isEmpty(), qPrintable(picker->problem()));
        QTest::mouseClick(picker->applyButton(), Qt::LeftButton);
        QCOMPARE(bench.chart()->visibleRange().startMs, from);
        QCOMPARE(bench.chart()->visibleRange().endMs, to);
        QVERIFY(!bench.chart()->rangePreset());
        QVERIFY(bench.settled());
        const TimeRange drawn = drawnSpan(*bench.chart());
        QVERIFY(drawn.startMs <= from + 2 * kMinute && drawn.endMs >= to - 2 * kMinute);
    }

    void autoRefreshFetchesOnlyTheTail()
    {
        Bench bench;
        QVERIFY(bench.start("payments"));
        QVERIFY(bench.settled());
        const qint64 then = bench.nowMs;
        const int before = bench.proxy->targets().size();
        bench.host.advanceClock(3 * kMinute);
        bench.nowMs += 3 * kMinute;
        QStringList statusWhileLoading;
        QObject::connect(bench.history(), &MemoryHistory::loadingStarted, bench.chart(),
            [&] { statusWhileLoading << bench.chart()->presetBar()->statusText(); });
        bench.view->chartFeed()->refresh();
        QVERIFY(bench.settled());
        QCOMPARE(statusWhileLoading, QStringList { QStringLiteral("loading the newest samples of 6h…") });
        QCOMPARE(bench.view->chartFeed()->nowMs(), bench.nowMs);
        QCOMPARE(bench.chart()->data()->nowMs, bench.nowMs);
        // 6h ends at the new now (payments' projection to its limit shows a little beyond it).
        QCOMPARE(bench.chart()->visibleRange().startMs, bench.nowMs - 6 * kHour);
        QVERIFY(podSpan(*bench.chart()).endMs >= then + 2 * kMinute);
        const int asked = bench.proxy->targets().size() - before;
        QCOMPARE(asked, int(MemoryHistory::chartQueries().size()));
        for (qsizetype i = before; i < bench.proxy->targets().size(); ++i) {
            const QUrlQuery q(QUrl(QString::fromUtf8(bench.proxy->targets()[i])).query());
            const qint64 start = std::llround(q.queryItemValue(QStringLiteral("start")).toDouble() * 1000);
            const qint64 end = std::llround(q.queryItemValue(QStringLiteral("end")).toDouble() * 1000);
            QVERIFY2(start >= then - 15000 && end == bench.nowMs, bench.proxy->targets()[i].constData());
        }
    }

    void autoRefreshNeverStacksOnASlowServer()
    {
        Bench bench;
        QVERIFY(bench.start("payments"));
        QVERIFY(bench.settled());
        bench.proxy->setDelayMs(1500);
        bench.proxy->resetMaxInFlight();
        const int before = bench.proxy->targets().size();
        bench.host.advanceClock(kMinute);
        bench.nowMs += kMinute;
        // Ticks far faster than the server answers (the box offers 30 s and up; the feed takes any).
        bench.view->chartFeed()->setAutoRefresh(100);
        QTest::qWait(1000);
        QVERIFY(bench.view->chartFeed()->skippedRefreshes() >= 3);
        QVERIFY(bench.proxy->targets().size() - before <= int(MemoryHistory::chartQueries().size()));
        QVERIFY(bench.proxy->maxInFlight() <= int(MemoryHistory::chartQueries().size()));
        bench.view->chartFeed()->setAutoRefresh(0);
        QVERIFY(bench.settled());
        QCOMPARE(bench.view->chartFeed()->nowMs(), bench.nowMs);
        // The box in the bar drives the same timer.
        auto* box = bench.chart()->findChild<QComboBox*>(QStringLiteral("autoRefresh"));
        QVERIFY(box);
        box->setCurrentIndex(1);
        QCOMPARE(bench.view->chartFeed()->autoRefreshMs(), 30 * 1000);
        box->setCurrentIndex(0);
        QCOMPARE(bench.view->chartFeed()->autoRefreshMs(), 0);
    }
};

QTEST_MAIN(TestMemoryChartHistory)
#include "tst_memory_chart_history.moc"
