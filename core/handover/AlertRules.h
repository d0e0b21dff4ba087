#pragma once
// The alert the runbook's step 6 leaves behind, for the workload that leaked: memory growing
// towards its limit (predict_linear of the working set, one hour ahead, against the limit
// kube-state-metrics reports, for as long as the runbook gives memory to level off) and OOM kills
// over the runbook's threshold (more than 2 in 1 hour). Spelled in the incident's metric dialect
// (prometheus::MetricsProfile: cAdvisor's pod/container labels or pod_name/container_name,
// kube-state-metrics v1 or v2), and scoped to the workload's pods through kube-state-metrics' owner
// chain (kube_pod_owner, kube_replicaset_owner / kube_job_owner, as investigation/WorkloadPods.h
// looks pods up), never a pod-name pattern. Written as a plain rules file (`promtool check rules`),
// as a PrometheusRule manifest (monitoring.coreos.com/v1, the Prometheus Operator) and as a
// `promtool test rules` file whose cases fire on a leaking series and stay silent on a flat one.

#include "core/handover/RegressionTest.h"
#include "core/kube/Workloads.h"
#include "core/prometheus/MetricsProfile.h"
#include "core/runbook/Parameters.h"

#include <string>

namespace leakdesk::handover {

struct AlertTarget {
    std::string incidentId;
    std::string ns;
    kube::WorkloadKind kind = kube::WorkloadKind::Deployment;
    std::string workload;
    std::string container; // the leaking (main) container
    prometheus::MetricsProfile profile;
    runbook::RunbookParameters thresholds; // oomMaxCount in oomWindowMs, stabiliseWithinMs
};

inline constexpr char kGrowthAlert[] = "MemoryLeakPredictedOOM";
inline constexpr char kOomAlert[] = "MemoryLeakRepeatedOOMKills";

// The PromQL of each alert (for tests and the report).
std::string growthAlertExpr(const AlertTarget& target);
std::string oomAlertExpr(const AlertTarget& target);

// `<stem>.rules.yml`: groups -> rules, for Prometheus' rule_files and promtool.
GeneratedFile alertRulesFile(const AlertTarget& target);
// `<stem>.prometheusrule.yaml`: the same group in a PrometheusRule object.
GeneratedFile prometheusRuleManifest(const AlertTarget& target);
// `<stem>.rules.test.yml`: a promtool unit test of the rules file named `rulesFileName`: the
// workload's pod leaking (and OOM-killed 3 times in an hour) fires both alerts; a pod of the same
// workload with flat memory, and a leaking pod of another workload, fire none.
GeneratedFile alertRulesTestFile(const AlertTarget& target, const std::string& rulesFileName);

} // namespace leakdesk::handover
