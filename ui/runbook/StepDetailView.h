#pragma once
// The selected runbook step: its text, its commands with placeholders filled from the current
// selection (copy button each), its sub-checklist, and done/skip controls with a note.

#include "core/runbook/Runbook.h"
#include "ui/runbook/RunbookChecklistModel.h"

#include <QMap>
#include <QWidget>

class QLabel;
class QLineEdit;
class QTextBrowser;
class QVBoxLayout;
class QPushButton;

namespace leakdesk::ui {

class StepDetailView : public QWidget {
    Q_OBJECT
public:
    explicit StepDetailView(QWidget* parent = nullptr);

    // bindings: placeholder name (without brackets) -> value; ns: the investigated namespace.
    void setStep(const runbook::Step* step, const runbook::Runbook* book, StepState state, const QString& note);
    void setBindings(const QMap<QString, QString>& bindings, const QString& ns);
    void setCompact(bool compact); // evidence steps show the text small, above the evidence
    // Offers "Run" next to each kubectl command (when kubectl is on PATH and a cluster is open).
    void setRunAvailable(bool available);

    QStringList renderedCommands() const { return m_rendered; }
    // Ctrl+Enter (or Ctrl+R) on a command: runs the command that has the keyboard focus, as its Run
    // button would. False when the focus is on no runnable command.
    bool runFocusedCommand();

Q_SIGNALS:
    void stateRequested(leakdesk::ui::StepState state, const QString& note);
    // The user asked to run this (filled-in) kubectl command; the receiver reads it again before
    // running (a change is confirmed there, a refused command never runs).
    void runRequested(const QString& command);
    // The user asked for the guarded path of a step's action (heap capture with its pre-flight;
    // a mitigation with its server dry run, confirmation, journal and revert) instead of the raw
    // runbook command.
    void guardedActionRequested(leakdesk::runbook::ActionKind kind);

public:
    // The actions LeakDesk runs through a guarded path; their raw commands are shown only as
    // "what this does in kubectl", copyable, never with a Run button.
    static bool hasGuardedPath(runbook::ActionKind kind);
    static QString guardedActionLabel(runbook::ActionKind kind);

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void rebuild();
    void fitTextHeight();
    QWidget* commandRow(const runbook::Command& cmd, const QString& text, bool guarded);

    const runbook::Step* m_step = nullptr;
    const runbook::Runbook* m_book = nullptr;
    QMap<QString, QString> m_bindings;
    QString m_ns;
    bool m_compact = false;
    bool m_runAvailable = false;
    QStringList m_rendered;

    QLabel* m_title;
    QTextBrowser* m_text;
    QWidget* m_commands;
    QVBoxLayout* m_commandsLayout;
    QLabel* m_nsNote;
    QLineEdit* m_note;
    QPushButton* m_done;
    QPushButton* m_skip;
    QPushButton* m_reopen;
};

} // namespace leakdesk::ui
