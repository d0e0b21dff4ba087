#include "core/actions/MitigationValues.h"

#include "core/common/ActionKinds.h"

#include "core/common/Quantity.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace leakdesk::actions {

const char* mitigationKindName(MitigationKind kind)
{
    switch (kind) {
    case MitigationKind::RaiseMemoryLimit:
        return "limits";
    case MitigationKind::SetHeapLimitRestart:
        return "heap-restart";
    case MitigationKind::RolloutRestart:
        return "restart";
    }
    return "unknown";
}

std::optional<MitigationKind> parseMitigationKind(std::string_view name)
{
    for (MitigationKind k :
        { MitigationKind::RaiseMemoryLimit, MitigationKind::SetHeapLimitRestart, MitigationKind::RolloutRestart })
        if (name == mitigationKindName(k))
            return k;
    return std::nullopt;
}

Result<std::int64_t> suggestMemoryLimit(std::int64_t observedPeakBytes)
{
    if (observedPeakBytes <= 0)
        return makeError(ErrorCode::InvalidArgument, "no limit can be suggested from an observed peak of 0 bytes",
            "the service has no memory samples yet; use the runbook's limit");
    // Integer arithmetic: peak * 5/4, then up to the next whole step (an exact multiple stays).
    const std::int64_t wanted = (observedPeakBytes / 4) * 5 + ((observedPeakBytes % 4) * 5 + 3) / 4;
    return (wanted + kSuggestionStepBytes - 1) / kSuggestionStepBytes * kSuggestionStepBytes;
}

double heapRestartRatio(const runbook::RunbookParameters& parameters)
{
    if (parameters.memoryLimitBytes <= 0 || parameters.heapLimitRestartBytes <= 0)
        return 3584.0 / 4096.0;
    return static_cast<double>(parameters.heapLimitRestartBytes) / static_cast<double>(parameters.memoryLimitBytes);
}

std::string heapLimitRestartFor(std::int64_t limitBytes, const runbook::RunbookParameters& parameters)
{
    const double mib = std::floor(static_cast<double>(limitBytes) * heapRestartRatio(parameters) / kMiB);
    return std::to_string(std::max<std::int64_t>(1, static_cast<std::int64_t>(mib))) + "m";
}

Result<std::int64_t> parseMemoryLimit(std::string_view text)
{
    auto bytes = parseMemoryBytes(text);
    if (!bytes)
        return makeError(ErrorCode::InvalidArgument, "'" + std::string(text) + "' is not a memory quantity",
            "write it the way Kubernetes does, e.g. 4Gi or 3584Mi");
    if (*bytes < kMiB)
        return makeError(ErrorCode::InvalidArgument,
            "a memory limit of '" + std::string(text) + "' is too small to run anything", "e.g. 4Gi");
    return *bytes;
}

Result<std::int64_t> parseHeapLimitRestart(std::string_view text)
{
    auto bytes = parseJvmSize(text);
    if (!bytes)
        return makeError(ErrorCode::InvalidArgument, "'" + std::string(text) + "' is not a JVM size",
            "HEAP_LIMIT_RESTART is written like the JVM's -Xmx, e.g. 3584m or 3g");
    if (*bytes < kMiB)
        return makeError(ErrorCode::InvalidArgument,
            "a HEAP_LIMIT_RESTART of '" + std::string(text) + "' would restart the JVM at once", "e.g. 3584m");
    return *bytes;
}

namespace {

std::string shellQuote(const std::string& s)
{
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

} // namespace

std::string kubectlCommand(
    MitigationKind kind, const KubectlTarget& t, const std::optional<std::string>& value, const nlohmann::json& patch)
{
    std::string resource = kube::workloadKindName(t.kind);
    std::transform(
        resource.begin(), resource.end(), resource.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    const std::string deployment = resource + "/" + t.workload + " -n " + t.ns;
    const bool kubectlSetKnowsIt = t.kind != kube::WorkloadKind::Rollout && !t.initContainer;
    switch (kubectlSetKnowsIt ? kind : MitigationKind::RaiseMemoryLimit) {
    case MitigationKind::RaiseMemoryLimit:
        if (value && kubectlSetKnowsIt)
            return "kubectl set resources " + deployment + " -c " + t.container + " --limits=memory=" + *value;
        break;
    case MitigationKind::SetHeapLimitRestart: {
        const std::string container = t.multipleContainers ? " -c " + t.container : std::string();
        return "kubectl set env " + deployment + container + " " + kHeapLimitRestartEnv
            + (value ? "=" + *value : std::string("-"));
    }
    case MitigationKind::RolloutRestart:
        if (value)
            return "kubectl rollout restart " + deployment;
        break;
    }
    return "kubectl patch " + deployment + (patch.is_array() ? " --type=json -p " : " --type=strategic -p ")
        + shellQuote(patch.dump());
}

const char* mitigationActionKind(MitigationKind kind)
{
    switch (kind) {
    case MitigationKind::RaiseMemoryLimit:
        return actionkind::kRaiseLimit;
    case MitigationKind::SetHeapLimitRestart:
        return actionkind::kHeapLimitRestart;
    case MitigationKind::RolloutRestart:
        return actionkind::kRolloutRestart;
    }
    return actionkind::kMitigation;
}

} // namespace leakdesk::actions
