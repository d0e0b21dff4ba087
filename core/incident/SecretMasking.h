#pragma once
// Secrets never enter an incident file or an export. LeakDesk itself never copies a credential
// into the document, but text from outside does arrive: a command's captured output (`kubectl
// config view --raw`), a pasted note, an action's revert data. Everything free-form is masked on
// the way in (recording) and once more on the way out (saving, exporting).

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace leakdesk::incident {

inline constexpr const char* kMasked = "***";

// Replaces the values of token/password/key assignments, Authorization and Bearer headers,
// `--token VALUE` arguments and JWT-shaped strings with "***". The key names stay, so a reader
// sees that something was there.
std::string maskSecrets(std::string_view text);

// The same for every string of a JSON tree; values under secret-looking keys ("token",
// "password", "client-key-data" ...) are replaced whole.
void maskSecretsInJson(nlohmann::json& j);

bool isSecretKeyName(std::string_view key);

} // namespace leakdesk::incident
