#pragma once
// A parsed Scenario brought to life: its workloads' pods (named and owned as the real controllers
// do: Deployment -> ReplicaSet -> pod-<hash>-<suffix>, StatefulSet -> x-0, x-1, DaemonSet -> one
// pod per node, CronJob -> Job -> pod, Rollout -> ReplicaSet -> pod), each container's runs and
// memory (ContainerMemoryModel), and every object as the API server would return it at an instant.
// Like SandboxModel, everything is a function of (seed, time); nothing changes after construction.

#include "core/sandbox/kubeapi/ObjectPatch.h"
#include "core/sandbox/model/SandboxModel.h"
#include "core/sandbox/scenario/ContainerMemoryModel.h"
#include "core/sandbox/scenario/ScenarioFile.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::sandbox::scenario {

struct SimulatedContainer {
    std::size_t spec = 0; // index into the workload's containers
    ContainerMemoryModel memory;
    std::vector<ContainerRun> runs;
};

struct SimulatedPod {
    std::size_t object = 0; // the workload: index into Scenario::objects
    std::string name;
    std::string namespaceName;
    std::string uid;
    std::string ownerKind; // its controller: ReplicaSet, StatefulSet, DaemonSet or Job
    std::string ownerApiVersion;
    std::string ownerName;
    std::map<std::string, std::string> labels; // the template's plus the controller's own
    std::size_t node = 0;
    std::string podIp;
    std::int64_t createdMs = 0;
    // Gone from then on: a CronJob's Job removed by the history limit, a pod a rollout replaced
    // (Terminating for its last 2 s). Equal to createdMs: never existed (a rollout superseded).
    std::optional<std::int64_t> deletedMs;
    std::size_t revision = 0; // the workload's pod template it was made from (0: as written)
    std::int64_t mainStartMs = 0; // when its regular containers first started
    std::vector<SimulatedContainer> containers; // as ScenarioWorkload::containers
};

// A Job: one per batch/v1 Job, one per scheduled run of a CronJob.
struct SimulatedJob {
    std::size_t object = 0; // the Job or the CronJob
    std::string name;
    std::string uid;
    std::int64_t createdMs = 0;
    std::vector<std::size_t> pods;
};

class ScenarioCluster {
public:
    // A CronJob's Jobs are simulated from this long before the anchor (its runs before that have
    // been cleaned up by the history limits anyway) until as long after it, at most this many (the
    // latest of that window).
    static constexpr std::int64_t kCronWindowMs = 2 * kDayMs;
    static constexpr std::size_t kMaxJobsPerCronJob = 400;
    static constexpr std::int64_t kDefaultJobRunMs = 10 * kMinuteMs; // no sim.leakdesk.io/duration
    static constexpr std::int64_t kInitContainerRunMs = 3 * kSecondMs;

    // `anchorNowMs` as SandboxModel's: pods are created 8 to 9 days before it, day-aligned.
    ScenarioCluster(
        Scenario scenario, std::uint64_t seed, std::int64_t anchorNowMs, std::int64_t horizonMs = 30 * kDayMs);

    const Scenario& scenario() const { return m_scenario; }
    const std::vector<SimulatedPod>& pods() const { return m_pods; }
    const std::vector<SimulatedJob>& jobs() const { return m_jobs; }
    std::int64_t originMs() const { return m_originMs; }
    const ScenarioContainer& containerSpec(const SimulatedPod& pod, const SimulatedContainer& c) const;
    bool podExistsAt(std::size_t pod, std::int64_t tMs) const;
    // The pod of that pod's name (and namespace) that exists at tMs: a StatefulSet's pod made again
    // under its name is the same series for Prometheus. nullopt when none does.
    std::optional<std::size_t> podNamedLikeAt(std::size_t pod, std::int64_t tMs) const;
    bool firstOfItsName(std::size_t pod) const;
    std::vector<std::size_t> podsNamedLike(std::size_t pod) const; // itself included, in creation order
    // A Deployment's or Rollout's ReplicaSets, one per pod template (a template patched back is its
    // earlier ReplicaSet again): the first revision of each, its name, and when it was created.
    // Once made it stays (scaled to 0 when not current), as the API serves it.
    struct ReplicaSetRecord {
        std::size_t revision = 0;
        std::string name;
    };
    std::vector<ReplicaSetRecord> replicaSetsOf(std::size_t object) const;
    std::int64_t replicaSetCreatedMs(std::size_t object, std::size_t revision) const;
    // Whether the Job (index into jobs()) is served at tMs: created, and not all its pods removed.
    bool jobExistsAt(std::size_t job, std::int64_t tMs) const;

    // Per container, at tMs: working set (nullopt when not running), restarts so far, and the last
    // terminated run (nullptr before any).
    std::optional<double> workingSetBytes(std::size_t pod, std::size_t container, std::int64_t tMs) const;
    int restartCountAt(std::size_t pod, std::size_t container, std::int64_t tMs) const;
    const ContainerRun* lastTerminatedAt(std::size_t pod, std::size_t container, std::int64_t tMs) const;
    const ContainerRun* runAt(std::size_t pod, std::size_t container, std::int64_t tMs) const; // started at or before

    // API objects at tMs, by kind as the API writes it ("StatefulSet", "ReplicaSet", "Pod",
    // "Namespace", ...), across every namespace of the scenario.
    std::vector<nlohmann::json> objects(const std::string& kind, std::int64_t tMs) const;

    // Events still within the API server's TTL at tMs: OOMKilling node events (one per kill, in the
    // pod's namespace) and kubelet's BackOff per killed container.
    std::vector<nlohmann::json> events(std::int64_t tMs) const;
    // The Endpoints of a scenario Service (index into Scenario::objects) at tMs.
    nlohmann::json endpoints(std::size_t service, std::int64_t tMs) const;
    // metrics.k8s.io PodMetrics of a running pod: its containers' working sets at the last scrape.
    std::optional<nlohmann::json> podMetrics(std::size_t pod, std::int64_t tMs) const;

    // Whether PATCH applies: a Deployment, StatefulSet, DaemonSet or Rollout of the scenario.
    bool writable(const std::string& kind, const std::string& ns, const std::string& name) const;
    // PATCH of such a workload at nowMs: its spec, labels and annotations change from then on (the
    // pods keep the template they were made from: no rollout is simulated yet). A workload with
    // sim.leakdesk.io/self-heal-after and an Argo CD tracking annotation is put back as written
    // that long later, by field manager "argocd-controller". Errors as applyPatchRequest's, and
    // NotFound; a changed spec.selector is Invalid (immutable, as for apps/v1).
    Result<nlohmann::json> patch(const std::string& kind, const std::string& ns, const std::string& name,
        const PatchRequest& request, std::int64_t nowMs);
    static constexpr const char* kSelfHealManager = "argocd-controller";
    // A changed pod template rolls new pods as each kind's controller does: Deployment and Rollout
    // a new ReplicaSet, one pod at a time, each old pod deleted once its replacement is ready (20 s
    // after it started); StatefulSet from the highest ordinal down, each replaced under the same
    // name; DaemonSet node by node. A self-heal revert rolls back the same way.
    static constexpr std::int64_t kPodReadyAfterStartMs = 20 * kSecondMs;
    // Called after a write changed the pods (Prometheus lists its series again).
    void setOnPodsChanged(std::function<void()> callback) { m_onPodsChanged = std::move(callback); }

private:
    void build();
    std::size_t addPod(std::size_t object, std::string name, std::string ownerKind, std::string ownerApiVersion,
        std::string ownerName, std::map<std::string, std::string> extraLabels, std::size_t node, std::int64_t createdMs,
        const RunPolicy& policy, std::int64_t endMs, std::size_t revision = 0);
    // Pod templates of a workload: the one written, then one per template change (patch or revert).
    struct Revision {
        std::int64_t atMs = 0;
        nlohmann::json templ;
        std::string hash;
    };
    const nlohmann::json& templateOf(const SimulatedPod& pod) const;
    std::string hashOf(std::size_t object, std::size_t revision) const;
    std::size_t revisionAt(std::size_t object, std::int64_t tMs) const;
    RunPolicy policyOf(std::size_t object) const;
    void regenerateRuns(std::size_t pod);
    void terminatePod(std::size_t pod, std::int64_t atMs);
    void replayRollouts(std::size_t object);
    void rollOut(std::size_t object, std::size_t revision);
    std::vector<nlohmann::json> replicaSets(std::size_t object, std::int64_t tMs) const;
    std::string uidFor(const std::string& kind, const std::string& ns, const std::string& name) const;
    std::string token(std::uint64_t key, std::size_t length, std::string_view alphabet) const;
    std::string templateHash(std::size_t object) const;

    nlohmann::json metadataOf(const ScenarioObject& o, std::int64_t createdMs) const;
    nlohmann::json pod(std::size_t pod, std::int64_t tMs) const;
    nlohmann::json workload(std::size_t object, std::int64_t tMs) const;
    nlohmann::json workloadWith(std::size_t object, const nlohmann::json& written, std::int64_t tMs) const;
    nlohmann::json replicaSet(std::size_t object, std::size_t revision, std::int64_t tMs) const;
    nlohmann::json job(std::size_t job, std::int64_t tMs) const;
    nlohmann::json plainObject(std::size_t object) const;
    nlohmann::json resourceQuota(std::size_t object, std::int64_t tMs) const;
    nlohmann::json event(const std::string& ns, const std::string& objectName, std::int64_t firstMs,
        std::int64_t lastMs, int count, const std::string& type, const std::string& reason, const std::string& message,
        nlohmann::json involved, const std::string& component, const std::string& host) const;
    nlohmann::json containerStatus(std::size_t pod, std::size_t container, std::int64_t tMs) const;
    bool podReadyAt(std::size_t pod, std::int64_t tMs) const;
    bool podFinishedAt(std::size_t pod, std::int64_t tMs, bool* succeeded = nullptr) const;
    std::vector<std::size_t> podsOf(std::size_t object, std::int64_t tMs) const;

    // A write to a workload: the object (spec, labels, annotations, managedFields) from atMs on.
    struct Write {
        std::int64_t atMs = 0;
        nlohmann::json object;
    };
    const Write* writeAt(std::size_t object, std::int64_t tMs) const;

    Scenario m_scenario;
    std::map<std::size_t, std::vector<Write>> m_writes; // by object, ascending by time
    std::map<std::size_t, std::vector<Revision>> m_revisions; // by object; [0] as written, once changed
    std::function<void()> m_onPodsChanged;
    std::map<std::string, std::vector<std::size_t>> m_podsByName; // "namespace/name" -> pods, in creation order
    // Workload (index into Scenario::objects) -> its pods, ascending: listing thousands of workloads
    // must not scan every pod for each.
    std::map<std::size_t, std::vector<std::size_t>> m_podsByObject;
    std::uint64_t m_seed;
    std::int64_t m_anchorMs;
    std::int64_t m_originMs;
    std::int64_t m_horizonEndMs;
    std::vector<SimulatedPod> m_pods;
    std::vector<SimulatedJob> m_jobs;
};

} // namespace leakdesk::sandbox::scenario
