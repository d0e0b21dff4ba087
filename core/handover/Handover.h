#pragma once
// What the hand-over is made from, read from the incident: the confirmed suspect (the top suspect of
// the newest heap analysis recorded), the runtime (detectRuntime), the workload and container the
// evidence was about, and the metric names its Prometheus used. The responder can name any of them
// when the incident does not say (a workload investigated before the incident recorded it, a
// runtime no evidence shows).

#include "core/common/Result.h"
#include "core/handover/AlertRules.h"
#include "core/handover/RegressionTest.h"

#include <optional>
#include <string>
#include <vector>

namespace leakdesk::incident {
struct IncidentDocument;
}

namespace leakdesk::handover {

struct HandoverChoices {
    std::optional<Runtime> runtime;
    std::string ns;
    std::string workload; // "deployment/checkout", "statefulset/search"
    std::string container;
};

struct Handover {
    Runtime runtime = Runtime::Jvm;
    std::string runtimeEvidence; // why this runtime ("given with --runtime" when chosen)
    std::string suspectFrom; // "heap dump H2 (checkout-6d4cf-abcde)"
    RegressionSubject subject;
    AlertTarget alert;
    std::vector<std::string> notes; // what was defaulted (the metric dialect, the container)
};

// InvalidArgument (with what to do) when the incident has no heap analysis, no runtime can be
// told, or no workload is known.
Result<Handover> handoverFor(const incident::IncidentDocument& doc, const HandoverChoices& choices = {});

// The regression test, the rules file, its promtool test and the PrometheusRule, in that order.
std::vector<GeneratedFile> handoverFiles(const Handover& handover);

} // namespace leakdesk::handover
