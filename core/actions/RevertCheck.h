#pragma once
// Whether a revert may write, field by field: each field the reverted mitigations touched is
// compared with what LeakDesk itself left there, as its journal remembers its own writes, not with
// the Deployment's resourceVersion (which LeakDesk's own later change of another field, the rollout
// it caused and every status write move too). Pure: the caller reads the Deployment and the journal.

#include "core/actions/MitigatedFields.h"
#include "core/actions/MitigationRecord.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::actions {

// One write LeakDesk made to a Deployment's mitigated fields, as the incident journal remembers it:
// an apply (its record's `after`) or a revert (the values it restored).
struct OwnWrite {
    std::string id; // the journal's action id, or the record's id
    std::string container;
    MitigationValues values; // field key -> the value written (nullopt: removed)
    std::string resourceVersion; // the Deployment's, right after the write
    std::int64_t atMs = 0;
};

// The apply of `record`, as the only write known when there is no journal (a record file).
OwnWrite applyWriteOf(const MitigationRecord& record);

// A revert's write as the journal keeps it: {"fields":[{"container","key","value"|null}],
// "resourceVersion", "atMs"}; read back as one OwnWrite per container, named `id`.
nlohmann::json ownWriteJson(
    const std::vector<FieldValue>& written, const std::string& resourceVersion, std::int64_t atMs);
std::vector<OwnWrite> ownWritesFromJson(const nlohmann::json& write, const std::string& id);

enum class FieldState {
    AsLeft, // still what LeakDesk's last write left there: the revert restores it
    Restored, // already holds the value from before the mitigation: nothing to write
    ChangedByOthers, // differs from what LeakDesk left: someone else's change, left alone
    ContainerGone, // the container is no longer in the Deployment (renamed or removed)
};
const char* fieldStateName(FieldState state); // "as left", "restored", "changed by others", "container gone"

struct FieldComparison {
    std::string container;
    std::string key;
    std::string path; // mitigatedFieldPath()
    std::optional<std::string> before; // before LeakDesk's (first reverted) change
    std::optional<std::string> leftByLeakDesk; // after LeakDesk's last write of the field
    std::string leftBy; // the OwnWrite::id of that write
    std::optional<std::string> now;
    FieldState state = FieldState::AsLeft;
    std::optional<FieldWriter> changedBy; // for a field changed by others, when managedFields tell

    // "path: before LeakDesk 2Gi · LeakDesk set 4Gi · now 3Gi (changed by "kubectl-set" at T)"
    std::string threeWay() const;
};

struct RevertComparison {
    std::vector<FieldComparison> fields; // in the order of the records, then of their keys
    // The Deployment's resourceVersion is the one after LeakDesk's last journaled write: nothing
    // (not even a status write) happened since.
    bool untouchedSinceOwnWrite = false;
    std::string lastOwnResourceVersion; // after LeakDesk's last write (journal or records)
    std::string currentResourceVersion;

    bool conflict() const; // a field changed by others, or its container gone
    bool anythingToRestore() const; // a field as LeakDesk left it
    // What the revert writes: the fields as LeakDesk left them, each back to its `before`.
    std::vector<FieldValue> toRestore() const;
    std::vector<const FieldComparison*> leftAlone() const; // changed by others or container gone
};

// Compares each field `records` touched (the mitigations to revert, any order) in `current` with
// what LeakDesk left there: the value of its last write of that field in `journal` (oldest first;
// the records' own applies stand in for a journal that does not have them). A field touched by
// several of the records goes back to the `before` of the earliest of them. `ourManager` is the
// field manager LeakDesk writes with (not an "other" writer).
RevertComparison compareForRevert(const std::vector<MitigationRecord>& records, const std::vector<OwnWrite>& journal,
    const nlohmann::json& current, const std::string& ourManager);

// After a revert: which restored fields no longer hold the restored value (a GitOps controller or
// someone else put theirs back). Empty when the revert stayed.
std::vector<FieldComparison> revertDidNotStay(
    const std::vector<FieldValue>& restored, const nlohmann::json& current, const std::string& ourManager);

// After an apply, once the rollout settled: which fields `record` wrote no longer hold what it
// wrote (an Argo CD or Flux self-heal, or someone else, took them back; `changedBy` names the field
// manager when managedFields tell). Empty when the change stayed. `before` is the record's.
std::vector<FieldComparison> applyDidNotStay(
    const MitigationRecord& record, const nlohmann::json& current, const std::string& ourManager);

} // namespace leakdesk::actions
