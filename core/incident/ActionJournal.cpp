#include "core/incident/ActionJournal.h"

#include "core/common/ActionKinds.h"
#include "core/heap/LeakSuspects.h"
#include "core/incident/IncidentRecording.h"

#include <algorithm>

#include <QString>
#include <QStringList>

namespace leakdesk::incident {

std::string podTarget(const std::string& pod)
{
    return "pod/" + pod;
}

std::string deploymentTarget(const std::string& deployment)
{
    return "deployment/" + deployment;
}

const ActionRecord* lastAppliedAction(const IncidentDocument& doc, std::string_view kind, const std::string& target)
{
    for (auto it = doc.actions.rbegin(); it != doc.actions.rend(); ++it)
        if (it->kind == kind && it->target == target && it->state == ActionState::Applied)
            return &*it;
    return nullptr;
}

std::string recordMitigation(IncidentDocument& doc, const AppliedMitigation& mitigation, std::int64_t nowMs)
{
    ActionRecord a;
    a.kind = mitigation.kind;
    a.title = mitigation.title;
    a.target = mitigation.target.empty() ? deploymentTarget(mitigation.deployment) : mitigation.target;
    a.kubectl = mitigation.kubectl;
    a.diff = mitigation.diff;
    a.state = ActionState::Applied;
    a.revertData = mitigation.revertData;
    return recordAction(doc, std::move(a), nowMs);
}

Status recordMitigationRevert(IncidentDocument& doc, const RevertedMitigation& revert, std::int64_t nowMs)
{
    auto it = std::find_if(
        doc.actions.begin(), doc.actions.end(), [&](const ActionRecord& a) { return a.id == revert.actionId; });
    if (it == doc.actions.end())
        return makeError(ErrorCode::NotFound, "the incident has no action " + revert.actionId);
    if (!it->revertData.is_object())
        it->revertData = nlohmann::json::object();
    if (!revert.ownWrite.is_null())
        it->revertData["reverts"].push_back(revert.ownWrite);
    return recordActionState(doc, revert.actionId, ActionState::Reverted,
        (revert.partial ? "Partial revert: only the fields still as LeakDesk left them were restored.\n" : "")
            + revert.detail,
        nowMs);
}

std::string recordIsolation(IncidentDocument& doc, const std::string& pod, const std::string& kubectl,
    nlohmann::json revertData, const std::string& summary, std::int64_t nowMs)
{
    ActionRecord a;
    a.kind = actionkind::kIsolatePod;
    a.title = summary;
    a.target = podTarget(pod);
    a.kubectl = kubectl;
    a.state = ActionState::Applied;
    a.revertData = std::move(revertData);
    return recordAction(doc, std::move(a), nowMs);
}

const ActionRecord* appliedIsolation(const IncidentDocument& doc, const std::string& pod)
{
    return lastAppliedAction(doc, actionkind::kIsolatePod, podTarget(pod));
}

Status recordIsolationPutBack(IncidentDocument& doc, const std::string& pod, const std::string& kubectl,
    const std::string& summary, std::int64_t nowMs)
{
    const ActionRecord* applied = appliedIsolation(doc, pod);
    if (!applied)
        return makeError(ErrorCode::NotFound, "the incident has no applied isolation of pod " + pod,
            "only a pod taken out of its Service from this incident can be put back in it");
    const std::string id = applied->id; // recordActionState may move the actions
    return recordActionState(doc, id, ActionState::Reverted, kubectl + "\n" + summary, nowMs);
}

std::string recordPodDeletion(IncidentDocument& doc, const std::string& pod, const std::string& kubectl,
    const std::string& summary, std::int64_t nowMs)
{
    ActionRecord a;
    a.kind = actionkind::kDeletePod;
    a.title = "Pod " + pod + " deleted after its heap dump";
    a.target = podTarget(pod);
    a.kubectl = kubectl;
    a.output = summary;
    a.state = ActionState::Applied;
    return recordAction(doc, std::move(a), nowMs);
}

void recordIsolationFailure(IncidentDocument& doc, const std::string& message, std::int64_t nowMs)
{
    appendJournal(doc, { nowMs, JournalKind::Action, message, {}, {} });
}

std::string recordHeapCapture(IncidentDocument& doc, const CapturedHeapDump& dump, std::int64_t nowMs)
{
    // QString's arg() formats the size as the GUI did ("%2" with one decimal, C locale).
    const QString resumes = dump.resumes > 0 ? QStringLiteral(", %1 resume(s)").arg(dump.resumes) : QString();
    ActionRecord a;
    a.kind = actionkind::kHeapCapture;
    a.title = QStringLiteral("Heap dump of %1 captured (%2 MB%3)")
                  .arg(QString::fromStdString(dump.pod))
                  .arg(static_cast<double>(dump.bytes) / 1e6, 0, 'f', 1)
                  .arg(resumes)
                  .toStdString();
    a.target = podTarget(dump.pod) + (dump.container.empty() ? std::string() : " container " + dump.container);
    std::string output = "local file: " + dump.localPath + "\nSHA-256: " + dump.sha256 + " ("
        + (dump.verifiedInPod ? "verified against sha256sum in the pod" : "not verified in the pod") + ")\n"
        + (dump.remoteRemoved ? "removed from the pod: " : "left in the pod: ") + dump.remoteFile;
    for (const auto& note : dump.notes)
        output += "\n" + note;
    a.output = std::move(output);
    a.state = ActionState::Applied;
    return recordAction(doc, std::move(a), nowMs);
}

std::string recordRunbookCommand(IncidentDocument& doc, const RunbookCommandRun& run, std::int64_t nowMs)
{
    ActionRecord a;
    a.kind = actionkind::kShell;
    // 120 UTF-16 units, as the window cut it: a long command keeps its verb and object in the title.
    a.title = QString::fromStdString(run.command).left(120).toStdString();
    a.kubectl = run.command;
    a.output = run.journaledOutput;
    a.diff = run.preview;
    a.state = run.succeeded ? ActionState::Applied : ActionState::Failed;
    a.error = run.note;
    return recordAction(doc, std::move(a), nowMs);
}

std::vector<HeapSuspectRecord> suspectRecords(const std::vector<heap::LeakSuspect>& suspects)
{
    std::vector<HeapSuspectRecord> records;
    records.reserve(suspects.size());
    for (const auto& s : suspects) {
        HeapSuspectRecord r;
        r.category = heap::leakCategoryName(s.category);
        r.className = s.className;
        r.owner = s.owner;
        r.retainedBytes = s.retainedBytes;
        r.heapShare = s.heapShare;
        r.elementCount = s.elementCount;
        r.elementClass = s.elementClass;
        r.explanation = s.explanation;
        records.push_back(std::move(r));
    }
    return records;
}

HeapDumpRecord heapDumpRecordFor(const AnalysedDumpFile& file, const std::vector<heap::LeakSuspect>& suspects)
{
    HeapDumpRecord record;
    record.capturedMs = file.capturedMs ? file.capturedMs : file.modifiedMs;
    record.path = file.path;
    record.pod = file.pod;
    record.container = file.container;
    record.sizeBytes = file.sizeBytes;
    record.sha256 = file.sha256;
    record.suspects = suspectRecords(suspects);
    record.summary = suspects.empty() ? std::string("no leak suspect above the thresholds")
                                      : "top suspect: " + suspects.front().explanation;
    return record;
}

bool hasHeapDump(const IncidentDocument& doc, const std::string& path)
{
    for (const auto& d : doc.heapDumps)
        if (d.path == path)
            return true;
    return false;
}

} // namespace leakdesk::incident
