#pragma once
// The answer to runbook steps 1 and 2 for one service: pods as `kubectl top` shows them, the
// memory verdict with its evidence, and the fused OOM-kill evidence. Immutable once built.

#include "core/analysis/Verdict.h"
#include "core/investigation/Evidence.h"
#include "core/oom/OomEvidence.h"

#include <memory>

namespace leakdesk::investigation {

struct Findings {
    InvestigationRequest request;
    std::shared_ptr<const RawEvidence> evidence; // what the numbers came from
    std::vector<PodRow> pods; // sorted by memory, highest first (as --sort-by=memory)
    std::map<std::string, std::optional<double>> limitBytesByPod;
    analysis::Verdict verdict;
    oom::OomFinding oom;
    std::vector<std::string> warnings;

    const PodRow* pod(const std::string& name) const;
};

// Pure: the same evidence always gives the same findings (tests feed it hand-made evidence).
// Failed queries become the verdict's `missing` list and lower its confidence; no memory data at
// all gives Pattern::Unknown with the reason, never "no leak".
Findings analyseEvidence(std::shared_ptr<const RawEvidence> evidence);

// The topic a query's evidence is about ("memory", "restarts", ...), for MissingEvidence.
std::string evidenceTopicOf(prometheus::QueryKind kind);

} // namespace leakdesk::investigation
