#pragma once
// The runbook's escalation section, live: the incident's severity and age against the 2-hour
// owner rule, a banner proposing P1 (with the evidence) when OOM kills hit a user-facing service,
// and, once 2 hours pass without an identified leak source, the owner to pull in with a message
// ready to copy. Every decision (escalate, dismiss, owner contacted) goes into the incident.

#include "incident/IncidentDocument.h"
#include "investigation/Escalation.h"
#include "runbook/Parameters.h"

#include <QWidget>

#include <functional>
#include <memory>
#include <optional>

class QLabel;
class QPushButton;
class QTimer;

namespace leakdesk::investigation {
struct Findings;
}

namespace leakdesk::ui {

class IncidentSession;

class EscalationBar : public QWidget {
    Q_OBJECT
public:
    explicit EscalationBar(QWidget* parent = nullptr);

    void setSession(IncidentSession* session);
    void setParameters(const runbook::RunbookParameters& parameters);
    // The latest findings and what the cluster says about the service (exposure, owner).
    void setEvidence(std::shared_ptr<const investigation::Findings> findings, std::optional<investigation::ServiceContext> context);
    // Tests move time; default: the wall clock.
    void setClock(std::function<std::int64_t()> nowMs);
    void refresh();

    bool isProposingEscalation() const;
    bool isAskingForOwner() const;
    QString statusText() const;
    QString proposalText() const;
    QString ownerText() const;
    QString ownerMessageText() const { return m_ownerMessage; }

public Q_SLOTS:
    void escalate();
    void dismissProposal();
    void markOwnerContacted();
    void copyOwnerMessage();

private:
    bool leakSourceIdentified(const incident::IncidentDocument& doc) const;

    IncidentSession* m_session = nullptr;
    runbook::RunbookParameters m_params;
    std::shared_ptr<const investigation::Findings> m_findings;
    std::optional<investigation::ServiceContext> m_context;
    investigation::SeverityProposal m_proposal;
    std::function<std::int64_t()> m_now;
    QString m_dismissedFor; // service whose proposal was dismissed (until its kills grow)
    int m_dismissedKills = 0;
    QString m_ownerMessage;

    QLabel* m_status;
    QWidget* m_proposalBox;
    QLabel* m_proposalLabel;
    QPushButton* m_escalateButton;
    QWidget* m_ownerBox;
    QLabel* m_ownerLabel;
    QTimer* m_timer;
};

} // namespace leakdesk::ui
