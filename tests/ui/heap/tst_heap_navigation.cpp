// Moving around a dump as MAT users do (issue 15, item 11): from a leak suspect's path to a GC root
// into the dominator tree ("Show in dominator tree", or a double-click on a step), and the object
// inspector under the tree, whose references lead on through the tree: what the cache's entries
// hold, down to the bytes of one payload; and the tree grouped by class. Driven with the mouse and
// keyboard on the real widgets.
#include "LeakyHeapDump.h"

#include "ui/heap/DominatorTreeModel.h"
#include "ui/heap/HeapView.h"
#include "ui/heap/ObjectInspectorModel.h"
#include "ui/heap/SuspectsModel.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

using namespace leakdesk;
using namespace leakdesk::ui;
using leakdesk::heap::test::buildLeakyDump;
using leakdesk::heap::test::writeDump;

namespace {

constexpr int kSessions = 700; // more than three fetch batches of the tree's rows

// The row of the inspector whose Field column reads `name`, -1 when none.
int inspectorRow(const QAbstractItemModel& model, const QString& name)
{
    for (int r = 0; r < model.rowCount(); ++r)
        if (model.index(r, ObjectInspectorModel::Field).data().toString() == name)
            return r;
    return -1;
}

void doubleClick(QAbstractItemView* view, const QModelIndex& index)
{
    view->scrollTo(index);
    const QPoint at = view->visualRect(index).center();
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, at);
    QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, at);
}

std::uint32_t currentObject(const QTreeView& tree)
{
    return tree.currentIndex().data(DominatorTreeModel::ObjectIndexRole).toUInt();
}

} // namespace

class TestHeapNavigation : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_dump;
    heap::test::LeakyDump m_built;

    // A view with the dump analysed.
    void open(HeapView& view)
    {
        view.resize(1280, 720);
        view.show();
        QSignalSpy finished(&view, &HeapView::analysisFinished);
        view.openDump(m_dump);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_dump = m_dir.filePath(QStringLiteral("leaky.hprof"));
        m_built = buildLeakyDump(kSessions);
        QVERIFY(writeDump(m_dump, m_built.bytes));
    }

    void suspectPathLeadsIntoTheDominatorTree()
    {
        HeapView view;
        open(view);
        view.showPage(HeapView::Page::Suspects);
        auto* path = view.findChild<QTableView*>(QStringLiteral("pathView"));
        auto* reveal = view.findChild<QPushButton*>(QStringLiteral("revealInTreeButton"));
        auto* tree = view.findChild<QTreeView*>(QStringLiteral("dominatorView"));
        QVERIFY(path && reveal && tree);
        QVERIFY(reveal->isEnabled());
        const int last = path->model()->rowCount() - 1;
        QVERIFY(last >= 1);
        const uint suspect = path->model()->index(last, 0).data(GcRootPathModel::ObjectIndexRole).toUInt();

        // Nothing selected in the path: the button goes to the suspect itself.
        path->clearSelection();
        path->setCurrentIndex({});
        QTest::mouseClick(reveal, Qt::LeftButton);
        QCOMPARE(view.currentPage(), HeapView::Page::DominatorTree);
        QCOMPARE(currentObject(*tree), suspect);
        QVERIFY(tree->currentIndex().data(DominatorTreeModel::ClassNameRole).toString()
            == QStringLiteral("com.example.SessionCache"));
        // Its dominators are expanded above it, and it shows what it keeps alive below.
        for (QModelIndex p = tree->currentIndex().parent(); p.isValid(); p = p.parent())
            QVERIFY(tree->isExpanded(p));
        QVERIFY(tree->model()->hasChildren(tree->currentIndex()));

        // A double-click on another step of the path goes there.
        tree->setCurrentIndex({});
        view.showPage(HeapView::Page::Suspects);
        const QModelIndex first = path->model()->index(0, GcRootPathModel::Object);
        const uint root = first.data(GcRootPathModel::ObjectIndexRole).toUInt();
        doubleClick(path, first);
        QCOMPARE(view.currentPage(), HeapView::Page::DominatorTree);
        QCOMPARE(currentObject(*tree), root);
    }

    void inspectorShowsWhatTheEntriesHold()
    {
        HeapView view;
        open(view);
        auto* tree = view.findChild<QTreeView*>(QStringLiteral("dominatorView"));
        auto* inspector = view.findChild<QTableView*>(QStringLiteral("inspectorView"));
        auto* title = view.findChild<QLabel*>(QStringLiteral("inspectorTitle"));
        QVERIFY(tree && inspector && title);
        QAbstractItemModelTester tester(inspector->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester treeTester(tree->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);

        // The suspect (the cache) in the tree, its fields in the inspector.
        view.showPage(HeapView::Page::Suspects);
        QTest::mouseClick(view.findChild<QPushButton*>(QStringLiteral("revealInTreeButton")), Qt::LeftButton);
        QVERIFY2(title->text().contains(QStringLiteral("com.example.SessionCache @ ")), qPrintable(title->text()));
        const QAbstractItemModel& fields = *inspector->model();
        const int size = inspectorRow(fields, QStringLiteral("size"));
        QVERIFY(size >= 0);
        QCOMPARE(fields.index(size, ObjectInspectorModel::Value).data().toString(), QString::number(kSessions));
        QCOMPARE(fields.index(size, ObjectInspectorModel::Type).data().toString(), QStringLiteral("int"));

        // entries: a reference; a double-click follows it into the tree.
        const int entries = inspectorRow(fields, QStringLiteral("entries"));
        QVERIFY(entries >= 0);
        QCOMPARE(
            fields.index(entries, ObjectInspectorModel::Type).data().toString(), QStringLiteral("java.lang.Object[]"));
        QVERIFY(!fields.index(entries, ObjectInspectorModel::Retained).data().toString().isEmpty());
        const uint array = fields.index(entries, 0).data(ObjectInspectorModel::TargetRole).toUInt();
        doubleClick(inspector, fields.index(entries, ObjectInspectorModel::Value));
        QCOMPARE(currentObject(*tree), array);
        QVERIFY2(title->text().contains(QStringLiteral("java.lang.Object[] @ ")), qPrintable(title->text()));
        QCOMPARE(fields.index(inspectorRow(fields, QStringLiteral("length")), ObjectInspectorModel::Value).data(),
            QVariant(QString::number(kSessions)));

        // The inspector lists 500 of them and says how many more there are.
        QVERIFY2(title->text().contains(QStringLiteral("(%1 more element(s) not listed)").arg(kSessions + 1 - 500)),
            qPrintable(title->text()));
        // An entry far down (beyond the first fetched batch of the tree's rows), by keyboard.
        constexpr int kEntry = 450;
        const int lastEntry = inspectorRow(fields, QStringLiteral("[%1]").arg(kEntry));
        QVERIFY(lastEntry >= 0);
        QVERIFY(fields.index(lastEntry, ObjectInspectorModel::Value)
                    .data()
                    .toString()
                    .startsWith(QStringLiteral("com.example.Node @ ")));
        inspector->setFocus();
        inspector->setCurrentIndex(fields.index(lastEntry, ObjectInspectorModel::Value));
        QTest::keyClick(inspector, Qt::Key_Return);
        QVERIFY2(title->text().contains(QStringLiteral("com.example.Node @ ")), qPrintable(title->text()));
        QCOMPARE(tree->currentIndex().parent().data(DominatorTreeModel::ObjectIndexRole).toUInt(), array);
        QVERIFY2(tree->currentIndex().row() >= DominatorTreeModel::kBatchSize,
            qPrintable(QString::number(tree->currentIndex().row()))); // rows were fetched down to it
        QCOMPARE(fields.index(inspectorRow(fields, QStringLiteral("id")), ObjectInspectorModel::Value).data(),
            QVariant(QString::number(kEntry)));
        QCOMPARE(fields.index(inspectorRow(fields, QStringLiteral("next")), ObjectInspectorModel::Value).data(),
            QVariant(QStringLiteral("null")));

        // And what the entry holds: its payload's bytes.
        const int payload = inspectorRow(fields, QStringLiteral("payload"));
        QVERIFY(payload >= 0);
        doubleClick(inspector, fields.index(payload, ObjectInspectorModel::Field));
        QVERIFY2(title->text().contains(QStringLiteral("byte[] @ ")), qPrintable(title->text()));
        const int length = inspectorRow(fields, QStringLiteral("length"));
        QVERIFY(length >= 0);
        QCOMPARE(
            fields.index(length, ObjectInspectorModel::Value).data().toString().toUInt(), 200u + 8u * uint(kEntry % 4));
        QVERIFY(inspectorRow(fields, QStringLiteral("text")) >= 0);
    }

    // MAT's "Group by class": one row per class at every level, the objects below it; the object
    // selected stays selected when the grouping is switched on and off.
    void groupByClassGathersAlikeObjects()
    {
        HeapView view;
        open(view);
        auto* tree = view.findChild<QTreeView*>(QStringLiteral("dominatorView"));
        auto* box = view.findChild<QCheckBox*>(QStringLiteral("groupByClassBox"));
        auto* title = view.findChild<QLabel*>(QStringLiteral("inspectorTitle"));
        QVERIFY(tree && box && title);
        QAbstractItemModelTester tester(tree->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto analysis = view.analysis();
        const heap::DominatorTree& dominators = *analysis->dominators;
        const std::uint32_t node = analysis->snapshot->findObject(m_built.nodeIds.at(450));
        QVERIFY(view.revealInDominatorTree(node));
        const std::uint32_t array = dominators.immediateDominator(node);

        view.showPage(HeapView::Page::DominatorTree);
        QTest::mouseClick(box, Qt::LeftButton, {}, QPoint(8, box->height() / 2)); // on its indicator
        QVERIFY(box->isChecked());
        QAbstractItemModel& model = *tree->model();
        // Still on the same object, now under the row of its class.
        QCOMPARE(currentObject(*tree), node);
        const QModelIndex group = tree->currentIndex().parent();
        QCOMPARE(group.data(DominatorTreeModel::ClassNameRole).toString(), QStringLiteral("com.example.Node"));
        QCOMPARE(group.data(DominatorTreeModel::GroupSizeRole).toUInt(), uint(kSessions));
        QVERIFY(!group.data(DominatorTreeModel::ObjectIndexRole).isValid());
        qulonglong retained = 0;
        for (const std::uint32_t o : dominators.children(array))
            retained += dominators.retainedSize(o);
        QCOMPARE(group.data(DominatorTreeModel::RetainedBytesRole).toULongLong(), retained);
        QVERIFY(group.data().toString().startsWith(QStringLiteral("com.example.Node (700 objects)")));
        QCOMPARE(group.parent().data(DominatorTreeModel::ObjectIndexRole).toUInt(), array);
        // The top level: only class rows, together every object the GC roots alone keep alive.
        uint topObjects = 0;
        for (int r = 0; r < model.rowCount(); ++r) {
            const QModelIndex row = model.index(r, 0);
            QVERIFY(row.data(DominatorTreeModel::GroupSizeRole).isValid());
            topObjects += row.data(DominatorTreeModel::GroupSizeRole).toUInt();
        }
        QCOMPARE(topObjects, uint(dominators.children(heap::DominatorTree::kVirtualRoot).size()));
        // A class row is no object: the inspector says to pick one.
        tree->setCurrentIndex(group);
        QVERIFY2(title->text().contains(QStringLiteral("select one of its objects")), qPrintable(title->text()));
        QCOMPARE(view.inspectorModel()->rowCount(), 0);
        // Switched off by keyboard (Alt+G): objects again, the selection kept.
        tree->setCurrentIndex(group.model()->index(450 % group.model()->rowCount(group), 0, group));
        const uint selected = currentObject(*tree);
        box->setFocus();
        QTest::keyClick(box, Qt::Key_Space);
        QVERIFY(!box->isChecked());
        QCOMPARE(currentObject(*tree), selected);
        QCOMPARE(tree->currentIndex().parent().data(DominatorTreeModel::ObjectIndexRole).toUInt(), array);
        QVERIFY(!model.index(0, 0).data(DominatorTreeModel::GroupSizeRole).isValid());
    }
};

QTEST_MAIN(TestHeapNavigation)
#include "tst_heap_navigation.moc"
