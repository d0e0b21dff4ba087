#pragma once
// The figures and strings behind the three mitigations, as pure functions: the limit suggested by
// an observed peak, HEAP_LIMIT_RESTART derived from a limit by the runbook's ratio, and the kubectl
// command an engineer would type for the same change.

#include "core/common/Result.h"
#include "core/kube/Workloads.h"
#include "core/runbook/Parameters.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace leakdesk::actions {

enum class MitigationKind {
    RaiseMemoryLimit, // kubectl set resources --limits=memory=...
    SetHeapLimitRestart, // kubectl set env HEAP_LIMIT_RESTART=...
    RolloutRestart, // kubectl rollout restart
};

// "limits", "heap-restart", "restart": the CLI's words and the record's `kind`.
const char* mitigationKindName(MitigationKind kind);
std::optional<MitigationKind> parseMitigationKind(std::string_view name);
// The incident's word for it (ActionRecord::kind, common/ActionKinds.h): "raise-limit", ...
const char* mitigationActionKind(MitigationKind kind);

inline constexpr const char* kHeapLimitRestartEnv = "HEAP_LIMIT_RESTART";
inline constexpr const char* kRestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt";
inline constexpr std::int64_t kMiB = 1024LL * 1024;
inline constexpr std::int64_t kSuggestionStepBytes = 256 * kMiB;
inline constexpr double kPeakHeadroom = 1.25;

// Round peak x 1.25 up to the next multiple of 256Mi ("3.3Gi peak" -> 4352Mi, shown as "4352Mi").
// Error for a peak that is not positive.
Result<std::int64_t> suggestMemoryLimit(std::int64_t observedPeakBytes);

// The runbook's ratio of HEAP_LIMIT_RESTART to the memory limit (3584m / 4Gi = 0.875 for the seed).
double heapRestartRatio(const runbook::RunbookParameters& parameters);

// HEAP_LIMIT_RESTART for a memory limit, in whole MiB rounded down, JVM style: 4Gi -> "3584m".
std::string heapLimitRestartFor(std::int64_t limitBytes, const runbook::RunbookParameters& parameters = {});

// A memory limit as the user typed it, checked: a Kubernetes quantity of at least 1Mi.
Result<std::int64_t> parseMemoryLimit(std::string_view text);
// A HEAP_LIMIT_RESTART value, checked: a JVM size ("3584m", "3g") of at least 1Mi.
Result<std::int64_t> parseHeapLimitRestart(std::string_view text);

struct KubectlTarget {
    std::string ns;
    std::string workload; // its name
    std::string container;
    bool multipleContainers = false; // `set env` needs -c only then
    kube::WorkloadKind kind = kube::WorkloadKind::Deployment;
    bool initContainer = false; // a native sidecar: written as a patch of initContainers
};

// The kubectl command equivalent to setting `value`; nullopt means "remove the value" (a revert to
// a state without it), which for limits and the annotation is only expressible as a kubectl patch
// of `patch`. `kubectl set` and `rollout restart` know no Argo Rollout and no init container:
// those are written as the patch too.
std::string kubectlCommand(MitigationKind kind, const KubectlTarget& target, const std::optional<std::string>& value,
    const nlohmann::json& patch = nullptr);

} // namespace leakdesk::actions
