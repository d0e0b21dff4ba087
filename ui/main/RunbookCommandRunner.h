#pragma once
// "Run with kubectl" on a runbook step: runs the command against the open cluster and journals it.
// What may run is read from the command itself (runbook/KubectlCommand.h): refused commands never
// start; a change is previewed with --dry-run=server where kubectl has it and confirmed first
// (naming verb, objects, namespace and server); output that prints Secret or ConfigMap data is
// masked on screen and never journaled. kubectl cp asks for a folder first.

#include "ui/main/PageContext.h"

#include <QObject>
#include <QString>

#include <functional>
#include <memory>

class QWidget;

namespace leakdesk::ui {

class KubectlRunner;
struct KubectlPlan;
struct KubectlRun;
struct KubectlTarget;

class RunbookCommandRunner : public QObject {
    Q_OBJECT
public:
    // Dialogs (folder, confirmation, output) open over the window holding `dialogParent`.
    RunbookCommandRunner(PageContext context, QWidget* dialogParent);
    ~RunbookCommandRunner() override;

    void run(const QString& command);
    // Answers the change confirmation instead of a dialog (tests): gets the dialog's HTML.
    using ChangeConfirmer = std::function<bool(const QString& html)>;
    void setChangeConfirmer(ChangeConfirmer confirmer) { m_confirmChange = std::move(confirmer); }
    void setKubectlFolder(const QString& folder) { m_kubectlFolder = folder; }

Q_SIGNALS:
    // A command ended; its action id in the incident (empty without one).
    void commandFinished(const QString& actionId, int exitCode, const QString& output);

private:
    void onCommandFinished(const KubectlRun& run);
    bool kubectlTarget(KubectlTarget& target);
    void confirmAndRunChange(const KubectlRun* preview);
    // The window the dialogs belong to (the main window once the page is in it).
    QWidget* dialogParent() const;

    PageContext m_ctx;
    QWidget* m_dialogParent;
    KubectlRunner* m_kubectl;
    std::unique_ptr<KubectlPlan> m_pendingChange; // planned, waiting for its preview and confirmation
    QString m_lastPreview; // the confirmed change's dry-run output, for its journal entry
    QString m_kubectlFolder; // picked by the user for kubectl cp
    ChangeConfirmer m_confirmChange;
};

} // namespace leakdesk::ui
