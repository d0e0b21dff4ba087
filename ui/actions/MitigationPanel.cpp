#include "ui/actions/MitigationPanel.h"

#include "core/actions/RevertCheck.h"
#include "core/handover/Stopgaps.h"
#include "core/kube/KubePaths.h"
#include "ui/alerts/SilenceOption.h"
#include <QDateTime>
#include <QTimer>

#include "core/common/ActionKinds.h"
#include "core/incident/ActionJournal.h"
#include "core/incident/IncidentRecording.h"
#include "ui/incident/IncidentSession.h"

#include <algorithm>

#include <QApplication>
#include <QClipboard>
#include <QFrame>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace leakdesk::ui {

namespace {

using actions::MitigationKind;

constexpr std::array kKinds { MitigationKind::RaiseMemoryLimit, MitigationKind::SetHeapLimitRestart,
    MitigationKind::RolloutRestart };

// The incident's words for the actions (ActionRecord::kind).
const char* incidentKindName(MitigationKind kind)
{
    return actions::mitigationActionKind(kind);
}

QString titleOf(MitigationKind kind)
{
    switch (kind) {
    case MitigationKind::RaiseMemoryLimit:
        return QObject::tr("Raise the memory limit");
    case MitigationKind::SetHeapLimitRestart:
        return QObject::tr("Set HEAP_LIMIT_RESTART");
    case MitigationKind::RolloutRestart:
        return QObject::tr("Rollout restart");
    }
    return {};
}

QString explanationOf(MitigationKind kind)
{
    switch (kind) {
    case MitigationKind::RaiseMemoryLimit:
        return QObject::tr("Buys time between OOM kills; the leak keeps growing.");
    case MitigationKind::SetHeapLimitRestart:
        return QObject::tr("The service restarts itself before the kernel OOM-kills it.");
    case MitigationKind::RolloutRestart:
        return QObject::tr("Fresh pods now, spec unchanged (as kubectl rollout restart).");
    }
    return {};
}

QString valuesText(const actions::MitigationValues& values)
{
    QStringList parts;
    for (const auto& [key, value] : values)
        parts << QStringLiteral("%1 = %2").arg(
            QString::fromStdString(key), value ? QString::fromStdString(*value) : QObject::tr("(not set)"));
    return parts.join(QStringLiteral(", "));
}

QString diffText(const std::vector<actions::SpecChange>& diff)
{
    QStringList lines;
    for (const auto& c : diff)
        lines << QString::fromStdString(c.toString());
    return lines.join(QLatin1Char('\n'));
}

QString errorText(const Error& e)
{
    return QString::fromStdString(e.detail.empty() ? e.message : e.message + " — " + e.detail);
}

} // namespace

MitigationPanel::MitigationPanel(QWidget* parent)
    : QWidget(parent)
    , m_confirm([this](const QString& title, const QString& text) {
        QMessageBox box(QMessageBox::Question, title, title, QMessageBox::Cancel, this);
        box.setInformativeText(tr("This changes the cluster."));
        box.setDetailedText(text);
        box.setText(text.section(QLatin1Char('\n'), 0, 0));
        auto* go = box.addButton(
            title.contains(tr("revert"), Qt::CaseInsensitive) ? tr("Revert") : tr("Apply"), QMessageBox::AcceptRole);
        box.setDefaultButton(QMessageBox::Cancel);
        box.exec();
        return box.clickedButton() == go;
    })
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_header = new QLabel(this);
    m_header->setWordWrap(true);
    layout->addWidget(m_header);
    auto* revertAllLine = new QHBoxLayout;
    m_revertAll = new QPushButton(tr("Revert all LeakDesk changes…"), this);
    m_revertAll->setToolTip(tr("Restore every field LeakDesk changed on this workload to its value from before"));
    connect(m_revertAll, &QPushButton::clicked, this, &MitigationPanel::revertAll);
    revertAllLine->addWidget(m_revertAll);
    revertAllLine->addStretch(1);
    layout->addLayout(revertAllLine);
    m_conflictBox = new QFrame(this);
    m_conflictBox->setFrameShape(QFrame::StyledPanel);
    auto* conflictLayout = new QVBoxLayout(m_conflictBox);
    m_conflict = new QLabel(m_conflictBox);
    m_conflict->setObjectName(QStringLiteral("revert-conflict"));
    m_conflict->setWordWrap(true);
    m_conflict->setTextFormat(Qt::RichText);
    m_conflict->setTextInteractionFlags(Qt::TextSelectableByMouse);
    conflictLayout->addWidget(m_conflict);
    m_partialRevert = new QPushButton(tr("Revert only what is still as LeakDesk left it…"), m_conflictBox);
    m_partialRevert->setToolTip(
        tr("Restore LeakDesk's other changes on this workload; fields someone else changed stay as they are"));
    connect(m_partialRevert, &QPushButton::clicked, this, &MitigationPanel::revertAll);
    auto* partialLine = new QHBoxLayout;
    partialLine->addWidget(m_partialRevert);
    partialLine->addStretch(1);
    conflictLayout->addLayout(partialLine);
    m_conflictBox->hide();
    layout->addWidget(m_conflictBox);
    for (auto kind : kKinds)
        layout->addWidget(buildRow(kind));
    layout->addStretch(1);
    setTarget(nullptr, {}, {}, std::nullopt, {});
}

MitigationPanel::~MitigationPanel() = default;

QWidget* MitigationPanel::buildRow(Kind kind)
{
    Row& r = row(kind);
    auto* box = new QFrame(this);
    box->setFrameShape(QFrame::StyledPanel);
    box->setObjectName(QStringLiteral("mitigation-%1").arg(QString::fromLatin1(actions::mitigationKindName(kind))));
    auto* grid = new QGridLayout(box);
    r.title = new QLabel(
        QStringLiteral("<b>%1</b> — %2").arg(titleOf(kind).toHtmlEscaped(), explanationOf(kind).toHtmlEscaped()), box);
    r.values = new QLabel(box);
    r.values->setWordWrap(true);
    r.rbac = new QLabel(box);
    r.rbac->setWordWrap(true);
    r.warnings = new QLabel(box);
    r.warnings->setWordWrap(true);
    r.warnings->setStyleSheet(QStringLiteral("color:#b06000"));
    r.kubectl = new QLineEdit(box);
    r.kubectl->setReadOnly(true);
    r.kubectl->setStyleSheet(QStringLiteral("font-family: monospace"));
    auto* copy = new QPushButton(tr("Copy"), box);
    connect(copy, &QPushButton::clicked, this, [&r] { QApplication::clipboard()->setText(r.kubectl->text()); });
    r.managedBy = new QLabel(box);
    r.managedBy->setWordWrap(true);
    r.managedBy->setObjectName(QStringLiteral("managed-by"));
    // The change as it belongs in Git (a strategic merge patch; Helm values for a chart), next to
    // Apply: an object that Argo CD or Flux syncs keeps only what Git says.
    r.snippet = new QPlainTextEdit(box);
    r.snippet->setReadOnly(true);
    r.snippet->setObjectName(QStringLiteral("git-snippet"));
    r.snippet->setStyleSheet(QStringLiteral("font-family: monospace"));
    r.snippet->setMaximumHeight(110);
    r.snippet->setToolTip(tr("The same change for Git: a strategic merge patch, and Helm values for a chart"));
    auto* copySnippet = new QPushButton(tr("Copy for Git"), box);
    connect(copySnippet, &QPushButton::clicked, this,
        [&r] { QApplication::clipboard()->setText(r.snippet->toPlainText()); });
    r.applyButton = new QPushButton(tr("Dry run && apply…"), box);
    r.revertButton = new QPushButton(tr("Revert"), box);
    r.status = new QLabel(box);
    r.status->setWordWrap(true);
    connect(r.applyButton, &QPushButton::clicked, this, [this, kind] { apply(kind); });
    connect(r.revertButton, &QPushButton::clicked, this, [this, kind] { revert(kind); });

    grid->addWidget(r.title, 0, 0, 1, 4);
    int line = 1;
    if (kind != MitigationKind::RolloutRestart) {
        r.value = new QLineEdit(box);
        r.value->setMaximumWidth(120);
        r.value->setPlaceholderText(
            kind == MitigationKind::RaiseMemoryLimit ? QStringLiteral("4Gi") : QStringLiteral("3584m"));
        grid->addWidget(new QLabel(tr("New value:"), box), line, 0);
        grid->addWidget(r.value, line, 1);
        connect(r.value, &QLineEdit::textEdited, this, [this, kind] { row(kind).userEdited = true; });
        // A changed value re-plans (warnings, kubectl command); the heap threshold follows the limit.
        connect(r.value, &QLineEdit::editingFinished, this, [this, kind] {
            planRow(kind);
            if (kind == MitigationKind::RaiseMemoryLimit)
                planRow(MitigationKind::SetHeapLimitRestart);
        });
    }
    grid->addWidget(r.values, line, 2, 1, 2);
    ++line;
    grid->addWidget(r.kubectl, line, 0, 1, 3);
    grid->addWidget(copy, line, 3);
    ++line;
    grid->addWidget(r.rbac, line, 0, 1, 4);
    ++line;
    grid->addWidget(r.warnings, line, 0, 1, 4);
    ++line;
    grid->addWidget(r.managedBy, line, 0, 1, 4);
    ++line;
    grid->addWidget(r.snippet, line, 0, 1, 3);
    grid->addWidget(copySnippet, line, 3, Qt::AlignTop);
    ++line;
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(r.applyButton);
    buttons->addWidget(r.revertButton);
    buttons->addWidget(r.status, 1);
    grid->addLayout(buttons, line, 0, 1, 4);
    grid->setColumnStretch(2, 1);
    return box;
}

void MitigationPanel::setTarget(kube::KubeClient* client, const QString& ns, const QString& deployment,
    std::optional<std::int64_t> observedPeakBytes, const runbook::RunbookParameters& parameters)
{
    setWorkload(
        client, ns, { kube::WorkloadKind::Deployment, deployment.toStdString() }, observedPeakBytes, parameters);
}

void MitigationPanel::setWorkload(kube::KubeClient* client, const QString& ns, const actions::WorkloadTarget& workload,
    std::optional<std::int64_t> observedPeakBytes, const runbook::RunbookParameters& parameters)
{
    const bool same = client == m_client && ns == m_ns && workload == m_workload;
    m_client = client;
    m_ns = ns;
    m_workload = workload;
    m_peak = observedPeakBytes;
    m_parameters = parameters;
    for (auto kind : kKinds) {
        Row& r = row(kind);
        if (r.mitigation)
            r.mitigation->cancel(); // its answers are for the older target: they are dropped
        r.applying = false;
        if (!same) {
            if (r.rollout)
                r.rollout->cancel();
            r.rollout.reset();
            r.mitigation = client ? actions::Mitigation::create(kind, *client) : nullptr;
            r.plan.reset();
            r.userEdited = false;
            if (r.value)
                r.value->clear();
            r.status->clear();
        }
    }
    if (!same) {
        if (m_reverter)
            m_reverter->cancel();
        m_reverter = client ? std::make_unique<actions::MitigationRevert>(*client) : nullptr;
        hideConflict();
    }
    if (!client || workload.name.empty()) {
        m_header->setText(tr("Choose a service to see what can be done to it."));
        for (auto kind : kKinds) {
            row(kind).applyButton->setEnabled(false);
            row(kind).revertButton->setEnabled(false);
        }
        m_revertAll->setEnabled(false);
        m_revertAll->setVisible(false);
        return;
    }
    m_header->setText(tr("Mitigations for <b>%1</b> in <b>%2</b>. Each one is checked against RBAC and "
                         "dry-run on the server first; nothing changes without your confirmation, and every change "
                         "is journaled and can be reverted.")
                          .arg(workloadText().toHtmlEscaped(), ns.toHtmlEscaped()));
    refresh();
}

void MitigationPanel::refresh()
{
    for (auto kind : kKinds)
        planRow(kind);
    updateRevertButtons();
}

actions::MitigationRequest MitigationPanel::requestFor(Kind kind) const
{
    actions::MitigationRequest req;
    req.ns = m_ns.toStdString();
    req.workload = m_workload;
    req.runbook = m_parameters;
    req.observedPeakBytes = m_peak;
    if (const QLineEdit* edit = row(kind).value; edit && row(kind).userEdited)
        req.value = edit->text().trimmed().toStdString(); // else the runbook's default
    if (kind == MitigationKind::SetHeapLimitRestart) {
        // Derived from the limit chosen in the row above, as the runbook pairs 4Gi with 3584m.
        const Row& limits = row(MitigationKind::RaiseMemoryLimit);
        const std::string limit = limits.value && !limits.value->text().trimmed().isEmpty()
            ? limits.value->text().trimmed().toStdString()
            : (limits.plan ? limits.plan->value : std::string());
        if (!limit.empty())
            if (auto bytes = actions::parseMemoryLimit(limit))
                req.memoryLimitBytes = *bytes;
    }
    return req;
}

void MitigationPanel::planRow(Kind kind)
{
    Row& r = row(kind);
    if (!r.mitigation || r.applying)
        return; // a re-plan would supersede the apply's own plan, dry run or apply
    r.applyButton->setEnabled(false);
    r.mitigation->plan(requestFor(kind), [this, kind](Result<actions::MitigationPlan> p) {
        Row& r = row(kind);
        if (!p) {
            r.plan.reset();
            r.values->clear();
            r.kubectl->clear();
            r.rbac->clear();
            r.warnings->clear();
            r.managedBy->clear();
            r.snippet->clear();
            setStatus(kind, tr("Cannot plan: %1").arg(errorText(p.error())), true);
            return;
        }
        r.plan = std::move(p).value();
        showPlan(kind);
        // The heap threshold is derived from the limit chosen above (4Gi → 3584m), so it is planned
        // again once the limit is known, unless the user typed their own.
        if (kind == MitigationKind::RaiseMemoryLimit && !row(MitigationKind::SetHeapLimitRestart).userEdited) {
            row(MitigationKind::SetHeapLimitRestart).value->clear();
            planRow(MitigationKind::SetHeapLimitRestart);
        }
        Q_EMIT planned(kind);
    });
}

void MitigationPanel::showPlan(Kind kind)
{
    Row& r = row(kind);
    const actions::MitigationPlan& plan = *r.plan;
    if (r.value && !r.userEdited)
        r.value->setText(QString::fromStdString(plan.value));
    QString values = tr("now: %1 → after: %2").arg(valuesText(plan.before), valuesText(plan.after));
    if (plan.suggestedValue)
        values += tr(" · suggested from the observed peak: %1").arg(QString::fromStdString(*plan.suggestedValue));
    if (!plan.container.empty())
        values += tr(" · container %1").arg(QString::fromStdString(plan.container));
    r.values->setText(values);
    r.kubectl->setText(QString::fromStdString(plan.kubectl));
    r.kubectl->setCursorPosition(0);
    if (plan.rbac.allowed) {
        r.rbac->setText(tr("✔ RBAC: you may patch %1").arg(workloadText()));
        r.rbac->setStyleSheet(QStringLiteral("color:#1e7e34"));
    } else {
        r.rbac->setText(
            tr("✘ RBAC: you may not patch %1%2")
                .arg(workloadText(),
                    plan.rbac.reason.empty() ? QString()
                                             : QStringLiteral(" — ") + QString::fromStdString(plan.rbac.reason)));
        r.rbac->setStyleSheet(QStringLiteral("color:#c5221f"));
    }
    QStringList warnings;
    for (const auto& w : plan.warnings)
        warnings << QStringLiteral("⚠ ") + QString::fromStdString(w);
    r.warnings->setText(warnings.join(QLatin1Char('\n')));
    r.warnings->setVisible(!warnings.isEmpty());
    QStringList managers;
    for (const auto& m : plan.management.managedBy)
        managers << tr("Managed by %1%2 (%3): %4")
                        .arg(QString::fromStdString(m.tool), m.certain ? QString() : tr(" (possibly)"),
                            QString::fromStdString(m.evidence), QString::fromStdString(m.consequence));
    for (const auto& a : plan.management.autoscalers)
        managers << tr("%1 %2 (%3): %4")
                        .arg(QString::fromStdString(a.kind), QString::fromStdString(a.name),
                            QString::fromStdString(a.evidence), QString::fromStdString(a.consequence));
    r.managedBy->setText(managers.join(QLatin1Char('\n')));
    r.managedBy->setVisible(!managers.isEmpty());
    r.snippet->setPlainText(QString::fromStdString(plan.snippet.text()));
    r.applyButton->setEnabled(plan.rbac.allowed && !(r.rollout));
    if (!plan.rbac.allowed)
        r.applyButton->setToolTip(
            tr("Your user is not allowed to patch this workload; copy the command for someone who is."));
    else
        r.applyButton->setToolTip({});
}

void MitigationPanel::setStatus(Kind kind, const QString& text, bool error)
{
    Row& r = row(kind);
    r.status->setText(text);
    r.status->setStyleSheet(error ? QStringLiteral("color:#c5221f") : QString());
}

void MitigationPanel::fail(Kind kind, const QString& message)
{
    setStatus(kind, message, true);
    Row& r = row(kind);
    r.applying = false;
    r.applyButton->setEnabled(r.plan && r.plan->rbac.allowed);
    updateRevertButtons();
    Q_EMIT failed(kind, message);
}

void MitigationPanel::setSilenceOption(SilenceOption* option)
{
    m_silence = option;
    option->setParent(this);
    if (auto* box = qobject_cast<QVBoxLayout*>(layout()))
        box->addWidget(option);
    // The silence ends with the change it covered.
    connect(this, &MitigationPanel::reverted, option, [this] {
        m_silence->expireFor({ m_workload.kind, m_workload.name }, [](Result<QString>) {});
    });
}

void MitigationPanel::apply(Kind kind)
{
    Row& r = row(kind);
    if (!r.mitigation)
        return;
    r.applyButton->setEnabled(false);
    r.applying = true;
    setStatus(kind, tr("Planning…"));
    r.mitigation->plan(requestFor(kind), [this, kind](Result<actions::MitigationPlan> p) {
        if (!p)
            return fail(kind, tr("Cannot plan: %1").arg(errorText(p.error())));
        row(kind).plan = std::move(p).value();
        showPlan(kind);
        const actions::MitigationPlan plan = *row(kind).plan;
        if (!plan.rbac.allowed)
            return fail(kind, tr("Not allowed by RBAC: %1").arg(QString::fromStdString(plan.rbac.reason)));
        setStatus(kind, tr("Dry run on the server…"));
        row(kind).mitigation->dryRun(plan, [this, kind, plan](Result<actions::DryRunResult> d) {
            if (!d)
                return fail(kind, tr("The server's dry run failed: %1").arg(errorText(d.error())));
            if (d->diff.empty() && kind != MitigationKind::RolloutRestart) {
                setStatus(kind, tr("Nothing to do: %1 already has %2").arg(workloadText(), valuesText(plan.after)));
                row(kind).applying = false;
                row(kind).applyButton->setEnabled(true);
                return;
            }
            QString text = tr("%1 %2 in %3").arg(titleOf(kind), workloadText(), m_ns);
            text += tr("\n\nEquivalent command:\n%1").arg(QString::fromStdString(plan.kubectl));
            text += tr("\n\nChanges to the %1 (server-side dry run):\n%2")
                        .arg(QString::fromStdString(m_workload.kindName()), diffText(d->diff));
            for (const auto& w : plan.warnings)
                text += QStringLiteral("\n⚠ ") + QString::fromStdString(w);
            text += tr("\n\nThe pods roll; the change is recorded in the incident and can be reverted.");
            std::optional<alerts::SilencePlan> silence;
            if (m_silence && m_silence->wanted()) {
                silence = m_silence->plan(m_ns.toStdString(), { m_workload.kind, m_workload.name },
                    std::string(actions::mitigationKindName(kind)) + " of " + m_workload.text() + " rolling out");
                text += m_silence->previewText(*silence);
            }
            if (!m_confirm(titleOf(kind) + QStringLiteral("?"), text)) {
                setStatus(kind, tr("Cancelled; nothing was changed."));
                row(kind).applying = false;
                row(kind).applyButton->setEnabled(true);
                return;
            }
            setStatus(kind, tr("Applying…"));
            const QString diff = diffText(d->diff);
            row(kind).mitigation->apply(plan, [this, kind, plan, diff, silence](Result<actions::MitigationRecord> rec) {
                if (!rec)
                    return fail(kind, tr("Not applied: %1").arg(errorText(rec.error())));
                QString actionId;
                if (m_incident) {
                    incident::AppliedMitigation a;
                    a.kind = incidentKindName(kind);
                    a.title = QString(titleOf(kind) + QStringLiteral(": ") + valuesText(plan.after)).toStdString();
                    a.deployment = plan.request.workload.name;
                    a.target = plan.request.workload.text(); // "deployment/checkout", "statefulset/search"
                    a.kubectl = plan.kubectl;
                    a.diff = diff.toStdString();
                    a.revertData = rec->toJson();
                    std::string id;
                    m_incident->modify([&](incident::IncidentDocument& doc) {
                        id = incident::recordMitigation(doc, a, incident::currentTimeMs());
                    });
                    actionId = QString::fromStdString(id);
                }
                row(kind).applying = false;
                setStatus(kind,
                    tr("Applied (resourceVersion %1); the rollout is starting…")
                        .arg(QString::fromStdString(rec->resourceVersion)));
                Q_EMIT applied(kind, actionId);
                if (silence && m_silence)
                    m_silence->create(*silence, [this, kind](Result<std::string> made) {
                        if (!made)
                            setStatus(kind,
                                tr("Applied, but the memory alerts were not silenced: %1").arg(errorText(made.error())),
                                true);
                    });
                const qint64 settleUntilMs = QDateTime::currentMSecsSinceEpoch() + m_applySettleMs;
                // The rollout counts only while the value is there: a self-heal ends it.
                followRollout(
                    kind, rec->generation, actionId,
                    [this, kind, record = *rec, actionId, settleUntilMs] {
                        checkApplyStayed(kind, record, actionId, settleUntilMs);
                    },
                    *rec);
            });
        });
    });
}

void MitigationPanel::followRollout(Kind kind, std::int64_t generation, const QString& actionId,
    std::function<void()> then, std::optional<actions::MitigationRecord> expectApplied)
{
    Row& r = row(kind);
    if (!m_client)
        return;
    if (r.rollout)
        r.rollout->cancel();
    actions::RolloutOptions options;
    options.intervalMs = 1000;
    r.rollout
        = std::make_unique<actions::RolloutProgress>(*m_client, m_ns.toStdString(), m_workload, generation, options);
    if (expectApplied)
        r.rollout->expectApplied(*expectApplied);
    r.applyButton->setEnabled(false);
    r.rollout->start(
        [this, kind](const actions::RolloutStatus& s) {
            setStatus(kind, tr("Rollout: %1").arg(QString::fromStdString(s.toString())));
        },
        [this, kind, actionId, then](Result<actions::RolloutStatus> done) {
            Row& r = row(kind);
            const bool complete = done.ok();
            const QString text = complete ? tr("Rollout complete: %1").arg(QString::fromStdString(done->toString()))
                                          : tr("Rollout not confirmed: %1").arg(errorText(done.error()));
            setStatus(kind, text, !complete);
            if (m_incident && !actionId.isEmpty())
                m_incident->modify([&](incident::IncidentDocument& doc) {
                    incident::appendJournal(doc,
                        { incident::currentTimeMs(), incident::JournalKind::Action,
                            (complete ? "Rollout of " : "Rollout not confirmed for ") + m_workload.text(),
                            text.toStdString(), actionId.toStdString() });
                });
            r.rollout.release()->deleteLater(); // we are inside its callback
            r.applyButton->setEnabled(r.plan && r.plan->rbac.allowed);
            updateRevertButtons();
            planRow(kind); // "now" moved
            Q_EMIT rolloutFinished(kind, complete);
            if (then)
                then();
        });
}

QString MitigationPanel::lastAppliedAction(Kind kind) const
{
    if (!m_incident || !m_incident->document())
        return {};
    const auto* applied
        = incident::lastAppliedAction(*m_incident->document(), incidentKindName(kind), m_workload.text());
    return applied ? QString::fromStdString(applied->id) : QString();
}

QStringList MitigationPanel::appliedActions() const
{
    QStringList ids;
    if (!m_incident || !m_incident->document())
        return ids;
    const std::string target = m_workload.text();
    for (const auto& a : m_incident->document()->actions)
        for (auto kind : kKinds)
            if (a.kind == incidentKindName(kind) && a.target == target && a.state == incident::ActionState::Applied)
                ids << QString::fromStdString(a.id);
    return ids;
}

std::vector<actions::OwnWrite> MitigationPanel::ownWrites() const
{
    if (!m_incident || !m_incident->document())
        return {};
    return handover::incidentOwnWrites(*m_incident->document(), m_workload.text());
}

void MitigationPanel::updateRevertButtons()
{
    bool rolling = false;
    for (auto kind : kKinds) {
        Row& r = row(kind);
        rolling = rolling || r.rollout;
        const QString id = lastAppliedAction(kind);
        r.revertButton->setEnabled(r.mitigation && !id.isEmpty() && !r.rollout);
        r.revertButton->setToolTip(id.isEmpty() ? tr("Nothing applied from LeakDesk to revert")
                                                : tr("Restore the values from before action %1").arg(id));
    }
    const QStringList all = appliedActions();
    m_revertAll->setEnabled(m_reverter && !all.isEmpty() && !rolling);
    m_revertAll->setVisible(!all.isEmpty()); // a line less on a laptop screen while nothing was applied
    m_revertAll->setToolTip(all.isEmpty()
            ? tr("Nothing applied from LeakDesk to revert")
            : tr("Restore what %1 changed, in one write").arg(all.join(QStringLiteral(", "))));
}

void MitigationPanel::revert(Kind kind)
{
    const QString id = lastAppliedAction(kind);
    if (!row(kind).mitigation || id.isEmpty())
        return;
    startRevert({ id }, kind);
}

void MitigationPanel::revertAll()
{
    const QStringList ids = appliedActions();
    if (ids.isEmpty())
        return;
    // The rollout is followed on the row of the newest change.
    Kind kind = MitigationKind::RaiseMemoryLimit;
    for (auto k : kKinds)
        if (lastAppliedAction(k) == ids.back())
            kind = k;
    startRevert(ids, kind);
}

QString MitigationPanel::conflictText() const
{
    return m_conflictBox->isHidden() ? QString() : m_conflictPlain;
}

void MitigationPanel::startRevert(const QStringList& actionIds, Kind kind)
{
    if (!m_reverter)
        return;
    actions::RevertRequest request;
    request.journal = ownWrites();
    for (const QString& id : actionIds) {
        const incident::ActionRecord* action = m_incident->document()->action(id.toStdString());
        auto record = action ? actions::MitigationRecord::fromJson(action->revertData)
                             : Result<actions::MitigationRecord>(makeError(ErrorCode::NotFound, "no such action"));
        if (!record)
            return fail(kind, tr("Cannot revert %1: its record is unreadable (%2)").arg(id, errorText(record.error())));
        request.fieldManager = record->fieldManager;
        request.records.push_back(std::move(*record));
    }
    hideConflict();
    for (auto k : kKinds)
        row(k).revertButton->setEnabled(false);
    m_revertAll->setEnabled(false);
    setStatus(kind, tr("Comparing each field with what LeakDesk left there…"));
    m_reverter->plan(request, [this, actionIds, kind](Result<actions::RevertPlan> p) {
        const QString ids = actionIds.join(QStringLiteral(", "));
        if (!p) {
            const QString message = tr("Revert of %1 refused: %2").arg(ids, errorText(p.error()));
            return refuseRevert(actionIds, kind, message, message);
        }
        const actions::RevertPlan plan = *p;
        const QString where = tr("%1 in %2").arg(workloadText(), m_ns);
        QString text;
        if (plan.partial()) {
            QStringList lines;
            for (const auto* f : plan.comparison.leftAlone())
                lines << QString::fromStdString(f->threeWay());
            showConflict(plan, actionIds);
            if (!plan.comparison.anythingToRestore())
                return refuseRevert(actionIds, kind,
                    tr("Revert of %1 refused: someone else changed what LeakDesk set (see above); nothing was "
                       "reverted.")
                        .arg(ids),
                    QString::fromStdString(plan.conflictMessage()));
            text = tr("Partial revert of %1 on %2\n\nSomeone else changed these fields since LeakDesk wrote them; they "
                      "are left as they are now:\n%3")
                       .arg(ids, where, lines.join(QLatin1Char('\n')));
            text += tr("\n\nOnly the fields still as LeakDesk left them are restored.");
        } else {
            text = tr("Revert %1 on %2").arg(ids, where);
        }
        if (plan.comparison.anythingToRestore()) {
            text += QStringLiteral("\n\n") + QString::fromStdString(plan.sinceOwnWrite()) + QLatin1Char('.');
            text += tr("\n\nEquivalent command:\n%1").arg(QString::fromStdString(plan.kubectl));
            text += tr("\n\nChanges to the %1 (server-side dry run):\n%2")
                        .arg(QString::fromStdString(m_workload.kindName()), diffText(plan.preview));
            text += tr("\n\nThe pods roll; the revert is recorded in the incident.");
            const QString title = plan.partial() ? tr("Partial revert of %1?").arg(ids) : tr("Revert %1?").arg(ids);
            if (!m_confirm(title, text)) {
                setStatus(kind, tr("Cancelled; nothing was reverted."));
                updateRevertButtons();
                return;
            }
        }
        applyRevert(actionIds, kind, plan);
    });
}

void MitigationPanel::applyRevert(const QStringList& actionIds, Kind kind, const actions::RevertPlan& plan)
{
    setStatus(kind, tr("Reverting %1…").arg(actionIds.join(QStringLiteral(", "))));
    // Reached only after the person confirmed the (partial) revert the dialog described.
    const bool partialConfirmed = plan.partial();
    m_reverter->apply(plan, partialConfirmed,
        [this, actionIds, kind, manager = plan.request.fieldManager](Result<actions::RevertResult> res) {
            const QString ids = actionIds.join(QStringLiteral(", "));
            if (!res) {
                const QString message = tr("Revert of %1 refused: %2").arg(ids, errorText(res.error()));
                return refuseRevert(actionIds, kind, message, message);
            }
            std::string detail = res->restored.empty()
                ? std::string("Every field already had its value from before; nothing was written.")
                : res->kubectl + "\n" + diffText(res->diff).toStdString();
            for (const auto& f : res->leftAlone)
                detail += "\nLeft alone: " + f.threeWay();
            const auto own = res->restored.empty()
                ? nlohmann::json()
                : actions::ownWriteJson(res->restored, res->resourceVersion, incident::currentTimeMs());
            if (m_incident)
                m_incident->modify([&](incident::IncidentDocument& doc) {
                    for (const QString& id : actionIds)
                        (void)incident::recordMitigationRevert(
                            doc, { id.toStdString(), detail, own, res->partial() }, incident::currentTimeMs());
                });
            setStatus(kind,
                res->partial() ? tr("Partly reverted %1: the fields someone else changed were left alone").arg(ids)
                               : tr("Reverted %1").arg(ids));
            for (const QString& id : actionIds)
                Q_EMIT reverted(kind, id);
            if (res->restored.empty()) {
                updateRevertButtons();
                return;
            }
            const actions::RevertResult result = *res;
            followRollout(kind, res->generation, actionIds.back(),
                [this, actionIds, kind, result, manager] { checkRevertStayed(actionIds, kind, result, manager); });
        });
}

void MitigationPanel::refuseRevert(
    const QStringList& actionIds, Kind kind, const QString& status, const QString& journalDetail)
{
    if (m_incident)
        m_incident->modify([&](incident::IncidentDocument& doc) {
            incident::appendJournal(doc,
                { incident::currentTimeMs(), incident::JournalKind::Action,
                    status.section(QLatin1Char('\n'), 0, 0).toStdString(), journalDetail.toStdString(),
                    actionIds.join(QStringLiteral(", ")).toStdString() });
        });
    fail(kind, status);
    for (auto k : kKinds)
        planRow(k); // "now" is what someone else left
}

void MitigationPanel::hideConflict()
{
    m_conflictPlain.clear();
    m_conflict->clear();
    m_conflictBox->hide();
}

// The fields someone else changed, as a table of the three values and who, in the panel; the
// same lines as plain text for conflictText() and the journal.
void MitigationPanel::showConflict(const actions::RevertPlan& plan, const QStringList& actionIds)
{
    auto shown = [](const std::optional<std::string>& v) {
        return v ? QString::fromStdString(*v).toHtmlEscaped() : tr("(not set)");
    };
    QString html
        = QStringLiteral("<p style='color:#c5221f'><b>%1</b></p>")
              .arg(tr("Changed by someone else since LeakDesk wrote it; LeakDesk leaves these as they are now:"));
    html += QStringLiteral("<table cellspacing='0' cellpadding='3'><tr><th align='left'>%1</th><th align='left'>%2</th>"
                           "<th align='left'>%3</th><th align='left'>%4</th><th align='left'>%5</th></tr>")
                .arg(tr("Field"), tr("Before LeakDesk"), tr("LeakDesk set"), tr("Now"), tr("Changed by"));
    QStringList lines;
    for (const auto* f : plan.comparison.leftAlone()) {
        lines << QString::fromStdString(f->threeWay());
        const QString field = QString::fromStdString(
            f->container.empty() || !actions::isContainerField(f->key) ? f->key : f->container + ": " + f->key);
        const QString now = f->state == actions::FieldState::ContainerGone ? tr("container gone") : shown(f->now);
        QString who = tr("unknown");
        if (f->changedBy)
            who = (f->changedBy->ownsField ? QString() : tr("last written by "))
                + QString::fromStdString(f->changedBy->toString()).toHtmlEscaped();
        html += QStringLiteral("<tr><td title='%1'>%2</td><td>%3</td><td>%4</td><td><b>%5</b></td><td>%6</td></tr>")
                    .arg(QString::fromStdString(f->path).toHtmlEscaped(), field.toHtmlEscaped(), shown(f->before),
                        shown(f->leftByLeakDesk), now, who);
    }
    html += QStringLiteral("</table>");
    m_conflict->setText(html);
    m_conflictPlain = lines.join(QLatin1Char('\n'));
    // Other changes of LeakDesk's may still be as it left them: offer to undo those only.
    bool others = false;
    for (const QString& id : appliedActions())
        others = others || !actionIds.contains(id);
    m_partialRevert->setVisible(others && !plan.comparison.anythingToRestore());
    m_conflictBox->show();
}

// After the rollout and the settle time, the workload is read again: an Argo CD or Flux
// self-heal (or someone's script) that put its values back is named, and the apply is not left
// standing as done. A change that stayed is only journaled: the status keeps the rollout's result.
void MitigationPanel::checkApplyStayed(
    Kind kind, const actions::MitigationRecord& record, const QString& actionId, qint64 settleUntilMs)
{
    const qint64 waitMs = std::max<qint64>(0, settleUntilMs - QDateTime::currentMSecsSinceEpoch());
    QTimer::singleShot(waitMs, this, [this, kind, record, actionId] {
        if (!m_client || !(m_workload == record.workload) || m_ns.toStdString() != record.ns)
            return; // the panel targets another workload by now
        m_client->getJson(
            record.workload.path(record.ns), {}, this, [this, kind, record, actionId](Result<nlohmann::json> current) {
                QString title;
                QStringList lines;
                bool stayed = false;
                if (!current) {
                    title = tr("Could not check that %1 stayed: %2").arg(actionId, errorText(current.error()));
                } else {
                    const auto moved = actions::applyDidNotStay(record, *current, record.fieldManager);
                    stayed = moved.empty();
                    std::string who;
                    for (const auto& f : moved) {
                        lines << QString::fromStdString(f.threeWay());
                        if (f.changedBy && who.empty())
                            who = f.changedBy->manager;
                    }
                    title = stayed
                        ? tr("%1 stayed after the settle time").arg(actionId)
                        : tr("%1 did not stay%2")
                              .arg(actionId,
                                  who.empty() ? QString()
                                              : tr(": \"%1\" took it back").arg(QString::fromStdString(who)));
                }
                if (m_incident && !actionId.isEmpty())
                    m_incident->modify([&](incident::IncidentDocument& doc) {
                        incident::appendJournal(doc,
                            { incident::currentTimeMs(), incident::JournalKind::Action, title.toStdString(),
                                lines.join(QLatin1Char('\n')).toStdString(), actionId.toStdString() });
                    });
                if (!stayed)
                    setStatus(kind,
                        lines.isEmpty() ? title : title + QStringLiteral(": ") + lines.join(QStringLiteral("; ")),
                        true);
                Q_EMIT applyChecked(kind, actionId, stayed);
            });
    });
}

// The rollout the revert caused is the settle time: a GitOps controller or someone's script that
// puts their values back has had its chance by then.
void MitigationPanel::checkRevertStayed(
    const QStringList& actionIds, Kind kind, const actions::RevertResult& result, const std::string& fieldManager)
{
    if (!m_reverter)
        return;
    m_reverter->verify(result, m_ns.toStdString(), m_workload, fieldManager,
        [this, actionIds, kind](Result<std::vector<actions::FieldComparison>> moved) {
            const QString ids = actionIds.join(QStringLiteral(", "));
            QString title;
            QStringList lines;
            if (!moved) {
                title = tr("Could not check that the revert of %1 stayed: %2").arg(ids, errorText(moved.error()));
            } else if (moved->empty()) {
                title = tr("The revert of %1 stayed").arg(ids);
            } else {
                title = tr("The revert of %1 did not stay").arg(ids);
                for (const auto& f : *moved)
                    lines << QString::fromStdString(f.threeWay());
            }
            const bool stayed = moved && moved->empty();
            if (m_incident)
                m_incident->modify([&](incident::IncidentDocument& doc) {
                    incident::appendJournal(doc,
                        { incident::currentTimeMs(), incident::JournalKind::Action, title.toStdString(),
                            lines.join(QLatin1Char('\n')).toStdString(), actionIds.front().toStdString() });
                });
            setStatus(kind, lines.isEmpty() ? title : title + QStringLiteral(": ") + lines.join(QStringLiteral("; ")),
                !stayed);
            for (const QString& id : actionIds)
                Q_EMIT revertChecked(kind, id, stayed);
        });
}

const actions::MitigationPlan* MitigationPanel::plan(Kind kind) const
{
    const Row& r = row(kind);
    return r.plan ? &*r.plan : nullptr;
}

QPushButton* MitigationPanel::applyButton(Kind kind) const
{
    return row(kind).applyButton;
}
QPushButton* MitigationPanel::revertButton(Kind kind) const
{
    return row(kind).revertButton;
}
QLineEdit* MitigationPanel::valueEdit(Kind kind) const
{
    return row(kind).value;
}
QString MitigationPanel::workloadText() const
{
    return QString::fromStdString(m_workload.text());
}

QString MitigationPanel::snippetText(Kind kind) const
{
    return row(kind).snippet->toPlainText();
}

QString MitigationPanel::managedByText(Kind kind) const
{
    return row(kind).managedBy->text();
}

QString MitigationPanel::statusText(Kind kind) const
{
    return row(kind).status->text();
}

} // namespace leakdesk::ui
