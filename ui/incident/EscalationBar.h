#pragma once
// The runbook's escalation section, live: the incident's severity and age against the 2-hour
// owner rule, a banner proposing P1 (with the evidence) when OOM kills hit a user-facing service,
// and, once 2 hours pass without an identified leak source, the owner to pull in with a message
// ready to copy. Every decision (escalate, dismiss, owner contacted) goes into the incident.

#include "core/incident/IncidentDocument.h"
#include "core/investigation/Escalation.h"
#include "core/runbook/Parameters.h"

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
    void setEvidence(
        std::shared_ptr<const investigation::Findings> findings, std::optional<investigation::ServiceContext> context);
    // Tests move time; default: the wall clock.
    void setClock(std::function<std::int64_t()> nowMs);
    // How a decision is confirmed (title, text naming the change and whom to page; default answer
    // No) and how a reason is asked (nullopt: cancelled). Default: dialogs; tests answer instead.
    using Confirmer = std::function<bool(const QString& title, const QString& text)>;
    using ReasonAsker = std::function<std::optional<QString>(const QString& title, const QString& prompt)>;
    void setConfirmer(Confirmer confirmer) { m_confirm = std::move(confirmer); }
    void setReasonAsker(ReasonAsker asker) { m_askReason = std::move(asker); }
    void refresh();

    bool isProposingEscalation() const; // the banner is shown
    bool hasProposal() const { return m_proposal.propose; } // the evidence meets the rule (shown or dismissed)
    bool isAskingForOwner() const;
    QString statusText() const;
    QString proposalText() const;
    QString ownerText() const;
    QString ownerMessageText() const { return m_ownerMessage; }

public Q_SLOTS:
    void escalate(); // takes the proposal, after a confirmation naming the change and whom to page
    void dismissProposal(); // "Not now", with a reason; journaled, and kept in the incident
    // Incident > Escalate severity…: one level up (P2 -> P1) whether or not a proposal stands,
    // with a reason and the same confirmation.
    void escalateManually();
    void markOwnerContacted();
    void copyOwnerMessage();

private:
    bool leakSourceIdentified(const incident::IncidentDocument& doc) const;
    bool proposalDismissed(const incident::IncidentDocument& doc) const;
    QString whomToPage() const;
    void changeSeverity(const std::string& from, const std::string& to, const std::string& headline,
        const std::vector<std::string>& evidence, const std::string& why, const QString& reason);

    IncidentSession* m_session = nullptr;
    runbook::RunbookParameters m_params;
    std::shared_ptr<const investigation::Findings> m_findings;
    std::optional<investigation::ServiceContext> m_context;
    investigation::SeverityProposal m_proposal;
    std::function<std::int64_t()> m_now;
    Confirmer m_confirm;
    ReasonAsker m_askReason;
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
