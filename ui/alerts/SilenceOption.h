#pragma once
// "While the mitigation rolls out, silence this workload's memory alerts for [2 h]": the option the
// mitigation panel shows (MitigationPanel::setSilenceOption). Its preview goes into the panel's one
// confirmation; after the apply it creates the silence (the incident's id in the comment) and
// journals it in the incident as action "silence-alerts"; when the panel reverts the mitigation, it
// expires the silence (and says so when it had already expired). Inert without an Alertmanager.

#include "core/alerts/AlertIncident.h"
#include "core/alerts/AlertmanagerClient.h"
#include "core/alerts/MemoryAlerts.h"

#include <QPointer>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;

namespace leakdesk::ui {

class IncidentSession;

class SilenceOption : public QWidget {
    Q_OBJECT
public:
    explicit SilenceOption(QWidget* parent = nullptr);

    // The Alertmanager to write to (not owned; null hides the option) and the incident to journal in.
    void setAlertmanager(alerts::AlertmanagerClient* client);
    void setIncident(IncidentSession* incident) { m_incident = incident; }

    bool wanted() const; // available and ticked
    std::int64_t durationMs() const;
    // The silence a confirmation must show, for `workload` in `ns`.
    alerts::SilencePlan plan(const std::string& ns, const kube::WorkloadRef& workload, const std::string& why) const;
    QString previewText(const alerts::SilencePlan& plan) const;
    // Creates the silence of `plan` and journals it; `done` gets the incident's action id or the error.
    void create(const alerts::SilencePlan& plan, std::function<void(Result<std::string>)> done);
    // Expires the applied silence of `workload` in the incident, if any; `done` gets what happened
    // (empty when there was none).
    void expireFor(const kube::WorkloadRef& workload, std::function<void(Result<QString>)> done);

    QCheckBox* checkBox() const { return m_check; }
    QComboBox* durationBox() const { return m_duration; }

private:
    QCheckBox* m_check = nullptr;
    QComboBox* m_duration = nullptr;
    QPointer<alerts::AlertmanagerClient> m_client;
    QPointer<IncidentSession> m_incident;
};

} // namespace leakdesk::ui
