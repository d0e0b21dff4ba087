#pragma once
// The runbook's figures as the parameters analyses and actions use, with the seed runbook's values
// as defaults when a runbook does not state them.

#include "core/runbook/Runbook.h"

#include <cstdint>
#include <set>
#include <string>

namespace leakdesk::runbook {

struct RunbookParameters {
    int oomMaxCount = 2; // "more than 2 ..."
    std::int64_t oomWindowMs = 60LL * 60 * 1000; // "... in 1 hour"
    std::int64_t stabiliseWithinMs = 10LL * 60 * 1000; // "within 10 minutes of startup"
    std::int64_t memoryLimitBytes = 4LL << 30; // "--limits=memory=4Gi"
    std::int64_t heapLimitRestartBytes = 3584LL << 20; // "HEAP_LIMIT_RESTART=3584m"
    std::int64_t escalateOwnerAfterMs = 2LL * 60 * 60 * 1000; // "within 2 hours, pull in the owner"
    int initialSeverity = 2; // P2
    int escalatedSeverity = 1; // P1
    std::set<std::string> fromRunbook; // threshold keys whose value the runbook's text gave
};

RunbookParameters parametersOf(const Runbook& runbook);

} // namespace leakdesk::runbook
