#include "ui/actions/UndoStopgapsBox.h"

#include "core/incident/IncidentRecording.h"
#include "ui/incident/IncidentSession.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>

namespace leakdesk::ui {

namespace {

QString s(const std::string& text)
{
    return QString::fromStdString(text);
}

} // namespace

UndoStopgapsBox::UndoStopgapsBox(QWidget* parent)
    : QWidget(parent)
    , m_button(new QPushButton(tr("Undo stopgaps…"), this))
    , m_status(new QLabel(this))
{
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_button);
    layout->addWidget(m_status, 1);
    m_status->setWordWrap(true);
    m_button->setObjectName(QStringLiteral("undoStopgaps"));
    m_confirm = [this](const QString& title, const QString& text) {
        return QMessageBox::question(this, title, text, QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel)
            == QMessageBox::Yes;
    };
    connect(m_button, &QPushButton::clicked, this, &UndoStopgapsBox::undoStopgaps);
    updateButton();
}

UndoStopgapsBox::~UndoStopgapsBox() = default;

void UndoStopgapsBox::setCluster(kube::KubeClient* client)
{
    if (m_running)
        return;
    m_client = client;
    m_undo.reset();
    updateButton();
}

void UndoStopgapsBox::setIncident(IncidentSession* session)
{
    m_incident = session;
    if (m_incident)
        connect(
            m_incident, &IncidentSession::documentChanged, this, &UndoStopgapsBox::updateButton, Qt::UniqueConnection);
    updateButton();
}

void UndoStopgapsBox::setFixVerified(bool fixed, const QString& evidence)
{
    m_fixed = fixed;
    m_evidence = evidence;
    updateButton();
}

bool UndoStopgapsBox::canUndo() const
{
    return m_button->isEnabled();
}

QString UndoStopgapsBox::statusText() const
{
    return m_status->text();
}

void UndoStopgapsBox::setStatus(const QString& text)
{
    m_status->setText(text);
}

void UndoStopgapsBox::updateButton()
{
    const auto doc = m_incident ? m_incident->document() : nullptr;
    const std::size_t applied = doc ? handover::incidentStopgaps(*doc).inEffect.size() : 0;
    QString why;
    if (!m_fixed)
        why = tr("Verify the fix first: the stopgaps are what keeps the service up until it holds");
    else if (!m_client)
        why = tr("Not connected to the cluster");
    else if (applied == 0)
        why = tr("No stopgap of this incident is applied");
    m_button->setEnabled(why.isEmpty() && !m_running);
    m_button->setToolTip(why.isEmpty()
            ? tr("Undo %n stopgap(s) of this incident, in order. Fixed: %1", nullptr, int(applied)).arg(m_evidence)
            : why);
}

void UndoStopgapsBox::undoStopgaps()
{
    if (!canUndo() || !m_incident || !m_incident->document())
        return;
    m_running = true;
    updateButton();
    setStatus(tr("Checking each stopgap against the cluster…"));
    m_undo = std::make_unique<handover::StopgapUndo>(*m_client, m_options);
    const incident::IncidentDocument doc = *m_incident->document();
    m_undo->check(doc, [this, doc](std::vector<handover::StopgapCheck> checks) {
        QStringList lines;
        int toUndo = 0;
        for (const auto& c : checks) {
            const QString what = tr("%1 on %2 in %3 (%4)")
                                     .arg(s(handover::stopgapKindName(c.stopgap.kind)), s(c.stopgap.target),
                                         s(c.stopgap.ns), s(c.stopgap.actionId));
            if (c.state == handover::StopgapState::InEffect) {
                ++toUndo;
                lines << QStringLiteral("• ") + what;
                for (const auto& p : c.preview)
                    lines << QStringLiteral("    ") + s(p);
                lines << QStringLiteral("    ") + s(c.kubectl);
            } else {
                lines << QStringLiteral("• ") + what + QStringLiteral(": ") + s(handover::stopgapStateName(c.state))
                        + QStringLiteral(" — ") + s(c.why);
            }
        }
        QStringList order;
        for (const auto& o : handover::stopgapUndoOrder())
            order << s(o);
        const QString text = tr("Changes (server-side dry run):\n%1\n\nOrder:\n%2")
                                 .arg(lines.join(QLatin1Char('\n')), order.join(QLatin1Char('\n')));
        if (toUndo > 0 && !m_confirm(tr("Undo %n stopgap(s)?", nullptr, toUndo), text)) {
            m_running = false;
            setStatus(tr("Cancelled; nothing was changed."));
            updateButton();
            return;
        }
        setStatus(tr("Undoing…"));
        m_undo->undo(
            doc, checks,
            [this](const handover::StopgapOutcome& o) {
                m_incident->modify([&](incident::IncidentDocument& d) {
                    handover::recordStopgapOutcome(d, o, incident::currentTimeMs());
                });
                setStatus(
                    tr("%1 %2: %3")
                        .arg(s(o.check.stopgap.actionId), s(handover::stopgapResultName(o.result)), s(o.message)));
            },
            [this](std::vector<handover::StopgapOutcome> outcomes) {
                using R = handover::StopgapOutcome::Result;
                bool all = true;
                QStringList summary;
                for (const auto& o : outcomes) {
                    all = all && (o.result == R::Undone || o.result == R::AlreadyGone);
                    summary << tr("%1 %2").arg(s(o.check.stopgap.actionId), s(handover::stopgapResultName(o.result)));
                }
                m_running = false;
                setStatus(
                    (all ? tr("Stopgaps undone: ") : tr("Not all undone: ")) + summary.join(QStringLiteral(", ")));
                updateButton();
                Q_EMIT finished(all);
            });
    });
}

} // namespace leakdesk::ui
