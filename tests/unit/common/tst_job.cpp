// common/Job: the one job shape. Exactly one finished or failed per run, whatever the order of the
// calls; a superseded run reaches no listener (also from another thread); cancel stops the run and
// fails with Cancelled; the ETA is the stage's elapsed time over the fraction it gained.
#include "core/common/Job.h"

#include <QSignalSpy>
#include <QTest>
#include <QThread>

using namespace leakdesk;

namespace {

// The smallest job: a typed finished(int), work driven by the test.
class CountingJob : public Job {
    Q_OBJECT
public:
    struct Run : JobRun {
        std::shared_ptr<int> stops; // outlives the job: ~Job stops a running run
        void onStop() override { ++*stops; }
    };

    std::shared_ptr<Run> start(const QString& what = {})
    {
        auto run = begin<Run>(what);
        run->stops = m_stops;
        return run;
    }
    void succeed(const std::shared_ptr<JobRun>& run, int value)
    {
        finish(run, [this, value] { Q_EMIT finished(value); });
    }
    void abandonRun() { abandon(); }
    template<class T> std::function<void(Result<T>)> operation(std::function<void(Result<T>)> done)
    {
        return beginOperation<T>(QStringLiteral("plan"), std::move(done));
    }
    using Job::deliver;
    using Job::fail;
    using Job::reportCount;
    using Job::reportProgress;

    int stops() const { return *m_stops; }
    std::shared_ptr<int> m_stops = std::make_shared<int>(0);

Q_SIGNALS:
    void finished(int value);
};

// Every ending a listener sees, in order: "finished 7", "failed cancelled: ...".
struct Ends {
    QStringList events;
    int ended = 0;
    explicit Ends(CountingJob& job)
    {
        QObject::connect(
            &job, &CountingJob::finished, [this](int v) { events << QStringLiteral("finished %1").arg(v); });
        QObject::connect(&job, &Job::failed, [this](const Error& e) {
            events << QStringLiteral("failed %1: %2")
                          .arg(QLatin1String(errorCodeName(e.code)), QString::fromStdString(e.message));
        });
        QObject::connect(&job, &Job::ended, [this] { ++ended; });
    }
};

} // namespace

class TestJob : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // Each script is a series of endings tried on one run: only the first may reach a listener.
    void exactlyOnePerRun_data()
    {
        QTest::addColumn<QString>("script"); // f: finish, x: fail, c: cancel
        QTest::addColumn<QString>("seen");
        QTest::newRow("finish") << "f"
                                << "finished 1";
        QTest::newRow("finish twice") << "ff"
                                      << "finished 1";
        QTest::newRow("fail then finish") << "xf"
                                          << "failed timeout: slow";
        QTest::newRow("finish then fail") << "fx"
                                          << "finished 1";
        QTest::newRow("cancel then late results") << "cfx"
                                                  << "failed cancelled: dump.hprof was cancelled";
        QTest::newRow("finish then cancel") << "fc"
                                            << "finished 1";
        QTest::newRow("fail, cancel, fail") << "xcx"
                                            << "failed timeout: slow";
        QTest::newRow("cancel twice") << "cc"
                                      << "failed cancelled: dump.hprof was cancelled";
    }
    void exactlyOnePerRun()
    {
        QFETCH(QString, script);
        QFETCH(QString, seen);
        CountingJob job;
        Ends ends(job);
        auto run = job.start(QStringLiteral("dump.hprof"));
        QVERIFY(job.isRunning());
        for (QChar step : script) {
            if (step == QLatin1Char('f'))
                job.succeed(run, 1);
            else if (step == QLatin1Char('x'))
                job.fail(run, makeError(ErrorCode::Timeout, "slow"));
            else
                job.cancel();
        }
        QCOMPARE(ends.events, QStringList { seen });
        QCOMPARE(ends.ended, 1);
        QVERIFY(!job.isRunning());
        QCOMPARE(job.wasCancelled(), seen.contains(QLatin1String("cancelled:")));
    }

    // A newer run replaces an older one: the older run is stopped, ends silently, and nothing it
    // reports or delivers afterwards (progress, results, failures) reaches a listener.
    void supersededRunIsDropped_data()
    {
        QTest::addColumn<bool>("olderFails");
        QTest::addColumn<bool>("fromWorker");
        QTest::newRow("older finishes") << false << false;
        QTest::newRow("older fails") << true << false;
        QTest::newRow("older finishes, from a worker thread") << false << true;
        QTest::newRow("older fails, from a worker thread") << true << true;
    }
    void supersededRunIsDropped()
    {
        QFETCH(bool, olderFails);
        QFETCH(bool, fromWorker);
        CountingJob job;
        Ends ends(job);
        QSignalSpy progress(&job, &Job::progress);
        auto older = job.start(QStringLiteral("first"));
        auto newer = job.start(QStringLiteral("second"));
        QVERIFY(older->stopped());
        QVERIFY(!newer->stopped());
        QCOMPARE(job.stops(), 1);
        QVERIFY(newer->serial() > older->serial());

        auto endOlder = [&] {
            if (olderFails)
                job.fail(older, makeError(ErrorCode::Io, "older"));
            else
                job.succeed(older, 1);
        };
        if (fromWorker) {
            std::unique_ptr<QThread> worker(QThread::create([&] {
                job.deliver(older, [&] { job.reportProgress(older, QStringLiteral("old stage"), 0.5); });
                job.deliver(older, endOlder);
                job.deliver(newer, [&] { job.succeed(newer, 2); });
            }));
            worker->start();
            QVERIFY(worker->wait(10000));
            QVERIFY(QTest::qWaitFor([&] { return !ends.events.isEmpty(); }, 10000));
        } else {
            job.reportProgress(older, QStringLiteral("old stage"), 0.5);
            endOlder();
            job.succeed(newer, 2);
        }
        QCOMPARE(ends.events, QStringList { QStringLiteral("finished 2") });
        QCOMPARE(ends.ended, 1);
        QCOMPARE(progress.count(), 0);
    }

    void cancelStopsTheRunOnce()
    {
        CountingJob job;
        Ends ends(job);
        job.cancel(); // idle: nothing to say
        QVERIFY(ends.events.isEmpty());
        auto run = job.start(QStringLiteral("the capture of pod/a"));
        job.cancel();
        QVERIFY(run->stopped());
        QCOMPARE(job.stops(), 1);
        QVERIFY(job.wasCancelled());
        QCOMPARE(ends.events, QStringList { QStringLiteral("failed cancelled: the capture of pod/a was cancelled") });
        // The next run starts afresh.
        auto next = job.start(QStringLiteral("again"));
        QVERIFY(!job.wasCancelled());
        job.succeed(next, 3);
        QCOMPARE(ends.events.last(), QStringLiteral("finished 3"));
        QCOMPARE(job.stops(), 1); // a finished run is not stopped
    }

    void destroyingARunningJobStopsItsRun()
    {
        std::shared_ptr<JobRun> run;
        {
            CountingJob job;
            run = job.start(QStringLiteral("x"));
        }
        QVERIFY(run->stopped()); // work still holding the run sees it should stop
    }

    void abandonEndsSilently()
    {
        CountingJob job;
        Ends ends(job);
        auto run = job.start(QStringLiteral("x"));
        job.abandonRun();
        QVERIFY(run->stopped());
        QVERIFY(!job.isRunning());
        job.succeed(run, 1); // late results of the abandoned run
        QVERIFY(ends.events.isEmpty());
        QCOMPARE(ends.ended, 0);
    }

    // Callback operations: the latest one's callback alone is called, once; a failure reaches both
    // failed() and the callback; a cancelled operation's callback is never called.
    void callbackOperations()
    {
        CountingJob job;
        Ends ends(job);
        QStringList got;
        auto remember = [&](const char* name) {
            return std::function<void(Result<int>)>([&got, name](Result<int> r) {
                got << QStringLiteral("%1 %2").arg(
                    QLatin1String(name), r ? QString::number(*r) : QString::fromStdString(r.error().message));
            });
        };
        auto older = job.operation<int>(remember("older"));
        auto newer = job.operation<int>(remember("newer"));
        older(1); // superseded
        newer(2);
        newer(3); // at most once
        QCOMPARE(got, QStringList { "newer 2" });
        QCOMPARE(ends.ended, 1);

        auto failing = job.operation<int>(remember("failing"));
        failing(makeError(ErrorCode::Forbidden, "no"));
        QCOMPARE(got.last(), QStringLiteral("failing no"));
        QCOMPARE(ends.events.last(), QStringLiteral("failed forbidden: no"));

        auto cancelled = job.operation<int>(remember("cancelled"));
        job.cancel();
        cancelled(4);
        QCOMPARE(got.size(), 2);
        QCOMPARE(ends.events.last(), QStringLiteral("failed cancelled: plan was cancelled"));
        QCOMPARE(ends.ended, 3);
    }

    // Reports at fake times: (ms, stage, fraction). The last report's ETA is checked.
    void eta_data()
    {
        QTest::addColumn<QList<qint64>>("times");
        QTest::addColumn<QStringList>("stages");
        QTest::addColumn<QList<double>>("fractions");
        QTest::addColumn<double>("eta"); // -1: unknown
        QTest::newRow("half done in 2 s")
            << QList<qint64> { 0, 2000 } << QStringList { "a", "a" } << QList<double> { 0.0, 0.5 } << 2.0;
        QTest::newRow("a quarter in 1 s")
            << QList<qint64> { 1000, 2000 } << QStringList { "a", "a" } << QList<double> { 0.0, 0.25 } << 3.0;
        QTest::newRow("entered at 40 %") << QList<qint64> { 0, 3000 } << QStringList { "a", "a" }
                                         << QList<double> { 0.4, 0.7 } << 3.0;
        QTest::newRow("first report: unknown")
            << QList<qint64> { 500 } << QStringList { "a" } << QList<double> { 0.3 } << -1.0;
        QTest::newRow("new stage restarts the clock")
            << QList<qint64> { 0, 9000, 10000 } << QStringList { "a", "b", "b" } << QList<double> { 0.0, 0.0, 0.1 }
            << 9.0;
        QTest::newRow("done") << QList<qint64> { 0, 4000 } << QStringList { "a", "a" } << QList<double> { 0.0, 1.0 }
                              << 0.0;
    }
    void eta()
    {
        QFETCH(QList<qint64>, times);
        QFETCH(QStringList, stages);
        QFETCH(QList<double>, fractions);
        QFETCH(double, eta);
        CountingJob job;
        qint64 now = 0;
        job.setClock([&] { return now; });
        QSignalSpy progress(&job, &Job::progress);
        auto run = job.start(QStringLiteral("x"));
        for (int i = 0; i < times.size(); ++i) {
            now = times[i];
            job.reportProgress(run, stages[i], fractions[i]);
        }
        QCOMPARE(progress.count(), times.size());
        const auto last = progress.last().at(0).value<JobProgress>();
        QCOMPARE(last.stage, stages.last());
        QCOMPARE(last.fraction, fractions.last());
        QCOMPARE(last.etaSeconds.has_value(), eta >= 0);
        if (eta >= 0)
            QCOMPARE(*last.etaSeconds, eta);
    }

    void progressIsThrottledToWholePercents()
    {
        CountingJob job;
        QSignalSpy progress(&job, &Job::progress);
        auto run = job.start();
        for (double f : { 0.100, 0.101, 0.105, 0.11, 0.11, 0.5 })
            job.reportProgress(run, QStringLiteral("s"), f);
        QCOMPARE(progress.count(), 3); // 10 %, 11 %, 50 %
        job.reportProgress(run, QStringLiteral("t"), 0.5); // a new stage is news
        QCOMPARE(progress.count(), 4);
        job.reportProgress(run, QStringLiteral("t"), 0.9, 42.0); // the work's own estimate wins
        QCOMPARE(progress.last().at(0).value<JobProgress>().etaSeconds, std::optional<double>(42.0));
    }

    void countedProgress()
    {
        CountingJob job;
        qint64 now = 0;
        job.setClock([&] { return now; });
        QSignalSpy progress(&job, &Job::progress);
        auto run = job.start();
        job.reportCount(run, QStringLiteral("pods"), 1, 4);
        now = 3000;
        job.reportCount(run, QStringLiteral("events"), 2, 4);
        QCOMPARE(progress.count(), 2);
        const auto p = progress.last().at(0).value<JobProgress>();
        QCOMPARE(p.stage, QStringLiteral("events"));
        QCOMPARE(p.done, 2);
        QCOMPARE(p.total, 4);
        QCOMPARE(p.fraction, 0.5);
        QCOMPARE(p.etaSeconds, std::optional<double>(3.0));
    }
};

QTEST_GUILESS_MAIN(TestJob)
#include "tst_job.moc"
