#pragma once
// Fetches everything runbook steps 1 and 2 need for one service, concurrently: the Deployment,
// its pods, `kubectl top` metrics, OOMKilling events, and every catalogue query over the window.
// Ends in exactly one of finished(RawEvidence) / failed(Error). A superseded or cancelled
// collection reports nothing.

#include "core/common/Job.h" // Error as a metatype
#include "core/common/Result.h"
#include "core/investigation/Evidence.h"

#include <QObject>

#include <memory>

namespace leakdesk::investigation {

class ClusterConnection;

class EvidenceCollector : public QObject {
    Q_OBJECT
public:
    EvidenceCollector(ClusterConnection& connection, QObject* parent = nullptr);
    ~EvidenceCollector() override;

    void start(const InvestigationRequest& request);
    void cancel();
    bool isRunning() const { return m_pending > 0; }

Q_SIGNALS:
    void progress(const QString& stage, int done, int total);
    void finished(std::shared_ptr<const RawEvidence> evidence);
    void failed(const leakdesk::Error& error);

private:
    // A Prometheus that cannot answer any query: not listening, timing out, refusing the
    // credentials, or failing with 5xx after PromClient's retries.
    static bool isUnreachable(const Error& error);
    void runQuery(prometheus::QueryKind kind, const prometheus::PodSelector& podSelector, const TimeRange& window);
    void step(const QString& stage);
    void fail(const Error& error);
    void complete();

    ClusterConnection& m_connection;
    std::shared_ptr<RawEvidence> m_evidence;
    std::unique_ptr<QObject> m_context; // replies are bound to it; replaced on restart/cancel
    int m_pending = 0;
    int m_total = 0;
    bool m_failed = false;
};

} // namespace leakdesk::investigation
