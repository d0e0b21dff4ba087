#include "core/sandbox/kubeapi/ExecEndpoint.h"

#include <QPointer>
#include <utility>
#include <vector>
#include <QTcpSocket>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

#include <nlohmann/json.hpp>

namespace leakdesk::sandbox {

namespace {

constexpr char kStdin = 0;
constexpr char kStdout = 1;
constexpr char kStderr = 2;
constexpr char kError = 3;
constexpr char kResize = 4;
constexpr unsigned char kCloseStream = 255; // v5 only
// How long after the WebSocket upgrade the command starts (see the comment where it is used).
constexpr int kProcessStartDelayMs = 100;

std::string joinCommand(const std::vector<std::string>& argv)
{
    std::string out;
    for (const auto& a : argv)
        out += (out.empty() ? "" : " ") + a;
    return out;
}

} // namespace

// One exec: owns the WebSocket, streams the command's output with back-pressure, ends with the
// Status on the error channel.
class ExecEndpoint::Session : public QObject {
public:
    Session(ExecEndpoint* endpoint, QWebSocket* socket, ExecTarget target)
        : QObject(endpoint)
        , m_endpoint(endpoint)
        , m_socket(socket)
        , m_target(std::move(target))
    {
        socket->setParent(this);
        m_v5 = socket->subprotocol() == QLatin1String("v5.channel.k8s.io");
        connect(socket, &QWebSocket::disconnected, this, &QObject::deleteLater);
        connect(socket, &QWebSocket::bytesWritten, this, [this](qint64 n) {
            m_unsent = std::max<qint64>(0, m_unsent - n);
            pump();
        });
        connect(socket, &QWebSocket::binaryMessageReceived, this, &Session::onMessage);
        connect(
            socket, &QWebSocket::textMessageReceived, this, [this](const QString& text) { onMessage(text.toUtf8()); });
    }

    void start()
    {
        if (m_socket->subprotocol().isEmpty()) {
            // A client that speaks none of the channel protocols cannot read the channel bytes.
            m_socket->close(QWebSocketProtocol::CloseCodeProtocolError,
                QStringLiteral("no supported channel protocol (v5.channel.k8s.io, v4.channel.k8s.io)"));
            return;
        }
        m_output = m_endpoint->m_runner(m_target);
        m_started = true;
        if (m_target.tty) {
            // A terminal has one output stream.
            m_output.out(m_output.stderrText);
            m_output.stderrText.clear();
        }
        m_waitForStdin = m_output.echoStdin && m_target.stdinOn;
        // The kubelet's first frame: an empty write on the lowest output channel says "ready".
        send(QByteArray(1, m_target.stdoutOn ? kStdout : (m_target.stderrOn ? kStderr : kError)));
        for (const QByteArray& early : std::exchange(m_early, {}))
            onMessage(early);
        pump();
    }

private:
    void send(const QByteArray& message)
    {
        m_unsent += message.size();
        m_socket->sendBinaryMessage(message);
    }

    void onMessage(const QByteArray& message)
    {
        if (message.isEmpty())
            return;
        if (!m_started) { // stdin (or its close) sent before the process started: kept for it
            m_early.push_back(message);
            return;
        }
        const auto channel = static_cast<unsigned char>(message[0]);
        if (channel == kStdin && m_waitForStdin) {
            m_output.out(message.mid(1));
            pump();
        } else if (channel == kCloseStream && m_v5 && message.size() >= 2 && message[1] == kStdin) {
            m_waitForStdin = false;
            pump();
        }
        // kResize ({"Width":W,"Height":H}) changes nothing for commands that are not interactive.
        (void)kResize;
    }

    void pump()
    {
        if (m_done || !m_socket || !m_started) // the client may close stdin before the process starts
            return;
        auto& chunks = m_output.stdoutChunks;
        while (m_unsent < kMaxUnsentBytes && m_chunk < chunks.size()) {
            const OutputChunk& c = chunks[m_chunk];
            const qint64 n = std::min(kSliceBytes, c.length - m_offset);
            if (m_endpoint->m_dropAfterBytes >= 0 && m_sent + n > m_endpoint->m_dropAfterBytes) {
                m_done = true;
                m_socket->abort();
                return;
            }
            if (LinkPacer* link = m_endpoint->m_link.get(); link && m_target.stdoutOn) {
                const qint64 now = m_endpoint->m_clock.nsecsElapsed();
                if (const qint64 wait = link->waitNs(now); wait > 0) {
                    pumpLater(wait);
                    return;
                }
                link->sent(now, n + 1);
            }
            if (m_target.stdoutOn) {
                QByteArray message(1, kStdout);
                message.append(c.data->constData() + c.offset + m_offset, n);
                send(message);
                m_endpoint->m_stdoutBytesSent += n;
            }
            m_sent += n;
            m_offset += n;
            if (m_offset >= c.length) {
                // Release what has been sent: a finished slice of a large dump need not stay alive.
                chunks[m_chunk].data.reset();
                ++m_chunk;
                m_offset = 0;
            }
        }
        if (m_chunk < chunks.size() || m_waitForStdin || m_unsent >= kMaxUnsentBytes)
            return;
        m_done = true;
        if (m_target.stderrOn && !m_output.stderrText.isEmpty())
            send(QByteArray(1, kStderr) + m_output.stderrText);
        nlohmann::json status = { { "metadata", nlohmann::json::object() } };
        if (m_output.exitCode == 0) {
            status["status"] = "Success";
        } else {
            status["status"] = "Failure";
            status["reason"] = "NonZeroExitCode";
            status["message"] = "command terminated with non-zero exit code: error executing command ["
                + joinCommand(m_target.command) + "], exit code " + std::to_string(m_output.exitCode);
            status["details"] = { { "causes",
                nlohmann::json::array(
                    { { { "reason", "ExitCode" }, { "message", std::to_string(m_output.exitCode) } } }) } };
        }
        send(QByteArray(1, kError) + QByteArray::fromStdString(status.dump()));
        m_socket->close(QWebSocketProtocol::CloseCodeNormal);
    }

    // The link is busy: pump again when it is free (bytesWritten may pump earlier; it waits too).
    void pumpLater(qint64 waitNs)
    {
        if (m_pumpScheduled)
            return;
        m_pumpScheduled = true;
        const auto ms = static_cast<int>(std::min<qint64>((waitNs + 999'999) / 1'000'000, 60'000));
        QTimer::singleShot(ms, Qt::PreciseTimer, this, [this] {
            m_pumpScheduled = false;
            pump();
        });
    }

    ExecEndpoint* m_endpoint;
    QPointer<QWebSocket> m_socket;
    ExecTarget m_target;
    ExecOutput m_output;
    std::size_t m_chunk = 0;
    qint64 m_offset = 0;
    qint64 m_sent = 0;
    qint64 m_unsent = 0;
    bool m_v5 = false;
    bool m_waitForStdin = false;
    bool m_done = false;
    bool m_started = false; // start() ran: the command has run and its output may flow
    bool m_pumpScheduled = false; // waiting for the link (bandwidth)
    std::vector<QByteArray> m_early; // client frames that arrived before start()
};

ExecEndpoint::ExecEndpoint(Runner runner, QObject* parent)
    : QObject(parent)
    , m_runner(std::move(runner))
    , m_server(new QWebSocketServer(QStringLiteral("leakdesk-sandbox-exec"), QWebSocketServer::NonSecureMode, this))
{
    setProtocols({ QStringLiteral("v5.channel.k8s.io"), QStringLiteral("v4.channel.k8s.io") });
    connect(m_server, &QWebSocketServer::newConnection, this, &ExecEndpoint::onNewConnection);
}

ExecEndpoint::~ExecEndpoint() = default;

void ExecEndpoint::setBandwidth(double bytesPerSecond)
{
    m_link = bytesPerSecond > 0 ? std::make_unique<LinkPacer>(bytesPerSecond) : nullptr;
    m_clock.start();
}

void ExecEndpoint::setProtocols(const QStringList& protocols)
{
    m_server->setSupportedSubprotocols(protocols);
}

std::string ExecEndpoint::targetKey(const std::string& path, const QueryParams& query)
{
    std::string key = path + "?";
    for (const auto& [k, v] : query.items())
        key += k + "=" + v + "&";
    return key;
}

void ExecEndpoint::accept(const ExecTarget& target, const HttpRequest& request, QTcpSocket* socket)
{
    // The handshake completes asynchronously; the session finds its target again by the URL.
    m_pending.emplace_back(targetKey(request.path, request.query), target);
    m_server->handleConnection(socket);
}

void ExecEndpoint::onNewConnection()
{
    while (QWebSocket* socket = m_server->nextPendingConnection()) {
        const QUrl url = socket->requestUrl();
        const std::string key = targetKey(percentDecode(url.path(QUrl::FullyEncoded).toLatin1(), false),
            QueryParams::parse(url.query(QUrl::FullyEncoded).toLatin1()));
        const auto it = std::find_if(m_pending.begin(), m_pending.end(), [&](const auto& p) { return p.first == key; });
        if (it == m_pending.end()) {
            socket->close(QWebSocketProtocol::CloseCodePolicyViolated, QStringLiteral("unknown exec request"));
            socket->deleteLater();
            continue;
        }
        auto* session = new Session(this, socket, it->second);
        m_pending.erase(it);
        // A real exec starts its process some time after the upgrade (runc, the kubelet, the API
        // server in between). kubectl relies on that: client-go sets up its stream readers after the
        // handshake and discards frames that arrive before ("Unknown stream id 1, discarding
        // message"), which on a loaded machine lost a command's whole output. So the sandbox's
        // process, too, starts a moment after the upgrade.
        QTimer::singleShot(kProcessStartDelayMs, session, &Session::start);
    }
}

} // namespace leakdesk::sandbox
