#pragma once
// The Prometheus HTTP API subset the sandbox serves: /api/v1/query, /api/v1/query_range (GET or
// form-encoded POST), /api/v1/series, /api/v1/labels, /api/v1/label/<name>/values and
// /api/v1/status/buildinfo. Queries are recognised with QueryCatalogue::match and evaluated by
// CatalogueEvaluator, the leak radar's with prometheus::matchRadarQuery and RadarEvaluator; anything
// else gets Prometheus' error JSON (bad_data, HTTP 400).

#include "core/common/Result.h"
#include "core/prometheus/QueryCatalogue.h"
#include "core/sandbox/http/HttpServer.h"
#include "core/sandbox/model/CatalogueEvaluator.h"
#include "core/sandbox/model/RadarEvaluator.h"

#include <functional>
#include <string_view>

namespace leakdesk::sandbox {

// Prometheus' API error body.
HttpResponse promError(int status, const std::string& errorType, const std::string& message);

// Prometheus' parameter formats: RFC 3339 or unix seconds with a fraction (to the millisecond).
Result<std::int64_t> parsePromTime(std::string_view text);
// Step/duration: float seconds or a Prometheus duration ("30s", "1h30m", "5m", "1d").
Result<std::int64_t> parsePromDuration(std::string_view text);

class PromApi {
public:
    using Clock = std::function<std::int64_t()>;

    PromApi(const MetricsHistory& history, Clock clock);
    HttpResponse handle(const HttpRequest& request) const;

private:
    HttpResponse query(const QueryParams& params, bool range) const;
    HttpResponse series(const QueryParams& params) const;
    HttpResponse labels(const QueryParams& params, const std::string& valuesOf) const;

    const MetricsHistory& m_history;
    CatalogueEvaluator m_evaluator;
    RadarEvaluator m_radar;
    prometheus::QueryCatalogue m_catalogue;
    Clock m_clock;
};

} // namespace leakdesk::sandbox
