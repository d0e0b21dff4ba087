#include "core/alerts/AlertmanagerClient.h"

#include <QUrl>

namespace leakdesk::alerts {

prometheus::PromSettingNames alertmanagerSettingNames()
{
    prometheus::PromSettingNames n;
    n.server = "Alertmanager";
    n.url = "--alertmanager";
    n.ca = "--alertmanager-ca";
    n.token = "--alertmanager-token-file";
    n.insecureSkipTlsVerify = "--alertmanager-insecure-skip-tls-verify";
    n.header = "--alertmanager-header";
    n.param = "--alertmanager-param";
    return n;
}

namespace {

prometheus::PromConnection forAlertmanager(prometheus::PromConnection c)
{
    if (c.settingNames.server == prometheus::PromSettingNames {}.server)
        c.settingNames = alertmanagerSettingNames();
    // Alerts and silences are small; a cluster with tens of thousands of alerts still fits.
    c.maxBodyBytes = std::min<qint64>(c.maxBodyBytes, 64LL * 1024 * 1024);
    return c;
}

QList<std::pair<QString, QString>> queryParams(const AlertQuery& q)
{
    QList<std::pair<QString, QString>> params;
    const auto flag = [](bool b) { return b ? QStringLiteral("true") : QStringLiteral("false"); };
    params.append({ QStringLiteral("active"), flag(q.active) });
    params.append({ QStringLiteral("silenced"), flag(q.silenced) });
    params.append({ QStringLiteral("inhibited"), flag(q.inhibited) });
    params.append({ QStringLiteral("unprocessed"), flag(q.unprocessed) });
    for (const SilenceMatcher& m : q.filter)
        params.append({ QStringLiteral("filter"), QString::fromStdString(m.text()) });
    return params;
}

} // namespace

AlertmanagerClient::AlertmanagerClient(prometheus::PromConnection connection, QObject* parent)
    : QObject(parent)
    , m_http(std::make_unique<prometheus::PromClient>(forAlertmanager(std::move(connection))))
{ }

AlertmanagerClient::~AlertmanagerClient() = default;

std::string AlertmanagerClient::baseUrl() const
{
    return connection().baseUrl.toString(QUrl::RemoveUserInfo).toStdString();
}

Result<QByteArray> AlertmanagerClient::checked(Result<QByteArray> body, int status, const std::string& what) const
{
    if (!body)
        return body.error();
    if (status >= 200 && status < 300)
        return body;
    const std::string said = alertmanagerErrorText(*body);
    const std::string where = "Alertmanager at " + baseUrl();
    const std::string reason = said.empty() ? std::string() : ": " + said;
    if (status == 404)
        return makeError(ErrorCode::NotFound, where + " has no " + what + " (HTTP 404" + reason + ")",
            "check the --alertmanager URL (Alertmanager's base URL, API v2) and the id");
    if (status == 400 || status == 422)
        return makeError(ErrorCode::InvalidArgument,
            where + " refused the " + what + " (HTTP " + std::to_string(status) + reason + ")");
    return makeError(ErrorCode::Server, where + " answered HTTP " + std::to_string(status) + " to the " + what + reason,
        "check that the URL is Alertmanager's (API v2)");
}

void AlertmanagerClient::alerts(const AlertQuery& query, QObject* context, Callback<std::vector<Alert>> done)
{
    m_http->request("GET", QStringLiteral("/api/v2/alerts"), queryParams(query), {}, context,
        [this, done](Result<QByteArray> body, int status) {
            auto ok = checked(std::move(body), status, "alerts");
            if (!ok)
                return done(ok.error());
            done(parseAlerts(*ok));
        });
}

void AlertmanagerClient::silences(QObject* context, Callback<std::vector<Silence>> done)
{
    m_http->request(
        "GET", QStringLiteral("/api/v2/silences"), {}, {}, context, [this, done](Result<QByteArray> body, int status) {
            auto ok = checked(std::move(body), status, "silences");
            if (!ok)
                return done(ok.error());
            done(parseSilences(*ok));
        });
}

namespace {

// A silence id in a path: Alertmanager's are UUIDs; anything else could walk the path.
bool plausibleSilenceId(const std::string& id)
{
    if (id.empty() || id.size() > 64)
        return false;
    return std::all_of(id.begin(), id.end(),
        [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-'; });
}

Error badId(const std::string& id)
{
    return makeError(ErrorCode::InvalidArgument, "'" + id.substr(0, 64) + "' is not a silence id",
        "a silence id is a UUID, as `amtool silence query` prints it");
}

} // namespace

void AlertmanagerClient::silence(const std::string& id, QObject* context, Callback<Silence> done)
{
    if (!plausibleSilenceId(id))
        return done(badId(id));
    m_http->request("GET", QStringLiteral("/api/v2/silence/") + QString::fromStdString(id), {}, {}, context,
        [this, done](Result<QByteArray> body, int status) {
            auto ok = checked(std::move(body), status, "silence of that id");
            if (!ok)
                return done(ok.error());
            done(parseSilence(*ok));
        });
}

void AlertmanagerClient::createSilence(const Silence& silence, QObject* context, Callback<std::string> done)
{
    const QByteArray body = QByteArray::fromStdString(silenceToJson(silence).dump());
    m_http->request("POST", QStringLiteral("/api/v2/silences"), {}, body, context,
        [this, done](Result<QByteArray> answer, int status) {
            auto ok = checked(std::move(answer), status, "silence");
            if (!ok)
                return done(ok.error());
            done(parseSilenceCreated(*ok));
        });
}

void AlertmanagerClient::expireSilence(const std::string& id, QObject* context, Callback<Ok> done)
{
    if (!plausibleSilenceId(id))
        return done(badId(id));
    m_http->request("DELETE", QStringLiteral("/api/v2/silence/") + QString::fromStdString(id), {}, {}, context,
        [this, done](Result<QByteArray> answer, int status) {
            auto ok = checked(std::move(answer), status, "silence of that id");
            if (!ok)
                return done(ok.error());
            done(Ok {});
        });
}

void AlertmanagerClient::version(QObject* context, Callback<std::string> done)
{
    m_http->request(
        "GET", QStringLiteral("/api/v2/status"), {}, {}, context, [this, done](Result<QByteArray> body, int status) {
            auto ok = checked(std::move(body), status, "status");
            if (!ok)
                return done(ok.error());
            try {
                const auto j = nlohmann::json::parse(ok->constData(), ok->constData() + ok->size());
                const auto& info = j.at("versionInfo");
                if (!info.is_object() || !info.contains("version") || !info["version"].is_string())
                    return done(makeError(ErrorCode::Parse, "Alertmanager's status names no version"));
                done(info["version"].get<std::string>());
            } catch (const std::exception&) {
                done(makeError(ErrorCode::Parse,
                    "the answer at " + baseUrl() + "/api/v2/status is not Alertmanager's status",
                    "check the --alertmanager URL"));
            }
        });
}

} // namespace leakdesk::alerts
