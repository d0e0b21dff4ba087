#pragma once
// A small HTTP/1.1 server on QTcpServer for the sandbox's two APIs: keep-alive, Content-Length
// bodies, pipelined requests, size limits. Request heads are parsed from peeked bytes and only
// consumed once the request is known not to be an upgrade, so a WebSocket upgrade (exec) can be
// handed over untouched to QWebSocketServer::handleConnection. Connections are accepted through
// pendingConnectionAvailable so a QSslServer can replace the QTcpServer for TLS.

#include "core/common/Result.h"

#include <QByteArray>
#include <QHostAddress>
#include <QObject>
#include <QPointer>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

class QTcpServer;
class QTcpSocket;

namespace leakdesk::sandbox {
class ResponseStream;
}

namespace leakdesk::sandbox {

// Query string or form body: ordered, repeated keys kept ("match[]"), '+' decoded as a space.
class QueryParams {
public:
    static QueryParams parse(const QByteArray& encoded);
    bool has(const std::string& key) const;
    std::string value(const std::string& key, const std::string& fallback = {}) const;
    std::vector<std::string> values(const std::string& key) const;
    void merge(const QueryParams& other);
    const std::vector<std::pair<std::string, std::string>>& items() const { return m_items; }

private:
    std::vector<std::pair<std::string, std::string>> m_items;
};

// Who a verified TLS client certificate names (as the API server reads it: CN = user, O = groups).
struct CertificateIdentity {
    std::string user;
    std::vector<std::string> groups;
};

struct HttpRequest {
    QByteArray method;
    QByteArray target; // as sent: path and query
    std::string path; // percent-decoded
    QueryParams query;
    std::vector<std::pair<QByteArray, QByteArray>> headers; // names lower-cased
    QByteArray body;
    // Set only over TLS, when the client sent a certificate the ClientCertificateVerifier accepted.
    std::optional<CertificateIdentity> clientCertificate;

    QByteArray header(const QByteArray& lowerName) const;
    bool wantsUpgrade() const;
};

struct HttpResponse {
    int status = 200;
    QByteArray contentType = "application/json";
    QByteArray body;
    std::vector<std::pair<QByteArray, QByteArray>> headers;
    // Set for a body written over time (watch): after the head the server hands the stream to it.
    std::function<void(ResponseStream*)> stream;

    static HttpResponse json(int status, const std::string& body);
    static HttpResponse text(int status, const QByteArray& body);
};

// What fault injection does to a request before it is handled: wait, then drop the connection
// without an answer, or answer `response` instead of the handler; a streamed answer (watch) may be
// cut off, connection closed without the body's end, after dropStreamAfterMs.
struct RequestFault {
    int delayMs = 0;
    bool drop = false;
    std::optional<HttpResponse> response;
    int dropStreamAfterMs = -1;
};

class HttpServer : public QObject {
    Q_OBJECT
public:
    using Handler = std::function<HttpResponse(const HttpRequest&)>;
    // Takes over a socket whose unread bytes start with an upgrade request. Returns true when it
    // took ownership; false lets the server answer the request as a plain HTTP request.
    using UpgradeHandler = std::function<bool(const HttpRequest&, QTcpSocket*)>;
    // Checks the DER certificate a TLS client presented; the identity lands in the request.
    using ClientCertificateVerifier = std::function<std::optional<CertificateIdentity>(const QByteArray& der)>;
    // Asked once per complete request (not for upgrades).
    using FaultHook = std::function<RequestFault(const HttpRequest&)>;

    static constexpr qsizetype kMaxHeadBytes = 64 * 1024;
    static constexpr qsizetype kMaxBodyBytes = 16 * 1024 * 1024;
    static constexpr int kIdleTimeoutMs = 120 * 1000;

    explicit HttpServer(QObject* parent = nullptr);
    ~HttpServer() override;

    void setHandler(Handler handler) { m_handler = std::move(handler); }
    void setUpgradeHandler(UpgradeHandler handler) { m_upgrade = std::move(handler); }
    void setClientCertificateVerifier(ClientCertificateVerifier verifier) { m_verifyPeer = std::move(verifier); }
    void setFaultHook(FaultHook hook) { m_faultHook = std::move(hook); }
    // Replaces the listening socket, e.g. with a QSslServer; call before listen().
    void setTcpServer(std::unique_ptr<QTcpServer> server);

    Status listen(const QHostAddress& address, quint16 port);
    quint16 port() const;
    void close();

private:
    void acceptPending();
    void attach(QTcpSocket* socket);
    void detach(QTcpSocket* socket);
    void serve(QTcpSocket* socket);
    void startStream(QTcpSocket* socket, const HttpResponse& response, bool keepAlive, int dropAfterMs = -1);

    Handler m_handler;
    UpgradeHandler m_upgrade;
    ClientCertificateVerifier m_verifyPeer;
    FaultHook m_faultHook;
    // Requests held back by an injected latency, by socket: their fault, decided once.
    std::map<const QTcpSocket*, RequestFault> m_heldFaults;
    std::unique_ptr<QTcpServer> m_server;
    std::vector<QPointer<QTcpSocket>> m_sockets;
};

// "200 OK"-style reason phrases for the status codes the sandbox uses.
QByteArray httpReasonPhrase(int status);
std::string percentDecode(const QByteArray& text, bool plusIsSpace);

} // namespace leakdesk::sandbox
