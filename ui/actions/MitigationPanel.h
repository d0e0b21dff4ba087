#pragma once
// Runbook step 5 ("Immediate Mitigation") as three buttons: raise the memory limit, set
// HEAP_LIMIT_RESTART, rollout restart. Each is planned as soon as the step is shown (RBAC answer,
// current → proposed value, warnings, the equivalent kubectl command); the button is enabled only
// when the SelfSubjectAccessReview allows the patch. Applying runs a server-side dry run, shows the
// Deployment diff for an explicit confirmation, applies with fieldManager=leakdesk, follows the
// rollout, and journals the action in the incident. Revert (one mitigation, or all of LeakDesk's
// on the Deployment) compares each field with what LeakDesk left there (its own journaled writes
// are its own, in any order), previews the restore with a server dry run, asks, journals, and
// checks after the rollout that the values stayed; when someone else changed a field, it shows the
// three values (before LeakDesk, as LeakDesk set it, now, and who) and offers a partial revert of
// the fields still as LeakDesk left them.

#include "core/actions/Mitigation.h"
#include "core/actions/MitigationRevert.h"
#include "core/actions/RolloutProgress.h"
#include "core/runbook/Parameters.h"

#include <QStringList>
#include <QWidget>

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QFrame;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace leakdesk::ui {

class IncidentSession;
class SilenceOption;

class MitigationPanel : public QWidget {
    Q_OBJECT
public:
    using Kind = actions::MitigationKind;
    // Asked before anything is applied or reverted: title, text (diff, command, warnings). The
    // default shows a QMessageBox; tests replace it.
    using Confirmer = std::function<bool(const QString& title, const QString& text)>;

    explicit MitigationPanel(QWidget* parent = nullptr);
    ~MitigationPanel() override;

    // What the buttons act on. Re-plans all three. `client` must outlive the panel or the next
    // setTarget(); nullptr disables everything.
    void setTarget(kube::KubeClient* client, const QString& ns, const QString& deployment,
        std::optional<std::int64_t> observedPeakBytes, const runbook::RunbookParameters& parameters);
    // The same for a workload of any kind a mitigation patches (StatefulSet, DaemonSet, Rollout);
    // its actions are journaled with the target "statefulset/search".
    void setWorkload(kube::KubeClient* client, const QString& ns, const actions::WorkloadTarget& workload,
        std::optional<std::int64_t> observedPeakBytes, const runbook::RunbookParameters& parameters);
    void setIncident(IncidentSession* session) { m_incident = session; }
    // Shown under the buttons: silence the workload's memory alerts while the change rolls out (its
    // preview joins the apply's confirmation; a revert expires it). Owned by the panel from then.
    void setSilenceOption(SilenceOption* option);
    void setConfirmer(Confirmer confirmer) { m_confirm = std::move(confirmer); }
    // How long after an apply the Deployment is read again to check that the change stayed (a
    // GitOps self-heal takes it back within seconds); never before the rollout has finished.
    void setApplySettleMs(int ms) { m_applySettleMs = ms; }

    void refresh();
    void apply(Kind kind);
    // Reverts the newest applied, not yet reverted action of this kind in the incident.
    void revert(Kind kind);
    // Reverts every applied mitigation of the Deployment in the incident, in one write.
    void revertAll();

    // Inspection for tests.
    const actions::MitigationPlan* plan(Kind kind) const;
    QPushButton* applyButton(Kind kind) const;
    QPushButton* revertButton(Kind kind) const;
    QLineEdit* valueEdit(Kind kind) const; // nullptr for the rollout restart
    QString statusText(Kind kind) const;
    QString snippetText(Kind kind) const; // the change for Git shown next to Apply
    QString managedByText(Kind kind) const; // Argo CD, Flux, Helm, HPA, VPA and their consequences
    QPushButton* revertAllButton() const { return m_revertAll; }
    QPushButton* partialRevertButton() const { return m_partialRevert; } // shown with a conflict
    // The last refused or partial revert's fields, three ways each; empty when there was none.
    QString conflictText() const;

Q_SIGNALS:
    void planned(leakdesk::actions::MitigationKind kind);
    void applied(leakdesk::actions::MitigationKind kind, const QString& actionId);
    void rolloutFinished(leakdesk::actions::MitigationKind kind, bool complete);
    void reverted(leakdesk::actions::MitigationKind kind, const QString& actionId);
    // After the revert's rollout: whether the restored values were still there.
    void revertChecked(leakdesk::actions::MitigationKind kind, const QString& actionId, bool stayed);
    // After the apply's settle time: whether the applied values are still there.
    void applyChecked(leakdesk::actions::MitigationKind kind, const QString& actionId, bool stayed);
    void failed(leakdesk::actions::MitigationKind kind, const QString& message);

private:
    struct Row {
        std::unique_ptr<actions::Mitigation> mitigation;
        std::optional<actions::MitigationPlan> plan;
        std::unique_ptr<actions::RolloutProgress> rollout;
        QLabel* title = nullptr;
        QLabel* values = nullptr;
        QLabel* rbac = nullptr;
        QLabel* warnings = nullptr;
        QLabel* managedBy = nullptr;
        QPlainTextEdit* snippet = nullptr;
        QLineEdit* value = nullptr;
        QLineEdit* kubectl = nullptr;
        QPushButton* applyButton = nullptr;
        QPushButton* revertButton = nullptr;
        QLabel* status = nullptr;
        bool userEdited = false; // the value was typed: planning no longer overwrites it
        bool applying = false; // between Apply and its answer: no re-plan may supersede it
    };

    Row& row(Kind kind) { return m_rows[static_cast<std::size_t>(kind)]; }
    const Row& row(Kind kind) const { return m_rows[static_cast<std::size_t>(kind)]; }
    QWidget* buildRow(Kind kind);
    actions::MitigationRequest requestFor(Kind kind) const;
    void planRow(Kind kind);
    void showPlan(Kind kind);
    void setStatus(Kind kind, const QString& text, bool error = false);
    void fail(Kind kind, const QString& message);
    void updateRevertButtons();
    // With the apply's record, the rollout also ends when its values were taken back meanwhile.
    void followRollout(Kind kind, std::int64_t generation, const QString& actionId, std::function<void()> then = {},
        std::optional<actions::MitigationRecord> expectApplied = std::nullopt);
    void checkApplyStayed(
        Kind kind, const actions::MitigationRecord& record, const QString& actionId, qint64 settleUntilMs);
    QString workloadText() const; // "deployment/checkout"
    QString lastAppliedAction(Kind kind) const;
    QStringList appliedActions() const; // every applied mitigation of the Deployment, oldest first
    std::vector<actions::OwnWrite> ownWrites() const; // LeakDesk's writes to the Deployment, from the journal
    void startRevert(const QStringList& actionIds, Kind kind);
    void applyRevert(const QStringList& actionIds, Kind kind, const actions::RevertPlan& plan);
    void refuseRevert(const QStringList& actionIds, Kind kind, const QString& status, const QString& journalDetail);
    void showConflict(const actions::RevertPlan& plan, const QStringList& actionIds);
    void hideConflict();
    void checkRevertStayed(
        const QStringList& actionIds, Kind kind, const actions::RevertResult& result, const std::string& fieldManager);

    std::array<Row, 3> m_rows;
    kube::KubeClient* m_client = nullptr;
    QString m_ns;
    actions::WorkloadTarget m_workload;
    SilenceOption* m_silence = nullptr;
    std::optional<std::int64_t> m_peak;
    runbook::RunbookParameters m_parameters;
    IncidentSession* m_incident = nullptr;
    Confirmer m_confirm;
    QLabel* m_header = nullptr;
    QPushButton* m_revertAll = nullptr;
    QFrame* m_conflictBox = nullptr; // shown after a refused or partial revert
    QLabel* m_conflict = nullptr; // its table: each field three ways and who changed it
    QString m_conflictPlain; // the same, one threeWay() line per field
    QPushButton* m_partialRevert = nullptr; // offers the fields still as LeakDesk left them
    std::unique_ptr<actions::MitigationRevert> m_reverter;
    int m_applySettleMs = 20000;
};

} // namespace leakdesk::ui
