#pragma once
// The "take the pod out of its Service first" part of the heap capture dialog: a live dump forces
// a full GC that stalls the JVM, so the responder may first remove the pod from its Service's
// endpoints (its ReplicaSet starts a replacement; the pod keeps running for the dump). Plans with
// actions::PodIsolation (which Services, which label, who is left serving, RBAC), asks, applies,
// follows the replacement and the endpoints, and offers "Put back" or "Delete pod" afterwards (the
// leaking pod has served its purpose once its dump is home; its replacement already serves). The caller journals
// what isolated() and putBack() report.

#include "core/actions/PodIsolation.h"

#include <QGroupBox>

#include <functional>
#include <memory>
#include <optional>

QT_BEGIN_NAMESPACE
class QLabel;
class QPushButton;
class QTimer;
QT_END_NAMESPACE

namespace leakdesk::kube {
class KubeClient;
}

namespace leakdesk::ui {

class ServiceIsolationBox : public QGroupBox {
    Q_OBJECT
public:
    // Asked before the pod is changed: title and text (Services, label, owner, command). The
    // default shows a QMessageBox; tests replace it.
    using Confirmer = std::function<bool(const QString& title, const QString& text)>;

    ServiceIsolationBox(kube::KubeClient& client, const QString& ns, const QString& pod, QWidget* parent = nullptr);
    ~ServiceIsolationBox() override;

    void setConfirmer(Confirmer confirmer) { m_confirm = std::move(confirmer); }
    // Plans (read-only) and shows the result; called once the dialog is shown.
    void plan();
    void takeOut(); // what the "Take out of Service" button does
    void putBack(); // what the "Put back" button does
    void deletePod(); // what the "Delete pod" button does (after the dump: the replacement serves)
    // The pod was taken out earlier (an earlier capture in this incident): offer to put it back.
    void resume(const actions::IsolationRecord& record);

    bool isOut() const { return m_record.has_value(); }
    bool settled() const; // out, the replacement ready (when one is expected), the endpoints without the pod
    QString stateText() const;
    QPushButton* takeOutButton() const { return m_takeOut; }
    QPushButton* putBackButton() const { return m_putBack; }
    QPushButton* deleteButton() const { return m_delete; }
    const std::optional<actions::IsolationRecord>& record() const { return m_record; }

Q_SIGNALS:
    void isolated(const leakdesk::actions::IsolationRecord& record, const QString& summary);
    void putBackDone(const leakdesk::actions::IsolationRecord& record, const QString& summary, const QString& kubectl);
    void deleted(const leakdesk::actions::IsolationRecord& record, const QString& summary, const QString& kubectl);
    void failed(const QString& message);

private:
    void setState(const QString& text, bool error = false);
    void poll();
    void startEnding(const QString& text);
    void endingFailed(const QString& message, ErrorCode code, bool putBackStillPossible);
    void ended(const QString& message);

    actions::PodIsolation m_isolation;
    QString m_ns;
    QString m_pod;
    Confirmer m_confirm;
    std::optional<actions::IsolationPlan> m_plan;
    std::optional<actions::IsolationRecord> m_record;
    std::optional<actions::IsolationStatus> m_status;
    bool m_busy = false;
    QLabel* m_state = nullptr;
    QPushButton* m_takeOut = nullptr;
    QPushButton* m_putBack = nullptr;
    QPushButton* m_delete = nullptr;
    QTimer* m_poll = nullptr;
};

} // namespace leakdesk::ui
