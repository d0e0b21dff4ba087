#pragma once
// Undoing mitigations of one workload (any kind a mitigation patches), field by field: plan (read it, compare each
// field the mitigations touched with what LeakDesk left there (RevertCheck.h), a server dry run of
// restoring the fields still as LeakDesk left them) -> apply (fieldManager, resourceVersion
// precondition; when a field was changed by someone else, only with the caller's explicit consent
// to a partial revert) -> verify, after a settle time, that the restored values stayed.

#include "core/actions/MitigationRecord.h"
#include "core/actions/RevertCheck.h"
#include "core/actions/SpecDiff.h"
#include "core/common/Job.h"
#include "core/common/Result.h"
#include "core/kube/KubeClient.h"

#include <nlohmann/json.hpp>

#include <QObject>

#include <functional>
#include <string>
#include <vector>

namespace leakdesk::actions {

struct RevertRequest {
    std::vector<MitigationRecord> records; // what to undo: one mitigation, or several of one workload
    std::vector<OwnWrite> journal; // LeakDesk's own writes to the workload, oldest first (may be empty)
    std::string fieldManager = "leakdesk";
};

struct RevertPlan {
    RevertRequest request;
    std::string ns;
    WorkloadTarget workload;
    nlohmann::json current; // the workload as read
    std::string resourceVersion; // precondition of the revert
    RevertComparison comparison;
    nlohmann::json patch; // restores comparison.toRestore(); null when there is nothing to write
    std::string kubectl; // the equivalent command
    std::vector<SpecChange> preview; // the server's dry run: now -> after the revert

    bool partial() const { return comparison.conflict(); }
    // The refusal text of a revert that would be partial: the fields left alone, three ways each.
    std::string conflictMessage() const;
    // What the resourceVersion says: nothing written since LeakDesk's last write, or writes that
    // left the restored fields alone (status, the rollout, other fields).
    std::string sinceOwnWrite() const;
};

struct RevertResult {
    nlohmann::json after;
    std::vector<SpecChange> diff; // current -> restored
    std::string resourceVersion;
    std::int64_t generation = 0;
    std::string kubectl; // equivalent of the revert
    std::vector<FieldValue> restored; // the values written back
    std::vector<FieldComparison> leftAlone; // someone else's values, not touched (a partial revert)
    bool partial() const { return !leftAlone.empty(); }
};

// A job (common/Job.h) whose runs are plan, apply and verify; a newer run supersedes the older
// one's callback. Callbacks run on the client's thread, never after destruction.
class MitigationRevert : public Job {
    Q_OBJECT
public:
    explicit MitigationRevert(kube::KubeClient& client, QObject* parent = nullptr);
    ~MitigationRevert() override;

    // InvalidArgument for records of different workloads or none; NotFound when the workload is gone.
    void plan(const RevertRequest& request, std::function<void(Result<RevertPlan>)> done);
    // Writes plan.patch. Conflict (nothing written) when a field was changed by someone else and
    // `partialConfirmed` is false, when nothing is left to restore, and when a field the plan
    // restores changed after the plan (a write that leaves them alone, e.g. a status write, is not one).
    void apply(const RevertPlan& plan, bool partialConfirmed, std::function<void(Result<RevertResult>)> done);
    // Reads the workload again: the restored fields that no longer hold the restored value.
    void verify(const RevertResult& result, const std::string& ns, const WorkloadTarget& workload,
        const std::string& fieldManager, std::function<void(Result<std::vector<FieldComparison>>)> done);

private:
    kube::KubeClient& m_client;
};

} // namespace leakdesk::actions
