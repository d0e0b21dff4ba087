#pragma once
// What the GUI did, journaled: one function per kind of action (mitigation, pod isolation and its
// put-back, pod deletion, heap capture, runbook command) and the heap analysis of a dump. Each
// builds the record the incident keeps and hands it to IncidentRecording.h, so the wording of a
// record is decided here, once, and tested without a window. The kinds are common/ActionKinds.h.

#include "core/common/Result.h"
#include "core/incident/IncidentDocument.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace leakdesk::heap {
struct LeakSuspect;
}

namespace leakdesk::incident {

// ActionRecord::target of a pod and of a Deployment: "pod/<name>", "deployment/<name>".
std::string podTarget(const std::string& pod);
std::string deploymentTarget(const std::string& deployment);

// The latest action of `kind` on `target` that is still applied (nullptr when none): what a
// revert or a put-back undoes.
const ActionRecord* lastAppliedAction(const IncidentDocument& doc, std::string_view kind, const std::string& target);

// A mitigation applied to a workload (a Deployment unless `target` says another kind); `revertData`
// is its actions::MitigationRecord.
struct AppliedMitigation {
    std::string kind; // actionkind::kRaiseLimit ...
    std::string title;
    std::string deployment;
    std::string target; // the workload as "statefulset/search"; empty: deploymentTarget(deployment)
    std::string kubectl;
    std::string diff;
    nlohmann::json revertData;
};
std::string recordMitigation(IncidentDocument& doc, const AppliedMitigation& mitigation, std::int64_t nowMs);

// A mitigation reverted from the GUI, wholly or partly (fields someone else changed since were left
// alone). The action becomes reverted either way (nothing of it is LeakDesk's to undo any more);
// `ownWrite` (what the revert wrote: fields, resourceVersion, time) is appended to its revertData's
// "reverts", so that later reverts of other actions know LeakDesk's own writes. `detail` (the
// kubectl, the diff, for a partial revert the fields left alone three ways) goes to the journal.
struct RevertedMitigation {
    std::string actionId;
    std::string detail;
    nlohmann::json ownWrite;
    bool partial = false;
};
Status recordMitigationRevert(IncidentDocument& doc, const RevertedMitigation& revert, std::int64_t nowMs);

// A pod taken out of its Service; `revertData` is its actions::IsolationRecord, read back by a
// later put-back. `summary` is the sentence the user saw.
std::string recordIsolation(IncidentDocument& doc, const std::string& pod, const std::string& kubectl,
    nlohmann::json revertData, const std::string& summary, std::int64_t nowMs);
const ActionRecord* appliedIsolation(const IncidentDocument& doc, const std::string& pod);
// The pod is back in its Service: its applied isolation becomes reverted. NotFound when the
// incident has no applied isolation of that pod.
Status recordIsolationPutBack(IncidentDocument& doc, const std::string& pod, const std::string& kubectl,
    const std::string& summary, std::int64_t nowMs);
// The pod was deleted after its dump: an action of its own that cannot be reverted. Its isolation
// stays as it was (applied): nothing is left to put back.
std::string recordPodDeletion(IncidentDocument& doc, const std::string& pod, const std::string& kubectl,
    const std::string& summary, std::int64_t nowMs);
// An isolation step that failed: a journal line, no record (nothing was changed).
void recordIsolationFailure(IncidentDocument& doc, const std::string& message, std::int64_t nowMs);

// A heap dump taken in a pod: it touched the cluster (a full GC, a file in the pod, maybe a debug
// container), so it is an action, with what the capture reported.
struct CapturedHeapDump {
    std::string pod;
    std::string container; // empty: the pod's only container
    std::string localPath;
    std::string sha256;
    bool verifiedInPod = false;
    std::int64_t bytes = 0;
    int resumes = 0; // transfers resumed after a broken stream
    std::string remoteFile;
    bool remoteRemoved = false;
    std::vector<std::string> notes;
};
std::string recordHeapCapture(IncidentDocument& doc, const CapturedHeapDump& dump, std::int64_t nowMs);

// A runbook command run with kubectl. `journaledOutput` is already stripped of Secret data;
// `preview` is the confirmed change's dry run (empty for a read); `note` says why it failed
// ("exit code 1", "stopped after the time limit"), empty when it did not.
struct RunbookCommandRun {
    std::string command;
    std::string journaledOutput;
    std::string preview;
    bool succeeded = false;
    std::string note;
};
std::string recordRunbookCommand(IncidentDocument& doc, const RunbookCommandRun& run, std::int64_t nowMs);

// ---- heap analysis ---------------------------------------------------------------------------

// The leak suspects as the incident keeps them (without their paths to a GC root).
std::vector<HeapSuspectRecord> suspectRecords(const std::vector<heap::LeakSuspect>& suspects);

// A dump on this machine and where it came from (pod, container, capture time and verified
// checksum are known only for a dump LeakDesk captured itself).
struct AnalysedDumpFile {
    std::string path;
    std::uint64_t sizeBytes = 0;
    std::int64_t modifiedMs = 0; // the capture time when the capture is not known
    std::string pod;
    std::string container;
    std::int64_t capturedMs = 0; // 0: not captured by LeakDesk
    std::string sha256; // empty: not verified yet
};
// The record of an analysed dump, with its suspects and a one-line summary.
HeapDumpRecord heapDumpRecordFor(const AnalysedDumpFile& file, const std::vector<heap::LeakSuspect>& suspects);
// True when the incident already holds the dump at `path` (it was reopened from the incident).
bool hasHeapDump(const IncidentDocument& doc, const std::string& path);

} // namespace leakdesk::incident
