// The Heap view's models on a hand-built dump of a leaking service (LeakyHeapDump.h), each one
// checked by QAbstractItemModelTester and against the sizes a JVM would report for that heap.
#include "LeakyHeapDump.h"

#include "ui/heap/DiffModel.h"
#include "ui/heap/DominatorTreeModel.h"
#include "ui/heap/HeapAnalysisJob.h"
#include "ui/heap/HistogramModel.h"
#include "ui/heap/SuspectsModel.h"

#include "core/heap/HprofFile.h"

#include <QAbstractItemModelTester>
#include <QSortFilterProxyModel>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::ui;
using leakdesk::heap::test::buildLeakyDump;
using leakdesk::heap::test::LeakyDump;

namespace {

constexpr int kSessions = 450; // more than two fetch batches of the dominator tree
constexpr int kListeners = 1200;

// The full analysis the job would deliver, computed in place so model tests need no event loop.
std::shared_ptr<const HeapAnalysis> analyse(const LeakyDump& d)
{
    auto file = heap::HprofFile::fromBytes(d.bytes);
    if (!file)
        return nullptr;
    auto shared = std::make_shared<const heap::HprofFile>(std::move(file).value());
    auto snapshot = heap::HeapSnapshot::load(shared);
    if (!snapshot)
        return nullptr;
    auto dom = heap::DominatorTree::compute(**snapshot);
    if (!dom)
        return nullptr;
    auto a = std::make_shared<HeapAnalysis>();
    a->snapshot = *snapshot;
    a->dominators = std::make_shared<const heap::DominatorTree>(std::move(dom).value());
    a->paths = std::make_shared<const heap::GcRootPaths>(heap::GcRootPaths::compute(*a->snapshot));
    a->histogram
        = std::make_shared<const heap::ClassHistogram>(heap::classHistogram(*a->snapshot, a->dominators.get()));
    a->suspects = heap::findLeakSuspects(*a->snapshot, *a->dominators, *a->paths);
    return a;
}

std::shared_ptr<const heap::ClassHistogram> shallowHistogram(const LeakyDump& d)
{
    auto file = heap::HprofFile::fromBytes(d.bytes);
    if (!file)
        return nullptr;
    auto h = heap::computeClassHistogram(*file);
    return h ? std::make_shared<const heap::ClassHistogram>(std::move(h).value()) : nullptr;
}

int rowOf(const QAbstractItemModel& model, int column, const QString& text)
{
    for (int r = 0; r < model.rowCount(); ++r)
        if (model.index(r, column).data().toString() == text)
            return r;
    return -1;
}

std::uint64_t payloadBytes(int sessions, std::uint64_t base)
{
    std::uint64_t total = 0;
    for (int i = 0; i < sessions; ++i)
        total += (16 + base + 8 * std::uint64_t(i % 4) + 7) / 8 * 8; // array header, elements, alignment
    return total;
}

} // namespace

class TestHeapModels : public QObject {
    Q_OBJECT
private:
    LeakyDump m_dump;
    std::shared_ptr<const HeapAnalysis> m_analysis;

private Q_SLOTS:
    void initTestCase()
    {
        m_dump = buildLeakyDump(kSessions, kListeners);
        m_analysis = analyse(m_dump);
        QVERIFY(m_analysis);
        QVERIFY(m_analysis->histogram->layout.detected);
    }

    // Instances and shallow bytes per class as the JVM would count them, before retained sizes exist.
    void histogramShowsShallowSizesFirst_data()
    {
        QTest::addColumn<QString>("className");
        QTest::addColumn<QString>("jvmClass");
        QTest::newRow("nodes") << "com.example.Node"
                               << "com.example.Node";
        QTest::newRow("payloads") << "byte[]"
                                  << "[B";
        QTest::newRow("arrays") << "java.lang.Object[]"
                                << "[Ljava.lang.Object;";
        QTest::newRow("listeners") << "com.example.OrderListener"
                                   << "com.example.OrderListener";
        QTest::newRow("cache") << "com.example.SessionCache"
                               << "com.example.SessionCache";
    }
    void histogramShowsShallowSizesFirst()
    {
        QFETCH(QString, className);
        QFETCH(QString, jvmClass);
        HistogramModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        model.setHistogram(shallowHistogram(m_dump));
        QCOMPARE(model.columnCount(), int(HistogramModel::ColumnCount));
        QVERIFY(!model.hasRetained());
        const int row = rowOf(model, HistogramModel::ClassName, className);
        QVERIFY2(row >= 0, qPrintable(className));
        const auto expected = m_dump.expected.at(jvmClass.toStdString());
        QCOMPARE(model.index(row, 0).data(HistogramModel::JvmNameRole).toString(), jvmClass);
        QCOMPARE(model.index(row, 0).data(HistogramModel::InstancesRole).toULongLong(), expected.first);
        QCOMPARE(model.index(row, 0).data(HistogramModel::ShallowBytesRole).toULongLong(), expected.second);
        QCOMPARE(model.index(row, HistogramModel::ShallowBytes).data(HistogramModel::SortRole).toULongLong(),
            expected.second);
        QCOMPARE(model.index(row, HistogramModel::Instances).data().toString(),
            QLocale().toString(qulonglong(expected.first)));
        // Retained sizes are unknown, not zero.
        QVERIFY(!model.index(row, 0).data(HistogramModel::RetainedBytesRole).isValid());
        QVERIFY(model.index(row, HistogramModel::RetainedBytes).data().toString().isEmpty());
    }

    void histogramGainsRetainedSizes_data()
    {
        QTest::addColumn<QString>("className");
        QTest::addColumn<qulonglong>("retained");
        const LeakyDump d = buildLeakyDump(kSessions, kListeners);
        const std::uint64_t payloads = payloadBytes(kSessions, 200);
        const std::uint64_t nodes = kSessions * d.nodeSize;
        // Each node alone keeps its payload; the cache keeps its array, every node and every payload.
        QTest::newRow("nodes") << "com.example.Node" << qulonglong(nodes + payloads);
        QTest::newRow("payloads") << "byte[]" << qulonglong(payloads);
        QTest::newRow("cache") << "com.example.SessionCache"
                               << qulonglong(d.expected.at("com.example.SessionCache").second + d.entriesSize + nodes
                                      + payloads);
        QTest::newRow("listeners") << "com.example.OrderListener"
                                   << qulonglong(d.expected.at("com.example.OrderListener").second);
    }
    void histogramGainsRetainedSizes()
    {
        QFETCH(QString, className);
        QFETCH(qulonglong, retained);
        HistogramModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setHistogram(shallowHistogram(m_dump));
        model.setHistogram(m_analysis->histogram);
        QVERIFY(model.hasRetained());
        const int row = rowOf(model, HistogramModel::ClassName, className);
        QVERIFY(row >= 0);
        QCOMPARE(model.index(row, 0).data(HistogramModel::RetainedBytesRole).toULongLong(), retained);
        QCOMPARE(model.index(row, HistogramModel::RetainedBytes).data().toString(),
            QString::fromStdString(heap::formatBytes(retained)));
    }

    void histogramSortsByValueAndFilters()
    {
        HistogramModel model;
        model.setHistogram(m_analysis->histogram);
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(HistogramModel::SortRole);
        proxy.setFilterKeyColumn(HistogramModel::ClassName);
        proxy.setFilterCaseSensitivity(Qt::CaseInsensitive);
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.sort(HistogramModel::RetainedBytes, Qt::DescendingOrder);
        QVERIFY(proxy.rowCount() >= 6);
        for (int r = 1; r < proxy.rowCount(); ++r)
            QVERIFY(proxy.index(r - 1, HistogramModel::RetainedBytes).data(HistogramModel::SortRole).toULongLong()
                >= proxy.index(r, HistogramModel::RetainedBytes).data(HistogramModel::SortRole).toULongLong());
        // Sorting by the displayed text would put "9.8 KiB" above "10.5 KiB"; by value it must not.
        proxy.sort(HistogramModel::Instances, Qt::DescendingOrder);
        QCOMPARE(
            proxy.index(0, HistogramModel::ClassName).data().toString(), QStringLiteral("com.example.OrderListener"));
        proxy.setFilterFixedString(QStringLiteral("NODE"));
        QCOMPARE(proxy.rowCount(), 1);
        QCOMPARE(proxy.index(0, HistogramModel::ClassName).data().toString(), QStringLiteral("com.example.Node"));
        proxy.setFilterFixedString(QStringLiteral("no such class"));
        QCOMPARE(proxy.rowCount(), 0);
    }

    // Nothing is fetched until asked, batches of kBatchSize, children by retained size.
    void dominatorTreeFetchesLazily()
    {
        DominatorTreeModel model;
        model.setAnalysis(m_analysis);
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(model.hasChildren());
        QVERIFY(model.canFetchMore({}));
        model.fetchMore({});
        QVERIFY(model.rowCount() > 0);
        // The largest top-level object is the class that holds the cache: the cache below it, then its array.
        const QModelIndex service = model.index(0, 0);
        QCOMPARE(
            service.data(DominatorTreeModel::ClassNameRole).toString(), QStringLiteral("com.example.SessionService"));
        QVERIFY(model.hasChildren(service));
        QCOMPARE(model.rowCount(service), 0);
        model.fetchMore(service);
        const QModelIndex cache = model.index(0, 0, service);
        QCOMPARE(cache.data(DominatorTreeModel::ClassNameRole).toString(), QStringLiteral("com.example.SessionCache"));
        model.fetchMore(cache);
        const QModelIndex entries = model.index(0, 0, cache);
        const auto& s = *m_analysis->snapshot;
        QCOMPARE(s.objectId(entries.data(DominatorTreeModel::ObjectIndexRole).toUInt()), m_dump.entriesId);
        QCOMPARE(entries.data(DominatorTreeModel::RetainedBytesRole).toULongLong(),
            m_dump.entriesSize + kSessions * m_dump.nodeSize + payloadBytes(kSessions, 200));
        QCOMPARE(model.dominatedCount(entries), kSessions);
        QCOMPARE(entries.data(DominatorTreeModel::DominatedCountRole).toInt(), kSessions);

        int expectedRows = 0;
        while (model.canFetchMore(entries)) {
            model.fetchMore(entries);
            expectedRows = std::min(kSessions, expectedRows + DominatorTreeModel::kBatchSize);
            QCOMPARE(model.rowCount(entries), expectedRows);
        }
        QCOMPARE(expectedRows, kSessions);
        std::uint64_t previous = ~0ull;
        for (int r = 0; r < kSessions; ++r) {
            const QModelIndex node = model.index(r, 0, entries);
            QCOMPARE(node.parent(), entries);
            const auto retained = node.data(DominatorTreeModel::RetainedBytesRole).toULongLong();
            QVERIFY(retained <= previous);
            previous = retained;
            QCOMPARE(node.data(DominatorTreeModel::ShallowBytesRole).toULongLong(), m_dump.nodeSize);
            QVERIFY(node.data().toString().startsWith(QLatin1String("com.example.Node @ 0x")));
        }
        // A node dominates exactly its payload.
        const QModelIndex node = model.index(0, 0, entries);
        model.fetchMore(node);
        QCOMPARE(model.rowCount(node), 1);
        const QModelIndex payload = model.index(0, 0, node);
        QCOMPARE(payload.data(DominatorTreeModel::ClassNameRole).toString(), QStringLiteral("byte[]"));
        QVERIFY(!model.hasChildren(payload));
        QCOMPARE(node.data(DominatorTreeModel::RetainedBytesRole).toULongLong(),
            m_dump.nodeSize + payload.data(DominatorTreeModel::ShallowBytesRole).toULongLong());
        QVERIFY(node.data(DominatorTreeModel::HeapShareRole).toDouble() > 0);
        QVERIFY(model.index(0, DominatorTreeModel::HeapShare, node).data().toString().endsWith(QLatin1Char('%')));
    }

    void dominatorTreePassesTheModelTester()
    {
        DominatorTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setAnalysis(m_analysis);
        model.fetchMore({});
        const QModelIndex service = model.index(0, 0);
        model.fetchMore(service);
        model.fetchMore(model.index(0, 0, service));
        model.setAnalysis(nullptr);
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!model.hasChildren());
    }

    // Ranked by retained size and mapped to the runbook's step-4 categories.
    void suspectsListTheCacheFirst()
    {
        SuspectsModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setAnalysis(m_analysis);
        QVERIFY(model.rowCount() >= 2);
        QCOMPARE(model.columnCount(), int(SuspectsModel::ColumnCount));
        const QModelIndex first = model.index(0, 0);
        QCOMPARE(first.data(SuspectsModel::CategoryKeyRole).toString(), QStringLiteral("unbounded_cache"));
        QCOMPARE(model.index(0, SuspectsModel::Category).data().toString(), QStringLiteral("unbounded cache"));
        QCOMPARE(
            model.index(0, SuspectsModel::ClassName).data().toString(), QStringLiteral("com.example.SessionCache"));
        QVERIFY2(model.index(0, SuspectsModel::Owner).data().toString().contains(QLatin1String("static CACHE")),
            qPrintable(model.index(0, SuspectsModel::Owner).data().toString()));
        QCOMPARE(first.data(SuspectsModel::ElementCountRole).toULongLong(), qulonglong(kSessions));
        QCOMPARE(first.data(SuspectsModel::RetainedBytesRole).toULongLong(),
            m_dump.expected.at("com.example.SessionCache").second + m_dump.entriesSize + kSessions * m_dump.nodeSize
                + payloadBytes(kSessions, 200));
        QVERIFY(!model.index(0, SuspectsModel::Explanation).data().toString().isEmpty());
        QCOMPARE(model.headerData(0, Qt::Vertical).toInt(), 1);

        const QModelIndex second = model.index(1, 0);
        QCOMPARE(second.data(SuspectsModel::CategoryKeyRole).toString(), QStringLiteral("listeners_not_deregistered"));
        QVERIFY(model.index(1, SuspectsModel::Owner).data().toString().contains(QLatin1String("LISTENERS")));
        QCOMPARE(second.data(SuspectsModel::ElementClassRole).toString(), QStringLiteral("com.example.OrderListener"));
        for (int r = 1; r < model.rowCount(); ++r)
            QVERIFY(model.index(r - 1, 0).data(SuspectsModel::RetainedBytesRole).toULongLong()
                >= model.index(r, 0).data(SuspectsModel::RetainedBytesRole).toULongLong());
        QVERIFY(!model.suspectAt(model.rowCount()));
        QVERIFY(!model.suspectAt(-1));
    }

    // The path of the first suspect: from the GC root (the class) through static CACHE to the cache.
    void pathGoesFromTheRootToTheSuspect()
    {
        SuspectsModel suspects;
        suspects.setAnalysis(m_analysis);
        GcRootPathModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setPath(m_analysis, suspects.suspectAt(0)->pathToRoot);
        QCOMPARE(model.rowCount(), 2);
        QVERIFY(model.index(0, 0).data(GcRootPathModel::IsRootRole).toBool());
        QCOMPARE(model.index(0, GcRootPathModel::Step).data().toString(), QStringLiteral("GC root"));
        QVERIFY(!model.index(0, GcRootPathModel::Reference).data().toString().isEmpty()); // the kind of root
        QVERIFY(model.index(0, GcRootPathModel::Object).data().toString().contains(QLatin1String("SessionService")));
        QCOMPARE(model.index(1, GcRootPathModel::Reference).data().toString(), QStringLiteral("static CACHE"));
        QVERIFY(model.index(1, GcRootPathModel::Object)
                    .data()
                    .toString()
                    .startsWith(QLatin1String("com.example.SessionCache @")));
        QCOMPARE(m_analysis->snapshot->objectId(model.index(1, 0).data(GcRootPathModel::ObjectIndexRole).toUInt()),
            m_dump.cacheId);
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    // What grows between an earlier and a later dump of the same service.
    void diffShowsGrowthPerClass()
    {
        const LeakyDump early = buildLeakyDump(100, kListeners);
        const LeakyDump late = buildLeakyDump(kSessions, kListeners);
        const auto a = analyse(early);
        const auto b = analyse(late);
        QVERIFY(a && b);
        DiffModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setDiff(std::make_shared<const heap::HeapDiff>(
            heap::diffHistograms(*shallowHistogram(early), *shallowHistogram(late))));
        QVERIFY(!model.hasRetained());
        int row = rowOf(model, DiffModel::ClassName, QStringLiteral("com.example.Node"));
        QVERIFY(row >= 0);
        QCOMPARE(model.index(row, DiffModel::InstancesBefore).data(DiffModel::SortRole).toLongLong(), 100);
        QCOMPARE(model.index(row, DiffModel::InstancesAfter).data(DiffModel::SortRole).toLongLong(), kSessions);
        QCOMPARE(model.index(row, 0).data(DiffModel::InstanceGrowthRole).toLongLong(), kSessions - 100);
        QCOMPARE(model.index(row, DiffModel::InstanceGrowth).data().toString(),
            QStringLiteral("+") + QLocale().toString(kSessions - 100));
        QCOMPARE(model.index(row, 0).data(DiffModel::ShallowGrowthRole).toLongLong(),
            qlonglong((kSessions - 100) * m_dump.nodeSize));
        QVERIFY(!model.index(row, 0).data(DiffModel::RetainedGrowthRole).isValid());
        QVERIFY(model.index(row, DiffModel::RetainedGrowth).data().toString().isEmpty());
        // The listeners did not grow.
        const int listeners = rowOf(model, DiffModel::ClassName, QStringLiteral("com.example.OrderListener"));
        QVERIFY(listeners >= 0);
        QCOMPARE(model.index(listeners, 0).data(DiffModel::InstanceGrowthRole).toLongLong(), 0);
        QVERIFY(!model.index(listeners, DiffModel::InstanceGrowth).data(Qt::ForegroundRole).isValid());
        QVERIFY(model.index(row, DiffModel::InstanceGrowth).data(Qt::ForegroundRole).isValid());

        model.setDiff(std::make_shared<const heap::HeapDiff>(heap::diffHistograms(*a->histogram, *b->histogram)));
        QVERIFY(model.hasRetained());
        row = rowOf(model, DiffModel::ClassName, QStringLiteral("com.example.SessionCache"));
        QVERIFY(row >= 0);
        const qlonglong growth = qlonglong((kSessions - 100) * m_dump.nodeSize + payloadBytes(kSessions, 200)
            - payloadBytes(100, 200) + (late.entriesSize - early.entriesSize));
        QCOMPARE(model.index(row, 0).data(DiffModel::RetainedGrowthRole).toLongLong(), growth);
        QCOMPARE(model.index(row, DiffModel::RetainedGrowth).data().toString(),
            QStringLiteral("+") + QString::fromStdString(heap::formatBytes(std::uint64_t(growth))));
        // Rows arrive largest growth first.
        QCOMPARE(model.index(0, DiffModel::RetainedGrowth).data(DiffModel::SortRole).toLongLong(), [&] {
            qlonglong most = 0;
            for (int r = 0; r < model.rowCount(); ++r)
                most = std::max(most, model.index(r, DiffModel::RetainedGrowth).data(DiffModel::SortRole).toLongLong());
            return most;
        }());
    }
};

QTEST_MAIN(TestHeapModels)
#include "tst_heap_models.moc"
