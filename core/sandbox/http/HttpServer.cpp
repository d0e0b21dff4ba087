#include "core/sandbox/http/HttpServer.h"
#include "core/sandbox/http/ResponseStream.h"

#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <charconv>

namespace leakdesk::sandbox {

namespace {

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

struct ParsedHead {
    HttpRequest request;
    bool http10 = false;
    qsizetype contentLength = 0;
    bool chunked = false;
};

Result<ParsedHead> parseHead(const QByteArray& head)
{
    ParsedHead out;
    const QList<QByteArray> lines = head.split('\n');
    if (lines.isEmpty())
        return makeError(ErrorCode::Parse, "empty request");
    const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
    if (requestLine.size() != 3 || !requestLine[2].startsWith("HTTP/1."))
        return makeError(ErrorCode::Parse, "malformed request line");
    out.request.method = requestLine[0];
    out.request.target = requestLine[1];
    out.http10 = requestLine[2] == "HTTP/1.0";
    const qsizetype q = out.request.target.indexOf('?');
    out.request.path = percentDecode(q < 0 ? out.request.target : out.request.target.left(q), false);
    if (q >= 0)
        out.request.query = QueryParams::parse(out.request.target.mid(q + 1));
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        if (line.isEmpty())
            continue;
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return makeError(ErrorCode::Parse, "malformed header line");
        out.request.headers.emplace_back(line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed());
    }
    const QByteArray cl = out.request.header("content-length");
    if (!cl.isEmpty()) {
        bool ok = false;
        out.contentLength = cl.toLongLong(&ok);
        if (!ok || out.contentLength < 0)
            return makeError(ErrorCode::Parse, "invalid Content-Length");
    }
    out.chunked = out.request.header("transfer-encoding").toLower().contains("chunked");
    return out;
}

constexpr const char* kStreamingProperty = "leakdesk.streaming";

QByteArray serialise(const HttpResponse& r, bool keepAlive, bool headOnly)
{
    QByteArray out;
    out.reserve(r.body.size() + 256);
    out += "HTTP/1.1 " + QByteArray::number(r.status) + ' ' + httpReasonPhrase(r.status) + "\r\n";
    if (!r.contentType.isEmpty())
        out += "Content-Type: " + r.contentType + "\r\n";
    for (const auto& [k, v] : r.headers)
        out += k + ": " + v + "\r\n";
    out += "Content-Length: " + QByteArray::number(r.body.size()) + "\r\n";
    out += keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
    out += "\r\n";
    if (!headOnly)
        out += r.body;
    return out;
}

} // namespace

std::string percentDecode(const QByteArray& text, bool plusIsSpace)
{
    std::string out;
    out.reserve(static_cast<std::size_t>(text.size()));
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 && hexValue(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2])));
            i += 2;
        } else if (c == '+' && plusIsSpace) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

QueryParams QueryParams::parse(const QByteArray& encoded)
{
    QueryParams p;
    for (const QByteArray& part : encoded.split('&')) {
        if (part.isEmpty())
            continue;
        const qsizetype eq = part.indexOf('=');
        const QByteArray key = eq < 0 ? part : part.left(eq);
        const QByteArray value = eq < 0 ? QByteArray() : part.mid(eq + 1);
        p.m_items.emplace_back(percentDecode(key, true), percentDecode(value, true));
    }
    return p;
}

bool QueryParams::has(const std::string& key) const
{
    for (const auto& [k, v] : m_items)
        if (k == key)
            return true;
    return false;
}

std::string QueryParams::value(const std::string& key, const std::string& fallback) const
{
    for (const auto& [k, v] : m_items)
        if (k == key)
            return v;
    return fallback;
}

std::vector<std::string> QueryParams::values(const std::string& key) const
{
    std::vector<std::string> out;
    for (const auto& [k, v] : m_items)
        if (k == key)
            out.push_back(v);
    return out;
}

void QueryParams::merge(const QueryParams& other)
{
    m_items.insert(m_items.end(), other.m_items.begin(), other.m_items.end());
}

QByteArray HttpRequest::header(const QByteArray& lowerName) const
{
    for (const auto& [k, v] : headers)
        if (k == lowerName)
            return v;
    return {};
}

bool HttpRequest::wantsUpgrade() const
{
    return header("connection").toLower().contains("upgrade") && !header("upgrade").isEmpty();
}

HttpResponse HttpResponse::json(int status, const std::string& body)
{
    HttpResponse r;
    r.status = status;
    r.body = QByteArray::fromStdString(body);
    return r;
}

HttpResponse HttpResponse::text(int status, const QByteArray& body)
{
    HttpResponse r;
    r.status = status;
    r.contentType = "text/plain; charset=utf-8";
    r.body = body;
    return r;
}

QByteArray httpReasonPhrase(int status)
{
    switch (status) {
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 413:
        return "Payload Too Large";
    case 422:
        return "Unprocessable Entity";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

HttpServer::HttpServer(QObject* parent)
    : QObject(parent)
    , m_server(std::make_unique<QTcpServer>())
{ }

HttpServer::~HttpServer()
{
    close();
}

void HttpServer::setTcpServer(std::unique_ptr<QTcpServer> server)
{
    m_server = std::move(server);
}

Status HttpServer::listen(const QHostAddress& address, quint16 port)
{
    connect(m_server.get(), &QTcpServer::pendingConnectionAvailable, this, &HttpServer::acceptPending);
    if (!m_server->listen(address, port)) {
        return makeError(ErrorCode::Network,
            "cannot listen on " + address.toString().toStdString() + ":" + std::to_string(port) + ": "
                + m_server->errorString().toStdString(),
            port == 0 ? "check that the loopback interface is up" : "choose another port or pass 0 for any free port");
    }
    return Ok {};
}

quint16 HttpServer::port() const
{
    return m_server->serverPort();
}

void HttpServer::close()
{
    if (m_server)
        m_server->close();
    for (const auto& s : m_sockets) {
        if (s) {
            s->abort();
            s->deleteLater();
        }
    }
    m_sockets.clear();
    m_heldFaults.clear();
}

void HttpServer::acceptPending()
{
    while (m_server->hasPendingConnections()) {
        QTcpSocket* socket = m_server->nextPendingConnection();
        if (!socket)
            break;
        attach(socket);
        if (socket->bytesAvailable() > 0)
            serve(socket);
    }
}

void HttpServer::attach(QTcpSocket* socket)
{
    socket->setParent(this);
    m_sockets.emplace_back(socket);
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { serve(socket); });
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    connect(socket, &QObject::destroyed, this,
        [this] { std::erase_if(m_sockets, [](const QPointer<QTcpSocket>& p) { return p.isNull(); }); });
    connect(socket, &QObject::destroyed, this, [this, socket] { m_heldFaults.erase(socket); });
}

void HttpServer::detach(QTcpSocket* socket)
{
    // The new owner alone decides the socket's lifetime from here on.
    disconnect(socket, nullptr, this, nullptr);
    disconnect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    socket->setParent(nullptr);
    std::erase_if(m_sockets, [socket](const QPointer<QTcpSocket>& p) { return p == socket || p.isNull(); });
}

void HttpServer::serve(QTcpSocket* socket)
{
    auto fail = [socket](int status, const QByteArray& message) {
        socket->write(serialise(HttpResponse::text(status, message + "\n"), false, false));
        socket->disconnectFromHost();
    };
    while (socket->state() == QAbstractSocket::ConnectedState && socket->bytesAvailable() > 0) {
        if (socket->property(kStreamingProperty).toBool())
            return; // the next request waits until the streamed body has ended
        // Peek, not read: an upgrade must reach its new owner with the request still unread.
        const QByteArray available = socket->peek(std::min<qint64>(socket->bytesAvailable(), kMaxHeadBytes + 4));
        const qsizetype headEnd = available.indexOf("\r\n\r\n");
        if (headEnd < 0) {
            if (available.size() >= kMaxHeadBytes)
                fail(431, "request head too large");
            return;
        }
        auto parsed = parseHead(available.left(headEnd));
        if (!parsed) {
            fail(400, QByteArray::fromStdString(parsed.error().message));
            return;
        }
        ParsedHead& head = *parsed;
        if (auto* tls = qobject_cast<QSslSocket*>(socket); tls && m_verifyPeer && !tls->peerCertificate().isNull())
            head.request.clientCertificate = m_verifyPeer(tls->peerCertificate().toDer());
        if (head.request.wantsUpgrade() && m_upgrade) {
            detach(socket);
            if (m_upgrade(head.request, socket))
                return;
            attach(socket); // declined: answer it as a plain request
        }
        if (head.chunked) {
            fail(411, "chunked request bodies are not supported; send Content-Length");
            return;
        }
        if (head.contentLength > kMaxBodyBytes) {
            fail(413, "request body too large");
            return;
        }
        const qint64 total = headEnd + 4 + head.contentLength;
        if (socket->bytesAvailable() < total)
            return; // wait for the rest of the body
        RequestFault fault;
        if (m_faultHook) {
            if (auto held = m_heldFaults.find(socket); held != m_heldFaults.end()) {
                if (held->second.delayMs > 0)
                    return; // still waiting out its injected latency
                fault = std::move(held->second);
                m_heldFaults.erase(held);
            } else if (fault = m_faultHook(head.request); fault.delayMs > 0) {
                // The request stays unread (and later pipelined ones behind it) until the delay is over.
                m_heldFaults[socket] = fault;
                QTimer::singleShot(fault.delayMs, socket, [this, socket] {
                    m_heldFaults[socket].delayMs = 0;
                    serve(socket);
                });
                return;
            }
            if (fault.drop) {
                socket->abort();
                return;
            }
        }
        socket->read(headEnd + 4);
        head.request.body = socket->read(head.contentLength);

        const QByteArray connection = head.request.header("connection").toLower();
        const bool keepAlive = head.http10 ? connection.contains("keep-alive") : !connection.contains("close");
        HttpResponse response = fault.response ? std::move(*fault.response)
            : m_handler                        ? m_handler(head.request)
                                               : HttpResponse::text(503, "no handler\n");
        if (response.stream && head.request.method != "HEAD") {
            startStream(socket, response, keepAlive && !head.http10, fault.dropStreamAfterMs);
            return;
        }
        socket->write(serialise(response, keepAlive, head.request.method == "HEAD"));
        if (!keepAlive) {
            socket->disconnectFromHost();
            return;
        }
    }
}

void HttpServer::startStream(QTcpSocket* socket, const HttpResponse& response, bool keepAlive, int dropAfterMs)
{
    // Without keep-alive (HTTP/1.0, Connection: close) there is no chunking: the body ends with
    // the connection.
    QByteArray head
        = "HTTP/1.1 " + QByteArray::number(response.status) + ' ' + httpReasonPhrase(response.status) + "\r\n";
    if (!response.contentType.isEmpty())
        head += "Content-Type: " + response.contentType + "\r\n";
    for (const auto& [k, v] : response.headers)
        head += k + ": " + v + "\r\n";
    head += keepAlive ? "Transfer-Encoding: chunked\r\n" : "Connection: close\r\n";
    head += "\r\n";
    socket->write(head);
    socket->setProperty(kStreamingProperty, true);
    QPointer<QTcpSocket> guard(socket);
    auto* stream = new ResponseStream(socket, keepAlive, [this, guard, keepAlive] {
        if (!guard)
            return;
        guard->setProperty(kStreamingProperty, false);
        if (!keepAlive) {
            guard->disconnectFromHost();
            return;
        }
        QTimer::singleShot(0, guard, [this, guard] {
            if (guard)
                serve(guard);
        });
    });
    if (dropAfterMs >= 0) {
        // Injected: the connection is lost mid-body. Parented to the stream, so a body that ended
        // first is not cut.
        QTimer::singleShot(dropAfterMs, stream, [guard] {
            if (guard)
                guard->abort();
        });
    }
    response.stream(stream);
}

} // namespace leakdesk::sandbox
