#pragma once
// Runbook step 6 against a cluster: finds the workload's revisions (a Deployment's or Rollout's
// ReplicaSets, a StatefulSet's or DaemonSet's controller revisions, from its pods' hash labels),
// takes the newest one as the fix when it was made after the incident started, fetches the
// memory and restart history of its pods and of the ones before it from Prometheus, and hands
// both to analysis::verifyFix (the rules live there).
//
// The present is the server's: Prometheus's time() (PromClient::serverTime), so a sandbox whose
// clock runs faster than the wall clock (--clock-speed) is read at its own now, and a real
// cluster at Prometheus's, which never holds samples after it.
//
// A Job: progress counts the requests answered; it ends in exactly one of finished() / failed().

#include "core/analysis/FixVerdict.h"
#include "core/common/Job.h"
#include "core/kube/Workloads.h"

#include <nlohmann/json.hpp>

#include <QPointer>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::kube {
struct ResolvedWorkload;
}

namespace leakdesk::investigation {

class ClusterConnection;
class PrometheusDiscovery;

struct FixVerificationRequest {
    std::string ns;
    kube::WorkloadRef workload;
    // When the incident started: the new revision must be younger. Unset: the newest revision
    // against the ones before it, whenever it was made.
    std::optional<std::int64_t> incidentStartMs;
    // How much of the old revision's history is judged (before the new one was made).
    std::int64_t oldWindowMs = 6LL * 3600 * 1000;
};

// One revision's pods as found: what the chart and the evidence show.
struct RevisionPods {
    std::string name;
    std::string images; // "container=image, ..." (the new revision's, from its pods)
    std::int64_t createdMs = 0;
    std::vector<std::string> pods;
    std::vector<Series> memory; // per pod, the main container's working set in the revision's window
};

struct FixVerificationReport {
    std::string ns;
    std::string workload; // "Deployment/checkout"
    std::string container; // the main container judged
    std::int64_t serverNowMs = 0; // Prometheus's now
    std::optional<std::int64_t> incidentStartMs;
    std::optional<RevisionPods> oldRevision;
    std::optional<RevisionPods> newRevision;
    std::optional<double> limitBytes; // the main container's memory limit, as the workload says now
    analysis::FixVerification verification;
    std::vector<std::string> notes; // what could not be looked up
};

// How the API's pods of a workload divide into revisions: the revision name of each pod (its
// ReplicaSet; else "<workload>-<controller-revision-hash>"), and which is the newest (the one
// whose youngest pod was created last). Pure, for tests.
struct PodRevision {
    std::string pod;
    std::string revision;
    std::int64_t createdMs = 0;
};
std::vector<PodRevision> podRevisions(const std::string& workloadName, const std::vector<nlohmann::json>& pods);

// The JSON `leakdesk-cli verify-fix --format json` prints: {old_revision, new_revision, verdict
// ("fixed", "not_fixed", "pending"), needed_minutes (null unless pending and waiting helps),
// reason, confidence, evidence [{topic, sentence, numbers}], the rates, observed_ms, required_ms,
// revisions {old, new}, notes}. The field names are an interface, like findingsToJson's.
nlohmann::json fixVerificationJson(const FixVerificationReport& report);

class FixVerificationJob : public Job {
    Q_OBJECT
public:
    explicit FixVerificationJob(ClusterConnection& connection, QObject* parent = nullptr);
    ~FixVerificationJob() override;

    void start(const FixVerificationRequest& request);

Q_SIGNALS:
    void finished(std::shared_ptr<const leakdesk::investigation::FixVerificationReport> report);

private:
    struct Run;
    void withPrometheus(const std::shared_ptr<Run>& run);
    void onWorkload(const std::shared_ptr<Run>& run);
    void fetchHistory(const std::shared_ptr<Run>& run, std::vector<std::string> podNames);
    void conclude(const std::shared_ptr<Run>& run);

    ClusterConnection& m_connection;
    QPointer<PrometheusDiscovery> m_discovery;
    std::unique_ptr<QObject> m_context; // replies of the current run are bound to it
};

} // namespace leakdesk::investigation
