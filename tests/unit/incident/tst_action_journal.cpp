// The journaling of actions (incident/ActionJournal.h): what each kind of action writes into an
// incident, how an applied action is found again for its revert or put-back, and how a heap
// analysis becomes a heap-dump record. Inputs are invented; the expected texts are the ones the
// GUI has always written, so files written before and after read the same.
#include "core/common/ActionKinds.h"
#include "core/heap/LeakSuspects.h"
#include "core/incident/ActionJournal.h"
#include "core/incident/IncidentRecording.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::incident;

namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

const JournalEntry& lastJournal(const IncidentDocument& doc)
{
    return doc.journal.back();
}

heap::LeakSuspect suspect(heap::LeakCategory category, const std::string& className, std::uint64_t retained)
{
    heap::LeakSuspect s;
    s.category = category;
    s.className = className;
    s.owner = "static CACHE of class com.example." + className;
    s.retainedBytes = retained;
    s.heapShare = 0.25;
    s.elementCount = 4096;
    s.elementClass = "byte[]";
    s.explanation = className + " retains a lot";
    return s;
}

} // namespace

class TestActionJournal : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void mitigation_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("deployment");
        QTest::newRow("raise limit") << QString(actionkind::kRaiseLimit) << "checkout";
        QTest::newRow("heap limit") << QString(actionkind::kHeapLimitRestart) << "payments-api";
        QTest::newRow("restart") << QString(actionkind::kRolloutRestart) << "a";
    }
    void mitigation()
    {
        QFETCH(QString, kind);
        QFETCH(QString, deployment);
        IncidentDocument doc;
        AppliedMitigation m;
        m.kind = kind.toStdString();
        m.title = "Raise memory limit: 4Gi";
        m.deployment = deployment.toStdString();
        m.kubectl = "kubectl set resources deployment/" + m.deployment;
        m.diff = "-  memory: 2Gi\n+  memory: 4Gi";
        m.revertData = { { "before", "2Gi" } };
        const std::string id = recordMitigation(doc, m, kNow);
        QCOMPARE(id, std::string("A1"));
        const ActionRecord& a = doc.actions.front();
        QCOMPARE(a.kind, m.kind);
        QCOMPARE(a.target, "deployment/" + m.deployment);
        QCOMPARE(a.kubectl, m.kubectl);
        QCOMPARE(a.diff, m.diff);
        QCOMPARE(a.state, ActionState::Applied);
        QCOMPARE(a.appliedMs, kNow);
        QVERIFY(a.revertData == m.revertData);
        QCOMPARE(lastJournal(doc).title, "Applied: " + m.title);
        QCOMPARE(lastJournal(doc).ref, id);

        // Found again by kind and target, and only by both; not once reverted.
        QCOMPARE(lastAppliedAction(doc, m.kind, deploymentTarget(m.deployment)), &doc.actions.front());
        QCOMPARE(lastAppliedAction(doc, m.kind, deploymentTarget(m.deployment + "-canary")), nullptr);
        QCOMPARE(lastAppliedAction(doc, actionkind::kIsolatePod, deploymentTarget(m.deployment)), nullptr);
        QVERIFY(recordActionState(doc, id, ActionState::Reverted, "undone", kNow + 1));
        QCOMPARE(lastAppliedAction(doc, m.kind, deploymentTarget(m.deployment)), nullptr);
    }

    void lastAppliedIsTheLatest()
    {
        IncidentDocument doc;
        AppliedMitigation m;
        m.kind = actionkind::kRaiseLimit;
        m.deployment = "checkout";
        m.title = "first";
        recordMitigation(doc, m, kNow);
        m.title = "second";
        const std::string second = recordMitigation(doc, m, kNow + 10);
        QCOMPARE(lastAppliedAction(doc, m.kind, "deployment/checkout")->id, second);
    }

    // A revert keeps what it wrote with the action (later reverts read LeakDesk's own writes
    // there), turns the action reverted, whole or partial, and says which in the journal.
    void mitigationRevert_data()
    {
        QTest::addColumn<bool>("partial");
        QTest::addColumn<bool>("wrote");
        QTest::newRow("whole") << false << true;
        QTest::newRow("partial") << true << true;
        QTest::newRow("already restored, nothing written") << false << false;
    }
    void mitigationRevert()
    {
        QFETCH(bool, partial);
        QFETCH(bool, wrote);
        IncidentDocument doc;
        AppliedMitigation m;
        m.kind = actionkind::kHeapLimitRestart;
        m.deployment = "orders";
        m.title = "Set HEAP_LIMIT_RESTART: 3g";
        m.revertData = { { "id", "heap-restart-orders-1" }, { "before", { { "env.HEAP_LIMIT_RESTART", nullptr } } } };
        const std::string id = recordMitigation(doc, m, kNow);
        const nlohmann::json write = wrote
            ? nlohmann::json { { "fields", nlohmann::json::array() }, { "resourceVersion", "42" } }
            : nlohmann::json();
        QVERIFY(recordMitigationRevert(
            doc, { id, "kubectl set env deployment/orders HEAP_LIMIT_RESTART-", write, partial }, kNow + 5));
        const ActionRecord& a = doc.actions.front();
        QCOMPARE(a.state, ActionState::Reverted);
        QCOMPARE(a.revertedMs, kNow + 5);
        QCOMPARE(a.revertData.value("id", ""), std::string("heap-restart-orders-1")); // the record stays readable
        QCOMPARE(a.revertData.contains("reverts"), wrote);
        if (wrote)
            QVERIFY(a.revertData["reverts"] == nlohmann::json::array({ write }));
        const std::string detail = lastJournal(doc).detail;
        QCOMPARE(detail.rfind("Partial revert", 0) == 0, partial);
        QVERIFY(detail.find("HEAP_LIMIT_RESTART-") != std::string::npos);
        QCOMPARE(lastAppliedAction(doc, m.kind, deploymentTarget(m.deployment)), nullptr);
        QCOMPARE(recordMitigationRevert(doc, { "A9", {}, write, false }, kNow).error().code, ErrorCode::NotFound);
    }

    void isolationAndPutBack_data()
    {
        QTest::addColumn<QString>("pod");
        QTest::addColumn<QString>("otherPod");
        QTest::newRow("two pods") << "checkout-7d9f-abcde"
                                  << "checkout-7d9f-fghij";
        QTest::newRow("prefix of another") << "web-1"
                                           << "web-10";
    }
    void isolationAndPutBack()
    {
        QFETCH(QString, pod);
        QFETCH(QString, otherPod);
        IncidentDocument doc;
        const nlohmann::json revert = { { "kind", actionkind::kIsolatePod }, { "pod", pod.toStdString() } };
        const std::string id = recordIsolation(
            doc, pod.toStdString(), "kubectl label pod " + pod.toStdString() + " app-", revert, "Pod taken out", kNow);
        recordIsolation(doc, otherPod.toStdString(), "kubectl label pod x app-", {}, "Other taken out", kNow);
        QCOMPARE(doc.actions.front().kind, std::string("isolate-pod"));
        QCOMPARE(doc.actions.front().title, std::string("Pod taken out"));
        QCOMPARE(doc.actions.front().target, "pod/" + pod.toStdString());
        QVERIFY(doc.actions.front().revertData == revert);
        QCOMPARE(appliedIsolation(doc, pod.toStdString())->id, id);

        // Deleting the pod is an action of its own; the isolation stays applied.
        recordPodDeletion(
            doc, pod.toStdString(), "kubectl delete pod " + pod.toStdString(), "deleted, replaced", kNow + 5);
        const ActionRecord& deletion = doc.actions.back();
        QCOMPARE(deletion.kind, std::string("delete-pod"));
        QCOMPARE(deletion.title, "Pod " + pod.toStdString() + " deleted after its heap dump");
        QCOMPARE(deletion.output, std::string("deleted, replaced"));
        QCOMPARE(deletion.state, ActionState::Applied);
        QCOMPARE(appliedIsolation(doc, pod.toStdString())->id, id);

        QVERIFY(
            recordIsolationPutBack(doc, pod.toStdString(), "kubectl label pod p app=checkout", "back in", kNow + 9));
        QCOMPARE(doc.action(id)->state, ActionState::Reverted);
        QCOMPARE(doc.action(id)->revertedMs, kNow + 9);
        QCOMPARE(lastJournal(doc).detail, std::string("kubectl label pod p app=checkout\nback in"));
        QCOMPARE(appliedIsolation(doc, pod.toStdString()), nullptr);
        // The other pod is untouched; a second put-back finds nothing.
        QCOMPARE(appliedIsolation(doc, otherPod.toStdString())->state, ActionState::Applied);
        const auto again = recordIsolationPutBack(doc, pod.toStdString(), "k", "s", kNow + 10);
        QVERIFY(!again);
        QCOMPARE(again.error().code, ErrorCode::NotFound);
    }

    void putBackWithoutIsolation()
    {
        IncidentDocument doc;
        const std::size_t before = doc.journal.size();
        QVERIFY(!recordIsolationPutBack(doc, "never-isolated", "k", "s", kNow));
        QCOMPARE(doc.journal.size(), before);
    }

    void isolationFailure()
    {
        IncidentDocument doc;
        recordIsolationFailure(doc, "Cannot take pod x out: forbidden", kNow);
        QVERIFY(doc.actions.empty());
        QCOMPARE(lastJournal(doc).kind, JournalKind::Action);
        QCOMPARE(lastJournal(doc).title, std::string("Cannot take pod x out: forbidden"));
        QCOMPARE(lastJournal(doc).tMs, kNow);
    }

    void heapCapture_data()
    {
        QTest::addColumn<QString>("container");
        QTest::addColumn<qint64>("bytes");
        QTest::addColumn<int>("resumes");
        QTest::addColumn<bool>("verified");
        QTest::addColumn<bool>("removed");
        QTest::addColumn<QStringList>("notes");
        QTest::addColumn<QString>("title");
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("output");
        QTest::newRow("verified, removed") << "" << qint64(123'456'789) << 0 << true << true << QStringList {}
                                           << "Heap dump of api-0 captured (123.5 MB)"
                                           << "pod/api-0"
                                           << "local file: /dumps/a.hprof\nSHA-256: 00ff (verified against sha256sum "
                                              "in the pod)\nremoved from the pod: /tmp/a.hprof";
        QTest::newRow("container, resumed, left, notes")
            << "jvm" << qint64(50'000) << 3 << false << false
            << QStringList { "no sha256sum in the pod", "left behind" }
            << "Heap dump of api-0 captured (0.1 MB, 3 resume(s))"
            << "pod/api-0 container jvm"
            << "local file: /dumps/a.hprof\nSHA-256: 00ff (not verified in the pod)\nleft in the pod: /tmp/a.hprof\n"
               "no sha256sum in the pod\nleft behind";
        QTest::newRow("one resume, empty") << "" << qint64(0) << 1 << true << false << QStringList {}
                                           << "Heap dump of api-0 captured (0.0 MB, 1 resume(s))"
                                           << "pod/api-0"
                                           << "local file: /dumps/a.hprof\nSHA-256: 00ff (verified against sha256sum "
                                              "in the pod)\nleft in the pod: /tmp/a.hprof";
    }
    void heapCapture()
    {
        QFETCH(QString, container);
        QFETCH(qint64, bytes);
        QFETCH(int, resumes);
        QFETCH(bool, verified);
        QFETCH(bool, removed);
        QFETCH(QStringList, notes);
        QFETCH(QString, title);
        QFETCH(QString, target);
        QFETCH(QString, output);
        CapturedHeapDump dump;
        dump.pod = "api-0";
        dump.container = container.toStdString();
        dump.localPath = "/dumps/a.hprof";
        dump.sha256 = "00ff";
        dump.verifiedInPod = verified;
        dump.bytes = bytes;
        dump.resumes = resumes;
        dump.remoteFile = "/tmp/a.hprof";
        dump.remoteRemoved = removed;
        for (const QString& n : notes)
            dump.notes.push_back(n.toStdString());
        IncidentDocument doc;
        recordHeapCapture(doc, dump, kNow);
        const ActionRecord& a = doc.actions.front();
        QCOMPARE(a.kind, std::string(actionkind::kHeapCapture));
        QCOMPARE(QString::fromStdString(a.title), title);
        QCOMPARE(QString::fromStdString(a.target), target);
        QCOMPARE(QString::fromStdString(a.output), output);
        QCOMPARE(a.state, ActionState::Applied);
    }

    void runbookCommand_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<bool>("succeeded");
        QTest::addColumn<QString>("note");
        QTest::addColumn<QString>("title");
        const QString longCommand
            = QStringLiteral("kubectl get pods -n shop -l app=checkout ") + QString(100, QLatin1Char('x'));
        QTest::newRow("short, ok") << "kubectl top pods -n shop" << true << ""
                                   << "kubectl top pods -n shop";
        QTest::newRow("long, failed") << longCommand << false << "exit code 1" << longCommand.left(120);
        // Cut in UTF-16 units, never inside a character of the Basic Multilingual Plane.
        const QString accented = QString(119, QLatin1Char('a')) + QStringLiteral("éé");
        QTest::newRow("accented") << accented << true << "" << accented.left(120);
    }
    void runbookCommand()
    {
        QFETCH(QString, command);
        QFETCH(bool, succeeded);
        QFETCH(QString, note);
        QFETCH(QString, title);
        IncidentDocument doc;
        RunbookCommandRun run;
        run.command = command.toStdString();
        run.journaledOutput = "NAME READY\ncheckout-1 1/1";
        run.preview = "server-side dry run (exit code 0):\nok";
        run.succeeded = succeeded;
        run.note = note.toStdString();
        const std::string id = recordRunbookCommand(doc, run, kNow);
        const ActionRecord& a = *doc.action(id);
        QCOMPARE(a.kind, std::string("shell"));
        QCOMPARE(QString::fromStdString(a.title), title);
        QCOMPARE(a.kubectl, run.command);
        QCOMPARE(a.output, run.journaledOutput);
        QCOMPARE(a.diff, run.preview);
        QCOMPARE(a.state, succeeded ? ActionState::Applied : ActionState::Failed);
        QCOMPARE(a.error, run.note);
        QVERIFY(a.target.empty());
    }

    void heapDumpRecord_data()
    {
        QTest::addColumn<qint64>("capturedMs");
        QTest::addColumn<int>("suspects");
        QTest::addColumn<qint64>("expectedMs");
        QTest::addColumn<QString>("summary");
        QTest::newRow("opened, clean") << qint64(0) << 0 << qint64(kNow - 500)
                                       << "no leak suspect above the thresholds";
        QTest::newRow("captured, two suspects")
            << qint64(kNow) << 2 << qint64(kNow) << "top suspect: SessionCache retains a lot";
    }
    void heapDumpRecord()
    {
        QFETCH(qint64, capturedMs);
        QFETCH(int, suspects);
        QFETCH(qint64, expectedMs);
        QFETCH(QString, summary);
        std::vector<heap::LeakSuspect> found;
        if (suspects > 0)
            found.push_back(suspect(heap::LeakCategory::UnboundedCache, "SessionCache", 900));
        if (suspects > 1)
            found.push_back(suspect(heap::LeakCategory::ListenersNotDeregistered, "Bus", 100));
        AnalysedDumpFile file;
        file.path = "/d/x.hprof";
        file.sizeBytes = 4096;
        file.modifiedMs = kNow - 500;
        file.pod = capturedMs ? "api-0" : "";
        file.capturedMs = capturedMs;
        const HeapDumpRecord r = heapDumpRecordFor(file, found);
        QCOMPARE(r.capturedMs, expectedMs);
        QCOMPARE(r.path, file.path);
        QCOMPARE(r.pod, file.pod);
        QCOMPARE(r.sizeBytes, file.sizeBytes);
        QCOMPARE(QString::fromStdString(r.summary), summary);
        QCOMPARE(r.suspects.size(), std::size_t(suspects));
        for (std::size_t i = 0; i < r.suspects.size(); ++i) {
            QCOMPARE(r.suspects[i].category, std::string(heap::leakCategoryName(found[i].category)));
            QCOMPARE(r.suspects[i].className, found[i].className);
            QCOMPARE(r.suspects[i].owner, found[i].owner);
            QCOMPARE(r.suspects[i].retainedBytes, found[i].retainedBytes);
            QCOMPARE(r.suspects[i].heapShare, found[i].heapShare);
            QCOMPARE(r.suspects[i].elementCount, found[i].elementCount);
            QCOMPARE(r.suspects[i].elementClass, found[i].elementClass);
            QCOMPARE(r.suspects[i].explanation, found[i].explanation);
        }

        IncidentDocument doc;
        QVERIFY(!hasHeapDump(doc, file.path));
        recordHeapDump(doc, r, kNow);
        QVERIFY(hasHeapDump(doc, file.path));
        QVERIFY(!hasHeapDump(doc, "/d/y.hprof"));
    }
};

QTEST_GUILESS_MAIN(TestActionJournal)
#include "tst_action_journal.moc"
