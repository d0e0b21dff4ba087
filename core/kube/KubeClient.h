#pragma once
// Asynchronous client of the Kubernetes API on QNetworkAccessManager. Callbacks run on the
// thread that owns the client; a callback whose context object has been destroyed is not called.

#include "common/Result.h"
#include "kube/ExecCredential.h"
#include "kube/KubeConfig.h"
#include "kube/KubeObjects.h"

#include <nlohmann/json.hpp>

#include <QDateTime>
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
    int maxRetries = 3; // for 429 and 5xx on idempotent calls only
    int pageSize = 500; // list pagination (limit/continue)
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
    KubeCall listAll(const QString& path, const QUrlQuery& query, QObject* context, Callback<nlohmann::json> done);

    KubeCall serverVersion(QObject* context, Callback<QString> done);
    KubeCall listNamespaces(QObject* context, Callback<std::vector<std::string>> done);
    KubeCall listPods(const QString& ns, const QString& labelSelector, QObject* context, Callback<ParsedList<Pod>> done);
    KubeCall listDeployments(const QString& ns, QObject* context, Callback<ParsedList<Deployment>> done);
    KubeCall listEvents(const QString& ns, const QString& fieldSelector, QObject* context, Callback<ParsedList<Event>> done);
    KubeCall listPodMetrics(const QString& ns, const QString& labelSelector, QObject* context, Callback<ParsedList<PodMetrics>> done);

private:
    KubeClient(ResolvedContext context, KubeClientOptions options, QObject* parent);
    struct Attempt;
    void send(std::shared_ptr<Attempt> attempt);
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
    QDateTime m_tokenFileMtime;
    QByteArray m_tokenFromFile;
    // exec credential plugin: cached until it expires or the server answers 401
    std::optional<ExecCredential> m_execCredential;
    bool m_execRunning = false;
    std::vector<std::shared_ptr<Attempt>> m_waitingForCredential;
};

// Maps an HTTP status and a Kubernetes `Status` body to an Error with a useful message.
Error kubeErrorFromResponse(int httpStatus, const QByteArray& body, const QString& what);

} // namespace leakdesk::kube
