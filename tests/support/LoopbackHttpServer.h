#pragma once
// A tiny HTTP/1.1 server on 127.0.0.1 (or ::1) for client tests: it records every request it
// receives (request line and headers) and answers each with what the test's script says, or
// closes the connection without an answer. One request per connection (Connection: close), so
// what it records is exactly what arrived.

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QMap>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>

#include <functional>

namespace leakdesk::test {

struct RecordedRequest {
    QByteArray method;
    QByteArray target; // path and query
    QMap<QByteArray, QByteArray> headers; // names lower-cased
};

struct ScriptedAnswer {
    int status = 200;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    bool resetConnection = false; // close without answering
};

class LoopbackHttpServer : public QObject {
public:
    using Script = std::function<ScriptedAnswer(const RecordedRequest&, int index)>;

    explicit LoopbackHttpServer(Script script, const QHostAddress& address = QHostAddress::LocalHost)
        : m_script(std::move(script))
    {
        m_server.listen(address, 0);
        QObject::connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* s = m_server.nextPendingConnection()) {
                ++m_connections;
                s->setParent(this);
                QObject::connect(s, &QTcpSocket::readyRead, this, [this, s] { onData(s); });
                QObject::connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
    }

    bool listening() const { return m_server.isListening(); }
    quint16 port() const { return m_server.serverPort(); }
    const QList<RecordedRequest>& requests() const { return m_requests; }
    int connections() const { return m_connections; }

private:
    void onData(QTcpSocket* s)
    {
        QByteArray& buffer = m_buffers[s];
        buffer += s->readAll();
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        RecordedRequest r;
        const QList<QByteArray> lines = buffer.left(end).split('\n');
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        r.method = requestLine.value(0);
        r.target = requestLine.value(1);
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            if (colon > 0)
                r.headers.insert(lines[i].left(colon).trimmed().toLower(), lines[i].mid(colon + 1).trimmed());
        }
        m_buffers.remove(s);
        m_requests.push_back(r);
        const ScriptedAnswer a = m_script(r, int(m_requests.size()) - 1);
        if (a.resetConnection) {
            s->abort();
            return;
        }
        QByteArray out = "HTTP/1.1 " + QByteArray::number(a.status) + " Scripted\r\n";
        for (const auto& [name, value] : a.headers)
            out += name + ": " + value + "\r\n";
        out += "Content-Length: " + QByteArray::number(a.body.size()) + "\r\nConnection: close\r\n\r\n" + a.body;
        s->write(out);
        s->disconnectFromHost();
    }

    Script m_script;
    QTcpServer m_server;
    QList<RecordedRequest> m_requests;
    QMap<QTcpSocket*, QByteArray> m_buffers;
    int m_connections = 0;
};

} // namespace leakdesk::test
