#include "core/sandbox/model/PromApi.h"

#include <QDateTime>
#include <QString>

#include <nlohmann/json.hpp>

#include <cmath>
#include <regex>
#include <set>

namespace leakdesk::sandbox {

using nlohmann::json;

namespace {

// Prometheus writes timestamps as seconds with at most millisecond decimals: 1700000000 or 1700000000.5.
std::string formatTimestamp(std::int64_t ms)
{
    std::string out = std::to_string(ms / 1000);
    std::int64_t frac = ms % 1000;
    if (frac < 0)
        frac += 1000;
    if (frac != 0) {
        char buf[8];
        std::snprintf(buf, sizeof buf, ".%03lld", static_cast<long long>(frac));
        std::string f(buf);
        while (f.back() == '0')
            f.pop_back();
        out += f;
    }
    return out;
}

std::string metricJson(const Labels& labels)
{
    json m = json::object();
    for (const auto& [k, v] : labels)
        m[k] = v;
    return m.dump();
}

HttpResponse success(const std::string& dataJson)
{
    return HttpResponse::json(200, R"({"status":"success","data":)" + dataJson + "}");
}

} // namespace

HttpResponse promError(int status, const std::string& errorType, const std::string& message)
{
    const json body = { { "status", "error" }, { "errorType", errorType }, { "error", message } };
    return HttpResponse::json(status, body.dump());
}

Result<std::int64_t> parsePromTime(std::string_view text)
{
    const std::string s(text);
    char* end = nullptr;
    const double seconds = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size() && std::isfinite(seconds)) {
        const double whole = std::floor(seconds);
        const double fracMs = std::round((seconds - whole) * 1000.0);
        return static_cast<std::int64_t>(whole) * 1000 + static_cast<std::int64_t>(fracMs);
    }
    const QDateTime dt = QDateTime::fromString(QString::fromStdString(s), Qt::ISODateWithMs);
    if (dt.isValid()
        && (s.find('Z') != std::string::npos || s.find('+') != std::string::npos
            || s.rfind('-') > 9)) // a zone is mandatory in RFC 3339
        return dt.toMSecsSinceEpoch();
    return makeError(ErrorCode::Parse, "cannot parse \"" + s + "\" to a valid timestamp");
}

Result<std::int64_t> parsePromDuration(std::string_view text)
{
    const std::string s(text);
    char* end = nullptr;
    const double seconds = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size() && std::isfinite(seconds))
        return static_cast<std::int64_t>(std::llround(seconds * 1000.0));
    static const std::regex re(R"(^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$)");
    std::smatch m;
    if (s.empty() || !std::regex_match(s, m, re))
        return makeError(ErrorCode::Parse, "cannot parse \"" + s + "\" to a valid duration");
    static const std::int64_t unitMs[] = { 365 * kDayMs, 7 * kDayMs, kDayMs, kHourMs, kMinuteMs, kSecondMs, 1 };
    std::int64_t total = 0;
    for (int i = 0; i < 7; ++i)
        if (m[i + 1].matched)
            total += std::stoll(m[i + 1].str()) * unitMs[i];
    return total;
}

PromApi::PromApi(const MetricsHistory& history, Clock clock)
    : m_history(history)
    , m_evaluator(history)
    , m_radar(history)
    , m_clock(std::move(clock))
{ }

HttpResponse PromApi::handle(const HttpRequest& request) const
{
    QueryParams params = request.query;
    if (request.method == "POST") {
        if (request.header("content-type").startsWith("application/x-www-form-urlencoded"))
            params.merge(QueryParams::parse(request.body));
    } else if (request.method != "GET" && request.method != "HEAD") {
        return HttpResponse::text(405, "Method Not Allowed\n");
    }
    const std::string& path = request.path;
    if (path == "/-/healthy" || path == "/-/ready")
        return HttpResponse::text(200, "Prometheus Server is Ready.\n");
    if (path == "/api/v1/query")
        return query(params, false);
    if (path == "/api/v1/query_range")
        return query(params, true);
    if (path == "/api/v1/series")
        return series(params);
    if (path == "/api/v1/labels")
        return labels(params, {});
    static const std::regex labelValues(R"(^/api/v1/label/([a-zA-Z_][a-zA-Z0-9_]*)/values$)");
    std::smatch m;
    if (std::regex_match(path, m, labelValues))
        return labels(params, m[1].str());
    if (path == "/api/v1/status/buildinfo") {
        return success(json { { "version", "2.42.0" }, { "revision", "leakdesk-sandbox" }, { "branch", "HEAD" },
            { "buildUser", "leakdesk" }, { "buildDate", "20230201-00:00:00" }, { "goVersion", "go1.19.5" } }
                           .dump());
    }
    return HttpResponse::text(404, "404 page not found\n");
}

HttpResponse PromApi::query(const QueryParams& params, bool range) const
{
    const std::int64_t now = m_clock();
    const std::string expr = params.value("query");
    if (expr.empty())
        return promError(400, "bad_data", "invalid parameter \"query\": parse error: no expression found in input");
    std::int64_t start = now;
    std::int64_t end = now;
    std::int64_t step = 1;
    if (range) {
        auto s = parsePromTime(params.value("start"));
        if (!s)
            return promError(400, "bad_data", "invalid parameter \"start\": " + s.error().message);
        auto e = parsePromTime(params.value("end"));
        if (!e)
            return promError(400, "bad_data", "invalid parameter \"end\": " + e.error().message);
        auto st = parsePromDuration(params.value("step"));
        if (!st)
            return promError(400, "bad_data", "invalid parameter \"step\": " + st.error().message);
        start = *s;
        end = *e;
        step = *st;
        if (end < start)
            return promError(400, "bad_data", "invalid parameter \"end\": end timestamp must not be before start time");
        if (step <= 0)
            return promError(400, "bad_data",
                "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a "
                "positive integer");
    } else if (params.has("time")) {
        auto t = parsePromTime(params.value("time"));
        if (!t)
            return promError(400, "bad_data", "invalid parameter \"time\": " + t.error().message);
        start = end = *t;
    }
    // `time()`: the evaluation time, as Prometheus answers it. Asked without `time`, it is the
    // server's now: how a client learns the clock of a sandbox that runs faster than the wall's.
    if (expr == prometheus::kServerTimeQuery) {
        if (!range)
            return success(R"({"resultType":"scalar","result":[)" + formatTimestamp(end) + ",\""
                + formatPromValue(static_cast<double>(end) / 1000.0) + "\"]}");
        std::string values;
        for (std::int64_t t = start; t <= end; t += step)
            values += std::string(values.empty() ? "" : ",") + '[' + formatTimestamp(t) + ",\""
                + formatPromValue(static_cast<double>(t) / 1000.0) + "\"]";
        return success(R"({"resultType":"matrix","result":[{"metric":{},"values":[)" + values + "]}]}");
    }
    // `up`, the first query anyone runs against a Prometheus they just reached (through the
    // service proxy, say): one series per scrape job the sandbox's metrics come from, all up.
    std::vector<EvalSeries> upSeries;
    if (expr == "up") {
        std::set<std::string> jobs;
        for (const RawSeries& s : m_history.series())
            if (auto job = s.labels.find("job"); job != s.labels.end())
                jobs.insert(job->second);
        for (const std::string& job : jobs) {
            EvalSeries series { { { "__name__", "up" }, { "job", job } }, {} };
            for (std::int64_t t = start; t <= end; t += step)
                series.points.push_back({ t, 1.0 });
            upSeries.push_back(std::move(series));
        }
    }
    const auto matched = expr == "up" ? std::nullopt : m_catalogue.match(expr);
    const auto radar = expr == "up" || matched ? std::nullopt : prometheus::matchRadarQuery(expr, m_history.naming());
    if (!matched && !radar && expr != "up") {
        return promError(400, "bad_data",
            "invalid parameter \"query\": the LeakDesk sandbox answers only the queries of LeakDesk's query "
            "catalogue and leak radar, not general PromQL: \""
                + expr + "\"");
    }
    auto result = matched ? m_evaluator.evaluate(*matched, start, end, step, now)
        : radar           ? m_radar.evaluate(*radar, start, end, step, now)
                          : Result<std::vector<EvalSeries>>(std::move(upSeries));
    if (!result)
        return promError(400, "bad_data", result.error().message);

    std::string out = range ? R"({"resultType":"matrix","result":[)" : R"({"resultType":"vector","result":[)";
    bool firstSeries = true;
    for (const EvalSeries& s : *result) {
        if (!firstSeries)
            out += ',';
        firstSeries = false;
        out += R"({"metric":)" + metricJson(s.labels);
        if (range) {
            out += R"(,"values":[)";
            for (std::size_t i = 0; i < s.points.size(); ++i) {
                if (i)
                    out += ',';
                out += '[' + formatTimestamp(s.points[i].tMs) + ",\"" + formatPromValue(s.points[i].value) + "\"]";
            }
            out += "]}";
        } else {
            const EvalPoint& p = s.points.front();
            out += R"(,"value":[)" + formatTimestamp(p.tMs) + ",\"" + formatPromValue(p.value) + "\"]}";
        }
    }
    out += "]}";
    return success(out);
}

HttpResponse PromApi::series(const QueryParams& params) const
{
    const std::int64_t now = m_clock();
    const auto matches = params.values("match[]");
    if (matches.empty())
        return promError(400, "bad_data", "no match[] parameter provided");
    std::vector<SeriesSelector> selectors;
    for (const auto& m : matches) {
        auto sel = SeriesSelector::parse(m);
        if (!sel)
            return promError(400, "bad_data", "invalid parameter \"match[]\": " + sel.error().message);
        selectors.push_back(std::move(*sel));
    }
    std::int64_t start = now - SandboxModel::kHistoryMs;
    std::int64_t end = now;
    if (params.has("start")) {
        auto s = parsePromTime(params.value("start"));
        if (!s)
            return promError(400, "bad_data", "invalid parameter \"start\": " + s.error().message);
        start = *s;
    }
    if (params.has("end")) {
        auto e = parsePromTime(params.value("end"));
        if (!e)
            return promError(400, "bad_data", "invalid parameter \"end\": " + e.error().message);
        end = *e;
    }
    json data = json::array();
    for (const Labels& l : m_evaluator.seriesMatching(selectors, start, std::min(end, now))) {
        json m = json::object();
        for (const auto& [k, v] : l)
            m[k] = v;
        data.push_back(m);
    }
    return success(data.dump());
}

HttpResponse PromApi::labels(const QueryParams& params, const std::string& valuesOf) const
{
    std::vector<SeriesSelector> selectors;
    for (const auto& m : params.values("match[]")) {
        auto sel = SeriesSelector::parse(m);
        if (!sel)
            return promError(400, "bad_data", "invalid parameter \"match[]\": " + sel.error().message);
        selectors.push_back(std::move(*sel));
    }
    std::set<std::string> out;
    for (const RawSeries& s : m_history.series()) {
        bool matched = selectors.empty();
        for (const auto& sel : selectors)
            matched = matched || sel.matches(s.metric, s.labels);
        if (!matched)
            continue;
        if (valuesOf.empty()) {
            out.insert("__name__");
            for (const auto& [k, v] : s.labels)
                out.insert(k);
        } else if (valuesOf == "__name__") {
            out.insert(s.metric);
        } else if (auto it = s.labels.find(valuesOf); it != s.labels.end() && !it->second.empty()) {
            out.insert(it->second);
        }
    }
    return success(json(out).dump());
}

} // namespace leakdesk::sandbox
