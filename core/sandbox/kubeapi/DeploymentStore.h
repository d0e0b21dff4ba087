#pragma once
// The writable part of the sandbox's Deployments: metadata (labels, annotations, managedFields),
// spec, generation and resourceVersion as stored objects, with the live status computed from the
// model. PATCH (strategic merge, JSON merge, JSON patch) is validated the way the API server does
// (immutable selector, quantities, requests <= limits: 422; a stale resourceVersion: 409), honours
// dryRun=All, records the fieldManager, and a changed pod template rolls new pods in the model
// (new ReplicaSet hash, new limits and env), so the simulation continues with the patched values.

#include "core/common/Result.h"
#include "core/sandbox/kubeapi/ServedKubeObjects.h"
#include "core/sandbox/kubeapi/ObjectPatch.h"
#include "core/sandbox/model/SandboxModel.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>

namespace leakdesk::sandbox {

class DeploymentStore {
public:
    // `versions`: the resourceVersion counter shared with the other stores (outlives this one).
    DeploymentStore(SandboxModel& model, const ServedKubeObjects& objects, WriteVersions& versions);

    // Called after a rollout changed the model's pods (metrics series must be listed again).
    void setOnRollout(std::function<void()> callback) { m_onRollout = std::move(callback); }

    // The Deployment as served at nowMs.
    nlohmann::json deployment(std::size_t service, std::int64_t nowMs) const;
    // Error codes: InvalidArgument (400), Conflict (409), Invalid (422), Unsupported (415).
    Result<nlohmann::json> patch(std::size_t service, const PatchRequest& request, std::int64_t nowMs);


private:
    struct Stored {
        nlohmann::json metadata;
        nlohmann::json spec;
        std::int64_t generation = 1;
        std::int64_t resourceVersion = 0;
    };
    Stored& stored(std::size_t service) const;
    Status validate(const nlohmann::json& before, const nlohmann::json& after) const;

    SandboxModel& m_model;
    const ServedKubeObjects& m_objects;
    mutable std::map<std::size_t, Stored> m_stored;
    std::function<void()> m_onRollout;
    WriteVersions& m_versions;
};

} // namespace leakdesk::sandbox
