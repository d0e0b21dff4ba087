// The GUI's incident session meets a terminal: the window holds its document while
// `leakdesk-cli investigate --incident` records into the same file; the window's next change (a
// Refresh records new findings) keeps the CLI's snapshot, and the window then shows the merge.
#include "../../unit/incident/IncidentFixture.h"
#include "TestSupport.h"

#include "ui/incident/IncidentSession.h"
#include "core/incident/IncidentStore.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;

class TestIncidentSession : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void refreshAfterACliRunKeepsTheCliSnapshot()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("shared.leakdesk"));
        ui::IncidentSession session;
        QVERIFY(session.create(path, test::fixtureIncident()).ok());
        const std::size_t before = session.document()->snapshots.size();

        const auto r = test::runProgram(test::cliPath(),
            { QStringLiteral("investigate"), QStringLiteral("--sandbox"), QStringLiteral("--namespace"),
                QStringLiteral("production"), QStringLiteral("--service"), QStringLiteral("checkout"),
                QStringLiteral("--format"), QStringLiteral("json"), QStringLiteral("--incident"), path },
            120000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.err.contains("recorded in"), r.err.constData());
        auto afterCli = incident::readIncidentFile(path);
        QVERIFY(afterCli.ok());
        QCOMPARE(afterCli->snapshots.size(), before + 1);
        const incident::EvidenceSnapshot cliSnapshot = afterCli->snapshots.back();

        // The window still shows what it had; its Refresh records new findings on that copy.
        QCOMPARE(session.document()->snapshots.size(), before);
        QSignalSpy changed(&session, &ui::IncidentSession::documentChanged);
        const std::int64_t now = session.document()->updatedMs + 60000;
        QVERIFY(session.modify(
            [&](incident::IncidentDocument& doc) { incident::recordFindings(doc, test::fixtureFindings(now), now); }));
        QVERIFY(session.saveError().isEmpty());
        QCOMPARE(changed.count(), 1);

        const auto shown = session.document();
        QCOMPARE(shown->snapshots.size(), before + 2);
        QVERIFY(std::any_of(shown->snapshots.begin(), shown->snapshots.end(), [&](const incident::EvidenceSnapshot& s) {
            return s.takenMs == cliSnapshot.takenMs && s.findings == cliSnapshot.findings;
        }));
        QVERIFY(std::any_of(shown->snapshots.begin(), shown->snapshots.end(),
            [&](const incident::EvidenceSnapshot& s) { return s.takenMs == now; }));
        // What the window shows is what is on disk.
        auto onDisk = incident::readIncidentFile(path);
        QVERIFY(onDisk.ok());
        QCOMPARE(*onDisk, *shown);
        const auto published = changed.at(0).at(0).value<std::shared_ptr<const incident::IncidentDocument>>();
        QVERIFY(published);
        QCOMPARE(*published, *shown);
    }
};

QTEST_MAIN(TestIncidentSession)
#include "tst_incident_session.moc"
