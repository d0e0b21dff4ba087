#pragma once
// The incident file behind the window: opened when it exists (with the offer of the last good
// autosave when it is damaged), started with the first findings otherwise, restored into the
// runbook page, exported as a report, and the notes the user writes into its journal.

#include "ui/main/PageContext.h"

#include <QObject>
#include <QString>

#include <memory>

class QWidget;

namespace leakdesk::incident {
struct IncidentDocument;
}

namespace leakdesk::ui {

class RunbookPage;

class IncidentFiles : public QObject {
    Q_OBJECT
public:
    // Dialogs open over the window holding `dialogParent`.
    IncidentFiles(PageContext context, RunbookPage* runbook, QWidget* dialogParent);

    // Opened when it exists, started there otherwise (with the current runbook, namespace and
    // service); before a service is chosen, remembered and started with the first finding.
    bool openOrCreateIncident(const QString& path);
    // The open incident, or one started in IncidentSession::defaultPathFor() (or the remembered
    // path); false before a service is chosen or when it cannot be written.
    bool ensureIncident();
    void newIncident();
    void openIncidentDialog();
    void exportReportDialog();
    // Stores the findings in the incident (started with them when there is none yet; its namespace
    // and service are theirs when it has none). Returns the snapshot id, empty without an incident.
    QString recordFindings(const investigation::Findings& findings);
    // Writes a journal note (on the current step).
    void addNote(const QString& text);
    void addNoteDialog();

Q_SIGNALS:
    // An incident was opened from its file and its step states shown in the runbook page.
    void restored(std::shared_ptr<const leakdesk::incident::IncidentDocument> doc);
    // A new incident was started from the menu: the runbook page comes to the front.
    void runbookRequested();

private:
    void restore();
    QWidget* dialogParent() const;

    PageContext m_ctx;
    RunbookPage* m_runbook;
    QWidget* m_dialogParent;
    QString m_pendingIncidentPath;
};

} // namespace leakdesk::ui
