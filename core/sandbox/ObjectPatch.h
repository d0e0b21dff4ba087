#pragma once
// What the stores of writable objects (Deployments, Pods) share when they answer a PATCH: the
// request, the three patch flavours chosen by content type, the resourceVersion precondition and
// the managedFields entry of the field manager.

#include "common/Result.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace leakdesk::sandbox {

struct PatchRequest {
    std::string contentType; // application/strategic-merge-patch+json, merge-patch+json, json-patch+json
    std::string body;
    bool dryRun = false;
    std::string fieldManager;
};

// `current` patched as the request says. `what` names the object in messages, as the API server
// does ("deployments.apps \"checkout\"", "pods \"checkout-…\""); `kind` in 422 messages ("Deployment.apps").
// Errors: InvalidArgument (400: not JSON, a patch that does not apply), Unsupported (415),
// Invalid (422: a failed JSON-patch test), Conflict (409: a stale metadata.resourceVersion).
Result<nlohmann::json> applyPatchRequest(const nlohmann::json& current, const PatchRequest& request,
    const std::string& what, const std::string& kind);

// metadata.managedFields with the request's manager (or "unknown") as the latest Update.
nlohmann::json managedFieldsAfter(const nlohmann::json& metadata, const std::string& fieldManager,
    const std::string& apiVersion, const std::string& timeRfc3339);

} // namespace leakdesk::sandbox
