// Which of an incident's actions are stopgaps still to undo, and in which order: pods back in
// their Service first, HEAP_LIMIT_RESTART while the raised limit stands, the limit last; within a
// kind the newest first. Reverted actions, restarts, commands and captures are not undone; a
// record that cannot be read is said, not guessed.
#include "core/actions/MitigationRecord.h"
#include "core/actions/PodIsolation.h"
#include "core/common/ActionKinds.h"
#include "core/handover/Stopgaps.h"
#include "core/incident/ActionJournal.h"
#include "core/incident/IncidentRecording.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::handover;

namespace {

nlohmann::json mitigationRecord(actions::MitigationKind kind, const std::string& workload, const std::string& id)
{
    actions::MitigationRecord r;
    r.id = id;
    r.kind = kind;
    r.ns = "production";
    r.workload = { kube::WorkloadKind::Deployment, workload };
    r.container = workload;
    if (kind == actions::MitigationKind::RaiseMemoryLimit) {
        r.before = { { "resources.limits.memory", "2Gi" } };
        r.after = { { "resources.limits.memory", "4Gi" } };
    } else {
        r.before = { { "env.HEAP_LIMIT_RESTART", std::nullopt } };
        r.after = { { "env.HEAP_LIMIT_RESTART", "3584m" } };
    }
    r.resourceVersion = "10";
    r.fieldManager = "leakdesk";
    return r.toJson();
}

nlohmann::json isolationRecord(const std::string& pod)
{
    actions::IsolationRecord r;
    r.id = "iso-" + pod;
    r.ns = "production";
    r.pod = pod;
    r.removed = { { "app", "checkout" } };
    r.services = { "checkout" };
    return r.toJson();
}

std::string mitigate(
    incident::IncidentDocument& doc, actions::MitigationKind kind, const std::string& workload, std::int64_t atMs)
{
    incident::AppliedMitigation a;
    a.kind = actions::mitigationActionKind(kind);
    a.title = std::string(a.kind) + " " + workload;
    a.deployment = workload;
    a.revertData = mitigationRecord(kind, workload, a.kind + std::to_string(atMs));
    return incident::recordMitigation(doc, a, atMs);
}

std::vector<std::string> ids(const StopgapList& list)
{
    std::vector<std::string> out;
    for (const auto& s : list.inEffect)
        out.push_back(s.actionId);
    return out;
}

} // namespace

class TestStopgapOrder : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void orderIsPodsThenHeapRestartThenLimit()
    {
        using K = actions::MitigationKind;
        incident::IncidentDocument doc;
        // Applied in the runbook's order: limit, HEAP_LIMIT_RESTART, then a pod isolated for the dump.
        const auto limit = mitigate(doc, K::RaiseMemoryLimit, "checkout", 1000);
        const auto env = mitigate(doc, K::SetHeapLimitRestart, "checkout", 2000);
        const auto iso = incident::recordIsolation(doc, "checkout-abc", "kubectl label ...",
            isolationRecord("checkout-abc"), "Pod checkout-abc taken out", 3000);
        const auto restart = mitigate(doc, K::RolloutRestart, "checkout", 4000);
        // A second limit raise on another workload, later: the newer limit first among limits.
        const auto limit2 = mitigate(doc, K::RaiseMemoryLimit, "payments", 5000);
        // Already reverted: not a stopgap any more.
        const auto reverted = mitigate(doc, K::SetHeapLimitRestart, "payments", 6000);
        QVERIFY(incident::recordMitigationRevert(doc, { reverted, "reverted", {}, false }, 7000).ok());
        // A pod isolated and put back already.
        incident::recordIsolation(doc, "checkout-def", "k", isolationRecord("checkout-def"), "out", 8000);
        QVERIFY(incident::recordIsolationPutBack(doc, "checkout-def", "k", "back", 9000).ok());
        // A command and a capture are no stopgaps.
        incident::recordRunbookCommand(doc, { "kubectl get pods", "", "", true, "" }, 9500);

        const StopgapList list = incidentStopgaps(doc);
        QCOMPARE(ids(list), (std::vector<std::string> { iso, env, limit2, limit }));
        QCOMPARE(list.inEffect[0].kind, StopgapKind::PodIsolation);
        QVERIFY(list.inEffect[0].isolation.has_value());
        QCOMPARE(list.inEffect[1].kind, StopgapKind::HeapLimitRestart);
        QCOMPARE(list.inEffect[3].kind, StopgapKind::MemoryLimit);
        QCOMPARE(list.inEffect[3].mitigation->after.at("resources.limits.memory"), std::optional<std::string>("4Gi"));
        QCOMPARE(list.notUndone.size(), std::size_t(1));
        QVERIFY(list.notUndone[0].find(restart) == 0);
        QVERIFY(list.notUndone[0].find("nothing to undo") != std::string::npos);
        QCOMPARE(stopgapUndoOrder().size(), std::size_t(4));
    }

    void unreadableRecordIsSaidNotGuessed()
    {
        incident::IncidentDocument doc;
        incident::AppliedMitigation a;
        a.kind = actionkind::kRaiseLimit;
        a.title = "Raise";
        a.deployment = "checkout";
        a.revertData = { { "kind", "limits" } }; // no workload, no values
        const auto id = incident::recordMitigation(doc, a, 1000);
        const auto list = incidentStopgaps(doc);
        QVERIFY(list.inEffect.empty());
        QCOMPARE(list.notUndone.size(), std::size_t(1));
        QVERIFY(list.notUndone[0].find(id) == 0);
        QVERIFY(list.notUndone[0].find("unreadable") != std::string::npos);
    }

    // The journal entries of the outcomes: undone and already-gone stopgaps are no longer applied
    // (so a second run finds nothing), a failure is a journal line and leaves the action applied.
    void outcomesAreJournaled()
    {
        using K = actions::MitigationKind;
        incident::IncidentDocument doc;
        const auto limit = mitigate(doc, K::RaiseMemoryLimit, "checkout", 1000);
        const auto env = mitigate(doc, K::SetHeapLimitRestart, "checkout", 2000);
        const auto iso
            = incident::recordIsolation(doc, "checkout-abc", "k", isolationRecord("checkout-abc"), "out", 3000);
        auto list = incidentStopgaps(doc);
        QCOMPARE(list.inEffect.size(), std::size_t(3));
        using R = StopgapOutcome::Result;
        StopgapOutcome put { { list.inEffect[0], StopgapState::InEffect, {}, {}, {}, {} }, R::Undone, "back",
            "kubectl label ...", {}, {} };
        StopgapOutcome gone { { list.inEffect[1], StopgapState::AlreadyGone, "restored by kubectl", {}, {}, {} },
            R::AlreadyGone, "restored by kubectl", {}, {}, {} };
        StopgapOutcome failed { { list.inEffect[2], StopgapState::InEffect, {}, {}, {}, {} }, R::DidNotStay,
            "the undo did not stay", {}, {}, {} };
        const auto before = doc.journal.size();
        recordStopgapOutcome(doc, put, 4000);
        recordStopgapOutcome(doc, gone, 5000);
        recordStopgapOutcome(doc, failed, 6000);
        QCOMPARE(doc.action(iso)->state, incident::ActionState::Reverted);
        QCOMPARE(doc.action(env)->state, incident::ActionState::Reverted);
        QCOMPARE(doc.action(limit)->state, incident::ActionState::Applied);
        QVERIFY(doc.journal.size() >= before + 3);
        QVERIFY(doc.journal.back().title.find("did not stay") != std::string::npos);
        list = incidentStopgaps(doc);
        QCOMPARE(ids(list), std::vector<std::string> { limit });
    }
};

QTEST_GUILESS_MAIN(TestStopgapOrder)
#include "tst_stopgap_order.moc"
