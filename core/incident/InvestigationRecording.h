#pragma once
// Recording an investigation into an incident file without a GUI (`leakdesk-cli investigate
// --incident FILE`): open the file or start a new incident with the runbook, store the findings,
// tick the runbook steps the investigation answered (memory growth, OOM kills) and save.

#include "core/incident/IncidentRecording.h" // the document, Result, and the declarations it needs

#include <QString>

namespace leakdesk::incident {

struct RecordedInvestigation {
    IncidentDocument document;
    std::string snapshotId;
    bool created = false; // a new incident file was started
    std::vector<int> stepsCompleted; // indices of runbook steps ticked by this run
};

// What identifies the cluster to a reader of the incident: the context name and API server URL the
// caller connected with (this module reads no kubeconfig). Never credentials. The sandbox is marked
// as such (its port changes every run, so no URL is kept).
ClusterRef clusterRefFor(const std::string& contextName, const std::string& serverUrl, bool sandbox);

// Marks the runbook steps whose commands are the memory-evidence and OOM-evidence actions as done
// (only while pending), with the verdict as the note. Returns the indices ticked.
std::vector<int> completeInvestigationSteps(
    IncidentDocument& doc, const runbook::Runbook& book, const investigation::Findings& findings, std::int64_t nowMs);

// Loads `path` (or creates it when it does not exist, with the bundled runbook), records the
// findings, and saves atomically. A damaged file is never overwritten: the error says where it
// broke and offers the backup.
Result<RecordedInvestigation> recordInvestigationInFile(
    const QString& path, const investigation::Findings& findings, const ClusterRef& cluster, std::int64_t nowMs);

} // namespace leakdesk::incident
