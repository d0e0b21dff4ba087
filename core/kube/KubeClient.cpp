#include "core/kube/KubeClient.h"

#include "core/common/HeaderValue.h"
#include "core/common/JsonNesting.h"
#include "core/common/RegularFile.h"
#include "core/common/RetryPolicy.h"

#include "core/kube/KubePaths.h"
#include "core/tls/NetworkProxy.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QProcess>
#include <QRandomGenerator>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslError>
#include <QSslKey>
#include <QTimer>

#include <atomic>

namespace leakdesk::kube {

using nlohmann::json;

struct KubeClient::TlsMaterial {
    QSslConfiguration config;
};

struct KubeClient::Attempt {
    QString path;
    QUrlQuery query;
    QPointer<QObject> context;
    bool hasContext = false;
    Callback<json> done;
    std::shared_ptr<std::atomic_bool> cancelled = std::make_shared<std::atomic_bool>(false);
    int retries = 0;
    std::int64_t firstTryMs = QDateTime::currentMSecsSinceEpoch(); // the retry deadline counts from it
    bool reauthenticated = false; // a 401 re-runs the exec plugin once
    bool credentialJustFetched = false; // use the plugin's answer even if it claims to be expired
    // Set for requests that are not plain GETs (exec): called with credentials ready instead of a GET.
    std::function<void(std::shared_ptr<Attempt>)> dispatch;
    QByteArray method = "GET";
    QByteArray body;
    QByteArray contentType;
    // getRaw: every HTTP answer but a 3xx goes here (errors without an answer still go to `done`).
    Callback<RawResponse> doneRaw;
};

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

QByteArray readFileOrData(const std::string& file, const std::string& data, QString* error)
{
    if (!data.empty())
        return QByteArray::fromStdString(data);
    if (file.empty())
        return {};
    auto content = readRegularFile(file, fileLimits::kPem, "certificate or key file");
    if (!content) {
        *error = q(content.error().message);
        return {};
    }
    return QByteArray::fromStdString(*content);
}

} // namespace

tls::VerifySettings tlsVerifySettings(const KubeCluster& cluster)
{
    const std::string where = cluster.sourceFile.empty() ? std::string() : " in " + cluster.sourceFile;
    const std::string of = " of cluster '" + cluster.name + "'";
    tls::VerifySettings s;
    s.serverRole = "the API server";
    s.caGiven = !cluster.certificateAuthorityData.empty() || !cluster.certificateAuthorityFile.empty();
    s.caName = "the certificate-authority" + of;
    s.caSetting = "certificate-authority(-data)" + of + where;
    s.noCaClause = "cluster '" + cluster.name + "' names no certificate-authority";
    s.serverNameFix = "set tls-server-name" + of + where + " to a name the certificate holds";
    s.checkAll = "check certificate-authority and tls-server-name" + of + where;
    return s;
}

namespace {

Error redirectRefused(int httpStatus, const QString& location, const QString& what)
{
    const std::string target = location.isEmpty() ? std::string("a location it did not name") : location.toStdString();
    return makeError(ErrorCode::Network,
        what.toStdString() + ": the server answered HTTP " + std::to_string(httpStatus) + ", a redirect to " + target
            + "; LeakDesk does not follow redirects of API calls (they carry your credentials), as kubectl does not",
        "point the kubeconfig's server URL at the API server itself, not at a proxy or login page that redirects");
}

} // namespace

Error kubeErrorFromResponse(int httpStatus, const QByteArray& body, const QString& what, const QString& location)
{
    if (httpStatus >= 300 && httpStatus < 400)
        return redirectRefused(httpStatus, location, what);
    // The API server answers errors with a meta/v1 Status: {"kind":"Status","message":...,"reason":...}.
    std::string serverMessage;
    try {
        if (jsonNestingBeyond(std::string_view(body.constData(), std::size_t(body.size()))))
            throw std::invalid_argument("nested too deep");
        const json j = json::parse(body.toStdString());
        if (j.is_object() && j.value("kind", "") == "Status")
            serverMessage = j.value("message", "");
    } catch (const std::exception&) {
    }
    if (serverMessage.empty())
        serverMessage = body.left(200).trimmed().toStdString();
    const std::string w = what.toStdString();
    switch (httpStatus) {
    case 401:
        return makeError(ErrorCode::Unauthorized, w + ": the API server rejected the credentials (401 Unauthorized)",
            "the token or certificate is missing, wrong or expired; refresh your kubeconfig credentials");
    case 403:
        return makeError(ErrorCode::Forbidden, w + ": forbidden by RBAC (403): " + serverMessage,
            "ask a cluster admin for the permission named above, or use a context that has it");
    case 404:
        return makeError(ErrorCode::NotFound, w + ": not found (404): " + serverMessage,
            "check the namespace and the name; the API group may not be installed (metrics-server for 'top')");
    case 409:
        return makeError(ErrorCode::Conflict, w + ": conflict (409): " + serverMessage,
            "someone changed the object meanwhile; reload and try again");
    case 410:
        return makeError(ErrorCode::Expired, w + ": expired (410 Gone): " + serverMessage,
            "the server no longer has that version of the list; list again from the start");
    case 422:
        return makeError(ErrorCode::Invalid, w + ": rejected as invalid (422): " + serverMessage, "");
    case 429:
        return makeError(ErrorCode::Server, w + ": the API server is throttling requests (429)", "wait and retry");
    default:
        break;
    }
    if (httpStatus >= 500)
        return makeError(ErrorCode::Server, w + ": API server error " + std::to_string(httpStatus) + ": " + serverMessage,
            "the control plane is unhealthy or overloaded; retry in a moment");
    // 400 (a bad field or label selector, a malformed query) and the other 4xx: the request itself
    // is wrong, and sending it again cannot help.
    if (httpStatus >= 400)
        return makeError(ErrorCode::InvalidArgument,
            w + ": the API server refused the request (" + std::to_string(httpStatus) + "): " + serverMessage, "");
    return makeError(ErrorCode::Network, w + ": unexpected HTTP status " + std::to_string(httpStatus) + ": " + serverMessage, "");
}

Result<std::unique_ptr<KubeClient>> KubeClient::create(const ResolvedContext& context, const KubeClientOptions& options, QObject* parent)
{
    const QUrl server(q(context.cluster.server));
    if (!server.isValid() || (server.scheme() != QLatin1String("https") && server.scheme() != QLatin1String("http")))
        return makeError(ErrorCode::Config,
            "cluster '" + context.cluster.name + "' in " + context.cluster.sourceFile + " has an invalid server URL '" + context.cluster.server + "'",
            "use https://host:port");
    // Values that go into the Authorization header: a line break would start a header of its own.
    const std::string fixUser = "fix user '" + context.user.name + "' in " + context.user.sourceFile;
    for (const auto& [key, value] : { std::pair<std::string, const std::string*> { "token", &context.user.token },
             { "username", &context.user.username }, { "password", &context.user.password } }) {
        if (auto bad = checkHeaderValue(*value, context.user.settingName(key), fixUser))
            return *bad;
    }
    std::unique_ptr<KubeClient> client(new KubeClient(context, options, parent));
    // As client-go: the cluster's proxy-url for every request, else the environment's.
    if (!context.cluster.proxyUrl.empty()) {
        auto proxy = tls::proxyFromUrl(q(context.cluster.proxyUrl),
            "proxy-url of cluster '" + context.cluster.name + "' in " + context.cluster.sourceFile);
        if (!proxy)
            return proxy.error();
        client->m_proxy = tls::proxyForTarget(server, *proxy);
    } else if (options.useEnvironmentProxy) {
        auto proxy = tls::proxyForUrl(server, tls::ProxyEnvironment::fromProcess());
        if (!proxy)
            return proxy.error();
        client->m_proxy = *proxy;
    }
    client->m_nam->setProxy(client->m_proxy);
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    QString error;
    const QByteArray ca = readFileOrData(context.cluster.certificateAuthorityFile, context.cluster.certificateAuthorityData, &error);
    if (!error.isEmpty())
        return makeError(ErrorCode::Config, "certificate authority of cluster '" + context.cluster.name + "': " + error.toStdString(),
            "fix certificate-authority in " + context.cluster.sourceFile);
    if (!ca.isEmpty()) {
        const auto certs = QSslCertificate::fromData(ca, QSsl::Pem);
        if (certs.isEmpty())
            return makeError(ErrorCode::Config, "certificate authority of cluster '" + context.cluster.name + "' holds no PEM certificate",
                "fix certificate-authority(-data) in " + context.cluster.sourceFile);
        // The cluster CA replaces the system store, as kubectl does.
        ssl.setCaCertificates(certs);
    }
    if (context.cluster.insecureSkipTlsVerify)
        ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
    const QByteArray certPem = readFileOrData(context.user.clientCertificateFile, context.user.clientCertificateData, &error);
    const QByteArray keyPem = readFileOrData(context.user.clientKeyFile, context.user.clientKeyData, &error);
    if (!error.isEmpty())
        return makeError(ErrorCode::Config, "client credentials of user '" + context.user.name + "': " + error.toStdString(),
            "fix client-certificate/client-key in " + context.user.sourceFile);
    if (!certPem.isEmpty()) {
        const auto certs = QSslCertificate::fromData(certPem, QSsl::Pem);
        if (certs.isEmpty())
            return makeError(ErrorCode::Config, "client certificate of user '" + context.user.name + "' is not a PEM certificate",
                "fix client-certificate(-data) in " + context.user.sourceFile);
        if (certs.first().expiryDate() < QDateTime::currentDateTimeUtc())
            return makeError(ErrorCode::Config,
                "client certificate of user '" + context.user.name + "' expired on " + certs.first().expiryDate().toString(Qt::ISODate).toStdString(),
                "get a fresh kubeconfig from your cluster provider");
        QSslKey key(keyPem, QSsl::Rsa, QSsl::Pem);
        if (key.isNull())
            key = QSslKey(keyPem, QSsl::Ec, QSsl::Pem);
        if (key.isNull())
            return makeError(ErrorCode::Config, "client key of user '" + context.user.name + "' cannot be read (RSA or EC PEM expected)",
                "fix client-key(-data) in " + context.user.sourceFile);
        ssl.setLocalCertificate(certs.first());
        ssl.setPrivateKey(key);
    }
    client->m_tls = std::make_unique<TlsMaterial>();
    client->m_tls->config = ssl;
    return client;
}

KubeClient::KubeClient(ResolvedContext context, KubeClientOptions options, QObject* parent)
    : QObject(parent)
    , m_context(std::move(context))
    , m_options(options)
    , m_server(q(m_context.cluster.server))
    , m_nam(new QNetworkAccessManager(this))
{
    // Until create() has chosen (NetworkProxy.h): never Qt's own guess from the environment.
    m_nam->setProxy(QNetworkProxy::NoProxy);
    // Why refuse every redirect rather than follow same-origin ones: an API server never redirects an
    // API call, so a 3xx comes from something in between (a login page, a misconfigured proxy), and
    // Qt 6's default (NoLessSafeRedirectPolicy) would resend our Authorization header and client
    // certificate to whatever host it names. kubectl does not follow them either. makeRequest()
    // sets the same on each request, so no caller can switch it back by accident.
    m_nam->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

KubeClient::~KubeClient() = default;

Result<QNetworkRequest> KubeClient::makeRequest(const QString& path, const QUrlQuery& query)
{
    QUrl url = m_server;
    url.setPath(url.path().chopped(url.path().endsWith(QLatin1Char('/')) ? 1 : 0) + path);
    // Percent-encode values ourselves: QUrlQuery leaves '+' alone, which servers read as a space.
    QUrlQuery encoded;
    for (const auto& [k, v] : query.queryItems(QUrl::FullyDecoded))
        encoded.addQueryItem(k, QString::fromLatin1(QUrl::toPercentEncoding(v)));
    url.setQuery(encoded);
    QNetworkRequest req(url);
    req.setRawHeader("Accept", "application/json");
    req.setRawHeader("User-Agent", "leakdesk");
    req.setTransferTimeout(m_options.timeoutMs);
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    if (usesTls()) {
        req.setSslConfiguration(m_tls->config);
        if (!m_context.cluster.tlsServerName.empty())
            req.setPeerVerifyName(q(m_context.cluster.tlsServerName));
    }
    const auto& user = m_context.user;
    if (!user.token.empty()) {
        req.setRawHeader("Authorization", "Bearer " + QByteArray::fromStdString(user.token));
    } else if (!user.tokenFile.empty()) {
        // Projected service-account tokens rotate: re-read the file whenever it changes.
        const QFileInfo info(q(user.tokenFile));
        if (!info.exists())
            return makeError(ErrorCode::Config, "token file " + user.tokenFile + " of user '" + user.name + "' does not exist",
                "fix tokenFile in " + user.sourceFile);
        if (info.lastModified() != m_tokenFileMtime) {
            auto content = readRegularFile(user.tokenFile, fileLimits::kToken, "token file");
            if (!content)
                return makeError(
                    content.error().code == ErrorCode::LimitExceeded ? ErrorCode::LimitExceeded : ErrorCode::Config,
                    "user '" + user.name + "': " + content.error().message, "fix tokenFile in " + user.sourceFile);
            const std::string_view token = trimCredentialFromFile(*content);
            if (auto bad
                = checkHeaderValue(token, "token file " + user.tokenFile + " (" + user.settingName("tokenFile") + ")",
                    "write the bearer token alone into the file (a trailing newline is fine)"))
                return *bad;
            m_tokenFromFile = QByteArray(token.data(), qsizetype(token.size()));
            m_tokenFileMtime = info.lastModified();
        }
        req.setRawHeader("Authorization", "Bearer " + m_tokenFromFile);
    } else if (!user.username.empty()) {
        req.setRawHeader("Authorization",
            "Basic " + QByteArray::fromStdString(user.username + ":" + user.password).toBase64());
    } else if (user.exec && m_execCredential) {
        if (!m_execCredential->token.empty())
            req.setRawHeader("Authorization", "Bearer " + QByteArray::fromStdString(m_execCredential->token));
        if (!m_execCredential->clientCertificateData.empty() && usesTls()) {
            QSslConfiguration ssl = req.sslConfiguration();
            const auto certs = QSslCertificate::fromData(QByteArray::fromStdString(m_execCredential->clientCertificateData));
            QSslKey key(QByteArray::fromStdString(m_execCredential->clientKeyData), QSsl::Rsa);
            if (key.isNull())
                key = QSslKey(QByteArray::fromStdString(m_execCredential->clientKeyData), QSsl::Ec);
            if (certs.isEmpty() || key.isNull())
                return makeError(ErrorCode::Config, "the credential plugin of user '" + user.name + "' returned an unreadable client certificate or key");
            ssl.setLocalCertificate(certs.first());
            ssl.setPrivateKey(key);
            req.setSslConfiguration(ssl);
        }
    }
    return req;
}

void KubeClient::deliverError(std::shared_ptr<Attempt> attempt, Error error)
{
    QTimer::singleShot(0, this, [attempt, error] {
        if (!attempt->cancelled->load() && (!attempt->hasContext || attempt->context))
            attempt->done(error);
    });
}

void KubeClient::runCredentialPlugin()
{
    if (m_execRunning)
        return;
    auto inv = execInvocation(m_context.user, m_context.cluster);
    if (!inv) {
        auto waiting = std::move(m_waitingForCredential);
        for (auto& a : waiting)
            deliverError(a, inv.error());
        return;
    }
    m_execRunning = true;
    const KubeUser& user = m_context.user;
    CredentialPluginIdentity identity { user.exec->command, user.name, user.sourceFile };
    const std::string apiVersion = user.exec->apiVersion;
    // The plugin's stderr is for humans (prompts, warnings); it may hold secrets, so it is not kept.
    CredentialPluginRun::start(
        *inv, identity, m_options.credentialPlugin, this, [this, identity, apiVersion](Result<QByteArray> out) {
            m_execRunning = false;
            Result<ExecCredential> cred
                = out ? parseExecCredential(*out, apiVersion) : Result<ExecCredential>(out.error());
            if (!cred && out) {
                Error e = cred.error();
                e.message = identity.describe() + ": " + e.message;
                cred = e;
            }
            if (cred) {
                if (auto bad = checkHeaderValue(cred->token,
                        "status.token of the ExecCredential printed by " + identity.describe(),
                        "the plugin's answer is broken; run it by hand and check its output"))
                    cred = *bad;
            }
            auto waiting = std::move(m_waitingForCredential);
            if (!cred) {
                for (auto& a : waiting)
                    deliverError(a, cred.error());
                return;
            }
            m_execCredential = std::move(cred).value();
            for (auto& a : waiting) {
                a->credentialJustFetched = true;
                send(a);
            }
        });
}

namespace {

// Where a 3xx wanted us to go, resolved against the request, for the message.
QString locationOf(QNetworkReply* reply)
{
    const QUrl target = reply->attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl();
    if (target.isEmpty())
        return {};
    return reply->url().resolved(target).toString(QUrl::RemoveUserInfo);
}

std::string durationText(int ms)
{
    return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

} // namespace

void KubeClient::send(std::shared_ptr<Attempt> attempt)
{
    if (m_context.user.exec && m_context.user.token.empty() && m_context.user.tokenFile.empty()
        && (!m_execCredential || (!m_execCredential->validAt(QDateTime::currentMSecsSinceEpoch()) && !attempt->credentialJustFetched))) {
        m_execCredential.reset();
        m_waitingForCredential.push_back(attempt);
        runCredentialPlugin();
        return;
    }
    attempt->credentialJustFetched = false;
    if (attempt->dispatch)
        return attempt->dispatch(attempt);
    auto req = makeRequest(attempt->path, attempt->query);
    if (!req)
        return deliverError(attempt, req.error());
    QNetworkReply* reply = nullptr;
    if (attempt->method == "GET") {
        reply = m_nam->get(*req);
    } else {
        req->setHeader(QNetworkRequest::ContentTypeHeader, attempt->contentType);
        reply = m_nam->sendCustomRequest(*req, attempt->method, attempt->body);
    }
    if (usesTls())
        tls::keepHandshakeErrors(reply);
    connect(reply, &QNetworkReply::finished, this, [this, attempt, reply] { onReply(attempt, reply); });
}

void KubeClient::onReply(std::shared_ptr<Attempt> attempt, QNetworkReply* reply)
{
    reply->deleteLater();
    if (attempt->cancelled->load() || (attempt->hasContext && !attempt->context))
        return;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    // An aborted reply (timeout) is closed: reading it would only log a warning.
    const QByteArray body = reply->isOpen() ? reply->readAll() : QByteArray();
    const QString what = QStringLiteral("%1 %2").arg(QString::fromLatin1(attempt->method), attempt->path);

    if (status == 401 && m_context.user.exec && !attempt->reauthenticated) {
        // The cached credential was revoked or expired early: run the plugin again, once.
        attempt->reauthenticated = true;
        m_execCredential.reset();
        send(attempt);
        return;
    }

    // Only what cannot have changed anything is retried: a GET, or any request refused with 429.
    const bool idempotent = attempt->method == "GET";
    const bool retryable = status == 429
        || (idempotent
            && (status >= 500 || reply->error() == QNetworkReply::OperationCanceledError
                || reply->error() == QNetworkReply::RemoteHostClosedError));
    // The back-off is common/RetryPolicy's, shared with PromClient.
    std::optional<std::int64_t> delayMs;
    if (retryable) {
        RetryPolicy policy;
        policy.maxAttempts = m_options.maxRetries + 1;
        policy.totalDeadlineMs = m_options.retryDeadlineMs;
        const std::int64_t nowMs = QDateTime::currentMSecsSinceEpoch();
        const auto retryAfter = status == 429 || status == 503
            ? parseRetryAfterMs(reply->rawHeader("Retry-After").toStdString(), nowMs)
            : std::nullopt;
        delayMs = nextRetryDelayMs(policy, attempt->retries + 1, nowMs - attempt->firstTryMs, retryAfter,
            QRandomGenerator::global()->generateDouble());
    }
    if (delayMs) {
        ++attempt->retries;
        QTimer::singleShot(std::chrono::milliseconds(*delayMs), this, [this, attempt] {
            if (!attempt->cancelled->load())
                send(attempt);
        });
        return;
    }
    if (status == 0) {
        const std::string server = m_server.toString().toStdString();
        if (reply->error() == QNetworkReply::OperationCanceledError)
            return attempt->done(makeError(ErrorCode::Timeout,
                what.toStdString() + ": no answer from " + server + " within " + durationText(m_options.timeoutMs),
                "check that the cluster is reachable (VPN, proxy) and retry"));
        if (tls::isHandshakeFailure(reply->error()))
            return attempt->done(tls::explainHandshakeFailure(what.toStdString(), server,
                tls::keptHandshakeErrors(reply), reply->errorString().toStdString(),
                m_context.cluster.tlsServerName.empty() ? m_server.host().toStdString()
                                                        : m_context.cluster.tlsServerName,
                tlsVerifySettings(m_context.cluster)));
        if (reply->error() == QNetworkReply::RemoteHostClosedError)
            return attempt->done(makeError(ErrorCode::Network,
                what.toStdString() + ": the API server " + server + " closed the connection without answering",
                "the server or a proxy in between dropped the request; retry, and check the control plane's health if it "
                "keeps happening"));
        return attempt->done(makeError(ErrorCode::Network,
            what.toStdString() + ": cannot reach the API server " + server + ": " + reply->errorString().toStdString(),
            "check the server URL of cluster '" + m_context.cluster.name + "' and that the cluster is up"));
    }
    if (attempt->doneRaw && (status < 300 || status >= 400))
        return attempt->doneRaw(
            RawResponse { status, body, reply->header(QNetworkRequest::ContentTypeHeader).toByteArray() });
    if (status < 200 || status >= 300)
        return attempt->done(kubeErrorFromResponse(status, body, what, locationOf(reply)));
    if (jsonNestingBeyond(std::string_view(body.constData(), std::size_t(body.size()))))
        return attempt->done(makeError(ErrorCode::Parse,
            what.toStdString() + ": the answer nests deeper than " + std::to_string(kMaxJsonDepth) + " levels",
            "no Kubernetes object does; something between LeakDesk and the API server answered instead"));
    try {
        attempt->done(json::parse(body.toStdString()));
    } catch (const json::exception& e) {
        attempt->done(makeError(ErrorCode::Parse, what.toStdString() + ": the answer is not JSON", e.what()));
    }
}

KubeCall KubeClient::start(std::shared_ptr<Attempt> attempt, QObject* context, Callback<json> done)
{
    attempt->context = context;
    attempt->hasContext = context != nullptr;
    attempt->done = std::move(done);
    send(attempt);
    return KubeCall(attempt->cancelled);
}

KubeCall KubeClient::patch(const QString& path, const json& patch, PatchType type, const PatchOptions& options,
    QObject* context, Callback<json> done)
{
    auto attempt = std::make_shared<Attempt>();
    attempt->path = path;
    if (options.dryRun)
        attempt->query.addQueryItem(QStringLiteral("dryRun"), QStringLiteral("All"));
    if (!options.fieldManager.isEmpty())
        attempt->query.addQueryItem(QStringLiteral("fieldManager"), options.fieldManager);
    attempt->method = "PATCH";
    attempt->body = QByteArray::fromStdString(patch.dump());
    attempt->contentType = type == PatchType::StrategicMerge ? "application/strategic-merge-patch+json"
        : type == PatchType::Merge                           ? "application/merge-patch+json"
                                                             : "application/json-patch+json";
    return start(attempt, context, std::move(done));
}

KubeCall KubeClient::deleteObject(const QString& path, const DeleteOptions& options, QObject* context, Callback<json> done)
{
    auto attempt = std::make_shared<Attempt>();
    attempt->path = path;
    if (options.dryRun)
        attempt->query.addQueryItem(QStringLiteral("dryRun"), QStringLiteral("All"));
    json body = { { "kind", "DeleteOptions" }, { "apiVersion", "v1" }, { "propagationPolicy", "Background" } };
    if (!options.preconditionUid.isEmpty())
        body["preconditions"] = { { "uid", options.preconditionUid.toStdString() } };
    attempt->method = "DELETE";
    attempt->body = QByteArray::fromStdString(body.dump());
    attempt->contentType = "application/json";
    return start(attempt, context, std::move(done));
}

KubeCall KubeClient::patchDeployment(const QString& ns, const QString& name, const json& body, PatchType type,
    const PatchOptions& options, QObject* context, Callback<PatchedDeployment> done)
{
    return patch(paths::deployment(ns, name), body, type, options, context, [done](Result<json> r) {
        if (!r)
            return done(r.error());
        auto parsed = parseDeployment(*r);
        if (!parsed)
            return done(parsed.error());
        done(PatchedDeployment { std::move(parsed).value(), std::move(*r) });
    });
}

KubeCall KubeClient::accessReview(const QString& verb, const QString& group, const QString& resource,
    const QString& ns, const QString& name, QObject* context, Callback<AccessReview> done, const QString& subresource)
{
    json attributes = { { "verb", verb.toStdString() }, { "group", group.toStdString() },
        { "resource", resource.toStdString() } };
    if (!ns.isEmpty())
        attributes["namespace"] = ns.toStdString();
    if (!name.isEmpty())
        attributes["name"] = name.toStdString();
    if (!subresource.isEmpty())
        attributes["subresource"] = subresource.toStdString();
    const json review = { { "apiVersion", "authorization.k8s.io/v1" }, { "kind", "SelfSubjectAccessReview" },
        { "spec", { { "resourceAttributes", attributes } } } };
    auto attempt = std::make_shared<Attempt>();
    attempt->path = paths::selfSubjectAccessReviews();
    attempt->method = "POST";
    attempt->body = QByteArray::fromStdString(review.dump());
    attempt->contentType = "application/json";
    return start(attempt, context, [done](Result<json> r) {
        if (!r)
            return done(r.error());
        const json status = r->value("status", json::object());
        if (!status.is_object() || !status.contains("allowed"))
            return done(makeError(ErrorCode::Parse, "the SelfSubjectAccessReview answer has no status.allowed"));
        done(AccessReview { status.value("allowed", false), status.value("denied", false), status.value("reason", "") });
    });
}

KubeCall KubeClient::getJson(const QString& path, const QUrlQuery& query, QObject* context, Callback<json> done)
{
    auto attempt = std::make_shared<Attempt>();
    attempt->path = path;
    attempt->query = query;
    attempt->context = context;
    attempt->hasContext = context != nullptr;
    attempt->done = std::move(done);
    send(attempt);
    return KubeCall(attempt->cancelled);
}

KubeCall KubeClient::getRaw(const QString& path, const QUrlQuery& query, QObject* context, Callback<RawResponse> done)
{
    auto attempt = std::make_shared<Attempt>();
    attempt->path = path;
    attempt->query = query;
    attempt->doneRaw = done;
    return start(attempt, context, [done](Result<json> r) {
        if (!r)
            done(r.error());
    });
}

KubeCall KubeClient::sendRaw(const QByteArray& method, const QString& path, const QUrlQuery& query,
    const QByteArray& body, const QByteArray& contentType, QObject* context, Callback<RawResponse> done)
{
    auto attempt = std::make_shared<Attempt>();
    attempt->path = path;
    attempt->query = query;
    attempt->method = method;
    attempt->body = body;
    attempt->contentType = contentType.isEmpty() ? QByteArrayLiteral("application/json") : contentType;
    attempt->doneRaw = done;
    return start(attempt, context, [done](Result<json> r) {
        if (!r)
            done(r.error());
    });
}

namespace {
// How often one listAll starts again after a 410 on a continued page before giving up.
constexpr int kMaxRelists = 3;
} // namespace

KubeCall KubeClient::listAll(const QString& path, const QUrlQuery& query, QObject* context, Callback<json> done)
{
    auto cancelled = std::make_shared<std::atomic_bool>(false);
    auto collected = std::make_shared<json>();
    auto relists = std::make_shared<int>(0);
    auto fetch = std::make_shared<std::function<void(const QString&)>>();
    *fetch = [this, path, query, context, done, cancelled, collected, relists, fetch](const QString& continueToken) {
        QUrlQuery pageQuery = query;
        pageQuery.addQueryItem(QStringLiteral("limit"), QString::number(m_options.pageSize));
        if (!continueToken.isEmpty())
            pageQuery.addQueryItem(QStringLiteral("continue"), continueToken);
        const bool continuing = !continueToken.isEmpty();
        getJson(path, pageQuery, context, [done, cancelled, collected, relists, fetch, continuing](Result<json> page) {
            if (cancelled->load()) {
                *fetch = nullptr;
                return;
            }
            // 410 on a continued page: the server compacted away the snapshot the first page came
            // from. The pages collected so far cannot be completed consistently, so they are
            // dropped and the list starts again, as client-go's pager does; a few times at most.
            if (!page && continuing && page.error().code == ErrorCode::Expired && *relists < kMaxRelists) {
                ++*relists;
                *collected = json();
                return (*fetch)(QString());
            }
            if (!page) {
                *fetch = nullptr;
                return done(page.error());
            }
            // Read before the page is moved into `collected`: read after, it was always empty and
            // every list ended with its first page.
            const std::string next = page->contains("metadata") && (*page)["metadata"].is_object()
                    && (*page)["metadata"].contains("continue") && (*page)["metadata"]["continue"].is_string()
                ? (*page)["metadata"]["continue"].get<std::string>()
                : std::string();
            if (collected->is_null()) {
                *collected = std::move(page).value();
            } else if (page->contains("items") && (*page)["items"].is_array()) {
                for (auto& item : (*page)["items"])
                    (*collected)["items"].push_back(std::move(item));
                (*collected)["metadata"] = (*page)["metadata"];
            }
            if (next.empty()) {
                auto f = *fetch;
                *fetch = nullptr; // break the self-reference
                return done(std::move(*collected));
            }
            (*fetch)(QString::fromStdString(next));
        });
    };
    (*fetch)(QString());
    return KubeCall(cancelled);
}

KubeCall KubeClient::serverVersion(QObject* context, Callback<QString> done)
{
    return getJson(paths::version(), {}, context, [done](Result<json> r) {
        if (!r)
            return done(r.error());
        done(QString::fromStdString(r->value("gitVersion", std::string("unknown"))));
    });
}

KubeCall KubeClient::listNamespaces(QObject* context, Callback<std::vector<std::string>> done)
{
    return listAll(paths::namespaces(), {}, context, [done](Result<json> r) {
        if (!r)
            return done(r.error());
        std::vector<std::string> names;
        for (const auto& item : (*r)["items"])
            names.push_back(item["metadata"].value("name", std::string()));
        done(std::move(names));
    });
}

namespace {
template<class T, class Parse>
KubeClient::Callback<json> parsed(KubeClient::Callback<ParsedList<T>> done, Parse parse)
{
    return [done, parse](Result<json> r) {
        if (!r)
            return done(r.error());
        done(parse(*r));
    };
}
} // namespace

KubeCall KubeClient::listPods(const QString& ns, const QString& labelSelector, QObject* context, Callback<ParsedList<Pod>> done)
{
    QUrlQuery query;
    if (!labelSelector.isEmpty())
        query.addQueryItem(QStringLiteral("labelSelector"), labelSelector);
    return listAll(paths::pods(ns), query, context, parsed<Pod>(done, parsePodList));
}

KubeCall KubeClient::listDeployments(const QString& ns, QObject* context, Callback<ParsedList<Deployment>> done)
{
    return listAll(paths::deployments(ns), {}, context, parsed<Deployment>(done, parseDeploymentList));
}

KubeCall KubeClient::listEvents(const QString& ns, const QString& fieldSelector, QObject* context, Callback<ParsedList<Event>> done)
{
    QUrlQuery query;
    if (!fieldSelector.isEmpty())
        query.addQueryItem(QStringLiteral("fieldSelector"), fieldSelector);
    return listAll(ns.isEmpty() ? paths::eventsAllNamespaces() : paths::events(ns), query, context, parsed<Event>(done, parseEventList));
}

KubeCall KubeClient::listPodMetrics(const QString& ns, const QString& labelSelector, QObject* context, Callback<ParsedList<PodMetrics>> done)
{
    QUrlQuery query;
    if (!labelSelector.isEmpty())
        query.addQueryItem(QStringLiteral("labelSelector"), labelSelector);
    return getJson(paths::podMetrics(ns), query, context, parsed<PodMetrics>(done, parsePodMetricsList));
}

KubeCall KubeClient::listReplicaSets(const QString& ns, const QString& labelSelector, QObject* context, Callback<ParsedList<ReplicaSet>> done)
{
    QUrlQuery query;
    if (!labelSelector.isEmpty())
        query.addQueryItem(QStringLiteral("labelSelector"), labelSelector);
    return listAll(paths::replicaSets(ns), query, context, parsed<ReplicaSet>(done, parseReplicaSetList));
}

KubeCall KubeClient::listNodes(QObject* context, Callback<ParsedList<Node>> done)
{
    return listAll(paths::nodes(), {}, context, parsed<Node>(done, parseNodeList));
}

KubeCall KubeClient::listServices(const QString& ns, QObject* context, Callback<ParsedList<Service>> done)
{
    return listAll(ns.isEmpty() ? paths::servicesAllNamespaces() : paths::services(ns), {}, context,
        parsed<Service>(done, parseServiceList));
}

ExecSession* KubeClient::exec(const ExecRequest& request, QObject* parent)
{
    auto* session = new ExecSession(request, parent);
    session->setTlsVerifySettings(tlsVerifySettings(m_context.cluster));
    session->setProxy(m_proxy);
    QUrlQuery query;
    for (const QString& arg : request.command)
        query.addQueryItem(QStringLiteral("command"), arg);
    if (!request.container.isEmpty())
        query.addQueryItem(QStringLiteral("container"), request.container);
    auto flag = [&](const char* name, bool on) {
        if (on)
            query.addQueryItem(QString::fromLatin1(name), QStringLiteral("true"));
    };
    flag("stdin", request.stdinOn);
    flag("stdout", request.stdoutOn);
    flag("stderr", request.stderrOn);
    flag("tty", request.tty);

    auto attempt = std::make_shared<Attempt>();
    attempt->path = paths::podExec(request.ns, request.pod);
    attempt->query = query;
    attempt->context = session;
    attempt->hasContext = true;
    QPointer<ExecSession> guard(session);
    attempt->done = [guard](Result<json> r) {
        if (guard && !r)
            guard->fail(r.error());
    };
    attempt->dispatch = [this, guard](std::shared_ptr<Attempt> a) {
        if (!guard)
            return;
        auto req = makeRequest(a->path, a->query);
        if (!req)
            return deliverError(a, req.error());
        guard->open(*req, m_options.timeoutMs, [this, a](int status, const QByteArray&) {
            if (status != 401 || !m_context.user.exec || a->reauthenticated)
                return false;
            // As for REST calls: the plugin's cached credential was refused, run it once more.
            a->reauthenticated = true;
            m_execCredential.reset();
            send(a);
            return true;
        });
    };
    send(attempt);
    return session;
}

KubeCall KubeClient::execCollect(const ExecRequest& request, QObject* context, Callback<ExecOutput> done, qint64 maxStdoutBytes)
{
    auto cancelled = std::make_shared<std::atomic_bool>(false);
    const bool hasContext = context != nullptr;
    QPointer<QObject> guard(context);
    ExecSession* session = exec(request, this);
    auto collected = std::make_shared<QByteArray>();
    auto deliver = [cancelled, hasContext, guard, done, session](Result<ExecOutput> r) {
        session->deleteLater();
        if (cancelled->load() || (hasContext && !guard))
            return;
        done(std::move(r));
    };
    connect(session, &ExecSession::stdoutReady, session, [session, collected, maxStdoutBytes] {
        const QByteArray chunk = session->readStdout();
        if (collected->size() + chunk.size() > maxStdoutBytes) {
            session->fail(makeError(ErrorCode::Truncated,
                "exec output is larger than " + std::to_string(maxStdoutBytes) + " bytes",
                "stream it with KubeClient::exec instead of collecting it"));
            return;
        }
        *collected += chunk;
    });
    connect(session, &ExecSession::finished, session, [deliver, collected](const ExecResult& result) {
        deliver(ExecOutput { result, std::move(*collected) });
    });
    connect(session, &ExecSession::failed, session, [deliver](const Error& error) { deliver(error); });
    // Cancelling the call aborts the exec too.
    QPointer<ExecSession> sessionGuard(session);
    auto watcher = new QTimer(session);
    connect(watcher, &QTimer::timeout, session, [cancelled, sessionGuard] {
        if (cancelled->load() && sessionGuard)
            sessionGuard->cancel();
    });
    watcher->start(200);
    return KubeCall(cancelled);
}

struct KubeClient::Watch : std::enable_shared_from_this<KubeClient::Watch> {
    KubeClient* client = nullptr;
    QString path;
    WatchOptions options;
    QPointer<QObject> context;
    bool hasContext = false;
    std::function<void(const WatchEvent&)> onEvent;
    std::function<void(const Error&)> onError;
    std::shared_ptr<std::atomic_bool> cancelled = std::make_shared<std::atomic_bool>(false);
    std::string resourceVersion;
    QPointer<QNetworkReply> reply;
    QByteArray buffer;
    int failures = 0; // attempts in a row that got no stream (no 200) and no event
    bool ended = false;
    QPointer<QTimer> cancelPoll;
    KubeCall listCall;
    std::uint64_t epoch = 0; // moves on whenever a list, a stream or a retry takes over
    QElapsedTimer opened; // when the current stream was opened
    bool sawEvent = false; // on the current stream

    bool alive() const { return !ended && !cancelled->load() && (!hasContext || context); }

    QUrlQuery selectors() const
    {
        QUrlQuery q;
        if (!options.labelSelector.isEmpty())
            q.addQueryItem(QStringLiteral("labelSelector"), options.labelSelector);
        if (!options.fieldSelector.isEmpty())
            q.addQueryItem(QStringLiteral("fieldSelector"), options.fieldSelector);
        return q;
    }

    void stop()
    {
        ++epoch;
        ended = true;
        listCall.cancel();
        dropReply();
        if (cancelPoll)
            cancelPoll->deleteLater();
    }

    void fail(const Error& error)
    {
        if (!alive())
            return;
        stop();
        if (onError)
            onError(error);
    }

    void dropReply()
    {
        if (!reply)
            return;
        QNetworkReply* r = reply;
        reply = nullptr;
        QObject::disconnect(r, nullptr, client, nullptr);
        r->abort();
        r->deleteLater();
    }

    // Transient trouble: try again after a growing pause, and give up after maxRetries in a row.
    void retry(const Error& error, bool relist)
    {
        ++epoch;
        if (++failures > client->m_options.maxRetries)
            return fail(error);
        // The shared back-off (common/RetryPolicy), with a longer ceiling: a watch reconnects for as
        // long as it runs, so waiting up to 30 s between tries spares a struggling server.
        RetryPolicy policy;
        policy.maxDelayMs = 30000;
        const auto delayMs = backoffDelayMs(policy, failures, QRandomGenerator::global()->generateDouble());
        QTimer::singleShot(std::chrono::milliseconds(delayMs), client, [self = shared_from_this(), relist] {
            if (!self->alive())
                return;
            if (relist || self->resourceVersion.empty())
                self->list();
            else
                self->stream();
        });
    }

    void list()
    {
        ++epoch;
        dropReply();
        buffer.clear();
        auto self = shared_from_this();
        listCall = client->listAll(path, selectors(), nullptr, [self](Result<json> r) {
            if (!self->alive())
                return;
            if (!r) {
                const ErrorCode c = r.error().code;
                // A refusal is final (credentials, RBAC, a missing kind, a bad selector); only
                // trouble on the way is tried again.
                if (c == ErrorCode::Unauthorized || c == ErrorCode::Forbidden || c == ErrorCode::NotFound
                    || c == ErrorCode::InvalidArgument || c == ErrorCode::Invalid)
                    return self->fail(r.error());
                return self->retry(r.error(), true);
            }
            const json meta = r->value("metadata", json::object());
            self->resourceVersion = meta.is_object() ? meta.value("resourceVersion", std::string()) : std::string();
            WatchEvent e { WatchEvent::Type::Listed, std::move(r).value(), self->resourceVersion };
            self->onEvent(e);
            if (self->alive())
                self->stream();
        });
    }

    void stream()
    {
        ++epoch;
        auto attempt = std::make_shared<Attempt>();
        attempt->path = path;
        attempt->query = selectors();
        attempt->query.addQueryItem(QStringLiteral("watch"), QStringLiteral("true"));
        if (!resourceVersion.empty())
            attempt->query.addQueryItem(QStringLiteral("resourceVersion"), QString::fromStdString(resourceVersion));
        if (options.bookmarks)
            attempt->query.addQueryItem(QStringLiteral("allowWatchBookmarks"), QStringLiteral("true"));
        if (options.timeoutSeconds > 0)
            attempt->query.addQueryItem(QStringLiteral("timeoutSeconds"), QString::number(options.timeoutSeconds));
        attempt->cancelled = cancelled;
        auto self = shared_from_this();
        attempt->done = [self](Result<json> r) {
            if (!r)
                self->fail(r.error()); // no credentials (plugin failed, unreadable token file)
        };
        // Sent once credentials are ready, like any request; read as a stream instead of a body.
        attempt->dispatch = [self](std::shared_ptr<Attempt> a) { self->open(a); };
        client->send(attempt);
    }

    void open(const std::shared_ptr<Attempt>& a)
    {
        if (!alive())
            return;
        auto req = client->makeRequest(a->path, a->query);
        if (!req)
            return fail(req.error());
        // Quiet streams are normal (no change, no bookmark yet): only give up well after the
        // server should have ended the stream; without timeoutSeconds the server decides (30 min
        // or more), so the stream has no deadline of its own.
        req->setTransferTimeout(options.timeoutSeconds > 0
                ? std::max((options.timeoutSeconds + 30) * 1000, client->m_options.timeoutMs)
                : 0);
        opened.start();
        dropReply();
        buffer.clear();
        sawEvent = false;
        QNetworkReply* r = client->m_nam->get(*req);
        reply = r;
        auto self = shared_from_this();
        QObject::connect(r, &QNetworkReply::readyRead, client, [self, r] {
            if (self->reply == r)
                self->read();
        });
        QObject::connect(r, &QNetworkReply::finished, client, [self, r] {
            if (self->reply == r)
                self->finished();
        });
    }

    void read()
    {
        if (!alive() || !reply)
            return;
        if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() != 200)
            return; // an error body: read whole when finished
        buffer += reply->readAll();
        qsizetype nl = 0;
        while (alive() && reply && (nl = buffer.indexOf('\n')) >= 0) {
            const QByteArray line = buffer.left(nl).trimmed();
            buffer.remove(0, nl + 1);
            if (!line.isEmpty())
                handle(line);
        }
    }

    void handle(const QByteArray& line)
    {
        json j = json::parse(line.toStdString(), nullptr, false);
        if (j.is_discarded() || !j.is_object() || !j.contains("type") || !j["type"].is_string() || !j.contains("object")
            || !j["object"].is_object()) {
            dropReply();
            return retry(makeError(ErrorCode::Parse,
                             "watch " + path.toStdString() + ": the server sent a line that is not a WatchEvent",
                             line.left(200).toStdString()),
                false);
        }
        const std::string type = j["type"].get<std::string>();
        json& object = j["object"];
        if (type == "ERROR") {
            const int code = object.value("code", 0);
            dropReply();
            // 410: our resourceVersion was compacted away; 504 "Too large resource version": the
            // server is behind us (another replica, a restart). Both: list again.
            if (code == 410 || (code == 504 && object.dump().find("ResourceVersionTooLarge") != std::string::npos))
                return list();
            Error error = kubeErrorFromResponse(
                code, QByteArray::fromStdString(object.dump()), QStringLiteral("watch %1").arg(path));
            if (code >= 400 && code < 500 && code != 429)
                return fail(error); // a refusal (credentials, RBAC, gone, a bad request): final
            return retry(error, false);
        }
        WatchEvent e;
        if (type == "ADDED")
            e.type = WatchEvent::Type::Added;
        else if (type == "MODIFIED")
            e.type = WatchEvent::Type::Modified;
        else if (type == "DELETED")
            e.type = WatchEvent::Type::Deleted;
        else if (type == "BOOKMARK")
            e.type = WatchEvent::Type::Bookmark;
        else
            return; // a type from a newer server: skip it
        const json meta = object.value("metadata", json::object());
        if (meta.is_object())
            resourceVersion = meta.value("resourceVersion", resourceVersion);
        failures = 0;
        sawEvent = true;
        e.object = std::move(object);
        e.resourceVersion = resourceVersion;
        onEvent(e);
    }

    void finished()
    {
        QNetworkReply* r = reply;
        reply = nullptr;
        r->deleteLater();
        if (!alive())
            return;
        const int status = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QString what = QStringLiteral("watch %1").arg(path);
        if (status == 200) {
            failures = 0; // the server answered: what follows is a new series of attempts
            buffer += r->readAll();
            const std::uint64_t before = epoch;
            for (const QByteArray& line : buffer.split('\n')) {
                if (!line.trimmed().isEmpty() && epoch == before && alive())
                    handle(line.trimmed());
            }
            buffer.clear();
            if (!alive() || epoch != before)
                return;
            if (r->error() == QNetworkReply::NoError) {
                // The server ended the stream (timeoutSeconds): carry on from where we are. One
                // that ends at once, again and again, must not turn into a busy loop.
                if (opened.isValid() && opened.elapsed() < 1000 && !sawEvent) {
                    ++epoch;
                    QTimer::singleShot(1000, client, [self = shared_from_this(), e = epoch] {
                        if (self->alive() && self->epoch == e)
                            self->resourceVersion.empty() ? self->list() : self->stream();
                    });
                    return;
                }
                return resourceVersion.empty() ? list() : stream();
            }
            return retry(makeError(ErrorCode::Network,
                             what.toStdString() + ": the stream broke: " + r->errorString().toStdString()),
                false);
        }
        const QByteArray body = r->readAll();
        if (status == 410)
            return list();
        if (status == 0)
            return retry(makeError(ErrorCode::Network,
                             what.toStdString() + ": cannot reach the API server "
                                 + client->m_server.toString().toStdString() + ": " + r->errorString().toStdString(),
                             "check that the cluster is reachable"),
                false);
        Error error = kubeErrorFromResponse(status, body, what, locationOf(r));
        if (status == 429 || status >= 500)
            return retry(error, false);
        fail(error);
    }
};

KubeCall KubeClient::watch(const QString& path, const WatchOptions& options, QObject* context,
    std::function<void(const WatchEvent&)> onEvent, std::function<void(const Error&)> onError)
{
    auto w = std::make_shared<Watch>();
    w->client = this;
    w->path = path;
    w->options = options;
    w->context = context;
    w->hasContext = context != nullptr;
    w->onEvent = std::move(onEvent);
    w->onError = std::move(onError);
    w->resourceVersion = options.resourceVersion.toStdString();
    // cancel() only sets a flag (it may come from any thread): notice it here and close the stream.
    auto* poll = new QTimer(this);
    w->cancelPoll = poll;
    connect(poll, &QTimer::timeout, this, [w] {
        if (!w->alive())
            w->stop();
    });
    poll->start(200);
    if (w->resourceVersion.empty())
        w->list();
    else
        w->stream();
    return KubeCall(w->cancelled);
}

} // namespace leakdesk::kube
