#pragma once
// The GUI's handle on one cluster: opens the connection (real or sandbox), fills the namespace
// and service pickers, and runs investigations as jobs. Views only listen to its signals.

#include "core/common/Result.h"
#include "core/investigation/ClusterConnection.h"
#include "core/investigation/Findings.h"

#include "core/runbook/Parameters.h"

#include <QObject>
#include <QStringList>

#include <functional>
#include <memory>
#include <vector>

namespace leakdesk::investigation {
class Investigation;
class PrometheusDiscovery;
}

namespace leakdesk::ui {

struct ConnectionState {
    QString context;
    QString server;
    QString authMethod;
    bool tls = false;
    bool tlsVerified = false;
    bool sandbox = false;
    QString kubeStatus; // "v1.32.0" or the error
    bool kubeOk = false;
    QString promUrl;
    QString promStatus;
    bool promOk = false;
    bool promTls = false;
    bool promTlsVerified = false;
};

class InvestigationController : public QObject {
    Q_OBJECT
public:
    explicit InvestigationController(QObject* parent = nullptr);
    ~InvestigationController() override;

    Status open(const investigation::ConnectionOptions& options);
    bool isOpen() const { return m_connection != nullptr; }
    investigation::ClusterConnection* connection() { return m_connection.get(); }
    const ConnectionState& state() const { return m_state; }
    QStringList contexts() const { return m_contexts; }

    void refreshNamespaces();
    // The namespace to open on (--namespace), instead of the kube context's own.
    void setPreferredNamespace(const QString& ns) { m_preferredNamespace = ns; }
    void refreshServices(const QString& ns);
    void investigate(const QString& ns, const QString& service, qint64 windowMs = 6 * 3600 * 1000LL);
    // The runbook's thresholds the analyses use ("more than 2 in 1 hour", "within 10 minutes").
    void setParameters(const runbook::RunbookParameters& parameters) { m_parameters = parameters; }
    const runbook::RunbookParameters& parameters() const { return m_parameters; }
    std::shared_ptr<const investigation::Findings> findings() const { return m_findings; }
    // Settles which Prometheus the connection reads, for work that needs it without an
    // investigation (the radar): when none was named, looks for one in the cluster as an
    // investigation does and says what it found in the bar. `ready` runs once that is settled
    // (hasPrometheus() or noPrometheusReason()), never after the connection has been replaced.
    void settlePrometheus(std::function<void()> ready);

Q_SIGNALS:
    // open() is about to replace the connection: jobs holding its clients must let go of them now.
    void connectionChanging();
    void connectionOpened();
    void stateChanged(const leakdesk::ui::ConnectionState& state);
    void namespacesChanged(const QStringList& namespaces, const QString& preferred);
    void servicesChanged(const QString& ns, const QStringList& services);
    void busyChanged(bool busy, const QString& stage);
    void findingsReady(std::shared_ptr<const leakdesk::investigation::Findings> findings);
    void investigationFailed(const QString& message, const QString& hint);

private:
    std::unique_ptr<investigation::ClusterConnection> m_connection;
    investigation::Investigation* m_investigation = nullptr;
    investigation::PrometheusDiscovery* m_discovery = nullptr; // settlePrometheus()'s, per connection
    std::vector<std::function<void()>> m_waitingForPrometheus;
    std::shared_ptr<const investigation::Findings> m_findings;
    ConnectionState m_state;
    QStringList m_contexts;
    runbook::RunbookParameters m_parameters;
    QString m_preferredNamespace;
};

} // namespace leakdesk::ui
