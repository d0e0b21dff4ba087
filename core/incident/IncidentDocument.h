#pragma once
// The incident as one document: everything a responder needs to hand over or write the postmortem,
// independent of the cluster and of Prometheus retention (evidence is copied in, not referenced).
// Plain values; every change goes through the record* functions of IncidentRecording.h so the
// journal is filled automatically. Times are UTC epoch milliseconds.

#include "core/common/Series.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakdesk::incident {

// Version 2: epoch-millisecond timestamps everywhere and a severity history (v1 had ISO strings in
// the journal and a single "severity" field). IncidentJson.cpp migrates older files on load.
inline constexpr int kSchemaVersion = 2;
inline constexpr const char* kFileFormat = "leakdesk-incident";

enum class StepState { Pending, Done, Skipped };
const char* stepStateName(StepState state); // "pending", "done", "skipped"
std::optional<StepState> stepStateFromName(std::string_view name);

enum class JournalKind { Finding, Action, Note, Escalation, Step };
const char* journalKindName(JournalKind kind); // "finding", "action", "note", "escalation", "step"
std::optional<JournalKind> journalKindFromName(std::string_view name);
const std::vector<JournalKind>& allJournalKinds();

enum class ActionState { Proposed, DryRun, Applied, Reverted, Failed };
const char* actionStateName(ActionState state); // "proposed", "dry-run", "applied", "reverted", "failed"
std::optional<ActionState> actionStateFromName(std::string_view name);

// Where the incident happened. Never credentials: only what identifies the cluster to a human.
struct ClusterRef {
    std::string contextName;
    std::string serverUrl;
    bool sandbox = false;
    bool operator==(const ClusterRef&) const = default;
};

struct RunbookStepRecord {
    int index = 0; // position among the runbook's steps
    int number = 0; // as written in the runbook ("### 3. ...")
    std::string title;
    StepState state = StepState::Pending;
    std::string note;
    std::int64_t changedMs = 0; // last state or note change; 0 while untouched
    bool operator==(const RunbookStepRecord&) const = default;
};

struct RunbookRecord {
    std::string sourceName; // file path or ":/runbooks/memory-leak.md"
    std::string title;
    std::string initialSeverity; // "P2"
    std::string owner;
    std::vector<RunbookStepRecord> steps;
    bool operator==(const RunbookRecord&) const = default;
};

struct SeverityChange {
    std::int64_t tMs = 0;
    std::string from; // empty for the initial severity
    std::string to;
    std::string reason;
    bool operator==(const SeverityChange&) const = default;
};

// One result series of one catalogue query, decimated for storage (min/max per bucket, so peaks
// and troughs of a sawtooth survive).
struct SnapshotSeries {
    std::string query; // prometheus::queryKindName: "memory_working_set" ...
    Labels labels;
    std::vector<Sample> samples;
    std::size_t originalPoints = 0; // before decimation
    bool operator==(const SnapshotSeries& o) const;

    std::string label(const std::string& name) const
    {
        auto it = labels.find(name);
        return it == labels.end() ? std::string() : it->second;
    }
};

// A copy of one investigation's findings. `findings` is findingsToJson() verbatim (verdict,
// evidence sentences, pods, OOM kills with sources, queries with their PromQL and windows); the
// series add the data itself so charts can be redrawn without Prometheus.
struct EvidenceSnapshot {
    std::string id; // "E1", "E2" ...
    std::int64_t takenMs = 0;
    std::string ns;
    std::string service;
    std::int64_t windowStartMs = 0;
    std::int64_t windowEndMs = 0;
    std::int64_t stepMs = 0;
    std::optional<double> limitBytes; // highest container memory limit among the pods
    std::vector<std::string> images; // container images of the Deployment (redaction needs them)
    std::vector<SnapshotSeries> series;
    nlohmann::json findings;
    bool operator==(const EvidenceSnapshot&) const = default;

    const SnapshotSeries* firstSeries(std::string_view query) const;
    std::vector<const SnapshotSeries*> seriesOf(std::string_view query) const;
};

struct HeapSuspectRecord {
    std::string category; // "unbounded_cache" ...
    std::string className;
    std::string owner;
    std::uint64_t retainedBytes = 0;
    double heapShare = 0.0;
    std::uint64_t elementCount = 0;
    std::string elementClass;
    std::string explanation;
    bool operator==(const HeapSuspectRecord&) const = default;
};

struct HeapDumpRecord {
    std::string id; // "H1" ...
    std::int64_t capturedMs = 0;
    std::string pod;
    std::string container;
    std::string path; // where the dump lies on the responder's machine
    std::string sha256; // lower-case hex
    std::uint64_t sizeBytes = 0;
    std::string summary; // one line: what the analysis found
    std::vector<HeapSuspectRecord> suspects;
    bool operator==(const HeapDumpRecord&) const = default;
};

// A mitigation or a command run against the cluster. `revertData` is whatever the actions module
// needs to undo it (previous values, resourceVersion); it is stored opaque and scrubbed of secrets.
struct ActionRecord {
    std::string id; // "A1" ...
    std::string kind; // "raise-limit", "heap-limit-restart", "rollout-restart", "shell" ...
    std::string title; // "Raise memory limit of checkout to 4Gi"
    std::string target; // "deployment/checkout"
    std::string kubectl; // the equivalent kubectl command
    std::string diff; // unified diff of the object, before -> after
    ActionState state = ActionState::Proposed;
    std::int64_t createdMs = 0;
    std::int64_t appliedMs = 0;
    std::int64_t revertedMs = 0;
    std::string output; // captured output (dry run, kubectl), secrets masked
    std::string error;
    nlohmann::json revertData;
    bool operator==(const ActionRecord&) const = default;
};

// A file handed over with the incident (runbook step 6: "always include a memory regression
// test"): a regression test skeleton, alert rules. The incident keeps where it was written and its
// checksum, not its content: the file belongs in the service's repository.
struct AttachmentRecord {
    std::string id; // "F1" ...
    std::int64_t createdMs = 0;
    std::string kind; // "regression-test", "alert-rules", "prometheus-rule", "alert-rules-test"
    std::string title; // "JUnit 5 regression test for com.shop.SessionCache"
    std::string path; // where it was written on the responder's machine
    std::string sha256; // lower-case hex
    std::string about; // what it was made from (the suspect, the workload), one line
    bool operator==(const AttachmentRecord&) const = default;
};

// Runbook step 6: a verification that the deployed fix stopped the leak, kept with the memory it
// judged (the leaking revision's pods and the new revision's), so the report draws the verified fix
// without Prometheus. One is recorded each time the answer changes (the journal entry refers to it).
struct FixCheckRecord {
    std::string id; // "V1" ...
    std::int64_t takenMs = 0; // when it was recorded
    std::int64_t serverNowMs = 0; // the cluster's present it was judged at (Prometheus's time())
    std::string ns;
    std::string workload; // "Deployment/checkout"
    std::string container; // the main container judged
    std::string outcome; // "fixed", "not_fixed", "pending"
    std::string oldRevision; // empty: none found
    std::string newRevision; // empty: no new revision yet
    std::int64_t newRevisionCreatedMs = 0;
    std::vector<std::string> images; // both revisions' container images (redaction needs them)
    std::optional<double> limitBytes; // the main container's memory limit when judged
    // query "memory_working_set"; labels pod, revision, role ("old" or "new"); at most
    // kMaxSnapshotPoints samples each, as a snapshot's
    std::vector<SnapshotSeries> series;
    nlohmann::json verification; // investigation::fixVerificationJson() verbatim, secrets masked
    bool operator==(const FixCheckRecord&) const = default;
};

struct EscalationEvent {
    std::string id; // "X1" ...
    std::int64_t tMs = 0;
    std::string kind; // "severity-proposed", "severity-changed", "owner-timer", "owner-contacted" ...
    std::string summary;
    std::string detail;
    std::string owner; // who was pulled in, when known
    std::string reason; // why the responder decided so ("Not now" asks), empty when none was given
    int oomKillsSeen = -1; // the most OOM kills in any hour when decided (-1: not recorded); a
                           // dismissed proposal comes back only when there are more
    bool operator==(const EscalationEvent&) const = default;
};

struct NoteRecord {
    std::string id; // "N1" ...
    std::int64_t tMs = 0;
    std::string text;
    int stepIndex = -1; // the runbook step it was written on, -1 for none
    bool operator==(const NoteRecord&) const = default;
};

struct JournalEntry {
    std::int64_t tMs = 0;
    JournalKind kind = JournalKind::Note;
    std::string title; // one line
    std::string detail; // may be several lines
    std::string ref; // id of the record it is about ("E1", "A2"), empty when none
    // Stable and unique within the document: writers that meet on one file merge their journals
    // by it (IncidentMerge.h). Derived from the content when the entry is made (journalEntryId),
    // so a file written before ids existed gets the same ids in every reader.
    std::string id;
    bool operator==(const JournalEntry&) const = default;
};

struct IncidentDocument {
    int schemaVersion = kSchemaVersion;
    std::string id;
    std::string title;
    std::int64_t createdMs = 0;
    std::int64_t updatedMs = 0;
    ClusterRef cluster;
    std::string ns;
    std::string service;
    RunbookRecord runbook;
    std::vector<SeverityChange> severityHistory; // first entry: the initial severity
    std::vector<EvidenceSnapshot> snapshots;
    std::vector<HeapDumpRecord> heapDumps;
    std::vector<ActionRecord> actions;
    std::vector<NoteRecord> notes;
    std::vector<EscalationEvent> escalations;
    std::vector<AttachmentRecord> attachments;
    std::vector<FixCheckRecord> fixChecks;
    std::vector<JournalEntry> journal; // ascending by tMs (equal times keep insertion order)
    bool operator==(const IncidentDocument&) const = default;

    std::string currentSeverity() const; // last severity change, empty when none
    // The newest snapshot of the incident's own service (of any, when it has none).
    const EvidenceSnapshot* latestSnapshot() const;
    const ActionRecord* action(std::string_view id) const;
};

// The next id of a kind of record ("E3" after "E2"). Ids are never reused, even if a record were
// removed: the journal refers to them.
template<class T> std::string nextRecordId(const std::vector<T>& records, char prefix)
{
    int highest = 0;
    for (const auto& r : records)
        if (r.id.size() > 1 && r.id[0] == prefix)
            highest = std::max(highest, std::atoi(r.id.c_str() + 1));
    return std::string(1, prefix) + std::to_string(highest + 1);
}

// "J" + 16 hex digits of a hash of the entry's time, kind, title, detail and ref, with "-2", "-3" ...
// when `doc` already holds an entry of that id (the same words twice in one millisecond).
std::string journalEntryId(const IncidentDocument& doc, const JournalEntry& entry);
// Gives every entry without an id its journalEntryId (files from before ids existed).
void assignMissingJournalIds(IncidentDocument& doc);

} // namespace leakdesk::incident
