#pragma once
// The memory chart's history over whatever range the user looks at (1h .. 30 days), beyond the
// investigation's own window: the pods' working set, the week-ago baseline and the request rate,
// fetched at the step Prometheus allows for the range (prometheus::chooseResolutionMs: about 1,500
// points per series, never more than 11,000) and kept in a prometheus::SpanCache, so a range seen
// once is never fetched again and a finer fetch stands in for a coarser one.
//
// A load is a Job: progress counts the range queries answered; it ends in exactly one of
// loaded() / failed() (a failure names the query and the range; what the other queries brought is
// still cached); a new load() supersedes the running one, whose requests are cancelled.

#include "core/common/Job.h"
#include "core/common/Series.h"
#include "core/investigation/Evidence.h"
#include "core/prometheus/PromClient.h"
#include "core/prometheus/QueryCatalogue.h"
#include "core/prometheus/SpanCache.h"

#include <QPointer>

#include <map>
#include <string>
#include <vector>

namespace leakdesk::investigation {

class MemoryHistory : public Job {
    Q_OBJECT
public:
    // What the chart draws from Prometheus, in this order.
    static const std::vector<prometheus::QueryKind>& chartQueries();

    // Fetches through `client` (its connection may be closed before this object goes: loads then
    // fail, saying so) the queries `catalogue` writes.
    MemoryHistory(prometheus::PromClient& client, prometheus::QueryCatalogue catalogue, QObject* parent = nullptr);
    ~MemoryHistory() override;

    // Whether this loader fetches through `client` (false once that client is gone).
    bool uses(const prometheus::PromClient* client) const { return m_client && m_client == client; }

    // The pods (and container) whose history is loaded, as PodSelectors, one per chunk of pod
    // names (WorkloadPods); others empty the cache.
    void setPods(std::vector<prometheus::PodSelector> selectors);
    // The pods an investigation asked about, and what it fetched over its window: never fetched again.
    void seed(const RawEvidence& evidence);

    // The step a range of this length is shown at.
    std::int64_t stepFor(const TimeRange& want) const;
    // Fetches what the cache lacks of `want` at stepFor(want). Nothing missing: loaded() follows
    // at once (queued), no request is sent.
    void load(const TimeRange& want);
    // A chart line over `over` at `stepMs` (stepFor() of the range shown), finer samples where
    // they were fetched.
    std::vector<Series> series(prometheus::QueryKind kind, const TimeRange& over, std::int64_t stepMs) const;

    // Range queries sent so far (what a cache hit saves shows here).
    int requestsSent() const { return m_requestsSent; }
    const prometheus::SpanCache& cache() const { return m_cache; }
    // Points per series asked for (default prometheus::kScreenPointsBudget).
    void setPointsBudget(std::int64_t points) { m_pointsBudget = points; }

Q_SIGNALS:
    // A load that sends requests has started (not emitted for a cache hit).
    void loadingStarted(qint64 startMs, qint64 endMs, qint64 stepMs);
    // `fetched`: new samples arrived (false for a cache hit).
    void loaded(qint64 startMs, qint64 endMs, qint64 stepMs, bool fetched);

private:
    struct Run;
    std::vector<std::string> promqlsFor(prometheus::QueryKind kind) const; // one per chunk

    QPointer<prometheus::PromClient> m_client;
    prometheus::QueryCatalogue m_catalogue;
    std::vector<prometheus::PodSelector> m_selectors;
    prometheus::SpanCache m_cache;
    std::int64_t m_pointsBudget;
    int m_requestsSent = 0;
};

} // namespace leakdesk::investigation
