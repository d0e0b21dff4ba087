#include "ui/heap/HeapCaptureDialog.h"

#include "ui/heap/ServiceIsolationBox.h"

#include "core/common/Quantity.h"
#include "core/kube/KubeClient.h"

#include <QCheckBox>
#include <QCloseEvent>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QLabel>
#include <QLayout>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QResizeEvent>
#include <QScreen>
#include <QTimer>
#include <QVBoxLayout>

namespace leakdesk::ui {

using capture::CaptureStage;

namespace {

const CaptureStage kStages[] = { CaptureStage::Preflight, CaptureStage::Dump, CaptureStage::Transfer,
    CaptureStage::Verify, CaptureStage::Cleanup };

QString bytesText(double bytes)
{
    return QString::fromStdString(formatBytes(bytes));
}

} // namespace

HeapCaptureDialog::HeapCaptureDialog(kube::KubeClient& client, const QString& ns, const QString& pod,
    const QString& container, const QString& outputDir, QWidget* parent)
    : QDialog(parent)
    , m_client(client)
{
    setModal(false);
    setWindowTitle(tr("Capture heap dump"));
    m_request.ns = ns;
    m_request.pod = pod;
    m_request.container = container;
    m_request.outputDir = outputDir;

    auto* layout = new QVBoxLayout(this);
    m_title = new QLabel(tr("Heap dump of pod <b>%1/%2</b>").arg(ns.toHtmlEscaped(), pod.toHtmlEscaped()), this);
    layout->addWidget(m_title);
    layout->addWidget(new QLabel(tr("Pre-flight (nothing has been changed in the pod yet):"), this));
    m_preflightView = new QPlainTextEdit(this);
    m_preflightView->setReadOnly(true);
    m_preflightView->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_preflightView->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    m_preflightView->setObjectName(QStringLiteral("preflightText"));
    // Eight lines at least (it scrolls), so that the dialog fits a laptop screen; it gets more when
    // the dialog has it (stretch below).
    m_preflightView->setMinimumSize(640, 8 * m_preflightView->fontMetrics().lineSpacing() + 12);
    m_preflightView->setPlainText(tr("Checking the pod..."));
    layout->addWidget(m_preflightView, 1);
    m_allObjects = new QCheckBox(tr("All objects (no full GC first; larger dump with garbage)"), this);
    m_allObjects->setObjectName(QStringLiteral("allObjectsCheck"));
    layout->addWidget(m_allObjects);
    m_force = new QCheckBox(tr("Capture despite the space/memory blockers above"), this);
    m_force->setVisible(false);
    layout->addWidget(m_force);
    m_debugContainer = new QCheckBox(
        tr("Create the ephemeral debug container with a JDK (cannot be removed; exits after an hour)"), this);
    m_debugContainer->setVisible(false);
    layout->addWidget(m_debugContainer);
    m_isolation = new ServiceIsolationBox(client, ns, pod, this);
    layout->addWidget(m_isolation);
    connect(m_isolation, &ServiceIsolationBox::putBackDone, this, [this] {
        if (m_closeAfterPutBack)
            close();
    });
    m_stages = new QLabel(this);
    m_stages->setTextFormat(Qt::RichText);
    layout->addWidget(m_stages);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 100);
    m_progress->setValue(0);
    layout->addWidget(m_progress);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);

    auto* buttons = new QDialogButtonBox(this);
    m_captureButton = buttons->addButton(tr("Capture"), QDialogButtonBox::AcceptRole);
    m_cancelButton = buttons->addButton(QDialogButtonBox::Cancel);
    layout->addWidget(buttons);
    connect(m_captureButton, &QPushButton::clicked, this, &HeapCaptureDialog::startCapture);
    connect(m_cancelButton, &QPushButton::clicked, this, [this] {
        if (m_capturing)
            cancelCapture();
        else
            close();
    });
    connect(m_allObjects, &QCheckBox::toggled, this, [this] {
        if (!m_capturing && !m_ended)
            runPreflight();
    });
    connect(m_force, &QCheckBox::toggled, this, &HeapCaptureDialog::updateButtons);
    connect(m_debugContainer, &QCheckBox::toggled, this, &HeapCaptureDialog::updateButtons);
    onStage(CaptureStage::Preflight, tr("checking pod %1/%2").arg(ns, pod));
    updateButtons();
    // Room for about twenty lines of pre-flight where the screen has it.
    QSize initial(760, 660);
    if (const QScreen* screen = this->screen())
        initial = initial.boundedTo(screen->availableSize());
    resize(initial);
    QTimer::singleShot(0, this, &HeapCaptureDialog::runPreflight);
    QTimer::singleShot(0, this, [this] {
        if (!m_isolation->isOut())
            m_isolation->plan();
    });
}

bool HeapCaptureDialog::event(QEvent* event)
{
    const bool handled = QDialog::event(event);
    if (event->type() == QEvent::LayoutRequest)
        fitHeightToContents();
    return handled;
}

void HeapCaptureDialog::resizeEvent(QResizeEvent* event)
{
    QDialog::resizeEvent(event);
    if (event->size().width() != event->oldSize().width())
        fitHeightToContents();
}

// A window's minimum size leaves out the height its word-wrapped texts need at its width (the
// isolation box, the outcome with its file path and checksum): without this the layout squeezed
// the widgets into each other and the "All objects" box was drawn over the pre-flight's last lines.
void HeapCaptureDialog::fitHeightToContents()
{
    if (!layout() || !layout()->hasHeightForWidth())
        return;
    const int needed = layout()->totalMinimumHeightForWidth(width());
    if (needed == minimumHeight())
        return;
    setMinimumHeight(needed);
    if (height() < needed)
        resize(width(), needed);
}

HeapCaptureDialog::~HeapCaptureDialog()
{
    if (!m_job)
        return;
    m_job->disconnect(this);
    if (m_capturing) {
        // The cancel's clean-up (rm of the dump in the pod) outlives the dialog: the job deletes
        // itself once it has ended.
        capture::HeapCapture* job = m_job.release();
        connect(job, &capture::HeapCapture::failed, job, &QObject::deleteLater);
        connect(job, &capture::HeapCapture::finished, job, &QObject::deleteLater);
        job->cancel();
    }
}

void HeapCaptureDialog::runPreflight()
{
    if (m_job)
        m_job->disconnect(this);
    m_job.reset();
    m_preflight.reset();
    m_request.liveObjects = !m_allObjects->isChecked();
    m_preflightView->setPlainText(tr("Checking the pod..."));
    m_force->setVisible(false);
    m_force->setChecked(false);
    m_debugContainer->setVisible(false);
    m_debugContainer->setChecked(false);
    m_job = std::make_unique<capture::HeapCapture>(m_client, m_request);
    connect(m_job.get(), &capture::HeapCapture::preflightReady, this, &HeapCaptureDialog::onPreflight);
    connect(m_job.get(), &capture::HeapCapture::stageChanged, this, &HeapCaptureDialog::onStage);
    connect(m_job.get(), &capture::HeapCapture::transferProgress, this, &HeapCaptureDialog::onProgress);
    connect(m_job.get(), &capture::HeapCapture::finished, this, &HeapCaptureDialog::onFinished);
    connect(m_job.get(), &capture::HeapCapture::failed, this, &HeapCaptureDialog::onFailed);
    updateButtons();
    m_job->runPreflight();
}

void HeapCaptureDialog::onPreflight(std::shared_ptr<const capture::Preflight> preflight)
{
    m_preflight = std::move(preflight);
    m_preflightView->setPlainText(m_preflight->describe());
    if (m_preflight->jvm && m_preflight->jvm->pid > 0)
        Q_EMIT jvmFound(m_preflight->pod, m_preflight->jvm->pid);
    bool overridableOnly = !m_preflight->canCapture();
    for (const auto& n : m_preflight->notes)
        if (n.level == capture::PreflightNote::Level::Blocker && !n.overridable)
            overridableOnly = false;
    m_force->setVisible(overridableOnly);
    const bool offered = m_preflight->debugContainer && m_preflight->jvm;
    m_debugContainer->setVisible(offered);
    m_debugContainer->setEnabled(offered && m_preflight->debugContainerAllowed.value_or(true));
    if (offered && !m_preflight->debugContainerAllowed.value_or(true))
        m_debugContainer->setToolTip(tr("You may not patch pods/ephemeralcontainers in this namespace."));
    m_status->setText(m_preflight->canCapture() ? tr("Ready. Read the pre-flight, then press Capture.")
                                                : tr("Something blocks the capture: see BLOCKER above."));
    updateButtons();
}

void HeapCaptureDialog::onStage(CaptureStage stage, const QString& text)
{
    m_stage = stage;
    showStages();
    m_status->setText(text);
}

HeapCaptureDialog::StageMark HeapCaptureDialog::stageMark(CaptureStage stage) const
{
    // A finished capture passed every stage, the clean-up included: ticked, unless the dump could
    // not be removed from the pod (the status names where it is and how to remove it).
    if (m_result) {
        if (stage == CaptureStage::Cleanup && !m_result->remoteRemoved)
            return StageMark::NotDone;
        return StageMark::Ticked;
    }
    if (stage == m_stage)
        return StageMark::Current;
    return stage < m_stage && (m_capturing || m_ended) ? StageMark::Ticked : StageMark::Pending;
}

void HeapCaptureDialog::showStages()
{
    QStringList parts;
    for (CaptureStage s : kStages) {
        const QString name = capture::stageName(s).toHtmlEscaped();
        switch (stageMark(s)) {
        case StageMark::Current:
            parts << QStringLiteral("<b>&#9654; %1</b>").arg(name);
            break;
        case StageMark::Ticked:
            parts << QStringLiteral("&#10003; %1").arg(name);
            break;
        case StageMark::NotDone:
            parts << QStringLiteral("<span style='color:#c62828'>&#10007; %1</span>").arg(name);
            break;
        case StageMark::Pending:
            parts << name;
            break;
        }
    }
    m_stages->setText(parts.join(QStringLiteral(" &nbsp;&middot;&nbsp; ")));
}

QString HeapCaptureDialog::stagesText() const
{
    return m_stages->text();
}

void HeapCaptureDialog::onProgress(const capture::TransferProgress& p)
{
    const int pct = p.total > 0 ? static_cast<int>(p.bytes * 100 / p.total) : 0;
    m_progress->setValue(pct);
    QString text = tr("%1 of %2").arg(bytesText(double(p.bytes)), bytesText(double(p.total)));
    if (p.bytesPerSecond > 0)
        text += tr(", %1/s").arg(bytesText(p.bytesPerSecond));
    if (p.etaSeconds && p.bytes < p.total)
        text += tr(", about %1 s left").arg(qRound(*p.etaSeconds));
    if (p.resumes > 0)
        text += tr(" (resumed %n time(s) after a dropped connection)", nullptr, p.resumes);
    m_progress->setFormat(text);
}

void HeapCaptureDialog::onFinished(const capture::CaptureResult& r)
{
    m_result = r;
    m_capturing = false;
    m_ended = true;
    m_progress->setValue(100);
    m_stage = CaptureStage::Cleanup;
    showStages();
    QString text
        = tr("Captured %1 (%2)\nSHA-256 %3 %4")
              .arg(r.path, bytesText(double(r.bytes)), r.sha256,
                  r.verifiedInPod ? tr("(verified against sha256sum in the pod)") : tr("(NOT verified in the pod)"));
    for (const auto& n : r.notes)
        text += QLatin1Char('\n') + n;
    m_status->setText(text);
    updateButtons();
    Q_EMIT captured(r.path, r.sha256, r.pod, r.container);
}

void HeapCaptureDialog::onFailed()
{
    const capture::CaptureFailure& f = *m_job->failure();
    const bool cancelled = f.error.code == ErrorCode::Cancelled;
    const bool duringPreflight = !m_capturing && f.stage == CaptureStage::Preflight;
    m_capturing = false;
    m_ended = !duringPreflight || !m_preflight;
    if (duringPreflight && !m_preflight)
        m_preflightView->setPlainText(tr("The pre-flight failed: %1").arg(QString::fromStdString(f.error.toString())));
    m_status->setText(f.describe());
    m_progress->setValue(0);
    updateButtons();
    if (!cancelled)
        Q_EMIT captureFailed(QString::fromStdString(f.error.message));
}

void HeapCaptureDialog::startCapture()
{
    if (!canStartCapture())
        return;
    // Read the choices before the boxes are disabled for the run.
    m_job->setCreateDebugContainer(debugContainerChosen());
    const bool force = !m_force->isHidden() && m_force->isChecked();
    m_capturing = true;
    m_allObjects->setEnabled(false);
    m_force->setEnabled(false);
    m_debugContainer->setEnabled(false);
    updateButtons();
    m_job->capture(force);
}

void HeapCaptureDialog::cancelCapture()
{
    if (m_capturing && m_job) {
        m_status->setText(tr("Cancelling: removing what the capture created..."));
        m_job->cancel();
    }
}

void HeapCaptureDialog::closeEvent(QCloseEvent* event)
{
    // A pod left out of its Service keeps running without traffic: ask, once, whether to put it back.
    if (m_isolation->isOut() && !m_capturing && !m_closeAfterPutBack) {
        m_closeAfterPutBack = true;
        if (m_isolation->putBackButton()->isEnabled()) {
            m_isolation->putBack();
            if (m_isolation->isOut()) { // declined, or under way: closes when done
                if (!m_isolation->putBackButton()->isEnabled()) {
                    event->ignore();
                    return;
                }
            }
        }
    }
    cancelCapture();
    QDialog::closeEvent(event);
}

void HeapCaptureDialog::updateButtons()
{
    m_captureButton->setEnabled(canStartCapture());
    m_cancelButton->setText(m_capturing ? tr("Cancel") : tr("Close"));
    m_allObjects->setEnabled(!m_capturing && !m_ended);
}

bool HeapCaptureDialog::debugContainerChosen() const
{
    return !m_debugContainer->isHidden() && m_debugContainer->isEnabled() && m_debugContainer->isChecked();
}

bool HeapCaptureDialog::isCapturing() const
{
    return m_capturing;
}

bool HeapCaptureDialog::canStartCapture() const
{
    if (!m_preflight || m_capturing || m_ended)
        return false;
    if (m_preflight->canCapture())
        return true;
    // Every blocker must be lifted by a checked box: forced space/memory, or the debug container.
    for (const auto& n : m_preflight->notes) {
        if (n.level != capture::PreflightNote::Level::Blocker)
            continue;
        const bool forced = n.overridable && !m_force->isHidden() && m_force->isChecked();
        const bool debug = n.solvedByDebugContainer && debugContainerChosen();
        if (!forced && !debug)
            return false;
    }
    return true;
}

QString HeapCaptureDialog::preflightText() const
{
    return m_preflightView->toPlainText();
}

QString HeapCaptureDialog::statusText() const
{
    return m_status->text();
}

int HeapCaptureDialog::percent() const
{
    return m_progress->value();
}

std::shared_ptr<const capture::Preflight> HeapCaptureDialog::preflight() const
{
    return m_preflight;
}

} // namespace leakdesk::ui
