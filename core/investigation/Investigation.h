#pragma once
// One investigation of one service (runbook steps 1-2) as a job: collect evidence over the
// network, analyse it on a worker thread, then end in exactly one of finished() / failed().
// Starting again supersedes the previous run; its late results are dropped.

#include "common/Result.h"
#include "investigation/Findings.h"

#include <QObject>

#include <memory>

namespace leakdesk::investigation {

class ClusterConnection;
class EvidenceCollector;

class Investigation : public QObject {
    Q_OBJECT
public:
    explicit Investigation(ClusterConnection& connection, QObject* parent = nullptr);
    ~Investigation() override;

    void start(const InvestigationRequest& request);
    void cancel();
    quint64 generation() const { return m_generation; }

Q_SIGNALS:
    void progress(const QString& stage, int done, int total);
    void finished(std::shared_ptr<const leakdesk::investigation::Findings> findings);
    void failed(const leakdesk::Error& error);

private:
    EvidenceCollector* m_collector;
    quint64 m_generation = 0;
};

} // namespace leakdesk::investigation
