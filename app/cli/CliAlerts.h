#pragma once
// What the commands that read Alertmanager share (alerts, investigate --from-alert, mitigate
// --silence): the --alertmanager options and the config file's per-context `alertmanager` URL and
// `memory-alerts` rules, the connection (a URL, a k8s:// Service through the API server's proxy, or
// found in the cluster), and the firing memory alerts with their workloads.

#include "core/alerts/AlertIncident.h"
#include "core/alerts/AlertWorkloads.h"
#include "core/alerts/AlertmanagerClient.h"
#include "core/alerts/MemoryAlerts.h"
#include "core/common/Result.h"
#include "core/kube/KubeClient.h"

#include <QCommandLineOption>
#include <QCommandLineParser>

#include <functional>

#include <nlohmann/json.hpp>

#include <iosfwd>

#include <memory>
#include <optional>
#include <string>

namespace leakdesk::cli {

struct AlertmanagerConnection {
    std::unique_ptr<alerts::AlertmanagerClient> client;
    std::string shownAs; // "k8s://monitoring/alertmanager-main:web" or the URL, for messages and records
    std::string foundHow; // "found in the cluster: ... (label ...)", empty when named
};

class AlertmanagerOptions {
public:
    // Adds --alertmanager, --alertmanager-ca, --alertmanager-token-file, --alertmanager-header and
    // --alertmanager-insecure-skip-tls-verify to `parser`.
    explicit AlertmanagerOptions(QCommandLineParser& parser);

    // After parsing: false (the problem printed) when a value cannot work.
    bool validate() const;

    // The Alertmanager to read: --alertmanager, else the config file's entry for `kubeContext`,
    // else one found among the cluster's Services (reached through the API server's proxy).
    Result<AlertmanagerConnection> connect(
        kube::KubeClient& kube, const QString& configPath, const std::string& kubeContext, int timeoutS) const;

    // `url` as given (http(s):// or k8s://), with this command line's credentials for it.
    Result<AlertmanagerConnection> connectUrl(kube::KubeClient& kube, const QString& url) const;

    // The config file's memory-alerts rules, or the defaults.
    static Result<alerts::MemoryAlertMatcher> matcher(const QString& configPath);

private:
    QCommandLineParser& m_p;
    QCommandLineOption m_url, m_ca, m_tokenFile, m_header, m_insecure;
};

// The firing memory alerts (silenced ones too when `includeSilenced`), in `ns` or everywhere
// (empty), with the workloads of alerts that name a pod resolved through the cluster.
Result<alerts::ResolvedAlerts> fetchMemoryAlerts(alerts::AlertmanagerClient& client, kube::KubeClient& kube,
    const alerts::MemoryAlertMatcher& matcher, const std::string& ns, bool includeSilenced, int timeoutS);

// mitigate --silence: the silence of the workload's memory alerts, planned (preview), created and
// journaled in the incident (action "silence-alerts"), and expired again by mitigate --revert.
struct PlannedSilence {
    AlertmanagerConnection alertmanager;
    alerts::SilencePlan plan;
};
Result<PlannedSilence> planMitigationSilence(const AlertmanagerOptions& options, kube::KubeClient& kube,
    const QString& configPath, const QString& incidentFile, const std::string& ns, const kube::WorkloadRef& workload,
    std::int64_t durationMs, const std::string& why, int timeoutS);
void printSilencePlan(std::ostream& out, const alerts::SilencePlan& plan);
nlohmann::json silencePlanJson(const alerts::SilencePlan& plan);
// Creates it, records it in the incident; prints what it did. Returns the incident's action id.
Result<std::string> createPlannedSilence(
    PlannedSilence& planned, const QString& incidentFile, int timeoutS, std::ostream& out);
// The incident's still-applied silence of `workload`, if any: expired (or found expired already),
// the action marked reverted. `dryRun` only says what would be done. Prints what it did.
Status expireIncidentSilence(const AlertmanagerOptions& options, kube::KubeClient& kube, const QString& incidentFile,
    const kube::WorkloadRef& workload, bool dryRun, const std::function<bool()>& confirmed, int timeoutS,
    std::ostream& out);

// The alert of that fingerprint (or unique fingerprint prefix of 6+ characters) among `alerts`.
Result<alerts::MemoryAlert> findAlert(const std::vector<alerts::MemoryAlert>& alerts, const std::string& fingerprint);

} // namespace leakdesk::cli
