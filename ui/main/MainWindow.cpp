#include "main/MainWindow.h"

#include "actions/MitigationPanel.h"
#include "chart/MemoryChart.h"
#include "heap/HeapCaptureDialog.h"
#include "heap/HeapView.h"
#include "heap/LeakSuspects.h"
#include "heap/ServiceIsolationBox.h"
#include "incident/EscalationBar.h"
#include "incident/IncidentExport.h"
#include "incident/IncidentRecording.h"
#include "incident/IncidentSession.h"
#include "incident/InvestigationRecording.h"
#include "incident/TimelineView.h"
#include "investigation/Escalation.h"
#include "investigation/Evidence.h"
#include "investigation/InvestigationController.h"
#include "investigation/MemoryEvidenceView.h"
#include "investigation/OomEvidenceView.h"
#include "investigation/VerdictBanner.h"
#include "kube/KubeConfig.h"
#include "main/ConnectionBar.h"
#include "runbook/CommandLine.h"
#include "runbook/KubectlChangeConfirmation.h"
#include "runbook/KubectlRunner.h"
#include "runbook/Parameters.h"
#include "runbook/RunbookChecklistModel.h"
#include "runbook/RunbookParser.h"
#include "runbook/StepDetailView.h"
#include "runbook/ThresholdsDialog.h"

#include <QApplication>
#include <QCryptographicHash>
#include <QDateTime>
#include <QDialog>
#include <QDir>
#include <QFileDialog>
#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QTabWidget>
#include <QtConcurrent/QtConcurrentRun>
#include <QLabel>
#include <QListView>
#include <QMenuBar>
#include <QMessageBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QToolBar>
#include <QVBoxLayout>

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

// SHA-256 of a file in 1 MiB reads (dumps are gigabytes): lower-case hex, empty when unreadable.
std::string sha256OfFile(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!hash.addData(&f))
        return {};
    return hash.result().toHex().toStdString();
}

} // namespace

MainWindow::MainWindow(InvestigationController* controller, std::shared_ptr<const runbook::Runbook> runbook, QWidget* parent)
    : QMainWindow(parent)
    , m_controller(controller)
    , m_bar(new ConnectionBar(this))
    , m_checklist(new RunbookChecklistModel(this))
    , m_stepList(new QListView(this))
    , m_runbookTitle(new QLabel(this))
    , m_progress(new QLabel(this))
    , m_stepView(new StepDetailView(this))
    , m_evidence(new QStackedWidget(this))
    , m_noEvidence(new QWidget(this))
    , m_memoryView(new MemoryEvidenceView(this))
    , m_oomView(new OomEvidenceView(this))
    , m_heapPanel(new QWidget(this))
    , m_mitigations(new MitigationPanel(this))
    , m_escalation(new EscalationBar(this))
    , m_kubectl(new KubectlRunner(this))
    , m_tabs(new QTabWidget(this))
    , m_heapView(new HeapView(this))
    , m_timeline(new TimelineView(this))
    , m_incident(new IncidentSession(this))
{
    setWindowTitle(tr("LeakDesk"));
    // Never larger than the screen: on a 1280x720 laptop the window must fit with all its buttons.
    QSize size(1400, 900);
    if (const QScreen* screen = QGuiApplication::primaryScreen())
        size = size.boundedTo(screen->availableSize());
    resize(size);

    auto* toolbar = addToolBar(tr("Connection"));
    toolbar->setObjectName(QStringLiteral("connectionToolbar"));
    toolbar->setMovable(false);
    toolbar->addWidget(m_bar);

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

    m_evidence->addWidget(m_noEvidence);
    m_evidence->addWidget(m_memoryView);
    m_evidence->addWidget(m_oomView);
    {
        // Heap steps: the dump is analysed in the Heap tab.
        auto* hl = new QVBoxLayout(m_heapPanel);
        auto* hint = new QLabel(tr("Capture a dump from a pod (LeakDesk finds the JVM, checks disk space, memory headroom and "
                                   "tools first, and verifies the transfer), or open a <code>.hprof</code> (or "
                                   "<code>.hprof.gz</code>) file. It is analysed here instead of in MAT or VisualVM: class histogram, "
                                   "dominator tree, leak suspects with their path to a GC root, and the growth between two dumps."),
            m_heapPanel);
        hint->setWordWrap(true);
        hint->setTextFormat(Qt::RichText);
        auto* capture = new QPushButton(tr("Capture heap dump…"), m_heapPanel);
        capture->setObjectName(QStringLiteral("captureHeapDumpButton"));
        capture->setToolTip(tr("Pre-flight, dump in the pod, verified transfer to this machine, then the analysis"));
        connect(capture, &QPushButton::clicked, this, [this] { captureHeapDump(); });
        auto* open = new QPushButton(tr("Open heap dump…"), m_heapPanel);
        open->setObjectName(QStringLiteral("openHeapDumpButton"));
        auto* show = new QPushButton(tr("Show Heap view"), m_heapPanel);
        connect(open, &QPushButton::clicked, this, &MainWindow::openHeapDumpDialog);
        connect(show, &QPushButton::clicked, this, [this] { m_tabs->setCurrentWidget(m_heapView); });
        auto* buttons = new QHBoxLayout;
        buttons->addWidget(capture);
        buttons->addWidget(open);
        buttons->addWidget(show);
        buttons->addStretch(1);
        hl->addWidget(hint);
        hl->addLayout(buttons);
        hl->addStretch(1);
        m_evidence->addWidget(m_heapPanel);
    }
    m_evidence->addWidget(m_mitigations);
    m_mitigations->setIncident(m_incident);
    auto* right = new QWidget(this);
    auto* rl = new QVBoxLayout(right);
    rl->setContentsMargins(4, 8, 8, 8);
    rl->addWidget(m_stepView);
    rl->addWidget(m_evidence, 1);

    // The step, its verdict, the chart and the tables need more height than a small screen has:
    // they scroll instead of pushing the window's minimum size past the screen.
    auto* rightScroll = new QScrollArea(this);
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
    m_tabs->setObjectName(QStringLiteral("mainTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(split, tr("Runbook"));
    m_tabs->addTab(m_heapView, tr("Heap dump"));
    m_tabs->addTab(m_timeline, tr("Timeline"));
    auto* central = new QWidget(this);
    auto* cl = new QVBoxLayout(central);
    cl->setContentsMargins(0, 0, 0, 0);
    cl->setSpacing(0);
    m_escalation->setObjectName(QStringLiteral("escalationBar"));
    m_escalation->setSession(m_incident);
    cl->addWidget(m_escalation);
    cl->addWidget(m_tabs, 1);
    setCentralWidget(central);
    buildMenus();

    // The incident: every finding, step change, note and heap analysis is journaled and saved.
    connect(m_incident, &IncidentSession::documentChanged, this, [this](std::shared_ptr<const incident::IncidentDocument> doc) {
        m_timeline->setDocument(doc);
        m_tabs->setTabText(m_tabs->indexOf(m_timeline), doc ? tr("Timeline (%1)").arg(doc->journal.size()) : tr("Timeline"));
        updateTitle();
    });
    connect(m_incident, &IncidentSession::saveFailed, this, [this](const QString& message) {
        statusBar()->showMessage(tr("The incident could not be saved: %1 — it is kept in memory and saved again with the next change").arg(message));
    });
    connect(m_timeline, &TimelineView::entryActivated, this, &MainWindow::showMomentOnChart);
    connect(m_heapView, &HeapView::analysisFinished, this, &MainWindow::recordHeapAnalysis);

    connect(m_controller, &InvestigationController::stateChanged, this,
        [this](const ConnectionState& s) { m_bar->setState(s, m_controller->contexts()); });
    connect(m_controller, &InvestigationController::namespacesChanged, m_bar, &ConnectionBar::setNamespaces);
    connect(m_controller, &InvestigationController::servicesChanged, this, [this](const QString& ns, const QStringList& services) {
        if (ns != m_bar->currentNamespace())
            return; // the user moved on
        QString preferred = m_preferredService;
        if (preferred.isEmpty() && !services.isEmpty())
            preferred = services.first();
        m_bar->setServices(services, preferred);
        if (services.isEmpty())
            statusBar()->showMessage(tr("No Deployments in namespace %1").arg(ns));
    });
    connect(m_controller, &InvestigationController::busyChanged, m_bar, &ConnectionBar::setBusy);
    connect(m_controller, &InvestigationController::findingsReady, this, &MainWindow::showFindings);
    connect(m_controller, &InvestigationController::investigationFailed, this, [this](const QString& message, const QString& hint) {
        statusBar()->showMessage(hint.isEmpty() ? message : tr("%1 — %2").arg(message, hint));
        m_memoryView->banner()->show(VerdictBanner::Tone::Warning, message, hint);
        m_oomView->banner()->show(VerdictBanner::Tone::Warning, message, hint);
    });
    connect(m_bar, &ConnectionBar::namespaceSelected, m_controller, &InvestigationController::refreshServices);
    connect(m_bar, &ConnectionBar::serviceSelected, this, [this](const QString& service) {
        m_preferredService = service;
        m_controller->investigate(m_bar->currentNamespace(), service);
    });
    connect(m_bar, &ConnectionBar::refreshRequested, this, [this] { m_controller->investigate(m_bar->currentNamespace(), m_bar->currentService()); });
    connect(m_bar, &ConnectionBar::contextSelected, this, [this](const QString& context) {
        auto* conn = m_controller->connection();
        if (!conn || context == conn->contextName())
            return;
        // Same kubeconfig file, Prometheus URL, token, CA and metric names; only the context changes.
        const investigation::ConnectionOptions o = conn->optionsForContext(context);
        if (auto st = m_controller->open(o); !st)
            QMessageBox::warning(this, tr("Cannot switch context"), QString::fromStdString(st.error().toString()));
        else
            m_controller->refreshNamespaces();
    });

    connect(m_stepList->selectionModel(), &QItemSelectionModel::currentChanged, this, [this](const QModelIndex& i) { selectStep(i.row()); });
    connect(m_stepView, &StepDetailView::stateRequested, this, [this](StepState state, const QString& note) {
        const int row = currentStep();
        m_checklist->setStepState(row, state, note);
        selectStep(row);
        if (state != StepState::Pending && row + 1 < m_checklist->rowCount())
            m_stepList->setCurrentIndex(m_checklist->index(row + 1));
    });
    connect(m_checklist, &RunbookChecklistModel::stepStateChanged, this, [this](int row, StepState state, const QString& note) {
        m_progress->setText(tr("%1 of %2 steps done").arg(m_checklist->doneCount()).arg(m_checklist->rowCount()));
        if (m_restoring || !ensureIncident())
            return;
        m_incident->modify([&](incident::IncidentDocument& doc) {
            (void)incident::recordStepState(doc, row, toIncident(state), note.toStdString(), incident::currentTimeMs());
        });
    });
    connect(m_oomView, &OomEvidenceView::killActivated, this, &MainWindow::showMomentOnChart);
    m_stepView->setRunAvailable(!KubectlRunner::kubectlPath().isEmpty());
    connect(m_stepView, &StepDetailView::runRequested, this, [this](const QString& command) { runCommand(command); });
    connect(m_kubectl, &KubectlRunner::finished, this, &MainWindow::onCommandFinished);

    setRunbook(std::move(runbook));
    statusBar()->showMessage(tr("Connecting…"));
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus()
{
    auto* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&New incident"), QKeySequence::New, this, &MainWindow::newIncident);
    file->addAction(tr("&Open incident…"), QKeySequence::Open, this, &MainWindow::openIncidentDialog);
    file->addAction(tr("Export incident &report…"), this, &MainWindow::exportReportDialog);
    file->addSeparator();
    file->addAction(tr("Open &runbook…"), this, &MainWindow::openRunbookFile);
    file->addAction(tr("Open &heap dump…"), this, &MainWindow::openHeapDumpDialog);
    file->addAction(tr("&Export chart as PNG…"), this, &MainWindow::exportChart);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::quit);
    auto* inc = menuBar()->addMenu(tr("&Incident"));
    inc->addAction(tr("Add &note…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N), this, &MainWindow::addNoteDialog);
    inc->addAction(tr("Show &timeline"), this, [this] { m_tabs->setCurrentWidget(m_timeline); });
    inc->addAction(tr("Runbook t&hresholds…"), this, [this] {
        const auto book = m_checklist->runbook();
        ThresholdsDialog dialog(m_params, book ? runbook::parametersOf(*book) : runbook::RunbookParameters {}, this);
        if (dialog.exec() == QDialog::Accepted)
            setParameters(dialog.parameters());
    });
    auto* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About LeakDesk"), this, [this] {
        QMessageBox::about(this, tr("About LeakDesk"),
            tr("<b>LeakDesk %1</b><p>The memory-leak runbook as a guided checklist, backed by cluster and Prometheus evidence.</p>")
                .arg(QApplication::applicationVersion()));
    });
}

void MainWindow::setRunbook(std::shared_ptr<const runbook::Runbook> runbook)
{
    m_checklist->setRunbook(runbook);
    m_params = runbook ? runbook::parametersOf(*runbook) : runbook::RunbookParameters {};
    m_escalation->setParameters(m_params);
    m_controller->setParameters(m_params);
    if (runbook) {
        QString meta;
        if (!runbook->severity.empty())
            meta += tr("Severity: %1").arg(QString::fromStdString(runbook->severity).toHtmlEscaped());
        if (!runbook->owner.empty())
            meta += (meta.isEmpty() ? QString() : QStringLiteral("<br>")) + tr("Owner: %1").arg(QString::fromStdString(runbook->owner).toHtmlEscaped());
        m_runbookTitle->setText(QStringLiteral("<b>%1</b><br><span style='color:#5f6368'>%2</span>")
                                    .arg(QString::fromStdString(runbook->title).toHtmlEscaped(), meta));
        if (!runbook->warnings.empty())
            m_runbookTitle->setToolTip(tr("%n part(s) of the runbook were not understood; see Help.", nullptr, static_cast<int>(runbook->warnings.size())));
    }
    m_progress->setText(tr("%1 of %2 steps done").arg(m_checklist->doneCount()).arg(m_checklist->rowCount()));
    if (m_checklist->rowCount() > 0)
        m_stepList->setCurrentIndex(m_checklist->index(0));
    else
        selectStep(-1);
}

int MainWindow::currentStep() const { return m_stepList->currentIndex().row(); }

QWidget* MainWindow::currentEvidenceWidget() const { return m_evidence->currentWidget(); }

void MainWindow::selectStep(int row)
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
    m_stepView->setCompact(memory || oom || mitigate);
    m_evidence->setCurrentWidget(memory ? static_cast<QWidget*>(m_memoryView)
            : oom                       ? static_cast<QWidget*>(m_oomView)
            : heap                      ? m_heapPanel
            : mitigate                  ? static_cast<QWidget*>(m_mitigations)
                                        : m_noEvidence);
    m_evidence->setVisible(memory || oom || heap || mitigate);
    if (mitigate)
        updateMitigationTarget();
    updateBindings();
}

void MainWindow::updateBindings()
{
    QMap<QString, QString> b;
    b.insert(QStringLiteral("service-name"), m_bar->currentService());
    if (m_findings && !m_findings->pods.empty())
        b.insert(QStringLiteral("pod-name"), QString::fromStdString(m_findings->pods.front().name)); // highest memory first
    m_stepView->setBindings(b, m_bar->currentNamespace());
}

void MainWindow::showFindings(std::shared_ptr<const investigation::Findings> findings)
{
    if (QString::fromStdString(findings->request.service) != m_bar->currentService())
        return; // an answer for a service the user has left
    m_findings = findings;
    m_memoryView->setFindings(findings);
    m_oomView->setFindings(findings);
    updateBindings();
    if (m_evidence->currentWidget() == m_mitigations)
        updateMitigationTarget();
    // Escalation needs what the cluster says about the service: who reaches it, who owns it.
    m_escalation->setEvidence(findings, std::nullopt);
    if (auto* conn = m_controller->connection())
        investigation::fetchServiceContext(conn->kube(), QString::fromStdString(findings->request.ns),
            QString::fromStdString(findings->request.service), this, [this, findings](Result<investigation::ServiceContext> ctx) {
                if (findings != m_findings)
                    return; // newer findings arrived meanwhile
                if (!ctx) {
                    statusBar()->showMessage(tr("Escalation check incomplete: %1").arg(QString::fromStdString(ctx.error().toString())));
                    return;
                }
                m_escalation->setEvidence(findings, std::move(ctx).value());
            });
    statusBar()->showMessage(tr("%1: %2 pods, %3 OOM kills in the last hour — updated %4")
                                 .arg(QString::fromStdString(findings->request.service))
                                 .arg(findings->pods.size())
                                 .arg(findings->oom.countLastHour)
                                 .arg(QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss"))));
    Q_EMIT findingsShown(findings);
    if (!ensureIncident()) {
        Q_EMIT findingsRecorded({});
        return;
    }
    std::string id;
    m_incident->modify([&](incident::IncidentDocument& doc) {
        if (doc.service.empty()) {
            doc.ns = findings->request.ns;
            doc.service = findings->request.service;
        }
        id = incident::recordFindings(doc, *findings, incident::currentTimeMs());
    });
    Q_EMIT findingsRecorded(QString::fromStdString(id));
}

void MainWindow::openRunbookFile()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open runbook"), {}, tr("Markdown (*.md *.markdown);;All files (*)"));
    if (path.isEmpty())
        return;
    auto book = runbook::loadRunbookFile(path.toStdString());
    if (!book) {
        QMessageBox::warning(this, tr("Cannot open runbook"), QString::fromStdString(book.error().toString()));
        return;
    }
    setRunbook(std::make_shared<const runbook::Runbook>(std::move(book).value()));
}

void MainWindow::exportChart()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export chart"), QStringLiteral("memory.png"), tr("PNG image (*.png)"));
    if (path.isEmpty())
        return;
    if (auto st = m_memoryView->chart()->exportPng(path, 1600, 900); !st)
        QMessageBox::warning(this, tr("Export failed"), QString::fromStdString(st.error().toString()));
}

bool MainWindow::ensureIncident()
{
    if (m_incident->isOpen())
        return true;
    const QString ns = m_bar->currentNamespace();
    const QString service = m_bar->currentService();
    if (service.isEmpty())
        return false; // nothing to name the incident after yet
    const QString path = m_pendingIncidentPath.isEmpty() ? IncidentSession::defaultPathFor(ns, service, incident::currentTimeMs())
                                                         : m_pendingIncidentPath;
    m_pendingIncidentPath.clear();
    return openOrCreateIncident(path);
}

bool MainWindow::openOrCreateIncident(const QString& path)
{
    if (!QFileInfo::exists(path) && m_bar->currentService().isEmpty()) {
        // Started before a service is chosen: the incident is created there with the first finding.
        m_pendingIncidentPath = path;
        return true;
    }
    if (QFileInfo::exists(path)) {
        incident::LoadFailure failure;
        if (auto st = m_incident->open(path, &failure); !st) {
            QString text = QString::fromStdString(st.error().toString());
            if (failure.backupLoadable) {
                const auto answer = QMessageBox::question(this, tr("Incident file damaged"),
                    tr("%1\n\nThe last good autosave (%2) can be opened instead. Open it?")
                        .arg(text, QDateTime::fromMSecsSinceEpoch(failure.backupUpdatedMs).toString(Qt::ISODate)));
                if (answer == QMessageBox::Yes) {
                    if (auto b = m_incident->openBackup(path); b) {
                        restoreFromIncident();
                        return true;
                    }
                }
            } else {
                QMessageBox::warning(this, tr("Cannot open incident"), text);
            }
            return false;
        }
        restoreFromIncident();
        statusBar()->showMessage(tr("Incident reopened from %1").arg(path));
        return true;
    }
    incident::NewIncident params;
    params.ns = m_bar->currentNamespace().toStdString();
    params.service = m_bar->currentService().toStdString();
    if (auto* conn = m_controller->connection())
        params.cluster = incident::clusterRefFor(
            conn->contextName().toStdString(), conn->kube().serverUrl().toString().toStdString(), conn->isSandbox());
    params.runbook = m_checklist->runbook().get();
    params.nowMs = incident::currentTimeMs();
    auto doc = incident::newIncident(params);
    // Steps already ticked before the incident existed are carried over.
    for (int r = 0; r < m_checklist->rowCount(); ++r)
        if (m_checklist->stepState(r) != StepState::Pending)
            (void)incident::recordStepState(doc, r, toIncident(m_checklist->stepState(r)), m_checklist->stepNote(r).toStdString(), params.nowMs);
    if (auto st = m_incident->create(path, std::move(doc)); !st) {
        statusBar()->showMessage(tr("No incident file: %1").arg(QString::fromStdString(st.error().toString())));
        return false;
    }
    statusBar()->showMessage(tr("Incident started; saved after every change to %1").arg(path));
    return true;
}

void MainWindow::restoreFromIncident()
{
    auto doc = m_incident->document();
    if (!doc)
        return;
    m_restoring = true;
    for (const auto& step : doc->runbook.steps) {
        if (step.index < 0 || step.index >= m_checklist->rowCount())
            continue;
        const runbook::Step* s = m_checklist->step(step.index);
        if (s && s->title != step.title)
            continue; // another runbook: only steps that still mean the same are restored
        m_checklist->setStepState(step.index, fromIncident(step.state), QString::fromStdString(step.note));
    }
    m_restoring = false;
    if (!doc->service.empty())
        m_preferredService = QString::fromStdString(doc->service);
    for (auto it = doc->heapDumps.rbegin(); it != doc->heapDumps.rend(); ++it)
        if (!it->path.empty() && QFileInfo::exists(QString::fromStdString(it->path))) {
            m_heapView->openDump(QString::fromStdString(it->path)); // the latest dump still on disk
            break;
        }
    selectStep(std::max(0, currentStep()));
    updateTitle();
}

void MainWindow::updateTitle()
{
    auto doc = m_incident->document();
    if (!doc) {
        setWindowTitle(tr("LeakDesk"));
        return;
    }
    const QString sev = QString::fromStdString(doc->currentSeverity());
    setWindowTitle(tr("%1%2 — LeakDesk").arg(sev.isEmpty() ? QString() : QStringLiteral("[%1] ").arg(sev), QString::fromStdString(doc->title)));
    setWindowFilePath(m_incident->path());
}

void MainWindow::newIncident()
{
    m_incident->close();
    m_restoring = true;
    for (int r = 0; r < m_checklist->rowCount(); ++r)
        m_checklist->setStepState(r, StepState::Pending, {});
    m_restoring = false;
    selectStep(0);
    if (ensureIncident())
        m_tabs->setCurrentIndex(0);
}

void MainWindow::openIncidentDialog()
{
    const QString dir = QFileInfo(IncidentSession::defaultPathFor({}, {}, 0)).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open incident"), dir, tr("LeakDesk incidents (*.leakdesk);;All files (*)"));
    if (!path.isEmpty())
        openOrCreateIncident(path);
}

void MainWindow::addNote(const QString& text)
{
    if (text.trimmed().isEmpty() || !ensureIncident())
        return;
    const int step = currentStep();
    m_incident->modify([&](incident::IncidentDocument& doc) { incident::recordNote(doc, text.trimmed().toStdString(), incident::currentTimeMs(), step); });
    statusBar()->showMessage(tr("Note added to the incident"));
}

void MainWindow::addNoteDialog()
{
    bool ok = false;
    const QString text = QInputDialog::getMultiLineText(this, tr("Add note"), tr("Note for the incident journal:"), {}, &ok);
    if (ok)
        addNote(text);
}

void MainWindow::exportReportDialog()
{
    auto doc = m_incident->document();
    if (!doc) {
        QMessageBox::information(this, tr("Export report"), tr("There is no incident yet: investigate a service first."));
        return;
    }
    QString selected;
    const QString base = QFileInfo(m_incident->path()).completeBaseName();
    const QString path = QFileDialog::getSaveFileName(this, tr("Export incident report"), base + QStringLiteral(".html"),
        tr("HTML, self-contained (*.html);;Markdown (*.md);;PDF (*.pdf);;JSON (*.json)"), &selected);
    if (path.isEmpty())
        return;
    const QString suffix = QFileInfo(path).suffix().toLower();
    auto format = incident::exportFormatFromName(suffix.toStdString());
    if (!format) {
        QMessageBox::warning(this, tr("Export report"), tr("Choose a file ending in .html, .md, .pdf or .json"));
        return;
    }
    const bool redact = QMessageBox::question(this, tr("Export report"),
                            tr("Redact names (pods, namespaces, images) for sharing outside the company?"),
                            QMessageBox::Yes | QMessageBox::No, QMessageBox::No)
        == QMessageBox::Yes;
    incident::ExportOptions options;
    options.redact = redact;
    auto written = incident::writeIncidentExport(*doc, *format, path, options);
    if (!written) {
        QMessageBox::warning(this, tr("Export failed"), QString::fromStdString(written.error().toString()));
        return;
    }
    statusBar()->showMessage(tr("Report written to %1 (%n file(s))", nullptr, static_cast<int>(written->size())).arg(path));
}

void MainWindow::openHeapDumpDialog()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open heap dump"), {}, tr("HPROF heap dumps (*.hprof *.hprof.gz *.bin);;All files (*)"));
    if (!path.isEmpty())
        openHeapDump(path);
}

void MainWindow::openHeapDump(const QString& path)
{
    m_tabs->setCurrentWidget(m_heapView);
    m_heapView->openDump(path);
}

QDialog* MainWindow::captureHeapDump(const QString& podName)
{
    auto* conn = m_controller->connection();
    if (!conn) {
        QMessageBox::information(this, tr("Capture heap dump"), tr("No cluster is open."));
        return nullptr;
    }
    QString pod = podName;
    if (pod.isEmpty()) {
        QStringList pods;
        if (m_findings)
            for (const auto& p : m_findings->pods) // highest memory first
                pods << QString::fromStdString(p.name);
        if (pods.isEmpty()) {
            QMessageBox::information(this, tr("Capture heap dump"), tr("Investigate a service first: its pods are listed here."));
            return nullptr;
        }
        bool ok = false;
        pod = QInputDialog::getItem(this, tr("Capture heap dump"), tr("Pod (highest memory first):"), pods, 0, false, &ok);
        if (!ok)
            return nullptr;
    }
    // Dumps go next to the incident file, in a folder of their own.
    ensureIncident();
    QString base = QDir::tempPath() + QStringLiteral("/leakdesk-dumps");
    if (m_incident->isOpen()) {
        const QFileInfo file(m_incident->path());
        base = file.absolutePath() + QLatin1Char('/') + file.completeBaseName() + QStringLiteral("-dumps");
    }
    QDir().mkpath(base);
    const QString ns = m_bar->currentNamespace();
    auto* dialog = new HeapCaptureDialog(conn->kube(), ns, pod, {}, base, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &HeapCaptureDialog::captured, this, [this, dialog](const QString& path, const QString& sha, const QString& p, const QString& c) {
        // The capture touched the cluster (a full GC, a file in the pod, maybe a debug container):
        // journaled as an action, with what the pipeline reported.
        if (const auto& r = dialog->result(); r && ensureIncident()) {
            incident::ActionRecord a;
            a.kind = "heap-capture";
            a.title = tr("Heap dump of %1 captured (%2 MB%3)")
                          .arg(p)
                          .arg(r->bytes / 1e6, 0, 'f', 1)
                          .arg(r->resumes > 0 ? tr(", %n resume(s)", nullptr, r->resumes) : QString())
                          .toStdString();
            a.target = "pod/" + p.toStdString() + (c.isEmpty() ? std::string() : " container " + c.toStdString());
            QStringList out { tr("local file: %1").arg(path), tr("SHA-256: %1 (%2)").arg(sha, r->verifiedInPod ? tr("verified against sha256sum in the pod") : tr("not verified in the pod")),
                r->remoteRemoved ? tr("removed from the pod: %1").arg(r->remoteFile) : tr("left in the pod: %1").arg(r->remoteFile) };
            out += r->notes;
            a.output = out.join(QLatin1Char('\n')).toStdString();
            a.state = incident::ActionState::Applied;
            m_incident->modify([&](incident::IncidentDocument& doc) { incident::recordAction(doc, a, incident::currentTimeMs()); });
        }
        // An earlier dump of the same service still on disk: the growth between them is the leak.
        QString earlier;
        if (auto doc = m_incident->document())
            for (auto it = doc->heapDumps.rbegin(); it != doc->heapDumps.rend() && earlier.isEmpty(); ++it)
                if (QString::fromStdString(it->path) != path && QFileInfo::exists(QString::fromStdString(it->path)))
                    earlier = QString::fromStdString(it->path);
        m_captured.insert(path, { p, c, sha, incident::currentTimeMs() });
        openHeapDump(path);
        if (!earlier.isEmpty()) {
            m_heapView->openDiff(earlier, path); // in the Diff tab, next to the new dump's analysis
            statusBar()->showMessage(tr("Captured %1 (SHA-256 verified); the Diff tab compares it with %2: what grows is the leak")
                                         .arg(QFileInfo(path).fileName(), QFileInfo(earlier).fileName()));
        } else {
            statusBar()->showMessage(tr("Captured %1 (SHA-256 verified); capture again later to see what grows").arg(QFileInfo(path).fileName()));
        }
    });
    connectIsolation(dialog->isolationBox(), pod);
    dialog->show();
    return dialog;
}

// Taking the pod out of its Service (and putting it back) is journaled as an action with the
// record needed to revert it; a later capture dialog for the same pod offers the put-back.
void MainWindow::connectIsolation(ServiceIsolationBox* box, const QString& pod)
{
    const auto findApplied = [this](const QString& podName) -> const incident::ActionRecord* {
        if (!m_incident || !m_incident->document())
            return nullptr;
        const auto& actions = m_incident->document()->actions;
        for (auto it = actions.rbegin(); it != actions.rend(); ++it)
            if (it->kind == "isolate-pod" && it->target == "pod/" + podName.toStdString()
                && it->state == incident::ActionState::Applied)
                return &*it;
        return nullptr;
    };
    if (const auto* earlier = findApplied(pod))
        if (auto record = actions::IsolationRecord::fromJson(earlier->revertData))
            box->resume(*record);
    connect(box, &ServiceIsolationBox::isolated, this, [this](const actions::IsolationRecord& r, const QString& summary) {
        if (!ensureIncident())
            return;
        incident::ActionRecord a;
        a.kind = "isolate-pod";
        a.title = summary.toStdString();
        a.target = "pod/" + r.pod;
        a.kubectl = r.kubectl;
        a.state = incident::ActionState::Applied;
        a.revertData = r.toJson();
        m_incident->modify([&](incident::IncidentDocument& doc) { incident::recordAction(doc, a, incident::currentTimeMs()); });
        statusBar()->showMessage(summary);
    });
    connect(box, &ServiceIsolationBox::putBackDone, this,
        [this, findApplied](const actions::IsolationRecord& r, const QString& summary, const QString& kubectl) {
            const auto* applied = findApplied(QString::fromStdString(r.pod));
            if (!applied)
                return;
            const std::string id = applied->id;
            m_incident->modify([&](incident::IncidentDocument& doc) {
                (void)incident::recordActionState(doc, id, incident::ActionState::Reverted,
                    kubectl.toStdString() + "\n" + summary.toStdString(), incident::currentTimeMs());
            });
            statusBar()->showMessage(summary);
        });
    connect(box, &ServiceIsolationBox::deleted, this,
        [this](const actions::IsolationRecord& r, const QString& summary, const QString& kubectl) {
            if (!ensureIncident())
                return;
            // The pod is gone: an action of its own, which cannot be reverted. The isolation stays in
            // the record as it was (applied): nothing is left to put back.
            incident::ActionRecord a;
            a.kind = "delete-pod";
            a.title = tr("Pod %1 deleted after its heap dump").arg(QString::fromStdString(r.pod)).toStdString();
            a.target = "pod/" + r.pod;
            a.kubectl = kubectl.toStdString();
            a.output = summary.toStdString();
            a.state = incident::ActionState::Applied;
            m_incident->modify([&](incident::IncidentDocument& doc) { incident::recordAction(doc, a, incident::currentTimeMs()); });
            statusBar()->showMessage(summary);
        });
    connect(box, &ServiceIsolationBox::failed, this, [this](const QString& message) {
        if (m_incident && m_incident->document())
            m_incident->modify([&](incident::IncidentDocument& doc) {
                incident::appendJournal(doc, { incident::currentTimeMs(), incident::JournalKind::Action, message.toStdString(), {}, {} });
            });
    });
}

void MainWindow::recordHeapAnalysis()
{
    auto analysis = m_heapView->analysis();
    if (!analysis || !ensureIncident())
        return;
    auto doc = m_incident->document();
    const std::string path = analysis->path.toStdString();
    for (const auto& d : doc->heapDumps)
        if (d.path == path)
            return; // reopened from the incident: already recorded
    incident::HeapDumpRecord record;
    record.capturedMs = QFileInfo(analysis->path).lastModified().toMSecsSinceEpoch();
    record.path = path;
    const CapturedDump captured = m_captured.take(analysis->path);
    record.pod = captured.pod.toStdString();
    record.container = captured.container.toStdString();
    if (captured.capturedMs)
        record.capturedMs = captured.capturedMs;
    record.sizeBytes = static_cast<std::uint64_t>(QFileInfo(analysis->path).size());
    for (const auto& s : analysis->suspects) {
        incident::HeapSuspectRecord r;
        r.category = heap::leakCategoryName(s.category);
        r.className = s.className;
        r.owner = s.owner;
        r.retainedBytes = s.retainedBytes;
        r.heapShare = s.heapShare;
        r.elementCount = s.elementCount;
        r.elementClass = s.elementClass;
        r.explanation = s.explanation;
        record.suspects.push_back(std::move(r));
    }
    record.summary = analysis->suspects.empty()
        ? std::string("no leak suspect above the thresholds")
        : "top suspect: " + analysis->suspects.front().explanation;
    if (!captured.sha256.isEmpty()) { // verified against the pod's sha256sum during the capture
        record.sha256 = captured.sha256.toStdString();
        m_incident->modify([&](incident::IncidentDocument& doc) { incident::recordHeapDump(doc, record, incident::currentTimeMs()); });
        return;
    }
    // The checksum of a multi-gigabyte file takes seconds: computed off the GUI thread.
    auto* watcher = new QFutureWatcher<std::string>(this);
    connect(watcher, &QFutureWatcher<std::string>::finished, this, [this, watcher, record]() mutable {
        record.sha256 = watcher->result();
        watcher->deleteLater();
        m_incident->modify([&](incident::IncidentDocument& doc) { incident::recordHeapDump(doc, record, incident::currentTimeMs()); });
    });
    watcher->setFuture(QtConcurrent::run(sha256OfFile, analysis->path));
}

void MainWindow::updateMitigationTarget()
{
    auto* conn = m_controller->connection();
    const QString service = m_bar->currentService();
    std::optional<std::int64_t> peak;
    if (m_findings && m_findings->evidence && QString::fromStdString(m_findings->request.service) == service)
        for (const auto& series : m_findings->evidence->seriesOf(prom::QueryKind::MemoryWorkingSet))
            for (const auto& sample : series.samples)
                if (!peak || sample.value > static_cast<double>(*peak))
                    peak = static_cast<std::int64_t>(sample.value);
    m_mitigations->setTarget(conn ? &conn->kube() : nullptr, m_bar->currentNamespace(), service, peak, m_params);
}

void MainWindow::setParameters(const runbook::RunbookParameters& parameters)
{
    const QString changes = ThresholdsDialog::describeChanges(m_params, parameters);
    m_params = parameters;
    m_controller->setParameters(m_params);
    m_escalation->setParameters(m_params);
    if (m_evidence->currentWidget() == m_mitigations)
        updateMitigationTarget();
    if (changes.isEmpty())
        return;
    if (m_incident->isOpen())
        m_incident->modify([&](incident::IncidentDocument& doc) {
            incident::recordNote(doc, tr("Runbook thresholds changed for this incident: %1").arg(changes).toStdString(), incident::currentTimeMs());
        });
    // The verdicts depend on them: investigate again.
    if (!m_bar->currentService().isEmpty())
        m_controller->investigate(m_bar->currentNamespace(), m_bar->currentService());
}

bool MainWindow::kubectlTarget(KubectlTarget& target)
{
    auto* conn = m_controller->connection();
    if (!conn)
        return false;
    const auto& ctx = conn->kube().context();
    if (conn->isSandbox()) {
        // The kubeconfig the app wrote for the sandbox it started.
        target.kubeconfigFiles = QStringList { conn->optionsForContext(conn->contextName()).kubeconfig };
        target.context = conn->contextName();
    } else {
        // The files LeakDesk itself read the cluster from: --kubeconfig, else KUBECONFIG or ~/.kube/config.
        const QString explicitFile = conn->optionsForContext(conn->contextName()).kubeconfig;
        if (!explicitFile.isEmpty()) {
            target.kubeconfigFiles = QStringList { explicitFile };
        } else {
            for (const std::string& f : kube::defaultKubeConfigFiles())
                target.kubeconfigFiles << QString::fromStdString(f);
        }
        target.context = conn->contextName();
        if (ctx.user.exec && !QString::fromStdString(ctx.user.exec->command).contains(QLatin1Char('/'))) {
            const QString plugin = QStandardPaths::findExecutable(QString::fromStdString(ctx.user.exec->command));
            if (!plugin.isEmpty())
                target.extraPath << QFileInfo(plugin).absolutePath();
        }
    }
    target.server = QString::fromStdString(ctx.cluster.server);
    target.localFolder = m_kubectlFolder;
    return true;
}

void MainWindow::runCommand(const QString& command)
{
    KubectlTarget target;
    if (!kubectlTarget(target)) {
        statusBar()->showMessage(tr("No cluster is open"));
        return;
    }
    if (m_kubectl->isRunning()) {
        statusBar()->showMessage(tr("A kubectl command is still running"));
        return;
    }
    // kubectl cp, -f, --from-file ... read or write this machine's files: only in a folder the user picks.
    if (m_kubectlFolder.isEmpty() && runbook::analyseKubectlCommand(command.toStdString()).needsLocalFolder) {
        const QString folder
            = QFileDialog::getExistingDirectory(this, tr("Folder for kubectl's files"), QDir::homePath());
        if (folder.isEmpty())
            return;
        m_kubectlFolder = folder;
        target.localFolder = folder;
    }
    auto plan = planKubectlRun(command, target);
    if (!plan) {
        QMessageBox::warning(this, tr("Cannot run the command"), QString::fromStdString(plan.error().toString()));
        return;
    }
    m_pendingChange.reset();
    m_lastPreview.clear();
    if (plan->analysis.effect == runbook::KubectlEffect::Change) {
        m_pendingChange = std::make_unique<KubectlPlan>(std::move(*plan));
        if (m_pendingChange->previewArguments.isEmpty()) {
            confirmAndRunChange(nullptr);
            return;
        }
        if (auto st = m_kubectl->run(*m_pendingChange, true); !st) {
            m_pendingChange.reset();
            QMessageBox::warning(this, tr("Cannot run the command"), QString::fromStdString(st.error().toString()));
            return;
        }
        statusBar()->showMessage(tr("Server-side dry run: %1").arg(command));
        return;
    }
    if (auto st = m_kubectl->run(*plan); !st) {
        QMessageBox::warning(this, tr("Cannot run the command"), QString::fromStdString(st.error().toString()));
        return;
    }
    statusBar()->showMessage(tr("Running: %1").arg(command));
}

void MainWindow::confirmAndRunChange(const KubectlRun* preview)
{
    auto plan = std::move(m_pendingChange);
    if (!plan)
        return;
    KubectlTarget target;
    if (!kubectlTarget(target))
        return;
    runbook::Command asRunbookLine;
    asRunbookLine.text = plan->command.toStdString();
    runbook::classifyCommand(asRunbookLine);
    auto* conn = m_controller->connection();
    const QString html = changeConfirmationHtml(*plan, target, conn ? conn->defaultNamespace() : QString(), preview, asRunbookLine.action);
    const bool yes = m_confirmChange ? m_confirmChange(html)
                                     : QMessageBox::question(this, tr("Change the cluster?"), html, QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel)
            == QMessageBox::Yes;
    if (!yes) {
        statusBar()->showMessage(tr("Not run: %1").arg(plan->command));
        return;
    }
    m_lastPreview = preview ? tr("server-side dry run (exit code %1):\n%2").arg(preview->exitCode).arg(journaledOutput(*preview)) : QString();
    if (auto st = m_kubectl->run(*plan); !st) {
        QMessageBox::warning(this, tr("Cannot run the command"), QString::fromStdString(st.error().toString()));
        return;
    }
    statusBar()->showMessage(tr("Running: %1").arg(plan->command));
}

void MainWindow::onCommandFinished(const KubectlRun& run)
{
    if (run.preview) {
        confirmAndRunChange(&run);
        return;
    }
    QString note;
    if (run.timedOut)
        note = tr("stopped after the time limit");
    else if (run.outputTruncated)
        note = tr("stopped: it printed more than LeakDesk keeps");
    else if (run.exitCode != 0)
        note = tr("exit code %1").arg(run.exitCode);
    // Secret and ConfigMap data never reach the incident file: only that the command ran.
    const QString journaled = journaledOutput(run);
    QString actionId;
    if (ensureIncident()) {
        incident::ActionRecord a;
        a.kind = "shell";
        a.title = run.command.left(120).toStdString();
        a.kubectl = run.command.toStdString();
        a.output = journaled.toStdString();
        a.diff = m_lastPreview.toStdString();
        a.state = run.exitCode == 0 && !run.timedOut ? incident::ActionState::Applied : incident::ActionState::Failed;
        a.error = note.toStdString();
        std::string id;
        m_incident->modify([&](incident::IncidentDocument& doc) { id = incident::recordAction(doc, a, incident::currentTimeMs()); });
        actionId = QString::fromStdString(id);
    }
    m_lastPreview.clear();
    statusBar()->showMessage(note.isEmpty() ? tr("Done in %1 s: %2").arg(run.elapsedMs / 1000.0, 0, 'f', 1).arg(run.command)
                                            : tr("%1: %2").arg(note, run.command));
    // The output, where the user looks: a small window that stays until closed. Masked when it
    // prints Secret data; "Show" reveals it in this window only, on purpose.
    auto* dialog = findChild<QDialog*>(QStringLiteral("commandOutput"));
    QPlainTextEdit* text = nullptr;
    QPushButton* reveal = nullptr;
    if (!dialog) {
        dialog = new QDialog(this);
        dialog->setObjectName(QStringLiteral("commandOutput"));
        dialog->resize(900, 420);
        auto* l = new QVBoxLayout(dialog);
        text = new QPlainTextEdit(dialog);
        text->setReadOnly(true);
        text->setLineWrapMode(QPlainTextEdit::NoWrap);
        text->setStyleSheet(QStringLiteral("font-family: monospace"));
        l->addWidget(text);
        reveal = new QPushButton(tr("Show the hidden output"), dialog);
        reveal->setObjectName(QStringLiteral("revealOutput"));
        l->addWidget(reveal, 0, Qt::AlignLeft);
    } else {
        text = dialog->findChild<QPlainTextEdit*>();
        reveal = dialog->findChild<QPushButton*>(QStringLiteral("revealOutput"));
    }
    dialog->setWindowTitle(run.command);
    const QString header = QStringLiteral("$ ") + run.command + QStringLiteral("\n");
    const QString footer = note.isEmpty() ? QString() : QStringLiteral("\n[") + note + QStringLiteral("]");
    text->setPlainText(header + shownOutput(run) + footer);
    reveal->disconnect();
    reveal->setVisible(run.sensitive);
    if (run.sensitive) {
        const QString plain = header + QString::fromUtf8(run.output) + footer;
        connect(reveal, &QPushButton::clicked, text, [text, reveal, plain] {
            text->setPlainText(plain);
            reveal->hide();
        });
    }
    dialog->show();
    Q_EMIT commandFinished(actionId, run.exitCode, journaled);
}

void MainWindow::showMomentOnChart(qint64 tMs)
{
    for (int r = 0; r < m_checklist->rowCount(); ++r)
        if (stepHas(m_checklist->step(r), runbook::ActionKind::MemoryEvidence)) {
            m_tabs->setCurrentIndex(0);
            m_stepList->setCurrentIndex(m_checklist->index(r));
            m_memoryView->chart()->setVisibleRange({ tMs - 30 * 60 * 1000, tMs + 30 * 60 * 1000 });
            m_memoryView->chart()->showCrosshairAt(tMs);
            return;
        }
}

} // namespace leakdesk::ui
