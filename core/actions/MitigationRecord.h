#pragma once
// What an applied mitigation changed, as a JSON-serialisable value: enough to show it in the
// journal and to revert it later, from this process or from a record file read back.

#include "core/actions/MitigationValues.h"
#include "core/actions/WorkloadTarget.h"
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

// After an apply and a settle time: did the values stay, and if not, which field manager wrote
// them back (metadata.managedFields; empty when it does not tell).
struct ApplyVerification {
    bool stillApplied = true;
    std::string revertedBy;
    int settleSeconds = 0;
    std::int64_t checkedMs = 0;
    bool operator==(const ApplyVerification&) const = default;
};

struct MitigationRecord {
    std::string id;
    MitigationKind kind = MitigationKind::RaiseMemoryLimit;
    std::string ns;
    // The workload patched. The JSON has `workload: {kind, name}`; a record written before other
    // kinds were mitigated has only `deployment`, and reads as a Deployment.
    WorkloadTarget workload;
    std::string container;
    MitigationValues before;
    MitigationValues after;
    std::string resourceVersion; // of the workload right after the apply
    std::int64_t generation = 0; // metadata.generation right after the apply
    std::int64_t appliedMs = 0;
    std::string fieldManager;
    std::string kubectl; // the equivalent command that was shown
    std::optional<ApplyVerification> verify; // set once the apply was checked after its settle time

    nlohmann::json toJson() const;
    static Result<MitigationRecord> fromJson(const nlohmann::json& j);
};

} // namespace leakdesk::actions
