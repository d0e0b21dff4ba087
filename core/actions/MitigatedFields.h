#pragma once
// The fields a mitigation touches, addressed by the keys of MitigationValues
// ("resources.limits.memory", "env.HEAP_LIMIT_RESTART", "annotations.kubectl.kubernetes.io/restartedAt"),
// independent of which mitigation wrote them: reading one from a Deployment, the strategic merge
// patch that writes several (of several containers) at once, the readable path SpecDiff shows, and
// who wrote it according to metadata.managedFields. Pure functions, the base of the revert's
// per-field comparison (RevertCheck.h).

#include "core/actions/MitigationRecord.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace leakdesk::actions {

// One field of one container (the container is ignored for the pod template's annotations).
struct FieldValue {
    std::string container;
    std::string key;
    std::optional<std::string> value; // nullopt: the field is absent (a revert removes it)
    bool operator==(const FieldValue&) const = default;
};

// True for the keys that live in a container ("resources.*", "env.*"); false for "annotations.*".
bool isContainerField(const std::string& key);

// The names of the pod template's containers, in order (init containers not included).
std::vector<std::string> containerNamesOf(const nlohmann::json& deployment);
// A container or an init container of that name.
bool hasContainer(const nlohmann::json& deployment, const std::string& container);
bool isInitContainer(const nlohmann::json& workload, const std::string& container);
// The pod template's container of that name, else its init container of that name (a native
// sidecar lives in initContainers); a null JSON value when there is none. Works for every workload
// kind with a pod template at spec.template.
const nlohmann::json& containerNamed(const nlohmann::json& deployment, const std::string& container);

// The field's value in `deployment`; nullopt when absent (or when the container is). An env variable
// set from a ConfigMap or Secret reads as "valueFrom " + its source, so that it never equals a plain value.
std::optional<std::string> readMitigatedField(
    const nlohmann::json& deployment, const std::string& container, const std::string& key);

// Equal as the API server means it: memory quantities by their bytes ("4Gi" == "4096Mi"), all else as text.
bool sameFieldValue(const std::string& key, const std::optional<std::string>& a, const std::optional<std::string>& b);

// The path as SpecDiff writes it: spec.template.spec.containers[checkout].resources.limits.memory,
// ...containers[checkout].env[HEAP_LIMIT_RESTART].value, spec.template.metadata.annotations[...].
std::string mitigatedFieldPath(const std::string& container, const std::string& key);

// One strategic merge patch writing all `fields` (containers merged by name; an absent value
// removes the field: null for a map key, `$patch: delete` for an env variable). A container that
// is an init container of `workload` (a native sidecar) is patched in spec.template.spec.initContainers.
nlohmann::json patchForFields(const std::vector<FieldValue>& fields, const nlohmann::json& workload = nullptr);

// Who wrote the field last, from metadata.managedFields, never `ourManager` and never a status
// write. `ownsField`: a managedFields entry's fieldsV1 names the field (what a real API server
// keeps); otherwise (the field was removed, or the server keeps no fieldsV1) the most recent other
// writer of the object, which is a hint rather than proof.
struct FieldWriter {
    std::string manager;
    std::string time; // RFC 3339 as the server wrote it (may be empty)
    bool ownsField = false;
    std::string toString() const; // "\"kubectl-set\" at 2026-03-02T10:00:00Z"
};
std::optional<FieldWriter> fieldWriter(const nlohmann::json& deployment, const std::string& container,
    const std::string& key, const std::string& ourManager);

} // namespace leakdesk::actions
