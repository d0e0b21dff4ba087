#pragma once
// Server-side printing: the meta.k8s.io/v1 Table a v1.32 API server returns when kubectl asks
// for `application/json;as=Table;v=v1;g=meta.k8s.io`. Columns and cell formats follow the API
// server's printers (kubectl itself hides priority-1 columns unless -o wide).

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace leakdesk::sandbox {

enum class IncludeObject { None, Metadata, Object };

// k8s.io/apimachinery/pkg/util/duration.HumanDuration: "45s", "3m12s", "47m", "5h3m", "8d".
std::string humanDuration(std::int64_t ms);

// `kind` is the object's kind ("Pod", "Event", ...); objects are full API objects with kind/apiVersion.
nlohmann::json makeTable(const std::string& kind, const std::vector<nlohmann::json>& objects, std::int64_t nowMs,
    IncludeObject include, const nlohmann::json& listMetadata);

} // namespace leakdesk::sandbox
