#pragma once
// Asynchronous client of the Prometheus HTTP API (/api/v1/query, /api/v1/query_range).
// Ranges are split so no request exceeds Prometheus's 11,000 points per series; error JSON and
// `warnings` are surfaced to the caller. Every request carries the connection's extra headers and
// parameters, goes through the environment's proxy unless NO_PROXY says otherwise, and re-reads a
// rotating token file (PromConnection).

#include "core/common/Result.h"
#include "core/common/RetryPolicy.h"
#include "core/common/Series.h"
#include "core/prometheus/PromRequestOptions.h"

#include <QNetworkRequest>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <atomic>
#include <functional>
#include <map>
#include <memory>

class QNetworkAccessManager;
class QNetworkReply;

namespace leakdesk::prometheus {

// What the user calls the connection's settings, so that errors name the one to change. The
// defaults are the options of leakdesk-cli and leakdesk.
struct PromSettingNames {
    // The server as messages name it: "Prometheus", or "Alertmanager" for core/alerts' client,
    // which sends its requests through this one.
    std::string server = "Prometheus";
    std::string url = "--prometheus";
    std::string ca = "--prometheus-ca";
    std::string token = "--prometheus-token-file";
    std::string insecureSkipTlsVerify = "--prometheus-insecure-skip-tls-verify";
    std::string header = "--prometheus-header";
    std::string param = "--prometheus-param";
};

// Another way to send PromClient's requests than its own network access: the Kubernetes API server's
// service proxy (investigation::serviceProxyConnection), with the kubeconfig's credentials, TLS and
// retries. `method` is GET but for PromClient::request's writes (POST, DELETE with a JSON `body`);
// `url` is the base URL's path and query; `done` gets the server's body and HTTP status, or an
// Error that already says what failed. Nothing is called after `context` is gone.
using PromTransport = std::function<void(const QByteArray& method, const QUrl& url, const QByteArray& body,
    QObject* context, std::function<void(Result<QByteArray>, int httpStatus)> done)>;

struct PromConnection {
    QUrl baseUrl; // e.g. http://127.0.0.1:9090 or a Kubernetes service proxy URL (.../proxy/)
    QByteArray bearerToken; // never logged
    // When set, the bearer token is (re-)read from this file: when its modification time or size
    // changes, and once more on a 401 before failing (Kubernetes projected tokens rotate).
    QString bearerTokenFile;
    QString basicUser;
    QByteArray basicPassword; // never logged
    QByteArray caCertificatesPem; // https: trust these CAs instead of the system's
    bool insecureSkipTlsVerify = false;
    int timeoutMs = 20000; // per try
    // The largest answer read: a bigger one is cut off and fails (ErrorCode::Truncated), so a broken
    // or hostile server cannot fill the memory.
    qint64 maxBodyBytes = 256LL * 1024 * 1024;
    // Queries only read, so every one is retried on 5xx, 429 (after its Retry-After), a reset or
    // refused connection and a timeout, within one total deadline per query (each chunk of a range).
    RetryPolicy retry = defaultPromRetryPolicy();
    PromSettingNames settingNames;
    PromTransport transport; // empty: PromClient's own connection to baseUrl
    // Sent with every request to the base URL's origin only (redirects elsewhere are refused):
    // e.g. X-Scope-OrgID for a Mimir/Cortex tenant. Values are never logged or shown.
    QList<PromHeader> extraHeaders;
    // Added to every request's query (query, query_range, series, buildinfo): Thanos dedup=true,
    // partial_response=false.
    QList<PromParam> extraParams;
    // Metric name overrides (KIND -> NAME) from --metric or the config file, passed through to the
    // code that picks the metric dialect.
    std::map<std::string, std::string> metricOverrides;
    // Whether requests go through the proxy HTTPS_PROXY/HTTP_PROXY name (unless NO_PROXY matches);
    // false for the in-process sandbox, which is always reached directly.
    bool useEnvironmentProxy = true;

    static RetryPolicy defaultPromRetryPolicy()
    {
        RetryPolicy p;
        p.maxAttempts = 4;
        p.totalDeadlineMs = 60000;
        return p;
    }
};

// Whether a failed try is worth another: 5xx, 429, and transport failures a server restart, a
// load balancer or a full accept queue cause (reset, refused, closed, timed out). Not TLS failures,
// unknown hosts or 4xx: those answer the same the next time.
bool isRetryablePromFailure(int httpStatus, int networkError);

// The origin (scheme, host, port) of a URL as RFC 6454 compares them: "http://127.0.0.1:9090".
QString originOf(const QUrl& url);

struct QueryResult {
    std::vector<Series> series;
    std::vector<std::string> warnings;
    std::string query;
    TimeRange range; // for range queries; start == end for instant queries
    std::int64_t stepMs = 0;
    std::int64_t bodyBytes = 0; // the answers' bodies as received (all chunks of a split range)
    int requests = 1; // HTTP requests the answer took (a split range takes one per chunk)
};

// The largest number of points Prometheus returns per series in one range query.
constexpr std::int64_t kMaxPointsPerSeries = 11000;

// A step (ms, whole seconds) so that [start, end] has at most `maxPoints` points, never below `minStepMs`.
std::int64_t chooseStepMs(const TimeRange& range, std::int64_t maxPoints = 1500, std::int64_t minStepMs = 15000);

// Splits [start, end] into chunks of at most kMaxPointsPerSeries points at `stepMs`.
std::vector<TimeRange> splitRange(const TimeRange& range, std::int64_t stepMs);

// Parses a Prometheus API response body (success or error JSON).
Result<QueryResult> parsePromResponse(const QByteArray& body, int httpStatus);
// Parses an /api/v1/series answer: the label sets matched. More than `maxSeries` is an error
// (a selector that broad is a mistake, and the answer's size is the server's to choose).
Result<std::vector<Labels>> parseSeriesResponse(const QByteArray& body, int httpStatus, std::size_t maxSeries = 20000);

class PromCall {
public:
    PromCall() = default;
    explicit PromCall(std::shared_ptr<std::atomic_bool> c)
        : m_cancelled(std::move(c))
    {
    }
    void cancel()
    {
        if (m_cancelled)
            m_cancelled->store(true);
    }

private:
    std::shared_ptr<std::atomic_bool> m_cancelled;
};

class PromClient : public QObject {
    Q_OBJECT
public:
    using Callback = std::function<void(Result<QueryResult>)>;

    explicit PromClient(PromConnection connection, QObject* parent = nullptr);
    ~PromClient() override;

    const PromConnection& connection() const { return m_connection; }
    bool usesTls() const; // an https:// base URL
    // False over plain http and under insecureSkipTlsVerify: for the UI and the CLI to warn.
    bool tlsVerified() const;

    // What makes every request fail before it is sent (a header that cannot be sent, an
    // Authorization header beside a token, a proxy variable that cannot be used), for a connection
    // to refuse at once; nothing when requests can go.
    std::optional<Error> configurationProblem() const;

    PromCall query(const std::string& promql, std::int64_t timeMs, QObject* context, Callback done);
    PromCall queryRange(const std::string& promql, const TimeRange& range, std::int64_t stepMs, QObject* context, Callback done);
    PromCall buildInfo(QObject* context, std::function<void(Result<QString>)> done);
    // The server's now (kServerTimeQuery asked without a time): the end of the newest samples it
    // can hold. A sandbox at --clock-speed runs ahead of this machine's clock.
    PromCall serverTime(QObject* context, std::function<void(Result<std::int64_t>)> done);
    // The series matching any of `matchers` (PromQL series selectors) with samples in `range`.
    PromCall series(const std::vector<std::string>& matchers, const TimeRange& range, QObject* context,
        std::function<void(Result<std::vector<Labels>>)> done);

    // Any other call of an API at the base URL: `method` GET, POST or DELETE, `jsonBody` sent as
    // application/json when not empty. Same credentials, origin rule, TLS, proxy, body bound and
    // redaction as the queries; only GETs are retried on 5xx and dropped connections (a write may
    // have been applied), any method on 429 and a refused connection (it was not). `done` gets the
    // body and status of any answer but a refusal (401, 403), a 5xx or 429 out of tries, and the
    // transport failures, which are Errors.
    PromCall request(const QByteArray& method, const QString& apiPath, const QList<std::pair<QString, QString>>& params,
        const QByteArray& jsonBody, QObject* context, std::function<void(Result<QByteArray>, int)> done);

private:
    struct Request;
    void get(const QString& apiPath, const QList<std::pair<QString, QString>>& params,
        std::shared_ptr<std::atomic_bool> cancelled, QPointer<QObject> context, bool hasContext,
        std::function<void(Result<QByteArray>, int)> done)
    {
        call("GET", apiPath, params, {}, std::move(cancelled), std::move(context), hasContext, std::move(done));
    }
    void call(const QByteArray& method, const QString& apiPath, const QList<std::pair<QString, QString>>& params,
        const QByteArray& body, std::shared_ptr<std::atomic_bool> cancelled, QPointer<QObject> context, bool hasContext,
        std::function<void(Result<QByteArray>, int)> done);
    void send(const std::shared_ptr<Request>& request);
    void onReply(const std::shared_ptr<Request>& request, QNetworkReply* reply);
    std::optional<Error> credentialProblem() const;
    // The bearer token to send: the file's current one when it changed since it was last read.
    QByteArray currentBearerToken();
    // Reads the token file again regardless of its stamp; true when the token changed.
    bool rereadBearerToken();
    // Secrets that must never appear in a message: the token, header values.
    std::vector<QByteArray> secrets() const;
    Error redacted(Error e) const; // secrets() taken out of the message and detail

    PromConnection m_connection;
    struct FileStamp {
        qint64 mtimeNs = -1;
        qint64 size = -1;
        quint64 inode = 0;
        bool operator==(const FileStamp&) const = default;
    };
    FileStamp m_tokenStamp;
    std::optional<Error> m_proxyProblem; // a proxy variable that cannot be used: every request fails with it
    QNetworkAccessManager* m_nam = nullptr;
};

} // namespace leakdesk::prometheus
