// HeapAnalysisJob and HeapDiffJob on hand-built dumps: the histogram arrives before the full
// analysis, each run ends in exactly one of finished()/failed(), cancel and superseded runs drop
// their results, and damaged or unreadable files say what is wrong and where.
#include "GzipFiles.h"
#include "LeakyHeapDump.h"

#include "TestSupport.h"
#include "ui/heap/HeapAnalysisJob.h"
#include "ui/heap/HeapDiffJob.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace leakdesk;
using namespace leakdesk::ui;
using leakdesk::heap::test::buildLeakyDump;
using leakdesk::heap::test::gzipOf;
using leakdesk::heap::test::hprofHeader;
using leakdesk::heap::test::LeakyDump;
using leakdesk::heap::test::writeDump;

namespace {

using HistogramPtr = std::shared_ptr<const heap::ClassHistogram>;
using AnalysisPtr = std::shared_ptr<const HeapAnalysis>;
using DiffPtr = std::shared_ptr<const heap::HeapDiff>;

// Every signal of a job in arrival order, with what it carried.
struct Recorder {
    QStringList events;
    std::vector<HistogramPtr> histograms;
    std::vector<AnalysisPtr> analyses;
    std::vector<DiffPtr> diffs;
    QString message, hint, damage;
    std::vector<double> fractions;

    void attach(HeapJob* job)
    {
        QObject::connect(job, &Job::progress, [this](const JobProgress& p) { fractions.push_back(p.fraction); });
        QObject::connect(job, &HeapJob::damaged, [this](const QString& m, const QString&) {
            events << QStringLiteral("damaged");
            damage = m;
        });
        QObject::connect(job, &HeapJob::finished, [this] { events << QStringLiteral("finished"); });
        QObject::connect(job, &Job::failed, [this](const Error& e) {
            events << QStringLiteral("failed");
            message = QString::fromStdString(e.message);
            hint = QString::fromStdString(e.detail);
        });
    }
    void attach(HeapAnalysisJob* job)
    {
        attach(static_cast<HeapJob*>(job));
        QObject::connect(job, &HeapAnalysisJob::histogramReady, [this](HistogramPtr h) {
            events << QStringLiteral("histogram");
            histograms.push_back(h);
        });
        QObject::connect(job, &HeapAnalysisJob::analysisReady, [this](AnalysisPtr a) {
            events << QStringLiteral("analysis");
            analyses.push_back(a);
        });
    }
    void attach(HeapDiffJob* job)
    {
        attach(static_cast<HeapJob*>(job));
        QObject::connect(job, &HeapDiffJob::diffReady, [this](DiffPtr d) {
            events << QStringLiteral("diff");
            diffs.push_back(d);
        });
    }
    int ends() const { return int(events.count(QStringLiteral("finished")) + events.count(QStringLiteral("failed"))); }
};

// Lets every worker finish and every queued delivery arrive, so "nothing else came" is a fact.
void drain(HeapJob& job)
{
    QVERIFY(job.waitForIdle(30000));
    for (int i = 0; i < 5; ++i) {
        QCoreApplication::processEvents();
        QTest::qWait(10);
    }
}

std::uint64_t instancesOf(const heap::ClassHistogram& h, const std::string& cls)
{
    for (const auto& r : h.rows)
        if (r.className == cls)
            return r.instances;
    return 0;
}

} // namespace

class TestHeapJob : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_small, m_large;

    QString path(const char* name) const { return m_dir.filePath(QString::fromLatin1(name)); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_small = path("small.hprof");
        m_large = path("large.hprof");
        QVERIFY(writeDump(m_small, buildLeakyDump(100).bytes));
        QVERIFY(writeDump(m_large, buildLeakyDump(3000).bytes));
    }

    void histogramArrivesBeforeTheAnalysis()
    {
        HeapAnalysisJob job;
        Recorder r;
        r.attach(&job);
        QSignalSpy started(&job, &HeapAnalysisJob::started);
        job.openDump(m_large);
        QCOMPARE(started.count(), 1);
        QVERIFY(job.isRunning());
        QCOMPARE(job.path(), m_large);
        QTRY_COMPARE_WITH_TIMEOUT(r.ends(), 1, 30000);
        QCOMPARE(r.events, (QStringList { "histogram", "analysis", "finished" }));
        QVERIFY(!job.isRunning());
        QVERIFY(!job.wasCancelled());
        const auto& h = *r.histograms.front();
        QVERIFY(!h.hasRetained);
        QCOMPARE(instancesOf(h, "com.example.Node"), 3000u);
        const auto& a = *r.analyses.front();
        QCOMPARE(a.path, m_large);
        QVERIFY(a.histogram->hasRetained);
        QCOMPARE(instancesOf(*a.histogram, "com.example.Node"), 3000u);
        QVERIFY(a.dominators && a.paths && a.snapshot);
        QVERIFY(a.suspects.size() >= 2);
        QCOMPARE(a.suspects.front().category, heap::LeakCategory::UnboundedCache);
        // Progress ends at 100 %, and never goes outside 0..1.
        QVERIFY(!r.fractions.empty());
        QCOMPARE(r.fractions.back(), 1.0);
        for (double f : r.fractions)
            QVERIFY(f >= 0 && f <= 1);
        drain(job);
        QCOMPARE(r.ends(), 1);
    }

    // The cut lands inside a heap dump segment: what came before it is still analysed.
    void truncatedDumpSaysWhereAndKeepsWhatWasRead()
    {
        const LeakyDump d = buildLeakyDump(100);
        const std::size_t cut = d.bytes.size() * 2 / 3;
        const QString file = path("cut.hprof");
        QVERIFY(writeDump(file, d.bytes, cut));
        HeapAnalysisJob job;
        Recorder r;
        r.attach(&job);
        job.openDump(file);
        QTRY_COMPARE_WITH_TIMEOUT(r.ends(), 1, 30000);
        QCOMPARE(r.events, (QStringList { "damaged", "histogram", "analysis", "finished" }));
        QVERIFY2(r.damage.contains(QLatin1String("0x")), qPrintable(r.damage)); // the record offset
        const auto& h = *r.histograms.front();
        QVERIFY(h.damage);
        QVERIFY(h.totalInstances > 0);
        QVERIFY(instancesOf(h, "com.example.Node") == 100); // the sessions come before the cut
        QVERIFY(instancesOf(h, "com.example.OrderListener") < 1200); // the listeners after it, partly
        QVERIFY(r.analyses.front()->snapshot->damage());
    }

    void unreadableDumpFails_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("length"); // -1: do not create the file
        QTest::addColumn<QString>("says");
        QTest::newRow("missing") << "missing.hprof" << -1 << "missing.hprof";
        QTest::newRow("cut in the header") << "header.hprof" << 22 << "header";
        QTest::newRow("empty") << "empty.hprof" << 0 << "HPROF";
    }
    void unreadableDumpFails()
    {
        QFETCH(QString, name);
        QFETCH(int, length);
        QFETCH(QString, says);
        const QString file = m_dir.filePath(name);
        if (length >= 0)
            QVERIFY(writeDump(file, buildLeakyDump(10).bytes, std::size_t(length)));
        HeapAnalysisJob job;
        Recorder r;
        r.attach(&job);
        job.openDump(file);
        QTRY_COMPARE_WITH_TIMEOUT(r.ends(), 1, 30000);
        QCOMPARE(r.events, QStringList { "failed" });
        QVERIFY2(r.message.contains(says, Qt::CaseInsensitive), qPrintable(r.message));
        QVERIFY2(!r.hint.isEmpty(), qPrintable(r.message)); // what to do next
        QVERIFY(!job.wasCancelled());
        QVERIFY(!job.isRunning());
    }

    // Files that must never reach an analysis: each run fails before any histogram, says why and
    // what to do, and a gzip bomb also tells the view it may ask to lift the cap.
    void compressedAndEmptyDumpsFail_data()
    {
        QTest::addColumn<QByteArray>("content"); // empty with a "fifo" tag: a named pipe
        QTest::addColumn<QString>("says");
        QTest::addColumn<bool>("overTheCap");
        const auto leaky = buildLeakyDump(10).bytes;
        const QByteArray dump(reinterpret_cast<const char*>(leaky.data()), qsizetype(leaky.size()));
        QTest::newRow("gzip bomb") << gzipOf(hprofHeader(), 128ull << 20) << "gzip bomb" << true;
        QByteArray cut = gzipOf(dump, 0, 4096);
        cut.chop(5);
        QTest::newRow("cut .gz") << cut << "ends early" << false;
        QByteArray crc = gzipOf(dump, 0);
        crc[crc.size() - 5] = char(crc[crc.size() - 5] ^ 0x10);
        QTest::newRow("bad CRC") << crc << "corrupt" << false;
        QTest::newRow("compressed log") << gzipOf("12:00:01 INFO started\n", 0) << "no HPROF" << false;
        QTest::newRow("header only") << hprofHeader() << "no objects" << false;
        QTest::newRow("zeros after the header") << hprofHeader() + QByteArray(65536, '\0') << "no objects" << false;
        QTest::newRow("fifo") << QByteArray() << "named pipe" << false;
    }
    void compressedAndEmptyDumpsFail()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, says);
        QFETCH(bool, overTheCap);
        const QString file = m_dir.filePath(QStringLiteral("refused-%1.hprof.gz").arg(QTest::currentDataTag()));
        QFile::remove(file);
        if (QByteArray(QTest::currentDataTag()) == "fifo") {
            QCOMPARE(leakdesk::test::makeFifo(file), QString());
        } else {
            QFile f(file);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QCOMPARE(f.write(content), content.size());
        }
        HeapAnalysisJob job;
        Recorder r;
        r.attach(&job);
        QSignalSpy limit(&job, &HeapAnalysisJob::inflateLimitExceeded);
        job.openDump(file);
        QTRY_COMPARE_WITH_TIMEOUT(r.ends(), 1, 60000);
        drain(job);
        QCOMPARE(r.events, QStringList { "failed" }); // never a histogram of nothing
        QVERIFY2(r.message.contains(says), qPrintable(r.message));
        QVERIFY2(!r.hint.isEmpty(), qPrintable(r.message));
        QCOMPARE(limit.count(), overTheCap ? 1 : 0);
        if (overTheCap)
            QCOMPARE(limit.at(0).at(0).toString(), file);
    }

    void cancelStopsTheRunAndDropsItsResults()
    {
        HeapAnalysisJob job;
        Recorder r;
        r.attach(&job);
        job.openDump(m_large);
        job.cancel();
        // Cancelling answers at once: the user sees it ended, whatever the worker was doing.
        QCOMPARE(r.events, QStringList { "failed" });
        QVERIFY(r.message.contains(QLatin1String("cancelled")));
        QVERIFY(r.message.contains(QLatin1String("large.hprof")));
        QVERIFY(job.wasCancelled());
        QVERIFY(!job.isRunning());
        drain(job);
        QCOMPARE(r.events, QStringList { "failed" });
        job.cancel(); // idle: nothing happens
        QCOMPARE(r.ends(), 1);

        // Cancelled after the histogram: it stays delivered, the analysis never comes.
        Recorder r2;
        HeapAnalysisJob job2;
        r2.attach(&job2);
        QObject::connect(&job2, &HeapAnalysisJob::histogramReady, &job2, &HeapJob::cancel);
        job2.openDump(m_large);
        QTRY_COMPARE_WITH_TIMEOUT(r2.ends(), 1, 30000);
        drain(job2);
        QCOMPARE(r2.events, (QStringList { "histogram", "failed" }));
        QVERIFY(job2.wasCancelled());

        // The job can be used again after a cancel.
        Recorder r3;
        r3.attach(&job2);
        QObject::disconnect(&job2, &HeapAnalysisJob::histogramReady, &job2, &HeapJob::cancel);
        job2.openDump(m_small);
        QTRY_COMPARE_WITH_TIMEOUT(r3.ends(), 1, 30000);
        QCOMPARE(r3.events, (QStringList { "histogram", "analysis", "finished" }));
        QVERIFY(!job2.wasCancelled());
    }

    // A second openDump supersedes the first: only the second dump's results arrive, ending once.
    void supersededRunIsDropped_data()
    {
        QTest::addColumn<bool>("afterHistogram");
        QTest::newRow("at once") << false;
        QTest::newRow("after the first histogram") << true;
    }
    void supersededRunIsDropped()
    {
        QFETCH(bool, afterHistogram);
        HeapAnalysisJob job;
        Recorder r;
        r.attach(&job);
        if (afterHistogram) {
            // Supersede from the first histogram's delivery: the first run's analysis is then still
            // being computed or already queued, and must be dropped either way.
            auto once = std::make_shared<QMetaObject::Connection>();
            *once = QObject::connect(&job, &HeapAnalysisJob::histogramReady, &job, [&, once] {
                QObject::disconnect(*once);
                job.openDump(m_small);
            });
        }
        job.openDump(m_large);
        if (!afterHistogram)
            job.openDump(m_small);
        QTRY_VERIFY_WITH_TIMEOUT(r.ends() >= 1, 30000);
        drain(job);
        QCOMPARE(job.path(), m_small);
        QCOMPARE(r.ends(), 1);
        QCOMPARE(r.events.last(), QStringLiteral("finished"));
        QCOMPARE(r.events.count(QStringLiteral("histogram")), afterHistogram ? 2 : 1);
        QCOMPARE(r.analyses.size(), std::size_t(1));
        QCOMPARE(r.analyses.front()->path, m_small);
        QCOMPARE(instancesOf(*r.analyses.front()->histogram, "com.example.Node"), std::uint64_t(100));
        QCOMPARE(instancesOf(*r.histograms.back(), "com.example.Node"), std::uint64_t(100));
        if (afterHistogram)
            QCOMPARE(instancesOf(*r.histograms.front(), "com.example.Node"), std::uint64_t(3000));
    }

    void diffArrivesShallowThenRetained()
    {
        HeapDiffJob job;
        Recorder r;
        r.attach(&job);
        QSignalSpy started(&job, &HeapDiffJob::started);
        job.compare(m_small, m_large);
        QCOMPARE(started.count(), 1);
        QCOMPARE(job.earlierPath(), m_small);
        QCOMPARE(job.laterPath(), m_large);
        QTRY_COMPARE_WITH_TIMEOUT(r.ends(), 1, 30000);
        QCOMPARE(r.events, (QStringList { "diff", "diff", "finished" }));
        QVERIFY(!r.diffs[0]->hasRetained);
        QVERIFY(r.diffs[1]->hasRetained);
        for (const auto& diff : r.diffs) {
            const auto it = std::find_if(diff->rows.begin(), diff->rows.end(),
                [](const heap::HeapDiffRow& row) { return row.className == "com.example.Node"; });
            QVERIFY(it != diff->rows.end());
            QCOMPARE(it->instanceGrowth(), 2900);
        }
    }

    void diffNamesTheDumpItCannotRead()
    {
        HeapDiffJob job;
        Recorder r;
        r.attach(&job);
        job.compare(m_small, path("gone.hprof"));
        QTRY_COMPARE_WITH_TIMEOUT(r.ends(), 1, 30000);
        QCOMPARE(r.events, QStringList { "failed" });
        QVERIFY2(r.message.startsWith(QLatin1String("gone.hprof")), qPrintable(r.message));
        QVERIFY(!r.hint.isEmpty());
    }

    // Destroying a job while it runs must neither crash nor deliver into the destroyed object.
    void destroyingARunningJobIsSafe()
    {
        bool delivered = false;
        {
            HeapAnalysisJob job;
            QObject::connect(&job, &HeapAnalysisJob::analysisReady, [&] { delivered = true; });
            job.openDump(m_large);
        }
        QTest::qWait(50);
        QVERIFY(!delivered);
    }
};

QTEST_GUILESS_MAIN(TestHeapJob)
#include "tst_heap_job.moc"
