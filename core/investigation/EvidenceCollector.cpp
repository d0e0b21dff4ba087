#include "core/investigation/EvidenceCollector.h"

#include "core/investigation/ClusterConnection.h"
#include "core/investigation/WorkloadPods.h"
#include "core/kube/WorkloadResolution.h"
#include "core/prometheus/RangeResolution.h"

#include <algorithm>
#include <set>

namespace leakdesk::investigation {

using prometheus::QueryKind;

const std::vector<Series>& RawEvidence::seriesOf(QueryKind kind) const
{
    static const std::vector<Series> none;
    auto it = series.find(kind);
    return it == series.end() ? none : it->second;
}

EvidenceCollector::EvidenceCollector(ClusterConnection& connection, QObject* parent)
    : QObject(parent)
    , m_connection(connection)
{
    qRegisterMetaType<leakdesk::Error>();
    qRegisterMetaType<std::shared_ptr<const RawEvidence>>();
}

EvidenceCollector::~EvidenceCollector() = default;

void EvidenceCollector::cancel()
{
    m_context.reset(); // every pending callback is bound to it and is dropped
    m_pending = 0;
}

void EvidenceCollector::fail(const Error& error)
{
    if (m_failed)
        return;
    m_failed = true;
    cancel();
    Q_EMIT failed(error);
}

void EvidenceCollector::step(const QString& stage)
{
    if (m_failed)
        return;
    Q_EMIT progress(stage, m_total - m_pending + 1, m_total);
    if (--m_pending == 0)
        complete();
}

void EvidenceCollector::complete()
{
    auto& ev = *m_evidence;
    if (!ev.podMetricsAvailable)
        ev.warnings.push_back("metrics.k8s.io is not available (metrics-server missing?): the 'kubectl top' column is "
                              "empty; the chart uses Prometheus");
    m_context.reset();
    Q_EMIT finished(std::shared_ptr<const RawEvidence>(m_evidence));
}

namespace {

// The pod template a workload makes its pods from (a CronJob's is inside its Job template).
const nlohmann::json& podTemplateOf(const kube::ResolvedWorkload& w)
{
    static const nlohmann::json none = nlohmann::json::object();
    if (!w.object.is_object() || !w.object.contains("spec"))
        return none;
    const nlohmann::json* spec = &w.object["spec"];
    if (w.workload.kind == kube::WorkloadKind::CronJob) {
        if (!spec->is_object() || !spec->contains("jobTemplate") || !(*spec)["jobTemplate"].contains("spec"))
            return none;
        spec = &(*spec)["jobTemplate"]["spec"];
    }
    if (!spec->is_object() || !spec->contains("template"))
        return none;
    return (*spec)["template"];
}

} // namespace

WorkloadEvidence EvidenceCollector::describe(const kube::ResolvedWorkload& resolved)
{
    WorkloadEvidence w;
    w.workload = resolved.workload;
    w.selector = resolved.selector.toQuery();
    w.service = resolved.service;
    w.notes = resolved.notes;
    // Containers as the running pods have them (a pod the template has not reached yet still runs
    // what it was made with); the template when no pod runs.
    w.containers = kube::classifyContainers(
        resolved.pods.empty() ? podTemplateOf(resolved) : resolved.pods.front(), resolved.workload.name);
    for (const auto& c : w.containers)
        if (c.role == kube::ContainerRole::Main)
            w.mainContainer = c.name;
    return w;
}

void EvidenceCollector::start(const InvestigationRequest& request)
{
    cancel();
    m_failed = false;
    m_context = std::make_unique<QObject>();
    QObject* ctx = m_context.get();
    m_evidence = std::make_shared<RawEvidence>();
    m_evidence->request = request;
    auto ev = m_evidence;

    const TimeRange window { request.nowMs - request.windowMs, request.nowMs };
    // The chart's step for a range this long (MemoryHistory): its cache then holds this window
    // as fetched, and `leakdesk-cli investigate --window` asks what the GUI's chart would.
    ev->stepMs = prometheus::chooseResolutionMs(window.durationMs());
    m_total = m_pending = 1;
    kube::fetchWorkload(m_connection.kube(), QString::fromStdString(request.ns), request.target(), ctx,
        [this, ev](Result<kube::ResolvedWorkload> r) {
            if (!r)
                return fail(r.error());
            onResolved(std::move(r).value());
            step(QStringLiteral("workload"));
        });
}

void EvidenceCollector::onResolved(kube::ResolvedWorkload resolved)
{
    QObject* ctx = m_context.get();
    auto ev = m_evidence;
    const InvestigationRequest& request = ev->request;
    ev->workload = describe(resolved);
    for (const auto& note : resolved.notes)
        ev->warnings.push_back(note);
    for (const auto& podJson : resolved.pods) {
        if (auto pod = kube::parsePod(podJson))
            ev->pods.push_back(std::move(pod).value());
        else
            ev->warnings.push_back("a pod could not be read: " + pod.error().message);
    }
    if (resolved.workload.kind == kube::WorkloadKind::Deployment)
        if (auto d = kube::parseDeployment(resolved.object))
            ev->deployment = std::move(d).value();

    const QString ns = QString::fromStdString(request.ns);
    auto& kube = m_connection.kube();
    const TimeRange window { request.nowMs - request.windowMs, request.nowMs };

    // No query failure ends the investigation (PromClient has already retried it): each one is
    // recorded in `queries` and becomes missing evidence of the verdict, which says so and lowers its
    // confidence; without the memory series the verdict is "unknown".
    const std::vector<QueryKind> queries {
        QueryKind::MemoryWorkingSet,
        QueryKind::MemoryLimit,
        QueryKind::Restarts,
        QueryKind::LastTerminatedOom,
        QueryKind::OomEvents,
        QueryKind::JvmHeapUsed,
        QueryKind::JvmHeapMax,
        QueryKind::RequestRate,
        QueryKind::MemoryPerPodAvg,
        QueryKind::MemoryPerPodAvgBaseline,
        QueryKind::MemoryWorkingSetByContainer,
        QueryKind::MemoryLimitByContainer,
        QueryKind::MemoryPerPodAvgBaselineByContainer,
    };
    m_total += 4; // pod metrics, two event lists, Prometheus (its queries add themselves)
    m_pending += 4;

    std::set<std::string> podNames;
    for (const auto& p : ev->pods)
        podNames.insert(p.meta.name);
    // A CronJob has no selector of its own: its pods are those of its Jobs.
    const QString metricsSelector = QString::fromStdString(ev->workload->selector);
    kube.listPodMetrics(ns, metricsSelector, ctx, [this, ev, podNames](Result<kube::ParsedList<kube::PodMetrics>> r) {
        if (r) {
            for (auto& m : r->items)
                if (podNames.count(m.meta.name))
                    ev->podMetrics.push_back(std::move(m));
            ev->podMetricsAvailable = true;
        }
        step(QStringLiteral("pod metrics"));
    });
    // The runbook's literal command: events in the namespace.
    kube.listEvents(ns, QStringLiteral("reason=OOMKilling"), ctx, [this, ev](Result<kube::ParsedList<kube::Event>> r) {
        if (r) {
            for (auto& e : r->items)
                ev->oomEvents.push_back(std::move(e));
        } else {
            ev->warnings.push_back("OOMKilling events in the namespace could not be listed: " + r.error().message);
            ev->missing.push_back({ "oom-events", "OOMKilling events could not be listed: " + r.error().message });
        }
        step(QStringLiteral("events"));
    });
    // node-problem-detector records OOMKilling on the Node, i.e. outside the service's namespace.
    kube.listEvents(QString(), QStringLiteral("reason=OOMKilling,involvedObject.kind=Node"), ctx,
        [this, ev](Result<kube::ParsedList<kube::Event>> r) {
            if (r) {
                for (auto& e : r->items) {
                    bool dup = false;
                    for (const auto& have : ev->oomEvents)
                        dup = dup
                            || (have.meta.uid == e.meta.uid && have.meta.name == e.meta.name
                                && have.meta.ns == e.meta.ns);
                    if (!dup)
                        ev->oomEvents.push_back(std::move(e));
                }
            } else if (r.error().code == ErrorCode::Forbidden) {
                ev->warnings.push_back(
                    "node OOMKilling events are not visible to this user (cluster-wide events are forbidden); "
                    "OOM kills are counted from container status and metrics");
            }
            step(QStringLiteral("node events"));
        });
    // Prometheus is asked first whether it answers at all: when it does not, the cluster's own
    // evidence (pods, restarts, OOM kills from container status and events, `kubectl top`) is
    // still the investigation's, and each query is recorded as not asked with the reason, instead
    // of retrying ten queries against a dead server or failing the whole investigation.
    const std::string containerRegex
        = ev->workload->mainContainer.empty() ? std::string() : prometheus::exactRegex(ev->workload->mainContainer);
    // With no Prometheus at all (--no-prometheus, none found in the cluster) the same holds, with
    // that reason.
    auto withoutPrometheus = [this, ev, queries, window, resolved, containerRegex](const Error& why) {
        ev->prometheusUnreachable = why.message;
        ev->prometheusUnreachableHint = why.detail;
        ev->warnings.push_back("Prometheus is unreachable (" + why.message
            + "): memory history, limits from kube-state-metrics, traffic and the baseline are missing; "
              "pods, restarts and OOM kills come from the cluster");
        ev->workload->queriedPods = resolved.podNames();
        const auto selectors = podSelectorsFor(ev->request.ns, ev->workload->queriedPods, containerRegex);
        for (const QueryKind kind : queries)
            ev->queries.push_back({ kind,
                m_connection.catalogue().build(kind,
                    selectors.empty() ? prometheus::PodSelector { ev->request.ns, {}, containerRegex }
                                      : selectors.front()),
                window, ev->stepMs, 0, "not asked, Prometheus is unreachable: " + why.message });
    };
    if (!m_connection.hasPrometheus()) {
        const std::string& hint = m_connection.noPrometheusHint();
        withoutPrometheus(makeError(ErrorCode::NotFound, m_connection.noPrometheusReason().value_or("no Prometheus"),
            !hint.empty()
                ? hint
                : "without Prometheus there is no history: growth over hours, the week-ago baseline and "
                  "traffic cannot be judged; name one with --prometheus URL or k8s://NAMESPACE/SERVICE:PORT"));
        return step(QStringLiteral("prometheus"));
    }
    const PrometheusSource& source = m_connection.prometheusSource();
    ev->prometheusUrl = source.url;
    ev->prometheusDiscoveredFrom = source.discoveredFrom;
    ev->prometheusChosenBecause = source.why;
    m_connection.prometheus().buildInfo(
        ctx, [this, ev, queries, window, resolved, containerRegex, ctx, withoutPrometheus](Result<QString> r) {
            if (!r && isUnreachable(r.error())) {
                withoutPrometheus(r.error());
                step(QStringLiteral("prometheus"));
                return;
            }
            // The pods over the longest range the chart shows (30 days, beyond the baseline's week),
            // as kube-state-metrics remembers their owners: the chart then keeps them when zoomed out.
            const TimeRange lookup { window.endMs - kPodLookupMs, window.endMs };
            findWorkloadPods(m_connection.prometheus(), ev->request.ns, resolved, lookup, ctx,
                [this, ev, queries, window, containerRegex](WorkloadPods pods) {
                    ev->workload->queriedPods = pods.names;
                    ev->workload->podsFromHistory = pods.fromHistory;
                    for (auto& note : pods.notes) {
                        ev->warnings.push_back(note);
                        ev->workload->notes.push_back(std::move(note));
                    }
                    const auto selectors = podSelectorsFor(ev->request.ns, pods.names, containerRegex);
                    // Which metric and label names this Prometheus holds decides how every query is spelled.
                    m_connection.probeMetricsProfile(
                        ev->request.ns, window.endMs, m_context.get(), [this, ev, queries, selectors, window] {
                            ev->metricsProfile = m_connection.metricsProfile();
                            for (const QueryKind kind : queries)
                                runQuery(kind, selectors, window);
                            step(QStringLiteral("prometheus"));
                        });
                });
        });
}

bool EvidenceCollector::isUnreachable(const Error& error)
{
    return error.code == ErrorCode::Network || error.code == ErrorCode::Timeout || error.code == ErrorCode::Unauthorized
        || error.code == ErrorCode::Forbidden || error.code == ErrorCode::Server;
}

void EvidenceCollector::runQuery(
    QueryKind kind, const std::vector<prometheus::PodSelector>& selectors, const TimeRange& window)
{
    auto ev = m_evidence;
    if (selectors.empty()) {
        // No pod at all (scaled to zero, a CronJob between runs with no history): nothing to ask.
        ev->queries.push_back({ kind, {}, window, ev->stepMs, 0, {} });
        ev->series[kind] = {};
        return;
    }
    // One query per chunk of pod names; the answers are merged once all are in.
    struct Chunks {
        std::vector<std::vector<Series>> answers;
        std::vector<double> weights;
        std::size_t left = 0;
    };
    auto chunks = std::make_shared<Chunks>();
    chunks->answers.resize(selectors.size());
    chunks->weights = chunkWeights(selectors);
    chunks->left = selectors.size();
    // The per-pod average is asked over the last week, hourly: the trend that tells a slow leak from
    // one window's noise (analysis::MemoryInputs::weekMemory).
    const bool week = kind == QueryKind::MemoryPerPodAvg;
    constexpr std::int64_t kHourMs = 3600 * 1000LL;
    const TimeRange range = week ? TimeRange { window.endMs - 7 * 24 * kHourMs, window.endMs } : window;
    const std::int64_t step = week ? std::max<std::int64_t>(ev->stepMs, kHourMs) : ev->stepMs;
    for (std::size_t i = 0; i < selectors.size(); ++i) {
        const auto& sel = selectors[i];
        const std::string promql = m_connection.catalogue().build(kind, sel);
        ++m_pending;
        ++m_total;
        m_connection.prometheus().queryRange(promql, range, step, m_context.get(),
            [this, ev, kind, promql, range, step, chunks, i](Result<prometheus::QueryResult> r) {
                QueryEvidence q { kind, promql, range, step, 0, {} };
                if (r) {
                    q.seriesCount = r->series.size();
                    for (const auto& w : r->warnings)
                        ev->warnings.push_back(
                            std::string("Prometheus warning for ") + prometheus::queryKindName(kind) + ": " + w);
                    chunks->answers[i] = std::move(r->series);
                } else {
                    q.error = r.error().message;
                    ev->warnings.push_back(
                        std::string(prometheus::queryKindName(kind)) + " query failed: " + r.error().message);
                }
                ev->queries.push_back(std::move(q));
                if (--chunks->left == 0)
                    ev->series[kind] = mergeChunkSeries(kind, chunks->answers, chunks->weights);
                this->step(QString::fromLatin1(prometheus::queryKindName(kind)));
            });
    }
}

} // namespace leakdesk::investigation
