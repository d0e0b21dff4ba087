#pragma once
// One investigation of one service (runbook steps 1-2) on the project's one job shape
// (common/Job.h): collect evidence over the network, analyse it on a worker thread, then end in
// exactly one of finished(Findings) / failed(Error). Progress counts the evidence queries answered.
// Starting again supersedes the previous run; its late results are dropped.

#include "core/common/Job.h"
#include "core/common/Result.h"
#include "core/investigation/Findings.h"

#include <memory>

namespace leakdesk::investigation {

class ClusterConnection;
class EvidenceCollector;
class PrometheusDiscovery;

class Investigation : public Job {
    Q_OBJECT
public:
    explicit Investigation(ClusterConnection& connection, QObject* parent = nullptr);
    ~Investigation() override;

    void start(const InvestigationRequest& request);

Q_SIGNALS:
    void finished(std::shared_ptr<const leakdesk::investigation::Findings> findings);

private:
    struct Run;
    void analyse(std::shared_ptr<const RawEvidence> evidence);

    ClusterConnection& m_connection;
    EvidenceCollector* m_collector;
    PrometheusDiscovery* m_discovery = nullptr; // with no Prometheus URL given: looks for one first
};

} // namespace leakdesk::investigation
