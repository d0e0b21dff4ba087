#pragma once
// The three mitigations of runbook step 5 as Kubernetes patches of a workload (Deployment,
// StatefulSet, DaemonSet or Argo Rollout), each walked the same way: plan (read the workload, RBAC
// check, choose the value, warnings, kubectl equivalent, who else manages it, a Git-ready snippet)
// -> dry run (the server computes the workload after; a diff of the spec) -> apply (fieldManager,
// resourceVersion precondition) -> a MitigationRecord -> revert (restores the previous values,
// refused when someone else changed one of the mitigation's fields since the apply).

#include "core/actions/GitSnippet.h"
#include "core/actions/MitigationRecord.h"
#include "core/actions/MitigationRevert.h"
#include "core/actions/MitigationValues.h"
#include "core/actions/SpecDiff.h"
#include "core/actions/WorkloadManagers.h"
#include "core/actions/WorkloadTarget.h"
#include "core/common/Job.h"
#include "core/common/Result.h"
#include "core/kube/KubeClient.h"
#include "core/runbook/Parameters.h"

#include <nlohmann/json.hpp>

#include <QObject>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::actions {

template<class T> using Callback = std::function<void(Result<T>)>;

struct MitigationRequest {
    std::string ns;
    WorkloadTarget workload; // Deployment, StatefulSet, DaemonSet or Rollout; other kinds are refused
    std::string container; // empty: the main container (kube::classifyContainers)
    std::string
        value; // empty: the default (limits: the runbook's 4Gi; heap-restart: by the runbook's ratio; restart: now)
    // heap-restart: derive the default from this limit (e.g. the one just chosen); else the container's
    // current limit; else the runbook's.
    std::optional<std::int64_t> memoryLimitBytes;
    std::optional<std::int64_t> observedPeakBytes; // limits: basis of the suggestion
    runbook::RunbookParameters runbook; // thresholds (defaults: the seed runbook's)
    std::optional<std::int64_t> nowMs; // restart: the restartedAt time; record time (default: now)
    std::string fieldManager = "leakdesk";
};

struct RbacAnswer {
    bool allowed = false;
    bool denied = false;
    std::string reason; // the authorizer's explanation (may be empty when allowed)
};

struct MitigationPlan {
    MitigationKind kind = MitigationKind::RaiseMemoryLimit;
    MitigationRequest request;
    std::string container;
    bool multipleContainers = false;
    bool mainContainer = true; // the container is the workload's main one
    nlohmann::json object; // the workload as read when planning
    std::string resourceVersion; // precondition of dry run and apply
    MitigationValues before;
    MitigationValues after;
    std::string value; // the chosen value, as it will be written
    std::optional<std::string> suggestedValue; // limits: from the observed peak
    nlohmann::json patch; // strategic merge patch (the precondition is added when sent)
    std::string kubectl;
    RbacAnswer rbac; // patch <resource>/<name> in <ns>
    std::vector<std::string> warnings;
    Management management; // Argo CD, Flux, Helm; HPAs and VPAs targeting the workload
    GitSnippet snippet; // the change for Git, next to Apply
};

struct DryRunResult {
    nlohmann::json after; // the workload as the server would store it
    std::vector<SpecChange> diff;
};

// A job (common/Job.h) whose runs are its operations: each of plan/dryRun/apply/revert begins a
// run that supersedes the one before (whose callback is then never called), cancel() drops the
// running one, and each run ends in its callback (the typed result) or failed(Error) plus the
// callback with that error.
class Mitigation : public Job {
    Q_OBJECT
public:
    static std::unique_ptr<Mitigation> create(MitigationKind kind, kube::KubeClient& client, QObject* parent = nullptr);
    ~Mitigation() override;

    MitigationKind kind() const { return m_kind; }

    // Callbacks run on the client's thread; none runs after the Mitigation is destroyed, nor for an
    // operation superseded by a newer one or cancelled.
    void plan(const MitigationRequest& request, Callback<MitigationPlan> done);
    void dryRun(const MitigationPlan& plan, Callback<DryRunResult> done);
    // Error Conflict when the workload's spec or the mitigated values changed since the plan (a
    // status write of the controller alone is not one); Forbidden with the RBAC message.
    void apply(const MitigationPlan& plan, Callback<MitigationRecord> done);
    // Restores the record's fields (MitigationRevert with the record's apply as the only write
    // known). Error Conflict, naming each field three ways (before / as LeakDesk set it / now, and
    // who changed it), when someone else changed a field the mitigation touched; LeakDesk's own and
    // anyone's writes to other fields are not a conflict. A caller with the incident's journal uses
    // MitigationRevert directly (several records, partial reverts).
    void revert(const MitigationRecord& record, Callback<RevertResult> done);

    // Values of this mitigation's fields in a workload (absent fields as nullopt).
    virtual MitigationValues read(const nlohmann::json& workload, const std::string& container) const = 0;
    // The strategic merge patch that writes `values` (nullopt: removes the field); a container that
    // is an init container of `workload` (a native sidecar) is patched in initContainers.
    virtual nlohmann::json patchFor(
        const std::string& container, const MitigationValues& values, const nlohmann::json& workload) const = 0;

protected:
    Mitigation(MitigationKind kind, kube::KubeClient& client, QObject* parent);
    // Fills value, after, suggestedValue and warnings of a plan whose object, container and
    // before are set. May ask the server (nodes, quotas).
    virtual void choose(std::shared_ptr<MitigationPlan> plan, Callback<std::shared_ptr<MitigationPlan>> done) = 0;

    kube::KubeClient& m_client;

private:
    MitigationKind m_kind;
    MitigationRevert* m_revert = nullptr; // a child, made by the first revert
};

} // namespace leakdesk::actions
