#pragma once
// The radar's output formats. The JSON field names are an interface (issue 18 names the rows':
// cluster, namespace, workload {kind, name}, score, reason, growth_bytes_per_hour, oom_kills_24h,
// restarts_24h, time_to_limit_hours; more fields may be added, none renamed). Schema:
// resources/schemas/radar.schema.json.

#include "core/radar/Radar.h"

#include <nlohmann/json.hpp>

#include <string>

namespace leakdesk::radar {

nlohmann::json radarRowToJson(const RadarRow& row);
nlohmann::json radarReportToJson(const RadarReport& report);
// A table for a terminal: rank, cluster (when any row has one), namespace, workload, score, growth,
// OOM kills, restarts, time to limit, reason; then the failures and notes.
std::string radarReportToText(const RadarReport& report);

} // namespace leakdesk::radar
