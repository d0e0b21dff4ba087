#pragma once
// A complete, hand-built incident on a fixed clock: the checkout sawtooth from the analysis tests'
// series shapes, analysed by the real analyseEvidence(), then walked through the runbook with a
// severity change, a heap dump, two mitigations (one reverted), notes and an escalation. Used to
// regenerate tests/fixtures/incident/golden.leakdesk (LEAKDESK_UPDATE_GOLDEN=1) and by the
// recording tests.

#include "../analysis/SeriesShapes.h"

#include "core/incident/IncidentRecording.h"
#include "core/investigation/Findings.h"
#include "core/runbook/RunbookParser.h"

#include <memory>

namespace leakdesk::test {

// 2025-01-20 10:00:00 UTC
constexpr std::int64_t kIncidentStartMs = 1'737'367'200'000;
constexpr const char* kSecretLikeToken = "s3cr3tT0kenValue9f8e7d6c5b4a";

inline kube::Pod fixturePod(const std::string& name, const std::string& node, int restarts, std::int64_t lastKillMs)
{
    kube::Pod p;
    p.meta.name = name;
    p.meta.ns = "production";
    p.meta.labels = { { "app", "checkout" } };
    p.phase = "Running";
    p.nodeName = node;
    p.startMs = kIncidentStartMs - 3 * 24 * kHour;
    kube::ContainerSpec c;
    c.name = "checkout";
    c.image = "registry.example.com/shop/checkout:1.42.0";
    c.memoryLimitBytes = std::int64_t(2 * GiB);
    c.memoryRequestBytes = std::int64_t(1 * GiB);
    p.containers.push_back(c);
    kube::ContainerStatus st;
    st.name = "checkout";
    st.ready = true;
    st.restartCount = restarts;
    st.state = "running";
    st.runningSinceMs = lastKillMs + 10'000;
    st.lastTerminated = kube::TerminatedState { "OOMKilled", 137, lastKillMs - 20 * kMinute, lastKillMs };
    p.statuses.push_back(st);
    return p;
}

// Evidence about checkout in production over the 3 hours before `nowMs`: only the request, for
// the caller to fill with pods, series and queries.
inline std::shared_ptr<investigation::RawEvidence> checkoutEvidence(std::int64_t nowMs)
{
    auto ev = std::make_shared<investigation::RawEvidence>();
    ev->request.ns = "production";
    ev->request.service = "checkout";
    ev->request.nowMs = nowMs;
    ev->request.windowMs = 3 * kHour;
    return ev;
}

inline investigation::Findings fixtureFindings(std::int64_t nowMs)
{
    auto ev = checkoutEvidence(nowMs);
    const std::int64_t from = nowMs - ev->request.windowMs;
    // One history for every snapshot (generated from a fixed origin), seen through each window.
    const std::int64_t origin = kIncidentStartMs - 4 * kHour;
    auto window = [&](SawtoothPod p) {
        std::erase_if(p.memory, [&](const Sample& x) { return x.tMs < from; });
        std::erase_if(p.restarts, [&](const Sample& x) { return x.tMs < from; });
        return p;
    };
    const SawtoothPod a = window(sawtoothPod(origin, nowMs, 7, 0.0, 60'000));
    const SawtoothPod b = window(sawtoothPod(origin, nowMs, 11, 0.45, 60'000));
    const std::string podA = "checkout-7d9f8c6b5-x2kqp";
    const std::string podB = "checkout-7d9f8c6b5-m8zlw";
    ev->pods.push_back(fixturePod(podA, "gke-prod-pool-1-a1b2", int(a.restarts.back().value), a.killTimesMs.back()));
    ev->pods.push_back(fixturePod(podB, "gke-prod-pool-1-c3d4", int(b.restarts.back().value), b.killTimesMs.back()));
    kube::Deployment d;
    d.meta.name = "checkout";
    d.meta.ns = "production";
    d.replicas = 2;
    d.readyReplicas = 2;
    d.containers = ev->pods.front().containers;
    ev->deployment = d;
    for (const auto& [pod, shape] : { std::pair { podA, &a }, std::pair { podB, &b } }) {
        const Labels labels { { "namespace", "production" }, { "pod", pod } };
        ev->series[prometheus::QueryKind::MemoryWorkingSet].push_back({ labels, shape->memory });
        ev->series[prometheus::QueryKind::Restarts].push_back({ labels, shape->restarts });
        // cAdvisor counts every kill of the container, as the restart counter does here.
        ev->series[prometheus::QueryKind::OomEvents].push_back({ labels, shape->restarts });
        ev->series[prometheus::QueryKind::MemoryLimit].push_back({ labels, { { from, 2 * GiB }, { nowMs, 2 * GiB } } });
        kube::PodMetrics m;
        m.meta.name = pod;
        m.meta.ns = "production";
        m.timestampMs = nowMs;
        m.containers.push_back({ "checkout", 0.4, std::int64_t(shape->memory.back().value) });
        ev->podMetrics.push_back(m);
    }
    ev->podMetricsAvailable = true;
    ev->stepMs = 60'000;
    for (auto kind : { prometheus::QueryKind::MemoryWorkingSet, prometheus::QueryKind::Restarts,
             prometheus::QueryKind::MemoryLimit, prometheus::QueryKind::OomEvents })
        ev->queries.push_back(
            { kind, std::string(prometheus::queryKindName(kind)) + "{namespace=\"production\",pod=~\"checkout-.*\"}",
                { from, nowMs }, 60'000, 2, {} });
    return investigation::analyseEvidence(ev);
}

// catalog, a healthy service the responder looked at for comparison: it settles within minutes.
// Its evidence is not the incident's and must come after checkout's in the report (its name sorts first).
inline investigation::Findings catalogFindings(std::int64_t nowMs)
{
    auto ev = checkoutEvidence(nowMs);
    ev->request.service = "catalog";
    const std::int64_t from = nowMs - ev->request.windowMs;
    const std::string pod = "catalog-5c8d7b9f4-q7r2t";
    kube::Pod p = fixturePod(pod, "gke-prod-pool-1-a1b2", 0, from);
    p.meta.labels = { { "app", "catalog" } };
    p.containers.front().name = "catalog";
    p.containers.front().image = "registry.example.com/shop/catalog:1.9.7";
    p.containers.front().memoryLimitBytes = std::int64_t(1 * GiB);
    p.statuses.front().name = "catalog";
    p.statuses.front().lastTerminated.reset();
    p.statuses.front().runningSinceMs = from - kHour;
    ev->pods.push_back(p);
    const Labels labels { { "namespace", "production" }, { "pod", pod } };
    ev->series[prometheus::QueryKind::MemoryWorkingSet].push_back(
        { labels, settlingPod(from, nowMs, 150 * MiB, 310 * MiB, 2 * kMinute, 2 * MiB, 5, 60'000) });
    ev->series[prometheus::QueryKind::Restarts].push_back({ labels, { { from, 0 }, { nowMs, 0 } } });
    ev->series[prometheus::QueryKind::MemoryLimit].push_back({ labels, { { from, 1 * GiB }, { nowMs, 1 * GiB } } });
    ev->stepMs = 60'000;
    ev->queries.push_back({ prometheus::QueryKind::MemoryWorkingSet,
        "memory_working_set{namespace=\"production\",pod=~\"catalog-.*\"}", { from, nowMs }, 60'000, 1, {} });
    return investigation::analyseEvidence(ev);
}

// `withComparison`: the responder also looked at catalog between two looks at checkout (the
// golden exports use it; the other tests count the snapshots of the incident without it).
inline incident::IncidentDocument fixtureIncident(bool withComparison = false)
{
    using namespace incident;
    auto book = runbook::loadBundledRunbook();
    const std::int64_t t0 = kIncidentStartMs;
    NewIncident params;
    params.id = "8b1f6a52-3c1e-4c7e-9a55-0d6f2f3e9b10";
    params.ns = "production";
    params.service = "checkout";
    params.cluster = { "prod-eu-west", "https://10.0.0.1:6443", false };
    params.runbook = book ? &book.value() : nullptr;
    params.nowMs = t0;
    IncidentDocument doc = newIncident(params);

    recordFindings(doc, fixtureFindings(t0 + 2 * kMinute), t0 + 2 * kMinute);
    (void)recordStepState(
        doc, 0, StepState::Done, "Sawtooth: grows to the 2Gi limit in 15-20 min, then OOMKilled.", t0 + 5 * kMinute);
    (void)recordStepState(
        doc, 1, StepState::Done, "Rule met: more than 2 OOM kills in the last hour.", t0 + 6 * kMinute);
    recordSeverityChange(doc, "P1", "OOM kills coincide with 5xx on the public checkout ingress", t0 + 8 * kMinute);
    EscalationEvent page;
    page.kind = "owner-contacted";
    page.summary = "Paged the checkout on-call";
    page.detail = "Deployment label team=shop-checkout";
    page.owner = "shop-checkout";
    recordEscalation(doc, page, t0 + 9 * kMinute);

    HeapDumpRecord dump;
    dump.pod = "checkout-7d9f8c6b5-x2kqp";
    dump.container = "checkout";
    dump.path = "incidents/checkout/heap-checkout-7d9f8c6b5-x2kqp.hprof.gz";
    dump.sha256 = "5f2b0c6d1e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c";
    dump.sizeBytes = 412'316'860;
    dump.summary = "1 leak suspect: an unbounded cache retains 61 % of the heap";
    dump.suspects.push_back({ "unbounded_cache", "java.util.concurrent.ConcurrentHashMap",
        "static SESSIONS of class com.shop.checkout.SessionCache", 1'034'000'000, 0.61, 1'250'000,
        "com.shop.checkout.CartSession", "a map with 1250000 entries and no eviction holds the heap" });
    recordHeapDump(doc, dump, t0 + 15 * kMinute);
    (void)recordStepState(
        doc, 2, StepState::Done, "Dump taken from the pod with the most restarts.", t0 + 16 * kMinute);
    recordNote(doc, "SessionCache never evicts: sessions of abandoned carts stay forever.", t0 + 18 * kMinute, 3);
    (void)recordStepState(doc, 3, StepState::Done, "Unbounded cache (no TTL, no max size).", t0 + 19 * kMinute);

    ActionRecord raise;
    raise.kind = "raise-limit";
    raise.title = "Raise the memory limit of checkout to 4Gi";
    raise.target = "deployment/checkout";
    raise.kubectl = "kubectl set resources deployment/checkout -n production --limits=memory=4Gi";
    raise.diff = "--- deployment/checkout (before)\n+++ deployment/checkout (after)\n@@ "
                 "spec.template.spec.containers[checkout].resources @@\n"
                 "   limits:\n-    memory: 2Gi\n+    memory: 4Gi\n";
    raise.state = ActionState::DryRun;
    raise.output = std::string("deployment.apps/checkout resource requirements updated (server dry run)\nuser token: ")
        + kSecretLikeToken;
    raise.revertData = { { "resourceVersion", "48213" }, { "previous", { { "memory", "2Gi" } } } };
    const std::string a1 = recordAction(doc, raise, t0 + 22 * kMinute);
    (void)recordActionState(doc, a1, ActionState::Applied, "rollout complete: 2 of 2 pods updated", t0 + 24 * kMinute);

    ActionRecord restart;
    restart.kind = "heap-limit-restart";
    restart.title = "Set HEAP_LIMIT_RESTART=3584m on checkout";
    restart.target = "deployment/checkout";
    restart.kubectl = "kubectl set env deployment/checkout HEAP_LIMIT_RESTART=3584m -n production";
    restart.diff = "--- deployment/checkout (before)\n+++ deployment/checkout (after)\n@@ "
                   "spec.template.spec.containers[checkout].env @@\n"
                   "+  - name: HEAP_LIMIT_RESTART\n+    value: 3584m\n";
    restart.state = ActionState::Applied;
    restart.revertData = { { "resourceVersion", "48290" }, { "previous", { { "env", nlohmann::json::array() } } } };
    recordAction(doc, restart, t0 + 26 * kMinute);
    (void)recordStepState(doc, 4, StepState::Done, "Limit raised, restart threshold set.", t0 + 27 * kMinute);

    if (withComparison)
        recordFindings(doc, catalogFindings(t0 + 30 * kMinute), t0 + 30 * kMinute);
    recordFindings(doc, fixtureFindings(t0 + 40 * kMinute), t0 + 40 * kMinute);
    (void)recordActionState(
        doc, a1, ActionState::Reverted, "fix 1.42.1 deployed; limit back to 2Gi", t0 + 95 * kMinute);
    (void)recordStepState(
        doc, 5, StepState::Skipped, "Fix and regression test tracked in SHOP-1234.", t0 + 96 * kMinute);
    recordNote(doc, "Handing over to the EU day shift.", t0 + 100 * kMinute);
    return doc;
}

} // namespace leakdesk::test
