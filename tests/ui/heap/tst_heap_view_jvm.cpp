// The Heap view on a real JVM's dump: LeakyService (tests/support/java) leaks through a static
// HashMap cache, listeners, connections and thread-locals; the view must list the leaking cache
// first with its path from a GC root. Also saves screenshots of the view's pages next to the
// dumps (heap-view-*.png in the build directory's heap-dumps/), for the docs and for review.
// Skipped without a JDK.
#include "TestSupport.h"

#include "ui/heap/DominatorTreeModel.h"
#include "ui/heap/HeapView.h"
#include "ui/heap/HistogramModel.h"
#include "ui/heap/SuspectsModel.h"
#include "ui/heap/TopClassesChart.h"

#include <QDir>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::ui;

class TestHeapViewJvm : public QObject {
    Q_OBJECT
private:
    QString m_dump;

    static QString dumpDir() { return test::binaryDir() + QStringLiteral("/heap-dumps"); }

    void saveScreenshot(HeapView& view, HeapView::Page page, const char* name)
    {
        view.showPage(page);
        QTest::qWait(100);
        const QString file = dumpDir() + QStringLiteral("/heap-view-") + QLatin1String(name) + QStringLiteral(".png");
        QVERIFY2(view.grab().save(file), qPrintable(file));
    }

private Q_SLOTS:
    void initTestCase()
    {
        for (const char* tool : { "java", "javac", "jcmd" })
            LEAKDESK_REQUIRE_WITNESS(QString::fromLatin1(tool));
        QDir().mkpath(dumpDir());
        const QString script = test::sourceDir() + QStringLiteral("/tests/support/java/make-heap-dump.sh");
        const auto r = test::runProgram(QStringLiteral("bash"),
            { script, dumpDir(), QStringLiteral("heap-view"), QStringLiteral("--"), QStringLiteral("--cache-mb"),
                QStringLiteral("6") },
            120000);
        QVERIFY2(r.exitCode == 0, QByteArray(r.err + r.out).constData());
        m_dump = QString::fromUtf8(r.out).trimmed();
        QVERIFY(QFileInfo::exists(m_dump));
    }

    void suspectsListTheLeakingCacheFirst()
    {
        HeapView view;
        view.resize(1440, 900);
        view.show();
        QSignalSpy opened(&view, &HeapView::dumpOpened);
        QSignalSpy finished(&view, &HeapView::analysisFinished);
        QSignalSpy failed(&view, &HeapView::analysisFailed);
        view.openDump(m_dump);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count() + failed.count(), 1, 90000);
        QVERIFY2(failed.isEmpty(), qPrintable(view.bannerText()));
        QCOMPARE(opened.count(), 1);
        QVERIFY(view.bannerText().isEmpty());

        const SuspectsModel& suspects = *view.suspectsModel();
        QVERIFY(suspects.rowCount() >= 4);
        const QModelIndex first = suspects.index(0, 0);
        QCOMPARE(first.data(SuspectsModel::CategoryKeyRole).toString(), QStringLiteral("unbounded_cache"));
        QCOMPARE(suspects.index(0, SuspectsModel::ClassName).data().toString(), QStringLiteral("java.util.HashMap"));
        const QString owner = suspects.index(0, SuspectsModel::Owner).data().toString();
        QVERIFY2(owner.contains(QLatin1String("SessionCache")), qPrintable(owner));
        QVERIFY(first.data(SuspectsModel::HeapShareRole).toDouble() > 0.5);
        QVERIFY(first.data(SuspectsModel::ElementCountRole).toULongLong() > 1000);
        // The other runbook categories are listed too.
        QStringList categories;
        for (int r = 0; r < suspects.rowCount(); ++r)
            categories << suspects.index(r, 0).data(SuspectsModel::CategoryKeyRole).toString();
        for (const char* c : { "listeners_not_deregistered", "connections_not_closed", "thread_local_accumulation" })
            QVERIFY2(categories.contains(QLatin1String(c)), qPrintable(categories.join(u',')));

        // The selected (first) suspect's path: from a GC root to the HashMap through static ENTRIES.
        const QAbstractItemModel& path = *view.findChild<QTableView*>(QStringLiteral("pathView"))->model();
        QVERIFY(path.rowCount() >= 2);
        QVERIFY(!path.index(0, GcRootPathModel::Reference).data().toString().isEmpty());
        const int last = path.rowCount() - 1;
        QVERIFY(path.index(last, GcRootPathModel::Object)
                    .data()
                    .toString()
                    .startsWith(QLatin1String("java.util.HashMap @")));
        QCOMPARE(path.index(last, GcRootPathModel::Reference).data().toString(), QStringLiteral("static ENTRIES"));

        // The chart ranks by retained size: the HashMap's entries and payloads lead.
        QVERIFY(view.topClassesChart()->byRetainedSize());
        QCOMPARE(view.topClassesChart()->classNames().size(), TopClassesChart::kClassCount);

        saveScreenshot(view, HeapView::Page::DominatorTree, "dominators");
        saveScreenshot(view, HeapView::Page::Histogram, "histogram");
        saveScreenshot(view, HeapView::Page::Suspects, "suspects");
    }
};

QTEST_MAIN(TestHeapViewJvm)
#include "tst_heap_view_jvm.moc"
