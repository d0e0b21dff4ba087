// The timeline view on the hand-built incident: model contract (QAbstractItemModelTester), order,
// kind filters, text filter, and the time it reports when an entry is activated (a click only selects).
#include "../../unit/incident/IncidentFixture.h"

#include "ui/incident/TimelineModel.h"
#include "ui/incident/TimelineView.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::ui;
using incident::JournalKind;

class TestTimelineView : public QObject {
    Q_OBJECT
private:
    std::shared_ptr<const incident::IncidentDocument> m_doc;

    int countOf(JournalKind kind) const
    {
        return int(std::count_if(m_doc->journal.begin(), m_doc->journal.end(),
            [&](const incident::JournalEntry& e) { return e.kind == kind; }));
    }

private Q_SLOTS:
    void initTestCase() { m_doc = std::make_shared<const incident::IncidentDocument>(test::fixtureIncident()); }

    void modelFollowsTheJournal()
    {
        TimelineModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        model.setDocument(m_doc);
        QCOMPARE(model.rowCount(), int(m_doc->journal.size()));
        QCOMPARE(model.columnCount(), int(TimelineModel::ColumnCount));
        model.setLocalZone(QTimeZone(3600));
        for (int row = 1; row < model.rowCount(); ++row)
            QVERIFY(model.index(row - 1, 0).data(TimelineModel::TimeMsRole).toLongLong()
                <= model.index(row, 0).data(TimelineModel::TimeMsRole).toLongLong());
        // The severity change at 10:08 UTC, shown in UTC, in local time and relative to the opening.
        int row = -1;
        for (int r = 0; r < model.rowCount(); ++r)
            if (model.index(r, TimelineModel::Entry).data().toString() == QStringLiteral("Severity P2 -> P1"))
                row = r;
        QVERIFY(row >= 0);
        QCOMPARE(model.index(row, TimelineModel::Time).data().toString(), QStringLiteral("2025-01-20 10:08:00 UTC"));
        QCOMPARE(
            model.index(row, TimelineModel::Local).data().toString(), QStringLiteral("2025-01-20 11:08:00 +01:00"));
        QCOMPARE(model.index(row, TimelineModel::SinceOpened).data().toString(), QStringLiteral("8 min"));
        QCOMPARE(model.index(row, TimelineModel::Kind).data().toString(), QStringLiteral("escalation"));
        QVERIFY(
            model.index(row, TimelineModel::Entry).data(Qt::ToolTipRole).toString().contains(QStringLiteral("5xx")));
        model.setDocument(nullptr);
        QCOMPARE(model.rowCount(), 0);
    }

    void filtersByKind_data()
    {
        QTest::addColumn<int>("kind");
        for (JournalKind k : incident::allJournalKinds())
            QTest::newRow(incident::journalKindName(k)) << int(k);
    }
    void filtersByKind()
    {
        QFETCH(int, kind);
        TimelineView view;
        QAbstractItemModelTester tester(view.filterModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        view.setDocument(m_doc);
        QCOMPARE(view.filterModel()->rowCount(), int(m_doc->journal.size()));
        // Only this kind: untick the others through their boxes, as a user would.
        for (JournalKind other : incident::allJournalKinds())
            if (int(other) != kind)
                view.kindBox(other)->setChecked(false);
        const int expected = countOf(JournalKind(kind));
        QVERIFY(expected > 0);
        QCOMPARE(view.filterModel()->rowCount(), expected);
        for (int r = 0; r < view.filterModel()->rowCount(); ++r)
            QCOMPARE(view.filterModel()->index(r, 0).data(TimelineModel::KindRole).toInt(), kind);
        view.setKindVisible(JournalKind(kind), false);
        QCOMPARE(view.filterModel()->rowCount(), 0);
        for (JournalKind k : incident::allJournalKinds())
            view.setKindVisible(k, true);
        QCOMPARE(view.filterModel()->rowCount(), int(m_doc->journal.size()));
    }

    void filtersByText()
    {
        TimelineView view;
        view.setDocument(m_doc);
        view.setTextFilter(QStringLiteral("heap_limit_restart"));
        // Matches the action's kubectl detail, case-insensitively.
        QCOMPARE(view.filterModel()->rowCount(), 1);
        QVERIFY(view.filterModel()
                    ->index(0, TimelineModel::Entry)
                    .data()
                    .toString()
                    .contains(QStringLiteral("HEAP_LIMIT_RESTART")));
        view.setTextFilter({});
        QCOMPARE(view.filterModel()->rowCount(), int(m_doc->journal.size()));
    }

    void clickingAnEntryReportsItsTime()
    {
        TimelineView view;
        view.resize(900, 500);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setDocument(m_doc);
        view.setKindVisible(JournalKind::Finding, false); // rows move; times must still be right
        QSignalSpy spy(&view, &TimelineView::entryActivated);
        const int row = 3;
        const QModelIndex idx = view.filterModel()->index(row, TimelineModel::Entry);
        const qint64 expected = idx.data(TimelineModel::TimeMsRole).toLongLong();
        const QRect rect = view.table()->visualRect(idx);
        // One click selects and shows the detail; it does not navigate away (issue 15, item 9).
        QTest::mouseClick(view.table()->viewport(), Qt::LeftButton, {}, rect.center());
        QCOMPARE(spy.count(), 0);
        QVERIFY(view.detailText().startsWith(idx.data().toString()));
        QTest::mouseDClick(view.table()->viewport(), Qt::LeftButton, {}, rect.center());
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toLongLong(), expected);
        QVERIFY(view.detailText().startsWith(idx.data().toString()));
        // The selection survives a new snapshot of the same incident (autosave after a change).
        auto changed = std::make_shared<incident::IncidentDocument>(*m_doc);
        incident::recordNote(*changed, "a later note", m_doc->updatedMs + 60'000);
        view.setDocument(changed);
        QCOMPARE(view.table()->currentIndex().data(TimelineModel::TimeMsRole).toLongLong(), expected);
        view.activateRow(0);
        QCOMPARE(spy.count(), 2);
        QCOMPARE(
            spy.at(1).at(0).toLongLong(), view.filterModel()->index(0, 0).data(TimelineModel::TimeMsRole).toLongLong());
    }
};

QTEST_MAIN(TestTimelineView)
#include "tst_timeline_view.moc"
