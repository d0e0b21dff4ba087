#pragma once
// Answers the leak radar's queries (prometheus/RadarQueries.h) over the raw sandbox series with
// Prometheus 2.x semantics, as CatalogueEvaluator answers the catalogue's: range selectors take
// the closed interval [t - range, t], instant selectors the newest sample within 5 minutes,
// deriv/predict_linear are Prometheus' least squares (Kahan sums, x in seconds from the first
// sample or the evaluation time), increase/rate its extrapolated rate, quantile_over_time its
// interpolated quantile, the subquery's steps are aligned to multiples of its step, and the owner
// joins (group_left) fail on a duplicate owner as Prometheus does. A closed set of plans, one per
// radar query kind, not a PromQL engine; checked against a real Prometheus and VictoriaMetrics
// (tests/integration/prometheus/tst_radar_witness.cpp).

#include "core/common/Result.h"
#include "core/prometheus/RadarQueries.h"
#include "core/sandbox/model/CatalogueEvaluator.h"
#include "core/sandbox/model/MetricsHistory.h"

#include <vector>

namespace leakdesk::sandbox {

class RadarEvaluator {
public:
    explicit RadarEvaluator(const MetricsHistory& history);

    // Range evaluation at start, start+step, ... <= end (an instant query is start == end).
    // Samples newer than nowMs do not exist yet.
    Result<std::vector<EvalSeries>> evaluate(const prometheus::MatchedRadarQuery& query, std::int64_t startMs,
        std::int64_t endMs, std::int64_t stepMs, std::int64_t nowMs) const;

    // Prometheus' linearRegression: the slope (per second) and the value at `interceptMs` of the
    // least-squares line through `samples` (at least two; a constant series has slope 0).
    struct Line {
        double slope = 0;
        double intercept = 0;
    };
    static Line linearRegression(const std::vector<EvalPoint>& samples, std::int64_t interceptMs);
    // Prometheus' quantile (linear interpolation between the closest ranks); `values` is sorted here.
    static double quantile(double q, std::vector<double> values);

private:
    const MetricsHistory& m_history;
};

} // namespace leakdesk::sandbox
