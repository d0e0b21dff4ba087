#include "investigation/Investigation.h"

#include "investigation/EvidenceCollector.h"

#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

namespace leakdesk::investigation {

Investigation::Investigation(ClusterConnection& connection, QObject* parent)
    : QObject(parent)
    , m_collector(new EvidenceCollector(connection, this))
{
    qRegisterMetaType<std::shared_ptr<const Findings>>();
    connect(m_collector, &EvidenceCollector::progress, this, &Investigation::progress);
    connect(m_collector, &EvidenceCollector::failed, this, &Investigation::failed);
    connect(m_collector, &EvidenceCollector::finished, this, [this](std::shared_ptr<const RawEvidence> evidence) {
        const quint64 generation = m_generation;
        auto* watcher = new QFutureWatcher<std::shared_ptr<const Findings>>(this);
        connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation] {
            watcher->deleteLater();
            if (generation != m_generation)
                return; // superseded while analysing
            Q_EMIT finished(watcher->result());
        });
        Q_EMIT progress(QStringLiteral("analysing"), 1, 1);
        watcher->setFuture(QtConcurrent::run([evidence] {
            return std::shared_ptr<const Findings>(std::make_shared<Findings>(analyseEvidence(evidence)));
        }));
    });
}

Investigation::~Investigation() = default;

void Investigation::start(const InvestigationRequest& request)
{
    ++m_generation;
    m_collector->start(request);
}

void Investigation::cancel()
{
    ++m_generation;
    m_collector->cancel();
}

} // namespace leakdesk::investigation
