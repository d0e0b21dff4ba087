#pragma once
// Runbook step 6 followed live: did the deployed fix stop the leak? Runs
// investigation::FixVerificationJob for the investigated workload now and then again every
// interval while shown (the answer of a pending one changes as the new pods age), and shows the
// verdict, why, how much longer when pending, the old revision's growth against the new one's,
// and the evidence. Self-contained: the step's page hands it the connection and the workload, and
// listens to verified() / fixVerified().

#include "core/investigation/FixVerification.h"

#include <QWidget>

#include <functional>
#include <memory>
#include <optional>

class QLabel;
class QListWidget;
class QProgressBar;
class QPushButton;
class QTimer;

namespace leakdesk::investigation {
class ClusterConnection;
}

namespace leakdesk::ui {

class VerdictBanner;

class FixVerificationPanel : public QWidget {
    Q_OBJECT
public:
    using ConnectionSource = std::function<investigation::ClusterConnection*()>;
    // 30 s: a few scrapes; the sandbox at --clock-speed 60 moves half an hour in that time.
    static constexpr int kDefaultIntervalMs = 30 * 1000;

    explicit FixVerificationPanel(QWidget* parent = nullptr);
    ~FixVerificationPanel() override;

    void setConnectionSource(ConnectionSource source) { m_connectionSource = std::move(source); }
    // What is verified. A different workload forgets the last answer (and, while following, is
    // checked at once).
    void setTarget(const QString& ns, const kube::WorkloadRef& workload, std::optional<qint64> incidentStartMs);
    // Re-checks every `intervalMs` while on (and once at once); off: only on checkNow().
    void setFollowing(bool on);
    bool following() const;
    void setIntervalMs(int intervalMs);
    void checkNow();

    std::shared_ptr<const investigation::FixVerificationReport> lastReport() const { return m_last; }
    VerdictBanner* banner() const { return m_banner; }
    QString comparisonText() const; // old vs new growth, as shown
    QStringList evidenceTexts() const;
    QPushButton* checkButton() const { return m_check; }
    // The buttons of another part of step 6 (undo the stopgaps, hand over) go below the evidence.
    void addActionWidget(QWidget* widget);

Q_SIGNALS:
    // Every answer.
    void verified(std::shared_ptr<const leakdesk::investigation::FixVerificationReport> report);
    // The first "fixed" for a new revision: the step can be ticked with this evidence.
    void fixVerified(std::shared_ptr<const leakdesk::investigation::FixVerificationReport> report);

private:
    void show(const std::shared_ptr<const investigation::FixVerificationReport>& report);
    void showFailure(const Error& error);

    ConnectionSource m_connectionSource;
    investigation::ClusterConnection* m_jobConnection = nullptr;
    std::unique_ptr<investigation::FixVerificationJob> m_job;
    investigation::FixVerificationRequest m_request;
    bool m_hasTarget = false;
    std::shared_ptr<const investigation::FixVerificationReport> m_last;
    std::string m_fixedRevisionAnnounced;
    VerdictBanner* m_banner;
    QLabel* m_comparison;
    QProgressBar* m_observed;
    QListWidget* m_evidence;
    QPushButton* m_check;
    QPushButton* m_follow;
    QWidget* m_actions;
    QTimer* m_timer;
};

} // namespace leakdesk::ui
