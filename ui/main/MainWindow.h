#pragma once
// One window for the incident: the connection bar on top, the runbook checklist on the left, the
// selected step with its evidence on the right. It wires views to the controller; it knows no
// protocol and computes nothing.

#include "investigation/Findings.h"
#include "runbook/Runbook.h"

#include <QMainWindow>

#include <memory>

class QListView;
class QLabel;
class QStackedWidget;

namespace leakdesk::ui {

class ConnectionBar;
class InvestigationController;
class MemoryEvidenceView;
class OomEvidenceView;
class RunbookChecklistModel;
class StepDetailView;

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

Q_SIGNALS:
    // After findings for the selected service have been shown (tests and --screenshot wait for it).
    void findingsShown(std::shared_ptr<const leakdesk::investigation::Findings> findings);

private:
    void buildMenus();
    void showFindings(std::shared_ptr<const investigation::Findings> findings);
    void updateBindings();
    void openRunbookFile();
    void exportChart();

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
    std::shared_ptr<const investigation::Findings> m_findings;
    QString m_preferredService;
};

} // namespace leakdesk::ui
