#include "ui/alerts/SilenceOption.h"

#include "core/common/ActionKinds.h"
#include "core/incident/ActionJournal.h"
#include "core/incident/IncidentRecording.h"
#include "ui/incident/IncidentSession.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>

namespace leakdesk::ui {

namespace {
QString q(const std::string& s)
{
    return QString::fromStdString(s);
}
} // namespace

SilenceOption::SilenceOption(QWidget* parent)
    : QWidget(parent)
    , m_check(new QCheckBox(tr("While it rolls out, silence this workload's memory alerts for"), this))
    , m_duration(new QComboBox(this))
{
    setObjectName(QStringLiteral("silenceOption"));
    m_check->setObjectName(QStringLiteral("silenceCheck"));
    m_duration->setObjectName(QStringLiteral("silenceDuration"));
    for (const auto& [text, hours] : { std::pair { tr("30 min"), 0.5 }, { tr("1 h"), 1.0 }, { tr("2 h"), 2.0 },
             { tr("4 h"), 4.0 }, { tr("8 h"), 8.0 } })
        m_duration->addItem(text, qint64(hours * 3600 * 1000));
    m_duration->setCurrentIndex(2);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_check);
    layout->addWidget(m_duration);
    layout->addStretch(1);
    setVisible(false);
}

void SilenceOption::setAlertmanager(alerts::AlertmanagerClient* client)
{
    m_client = client;
    setVisible(client != nullptr);
}

bool SilenceOption::wanted() const
{
    return m_client && m_check->isChecked();
}

std::int64_t SilenceOption::durationMs() const
{
    return m_duration->currentData().toLongLong();
}

alerts::SilencePlan SilenceOption::plan(
    const std::string& ns, const kube::WorkloadRef& workload, const std::string& why) const
{
    const std::string incidentId
        = m_incident && m_incident->document() ? m_incident->document()->id : std::string("(none)");
    const QString user = qEnvironmentVariable("USER");
    return alerts::planWorkloadSilence(m_client ? m_client->baseUrl() : std::string(), ns, workload,
        alerts::MemoryAlertMatcher::defaults(), durationMs(), incidentId, why,
        "leakdesk" + (user.isEmpty() ? std::string() : " (" + user.toStdString() + ")"),
        QDateTime::currentMSecsSinceEpoch(), {});
}

QString SilenceOption::previewText(const alerts::SilencePlan& plan) const
{
    QString text = tr("\n\nAlso silences the memory alerts of %1 in Alertmanager %2 until %3:")
                       .arg(q(plan.workload.text()), q(plan.alertmanager),
                           q(alerts::formatAlertmanagerTime(plan.silence.endsAtMs)));
    for (const auto& m : plan.silence.matchers)
        text += QStringLiteral("\n  ") + q(m.text());
    text += tr("\nComment: %1\nEquivalent command:\n%2").arg(q(plan.silence.comment), q(plan.amtool));
    return text;
}

void SilenceOption::create(const alerts::SilencePlan& plan, std::function<void(Result<std::string>)> done)
{
    if (!m_client)
        return done(makeError(ErrorCode::InvalidArgument, "no Alertmanager to silence the alerts in"));
    alerts::Silence silence = plan.silence;
    const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
    silence.endsAtMs = now + (silence.endsAtMs - silence.startsAtMs);
    silence.startsAtMs = now;
    m_client->createSilence(silence, this, [this, plan, silence, done](Result<std::string> id) {
        if (!id)
            return done(id.error());
        alerts::SilenceRecord record { plan.alertmanager, *id, plan.ns, plan.workload.text(), silence.matchers,
            silence.startsAtMs, silence.endsAtMs, silence.comment };
        std::string actionId;
        if (m_incident)
            m_incident->modify([&](incident::IncidentDocument& doc) {
                actionId = alerts::recordSilence(doc, record, plan.amtool, incident::currentTimeMs());
            });
        done(actionId);
    });
}

void SilenceOption::expireFor(const kube::WorkloadRef& workload, std::function<void(Result<QString>)> done)
{
    if (!m_client || !m_incident || !m_incident->document())
        return done(QString());
    const auto* action = incident::lastAppliedAction(
        *m_incident->document(), actionkind::kSilenceAlerts, alerts::workloadTarget(workload));
    if (!action)
        return done(QString());
    auto record = alerts::SilenceRecord::fromJson(action->revertData);
    if (!record)
        return done(record.error());
    const std::string actionId = action->id;
    alerts::expireSilence(*m_client, *record, this, [this, actionId, done](Result<alerts::ExpiredSilence> expired) {
        if (!expired)
            return done(expired.error());
        if (m_incident)
            m_incident->modify([&](incident::IncidentDocument& doc) {
                (void)incident::recordActionState(
                    doc, actionId, incident::ActionState::Reverted, expired->summary, incident::currentTimeMs());
            });
        done(q(expired->summary));
    });
}

} // namespace leakdesk::ui
