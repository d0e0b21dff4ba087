#pragma once
// The raw series a real cluster's Prometheus would hold for the sandbox: real metric names and
// labels, samples on a 30 s scrape grid. Samples are computed from the model on demand (never
// stored), so seven days of history cost nothing until they are asked for. The same samples feed
// the catalogue evaluator and the OpenMetrics export, which is what makes the sandbox and a real
// Prometheus loaded with the export agree.

#include "core/common/Series.h"
#include "core/prometheus/MetricsProfile.h"
#include "core/sandbox/model/SandboxModel.h"

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::sandbox {

enum class MetricType { Gauge, Counter, Summary };

struct MetricFamily {
    std::string name; // OpenMetrics family name (counters without "_total", summaries without suffix)
    MetricType type = MetricType::Gauge;
    std::string help;
};

enum class SeriesSource {
    WorkingSetContainer,
    WorkingSetPod, // cAdvisor's pod-level cgroup: container=""
    WorkingSetPause, // the sandbox (pause) container: container="POD"
    LimitMemory,
    LimitCpu,
    Restarts,
    LastTerminatedReason, // param: the reason
    OomEvents,
    JvmUsed, // param: pool id
    JvmMax, // param: pool id
    HttpCount, // index: route
    HttpSum, // index: route
    // kube-state-metrics' owner series, 1 while the object exists. PodOwner: `pod`; param "<none>"
    // for the series of a pod its ReplicaSet let go of (no ownerReference then).
    PodOwner,
    // `pod` is the service, `index` the first revision of that ReplicaSet name; param "former" for
    // the ReplicaSet the history's first one replaced (its pods are PodSpec::former).
    ReplicaSetOwner,
    External, // sampled by the function given with setExternalSeries (a scenario's containers)
};

struct RawSeries {
    std::string metric; // sample name as queried (with "_total"/"_count")
    Labels labels; // without __name__
    std::size_t family = 0;
    SeriesSource source = SeriesSource::WorkingSetContainer;
    std::size_t pod = 0; // the pod (the service for ReplicaSetOwner)
    std::size_t index = 0;
    std::string param;
};

class MetricsHistory {
public:
    explicit MetricsHistory(const SandboxModel& model);

    const SandboxModel& model() const { return m_model; }
    const std::vector<MetricFamily>& families() const { return m_families; }
    const std::vector<RawSeries>& series() const { return m_series; }
    // Lists the series again after the model changed (a rollout created pods).
    void rebuild();

    // The names the series carry, as a cluster of that dialect's Prometheus holds them (the
    // sandbox's --metrics-naming): every series, the model's and the external ones, is renamed
    // from the current names at rebuild(). Lists the series again.
    void setNaming(const prometheus::MetricsProfile& naming);
    const prometheus::MetricsProfile& naming() const { return m_naming; }

    // Series of another source (SeriesSource::External, `family` an index into families()),
    // listed after the model's and sampled by `sampler` (nullopt: no sample at that scrape).
    using ExternalSampler = std::function<std::optional<double>(const RawSeries&, std::int64_t gridMs)>;
    void setExternalSeries(std::vector<RawSeries> series, ExternalSampler sampler);

    // Sample of `s` scraped at `gridMs` (a multiple of the scrape interval); nullopt when the target
    // had no such series at that scrape (container not running, pod not created yet).
    std::optional<double> sampleAt(const RawSeries& s, std::int64_t gridMs) const;

    static std::int64_t gridFloor(std::int64_t tMs);
    static std::int64_t gridCeil(std::int64_t tMs);

    // Coarser samples for older history: samples more than `olderThanMs` (and, when set, less than
    // `youngerThanMs`) before the export's end are written every `stepMs` (a multiple of the scrape
    // interval) instead of every scrape; where several apply, the finest. Seven days of thousands
    // of pods at 30 s are ~10^9 samples, more than a backfill can take in minutes; a range such as
    // the week-ago span of an `offset 7d` baseline can stay finer than the days around it.
    struct ExportStep {
        std::int64_t olderThanMs = 0;
        std::int64_t stepMs = SandboxModel::kScrapeIntervalMs;
        std::int64_t youngerThanMs = 0; // 0: no upper bound
    };

    // Writes every sample with timestamp in [fromMs, toMs] as OpenMetrics text (families
    // contiguous, samples ascending, "# EOF" at the end), as promtool's backfill expects.
    // `onProgress` (optional) receives the fraction of series written. `steps` (optional, any
    // order) thin out the older samples; the newest ones stay on the scrape grid.
    void writeOpenMetrics(std::ostream& out, std::int64_t fromMs, std::int64_t toMs,
        const std::function<void(double)>& onProgress = {}, const std::vector<ExportStep>& steps = {}) const;

private:
    void add(std::size_t family, std::string metric, Labels labels, SeriesSource source, std::size_t pod,
        std::size_t index = 0, std::string param = {});
    bool replicaSetExistsAt(const RawSeries& s, std::int64_t gridMs) const;
    std::size_t familyNamed(const std::string& name, MetricType type, const std::string& help);
    // false: the dialect has no such series (a summary's _sum where the dialect counts with a counter).
    bool rename(RawSeries& s);

    const SandboxModel& m_model;
    std::vector<MetricFamily> m_families;
    std::vector<RawSeries> m_series;
    std::vector<RawSeries> m_external;
    ExternalSampler m_externalSampler;
    prometheus::MetricsProfile m_naming;
};

// Prometheus' text formatting of a float (Go's strconv.FormatFloat(v, 'f', -1, 64)).
std::string formatPromValue(double v);

} // namespace leakdesk::sandbox
