#pragma once
// What an applied mitigation changed, as a JSON-serialisable value: enough to show it in the
// journal and to revert it later, from this process or from a record file read back.

#include "core/actions/MitigationValues.h"
#include "core/common/Result.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace leakdesk::actions {

// Field (relative to the container or the pod template) -> value; nullopt = the field was absent.
// Keys: "resources.limits.memory", "env.HEAP_LIMIT_RESTART", "annotations.kubectl.kubernetes.io/restartedAt".
using MitigationValues = std::map<std::string, std::optional<std::string>>;

struct MitigationRecord {
    std::string id;
    MitigationKind kind = MitigationKind::RaiseMemoryLimit;
    std::string ns;
    std::string deployment;
    std::string container;
    MitigationValues before;
    MitigationValues after;
    std::string resourceVersion; // of the Deployment right after the apply
    std::int64_t generation = 0; // metadata.generation right after the apply
    std::int64_t appliedMs = 0;
    std::string fieldManager;
    std::string kubectl; // the equivalent command that was shown

    nlohmann::json toJson() const;
    static Result<MitigationRecord> fromJson(const nlohmann::json& j);
};

} // namespace leakdesk::actions
