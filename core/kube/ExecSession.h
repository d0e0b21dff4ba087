#pragma once
// One `exec` in a pod over WebSocket with the Kubernetes channel protocols: v5.channel.k8s.io
// preferred, v4.channel.k8s.io accepted (API servers older than 1.30 pick it from the offer).
// Every message carries a channel byte: 0 stdin, 1 stdout, 2 stderr, 3 error (a meta/v1 Status:
// the exit code), 4 resize; v5 adds 255 to close one stream (stdin EOF).
//
// stdout is pulled, not pushed: `stdoutReady()` says bytes are queued, `readStdout()` takes them.
// While more than maxQueuedBytes wait for the consumer, the session stops reading the socket; the
// socket's own read buffer is small, so the kernel's receive window closes and the server stops
// sending. A gigabyte heap dump therefore flows through with bounded memory at the speed of the
// slowest party. `finished()` comes only after the consumer has taken every stdout byte.
//
// The WebSocket client is written here on QSslSocket rather than QWebSocket because QWebSocket
// reads and delivers whole messages as fast as they arrive and cannot be paused.

#include "core/common/Result.h"
#include "core/tls/TlsExplanation.h"

#include <QByteArray>
#include <QNetworkProxy>
#include <QNetworkRequest>
#include <QObject>
#include <QPointer>
#include <QStringList>

#include <deque>
#include <functional>

class QSslSocket;
class QTimer;

namespace leakdesk::kube {

struct ExecRequest {
    QString ns;
    QString pod;
    QString container; // empty: the pod's only container
    QStringList command;
    bool stdinOn = false;
    bool stdoutOn = true;
    bool stderrOn = true;
    bool tty = false;
    // Offered in this order; the server picks one.
    QStringList protocols = { QStringLiteral("v5.channel.k8s.io"), QStringLiteral("v4.channel.k8s.io") };
};

// The Host header of the WebSocket upgrade for `url`, as RFC 9110 7.2 and every HTTP client write
// it: the host alone on the scheme's default port (443 for https/wss, 80 for http/ws, given or
// not), host:port otherwise; an IPv6 literal in brackets. An API server behind a load balancer or
// an ingress routes by this header, and some refuse "host:443".
QByteArray execHostHeader(const QUrl& url);

struct ExecResult {
    int exitCode = 0;
    QString protocol; // the channel protocol the server chose
    qint64 stdoutBytes = 0; // all stdout bytes received
    QByteArray stderrText; // the first kMaxStderrBytes of stderr
    std::string statusMessage; // the Status message for a non-zero exit
};

class ExecSession : public QObject {
    Q_OBJECT
public:
    static constexpr qint64 kDefaultMaxQueuedBytes = 4 * 1024 * 1024;
    static constexpr qint64 kMaxStderrBytes = 64 * 1024;
    static constexpr qint64 kSocketReadBuffer = 256 * 1024;

    explicit ExecSession(ExecRequest request, QObject* parent = nullptr);
    ~ExecSession() override;

    const ExecRequest& request() const { return m_request; }
    QString protocol() const { return m_protocol; }

    // Back-pressure threshold: stop reading the socket while this much stdout waits.
    void setMaxQueuedBytes(qint64 bytes) { m_maxQueued = std::max<qint64>(bytes, 1); }
    qint64 queuedStdoutBytes() const { return m_queued; }
    // Takes up to maxBytes (all when negative) of the queued stdout.
    QByteArray readStdout(qint64 maxBytes = -1);
    qint64 stdoutBytesReceived() const { return m_stdoutTotal; }
    const QByteArray& stderrText() const { return m_stderr; }

    void writeStdin(const QByteArray& data);
    void closeStdin(); // v5 only: tells the command its stdin ended; with v4 the server never knows
    void resize(int width, int height);
    void cancel(); // aborts the connection; failed(Cancelled) follows

    // Used by KubeClient: opens the connection with the URL, headers and TLS settings of `request`.
    // `onRejected` may take over a non-101 answer (the 401 that re-runs an exec plugin); it returns
    // true when it did.
    void open(const QNetworkRequest& request, int handshakeTimeoutMs,
        std::function<bool(int status, const QByteArray& body)> onRejected = {});
    void fail(const Error& error);
    // The settings a refused server certificate is explained in (KubeClient: the kubeconfig's).
    void setTlsVerifySettings(tls::VerifySettings settings) { m_tlsSettings = std::move(settings); }
    // The proxy the socket connects through (an HTTP proxy is asked to CONNECT); none by default.
    void setProxy(const QNetworkProxy& proxy) { m_proxy = proxy; }

Q_SIGNALS:
    void established(const QString& protocol);
    void stdoutReady();
    void stderrReceived(const QByteArray& chunk);
    void finished(const leakdesk::kube::ExecResult& result);
    void failed(const leakdesk::Error& error);

private:
    void onConnected();
    void onReadable();
    void processIncoming();
    bool parseHandshake();
    void deliver(const char* data, qint64 size);
    void endOfMessage();
    void onControlFrame(int opcode, const QByteArray& payload);
    void writeFrame(int opcode, const QByteArray& payload);
    void onSocketGone();
    void maybeFinish();
    void scheduleProcessing();
    QString what() const;

    ExecRequest m_request;
    QNetworkRequest m_http;
    QSslSocket* m_socket = nullptr;
    QTimer* m_handshakeTimer = nullptr;
    std::function<bool(int, const QByteArray&)> m_onRejected;
    tls::VerifySettings m_tlsSettings;
    QNetworkProxy m_proxy { QNetworkProxy::NoProxy };
    QByteArray m_key;
    QString m_protocol;
    bool m_upgraded = false;
    bool m_ended = false; // no more bytes will come
    bool m_cleanClose = false; // a close frame was received
    bool m_closeSent = false;
    bool m_done = false; // finished or failed was emitted
    bool m_processingScheduled = false;

    // frame parser state
    QByteArray m_in;
    int m_opcode = 0;
    bool m_fin = false;
    bool m_masked = false;
    char m_mask[4] = {};
    qint64 m_frameRemaining = -1; // -1: expecting a header
    qint64 m_frameOffset = 0;
    QByteArray m_control;
    bool m_messageStart = true;
    int m_channel = -1;

    std::deque<QByteArray> m_stdout;
    qint64 m_queued = 0;
    qint64 m_maxQueued = kDefaultMaxQueuedBytes;
    qint64 m_stdoutTotal = 0;
    QByteArray m_stderr;
    QByteArray m_status;
};

} // namespace leakdesk::kube
