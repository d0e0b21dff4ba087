#include "core/prometheus/PromClient.h"

#include "core/common/HeaderValue.h"
#include "core/common/JsonNesting.h"
#include "core/prometheus/QueryCatalogue.h"
#include "core/tls/NetworkProxy.h"
#include "core/tls/TlsExplanation.h"

#include <nlohmann/json.hpp>

#include <QElapsedTimer>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QTimer>
#include <QUrlQuery>

#include <algorithm>
#include <cmath>

#include <sys/stat.h>

namespace leakdesk::prometheus {

using nlohmann::json;

std::int64_t chooseStepMs(const TimeRange& range, std::int64_t maxPoints, std::int64_t minStepMs)
{
    const std::int64_t span = std::max<std::int64_t>(range.durationMs(), 1);
    std::int64_t step = std::max(minStepMs, (span + maxPoints - 1) / std::max<std::int64_t>(maxPoints - 1, 1));
    // Whole seconds keep Prometheus's evaluation grid aligned with ours.
    step = ((step + 999) / 1000) * 1000;
    return step;
}

std::vector<TimeRange> splitRange(const TimeRange& range, std::int64_t stepMs)
{
    std::vector<TimeRange> out;
    if (stepMs <= 0 || range.endMs < range.startMs)
        return out;
    const std::int64_t chunk = stepMs * (kMaxPointsPerSeries - 1);
    for (std::int64_t s = range.startMs; s <= range.endMs; s += chunk + stepMs) {
        out.push_back({ s, std::min(range.endMs, s + chunk) });
    }
    return out;
}

namespace {

double parseValue(const json& v)
{
    // Values arrive as strings, including "NaN", "+Inf", "-Inf".
    const std::string s = v.get<std::string>();
    if (s == "NaN")
        return std::nan("");
    if (s == "+Inf")
        return INFINITY;
    if (s == "-Inf")
        return -INFINITY;
    return std::stod(s);
}

Sample parsePair(const json& pair)
{
    return Sample { static_cast<std::int64_t>(std::llround(pair.at(0).get<double>() * 1000.0)), parseValue(pair.at(1)) };
}

} // namespace

namespace {

// The API's envelope: {"status": "success", "data": ..., "warnings": [...]} or an error. The
// parsed JSON on success; the warnings go to `warnings`.
Result<json> parseEnvelope(const QByteArray& body, int httpStatus, std::vector<std::string>& warnings)
{
    if (jsonNestingBeyond(std::string_view(body.constData(), std::size_t(body.size()))))
        return makeError(ErrorCode::Parse,
            "Prometheus answered HTTP " + std::to_string(httpStatus) + " with JSON nested deeper than "
                + std::to_string(kMaxJsonDepth) + " levels",
            "no Prometheus API answer does; check what answers at the Prometheus URL");
    json j;
    try {
        j = json::parse(body.toStdString());
    } catch (const json::exception&) {
        return makeError(httpStatus >= 500 ? ErrorCode::Server : ErrorCode::Parse,
            "Prometheus answered HTTP " + std::to_string(httpStatus) + " with something that is not its API's JSON",
            "check the Prometheus URL (it should be the server's base URL, e.g. http://host:9090): " + body.left(120).toStdString());
    }
    if (!j.is_object())
        return makeError(ErrorCode::Parse, "Prometheus answered HTTP " + std::to_string(httpStatus) + " with JSON that is not an API response",
            "check the Prometheus URL (it should be the server's base URL, e.g. http://host:9090)");
    try {
        if (j.contains("warnings") && j["warnings"].is_array())
            for (const auto& w : j["warnings"])
                warnings.push_back(w.is_string() ? w.get<std::string>() : w.dump());
        if (j.value("status", "") != "success") {
            const std::string type = j.value("errorType", "error");
            const std::string msg = j.value("error", "unknown error");
            ErrorCode code = ErrorCode::Server;
            if (type == "bad_data")
                code = ErrorCode::InvalidArgument;
            else if (type == "timeout")
                code = ErrorCode::Timeout;
            else if (type == "canceled")
                code = ErrorCode::Cancelled;
            return makeError(code, "Prometheus rejected the query (" + type + "): " + msg,
                type == "timeout" ? "narrow the time range or raise the query timeout" : "");
        }
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Parse, "Prometheus's answer has an unexpected shape", e.what());
    }
    return j;
}

} // namespace

Result<std::vector<Labels>> parseSeriesResponse(const QByteArray& body, int httpStatus, std::size_t maxSeries)
{
    std::vector<std::string> warnings;
    auto j = parseEnvelope(body, httpStatus, warnings);
    if (!j)
        return j.error();
    std::vector<Labels> out;
    try {
        const json& data = j->at("data");
        if (!data.is_array())
            return makeError(ErrorCode::Parse, "Prometheus's series answer has no list of series");
        if (data.size() > maxSeries)
            return makeError(ErrorCode::Unsupported,
                "Prometheus matched " + std::to_string(data.size()) + " series, more than the "
                    + std::to_string(maxSeries) + " LeakDesk reads in one answer",
                "narrow the selector or the time range");
        for (const json& item : data) {
            if (!item.is_object())
                return makeError(ErrorCode::Parse, "Prometheus's series answer has an entry that is not an object");
            Labels l;
            for (auto it = item.begin(); it != item.end(); ++it)
                l[it.key()] = it.value().get<std::string>();
            out.push_back(std::move(l));
        }
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Parse, "Prometheus's series answer has an unexpected shape", e.what());
    }
    return out;
}

Result<QueryResult> parsePromResponse(const QByteArray& body, int httpStatus)
{
    QueryResult r;
    r.bodyBytes = body.size();
    auto parsed = parseEnvelope(body, httpStatus, r.warnings);
    if (!parsed)
        return parsed.error();
    const json& j = *parsed;
    try {
        const json& data = j.at("data");
        const std::string type = data.at("resultType").get<std::string>();
        const json& result = data.at("result");
        if (type == "matrix" || type == "vector") {
            for (const auto& item : result) {
                Series s;
                // at(), not operator[]: on a const json a missing key is undefined behaviour
                // (found by fuzz_prom_response with a series whose "metric" key was mangled).
                const json& metric = item.at("metric");
                if (!metric.is_object())
                    return makeError(ErrorCode::Parse, "Prometheus's answer has a series whose \"metric\" is not an object");
                for (auto it = metric.begin(); it != metric.end(); ++it)
                    s.labels[it.key()] = it.value().get<std::string>();
                if (type == "matrix") {
                    for (const auto& pair : item.at("values"))
                        s.samples.push_back(parsePair(pair));
                } else {
                    s.samples.push_back(parsePair(item.at("value")));
                }
                r.series.push_back(std::move(s));
            }
        } else if (type == "scalar") {
            Series s;
            s.samples.push_back(parsePair(result));
            r.series.push_back(std::move(s));
        } else {
            return makeError(ErrorCode::Unsupported, "Prometheus returned a " + type + " result, which LeakDesk does not use");
        }
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Parse, "Prometheus's answer has an unexpected shape", e.what());
    }
    return r;
}

PromClient::PromClient(PromConnection connection, QObject* parent)
    : QObject(parent)
    , m_connection(std::move(connection))
    , m_nam(new QNetworkAccessManager(this))
{
    // The proxy is chosen once: requests go to one origin (redirects elsewhere are refused).
    m_nam->setProxy(QNetworkProxy::NoProxy);
    if (m_connection.useEnvironmentProxy) {
        auto proxy = tls::proxyForUrl(m_connection.baseUrl, tls::ProxyEnvironment::fromProcess());
        if (proxy)
            m_nam->setProxy(*proxy);
        else
            m_proxyProblem = proxy.error();
    }
    // Why follow same-origin redirects only (KubeClient refuses all): a Prometheus behind a reverse
    // proxy or with --web.route-prefix may redirect within itself (a prefix, a trailing slash),
    // which is harmless; a redirect to another scheme, host or port would hand our Authorization
    // header to a server the user never named, and Qt 6's default (NoLessSafeRedirectPolicy)
    // follows those. So Qt follows nothing and onReply() follows what stays on the origin.
    m_nam->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    if (!m_connection.bearerTokenFile.isEmpty() && m_connection.bearerToken.isEmpty())
        rereadBearerToken();
}

bool isRetryablePromFailure(int httpStatus, int networkError)
{
    if (httpStatus >= 500 || httpStatus == 429)
        return true;
    if (httpStatus != 0)
        return false;
    switch (static_cast<QNetworkReply::NetworkError>(networkError)) {
    case QNetworkReply::ConnectionRefusedError:
    case QNetworkReply::RemoteHostClosedError:
    case QNetworkReply::TimeoutError:
    case QNetworkReply::OperationCanceledError: // what a transfer timeout ends in
    case QNetworkReply::TemporaryNetworkFailureError:
    case QNetworkReply::NetworkSessionFailedError:
    case QNetworkReply::UnknownNetworkError:
        return true;
    default:
        return false;
    }
}

QString originOf(const QUrl& url)
{
    const QString scheme = url.scheme().toLower();
    const int port = url.port(scheme == QLatin1String("https") ? 443 : scheme == QLatin1String("http") ? 80 : -1);
    return scheme + QStringLiteral("://") + url.host().toLower() + QLatin1Char(':') + QString::number(port);
}

struct PromClient::Request {
    QByteArray method = "GET";
    QByteArray body;
    bool tooLarge = false; // cut off at maxBodyBytes
    QString apiPath;
    QUrl url;
    std::shared_ptr<std::atomic_bool> cancelled;
    QPointer<QObject> context;
    bool hasContext = false;
    std::function<void(Result<QByteArray>, int)> done;
    int attempts = 0;
    int redirects = 0;
    QByteArray tokenSent; // the bearer token of the last try
    bool rereadAfter401 = false;
    QElapsedTimer started;
};

PromClient::~PromClient() = default;

bool PromClient::usesTls() const { return m_connection.baseUrl.scheme() == QLatin1String("https"); }

bool PromClient::tlsVerified() const { return usesTls() && !m_connection.insecureSkipTlsVerify; }

namespace {

tls::VerifySettings verifySettings(const PromConnection& c)
{
    const PromSettingNames& n = c.settingNames;
    tls::VerifySettings s;
    s.serverRole = n.server;
    s.caGiven = !c.caCertificatesPem.isEmpty();
    s.caName = "the CA given with " + n.ca;
    s.caSetting = n.ca + " FILE";
    s.noCaClause = "no " + n.ca + " was given";
    s.serverNameFix = "use a " + n.url + " URL whose host name the certificate holds";
    s.checkAll = "check " + n.ca + " and the host name of the " + n.url + " URL";
    return s;
}

// The first line of what a server said when it refused a request, short, with our secrets it may
// echo taken out (vmauth quotes the token it did not know) and no control characters.
std::string refusalReason(QByteArray said, const std::vector<QByteArray>& secrets)
{
    said = said.left(said.indexOf('\n') < 0 ? said.size() : said.indexOf('\n')).trimmed().left(160);
    std::string reason = redactSecrets(said.toStdString(), secrets);
    reason.erase(std::remove_if(reason.begin(), reason.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }),
        reason.end());
    return reason;
}

} // namespace

std::optional<Error> PromClient::credentialProblem() const
{
    const PromSettingNames& n = m_connection.settingNames;
    const std::string fix = "fix the credentials given with " + n.token;
    if (auto bad = checkHeaderValue(
            m_connection.bearerToken.toStdString(), "the Prometheus bearer token (" + n.token + ")", fix))
        return bad;
    if (auto bad = checkHeaderValue(m_connection.basicUser.toStdString(), "the Prometheus basic-auth user name", fix))
        return bad;
    if (auto bad
        = checkHeaderValue(m_connection.basicPassword.toStdString(), "the Prometheus basic-auth password", fix))
        return bad;
    const bool credentials = !m_connection.bearerToken.isEmpty() || !m_connection.bearerTokenFile.isEmpty()
        || !m_connection.basicUser.isEmpty();
    for (const PromHeader& h : m_connection.extraHeaders) {
        if (auto bad = checkPromHeader(h, n.header))
            return bad;
        if (credentials && h.name.compare("Authorization", Qt::CaseInsensitive) == 0)
            return makeError(ErrorCode::Config,
                "an Authorization header (" + n.header + ") and a bearer token (" + n.token + ") exclude each other",
                "pass one of them");
    }
    for (const PromParam& p : m_connection.extraParams) {
        if (auto bad = checkPromParam(p, n.param))
            return bad;
    }
    return std::nullopt;
}

namespace {

// What says a file was replaced or rewritten: a projected token is swapped by renaming a
// directory symlink (new inode, new mtime); an editor or `echo >` rewrites it in place (new size
// or mtime). stat() follows the symlink, as reading it does.
bool statFile(const QString& path, qint64& mtimeNs, qint64& size, quint64& inode)
{
    struct stat st { };
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return false;
    mtimeNs = qint64(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    size = qint64(st.st_size);
    inode = quint64(st.st_ino);
    return true;
}

} // namespace

bool PromClient::rereadBearerToken()
{
    FileStamp stamp;
    if (!statFile(m_connection.bearerTokenFile, stamp.mtimeNs, stamp.size, stamp.inode))
        return false;
    auto token = readBearerTokenFile(m_connection.bearerTokenFile, m_connection.settingNames.token);
    // A file caught half-written or briefly missing while it rotates: keep the token we have, and
    // leave the stamp so the next request looks again.
    if (!token)
        return false;
    m_tokenStamp = stamp;
    const bool changed = *token != m_connection.bearerToken;
    m_connection.bearerToken = std::move(token).value();
    return changed;
}

QByteArray PromClient::currentBearerToken()
{
    if (!m_connection.bearerTokenFile.isEmpty()) {
        FileStamp now;
        if (statFile(m_connection.bearerTokenFile, now.mtimeNs, now.size, now.inode) && !(now == m_tokenStamp))
            rereadBearerToken();
    }
    return m_connection.bearerToken;
}

std::optional<Error> PromClient::configurationProblem() const
{
    if (m_proxyProblem)
        return m_proxyProblem;
    return credentialProblem();
}

Error PromClient::redacted(Error e) const
{
    const auto hidden = secrets();
    e.message = redactSecrets(std::move(e.message), hidden);
    e.detail = redactSecrets(std::move(e.detail), hidden);
    return e;
}

std::vector<QByteArray> PromClient::secrets() const
{
    std::vector<QByteArray> out { m_connection.bearerToken, m_connection.basicPassword };
    for (const PromHeader& h : m_connection.extraHeaders)
        out.push_back(h.value);
    return out;
}

PromCall PromClient::request(const QByteArray& method, const QString& apiPath,
    const QList<std::pair<QString, QString>>& params, const QByteArray& jsonBody, QObject* context,
    std::function<void(Result<QByteArray>, int)> done)
{
    auto cancelled = std::make_shared<std::atomic_bool>(false);
    call(method, apiPath, params, jsonBody, cancelled, context, context != nullptr,
        [this, done](Result<QByteArray> body, int status) {
            if (!body)
                return done(redacted(body.error()), status);
            done(std::move(body), status);
        });
    return PromCall(cancelled);
}

void PromClient::call(const QByteArray& method, const QString& apiPath,
    const QList<std::pair<QString, QString>>& params, const QByteArray& body,
    std::shared_ptr<std::atomic_bool> cancelled, QPointer<QObject> context, bool hasContext,
    std::function<void(Result<QByteArray>, int)> done)
{
    if (m_proxyProblem) {
        QTimer::singleShot(0, this, [done, error = *m_proxyProblem] { done(error, 0); });
        return;
    }
    if (auto bad = credentialProblem()) {
        QTimer::singleShot(0, this, [done, error = *bad] { done(error, 0); });
        return;
    }
    QUrl url = m_connection.baseUrl;
    QString path = url.path();
    if (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    url.setPath(path + apiPath);
    QUrlQuery query;
    for (const auto& [k, v] : params)
        query.addQueryItem(k, QString::fromUtf8(QUrl::toPercentEncoding(v)));
    for (const PromParam& p : m_connection.extraParams)
        query.addQueryItem(
            QString::fromUtf8(QUrl::toPercentEncoding(p.key)), QString::fromUtf8(QUrl::toPercentEncoding(p.value)));
    url.setQuery(query);
    if (m_connection.transport) {
        m_connection.transport(
            method, url, body, this, [cancelled, context, hasContext, done](Result<QByteArray> answer, int status) {
                if (!cancelled->load() && (!hasContext || context))
                    done(std::move(answer), status);
            });
        return;
    }
    auto request = std::make_shared<Request>();
    request->method = method;
    request->body = body;
    request->apiPath = apiPath;
    request->url = url;
    request->cancelled = std::move(cancelled);
    request->context = context;
    request->hasContext = hasContext;
    request->done = std::move(done);
    request->started.start();
    send(request);
}

void PromClient::send(const std::shared_ptr<Request>& request)
{
    ++request->attempts;
    QNetworkRequest req(request->url);
    req.setTransferTimeout(m_connection.timeoutMs);
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    req.setRawHeader("Accept", "application/json");
    request->tokenSent = currentBearerToken();
    if (!request->tokenSent.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + request->tokenSent);
    else if (!m_connection.basicUser.isEmpty())
        req.setRawHeader("Authorization", "Basic " + QByteArray(m_connection.basicUser.toUtf8() + ':' + m_connection.basicPassword).toBase64());
    // Only ever to the base URL's origin: send() is called for it and for same-origin redirects.
    for (const PromHeader& h : m_connection.extraHeaders)
        req.setRawHeader(h.name, h.value);
    if (request->url.scheme() == QLatin1String("https")) {
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        if (!m_connection.caCertificatesPem.isEmpty()) {
            const auto cas = QSslCertificate::fromData(m_connection.caCertificatesPem, QSsl::Pem);
            if (cas.isEmpty()) {
                QTimer::singleShot(0, this, [done = request->done, ca = m_connection.settingNames.ca] {
                    done(makeError(ErrorCode::Config, "the Prometheus CA holds no PEM certificate",
                             "pass the CA that signed Prometheus's certificate (PEM) with " + ca + " FILE"),
                        0);
                });
                return;
            }
            ssl.setCaCertificates(cas);
        }
        if (m_connection.insecureSkipTlsVerify)
            ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
        req.setSslConfiguration(ssl);
    }
    QNetworkReply* reply = nullptr;
    if (request->method == "GET") {
        reply = m_nam->get(req);
    } else {
        if (!request->body.isEmpty())
            req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        reply = m_nam->sendCustomRequest(req, request->method, request->body);
    }
    if (request->url.scheme() == QLatin1String("https"))
        tls::keepHandshakeErrors(reply);
    // An answer larger than the bound is not read to its end: the server chooses its size.
    const qint64 maxBody = m_connection.maxBodyBytes;
    connect(reply, &QNetworkReply::downloadProgress, this, [request, reply, maxBody](qint64 received, qint64 total) {
        if (received > maxBody || total > maxBody) {
            request->tooLarge = true;
            reply->abort();
        }
    });
    connect(reply, &QNetworkReply::finished, this, [this, request, reply] { onReply(request, reply); });
}

void PromClient::onReply(const std::shared_ptr<Request>& request, QNetworkReply* reply)
{
    reply->deleteLater();
    if (request->cancelled->load() || (request->hasContext && !request->context))
        return;
    // Every message of this reply passes through here: a server may echo what we sent.
    const auto done = [this, &request](Result<QByteArray> r, int httpStatus) {
        if (r)
            return request->done(std::move(r), httpStatus);
        request->done(redacted(r.error()), httpStatus);
    };
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const std::string base = m_connection.baseUrl.toString(QUrl::RemoveUserInfo).toStdString();
    const std::string& urlOption = m_connection.settingNames.url;
    const std::string& server = m_connection.settingNames.server;
    if (request->tooLarge)
        return done(makeError(ErrorCode::Truncated,
                        server + " at " + base + " answered " + request->method.toStdString() + " "
                            + request->apiPath.toStdString() + " with more than "
                            + std::to_string(m_connection.maxBodyBytes / (1024 * 1024)) + " MiB",
                        "narrow the request, or check the " + urlOption + " URL"),
            status);

    if (status >= 300 && status < 400) {
        const QUrl location = reply->attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl();
        const QUrl target = location.isEmpty() ? QUrl() : reply->url().resolved(location);
        if (target.isEmpty() || !target.isValid())
            return done(
                makeError(ErrorCode::Network,
                    server + " at " + base + " answered HTTP " + std::to_string(status) + " without a usable Location",
                    "check the " + urlOption + " URL"),
                status);
        if (originOf(target) != originOf(reply->url()))
            return done(
                makeError(ErrorCode::Network,
                    server + " at " + base + " redirected to another origin, "
                        + target.toString(QUrl::RemoveUserInfo | QUrl::RemoveQuery).toStdString()
                        + "; LeakDesk does not follow it, since the request carries your " + server + " credentials",
                    "if that server is the " + server + " you mean, pass its URL with " + urlOption),
                status);
        if (++request->redirects > 5)
            return done(makeError(ErrorCode::Network, server + " at " + base + " redirected more than 5 times",
                            "check the " + urlOption + " URL (a redirect loop in a proxy?)"),
                status);
        request->url = target;
        --request->attempts; // a redirect is not a failed try
        return send(request);
    }

    const auto error = reply->error();
    // A write is tried again only when the server cannot have acted on it.
    const bool retryable = request->method == "GET"
        ? isRetryablePromFailure(status, error)
        : status == 429 || (status == 0 && error == QNetworkReply::ConnectionRefusedError);
    if (retryable) {
        const QByteArray retryAfterHeader = reply->rawHeader("Retry-After");
        const auto retryAfter = (status == 429 || status == 503)
            ? parseRetryAfterMs(retryAfterHeader.toStdString(), QDateTime::currentMSecsSinceEpoch())
            : std::nullopt;
        const auto delay = nextRetryDelayMs(m_connection.retry, request->attempts, request->started.elapsed(),
            retryAfter, QRandomGenerator::global()->generateDouble());
        if (delay) {
            QTimer::singleShot(std::chrono::milliseconds(*delay), this, [this, request] {
                if (!request->cancelled->load() && (!request->hasContext || request->context))
                    send(request);
            });
            return;
        }
    }
    const std::string tries
        = request->attempts > 1 ? " after " + std::to_string(request->attempts) + " tries" : std::string();
    if (status == 0) {
        const int timeoutS = m_connection.timeoutMs / 1000;
        if (error == QNetworkReply::OperationCanceledError)
            return done(
                makeError(ErrorCode::Timeout,
                    server + " at " + base + " did not answer within " + std::to_string(timeoutS) + " s" + tries,
                    "narrow the time range, or check that " + server + " is up"),
                0);
        if (tls::isHandshakeFailure(error))
            return done(
                tls::explainHandshakeFailure(request->method.toStdString() + " " + request->apiPath.toStdString(), base,
                    tls::keptHandshakeErrors(reply), reply->errorString().toStdString(),
                    reply->url().host().toStdString(), verifySettings(m_connection)),
                0);
        const QNetworkProxy proxy = m_nam->proxy();
        const bool proxied = proxy.type() != QNetworkProxy::NoProxy;
        return done(makeError(ErrorCode::Network,
                        "cannot reach " + server + " at " + base + tries
                            + (proxied ? " through the proxy " + tls::describeProxy(proxy) : std::string()) + ": "
                            + reply->errorString().toStdString(),
                        proxied ? "check the " + urlOption
                                + " URL and the proxy (HTTPS_PROXY/HTTP_PROXY; NO_PROXY "
                                  "lists the hosts reached directly)"
                                : "check the " + urlOption + " URL and that the server is up"),
            0);
    }
    const std::string& tokenOption = m_connection.settingNames.token;
    const std::string& headerOption = m_connection.settingNames.header;
    const bool withToken = !request->tokenSent.isEmpty();
    if (status == 401 && !m_connection.bearerTokenFile.isEmpty() && !request->rereadAfter401) {
        // A rotated token whose file we have not seen change yet (same size, same second): look
        // once more, and try again only with a different token.
        request->rereadAfter401 = true;
        if (rereadBearerToken() && m_connection.bearerToken != request->tokenSent) {
            --request->attempts;
            return send(request);
        }
    }
    if (status == 401) {
        // The server's own reason says what it wants ("no org id" from Mimir, a proxy's text):
        // its first line, short, with anything of ours that it may echo taken out.
        const std::string reason = refusalReason(reply->isOpen() ? reply->read(512) : QByteArray(), secrets());
        const bool withHeaders = !m_connection.extraHeaders.isEmpty();
        std::string hint;
        if (withToken)
            hint = "check the token in " + tokenOption + " (expired, or for another server?)";
        else
            hint = "pass a bearer token with " + tokenOption + " FILE";
        hint += withHeaders ? ", and the headers given with " + headerOption + " (a tenant the server does not know?)"
                            : ", or the header the server asks for with " + headerOption
                + " 'Name: value' (X-Scope-OrgID for a Mimir/Cortex tenant)";
        return done(makeError(ErrorCode::Unauthorized,
                        server + " at " + base + " refused the request (HTTP 401): "
                            + (withToken ? "it does not accept the bearer token" : "it wants credentials")
                            + (reason.empty() ? std::string() : " (it says: " + reason + ")"),
                        hint),
            status);
    }
    if (status == 403)
        return done(
            makeError(ErrorCode::Forbidden, server + " at " + base + " refused the request (HTTP 403)",
                "the credentials are known but not allowed to query; check their permissions (" + tokenOption + ")"),
            status);
    const QByteArray body = reply->isOpen() ? reply->readAll() : QByteArray();
    if (status == 400 && !body.trimmed().startsWith('{') && !body.trimmed().startsWith('"')) {
        // Prometheus (and the stores that speak its API) explain a 400 in JSON: bad PromQL, a bad
        // parameter. A 400 in plain text comes from something in front of it; vmauth answers a
        // bearer token it does not know this way ("cannot find the provided auth token").
        const std::string reason = refusalReason(body, secrets());
        return done(makeError(ErrorCode::Unauthorized,
                        server + " at " + base + " refused the request (HTTP 400"
                            + (reason.empty() ? std::string(")") : ": " + reason + ")"),
                        withToken ? "check the token in " + tokenOption
                                + " (an auth proxy in front of Prometheus, such as vmauth, answers 400 to a token "
                                  "it does not know), and the "
                                + urlOption + " URL"
                                  : "check the " + urlOption
                                + " URL; if an auth proxy is in front of Prometheus, pass its token with " + tokenOption
                                + " FILE"),
            status);
    }
    if (status >= 500 || status == 429) {
        // Out of tries: say how often it was tried, with Prometheus's own reason when it gave one.
        auto parsed = parsePromResponse(body, status);
        std::string reason = parsed ? std::string() : parsed.error().message;
        Error e = makeError(status == 429 ? ErrorCode::Server : (parsed ? ErrorCode::Server : parsed.error().code),
            server + " at " + base + " answered HTTP " + std::to_string(status)
                + (tries.empty() ? " after 1 try" : tries) + (reason.empty() ? std::string() : ": " + reason),
            status == 429 ? server + " is throttling; retry in a while"
                          : server + " is failing or overloaded; retry in a moment");
        return done(e, status);
    }
    done(body, status);
}

PromCall PromClient::query(const std::string& promql, std::int64_t timeMs, QObject* context, Callback done)
{
    auto cancelled = std::make_shared<std::atomic_bool>(false);
    const QList<std::pair<QString, QString>> params {
        { QStringLiteral("query"), QString::fromStdString(promql) },
        { QStringLiteral("time"), QString::number(static_cast<double>(timeMs) / 1000.0, 'f', 3) },
    };
    get(QStringLiteral("/api/v1/query"), params, cancelled, context, context != nullptr,
        [this, done, promql, timeMs](Result<QByteArray> body, int status) {
            if (!body)
                return done(body.error());
            auto r = parsePromResponse(*body, status);
            if (!r)
                return done(redacted(r.error())); // it may quote the answer, which may echo our headers
            if (r) {
                r->query = promql;
                r->range = { timeMs, timeMs };
            }
            done(std::move(r));
        });
    return PromCall(cancelled);
}

PromCall PromClient::serverTime(QObject* context, std::function<void(Result<std::int64_t>)> done)
{
    auto cancelled = std::make_shared<std::atomic_bool>(false);
    const QList<std::pair<QString, QString>> params {
        { QStringLiteral("query"),
            QString::fromUtf8(kServerTimeQuery.data(), static_cast<qsizetype>(kServerTimeQuery.size())) },
    };
    get(QStringLiteral("/api/v1/query"), params, cancelled, context, context != nullptr,
        [this, done](Result<QByteArray> body, int status) {
            if (!body)
                return done(body.error());
            auto r = parsePromResponse(*body, status);
            if (!r)
                return done(redacted(r.error()));
            if (r->series.size() != 1 || r->series.front().samples.empty())
                return done(makeError(ErrorCode::Parse, "Prometheus's answer to time() holds no time",
                    "the server is not a Prometheus HTTP API, or a proxy changed its answer"));
            done(r->series.front().samples.front().tMs);
        });
    return PromCall(cancelled);
}

PromCall PromClient::queryRange(const std::string& promql, const TimeRange& range, std::int64_t stepMs, QObject* context, Callback done)
{
    auto cancelled = std::make_shared<std::atomic_bool>(false);
    const auto chunks = splitRange(range, stepMs);
    if (chunks.empty()) {
        QTimer::singleShot(0, this, [done] { done(makeError(ErrorCode::InvalidArgument, "empty time range for a range query")); });
        return PromCall(cancelled);
    }
    // Chunks are fetched concurrently and stitched by series labels in chunk order.
    struct Stitch {
        std::vector<std::optional<QueryResult>> parts;
        size_t pending = 0;
        bool failed = false;
    };
    auto stitch = std::make_shared<Stitch>();
    stitch->parts.resize(chunks.size());
    stitch->pending = chunks.size();
    for (size_t i = 0; i < chunks.size(); ++i) {
        const QList<std::pair<QString, QString>> params {
            { QStringLiteral("query"), QString::fromStdString(promql) },
            { QStringLiteral("start"), QString::number(static_cast<double>(chunks[i].startMs) / 1000.0, 'f', 3) },
            { QStringLiteral("end"), QString::number(static_cast<double>(chunks[i].endMs) / 1000.0, 'f', 3) },
            { QStringLiteral("step"), QString::number(static_cast<double>(stepMs) / 1000.0, 'f', 3) },
        };
        get(QStringLiteral("/api/v1/query_range"), params, cancelled, context, context != nullptr,
            [this, done, stitch, i, promql, range, stepMs](Result<QByteArray> body, int status) {
                if (stitch->failed)
                    return;
                Result<QueryResult> r = body ? parsePromResponse(*body, status) : Result<QueryResult>(body.error());
                if (!r) {
                    stitch->failed = true;
                    return done(redacted(r.error()));
                }
                stitch->parts[i] = std::move(r).value();
                if (--stitch->pending > 0)
                    return;
                QueryResult all;
                all.requests = 0;
                all.query = promql;
                all.range = range;
                all.stepMs = stepMs;
                std::map<Labels, size_t> index;
                for (auto& part : stitch->parts) {
                    all.bodyBytes += part->bodyBytes;
                    all.requests += part->requests;
                    for (auto& w : part->warnings)
                        all.warnings.push_back(w);
                    for (auto& s : part->series) {
                        auto [it, inserted] = index.emplace(s.labels, all.series.size());
                        if (inserted)
                            all.series.push_back(std::move(s));
                        else
                            all.series[it->second].samples.insert(all.series[it->second].samples.end(), s.samples.begin(), s.samples.end());
                    }
                }
                done(std::move(all));
            });
    }
    return PromCall(cancelled);
}

PromCall PromClient::series(const std::vector<std::string>& matchers, const TimeRange& range, QObject* context,
    std::function<void(Result<std::vector<Labels>>)> done)
{
    auto cancelled = std::make_shared<std::atomic_bool>(false);
    QList<std::pair<QString, QString>> params;
    for (const std::string& m : matchers)
        params.append({ QStringLiteral("match[]"), QString::fromStdString(m) });
    params.append({ QStringLiteral("start"), QString::number(static_cast<double>(range.startMs) / 1000.0, 'f', 3) });
    params.append({ QStringLiteral("end"), QString::number(static_cast<double>(range.endMs) / 1000.0, 'f', 3) });
    get(QStringLiteral("/api/v1/series"), params, cancelled, context, context != nullptr,
        [this, done](Result<QByteArray> body, int status) {
            if (!body)
                return done(body.error());
            auto labels = parseSeriesResponse(*body, status);
            if (!labels)
                return done(redacted(labels.error())); // it may quote an answer that echoed our headers
            done(std::move(labels));
        });
    return PromCall(cancelled);
}

PromCall PromClient::buildInfo(QObject* context, std::function<void(Result<QString>)> done)
{
    auto cancelled = std::make_shared<std::atomic_bool>(false);
    get(QStringLiteral("/api/v1/status/buildinfo"), {}, cancelled, context, context != nullptr,
        [this, done](Result<QByteArray> body, int status) {
            if (!body)
                return done(body.error());
            if (status != 200)
                return done(
                    makeError(ErrorCode::Server, "Prometheus build info returned HTTP " + std::to_string(status)));
            try {
                const json j = json::parse(body->toStdString());
                done(QString::fromStdString(j.at("data").value("version", std::string("unknown"))));
            } catch (const std::exception& e) {
                done(redacted(makeError(ErrorCode::Parse, "Prometheus build info is not JSON", e.what())));
            }
        });
    return PromCall(cancelled);
}

} // namespace leakdesk::prometheus
