// Two writers on one incident file: the GUI's long-held document saved after an external append
// keeps both; conflicting scalar edits follow the documented rule; journal ids are stable for old
// files; new files are 0600 whatever the umask; a killed writer's temporary file and lock do not
// survive the next writer.
#include "IncidentFixture.h"

#include "core/incident/IncidentJson.h"
#include "core/incident/IncidentMerge.h"
#include "core/incident/IncidentRecording.h"
#include "core/incident/IncidentStore.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <set>

#include <sys/stat.h>

using namespace leakdesk;
using namespace leakdesk::incident;

namespace {

bool hasNote(const IncidentDocument& doc, const std::string& text)
{
    return std::any_of(doc.notes.begin(), doc.notes.end(), [&](const NoteRecord& n) { return n.text == text; });
}

bool journalMentions(const IncidentDocument& doc, const std::string& text)
{
    return std::any_of(doc.journal.begin(), doc.journal.end(), [&](const JournalEntry& e) {
        return e.title.find(text) != std::string::npos || e.detail.find(text) != std::string::npos;
    });
}

QStringList temporariesIn(const QString& dir)
{
    return QDir(dir).entryList({ QStringLiteral(".*.tmp-*") }, QDir::Files | QDir::Hidden);
}

mode_t modeOf(const QString& path)
{
    struct stat st { };
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return 0;
    return st.st_mode & 0777;
}

HeapDumpRecord dump(const std::string& pod, std::int64_t t)
{
    HeapDumpRecord h;
    h.pod = pod;
    h.capturedMs = t;
    h.summary = "dump of " + pod;
    return h;
}

} // namespace

class TestIncidentStoreSafety : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void heldDocumentKeepsAnExternalAppend()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("i.leakdesk"));
        const IncidentDocument start = test::fixtureIncident();
        QVERIFY(IncidentStore(path).save(start).ok());

        // The GUI opens the file and keeps its document for minutes.
        IncidentStore gui(path);
        auto opened = gui.load();
        QVERIFY(opened.ok());
        IncidentDocument held = opened->document;
        const std::int64_t t = held.updatedMs;

        // Meanwhile a CLI run reads, appends and writes under the lock.
        {
            IncidentStore cli(path);
            QVERIFY(cli.lock(1000).ok());
            auto now = cli.load();
            QVERIFY(now.ok());
            IncidentDocument d = now->document;
            recordNote(d, "from the terminal", t + 1000);
            const std::string h = recordHeapDump(d, dump("pod-cli", t + 1500), t + 1500);
            QCOMPARE(h, std::string("H2"));
            recordSeverityChange(d, "P1", "terminal escalates", t + 1600);
            QVERIFY(cli.save(d).ok());
            QVERIFY(!cli.lastSaveMerged());
        }

        // The GUI's own change, made on its stale copy: same next ids as the terminal's.
        recordNote(held, "from the window", t + 2000);
        const std::string mine = recordHeapDump(held, dump("pod-gui", t + 2500), t + 2500);
        QCOMPARE(mine, std::string("H2"));
        QVERIFY(gui.save(held).ok());
        QVERIFY(gui.lastSaveMerged());

        auto onDisk = readIncidentFile(path);
        QVERIFY(onDisk.ok());
        QCOMPARE(*onDisk, gui.savedDocument()); // what the GUI then shows is what is on disk
        QVERIFY(hasNote(*onDisk, "from the terminal"));
        QVERIFY(hasNote(*onDisk, "from the window"));
        QCOMPARE(onDisk->heapDumps.size(), start.heapDumps.size() + 2);
        std::set<std::string> ids;
        for (const auto& h : onDisk->heapDumps)
            QVERIFY2(ids.insert(h.id).second, h.id.c_str());
        // The window's dump was renumbered and its journal entry follows it.
        const auto gh = std::find_if(onDisk->heapDumps.begin(), onDisk->heapDumps.end(),
            [](const HeapDumpRecord& h) { return h.pod == "pod-gui"; });
        QVERIFY(gh != onDisk->heapDumps.end());
        QCOMPARE(gh->id, std::string("H3"));
        QVERIFY(std::any_of(onDisk->journal.begin(), onDisk->journal.end(),
            [](const JournalEntry& e) { return e.ref == "H3" && e.detail.find("pod-gui") != std::string::npos; }));
        QCOMPARE(onDisk->currentSeverity(), std::string("P1"));
        // Every journal entry of both writers is there once.
        std::set<std::string> journalIds;
        for (const auto& e : onDisk->journal)
            QVERIFY2(journalIds.insert(e.id).second, e.id.c_str());
        QVERIFY(journalMentions(*onDisk, "from the terminal"));
        QVERIFY(journalMentions(*onDisk, "from the window"));
        for (std::size_t i = 1; i < onDisk->journal.size(); ++i)
            QVERIFY(onDisk->journal[i - 1].tMs <= onDisk->journal[i].tMs);
    }

    void scalarConflicts_data()
    {
        QTest::addColumn<bool>("mineChangesTitle");
        QTest::addColumn<bool>("theirsChangesTitle");
        QTest::addColumn<QString>("expectedTitle");
        QTest::newRow("only theirs") << false << true << "theirs";
        QTest::newRow("only mine") << true << false << "mine";
        QTest::newRow("both: this writer wins") << true << true << "mine";
        QTest::newRow("neither") << false << false << "base";
    }
    void scalarConflicts()
    {
        QFETCH(bool, mineChangesTitle);
        QFETCH(bool, theirsChangesTitle);
        QFETCH(QString, expectedTitle);
        IncidentDocument base = test::fixtureIncident();
        base.title = "base";
        IncidentDocument mine = base;
        IncidentDocument theirs = base;
        if (mineChangesTitle)
            mine.title = "mine";
        if (theirsChangesTitle)
            theirs.title = "theirs";
        // Steps: each side ticks a different one; both tick step 0, the later change wins.
        const std::int64_t t = base.updatedMs;
        QVERIFY(recordStepState(theirs, 1, StepState::Done, "theirs did 1", t + 10).ok());
        QVERIFY(recordStepState(mine, 2, StepState::Skipped, "mine skipped 2", t + 20).ok());
        QVERIFY(recordStepState(mine, 0, StepState::Done, "mine did 0 first", t + 30).ok());
        QVERIFY(recordStepState(theirs, 0, StepState::Skipped, "theirs did 0 later", t + 40).ok());
        MergeReport report;
        const IncidentDocument merged = mergeIncidents(&base, mine, theirs, &report);
        QCOMPARE(QString::fromStdString(merged.title), expectedTitle);
        QCOMPARE(merged.runbook.steps[1].note, std::string("theirs did 1"));
        QCOMPARE(merged.runbook.steps[2].state, StepState::Skipped);
        QCOMPARE(merged.runbook.steps[0].note, std::string("theirs did 0 later"));
        // The journal keeps both sides' step changes, the losing one included.
        QVERIFY(journalMentions(merged, "mine did 0 first"));
        QVERIFY(journalMentions(merged, "theirs did 0 later"));
        const bool titleConflict
            = std::find(report.conflicts.begin(), report.conflicts.end(), "title") != report.conflicts.end();
        QCOMPARE(titleConflict, mineChangesTitle && theirsChangesTitle);
    }

    void journalIdsOfAnOldFileAreTheSameInEveryReader()
    {
        // A file written before journal ids existed: strip them, then read it twice.
        nlohmann::json j = incidentToJson(test::fixtureIncident());
        for (auto& e : j["journal"])
            e.erase("id");
        const std::string bytes = j.dump(1);
        auto a = parseIncident(bytes);
        auto b = parseIncident(bytes);
        QVERIFY(a.ok() && b.ok());
        std::set<std::string> ids;
        for (std::size_t i = 0; i < a->journal.size(); ++i) {
            QVERIFY(!a->journal[i].id.empty());
            QCOMPARE(a->journal[i].id, b->journal[i].id);
            QVERIFY2(ids.insert(a->journal[i].id).second, a->journal[i].id.c_str());
        }
        // Two readers that each append, merged: every entry once.
        IncidentDocument one = *a;
        IncidentDocument two = *b;
        recordNote(one, "one", one.updatedMs + 1);
        recordNote(two, "two", two.updatedMs + 2);
        const IncidentDocument merged = mergeIncidents(&*a, one, two);
        QCOMPARE(merged.journal.size(), a->journal.size() + 2);
        QCOMPARE(merged.notes.size(), a->notes.size() + 2);
    }

    // Two writers that never read the file (a GUI started before the file existed, a CLI run) both
    // make note N1 in the same millisecond: they are two notes, and both survive the merge. Taking
    // "same id, same time" for one record lost the first note of parallel writers.
    void recordsMadeAtOnceWithoutABaseAreBothKept()
    {
        const IncidentDocument start = test::fixtureIncident();
        IncidentDocument mine = start;
        IncidentDocument theirs = start;
        mine.notes.clear();
        theirs.notes.clear();
        const std::int64_t t = start.updatedMs + 1000;
        recordNote(mine, "from the window", t);
        recordNote(theirs, "from the terminal", t);
        QCOMPARE(mine.notes.back().id, theirs.notes.back().id);
        MergeReport report;
        const IncidentDocument merged = mergeIncidents(nullptr, mine, theirs, &report);
        QVERIFY(hasNote(merged, "from the window"));
        QVERIFY(hasNote(merged, "from the terminal"));
        QCOMPARE(merged.notes.size(), std::size_t(2));
        QCOMPARE(report.renumbered.size(), std::size_t(1));
        // The same note on both sides is still one note.
        const IncidentDocument again = mergeIncidents(nullptr, theirs, theirs);
        QCOMPARE(again.notes.size(), std::size_t(1));
    }

    void newFilesAreOwnerOnly_data()
    {
        QTest::addColumn<int>("umaskValue");
        QTest::newRow("umask 022") << 022;
        QTest::newRow("umask 000") << 0;
        QTest::newRow("umask 077") << 077;
    }
    void newFilesAreOwnerOnly()
    {
        QFETCH(int, umaskValue);
        const mode_t previous = ::umask(mode_t(umaskValue));
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("new.leakdesk"));
        IncidentDocument doc = test::fixtureIncident();
        IncidentStore store(path);
        const bool firstSaved = store.save(doc).ok();
        recordNote(doc, "second version", doc.updatedMs + 1);
        const bool secondSaved = store.save(doc).ok();
        ::umask(previous);
        QVERIFY(firstSaved && secondSaved);
        QCOMPARE(modeOf(path), mode_t(0600));
        QCOMPARE(modeOf(store.backupPath()), mode_t(0600));
        QVERIFY(temporariesIn(dir.path()).isEmpty());
    }

    // "0600 from the first byte", not "0600 in the end": the hook sees each new file the moment it
    // is created, before a byte is written. A file created with open()'s usual 0666 (0644 under umask
    // 022) and chmod'ed later fails here, though its final mode would pass newFilesAreOwnerOnly. The
    // unnamed rows pin that it has no name in the folder while it is written (O_TMPFILE), so a kill
    // then leaves nothing; the named rows the fallback of a file system without unnamed files.
    void newFileIsOwnerOnlyFromItsFirstByte_data()
    {
        QTest::addColumn<int>("umaskValue");
        QTest::addColumn<bool>("unnamed");
        for (const bool unnamed : { true, false })
            for (const int umaskValue : { 0, 022, 077 })
                QTest::addRow("%s, umask %03o", unnamed ? "unnamed" : "named fallback", umaskValue)
                    << umaskValue << unnamed;
    }
    void newFileIsOwnerOnlyFromItsFirstByte()
    {
        QFETCH(int, umaskValue);
        QFETCH(bool, unnamed);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("new.leakdesk"));
        struct Created {
            mode_t mode = 0;
            nlink_t links = 0;
            off_t size = -1;
            QStringList namesBeside;
        };
        std::vector<Created> created;
        AtomicWriteTestHooks hooks;
        hooks.refuseUnnamed = !unnamed;
        hooks.created = [&](int fd) {
            struct stat st { };
            if (::fstat(fd, &st) == 0)
                created.push_back({ mode_t(st.st_mode & 0777), st.st_nlink, st.st_size, temporariesIn(dir.path()) });
        };
        setAtomicWriteTestHooks(hooks);
        const mode_t previous = ::umask(mode_t(umaskValue));
        IncidentDocument doc = test::fixtureIncident();
        IncidentStore store(path);
        const bool firstSaved = store.save(doc).ok();
        recordNote(doc, "second version", doc.updatedMs + 1);
        const bool secondSaved = store.save(doc).ok(); // writes the backup too
        ::umask(previous);
        setAtomicWriteTestHooks({});
        QVERIFY(firstSaved && secondSaved);
        QCOMPARE(created.size(), std::size_t(3)); // the file, its backup, the file again
        for (const Created& c : created) {
            QCOMPARE(c.mode, mode_t(0600 & ~mode_t(umaskValue)));
            QCOMPARE(c.size, off_t(0));
            QCOMPARE(c.links, nlink_t(unnamed ? 0 : 1));
            QCOMPARE(c.namesBeside.size(), unnamed ? 0 : 1);
        }
        QCOMPARE(modeOf(path), mode_t(0600));
        QCOMPARE(modeOf(store.backupPath()), mode_t(0600));
        QVERIFY(temporariesIn(dir.path()).isEmpty());
        auto reread = IncidentStore(path).load();
        QVERIFY(reread.ok());
        QVERIFY(hasNote(reread->document, "second version"));
    }

    void strayTemporaryOfAKilledWriterIsRemoved_data()
    {
        QTest::addColumn<bool>("byLoad");
        QTest::newRow("next open") << true;
        QTest::newRow("next save") << false;
    }
    void strayTemporaryOfAKilledWriterIsRemoved()
    {
        QFETCH(bool, byLoad);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("i.leakdesk"));
        IncidentDocument doc = test::fixtureIncident();
        QVERIFY(IncidentStore(path).save(doc).ok());
        // What a writer killed between creating its temporary file and the rename leaves, for the
        // file and for its backup.
        for (const QString& name :
            { QStringLiteral(".i.leakdesk.tmp-4242-1f2e3d"), QStringLiteral(".i.leakdesk.bak.tmp-77-aa") }) {
            QFile stray(dir.filePath(name));
            QVERIFY(stray.open(QIODevice::WriteOnly));
            stray.write("{ \"half\": ");
        }
        QCOMPARE(temporariesIn(dir.path()).size(), 2);
        IncidentStore next(path);
        if (byLoad) {
            QVERIFY(next.load().ok());
        } else {
            recordNote(doc, "after the kill", doc.updatedMs + 1);
            QVERIFY(next.save(doc).ok());
        }
        QVERIFY2(temporariesIn(dir.path()).isEmpty(), qPrintable(temporariesIn(dir.path()).join(QLatin1Char(' '))));
    }

    void lockOfAKilledProcessIsTakenOverAndALiveOneIsNot()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("i.leakdesk"));
        // A process that is gone: its lock file stays behind, as after kill -9.
        QProcess gone;
        gone.start(QStringLiteral("true"), {});
        QVERIFY(gone.waitForFinished());
        const qint64 deadPid = gone.processId() > 0 ? gone.processId() : 999999;
        {
            QFile lock(IncidentStore::lockPathFor(path));
            QVERIFY(lock.open(QIODevice::WriteOnly));
            lock.write(QByteArray::number(deadPid) + "\nleakdesk-cli\n" + QSysInfo::machineHostName().toUtf8() + "\n");
        }
        IncidentStore store(path);
        QVERIFY(store.lock(2000).ok());
        store.unlock();
        // A live holder (this process) makes a second writer wait and then say who holds it.
        QVERIFY(store.lock(1000).ok());
        IncidentStore other(path);
        auto st = other.lock(200);
        QVERIFY(!st.ok());
        QVERIFY2(QString::fromStdString(st.error().message).contains(QStringLiteral("another writer")),
            st.error().message.c_str());
        store.unlock();
        QVERIFY(other.lock(1000).ok());
    }
};

QTEST_GUILESS_MAIN(TestIncidentStoreSafety)
#include "tst_incident_store_safety.moc"
