#pragma once
// Asynchronous client of the Kubernetes API on QNetworkAccessManager. Callbacks run on the
// thread that owns the client; a callback whose context object has been destroyed is not called.

#include "core/common/Result.h"
#include "core/kube/ExecCredential.h"
#include "core/kube/ExecSession.h"
#include "core/kube/KubeConfig.h"
#include "core/kube/KubeObjects.h"
#include "core/tls/TlsExplanation.h"

#include <nlohmann/json.hpp>

#include <QDateTime>
#include <QNetworkProxy>
#include <QNetworkRequest>
#include <QObject>
#include <QPointer>
#include <QUrlQuery>

#include <atomic>
#include <functional>
#include <memory>

class QNetworkAccessManager;
class QNetworkReply;

namespace leakdesk::kube {

struct KubeClientOptions {
    int timeoutMs = 15000;
    // For 429, and 5xx on idempotent calls only. Six: an API server that refuses one request in
    // six (throttling under load) still answers a GET with near certainty (1 in 200,000 gives up;
    // with three retries it was 1 in 1,200, which a 20-request investigation met often enough).
    int maxRetries = 6;
    int pageSize = 500; // list pagination (limit/continue)
    CredentialPluginLimits credentialPlugin; // timeout and output bounds of an exec plugin run
    // Without a kubeconfig proxy-url: whether HTTPS_PROXY/HTTP_PROXY/NO_PROXY apply (false for the
    // in-process sandbox, which is always reached directly).
    bool useEnvironmentProxy = true;
    // A request's retries and waits end this long after its first try, whatever maxRetries says.
    int retryDeadlineMs = 60000;
};

// Where a call stands; cancel() drops the callback and aborts the request.
class KubeCall {
public:
    KubeCall() = default;
    explicit KubeCall(std::shared_ptr<std::atomic_bool> cancelled)
        : m_cancelled(std::move(cancelled))
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

class KubeClient : public QObject {
    Q_OBJECT
public:
    template<class T>
    using Callback = std::function<void(Result<T>)>;

    // Validates the TLS material and credentials of the context before any request.
    static Result<std::unique_ptr<KubeClient>> create(
        const ResolvedContext& context, const KubeClientOptions& options = {}, QObject* parent = nullptr);
    ~KubeClient() override;

    const ResolvedContext& context() const { return m_context; }
    QUrl serverUrl() const { return m_server; }
    QString authMethod() const { return QString::fromStdString(m_context.authMethod()); }
    bool usesTls() const { return m_server.scheme() == QLatin1String("https"); }
    bool tlsVerified() const { return usesTls() && !m_context.cluster.insecureSkipTlsVerify; }

    KubeCall getJson(const QString& path, const QUrlQuery& query, QObject* context, Callback<nlohmann::json> done);
    // Follows `continue` tokens until the list is complete; items of all pages are concatenated.
    // A 410 Expired on a continued page (the server's snapshot was compacted) starts the list again
    // (at most 3 times): each object is delivered exactly once, from one consistent list.
    KubeCall listAll(const QString& path, const QUrlQuery& query, QObject* context, Callback<nlohmann::json> done);

    // A GET whose answer is not an API object (the service proxy's upstream): the status, body and
    // content type of any HTTP answer but a redirect, which is refused as for every call. Retried,
    // authenticated and verified like getJson; an answer that is not 2xx is the caller's to read.
    struct RawResponse {
        int httpStatus = 0;
        QByteArray body;
        QByteArray contentType;
    };
    KubeCall getRaw(const QString& path, const QUrlQuery& query, QObject* context, Callback<RawResponse> done);
    // The same for a write through the service proxy (POST, DELETE to an Alertmanager behind a
    // Service): `body` sent as `contentType`. Not retried but on 429, like PATCH.
    KubeCall sendRaw(const QByteArray& method, const QString& path, const QUrlQuery& query, const QByteArray& body,
        const QByteArray& contentType, QObject* context, Callback<RawResponse> done);

    KubeCall serverVersion(QObject* context, Callback<QString> done);
    KubeCall listNamespaces(QObject* context, Callback<std::vector<std::string>> done);
    KubeCall listPods(const QString& ns, const QString& labelSelector, QObject* context, Callback<ParsedList<Pod>> done);
    KubeCall listDeployments(const QString& ns, QObject* context, Callback<ParsedList<Deployment>> done);
    KubeCall listEvents(const QString& ns, const QString& fieldSelector, QObject* context, Callback<ParsedList<Event>> done);
    KubeCall listPodMetrics(const QString& ns, const QString& labelSelector, QObject* context, Callback<ParsedList<PodMetrics>> done);
    KubeCall listReplicaSets(const QString& ns, const QString& labelSelector, QObject* context, Callback<ParsedList<ReplicaSet>> done);
    KubeCall listNodes(QObject* context, Callback<ParsedList<Node>> done);
    // Services in `ns`, or in every namespace when `ns` is empty.
    KubeCall listServices(const QString& ns, QObject* context, Callback<ParsedList<Service>> done);

    // PATCH of any object. Not retried on 5xx or a lost connection (the server may have applied it);
    // a 429 is retried, since the server has not acted on it. dryRun=All asks the server to
    // validate and compute the result without storing it.
    enum class PatchType { StrategicMerge, Merge, Json };
    struct PatchOptions {
        bool dryRun = false;
        QString fieldManager = QStringLiteral("leakdesk");
    };
    KubeCall patch(const QString& path, const nlohmann::json& patch, PatchType type, const PatchOptions& options,
        QObject* context, Callback<nlohmann::json> done);
    // The patched Deployment as the server returns it (for a dry run: as it would be stored), raw
    // JSON included so a caller can diff the spec before and after.
    struct PatchedDeployment {
        Deployment deployment;
        nlohmann::json object;
    };
    KubeCall patchDeployment(const QString& ns, const QString& name, const nlohmann::json& patch, PatchType type,
        const PatchOptions& options, QObject* context, Callback<PatchedDeployment> done);

    // DELETE of one object (a pod), graceful: the answer is the object with its deletionTimestamp.
    // `preconditionUid` (when given) makes the server refuse (409) if the name now belongs to
    // another object. Not retried, like PATCH.
    struct DeleteOptions {
        bool dryRun = false;
        QString preconditionUid;
    };
    KubeCall deleteObject(const QString& path, const DeleteOptions& options, QObject* context, Callback<nlohmann::json> done);

    // "May I <verb> <resource> in <ns>?" through a SelfSubjectAccessReview, before offering a button.
    struct AccessReview {
        bool allowed = false;
        bool denied = false; // explicitly denied (not just "no rule allows it")
        std::string reason; // the authorizer's explanation, when it gives one
    };
    KubeCall accessReview(const QString& verb, const QString& group, const QString& resource, const QString& ns,
        const QString& name, QObject* context, Callback<AccessReview> done, const QString& subresource = {});

    // watch: lists first (or starts after options.resourceVersion), then streams the changes, one
    // callback per event. A 410 Gone (the server no longer has the events after our
    // resourceVersion) lists again (a Listed event: replace what you hold) and watches on from the
    // new list; when the server ends a stream (timeoutSeconds) or the connection drops, it
    // reconnects from the last resourceVersion seen. Runs until KubeCall::cancel() or the context
    // object goes away; onError is called once for what ends it (401, 403, 404, a broken answer,
    // maxRetries failed reconnects in a row), never after cancel().
    struct WatchEvent {
        enum class Type { Listed, Added, Modified, Deleted, Bookmark };
        Type type = Type::Added;
        nlohmann::json object; // Listed: the whole List; Bookmark: metadata.resourceVersion only
        std::string resourceVersion; // where the watch stands after this event
    };
    struct WatchOptions {
        QString labelSelector;
        QString fieldSelector;
        QString resourceVersion; // empty: list first
        bool bookmarks = true;
        int timeoutSeconds = 300; // the server ends each stream after this; the watch reconnects
    };
    KubeCall watch(const QString& path, const WatchOptions& options, QObject* context,
        std::function<void(const WatchEvent&)> onEvent, std::function<void(const Error&)> onError);

    // exec in a container over WebSocket (see ExecSession). The session is owned by `parent` (or
    // by the caller when null) and starts at once; it ends with finished() or failed(). Never retried:
    // a command may have side effects.
    ExecSession* exec(const ExecRequest& request, QObject* parent = nullptr);

    // For small outputs (jcmd -l, df, sha256sum): runs the command and collects stdout, failing with
    // ErrorCode::Truncated when it exceeds maxStdoutBytes.
    struct ExecOutput {
        ExecResult result;
        QByteArray stdoutBytes;
    };
    KubeCall execCollect(const ExecRequest& request, QObject* context, Callback<ExecOutput> done,
        qint64 maxStdoutBytes = 16 * 1024 * 1024);

private:
    KubeClient(ResolvedContext context, KubeClientOptions options, QObject* parent);
    struct Attempt;
    struct Watch;
    void send(std::shared_ptr<Attempt> attempt);
    KubeCall start(std::shared_ptr<Attempt> attempt, QObject* context, Callback<nlohmann::json> done);
    Result<QNetworkRequest> makeRequest(const QString& path, const QUrlQuery& query);
    void onReply(std::shared_ptr<Attempt> attempt, QNetworkReply* reply);
    void runCredentialPlugin();
    void deliverError(std::shared_ptr<Attempt> attempt, Error error);

    ResolvedContext m_context;
    KubeClientOptions m_options;
    QUrl m_server;
    QNetworkAccessManager* m_nam = nullptr;
    struct TlsMaterial;
    std::unique_ptr<TlsMaterial> m_tls;
    QNetworkProxy m_proxy { QNetworkProxy::NoProxy }; // REST calls and exec's socket go through it
    QDateTime m_tokenFileMtime;
    QByteArray m_tokenFromFile;
    // exec credential plugin: cached until it expires or the server answers 401
    std::optional<ExecCredential> m_execCredential;
    bool m_execRunning = false;
    std::vector<std::shared_ptr<Attempt>> m_waitingForCredential;
};

// Maps an HTTP status and a Kubernetes `Status` body to an Error with a useful message. A 3xx is
// a refused redirect naming `location` (the Location header, resolved against the request).
Error kubeErrorFromResponse(int httpStatus, const QByteArray& body, const QString& what, const QString& location = {});

// The cluster's TLS settings in kubeconfig terms (certificate-authority, tls-server-name, where the
// cluster is defined), for tls::explainHandshakeFailure: REST calls and exec say the same.
tls::VerifySettings tlsVerifySettings(const KubeCluster& cluster);

} // namespace leakdesk::kube
