#pragma once
// Alerts in the incident: an alert an incident was started from (an escalation event "alert" with
// its labels, fingerprint and start, journaled), and a silence of the workload's memory alerts
// while a mitigation rolls out (an action "silence-alerts" whose revert data says which Alertmanager
// and silence, so that a revert expires it). The silence's comment carries the incident's id, so
// whoever looks at Alertmanager finds the incident.

#include "core/alerts/AlertmanagerClient.h"
#include "core/alerts/MemoryAlerts.h"
#include "core/incident/IncidentDocument.h"

#include <QString>

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace leakdesk::alerts {

// The escalation event kind of a recorded alert.
inline constexpr char kAlertEventKind[] = "alert";

// Records `alert` in the incident (once per fingerprint and start: a second call returns the first
// event's id); returns the event's id.
std::string recordAlert(incident::IncidentDocument& doc, const MemoryAlert& alert, std::int64_t nowMs);

// Loads `path` (or creates the incident for the alert's namespace/workload when the file does not
// exist), records the alert, saves under the file's lock. Answers the event id and the incident id.
struct RecordedAlert {
    std::string eventId;
    std::string incidentId;
    bool created = false;
};
Result<RecordedAlert> recordAlertInFile(
    const QString& path, const MemoryAlert& alert, const incident::ClusterRef& cluster, std::int64_t nowMs);

// A silence of a workload's memory alerts, before it is created: what the preview shows.
struct SilencePlan {
    std::string alertmanager; // base URL (or k8s:// service) as the user knows it
    std::string ns;
    kube::WorkloadRef workload;
    Silence silence; // id empty
    std::vector<MemoryAlert> matchedNow; // firing memory alerts it would silence now
    std::string amtool; // the equivalent amtool command
    std::vector<std::string> notes; // what it does not cover
};
// `why` ends the comment ("raise-limit of Deployment/checkout rolling out").
SilencePlan planWorkloadSilence(const std::string& alertmanager, const std::string& ns,
    const kube::WorkloadRef& workload, const MemoryAlertMatcher& matcher, std::int64_t durationMs,
    const std::string& incidentId, const std::string& why, const std::string& createdBy, std::int64_t nowMs,
    const std::vector<MemoryAlert>& firing);

// What the incident keeps of a created silence: its action's revertData.
struct SilenceRecord {
    std::string alertmanager;
    std::string silenceId;
    std::string ns;
    std::string workload; // "Deployment/checkout"
    std::vector<SilenceMatcher> matchers;
    std::int64_t startsAtMs = 0;
    std::int64_t endsAtMs = 0;
    std::string comment;
    nlohmann::json toJson() const;
    static Result<SilenceRecord> fromJson(const nlohmann::json& j);
};

// The action target of a workload: "deployment/checkout" (incident::deploymentTarget's form).
std::string workloadTarget(const kube::WorkloadRef& workload);

std::string recordSilence(
    incident::IncidentDocument& doc, const SilenceRecord& record, const std::string& amtool, std::int64_t nowMs);

// Runs `edit` on the incident at `path` under its lock and saves; the file must exist.
Status editIncidentFile(const QString& path, const std::function<Status(incident::IncidentDocument&)>& edit);

// Expires the silence of a "silence-alerts" action: reads it first; one that already ended says so
// (`alreadyExpired`) and is not touched; otherwise DELETE, then read back to check it is expired.
struct ExpiredSilence {
    bool alreadyExpired = false;
    std::int64_t endedMs = 0; // when it ended (before, or now)
    std::string summary; // one sentence for the user and the journal
};
void expireSilence(AlertmanagerClient& client, const SilenceRecord& record, QObject* context,
    std::function<void(Result<ExpiredSilence>)> done);

} // namespace leakdesk::alerts
