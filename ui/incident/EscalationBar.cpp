#include "ui/incident/EscalationBar.h"

#include "core/incident/IncidentRecording.h"
#include "ui/incident/IncidentSession.h"
#include "core/investigation/Findings.h"

#include <QApplication>
#include <QClipboard>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

namespace leakdesk::ui {

namespace {

QString duration(std::int64_t ms)
{
    const std::int64_t minutes = std::max<std::int64_t>(0, ms / 60000);
    return minutes >= 60 ? QObject::tr("%1 h %2 min").arg(minutes / 60).arg(minutes % 60, 2, 10, QLatin1Char('0'))
                         : QObject::tr("%1 min").arg(minutes);
}

QWidget* banner(QWidget* parent, const char* background, const char* border)
{
    auto* box = new QWidget(parent);
    box->setAttribute(Qt::WA_StyledBackground);
    box->setObjectName(QStringLiteral("banner"));
    box->setStyleSheet(QStringLiteral("#banner { background:%1; border-left: 4px solid %2; }")
                           .arg(QLatin1String(background), QLatin1String(border)));
    return box;
}

} // namespace

EscalationBar::EscalationBar(QWidget* parent)
    : QWidget(parent)
    , m_now([] { return incident::currentTimeMs(); })
    , m_status(new QLabel(this))
    , m_timer(new QTimer(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 2, 8, 2);
    layout->setSpacing(2);
    m_status->setTextFormat(Qt::RichText);
    layout->addWidget(m_status);

    m_proposalBox = banner(this, "#fce8e6", "#c5221f");
    auto* pl = new QHBoxLayout(m_proposalBox);
    m_proposalLabel = new QLabel(m_proposalBox);
    m_proposalLabel->setWordWrap(true);
    m_proposalLabel->setTextFormat(Qt::RichText);
    m_escalateButton = new QPushButton(m_proposalBox);
    auto* dismiss = new QPushButton(tr("Not now"), m_proposalBox);
    pl->addWidget(m_proposalLabel, 1);
    pl->addWidget(m_escalateButton);
    pl->addWidget(dismiss);
    layout->addWidget(m_proposalBox);
    connect(m_escalateButton, &QPushButton::clicked, this, &EscalationBar::escalate);
    connect(dismiss, &QPushButton::clicked, this, &EscalationBar::dismissProposal);

    m_ownerBox = banner(this, "#fef7e0", "#e37400");
    auto* ol = new QHBoxLayout(m_ownerBox);
    m_ownerLabel = new QLabel(m_ownerBox);
    m_ownerLabel->setWordWrap(true);
    m_ownerLabel->setTextFormat(Qt::RichText);
    auto* copy = new QPushButton(tr("Copy message"), m_ownerBox);
    auto* contacted = new QPushButton(tr("Owner contacted"), m_ownerBox);
    ol->addWidget(m_ownerLabel, 1);
    ol->addWidget(copy);
    ol->addWidget(contacted);
    layout->addWidget(m_ownerBox);
    connect(copy, &QPushButton::clicked, this, &EscalationBar::copyOwnerMessage);
    connect(contacted, &QPushButton::clicked, this, &EscalationBar::markOwnerContacted);

    m_confirm = [this](const QString& title, const QString& text) {
        QMessageBox box(QMessageBox::Warning, title, text, QMessageBox::Yes | QMessageBox::Cancel, window());
        box.setDefaultButton(QMessageBox::Cancel);
        box.button(QMessageBox::Yes)->setText(title);
        return box.exec() == QMessageBox::Yes;
    };
    m_askReason = [this](const QString& title, const QString& prompt) -> std::optional<QString> {
        bool ok = false;
        const QString text = QInputDialog::getText(window(), title, prompt, QLineEdit::Normal, {}, &ok);
        return ok ? std::optional<QString>(text.trimmed()) : std::nullopt;
    };
    m_timer->setInterval(30 * 1000);
    connect(m_timer, &QTimer::timeout, this, &EscalationBar::refresh);
    m_timer->start();
    refresh();
}

void EscalationBar::setSession(IncidentSession* session)
{
    m_session = session;
    connect(session, &IncidentSession::documentChanged, this, &EscalationBar::refresh);
    connect(session, &IncidentSession::closed, this, &EscalationBar::refresh);
    refresh();
}

void EscalationBar::setParameters(const runbook::RunbookParameters& parameters)
{
    m_params = parameters;
    refresh();
}

void EscalationBar::setEvidence(
    std::shared_ptr<const investigation::Findings> findings, std::optional<investigation::ServiceContext> context)
{
    // The proposal is about the incident's service: looking at another service does not take it
    // away (nor propose for the other one).
    const auto doc = m_session ? m_session->document() : nullptr;
    if (findings && doc && !doc->service.empty() && findings->request.service != doc->service)
        return;
    m_findings = std::move(findings);
    m_context = std::move(context);
    refresh();
}

void EscalationBar::setClock(std::function<std::int64_t()> nowMs)
{
    m_now = std::move(nowMs);
    refresh();
}

bool EscalationBar::proposalDismissed(const incident::IncidentDocument& doc) const
{
    // The latest decision on a proposal, read from the incident so that it holds after reopening:
    // "Not now" stands until more OOM kills are seen than when it was said.
    for (auto it = doc.escalations.rbegin(); it != doc.escalations.rend(); ++it) {
        if (it->kind == "severity-changed")
            return false;
        if (it->kind == "severity-proposal-dismissed")
            return !m_findings || m_findings->oom.maxInAnyWindow <= it->oomKillsSeen || it->oomKillsSeen < 0;
    }
    return false;
}

QString EscalationBar::whomToPage() const
{
    if (m_context && m_context->owner)
        return tr("Page %1 (from the workload's %2).")
            .arg(QString::fromStdString(m_context->owner->owner), QString::fromStdString(m_context->owner->source));
    return tr("The workload names no owner (no owner or team annotation): page your on-call rotation for it.");
}

bool EscalationBar::leakSourceIdentified(const incident::IncidentDocument& doc) const
{
    // A heap analysis that named a suspect, or runbook step 4 (common leak sources) marked done.
    for (const auto& d : doc.heapDumps)
        if (!d.suspects.empty())
            return true;
    for (const auto& s : doc.runbook.steps)
        if (s.state == incident::StepState::Done && s.title.find("Leak Source") != std::string::npos)
            return true;
    return false;
}

void EscalationBar::refresh()
{
    auto doc = m_session ? m_session->document() : nullptr;
    const std::int64_t now = m_now();
    if (!doc) {
        m_status->setText(tr("No incident yet: it starts with the first finding."));
        m_proposalBox->hide();
        m_ownerBox->hide();
        return;
    }
    const std::string severity
        = doc->currentSeverity().empty() ? "P" + std::to_string(m_params.initialSeverity) : doc->currentSeverity();
    const std::int64_t age = now - doc->createdMs;
    const std::int64_t ownerAfter = m_params.escalateOwnerAfterMs;
    const bool identified = leakSourceIdentified(*doc);
    bool contacted = false;
    for (const auto& e : doc->escalations)
        contacted = contacted || e.kind == "owner-contacted";
    QString ownerRule;
    if (identified)
        ownerRule = tr("leak source identified");
    else if (contacted)
        ownerRule = tr("owner pulled in");
    else if (age < ownerAfter)
        ownerRule = tr("owner rule in %1").arg(duration(ownerAfter - age));
    else
        ownerRule = tr("<b>owner rule due</b>");
    const QString sevColour = severity == "P1" ? QStringLiteral("#c5221f") : QStringLiteral("#e37400");
    m_status->setText(tr("<span style='color:%1'><b>%2</b></span> · incident open %3 · %4")
                          .arg(sevColour, QString::fromStdString(severity), duration(age), ownerRule));

    // P1 proposal.
    m_proposal = {};
    if (m_findings && m_context)
        m_proposal = investigation::assessSeverity(*m_findings, m_context->exposure, severity, m_params);
    const QString service = m_findings ? QString::fromStdString(m_findings->request.service) : QString();
    const bool dismissed = proposalDismissed(*doc);
    if (m_proposal.propose && !dismissed) {
        QString text = QStringLiteral("<b>%1</b><ul style='margin:0'>")
                           .arg(QString::fromStdString(m_proposal.headline).toHtmlEscaped());
        for (const auto& e : m_proposal.evidence)
            text += QStringLiteral("<li>%1</li>").arg(QString::fromStdString(e).toHtmlEscaped());
        m_proposalLabel->setText(text + QStringLiteral("</ul>"));
        m_escalateButton->setText(tr("Escalate to %1").arg(QString::fromStdString(m_proposal.to)));
        m_proposalBox->show();
    } else {
        m_proposalBox->hide();
    }

    // Owner after 2 hours without a leak source.
    if (!identified && !contacted && age >= ownerAfter) {
        const std::string svc = doc->service.empty() ? service.toStdString() : doc->service;
        QString who;
        if (m_context && m_context->owner) {
            who = tr("pull in <b>%1</b> (from the Deployment's %2)")
                      .arg(QString::fromStdString(m_context->owner->owner).toHtmlEscaped(),
                          QString::fromStdString(m_context->owner->source));
            m_ownerMessage = QString::fromStdString(investigation::ownerMessage(*m_context->owner, svc, doc->ns,
                severity, doc->createdMs, now, m_findings ? m_findings->verdict.summary : std::string()));
        } else {
            who = tr("pull in the service owner (the Deployment names none: add an <code>owner</code> annotation)");
            m_ownerMessage = QString::fromStdString(investigation::ownerMessage({ "service owner", {} }, svc, doc->ns,
                severity, doc->createdMs, now, m_findings ? m_findings->verdict.summary : std::string()));
        }
        m_ownerLabel->setText(
            tr("<b>%1 without an identified leak source</b>: the runbook says %2.").arg(duration(age), who));
        m_ownerBox->show();
        // Journaled once, when the rule first fires.
        bool journaled = false;
        for (const auto& e : doc->escalations)
            journaled = journaled || e.kind == "owner-timer";
        if (!journaled && m_session) {
            incident::EscalationEvent ev;
            ev.kind = "owner-timer";
            ev.summary = "2-hour rule: leak source not identified, pull in the owner";
            ev.owner = m_context && m_context->owner ? m_context->owner->owner : std::string();
            ev.detail = m_ownerMessage.toStdString();
            m_session->modify([&](incident::IncidentDocument& d) { incident::recordEscalation(d, ev, now); });
            return; // modify() refreshes again
        }
    } else {
        m_ownerBox->hide();
    }
}

void EscalationBar::changeSeverity(const std::string& from, const std::string& to, const std::string& headline,
    const std::vector<std::string>& evidence, const std::string& why, const QString& reason)
{
    QString text = tr("Change the incident's severity from %1 to %2?")
                       .arg(QString::fromStdString(from), QString::fromStdString(to));
    if (!headline.empty())
        text += QStringLiteral("\n\n") + QString::fromStdString(headline);
    for (const auto& e : evidence)
        text += QStringLiteral("\n• ") + QString::fromStdString(e);
    if (!reason.isEmpty())
        text += QStringLiteral("\n\n") + tr("Reason: %1").arg(reason);
    text += QStringLiteral("\n\n") + whomToPage() + QLatin1Char(' ')
        + tr("LeakDesk records the change in the incident; it pages nobody itself.");
    if (!m_confirm(tr("Escalate to %1").arg(QString::fromStdString(to)), text))
        return;
    const std::int64_t now = m_now();
    const std::string owner = m_context && m_context->owner ? m_context->owner->owner : std::string();
    m_session->modify([&](incident::IncidentDocument& doc) {
        incident::recordSeverityChange(doc, to, why.empty() ? reason.toStdString() : why, now);
        incident::EscalationEvent ev;
        ev.kind = "severity-changed";
        ev.summary = from + " -> " + to + (headline.empty() ? std::string() : ": " + headline);
        for (const auto& e : evidence)
            ev.detail += (ev.detail.empty() ? "" : "\n") + e;
        ev.owner = owner;
        ev.reason = reason.toStdString();
        ev.oomKillsSeen = m_findings ? m_findings->oom.maxInAnyWindow : -1;
        incident::recordEscalation(doc, ev, now);
    });
}

void EscalationBar::escalate()
{
    if (!m_session || !m_proposal.propose)
        return;
    const auto p = m_proposal;
    changeSeverity(p.from, p.to, p.headline, p.evidence, p.why, {});
}

void EscalationBar::escalateManually()
{
    if (!m_session)
        return;
    if (isProposingEscalation()) { // the banner's own button, with its evidence
        escalate();
        return;
    }
    auto doc = m_session->document();
    if (!doc) {
        QMessageBox::information(window(), tr("Escalate"), tr("No incident yet: it starts with the first finding."));
        return;
    }
    const std::string from
        = doc->currentSeverity().empty() ? "P" + std::to_string(m_params.initialSeverity) : doc->currentSeverity();
    int level = from.size() > 1 && from[0] == 'P' ? std::atoi(from.c_str() + 1) : m_params.initialSeverity;
    if (level <= 1) {
        QMessageBox::information(
            window(), tr("Escalate"), tr("The incident is already %1.").arg(QString::fromStdString(from)));
        return;
    }
    const std::string to = "P" + std::to_string(level - 1);
    const auto reason = m_askReason(tr("Escalate to %1").arg(QString::fromStdString(to)),
        tr("Why escalate from %1 to %2? (goes into the incident)")
            .arg(QString::fromStdString(from), QString::fromStdString(to)));
    if (!reason || reason->isEmpty())
        return;
    // A proposal dismissed earlier still brings its evidence along.
    if (m_proposal.propose && m_proposal.to == to)
        changeSeverity(from, to, m_proposal.headline, m_proposal.evidence, m_proposal.why, *reason);
    else
        changeSeverity(from, to, {}, {}, {}, *reason);
}

void EscalationBar::dismissProposal()
{
    if (!m_findings || !m_session || !m_proposal.propose)
        return;
    const auto reason = m_askReason(tr("Not now"),
        tr("Why not escalate to %1 now? (goes into the incident; the proposal returns if more OOM kills follow)")
            .arg(QString::fromStdString(m_proposal.to)));
    if (!reason)
        return;
    incident::EscalationEvent ev;
    ev.kind = "severity-proposal-dismissed";
    ev.summary
        = "Escalation of " + m_findings->request.service + " to " + m_proposal.to + " proposed and not taken (for now)";
    for (const auto& e : m_proposal.evidence)
        ev.detail += (ev.detail.empty() ? "" : "\n") + e;
    ev.reason = reason->isEmpty() ? std::string("none given") : reason->toStdString();
    ev.oomKillsSeen = m_findings->oom.maxInAnyWindow;
    const std::int64_t now = m_now();
    m_session->modify([&](incident::IncidentDocument& doc) { incident::recordEscalation(doc, ev, now); });
    refresh();
}

void EscalationBar::markOwnerContacted()
{
    if (!m_session)
        return;
    incident::EscalationEvent ev;
    ev.kind = "owner-contacted";
    ev.owner = m_context && m_context->owner ? m_context->owner->owner : std::string();
    ev.summary = "Owner pulled in" + (ev.owner.empty() ? std::string() : ": " + ev.owner);
    ev.detail = m_ownerMessage.toStdString();
    const std::int64_t now = m_now();
    m_session->modify([&](incident::IncidentDocument& doc) { incident::recordEscalation(doc, ev, now); });
}

void EscalationBar::copyOwnerMessage()
{
    QApplication::clipboard()->setText(m_ownerMessage);
}

bool EscalationBar::isProposingEscalation() const
{
    return !m_proposalBox->isHidden();
}
bool EscalationBar::isAskingForOwner() const
{
    return !m_ownerBox->isHidden();
}
QString EscalationBar::statusText() const
{
    return m_status->text();
}
QString EscalationBar::proposalText() const
{
    return m_proposalLabel->text();
}
QString EscalationBar::ownerText() const
{
    return m_ownerLabel->text();
}

} // namespace leakdesk::ui
