#include "core/investigation/FixVerification.h"

#include "core/investigation/ClusterConnection.h"
#include "core/investigation/PrometheusInCluster.h"
#include "core/investigation/WorkloadPods.h"
#include "core/kube/KubeObjects.h"
#include "core/kube/WorkloadResolution.h"
#include "core/prometheus/PromClient.h"

#include <algorithm>
#include <map>
#include <set>

namespace leakdesk::investigation {

using nlohmann::json;
using prometheus::QueryKind;

namespace {

constexpr std::int64_t kMinuteMs = 60 * 1000;
// The new revision's pods are fetched from a little before it was made, so its pods' first
// samples show a known start (the warm-up the analysis skips).
constexpr std::int64_t kBeforeNewMs = 5 * kMinuteMs;

std::string str(const json& j, std::initializer_list<const char*> path)
{
    const json* at = &j;
    for (const char* key : path) {
        if (!at->is_object() || !at->contains(key))
            return {};
        at = &(*at)[key];
    }
    return at->is_string() ? at->get<std::string>() : std::string();
}

std::vector<Sample> within(const std::vector<Sample>& samples, std::int64_t fromMs, std::int64_t toMs)
{
    std::vector<Sample> out;
    for (const Sample& s : samples)
        if (s.tMs >= fromMs && s.tMs <= toMs)
            out.push_back(s);
    return out;
}

// The main container's status in a pod (nullptr when absent).
const json* containerStatus(const json& pod, const std::string& container)
{
    const auto status = pod.find("status");
    if (status == pod.end() || !status->is_object())
        return nullptr;
    const auto statuses = status->find("containerStatuses");
    if (statuses == status->end() || !statuses->is_array())
        return nullptr;
    for (const json& s : *statuses)
        if (s.is_object() && s.value("name", "") == container)
            return &s;
    return nullptr;
}

} // namespace

std::vector<PodRevision> podRevisions(const std::string& workloadName, const std::vector<json>& pods)
{
    std::vector<PodRevision> out;
    for (const json& pod : pods) {
        PodRevision r;
        r.pod = str(pod, { "metadata", "name" });
        r.createdMs = kube::parseTimestampMs(str(pod, { "metadata", "creationTimestamp" }));
        const auto owner = kube::controllerOf(pod);
        if (owner && owner->kind == "ReplicaSet") {
            r.revision = owner->name;
        } else {
            const std::string hash = str(pod, { "metadata", "labels", "controller-revision-hash" });
            // A StatefulSet's label is the ControllerRevision's name already; a DaemonSet's the hash.
            r.revision = hash.empty()                    ? workloadName
                : hash.rfind(workloadName + "-", 0) == 0 ? hash
                                                         : workloadName + "-" + hash;
        }
        out.push_back(std::move(r));
    }
    return out;
}

struct FixVerificationJob::Run : JobRun {
    FixVerificationRequest request;
    FixVerificationReport report;
    std::optional<kube::ResolvedWorkload> workload;
    std::string newRevision;
    std::int64_t newCreatedMs = 0;
    std::set<std::string> newPods; // API pods of the new revision
    std::map<std::string, std::int64_t> podCreatedMs; // API pods
    std::optional<std::int64_t> youngestNewStartMs;
    int newOomKills = 0;
    std::optional<double> limitBytes;
    std::map<std::string, std::vector<Sample>> memory; // by pod
    std::map<std::string, std::vector<Sample>> restarts; // by pod
    std::string memoryQuery;
    std::string restartsQuery;
};

FixVerificationJob::FixVerificationJob(ClusterConnection& connection, QObject* parent)
    : Job(parent)
    , m_connection(connection)
{ }

FixVerificationJob::~FixVerificationJob()
{
    abandon();
}

void FixVerificationJob::start(const FixVerificationRequest& request)
{
    auto run = begin<Run>(QStringLiteral("Verifying the fix of %1").arg(QString::fromStdString(request.workload.name)));
    run->request = request;
    run->report.ns = request.ns;
    run->report.incidentStartMs = request.incidentStartMs;
    m_context = std::make_unique<QObject>();
    if (!m_connection.prometheusToDiscover())
        return withPrometheus(run);
    if (!m_discovery)
        m_discovery = new PrometheusDiscovery(m_connection.kube(), this);
    reportCount(run, QStringLiteral("looking for Prometheus in the cluster"), 0, 1);
    m_discovery->start(request.ns, [this, run](Result<DiscoveredPrometheus> found) {
        applyDiscovery(m_connection, found);
        withPrometheus(run);
    });
}

void FixVerificationJob::withPrometheus(const std::shared_ptr<Run>& run)
{
    if (!isCurrent(run))
        return;
    if (!m_connection.hasPrometheus())
        return fail(run,
            makeError(ErrorCode::NotFound,
                "verifying a fix needs the memory history, and there is no Prometheus: "
                    + m_connection.noPrometheusReason().value_or("none was given"),
                "pass --prometheus URL (or k8s://NAMESPACE/SERVICE:PORT)"));
    reportCount(run, QStringLiteral("asking Prometheus for its time"), 0, 4);
    m_connection.prometheus().serverTime(m_context.get(), [this, run](Result<std::int64_t> now) {
        if (!isCurrent(run))
            return;
        if (!now)
            return fail(run, now.error());
        run->report.serverNowMs = *now;
        reportCount(run, QStringLiteral("reading the workload"), 1, 4);
        kube::fetchWorkload(m_connection.kube(), QString::fromStdString(run->request.ns), run->request.workload,
            m_context.get(), [this, run](Result<kube::ResolvedWorkload> resolved) {
                if (!isCurrent(run))
                    return;
                if (!resolved)
                    return fail(run, resolved.error());
                run->workload = std::move(*resolved);
                onWorkload(run);
            });
    });
}

void FixVerificationJob::onWorkload(const std::shared_ptr<Run>& run)
{
    const kube::ResolvedWorkload& w = *run->workload;
    run->report.workload = std::string(kube::workloadKindName(*w.workload.kind)) + "/" + w.workload.name;
    for (const std::string& note : w.notes)
        run->report.notes.push_back(note);
    if (w.pods.empty())
        return fail(run,
            makeError(ErrorCode::NotFound, run->report.workload + " has no pods to judge",
                "a fix can only be verified while the workload runs"));

    // The newest revision: the one whose youngest pod was created last.
    const std::vector<PodRevision> revisions = podRevisions(w.workload.name, w.pods);
    std::map<std::string, std::int64_t> youngest;
    std::map<std::string, std::int64_t> oldest;
    for (const PodRevision& r : revisions) {
        youngest[r.revision] = std::max(youngest[r.revision], r.createdMs);
        oldest[r.revision] = oldest.count(r.revision) ? std::min(oldest[r.revision], r.createdMs) : r.createdMs;
        run->podCreatedMs[r.pod] = r.createdMs;
    }
    run->newRevision = std::max_element(youngest.begin(), youngest.end(), [](const auto& a, const auto& b) {
        return a.second < b.second;
    })->first;
    run->newCreatedMs = oldest[run->newRevision];
    for (const PodRevision& r : revisions)
        if (r.revision == run->newRevision)
            run->newPods.insert(r.pod);

    const json* sample = nullptr;
    for (const json& pod : w.pods)
        if (run->newPods.count(str(pod, { "metadata", "name" })))
            sample = &pod;
    const auto containers = kube::classifyContainers(*sample, w.workload.name);
    for (const kube::ContainerInfo& c : containers)
        if (c.role == kube::ContainerRole::Main) {
            run->report.container = c.name;
            if (c.memoryLimitBytes)
                run->limitBytes = static_cast<double>(*c.memoryLimitBytes);
        }
    if (run->report.container.empty() && !containers.empty())
        run->report.container = containers.front().name;

    std::string images;
    for (const json& c : sample->value("spec", json::object()).value("containers", json::array()))
        images += (images.empty() ? "" : ", ") + c.value("name", "") + "=" + c.value("image", "");
    RevisionPods fresh;
    fresh.name = run->newRevision;
    fresh.images = images;
    fresh.createdMs = run->newCreatedMs;
    for (const json& pod : w.pods) {
        const std::string name = str(pod, { "metadata", "name" });
        if (!run->newPods.count(name))
            continue;
        fresh.pods.push_back(name);
        // OOM kills the kubelet reports for the new pods' main container, and since when it runs
        // (a container not started yet counts from its pod's creation).
        std::int64_t since = run->podCreatedMs[name];
        if (const json* s = containerStatus(pod, run->report.container)) {
            if (str(*s, { "lastState", "terminated", "reason" }) == "OOMKilled")
                run->newOomKills += std::max(1, s->value("restartCount", 1));
            const std::int64_t started = kube::parseTimestampMs(str(*s, { "state", "running", "startedAt" }));
            if (started > 0)
                since = started;
        }
        run->youngestNewStartMs = std::max(run->youngestNewStartMs.value_or(since), since);
    }
    run->report.newRevision = std::move(fresh);

    // The newest revision is the fix only when made after the incident started (without an
    // incident: within the old window, e.g. the last 6 h); otherwise there is nothing new to judge.
    const std::int64_t now = run->report.serverNowMs;
    const std::int64_t newerThanMs = run->request.incidentStartMs.value_or(now - run->request.oldWindowMs);
    const bool madeAfterIncident = run->newCreatedMs >= newerThanMs;
    if (!madeAfterIncident) {
        // Every pod is the leaking revision's: judged over the window up to now.
        run->report.newRevision.reset();
        run->newPods.clear();
        run->newCreatedMs = now;
    }
    // Pods that ran in the window, a day's margin before it (a pod started earlier still runs).
    const TimeRange lookup { run->newCreatedMs - run->request.oldWindowMs - 24 * 60 * kMinuteMs, now };
    findWorkloadPods(
        m_connection.prometheus(), run->request.ns, w, lookup, m_context.get(), [this, run](WorkloadPods pods) {
            if (!isCurrent(run))
                return;
            for (const std::string& note : pods.notes)
                run->report.notes.push_back(note);
            fetchHistory(run, pods.names);
        });
}

void FixVerificationJob::fetchHistory(const std::shared_ptr<Run>& run, std::vector<std::string> podNames)
{
    reportCount(run, QStringLiteral("fetching the memory history"), 2, 4);
    const std::int64_t now = run->report.serverNowMs;
    const TimeRange window { run->newCreatedMs - run->request.oldWindowMs, now };
    m_connection.probeMetricsProfile(run->request.ns, now, m_context.get(), [this, run, podNames, window] {
        if (!isCurrent(run))
            return;
        const std::string containerRegex = prometheus::exactRegex(run->report.container);
        const auto selectors = podSelectorsFor(run->request.ns, podNames, containerRegex);
        if (selectors.empty())
            return conclude(run);
        // 30 s (a usual scrape interval) unless the window is so long that would pass 11,000 points.
        const std::int64_t step = std::max<std::int64_t>(30'000, prometheus::chooseStepMs(window, 10'000, 30'000));
        auto left = std::make_shared<std::size_t>(selectors.size() * 2);
        for (const QueryKind kind : { QueryKind::MemoryWorkingSet, QueryKind::Restarts }) {
            for (const prometheus::PodSelector& selector : selectors) {
                const std::string promql = m_connection.catalogue().build(kind, selector);
                (kind == QueryKind::MemoryWorkingSet ? run->memoryQuery : run->restartsQuery) = promql;
                m_connection.prometheus().queryRange(
                    promql, window, step, m_context.get(), [this, run, kind, left](Result<prometheus::QueryResult> r) {
                        if (!isCurrent(run))
                            return;
                        if (!r && kind == QueryKind::MemoryWorkingSet)
                            return fail(run, r.error());
                        if (!r)
                            run->report.notes.push_back("the restart counters could not be read: " + r.error().message);
                        if (r)
                            for (Series& s : r->series) {
                                auto& into = (kind == QueryKind::MemoryWorkingSet ? run->memory
                                                                                  : run->restarts)[s.labels["pod"]];
                                into.insert(into.end(), s.samples.begin(), s.samples.end());
                            }
                        if (--*left == 0)
                            conclude(run);
                    });
            }
        }
    });
}

void FixVerificationJob::conclude(const std::shared_ptr<Run>& run)
{
    reportCount(run, QStringLiteral("comparing the revisions"), 3, 4);
    const std::int64_t now = run->report.serverNowMs;
    analysis::FixInputs in;
    in.nowMs = now;
    if (!run->request.incidentStartMs) {
        const std::int64_t hours = run->request.oldWindowMs / (3600 * 1000);
        in.newerThan = "the last "
            + (hours * 3600 * 1000 == run->request.oldWindowMs
                    ? std::to_string(hours) + " h"
                    : std::to_string(run->request.oldWindowMs / kMinuteMs) + " min")
            + " (no incident given)";
    }
    const std::int64_t newCreated = run->newCreatedMs;
    run->report.limitBytes = run->limitBytes;

    analysis::RevisionMemory old;
    old.memory.service = run->workload->workload.name;
    old.memory.window = TimeRange { newCreated - run->request.oldWindowMs, newCreated };
    old.memory.sources.memory = run->memoryQuery;
    old.memory.sources.restarts = run->restartsQuery;
    analysis::RevisionMemory fresh;
    fresh.memory.service = old.memory.service;
    fresh.memory.window = TimeRange { newCreated - kBeforeNewMs, now };
    fresh.memory.sources = old.memory.sources;
    fresh.oomKills = run->newOomKills;
    fresh.youngestStartMs = run->youngestNewStartMs;
    fresh.createdMs = newCreated;

    RevisionPods oldPods;
    std::map<std::string, std::int64_t> lastSampleOfRevision; // old revisions by name: which ran last
    for (const auto& [pod, samplesIn] : run->memory) {
        std::vector<Sample> samples = samplesIn;
        std::sort(samples.begin(), samples.end(), [](const Sample& a, const Sample& b) { return a.tMs < b.tMs; });
        const std::vector<Sample>& counter = run->restarts[pod];
        const bool isNew = run->newPods.count(pod) > 0;
        // A pod of the new revision: its samples since it was made. A StatefulSet's pod made again
        // under the same name was the old revision's before that.
        const std::int64_t split = isNew ? run->podCreatedMs[pod] : newCreated;
        if (isNew && run->report.newRevision) {
            analysis::PodMemoryInput p { pod, within(samples, split, now), run->limitBytes, within(counter, split, now),
                {} };
            run->report.newRevision->memory.push_back(Series { { { "pod", pod } }, p.memory });
            fresh.memory.pods.push_back(std::move(p));
        }
        analysis::PodMemoryInput p { pod, within(samples, old.memory.window.startMs, std::min(split, newCreated) - 1),
            std::nullopt, within(counter, old.memory.window.startMs, std::min(split, newCreated) - 1), {} };
        if (p.memory.empty())
            continue;
        // The old revision's name: a ReplicaSet's pods are named after it (name-<hash>-<suffix>);
        // a StatefulSet's or DaemonSet's old pods carry no name of theirs in Prometheus.
        const kube::WorkloadKind kind = *run->workload->workload.kind;
        const bool replicaSets = kind == kube::WorkloadKind::Deployment || kind == kube::WorkloadKind::Rollout;
        const std::string revision = replicaSets && !isNew && pod.rfind('-') != std::string::npos
            ? pod.substr(0, pod.rfind('-'))
            : run->workload->workload.name + " (before " + run->newRevision + ")";
        lastSampleOfRevision[revision] = std::max(lastSampleOfRevision[revision], p.memory.back().tMs);
        oldPods.pods.push_back(pod);
        oldPods.memory.push_back(Series { { { "pod", pod } }, p.memory });
        old.memory.pods.push_back(std::move(p));
    }
    if (!old.memory.pods.empty()) {
        oldPods.name = std::max_element(
            lastSampleOfRevision.begin(), lastSampleOfRevision.end(), [](const auto& a, const auto& b) {
                return a.second < b.second;
            })->first;
        old.name = oldPods.name;
        in.oldRevision = std::move(old);
        run->report.oldRevision = std::move(oldPods);
    }
    if (run->report.newRevision) {
        fresh.name = run->report.newRevision->name;
        fresh.images = run->report.newRevision->images;
        in.newRevision = std::move(fresh);
    }
    run->report.verification = analysis::verifyFix(in);
    auto report = std::make_shared<const FixVerificationReport>(std::move(run->report));
    finish(run, [this, report] { Q_EMIT finished(report); });
}

json fixVerificationJson(const FixVerificationReport& report)
{
    const analysis::FixVerification& v = report.verification;
    auto opt = [](const auto& o) { return o ? json(*o) : json(); };
    json evidence = json::array();
    for (const analysis::Evidence& e : v.evidence) {
        json numbers = json::object();
        for (const analysis::EvidenceNumber& n : e.numbers)
            numbers[n.name] = { { "value", n.value }, { "unit", n.unit } };
        json item = { { "topic", e.topic }, { "sentence", e.sentence }, { "numbers", numbers } };
        if (!e.pod.empty())
            item["pod"] = e.pod;
        if (e.window.endMs > 0)
            item["window"] = { { "start_ms", e.window.startMs }, { "end_ms", e.window.endMs } };
        if (!e.source.empty())
            item["source"] = e.source;
        evidence.push_back(std::move(item));
    }
    auto revision = [](const std::optional<RevisionPods>& r) -> json {
        if (!r)
            return json();
        return { { "name", r->name }, { "images", r->images }, { "created_ms", r->createdMs }, { "pods", r->pods } };
    };
    return json {
        { "namespace", report.ns },
        { "workload", report.workload },
        { "container", report.container },
        { "server_now_ms", report.serverNowMs },
        { "incident_start_ms", opt(report.incidentStartMs) },
        { "old_revision", v.oldRevision.empty() ? json() : json(v.oldRevision) },
        { "new_revision", v.newRevision.empty() ? json() : json(v.newRevision) },
        { "verdict", analysis::fixOutcomeName(v.outcome) },
        { "needed_minutes", opt(v.neededMinutes) },
        { "reason", v.reason },
        { "confidence", v.confidence },
        { "old_growth_bytes_per_hour", opt(v.oldRateBytesPerHour) },
        { "old_period_ms", opt(v.oldPeriodMs) },
        { "new_growth_bytes_per_hour", opt(v.newRateBytesPerHour) },
        { "new_levelled_off_within_10min", opt(v.newLevelledOffWithin10min) },
        { "new_oom_kills", v.newOomKills },
        { "new_restarts", v.newRestarts },
        { "observed_ms", v.observedMs },
        { "required_ms", v.requiredMs },
        { "revisions", { { "old", revision(report.oldRevision) }, { "new", revision(report.newRevision) } } },
        { "evidence", evidence },
        { "notes", report.notes },
    };
}

} // namespace leakdesk::investigation
