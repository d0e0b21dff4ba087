#include "core/handover/AlertRules.h"

#include "core/handover/HandoverNames.h"

#include <sstream>

namespace leakdesk::handover {

namespace {

using kube::WorkloadKind;

std::string q(const std::string& v)
{
    return promqlString(v);
}

bool ownsThroughReplicaSets(WorkloadKind k)
{
    return k == WorkloadKind::Deployment || k == WorkloadKind::Rollout;
}

// The kind of the pods' direct owner in kube_pod_owner (as investigation::directOwnerKind).
std::string directOwnerKind(WorkloadKind k)
{
    if (ownsThroughReplicaSets(k))
        return "ReplicaSet";
    if (k == WorkloadKind::CronJob)
        return "Job";
    return kube::workloadKindName(k);
}

// label_replace's regexes are "(?s)(.*)": Prometheus anchors them, and without (?s) a value with a
// line break in it would not match and the pod would fall out of the join.
//
// `{namespace, pod} = 1` for each pod owned by the workload, through its ReplicaSets or Jobs when
// it has them: a pod of the next rollout is covered by the same rule.
std::string membership(const AlertTarget& t)
{
    const std::string ns = "namespace=" + q(t.ns);
    const std::string podOwner = "kube_pod_owner{" + ns + ",owner_kind=" + q(directOwnerKind(t.kind));
    if (!ownsThroughReplicaSets(t.kind) && t.kind != WorkloadKind::CronJob)
        return "max by (namespace, pod) (" + podOwner + ",owner_name=" + q(t.workload) + "})";
    const bool job = t.kind == WorkloadKind::CronJob;
    const std::string label = job ? "job_name" : "replicaset";
    const std::string middle = std::string(job ? "kube_job_owner" : "kube_replicaset_owner") + "{" + ns
        + ",owner_kind=" + q(kube::workloadKindName(t.kind)) + ",owner_name=" + q(t.workload) + "}";
    return "max by (namespace, pod) (label_replace(" + podOwner + "}, \"" + label
        + "\", \"$1\", \"owner_name\", \"(?s)(.*)\") * on (namespace, " + label + ") group_left () max by (namespace, "
        + label + ") (" + middle + "))";
}

// A cAdvisor selector of the container, in the profile's labels, with its pod label copied to
// `pod` when it is spelled otherwise (legacy pod_name), so it joins kube-state-metrics' series.
std::string cadvisorPodLabel(const AlertTarget& t, std::string inner)
{
    if (t.profile.podLabel == "pod")
        return inner;
    return "label_replace(" + inner + ", \"pod\", \"$1\", " + q(t.profile.podLabel) + ", \"(?s)(.*)\")";
}

std::string cadvisorSelector(const AlertTarget& t, const std::string& metric)
{
    return metric + "{namespace=" + q(t.ns) + "," + t.profile.containerLabel + "=" + q(t.container) + "}";
}

std::string ksmSelector(const AlertTarget& t, const std::string& metric, const std::string& more = {})
{
    return metric + "{namespace=" + q(t.ns) + ",container=" + q(t.container) + more + "}";
}

std::string memoryLimit(const AlertTarget& t)
{
    return ksmSelector(t, t.profile.limits, t.profile.limitsHaveResourceLabel() ? ",resource=\"memory\"" : "");
}

std::string minutes(std::int64_t ms)
{
    return std::to_string(std::max<std::int64_t>(1, ms / 60000)) + "m";
}

std::string stem(const AlertTarget& t)
{
    return fileStem(t.ns, "namespace") + "-" + fileStem(t.workload, "workload");
}

std::string groupName(const AlertTarget& t)
{
    return "leakdesk-" + stem(t) + "-memory";
}

// Untrusted text in an annotation: Prometheus expands annotations as Go templates (which can run
// queries), so no "{{" or "}}" of a name may reach one.
std::string templateSafe(const std::string& text)
{
    std::string out;
    for (char c : text) {
        if ((c == '{' || c == '}') && !out.empty() && out.back() == c)
            out.push_back(' ');
        out.push_back(c);
    }
    return out;
}

// One rule, indented by `indent` spaces, its expression as a literal block (never contains a raw
// newline: every value in it is a PromQL string with escapes).
void rule(std::ostringstream& out, const std::string& indent, const std::string& alert, const std::string& expr,
    const std::string& forDuration, const std::string& severity, const std::string& summary,
    const std::string& description, const AlertTarget& t)
{
    out << indent << "- alert: " << alert << "\n";
    out << indent << "  expr: |-\n" << indent << "    " << expr << "\n";
    out << indent << "  for: " << forDuration << "\n";
    out << indent << "  labels:\n";
    out << indent << "    severity: " << severity << "\n";
    // Label values are expanded as templates too.
    out << indent << "    namespace: " << yamlString(templateSafe(t.ns)) << "\n";
    out << indent << "    workload: " << yamlString(templateSafe(t.workload)) << "\n";
    out << indent << "    workload_kind: " << kube::workloadKindName(t.kind) << "\n";
    out << indent << "    container: " << yamlString(templateSafe(t.container)) << "\n";
    out << indent << "  annotations:\n";
    out << indent << "    summary: " << yamlString(summary) << "\n";
    out << indent << "    description: " << yamlString(description) << "\n";
    out << indent << "    leakdesk_incident: " << yamlString(templateSafe(t.incidentId)) << "\n";
}

struct Annotations {
    std::string summary;
    std::string description;
};

Annotations growthAnnotations(const AlertTarget& t)
{
    const std::string what
        = kube::workloadKindName(t.kind) + std::string(" ") + templateSafe(t.ns) + "/" + templateSafe(t.workload);
    return { "Memory of " + what + " is predicted to reach its limit within 1 hour",
        "Container " + templateSafe(t.container) + " of pod {{ $labels.pod }} grows towards its memory limit and did "
            + "not level off within " + minutes(t.thresholds.stabiliseWithinMs) + ": the leak of LeakDesk incident "
            + templateSafe(t.incidentId) + " may be back. Runbook: memory leak, step 1." };
}

Annotations oomAnnotations(const AlertTarget& t)
{
    const std::string what
        = kube::workloadKindName(t.kind) + std::string(" ") + templateSafe(t.ns) + "/" + templateSafe(t.workload);
    return { what + " was OOM-killed more than " + std::to_string(t.thresholds.oomMaxCount) + " times in "
            + minutes(t.thresholds.oomWindowMs),
        "Container " + templateSafe(t.container) + " was OOM-killed more than "
            + std::to_string(t.thresholds.oomMaxCount) + " times in the last " + minutes(t.thresholds.oomWindowMs)
            + " (the runbook's threshold): escalate per the memory-leak runbook." };
}

void rules(std::ostringstream& out, const std::string& indent, const AlertTarget& t)
{
    const Annotations growth = growthAnnotations(t);
    rule(out, indent, kGrowthAlert, growthAlertExpr(t), minutes(t.thresholds.stabiliseWithinMs), "warning",
        growth.summary, growth.description, t);
    const Annotations oom = oomAnnotations(t);
    rule(out, indent, kOomAlert, oomAlertExpr(t), "0m", "critical", oom.summary, oom.description, t);
}

// promtool series notation: `start+stepxN`.
std::string ramp(long long start, long long step, int n)
{
    return std::to_string(start) + (step >= 0 ? "+" : "") + std::to_string(step) + "x" + std::to_string(n);
}

// One input series, its labels as PromQL strings (promtool parses them as a selector).
std::string seriesLine(const std::string& metric, const std::vector<std::pair<std::string, std::string>>& labels,
    const std::string& values)
{
    std::string s = metric + "{";
    for (std::size_t i = 0; i < labels.size(); ++i)
        s += (i ? "," : "") + labels[i].first + "=" + q(labels[i].second);
    s += "}";
    return "      - series: " + yamlString(s) + "\n        values: " + yamlString(values) + "\n";
}

} // namespace

std::string growthAlertExpr(const AlertTarget& t)
{
    const std::string predicted = "max by (namespace, pod) ("
        + cadvisorPodLabel(t, "predict_linear(" + cadvisorSelector(t, t.profile.workingSet) + "[30m], 3600)") + ")";
    return "(" + predicted + " * on (namespace, pod) group_left () " + membership(t)
        + ") > on (namespace, pod) max by (namespace, pod) (" + memoryLimit(t) + ")";
}

std::string oomAlertExpr(const AlertTarget& t)
{
    // kube-state-metrics' restart counter whose last termination was an OOM kill: one series per
    // container for the pod's life (cAdvisor's OOM counter starts a new series per container).
    const std::string window = minutes(t.thresholds.oomWindowMs);
    const std::string killed = "(increase(" + ksmSelector(t, t.profile.restarts) + "[" + window
        + "]) and on (namespace, pod, container) ("
        + ksmSelector(t, t.profile.lastTerminatedReason, ",reason=\"OOMKilled\"") + " == 1))";
    return "sum by (namespace) (" + killed + " * on (namespace, pod) group_left () " + membership(t) + ") > "
        + std::to_string(t.thresholds.oomMaxCount);
}

GeneratedFile alertRulesFile(const AlertTarget& t)
{
    std::ostringstream out;
    out << "# Alerting rules written by LeakDesk for " << sourceSafeText(t.ns) << "/" << sourceSafeText(t.workload)
        << " (incident " << sourceSafeText(t.incidentId) << ").\n"
        << "# Check: promtool check rules " << stem(t) << ".rules.yml\n";
    out << "groups:\n  - name: " << yamlString(groupName(t)) << "\n    rules:\n";
    rules(out, "      ", t);
    return { stem(t) + ".rules.yml", "alert-rules", "Alerting rules for " + t.ns + "/" + t.workload, out.str() };
}

GeneratedFile prometheusRuleManifest(const AlertTarget& t)
{
    std::ostringstream out;
    out << "# PrometheusRule written by LeakDesk for " << sourceSafeText(t.ns) << "/" << sourceSafeText(t.workload)
        << " (incident " << sourceSafeText(t.incidentId) << "). The Prometheus Operator loads it when its\n"
        << "# ruleSelector matches the labels below (kube-prometheus: release, or role: alert-rules).\n";
    out << "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n";
    // A DNS-1123 name: the stem is lower-case letters, digits and '-'.
    out << "  name: " << groupName(t) << "\n";
    out << "  namespace: " << yamlString(t.ns) << "\n";
    out << "  labels:\n    app.kubernetes.io/managed-by: leakdesk\n    role: alert-rules\n";
    out << "spec:\n  groups:\n    - name: " << yamlString(groupName(t)) << "\n      rules:\n";
    rules(out, "        ", t);
    return { stem(t) + ".prometheusrule.yaml", "prometheus-rule", "PrometheusRule for " + t.ns + "/" + t.workload,
        out.str() };
}

GeneratedFile alertRulesTestFile(const AlertTarget& t, const std::string& rulesFileName)
{
    const bool job = t.kind == WorkloadKind::CronJob;
    const bool chain = ownsThroughReplicaSets(t.kind) || job;
    const std::string owner = chain ? (job ? t.workload + "-28000000" : t.workload + "-6d4cf56db6") : t.workload;
    const std::string leaking = chain ? owner + "-leak1" : t.workload + "-0";
    const std::string flat = chain ? owner + "-flat1" : t.workload + "-1";
    const std::string stranger = "other-workload-7c9d8f6b5-x1";
    const int minutesRun = 120;
    const std::string podLabel = t.profile.podLabel;
    const std::string containerLabel = t.profile.containerLabel;

    std::ostringstream in;
    auto owned = [&](const std::string& pod, const std::string& ownerName, const std::string& ownerKind) {
        in << seriesLine("kube_pod_owner",
            { { "namespace", t.ns }, { "pod", pod }, { "owner_kind", ownerKind }, { "owner_name", ownerName } },
            ramp(1, 0, minutesRun));
    };
    if (chain) {
        const std::string middle = job ? "kube_job_owner" : "kube_replicaset_owner";
        in << seriesLine(middle,
            { { "namespace", t.ns }, { job ? "job_name" : "replicaset", owner },
                { "owner_kind", kube::workloadKindName(t.kind) }, { "owner_name", t.workload } },
            ramp(1, 0, minutesRun));
    }
    owned(leaking, owner, directOwnerKind(t.kind));
    owned(flat, owner, directOwnerKind(t.kind));
    owned(stranger, "other-workload-7c9d8f6b5", "ReplicaSet");
    const long long mib = 1LL << 20;
    const long long limit = 2048 * mib;
    for (const auto& [pod, start, step] : std::vector<std::tuple<std::string, long long, long long>> {
             { leaking, 1024 * mib, 20 * mib }, { flat, 1024 * mib, 0 }, { stranger, 1024 * mib, 20 * mib } }) {
        in << seriesLine(t.profile.workingSet,
            { { "namespace", t.ns }, { podLabel, pod }, { containerLabel, t.container } },
            ramp(start, step, minutesRun));
        std::vector<std::pair<std::string, std::string>> limitLabels { { "namespace", t.ns }, { "pod", pod },
            { "container", t.container } };
        if (t.profile.limitsHaveResourceLabel()) {
            limitLabels.push_back({ "resource", "memory" });
            limitLabels.push_back({ "unit", "byte" });
        }
        in << seriesLine(t.profile.limits, limitLabels, ramp(limit, 0, minutesRun));
    }
    // The leaking pod: OOM-killed at 70, 80, 90 and 100 minutes; the flat one restarted once, not
    // for memory.
    const std::string kills = "0x69 1x9 2x9 3x9 4x20";
    in << seriesLine(
        t.profile.restarts, { { "namespace", t.ns }, { "pod", leaking }, { "container", t.container } }, kills);
    in << seriesLine(t.profile.lastTerminatedReason,
        { { "namespace", t.ns }, { "pod", leaking }, { "container", t.container }, { "reason", "OOMKilled" } },
        "0x69 1x50");
    in << seriesLine(
        t.profile.restarts, { { "namespace", t.ns }, { "pod", flat }, { "container", t.container } }, "0x69 1x50");
    in << seriesLine(t.profile.lastTerminatedReason,
        { { "namespace", t.ns }, { "pod", flat }, { "container", t.container }, { "reason", "Error" } }, "0x69 1x50");

    auto labelsYaml = [&](const std::string& indent, const std::string& severity, const std::string& pod) {
        std::string s
            = indent + "severity: " + severity + "\n" + indent + "namespace: " + yamlString(templateSafe(t.ns)) + "\n";
        if (!pod.empty())
            s += indent + "pod: " + yamlString(pod) + "\n";
        s += indent + "workload: " + yamlString(templateSafe(t.workload)) + "\n" + indent
            + "workload_kind: " + kube::workloadKindName(t.kind) + "\n" + indent
            + "container: " + yamlString(templateSafe(t.container)) + "\n";
        return s;
    };
    std::ostringstream out;
    out << "# promtool test rules " << fileStem(t.ns) << "-" << fileStem(t.workload) << ".rules.test.yml\n"
        << "# Written by LeakDesk: the workload's leaking pod fires both alerts; its flat pod and a leaking\n"
        << "# pod of another workload fire none.\n";
    out << "rule_files:\n  - " << yamlString(rulesFileName) << "\nevaluation_interval: 1m\ntests:\n";
    out << "  - interval: 1m\n    input_series:\n" << in.str();
    out << "    alert_rule_test:\n";
    // At 40 minutes the leak (20 MiB/min from 1 GiB) is predicted past 2 GiB within the hour, and
    // has been for longer than `for`; the OOM kills are not there yet.
    out << "      - eval_time: 40m\n        alertname: " << kGrowthAlert << "\n        exp_alerts:\n";
    auto annotationsYaml = [&](const Annotations& a, const std::string& pod) {
        std::string description = a.description;
        const std::string podTemplate = "{{ $labels.pod }}";
        if (auto at = description.find(podTemplate); at != std::string::npos)
            description.replace(at, podTemplate.size(), pod);
        const std::string indent = "              ";
        return indent + "summary: " + yamlString(a.summary) + "\n" + indent + "description: " + yamlString(description)
            + "\n" + indent + "leakdesk_incident: " + yamlString(templateSafe(t.incidentId)) + "\n";
    };
    out << "          - exp_labels:\n" << labelsYaml("              ", "warning", leaking);
    out << "            exp_annotations:\n" << annotationsYaml(growthAnnotations(t), leaking);
    out << "      - eval_time: 40m\n        alertname: " << kOomAlert << "\n        exp_alerts: []\n";
    out << "      - eval_time: 5m\n        alertname: " << kGrowthAlert << "\n        exp_alerts: []\n";
    out << "      - eval_time: 105m\n        alertname: " << kOomAlert << "\n        exp_alerts:\n";
    out << "          - exp_labels:\n" << labelsYaml("              ", "critical", "");
    out << "            exp_annotations:\n" << annotationsYaml(oomAnnotations(t), "");
    return { stem(t) + ".rules.test.yml", "alert-rules-test", "promtool unit test of the alerting rules", out.str() };
}

} // namespace leakdesk::handover
