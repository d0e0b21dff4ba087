#include "core/investigation/EvidenceCollector.h"

#include "core/investigation/ClusterConnection.h"
#include "core/prometheus/RangeResolution.h"

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
    if (!ev.deployment && ev.pods.empty()) {
        fail(makeError(ErrorCode::NotFound,
            "service '" + ev.request.service + "' has no Deployment and no pods labelled app=" + ev.request.service
                + " in namespace '" + ev.request.ns + "'",
            "check the service name and the namespace (the service picker lists the Deployments)"));
        return;
    }
    if (!ev.podMetricsAvailable)
        ev.warnings.push_back("metrics.k8s.io is not available (metrics-server missing?): the 'kubectl top' column is "
                              "empty; the chart uses Prometheus");
    m_context.reset();
    Q_EMIT finished(std::shared_ptr<const RawEvidence>(m_evidence));
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

    const QString ns = QString::fromStdString(request.ns);
    const QString selector = QStringLiteral("app=") + QString::fromStdString(request.service);
    auto& kube = m_connection.kube();

    const TimeRange window { request.nowMs - request.windowMs, request.nowMs };
    // The chart's step for a range this long (MemoryHistory): its cache then holds this window
    // as fetched, and `leakdesk-cli investigate --window` asks what the GUI's chart would.
    ev->stepMs = prometheus::chooseResolutionMs(window.durationMs());
    const prometheus::PodSelector podSelector { request.ns, prometheus::podRegexForWorkload(request.service) };

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
    };
    m_total = m_pending = 6 + static_cast<int>(queries.size());

    kube.listDeployments(ns, ctx, [this, ev](Result<kube::ParsedList<kube::Deployment>> r) {
        if (!r)
            return fail(r.error());
        for (auto& d : r->items)
            if (d.meta.name == ev->request.service)
                ev->deployment = d;
        step(QStringLiteral("deployments"));
    });
    kube.listPods(ns, selector, ctx, [this, ev](Result<kube::ParsedList<kube::Pod>> r) {
        if (!r)
            return fail(r.error());
        ev->pods = std::move(r->items);
        for (const auto& s : r->skipped)
            ev->warnings.push_back("a pod could not be read: " + s);
        step(QStringLiteral("pods"));
    });
    kube.listPodMetrics(ns, selector, ctx, [this, ev](Result<kube::ParsedList<kube::PodMetrics>> r) {
        if (r) {
            ev->podMetrics = std::move(r->items);
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
    // With no Prometheus at all (--no-prometheus, none found in the cluster) the same holds, with
    // that reason.
    auto withoutPrometheus = [this, ev, queries, podSelector, window](const Error& why) {
        ev->prometheusUnreachable = why.message;
        ev->prometheusUnreachableHint = why.detail;
        ev->warnings.push_back("Prometheus is unreachable (" + why.message
            + "): memory history, limits from kube-state-metrics, traffic and the baseline are missing; "
              "pods, restarts and OOM kills come from the cluster");
        for (const QueryKind kind : queries) {
            ev->queries.push_back({ kind, m_connection.catalogue().build(kind, podSelector), window, ev->stepMs, 0,
                "not asked, Prometheus is unreachable: " + why.message });
            step(QString::fromLatin1(prometheus::queryKindName(kind)));
        }
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
        ctx, [this, queries, podSelector, window, withoutPrometheus](Result<QString> r) {
            if (!r && isUnreachable(r.error())) {
                withoutPrometheus(r.error());
            } else {
                for (const QueryKind kind : queries)
                    runQuery(kind, podSelector, window);
            }
            step(QStringLiteral("prometheus"));
        });
}

bool EvidenceCollector::isUnreachable(const Error& error)
{
    return error.code == ErrorCode::Network || error.code == ErrorCode::Timeout || error.code == ErrorCode::Unauthorized
        || error.code == ErrorCode::Forbidden || error.code == ErrorCode::Server;
}

void EvidenceCollector::runQuery(QueryKind kind, const prometheus::PodSelector& podSelector, const TimeRange& window)
{
    auto ev = m_evidence;
    const std::string promql = m_connection.catalogue().build(kind, podSelector);
    const std::int64_t step = ev->stepMs;
    m_connection.prometheus().queryRange(promql, window, step, m_context.get(),
        [this, ev, kind, promql, window, step](Result<prometheus::QueryResult> r) {
            QueryEvidence q { kind, promql, window, step, 0, {} };
            if (r) {
                q.seriesCount = r->series.size();
                for (const auto& w : r->warnings)
                    ev->warnings.push_back(
                        std::string("Prometheus warning for ") + prometheus::queryKindName(kind) + ": " + w);
                ev->series[kind] = std::move(r->series);
            } else {
                q.error = r.error().message;
                ev->warnings.push_back(
                    std::string(prometheus::queryKindName(kind)) + " query failed: " + r.error().message);
            }
            ev->queries.push_back(std::move(q));
            this->step(QString::fromLatin1(prometheus::queryKindName(kind)));
        });
}

} // namespace leakdesk::investigation
