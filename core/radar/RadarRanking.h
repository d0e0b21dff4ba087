#pragma once
// The ranking, pure: the answers of the radar's queries for one or more namespaces in, ranked rows
// out. No I/O and no clock, so the unit tests feed it answers they made up and the runner feeds it
// Prometheus's.
//
// Per container of a workload (its memory, growth, restarts and OOM kills as the server aggregated
// them over the workload's pods):
//   - the per-service verdict's rules (analysis::analyseMemory) run on the container's sparkline
//     (average over pods), the workload's request rate and the week-ago sparkline: growth that
//     follows traffic or the week-ago baseline is not a leak, as in an investigation;
//   - the server's growth per container lifetime (restarts do not hide it) and its level and limit
//     give the time to the limit (analysis::projectTimeToLimit);
//   - OOM kills in 24 h (cAdvisor's counter, or kube-state-metrics' last terminated reason) and
//     restarts in 24 h weigh in; batch work (Job, CronJob) is judged by its OOM kills and restarts,
//     never by the growth within a run.
// The workload's score is its worst main container's; sidecars are judged and shown but never
// raise it. A workload kube-state-metrics knows but with no memory samples is a row "no data".

#include "core/prometheus/RadarQueries.h"
#include "core/radar/Radar.h"

#include <map>
#include <vector>

namespace leakdesk::radar {

// One namespace's answers (or a whole fleet's: rows are keyed by their labels), by query kind. A
// kind absent from the map was not answered (its failure is in `failures`).
struct RadarAnswers {
    std::map<prometheus::RadarQueryKind, std::vector<Series>> byKind;
};

// Ranks the answers of every namespace asked: rows sorted by score (known first), then by
// time to limit, growth, cluster, namespace and name; topN applied; failures carried over.
RadarReport rankWorkloads(
    const std::vector<RadarAnswers>& answers, const RadarOptions& options, std::vector<RadarFailure> failures = {});

// Which containers of a workload are main: one named like the workload; else those not known as
// sidecars (kube::knownSidecarName); else all of them. `why` per container.
struct ContainerRole {
    bool main = true;
    std::string why;
};
std::map<std::string, ContainerRole> classifyRadarContainers(
    const std::string& workloadName, const std::vector<std::string>& containers);

} // namespace leakdesk::radar
