#include "core/sandbox/scenario/ScenarioMetrics.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>

namespace leakdesk::sandbox::scenario {

namespace {

// What a series is, kept in RawSeries::param: the sampler's switch.
constexpr const char* kWorkingSet = "working-set";
constexpr const char* kPodWorkingSet = "pod-working-set";
constexpr const char* kLimit = "limit";
constexpr const char* kRestarts = "restarts";
constexpr const char* kOomEvents = "oom-events";
constexpr std::string_view kReasonPrefix = "last-terminated:";
constexpr const char* kRequests = "requests";

// Requests served per pod since `fromMs` at the workload's mean rate: the integral of
// rps * trafficFactor (1 + d cos(2 pi (t - 12h) / day)).
double requestsBetween(double rps, double diurnal, std::int64_t fromMs, std::int64_t toMs)
{
    const double day = static_cast<double>(kDayMs);
    auto phase = [&](std::int64_t t) {
        return std::sin(2.0 * std::numbers::pi * (static_cast<double>(t) - 12.0 * 3600e3) / day);
    };
    const double seconds = static_cast<double>(toMs - fromMs) / 1000.0;
    return rps * (seconds + diurnal * day / 1000.0 / (2.0 * std::numbers::pi) * (phase(toMs) - phase(fromMs)));
}
// Owner series: the pod's (`pod` the first pod of its name), a ReplicaSet's (`pod` the workload,
// `index` the ReplicaSet's first revision), a Job's (`pod` the index into jobs()).
constexpr const char* kPodOwner = "pod-owner";
constexpr const char* kReplicaSetOwner = "replicaset-owner";
constexpr const char* kJobOwner = "job-owner";

std::size_t familyIndex(const MetricsHistory& history, const std::string& name)
{
    const auto& families = history.families();
    for (std::size_t i = 0; i < families.size(); ++i)
        if (families[i].name == name)
            return i;
    return 0;
}

} // namespace

std::vector<RawSeries> scenarioSeries(const ScenarioCluster& cluster, const MetricsHistory& history)
{
    const std::size_t workingSet = familyIndex(history, "container_memory_working_set_bytes");
    const std::size_t limits = familyIndex(history, "kube_pod_container_resource_limits");
    const std::size_t restarts = familyIndex(history, "kube_pod_container_status_restarts");
    const std::size_t lastTerminated = familyIndex(history, "kube_pod_container_status_last_terminated_reason");
    const std::size_t oomEvents = familyIndex(history, "container_oom_events");
    const std::size_t http = familyIndex(history, "http_server_requests_seconds");
    const std::size_t podOwner = familyIndex(history, "kube_pod_owner");
    const std::size_t replicaSetOwner = familyIndex(history, "kube_replicaset_owner");
    const std::size_t jobOwner = familyIndex(history, "kube_job_owner");
    std::vector<RawSeries> out;
    const std::string kubelet = "kubelet";
    const std::string ksm = "kube-state-metrics";
    for (std::size_t p = 0; p < cluster.pods().size(); ++p) {
        // A pod made again under its name (StatefulSet) continues the first one's series.
        if (!cluster.firstOfItsName(p))
            continue;
        const SimulatedPod& pod = cluster.pods()[p];
        const Labels base { { "namespace", pod.namespaceName }, { "pod", pod.name } };
        auto with = [&](std::initializer_list<std::pair<const std::string, std::string>> extra) {
            Labels l = base;
            l.insert(extra);
            return l;
        };
        auto add = [&](std::size_t family, std::string metric, Labels labels, std::size_t container, std::string what) {
            out.push_back(RawSeries {
                std::move(metric), std::move(labels), family, SeriesSource::External, p, container, std::move(what) });
        };
        add(workingSet, "container_memory_working_set_bytes", with({ { "container", "" }, { "job", kubelet } }), 0,
            kPodWorkingSet);
        // Its owner, the same for every pod made again under its name (a StatefulSet's).
        add(podOwner, "kube_pod_owner",
            with({ { "job", ksm }, { "owner_kind", pod.ownerKind }, { "owner_name", pod.ownerName },
                { "owner_is_controller", "true" } }),
            0, kPodOwner);
        for (std::size_t c = 0; c < pod.containers.size(); ++c) {
            const ScenarioContainer& spec = cluster.containerSpec(pod, pod.containers[c]);
            if (spec.kind == ContainerKind::Init)
                continue; // done within seconds of the start: no scrape sees it
            add(workingSet, "container_memory_working_set_bytes",
                with({ { "container", spec.name }, { "job", kubelet } }), c, kWorkingSet);
            if (spec.limitBytes)
                add(limits, "kube_pod_container_resource_limits",
                    with({ { "container", spec.name }, { "job", ksm }, { "resource", "memory" }, { "unit", "byte" } }),
                    c, kLimit);
            add(restarts, "kube_pod_container_status_restarts_total",
                with({ { "container", spec.name }, { "job", ksm } }), c, kRestarts);
            std::set<std::string> reasons;
            for (std::size_t same : cluster.podsNamedLike(p))
                for (const ContainerRun& run : cluster.pods()[same].containers[c].runs)
                    if (run.terminated)
                        reasons.insert(run.reason);
            for (const std::string& reason : reasons)
                add(lastTerminated, "kube_pod_container_status_last_terminated_reason",
                    with({ { "container", spec.name }, { "job", ksm }, { "reason", reason } }), c,
                    std::string(kReasonPrefix) + reason);
            add(oomEvents, "container_oom_events_total", with({ { "container", spec.name }, { "job", kubelet } }), c,
                kOomEvents);
        }
        // The application's own request counter (as Micrometer exports it), on its first regular
        // container, when the workload takes traffic (sim.leakdesk.io/traffic).
        const auto& workload = cluster.scenario().objects[pod.object].workload;
        if (workload && workload->traffic.requestsPerSecond > 0)
            for (std::size_t c = 0; c < pod.containers.size(); ++c)
                if (const ScenarioContainer& spec = cluster.containerSpec(pod, pod.containers[c]);
                    spec.kind == ContainerKind::Regular) {
                    add(http, "http_server_requests_seconds_count",
                        with({ { "container", spec.name }, { "job", "kubernetes-pods" }, { "method", "GET" },
                            { "uri", "/" }, { "status", "200" }, { "outcome", "SUCCESS" } }),
                        c, kRequests);
                    break;
                }
    }
    const auto& objects = cluster.scenario().objects;
    for (std::size_t o = 0; o < objects.size(); ++o) {
        const auto& w = objects[o].workload;
        if (!w || (w->kind != WorkloadKind::Deployment && w->kind != WorkloadKind::Rollout))
            continue;
        for (const ScenarioCluster::ReplicaSetRecord& rs : cluster.replicaSetsOf(o))
            out.push_back(RawSeries { "kube_replicaset_owner",
                Labels { { "namespace", objects[o].namespaceName }, { "replicaset", rs.name }, { "job", ksm },
                    { "owner_kind", objects[o].kind }, { "owner_name", objects[o].name },
                    { "owner_is_controller", "true" } },
                replicaSetOwner, SeriesSource::External, o, rs.revision, kReplicaSetOwner });
    }
    for (std::size_t j = 0; j < cluster.jobs().size(); ++j) {
        const SimulatedJob& job = cluster.jobs()[j];
        const ScenarioObject& o = objects[job.object];
        // A Job written as such has no owner: kube-state-metrics writes "<none>".
        const bool fromCronJob = o.workload->kind == WorkloadKind::CronJob;
        const std::string none = "<none>";
        out.push_back(RawSeries { "kube_job_owner",
            Labels { { "namespace", o.namespaceName }, { "job_name", job.name }, { "job", ksm },
                { "owner_kind", fromCronJob ? o.kind : none }, { "owner_name", fromCronJob ? o.name : none },
                { "owner_is_controller", fromCronJob ? "true" : none } },
            jobOwner, SeriesSource::External, j, 0, kJobOwner });
    }
    return out;
}

std::optional<double> sampleScenarioSeries(const ScenarioCluster& cluster, const RawSeries& s, std::int64_t gridMs)
{
    const std::string& what = s.param;
    if (what == kReplicaSetOwner) {
        if (s.pod >= cluster.scenario().objects.size())
            return std::nullopt;
        return gridMs >= cluster.replicaSetCreatedMs(s.pod, s.index) ? std::optional<double>(1.0) : std::nullopt;
    }
    if (what == kJobOwner) {
        if (s.pod >= cluster.jobs().size() || !cluster.jobExistsAt(s.pod, gridMs))
            return std::nullopt;
        return 1.0;
    }
    if (s.pod >= cluster.pods().size())
        return std::nullopt;
    const std::optional<std::size_t> index = cluster.podNamedLikeAt(s.pod, gridMs);
    if (!index)
        return std::nullopt;
    const SimulatedPod& pod = cluster.pods()[*index];
    if (what == kPodOwner)
        return 1.0;
    if (what == kPodWorkingSet) {
        // The pod cgroup: its containers, the pause container and a little kubelet overhead.
        double sum = 0;
        for (std::size_t c = 0; c < pod.containers.size(); ++c)
            sum += cluster.workingSetBytes(*index, c, gridMs).value_or(0.0);
        return sum + 520.0 * 1024 + 2.0 * kMiB;
    }
    if (s.index >= pod.containers.size())
        return std::nullopt;
    const ScenarioContainer& spec = cluster.containerSpec(pod, pod.containers[s.index]);
    if (what == kWorkingSet)
        return cluster.workingSetBytes(*index, s.index, gridMs);
    if (what == kLimit)
        return spec.limitBytes ? std::optional<double>(static_cast<double>(*spec.limitBytes)) : std::nullopt;
    if (what == kRestarts) {
        if (!cluster.runAt(*index, s.index, gridMs))
            return std::nullopt;
        return static_cast<double>(cluster.restartCountAt(*index, s.index, gridMs));
    }
    if (what == kOomEvents) {
        double kills = 0;
        for (const ContainerRun& run : pod.containers[s.index].runs)
            if (run.terminated && run.reason == "OOMKilled" && run.finishedMs <= gridMs)
                ++kills;
        return kills;
    }
    if (what == kRequests) {
        // A counter of the container's run: it starts from zero when the container restarts.
        const ContainerRun* run = cluster.runAt(*index, s.index, gridMs);
        if (!run || (run->terminated && run->finishedMs <= gridMs))
            return std::nullopt;
        const auto& workload = cluster.scenario().objects[pod.object].workload;
        const double share = workload->traffic.requestsPerSecond / std::max(1, workload->replicas);
        return std::floor(requestsBetween(share, workload->traffic.diurnal, run->startedMs, gridMs));
    }
    if (what.rfind(kReasonPrefix, 0) == 0) {
        const ContainerRun* last = cluster.lastTerminatedAt(*index, s.index, gridMs);
        if (!last || last->reason != what.substr(kReasonPrefix.size()))
            return std::nullopt;
        return 1.0;
    }
    return std::nullopt;
}

} // namespace leakdesk::sandbox::scenario
