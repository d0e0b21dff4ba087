#include "core/sandbox/model/SandboxModel.h"

#include "core/sandbox/model/ImageTags.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace leakdesk::sandbox {

namespace {

// The alphabet Kubernetes uses for generated name suffixes and pod-template-hash (no vowels, no
// look-alike characters), so the sandbox's names read like a real cluster's.
constexpr std::string_view kNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
constexpr std::string_view kHex = "0123456789abcdef";

constexpr std::int64_t kNonHeapBytes = 200 * kMiB; // metaspace, code cache, thread stacks, GC structures
constexpr std::int64_t kMetaspaceBytes = 112 * kMiB;
constexpr std::int64_t kSurvivorBytes = 8 * kMiB;

} // namespace

std::int64_t floorDiv(std::int64_t a, std::int64_t b)
{
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        --q;
    return q;
}

std::string seededToken(std::uint64_t seed, std::uint64_t key, std::size_t length, std::string_view alphabet)
{
    std::string out;
    std::uint64_t h = mixHash(seed, key);
    for (std::size_t i = 0; i < length; ++i) {
        h = mixHash(h, i);
        out.push_back(alphabet[h % alphabet.size()]);
    }
    return out;
}

std::string seededUid(std::uint64_t seed, std::uint64_t key)
{
    const std::string hex = seededToken(seed, key, 32, kHex);
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-4" + hex.substr(13, 3) + "-a" + hex.substr(17, 3) + "-"
        + hex.substr(20, 12);
}

double seededNoise(std::uint64_t seed, std::uint64_t key, std::int64_t tMs)
{
    const std::uint64_t h = mixHash(mixHash(seed, key), static_cast<std::uint64_t>(tMs));
    return static_cast<double>(h >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

std::uint64_t stableHash(std::string_view text)
{
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return mixHash(h, 0);
}

std::uint64_t mixHash(std::uint64_t a, std::uint64_t b)
{
    std::uint64_t z = a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

SandboxModel::SandboxModel(std::uint64_t seed, std::int64_t anchorNowMs, std::int64_t horizonMs, int crowdReplicas)
    : m_seed(seed)
    , m_crowdReplicas(std::max(0, crowdReplicas))
{
    // Day-aligned so the same seed gives the same cluster in every process started that day
    // (export-metrics and serve must describe the same history).
    m_originMs = floorDiv(anchorNowMs, kDayMs) * kDayMs - 8 * kDayMs;
    m_horizonEndMs = anchorNowMs + horizonMs;
    buildServices();
    buildNodes();
    buildPods(m_horizonEndMs);
}

double SandboxModel::noise(std::uint64_t key, std::int64_t tMs) const
{
    return seededNoise(m_seed, key, tMs);
}

std::string SandboxModel::randomToken(std::uint64_t key, std::size_t length, std::string_view alphabet) const
{
    return seededToken(m_seed, key, length, alphabet);
}

std::string SandboxModel::uidFor(const std::string& kind, const std::string& name) const
{
    return seededUid(m_seed, stableHash(kind + "/" + name));
}

void SandboxModel::buildServices()
{
    ServiceSpec checkout;
    checkout.name = "checkout";
    checkout.team = "checkout";
    checkout.owner = "checkout-team (#checkout-oncall)";
    checkout.image = "registry.shop.internal/checkout:2.14.3";
    // The fix (`kubectl set image deployment/checkout checkout=registry.shop.internal/checkout:2.14.4`):
    // its pods warm up like any JVM and level off within the runbook's 10 minutes.
    checkout.fixedInTag = "2.14.4";
    checkout.riseBytes = 180 * kMiB;
    checkout.riseTimeConstantMs = 2 * kMinuteMs;
    checkout.replicas = 3;
    checkout.userFacing = true;
    checkout.profile = MemoryProfile::LeakToLimit;
    checkout.jvm = true;
    checkout.memoryLimitBytes = 2 * kGiB;
    checkout.memoryRequestBytes = 1 * kGiB;
    checkout.cpuLimitCores = 1.0;
    checkout.cpuRequestCores = 0.5;
    checkout.baseBytes = 420 * kMiB;
    // -Xmx close to the container limit: the kernel's OOM killer fires before the JVM would
    // throw OutOfMemoryError, which is exactly the incident this sandbox reproduces.
    checkout.heapMaxBytes = 1894 * kMiB;
    checkout.env = { { "JAVA_TOOL_OPTIONS", "-Xms512m -Xmx1894m -XX:+UseG1GC" },
        { "SPRING_PROFILES_ACTIVE", "production" }, { "SERVER_PORT", "8080" } };
    checkout.routes = { { "POST", "/api/checkout", "200", 6.0, 0.120 }, { "POST", "/api/checkout", "500", 0.05, 0.450 },
        { "GET", "/actuator/health", "200", 0.2, 0.004 } };

    ServiceSpec payments;
    payments.name = "payments";
    payments.team = "payments";
    payments.owner = "payments-team (#payments-oncall)";
    payments.image = "registry.shop.internal/payments:5.2.0";
    payments.fixedInTag = "5.2.1";
    payments.riseBytes = 120 * kMiB;
    payments.riseTimeConstantMs = 2 * kMinuteMs;
    payments.replicas = 2;
    payments.profile = MemoryProfile::SlowLeak;
    payments.jvm = true;
    payments.memoryLimitBytes = 3 * kGiB;
    payments.memoryRequestBytes = 1536 * kMiB;
    payments.cpuLimitCores = 1.0;
    payments.cpuRequestCores = 0.5;
    payments.baseBytes = 560 * kMiB;
    payments.heapMaxBytes = 2304 * kMiB;
    payments.leakBytesPerHour = 3.5 * kMiB;
    payments.env = { { "JAVA_TOOL_OPTIONS", "-Xms512m -Xmx2304m -XX:+UseG1GC" },
        { "SPRING_PROFILES_ACTIVE", "production" }, { "SERVER_PORT", "8080" } };
    payments.routes = { { "POST", "/api/payments", "200", 4.0, 0.210 }, { "POST", "/api/payments", "402", 0.1, 0.180 },
        { "GET", "/actuator/health", "200", 0.2, 0.004 } };

    ServiceSpec catalog;
    catalog.name = "catalog";
    catalog.team = "catalog";
    catalog.owner = "catalog-team (#catalog-oncall)";
    catalog.image = "registry.shop.internal/catalog:1.9.7";
    catalog.replicas = 2;
    catalog.userFacing = true;
    catalog.profile = MemoryProfile::Stabilising;
    catalog.jvm = false;
    catalog.memoryLimitBytes = 1 * kGiB;
    catalog.memoryRequestBytes = 512 * kMiB;
    catalog.cpuLimitCores = 0.5;
    catalog.cpuRequestCores = 0.1;
    catalog.baseBytes = 150 * kMiB;
    catalog.riseBytes = 160 * kMiB;
    catalog.riseTimeConstantMs = 2 * kMinuteMs; // 99% of the rise within 10 minutes
    catalog.env = { { "GOMEMLIMIT", "900MiB" }, { "LOG_LEVEL", "info" } };
    catalog.routes = { { "GET", "/api/products", "200", 20.0, 0.015 },
        { "GET", "/api/products/{id}", "200", 35.0, 0.008 }, { "GET", "/healthz", "200", 0.2, 0.001 } };

    m_services = { checkout, payments, catalog };
    if (m_crowdReplicas > 0) {
        ServiceSpec crowd;
        crowd.name = "batch-worker";
        crowd.team = "data";
        crowd.owner = "data-team (#data-oncall)";
        crowd.image = "registry.shop.internal/batch-worker:0.3.1";
        crowd.replicas = m_crowdReplicas;
        crowd.profile = MemoryProfile::Stabilising;
        crowd.memoryLimitBytes = 256 * kMiB;
        crowd.memoryRequestBytes = 128 * kMiB;
        crowd.cpuLimitCores = 0.2;
        crowd.cpuRequestCores = 0.05;
        crowd.baseBytes = 40 * kMiB;
        crowd.riseBytes = 20 * kMiB;
        crowd.riseTimeConstantMs = 1 * kMinuteMs;
        crowd.routes = { { "GET", "/healthz", "200", 0.1, 0.001 } };
        m_services.push_back(crowd);
    }
    for (auto& s : m_services)
        s.podTemplateHash = randomToken(stableHash("pod-template-hash/" + s.name), 10, kNameAlphabet);
}

void SandboxModel::buildNodes()
{
    for (int i = 1; i <= 3; ++i) {
        NodeSpec n;
        n.name = "prod-worker-" + std::to_string(i);
        n.internalIp = "10.0.1." + std::to_string(10 + i);
        n.memoryCapacityBytes = 16 * kGiB;
        n.cpuCores = 4;
        m_nodes.push_back(n);
    }
}

void SandboxModel::buildPods(std::int64_t horizonEndMs)
{
    (void)horizonEndMs; // runs are generated up to m_horizonEndMs
    m_revisions.clear();
    for (const ServiceSpec& svc : m_services) {
        TemplateRevision first;
        first.podTemplateHash = svc.podTemplateHash;
        first.createdMs = m_originMs - kSecondMs;
        first.memoryLimitBytes = svc.memoryLimitBytes;
        first.memoryRequestBytes = svc.memoryRequestBytes;
        first.env = svc.env;
        first.image = svc.image;
        first.leakFixed = tagCarriesFix(imageTag(svc.image), svc.fixedInTag);
        m_revisions.push_back({ first });
    }
    std::size_t podCounter = 0;
    for (std::size_t s = 0; s < m_services.size(); ++s) {
        for (int r = 0; r < m_services[s].replicas; ++r, ++podCounter) {
            const std::int64_t created = m_originMs + static_cast<std::int64_t>(s) * 3 * kSecondMs + r * 7 * kSecondMs;
            m_pods.push_back(makePod(s, r, 0, created, podCounter));
        }
    }
    // The week before: the same services' previous pods, replaced by this history's first ones.
    // Not for the crowd of batch workers (tests of list paging count its pods).
    const std::size_t withFormer = m_services.size() - (m_crowdReplicas > 0 ? 1 : 0);
    for (std::size_t s = 0; s < withFormer; ++s) {
        const std::string hash = templateHash("former/" + m_services[s].name);
        for (int r = 0; r < m_services[s].replicas; ++r) {
            const std::int64_t created
                = m_originMs - kFormerPodsMs + static_cast<std::int64_t>(s) * 3 * kSecondMs + r * 7 * kSecondMs;
            PodSpec pod = makePod(s, r, 0, created, podCounter + m_formerPods, hash);
            terminate(pod, m_originMs + static_cast<std::int64_t>(s) * 3 * kSecondMs + r * 7 * kSecondMs);
            pod.former = true;
            m_pods.push_back(std::move(pod));
            ++m_formerPods;
        }
    }
}

PodSpec SandboxModel::makePod(std::size_t service, int replica, std::size_t revision, std::int64_t createdMs,
    std::size_t slot, const std::string& formerHash)
{
    const ServiceSpec& svc = m_services[service];
    const TemplateRevision& rev = m_revisions[service][revision];
    PodSpec pod;
    pod.service = service;
    pod.replica = replica;
    pod.revision = revision;
    // Revision 1 keeps the key it always had, so the cluster of a seed never changes.
    const std::string& hash = formerHash.empty() ? rev.podTemplateHash : formerHash;
    const std::uint64_t nameKey
        = revision == 0 && formerHash.empty() ? stableHash(svc.name) : stableHash(svc.name + "/" + hash);
    const std::uint64_t podKey = mixHash(nameKey, static_cast<std::uint64_t>(replica));
    pod.name = svc.name + "-" + hash + "-" + randomToken(podKey, 5, kNameAlphabet);
    pod.uid = uidFor("Pod", pod.name);
    pod.node = slot % m_nodes.size();
    // Revision 1's first pods keep the addresses they always had; later slots (replacements of
    // released pods) wrap like a rollout's, so the last octet stays a valid one.
    const std::size_t octet = 20 + slot * 7;
    pod.podIp = "10.244." + std::to_string(pod.node + 1) + "."
        + std::to_string(revision == 0 && octet < 250 ? octet : octet % 230 + 20);
    pod.createdMs = createdMs;
    buildRuns(pod);
    return pod;
}

void SandboxModel::buildRuns(PodSpec& pod) const
{
    const ServiceSpec& svc = m_services[pod.service];
    const TemplateRevision& rev = m_revisions[pod.service][pod.revision];
    const MemoryProfile profile = profileOf(pod);
    // How long a run lasts scales with the room the leak has to grow into: a larger limit (or an
    // earlier self-restart threshold) stretches (or shortens) the sawtooth at the same leak rate.
    const double originalRoom = 0.996 * static_cast<double>(svc.memoryLimitBytes) - static_cast<double>(svc.baseBytes);
    const double limitTop = 0.996 * static_cast<double>(rev.memoryLimitBytes);
    const bool restartsItself
        = rev.restartAtBytes && static_cast<double>(*rev.restartAtBytes)<limitTop&& * rev.restartAtBytes> svc.baseBytes;
    const double top = restartsItself ? static_cast<double>(*rev.restartAtBytes) : limitTop;
    const double scale = std::max(0.05, (top - static_cast<double>(svc.baseBytes)) / originalRoom);

    // Image already present on the node: the container starts a few seconds after creation.
    std::int64_t start = pod.createdMs + 4 * kSecondMs;
    const std::uint64_t runKey = stableHash(pod.name + "/runs");
    // Per pod a base period between 38 and 51 minutes: under an hour with the jitter, so
    // every pod of checkout is OOMKilled at least once in any hour.
    const double basePeriodMin = 38.0 + static_cast<double>(mixHash(runKey, 1) % 14);
    for (std::size_t k = 0; start < m_horizonEndMs; ++k) {
        ContainerRun run;
        run.startedMs = start;
        run.containerId = randomToken(mixHash(runKey, k + 100), 64, kHex);
        run.hostPid = 10000 + static_cast<int>(mixHash(runKey, k + 200) % 80000);
        const double jitter = noise(runKey, static_cast<std::int64_t>(k));
        if (profile == MemoryProfile::LeakToLimit) {
            run.runLengthMs = static_cast<std::int64_t>((basePeriodMin * (1.0 + 0.08 * jitter)) * scale * kMinuteMs);
            run.terminated = true;
            run.finishedMs = start + run.runLengthMs;
            run.reason = restartsItself ? "Completed" : "OOMKilled";
            run.exitCode = restartsItself ? 0 : 137;
        } else if (profile == MemoryProfile::Stabilising) {
            // Killed by a failing liveness probe every two or three days: healthy memory-wise,
            // but it gives the history fresh starts to check stabilisation on.
            run.runLengthMs = static_cast<std::int64_t>((60.0 + 15.0 * jitter) * kHourMs);
            run.terminated = true;
            run.finishedMs = start + run.runLengthMs;
            run.reason = "Error";
            run.exitCode = 143;
        } else if (restartsItself) {
            const double hours = (top - static_cast<double>(svc.baseBytes)) / svc.leakBytesPerHour;
            run.runLengthMs = static_cast<std::int64_t>(hours * kHourMs);
            run.terminated = true;
            run.finishedMs = start + run.runLengthMs;
            run.reason = "Completed";
            run.exitCode = 0;
        } else {
            run.terminated = false;
        }
        pod.runs.push_back(run);
        if (!run.terminated)
            break;
        start = run.finishedMs + kRestartDelayMs;
    }
    // The last run is still going at the horizon.
    if (!pod.runs.empty() && pod.runs.back().finishedMs >= m_horizonEndMs) {
        pod.runs.back().terminated = false;
    }
}

std::string SandboxModel::templateHash(const std::string& templateText) const
{
    return randomToken(stableHash("pod-template-hash/" + templateText), 10, kNameAlphabet);
}

MemoryProfile SandboxModel::profileOf(const PodSpec& pod) const
{
    return m_revisions[pod.service][pod.revision].leakFixed ? MemoryProfile::Stabilising
                                                            : m_services[pod.service].profile;
}

const TemplateRevision& SandboxModel::revisionOf(std::size_t pod) const
{
    return m_revisions[m_pods[pod].service][m_pods[pod].revision];
}

bool SandboxModel::podExistsAt(std::size_t pod, std::int64_t tMs) const
{
    const PodSpec& p = m_pods[pod];
    return tMs >= p.createdMs && (!p.deletedMs || tMs < *p.deletedMs);
}

std::size_t SandboxModel::rollOut(std::size_t service, TemplateRevision revision, std::int64_t atMs)
{
    auto& revisions = m_revisions[service];
    revision.number = revisions.back().number + 1;
    revision.createdMs = atMs;
    revisions.push_back(std::move(revision));
    const std::size_t revIndex = revisions.size() - 1;

    // Pods their ReplicaSet has let go of are not part of the rollout: they keep running. Nor are
    // pods already Terminating (their last 2 s, e.g. a replacement deleted when its released pod
    // was adopted back): they go as they were going.
    std::vector<std::size_t> old;
    for (std::size_t p = 0; p < m_pods.size(); ++p)
        if (m_pods[p].service == service && podExistsAt(p, atMs) && m_pods[p].revision != revIndex
            && !podReleasedAt(p, atMs) && !(m_pods[p].deletedMs && *m_pods[p].deletedMs - 2 * kSecondMs <= atMs))
            old.push_back(p);
    // Pods not created yet at atMs (a rollout that was itself superseded) never come to exist.
    for (std::size_t p = 0; p < m_pods.size(); ++p)
        if (m_pods[p].service == service && m_pods[p].createdMs > atMs && !m_pods[p].deletedMs)
            m_pods[p].deletedMs = m_pods[p].createdMs;

    const int replicas = m_services[service].replicas;
    std::int64_t created = atMs;
    for (int r = 0; r < replicas; ++r) {
        PodSpec pod = makePod(service, r, revIndex, created, nextSlot() + 100 * revIndex);
        // Ready 20 s after its container starts; then the controller deletes one old pod.
        const std::int64_t ready = created + 4 * kSecondMs + 20 * kSecondMs;
        if (static_cast<std::size_t>(r) < old.size()) {
            terminate(m_pods[old[static_cast<std::size_t>(r)]], ready + kSecondMs);
        }
        m_pods.push_back(std::move(pod));
        created = ready + 2 * kSecondMs;
    }
    // More old pods than replicas (scaled down meanwhile): the rest go with the last new one.
    for (std::size_t i = static_cast<std::size_t>(replicas); i < old.size(); ++i)
        m_pods[old[i]].deletedMs = created;
    return revIndex;
}

ContainerRun* terminateRuns(std::vector<ContainerRun>& runs, std::int64_t atMs)
{
    std::erase_if(runs, [&](const ContainerRun& run) { return run.startedMs >= atMs; });
    if (runs.empty())
        return nullptr;
    ContainerRun& last = runs.back();
    if (last.terminated && last.finishedMs <= atMs)
        return nullptr; // it had ended already
    last.terminated = true;
    last.finishedMs = atMs;
    last.reason = "Error";
    last.exitCode = 143;
    return &last;
}

void SandboxModel::terminate(PodSpec& pod, std::int64_t deletedMs)
{
    pod.deletedMs = deletedMs;
    terminateRuns(pod.runs, deletedMs);
}

bool SandboxModel::podReleasedAt(std::size_t pod, std::int64_t tMs) const
{
    for (const auto& [from, to] : m_pods[pod].released)
        if (tMs >= from && (!to || tMs < *to))
            return true;
    return false;
}

std::size_t SandboxModel::addReplacement(std::size_t service, std::size_t revision, std::int64_t atMs)
{
    // A replica number no pod of this revision has had gives the replacement a name of its own.
    int replica = 0;
    for (const PodSpec& p : m_pods)
        if (p.service == service && p.revision == revision)
            replica = std::max(replica, p.replica + 1);
    // The ReplicaSet controller notices within a second and creates the replacement.
    PodSpec replacement = makePod(service, replica, revision, atMs + kSecondMs, nextSlot() + 57);
    m_pods.push_back(std::move(replacement));
    return m_pods.size() - 1;
}

std::size_t SandboxModel::releasePod(std::size_t pod, std::int64_t atMs)
{
    m_pods[pod].released.emplace_back(atMs, std::nullopt);
    return addReplacement(m_pods[pod].service, m_pods[pod].revision, atMs);
}

std::optional<std::size_t> SandboxModel::deletePod(std::size_t pod, std::int64_t atMs)
{
    PodSpec& p = m_pods[pod];
    if (p.deletedMs && *p.deletedMs - 2 * kSecondMs <= atMs)
        return std::nullopt; // already terminating
    const bool owned = !podReleasedAt(pod, atMs);
    const bool latest = p.revision + 1 == m_revisions[p.service].size();
    // The JVM exits on SIGTERM within the grace period: Terminating for 2 s, then gone.
    terminate(p, atMs + 2 * kSecondMs);
    // Its ReplicaSet (when it still owns it and wants pods) starts a replacement at once.
    if (owned && latest)
        return addReplacement(m_pods[pod].service, m_pods[pod].revision, atMs);
    return std::nullopt;
}

std::size_t SandboxModel::adoptPod(std::size_t pod, std::int64_t atMs)
{
    if (!m_pods[pod].released.empty() && !m_pods[pod].released.back().second)
        m_pods[pod].released.back().second = atMs;
    const std::size_t service = m_pods[pod].service;
    const std::size_t revision = m_pods[pod].revision;
    std::size_t victim = pod;
    if (revision + 1 == m_revisions[service].size()) {
        // The newest pod goes first (the controller's ranking among equally ready pods); one
        // already being deleted (Terminating) no longer counts: it cannot go twice. A replacement
        // the controller has not created yet (it does so a second after the release) is the
        // newest of all: adopted back within that second, the pod is simply never created.
        for (std::size_t p = 0; p < m_pods.size(); ++p)
            if (m_pods[p].service == service && m_pods[p].revision == revision
                && (podExistsAt(p, atMs) || m_pods[p].createdMs > atMs) && !m_pods[p].deletedMs
                && !podReleasedAt(p, atMs) && m_pods[p].createdMs > m_pods[victim].createdMs)
                victim = p;
    }
    // Terminating for the grace period the API server shows, then gone; one not created yet never is.
    const std::int64_t created = m_pods[victim].createdMs;
    terminate(m_pods[victim], created > atMs ? created : atMs + 2 * kSecondMs);
    return victim;
}

std::optional<std::size_t> SandboxModel::serviceIndex(const std::string& name) const
{
    for (std::size_t i = 0; i < m_services.size(); ++i)
        if (m_services[i].name == name)
            return i;
    return std::nullopt;
}

std::optional<std::size_t> SandboxModel::podIndex(const std::string& name) const
{
    for (std::size_t i = 0; i < m_pods.size(); ++i)
        if (m_pods[i].name == name)
            return i;
    return std::nullopt;
}

std::string SandboxModel::replicaSetName(std::size_t service) const
{
    return m_services[service].name + "-" + m_services[service].podTemplateHash;
}

std::string SandboxModel::replicaSetName(std::size_t service, std::size_t revision) const
{
    return m_services[service].name + "-" + m_revisions[service][revision].podTemplateHash;
}

std::optional<std::size_t> SandboxModel::runIndexAt(std::size_t pod, std::int64_t tMs) const
{
    const auto& runs = m_pods[pod].runs;
    auto it = std::upper_bound(
        runs.begin(), runs.end(), tMs, [](std::int64_t t, const ContainerRun& r) { return t < r.startedMs; });
    if (it == runs.begin())
        return std::nullopt;
    return static_cast<std::size_t>(std::distance(runs.begin(), it) - 1);
}

bool SandboxModel::containerRunningAt(std::size_t pod, std::int64_t tMs) const
{
    const auto idx = runIndexAt(pod, tMs);
    if (!idx)
        return false;
    const ContainerRun& run = m_pods[pod].runs[*idx];
    return !run.terminated || tMs < run.finishedMs;
}

int SandboxModel::restartCountAt(std::size_t pod, std::int64_t tMs) const
{
    const auto idx = runIndexAt(pod, tMs);
    return idx ? static_cast<int>(*idx) : 0;
}

const ContainerRun* SandboxModel::lastTerminatedAt(std::size_t pod, std::int64_t tMs) const
{
    const auto idx = runIndexAt(pod, tMs);
    if (!idx)
        return nullptr;
    const auto& runs = m_pods[pod].runs;
    if (runs[*idx].terminated && runs[*idx].finishedMs <= tMs)
        return &runs[*idx];
    return *idx > 0 ? &runs[*idx - 1] : nullptr;
}

int SandboxModel::oomKillCountAt(std::size_t pod, std::int64_t tMs) const
{
    const ContainerRun* last = lastTerminatedAt(pod, tMs);
    if (!last)
        return 0;
    const auto& runs = m_pods[pod].runs;
    int count = 0;
    for (const ContainerRun* r = runs.data(); r <= last; ++r)
        count += r->reason == "OOMKilled" ? 1 : 0;
    return count;
}

std::vector<OomKill> SandboxModel::oomKillsBetween(std::int64_t fromMs, std::int64_t toMs) const
{
    std::vector<OomKill> out;
    for (std::size_t p = 0; p < m_pods.size(); ++p) {
        const auto& runs = m_pods[p].runs;
        for (std::size_t k = 0; k < runs.size(); ++k) {
            const ContainerRun& r = runs[k];
            if (r.terminated && r.reason == "OOMKilled" && r.finishedMs > fromMs && r.finishedMs <= toMs)
                out.push_back(OomKill { p, k, r.finishedMs });
        }
    }
    std::sort(out.begin(), out.end(), [](const OomKill& a, const OomKill& b) { return a.atMs < b.atMs; });
    return out;
}

double SandboxModel::runCeiling(const PodSpec& pod) const
{
    // Reaches 99.6% of the limit at the end of the run; the allocation that crosses it is the
    // kill. A self-restart threshold (HEAP_LIMIT_RESTART) below that ends the run first.
    const TemplateRevision& rev = m_revisions[pod.service][pod.revision];
    double top = 0.996 * static_cast<double>(rev.memoryLimitBytes);
    if (rev.restartAtBytes && static_cast<double>(*rev.restartAtBytes) < top)
        top = static_cast<double>(*rev.restartAtBytes);
    return top;
}

double SandboxModel::runLeak(const PodSpec& pod, const ContainerRun& run, std::int64_t tMs) const
{
    const ServiceSpec& svc = m_services[pod.service];
    const double age = static_cast<double>(tMs - run.startedMs);
    switch (profileOf(pod)) {
    case MemoryProfile::LeakToLimit: {
        const double top = runCeiling(pod);
        const double frac = std::clamp(age / static_cast<double>(run.runLengthMs), 0.0, 1.0);
        return std::max(0.0, (top - static_cast<double>(svc.baseBytes)) * frac);
    }
    case MemoryProfile::SlowLeak:
        return std::max(0.0, svc.leakBytesPerHour * age / static_cast<double>(kHourMs));
    case MemoryProfile::Stabilising:
        return 0.0; // the rise is a cache warming up to its bound, not a leak
    }
    return 0.0;
}

double SandboxModel::runMemory(const PodSpec& pod, const ContainerRun& run, std::int64_t tMs) const
{
    const ServiceSpec& svc = m_services[pod.service];
    const double age = static_cast<double>(tMs - run.startedMs);
    const std::uint64_t key = stableHash(pod.name + "/working-set");
    const double base = static_cast<double>(svc.baseBytes);
    switch (profileOf(pod)) {
    case MemoryProfile::LeakToLimit: {
        const double v = base + runLeak(pod, run, tMs) + 5.0 * kMiB * noise(key, tMs);
        return std::min(v, runCeiling(pod));
    }
    case MemoryProfile::SlowLeak:
        return base + runLeak(pod, run, tMs) + 12.0 * kMiB * noise(key, tMs);
    case MemoryProfile::Stabilising:
        return base
            + static_cast<double>(svc.riseBytes) * (1.0 - std::exp(-age / static_cast<double>(svc.riseTimeConstantMs)))
            + 3.0 * kMiB * noise(key, tMs);
    }
    return base;
}

std::optional<double> SandboxModel::leakedBytes(std::size_t pod, std::int64_t tMs) const
{
    if (!containerRunningAt(pod, tMs))
        return std::nullopt;
    const PodSpec& p = m_pods[pod];
    return std::round(runLeak(p, p.runs[*runIndexAt(pod, tMs)], tMs));
}

std::optional<double> SandboxModel::workingSetBytes(std::size_t pod, std::int64_t tMs) const
{
    if (!containerRunningAt(pod, tMs))
        return std::nullopt;
    const PodSpec& p = m_pods[pod];
    return std::round(runMemory(p, p.runs[*runIndexAt(pod, tMs)], tMs));
}

double SandboxModel::pauseContainerBytes(std::size_t pod, std::int64_t tMs) const
{
    return std::round(520.0 * 1024 + 16.0 * 1024 * noise(stableHash(m_pods[pod].name + "/pause"), tMs));
}

std::optional<double> SandboxModel::cpuCores(std::size_t pod, std::int64_t tMs) const
{
    if (!containerRunningAt(pod, tMs))
        return std::nullopt;
    const PodSpec& p = m_pods[pod];
    const ContainerRun& run = p.runs[*runIndexAt(pod, tMs)];
    const double n = noise(stableHash(p.name + "/cpu"), tMs);
    switch (profileOf(p)) {
    case MemoryProfile::LeakToLimit: {
        // Garbage collection works harder as the old generation fills up.
        const double frac
            = std::clamp(static_cast<double>(tMs - run.startedMs) / static_cast<double>(run.runLengthMs), 0.0, 1.0);
        return 0.12 + 0.55 * std::pow(frac, 6.0) + 0.03 * n;
    }
    case MemoryProfile::SlowLeak:
        return 0.18 + 0.03 * n;
    case MemoryProfile::Stabilising:
        return 0.04 + 0.01 * n;
    }
    return 0.1;
}

const std::vector<std::string>& SandboxModel::heapPoolIds()
{
    static const std::vector<std::string> ids = { "G1 Eden Space", "G1 Old Gen", "G1 Survivor Space" };
    return ids;
}

std::optional<double> SandboxModel::jvmPoolUsedBytes(std::size_t pod, const std::string& poolId, std::int64_t tMs) const
{
    const PodSpec& p = m_pods[pod];
    if (!m_services[p.service].jvm)
        return std::nullopt;
    const auto ws = workingSetBytes(pod, tMs);
    if (!ws)
        return std::nullopt;
    // Young collections every few seconds make Eden a fast sawtooth; sampled every 30 s it is noise.
    const double eden = std::round(
        (60.0 + 50.0 * (0.5 + 0.5 * noise(stableHash(p.name + "/eden"), tMs))) * static_cast<double>(kMiB));
    const double heapUsed = std::max(0.0, *ws - static_cast<double>(kNonHeapBytes));
    if (poolId == "G1 Eden Space")
        return eden;
    if (poolId == "G1 Survivor Space")
        return static_cast<double>(kSurvivorBytes);
    if (poolId == "G1 Old Gen")
        return std::max(0.0, heapUsed - eden - static_cast<double>(kSurvivorBytes));
    if (poolId == "Metaspace")
        return static_cast<double>(kMetaspaceBytes);
    return std::nullopt;
}

double SandboxModel::jvmPoolMaxBytes(std::size_t pod, const std::string& poolId) const
{
    // Micrometer reports -1 for pools without a defined maximum (G1's young pools, Metaspace).
    if (poolId == "G1 Old Gen")
        return static_cast<double>(m_services[m_pods[pod].service].heapMaxBytes);
    return -1.0;
}

namespace {

// Requests served between two instants with a diurnal swing of +-35% around the mean,
// integrated in closed form so the counter is exact at any instant.
double integratedRequests(double meanRps, std::int64_t fromMs, std::int64_t toMs)
{
    constexpr double kSwing = 0.35;
    const double daySeconds = static_cast<double>(kDayMs) / 1000.0;
    const double omega = 2.0 * std::numbers::pi / daySeconds;
    const double peakShift = 6.0 * 3600.0; // busiest at 12:00 UTC
    const double a = static_cast<double>(fromMs) / 1000.0 - peakShift;
    const double b = static_cast<double>(toMs) / 1000.0 - peakShift;
    return meanRps * ((b - a) + kSwing / omega * (std::cos(omega * a) - std::cos(omega * b)));
}

} // namespace

std::optional<double> SandboxModel::httpRequestCount(std::size_t pod, std::size_t route, std::int64_t tMs) const
{
    if (!containerRunningAt(pod, tMs))
        return std::nullopt;
    const PodSpec& p = m_pods[pod];
    const ServiceSpec& svc = m_services[p.service];
    if (route >= svc.routes.size())
        return std::nullopt;
    const ContainerRun& run = p.runs[*runIndexAt(pod, tMs)];
    // The JVM needs ~20 s before it takes traffic.
    const std::int64_t ready = run.startedMs + 20 * kSecondMs;
    if (tMs <= ready)
        return 0.0;
    const double rps = svc.routes[route].requestsPerSecond;
    double served = integratedRequests(rps, ready, tMs);
    // Out of its Service, the pod takes no requests.
    for (const auto& [from, to] : p.released) {
        const std::int64_t a = std::max(from, ready);
        const std::int64_t b = std::min(to.value_or(tMs), tMs);
        if (b > a)
            served -= integratedRequests(rps, a, b);
    }
    return std::floor(std::max(0.0, served));
}

std::optional<double> SandboxModel::httpRequestSecondsSum(std::size_t pod, std::size_t route, std::int64_t tMs) const
{
    const auto count = httpRequestCount(pod, route, tMs);
    if (!count)
        return std::nullopt;
    return *count * m_services[m_pods[pod].service].routes[route].meanSeconds;
}

} // namespace leakdesk::sandbox
