#include "ui/investigation/InvestigationController.h"

#include "core/kube/WorkloadResolution.h"

#include "core/investigation/Investigation.h"
#include "core/investigation/PrometheusInCluster.h"

#include <QDateTime>

#include <utility>

namespace leakdesk::ui {

InvestigationController::InvestigationController(QObject* parent)
    : QObject(parent)
{
    qRegisterMetaType<leakdesk::ui::ConnectionState>();
}

InvestigationController::~InvestigationController()
{
    delete m_discovery; // before the connection whose KubeClient it uses
    delete m_investigation; // before the connection it uses
}

Status InvestigationController::open(const investigation::ConnectionOptions& options)
{
    Q_EMIT connectionChanging();
    delete m_discovery;
    m_discovery = nullptr;
    m_waitingForPrometheus.clear();
    delete m_investigation;
    m_investigation = nullptr;
    m_connection.reset();
    auto c = investigation::ClusterConnection::open(options);
    if (!c)
        return c.error();
    m_connection = std::move(c).value();
    m_investigation = new investigation::Investigation(*m_connection);
    connect(m_investigation, &Job::progress, this, [this](const JobProgress& p) {
        Q_EMIT busyChanged(true, tr("%1 (%2/%3)").arg(p.stage).arg(p.done).arg(p.total));
    });
    connect(m_investigation, &investigation::Investigation::finished, this, [this](std::shared_ptr<const investigation::Findings> f) {
        m_findings = f;
        // Discovery settles which Prometheus (or none) during the first investigation: the bar says so.
        if (f->evidence && m_state.promUrl.isEmpty()) {
            const auto& ev = *f->evidence;
            m_state.promUrl = QString::fromStdString(ev.prometheusUrl);
            m_state.promOk = !ev.prometheusUnreachable;
            m_state.promStatus = ev.prometheusUnreachable
                ? tr("Prometheus unreachable: %1").arg(QString::fromStdString(*ev.prometheusUnreachable))
                : tr("Prometheus found in the cluster: %1").arg(QString::fromStdString(ev.prometheusDiscoveredFrom));
            if (m_connection->hasPrometheus()) {
                m_state.promTls = m_connection->prometheus().usesTls();
                m_state.promTlsVerified = m_connection->prometheus().tlsVerified();
            }
            Q_EMIT stateChanged(m_state);
        }
        Q_EMIT busyChanged(false, {});
        Q_EMIT findingsReady(f);
    });
    connect(m_investigation, &Job::failed, this, [this](const Error& e) {
        Q_EMIT busyChanged(false, {});
        Q_EMIT investigationFailed(QString::fromStdString(e.message), QString::fromStdString(e.detail));
    });

    auto& kube = m_connection->kube();
    m_state = {};
    m_state.context = m_connection->contextName();
    m_state.server = kube.serverUrl().toString();
    m_state.authMethod = kube.authMethod();
    m_state.tls = kube.usesTls();
    m_state.tlsVerified = kube.tlsVerified();
    m_state.sandbox = m_connection->isSandbox();
    if (m_connection->hasPrometheus()) {
        m_state.promUrl = m_connection->prometheus().connection().baseUrl.toString();
        m_state.promTls = m_connection->prometheus().usesTls();
        m_state.promTlsVerified = m_connection->prometheus().tlsVerified();
    }
    m_state.kubeStatus = tr("connecting…");
    m_state.promStatus = m_connection->noPrometheusReason()
        ? QString::fromStdString(*m_connection->noPrometheusReason())
        : m_connection->hasPrometheus() ? tr("connecting…")
                                        : tr("looking for Prometheus in the cluster…");
    // Every context of the kubeconfig, the sandbox's too (it has a read-only one on request): the
    // connection bar offers them all.
    m_contexts = { m_state.context };
    std::vector<std::string> files = options.kubeconfig.isEmpty()
        ? kube::defaultKubeConfigFiles()
        : std::vector<std::string> { options.kubeconfig.toStdString() };
    if (auto cfg = kube::loadKubeConfig(files)) {
        m_contexts.clear();
        for (const auto& n : cfg->contextNames())
            m_contexts << QString::fromStdString(n);
        if (!m_contexts.contains(m_state.context))
            m_contexts.prepend(m_state.context);
    }
    Q_EMIT stateChanged(m_state);

    kube.serverVersion(this, [this](Result<QString> r) {
        m_state.kubeOk = r.ok();
        m_state.kubeStatus = r ? *r : QString::fromStdString(r.error().message);
        Q_EMIT stateChanged(m_state);
    });
    Q_EMIT connectionOpened();
    if (!m_connection->hasPrometheus())
        return Ok {};
    m_connection->prometheus().buildInfo(this, [this](Result<QString> r) {
        m_state.promOk = r.ok();
        // Said first, so that the elided label still reads "Prometheus unreachable…" on a laptop.
        m_state.promStatus = r ? tr("Prometheus %1").arg(*r)
                               : tr("Prometheus unreachable: %1").arg(QString::fromStdString(r.error().message));
        Q_EMIT stateChanged(m_state);
    });
    return Ok {};
}

void InvestigationController::settlePrometheus(std::function<void()> ready)
{
    if (!m_connection)
        return;
    if (!m_connection->prometheusToDiscover())
        return ready();
    m_waitingForPrometheus.push_back(std::move(ready));
    if (m_discovery)
        return; // under way: `ready` runs with the others
    m_discovery = new investigation::PrometheusDiscovery(m_connection->kube(), this);
    Q_EMIT busyChanged(true, tr("looking for Prometheus in the cluster…"));
    m_discovery->start(
        m_connection->defaultNamespace().toStdString(), [this](Result<investigation::DiscoveredPrometheus> found) {
            // An investigation may have settled it meanwhile (it runs a discovery of its own).
            if (m_connection->prometheusToDiscover()) {
                if (found)
                    m_connection->usePrometheus(found->connection,
                        { found->connection.baseUrl.toString().toStdString(), found->chosen.service.display(),
                            found->chosen.why });
                else
                    m_connection->goWithoutPrometheus(found.error().message, found.error().detail);
            }
            if (m_state.promUrl.isEmpty()) {
                const auto& source = m_connection->prometheusSource();
                m_state.promUrl = QString::fromStdString(source.url);
                m_state.promOk = m_connection->hasPrometheus();
                m_state.promStatus = m_connection->hasPrometheus()
                    ? tr("Prometheus found in the cluster: %1").arg(QString::fromStdString(source.discoveredFrom))
                    : tr("No Prometheus: %1")
                          .arg(QString::fromStdString(m_connection->noPrometheusReason().value_or(std::string())));
                if (m_connection->hasPrometheus()) {
                    m_state.promTls = m_connection->prometheus().usesTls();
                    m_state.promTlsVerified = m_connection->prometheus().tlsVerified();
                }
                Q_EMIT stateChanged(m_state);
            }
            Q_EMIT busyChanged(false, {});
            m_discovery->deleteLater();
            m_discovery = nullptr;
            for (auto& waiting : std::exchange(m_waitingForPrometheus, {}))
                waiting();
        });
}

void InvestigationController::refreshNamespaces()
{
    if (!m_connection)
        return;
    const QString preferred = m_preferredNamespace.isEmpty() ? m_connection->defaultNamespace() : m_preferredNamespace;
    m_connection->kube().listNamespaces(this, [this, preferred](Result<std::vector<std::string>> r) {
        QStringList names;
        if (r) {
            for (const auto& n : *r)
                names << QString::fromStdString(n);
        }
        // Users without permission to list namespaces still work in their context's namespace.
        if (!names.contains(preferred))
            names.prepend(preferred);
        Q_EMIT namespacesChanged(names, preferred);
    });
}

void InvestigationController::refreshServices(const QString& ns)
{
    if (!m_connection)
        return;
    // Every kind of workload and the Services: a user who may list only some kinds still gets those.
    kube::listWorkloadChoices(m_connection->kube(), ns, this, [this, ns](Result<kube::WorkloadChoices> r) {
        QStringList names;
        if (r) {
            for (const auto& item : r->items)
                names << QString::fromStdString(item);
        } else {
            Q_EMIT investigationFailed(QString::fromStdString(r.error().message), QString::fromStdString(r.error().detail));
        }
        Q_EMIT servicesChanged(ns, names);
    });
}

void InvestigationController::investigate(const QString& ns, const QString& service, qint64 windowMs)
{
    if (!m_investigation || service.isEmpty())
        return;
    investigation::InvestigationRequest req;
    req.ns = ns.toStdString();
    // The picker's items: a Service's bare name, or "Kind/name" of a workload.
    if (auto ref = kube::parseWorkloadRef(service.toStdString()); ref && ref->kind) {
        req.workload = *ref;
        req.service = ref->name;
    } else {
        req.service = service.toStdString();
    }
    req.nowMs = QDateTime::currentMSecsSinceEpoch();
    req.windowMs = windowMs;
    req.oomThreshold = m_parameters.oomMaxCount;
    req.oomWindowMs = m_parameters.oomWindowMs;
    req.warmUpMs = m_parameters.stabiliseWithinMs;
    Q_EMIT busyChanged(true, tr("investigating %1…").arg(service));
    m_investigation->start(req);
}

} // namespace leakdesk::ui
