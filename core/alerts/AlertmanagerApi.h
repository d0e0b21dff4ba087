#pragma once
// The Alertmanager API v2 as LeakDesk reads and writes it: alerts (GET /api/v2/alerts), silences
// (GET/POST /api/v2/silences, GET/DELETE /api/v2/silence/{id}) and their JSON. Pure functions over
// the bodies, so every shape (and every broken one: the answer comes from a server we do not
// control) is tested without a server; AlertmanagerClient does the HTTP.

#include "core/common/Result.h"
#include "core/common/Series.h"

#include <nlohmann/json.hpp>

#include <QByteArray>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakdesk::alerts {

struct Alert {
    std::string fingerprint; // Alertmanager's hash of the label set: how an alert is named
    Labels labels; // alertname, namespace, pod, severity ...
    Labels annotations; // summary, description, runbook_url ...
    std::int64_t startsAtMs = 0;
    std::int64_t endsAtMs = 0;
    std::int64_t updatedAtMs = 0;
    std::string state; // "active", "suppressed" (silenced or inhibited), "unprocessed"
    std::vector<std::string> silencedBy; // silence ids
    std::vector<std::string> inhibitedBy; // fingerprints
    std::vector<std::string> receivers;
    std::string generatorUrl;

    std::string name() const; // the alertname label
    std::string label(const std::string& key) const; // "" when absent
    bool silenced() const { return !silencedBy.empty(); }
    bool operator==(const Alert&) const = default;
};

// One matcher of a silence (or of an alerts filter): name="value", name!="value", name=~"re", name!~"re".
struct SilenceMatcher {
    std::string name;
    std::string value;
    bool isRegex = false;
    bool isEqual = true;

    std::string text() const; // as amtool and the filter parameter write it: namespace="storefront"
    bool operator==(const SilenceMatcher&) const = default;
};

struct Silence {
    std::string id; // empty for a silence not created yet
    std::vector<SilenceMatcher> matchers;
    std::int64_t startsAtMs = 0;
    std::int64_t endsAtMs = 0;
    std::int64_t updatedAtMs = 0;
    std::string createdBy;
    std::string comment;
    std::string state; // "active", "pending", "expired" (as the server says)
    bool operator==(const Silence&) const = default;
};

// More alerts or silences than this in one answer is refused rather than held (a sane
// Alertmanager has hundreds; the answer's size is the server's to choose).
inline constexpr std::size_t kMaxAlertsPerAnswer = 50000;
inline constexpr std::size_t kMaxSilencesPerAnswer = 50000;

// Times as Alertmanager writes them: RFC 3339 with up to nanoseconds ("2026-12-07T17:00:00.123456789Z"
// or with an offset). Go's zero time ("0001-01-01T00:00:00Z") is 0.
Result<std::int64_t> parseAlertmanagerTime(std::string_view text);
std::string formatAlertmanagerTime(std::int64_t ms); // "2026-12-07T17:00:00.123Z"

// GET /api/v2/alerts: a JSON array of gettableAlert.
Result<std::vector<Alert>> parseAlerts(const QByteArray& body);
// GET /api/v2/silences: a JSON array of gettableSilence; GET /api/v2/silence/{id}: one.
Result<std::vector<Silence>> parseSilences(const QByteArray& body);
Result<Silence> parseSilence(const QByteArray& body);
// POST /api/v2/silences answers {"silenceID": "..."}.
Result<std::string> parseSilenceCreated(const QByteArray& body);
// The postableSilence body (the id only when it is set: that updates an existing silence).
nlohmann::json silenceToJson(const Silence& silence);

// What an error answer of Alertmanager says: its bodies are a JSON string ("silence not found"),
// sometimes an object with "message", sometimes plain text. Short, one line, no control characters.
std::string alertmanagerErrorText(const QByteArray& body);

} // namespace leakdesk::alerts
