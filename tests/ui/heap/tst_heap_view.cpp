// The Heap view on hand-built dumps, as a user drives it: the histogram shows before the dominator
// tree, the filter, the chart, the suspects with their path, the diff page, cancel, and the
// banners for a damaged or unreadable dump.
#include "GzipFiles.h"
#include "LeakyHeapDump.h"

#include "ui/heap/DiffModel.h"
#include "ui/heap/DominatorTreeModel.h"
#include "ui/heap/HeapDiffJob.h"
#include "ui/heap/HeapView.h"
#include "ui/heap/HistogramModel.h"
#include "ui/heap/SuspectsModel.h"
#include "ui/heap/TopClassesChart.h"

#include <QAbstractItemView>
#include <QHeaderView>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

#include <QBarSet>
#include <QChart>
#include <QHorizontalBarSeries>

using namespace leakdesk;
using namespace leakdesk::ui;
using leakdesk::heap::test::buildLeakyDump;
using leakdesk::heap::test::gzipOf;
using leakdesk::heap::test::hprofHeader;
using leakdesk::heap::test::writeDump;

class TestHeapView : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_early, m_late;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_early = m_dir.filePath(QStringLiteral("early.hprof"));
        m_late = m_dir.filePath(QStringLiteral("late.hprof"));
        QVERIFY(writeDump(m_early, buildLeakyDump(200).bytes));
        QVERIFY(writeDump(m_late, buildLeakyDump(2000).bytes));
    }

    void histogramFirstThenTheDominatorTree()
    {
        HeapView view;
        view.resize(1200, 800);
        view.show();
        QVERIFY(!view.isPageEnabled(HeapView::Page::DominatorTree));
        QVERIFY(!view.isPageEnabled(HeapView::Page::Diff));
        // What the user sees at the moment the histogram arrives.
        int rowsAtOpen = -1;
        bool treeEnabledAtOpen = true;
        bool chartByRetainedAtOpen = true;
        connect(&view, &HeapView::dumpOpened, this, [&] {
            rowsAtOpen = view.findChild<QTableView*>(QStringLiteral("histogramView"))->model()->rowCount();
            treeEnabledAtOpen = view.isPageEnabled(HeapView::Page::DominatorTree);
            chartByRetainedAtOpen = view.topClassesChart()->byRetainedSize();
        });
        QSignalSpy opened(&view, &HeapView::dumpOpened);
        QSignalSpy finished(&view, &HeapView::analysisFinished);
        view.openDump(m_late);
        QCOMPARE(view.dumpPath(), m_late);
        QVERIFY(view.isBusy());
        auto* progress = view.findChild<QWidget*>(QStringLiteral("heapProgress"));
        QVERIFY(progress->isVisible());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        QCOMPARE(opened.count(), 1);
        QCOMPARE(opened.first().first().toString(), m_late);
        QVERIFY(rowsAtOpen > 5);
        QVERIFY(!treeEnabledAtOpen);
        QVERIFY(!chartByRetainedAtOpen);
        QVERIFY(!progress->isVisible());
        QVERIFY(!view.isBusy());
        QVERIFY(view.isPageEnabled(HeapView::Page::DominatorTree));
        QVERIFY(view.isPageEnabled(HeapView::Page::Suspects));
        QVERIFY(view.bannerText().isEmpty());
        QVERIFY(view.histogram()->hasRetained);
        const QString summary = view.findChild<QLabel*>(QStringLiteral("heapSummary"))->text();
        QVERIFY2(summary.contains(QLatin1String("compressed oops")), qPrintable(summary));
        QVERIFY2(summary.contains(QLatin1String("leak suspect")), qPrintable(summary));

        // The histogram is now sorted by retained size, largest first.
        auto* table = view.findChild<QTableView*>(QStringLiteral("histogramView"));
        QCOMPARE(table->horizontalHeader()->sortIndicatorSection(), int(HistogramModel::RetainedBytes));
        const QAbstractItemModel* shown = table->model();
        for (int r = 1; r < shown->rowCount(); ++r)
            QVERIFY(shown->index(r - 1, HistogramModel::RetainedBytes).data(HistogramModel::SortRole).toULongLong()
                >= shown->index(r, HistogramModel::RetainedBytes).data(HistogramModel::SortRole).toULongLong());

        // The dominator tree shows its top level, with the largest object expanded.
        auto* tree = view.findChild<QTreeView*>(QStringLiteral("dominatorView"));
        QVERIFY(tree->model()->rowCount() > 0);
        QVERIFY(tree->isExpanded(tree->model()->index(0, 0)));
        QCOMPARE(tree->model()->index(0, 0).data(DominatorTreeModel::ClassNameRole).toString(),
            QStringLiteral("com.example.SessionService"));
    }

    void filterAndChart()
    {
        HeapView view;
        view.resize(1200, 800);
        view.show();
        QSignalSpy finished(&view, &HeapView::analysisFinished);
        view.openDump(m_late);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        auto* filter = view.findChild<QLineEdit*>(QStringLiteral("histogramFilter"));
        auto* table = view.findChild<QTableView*>(QStringLiteral("histogramView"));
        auto* count = view.findChild<QLabel*>(QStringLiteral("histogramFilterCount"));
        const int all = table->model()->rowCount();
        QTest::keyClicks(filter, QStringLiteral("listener"));
        QCOMPARE(table->model()->rowCount(), 1);
        QCOMPARE(table->model()->index(0, HistogramModel::ClassName).data().toString(),
            QStringLiteral("com.example.OrderListener"));
        QCOMPARE(count->text(), QStringLiteral("1 of %1 classes").arg(all));
        filter->clear();
        QCOMPARE(table->model()->rowCount(), all);

        // The chart: the classes holding the most, by retained size, largest at the top.
        TopClassesChart* chart = view.topClassesChart();
        QVERIFY(chart->byRetainedSize());
        const int bars = std::min(TopClassesChart::kClassCount, all);
        QCOMPARE(chart->classNames().size(), bars);
        for (int i = 0; i < bars; ++i)
            QCOMPARE(chart->classNames().at(i), table->model()->index(i, HistogramModel::ClassName).data().toString());
        QVERIFY(chart->chart()->title().contains(QLatin1String("retained")));
        const auto series = chart->chart()->series();
        QCOMPARE(series.size(), 1);
        auto* bar = qobject_cast<QHorizontalBarSeries*>(series.first());
        QVERIFY(bar);
        QCOMPARE(bar->barSets().first()->count(), bars);
        // Qt Charts draws the last value at the top: that must be the largest class.
        const QBarSet* set = bar->barSets().first();
        for (int i = 1; i < set->count(); ++i)
            QVERIFY(set->at(i - 1) <= set->at(i));
    }

    void suspectsShowTheirPath()
    {
        HeapView view;
        view.resize(1200, 800);
        view.show();
        QSignalSpy finished(&view, &HeapView::analysisFinished);
        view.openDump(m_late);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        view.showPage(HeapView::Page::Suspects);
        QCOMPARE(view.currentPage(), HeapView::Page::Suspects);
        auto* suspects = view.findChild<QTableView*>(QStringLiteral("suspectsView"));
        auto* path = view.findChild<QTableView*>(QStringLiteral("pathView"));
        QVERIFY(suspects->model()->rowCount() >= 2);
        // The first suspect is selected and its path shown.
        QCOMPARE(suspects->currentIndex().row(), 0);
        QCOMPARE(
            path->model()->index(path->model()->rowCount() - 1, 2).data().toString().section(QLatin1Char(' '), 0, 0),
            QStringLiteral("com.example.SessionCache"));
        // Selecting another suspect shows its own path.
        suspects->setCurrentIndex(suspects->model()->index(1, 0));
        const QString last = path->model()->index(path->model()->rowCount() - 1, 2).data().toString();
        QVERIFY2(last.startsWith(QLatin1String("java.lang.Object[] @")), qPrintable(last));
        QCOMPARE(path->model()->index(path->model()->rowCount() - 1, 1).data().toString(),
            QStringLiteral("static LISTENERS"));
    }

    void diffPageComparesTwoDumps()
    {
        HeapView view;
        view.resize(1200, 800);
        view.show();
        QSignalSpy diffDone(&view, &HeapView::diffFinished);
        view.openDiff(m_early, m_late);
        QVERIFY(view.isBusy());
        QTRY_COMPARE_WITH_TIMEOUT(diffDone.count(), 1, 30000);
        QVERIFY(view.isPageEnabled(HeapView::Page::Diff));
        QCOMPARE(view.currentPage(), HeapView::Page::Diff);
        QVERIFY(view.diff()->hasRetained);
        auto* table = view.findChild<QTableView*>(QStringLiteral("diffView"));
        QVERIFY(!table->isColumnHidden(DiffModel::RetainedGrowth));
        int row = -1;
        for (int r = 0; r < table->model()->rowCount(); ++r)
            if (table->model()->index(r, 0).data().toString() == QLatin1String("com.example.Node"))
                row = r;
        QVERIFY(row >= 0);
        QCOMPARE(table->model()->index(row, DiffModel::InstanceGrowth).data(DiffModel::SortRole).toLongLong(), 1800);
        // With retained sizes, ranked by retained growth: the cache that holds the sessions first.
        QCOMPARE(table->horizontalHeader()->sortIndicatorSection(), int(DiffModel::RetainedGrowth));
        QCOMPARE(table->horizontalHeader()->sortIndicatorOrder(), Qt::DescendingOrder);
        for (int r = 1; r < table->model()->rowCount(); ++r)
            QVERIFY(table->model()->index(r - 1, DiffModel::RetainedGrowth).data(DiffModel::SortRole).toLongLong()
                >= table->model()->index(r, DiffModel::RetainedGrowth).data(DiffModel::SortRole).toLongLong());
        QVERIFY(table->model()->index(0, 0).data().toString().startsWith(QLatin1String("com.example.SessionCache"))
            || table->model()->index(0, 0).data().toString().startsWith(QLatin1String("java.lang.Object[]")));
        const QString title = view.findChild<QLabel*>(QStringLiteral("diffTitle"))->text();
        QVERIFY(title.contains(QLatin1String("early.hprof")) && title.contains(QLatin1String("late.hprof")));
        QVERIFY(view.bannerText().isEmpty());
    }

    // Two captures of the same bytes (issue 15: the second capture had the same SHA-256 and every
    // delta was 0 without a word): the view says so, and a copy under another name is caught too.
    void identicalDumpsAreNamedAsSuch()
    {
        const QString copy = m_dir.filePath(QStringLiteral("early-again.hprof"));
        QFile::remove(copy);
        QVERIFY(QFile::copy(m_early, copy));
        HeapView view;
        view.show();
        QSignalSpy diffDone(&view, &HeapView::diffFinished);
        view.openDiff(m_early, copy);
        QTRY_COMPARE_WITH_TIMEOUT(diffDone.count(), 1, 30000);
        QVERIFY(view.diff()->identicalDumps);
        QVERIFY2(view.bannerText().contains(QStringLiteral("same bytes")), qPrintable(view.bannerText()));
        // Different dumps are not.
        view.openDiff(m_early, m_late);
        QTRY_COMPARE_WITH_TIMEOUT(diffDone.count(), 2, 30000);
        QVERIFY(!view.diff()->identicalDumps);
        QVERIFY2(view.bannerText().isEmpty(), qPrintable(view.bannerText()));
    }

    void unreadableDumpShowsAnErrorBanner()
    {
        HeapView view;
        view.show();
        QSignalSpy failed(&view, &HeapView::analysisFailed);
        const QString missing = m_dir.filePath(QStringLiteral("nowhere.hprof"));
        view.openDump(missing);
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 30000);
        QVERIFY2(view.bannerText().contains(missing), qPrintable(view.bannerText()));
        QVERIFY(view.findChild<QLabel*>(QStringLiteral("heapBanner"))->isVisible());
        QVERIFY(!view.histogram());
        QVERIFY(!view.isPageEnabled(HeapView::Page::DominatorTree));
        // Opening a good dump afterwards clears the banner.
        QSignalSpy finished(&view, &HeapView::analysisFinished);
        view.openDump(m_early);
        QVERIFY(view.bannerText().isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        QVERIFY(view.bannerText().isEmpty());
    }

    // A .gz over the inflation cap: the banner says so, the user is asked once, and only a Yes
    // opens it again without the cap (this one then holds no objects, which is the next error).
    void inflateCapAsksBeforeLiftingIt_data()
    {
        QTest::addColumn<bool>("answer");
        QTest::newRow("no") << false;
        QTest::newRow("yes") << true;
    }
    void inflateCapAsksBeforeLiftingIt()
    {
        QFETCH(bool, answer);
        const QString bomb = m_dir.filePath(QStringLiteral("bomb.hprof.gz"));
        QFile f(bomb);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(gzipOf(hprofHeader(), 128ull << 20));
        f.close();
        HeapView view;
        view.show();
        int asked = 0;
        QString askedAbout;
        QString bannerWhenAsked;
        view.setInflateConfirmer([&](const QString& path, const QString& message) {
            ++asked;
            bannerWhenAsked = view.bannerText();
            askedAbout = path;
            return message.contains(QLatin1String("gzip bomb")) && answer;
        });
        QSignalSpy failed(&view, &HeapView::analysisFailed);
        view.openDump(bomb);
        QTRY_VERIFY_WITH_TIMEOUT(failed.count() >= 1, 60000);
        const QString firstFailure = failed.at(0).at(0).toString();
        QVERIFY2(firstFailure.contains(QLatin1String("gzip bomb")), qPrintable(firstFailure));
        QTRY_COMPARE_WITH_TIMEOUT(asked, 1, 30000);
        // The user was asked with the reason on screen.
        QVERIFY2(bannerWhenAsked.contains(QLatin1String("gzip bomb")), qPrintable(bannerWhenAsked));
        QCOMPARE(askedAbout, bomb);
        if (answer) {
            QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 2, 60000);
            QVERIFY2(view.bannerText().contains(QLatin1String("no objects")), qPrintable(view.bannerText()));
        }
        QTRY_VERIFY_WITH_TIMEOUT(!view.isBusy(), 30000);
        QCoreApplication::processEvents();
        QCOMPARE(asked, 1);
        QCOMPARE(failed.count(), answer ? 2 : 1);
        QVERIFY(!view.histogram());
    }

    void damagedDumpWarnsAndShowsWhatWasRead()
    {
        const auto d = buildLeakyDump(200);
        const QString cut = m_dir.filePath(QStringLiteral("cut.hprof"));
        QVERIFY(writeDump(cut, d.bytes, d.bytes.size() * 2 / 3));
        HeapView view;
        view.show();
        QSignalSpy finished(&view, &HeapView::analysisFinished);
        view.openDump(cut);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        QVERIFY2(
            view.bannerText().contains(QLatin1String("damaged")) && view.bannerText().contains(QLatin1String("0x")),
            qPrintable(view.bannerText()));
        QVERIFY(view.histogramModel()->rowCount() > 0);
        QVERIFY(view.isPageEnabled(HeapView::Page::Suspects));
    }

    void cancelButtonStopsTheAnalysis()
    {
        HeapView view;
        view.show();
        QSignalSpy failed(&view, &HeapView::analysisFailed);
        QSignalSpy finished(&view, &HeapView::analysisFinished);
        view.openDump(m_late);
        auto* progress = view.findChild<QWidget*>(QStringLiteral("heapProgress"));
        auto* cancel = progress->findChild<QPushButton*>(QStringLiteral("jobCancel"));
        QVERIFY(cancel->isVisible());
        QTest::mouseClick(cancel, Qt::LeftButton);
        QCOMPARE(failed.count(), 1);
        QVERIFY(view.bannerText().contains(QLatin1String("cancelled")));
        QVERIFY(!progress->isVisible());
        QVERIFY(!view.isBusy());
        QVERIFY(view.analysisJob()->waitForIdle(30000));
        QTest::qWait(50);
        QCOMPARE(finished.count(), 0);
        QVERIFY(!view.isPageEnabled(HeapView::Page::DominatorTree));
    }
};

QTEST_MAIN(TestHeapView)
#include "tst_heap_view.moc"
