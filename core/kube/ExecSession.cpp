#include "core/kube/ExecSession.h"

#include "core/kube/KubeClient.h"

#include <QCryptographicHash>
#include <QNetworkProxy>
#include <QRandomGenerator>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTimer>

#include <nlohmann/json.hpp>

namespace leakdesk::kube {

namespace {

constexpr int kOpContinuation = 0x0;
constexpr int kOpBinary = 0x2;
constexpr int kOpClose = 0x8;
constexpr int kOpPing = 0x9;
constexpr int kOpPong = 0xA;
constexpr char kChannelStdin = 0;
constexpr char kChannelStdout = 1;
constexpr char kChannelStderr = 2;
constexpr char kChannelError = 3;
constexpr char kChannelResize = 4;
constexpr unsigned char kChannelClose = 255;
constexpr qsizetype kMaxHandshakeBytes = 64 * 1024;
constexpr qint64 kMaxStatusBytes = 64 * 1024;

} // namespace

QByteArray execHostHeader(const QUrl& url)
{
    const QString scheme = url.scheme().toLower();
    const bool tls = scheme == QLatin1String("https") || scheme == QLatin1String("wss");
    const int defaultPort = tls ? 443 : 80;
    const int port = url.port(defaultPort);
    // QUrl::host() drops an IPv6 literal's brackets; the header keeps them.
    QByteArray host = url.host(QUrl::FullyEncoded).toLatin1();
    if (host.contains(':'))
        host = '[' + host + ']';
    return port == defaultPort ? host : host + ':' + QByteArray::number(port);
}

ExecSession::ExecSession(ExecRequest request, QObject* parent)
    : QObject(parent)
    , m_request(std::move(request))
{ }

ExecSession::~ExecSession()
{
    // A session deleted before its end (its owner, e.g. the KubeClient, is being destroyed) reports
    // nothing: aborting the socket emits disconnected(), which would run onSocketGone() and fail(),
    // and so the caller's callback, from inside the owner's destructor.
    m_done = true;
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

QString ExecSession::what() const
{
    return QStringLiteral("exec '%1' in pod %2/%3")
        .arg(m_request.command.join(QLatin1Char(' ')), m_request.ns, m_request.pod);
}

void ExecSession::fail(const Error& error)
{
    if (m_done)
        return;
    m_done = true;
    if (m_socket)
        m_socket->abort();
    Q_EMIT failed(error);
}

void ExecSession::open(
    const QNetworkRequest& request, int handshakeTimeoutMs, std::function<bool(int, const QByteArray&)> onRejected)
{
    m_http = request;
    m_onRejected = std::move(onRejected);
    m_in.clear();
    m_upgraded = false;
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
    }
    m_socket = new QSslSocket(this);
    m_socket->setProxy(m_proxy);
    // Small on purpose: when the consumer falls behind we stop reading, this buffer fills, and the
    // kernel's receive window closes, which is what slows the server down.
    m_socket->setReadBufferSize(kSocketReadBuffer);
    connect(m_socket, &QSslSocket::readyRead, this, &ExecSession::onReadable);
    connect(m_socket, &QSslSocket::disconnected, this, &ExecSession::onSocketGone);
    connect(m_socket, &QSslSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
        if (e == QAbstractSocket::RemoteHostClosedError && m_upgraded)
            return onSocketGone();
        if (!m_upgraded)
            fail(makeError(ErrorCode::Network,
                what().toStdString() + ": cannot connect to the API server: " + m_socket->errorString().toStdString(),
                "check the cluster's server URL and that it is reachable"));
        else
            onSocketGone();
    });
    connect(m_socket, &QSslSocket::sslErrors, this, [this](const QList<QSslError>& errors) {
        if (m_http.sslConfiguration().peerVerifyMode() == QSslSocket::VerifyNone) {
            m_socket->ignoreSslErrors();
            return;
        }
        // Said as KubeClient says it for REST calls: the reason, and the kubeconfig setting to change.
        const QUrl url = m_http.url();
        const QString peerName = m_http.peerVerifyName().isEmpty() ? url.host() : m_http.peerVerifyName();
        fail(tls::explainHandshakeFailure(what().toStdString(),
            url.adjusted(QUrl::RemovePath | QUrl::RemoveQuery).toString().toStdString(), tls::errorCodes(errors),
            errors.isEmpty() ? std::string("unknown error") : errors.first().errorString().toStdString(),
            peerName.toStdString(), m_tlsSettings));
    });

    m_handshakeTimer = new QTimer(m_socket);
    m_handshakeTimer->setSingleShot(true);
    connect(m_handshakeTimer, &QTimer::timeout, this, [this, handshakeTimeoutMs] {
        fail(makeError(ErrorCode::Timeout,
            what().toStdString() + ": no WebSocket upgrade within " + std::to_string(handshakeTimeoutMs / 1000) + " s",
            "check that the cluster is reachable and that exec is not blocked by a proxy"));
    });
    m_handshakeTimer->start(handshakeTimeoutMs);

    const QUrl url = request.url();
    const bool tls = url.scheme() == QLatin1String("https");
    const quint16 port = static_cast<quint16>(url.port(tls ? 443 : 80));
    if (tls) {
        m_socket->setSslConfiguration(request.sslConfiguration());
        connect(m_socket, &QSslSocket::encrypted, this, &ExecSession::onConnected);
        const QString peerName = request.peerVerifyName();
        m_socket->connectToHostEncrypted(url.host(), port, peerName.isEmpty() ? url.host() : peerName);
    } else {
        connect(m_socket, &QSslSocket::connected, this, &ExecSession::onConnected);
        m_socket->connectToHost(url.host(), port);
    }
}

void ExecSession::onConnected()
{
    QByteArray nonce(16, Qt::Uninitialized);
    for (auto& c : nonce)
        c = static_cast<char>(QRandomGenerator::global()->bounded(256));
    m_key = nonce.toBase64();
    const QUrl url = m_http.url();
    QByteArray head = "GET " + url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority) + " HTTP/1.1\r\n";
    head += "Host: " + execHostHeader(url) + "\r\n";
    head += "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n";
    head += "Sec-WebSocket-Key: " + m_key + "\r\n";
    head += "Sec-WebSocket-Protocol: " + m_request.protocols.join(QStringLiteral(", ")).toLatin1() + "\r\n";
    for (const QByteArray& name : m_http.rawHeaderList()) {
        if (name.compare("Accept", Qt::CaseInsensitive) == 0)
            continue;
        head += name + ": " + m_http.rawHeader(name) + "\r\n";
    }
    head += "\r\n";
    m_socket->write(head);
}

void ExecSession::onReadable()
{
    if (!m_upgraded) {
        if (!parseHandshake())
            return;
    }
    processIncoming();
}

bool ExecSession::parseHandshake()
{
    m_in += m_socket->readAll();
    const qsizetype end = m_in.indexOf("\r\n\r\n");
    if (end < 0) {
        if (m_in.size() > kMaxHandshakeBytes)
            fail(makeError(ErrorCode::Parse, what().toStdString() + ": the upgrade answer has no end of headers"));
        return false;
    }
    const QList<QByteArray> lines = m_in.left(end).split('\n');
    const QList<QByteArray> statusLine = lines.value(0).trimmed().split(' ');
    const int status = statusLine.value(1).toInt();
    QByteArray accept;
    QByteArray protocol;
    qint64 contentLength = -1;
    QByteArray location;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = line.left(colon).trimmed().toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (name == "sec-websocket-accept")
            accept = value;
        else if (name == "sec-websocket-protocol")
            protocol = value;
        else if (name == "content-length")
            contentLength = value.toLongLong();
        else if (name == "location")
            location = value;
    }
    if (status != 101) {
        // The API server explains a refused exec with a Status body; wait for all of it.
        const QByteArray body = m_in.mid(end + 4);
        if (contentLength >= 0 && body.size() < contentLength && m_socket->state() == QAbstractSocket::ConnectedState)
            return false;
        m_handshakeTimer->stop();
        if (m_onRejected && m_onRejected(status, body))
            return false;
        // This client never follows a redirect: the handshake carries the Authorization header and
        // the client certificate, which must not go to wherever a 3xx points.
        const QString target = location.isEmpty()
            ? QString()
            : m_http.url().resolved(QUrl(QString::fromUtf8(location))).toString(QUrl::RemoveUserInfo);
        fail(kubeErrorFromResponse(status, body, what(), target));
        return false;
    }
    const QByteArray expected
        = QCryptographicHash::hash(QByteArray(m_key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"), QCryptographicHash::Sha1)
              .toBase64();
    if (accept != expected) {
        fail(makeError(ErrorCode::Network, what().toStdString() + ": the server's WebSocket handshake is invalid",
            "a proxy between LeakDesk and the API server may be rewriting the upgrade"));
        return false;
    }
    m_protocol = QString::fromLatin1(protocol);
    if (m_protocol.isEmpty() || !m_request.protocols.contains(m_protocol)) {
        fail(makeError(ErrorCode::Unsupported,
            what().toStdString() + ": the API server offered no supported exec channel protocol ('"
                + protocol.toStdString() + "')",
            "LeakDesk needs v5.channel.k8s.io or v4.channel.k8s.io (Kubernetes 1.4 or later)"));
        return false;
    }
    m_handshakeTimer->stop();
    m_upgraded = true;
    m_in = m_in.mid(end + 4);
    Q_EMIT established(m_protocol);
    return true;
}

void ExecSession::scheduleProcessing()
{
    if (m_processingScheduled)
        return;
    m_processingScheduled = true;
    QTimer::singleShot(0, this, [this] {
        m_processingScheduled = false;
        processIncoming();
        maybeFinish();
    });
}

void ExecSession::processIncoming()
{
    if (m_done || !m_upgraded)
        return;
    for (;;) {
        if (m_queued >= m_maxQueued)
            return; // back-pressure: readStdout() resumes us
        if (m_in.isEmpty()) {
            if (!m_socket || !m_socket->isOpen() || m_socket->bytesAvailable() == 0)
                return;
            m_in = m_socket->read(64 * 1024);
        }
        if (m_frameRemaining < 0) {
            // Frame header: 2 bytes, then 0/2/8 bytes of length, then 0/4 bytes of mask.
            if (m_in.size() < 2) {
                if (m_socket && m_socket->bytesAvailable() > 0) {
                    m_in += m_socket->read(64 * 1024);
                    continue;
                }
                return;
            }
            const auto b0 = static_cast<unsigned char>(m_in[0]);
            const auto b1 = static_cast<unsigned char>(m_in[1]);
            qsizetype need = 2;
            const int len7 = b1 & 0x7f;
            need += len7 == 126 ? 2 : (len7 == 127 ? 8 : 0);
            need += (b1 & 0x80) ? 4 : 0;
            if (m_in.size() < need) {
                if (m_socket && m_socket->bytesAvailable() > 0) {
                    m_in += m_socket->read(64 * 1024);
                    continue;
                }
                return;
            }
            qint64 len = len7;
            qsizetype pos = 2;
            if (len7 == 126) {
                len = (static_cast<unsigned char>(m_in[2]) << 8) | static_cast<unsigned char>(m_in[3]);
                pos = 4;
            } else if (len7 == 127) {
                len = 0;
                for (int i = 0; i < 8; ++i)
                    len = (len << 8) | static_cast<unsigned char>(m_in[2 + i]);
                pos = 10;
            }
            m_masked = b1 & 0x80;
            if (m_masked) {
                std::copy_n(m_in.constData() + pos, 4, m_mask);
                pos += 4;
            }
            m_fin = b0 & 0x80;
            m_opcode = b0 & 0x0f;
            m_frameRemaining = len;
            m_frameOffset = 0;
            m_control.clear();
            m_in.remove(0, pos);
            if (m_opcode >= 0x8 && len > 125) {
                fail(makeError(ErrorCode::Parse, what().toStdString() + ": malformed WebSocket control frame"));
                return;
            }
        }
        const qint64 n = std::min<qint64>(m_frameRemaining, m_in.size());
        if (n > 0) {
            QByteArray part = m_in.left(n);
            m_in.remove(0, n);
            if (m_masked)
                for (qint64 i = 0; i < n; ++i)
                    part[i] = static_cast<char>(part[i] ^ m_mask[(m_frameOffset + i) % 4]);
            m_frameOffset += n;
            m_frameRemaining -= n;
            if (m_opcode >= 0x8)
                m_control += part;
            else
                deliver(part.constData(), part.size());
        }
        if (m_frameRemaining == 0) {
            m_frameRemaining = -1;
            if (m_opcode >= 0x8)
                onControlFrame(m_opcode, m_control);
            else if (m_fin)
                endOfMessage();
            if (m_done)
                return;
        }
    }
}

void ExecSession::deliver(const char* data, qint64 size)
{
    if (size <= 0)
        return;
    if (m_messageStart) {
        m_channel = static_cast<unsigned char>(data[0]);
        m_messageStart = false;
        ++data;
        --size;
        if (size == 0)
            return;
    }
    switch (m_channel) {
    case kChannelStdout:
        m_stdout.emplace_back(data, size);
        m_queued += size;
        m_stdoutTotal += size;
        Q_EMIT stdoutReady();
        break;
    case kChannelStderr: {
        const QByteArray chunk(data, size);
        if (m_stderr.size() < kMaxStderrBytes)
            m_stderr += chunk.left(kMaxStderrBytes - m_stderr.size());
        Q_EMIT stderrReceived(chunk);
        break;
    }
    case kChannelError:
        if (m_status.size() < kMaxStatusBytes)
            m_status.append(data, size);
        break;
    default:
        break; // v5 stream-close notices from the server and unknown channels carry nothing for us
    }
}

void ExecSession::endOfMessage()
{
    m_messageStart = true;
    m_channel = -1;
}

void ExecSession::onControlFrame(int opcode, const QByteArray& payload)
{
    if (opcode == kOpPing) {
        writeFrame(kOpPong, payload);
    } else if (opcode == kOpClose) {
        m_cleanClose = true;
        if (!m_closeSent)
            writeFrame(kOpClose, payload.left(2));
        m_ended = true;
        if (m_socket)
            m_socket->disconnectFromHost();
        maybeFinish();
    }
}

void ExecSession::writeFrame(int opcode, const QByteArray& payload)
{
    if (!m_socket || !m_upgraded || m_closeSent)
        return;
    if (opcode == kOpClose)
        m_closeSent = true;
    QByteArray frame;
    frame.reserve(payload.size() + 14);
    frame.append(static_cast<char>(0x80 | opcode));
    const qint64 n = payload.size();
    if (n < 126) {
        frame.append(static_cast<char>(0x80 | n));
    } else if (n < 65536) {
        frame.append(static_cast<char>(0x80 | 126));
        frame.append(static_cast<char>(n >> 8));
        frame.append(static_cast<char>(n & 0xff));
    } else {
        frame.append(static_cast<char>(0x80 | 127));
        for (int s = 56; s >= 0; s -= 8)
            frame.append(static_cast<char>((n >> s) & 0xff));
    }
    // Clients must mask every frame (RFC 6455 5.3).
    const quint32 key = QRandomGenerator::global()->generate();
    char mask[4] = { static_cast<char>(key >> 24), static_cast<char>(key >> 16), static_cast<char>(key >> 8),
        static_cast<char>(key) };
    frame.append(mask, 4);
    const qsizetype start = frame.size();
    frame.append(payload);
    for (qint64 i = 0; i < n; ++i)
        frame[start + i] = static_cast<char>(frame[start + i] ^ mask[i % 4]);
    m_socket->write(frame);
}

QByteArray ExecSession::readStdout(qint64 maxBytes)
{
    QByteArray out;
    if (maxBytes < 0)
        maxBytes = m_queued;
    out.reserve(std::min(maxBytes, m_queued));
    while (!m_stdout.empty() && out.size() < maxBytes) {
        QByteArray& front = m_stdout.front();
        const qint64 take = std::min<qint64>(front.size(), maxBytes - out.size());
        if (take == front.size()) {
            out += front;
            m_stdout.pop_front();
        } else {
            out += front.left(take);
            front.remove(0, take);
        }
        m_queued -= take;
    }
    // Below half the threshold: read the socket again (its data will not announce itself twice).
    if (m_queued < m_maxQueued / 2 || m_stdout.empty())
        scheduleProcessing();
    return out;
}

void ExecSession::writeStdin(const QByteArray& data)
{
    writeFrame(kOpBinary, QByteArray(1, kChannelStdin) + data);
}

void ExecSession::closeStdin()
{
    if (m_protocol == QLatin1String("v5.channel.k8s.io"))
        writeFrame(kOpBinary, QByteArray(1, static_cast<char>(kChannelClose)) + QByteArray(1, kChannelStdin));
}

void ExecSession::resize(int width, int height)
{
    const nlohmann::json size = { { "Width", width }, { "Height", height } };
    writeFrame(kOpBinary, QByteArray(1, kChannelResize) + QByteArray::fromStdString(size.dump()));
}

void ExecSession::cancel()
{
    fail(makeError(ErrorCode::Cancelled, what().toStdString() + ": cancelled"));
}

void ExecSession::onSocketGone()
{
    if (!m_upgraded || m_ended)
        return;
    // Bytes still buffered in the socket belong to the stream; they are parsed before the end.
    if (m_socket->isOpen())
        m_in += m_socket->readAll();
    m_ended = true;
    processIncoming();
    maybeFinish();
}

void ExecSession::maybeFinish()
{
    if (m_done || !m_ended)
        return;
    if (m_queued == 0 && (!m_in.isEmpty() || (m_socket && m_socket->bytesAvailable() > 0)))
        processIncoming();
    if (m_done || m_queued > 0)
        return; // the consumer has not taken everything yet; readStdout() brings us back
    // v4 and v5 always end with the exit status on the error channel: without it the command's
    // end is unknown, even when the server closed the stream cleanly (an API server or proxy
    // shutting down, an idle timeout). Taking that for success would hand back cut-off output.
    if (m_status.isEmpty()) {
        fail(makeError(ErrorCode::Network,
            what().toStdString()
                + (m_cleanClose ? ": the server closed the stream after " : ": the connection was lost after ")
                + std::to_string(m_stdoutTotal) + " bytes of output, before the command's exit status arrived",
            "retry; a transfer can resume from the byte offset it reached"));
        return;
    }
    ExecResult result;
    result.protocol = m_protocol;
    result.stdoutBytes = m_stdoutTotal;
    result.stderrText = m_stderr;
    if (!m_status.isEmpty()) {
        const nlohmann::json status = nlohmann::json::parse(m_status.toStdString(), nullptr, false);
        if (status.is_discarded() || !status.is_object()) {
            fail(makeError(ErrorCode::Parse, what().toStdString() + ": unreadable exit status from the API server",
                m_status.left(200).toStdString()));
            return;
        }
        if (status.value("status", "") != "Success") {
            result.statusMessage = status.value("message", "");
            int code = -1;
            if (status.value("reason", "") == "NonZeroExitCode" && status.contains("details")) {
                for (const auto& cause : status["details"].value("causes", nlohmann::json::array()))
                    if (cause.value("reason", "") == "ExitCode")
                        code = std::atoi(cause.value("message", "-1").c_str());
            }
            if (code < 0) {
                // Not the command failing but the exec itself (container gone, runtime error).
                fail(makeError(ErrorCode::Server, what().toStdString() + " failed: " + result.statusMessage,
                    "check that the container is running (kubectl get pod) and retry"));
                return;
            }
            result.exitCode = code;
        }
    }
    m_done = true;
    Q_EMIT finished(result);
}

} // namespace leakdesk::kube
