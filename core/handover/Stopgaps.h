#pragma once
// Undoing an incident's stopgaps once the fix is in (runbook step 6; step 5 says the limit raise is
// temporary): the mitigations the incident journaled that are still applied (a memory limit
// raised, HEAP_LIMIT_RESTART set, pods taken out of their Service), each checked against the
// cluster (already gone: someone reverted it, a rollout of the fix replaced it, a GitOps
// self-heal; changed by someone else: left alone), then undone one at a time through core/actions
// (MitigationRevert, PodIsolation): the server's dry run shown before the confirmation, each undo
// followed by its rollout and a check after a settle time that it stayed, stopping at the first
// that fails so the stopgaps still in place are the more protective ones.
//
// The order (stopgapUndoOrder, README): pods back in their Service first (adds a serving pod, or
// its old ReplicaSet adopts and removes it: never fewer pods), then HEAP_LIMIT_RESTART (removed
// while the raised limit still stands: the restart threshold never sits above a lowered limit, where
// the kernel's OOM kill would come first), then the memory limit last (the riskiest: if the fix
// does not hold, a lower limit brings the OOM kills back; everything else is already back to normal
// by then and verified).

#include "core/actions/MitigationRecord.h"
#include "core/actions/MitigationRevert.h"
#include "core/actions/PodIsolation.h"
#include "core/actions/RevertCheck.h"
#include "core/actions/SpecDiff.h"
#include "core/common/Result.h"
#include "core/incident/IncidentDocument.h"
#include "core/kube/KubeClient.h"

#include <QObject>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::handover {

enum class StopgapKind { PodIsolation, HeapLimitRestart, MemoryLimit };
const char* stopgapKindName(StopgapKind kind); // "pod isolation", "HEAP_LIMIT_RESTART", "memory limit"

struct Stopgap {
    std::string actionId; // the incident's action
    StopgapKind kind = StopgapKind::MemoryLimit;
    std::string target; // "pod/checkout-abc", "deployment/checkout"
    std::string ns;
    std::string title;
    std::optional<actions::MitigationRecord> mitigation; // limit, HEAP_LIMIT_RESTART
    std::optional<actions::IsolationRecord> isolation; // pod isolation
};

struct StopgapList {
    std::vector<Stopgap> inEffect; // in undo order
    std::vector<std::string> notUndone; // applied actions that are no stopgap to undo, and why
};

// Pure: the incident's applied stopgaps in the order they are undone (isolations, then
// HEAP_LIMIT_RESTART, then limits; within a kind the newest first).
StopgapList incidentStopgaps(const incident::IncidentDocument& doc);
// The order and why, one sentence per step, for the confirmation and the report.
std::vector<std::string> stopgapUndoOrder();

// LeakDesk's own journaled writes to `target` (applies and reverts), oldest first: what makes a
// field "as LeakDesk left it" for MitigationRevert.
std::vector<actions::OwnWrite> incidentOwnWrites(const incident::IncidentDocument& doc, const std::string& target);

enum class StopgapState {
    InEffect, // still as LeakDesk left it: undoing it is previewed
    AlreadyGone, // back to its value from before (someone reverted it, a rollout, a self-heal), or the pod gone
    ChangedByOthers, // someone else changed it since: left alone
    Unknown, // could not be read (the reason in `why`)
};
const char* stopgapStateName(StopgapState state); // "in effect", "already gone", "changed by others", "unknown"

struct StopgapCheck {
    Stopgap stopgap;
    StopgapState state = StopgapState::Unknown;
    std::string why; // for every state but InEffect: what the cluster shows
    std::vector<std::string> preview; // the server's dry run of the undo: "path: now -> after"
    std::string kubectl; // the equivalent command
    std::optional<actions::RevertPlan> revertPlan; // a mitigation in effect
};

struct StopgapOutcome {
    StopgapCheck check;
    enum class Result {
        Undone,
        AlreadyGone,
        LeftAlone,
        Failed,
        DidNotStay,
        NotAttempted
    } result
        = Result::NotAttempted;
    std::string message; // one line
    std::string kubectl; // what was written (the equivalent command)
    std::vector<std::string> diff;
    nlohmann::json ownWrite; // a mitigation's revert, for the journal (actions::ownWriteJson)
};
const char* stopgapResultName(StopgapOutcome::Result result); // "undone", "already gone", ...

// Journals one outcome in the incident: an undone or already-gone mitigation becomes reverted
// (with what the revert wrote), a pod put back likewise; a failure is a journal line.
void recordStopgapOutcome(incident::IncidentDocument& doc, const StopgapOutcome& outcome, std::int64_t nowMs);

struct StopgapUndoOptions {
    int settleMs = 20000; // after the rollout, before re-reading: a GitOps self-heal comes within seconds
    int rolloutTimeoutMs = 10 * 60 * 1000;
    int pollMs = 2000;
};

// Runs check and undo against one cluster; callbacks on the client's thread, never after
// destruction. One operation at a time.
class StopgapUndo : public QObject {
    Q_OBJECT
public:
    StopgapUndo(kube::KubeClient& client, StopgapUndoOptions options = {}, QObject* parent = nullptr);
    ~StopgapUndo() override;

    // Reads each stopgap's object and previews its undo with a server dry run.
    void check(const incident::IncidentDocument& doc, std::function<void(std::vector<StopgapCheck>)> done);
    // Undoes the checks in effect, in order, each after a fresh plan that must still match the
    // confirmed preview; `each` after every step (to journal it at once), `done` with all outcomes.
    // Stops at the first failure or undo that did not stay (the rest: NotAttempted).
    void undo(const incident::IncidentDocument& doc, std::vector<StopgapCheck> confirmed,
        std::function<void(const StopgapOutcome&)> each, std::function<void(std::vector<StopgapOutcome>)> done);

private:
    struct Run;
    void checkNext(std::shared_ptr<Run> run);
    void undoNext(std::shared_ptr<Run> run);
    void undoIsolation(std::shared_ptr<Run> run, StopgapOutcome outcome);
    void undoMitigation(std::shared_ptr<Run> run, StopgapOutcome outcome);
    void afterSettle(std::function<void()> then);
    void finishStep(std::shared_ptr<Run> run, StopgapOutcome outcome);

    kube::KubeClient& m_client;
    StopgapUndoOptions m_options;
    std::unique_ptr<actions::MitigationRevert> m_reverter;
    std::unique_ptr<actions::PodIsolation> m_isolation;
};

} // namespace leakdesk::handover
