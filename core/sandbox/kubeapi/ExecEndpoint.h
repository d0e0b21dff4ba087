#pragma once
// Serves `pods/<name>/exec` over WebSocket with the Kubernetes channel protocols
// (v5.channel.k8s.io, v4.channel.k8s.io): every binary message starts with a channel byte
// (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize; v5 adds 255 "close stream"). The command's
// outcome is a meta/v1 Status on channel 3 (NonZeroExitCode with the exit code as a cause), then
// the socket is closed, as the kubelet does.
//
// stdout is sent in slices and only while less than kMaxUnsentBytes sit unsent in the socket, so
// a slow client slows the server down instead of making it buffer a whole heap dump. With a
// bandwidth (`--faults bandwidth=50MB/s`) all sessions' stdout shares one link of that rate, as a
// dump crossing a real cluster's network would.

#include "core/sandbox/shell/ContainerShell.h"
#include "core/sandbox/http/FaultInjection.h"
#include "core/sandbox/http/HttpServer.h"

#include <QElapsedTimer>
#include <QObject>
#include <QStringList>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

class QTcpSocket;
class QWebSocket;
class QWebSocketServer;

namespace leakdesk::sandbox {

struct ExecTarget {
    std::size_t pod = 0;
    std::string podName;
    std::string container;
    bool debugContainer = false; // an ephemeral container (kubectl debug --target) of the pod
    std::vector<std::string> command;
    bool stdinOn = false;
    bool stdoutOn = true;
    bool stderrOn = true;
    bool tty = false;
};

class ExecEndpoint : public QObject {
    Q_OBJECT
public:
    using Runner = std::function<ExecOutput(const ExecTarget&)>;

    static constexpr qint64 kMaxUnsentBytes = 1024 * 1024;
    static constexpr qint64 kSliceBytes = 32 * 1024;

    explicit ExecEndpoint(Runner runner, QObject* parent = nullptr);
    ~ExecEndpoint() override;

    // Channel protocols offered, in order of preference (tests restrict this to v4 to check the
    // client's fallback).
    void setProtocols(const QStringList& protocols);
    // Drop the connection (no close frame, no status) after this many stdout bytes: the "connection
    // lost mid-transfer" that a resumable download must survive. Negative: never.
    void setDropAfterBytes(qint64 bytes) { m_dropAfterBytes = bytes; }
    // Pace stdout of all sessions to this many bytes per second (the link between the kubelet and
    // the client); 0 or less: unpaced.
    void setBandwidth(double bytesPerSecond);

    // Takes over a socket whose unread bytes are the WebSocket upgrade request for `target`.
    void accept(const ExecTarget& target, const HttpRequest& request, QTcpSocket* socket);

    // stdout bytes handed to sockets so far, over all sessions (read from any thread).
    qint64 stdoutBytesSent() const { return m_stdoutBytesSent.load(); }

private:
    class Session;
    void onNewConnection();
    static std::string targetKey(const std::string& path, const QueryParams& query);

    Runner m_runner;
    QWebSocketServer* m_server = nullptr;
    std::vector<std::pair<std::string, ExecTarget>> m_pending;
    std::atomic<qint64> m_stdoutBytesSent { 0 };
    qint64 m_dropAfterBytes = -1;
    std::unique_ptr<LinkPacer> m_link; // null: unpaced
    QElapsedTimer m_clock; // the link's time
};

} // namespace leakdesk::sandbox
