#pragma once
// What the stores of writable objects (Deployments, Pods) share when they answer a PATCH: the
// request, the three patch flavours chosen by content type, the resourceVersion precondition and
// the managedFields entry of the field manager.

#include "core/common/Result.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
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

// The resourceVersions the stored objects' writes hand out, one counter for all of them (etcd has
// one revision): each write gets more than the list's time-derived one, than every earlier write,
// than the object's own current one and than the floor (what the server handed out elsewhere:
// watch events), so resourceVersions stay monotonic across all objects.
class WriteVersions {
public:
    explicit WriteVersions(std::function<std::int64_t()> floor = {})
        : m_floor(std::move(floor))
    { }
    std::int64_t next(std::int64_t listResourceVersion, std::int64_t currentResourceVersion);
    std::int64_t last() const { return m_last; } // the highest handed out (lists must not report less)

private:
    std::function<std::int64_t()> m_floor;
    std::int64_t m_last = 0;
};

// metadata.managedFields with the request's manager (or "unknown") as the latest Update.
nlohmann::json managedFieldsAfter(const nlohmann::json& metadata, const std::string& fieldManager,
    const std::string& apiVersion, const std::string& timeRfc3339);

} // namespace leakdesk::sandbox
