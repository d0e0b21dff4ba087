// The sandbox's heap dumps grow with the leak (issue 15, item 4: two captures had the same SHA-256
// and every delta of the diff was 0). Captured through the real pipeline (HeapCapture over exec) at
// pinned moments of one container run and compared in the Heap view: the later dump holds more of
// the leak, in proportion to what the sandbox's leak holds at each moment; two captures at one
// moment are one heap, and the view says so.

#include "SandboxCluster.h"
#include "TestSupport.h"

#include "core/capture/HeapCapture.h"
#include "core/heap/ClassHistogram.h"
#include "core/heap/HeapDiff.h"
#include "core/heap/HprofFile.h"
#include "core/sandbox/model/SandboxModel.h"
#include "core/sandbox/shell/SyntheticHeapDump.h"
#include "ui/heap/DiffModel.h"
#include "ui/heap/HeapView.h"

#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;

namespace {

constexpr std::uint64_t kSeed = 42;

struct Moment {
    std::int64_t earlyMs = 0;
    std::int64_t lateMs = 0;
    std::string pod;
    double leakedEarly = 0;
    double leakedLate = 0;
};

// A checkout pod and two moments of one of its runs, at 25 % and 75 % of the way to the limit,
// each with the container running steadily for the minute a capture takes.
std::optional<Moment> growingRun(std::int64_t fromMs, std::int64_t toMs)
{
    const sandbox::SandboxModel model(kSeed, toMs);
    for (std::size_t p = 0; p < model.pods().size(); ++p) {
        if (model.services()[model.pods()[p].service].name != "checkout")
            continue;
        for (const auto& run : model.pods()[p].runs) {
            if (run.startedMs < fromMs || run.startedMs + run.runLengthMs > toMs || run.runLengthMs < 8 * 60 * 1000)
                continue;
            Moment m;
            m.pod = model.pods()[p].name;
            m.earlyMs = (run.startedMs + run.runLengthMs / 4) / 1000 * 1000;
            m.lateMs = (run.startedMs + run.runLengthMs * 3 / 4) / 1000 * 1000;
            if (!test::runsSteadily(model, p, m.earlyMs, 60'000) || !test::runsSteadily(model, p, m.lateMs, 60'000))
                continue;
            m.leakedEarly = model.leakedBytes(p, m.earlyMs).value_or(0);
            m.leakedLate = model.leakedBytes(p, m.lateMs).value_or(0);
            // The sandbox pinned at the early moment lays out the same run.
            const sandbox::SandboxModel pinned(kSeed, m.earlyMs);
            if (pinned.leakedBytes(p, m.earlyMs) != m.leakedEarly)
                continue;
            return m;
        }
    }
    return std::nullopt;
}

// One verified capture of `pod` through the pipeline the GUI uses; the local file.
QString captureDump(kube::KubeClient& client, const std::string& pod, const QString& dir)
{
    capture::CaptureRequest request;
    request.ns = QStringLiteral("production");
    request.pod = QString::fromStdString(pod);
    request.outputDir = dir;
    capture::HeapCapture job(client, request);
    QString path;
    QString error = QStringLiteral("no result");
    QObject::connect(&job, &capture::HeapCapture::finished, &job, [&](const capture::CaptureResult& r) {
        path = r.path;
        error.clear();
    });
    QObject::connect(&job, &capture::HeapCapture::failed, &job,
        [&](const Error& e) { error = QString::fromStdString(e.message + " " + e.detail); });
    job.runAll(true); // past the "close to its limit" warning: the sandbox's pod survives it
    (void)QTest::qWaitFor([&] { return !path.isEmpty() || error != QStringLiteral("no result"); }, 60000);
    if (!error.isEmpty())
        qWarning("capture of %s failed: %s", pod.c_str(), qPrintable(error));
    return path;
}

bool startPinned(test::SandboxCluster& cluster, std::int64_t atMs)
{
    sandbox::SandboxOptions options;
    options.seed = kSeed;
    return cluster.start(test::SandboxCluster::pinnedAt(options, atMs)).ok();
}

// The Heap view's comparison of two dumps, once it has retained sizes.
std::shared_ptr<const heap::HeapDiff> diffInView(ui::HeapView& view, const QString& earlier, const QString& later)
{
    QSignalSpy finished(&view, &ui::HeapView::diffFinished);
    view.openDiff(earlier, later);
    if (!finished.wait(120000))
        return {};
    return view.diff();
}

const heap::HeapDiffRow* rowOf(const heap::HeapDiff& diff, const std::string& className)
{
    for (const auto& r : diff.rows)
        if (r.className == className)
            return &r;
    return nullptr;
}

QString topRows(const heap::HeapDiff& diff)
{
    QString text;
    for (std::size_t i = 0; i < diff.rows.size() && i < 6; ++i)
        text += QStringLiteral("\n%1 instances %2 -> %3, retained growth %4")
                    .arg(QString::fromStdString(diff.rows[i].className))
                    .arg(diff.rows[i].instancesBefore)
                    .arg(diff.rows[i].instancesAfter)
                    .arg(diff.rows[i].retainedGrowth());
    return text;
}

} // namespace

class TestSandboxHeapGrowth : public QObject {
    Q_OBJECT
    Moment m_moment;

private Q_SLOTS:
    void initTestCase()
    {
        const std::int64_t now = test::testNowMs();
        const auto moment = growingRun(now - 24 * 3600 * 1000LL, now);
        QVERIFY2(moment, "no checkout run with two steady moments in a day");
        m_moment = *moment;
        QVERIFY(m_moment.leakedLate > m_moment.leakedEarly);
    }

    void laterCaptureShowsTheLeakGrowing()
    {
        test::SandboxCluster c;
        QVERIFY(startPinned(c, m_moment.earlyMs));
        QTemporaryDir dir;
        const QString early = captureDump(*c.client, m_moment.pod, dir.filePath(QStringLiteral("early")));
        QVERIFY(!early.isEmpty());
        c.host.advanceClock(m_moment.lateMs - m_moment.earlyMs);
        const QString late = captureDump(*c.client, m_moment.pod, dir.filePath(QStringLiteral("late")));
        QVERIFY(!late.isEmpty());
        // Bounded: generated for the moment, never more than a few MiB (compressed even less).
        for (const QString& file : { early, late })
            QVERIFY2(QFileInfo(file).size() < 10 * 1000 * 1000, qPrintable(file));

        ui::HeapView view;
        view.resize(1280, 720);
        view.show();
        const auto diff = diffInView(view, early, late);
        QVERIFY(diff);
        QVERIFY(diff->hasRetained);
        QVERIFY(!diff->identicalDumps);
        QVERIFY2(view.bannerText().isEmpty(), qPrintable(view.bannerText()));
        // The cache the leak lives in grows most: first, with a positive delta (the map and its
        // table retain the same growth; the tie is broken by name).
        QVERIFY(!diff->rows.empty());
        const QString first = QString::fromStdString(diff->rows.front().className);
        QVERIFY2(first == QStringLiteral("java.util.HashMap$Node[]") || first == QStringLiteral("java.util.HashMap"),
            qPrintable(topRows(*diff)));
        const heap::HeapDiffRow* map = rowOf(*diff, "java.util.HashMap");
        QVERIFY(map);
        QCOMPARE(diff->rows.front().retainedGrowth(), map->retainedGrowth());
        QVERIFY2(map->retainedGrowth() > 0, qPrintable(topRows(*diff)));
        // Its sessions, as many as the sandbox's leak holds at each moment.
        const heap::HeapDiffRow* sessions = rowOf(*diff, "LeakyService$Session");
        QVERIFY(sessions);
        sandbox::HeapDumpShape early0, late0;
        early0.leakedBytes = std::int64_t(m_moment.leakedEarly);
        late0.leakedBytes = std::int64_t(m_moment.leakedLate);
        QCOMPARE(sessions->instancesBefore, std::int64_t(sandbox::sessionsInDump(early0)));
        QCOMPARE(sessions->instancesAfter, std::int64_t(sandbox::sessionsInDump(late0)));
        QVERIFY2(sessions->instanceGrowth() > 100, qPrintable(topRows(*diff)));
        // The view's table ranks the same way: the cache on top, its sessions among the first rows.
        const QAbstractItemModel& table = *view.findChild<QTableView*>(QStringLiteral("diffView"))->model();
        const QString top = table.index(0, 0).data().toString();
        QVERIFY2(top == QStringLiteral("java.util.HashMap$Node[]") || top == QStringLiteral("java.util.HashMap"),
            qPrintable(top));
        bool shown = false;
        for (int r = 0; r < 6 && r < table.rowCount(); ++r)
            shown = shown || table.index(r, 0).data().toString() == QStringLiteral("LeakyService$Session");
        QVERIFY2(shown, qPrintable(topRows(*diff)));
        // What does not leak stays as it was.
        for (const char* steady :
            { "LeakyService$RequestScopedListener", "LeakyService$Product", "LeakyService$BackendConnection" }) {
            const heap::HeapDiffRow* row = rowOf(*diff, steady);
            QVERIFY2(row && row->instancesBefore > 0, steady);
            QCOMPARE(row->instanceGrowth(), std::int64_t(0));
        }
    }

    // A service that does not leak: its dumps at two moments hold the same objects (only the
    // dump's timestamp differs), so the diff shows no growth at all.
    void aHeapThatDoesNotLeakDoesNotGrow()
    {
        const std::int64_t now = test::testNowMs();
        const sandbox::SandboxModel model(kSeed, now);
        for (std::size_t p = 0; p < model.pods().size(); ++p)
            if (model.services()[model.pods()[p].service].name == "catalog" && model.containerRunningAt(p, now))
                QCOMPARE(model.leakedBytes(p, now).value_or(-1), 0.0);
        std::vector<heap::ClassHistogram> histograms;
        QByteArray previous;
        for (std::int64_t t : { now - std::int64_t(3600 * 1000), now }) {
            sandbox::HeapDumpShape shape;
            shape.seed = 7;
            shape.timestampMs = t;
            const QByteArray dump = sandbox::syntheticHeapDump(shape);
            QVERIFY(dump != previous);
            previous = dump;
            QTemporaryDir dir;
            const QString path = dir.filePath(QStringLiteral("heap.hprof"));
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(dump);
            f.close();
            auto file = heap::HprofFile::open(path.toStdString());
            QVERIFY(file.ok());
            auto histogram = heap::computeClassHistogram(*file);
            QVERIFY(histogram.ok());
            histograms.push_back(std::move(histogram).value());
        }
        const heap::HeapDiff diff = heap::diffHistograms(histograms[0], histograms[1]);
        QVERIFY(!diff.rows.empty());
        for (const auto& row : diff.rows) {
            QVERIFY2(row.instanceGrowth() == 0 && row.shallowGrowth() == 0, row.className.c_str());
        }
        const heap::HeapDiffRow* sessions = rowOf(diff, "LeakyService$Session");
        QVERIFY(!sessions || sessions->instancesAfter == 0);
    }

    void twoCapturesAtOneMomentAreOneHeap()
    {
        test::SandboxCluster c;
        QVERIFY(startPinned(c, m_moment.lateMs));
        QTemporaryDir dir;
        const QString first = captureDump(*c.client, m_moment.pod, dir.filePath(QStringLiteral("a")));
        const QString second = captureDump(*c.client, m_moment.pod, dir.filePath(QStringLiteral("b")));
        QVERIFY(!first.isEmpty() && !second.isEmpty());
        ui::HeapView view;
        view.show();
        const auto diff = diffInView(view, first, second);
        QVERIFY(diff);
        QVERIFY(diff->identicalDumps);
        QVERIFY2(view.bannerText().contains(QStringLiteral("same bytes")), qPrintable(view.bannerText()));
    }
};

QTEST_MAIN(TestSandboxHeapGrowth)
#include "tst_sandbox_heap_growth.moc"
