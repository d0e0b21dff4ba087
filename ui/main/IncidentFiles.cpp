#include "ui/main/IncidentFiles.h"

#include "core/incident/IncidentExport.h"
#include "core/incident/IncidentRecording.h"
#include "ui/incident/IncidentSession.h"
#include "core/incident/InvestigationRecording.h"
#include "ui/investigation/InvestigationController.h"
#include "ui/main/ConnectionBar.h"
#include "ui/main/RunbookPage.h"
#include "ui/runbook/RunbookChecklistModel.h"

#include <QDateTime>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QMessageBox>
#include <QWidget>

namespace leakdesk::ui {

IncidentFiles::IncidentFiles(PageContext context, RunbookPage* runbook, QWidget* dialogParent)
    : QObject(dialogParent)
    , m_ctx(std::move(context))
    , m_runbook(runbook)
    , m_dialogParent(dialogParent)
{ }

QWidget* IncidentFiles::dialogParent() const
{
    return m_dialogParent->window();
}

QString IncidentFiles::recordFindings(const investigation::Findings& findings)
{
    if (!ensureIncident())
        return {};
    std::string id;
    m_ctx.incident->modify([&](incident::IncidentDocument& doc) {
        if (doc.service.empty()) {
            doc.ns = findings.request.ns;
            doc.service = findings.request.service;
        }
        id = incident::recordFindings(doc, findings, incident::currentTimeMs());
    });
    return QString::fromStdString(id);
}

void IncidentFiles::restore()
{
    auto doc = m_ctx.incident->document();
    if (!doc)
        return;
    m_runbook->restoreSteps(*doc);
    Q_EMIT restored(doc);
}

bool IncidentFiles::ensureIncident()
{
    if (m_ctx.incident->isOpen())
        return true;
    const QString ns = m_ctx.bar->currentNamespace();
    const QString service = m_ctx.bar->currentService();
    if (service.isEmpty())
        return false; // nothing to name the incident after yet
    const QString path = m_pendingIncidentPath.isEmpty()
        ? IncidentSession::defaultPathFor(ns, service, incident::currentTimeMs())
        : m_pendingIncidentPath;
    m_pendingIncidentPath.clear();
    return openOrCreateIncident(path);
}

bool IncidentFiles::openOrCreateIncident(const QString& path)
{
    if (!QFileInfo::exists(path) && m_ctx.bar->currentService().isEmpty()) {
        // Started before a service is chosen: the incident is created there with the first finding.
        m_pendingIncidentPath = path;
        return true;
    }
    if (QFileInfo::exists(path)) {
        incident::LoadFailure failure;
        if (auto st = m_ctx.incident->open(path, &failure); !st) {
            QString text = QString::fromStdString(st.error().toString());
            if (failure.backupLoadable) {
                const auto answer = QMessageBox::question(dialogParent(), tr("Incident file damaged"),
                    tr("%1\n\nThe last good autosave (%2) can be opened instead. Open it?")
                        .arg(text, QDateTime::fromMSecsSinceEpoch(failure.backupUpdatedMs).toString(Qt::ISODate)));
                if (answer == QMessageBox::Yes) {
                    if (auto b = m_ctx.incident->openBackup(path); b) {
                        restore();
                        return true;
                    }
                }
            } else {
                QMessageBox::warning(dialogParent(), tr("Cannot open incident"), text);
            }
            return false;
        }
        restore();
        m_ctx.showStatus(tr("Incident reopened from %1").arg(path));
        return true;
    }
    incident::NewIncident params;
    params.ns = m_ctx.bar->currentNamespace().toStdString();
    params.service = m_ctx.bar->currentService().toStdString();
    if (auto* conn = m_ctx.controller->connection())
        params.cluster = incident::clusterRefFor(
            conn->contextName().toStdString(), conn->kube().serverUrl().toString().toStdString(), conn->isSandbox());
    params.runbook = m_runbook->checklist()->runbook().get();
    params.nowMs = incident::currentTimeMs();
    auto doc = incident::newIncident(params);
    // Steps already ticked before the incident existed are carried over.
    m_runbook->carryStepStates(doc, params.nowMs);
    if (auto st = m_ctx.incident->create(path, std::move(doc)); !st) {
        m_ctx.showStatus(tr("No incident file: %1").arg(QString::fromStdString(st.error().toString())));
        return false;
    }
    m_ctx.showStatus(tr("Incident started; saved after every change to %1").arg(path));
    return true;
}

void IncidentFiles::newIncident()
{
    m_ctx.incident->close();
    m_runbook->resetSteps();
    m_runbook->selectStep(0);
    if (ensureIncident())
        Q_EMIT runbookRequested();
}

void IncidentFiles::openIncidentDialog()
{
    const QString dir = QFileInfo(IncidentSession::defaultPathFor({}, {}, 0)).absolutePath();
    const QString path = QFileDialog::getOpenFileName(
        dialogParent(), tr("Open incident"), dir, tr("LeakDesk incidents (*.leakdesk);;All files (*)"));
    if (!path.isEmpty())
        openOrCreateIncident(path);
}

void IncidentFiles::addNote(const QString& text)
{
    if (text.trimmed().isEmpty() || !ensureIncident())
        return;
    const int step = m_runbook->currentStep();
    m_ctx.incident->modify([&](incident::IncidentDocument& doc) {
        incident::recordNote(doc, text.trimmed().toStdString(), incident::currentTimeMs(), step);
    });
    m_ctx.showStatus(tr("Note added to the incident"));
}

void IncidentFiles::addNoteDialog()
{
    bool ok = false;
    const QString text
        = QInputDialog::getMultiLineText(dialogParent(), tr("Add note"), tr("Note for the incident journal:"), {}, &ok);
    if (ok)
        addNote(text);
}

void IncidentFiles::exportReportDialog()
{
    auto doc = m_ctx.incident->document();
    if (!doc) {
        QMessageBox::information(
            dialogParent(), tr("Export report"), tr("There is no incident yet: investigate a service first."));
        return;
    }
    QString selected;
    const QString base = QFileInfo(m_ctx.incident->path()).completeBaseName();
    const QString path
        = QFileDialog::getSaveFileName(dialogParent(), tr("Export incident report"), base + QStringLiteral(".html"),
            tr("HTML, self-contained (*.html);;Markdown (*.md);;PDF (*.pdf);;JSON (*.json)"), &selected);
    if (path.isEmpty())
        return;
    const QString suffix = QFileInfo(path).suffix().toLower();
    auto format = incident::exportFormatFromName(suffix.toStdString());
    if (!format) {
        QMessageBox::warning(
            dialogParent(), tr("Export report"), tr("Choose a file ending in .html, .md, .pdf or .json"));
        return;
    }
    const bool redact = QMessageBox::question(dialogParent(), tr("Export report"),
                            tr("Redact names (pods, namespaces, images) for sharing outside the company?"),
                            QMessageBox::Yes | QMessageBox::No, QMessageBox::No)
        == QMessageBox::Yes;
    incident::ExportOptions options;
    options.redact = redact;
    auto written = incident::writeIncidentExport(*doc, *format, path, options);
    if (!written) {
        QMessageBox::warning(dialogParent(), tr("Export failed"), QString::fromStdString(written.error().toString()));
        return;
    }
    m_ctx.showStatus(tr("Report written to %1 (%n file(s))", nullptr, static_cast<int>(written->size())).arg(path));
}

} // namespace leakdesk::ui
