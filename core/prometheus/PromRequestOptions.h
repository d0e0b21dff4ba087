#pragma once
// What a user adds to every Prometheus request to reach it in the wild: extra headers (a tenant
// for Mimir/Cortex, `X-Scope-OrgID`), extra query parameters (Thanos `dedup`, `partial_response`),
// a bearer token kept in a file that rotates (Kubernetes projected tokens). Parsed and checked here,
// once, for the command line, the config file and the GUI's connection dialog alike.
//
// Header values are treated as credentials (a tenant id can be one, and an `Authorization` header
// given this way is one): they never appear in messages; redactSecrets() takes them out of text
// that came from elsewhere (a server's answer).

#include "core/common/Result.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leakdesk::prometheus {

struct PromHeader {
    QByteArray name;
    QByteArray value; // never logged
    bool operator==(const PromHeader&) const = default;
};

struct PromParam {
    QString key;
    QString value;
    bool operator==(const PromParam&) const = default;
};

// Why `name` cannot be an extra header: not an RFC 9110 token, or one LeakDesk or the HTTP layer
// must set itself (Host, Content-Length, Transfer-Encoding, Connection and the other hop-by-hop
// headers, Accept); nothing when it can.
std::optional<std::string> promHeaderNameProblem(std::string_view name);

// A header and value checked: the name as above, the value without line breaks or control
// characters. `setting` names where it came from ("--prometheus-header", "config.yaml line 7");
// the value never appears in the error.
std::optional<Error> checkPromHeader(const PromHeader& header, const std::string& setting);

// "Name: value" (as curl -H takes it; spaces around the value are not part of it) into a checked header.
Result<PromHeader> parsePromHeaderOption(std::string_view text, const std::string& setting);

// "key=value" into a parameter; the key must be non-empty and not one LeakDesk sets for each
// request (query, time, start, end, step, match[]).
Result<PromParam> parsePromParamOption(std::string_view text, const std::string& setting);
std::optional<Error> checkPromParam(const PromParam& param, const std::string& setting);

// The bearer token in `path`, read as kubectl reads a tokenFile (surrounding whitespace dropped),
// refused when empty or unfit for a header. `setting` names the option in messages.
Result<QByteArray> readBearerTokenFile(const QString& path, const std::string& setting);

// `text` with every occurrence of each secret of kMinRedactedLength bytes or more replaced by
// "[redacted]".
inline constexpr qsizetype kMinRedactedLength = 4;
std::string redactSecrets(std::string text, const std::vector<QByteArray>& secrets);

} // namespace leakdesk::prometheus
