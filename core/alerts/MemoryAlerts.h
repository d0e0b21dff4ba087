#pragma once
// Which alerts are about memory, and which workload each is about. An alert is a memory alert when
// one rule matches it: its alertname (a regular expression, anchored as Alertmanager's are) and,
// when the rule names labels, those labels too. The defaults know kube-prometheus'
// KubePodCrashLooping and KubeMemoryOvercommit, the common OOM-kill rules (KubeContainerOOMKilled,
// KubernetesContainerOomKiller, ContainerOOMKilled ...) and memory-near-limit rules; the config
// file's `memory-alerts:` list replaces them (prometheus::PromConfig::memoryAlerts).
//
// The workload comes from the alert's labels: `namespace` and one of deployment, statefulset,
// daemonset, job_name, cronjob, rollout, or workload + workload_type (kube-prometheus' recording
// rules); else its `pod`, whose owner the cluster knows (AlertWorkloads.h). Pure: tested with
// invented label sets.

#include "core/alerts/AlertmanagerApi.h"
#include "core/common/Result.h"
#include "core/kube/Workloads.h"
#include "core/prometheus/PromConfigFile.h"

#include <QRegularExpression>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::alerts {

enum class MemoryAlertCategory { OomKill, CrashLoop, NearLimit, Overcommit };
const char* memoryAlertCategoryName(
    MemoryAlertCategory category); // "oom-kill", "crash-loop", "near-limit", "overcommit"
std::optional<MemoryAlertCategory> memoryAlertCategoryFromName(std::string_view name);

struct MemoryAlertRule {
    std::string alertname; // regular expression, anchored
    std::map<std::string, std::string> labels; // label -> regular expression, anchored; all must match
    MemoryAlertCategory category = MemoryAlertCategory::OomKill;
};

std::vector<MemoryAlertRule> defaultMemoryAlertRules();

// The rules compiled. create() refuses a rule whose expression does not compile, naming it.
class MemoryAlertMatcher {
public:
    static Result<MemoryAlertMatcher> create(const std::vector<MemoryAlertRule>& rules);
    // From the config file's `memory-alerts:` entries (empty: the defaults); `where` names the file.
    static Result<MemoryAlertMatcher> fromConfig(
        const std::vector<prometheus::MemoryAlertRuleSetting>& settings, const std::string& where);
    static MemoryAlertMatcher defaults();

    // The first rule's category that matches the alert's labels; nothing when it is not about memory.
    std::optional<MemoryAlertCategory> match(const Labels& labels) const;
    // One regular expression matching every alertname the rules do (for a silence's matcher).
    std::string alertnamesExpression() const;
    const std::vector<MemoryAlertRule>& rules() const { return m_rules; }

private:
    struct Compiled {
        QRegularExpression alertname;
        std::vector<std::pair<std::string, QRegularExpression>> labels;
    };
    std::vector<MemoryAlertRule> m_rules;
    std::vector<Compiled> m_compiled;
};

// Where an alert points: a namespace and, when the labels say it, a workload; else the pod whose
// owner must be looked up. `cluster` is the `cluster` label of a fleet's alerts, if any.
struct AlertTarget {
    std::string cluster;
    std::string ns;
    std::optional<kube::WorkloadRef> workload; // kind always set when present
    std::string pod;
    std::string container;
    std::string how; // "label deployment=checkout", "owner of pod checkout-7d9f-abcde"
    bool operator==(const AlertTarget&) const = default;
};
AlertTarget targetFromLabels(const Labels& labels);

struct MemoryAlert {
    Alert alert;
    MemoryAlertCategory category = MemoryAlertCategory::OomKill;
    AlertTarget target;
    // "storefront/Deployment/checkout", or the namespace, or "cluster-wide".
    std::string targetText() const;
};

// The memory alerts among `alerts`, by namespace, workload, then alertname and start.
std::vector<MemoryAlert> memoryAlerts(const std::vector<Alert>& alerts, const MemoryAlertMatcher& matcher);

// The pods a workload's controller makes, as an anchored regular expression over pod names:
// Deployment/Rollout NAME-<template hash>-<5>, StatefulSet NAME-<ordinal>, DaemonSet and Job NAME-<5>,
// CronJob NAME-<schedule time>-<5>. Pods made after the silence (the rollout's) match too.
std::string podNameExpression(const kube::WorkloadRef& workload);

// The matchers of a silence of `workload`'s memory alerts in `ns`: namespace, alertname (the
// matcher's names) and pod (podNameExpression). An alert that names the workload without a pod
// label is not covered (Alertmanager's matchers are ANDed): said by the caller.
std::vector<SilenceMatcher> silenceMatchersFor(
    const std::string& ns, const kube::WorkloadRef& workload, const MemoryAlertMatcher& matcher);

// Whether `labels` satisfy every matcher (regular expressions anchored, as Alertmanager does).
bool matchersMatch(const std::vector<SilenceMatcher>& matchers, const Labels& labels);

// A duration as amtool and Alertmanager write them: "2h", "90m", "1h30m", "1d" (up to 30 days).
Result<std::int64_t> parseSilenceDuration(std::string_view text);

} // namespace leakdesk::alerts
