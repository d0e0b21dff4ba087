#include "core/sandbox/model/MetricsHistory.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ostream>
#include <set>

namespace leakdesk::sandbox {

namespace {

enum FamilyIndex : std::size_t {
    kWorkingSet,
    kLimits,
    kRestarts,
    kLastTerminated,
    kOomEvents,
    kJvmUsed,
    kJvmMax,
    kHttp,
    kPodOwner,
    kReplicaSetOwner,
    kJobOwner,
};

// kube-state-metrics writes an object without owner references as owned by "<none>".
constexpr const char* kNoOwner = "<none>";
constexpr const char* kFormerReplicaSet = "former";

std::string escapeLabelValue(const std::string& v)
{
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\' || c == '"') {
            out.push_back('\\');
            out.push_back(c);
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string formatLabels(const Labels& labels)
{
    std::string out = "{";
    bool first = true;
    for (const auto& [k, v] : labels) {
        if (!first)
            out.push_back(',');
        first = false;
        out += k + "=\"" + escapeLabelValue(v) + "\"";
    }
    out.push_back('}');
    return out;
}

} // namespace

std::string formatPromValue(double v)
{
    if (std::isnan(v))
        return "NaN";
    if (std::isinf(v))
        return v > 0 ? "+Inf" : "-Inf";
    char buf[400];
    auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
    return std::string(buf, res.ptr);
}

MetricsHistory::MetricsHistory(const SandboxModel& model)
    : m_model(model)
{
    m_families = {
        { "container_memory_working_set_bytes", MetricType::Gauge, "Current working set of the container in bytes" },
        { "kube_pod_container_resource_limits", MetricType::Gauge,
            "The number of requested limit resource by a container." },
        { "kube_pod_container_status_restarts", MetricType::Counter,
            "The number of container restarts per container." },
        { "kube_pod_container_status_last_terminated_reason", MetricType::Gauge,
            "Describes the last reason the container was in terminated state." },
        { "container_oom_events", MetricType::Counter, "Count of out of memory events observed for the container" },
        { "jvm_memory_used_bytes", MetricType::Gauge, "The amount of used memory" },
        { "jvm_memory_max_bytes", MetricType::Gauge, "The maximum amount of memory in bytes that can be used" },
        { "http_server_requests_seconds", MetricType::Summary, "Duration of HTTP server request handling" },
        // Owners, as kube-state-metrics exports them: what finds a workload's pods over history,
        // including pods long gone after rollouts. The built-in model has no Jobs; scenarios do.
        { "kube_pod_owner", MetricType::Gauge, "Information about the Pod's owner." },
        { "kube_replicaset_owner", MetricType::Gauge, "Information about the ReplicaSet's owner." },
        { "kube_job_owner", MetricType::Gauge, "Information about the Job's owner." },
    };

    rebuild();
}

void MetricsHistory::rebuild()
{
    const SandboxModel& model = m_model;
    m_series.clear();
    const auto& pods = model.pods();
    for (std::size_t p = 0; p < pods.size(); ++p) {
        const PodSpec& pod = pods[p];
        const ServiceSpec& svc = model.services()[pod.service];
        const Labels base { { "namespace", model.namespaceName() }, { "pod", pod.name } };
        auto with = [&](std::initializer_list<std::pair<const std::string, std::string>> extra) {
            Labels l = base;
            l.insert(extra);
            return l;
        };
        const std::string kubelet = "kubelet";
        const std::string ksm = "kube-state-metrics";
        const std::string app = "kubernetes-pods";

        add(kWorkingSet, m_families[kWorkingSet].name, with({ { "container", svc.name }, { "job", kubelet } }),
            SeriesSource::WorkingSetContainer, p);
        add(kWorkingSet, m_families[kWorkingSet].name, with({ { "container", "" }, { "job", kubelet } }),
            SeriesSource::WorkingSetPod, p);
        add(kWorkingSet, m_families[kWorkingSet].name, with({ { "container", "POD" }, { "job", kubelet } }),
            SeriesSource::WorkingSetPause, p);
        add(kLimits, m_families[kLimits].name,
            with({ { "container", svc.name }, { "job", ksm }, { "resource", "memory" }, { "unit", "byte" } }),
            SeriesSource::LimitMemory, p);
        add(kLimits, m_families[kLimits].name,
            with({ { "container", svc.name }, { "job", ksm }, { "resource", "cpu" }, { "unit", "core" } }),
            SeriesSource::LimitCpu, p);
        add(kRestarts, "kube_pod_container_status_restarts_total", with({ { "container", svc.name }, { "job", ksm } }),
            SeriesSource::Restarts, p);
        std::set<std::string> reasons;
        for (const auto& run : pod.runs)
            if (run.terminated)
                reasons.insert(run.reason);
        for (const auto& reason : reasons)
            add(kLastTerminated, m_families[kLastTerminated].name,
                with({ { "container", svc.name }, { "job", ksm }, { "reason", reason } }),
                SeriesSource::LastTerminatedReason, p, 0, reason);
        add(kOomEvents, "container_oom_events_total", with({ { "container", svc.name }, { "job", kubelet } }),
            SeriesSource::OomEvents, p);
        if (svc.jvm) {
            for (const auto& id : SandboxModel::heapPoolIds()) {
                add(kJvmUsed, m_families[kJvmUsed].name,
                    with({ { "container", svc.name }, { "job", app }, { "area", "heap" }, { "id", id } }),
                    SeriesSource::JvmUsed, p, 0, id);
            }
            add(kJvmUsed, m_families[kJvmUsed].name,
                with({ { "container", svc.name }, { "job", app }, { "area", "nonheap" }, { "id", "Metaspace" } }),
                SeriesSource::JvmUsed, p, 0, "Metaspace");
            for (const auto& id : SandboxModel::heapPoolIds()) {
                add(kJvmMax, m_families[kJvmMax].name,
                    with({ { "container", svc.name }, { "job", app }, { "area", "heap" }, { "id", id } }),
                    SeriesSource::JvmMax, p, 0, id);
            }
            add(kJvmMax, m_families[kJvmMax].name,
                with({ { "container", svc.name }, { "job", app }, { "area", "nonheap" }, { "id", "Metaspace" } }),
                SeriesSource::JvmMax, p, 0, "Metaspace");
        }
        for (std::size_t r = 0; r < svc.routes.size(); ++r) {
            const HttpRoute& route = svc.routes[r];
            const std::string outcome = route.status[0] == '2' ? "SUCCESS"
                : route.status[0] == '4'                       ? "CLIENT_ERROR"
                                                               : "SERVER_ERROR";
            const Labels l = with({ { "container", svc.name }, { "job", app }, { "method", route.method },
                { "uri", route.uri }, { "status", route.status }, { "outcome", outcome } });
            // _count and _sum of one summary stay adjacent: the OpenMetrics writer interleaves them.
            add(kHttp, "http_server_requests_seconds_count", l, SeriesSource::HttpCount, p, r);
            add(kHttp, "http_server_requests_seconds_sum", l, SeriesSource::HttpSum, p, r);
        }
        // A former pod's ReplicaSet is no longer served: its name is in the pod's, as the controller
        // names pods after their ReplicaSet.
        const std::string replicaSet
            = pod.former ? pod.name.substr(0, pod.name.rfind('-')) : model.replicaSetName(pod.service, pod.revision);
        add(kPodOwner, m_families[kPodOwner].name,
            with({ { "job", ksm }, { "owner_kind", "ReplicaSet" }, { "owner_name", replicaSet },
                { "owner_is_controller", "true" } }),
            SeriesSource::PodOwner, p);
        if (!pod.released.empty())
            add(kPodOwner, m_families[kPodOwner].name,
                with({ { "job", ksm }, { "owner_kind", kNoOwner }, { "owner_name", kNoOwner },
                    { "owner_is_controller", kNoOwner } }),
                SeriesSource::PodOwner, p, 0, kNoOwner);
    }
    // One series per ReplicaSet name (a template patched back is its earlier ReplicaSet again).
    for (std::size_t svc = 0; svc < model.services().size(); ++svc) {
        std::set<std::string> seen;
        auto addReplicaSet = [&](const std::string& name, std::size_t revision, std::string param) {
            if (!seen.insert(name).second)
                return;
            const std::string& deployment = model.services()[svc].name;
            add(kReplicaSetOwner, m_families[kReplicaSetOwner].name,
                Labels { { "namespace", model.namespaceName() }, { "replicaset", name },
                    { "job", "kube-state-metrics" }, { "owner_kind", "Deployment" }, { "owner_name", deployment },
                    { "owner_is_controller", "true" } },
                SeriesSource::ReplicaSetOwner, svc, revision, std::move(param));
        };
        for (const PodSpec& pod : pods)
            if (pod.former && pod.service == svc) {
                addReplicaSet(pod.name.substr(0, pod.name.rfind('-')), 0, kFormerReplicaSet);
                break;
            }
        for (std::size_t r = 0; r < model.revisions(svc).size(); ++r)
            addReplicaSet(model.replicaSetName(svc, r), r, {});
    }
    m_series.insert(m_series.end(), m_external.begin(), m_external.end());
    if (!(m_naming == prometheus::MetricsProfile {})) {
        std::vector<RawSeries> renamed;
        renamed.reserve(m_series.size());
        for (RawSeries& s : m_series)
            if (rename(s))
                renamed.push_back(std::move(s));
        m_series = std::move(renamed);
    }
}

void MetricsHistory::setNaming(const prometheus::MetricsProfile& naming)
{
    m_naming = naming;
    rebuild();
}

std::size_t MetricsHistory::familyNamed(const std::string& name, MetricType type, const std::string& help)
{
    for (std::size_t i = 0; i < m_families.size(); ++i)
        if (m_families[i].name == name)
            return i;
    m_families.push_back({ name, type, help });
    return m_families.size() - 1;
}

bool MetricsHistory::rename(RawSeries& s)
{
    const prometheus::MetricsProfile current;
    const prometheus::MetricsProfile& to = m_naming;
    auto renameLabel = [&s](const std::string& from, const std::string& name) {
        if (from == name)
            return;
        if (auto it = s.labels.find(from); it != s.labels.end()) {
            std::string value = std::move(it->second);
            s.labels.erase(it);
            s.labels[name] = std::move(value);
        }
    };
    if (s.metric == current.workingSet || s.metric == current.oomEvents) {
        renameLabel("pod", to.podLabel);
        renameLabel("container", to.containerLabel);
        return true;
    }
    if (s.metric == current.limits && !to.limitsHaveResourceLabel()) {
        // kube-state-metrics v1: one gauge per resource, its unit in the name.
        const bool memory = s.labels["resource"] == "memory";
        s.metric = memory ? to.limits : "kube_pod_container_resource_limits_cpu_cores";
        s.labels.erase("resource");
        s.labels.erase("unit");
        s.family = familyNamed(s.metric, MetricType::Gauge,
            memory ? "The limit on memory to be used by a container in bytes."
                   : "The limit on cpu to be used by a container in cores.");
        return true;
    }
    if (s.metric == current.jvmMemoryUsed || s.metric == current.jvmMemoryMax) {
        const bool used = s.metric == current.jvmMemoryUsed;
        s.metric = used ? to.jvmMemoryUsed : to.jvmMemoryMax;
        renameLabel(current.jvmAreaLabel, to.jvmAreaLabel);
        if (to.jvmAreaLabel == "jvm_memory_type")
            renameLabel("id", "jvm_memory_pool_name"); // OpenTelemetry's semantic conventions
        else if (to.jvmMemoryUsed == "jvm_memory_bytes_used")
            renameLabel("id", "pool");
        s.family = familyNamed(s.metric, MetricType::Gauge,
            used ? "The amount of used memory" : "The maximum amount of memory in bytes that can be used");
        return true;
    }
    if (s.metric == "http_server_requests_seconds_sum" && to.httpRequests != current.httpRequests)
        return false;
    if (s.metric == current.httpRequests && to.httpRequests != current.httpRequests) {
        // A plain counter (a client library's http_requests_total): OpenMetrics names its family
        // without "_total".
        s.metric = to.httpRequests;
        const std::string family
            = s.metric.size() > 6 && s.metric.ends_with("_total") ? s.metric.substr(0, s.metric.size() - 6) : s.metric;
        s.family = familyNamed(family, MetricType::Counter, "Total number of HTTP requests");
        return true;
    }
    return true;
}

void MetricsHistory::setExternalSeries(std::vector<RawSeries> series, ExternalSampler sampler)
{
    m_external = std::move(series);
    m_externalSampler = std::move(sampler);
    rebuild();
}

void MetricsHistory::add(std::size_t family, std::string metric, Labels labels, SeriesSource source, std::size_t pod,
    std::size_t index, std::string param)
{
    m_series.push_back(
        RawSeries { std::move(metric), std::move(labels), family, source, pod, index, std::move(param) });
}

std::int64_t MetricsHistory::gridFloor(std::int64_t tMs)
{
    const std::int64_t step = SandboxModel::kScrapeIntervalMs;
    std::int64_t q = tMs / step;
    if (tMs % step != 0 && tMs < 0)
        --q;
    return q * step;
}

std::int64_t MetricsHistory::gridCeil(std::int64_t tMs)
{
    const std::int64_t f = gridFloor(tMs);
    return f == tMs ? f : f + SandboxModel::kScrapeIntervalMs;
}

std::optional<double> MetricsHistory::sampleAt(const RawSeries& s, std::int64_t gridMs) const
{
    if (s.source == SeriesSource::External)
        return m_externalSampler ? m_externalSampler(s, gridMs) : std::nullopt;
    if (s.source == SeriesSource::ReplicaSetOwner)
        return replicaSetExistsAt(s, gridMs) ? std::optional<double>(1.0) : std::nullopt;
    const PodSpec& pod = m_model.pods()[s.pod];
    if (!m_model.podExistsAt(s.pod, gridMs))
        return std::nullopt;
    const ServiceSpec& svc = m_model.services()[pod.service];
    switch (s.source) {
    case SeriesSource::WorkingSetContainer:
        return m_model.workingSetBytes(s.pod, gridMs);
    case SeriesSource::WorkingSetPause:
        return m_model.pauseContainerBytes(s.pod, gridMs);
    case SeriesSource::WorkingSetPod: {
        // The pod cgroup also charges a little page cache and kubelet overhead beyond its containers.
        const double app = m_model.workingSetBytes(s.pod, gridMs).value_or(0.0);
        return app + m_model.pauseContainerBytes(s.pod, gridMs) + 2.0 * kMiB;
    }
    case SeriesSource::LimitMemory:
        return static_cast<double>(m_model.revisionOf(s.pod).memoryLimitBytes);
    case SeriesSource::LimitCpu:
        return svc.cpuLimitCores;
    case SeriesSource::Restarts:
        return static_cast<double>(m_model.restartCountAt(s.pod, gridMs));
    case SeriesSource::LastTerminatedReason: {
        const ContainerRun* last = m_model.lastTerminatedAt(s.pod, gridMs);
        if (!last || last->reason != s.param)
            return std::nullopt;
        return 1.0;
    }
    case SeriesSource::OomEvents:
        return static_cast<double>(m_model.oomKillCountAt(s.pod, gridMs));
    case SeriesSource::JvmUsed:
        return m_model.jvmPoolUsedBytes(s.pod, s.param, gridMs);
    case SeriesSource::JvmMax:
        if (!m_model.containerRunningAt(s.pod, gridMs))
            return std::nullopt;
        return m_model.jvmPoolMaxBytes(s.pod, s.param);
    case SeriesSource::HttpCount:
        return m_model.httpRequestCount(s.pod, s.index, gridMs);
    case SeriesSource::HttpSum:
        return m_model.httpRequestSecondsSum(s.pod, s.index, gridMs);
    case SeriesSource::PodOwner:
        // The ReplicaSet controller removes its ownerReference from a pod it lets go of.
        if (m_model.podReleasedAt(s.pod, gridMs) != (s.param == kNoOwner))
            return std::nullopt;
        return 1.0;
    case SeriesSource::ReplicaSetOwner:
    case SeriesSource::External:
        break;
    }
    return std::nullopt;
}

bool MetricsHistory::replicaSetExistsAt(const RawSeries& s, std::int64_t gridMs) const
{
    if (s.param != kFormerReplicaSet) {
        // Created with its revision; an older one stays, scaled to 0, as the API serves it.
        return gridMs >= m_model.revisions(s.pod)[s.index].createdMs;
    }
    // The model knows only its pods: it existed from the first one's creation to the last one's end.
    std::optional<std::int64_t> from;
    std::int64_t to = 0;
    for (const PodSpec& pod : m_model.pods()) {
        if (!pod.former || pod.service != s.pod)
            continue;
        from = std::min(from.value_or(pod.createdMs), pod.createdMs);
        to = std::max(to, pod.deletedMs.value_or(m_model.horizonEndMs()));
    }
    return from && gridMs >= *from && gridMs < to;
}

void MetricsHistory::writeOpenMetrics(std::ostream& out, std::int64_t fromMs, std::int64_t toMs,
    const std::function<void(double)>& onProgress, const std::vector<ExportStep>& steps) const
{
    const std::int64_t first = gridCeil(fromMs);
    const std::int64_t last = gridFloor(toMs);
    // The next instant written after t: on the grid of the step for t's age (multiples of the step
    // since the epoch, so every series of one export shares its instants).
    auto next = [&](std::int64_t t) {
        const std::int64_t age = last - t;
        std::optional<std::int64_t> step;
        for (const ExportStep& s : steps)
            if (age > s.olderThanMs && (s.youngerThanMs <= 0 || age < s.youngerThanMs) && s.stepMs > 0)
                step = std::min(step.value_or(INT64_MAX), gridCeil(s.stepMs));
        const std::int64_t every = step.value_or(SandboxModel::kScrapeIntervalMs);
        std::int64_t after = (floorDiv(t, every) + 1) * every;
        // Never step over the edge of a span (into the week-ago window, into the newest hours):
        // the next instant is then the first scrape at that edge, where the next span's step begins.
        // A span holds the ages in (olderThanMs, youngerThanMs): its younger edge is reached at age
        // olderThanMs, its older one just below youngerThanMs.
        for (const ExportStep& s : steps)
            for (const std::int64_t edge : { s.olderThanMs, s.youngerThanMs - 1 })
                if (edge > 0 && age > edge && last - after < edge)
                    after = std::min(after, std::max(t + SandboxModel::kScrapeIntervalMs, gridCeil(last - edge)));
        return after;
    };
    auto timestamp = [](std::int64_t tMs) {
        // Whole seconds on the 30 s grid: no fraction needed.
        return std::to_string(tMs / 1000);
    };
    std::size_t done = 0;
    for (std::size_t f = 0; f < m_families.size(); ++f) {
        const MetricFamily& fam = m_families[f];
        const char* type = fam.type == MetricType::Gauge ? "gauge"
            : fam.type == MetricType::Counter            ? "counter"
                                                         : "summary";
        out << "# HELP " << fam.name << ' ' << fam.help << '\n';
        out << "# TYPE " << fam.name << ' ' << type << '\n';
        for (std::size_t i = 0; i < m_series.size(); ++i) {
            const RawSeries& s = m_series[i];
            if (s.family != f)
                continue;
            const std::string labels = formatLabels(s.labels);
            if (s.source == SeriesSource::HttpCount && i + 1 < m_series.size()
                && m_series[i + 1].source == SeriesSource::HttpSum) {
                const RawSeries& sum = m_series[i + 1];
                for (std::int64_t t = first; t <= last; t = next(t)) {
                    const auto c = sampleAt(s, t);
                    const auto v = sampleAt(sum, t);
                    if (!c || !v)
                        continue;
                    const std::string ts = timestamp(t);
                    out << s.metric << labels << ' ' << formatPromValue(*c) << ' ' << ts << '\n';
                    out << sum.metric << labels << ' ' << formatPromValue(*v) << ' ' << ts << '\n';
                }
                ++i;
                done += 2;
            } else {
                for (std::int64_t t = first; t <= last; t = next(t)) {
                    if (const auto v = sampleAt(s, t))
                        out << s.metric << labels << ' ' << formatPromValue(*v) << ' ' << timestamp(t) << '\n';
                }
                ++done;
            }
            if (onProgress)
                onProgress(static_cast<double>(done) / static_cast<double>(m_series.size()));
        }
    }
    out << "# EOF\n";
}

} // namespace leakdesk::sandbox
