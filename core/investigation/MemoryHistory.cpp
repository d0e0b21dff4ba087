#include "core/investigation/MemoryHistory.h"

#include "core/investigation/WorkloadPods.h"
#include "core/kube/KubeObjects.h"
#include "core/prometheus/PromClient.h"
#include "core/prometheus/RangeResolution.h"

#include <QTimer>

#include <algorithm>

namespace leakdesk::investigation {

using prometheus::QueryKind;

// The requests of one load: cancelled together when the load is superseded.
struct MemoryHistory::Run : JobRun {
    std::vector<prometheus::PromCall> calls;
    TimeRange want;
    std::int64_t stepMs = 0;
    int pending = 0;
    int total = 0;
    std::optional<Error> firstError;
    void onStop() override
    {
        for (auto& call : calls)
            call.cancel();
    }
};

const std::vector<QueryKind>& MemoryHistory::chartQueries()
{
    static const std::vector<QueryKind> kinds { QueryKind::MemoryWorkingSet, QueryKind::MemoryPerPodAvgBaseline,
        QueryKind::RequestRate };
    return kinds;
}

MemoryHistory::MemoryHistory(prometheus::PromClient& client, prometheus::QueryCatalogue catalogue, QObject* parent)
    : Job(parent)
    , m_client(&client)
    , m_catalogue(std::move(catalogue))
    , m_pointsBudget(prometheus::kScreenPointsBudget)
{ }

MemoryHistory::~MemoryHistory()
{
    abandon();
}

void MemoryHistory::setPods(std::vector<prometheus::PodSelector> selectors)
{
    auto same = [](const prometheus::PodSelector& a, const prometheus::PodSelector& b) {
        return a.ns == b.ns && a.podRegex == b.podRegex && a.containerRegex == b.containerRegex;
    };
    if (std::equal(selectors.begin(), selectors.end(), m_selectors.begin(), m_selectors.end(), same))
        return;
    abandon();
    m_selectors = std::move(selectors);
    m_cache.clear();
}

std::vector<std::string> MemoryHistory::promqlsFor(QueryKind kind) const
{
    std::vector<std::string> out;
    for (const auto& sel : m_selectors)
        out.push_back(m_catalogue.build(kind, sel));
    return out;
}

void MemoryHistory::seed(const RawEvidence& evidence)
{
    if (!evidence.workload)
        return;
    const auto& w = *evidence.workload;
    setPods(podSelectorsFor(evidence.request.ns, w.queriedPods,
        w.mainContainer.empty() ? std::string() : prometheus::exactRegex(w.mainContainer)));
    // The evidence keeps each query's answer merged over chunks: only a single chunk's is this
    // loader's own, stored under the query text it would send, so a load finds it.
    if (m_selectors.size() != 1)
        return;
    for (const QueryEvidence& q : evidence.queries) {
        const auto& kinds = chartQueries();
        if (!q.error.empty() || q.stepMs <= 0 || std::find(kinds.begin(), kinds.end(), q.kind) == kinds.end())
            continue;
        if (q.promql == promqlsFor(q.kind).front())
            m_cache.insert(q.promql, q.stepMs, q.range, evidence.seriesOf(q.kind));
    }
}

std::int64_t MemoryHistory::stepFor(const TimeRange& want) const
{
    return prometheus::chooseResolutionMs(want.durationMs(), m_pointsBudget);
}

std::vector<Series> MemoryHistory::series(QueryKind kind, const TimeRange& over, std::int64_t stepMs) const
{
    std::vector<std::vector<Series>> chunks;
    for (const std::string& promql : promqlsFor(kind))
        chunks.push_back(m_cache.assemble(promql, stepMs, over));
    if (chunks.empty())
        return {};
    return mergeChunkSeries(kind, chunks, chunkWeights(m_selectors));
}

void MemoryHistory::load(const TimeRange& want)
{
    auto run = begin<Run>(QStringLiteral("Loading the memory history"));
    run->want = want;
    run->stepMs = stepFor(want);
    struct Fetch {
        std::string promql;
        QueryKind kind;
        TimeRange range;
    };
    std::vector<Fetch> fetches;
    for (const QueryKind kind : chartQueries())
        for (const std::string& promql : promqlsFor(kind))
            for (const TimeRange& gap : m_cache.missing(promql, run->stepMs, want))
                fetches.push_back({ promql, kind, prometheus::alignStartToStep(gap, run->stepMs) });
    if (fetches.empty()) {
        QTimer::singleShot(0, this, [this, run] {
            finish(run, [this, run] { Q_EMIT loaded(run->want.startMs, run->want.endMs, run->stepMs, false); });
        });
        return;
    }
    if (!m_client) {
        QTimer::singleShot(0, this, [this, run] {
            fail(run,
                makeError(ErrorCode::Cancelled, "the connection to Prometheus was closed",
                    "investigate the service again to fetch its history"));
        });
        return;
    }
    run->pending = run->total = static_cast<int>(fetches.size());
    Q_EMIT loadingStarted(want.startMs, want.endMs, run->stepMs);
    reportCount(run, QStringLiteral("range queries"), 0, run->total);
    for (const Fetch& f : fetches) {
        m_requestsSent += static_cast<int>(prometheus::splitRange(f.range, run->stepMs).size());
        const std::int64_t step = run->stepMs;
        run->calls.push_back(m_client->queryRange(
            f.promql, f.range, step, this, [this, run, f, step](Result<prometheus::QueryResult> r) {
                if (!isCurrent(run))
                    return;
                if (r) {
                    m_cache.insert(f.promql, step, f.range, r->series);
                } else if (!run->firstError) {
                    run->firstError = makeError(r.error().code,
                        std::string("the ") + prometheus::queryKindName(f.kind) + " history from "
                            + kube::formatTimestamp(f.range.startMs) + " to " + kube::formatTimestamp(f.range.endMs)
                            + " could not be fetched: " + r.error().message,
                        r.error().detail);
                }
                reportCount(run, QStringLiteral("range queries"), run->total - run->pending + 1, run->total);
                if (--run->pending > 0)
                    return;
                if (run->firstError)
                    return fail(run, *run->firstError);
                finish(run, [this, run] { Q_EMIT loaded(run->want.startMs, run->want.endMs, run->stepMs, true); });
            }));
    }
}

} // namespace leakdesk::investigation
