#include "core/radar/RadarJson.h"

#include "core/common/Quantity.h"

#include <QDateTime>
#include <QTimeZone>

#include <cstdio>
#include <sstream>

namespace leakdesk::radar {

using nlohmann::json;

namespace {

json optionalNumber(const std::optional<double>& v)
{
    return v ? json(*v) : json(nullptr);
}

std::string isoTime(std::int64_t ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc()).toString(Qt::ISODate).toStdString();
}

json containerToJson(const RadarContainer& c)
{
    return json {
        { "name", c.name },
        { "main", c.main },
        { "role", c.role },
        { "score", c.dataKnown ? json(c.score) : json(nullptr) },
        { "data_known", c.dataKnown },
        { "pattern", c.pattern },
        { "reason", c.reason },
        { "growth_bytes_per_hour", c.growthBytesPerHour },
        { "oom_kills_24h", c.oomKills24h },
        { "restarts_24h", c.restarts24h },
        { "time_to_limit_hours", optionalNumber(c.timeToLimitHours) },
        { "working_set_bytes", optionalNumber(c.workingSetBytes) },
        { "limit_bytes", optionalNumber(c.limitBytes) },
    };
}

std::string fixed(double v, int decimals)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string padded(std::string s, std::size_t width)
{
    if (s.size() < width)
        s.append(width - s.size(), ' ');
    return s;
}

} // namespace

json radarRowToJson(const RadarRow& row)
{
    json sparkline = json::array();
    for (const Sample& s : row.sparkline)
        sparkline.push_back({ static_cast<double>(s.tMs) / 1000.0, s.value });
    json containers = json::array();
    for (const RadarContainer& c : row.containers)
        containers.push_back(containerToJson(c));
    return json {
        { "cluster", row.cluster },
        { "namespace", row.ns },
        { "workload", { { "kind", row.workloadKind }, { "name", row.workloadName } } },
        // Unknown is not zero: a row without memory data has no score.
        { "score", row.dataKnown ? json(row.score) : json(nullptr) },
        { "reason", row.reason },
        { "growth_bytes_per_hour", row.growthBytesPerHour },
        { "oom_kills_24h", row.oomKills24h },
        { "restarts_24h", row.restarts24h },
        { "time_to_limit_hours", optionalNumber(row.timeToLimitHours) },
        { "data_known", row.dataKnown },
        { "container", row.container },
        { "pattern", row.pattern },
        { "working_set_bytes", optionalNumber(row.workingSetBytes) },
        { "limit_bytes", optionalNumber(row.limitBytes) },
        { "pods", row.pods },
        { "sparkline", sparkline },
        { "containers", containers },
    };
}

json radarReportToJson(const RadarReport& report)
{
    json rows = json::array();
    for (const RadarRow& row : report.rows)
        rows.push_back(radarRowToJson(row));
    json failures = json::array();
    for (const RadarFailure& f : report.failures)
        failures.push_back({ { "namespace", f.ns }, { "query", f.query }, { "promql", f.promql },
            { "error",
                { { "code", errorCodeName(f.error.code) }, { "message", f.error.message },
                    { "detail", f.error.detail } } } });
    return json {
        { "evaluated_at", isoTime(report.nowMs) },
        { "window_hours", static_cast<double>(report.windowMs) / 3600000.0 },
        { "namespaces", report.namespaces },
        { "workloads_seen", report.workloadsSeen },
        { "no_data", report.noData() },
        { "rows", rows },
        { "failures", failures },
        { "notes", report.notes },
        { "queries", report.queries },
        { "bytes_received", report.bytesReceived },
        { "elapsed_ms", report.elapsedMs },
    };
}

std::string radarReportToText(const RadarReport& report)
{
    std::ostringstream out;
    bool clusters = false;
    for (const RadarRow& row : report.rows)
        clusters = clusters || !row.cluster.empty();
    out << "Leak radar at " << isoTime(report.nowMs) << ", window " << fixed(report.windowMs / 3600000.0, 1) << " h, "
        << report.rows.size() << " of " << report.workloadsSeen << " workloads in " << report.namespaces.size()
        << " namespace(s)\n\n";
    out << padded("#", 4) << (clusters ? padded("CLUSTER", 16) : "") << padded("NAMESPACE", 16)
        << padded("WORKLOAD", 34) << padded("SCORE", 7) << padded("GROWTH/H", 12) << padded("OOM", 5)
        << padded("RESTARTS", 10) << padded("TO LIMIT", 10) << "REASON\n";
    int rank = 0;
    for (const RadarRow& row : report.rows) {
        out << padded(std::to_string(++rank), 4) << (clusters ? padded(row.cluster, 16) : "") << padded(row.ns, 16)
            << padded(row.workloadKind + "/" + row.workloadName, 34)
            << padded(row.dataKnown ? fixed(row.score, 2) : "?", 7)
            << padded(row.dataKnown ? formatBytes(row.growthBytesPerHour) : "-", 12)
            << padded(std::to_string(row.oomKills24h), 5) << padded(std::to_string(row.restarts24h), 10)
            << padded(row.timeToLimitHours ? fixed(*row.timeToLimitHours, 1) + " h" : "-", 10) << row.reason << "\n";
    }
    if (!report.failures.empty()) {
        out << "\nNot answered (these rows may be missing or incomplete):\n";
        for (const RadarFailure& f : report.failures)
            out << "  " << (f.ns.empty() ? std::string("(namespaces)") : f.ns) << " " << f.query << ": "
                << f.error.message << "\n";
    }
    for (const std::string& note : report.notes)
        out << "\nNote: " << note << "\n";
    if (report.noData())
        out << "\nNo workload had memory data: the radar cannot tell whether anything leaks (not \"no leak\").\n";
    out << "\n"
        << report.queries << " queries, " << formatBytes(static_cast<double>(report.bytesReceived)) << " received, "
        << report.elapsedMs << " ms\n";
    return out.str();
}

} // namespace leakdesk::radar
