#pragma once
// One window for the incident: the connection bar on top, the runbook checklist on the left, the
// selected step with its evidence on the right. It wires views to the controller; it knows no
// protocol and computes nothing.

#include "investigation/Findings.h"
#include "runbook/Parameters.h"
#include "runbook/Runbook.h"

#include <QMainWindow>
#include <QMap>

#include <functional>
#include <memory>

class QDialog;
class QListView;
class QLabel;
class QStackedWidget;
class QTabWidget;

namespace leakdesk::ui {

class ConnectionBar;
class EscalationBar;
class HeapView;
class IncidentSession;
class KubectlRunner;
struct KubectlPlan;
struct KubectlRun;
struct KubectlTarget;
class MitigationPanel;
class InvestigationController;
class MemoryEvidenceView;
class OomEvidenceView;
class RunbookChecklistModel;
class ServiceIsolationBox;
class StepDetailView;
class TimelineView;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    MainWindow(InvestigationController* controller, std::shared_ptr<const runbook::Runbook> runbook, QWidget* parent = nullptr);
    ~MainWindow() override;

    void setRunbook(std::shared_ptr<const runbook::Runbook> runbook);
    void selectStep(int row);
    int currentStep() const;
    void setPreferredService(const QString& service) { m_preferredService = service; }

    ConnectionBar* connectionBar() const { return m_bar; }
    MemoryEvidenceView* memoryView() const { return m_memoryView; }
    OomEvidenceView* oomView() const { return m_oomView; }
    StepDetailView* stepView() const { return m_stepView; }
    RunbookChecklistModel* checklist() const { return m_checklist; }
    QListView* checklistView() const { return m_stepList; }
    QWidget* currentEvidenceWidget() const;
    HeapView* heapView() const { return m_heapView; }
    TimelineView* timelineView() const { return m_timeline; }
    IncidentSession* incident() const { return m_incident; }
    QTabWidget* tabs() const { return m_tabs; }
    MitigationPanel* mitigationPanel() const { return m_mitigations; }
    EscalationBar* escalationBar() const { return m_escalation; }

    // The incident file: opened when it exists, started there otherwise (with the current
    // runbook, namespace and service). Without one, the first findings start an incident in
    // IncidentSession::defaultPathFor().
    bool openOrCreateIncident(const QString& path);
    // Opens a heap dump in the Heap view and shows it.
    void openHeapDump(const QString& path);
    // Step 3's button: pre-flight, dump in the pod, verified transfer, then the Heap view. `pod`
    // empty: asks which (the pod with the most memory first). Returns the dialog (non-modal).
    QDialog* captureHeapDump(const QString& pod = {});
    // Writes a journal note (on the current step).
    void addNote(const QString& text);
    // Moves to the runbook's memory step and centres the chart on `tMs` with the crosshair there.
    void showMomentOnChart(qint64 tMs);
    // "Run with kubectl": runs a runbook command against the open cluster and journals it. What
    // may run is read from the command itself (runbook/KubectlCommand.h): refused commands never
    // start; a change is previewed with --dry-run=server where kubectl has it and confirmed first
    // (naming verb, objects, namespace and server); output that prints Secret or ConfigMap data is
    // masked on screen and never journaled. kubectl cp asks for a folder first.
    void runCommand(const QString& command);
    // Answers the change confirmation instead of a dialog (tests): gets the dialog's HTML.
    using ChangeConfirmer = std::function<bool(const QString& html)>;
    void setChangeConfirmer(ChangeConfirmer confirmer) { m_confirmChange = std::move(confirmer); }
    void setKubectlFolder(const QString& folder) { m_kubectlFolder = folder; }
    // The thresholds in effect: the runbook's, unless changed in Incident > Runbook thresholds.
    const runbook::RunbookParameters& parameters() const { return m_params; }
    void setParameters(const runbook::RunbookParameters& parameters);

Q_SIGNALS:
    // After findings for the selected service have been shown (tests and --screenshot wait for it).
    void findingsShown(std::shared_ptr<const leakdesk::investigation::Findings> findings);
    // After the findings have been recorded in the incident (and saved).
    void findingsRecorded(const QString& snapshotId);
    // A "Run with kubectl" command ended; its action id in the incident (empty without one).
    void commandFinished(const QString& actionId, int exitCode, const QString& output);

private:
    void buildMenus();
    void showFindings(std::shared_ptr<const investigation::Findings> findings);
    void updateBindings();
    void openRunbookFile();
    void exportChart();
    void openHeapDumpDialog();
    void openIncidentDialog();
    void newIncident();
    void addNoteDialog();
    void exportReportDialog();
    void restoreFromIncident();
    void recordHeapAnalysis();
    void updateTitle();
    bool ensureIncident();
    void updateMitigationTarget();
    void onCommandFinished(const KubectlRun& run);
    bool kubectlTarget(KubectlTarget& target);
    void confirmAndRunChange(const KubectlRun* preview);
    void connectIsolation(ServiceIsolationBox* box, const QString& pod);

    InvestigationController* m_controller;
    ConnectionBar* m_bar;
    RunbookChecklistModel* m_checklist;
    QListView* m_stepList;
    QLabel* m_runbookTitle;
    QLabel* m_progress;
    StepDetailView* m_stepView;
    QStackedWidget* m_evidence;
    QWidget* m_noEvidence;
    MemoryEvidenceView* m_memoryView;
    OomEvidenceView* m_oomView;
    QWidget* m_heapPanel;
    MitigationPanel* m_mitigations;
    EscalationBar* m_escalation;
    KubectlRunner* m_kubectl;
    std::unique_ptr<KubectlPlan> m_pendingChange; // planned, waiting for its preview and confirmation
    QString m_lastPreview; // the confirmed change's dry-run output, for its journal entry
    QString m_kubectlFolder; // picked by the user for kubectl cp
    ChangeConfirmer m_confirmChange;
    QTabWidget* m_tabs;
    HeapView* m_heapView;
    TimelineView* m_timeline;
    IncidentSession* m_incident;
    std::shared_ptr<const investigation::Findings> m_findings;
    QString m_preferredService;
    QString m_pendingIncidentPath;
    runbook::RunbookParameters m_params;
    bool m_restoring = false;
    struct CapturedDump {
        QString pod;
        QString container;
        QString sha256;
        std::int64_t capturedMs = 0;
    };
    QMap<QString, CapturedDump> m_captured; // by local path, until the analysis is recorded
};

} // namespace leakdesk::ui
