#include "core/sandbox/scenario/ScenarioCluster.h"

#include "core/common/Quantity.h"
#include "core/sandbox/kubeapi/ServedKubeObjects.h"
#include "core/sandbox/model/ImageTags.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>

namespace leakdesk::sandbox::scenario {

using nlohmann::json;

namespace {

// The alphabet of generated name suffixes and pod-template-hash (as SandboxModel's).
constexpr std::string_view kNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
constexpr std::string_view kHex = "0123456789abcdef";

// The built-in sandbox's nodes: scenario pods are spread over the same three.
constexpr const char* kNodeNames[] = { "prod-worker-1", "prod-worker-2", "prod-worker-3" };
constexpr const char* kNodeIps[] = { "10.0.1.11", "10.0.1.12", "10.0.1.13" };

const json& podTemplateOf(const ScenarioObject& o)
{
    static const json empty = json::object();
    const json& spec = o.manifest.contains("spec") ? o.manifest["spec"] : empty;
    if (o.workload && o.workload->kind == WorkloadKind::CronJob)
        return spec.contains("jobTemplate") && spec["jobTemplate"].contains("spec")
                && spec["jobTemplate"]["spec"].contains("template")
            ? spec["jobTemplate"]["spec"]["template"]
            : empty;
    return spec.contains("template") ? spec["template"] : empty;
}

// The label a ReplicaSet's pods carry their template's hash in: Argo Rollouts names it its own way.
const char* hashLabelOf(WorkloadKind k)
{
    return k == WorkloadKind::Rollout ? "rollouts-pod-template-hash" : "pod-template-hash";
}

// A Deployment's spec.strategy.rollingUpdate.maxSurge (an integer or a percentage of the replicas,
// rounded up; 25% when unset) as the Deployment controller resolves it; 0 for Recreate.
int maxSurgeOf(const json& manifest, int replicas)
{
    auto member = [](const json& j, const char* key) -> const json& {
        static const json none;
        return j.is_object() && j.contains(key) ? j[key] : none;
    };
    const json& strategy = member(member(manifest, "spec"), "strategy");
    const json& type = member(strategy, "type");
    if (type.is_string() && type.get<std::string>() == "Recreate")
        return 0;
    const json& surge = member(member(strategy, "rollingUpdate"), "maxSurge");
    // Scenario files are small: a surge beyond this many pods means "all at once" anyway.
    constexpr long long kMostSurge = 100000;
    if (surge.is_number_integer())
        return static_cast<int>(std::clamp<long long>(surge.get<long long>(), 0, kMostSurge));
    const std::string text = surge.is_string() ? surge.get<std::string>() : std::string("25%");
    const long long value = std::clamp<long long>(std::strtoll(text.c_str(), nullptr, 10), 0, kMostSurge);
    if (!text.empty() && text.back() == '%')
        return static_cast<int>((std::max(0, replicas) * value + 99) / 100);
    return static_cast<int>(value);
}

bool isJobKind(WorkloadKind k)
{
    return k == WorkloadKind::Job || k == WorkloadKind::CronJob;
}

// A container's memory limit in a pod template (JSON, as a patch left it); none when unset or unreadable.
// Whether container `c` of a pod made from `templ` (null: the template as written) runs a release
// that fixes its leak: the template's sim.leakdesk.io/fixed-in.<c> (as written unless the patched
// template says otherwise) against its image's tag (model/ImageTags.h).
// The image of container `c` in `templ` (null: the template as written).
std::string imageIn(const json& templ, const ScenarioContainer& c)
{
    if (!templ.is_object())
        return c.image;
    const json spec = templ.value("spec", json::object());
    for (const char* list : { "containers", "initContainers" })
        for (const json& tc : spec.value(list, json::array()))
            if (tc.is_object() && tc.value("name", "") == c.name && tc.contains("image") && tc["image"].is_string())
                return tc["image"].get<std::string>();
    return c.image;
}

bool carriesFix(const json& templ, const ScenarioContainer& c)
{
    std::string fixedIn = c.fixedInTag;
    if (templ.is_object()) {
        const json annotations = templ.value("metadata", json::object()).value("annotations", json::object());
        const std::string key = std::string(kSimAnnotationPrefix) + "fixed-in." + c.name;
        if (annotations.is_object() && annotations.contains(key) && annotations[key].is_string())
            fixedIn = annotations[key].get<std::string>();
    }
    return tagCarriesFix(imageTag(imageIn(templ, c)), fixedIn);
}

std::optional<std::int64_t> memoryLimitIn(const json& templ, const std::string& container)
{
    const json spec = templ.is_object() ? templ.value("spec", json::object()) : json::object();
    for (const char* list : { "containers", "initContainers" })
        for (const json& c : spec.value(list, json::array())) {
            if (!c.is_object() || c.value("name", "") != container)
                continue;
            const json limits = c.value("resources", json::object()).value("limits", json::object());
            if (!limits.is_object() || !limits.contains("memory") || !limits["memory"].is_string())
                return std::nullopt;
            auto bytes = parseByteQuantity(limits["memory"].get<std::string>());
            return bytes ? std::optional<std::int64_t>(*bytes) : std::nullopt;
        }
    return std::nullopt;
}

json ownerReference(
    const std::string& apiVersion, const std::string& kind, const std::string& name, const std::string& uid)
{
    return { { "apiVersion", apiVersion }, { "kind", kind }, { "name", name }, { "uid", uid }, { "controller", true },
        { "blockOwnerDeletion", true } };
}

} // namespace

ScenarioCluster::ScenarioCluster(
    Scenario scenario, std::uint64_t seed, std::int64_t anchorNowMs, std::int64_t horizonMs)
    : m_scenario(std::move(scenario))
    , m_seed(seed)
    , m_anchorMs(anchorNowMs)
    , m_originMs(floorDiv(anchorNowMs, kDayMs) * kDayMs - 8 * kDayMs)
    , m_horizonEndMs(anchorNowMs + horizonMs)
{
    build();
}

std::string ScenarioCluster::token(std::uint64_t key, std::size_t length, std::string_view alphabet) const
{
    return seededToken(m_seed, key, length, alphabet);
}

std::string ScenarioCluster::uidFor(const std::string& kind, const std::string& ns, const std::string& name) const
{
    return seededUid(m_seed, stableHash("scenario/" + kind + "/" + ns + "/" + name));
}

std::string ScenarioCluster::templateHash(std::size_t object) const
{
    return token(
        stableHash("pod-template-hash/" + podTemplateOf(m_scenario.objects[object]).dump()), 10, kNameAlphabet);
}

const ScenarioContainer& ScenarioCluster::containerSpec(const SimulatedPod& pod, const SimulatedContainer& c) const
{
    return m_scenario.objects[pod.object].workload->containers[c.spec];
}

std::size_t ScenarioCluster::addPod(std::size_t object, std::string name, std::string ownerKind,
    std::string ownerApiVersion, std::string ownerName, std::map<std::string, std::string> extraLabels,
    std::size_t node, std::int64_t createdMs, const RunPolicy& policy, std::int64_t endMs, std::size_t revision)
{
    const ScenarioObject& o = m_scenario.objects[object];
    const ScenarioWorkload& w = *o.workload;
    SimulatedPod pod;
    pod.object = object;
    pod.revision = revision;
    pod.name = std::move(name);
    pod.namespaceName = o.namespaceName;
    // A pod made again under the same name (StatefulSet) is another object: another UID.
    pod.uid = uidFor("Pod", o.namespaceName, revision == 0 ? pod.name : pod.name + "/" + std::to_string(revision));
    pod.ownerKind = std::move(ownerKind);
    pod.ownerApiVersion = std::move(ownerApiVersion);
    pod.ownerName = std::move(ownerName);
    pod.labels = w.podLabels;
    for (auto& [k, v] : extraLabels)
        pod.labels[k] = v;
    pod.node = node % 3;
    pod.podIp = "10.244." + std::to_string(pod.node + 1) + "." + std::to_string(100 + m_pods.size() % 150);
    pod.createdMs = createdMs;
    // Init containers run one after the other (3 s each); then the native sidecars and the
    // regular containers start together.
    std::int64_t start = createdMs + 4 * kSecondMs;
    std::size_t inits = 0;
    for (const ScenarioContainer& c : w.containers)
        inits += c.kind == ContainerKind::Init ? 1 : 0;
    const std::int64_t mainStart = start + static_cast<std::int64_t>(inits) * kInitContainerRunMs;
    pod.mainStartMs = mainStart;
    for (std::size_t i = 0; i < w.containers.size(); ++i) {
        const ScenarioContainer& c = w.containers[i];
        std::optional<std::int64_t> limit = c.limitBytes;
        if (revision > 0)
            limit = memoryLimitIn(m_revisions[object][revision].templ, c.name);
        ContainerMemorySpec spec;
        spec.key = stableHash(o.namespaceName + "/" + pod.name + "/" + c.name);
        spec.memory = c.memory;
        // Without an annotation a container idles at 64Mi, or a quarter of a smaller limit.
        if (!c.memoryAnnotated && c.limitBytes)
            spec.memory.baseBytes = std::min(spec.memory.baseBytes, *c.limitBytes / 4);
        // sim.leakdesk.io/fixed-in.<container>: a template whose image carries the fix no longer leaks.
        if (carriesFix(revision > 0 ? m_revisions[object][revision].templ : json(), c))
            spec.memory.growthBytesPerHour = 0;
        spec.diurnal = w.traffic.diurnal;
        spec.limitBytes = limit;
        SimulatedContainer sim { i, ContainerMemoryModel(m_seed, spec), {} };
        if (c.kind == ContainerKind::Init) {
            ContainerRun run;
            run.startedMs = start;
            run.finishedMs = start + kInitContainerRunMs;
            run.terminated = true;
            run.reason = "Completed";
            run.runLengthMs = kInitContainerRunMs;
            run.containerId = token(spec.key, 64, kHex);
            sim.runs.push_back(run);
            start += kInitContainerRunMs;
        } else {
            sim.runs = sim.memory.runs(mainStart, endMs, policy);
        }
        pod.containers.push_back(std::move(sim));
    }
    m_podsByName[pod.namespaceName + "/" + pod.name].push_back(m_pods.size());
    m_podsByObject[pod.object].push_back(m_pods.size());
    m_pods.push_back(std::move(pod));
    return m_pods.size() - 1;
}

std::optional<std::size_t> ScenarioCluster::podNamedLikeAt(std::size_t pod, std::int64_t tMs) const
{
    if (podExistsAt(pod, tMs))
        return pod;
    const auto it = m_podsByName.find(m_pods[pod].namespaceName + "/" + m_pods[pod].name);
    if (it == m_podsByName.end() || it->second.size() < 2)
        return std::nullopt;
    for (std::size_t p : it->second)
        if (podExistsAt(p, tMs))
            return p;
    return std::nullopt;
}

std::vector<std::size_t> ScenarioCluster::podsNamedLike(std::size_t pod) const
{
    const auto it = m_podsByName.find(m_pods[pod].namespaceName + "/" + m_pods[pod].name);
    return it == m_podsByName.end() ? std::vector<std::size_t> { pod } : it->second;
}

bool ScenarioCluster::firstOfItsName(std::size_t pod) const
{
    const auto it = m_podsByName.find(m_pods[pod].namespaceName + "/" + m_pods[pod].name);
    return it == m_podsByName.end() || it->second.front() == pod;
}

void ScenarioCluster::build()
{
    for (std::size_t i = 0; i < m_scenario.objects.size(); ++i) {
        const ScenarioObject& o = m_scenario.objects[i];
        if (!o.workload)
            continue;
        const ScenarioWorkload& w = *o.workload;
        const std::int64_t created = m_originMs + static_cast<std::int64_t>(i) * 3 * kSecondMs;
        const std::string hash = templateHash(i);
        const RunPolicy policy = policyOf(i);
        auto suffix = [&](const std::string& base, int n) {
            return token(
                mixHash(stableHash(o.namespaceName + "/" + base), static_cast<std::uint64_t>(n)), 5, kNameAlphabet);
        };
        switch (w.kind) {
        case WorkloadKind::Deployment:
        case WorkloadKind::Rollout: {
            const std::string rs = o.name + "-" + hash;
            const std::string hashLabel = hashLabelOf(w.kind);
            const std::string apiVersion = "apps/v1";
            for (int r = 0; r < w.replicas; ++r)
                addPod(i, rs + "-" + suffix(rs, r), "ReplicaSet", apiVersion, rs, { { hashLabel, hash } },
                    static_cast<std::size_t>(r + static_cast<int>(i)), created + (r + 1) * 7 * kSecondMs, policy,
                    m_horizonEndMs);
            break;
        }
        case WorkloadKind::StatefulSet:
            // Ordinals in order, each once the previous one is ready (OrderedReady).
            for (int r = 0; r < w.replicas; ++r) {
                const std::string name = o.name + "-" + std::to_string(r);
                addPod(i, name, "StatefulSet", "apps/v1", o.name,
                    { { "statefulset.kubernetes.io/pod-name", name },
                        { "controller-revision-hash", o.name + "-" + hash },
                        { "apps.kubernetes.io/pod-index", std::to_string(r) } },
                    static_cast<std::size_t>(r), created + (r + 1) * 30 * kSecondMs, policy, m_horizonEndMs);
            }
            break;
        case WorkloadKind::DaemonSet:
            for (int n = 0; n < w.replicas; ++n)
                addPod(i, o.name + "-" + suffix(o.name, n), "DaemonSet", "apps/v1", o.name,
                    { { "controller-revision-hash", hash }, { "pod-template-generation", "1" } },
                    static_cast<std::size_t>(n), created + 2 * kSecondMs, policy, m_horizonEndMs);
            break;
        case WorkloadKind::Job:
        case WorkloadKind::CronJob: {
            std::vector<std::pair<std::string, std::int64_t>> runs;
            if (w.kind == WorkloadKind::Job) {
                runs.emplace_back(o.name, created);
            } else {
                for (std::int64_t t : scheduledTimes(*w.schedule, std::max(m_originMs, m_anchorMs - kCronWindowMs),
                         std::min(m_horizonEndMs, m_anchorMs + kCronWindowMs), kMaxJobsPerCronJob))
                    runs.emplace_back(o.name + "-" + std::to_string(t / kMinuteMs), t);
            }
            for (const auto& [jobName, at] : runs) {
                SimulatedJob job;
                job.object = i;
                job.name = jobName;
                job.uid = uidFor("Job", o.namespaceName, jobName);
                job.createdMs = at;
                for (int r = 0; r < w.replicas; ++r)
                    job.pods.push_back(addPod(i, jobName + "-" + suffix(jobName, r), "Job", "batch/v1", jobName,
                        { { "batch.kubernetes.io/job-name", jobName }, { "job-name", jobName },
                            { "batch.kubernetes.io/controller-uid", job.uid }, { "controller-uid", job.uid } },
                        static_cast<std::size_t>(r), at + kSecondMs, policy, m_horizonEndMs));
                m_jobs.push_back(std::move(job));
            }
            break;
        }
        }
    }
    // A CronJob keeps its last successfulJobsHistoryLimit (default 3) finished Jobs: a Job and its
    // pods go when that many newer ones have finished.
    auto finishedAt = [this](const SimulatedJob& job) -> std::optional<std::int64_t> {
        std::int64_t last = job.createdMs;
        for (std::size_t p : job.pods)
            for (const SimulatedContainer& c : m_pods[p].containers) {
                if (containerSpec(m_pods[p], c).kind != ContainerKind::Regular)
                    continue;
                if (c.runs.empty() || !c.runs.back().terminated)
                    return std::nullopt;
                last = std::max(last, c.runs.back().finishedMs);
            }
        return last;
    };
    for (std::size_t j = 0; j < m_jobs.size(); ++j) {
        const ScenarioObject& o = m_scenario.objects[m_jobs[j].object];
        if (o.workload->kind != WorkloadKind::CronJob)
            continue;
        const json& spec = o.manifest["spec"];
        const long long keep
            = spec.contains("successfulJobsHistoryLimit") && spec["successfulJobsHistoryLimit"].is_number_integer()
            ? std::max(0LL, spec["successfulJobsHistoryLimit"].get<long long>())
            : 3;
        const std::size_t newer = j + static_cast<std::size_t>(keep);
        if (newer >= m_jobs.size() || m_jobs[newer].object != m_jobs[j].object)
            continue;
        if (const auto done = finishedAt(m_jobs[newer]))
            for (std::size_t p : m_jobs[j].pods)
                m_pods[p].deletedMs = std::max(*done, m_pods[p].createdMs);
    }
}

const json& ScenarioCluster::templateOf(const SimulatedPod& pod) const
{
    if (pod.revision > 0)
        return m_revisions.at(pod.object)[pod.revision].templ;
    return podTemplateOf(m_scenario.objects[pod.object]);
}

std::string ScenarioCluster::hashOf(std::size_t object, std::size_t revision) const
{
    const auto it = m_revisions.find(object);
    return it == m_revisions.end() || revision == 0 ? templateHash(object) : it->second[revision].hash;
}

std::size_t ScenarioCluster::revisionAt(std::size_t object, std::int64_t tMs) const
{
    const auto it = m_revisions.find(object);
    if (it == m_revisions.end())
        return 0;
    std::size_t latest = 0;
    for (std::size_t r = 1; r < it->second.size(); ++r)
        if (it->second[r].atMs <= tMs)
            latest = r;
    return latest;
}

RunPolicy ScenarioCluster::policyOf(std::size_t object) const
{
    const ScenarioObject& o = m_scenario.objects[object];
    RunPolicy policy;
    if (isJobKind(o.workload->kind)) {
        const json& spec = podTemplateOf(o).value("spec", json::object());
        policy.completesAfterMs = o.workload->runDurationMs.value_or(kDefaultJobRunMs);
        policy.restartAfterOom = spec.value("restartPolicy", "") == "OnFailure";
    } else {
        policy.restartAfterCompletion = true;
    }
    return policy;
}

void ScenarioCluster::regenerateRuns(std::size_t index)
{
    SimulatedPod& p = m_pods[index];
    const RunPolicy policy = policyOf(p.object);
    for (SimulatedContainer& c : p.containers)
        if (containerSpec(p, c).kind != ContainerKind::Init)
            c.runs = c.memory.runs(p.mainStartMs, m_horizonEndMs, policy);
}

void ScenarioCluster::terminatePod(std::size_t index, std::int64_t atMs)
{
    SimulatedPod& p = m_pods[index];
    p.deletedMs = std::max(atMs, p.createdMs);
    // SIGTERM ends the runs that were going; later ones never happen.
    for (SimulatedContainer& c : p.containers)
        if (ContainerRun* ended = terminateRuns(c.runs, atMs))
            ended->runLengthMs = atMs - ended->startedMs;
}

void ScenarioCluster::replayRollouts(std::size_t object)
{
    // From the pods as first created, every template change again, in order: a change that came
    // later may have cut an earlier rollout short.
    for (std::size_t p = 0; p < m_pods.size(); ++p) {
        if (m_pods[p].object != object)
            continue;
        if (m_pods[p].revision > 0 || m_pods[p].deletedMs == m_pods[p].createdMs) {
            m_pods[p].deletedMs = m_pods[p].createdMs; // never existed
            for (SimulatedContainer& c : m_pods[p].containers)
                c.runs.clear();
        } else {
            m_pods[p].deletedMs.reset();
            regenerateRuns(p);
        }
    }
    const auto it = m_revisions.find(object);
    if (it != m_revisions.end())
        for (std::size_t r = 1; r < it->second.size(); ++r)
            rollOut(object, r);
    if (m_onPodsChanged)
        m_onPodsChanged();
}

void ScenarioCluster::rollOut(std::size_t object, std::size_t revision)
{
    const ScenarioObject& o = m_scenario.objects[object];
    const ScenarioWorkload& w = *o.workload;
    const std::int64_t at = m_revisions[object][revision].atMs;
    const std::string hash = m_revisions[object][revision].hash;
    // Pods an earlier rollout had not created yet never will be; those it was going to delete are
    // this rollout's to replace.
    std::vector<std::size_t> old;
    for (std::size_t p = 0; p < m_pods.size(); ++p) {
        if (m_pods[p].object != object || m_pods[p].deletedMs == m_pods[p].createdMs)
            continue;
        if (m_pods[p].createdMs > at) {
            m_pods[p].deletedMs = m_pods[p].createdMs;
            for (SimulatedContainer& c : m_pods[p].containers)
                c.runs.clear();
            continue;
        }
        if (m_pods[p].deletedMs && *m_pods[p].deletedMs <= at)
            continue;
        if (m_pods[p].deletedMs) {
            m_pods[p].deletedMs.reset();
            regenerateRuns(p);
        }
        old.push_back(p);
    }
    const RunPolicy policy = policyOf(object);
    const std::string key = o.namespaceName + "/" + o.name + "/revision-" + std::to_string(revision);
    auto suffix
        = [&](int n) { return token(mixHash(stableHash(key), static_cast<std::uint64_t>(n)), 5, kNameAlphabet); };
    // From creation to ready: the container starts after 4 s, is ready 20 s later.
    const std::int64_t step = 4 * kSecondMs + kPodReadyAfterStartMs + 2 * kSecondMs;
    switch (w.kind) {
    case WorkloadKind::Deployment:
    case WorkloadKind::Rollout: {
        // RollingUpdate, maxSurge 1 / maxUnavailable 0: one new pod at a time, an old one deleted
        // once it is ready.
        const std::string rs = o.name + "-" + hash;
        const std::string hashLabel = hashLabelOf(w.kind);
        std::int64_t created = at;
        for (int r = 0; r < w.replicas; ++r) {
            addPod(object, rs + "-" + suffix(r), "ReplicaSet", "apps/v1", rs, { { hashLabel, hash } },
                static_cast<std::size_t>(r) + object + revision, created, policy, m_horizonEndMs, revision);
            if (static_cast<std::size_t>(r) < old.size())
                terminatePod(old[static_cast<std::size_t>(r)], created + step - kSecondMs);
            created += step;
        }
        for (std::size_t i = static_cast<std::size_t>(std::max(0, w.replicas)); i < old.size(); ++i)
            terminatePod(old[i], created);
        break;
    }
    case WorkloadKind::StatefulSet: {
        // RollingUpdate from the highest ordinal down: each pod deleted, then made again under its
        // name, the next one once it is ready.
        std::int64_t start = at;
        for (int ordinal = w.replicas - 1; ordinal >= 0; --ordinal) {
            const std::string name = o.name + "-" + std::to_string(ordinal);
            for (std::size_t p : old)
                if (m_pods[p].name == name)
                    terminatePod(p, start);
            addPod(object, name, "StatefulSet", "apps/v1", o.name,
                { { "statefulset.kubernetes.io/pod-name", name }, { "controller-revision-hash", o.name + "-" + hash },
                    { "apps.kubernetes.io/pod-index", std::to_string(ordinal) } },
                static_cast<std::size_t>(ordinal), start + 2 * kSecondMs, policy, m_horizonEndMs, revision);
            start += step + 2 * kSecondMs;
        }
        break;
    }
    case WorkloadKind::DaemonSet: {
        // maxUnavailable 1: node by node, the old pod deleted, then the new one made.
        std::int64_t start = at;
        for (int n = 0; n < w.replicas; ++n) {
            for (std::size_t p : old)
                if (m_pods[p].node == static_cast<std::size_t>(n))
                    terminatePod(p, start);
            addPod(object, o.name + "-" + suffix(n), "DaemonSet", "apps/v1", o.name,
                { { "controller-revision-hash", hash }, { "pod-template-generation", std::to_string(revision + 1) } },
                static_cast<std::size_t>(n), start + 2 * kSecondMs, policy, m_horizonEndMs, revision);
            start += step + 2 * kSecondMs;
        }
        break;
    }
    case WorkloadKind::Job:
    case WorkloadKind::CronJob:
        break;
    }
}

bool ScenarioCluster::podExistsAt(std::size_t pod, std::int64_t tMs) const
{
    const SimulatedPod& p = m_pods[pod];
    return tMs >= p.createdMs && (!p.deletedMs || tMs < *p.deletedMs);
}

const ContainerRun* ScenarioCluster::runAt(std::size_t pod, std::size_t container, std::int64_t tMs) const
{
    const auto& runs = m_pods[pod].containers[container].runs;
    auto it = std::upper_bound(
        runs.begin(), runs.end(), tMs, [](std::int64_t t, const ContainerRun& r) { return t < r.startedMs; });
    return it == runs.begin() ? nullptr : &*(it - 1);
}

std::optional<double> ScenarioCluster::workingSetBytes(std::size_t pod, std::size_t container, std::int64_t tMs) const
{
    if (!podExistsAt(pod, tMs))
        return std::nullopt;
    const SimulatedContainer& c = m_pods[pod].containers[container];
    return c.memory.workingSetBytes(c.runs, tMs);
}

int ScenarioCluster::restartCountAt(std::size_t pod, std::size_t container, std::int64_t tMs) const
{
    const auto& runs = m_pods[pod].containers[container].runs;
    const ContainerRun* run = runAt(pod, container, tMs);
    return run ? static_cast<int>(run - runs.data()) : 0;
}

const ContainerRun* ScenarioCluster::lastTerminatedAt(std::size_t pod, std::size_t container, std::int64_t tMs) const
{
    const ContainerRun* run = runAt(pod, container, tMs);
    if (!run)
        return nullptr;
    if (run->terminated && run->finishedMs <= tMs)
        return run;
    const auto& runs = m_pods[pod].containers[container].runs;
    return run == runs.data() ? nullptr : run - 1;
}

bool ScenarioCluster::podFinishedAt(std::size_t pod, std::int64_t tMs, bool* succeeded) const
{
    const SimulatedPod& p = m_pods[pod];
    if (!isJobKind(m_scenario.objects[p.object].workload->kind))
        return false;
    bool allDone = true;
    bool ok = true;
    for (std::size_t c = 0; c < p.containers.size(); ++c) {
        if (containerSpec(p, p.containers[c]).kind != ContainerKind::Regular)
            continue;
        const auto& runs = p.containers[c].runs;
        if (runs.empty() || !runs.back().terminated || runs.back().finishedMs > tMs) {
            allDone = false;
            continue;
        }
        ok = ok && runs.back().reason == "Completed";
    }
    if (succeeded)
        *succeeded = allDone && ok;
    return allDone;
}

bool ScenarioCluster::podReadyAt(std::size_t pod, std::int64_t tMs) const
{
    const SimulatedPod& p = m_pods[pod];
    for (std::size_t c = 0; c < p.containers.size(); ++c) {
        if (containerSpec(p, p.containers[c]).kind == ContainerKind::Init)
            continue;
        if (!workingSetBytes(pod, c, tMs))
            return false;
    }
    return true;
}

json ScenarioCluster::containerStatus(std::size_t pod, std::size_t container, std::int64_t tMs) const
{
    const SimulatedPod& p = m_pods[pod];
    const ScenarioContainer& spec = containerSpec(p, p.containers[container]);
    const ContainerRun* run = runAt(pod, container, tMs);
    // The image of the template the pod was made from (`kubectl set image` rolls a new one).
    const std::string image = imageIn(p.revision > 0 ? templateOf(p) : json(), spec);
    json status = { { "name", spec.name }, { "image", image },
        { "imageID", image + "@sha256:" + token(stableHash(image), 64, kHex) },
        { "restartCount", restartCountAt(pod, container, tMs) } };
    auto terminated = [](const ContainerRun& r) {
        return json { { "exitCode", r.exitCode }, { "reason", r.reason }, { "startedAt", rfc3339(r.startedMs) },
            { "finishedAt", rfc3339(r.finishedMs) }, { "containerID", "containerd://" + r.containerId } };
    };
    bool running = false;
    if (!run) {
        status["state"] = { { "waiting",
            { { "reason", spec.kind == ContainerKind::Init ? "PodInitializing" : "PodInitializing" } } } };
    } else if (!run->terminated || tMs < run->finishedMs) {
        running = true;
        status["state"] = { { "running", { { "startedAt", rfc3339(run->startedMs) } } } };
        status["containerID"] = "containerd://" + run->containerId;
    } else if (&*run == &p.containers[container].runs.back()) {
        status["state"] = { { "terminated", terminated(*run) } };
        status["containerID"] = "containerd://" + run->containerId;
    } else {
        // Between an OOM kill and the restart 10 s later: back-off, as the kubelet reports it.
        status["state"] = { { "waiting",
            { { "reason", "CrashLoopBackOff" },
                { "message", "back-off 10s restarting failed container=" + spec.name + " pod=" + p.name } } } };
    }
    if (const ContainerRun* last = lastTerminatedAt(pod, container, tMs); last && last != run)
        status["lastState"] = { { "terminated", terminated(*last) } };
    else if (last && running)
        status["lastState"] = { { "terminated", terminated(*last) } };
    else
        status["lastState"] = json::object();
    status["ready"] = running && spec.kind != ContainerKind::Init;
    status["started"] = running;
    return status;
}

json ScenarioCluster::metadataOf(const ScenarioObject& o, std::int64_t createdMs) const
{
    json meta = json::object();
    const json& written = o.manifest.value("metadata", json::object());
    meta["name"] = o.name;
    if (!o.namespaceName.empty())
        meta["namespace"] = o.namespaceName;
    meta["uid"] = uidFor(o.kind, o.namespaceName, o.name);
    meta["resourceVersion"] = std::to_string(1000 + std::max<std::int64_t>(0, (createdMs - m_originMs) / 1000));
    meta["generation"] = 1;
    meta["creationTimestamp"] = rfc3339(createdMs);
    for (const char* key : { "labels", "annotations", "finalizers" })
        if (written.contains(key) && !written[key].is_null())
            meta[key] = written[key];
    return meta;
}

std::vector<std::size_t> ScenarioCluster::podsOf(std::size_t object, std::int64_t tMs) const
{
    std::vector<std::size_t> out;
    const auto it = m_podsByObject.find(object);
    if (it == m_podsByObject.end())
        return out;
    for (std::size_t p : it->second)
        if (podExistsAt(p, tMs))
            out.push_back(p);
    return out;
}

json ScenarioCluster::pod(std::size_t index, std::int64_t tMs) const
{
    const SimulatedPod& p = m_pods[index];
    const ScenarioObject& o = m_scenario.objects[p.object];
    const json& templ = templateOf(p);
    json meta = { { "name", p.name }, { "namespace", p.namespaceName }, { "uid", p.uid },
        { "creationTimestamp", rfc3339(p.createdMs) } };
    if (p.ownerKind == "ReplicaSet" || p.ownerKind == "DaemonSet" || p.ownerKind == "Job")
        meta["generateName"] = p.ownerName + "-";
    json labels = json::object();
    for (const auto& [k, v] : p.labels)
        labels[k] = v;
    meta["labels"] = labels;
    if (templ.contains("metadata") && templ["metadata"].contains("annotations"))
        meta["annotations"] = templ["metadata"]["annotations"];
    std::string ownerUid = uidFor(p.ownerKind, p.namespaceName, p.ownerName);
    if (p.ownerKind == "StatefulSet" || p.ownerKind == "DaemonSet")
        ownerUid = uidFor(o.kind, o.namespaceName, o.name);
    meta["ownerReferences"] = json::array({ ownerReference(p.ownerApiVersion, p.ownerKind, p.ownerName, ownerUid) });

    // When the object last changed: created, a container started or ended.
    std::int64_t changed = p.createdMs;
    for (const SimulatedContainer& c : p.containers)
        for (const ContainerRun& r : c.runs) {
            if (r.startedMs <= tMs)
                changed = std::max(changed, r.startedMs);
            if (r.terminated && r.finishedMs <= tMs)
                changed = std::max(changed, r.finishedMs);
        }
    meta["resourceVersion"] = std::to_string(1000 + std::max<std::int64_t>(0, (changed - m_originMs) / 1000));

    json spec = templ.value("spec", json::object());
    spec["nodeName"] = kNodeNames[p.node];
    if (!spec.contains("restartPolicy"))
        spec["restartPolicy"] = "Always";
    spec["schedulerName"] = "default-scheduler";
    if (!spec.contains("serviceAccountName"))
        spec["serviceAccountName"] = "default";
    if (p.ownerKind == "StatefulSet") {
        spec["hostname"] = p.name;
        if (o.manifest["spec"].contains("serviceName"))
            spec["subdomain"] = o.manifest["spec"]["serviceName"];
    }

    json statuses = json::array();
    json initStatuses = json::array();
    for (std::size_t c = 0; c < p.containers.size(); ++c)
        (containerSpec(p, p.containers[c]).kind == ContainerKind::Regular ? statuses : initStatuses)
            .push_back(containerStatus(index, c, tMs));
    bool succeeded = false;
    const bool finished = podFinishedAt(index, tMs, &succeeded);
    const bool ready = !finished && podReadyAt(index, tMs);
    std::string phase = "Running";
    if (finished)
        phase = succeeded ? "Succeeded" : "Failed";
    else if (tMs < p.createdMs + 4 * kSecondMs)
        phase = "Pending";
    const std::string readyText = ready ? "True" : "False";
    const std::string started = rfc3339(p.createdMs + kSecondMs);
    json status = { { "phase", phase },
        { "conditions",
            json::array(
                { { { "type", "PodReadyToStartContainers" }, { "status", "True" }, { "lastTransitionTime", started } },
                    { { "type", "Initialized" }, { "status", "True" }, { "lastTransitionTime", started } },
                    { { "type", "Ready" }, { "status", readyText }, { "lastTransitionTime", started } },
                    { { "type", "ContainersReady" }, { "status", readyText }, { "lastTransitionTime", started } },
                    { { "type", "PodScheduled" }, { "status", "True" },
                        { "lastTransitionTime", rfc3339(p.createdMs) } } }) },
        { "hostIP", kNodeIps[p.node] }, { "hostIPs", json::array({ { { "ip", kNodeIps[p.node] } } }) },
        { "podIP", p.podIp }, { "podIPs", json::array({ { { "ip", p.podIp } } }) },
        { "startTime", rfc3339(p.createdMs + kSecondMs) }, { "qosClass", "Burstable" },
        { "containerStatuses", statuses } };
    if (!initStatuses.empty())
        status["initContainerStatuses"] = initStatuses;
    return { { "apiVersion", "v1" }, { "kind", "Pod" }, { "metadata", meta }, { "spec", spec }, { "status", status } };
}

std::vector<json> ScenarioCluster::replicaSets(std::size_t object, std::int64_t tMs) const
{
    std::vector<json> out;
    for (const ReplicaSetRecord& rs : replicaSetsOf(object)) {
        if (replicaSetCreatedMs(object, rs.revision) > tMs)
            break;
        out.push_back(replicaSet(object, rs.revision, tMs));
    }
    return out;
}

std::vector<ScenarioCluster::ReplicaSetRecord> ScenarioCluster::replicaSetsOf(std::size_t object) const
{
    // One per template (a revert to an earlier template is that template's ReplicaSet again).
    std::vector<ReplicaSetRecord> out;
    std::set<std::string> seen;
    const auto it = m_revisions.find(object);
    const std::size_t count = it == m_revisions.end() ? 1 : it->second.size();
    for (std::size_t r = 0; r < count; ++r) {
        const std::string hash = hashOf(object, r);
        if (seen.insert(hash).second)
            out.push_back({ r, m_scenario.objects[object].name + "-" + hash });
    }
    return out;
}

bool ScenarioCluster::jobExistsAt(std::size_t job, std::int64_t tMs) const
{
    const SimulatedJob& sj = m_jobs[job];
    if (sj.createdMs > tMs)
        return false;
    // Removed by the CronJob's history limit with its pods.
    bool gone = !sj.pods.empty();
    for (std::size_t p : sj.pods)
        gone = gone && m_pods[p].deletedMs && *m_pods[p].deletedMs <= tMs;
    return !gone;
}

std::int64_t ScenarioCluster::replicaSetCreatedMs(std::size_t object, std::size_t revision) const
{
    return revision == 0 ? m_originMs + static_cast<std::int64_t>(object) * 3 * kSecondMs + kSecondMs
                         : m_revisions.at(object)[revision].atMs;
}

json ScenarioCluster::replicaSet(std::size_t object, std::size_t revision, std::int64_t tMs) const
{
    const ScenarioObject& o = m_scenario.objects[object];
    const std::string hash = hashOf(object, revision);
    const std::string name = o.name + "-" + hash;
    const bool rollout = o.workload->kind == WorkloadKind::Rollout;
    const std::string hashLabel = hashLabelOf(o.workload->kind);
    const std::int64_t created = replicaSetCreatedMs(object, revision);
    const bool current = hashOf(object, revisionAt(object, tMs)) == hash;
    json labels = json::object();
    for (const auto& [k, v] : o.workload->podLabels)
        labels[k] = v;
    labels[hashLabel] = hash;
    json selector = json::object();
    for (const auto& [k, v] : o.workload->selector)
        selector[k] = v;
    selector[hashLabel] = hash;
    json templ = revision == 0 ? podTemplateOf(o) : m_revisions.at(object)[revision].templ;
    templ["metadata"]["labels"] = labels;
    std::vector<std::size_t> pods;
    for (std::size_t p : podsOf(object, tMs))
        if (hashOf(object, m_pods[p].revision) == hash)
            pods.push_back(p);
    int ready = 0;
    for (std::size_t p : pods)
        ready += podReadyAt(p, tMs) ? 1 : 0;
    const std::string ownerApiVersion = rollout ? "argoproj.io/v1alpha1" : "apps/v1";
    // What each controller writes on its ReplicaSets: the Deployment controller its desired and
    // surge-bounded maximum replicas and the revision; Argo's its own desired replicas and revision
    // (rollout.argoproj.io/, never deployment.kubernetes.io/).
    json annotations = rollout
        ? json { { "rollout.argoproj.io/desired-replicas", std::to_string(o.workload->replicas) },
              { "rollout.argoproj.io/revision", std::to_string(revision + 1) } }
        : json { { "deployment.kubernetes.io/desired-replicas", std::to_string(o.workload->replicas) },
              { "deployment.kubernetes.io/max-replicas",
                  std::to_string(o.workload->replicas + maxSurgeOf(o.manifest, o.workload->replicas)) },
              { "deployment.kubernetes.io/revision", std::to_string(revision + 1) } };
    json meta = {
        { "name", name }, { "namespace", o.namespaceName }, { "uid", uidFor("ReplicaSet", o.namespaceName, name) },
        { "resourceVersion", std::to_string(1000 + std::max<std::int64_t>(0, (created - m_originMs) / 1000)) },
        { "generation", 1 }, { "creationTimestamp", rfc3339(created) }, { "labels", labels },
        { "annotations", std::move(annotations) },
        { "ownerReferences",
            json::array({ ownerReference(ownerApiVersion, o.kind, o.name, uidFor(o.kind, o.namespaceName, o.name)) }) }
    };
    return { { "apiVersion", "apps/v1" }, { "kind", "ReplicaSet" }, { "metadata", meta },
        { "spec",
            { { "replicas", current ? o.workload->replicas : 0 }, { "selector", { { "matchLabels", selector } } },
                { "template", templ } } },
        { "status",
            { { "replicas", pods.size() }, { "fullyLabeledReplicas", pods.size() }, { "readyReplicas", ready },
                { "availableReplicas", ready }, { "observedGeneration", 1 } } } };
}

json ScenarioCluster::job(std::size_t index, std::int64_t tMs) const
{
    const SimulatedJob& j = m_jobs[index];
    const ScenarioObject& o = m_scenario.objects[j.object];
    const bool fromCron = o.workload->kind == WorkloadKind::CronJob;
    json meta;
    if (fromCron) {
        meta = { { "name", j.name }, { "namespace", o.namespaceName }, { "uid", j.uid },
            { "resourceVersion", std::to_string(1000 + std::max<std::int64_t>(0, (j.createdMs - m_originMs) / 1000)) },
            { "generation", 1 }, { "creationTimestamp", rfc3339(j.createdMs) },
            { "labels", { { "batch.kubernetes.io/job-name", j.name }, { "job-name", j.name } } },
            { "ownerReferences",
                json::array(
                    { ownerReference("batch/v1", "CronJob", o.name, uidFor("CronJob", o.namespaceName, o.name)) }) } };
    } else {
        meta = metadataOf(o, j.createdMs);
    }
    json spec = fromCron ? o.manifest["spec"]["jobTemplate"].value("spec", json::object())
                         : o.manifest.value("spec", json::object());
    spec["selector"] = { { "matchLabels", { { "batch.kubernetes.io/controller-uid", j.uid } } } };
    int active = 0;
    int succeeded = 0;
    int failed = 0;
    std::int64_t completion = 0;
    for (std::size_t p : j.pods) {
        if (!podExistsAt(p, tMs))
            continue;
        bool ok = false;
        if (!podFinishedAt(p, tMs, &ok)) {
            ++active;
            continue;
        }
        (ok ? succeeded : failed) += 1;
        for (const SimulatedContainer& c : m_pods[p].containers)
            if (!c.runs.empty() && c.runs.back().terminated)
                completion = std::max(completion, c.runs.back().finishedMs);
    }
    json status = { { "startTime", rfc3339(j.createdMs + kSecondMs) }, { "active", active }, { "succeeded", succeeded },
        { "failed", failed }, { "ready", active }, { "uncountedTerminatedPods", json::object() } };
    if (active == 0 && succeeded > 0) {
        status["completionTime"] = rfc3339(completion);
        status["conditions"] = json::array(
            { { { "type", "Complete" }, { "status", "True" }, { "lastTransitionTime", rfc3339(completion) } } });
    } else if (active == 0 && failed > 0) {
        status["conditions"] = json::array({ { { "type", "Failed" }, { "status", "True" },
            { "reason", "BackoffLimitExceeded" }, { "lastTransitionTime", rfc3339(completion) } } });
    }
    if (active == 0)
        status.erase("active");
    return { { "apiVersion", "batch/v1" }, { "kind", "Job" }, { "metadata", meta }, { "spec", spec },
        { "status", status } };
}

json ScenarioCluster::workload(std::size_t object, std::int64_t tMs) const
{
    const ScenarioObject& o = m_scenario.objects[object];
    const ScenarioWorkload& w = *o.workload;
    const std::int64_t created = m_originMs + static_cast<std::int64_t>(object) * 3 * kSecondMs;
    json out = o.manifest;
    out["metadata"] = metadataOf(o, created);
    if (const Write* w = writeAt(object, tMs)) {
        out["spec"] = w->object["spec"];
        out["metadata"] = w->object["metadata"];
    }
    // What the API server fills in when a manifest leaves it out (kubectl's status viewers read it),
    // whether the spec is as written or as a write (or Argo CD's revert) left it.
    json& spec = out["spec"];
    auto defaultTo = [&spec](const char* key, json value) {
        if (!spec.contains(key) || spec[key].is_null())
            spec[key] = std::move(value);
    };
    if (w.kind == WorkloadKind::Deployment) {
        defaultTo("replicas", 1);
        defaultTo("strategy",
            { { "type", "RollingUpdate" },
                { "rollingUpdate", { { "maxSurge", "25%" }, { "maxUnavailable", "25%" } } } });
        defaultTo("revisionHistoryLimit", 10);
        defaultTo("progressDeadlineSeconds", 600);
    } else if (w.kind == WorkloadKind::StatefulSet) {
        defaultTo("replicas", 1);
        defaultTo("updateStrategy", { { "type", "RollingUpdate" }, { "rollingUpdate", { { "partition", 0 } } } });
        defaultTo("podManagementPolicy", "OrderedReady");
        defaultTo("revisionHistoryLimit", 10);
    } else if (w.kind == WorkloadKind::DaemonSet) {
        defaultTo("updateStrategy",
            { { "type", "RollingUpdate" }, { "rollingUpdate", { { "maxUnavailable", 1 }, { "maxSurge", 0 } } } });
        defaultTo("revisionHistoryLimit", 10);
    }
    out.erase("status");
    const auto pods = podsOf(object, tMs);
    int ready = 0;
    for (std::size_t p : pods)
        ready += podReadyAt(p, tMs) ? 1 : 0;
    const int count = static_cast<int>(pods.size());
    // Pods of the template in force at tMs are the updated ones; the others are a rollout's old ones.
    const std::string hash = hashOf(object, revisionAt(object, tMs));
    int updated = 0;
    std::string oldestHash = hash;
    for (std::size_t p : pods) {
        const std::string podHash = hashOf(object, m_pods[p].revision);
        updated += podHash == hash ? 1 : 0;
        if (podHash != hash)
            oldestHash = podHash;
    }
    switch (w.kind) {
    case WorkloadKind::Deployment:
        out["status"] = {
            { "observedGeneration", 1 }, { "replicas", count }, { "updatedReplicas", updated },
            { "readyReplicas", ready }, { "availableReplicas", ready }, { "unavailableReplicas", count - ready },
            { "conditions",
                json::array({ { { "type", "Available" }, { "status", ready == w.replicas ? "True" : "False" },
                                  { "reason", "MinimumReplicasAvailable" } },
                    { { "type", "Progressing" }, { "status", "True" }, { "reason", "NewReplicaSetAvailable" },
                        { "message", "ReplicaSet \"" + o.name + "-" + hash + "\" has successfully progressed." } } }) }
        };
        if (count == ready)
            out["status"].erase("unavailableReplicas");
        break;
    case WorkloadKind::StatefulSet:
        out["status"] = { { "observedGeneration", 1 }, { "replicas", count }, { "readyReplicas", ready },
            { "currentReplicas", updated == count ? count : count - updated }, { "updatedReplicas", updated },
            { "availableReplicas", ready },
            { "currentRevision", o.name + "-" + (updated == count ? hash : oldestHash) },
            { "updateRevision", o.name + "-" + hash }, { "collisionCount", 0 } };
        break;
    case WorkloadKind::DaemonSet:
        out["status"] = { { "currentNumberScheduled", count }, { "desiredNumberScheduled", w.replicas },
            { "numberAvailable", ready }, { "numberMisscheduled", 0 }, { "numberReady", ready },
            { "observedGeneration", 1 }, { "updatedNumberScheduled", updated } };
        break;
    case WorkloadKind::Rollout:
        out["status"] = { { "observedGeneration", "1" }, { "replicas", count }, { "updatedReplicas", updated },
            { "readyReplicas", ready }, { "availableReplicas", ready }, { "currentPodHash", hash },
            { "stableRS", updated == count ? hash : oldestHash },
            { "phase", ready == w.replicas && updated == count ? "Healthy" : "Progressing" },
            { "selector", [&] {
                 std::string s;
                 for (const auto& [k, v] : w.selector)
                     s += (s.empty() ? "" : ",") + k + "=" + v;
                 return s;
             }() } };
        break;
    case WorkloadKind::Job: {
        for (std::size_t j = 0; j < m_jobs.size(); ++j)
            if (m_jobs[j].object == object)
                return job(j, tMs);
        break;
    }
    case WorkloadKind::CronJob: {
        json active = json::array();
        std::int64_t lastSchedule = 0;
        std::int64_t lastSuccess = 0;
        for (std::size_t j = 0; j < m_jobs.size(); ++j) {
            const SimulatedJob& sj = m_jobs[j];
            if (sj.object != object || sj.createdMs > tMs)
                continue;
            lastSchedule = std::max(lastSchedule, sj.createdMs);
            bool running = false;
            for (std::size_t p : sj.pods)
                running = running || (podExistsAt(p, tMs) && !podFinishedAt(p, tMs));
            if (running)
                active.push_back({ { "apiVersion", "batch/v1" }, { "kind", "Job" }, { "name", sj.name },
                    { "namespace", o.namespaceName }, { "uid", sj.uid } });
            else
                lastSuccess = std::max(lastSuccess, sj.createdMs);
        }
        out["status"] = json::object();
        if (!active.empty())
            out["status"]["active"] = active;
        if (lastSchedule)
            out["status"]["lastScheduleTime"] = rfc3339(lastSchedule);
        if (lastSuccess)
            out["status"]["lastSuccessfulTime"] = rfc3339(lastSuccess);
        break;
    }
    }
    // The controller observes every write at once (a Rollout writes the number as a string).
    const int generation = out["metadata"].value("generation", 1);
    if (out.contains("status") && out["status"].contains("observedGeneration"))
        out["status"]["observedGeneration"]
            = out["status"]["observedGeneration"].is_string() ? json(std::to_string(generation)) : json(generation);
    return out;
}

json ScenarioCluster::plainObject(std::size_t object) const
{
    const ScenarioObject& o = m_scenario.objects[object];
    json out = o.manifest;
    out["metadata"] = metadataOf(o, m_originMs - kMinuteMs);
    out.erase("status");
    if (o.kind == "Service") {
        json& spec = out["spec"];
        if (!spec.is_object())
            spec = json::object();
        if (!spec.contains("type"))
            spec["type"] = "ClusterIP";
        if (!spec.contains("clusterIP") && spec.value("type", "") != "ExternalName") {
            const std::string ip
                = "10.96." + std::to_string(1 + object % 200) + "." + std::to_string(10 + object % 240);
            spec["clusterIP"] = ip;
            spec["clusterIPs"] = json::array({ ip });
        }
        if (!spec.contains("sessionAffinity"))
            spec["sessionAffinity"] = "None";
        // The API server's defaults for each port: TCP, and the target port the port itself.
        if (spec.contains("ports") && spec["ports"].is_array())
            for (json& port : spec["ports"])
                if (port.is_object()) {
                    if (!port.contains("protocol"))
                        port["protocol"] = "TCP";
                    if (!port.contains("targetPort") && port.contains("port"))
                        port["targetPort"] = port["port"];
                }
        out["status"] = { { "loadBalancer", json::object() } };
    } else if (o.kind == "Ingress") {
        out["status"] = { { "loadBalancer", json::object() } };
    } else if (o.kind == "LimitRange") {
        // The API server's defaults for a Container item: the default limit is the max, the default
        // request the default limit, else the min.
        json& limits = out["spec"]["limits"];
        if (limits.is_array())
            for (json& item : limits) {
                if (!item.is_object() || item.value("type", "") != "Container")
                    continue;
                for (const char* key : { "default", "defaultRequest" })
                    if (!item.contains(key) || !item[key].is_object())
                        item[key] = json::object();
                auto fill = [&item](const char* into, const char* from) {
                    if (item.contains(from) && item[from].is_object())
                        for (const auto& [resource, quantity] : item[from].items())
                            if (!item[into].contains(resource))
                                item[into][resource] = quantity;
                };
                fill("default", "max");
                fill("defaultRequest", "default");
                fill("defaultRequest", "min");
            }
    } else if (o.kind == "HorizontalPodAutoscaler") {
        const json& target = o.manifest["spec"]["scaleTargetRef"];
        int current = 0;
        for (std::size_t i = 0; i < m_scenario.objects.size(); ++i) {
            const ScenarioObject& t = m_scenario.objects[i];
            if (t.workload && t.namespaceName == o.namespaceName && t.kind == target.value("kind", "")
                && t.name == target.value("name", ""))
                current = t.workload->replicas;
        }
        out["status"] = { { "currentReplicas", current }, { "desiredReplicas", current } };
    } else if (o.kind == "Namespace") {
        out["spec"] = { { "finalizers", json::array({ "kubernetes" }) } };
        out["status"] = { { "phase", "Active" } };
        out["metadata"]["labels"]["kubernetes.io/metadata.name"] = o.name;
    }
    return out;
}

const ScenarioCluster::Write* ScenarioCluster::writeAt(std::size_t object, std::int64_t tMs) const
{
    const auto it = m_writes.find(object);
    if (it == m_writes.end())
        return nullptr;
    const Write* latest = nullptr;
    for (const Write& w : it->second)
        if (w.atMs <= tMs)
            latest = &w;
    return latest;
}

bool ScenarioCluster::writable(const std::string& kind, const std::string& ns, const std::string& name) const
{
    const ScenarioObject* o = m_scenario.find(kind, ns, name);
    return o && o->workload && !isJobKind(o->workload->kind);
}

Result<json> ScenarioCluster::patch(const std::string& kind, const std::string& ns, const std::string& name,
    const PatchRequest& request, std::int64_t nowMs)
{
    std::size_t index = m_scenario.objects.size();
    for (std::size_t i = 0; i < m_scenario.objects.size(); ++i) {
        const ScenarioObject& o = m_scenario.objects[i];
        if (o.kind == kind && o.namespaceName == ns && o.name == name && o.workload && !isJobKind(o.workload->kind))
            index = i;
    }
    const std::string group = kind == "Rollout" ? "argoproj.io" : "apps";
    const std::string plural = kind == "Rollout" ? "rollouts"
        : kind == "StatefulSet"                  ? "statefulsets"
        : kind == "DaemonSet"                    ? "daemonsets"
                                                 : "deployments";
    const std::string what = plural + "." + group + " \"" + name + "\"";
    if (index == m_scenario.objects.size())
        return makeError(ErrorCode::NotFound, what + " not found");
    const ScenarioObject& o = m_scenario.objects[index];
    const json current = workload(index, nowMs);
    auto patched = applyPatchRequest(current, request, what, kind + "." + group);
    if (!patched)
        return patched.error();
    json result = std::move(*patched);
    if (result.value("spec", json::object()).value("selector", json()) != current["spec"].value("selector", json()))
        return makeError(ErrorCode::Invalid,
            kind + "." + group + " \"" + name + "\" is invalid: spec.selector: Invalid value: field is immutable");
    // What identifies the object is the server's, whatever the patch says.
    for (const char* key : { "name", "namespace", "uid", "creationTimestamp" })
        result["metadata"][key] = current["metadata"][key];
    const bool specChanged = result["spec"] != current["spec"];
    const int generation = current["metadata"].value("generation", 1) + (specChanged ? 1 : 0);
    result["metadata"]["generation"] = generation;
    result["metadata"]["resourceVersion"]
        = std::to_string(1001 + std::max<std::int64_t>(0, (nowMs - m_originMs) / 1000));
    result["metadata"]["managedFields"]
        = managedFieldsAfter(current["metadata"], request.fieldManager, o.apiVersion, rfc3339(nowMs));
    if (request.dryRun)
        return workloadWith(index, result, nowMs);
    auto& writes = m_writes[index];
    // A write supersedes the revert still pending (Argo CD reverts to Git, whenever it gets to it).
    std::erase_if(writes, [&](const Write& w) { return w.atMs > nowMs; });
    writes.push_back(Write { nowMs, result });
    const ScenarioWorkload& w = *o.workload;
    if (specChanged && w.selfHealAfterMs && !w.argoTrackingId.empty() && request.fieldManager != kSelfHealManager) {
        // Argo CD's self-heal: the spec as written in Git, applied by its controller.
        const std::int64_t at = nowMs + std::max<std::int64_t>(*w.selfHealAfterMs, 1);
        json healed = result;
        healed["spec"] = o.manifest["spec"];
        healed["metadata"]["generation"] = generation + 1;
        healed["metadata"]["resourceVersion"]
            = std::to_string(1001 + std::max<std::int64_t>(0, (at - m_originMs) / 1000));
        healed["metadata"]["managedFields"]
            = managedFieldsAfter(result["metadata"], kSelfHealManager, o.apiVersion, rfc3339(at));
        writes.push_back(Write { at, std::move(healed) });
    }
    // A changed pod template rolls new pods (and the revert, if any, rolls back), replayed from
    // the start so that a change cuts short a rollout still going.
    auto& revisions = m_revisions[index];
    if (revisions.empty())
        revisions.push_back(Revision { m_originMs, podTemplateOf(o), templateHash(index) });
    const std::size_t before = revisions.size();
    std::erase_if(revisions, [&](const Revision& r) { return r.atMs > nowMs; }); // the first is at the origin
    bool changed = revisions.size() != before;
    for (const Write& write : writes) {
        if (write.atMs < nowMs)
            continue;
        const json& templ = write.object["spec"].value("template", json::object());
        const json& previous = revisions.back().templ;
        if (templ == previous)
            continue;
        revisions.push_back(
            Revision { write.atMs, templ, token(stableHash("pod-template-hash/" + templ.dump()), 10, kNameAlphabet) });
        changed = true;
    }
    if (changed)
        replayRollouts(index);
    return workload(index, nowMs);
}

// As the quota controller keeps it: status.hard is spec.hard, status.used what the namespace's pods
// that have not finished request and limit now (regular containers and sidecars summed; run-once
// init containers, which finish before the others start, are left out) and their count.
json ScenarioCluster::resourceQuota(std::size_t object, std::int64_t tMs) const
{
    const ScenarioObject& o = m_scenario.objects[object];
    json out = plainObject(object);
    const json& hard = o.manifest.contains("spec") && o.manifest["spec"].is_object()
            && o.manifest["spec"].contains("hard") && o.manifest["spec"]["hard"].is_object()
        ? o.manifest["spec"]["hard"]
        : json::object();
    std::int64_t pods = 0, memoryBytes[2] = { 0, 0 }, cpuMillis[2] = { 0, 0 }; // [requests, limits]
    for (std::size_t p = 0; p < m_pods.size(); ++p) {
        if (!podExistsAt(p, tMs) || podFinishedAt(p, tMs))
            continue;
        const json served = pod(p, tMs);
        if (served["metadata"].value("namespace", "") != o.namespaceName)
            continue;
        ++pods;
        for (const char* list : { "containers", "initContainers" })
            for (const json& c : served["spec"].value(list, json::array())) {
                if (std::string(list) == "initContainers" && c.value("restartPolicy", "") != "Always")
                    continue;
                const json resources = c.value("resources", json::object());
                for (int which = 0; which < 2; ++which) {
                    const json values = resources.value(which == 0 ? "requests" : "limits", json::object());
                    if (auto bytes = parseMemoryBytes(values.value("memory", "")))
                        memoryBytes[which] += *bytes;
                    if (auto cores = parseQuantity(values.value("cpu", "")))
                        cpuMillis[which] += static_cast<std::int64_t>(*cores * 1000 + 0.5);
                }
            }
    }
    // Quantities in the API's canonical form: the largest binary suffix that divides, cores or millicores.
    auto memoryText = [](std::int64_t bytes) {
        const char* suffixes[] = { "", "Ki", "Mi", "Gi", "Ti" };
        int s = 0;
        while (s < 4 && bytes != 0 && bytes % 1024 == 0) {
            bytes /= 1024;
            ++s;
        }
        return std::to_string(bytes) + suffixes[s];
    };
    auto cpuText = [](std::int64_t millis) {
        return millis % 1000 == 0 ? std::to_string(millis / 1000) : std::to_string(millis) + "m";
    };
    json used = json::object();
    for (const auto& [resource, quantity] : hard.items()) {
        if (resource == "pods")
            used[resource] = std::to_string(pods);
        else if (resource == "requests.memory" || resource == "memory")
            used[resource] = memoryText(memoryBytes[0]);
        else if (resource == "limits.memory")
            used[resource] = memoryText(memoryBytes[1]);
        else if (resource == "requests.cpu" || resource == "cpu")
            used[resource] = cpuText(cpuMillis[0]);
        else if (resource == "limits.cpu")
            used[resource] = cpuText(cpuMillis[1]);
        else
            used[resource] = "0"; // object counts and the rest: the scenario has none of them
    }
    out["status"] = { { "hard", hard }, { "used", used } };
    return out;
}

json ScenarioCluster::workloadWith(std::size_t object, const json& written, std::int64_t tMs) const
{
    json out = workload(object, tMs);
    out["spec"] = written["spec"];
    out["metadata"] = written["metadata"];
    return out;
}

json ScenarioCluster::event(const std::string& ns, const std::string& objectName, std::int64_t firstMs,
    std::int64_t lastMs, int count, const std::string& type, const std::string& reason, const std::string& message,
    json involved, const std::string& component, const std::string& host) const
{
    // The API server names events <object>.<first timestamp in nanoseconds, hex>.
    char suffix[17];
    std::snprintf(suffix, sizeof suffix, "%016llx",
        static_cast<unsigned long long>(
            static_cast<std::uint64_t>(firstMs) * 1000000ULL + stableHash(reason + "/" + message) % 1000000ULL));
    const std::string name = objectName + "." + suffix;
    return json { { "apiVersion", "v1" }, { "kind", "Event" },
        { "metadata",
            { { "name", name }, { "namespace", ns }, { "uid", uidFor("Event", ns, name) },
                { "resourceVersion", std::to_string(1000 + std::max<std::int64_t>(0, (lastMs - m_originMs) / 1000)) },
                { "creationTimestamp", rfc3339(firstMs) } } },
        { "involvedObject", std::move(involved) }, { "reason", reason }, { "message", message },
        { "source", { { "component", component }, { "host", host } } }, { "firstTimestamp", rfc3339(firstMs) },
        { "lastTimestamp", rfc3339(lastMs) }, { "count", count }, { "type", type }, { "eventTime", nullptr },
        { "reportingComponent", component }, { "reportingInstance", host } };
}

std::vector<json> ScenarioCluster::events(std::int64_t tMs) const
{
    std::vector<json> out;
    const std::int64_t since = tMs - ServedKubeObjects::kEventTtlMs;
    for (std::size_t i = 0; i < m_pods.size(); ++i) {
        const SimulatedPod& p = m_pods[i];
        if (p.createdMs > tMs || (p.deletedMs && *p.deletedMs <= since))
            continue;
        const std::string node = kNodeNames[p.node];
        for (const SimulatedContainer& c : p.containers) {
            const ScenarioContainer& spec = containerSpec(p, c);
            std::vector<const ContainerRun*> kills;
            for (const ContainerRun& r : c.runs)
                if (r.terminated && r.reason == "OOMKilled" && r.finishedMs <= tMs)
                    kills.push_back(&r);
            if (kills.empty() || kills.back()->finishedMs <= since)
                continue;
            // node-problem-detector's kernel monitor: a Node event per kill, filed (as the built-in
            // sandbox's) in the pod's namespace so `kubectl get events -n NS` finds it.
            const char* process = spec.runtime == Runtime::Jvm ? "java"
                : spec.runtime == Runtime::Node                ? "node"
                : spec.runtime == Runtime::Python              ? "python3"
                                                               : spec.name.c_str();
            const long long limitKb = spec.limitBytes.value_or(0) / 1024;
            for (const ContainerRun* kill : kills) {
                if (kill->finishedMs <= since)
                    continue;
                const long long fileRssKb = 9000 + static_cast<long long>(mixHash(kill->finishedMs, 3) % 4000);
                const std::string message = "Memory cgroup out of memory: Killed process "
                    + std::to_string(kill->hostPid) + " (" + process
                    + ") total-vm:" + std::to_string(limitKb * 2 + 512000)
                    + "kB, anon-rss:" + std::to_string(std::max(0LL, limitKb - fileRssKb))
                    + "kB, file-rss:" + std::to_string(fileRssKb) + "kB, shmem-rss:0kB, UID:1000 pgtables:"
                    + std::to_string(2100 + mixHash(kill->finishedMs, 4) % 600) + "kB oom_score_adj:999";
                out.push_back(
                    event(p.namespaceName, node, kill->finishedMs, kill->finishedMs, 1, "Warning", "OOMKilling",
                        message, { { "kind", "Node" }, { "name", node }, { "uid", node } }, "kernel-monitor", node));
            }
            // kubelet's back-off after each kill, aggregated as its event correlator does.
            const std::string list = spec.kind == ContainerKind::Regular ? "containers" : "initContainers";
            const json involved = { { "kind", "Pod" }, { "namespace", p.namespaceName }, { "name", p.name },
                { "uid", p.uid }, { "apiVersion", "v1" }, { "fieldPath", "spec." + list + "{" + spec.name + "}" } };
            out.push_back(event(p.namespaceName, p.name, kills.front()->finishedMs + kSecondMs,
                kills.back()->finishedMs + kSecondMs, static_cast<int>(kills.size()), "Warning", "BackOff",
                "Back-off restarting failed container " + spec.name + " in pod " + p.name + "_" + p.namespaceName + "("
                    + p.uid + ")",
                involved, "kubelet", node));
        }
    }
    return out;
}

json ScenarioCluster::endpoints(std::size_t service, std::int64_t tMs) const
{
    // As the endpoints controller keeps them: the pods the Service's selector matches, ready ones
    // under addresses, the others under notReadyAddresses.
    const ScenarioObject& o = m_scenario.objects[service];
    const json spec = o.manifest.value("spec", json::object());
    const json selector = spec.value("selector", json::object());
    json ready = json::array();
    json notReady = json::array();
    std::int64_t changed = m_originMs;
    for (std::size_t i = 0; i < m_pods.size() && !selector.empty(); ++i) {
        const SimulatedPod& p = m_pods[i];
        if (p.namespaceName != o.namespaceName || !podExistsAt(i, tMs) || podFinishedAt(i, tMs))
            continue;
        bool matches = true;
        for (auto it = selector.begin(); it != selector.end(); ++it) {
            const auto label = p.labels.find(it.key());
            matches = matches && it.value().is_string() && label != p.labels.end()
                && label->second == it.value().get<std::string>();
        }
        if (!matches)
            continue;
        changed = std::max(changed, p.createdMs);
        json address = { { "ip", p.podIp }, { "nodeName", kNodeNames[p.node] },
            { "targetRef",
                { { "kind", "Pod" }, { "namespace", p.namespaceName }, { "name", p.name }, { "uid", p.uid } } } };
        (podReadyAt(i, tMs) ? ready : notReady).push_back(std::move(address));
    }
    auto byIp = [](const json& a, const json& b) { return a.value("ip", "") < b.value("ip", ""); };
    std::sort(ready.begin(), ready.end(), byIp);
    std::sort(notReady.begin(), notReady.end(), byIp);
    json ports = json::array();
    for (const json& port : spec.value("ports", json::array())) {
        json p = { { "port",
                       port.value("targetPort", port.value("port", json(0))).is_number_integer()
                           ? port.value("targetPort", port.value("port", json(0)))
                           : port.value("port", json(0)) },
            { "protocol", port.value("protocol", "TCP") } };
        if (port.contains("name"))
            p["name"] = port["name"];
        ports.push_back(std::move(p));
    }
    json subset = { { "ports", ports } };
    if (!ready.empty())
        subset["addresses"] = ready;
    if (!notReady.empty())
        subset["notReadyAddresses"] = notReady;
    json meta = metadataOf(o, m_originMs - kMinuteMs);
    meta.erase("annotations");
    meta.erase("generation");
    meta["uid"] = uidFor("Endpoints", o.namespaceName, o.name);
    meta["resourceVersion"] = std::to_string(1000 + std::max<std::int64_t>(0, (changed - m_originMs) / 1000));
    return { { "apiVersion", "v1" }, { "kind", "Endpoints" }, { "metadata", meta },
        { "subsets", ready.empty() && notReady.empty() ? json::array() : json::array({ subset }) } };
}

std::optional<json> ScenarioCluster::podMetrics(std::size_t index, std::int64_t tMs) const
{
    const SimulatedPod& p = m_pods[index];
    // metrics-server reports the kubelet's latest 30 s scrape of the running containers.
    const std::int64_t scrape = floorDiv(tMs, SandboxModel::kScrapeIntervalMs) * SandboxModel::kScrapeIntervalMs;
    json containers = json::array();
    for (std::size_t c = 0; c < p.containers.size(); ++c) {
        const auto ws = workingSetBytes(index, c, scrape);
        if (!ws)
            continue;
        // CPU is not modelled for scenario containers: a steady 10 millicores per container.
        containers.push_back({ { "name", containerSpec(p, p.containers[c]).name },
            { "usage",
                { { "cpu", "10000000n" },
                    { "memory", std::to_string(static_cast<long long>(std::llround(*ws / 1024.0))) + "Ki" } } } });
    }
    if (containers.empty())
        return std::nullopt;
    json labels = json::object();
    for (const auto& [k, v] : p.labels)
        labels[k] = v;
    return json { { "kind", "PodMetrics" }, { "apiVersion", "metrics.k8s.io/v1beta1" },
        { "metadata",
            { { "name", p.name }, { "namespace", p.namespaceName }, { "creationTimestamp", rfc3339(tMs) },
                { "labels", labels } } },
        { "timestamp", rfc3339(scrape) }, { "window", "30s" }, { "containers", containers } };
}

std::vector<json> ScenarioCluster::objects(const std::string& kind, std::int64_t tMs) const
{
    std::vector<json> out;
    if (kind == "Event") {
        out = events(tMs);
    } else if (kind == "Endpoints") {
        for (std::size_t i = 0; i < m_scenario.objects.size(); ++i)
            if (m_scenario.objects[i].kind == "Service")
                out.push_back(endpoints(i, tMs));
    } else if (kind == "PodMetrics") {
        for (std::size_t p = 0; p < m_pods.size(); ++p)
            if (podExistsAt(p, tMs) && !podFinishedAt(p, tMs))
                if (auto m = podMetrics(p, tMs))
                    out.push_back(std::move(*m));
    } else if (kind == "Pod") {
        for (std::size_t p = 0; p < m_pods.size(); ++p)
            if (podExistsAt(p, tMs))
                out.push_back(pod(p, tMs));
    } else if (kind == "ReplicaSet") {
        for (std::size_t i = 0; i < m_scenario.objects.size(); ++i) {
            const auto& w = m_scenario.objects[i].workload;
            if (w && (w->kind == WorkloadKind::Deployment || w->kind == WorkloadKind::Rollout))
                for (json& rs : replicaSets(i, tMs))
                    out.push_back(std::move(rs));
        }
    } else if (kind == "ResourceQuota") {
        for (std::size_t i = 0; i < m_scenario.objects.size(); ++i)
            if (m_scenario.objects[i].kind == kind)
                out.push_back(resourceQuota(i, tMs));
    } else if (kind == "Job") {
        for (std::size_t j = 0; j < m_jobs.size(); ++j)
            if (jobExistsAt(j, tMs))
                out.push_back(job(j, tMs));
    } else if (kind == "Namespace") {
        std::set<std::string> declared;
        for (std::size_t i = 0; i < m_scenario.objects.size(); ++i)
            if (m_scenario.objects[i].kind == "Namespace") {
                out.push_back(plainObject(i));
                declared.insert(m_scenario.objects[i].name);
            }
        for (const std::string& ns : m_scenario.namespaces()) {
            if (declared.count(ns))
                continue;
            const std::int64_t created = m_originMs - kDayMs;
            out.push_back({ { "apiVersion", "v1" }, { "kind", "Namespace" },
                { "metadata",
                    { { "name", ns }, { "uid", uidFor("Namespace", "", ns) },
                        { "resourceVersion", std::to_string(1000) }, { "creationTimestamp", rfc3339(created) },
                        { "labels", { { "kubernetes.io/metadata.name", ns } } } } },
                { "spec", { { "finalizers", json::array({ "kubernetes" }) } } },
                { "status", { { "phase", "Active" } } } });
        }
    } else {
        for (std::size_t i = 0; i < m_scenario.objects.size(); ++i) {
            const ScenarioObject& o = m_scenario.objects[i];
            if (o.kind != kind || kind == "Namespace")
                continue;
            out.push_back(o.workload ? workload(i, tMs) : plainObject(i));
        }
    }
    return out;
}

} // namespace leakdesk::sandbox::scenario
