#pragma once
// Two writers of one incident file (the GUI holding a document for minutes, a `leakdesk-cli
// investigate --incident` run in a terminal, a second GUI) never lose each other's work. When a
// save finds that the file changed on disk since this writer last read or wrote it, the store
// merges three versions: `base` (what this writer last read or wrote), `mine` (what it wants to
// write) and `theirs` (what is on disk now).
//
// The rules:
// - The journal is append-only: the union of both journals by entry id, ordered by time.
// - Records with ids (snapshots E, heap dumps H, actions A, notes N, escalations X): the union by
//   id. A record both sides hold: the side that changed it since `base` wins; when both changed
//   it, this writer's version wins (each side's change is in the journal). Two different records
//   created with the same id on both sides (both made "E3") are both kept: this writer's one is
//   renumbered to the next free id, and its journal entries' refs follow.
// - The severity history is append-only too: the union, ordered by time, so the current severity
//   is the latest change by time, whoever made it.
// - Scalar fields (title, namespace, service, cluster, the runbook's fields): the side that
//   changed the field since `base` wins; when both changed it, this writer wins (last writer wins
//   per field). A runbook step is one unit (state, note, time): the later change by its time wins.
// - Without a base (a writer that never read the file), every differing scalar is "changed by
//   both", and two different records with one id are two records (this writer's is renumbered).

#include "core/incident/IncidentDocument.h"

#include <string>
#include <utility>
#include <vector>

namespace leakdesk::incident {

struct MergeReport {
    std::vector<std::pair<std::string, std::string>> renumbered; // (this writer's id, its new id)
    std::vector<std::string> conflicts; // fields or records both sides changed; this writer's kept
};

IncidentDocument mergeIncidents(const IncidentDocument* base, const IncidentDocument& mine,
    const IncidentDocument& theirs, MergeReport* report = nullptr);

} // namespace leakdesk::incident
