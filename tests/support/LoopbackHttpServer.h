#pragma once
// A tiny HTTP/1.1 server on 127.0.0.1 (or ::1) for client tests: it records every request it
// receives (request line, headers and, over TLS, the client certificate's CN) and answers each with
// what the test's script says, or closes the connection without an answer. One request per
// connection (Connection: close), so what it records is exactly what arrived.

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QMap>
#include <QPointer>
#include <QSslConfiguration>
#include <QSslServer>
#include <QSslSocket>
#include <QString>
#include <QTcpServer>
#include <QTcpSocket>

#include <functional>
#include <memory>
#include <optional>

namespace leakdesk::test {

struct RecordedRequest {
    QByteArray method;
    QByteArray target; // path and query
    QMap<QByteArray, QByteArray> headers; // names lower-cased
    QString clientCertificateCommonName; // TLS only: who the client's certificate names, empty without one
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

    // With `tls`: https, asking for (not requiring) a client certificate.
    explicit LoopbackHttpServer(Script script, std::optional<QSslConfiguration> tls = std::nullopt,
        const QHostAddress& address = QHostAddress::LocalHost)
        : m_script(std::move(script))
    {
        if (tls) {
            auto server = std::make_unique<QSslServer>();
            tls->setPeerVerifyMode(QSslSocket::QueryPeer);
            server->setSslConfiguration(*tls);
            QObject::connect(server.get(), &QSslServer::startedEncryptionHandshake, this, [this] { ++m_connections; });
            m_server = std::move(server);
        } else {
            m_server = std::make_unique<QTcpServer>();
            QObject::connect(m_server.get(), &QTcpServer::newConnection, this, [this] { ++m_connections; });
        }
        m_server->listen(address, 0);
        // After the TLS handshake for a QSslServer, at once for a plain one.
        QObject::connect(m_server.get(), &QTcpServer::pendingConnectionAvailable, this, [this] {
            while (QTcpSocket* s = m_server->nextPendingConnection()) {
                s->setParent(this);
                QObject::connect(s, &QTcpSocket::readyRead, this, [this, s] { onData(s); });
                QObject::connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
    }

    bool listening() const { return m_server->isListening(); }
    quint16 port() const { return m_server->serverPort(); }
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
        if (auto* tls = qobject_cast<QSslSocket*>(s); tls && !tls->peerCertificate().isNull())
            r.clientCertificateCommonName = tls->peerCertificate().subjectInfo(QSslCertificate::CommonName).value(0);
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
    std::unique_ptr<QTcpServer> m_server;
    QList<RecordedRequest> m_requests;
    QMap<QTcpSocket*, QByteArray> m_buffers;
    int m_connections = 0;
};

// Two servers for redirect tests: `first` answers every request with `status` and a Location made
// from `target`, in which %B stands for the port of `second` and %A for its own; `second` (where
// the redirect points when it goes to another origin) answers with `secondScript`. A test asserts
// on `first.requests()`, `second.connections()` and what its client said about `location`.
class RedirectingServers {
public:
    RedirectingServers(int status, const QString& target, LoopbackHttpServer::Script secondScript,
        const QByteArray& body = {}, const std::optional<QSslConfiguration>& tls = std::nullopt)
        : second(std::move(secondScript), tls)
        , location(QString(target).replace(QStringLiteral("%B"), QString::number(second.port())))
        , first(
              [this, status, body](const RecordedRequest&, int) {
                  return ScriptedAnswer { status, { { "Location", location.toUtf8() } }, body, false };
              },
              tls)
    {
        location.replace(QStringLiteral("%A"), QString::number(first.port()));
    }

    LoopbackHttpServer second;
    QString location;
    LoopbackHttpServer first;
};

} // namespace leakdesk::test
