#pragma once
// The three PATCH flavours of the Kubernetes API, applied to JSON objects:
// - JSON merge patch (RFC 7386, application/merge-patch+json): maps merge, null deletes, lists
//   are replaced whole;
// - strategic merge patch (application/strategic-merge-patch+json): like a merge patch, but lists
//   of objects with a merge key (containers and env by "name", ports by "containerPort", ...) are
//   merged item by item, with the directives kubectl sends: `$patch: delete|replace|merge`,
//   `$setElementOrder/<list>`, `$retainKeys` and `$deleteFromPrimitiveList/<list>`;
// - JSON patch (RFC 6902, application/json-patch+json): add, remove, replace, move, copy, test.

#include "core/common/Result.h"

#include <nlohmann/json.hpp>

#include <string>

namespace leakdesk::sandbox {

nlohmann::json applyMergePatch(const nlohmann::json& target, const nlohmann::json& patch);
Result<nlohmann::json> applyStrategicMergePatch(const nlohmann::json& target, const nlohmann::json& patch);
Result<nlohmann::json> applyJsonPatch(const nlohmann::json& target, const nlohmann::json& patch);

// The merge key of a list field in the core/apps types, or "" when the list is atomic.
std::string strategicMergeKey(const std::string& field);

} // namespace leakdesk::sandbox
