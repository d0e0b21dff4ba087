#pragma once
// Every change to an incident goes through these functions: each one updates the document and
// appends its journal entry, so the timeline fills itself and nobody has to remember to log.
// `nowMs` is explicit so tests (and the golden exports) run on a fixed clock.

#include "core/common/Result.h"
#include "core/incident/IncidentDocument.h"

#include <cstdint>
#include <string>

namespace leakdesk::investigation {
struct Findings;
}
namespace leakdesk::runbook {
struct Runbook;
}

namespace leakdesk::incident {

std::int64_t currentTimeMs();
std::string newIncidentId(); // a random UUID without braces

struct NewIncident {
    std::string id; // empty: a new UUID
    std::string title; // empty: "<service> memory leak in <namespace>"
    std::string ns;
    std::string service;
    ClusterRef cluster;
    const runbook::Runbook* runbook = nullptr; // steps become the checklist; its severity the first one
    std::int64_t nowMs = 0;
};

IncidentDocument newIncident(const NewIncident& params);

// Replaces the checklist with the runbook's steps (states of steps with the same number and title
// are kept) and journals the change.
void attachRunbook(IncidentDocument& doc, const runbook::Runbook& runbook, std::int64_t nowMs);

// Keeps at most maxPoints samples: the minimum and the maximum of each time bucket, in time order,
// so the peaks and troughs of a sawtooth survive.
std::vector<Sample> decimateForStorage(const std::vector<Sample>& samples, std::size_t maxPoints = 2000);

inline constexpr std::size_t kMaxSnapshotPoints = 2000;

EvidenceSnapshot snapshotFromFindings(const investigation::Findings& findings, std::string id, std::int64_t nowMs);

// Stores a snapshot of the findings and journals the verdict and every OOM kill not journaled by
// an earlier snapshot (at the kill's own time). Returns the snapshot id ("E1").
std::string recordFindings(IncidentDocument& doc, const investigation::Findings& findings, std::int64_t nowMs);

Status recordStepState(
    IncidentDocument& doc, int stepIndex, StepState state, const std::string& note, std::int64_t nowMs);
std::string recordNote(IncidentDocument& doc, const std::string& text, std::int64_t nowMs, int stepIndex = -1);

// Stores the action (id assigned when empty, secrets masked) and journals it in its state.
std::string recordAction(IncidentDocument& doc, ActionRecord action, std::int64_t nowMs);
// Moves an action to a new state (applied, reverted, failed), keeping what was there.
Status recordActionState(IncidentDocument& doc, const std::string& actionId, ActionState state,
    const std::string& detail, std::int64_t nowMs);

void recordSeverityChange(IncidentDocument& doc, const std::string& to, const std::string& reason, std::int64_t nowMs);
std::string recordEscalation(IncidentDocument& doc, EscalationEvent event, std::int64_t nowMs);
std::string recordHeapDump(IncidentDocument& doc, HeapDumpRecord dump, std::int64_t nowMs);
// Stores a handed-over file (id assigned when empty) and journals it. A file at a path the
// incident already holds replaces that record (the hand-over was written again).
std::string recordAttachment(IncidentDocument& doc, AttachmentRecord attachment, std::int64_t nowMs);

// Inserts an entry keeping the journal ordered by time (after entries of the same time).
void appendJournal(IncidentDocument& doc, JournalEntry entry);

} // namespace leakdesk::incident
