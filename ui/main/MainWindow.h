#pragma once
// One window for the incident: the connection bar on top and two views of which one shows. The
// overview (tabs; the Radar, RadarPage: every workload ranked by leak likelihood) is where the
// window opens when no service is chosen; a row opens the investigation: the escalation bar and
// three pages in tabs, the runbook (checklist and the selected step with its evidence,
// RunbookPage), the heap dump and the incident's timeline. It assembles the pages, menus and status
// bar, opens the incident file and routes the findings; the pages wire and journal themselves.

#include "core/investigation/Findings.h"
#include "core/runbook/Parameters.h"
#include "core/runbook/Runbook.h"

#include <QMainWindow>

#include <functional>
#include <memory>

class QDialog;
class QAction;
class QListView;
class QStackedWidget;
class QTabWidget;

namespace leakdesk::incident {
struct IncidentDocument;
}

namespace leakdesk::ui {

class ConnectionBar;
class EscalationBar;
class HeapStepPage;
class HeapView;
class IncidentFiles;
class IncidentSession;
class MitigationPanel;
class InvestigationController;
class MemoryEvidenceView;
class OomEvidenceView;
class RadarPage;
class AlertsPanel;
class RunbookChecklistModel;
class RunbookPage;
class StepDetailView;
class TimelineView;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // The findings shown (of the service chosen in the connection bar), null before the first.
    std::shared_ptr<const investigation::Findings> findings() const { return m_findings; }
    MainWindow(InvestigationController* controller, std::shared_ptr<const runbook::Runbook> runbook,
        QWidget* parent = nullptr);
    ~MainWindow() override;

    void setRunbook(std::shared_ptr<const runbook::Runbook> runbook);
    void selectStep(int row);
    int currentStep() const;
    // The service to investigate once its namespace's workloads are listed; empty: none, the window
    // shows the Radar (and the picker picks nothing until the user does).
    void setPreferredService(const QString& service);
    // The Radar, or the investigation of the service chosen in the bar.
    void showRadar();
    void showInvestigation();
    bool isRadarShown() const;
    // Investigates `workload` ("Kind/name", or a Service's name) in `ns` with the runbook at step 1,
    // as choosing it in the bar does (the Radar's rows open here).
    void openWorkload(const QString& ns, const QString& workload);
    // The config file of per-context Prometheus settings (--config, or the default): applied on a
    // context switch, edited with File > Prometheus connection.
    void setConfigPath(const QString& path) { m_configPath = path; }
    void editPrometheusConnection();

    ConnectionBar* connectionBar() const { return m_bar; }
    RunbookPage* runbookPage() const { return m_runbook; }
    MemoryEvidenceView* memoryView() const;
    OomEvidenceView* oomView() const;
    StepDetailView* stepView() const;
    RunbookChecklistModel* checklist() const;
    QListView* checklistView() const;
    QWidget* currentEvidenceWidget() const;
    HeapView* heapView() const { return m_heapView; }
    TimelineView* timelineView() const { return m_timeline; }
    IncidentSession* incident() const { return m_incident; }
    QTabWidget* tabs() const { return m_tabs; }
    // The overview's tabs: the Radar first; other cluster-wide pages (alerts) go beside it.
    QTabWidget* overviewTabs() const { return m_overview; }
    RadarPage* radarPage() const { return m_radar; }
    QAction* showRadarAction() const { return m_showRadar; }
    MitigationPanel* mitigationPanel() const;
    EscalationBar* escalationBar() const { return m_escalation; }

    // The incident file: opened when it exists, started there otherwise (with the current
    // runbook, namespace and service). Without one, the first findings start an incident in
    // IncidentSession::defaultPathFor().
    bool openOrCreateIncident(const QString& path);
    // Opens a heap dump in the Heap view and shows it.
    void openHeapDump(const QString& path);
    // Step 3's button (HeapStepPage::captureHeapDump). Returns the dialog (non-modal).
    QDialog* captureHeapDump(const QString& pod = {});
    // Writes a journal note (on the current step).
    void addNote(const QString& text);
    // Moves to the runbook's memory step and centres the chart on `tMs` with the crosshair there.
    void showMomentOnChart(qint64 tMs);
    // "Run with kubectl" on the current cluster, journaled (RunbookCommandRunner).
    void runCommand(const QString& command);
    // Answers the change confirmation instead of a dialog (tests): gets the dialog's HTML.
    using ChangeConfirmer = std::function<bool(const QString& html)>;
    void setChangeConfirmer(ChangeConfirmer confirmer);
    void setKubectlFolder(const QString& folder);
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
    void openRunbookFile();
    void openHeapDumpDialog();
    void restoreFromIncident(const std::shared_ptr<const incident::IncidentDocument>& doc);
    void updateTitle();

    InvestigationController* m_controller;
    ConnectionBar* m_bar;
    IncidentSession* m_incident;
    RunbookPage* m_runbook;
    EscalationBar* m_escalation;
    QTabWidget* m_tabs;
    RadarPage* m_radar;
    AlertsPanel* m_alerts;
    QTabWidget* m_overview;
    QWidget* m_investigationView;
    QStackedWidget* m_views; // the overview or the investigation
    QAction* m_showRadar = nullptr;
    HeapView* m_heapView;
    TimelineView* m_timeline;
    HeapStepPage* m_heapStep;
    IncidentFiles* m_files = nullptr; // before it exists, there is no incident to write to
    std::shared_ptr<const investigation::Findings> m_findings;
    QString m_preferredService;
    QString m_openingNamespace, m_openingWorkload; // openWorkload()'s, until its namespace is listed
    QString m_configPath;
    runbook::RunbookParameters m_params;
};

} // namespace leakdesk::ui
