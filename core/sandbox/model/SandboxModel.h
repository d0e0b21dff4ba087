#pragma once
// The simulated namespace: services, pods, container lifecycles and every value the servers
// report, as pure functions of (seed, absolute time). Nothing here depends on Qt networking, so
// it is unit-tested with a pinned clock and evaluated at any instant independently of the others.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace leakdesk::sandbox {

inline constexpr std::int64_t kSecondMs = 1000;
inline constexpr std::int64_t kMinuteMs = 60 * kSecondMs;
inline constexpr std::int64_t kHourMs = 60 * kMinuteMs;
inline constexpr std::int64_t kDayMs = 24 * kHourMs;
inline constexpr std::int64_t kMiB = 1024 * 1024;
inline constexpr std::int64_t kGiB = 1024 * kMiB;

// How a service's working set behaves over one container run.
enum class MemoryProfile {
    LeakToLimit, // linear growth until the limit, then OOMKilled (checkout)
    SlowLeak, // slow linear growth, limit far away (payments)
    Stabilising, // rises after start, flat within minutes (catalog)
};

struct HttpRoute {
    std::string method;
    std::string uri;
    std::string status;
    double requestsPerSecond = 0; // mean per pod; a diurnal swing is applied on top
    double meanSeconds = 0; // mean latency, for the summary's _sum
};

struct ServiceSpec {
    std::string name;
    std::string team;
    std::string owner; // annotation: who to page
    // Served to users through the namespace's Ingress ("shop"); otherwise reachable only inside
    // the cluster through its ClusterIP Service.
    bool userFacing = false;
    std::string image;
    // The release that fixes the leak (ImageTags.h: this tag or a later one): pods of a template
    // whose image carries it stabilise like catalog (riseBytes, riseTimeConstantMs). Empty: none.
    std::string fixedInTag;
    int replicas = 2;
    MemoryProfile profile = MemoryProfile::Stabilising;
    bool jvm = false;
    std::int64_t memoryLimitBytes = 0;
    std::int64_t memoryRequestBytes = 0;
    double cpuLimitCores = 1.0;
    double cpuRequestCores = 0.25;
    std::int64_t baseBytes = 0; // working set shortly after start
    std::int64_t heapMaxBytes = 0; // -Xmx, JVM services only
    double leakBytesPerHour = 0; // SlowLeak
    std::int64_t riseBytes = 0; // Stabilising (or fixed): how far it rises after start
    std::int64_t riseTimeConstantMs = 0; // Stabilising (or fixed): e-folding time of the rise
    std::vector<std::pair<std::string, std::string>> env;
    std::vector<HttpRoute> routes;
    std::string podTemplateHash; // 10 chars, like the real controller's (of revision 1)
};

// One pod template of a service's Deployment: revision 1 is the ServiceSpec itself, later ones
// come from patches (`kubectl set resources`, `kubectl set env`) and roll new pods.
struct TemplateRevision {
    int number = 1;
    std::string podTemplateHash;
    std::int64_t createdMs = 0;
    std::int64_t memoryLimitBytes = 0;
    std::int64_t memoryRequestBytes = 0;
    std::vector<std::pair<std::string, std::string>> env;
    // HEAP_LIMIT_RESTART: the service restarts itself (exit 0, "Completed") before the kernel
    // would kill it, when its working set reaches this.
    std::optional<std::int64_t> restartAtBytes;
    // The application container's image, and whether its tag carries the service's fix
    // (ServiceSpec::fixedInTag): then its pods no longer leak.
    std::string image;
    bool leakFixed = false;
    // The full pod template as the Deployment holds it (JSON text); empty for revision 1, whose
    // template is generated from the ServiceSpec.
    std::string templateJson;
};

// One run of the container between (re)starts.
struct ContainerRun {
    std::int64_t startedMs = 0;
    std::int64_t finishedMs = 0; // end of the run; meaningful only when terminated
    bool terminated = false; // false for the run still going at the end of the horizon
    std::string reason; // "OOMKilled" or "Error" when terminated
    int exitCode = 0;
    std::int64_t runLengthMs = 0; // LeakToLimit: time from start to the limit
    std::string containerId; // 64 hex chars
    int hostPid = 0; // the JVM's pid as the node's kernel sees it (OOM killer message)
};

// SIGTERM at `atMs` (the pod deleted): runs that would start later never happen, and the run going
// then ends with "Error" 143. Returns the run it ended, or nullptr when none was going.
ContainerRun* terminateRuns(std::vector<ContainerRun>& runs, std::int64_t atMs);

struct NodeSpec {
    std::string name;
    std::string internalIp;
    std::int64_t memoryCapacityBytes = 0;
    int cpuCores = 0;
};

struct PodSpec {
    std::string name;
    std::string uid;
    std::size_t service = 0; // index into services()
    int replica = 0;
    std::size_t node = 0; // index into nodes()
    std::string podIp;
    std::int64_t createdMs = 0;
    std::vector<ContainerRun> runs; // ascending by start, covering [created, horizon)
    std::size_t revision = 0; // index into revisions(service)
    std::optional<std::int64_t> deletedMs; // replaced by a rollout: gone from then on
    // Intervals [from, to) in which the pod's labels no longer matched its ReplicaSet's selector
    // (taken out of its Service before a heap dump): the ReplicaSet had let go of it, and it took
    // no traffic. `to` unset: still out.
    std::vector<std::pair<std::int64_t, std::optional<std::int64_t>>> released;
    // A pod of the ReplicaSet the history's first one replaced (a rollout a week before the
    // history's pods were created): deleted before any instant the API serves, so only Prometheus
    // remembers it. It gives the 7-day view its week-ago baseline.
    bool former = false;
};

// An OOM kill seen on a node: the container was killed at `atMs`.
struct OomKill {
    std::size_t pod = 0;
    std::size_t run = 0; // index of the killed run in the pod's runs
    std::int64_t atMs = 0;
};

class SandboxModel {
public:
    static constexpr std::int64_t kScrapeIntervalMs = 30 * kSecondMs;
    static constexpr std::int64_t kHistoryMs = 7 * kDayMs;
    static constexpr std::int64_t kRestartDelayMs = 10 * kSecondMs; // kubelet's first back-off step
    // How long before originMs() the former pods (PodSpec::former) were created: Prometheus then
    // holds 15 to 16 days, enough for the 7-day view and its `offset 7d` baseline.
    static constexpr std::int64_t kFormerPodsMs = 7 * kDayMs;

    // `anchorNowMs` fixes when the pods were created (8 to 9 days before it, day-aligned, so two
    // processes started the same day with the same seed describe exactly the same cluster).
    // Lifecycles are generated up to anchorNowMs + horizonMs.
    // `crowdReplicas` > 0 adds a Deployment "batch-worker" with that many small, quiet pods: a cluster
    // with more pods than one list page holds (tests of limit/continue paging).
    SandboxModel(
        std::uint64_t seed, std::int64_t anchorNowMs, std::int64_t horizonMs = 30 * kDayMs, int crowdReplicas = 0);

    std::uint64_t seed() const { return m_seed; }
    const std::string& namespaceName() const { return m_namespace; }
    std::int64_t originMs() const { return m_originMs; }
    std::int64_t horizonEndMs() const { return m_horizonEndMs; }

    const std::vector<ServiceSpec>& services() const { return m_services; }
    const std::vector<NodeSpec>& nodes() const { return m_nodes; }
    const std::vector<PodSpec>& pods() const { return m_pods; }
    std::optional<std::size_t> serviceIndex(const std::string& name) const;
    std::optional<std::size_t> podIndex(const std::string& name) const;
    std::string replicaSetName(std::size_t service) const; // of the service's first revision
    std::string replicaSetName(std::size_t service, std::size_t revision) const;
    const std::vector<TemplateRevision>& revisions(std::size_t service) const { return m_revisions[service]; }
    const TemplateRevision& revisionOf(std::size_t pod) const;
    // How the pod's container uses memory: the service's profile, Stabilising once its template
    // carries the fix (TemplateRevision::leakFixed).
    MemoryProfile profileOf(const PodSpec& pod) const;
    bool podExistsAt(std::size_t pod, std::int64_t tMs) const;

    // A new pod template for the service at atMs: new pods (named after the new template hash) are
    // created one after the other and each replaces an old pod once it is ready, as a
    // RollingUpdate with maxSurge 1 / maxUnavailable 0 does. Returns the new revision's index.
    std::size_t rollOut(std::size_t service, TemplateRevision revision, std::int64_t atMs);
    // The pod's labels stopped matching its ReplicaSet's selector at atMs: the ReplicaSet lets go of
    // it (it keeps running, takes no traffic) and creates a replacement in the same revision.
    // Returns the replacement's index.
    std::size_t releasePod(std::size_t pod, std::int64_t atMs);
    // The labels match again: the ReplicaSet adopts the pod and, having one pod too many, deletes
    // the newest of its pods (usually the replacement); a ReplicaSet of an older revision (scaled
    // to 0) deletes the adopted pod itself. Returns the index of the pod deleted.
    std::size_t adoptPod(std::size_t pod, std::int64_t atMs);
    bool podReleasedAt(std::size_t pod, std::int64_t tMs) const;
    // DELETE of the pod at atMs: Terminating for 2 s, then gone; a ReplicaSet that still owns it
    // (and is the latest revision's) starts a replacement, returned. Nothing when already terminating.
    std::optional<std::size_t> deletePod(std::size_t pod, std::int64_t atMs);
    // Pod-template hash as the deployment controller derives it (10 chars of the name alphabet).
    std::string templateHash(const std::string& templateText) const;
    std::string uidFor(const std::string& kind, const std::string& name) const;

    // Lifecycle at time t (ms). runIndexAt: the run that has started at or before t, if any.
    std::optional<std::size_t> runIndexAt(std::size_t pod, std::int64_t tMs) const;
    bool containerRunningAt(std::size_t pod, std::int64_t tMs) const;
    int restartCountAt(std::size_t pod, std::int64_t tMs) const;
    int oomKillCountAt(std::size_t pod, std::int64_t tMs) const;
    // The most recent terminated run that finished at or before t.
    const ContainerRun* lastTerminatedAt(std::size_t pod, std::int64_t tMs) const;
    std::vector<OomKill> oomKillsBetween(std::int64_t fromMs, std::int64_t toMs) const; // (from, to]

    // Values. Working set of the application container while it runs (nullopt when not running).
    std::optional<double> workingSetBytes(std::size_t pod, std::int64_t tMs) const;
    // The part of that working set the service's leak holds (no noise): what a heap dump taken at
    // tMs finds in the leaking cache. 0 for a service that does not leak; nullopt when not running.
    std::optional<double> leakedBytes(std::size_t pod, std::int64_t tMs) const;
    double pauseContainerBytes(std::size_t pod, std::int64_t tMs) const;
    std::optional<double> cpuCores(std::size_t pod, std::int64_t tMs) const;
    // JVM memory pools (JVM services only, while running): ids as Micrometer reports them.
    static const std::vector<std::string>& heapPoolIds();
    std::optional<double> jvmPoolUsedBytes(std::size_t pod, const std::string& poolId, std::int64_t tMs) const;
    double jvmPoolMaxBytes(std::size_t pod, const std::string& poolId) const; // -1 when undefined
    // Counter of requests served by the current JVM since it started (resets on restart).
    std::optional<double> httpRequestCount(std::size_t pod, std::size_t route, std::int64_t tMs) const;
    std::optional<double> httpRequestSecondsSum(std::size_t pod, std::size_t route, std::int64_t tMs) const;

    // Deterministic noise in [-1, 1] for (seed, key, t): stateless, so any instant can be evaluated alone.
    double noise(std::uint64_t key, std::int64_t tMs) const;

private:
    void buildServices();
    void buildNodes();
    void buildPods(std::int64_t horizonEndMs);
    // `formerHash` empty: the revision's own (a former pod names the ReplicaSet before it).
    PodSpec makePod(std::size_t service, int replica, std::size_t revision, std::int64_t createdMs, std::size_t slot,
        const std::string& formerHash = {});
    std::size_t nextSlot() const { return m_pods.size() - m_formerPods; }
    void buildRuns(PodSpec& pod) const;
    std::string randomToken(std::uint64_t key, std::size_t length, std::string_view alphabet) const;
    double runMemory(const PodSpec& pod, const ContainerRun& run, std::int64_t tMs) const;
    double runLeak(const PodSpec& pod, const ContainerRun& run, std::int64_t tMs) const;
    double runCeiling(const PodSpec& pod) const; // LeakToLimit: where a run ends
    void terminate(PodSpec& pod, std::int64_t deletedMs); // SIGTERM at deletedMs: later runs never happen
    std::size_t addReplacement(std::size_t service, std::size_t revision, std::int64_t atMs);

    std::uint64_t m_seed;
    int m_crowdReplicas = 0;
    std::size_t m_formerPods = 0; // appended after the first pods, so those keep their indices
    std::string m_namespace = "production";
    std::int64_t m_originMs = 0;
    std::int64_t m_horizonEndMs = 0;
    std::vector<ServiceSpec> m_services;
    std::vector<NodeSpec> m_nodes;
    std::vector<PodSpec> m_pods;
    std::vector<std::vector<TemplateRevision>> m_revisions; // per service
};

// Stable 64-bit hashing shared by the model and the servers (FNV-1a then a splitmix64 finaliser).
std::uint64_t stableHash(std::string_view text);
std::uint64_t mixHash(std::uint64_t a, std::uint64_t b);
// What the built-in model and scenarios draw from (seed, key), the same in every process:
// `length` characters of `alphabet` (names, hashes, ids), a UID shaped as the API server's, and
// noise in [-1, 1] at an instant.
std::string seededToken(std::uint64_t seed, std::uint64_t key, std::size_t length, std::string_view alphabet);
std::string seededUid(std::uint64_t seed, std::uint64_t key);
double seededNoise(std::uint64_t seed, std::uint64_t key, std::int64_t tMs);
// Division rounding towards minus infinity (day and scrape-grid alignment).
std::int64_t floorDiv(std::int64_t a, std::int64_t b);

} // namespace leakdesk::sandbox
