// Many writers on one incident file at once, as real processes: every note, heap dump and journal
// entry of every writer survives, ids stay unique, and a writer killed at any moment (umask 000)
// leaves neither a readable-by-others temporary file nor one that outlives the next open.
#include "core/incident/IncidentRecording.h"
#include "core/incident/IncidentStore.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <set>
#include <vector>

#include <csignal>
#include <sys/stat.h>

using namespace leakdesk::incident;

class TestIncidentConcurrency : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parallelWritersLoseNothing_data()
    {
        QTest::addColumn<QString>("modes");
        QTest::newRow("all read-modify-write (CLI)") << "rmw,rmw,rmw,rmw,rmw,rmw";
        QTest::newRow("long-held documents (GUI) and CLI runs") << "held,rmw,held,rmw,held,rmw";
    }
    void parallelWritersLoseNothing()
    {
        QFETCH(QString, modes);
        constexpr int kPerWriter = 12;
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("shared.leakdesk"));
        const QStringList modeList = modes.split(QLatin1Char(','));
        std::vector<std::unique_ptr<QProcess>> writers;
        for (int w = 0; w < modeList.size(); ++w) {
            auto p = std::make_unique<QProcess>();
            p->setProcessChannelMode(QProcess::ForwardedErrorChannel);
            p->start(QStringLiteral(LEAKDESK_APPEND),
                { path, QStringLiteral("w%1").arg(w), QString::number(kPerWriter), modeList[w] });
            writers.push_back(std::move(p));
        }
        for (auto& p : writers) {
            QVERIFY(p->waitForFinished(120000));
            QCOMPARE(p->exitStatus(), QProcess::NormalExit);
            QCOMPARE(p->exitCode(), 0);
        }
        auto doc = readIncidentFile(path);
        QVERIFY2(doc.ok(), doc.ok() ? "" : doc.error().toString().c_str());
        std::set<std::string> notes, pods, ids, journalIds;
        for (const auto& n : doc->notes) {
            notes.insert(n.text);
            QVERIFY2(ids.insert(n.id).second, n.id.c_str());
        }
        for (const auto& h : doc->heapDumps) {
            pods.insert(h.pod);
            QVERIFY2(ids.insert(h.id).second, h.id.c_str());
        }
        for (const auto& e : doc->journal)
            QVERIFY2(journalIds.insert(e.id).second, e.id.c_str());
        for (int w = 0; w < modeList.size(); ++w) {
            for (int i = 0; i < kPerWriter; ++i) {
                const std::string tag = "w" + std::to_string(w);
                QVERIFY2(notes.count(tag + " note " + std::to_string(i)), (tag + " note " + std::to_string(i)).c_str());
                QVERIFY2(pods.count(tag + "-pod-" + std::to_string(i)), (tag + "-pod-" + std::to_string(i)).c_str());
                // The heap dump's journal entry names its pod and points at its (possibly renumbered) id.
                const auto dumpIt = std::find_if(doc->heapDumps.begin(), doc->heapDumps.end(),
                    [&](const HeapDumpRecord& h) { return h.pod == tag + "-pod-" + std::to_string(i); });
                QVERIFY(std::any_of(doc->journal.begin(), doc->journal.end(), [&](const JournalEntry& e) {
                    return e.ref == dumpIt->id && e.title.find(dumpIt->pod) != std::string::npos;
                }));
            }
        }
        QCOMPARE(doc->notes.size(), std::size_t(modeList.size() * kPerWriter));
        QCOMPARE(doc->heapDumps.size(), std::size_t(modeList.size() * kPerWriter));
        QVERIFY(QDir(dir.path()).entryList({ QStringLiteral(".*.tmp-*") }, QDir::Files | QDir::Hidden).isEmpty());
    }

    // A writer killed at any moment leaves nothing behind once the file is next opened: the file
    // (when the kill came after its first save) loads, and no temporary file is left, whether or not
    // the file exists yet. A temporary file a kill leaves before that open (only possible between
    // its link and its rename) was never readable by others.
    void killedWriterLeavesNothingBehind()
    {
        const mode_t previous = ::umask(0);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("killed.leakdesk"));
        const auto temporaries
            = [&] { return QDir(dir.path()).entryList({ QStringLiteral(".*.tmp-*") }, QDir::Files | QDir::Hidden); };
        int straysBeforeOpen = 0;
        for (int round = 0; round < 25; ++round) {
            QProcess writer;
            writer.start(QStringLiteral(LEAKDESK_APPEND),
                { path, QStringLiteral("k%1").arg(round), QStringLiteral("1000"), QStringLiteral("rmw") });
            QVERIFY(writer.waitForStarted());
            QTest::qWait(int(30 + QRandomGenerator::global()->bounded(150)));
            ::kill(pid_t(writer.processId()), SIGKILL);
            writer.waitForFinished();
            for (const QString& name : temporaries()) {
                struct stat st { };
                QCOMPARE(::stat(QFile::encodeName(dir.filePath(name)).constData(), &st), 0);
                QCOMPARE(st.st_mode & 0777, mode_t(0600));
                ++straysBeforeOpen;
            }
            const bool exists = QFile::exists(path);
            if (exists)
                QCOMPARE(QFile::permissions(path)
                        & (QFileDevice::ReadOther | QFileDevice::ReadGroup | QFileDevice::WriteOther),
                    QFileDevice::Permissions());
            IncidentStore next(path);
            auto loaded = next.load();
            if (exists)
                QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().toString().c_str());
            else
                QCOMPARE(loaded.error().code, leakdesk::ErrorCode::NotFound);
            QVERIFY2(temporaries().isEmpty(), qPrintable(temporaries().join(QLatin1Char(' '))));
        }
        ::umask(previous);
        qInfo("temporary files left by a kill (between link and rename) and removed at the next open: %d",
            straysBeforeOpen);
    }
};

QTEST_GUILESS_MAIN(TestIncidentConcurrency)
#include "tst_incident_concurrency.moc"
