#pragma once
// The radar as a job (common/Job.h): asks Prometheus the radar's queries (prometheus/RadarQueries.h)
// per namespace, at most RadarOptions::maxConcurrentQueries at once, ranks the answers on a worker
// thread (RadarRanking.h) and ends in exactly one of finished(RadarReport) / failed(Error). A failed
// namespace or query does not fail the run: it is a RadarFailure in the report. failed() is for a
// run that could not rank anything at all (Prometheus unreachable, cancelled).

#include "core/common/Job.h"
#include "core/radar/Radar.h"

#include <memory>

namespace leakdesk::prometheus {
class PromClient;
}

namespace leakdesk::radar {

class LeakRadar : public Job {
    Q_OBJECT
public:
    explicit LeakRadar(prometheus::PromClient& client, QObject* parent = nullptr);
    ~LeakRadar() override;

    void start(const RadarOptions& options);

Q_SIGNALS:
    void finished(std::shared_ptr<const leakdesk::radar::RadarReport> report);

private:
    struct Run;
    void listNamespaces(const std::shared_ptr<Run>& run);
    void askNamespaces(const std::shared_ptr<Run>& run, std::vector<std::string> namespaces);
    void pump(const std::shared_ptr<Run>& run);
    void rank(const std::shared_ptr<Run>& run);

    prometheus::PromClient& m_client;
};

} // namespace leakdesk::radar

Q_DECLARE_METATYPE(std::shared_ptr<const leakdesk::radar::RadarReport>)
