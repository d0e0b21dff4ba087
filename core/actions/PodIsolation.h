#pragma once
// Taking a pod out of its Service before a heap dump, as the runbook's step 3 suggests for a live
// dump (its full GC stops the JVM): the labels the Service selects on are removed, so the
// endpoints controller stops sending it traffic and, when the same label is in its ReplicaSet's
// selector, the ReplicaSet lets go of it and starts a replacement. The pod keeps running, with its
// leaked heap, for the dump. Walked like a mitigation: plan (read the pod, its owner and the
// Services that select it, RBAC, warnings, kubectl equivalent) -> apply (server dry run first,
// then the merge patch with a resourceVersion precondition) -> an IsolationRecord -> follow (the
// replacement becomes ready, the Service's endpoints no longer list the pod) -> revert (the labels
// back; the ReplicaSet adopts the pod and removes one pod too many, usually the replacement).
//
// The pod is marked so others can see what happened: label leakdesk.io/isolated=true and
// annotation leakdesk.io/isolated-labels with the removed labels as JSON.

#include "core/actions/Mitigation.h"
#include "core/common/Result.h"
#include "core/kube/KubeClient.h"

#include <nlohmann/json.hpp>

#include <QObject>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::actions {

inline constexpr const char* kIsolatedLabel = "leakdesk.io/isolated";
inline constexpr const char* kIsolatedLabelsAnnotation = "leakdesk.io/isolated-labels";

using LabelMap = std::map<std::string, std::string>;

struct IsolationPlan {
    std::string ns;
    std::string pod;
    std::string podIp;
    std::string resourceVersion; // precondition of the patch
    LabelMap labels; // the pod's labels as read
    std::vector<std::string> services; // Services whose selector matches the pod now
    LabelMap remove; // labels to remove (key -> current value)
    std::string owner; // "ReplicaSet/<name>", empty when no controller owns the pod
    LabelMap ownerSelector; // its matchLabels
    bool replacementExpected = false; // the owner's selector stops matching: it starts a replacement
    int otherReadyPods = -1; // ready pods left behind the Services (-1: unknown)
    nlohmann::json patch; // JSON merge patch (the precondition is added when sent)
    std::string kubectl;
    RbacAnswer rbac; // patch pods/<name> in <ns>
    std::vector<std::string> warnings;
};

struct IsolationRecord {
    std::string id;
    std::string ns;
    std::string pod;
    std::string podUid; // delete() makes sure it still is this pod
    std::string podIp;
    LabelMap removed; // restored by a revert
    std::vector<std::string> services;
    std::string owner;
    bool replacementExpected = false;
    std::string resourceVersion; // of the pod right after the patch
    std::int64_t appliedMs = 0; // this machine's clock
    // The API server's clock at the change (its managedFields entry; 0 when it keeps none). The
    // replacement's creationTimestamp is compared with this, not with appliedMs: a laptop whose
    // clock is a minute off must still recognise the replacement.
    std::int64_t serverAppliedMs = 0;
    std::string fieldManager = "leakdesk";
    std::string kubectl;

    nlohmann::json toJson() const;
    static Result<IsolationRecord> fromJson(const nlohmann::json& j);
};

// Where the isolation stands (follow()).
struct IsolationStatus {
    std::string replacement; // the pod that replaced it ("" until the ReplicaSet has made one)
    bool replacementReady = false;
    bool stillInEndpoints = false; // one of the Services' Endpoints still lists the pod's IP
    bool endpointsKnown = false; // Endpoints could be read
    std::string toString() const;
};

struct IsolationDelete {
    std::string kubectl;
    std::string message; // what happens next (Terminating, the replacement keeps serving)
};

struct IsolationRevert {
    std::string resourceVersion;
    std::string kubectl;
    std::string message; // what happens next (the ReplicaSet removes one pod)
};

// Everything a plan is decided from, as read from the cluster (PodIsolation::plan reads it step by
// step; tests write it by hand).
struct IsolationFacts {
    std::string ns;
    std::string pod;
    nlohmann::json podObject; // the pod as read
    nlohmann::json services; // the namespace's ServiceList
    // The pod's controlling ReplicaSet as read; nullopt when its controller is none or no
    // ReplicaSet, or when it could not be read (then replicaSetError says why).
    std::optional<nlohmann::json> replicaSet;
    std::string replicaSetError;
    std::optional<nlohmann::json> pods; // the namespace's PodList; nullopt when it could not be listed
    RbacAnswer rbac; // patch pods/<name> in <ns>
};

// The decision itself, pure: the plan (labels to remove, the patch, kubectl, whether a replacement
// starts, who is left serving, warnings, the RBAC answer) or the refusal with its reason.
Result<IsolationPlan> decideIsolation(const IsolationFacts& facts);
// The refusals decided by the pod alone (already isolated, terminating) and by the Services that
// select it (none); plan() checks them as soon as it has read what they need, before reading more.
std::optional<Error> refusalForPod(const std::string& ns, const std::string& pod, const nlohmann::json& podObject);
std::optional<Error> refusalForServices(
    const std::string& ns, const std::string& pod, const nlohmann::json& podObject, const nlohmann::json& services);

// A job (common/Job.h) whose runs are its operations, like Mitigation: a newer operation supersedes
// the running one (its callback is never called), cancel() drops it, failures also reach failed().
class PodIsolation : public Job {
    Q_OBJECT
public:
    explicit PodIsolation(kube::KubeClient& client, QObject* parent = nullptr);
    ~PodIsolation() override;

    // Callbacks run on the client's thread; none runs after the PodIsolation is destroyed, nor for an
    // operation superseded by a newer one or cancelled.
    void plan(const std::string& ns, const std::string& pod, Callback<IsolationPlan> done);
    // Server dry run, then the patch. Conflict when the pod changed since the plan; Forbidden with
    // the RBAC message.
    void apply(const IsolationPlan& plan, Callback<IsolationRecord> done);
    // One look at the replacement and the endpoints.
    void status(const IsolationRecord& record, Callback<IsolationStatus> done);
    // Puts the removed labels back. NotFound when the pod is gone (deleted after the dump: nothing
    // to revert); Conflict when its labels were changed by someone else since.
    void revert(const IsolationRecord& record, Callback<IsolationRevert> done);
    // After the dump: deletes the pod that is out of its Service (its replacement already serves),
    // as `kubectl delete pod` does, with the pod's uid as a precondition. Conflict when it is back
    // in its Service (someone put it back: deleting it would take a serving pod away); NotFound
    // when it is gone already.
    void deletePod(const IsolationRecord& record, Callback<IsolationDelete> done);

    // Pure parts, exposed for tests.
    static LabelMap labelsToRemove(
        const LabelMap& podLabels, const std::vector<LabelMap>& serviceSelectors, const LabelMap& ownerSelector);
    static bool selects(const LabelMap& selector, const LabelMap& labels);
    static std::string kubectlFor(const std::string& ns, const std::string& pod, const LabelMap& remove);
    static std::string kubectlRevertFor(const std::string& ns, const std::string& pod, const LabelMap& restore);

private:
    // plan()'s steps, in order; each reads one thing into the facts, the last one decides.
    struct Planning;
    void readPod(std::shared_ptr<Planning> planning);
    void listServices(std::shared_ptr<Planning> planning);
    void readOwner(std::shared_ptr<Planning> planning);
    void listPods(std::shared_ptr<Planning> planning);
    void checkAccess(std::shared_ptr<Planning> planning);

    kube::KubeClient& m_client;
};

} // namespace leakdesk::actions
