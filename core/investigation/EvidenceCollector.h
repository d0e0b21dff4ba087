#pragma once
// Fetches everything runbook steps 1 and 2 need for one workload: first what the user named,
// resolved (kube::fetchWorkload: a Service, KIND/NAME or a bare name, its pods through selector
// and owners, its containers), then concurrently `kubectl top` metrics, OOMKilling events, the
// pods Prometheus remembers (WorkloadPods) and every catalogue query over the window, about the
// main container, per chunk of pod names.
// Ends in exactly one of finished(RawEvidence) / failed(Error). A superseded or cancelled
// collection reports nothing.

#include "core/common/Job.h" // Error as a metatype
#include "core/common/Result.h"
#include "core/investigation/Evidence.h"

namespace leakdesk::kube {
struct ResolvedWorkload;
}

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
    static WorkloadEvidence describe(const kube::ResolvedWorkload& resolved);
    void onResolved(kube::ResolvedWorkload resolved);
    void runQuery(prometheus::QueryKind kind, const std::vector<prometheus::PodSelector>& selectors, const TimeRange& window);
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
