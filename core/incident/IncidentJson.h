#pragma once
// The .leakdesk file format: JSON with a format marker and a schema version. Readers accept every
// older version (migrations run in order on the JSON before it is read) and report a corrupt or
// truncated file with the byte offset, line and column where reading stopped.
//
// Field names are a file format: add fields, never rename; a rename needs a schema bump and a
// migration in IncidentJson.cpp.

#include "core/common/Result.h"
#include "core/incident/IncidentDocument.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace leakdesk::incident {

nlohmann::json incidentToJson(const IncidentDocument& doc);

// The bytes written to disk (UTF-8 JSON, one-space indent, keys sorted, trailing newline).
std::string serializeIncident(const IncidentDocument& doc);

struct ParseLocation {
    std::int64_t byteOffset = -1; // -1: not a syntax problem (schema, version)
    int line = 0; // 1-based
    int column = 0; // 1-based, in bytes
    bool truncated = false; // the input ended before the JSON did
};

// Upgrades an older document's JSON to kSchemaVersion in place; `applied` gets one line per
// migration ("v1 -> v2: ..."). Fails for a newer or unknown version.
Status migrateIncidentJson(nlohmann::json& j, std::vector<std::string>* applied = nullptr);

// Reads JSON already parsed (migrating it first).
Result<IncidentDocument> incidentFromJson(nlohmann::json j, std::vector<std::string>* migrations = nullptr);

// Parses file bytes. On a syntax error `where` says where reading stopped.
Result<IncidentDocument> parseIncident(
    std::string_view bytes, ParseLocation* where = nullptr, std::vector<std::string>* migrations = nullptr);

// Line and column (1-based) of a byte offset in `text`.
ParseLocation locateOffset(std::string_view text, std::int64_t byteOffset);

} // namespace leakdesk::incident
