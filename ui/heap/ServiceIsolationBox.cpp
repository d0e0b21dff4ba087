#include "ui/heap/ServiceIsolationBox.h"

#include "core/kube/KubeClient.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

namespace leakdesk::ui {

namespace {

QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

QString joined(const std::vector<std::string>& items)
{
    QStringList out;
    for (const auto& s : items)
        out << qs(s);
    return out.join(QStringLiteral(", "));
}

QString labelsText(const actions::LabelMap& m)
{
    QStringList out;
    for (const auto& [k, v] : m)
        out << qs(k + "=" + v);
    return out.join(QLatin1Char(','));
}

QString errorText(const Error& e)
{
    return qs(e.toString());
}

} // namespace

ServiceIsolationBox::ServiceIsolationBox(kube::KubeClient& client, const QString& ns, const QString& pod, QWidget* parent)
    : QGroupBox(tr("Traffic during the dump"), parent)
    , m_isolation(client)
    , m_ns(ns)
    , m_pod(pod)
    , m_confirm([this](const QString& title, const QString& text) {
        QMessageBox box(QMessageBox::Question, title, text.section(QLatin1Char('\n'), 0, 0), QMessageBox::Cancel, this);
        box.setInformativeText(tr("This changes the pod's labels in the cluster."));
        box.setDetailedText(text);
        auto* go = box.addButton(tr("Change labels"), QMessageBox::AcceptRole);
        box.setDefaultButton(QMessageBox::Cancel);
        box.exec();
        return box.clickedButton() == go;
    })
{
    auto* layout = new QVBoxLayout(this);
    m_state = new QLabel(tr("Checking which Services send this pod requests…"), this);
    m_state->setWordWrap(true);
    m_state->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_state);
    auto* buttons = new QHBoxLayout;
    m_takeOut = new QPushButton(tr("Take out of Service first…"), this);
    m_takeOut->setToolTip(tr("Remove the label its Service selects on: no more requests reach it during the full GC, "
                             "and its ReplicaSet starts a replacement. The pod keeps running for the dump."));
    m_takeOut->setEnabled(false);
    m_putBack = new QPushButton(tr("Put back in Service"), this);
    m_putBack->setEnabled(false);
    m_putBack->setVisible(false);
    m_delete = new QPushButton(tr("Delete pod…"), this);
    m_delete->setToolTip(tr("kubectl delete pod: the leaking pod goes; its replacement already serves"));
    m_delete->setVisible(false);
    buttons->addWidget(m_takeOut);
    buttons->addWidget(m_putBack);
    buttons->addWidget(m_delete);
    buttons->addStretch(1);
    layout->addLayout(buttons);
    m_poll = new QTimer(this);
    m_poll->setInterval(1000);
    connect(m_poll, &QTimer::timeout, this, &ServiceIsolationBox::poll);
    connect(m_takeOut, &QPushButton::clicked, this, &ServiceIsolationBox::takeOut);
    connect(m_putBack, &QPushButton::clicked, this, &ServiceIsolationBox::putBack);
    connect(m_delete, &QPushButton::clicked, this, &ServiceIsolationBox::deletePod);
}

ServiceIsolationBox::~ServiceIsolationBox() = default;

void ServiceIsolationBox::setState(const QString& text, bool error)
{
    m_state->setText(text);
    m_state->setStyleSheet(error ? QStringLiteral("color: #b00020;") : QString());
}

QString ServiceIsolationBox::stateText() const
{
    return m_state->text();
}

bool ServiceIsolationBox::settled() const
{
    return m_record && m_status && (!m_record->replacementExpected || m_status->replacementReady)
        && (!m_status->endpointsKnown || !m_status->stillInEndpoints);
}

void ServiceIsolationBox::plan()
{
    m_busy = true;
    m_isolation.plan(m_ns.toStdString(), m_pod.toStdString(), [this](Result<actions::IsolationPlan> p) {
        m_busy = false;
        if (!p) {
            // Already out (marked by an earlier capture), or no Service: nothing to offer.
            setState(tr("Not offered: %1").arg(errorText(p.error())), false);
            return;
        }
        m_plan = std::move(*p);
        QString text = tr("Served by Service %1. A live dump stalls this JVM for its full GC; taking the pod out "
                          "first removes label %2")
                           .arg(joined(m_plan->services), labelsText(m_plan->remove));
        if (m_plan->replacementExpected)
            text += tr(", and %1 starts a replacement").arg(qs(m_plan->owner));
        text += QLatin1Char('.');
        if (m_plan->otherReadyPods >= 0)
            text += tr(" %n other ready pod(s) keep serving.", nullptr, m_plan->otherReadyPods);
        if (!m_plan->rbac.allowed)
            text += tr("\nYou may not patch pods here%1.").arg(m_plan->rbac.reason.empty() ? QString() : QStringLiteral(" (") + qs(m_plan->rbac.reason) + QLatin1Char(')'));
        setState(text);
        m_takeOut->setEnabled(m_plan->rbac.allowed);
        if (!m_plan->rbac.allowed)
            m_takeOut->setToolTip(tr("RBAC does not allow 'patch' on pods in %1").arg(m_ns));
    });
}

void ServiceIsolationBox::takeOut()
{
    if (!m_plan || m_record || m_busy)
        return;
    QString text = tr("Take pod %1 out of Service %2?").arg(m_pod, joined(m_plan->services));
    text += tr("\n\nRemoves label(s): %1 (marks the pod with %2=true)").arg(labelsText(m_plan->remove), qs(actions::kIsolatedLabel));
    text += tr("\nOwner: %1").arg(m_plan->owner.empty() ? tr("none") : qs(m_plan->owner));
    for (const auto& w : m_plan->warnings)
        text += QStringLiteral("\n• ") + qs(w);
    text += tr("\n\nkubectl equivalent:\n%1").arg(qs(m_plan->kubectl));
    text += tr("\n\nJournaled in the incident; \"Put back in Service\" reverts it.");
    if (!m_confirm(tr("Take %1 out of its Service?").arg(m_pod), text)) {
        setState(tr("Left in its Service; nothing was changed."));
        return;
    }
    m_busy = true;
    m_takeOut->setEnabled(false);
    setState(tr("Taking the pod out of its Service (server dry run, then the change)…"));
    m_isolation.apply(*m_plan, [this](Result<actions::IsolationRecord> r) {
        m_busy = false;
        if (!r) {
            const QString message = tr("Not taken out: %1").arg(errorText(r.error()));
            setState(message, true);
            m_plan.reset();
            Q_EMIT failed(message);
            plan(); // the pod changed since: show the current state
            return;
        }
        m_record = std::move(*r);
        const QString summary = tr("Pod %1 taken out of Service %2 (label %3 removed)")
                                    .arg(m_pod, joined(m_record->services), labelsText(m_record->removed));
        setState(summary + tr("; waiting for the replacement and the endpoints…"));
        m_takeOut->setVisible(false);
        m_putBack->setVisible(true);
        m_putBack->setEnabled(true);
        m_delete->setVisible(true);
        m_delete->setEnabled(true);
        Q_EMIT isolated(*m_record, summary);
        poll();
        m_poll->start();
    });
}

void ServiceIsolationBox::resume(const actions::IsolationRecord& record)
{
    m_plan.reset();
    m_record = record;
    m_takeOut->setVisible(false);
    m_putBack->setVisible(true);
    m_putBack->setEnabled(true);
    m_delete->setVisible(true);
    m_delete->setEnabled(true);
    setState(tr("Pod %1 is out of Service %2 since %3 (label %4 removed).")
                 .arg(m_pod, joined(record.services),
                     QDateTime::fromMSecsSinceEpoch(record.appliedMs).toString(QStringLiteral("HH:mm:ss")),
                     labelsText(record.removed)));
    poll();
    m_poll->start();
}

void ServiceIsolationBox::poll()
{
    if (!m_record || m_busy)
        return;
    m_isolation.status(*m_record, [this](Result<actions::IsolationStatus> s) {
        if (!m_record)
            return;
        if (!s) {
            setState(tr("Out of Service %1; cannot read its state: %2").arg(joined(m_record->services), errorText(s.error())), true);
            return;
        }
        m_status = *s;
        setState(tr("Out of Service %1: %2.").arg(joined(m_record->services), qs(s->toString())));
        if (settled())
            m_poll->stop();
    });
}

void ServiceIsolationBox::putBack()
{
    if (!m_record || m_busy)
        return;
    QString text = tr("Put pod %1 back in Service %2?").arg(m_pod, joined(m_record->services));
    text += tr("\n\nRestores label(s): %1").arg(labelsText(m_record->removed));
    if (m_record->replacementExpected)
        text += tr("\n%1 adopts it again and, with one pod too many, deletes one (usually the replacement).").arg(qs(m_record->owner));
    text += tr("\nOnce the dump is home, \"Delete pod\" is the other way out: its replacement serves already.");
    if (!m_confirm(tr("Put %1 back?").arg(m_pod), text))
        return;
    startEnding(tr("Putting the pod back…"));
    const actions::IsolationRecord record = *m_record;
    m_isolation.revert(record, [this, record](Result<actions::IsolationRevert> r) {
        if (!r)
            return endingFailed(tr("Not put back: %1").arg(errorText(r.error())), r.error().code,
                /*putBackStillPossible=*/r.error().code != ErrorCode::Conflict);
        ended(qs(r->message));
        Q_EMIT putBackDone(record, qs(r->message), qs(r->kubectl));
    });
}

void ServiceIsolationBox::deletePod()
{
    if (!m_record || m_busy)
        return;
    QString text = tr("Delete pod %1?").arg(m_pod);
    text += tr("\n\nIt is out of Service %1; ").arg(joined(m_record->services));
    text += m_record->replacementExpected ? tr("its replacement serves already.") : tr("nothing replaces it.");
    text += tr("\nA heap dump not yet home is lost with it.\n\nkubectl equivalent:\nkubectl delete pod %1 -n %2").arg(m_pod, m_ns);
    if (!m_confirm(tr("Delete %1?").arg(m_pod), text))
        return;
    startEnding(tr("Deleting the pod…"));
    const actions::IsolationRecord record = *m_record;
    m_isolation.deletePod(record, [this, record](Result<actions::IsolationDelete> r) {
        if (!r)
            return endingFailed(tr("Not deleted: %1").arg(errorText(r.error())), r.error().code, true);
        ended(qs(r->message));
        Q_EMIT deleted(record, qs(r->message), qs(r->kubectl));
    });
}

// Put back or delete under way: no polling, no second click.
void ServiceIsolationBox::startEnding(const QString& text)
{
    m_busy = true;
    m_poll->stop();
    m_putBack->setEnabled(false);
    m_delete->setEnabled(false);
    setState(text);
}

void ServiceIsolationBox::endingFailed(const QString& message, ErrorCode code, bool putBackStillPossible)
{
    m_busy = false;
    setState(message, true);
    // Gone: nothing to put back or delete; relabelled by someone else: not ours to put back.
    m_putBack->setEnabled(code != ErrorCode::NotFound && putBackStillPossible);
    m_delete->setEnabled(code != ErrorCode::NotFound);
    Q_EMIT failed(message);
}

void ServiceIsolationBox::ended(const QString& message)
{
    m_busy = false;
    m_record.reset();
    m_status.reset();
    m_putBack->setVisible(false);
    m_delete->setVisible(false);
    setState(message + QLatin1Char('.'));
}

} // namespace leakdesk::ui
