#include "main/MainWindow.h"

#include "chart/MemoryChart.h"
#include "investigation/InvestigationController.h"
#include "investigation/MemoryEvidenceView.h"
#include "investigation/OomEvidenceView.h"
#include "investigation/VerdictBanner.h"
#include "main/ConnectionBar.h"
#include "runbook/RunbookChecklistModel.h"
#include "runbook/RunbookParser.h"
#include "runbook/StepDetailView.h"

#include <QApplication>
#include <QFileDialog>
#include <QFile>
#include <QLabel>
#include <QListView>
#include <QMenuBar>
#include <QMessageBox>
#include <QSplitter>
#include <QStackedWidget>
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
{
    setWindowTitle(tr("LeakDesk"));
    resize(1400, 900);

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
    auto* right = new QWidget(this);
    auto* rl = new QVBoxLayout(right);
    rl->setContentsMargins(4, 8, 8, 8);
    rl->addWidget(m_stepView);
    rl->addWidget(m_evidence, 1);

    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(left);
    split->addWidget(right);
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    split->setSizes({ 300, 1100 });
    setCentralWidget(split);
    buildMenus();

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
        investigation::ConnectionOptions o;
        o.kubeconfig = QString::fromStdString(conn->kube().context().context.sourceFile);
        o.context = context;
        o.prometheusUrl = conn->prometheus().connection().baseUrl;
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
    connect(m_checklist, &RunbookChecklistModel::stepStateChanged, this,
        [this] { m_progress->setText(tr("%1 of %2 steps done").arg(m_checklist->doneCount()).arg(m_checklist->rowCount())); });
    connect(m_oomView, &OomEvidenceView::killActivated, this, [this](qint64 t) {
        // Jump to step 1's chart around that kill.
        for (int r = 0; r < m_checklist->rowCount(); ++r)
            if (stepHas(m_checklist->step(r), runbook::ActionKind::MemoryEvidence)) {
                m_stepList->setCurrentIndex(m_checklist->index(r));
                m_memoryView->chart()->setVisibleRange({ t - 30 * 60 * 1000, t + 30 * 60 * 1000 });
                break;
            }
    });

    setRunbook(std::move(runbook));
    statusBar()->showMessage(tr("Connecting…"));
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus()
{
    auto* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("Open &runbook…"), this, &MainWindow::openRunbookFile);
    file->addAction(tr("&Export chart as PNG…"), this, &MainWindow::exportChart);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::quit);
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
    m_stepView->setCompact(memory || oom);
    m_evidence->setCurrentWidget(memory ? static_cast<QWidget*>(m_memoryView) : oom ? static_cast<QWidget*>(m_oomView) : m_noEvidence);
    m_evidence->setVisible(memory || oom);
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
    statusBar()->showMessage(tr("%1: %2 pods, %3 OOM kills in the last hour — updated %4")
                                 .arg(QString::fromStdString(findings->request.service))
                                 .arg(findings->pods.size())
                                 .arg(findings->oom.countLastHour)
                                 .arg(QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss"))));
    Q_EMIT findingsShown(findings);
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

} // namespace leakdesk::ui
