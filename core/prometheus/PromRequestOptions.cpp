#include "core/prometheus/PromRequestOptions.h"

#include "core/common/HeaderValue.h"
#include "core/common/RegularFile.h"

#include <QFile>

#include <algorithm>
#include <array>
#include <cctype>

namespace leakdesk::prometheus {

namespace {

std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return out;
}

// RFC 9110 5.6.2 tchar.
bool isTokenChar(unsigned char c)
{
    if (std::isalnum(c))
        return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(char(c)) != std::string_view::npos;
}

std::string_view trimSpaces(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

} // namespace

std::optional<std::string> promHeaderNameProblem(std::string_view name)
{
    if (name.empty())
        return std::string("has no name");
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (!isTokenChar(static_cast<unsigned char>(name[i])))
            return "has a name with a character a header name cannot hold at byte " + std::to_string(i);
    }
    // Why these: the HTTP layer frames the request with them (a second Host or Content-Length
    // makes servers and proxies disagree about where a request ends: request smuggling), the
    // hop-by-hop ones are for the next hop only and a proxy on the way would act on them, and
    // Accept says we read the API's JSON.
    static constexpr std::array<std::string_view, 13> reserved { "host", "content-length", "transfer-encoding",
        "connection", "keep-alive", "proxy-connection", "upgrade", "te", "trailer", "expect", "proxy-authorization",
        "proxy-authenticate", "accept" };
    const std::string l = lower(name);
    if (std::find(reserved.begin(), reserved.end(), l) != reserved.end())
        return "names " + std::string(name) + ", which the HTTP layer sets itself and a request must not carry twice";
    return std::nullopt;
}

std::optional<Error> checkPromHeader(const PromHeader& header, const std::string& setting)
{
    const std::string fix = "pass headers as 'Name: value' with " + setting + ", e.g. 'X-Scope-OrgID: tenant-1'";
    if (auto problem = promHeaderNameProblem(std::string_view(header.name.constData(), size_t(header.name.size()))))
        return makeError(ErrorCode::Config, "the Prometheus header given with " + setting + " " + *problem, fix);
    // The value is refused without being shown: it may be a credential.
    return checkHeaderValue(std::string_view(header.value.constData(), size_t(header.value.size())),
        "the value of the Prometheus header " + header.name.toStdString() + " (" + setting + ")", fix);
}

Result<PromHeader> parsePromHeaderOption(std::string_view text, const std::string& setting)
{
    const std::size_t colon = text.find(':');
    if (colon == std::string_view::npos)
        return makeError(ErrorCode::Config, "the Prometheus header given with " + setting + " has no ':'",
            "pass it as 'Name: value', e.g. 'X-Scope-OrgID: tenant-1'");
    const std::string_view name = trimSpaces(text.substr(0, colon));
    const std::string_view value = trimSpaces(text.substr(colon + 1));
    PromHeader h { QByteArray(name.data(), qsizetype(name.size())), QByteArray(value.data(), qsizetype(value.size())) };
    if (auto bad = checkPromHeader(h, setting))
        return *bad;
    return h;
}

std::optional<Error> checkPromParam(const PromParam& param, const std::string& setting)
{
    const std::string fix = "pass parameters as key=value with " + setting + ", e.g. dedup=true";
    if (param.key.isEmpty())
        return makeError(ErrorCode::Config, "the Prometheus parameter given with " + setting + " has no key", fix);
    static const QStringList own { QStringLiteral("query"), QStringLiteral("time"), QStringLiteral("start"),
        QStringLiteral("end"), QStringLiteral("step"), QStringLiteral("match[]") };
    if (own.contains(param.key))
        return makeError(ErrorCode::Config,
            "the Prometheus parameter " + param.key.toStdString() + " (" + setting
                + ") is one LeakDesk sets for each request",
            "leave it out; extra parameters are for things like dedup=true or partial_response=false");
    return std::nullopt;
}

Result<PromParam> parsePromParamOption(std::string_view text, const std::string& setting)
{
    const std::size_t eq = text.find('=');
    if (eq == std::string_view::npos)
        return makeError(ErrorCode::Config,
            "the Prometheus parameter '" + std::string(text.substr(0, 60)) + "' given with " + setting + " has no '='",
            "pass it as key=value, e.g. dedup=true");
    PromParam p { QString::fromUtf8(text.data(), qsizetype(eq)),
        QString::fromUtf8(text.data() + eq + 1, qsizetype(text.size() - eq - 1)) };
    if (auto bad = checkPromParam(p, setting))
        return *bad;
    return p;
}

Result<QByteArray> readBearerTokenFile(const QString& path, const std::string& setting)
{
    auto text = readRegularFile(QFile::encodeName(path).toStdString(), fileLimits::kToken, "Prometheus token file");
    if (!text)
        return makeError(ErrorCode::Config, text.error().message, "fix " + setting);
    // As kubectl reads a tokenFile: the trailing newline is not part of the token; one inside is
    // an injected header, refused with the setting's name.
    const std::string_view token = trimCredentialFromFile(*text);
    const std::string where = "the Prometheus token file " + path.toStdString() + " (" + setting + ")";
    const std::string fix = "write the bearer token alone into the file given with " + setting;
    if (token.empty())
        return makeError(ErrorCode::Config, where + " is empty", fix);
    if (auto bad = checkHeaderValue(token, where, fix))
        return *bad;
    return QByteArray(token.data(), qsizetype(token.size()));
}

std::string redactSecrets(std::string text, const std::vector<QByteArray>& secrets)
{
    static const std::string mark = "[redacted]";
    for (const QByteArray& secret : secrets) {
        // A value of one to three characters ("1", "yes") is no secret worth the cost: replacing it
        // everywhere would garble the message ("HTTP 40[redacted]").
        if (secret.size() < kMinRedactedLength)
            continue;
        const std::string s = secret.toStdString();
        for (std::size_t at = text.find(s); at != std::string::npos; at = text.find(s, at + mark.size()))
            text.replace(at, s.size(), mark);
    }
    return text;
}

} // namespace leakdesk::prometheus
