#include "core/investigation/Investigation.h"

#include "core/investigation/ClusterConnection.h"
#include "core/investigation/EvidenceCollector.h"
#include "core/investigation/PrometheusInCluster.h"

#include <QFutureWatcher>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

namespace leakdesk::investigation {

// A run's collection is the collector's current one: stopping the run drops every pending reply.
struct Investigation::Run : JobRun {
    QPointer<EvidenceCollector> collector;
    QPointer<PrometheusDiscovery> discovery;
    void onStop() override
    {
        if (discovery)
            discovery->cancel();
        if (collector)
            collector->cancel();
    }
};

Investigation::Investigation(ClusterConnection& connection, QObject* parent)
    : Job(parent)
    , m_connection(connection)
    , m_collector(new EvidenceCollector(connection, this))
{
    qRegisterMetaType<std::shared_ptr<const Findings>>();
    // The collector reports only for its current collection, which is the current run's.
    connect(m_collector, &EvidenceCollector::progress, this,
        [this](const QString& stage, int done, int total) { reportCount(currentRun(), stage, done, total); });
    connect(m_collector, &EvidenceCollector::failed, this, [this](const Error& e) { fail(currentRun(), e); });
    connect(m_collector, &EvidenceCollector::finished, this, &Investigation::analyse);
}

Investigation::~Investigation()
{
    abandon();
}

void Investigation::start(const InvestigationRequest& request)
{
    auto run = begin<Run>(QStringLiteral("The investigation of %1").arg(QString::fromStdString(request.service)));
    run->collector = m_collector;
    if (!m_connection.prometheusToDiscover())
        return m_collector->start(request);
    // No Prometheus named: find one in the cluster first (once per connection), or go on with the
    // cluster's evidence alone, saying what was looked at.
    if (!m_discovery)
        m_discovery = new PrometheusDiscovery(m_connection.kube(), this);
    run->discovery = m_discovery;
    reportCount(run, QStringLiteral("looking for Prometheus in the cluster"), 0, 1);
    m_discovery->start(request.ns, [this, request](Result<DiscoveredPrometheus> found) {
        applyDiscovery(m_connection, found);
        m_collector->start(request);
    });
}

void Investigation::analyse(std::shared_ptr<const RawEvidence> evidence)
{
    const std::shared_ptr<JobRun> run = currentRun();
    auto* watcher = new QFutureWatcher<std::shared_ptr<const Findings>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, run] {
        watcher->deleteLater();
        // Dropped when superseded or cancelled while analysing.
        finish(run, [this, findings = watcher->result()] { Q_EMIT finished(findings); });
    });
    reportCount(run, QStringLiteral("analysing"), 1, 1);
    watcher->setFuture(QtConcurrent::run(
        [evidence] { return std::shared_ptr<const Findings>(std::make_shared<Findings>(analyseEvidence(evidence))); }));
}

} // namespace leakdesk::investigation
