#include "ui/main/MainWindow.h"

#include "core/alerts/AlertIncident.h"
#include "core/incident/IncidentRecording.h"
#include "core/investigation/Escalation.h"
#include "core/runbook/RunbookParser.h"
#include "ui/actions/MitigationPanel.h"
#include "ui/alerts/AlertsPanel.h"
#include "ui/alerts/SilenceOption.h"
#include "ui/heap/HeapView.h"
#include "ui/incident/EscalationBar.h"
#include "ui/incident/IncidentSession.h"
#include "ui/incident/TimelineView.h"
#include "ui/investigation/InvestigationController.h"
#include "ui/main/ConnectionBar.h"
#include "ui/main/HeapStepPage.h"
#include "ui/main/IncidentFiles.h"
#include "ui/main/PrometheusConnectionDialog.h"
#include "ui/main/RunbookCommandRunner.h"
#include "ui/main/RunbookPage.h"
#include "ui/main/SuspectsStepPage.h"
#include "ui/radar/RadarPage.h"
#include "ui/runbook/RunbookChecklistModel.h"
#include "ui/runbook/ThresholdsDialog.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDateTime>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QMessageBox>
#include <QScreen>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include <iterator>
#include <utility>

namespace leakdesk::ui {

MainWindow::MainWindow(
    InvestigationController* controller, std::shared_ptr<const runbook::Runbook> runbook, QWidget* parent)
    : QMainWindow(parent)
    , m_controller(controller)
    , m_bar(new ConnectionBar(this))
    , m_incident(new IncidentSession(this))
{
    // What every page shares. Pages are created in the order the window once created their widgets
    // (the heap step after the toolbar): Tab moves the keyboard focus through them as before.
    PageContext context;
    context.controller = m_controller;
    context.bar = m_bar;
    context.incident = m_incident;
    context.ensureIncident = [this] { return m_files && m_files->ensureIncident(); };
    context.findings = [this] { return m_findings; };
    context.showStatus = [this](const QString& message) { statusBar()->showMessage(message); };
    m_runbook = new RunbookPage(context, this);
    m_files = new IncidentFiles(context, m_runbook, this);
    m_escalation = new EscalationBar(this);
    m_tabs = new QTabWidget(this);
    m_heapView = new HeapView(this);
    m_timeline = new TimelineView(this);
    m_radar = new RadarPage(m_controller, this);
    m_overview = new QTabWidget(this);
    m_investigationView = new QWidget(this);
    m_views = new QStackedWidget(this);

    setWindowTitle(tr("LeakDesk"));
    // Never larger than the screen: on a 1280x720 laptop the window must fit with all its buttons.
    QSize size(1400, 900);
    if (const QScreen* screen = QGuiApplication::primaryScreen())
        size = size.boundedTo(screen->availableSize());
    resize(size);

    auto* toolbar = addToolBar(tr("Connection"));
    toolbar->setObjectName(QStringLiteral("connectionToolbar"));
    toolbar->setMovable(false);
    // Back to the Radar from an investigation: the button left of its tabs, View > Radar, Ctrl+0.
    m_showRadar = new QAction(tr("&Radar"), this);
    m_showRadar->setObjectName(QStringLiteral("showRadarAction"));
    m_showRadar->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    m_showRadar->setCheckable(true);
    m_showRadar->setToolTip(tr("Every workload ranked by how likely it leaks memory (%1)")
                                .arg(m_showRadar->shortcut().toString(QKeySequence::NativeText)));
    connect(m_showRadar, &QAction::triggered, this, &MainWindow::showRadar);
    toolbar->addWidget(m_bar);
    m_heapStep = new HeapStepPage(context, m_heapView, this);
    m_runbook->setHeapStepPage(m_heapStep);
    connect(m_heapStep, &HeapStepPage::jvmFound, m_runbook, &RunbookPage::setJvmPid);
    auto* suspects = new SuspectsStepPage(m_heapView, this);
    m_runbook->setSuspectsStepPage(suspects);
    connect(suspects, &SuspectsStepPage::showSuspectsRequested, this, [this] {
        m_tabs->setCurrentWidget(m_heapView);
        m_heapView->showPage(HeapView::Page::Suspects);
        m_heapView->selectSuspect(0);
    });
    connect(suspects, &SuspectsStepPage::captureRequested, this, [this] {
        if (const int row = m_runbook->currentStep(); row > 0)
            selectStep(row - 1);
    });

    m_tabs->setObjectName(QStringLiteral("mainTabs"));
    m_tabs->setDocumentMode(true);
    // Not in the toolbar: there the connection bar takes every pixel of a 1024 px screen.
    auto* radarButton = new QToolButton(m_tabs);
    radarButton->setObjectName(QStringLiteral("showRadarButton"));
    radarButton->setText(tr("‹ Radar"));
    radarButton->setToolTip(m_showRadar->toolTip());
    radarButton->setAccessibleName(tr("Back to the Radar"));
    radarButton->setAutoRaise(true);
    connect(radarButton, &QToolButton::clicked, m_showRadar, &QAction::trigger);
    m_tabs->setCornerWidget(radarButton, Qt::TopLeftCorner);
    m_tabs->addTab(m_runbook, tr("Runbook"));
    m_tabs->addTab(m_heapView, tr("Heap dump"));
    m_tabs->addTab(m_timeline, tr("Timeline"));
    auto* cl = new QVBoxLayout(m_investigationView);
    cl->setContentsMargins(0, 0, 0, 0);
    cl->setSpacing(0);
    m_escalation->setObjectName(QStringLiteral("escalationBar"));
    m_escalation->setSession(m_incident);
    cl->addWidget(m_escalation);
    cl->addWidget(m_tabs, 1);
    // The overview: cluster-wide pages in tabs, the Radar first.
    m_overview->setObjectName(QStringLiteral("overviewTabs"));
    m_overview->setDocumentMode(true);
    m_overview->addTab(m_radar, tr("Radar"));
    // Beside the Radar: the cluster's firing memory alerts; "Start incident" opens the alert's
    // workload as a Radar row does, with the alert recorded in the incident.
    m_alerts = new AlertsPanel(this);
    m_overview->addTab(m_alerts, tr("Alerts"));
    auto* silence = new SilenceOption;
    silence->setIncident(m_incident);
    mitigationPanel()->setSilenceOption(silence);
    connect(m_alerts, &AlertsPanel::alertmanagerChanged, silence, &SilenceOption::setAlertmanager);
    connect(m_alerts, &AlertsPanel::startIncidentRequested, this, [this](const alerts::MemoryAlert& alert) {
        // The incident of the workload exists once its first findings are recorded: the alert goes
        // into that one.
        auto once = std::make_shared<QMetaObject::Connection>();
        *once = connect(this, &MainWindow::findingsRecorded, this, [this, alert, once] {
            disconnect(*once);
            m_incident->modify([&](incident::IncidentDocument& doc) {
                alerts::recordAlert(doc, alert, QDateTime::currentMSecsSinceEpoch());
            });
        });
        openWorkload(QString::fromStdString(alert.target.ns), QString::fromStdString(alert.target.workload->text()));
    });
    m_views->setObjectName(QStringLiteral("mainViews"));
    m_views->addWidget(m_overview);
    m_views->addWidget(m_investigationView);
    m_views->setCurrentWidget(m_overview); // no service chosen yet
    m_showRadar->setChecked(true);
    setCentralWidget(m_views);
    connect(m_radar, &RadarPage::loaded, statusBar(), &QStatusBar::clearMessage); // no more "Connecting…"
    connect(m_radar, &RadarPage::workloadActivated, this,
        [this](const QString& ns, const QString& workload) { openWorkload(ns, workload); });
    buildMenus();

    // The incident: every finding, step change, note and heap analysis is journaled and saved.
    connect(m_incident, &IncidentSession::documentChanged, this,
        [this](std::shared_ptr<const incident::IncidentDocument> doc) {
            m_timeline->setDocument(doc);
            m_tabs->setTabText(
                m_tabs->indexOf(m_timeline), doc ? tr("Timeline (%1)").arg(doc->journal.size()) : tr("Timeline"));
            updateTitle();
        });
    connect(m_incident, &IncidentSession::saveFailed, this, [this](const QString& message) {
        statusBar()->showMessage(
            tr("The incident could not be saved: %1 — it is kept in memory and saved again with the next change")
                .arg(message));
    });
    connect(m_timeline, &TimelineView::entryActivated, this, &MainWindow::showMomentOnChart);
    connect(m_files, &IncidentFiles::restored, this, &MainWindow::restoreFromIncident);
    connect(m_files, &IncidentFiles::runbookRequested, this, [this] { m_tabs->setCurrentIndex(0); });
    connect(m_runbook, &RunbookPage::revealRequested, this, [this] { m_tabs->setCurrentWidget(m_runbook); });
    connect(m_runbook->commands(), &RunbookCommandRunner::commandFinished, this, &MainWindow::commandFinished);
    connect(m_heapStep, &HeapStepPage::openHeapDumpRequested, this, [this](const QString& path) {
        if (path.isEmpty())
            openHeapDumpDialog();
        else
            openHeapDump(path);
    });
    connect(m_heapStep, &HeapStepPage::showHeapViewRequested, this, [this] { m_tabs->setCurrentWidget(m_heapView); });

    // The investigation: the bar chooses what to investigate, the findings fill the pages.
    connect(m_controller, &InvestigationController::stateChanged, this,
        [this](const ConnectionState& s) { m_bar->setState(s, m_controller->contexts()); });
    connect(m_controller, &InvestigationController::namespacesChanged, m_bar, &ConnectionBar::setNamespaces);
    connect(m_controller, &InvestigationController::namespacesChanged, m_alerts,
        [this] { m_alerts->connectTo(m_controller->connection() ? &m_controller->connection()->kube() : nullptr); });
    connect(m_controller, &InvestigationController::servicesChanged, this,
        [this](const QString& ns, const QStringList& services) {
            if (ns != m_bar->currentNamespace())
                return; // the user moved on
            // A Radar row names a workload the picker may not list (a kind the user may not list):
            // offered as asked.
            QStringList offered = services;
            if (ns == m_openingNamespace && !m_openingWorkload.isEmpty()) {
                const QString bare = m_openingWorkload.mid(m_openingWorkload.indexOf(QLatin1Char('/')) + 1);
                if (!offered.contains(m_openingWorkload) && !offered.contains(bare))
                    offered << m_openingWorkload;
            }
            m_openingNamespace.clear();
            m_openingWorkload.clear();
            // Nothing preferred (the window is on the Radar): the picker lists them and picks none.
            m_bar->setServices(offered, m_preferredService);
            if (services.isEmpty())
                statusBar()->showMessage(tr("No workloads or Services in namespace %1").arg(ns));
        });
    connect(m_controller, &InvestigationController::busyChanged, m_bar, &ConnectionBar::setBusy);
    connect(m_controller, &InvestigationController::findingsReady, this, &MainWindow::showFindings);
    connect(m_controller, &InvestigationController::investigationFailed, this,
        [this](const QString& message, const QString& hint) {
            statusBar()->showMessage(hint.isEmpty() ? message : tr("%1 — %2").arg(message, hint));
        });
    connect(m_bar, &ConnectionBar::namespaceSelected, m_controller, &InvestigationController::refreshServices);
    connect(m_bar, &ConnectionBar::serviceSelected, this, [this](const QString& service) {
        m_preferredService = service;
        showInvestigation();
        m_controller->investigate(m_bar->currentNamespace(), service);
    });
    connect(m_bar, &ConnectionBar::refreshRequested, this, [this] {
        if (isRadarShown())
            m_radar->refresh();
        else
            m_controller->investigate(m_bar->currentNamespace(), m_bar->currentWorkload());
    });
    connect(m_bar, &ConnectionBar::contextSelected, this, [this](const QString& context) {
        auto* conn = m_controller->connection();
        if (!conn || context == conn->contextName())
            return;
        // Same kubeconfig file, Prometheus URL, token, CA and metric names; only the context changes,
        // unless the config file says how that context reaches its Prometheus.
        investigation::ConnectionOptions o = conn->optionsForContext(context);
        if (!conn->isSandbox() && !m_configPath.isEmpty()) {
            if (auto file = prometheus::loadPromConfig(m_configPath); !file) {
                QMessageBox::warning(
                    this, tr("Cannot read the config file"), QString::fromStdString(file.error().toString()));
            } else if (const auto it = file->contexts.find(context.toStdString()); it != file->contexts.end()) {
                o = withPrometheusSettings(o, it->second);
            }
        }
        if (auto st = m_controller->open(o); !st)
            QMessageBox::warning(this, tr("Cannot switch context"), QString::fromStdString(st.error().toString()));
        else
            m_controller->refreshNamespaces();
    });

    setRunbook(std::move(runbook));
    statusBar()->showMessage(tr("Connecting…"));
}

MainWindow::~MainWindow() = default;

void MainWindow::editPrometheusConnection()
{
    auto* conn = m_controller->connection();
    const QString current = conn ? conn->contextName() : QString();
    PrometheusConnectionDialog dialog(m_configPath.isEmpty() ? prometheus::defaultPromConfigPath() : m_configPath,
        m_controller->contexts(), current, this);
    if (dialog.exec() != QDialog::Accepted || !conn || conn->isSandbox() || dialog.context() != current)
        return;
    // The context in use: reconnect with what was saved.
    if (auto st = m_controller->open(withPrometheusSettings(conn->optionsForContext(current), dialog.saved())); !st)
        QMessageBox::warning(this, tr("Cannot reconnect"), QString::fromStdString(st.error().toString()));
    else
        m_controller->refreshNamespaces();
}

void MainWindow::buildMenus()
{
    auto* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&New incident"), QKeySequence::New, m_files, &IncidentFiles::newIncident);
    file->addAction(tr("&Open incident…"), QKeySequence::Open, m_files, &IncidentFiles::openIncidentDialog);
    file->addAction(tr("Export incident &report…"), m_files, &IncidentFiles::exportReportDialog);
    file->addSeparator();
    file->addAction(tr("Open &runbook…"), this, &MainWindow::openRunbookFile);
    file->addAction(tr("Open &heap dump…"), this, &MainWindow::openHeapDumpDialog);
    file->addAction(tr("&Export chart as PNG…"), m_runbook, &RunbookPage::exportChartDialog);
    file->addSeparator();
    file->addAction(tr("&Prometheus connection…"), this, &MainWindow::editPrometheusConnection)
        ->setObjectName(QStringLiteral("prometheusConnectionAction"));
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::quit);
    // The tabs by keyboard, as in a browser: Ctrl+1 the runbook, Ctrl+2 the heap dump, Ctrl+3 the
    // timeline (named in each tab's tooltip).
    auto* view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_showRadar);
    view->addSeparator();
    const std::pair<QWidget*, QString> pages[]
        = { { m_runbook, tr("&Runbook") }, { m_heapView, tr("&Heap dump") }, { m_timeline, tr("&Timeline") } };
    for (int i = 0; i < int(std::size(pages)); ++i) {
        QWidget* page = pages[i].first;
        const QKeySequence keys(Qt::CTRL | Qt::Key(Qt::Key_1 + i));
        auto* show = view->addAction(pages[i].second, this, [this, page] {
            showInvestigation();
            m_tabs->setCurrentWidget(page);
        });
        show->setShortcut(keys);
        show->setObjectName(QStringLiteral("showTab%1").arg(i + 1));
        m_tabs->setTabToolTip(m_tabs->indexOf(page), keys.toString(QKeySequence::NativeText));
    }
    auto* inc = menuBar()->addMenu(tr("&Incident"));
    inc->addAction(
        tr("Add &note…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N), m_files, &IncidentFiles::addNoteDialog);
    inc->addAction(tr("Show &timeline"), this, [this] { m_tabs->setCurrentWidget(m_timeline); });
    // Escalating later, or without a proposal: asks why and confirms, like the banner's button.
    auto* escalate = inc->addAction(tr("&Escalate severity…"), m_escalation, &EscalationBar::escalateManually);
    escalate->setObjectName(QStringLiteral("escalateAction"));
    escalate->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    inc->addAction(tr("Runbook t&hresholds…"), this, [this] {
        const auto book = m_runbook->checklist()->runbook();
        ThresholdsDialog dialog(m_params, book ? runbook::parametersOf(*book) : runbook::RunbookParameters {}, this);
        if (dialog.exec() == QDialog::Accepted)
            setParameters(dialog.parameters());
    });
    auto* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About LeakDesk"), this, [this] {
        QMessageBox::about(this, tr("About LeakDesk"),
            tr("<b>LeakDesk %1</b><p>The memory-leak runbook as a guided checklist, backed by cluster and Prometheus "
               "evidence.</p>")
                .arg(QApplication::applicationVersion()));
    });
}

void MainWindow::setPreferredService(const QString& service)
{
    m_preferredService = service;
    if (service.isEmpty())
        showRadar();
    else
        showInvestigation();
}

void MainWindow::showRadar()
{
    m_views->setCurrentWidget(m_overview);
    m_overview->setCurrentWidget(m_radar);
    m_showRadar->setChecked(true);
}

void MainWindow::showInvestigation()
{
    m_views->setCurrentWidget(m_investigationView);
    m_showRadar->setChecked(false);
}

bool MainWindow::isRadarShown() const
{
    return m_views->currentWidget() == m_overview;
}

void MainWindow::openWorkload(const QString& ns, const QString& workload)
{
    m_preferredService = workload;
    m_openingNamespace = ns;
    m_openingWorkload = workload;
    showInvestigation();
    m_tabs->setCurrentWidget(m_runbook);
    selectStep(0);
    // As if chosen in the bar: the namespace's workloads are listed and the picker picks this one,
    // which starts its investigation (ConnectionBar::setServices).
    QStringList namespaces;
    for (int i = 0; i < m_bar->namespaceBox()->count(); ++i)
        namespaces << m_bar->namespaceBox()->itemText(i);
    if (!namespaces.contains(ns))
        namespaces << ns;
    m_bar->setNamespaces(namespaces, ns);
}

void MainWindow::setRunbook(std::shared_ptr<const runbook::Runbook> runbook)
{
    m_params = runbook ? runbook::parametersOf(*runbook) : runbook::RunbookParameters {};
    m_escalation->setParameters(m_params);
    m_controller->setParameters(m_params);
    m_runbook->setRunbook(std::move(runbook), m_params);
}

MemoryEvidenceView* MainWindow::memoryView() const
{
    return m_runbook->memoryView();
}

OomEvidenceView* MainWindow::oomView() const
{
    return m_runbook->oomView();
}

StepDetailView* MainWindow::stepView() const
{
    return m_runbook->stepView();
}

RunbookChecklistModel* MainWindow::checklist() const
{
    return m_runbook->checklist();
}

QListView* MainWindow::checklistView() const
{
    return m_runbook->checklistView();
}

MitigationPanel* MainWindow::mitigationPanel() const
{
    return m_runbook->mitigationPanel();
}

void MainWindow::selectStep(int row)
{
    m_runbook->selectStep(row);
}

int MainWindow::currentStep() const
{
    return m_runbook->currentStep();
}

QWidget* MainWindow::currentEvidenceWidget() const
{
    return m_runbook->currentEvidenceWidget();
}

void MainWindow::runCommand(const QString& command)
{
    m_runbook->commands()->run(command);
}

void MainWindow::setChangeConfirmer(ChangeConfirmer confirmer)
{
    m_runbook->commands()->setChangeConfirmer(std::move(confirmer));
}

void MainWindow::setKubectlFolder(const QString& folder)
{
    m_runbook->commands()->setKubectlFolder(folder);
}

QDialog* MainWindow::captureHeapDump(const QString& pod)
{
    return m_heapStep->captureHeapDump(pod);
}

bool MainWindow::openOrCreateIncident(const QString& path)
{
    return m_files->openOrCreateIncident(path);
}

void MainWindow::addNote(const QString& text)
{
    m_files->addNote(text);
}

void MainWindow::showMomentOnChart(qint64 tMs)
{
    m_runbook->showMomentOnChart(tMs);
}

void MainWindow::showFindings(std::shared_ptr<const investigation::Findings> findings)
{
    if (QString::fromStdString(findings->request.service) != m_bar->currentService())
        return; // an answer for a service the user has left
    m_findings = findings;
    m_runbook->showFindings(findings);
    // Escalation needs what the cluster says about the service: who reaches it, who owns it.
    m_escalation->setEvidence(findings, std::nullopt);
    if (auto* conn = m_controller->connection())
        investigation::fetchServiceContext(conn->kube(), QString::fromStdString(findings->request.ns),
            findings->evidence && findings->evidence->workload
                ? findings->evidence->workload->workload
                : kube::WorkloadRef { kube::WorkloadKind::Deployment, findings->request.service },
            this, [this, findings](Result<investigation::ServiceContext> ctx) {
                if (findings != m_findings)
                    return; // newer findings arrived meanwhile
                if (!ctx) {
                    statusBar()->showMessage(
                        tr("Escalation check incomplete: %1").arg(QString::fromStdString(ctx.error().toString())));
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
    Q_EMIT findingsRecorded(m_files->recordFindings(*findings));
}

void MainWindow::openRunbookFile()
{
    const QString path
        = QFileDialog::getOpenFileName(this, tr("Open runbook"), {}, tr("Markdown (*.md *.markdown);;All files (*)"));
    if (path.isEmpty())
        return;
    auto book = runbook::loadRunbookFile(path.toStdString());
    if (!book) {
        QMessageBox::warning(this, tr("Cannot open runbook"), QString::fromStdString(book.error().toString()));
        return;
    }
    setRunbook(std::make_shared<const runbook::Runbook>(std::move(book).value()));
}

// An incident opened from its file: its service, its latest dump still on disk, its title.
void MainWindow::restoreFromIncident(const std::shared_ptr<const incident::IncidentDocument>& doc)
{
    if (!doc->service.empty())
        setPreferredService(QString::fromStdString(doc->service));
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
    setWindowTitle(
        tr("%1%2 — LeakDesk")
            .arg(sev.isEmpty() ? QString() : QStringLiteral("[%1] ").arg(sev), QString::fromStdString(doc->title)));
    setWindowFilePath(m_incident->path());
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

void MainWindow::setParameters(const runbook::RunbookParameters& parameters)
{
    const QString changes = ThresholdsDialog::describeChanges(m_params, parameters);
    m_params = parameters;
    m_controller->setParameters(m_params);
    m_escalation->setParameters(m_params);
    m_runbook->setParameters(m_params);
    if (changes.isEmpty())
        return;
    if (m_incident->isOpen())
        m_incident->modify([&](incident::IncidentDocument& doc) {
            incident::recordNote(doc, tr("Runbook thresholds changed for this incident: %1").arg(changes).toStdString(),
                incident::currentTimeMs());
        });
    // The verdicts depend on them: investigate again.
    if (!m_bar->currentService().isEmpty())
        m_controller->investigate(m_bar->currentNamespace(), m_bar->currentWorkload());
}

} // namespace leakdesk::ui
