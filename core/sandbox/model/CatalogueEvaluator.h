#pragma once
// Evaluates the query catalogue's expressions over the raw sandbox series with Prometheus 2.x
// semantics: instant selection takes the newest sample within the 5 minute lookback (closed
// interval), rate() is Prometheus' extrapolated rate with counter-reset correction, `offset`
// shifts the evaluation time, `sum by (pod)` / `sum` / `avg` aggregate what is present.
// It is an evaluator for a closed set of plans, not a PromQL engine.

#include "core/common/Result.h"
#include "core/common/Series.h"
#include "core/prometheus/QueryCatalogue.h"
#include "core/sandbox/model/MetricsHistory.h"
#include "core/sandbox/model/SeriesSelector.h"

#include <vector>

namespace leakdesk::sandbox {

struct EvalPoint {
    std::int64_t tMs = 0;
    double value = 0;
};

struct EvalSeries {
    Labels labels; // includes __name__ when the expression keeps it
    std::vector<EvalPoint> points;
};

class CatalogueEvaluator {
public:
    static constexpr std::int64_t kLookbackMs = 5 * kMinuteMs;
    static constexpr std::int64_t kMaxPointsPerSeries = 11000; // Prometheus' query_range limit

    explicit CatalogueEvaluator(const MetricsHistory& history);

    // Range evaluation at start, start+step, ... <= end. Samples newer than nowMs do not exist yet.
    // An instant query is start == end.
    Result<std::vector<EvalSeries>> evaluate(const prometheus::MatchedQuery& query, std::int64_t startMs,
        std::int64_t endMs, std::int64_t stepMs, std::int64_t nowMs) const;

    // Raw series matching any of `selectors` with at least one sample in [startMs, endMs].
    std::vector<Labels> seriesMatching(
        const std::vector<SeriesSelector>& selectors, std::int64_t startMs, std::int64_t endMs) const;

    // Prometheus' checks of a range query's start, end and step, with its error messages.
    static Status checkRange(std::int64_t startMs, std::int64_t endMs, std::int64_t stepMs);

    // Prometheus' extrapolatedRate for a counter over [rangeStartMs, rangeEndMs], in units per second.
    // `samples` ascending; nullopt with fewer than two samples.
    static std::optional<double> extrapolatedRate(
        const std::vector<EvalPoint>& samples, std::int64_t rangeStartMs, std::int64_t rangeEndMs);

private:
    const MetricsHistory& m_history;
};

} // namespace leakdesk::sandbox
