#pragma once
// Runbook step 6: "Undo stopgaps", one button and a status line, for the step-6 page to embed.
// Disabled until the fix is verified (setFixVerified, the enabling hook: the fix-verification
// panel calls it with its verdict). A click checks the incident's stopgaps against the cluster
// (core/handover/Stopgaps.h), shows one confirmation naming each change and where (the server's
// dry run, the ones already gone, the order and why), then undoes them in order and journals each
// in the incident as it goes.

#include "core/handover/Stopgaps.h"

#include <QWidget>

#include <functional>
#include <memory>

class QLabel;
class QPushButton;

namespace leakdesk::kube {
class KubeClient;
}

namespace leakdesk::ui {

class IncidentSession;

class UndoStopgapsBox : public QWidget {
    Q_OBJECT
public:
    // Asked once before anything is undone; the default shows a QMessageBox, tests replace it.
    using Confirmer = std::function<bool(const QString& title, const QString& text)>;

    explicit UndoStopgapsBox(QWidget* parent = nullptr);
    ~UndoStopgapsBox() override;

    // `client` must outlive the box or the next call; nullptr disables it.
    void setCluster(kube::KubeClient* client);
    void setIncident(IncidentSession* session);
    void setConfirmer(Confirmer confirmer) { m_confirm = std::move(confirmer); }
    void setOptions(const handover::StopgapUndoOptions& options) { m_options = options; }

    // The enabling hook: only a verified fix makes the stopgaps safe to undo. `evidence` is shown
    // as the button's tooltip.
    void setFixVerified(bool fixed, const QString& evidence = {});

    void undoStopgaps();

    // Inspection for tests.
    bool canUndo() const;
    QString statusText() const;

Q_SIGNALS:
    void finished(bool allUndone);

private:
    void updateButton();
    void setStatus(const QString& text);

    kube::KubeClient* m_client = nullptr;
    IncidentSession* m_incident = nullptr;
    bool m_fixed = false;
    bool m_running = false;
    QString m_evidence;
    Confirmer m_confirm;
    handover::StopgapUndoOptions m_options;
    std::unique_ptr<handover::StopgapUndo> m_undo;
    QPushButton* m_button;
    QLabel* m_status;
};

} // namespace leakdesk::ui
