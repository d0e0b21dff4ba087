#include "ui/main/RunbookPage.h"

#include "core/investigation/CaptureCandidates.h"

#include "core/incident/FixVerificationRecording.h"
#include "core/incident/IncidentRecording.h"
#include "ui/actions/MitigationPanel.h"
#include "ui/actions/UndoStopgapsBox.h"
#include "ui/chart/MemoryChart.h"
#include "ui/incident/IncidentSession.h"
#include "ui/investigation/InvestigationController.h"
#include "ui/investigation/MemoryEvidenceView.h"
#include "ui/investigation/OomEvidenceView.h"
#include "ui/investigation/VerdictBanner.h"
#include "ui/main/ConnectionBar.h"
#include "ui/main/HeapStepPage.h"
#include "ui/main/RunbookCommandRunner.h"
#include "ui/runbook/KubectlRunner.h"
#include "ui/runbook/RunbookChecklistModel.h"
#include "ui/runbook/StepDetailView.h"
#include "ui/verify/FixVerificationPanel.h"
#include "ui/widgets/PageStack.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QMap>
#include <QMessageBox>
#include <QScrollArea>
#include <QSplitter>
#include <QVBoxLayout>

#include <optional>

namespace leakdesk::ui {

namespace {

bool stepHas(const runbook::Step* step, runbook::ActionKind kind)
{
    if (!step)
        return false;
    for (const auto& c : step->commands)
        if (c.action == kind)
            return true;
    return false;
}

incident::StepState toIncident(StepState s)
{
    switch (s) {
    case StepState::Done:
        return incident::StepState::Done;
    case StepState::Skipped:
        return incident::StepState::Skipped;
    case StepState::Pending:
        break;
    }
    return incident::StepState::Pending;
}

StepState fromIncident(incident::StepState s)
{
    switch (s) {
    case incident::StepState::Done:
        return StepState::Done;
    case incident::StepState::Skipped:
        return StepState::Skipped;
    case incident::StepState::Pending:
        break;
    }
    return StepState::Pending;
}

} // namespace

RunbookPage::RunbookPage(PageContext context, QWidget* parent)
    : QWidget(parent)
    , m_ctx(std::move(context))
    , m_checklist(new RunbookChecklistModel(this))
    , m_stepList(new QListView(this))
    , m_runbookTitle(new QLabel(this))
    , m_progress(new QLabel(this))
    , m_stepView(new StepDetailView(this))
    , m_evidence(new PageStack(this))
    , m_noEvidence(new QWidget(this))
    , m_memoryView(new MemoryEvidenceView(this))
    , m_oomView(new OomEvidenceView(this))
    , m_mitigations(new MitigationPanel(this))
    , m_fixVerification(new FixVerificationPanel(this))
    , m_undoStopgaps(new UndoStopgapsBox(this))
    , m_commands(new RunbookCommandRunner(m_ctx, this))
{
    m_stepList->setModel(m_checklist);
    m_stepList->setObjectName(QStringLiteral("runbookSteps"));
    m_stepList->setSpacing(3);
    m_stepList->setWordWrap(true);
    m_runbookTitle->setWordWrap(true);
    m_runbookTitle->setTextFormat(Qt::RichText);
    auto* left = new QWidget(this);
    auto* ll = new QVBoxLayout(left);
    ll->setContentsMargins(8, 8, 4, 8);
    ll->addWidget(m_runbookTitle);
    ll->addWidget(m_stepList, 1);
    ll->addWidget(m_progress);
    m_progress->setObjectName(QStringLiteral("runbookProgress"));
    m_progress->setWordWrap(true);

    m_evidence->addWidget(m_noEvidence);
    m_evidence->addWidget(m_memoryView);
    m_evidence->addWidget(m_oomView);
    m_evidence->addWidget(m_mitigations);
    m_evidence->addWidget(m_fixVerification);
    m_mitigations->setIncident(m_ctx.incident);
    m_fixVerification->setConnectionSource([controller = m_ctx.controller] { return controller->connection(); });
    connect(m_fixVerification, &FixVerificationPanel::verified, this, &RunbookPage::recordFixVerification);
    // Undo stopgaps sits in the fix-verification panel, enabled by its first "fixed" answer.
    m_fixVerification->addActionWidget(m_undoStopgaps);
    m_undoStopgaps->setIncident(m_ctx.incident);
    connect(m_fixVerification, &FixVerificationPanel::verified, this,
        [this](const std::shared_ptr<const investigation::FixVerificationReport>& report) {
            m_undoStopgaps->setFixVerified(report->verification.outcome == analysis::FixOutcome::Fixed,
                QString::fromStdString(report->verification.reason));
        });
    auto* right = new QWidget(this);
    auto* rl = new QVBoxLayout(right);
    rl->setContentsMargins(4, 8, 8, 8);
    rl->addWidget(m_stepView);
    rl->addWidget(m_evidence, 1);

    // The step, its verdict, the chart and the tables need more height than a small screen has:
    // they scroll instead of pushing the window's minimum size past the screen.
    auto* rightScroll = m_stepScroll = new QScrollArea(this);
    rightScroll->setObjectName(QStringLiteral("stepScroll"));
    rightScroll->setWidget(right);
    rightScroll->setWidgetResizable(true);
    rightScroll->setFrameShape(QFrame::NoFrame);
    rightScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(left);
    split->addWidget(rightScroll);
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    split->setSizes({ 300, 1100 });
    auto* pageLayout = new QHBoxLayout(this);
    pageLayout->setContentsMargins(0, 0, 0, 0);
    pageLayout->addWidget(split);

    connect(m_stepList->selectionModel(), &QItemSelectionModel::currentChanged, this,
        [this](const QModelIndex& i) { selectStep(i.row()); });
    connect(m_stepView, &StepDetailView::stateRequested, this, [this](StepState state, const QString& note) {
        const int row = currentStep();
        m_checklist->setStepState(row, state, note);
        selectStep(row);
        if (state != StepState::Pending && row + 1 < m_checklist->rowCount())
            m_stepList->setCurrentIndex(m_checklist->index(row + 1));
    });
    connect(m_checklist, &RunbookChecklistModel::stepStateChanged, this,
        [this](int row, StepState state, const QString& note) {
            updateProgress();
            if (m_restoring || !m_ctx.ensureIncident())
                return;
            m_ctx.incident->modify([&](incident::IncidentDocument& doc) {
                (void)incident::recordStepState(
                    doc, row, toIncident(state), note.toStdString(), incident::currentTimeMs());
            });
        });
    connect(m_oomView, &OomEvidenceView::killActivated, this, &RunbookPage::showMomentOnChart);
    m_memoryView->setConnectionSource([controller = m_ctx.controller] { return controller->connection(); });
    connect(m_ctx.controller, &InvestigationController::investigationFailed, this,
        [this](const QString& message, const QString& hint) {
            m_memoryView->banner()->show(VerdictBanner::Tone::Warning, message, hint);
            m_oomView->banner()->show(VerdictBanner::Tone::Warning, message, hint);
        });
    m_stepView->setRunAvailable(!KubectlRunner::kubectlPath().isEmpty());
    connect(m_stepView, &StepDetailView::runRequested, m_commands, &RunbookCommandRunner::run);
    connect(m_stepView, &StepDetailView::guardedActionRequested, this, [this](runbook::ActionKind kind) {
        switch (kind) {
        case runbook::ActionKind::HeapCapture:
            if (auto* heap = qobject_cast<HeapStepPage*>(m_heapStep))
                heap->captureHeapDump();
            break;
        case runbook::ActionKind::RaiseLimit:
            m_mitigations->apply(MitigationPanel::Kind::RaiseMemoryLimit);
            break;
        case runbook::ActionKind::HeapLimitRestart:
            m_mitigations->apply(MitigationPanel::Kind::SetHeapLimitRestart);
            break;
        default:
            break;
        }
    });
}

void RunbookPage::setHeapStepPage(HeapStepPage* page)
{
    m_heapStep = page;
    m_evidence->addWidget(page);
    connect(page, &HeapStepPage::captureSucceeded, this, &RunbookPage::markCaptureStepDone);
    // The keyboard reaches the step's scroll area after the heap step's buttons, as it did when
    // the window built both.
    QWidget* last = page;
    while (page->isAncestorOf(last->nextInFocusChain()))
        last = last->nextInFocusChain();
    QWidget::setTabOrder(last, m_stepScroll);
}

void RunbookPage::setSuspectsStepPage(QWidget* page)
{
    m_suspectsStep = page;
    m_evidence->addWidget(page);
}

int RunbookPage::heapCaptureStep() const
{
    for (int r = 0; r < m_checklist->rowCount(); ++r)
        if (stepHas(m_checklist->step(r), runbook::ActionKind::HeapCapture))
            return r;
    return -1;
}

// The dump is on this machine and verified: what the capture step asks for is done. A step already
// done keeps its note; one skipped earlier is done now (the capture happened after all).
void RunbookPage::markCaptureStepDone(const QString& summary)
{
    const int row = heapCaptureStep();
    if (row < 0 || m_checklist->stepState(row) == StepState::Done)
        return;
    const QString note = m_checklist->stepNote(row);
    m_checklist->setStepState(row, StepState::Done, note.isEmpty() ? summary : note);
    if (row == currentStep())
        selectStep(row); // the Mark done / Reopen buttons follow
}

int RunbookPage::fixStep() const
{
    std::vector<std::string> titles;
    for (int r = 0; r < m_checklist->rowCount(); ++r)
        titles.push_back(m_checklist->step(r) ? m_checklist->step(r)->title : std::string());
    return incident::fixStepPosition(titles).value_or(-1);
}

void RunbookPage::updateFixTarget(std::shared_ptr<const investigation::Findings> findings)
{
    if (!findings)
        findings = m_ctx.findings();
    if (!findings)
        return;
    // The workload the investigation resolved (a Service names its Deployment), in its namespace.
    const kube::WorkloadRef workload = findings->evidence && findings->evidence->workload
        ? findings->evidence->workload->workload
        : findings->request.target();
    std::optional<qint64> incidentStart;
    if (m_ctx.incident && m_ctx.incident->isOpen())
        incidentStart = m_ctx.incident->document()->createdMs;
    m_fixVerification->setTarget(QString::fromStdString(findings->request.ns), workload, incidentStart);
}

// Every answer goes into the incident's journal when it changed; a verified fix ticks the step with
// its evidence (incident::recordFixVerification), and the checklist shows it.
void RunbookPage::recordFixVerification(const std::shared_ptr<const investigation::FixVerificationReport>& report)
{
    if (!m_ctx.ensureIncident())
        return;
    incident::RecordedFixVerification recorded;
    m_ctx.incident->modify([&](incident::IncidentDocument& doc) {
        recorded = incident::recordFixVerification(doc, *report, incident::currentTimeMs());
    });
    if (!recorded.stepTicked)
        return;
    const int row = fixStep();
    // Journaled already: the checklist follows without journaling it twice.
    m_restoring = true;
    m_checklist->setStepState(
        row, StepState::Done, QStringLiteral("Fix verified: ") + QString::fromStdString(report->verification.reason));
    m_restoring = false;
    if (row == currentStep())
        m_stepView->setStep(m_checklist->step(row), m_checklist->runbook().get(), m_checklist->stepState(row),
            m_checklist->stepNote(row));
    if (m_ctx.showStatus)
        m_ctx.showStatus(tr("Fix verified: step %1 ticked").arg(row + 1));
}

void RunbookPage::setRunbook(
    std::shared_ptr<const runbook::Runbook> runbook, const runbook::RunbookParameters& parameters)
{
    m_checklist->setRunbook(runbook);
    m_params = parameters;
    if (runbook) {
        QString meta;
        if (!runbook->severity.empty())
            meta += tr("Severity: %1").arg(QString::fromStdString(runbook->severity).toHtmlEscaped());
        if (!runbook->owner.empty())
            meta += (meta.isEmpty() ? QString() : QStringLiteral("<br>"))
                + tr("Owner: %1").arg(QString::fromStdString(runbook->owner).toHtmlEscaped());
        m_runbookTitle->setText(QStringLiteral("<b>%1</b><br><span style='color:#5f6368'>%2</span>")
                                    .arg(QString::fromStdString(runbook->title).toHtmlEscaped(), meta));
        if (!runbook->warnings.empty())
            m_runbookTitle->setToolTip(tr("%n part(s) of the runbook were not understood; see Help.", nullptr,
                static_cast<int>(runbook->warnings.size())));
    }
    updateProgress();
    if (m_checklist->rowCount() > 0)
        m_stepList->setCurrentIndex(m_checklist->index(0));
    else
        selectStep(-1);
}

void RunbookPage::setParameters(const runbook::RunbookParameters& parameters)
{
    m_params = parameters;
    if (m_evidence->currentWidget() == m_mitigations)
        updateMitigationTarget();
}

void RunbookPage::updateProgress()
{
    // A skipped step is not done: counted apart, so that "done" means what was checked.
    const int skipped = m_checklist->skippedCount();
    QString text = tr("%1 of %2 steps done").arg(m_checklist->doneCount()).arg(m_checklist->rowCount());
    if (skipped > 0)
        text += tr(", %n skipped", nullptr, skipped);
    m_progress->setText(text);
}

QString RunbookPage::progressText() const
{
    return m_progress->text();
}

int RunbookPage::currentStep() const
{
    return m_stepList->currentIndex().row();
}

QWidget* RunbookPage::currentEvidenceWidget() const
{
    return m_evidence->currentWidget();
}

void RunbookPage::selectStep(int row)
{
    if (row != currentStep() && row >= 0)
        m_stepList->setCurrentIndex(m_checklist->index(row));
    const runbook::Step* step = m_checklist->step(row);
    m_stepView->setStep(step, m_checklist->runbook().get(), m_checklist->stepState(row), m_checklist->stepNote(row));
    const bool memory = stepHas(step, runbook::ActionKind::MemoryEvidence);
    const bool oom = stepHas(step, runbook::ActionKind::OomEvidence);
    const bool heap = !memory && !oom && stepHas(step, runbook::ActionKind::HeapCapture);
    const bool mitigate = !memory && !oom && !heap
        && (stepHas(step, runbook::ActionKind::RaiseLimit) || stepHas(step, runbook::ActionKind::HeapLimitRestart));
    // The step right after the capture, when it has no command of its own, is where the dump is
    // read ("check for common leak sources"): it shows what the analysis found.
    const int captureRow = heapCaptureStep();
    const bool suspects = m_suspectsStep && step && step->commands.empty() && captureRow >= 0 && row == captureRow + 1;
    const bool fix = !memory && !oom && !heap && !mitigate && !suspects && row >= 0 && row == fixStep();
    m_stepView->setCompact(memory || oom || heap || mitigate);
    m_evidence->setCurrentWidget(memory ? static_cast<QWidget*>(m_memoryView)
            : oom                       ? static_cast<QWidget*>(m_oomView)
            : heap                      ? m_heapStep
            : mitigate                  ? static_cast<QWidget*>(m_mitigations)
            : suspects                  ? m_suspectsStep
            : fix                       ? static_cast<QWidget*>(m_fixVerification)
                                        : m_noEvidence);
    m_evidence->setVisible(memory || oom || heap || mitigate || suspects || fix);
    if (fix)
        m_undoStopgaps->setCluster(m_ctx.controller->connection() ? &m_ctx.controller->connection()->kube() : nullptr);
    if (mitigate)
        updateMitigationTarget();
    // Followed live while shown; no polling of the cluster for a step nobody looks at.
    if (fix)
        updateFixTarget({});
    m_fixVerification->setFollowing(fix);
    updateBindings();
}

void RunbookPage::setJvmPid(const QString& pod, int pid)
{
    m_jvmPod = pod;
    m_jvmPid = pid;
    updateBindings();
}

void RunbookPage::updateBindings()
{
    QMap<QString, QString> b;
    b.insert(QStringLiteral("service-name"), m_ctx.bar->currentService());
    const auto findings = m_ctx.findings();
    if (findings && findings->evidence && findings->evidence->workload) {
        const auto& w = *findings->evidence->workload;
        b.insert(QStringLiteral("service-name"), QString::fromStdString(w.workload.name));
        // The pods' own labels: `-l app=<service-name>` finds nothing on a Helm-labelled workload.
        if (!w.selector.empty())
            b.insert(QStringLiteral("pod-selector"), QString::fromStdString(w.selector));
    }
    if (findings && !findings->pods.empty()) {
        // The pod whose JVM a pre-flight has found, while it is still one of the service's; else
        // the one a heap capture would default to (most memory, not at risk of an OOM kill).
        QString pod;
        for (const auto& p : findings->pods)
            if (!m_jvmPod.isEmpty() && QString::fromStdString(p.name) == m_jvmPod)
                pod = m_jvmPod;
        if (pod.isEmpty())
            pod = QString::fromStdString(investigation::captureCandidates(findings->pods).front().pod);
        b.insert(QStringLiteral("pod-name"), pod);
        if (pod == m_jvmPod && m_jvmPid > 0)
            b.insert(QStringLiteral("jvm-pid"), QString::number(m_jvmPid));
    }
    m_stepView->setBindings(b, m_ctx.bar->currentNamespace());
}

void RunbookPage::showFindings(const std::shared_ptr<const investigation::Findings>& findings)
{
    m_memoryView->setFindings(findings);
    m_oomView->setFindings(findings);
    updateBindings();
    if (m_evidence->currentWidget() == m_mitigations)
        updateMitigationTarget();
    if (m_evidence->currentWidget() == m_fixVerification)
        updateFixTarget(findings);
}

void RunbookPage::updateMitigationTarget()
{
    auto* conn = m_ctx.controller->connection();
    const QString service = m_ctx.bar->currentService();
    const auto findings = m_ctx.findings();
    std::optional<std::int64_t> peak;
    if (findings && findings->evidence && QString::fromStdString(findings->request.service) == service)
        for (const auto& series : findings->evidence->seriesOf(prometheus::QueryKind::MemoryWorkingSet))
            for (const auto& sample : series.samples)
                if (!peak || sample.value > static_cast<double>(*peak))
                    peak = static_cast<std::int64_t>(sample.value);
    m_mitigations->setTarget(conn ? &conn->kube() : nullptr, m_ctx.bar->currentNamespace(), service, peak, m_params);
}

void RunbookPage::showMomentOnChart(qint64 tMs)
{
    for (int r = 0; r < m_checklist->rowCount(); ++r)
        if (stepHas(m_checklist->step(r), runbook::ActionKind::MemoryEvidence)) {
            Q_EMIT revealRequested();
            m_stepList->setCurrentIndex(m_checklist->index(r));
            m_memoryView->chart()->setVisibleRange({ tMs - 30 * 60 * 1000, tMs + 30 * 60 * 1000 });
            m_memoryView->chart()->showCrosshairAt(tMs);
            return;
        }
}

void RunbookPage::exportChartDialog()
{
    const QString path = QFileDialog::getSaveFileName(
        window(), tr("Export chart"), QStringLiteral("memory.png"), tr("PNG image (*.png)"));
    if (path.isEmpty())
        return;
    if (auto st = m_memoryView->chart()->exportPng(path, 1600, 900); !st)
        QMessageBox::warning(window(), tr("Export failed"), QString::fromStdString(st.error().toString()));
}

void RunbookPage::restoreSteps(const incident::IncidentDocument& doc)
{
    m_restoring = true;
    for (const auto& step : doc.runbook.steps) {
        if (step.index < 0 || step.index >= m_checklist->rowCount())
            continue;
        const runbook::Step* s = m_checklist->step(step.index);
        if (s && s->title != step.title)
            continue; // another runbook: only steps that still mean the same are restored
        m_checklist->setStepState(step.index, fromIncident(step.state), QString::fromStdString(step.note));
    }
    m_restoring = false;
}

void RunbookPage::resetSteps()
{
    m_restoring = true;
    for (int r = 0; r < m_checklist->rowCount(); ++r)
        m_checklist->setStepState(r, StepState::Pending, {});
    m_restoring = false;
}

void RunbookPage::carryStepStates(incident::IncidentDocument& doc, std::int64_t nowMs) const
{
    for (int r = 0; r < m_checklist->rowCount(); ++r)
        if (m_checklist->stepState(r) != StepState::Pending)
            (void)incident::recordStepState(
                doc, r, toIncident(m_checklist->stepState(r)), m_checklist->stepNote(r).toStdString(), nowMs);
}

} // namespace leakdesk::ui
