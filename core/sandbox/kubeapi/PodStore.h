#pragma once
// The writable part of the sandbox's Pods: metadata.labels and metadata.annotations (what
// `kubectl label` and `kubectl annotate` change), stored over the pods the model generates.
// PATCH (all three flavours, dryRun=All, fieldManager, resourceVersion precondition) is validated
// the way the API server does: a change anywhere but labels and annotations is 422, label keys and
// values must be valid. When a pod's labels stop matching its ReplicaSet's selector, the
// ReplicaSet lets go of it (ownerReference removed) and starts a replacement; when they match
// again it adopts the pod and deletes one pod too many, as the controller does. The Service's
// endpoints follow the labels (see KubeApi).

#include "core/common/Result.h"
#include "core/sandbox/kubeapi/ServedKubeObjects.h"
#include "core/sandbox/kubeapi/ObjectPatch.h"
#include "core/sandbox/model/SandboxModel.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>

namespace leakdesk::sandbox {

class PodStore {
public:
    // `versions`: the resourceVersion counter shared with the other stores (outlives this one).
    PodStore(SandboxModel& model, const ServedKubeObjects& objects, WriteVersions& versions);

    // Called after a pod was added or deleted by the ReplicaSet (metrics series must be listed again).
    void setOnPodsChanged(std::function<void()> callback) { m_onPodsChanged = std::move(callback); }

    // The pod as served at nowMs: ServedKubeObjects' pod with the stored labels and annotations.
    nlohmann::json pod(std::size_t pod, std::int64_t nowMs) const;
    // Error codes: InvalidArgument (400), Conflict (409), Invalid (422), Unsupported (415).
    Result<nlohmann::json> patch(std::size_t pod, const PatchRequest& request, std::int64_t nowMs);
    // DELETE: `body` is the DeleteOptions (preconditions uid/resourceVersion honoured: 409). The
    // pod is Terminating at once and gone 2 s later; its ReplicaSet, if it still owns it, starts a
    // replacement. Answers the pod with its deletionTimestamp, as the API server does for a
    // graceful delete. Error codes: InvalidArgument (400), Conflict (409).
    Result<nlohmann::json> remove(std::size_t pod, const std::string& body, bool dryRun, std::int64_t nowMs);


private:
    struct Stored {
        nlohmann::json labels;
        nlohmann::json annotations;
        nlohmann::json managedFields;
        std::int64_t resourceVersion = 0;
        std::int64_t writtenMs = 0;
    };
    Status validate(const nlohmann::json& before, const nlohmann::json& after) const;
    bool matchesOwnSelector(std::size_t pod, const nlohmann::json& labels) const;

    SandboxModel& m_model;
    const ServedKubeObjects& m_objects;
    std::map<std::size_t, Stored> m_stored; // by pod index; pods never written are absent
    std::function<void()> m_onPodsChanged;
    WriteVersions& m_versions;
};

// Whether a label key / value is valid (qualified name with an optional DNS-subdomain prefix;
// value: at most 63 of [A-Za-z0-9_.-], alphanumeric at both ends, or empty). nullopt when valid,
// else the API server's explanation.
std::optional<std::string> labelKeyProblem(const std::string& key);
std::optional<std::string> labelValueProblem(const std::string& value);

} // namespace leakdesk::sandbox
