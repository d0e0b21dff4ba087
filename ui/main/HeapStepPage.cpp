#include "ui/main/HeapStepPage.h"

#include "core/capture/FileChecksum.h"
#include "ui/heap/HeapCaptureDialog.h"
#include "ui/heap/HeapView.h"
#include "ui/heap/ServiceIsolationBox.h"
#include "core/incident/ActionJournal.h"
#include "core/incident/IncidentRecording.h"
#include "ui/incident/IncidentSession.h"
#include "core/investigation/CaptureCandidates.h"
#include "ui/investigation/InvestigationController.h"
#include "ui/main/ConnectionBar.h"

#include <QDateTime>
#include <QDialog>
#include <QDir>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace leakdesk::ui {

HeapStepPage::HeapStepPage(PageContext context, HeapView* heapView, QWidget* parent)
    : QWidget(parent)
    , m_ctx(std::move(context))
    , m_heapView(heapView)
{
    // Heap steps: the dump is analysed in the Heap tab. Capturing is the step's own primary button
    // (StepDetailView's guarded action), above the raw commands it replaces.
    auto* hl = new QVBoxLayout(this);
    auto* hint = new QLabel(
        tr("<b>Capture heap dump…</b> takes a dump from a pod (LeakDesk finds the JVM, checks disk space, memory headroom and "
           "tools first, and verifies the transfer), or open a <code>.hprof</code> (or "
           "<code>.hprof.gz</code>) file. It is analysed here instead of in MAT or VisualVM: class histogram, "
           "dominator tree, leak suspects with their path to a GC root, and the growth between two dumps."),
        this);
    hint->setWordWrap(true);
    hint->setTextFormat(Qt::RichText);
    auto* open = new QPushButton(tr("Open heap dump…"), this);
    open->setObjectName(QStringLiteral("openHeapDumpButton"));
    auto* show = new QPushButton(tr("Show Heap view"), this);
    connect(open, &QPushButton::clicked, this, [this] { Q_EMIT openHeapDumpRequested({}); });
    connect(show, &QPushButton::clicked, this, &HeapStepPage::showHeapViewRequested);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(open);
    buttons->addWidget(show);
    buttons->addStretch(1);
    hl->addWidget(hint);
    hl->addLayout(buttons);
    hl->addStretch(1);

    connect(m_heapView, &HeapView::analysisFinished, this, &HeapStepPage::recordHeapAnalysis);
}

QDialog* HeapStepPage::captureHeapDump(const QString& podName)
{
    auto* conn = m_ctx.controller->connection();
    if (!conn) {
        QMessageBox::information(window(), tr("Capture heap dump"), tr("No cluster is open."));
        return nullptr;
    }
    QString pod = podName;
    if (pod.isEmpty()) {
        // Most memory first (the most of the leak), but a pod the dump could lose (near its limit,
        // or about to reach it) is never the default, and its line says why.
        std::vector<investigation::CaptureCandidate> candidates;
        if (const auto findings = m_ctx.findings())
            candidates = investigation::captureCandidates(findings->pods);
        if (candidates.empty()) {
            QMessageBox::information(
                window(), tr("Capture heap dump"), tr("Investigate a service first: its pods are listed here."));
            return nullptr;
        }
        QStringList items;
        for (const auto& c : candidates)
            items << QStringLiteral("%1 — %2").arg(QString::fromStdString(c.pod), QString::fromStdString(c.note));
        bool ok = false;
        const QString chosen = QInputDialog::getItem(window(), tr("Capture heap dump"),
            tr("Pod (most memory first; pods the dump could push over their limit last):"), items, 0, false, &ok);
        if (!ok)
            return nullptr;
        pod = QString::fromStdString(candidates[std::size_t(std::max<qsizetype>(0, items.indexOf(chosen)))].pod);
    }
    // Dumps go next to the incident file, in a folder of their own.
    m_ctx.ensureIncident();
    QString base = QDir::tempPath() + QStringLiteral("/leakdesk-dumps");
    if (m_ctx.incident->isOpen()) {
        const QFileInfo file(m_ctx.incident->path());
        base = file.absolutePath() + QLatin1Char('/') + file.completeBaseName() + QStringLiteral("-dumps");
    }
    QDir().mkpath(base);
    const QString ns = m_ctx.bar->currentNamespace();
    auto* dialog = new HeapCaptureDialog(conn->kube(), ns, pod, {}, base, window());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &HeapCaptureDialog::jvmFound, this, &HeapStepPage::jvmFound);
    connect(dialog, &HeapCaptureDialog::captured, this,
        [this, dialog](const QString& path, const QString& sha, const QString& p, const QString& c) {
            // The capture touched the cluster (a full GC, a file in the pod, maybe a debug container):
            // journaled as an action, with what the pipeline reported.
            if (const auto& r = dialog->result(); r && m_ctx.ensureIncident()) {
                incident::CapturedHeapDump dump;
                dump.pod = p.toStdString();
                dump.container = c.toStdString();
                dump.localPath = path.toStdString();
                dump.sha256 = sha.toStdString();
                dump.verifiedInPod = r->verifiedInPod;
                dump.bytes = r->bytes;
                dump.resumes = r->resumes;
                dump.remoteFile = r->remoteFile.toStdString();
                dump.remoteRemoved = r->remoteRemoved;
                for (const QString& note : r->notes)
                    dump.notes.push_back(note.toStdString());
                m_ctx.incident->modify([&](incident::IncidentDocument& doc) {
                    incident::recordHeapCapture(doc, dump, incident::currentTimeMs());
                });
            }
            // An earlier dump of the same service still on disk: the growth between them is the leak.
            QString earlier;
            if (auto doc = m_ctx.incident->document())
                for (auto it = doc->heapDumps.rbegin(); it != doc->heapDumps.rend() && earlier.isEmpty(); ++it)
                    if (QString::fromStdString(it->path) != path && QFileInfo::exists(QString::fromStdString(it->path)))
                        earlier = QString::fromStdString(it->path);
            m_captured.insert(path, { p, c, sha, incident::currentTimeMs() });
            Q_EMIT captureSucceeded(
                tr("Captured %1 from %2 (SHA-256 %3)")
                    .arg(QFileInfo(path).fileName(), p,
                        dialog->result() && dialog->result()->verifiedInPod ? tr("verified in the pod")
                                                                            : tr("not verified in the pod")));
            Q_EMIT openHeapDumpRequested(path);
            if (!earlier.isEmpty()) {
                m_heapView->openDiff(earlier, path); // in the Diff tab, next to the new dump's analysis
                m_ctx.showStatus(
                    tr("Captured %1 (SHA-256 verified); the Diff tab compares it with %2: what grows is the leak")
                        .arg(QFileInfo(path).fileName(), QFileInfo(earlier).fileName()));
            } else {
                m_ctx.showStatus(tr("Captured %1 (SHA-256 verified); capture again later to see what grows")
                                     .arg(QFileInfo(path).fileName()));
            }
        });
    connectIsolation(dialog->isolationBox(), pod);
    dialog->show();
    return dialog;
}

// Taking the pod out of its Service (and putting it back) is journaled as an action with the
// record needed to revert it; a later capture dialog for the same pod offers the put-back.
void HeapStepPage::connectIsolation(ServiceIsolationBox* box, const QString& pod)
{
    const auto findApplied = [this](const QString& podName) -> const incident::ActionRecord* {
        if (!m_ctx.incident || !m_ctx.incident->document())
            return nullptr;
        return incident::appliedIsolation(*m_ctx.incident->document(), podName.toStdString());
    };
    if (const auto* earlier = findApplied(pod))
        if (auto record = actions::IsolationRecord::fromJson(earlier->revertData))
            box->resume(*record);
    connect(
        box, &ServiceIsolationBox::isolated, this, [this](const actions::IsolationRecord& r, const QString& summary) {
            if (!m_ctx.ensureIncident())
                return;
            m_ctx.incident->modify([&](incident::IncidentDocument& doc) {
                incident::recordIsolation(
                    doc, r.pod, r.kubectl, r.toJson(), summary.toStdString(), incident::currentTimeMs());
            });
            m_ctx.showStatus(summary);
        });
    connect(box, &ServiceIsolationBox::putBackDone, this,
        [this, findApplied](const actions::IsolationRecord& r, const QString& summary, const QString& kubectl) {
            if (!findApplied(QString::fromStdString(r.pod)))
                return;
            m_ctx.incident->modify([&](incident::IncidentDocument& doc) {
                (void)incident::recordIsolationPutBack(
                    doc, r.pod, kubectl.toStdString(), summary.toStdString(), incident::currentTimeMs());
            });
            m_ctx.showStatus(summary);
        });
    connect(box, &ServiceIsolationBox::deleted, this,
        [this](const actions::IsolationRecord& r, const QString& summary, const QString& kubectl) {
            if (!m_ctx.ensureIncident())
                return;
            m_ctx.incident->modify([&](incident::IncidentDocument& doc) {
                incident::recordPodDeletion(
                    doc, r.pod, kubectl.toStdString(), summary.toStdString(), incident::currentTimeMs());
            });
            m_ctx.showStatus(summary);
        });
    connect(box, &ServiceIsolationBox::failed, this, [this](const QString& message) {
        if (m_ctx.incident && m_ctx.incident->document())
            m_ctx.incident->modify([&](incident::IncidentDocument& doc) {
                incident::recordIsolationFailure(doc, message.toStdString(), incident::currentTimeMs());
            });
    });
}

void HeapStepPage::recordHeapAnalysis()
{
    auto analysis = m_heapView->analysis();
    if (!analysis || !m_ctx.ensureIncident())
        return;
    if (incident::hasHeapDump(*m_ctx.incident->document(), analysis->path.toStdString()))
        return; // reopened from the incident: already recorded
    const QFileInfo info(analysis->path);
    const CapturedDump captured = m_captured.take(analysis->path);
    incident::AnalysedDumpFile file;
    file.path = analysis->path.toStdString();
    file.sizeBytes = static_cast<std::uint64_t>(info.size());
    file.modifiedMs = info.lastModified().toMSecsSinceEpoch();
    file.pod = captured.pod.toStdString();
    file.container = captured.container.toStdString();
    file.capturedMs = captured.capturedMs;
    file.sha256 = captured.sha256.toStdString(); // verified against the pod's sha256sum during the capture
    incident::HeapDumpRecord record = incident::heapDumpRecordFor(file, analysis->suspects);
    if (!record.sha256.empty()) {
        m_ctx.incident->modify(
            [&](incident::IncidentDocument& doc) { incident::recordHeapDump(doc, record, incident::currentTimeMs()); });
        return;
    }
    // The checksum of a multi-gigabyte file takes seconds: computed off the GUI thread.
    auto* watcher = new QFutureWatcher<std::string>(this);
    connect(watcher, &QFutureWatcher<std::string>::finished, this, [this, watcher, record]() mutable {
        record.sha256 = watcher->result();
        watcher->deleteLater();
        m_ctx.incident->modify(
            [&](incident::IncidentDocument& doc) { incident::recordHeapDump(doc, record, incident::currentTimeMs()); });
    });
    watcher->setFuture(QtConcurrent::run(capture::sha256OfFile, analysis->path));
}

} // namespace leakdesk::ui
