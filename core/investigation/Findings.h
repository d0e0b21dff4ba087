#pragma once
// The answer to runbook steps 1 and 2 for one service: pods as `kubectl top` shows them, the
// memory verdict with its evidence, and the fused OOM-kill evidence. Immutable once built.

#include "core/analysis/Verdict.h"
#include "core/investigation/Evidence.h"
#include "core/oom/OomEvidence.h"

#include <memory>

namespace leakdesk::investigation {

// One container of the workload's pods, judged on its own memory against its own limit (issue
// 16): the main one carries the top-level verdict; sidecars get theirs, so an istio-proxy that
// grows is named as such and never hidden in (or blamed on) the application's sum.
struct ContainerFinding {
    std::string name;
    kube::ContainerRole role = kube::ContainerRole::Sidecar;
    std::string why; // why it is the main container, or a sidecar
    std::optional<double> limitBytes; // the spec's (first pod), else kube-state-metrics'
    std::optional<analysis::Verdict> verdict; // none for init containers, or without Prometheus data
    int oomKills = 0; // of the fused OOM kills, those of this container
};

struct Findings {
    InvestigationRequest request;
    std::shared_ptr<const RawEvidence> evidence; // what the numbers came from
    std::vector<PodRow> pods; // sorted by memory, highest first (as --sort-by=memory)
    std::map<std::string, std::optional<double>> limitBytesByPod;
    analysis::Verdict verdict;
    oom::OomFinding oom;
    std::vector<ContainerFinding> containers; // main first; empty when the workload has no pod nor template
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
