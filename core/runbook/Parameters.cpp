#include "core/runbook/Parameters.h"

#include <cmath>

namespace leakdesk::runbook {

RunbookParameters parametersOf(const Runbook& runbook)
{
    RunbookParameters p;
    auto take = [&](const char* key, auto apply) {
        if (const Threshold* t = runbook.threshold(key)) {
            apply(*t);
            p.fromRunbook.insert(key);
        }
    };
    take("oom.max_per_window", [&](const Threshold& t) {
        p.oomMaxCount = static_cast<int>(std::lround(t.value));
        if (t.windowMs)
            p.oomWindowMs = *t.windowMs;
    });
    take("stabilise.within", [&](const Threshold& t) { p.stabiliseWithinMs = std::llround(t.value); });
    take("mitigation.memory_limit", [&](const Threshold& t) { p.memoryLimitBytes = std::llround(t.value); });
    take("mitigation.heap_limit_restart", [&](const Threshold& t) { p.heapLimitRestartBytes = std::llround(t.value); });
    take("escalation.owner_after", [&](const Threshold& t) { p.escalateOwnerAfterMs = std::llround(t.value); });
    take("severity.initial", [&](const Threshold& t) { p.initialSeverity = static_cast<int>(t.value); });
    take("severity.escalated", [&](const Threshold& t) { p.escalatedSeverity = static_cast<int>(t.value); });
    return p;
}

} // namespace leakdesk::runbook
