#pragma once
// The Runbook tab: the checklist on the left, the selected step with its evidence on the right
// (the memory chart, the OOM kills, the heap step, the mitigations). It follows the selection,
// binds the step's commands to the service and its pods, journals step states in the incident and
// runs the step's commands (RunbookCommandRunner).

#include "ui/main/PageContext.h"
#include "core/runbook/Parameters.h"
#include "core/runbook/Runbook.h"

#include <QWidget>

#include <cstdint>
#include <memory>

class QLabel;
class QListView;
class QScrollArea;

namespace leakdesk::incident {
struct IncidentDocument;
}
namespace leakdesk::investigation {
struct FixVerificationReport;
}

namespace leakdesk::ui {

class FixVerificationPanel;
class HeapStepPage;
class MemoryEvidenceView;
class MitigationPanel;
class UndoStopgapsBox;
class OomEvidenceView;
class PageStack;
class RunbookChecklistModel;
class RunbookCommandRunner;
class StepDetailView;

class RunbookPage : public QWidget {
    Q_OBJECT
public:
    explicit RunbookPage(PageContext context, QWidget* parent = nullptr);

    void setRunbook(std::shared_ptr<const runbook::Runbook> runbook, const runbook::RunbookParameters& parameters);
    void setParameters(const runbook::RunbookParameters& parameters);
    // The heap step's page, shown in the evidence area of heap steps; a capture it ends ticks the
    // step done.
    void setHeapStepPage(HeapStepPage* page);
    // Shown in the evidence area of the step after the heap capture (reading the dump's suspects).
    void setSuspectsStepPage(QWidget* page);
    void selectStep(int row);
    int currentStep() const;
    void showFindings(const std::shared_ptr<const investigation::Findings>& findings);
    // File > Export chart as PNG: the memory chart, 1600x900.
    void exportChartDialog();
    // Selects the memory step and centres the chart on `tMs` with the crosshair there.
    void showMomentOnChart(qint64 tMs);

    // The incident: its step states shown (only steps that still mean the same), all steps back to
    // pending for a new one, and the states ticked before an incident existed carried into it.
    void restoreSteps(const incident::IncidentDocument& doc);
    void resetSteps();
    void carryStepStates(incident::IncidentDocument& doc, std::int64_t nowMs) const;

    RunbookChecklistModel* checklist() const { return m_checklist; }
    QListView* checklistView() const { return m_stepList; }
    StepDetailView* stepView() const { return m_stepView; }
    MemoryEvidenceView* memoryView() const { return m_memoryView; }
    OomEvidenceView* oomView() const { return m_oomView; }
    MitigationPanel* mitigationPanel() const { return m_mitigations; }
    // Step 6: the deployed fix verified live (ui/verify).
    FixVerificationPanel* fixVerificationPanel() const { return m_fixVerification; }
    // Step 6's "Undo stopgaps" (enabled by the fix verification: UndoStopgapsBox::setFixVerified).
    UndoStopgapsBox* undoStopgapsBox() const { return m_undoStopgaps; }
    QWidget* currentEvidenceWidget() const;
    RunbookCommandRunner* commands() const { return m_commands; }
    // A capture's pre-flight found the JVM of `pod` as PID `pid`: commands for that pod use it
    // instead of the runbook's literal PID.
    void setJvmPid(const QString& pod, int pid);
    // "3 of 6 steps done, 1 skipped".
    QString progressText() const;

Q_SIGNALS:
    // About to show something on this page: the window brings the page to the front.
    void revealRequested();

private:
    void updateBindings();
    void updateMitigationTarget();
    void updateProgress();
    void markCaptureStepDone(const QString& summary);
    int heapCaptureStep() const;
    int fixStep() const; // incident::fixStepPosition over the checklist; -1 without steps
    // The fix panel's workload: the findings' (`findings`, else the latest shown).
    void updateFixTarget(std::shared_ptr<const investigation::Findings> findings);
    void recordFixVerification(const std::shared_ptr<const investigation::FixVerificationReport>& report);

    PageContext m_ctx;
    QString m_jvmPod;
    int m_jvmPid = 0;
    RunbookChecklistModel* m_checklist;
    QListView* m_stepList;
    QLabel* m_runbookTitle;
    QLabel* m_progress;
    StepDetailView* m_stepView;
    PageStack* m_evidence; // sized by the evidence shown: the page scrolls only for it
    QWidget* m_noEvidence;
    MemoryEvidenceView* m_memoryView;
    OomEvidenceView* m_oomView;
    QWidget* m_heapStep = nullptr;
    QWidget* m_suspectsStep = nullptr;
    QScrollArea* m_stepScroll = nullptr;
    MitigationPanel* m_mitigations;
    FixVerificationPanel* m_fixVerification;
    UndoStopgapsBox* m_undoStopgaps;
    RunbookCommandRunner* m_commands;
    runbook::RunbookParameters m_params;
    bool m_restoring = false;
};

} // namespace leakdesk::ui
