#pragma once
// The machine-readable form of Findings, as `leakdesk-cli investigate --format json` prints it.
// Field names are a public interface (scripts parse them): add fields, never rename.

#include "core/investigation/Findings.h"

#include <nlohmann/json.hpp>

namespace leakdesk::investigation {

nlohmann::json findingsToJson(const Findings& findings);

// The human-readable report of the same findings (`--format text`).
std::string findingsToText(const Findings& findings);

} // namespace leakdesk::investigation
