#pragma once
// A loopback HTTP server in front of another (the sandbox's Prometheus): it records every request
// (method and target) and forwards it after an optional delay, so a test can count what a client
// asked a real server and make that server slow. GET only, one request per connection.
//
// It is also a real forwarding proxy for clients configured to use it: a GET in absolute form
// ("GET http://host:port/path", what a client sends to an HTTP proxy) is forwarded to the upstream
// like any other, and CONNECT host:port opens a byte tunnel to that port on 127.0.0.1 (loopback
// targets only: the tests' traffic stays on this machine).

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>

#include <algorithm>

namespace leakdesk::test {

class ForwardingHttpProxy : public QObject {
public:
    explicit ForwardingHttpProxy(QUrl upstream)
        : m_upstream(std::move(upstream))
    {
        m_nam.setProxy(QNetworkProxy::NoProxy);
        m_server.listen(QHostAddress::LocalHost, 0);
        QObject::connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* s = m_server.nextPendingConnection()) {
                s->setParent(this);
                QObject::connect(s, &QTcpSocket::readyRead, this, [this, s] { onData(s); });
                QObject::connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
    }

    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort())); }
    // Every request waits this long before it is forwarded.
    void setDelayMs(int ms) { m_delayMs = ms; }
    // From now on every request is answered with this instead of being forwarded (status 0: forward).
    void answerWith(int status, QByteArray body)
    {
        m_failStatus = status;
        m_failBody = std::move(body);
    }
    // Request targets in arrival order, as they arrived: path and query, or the absolute URL a
    // client sends to a proxy.
    const QList<QByteArray>& targets() const { return m_targets; }
    // The host:port of every CONNECT, in arrival order.
    const QList<QByteArray>& tunnels() const { return m_tunnels; }
    int countWithPath(const QByteArray& path) const
    {
        return static_cast<int>(std::count_if(m_targets.begin(), m_targets.end(),
            [&](const QByteArray& t) { return t.startsWith(QByteArray(path + '?')); }));
    }
    int inFlight() const { return m_inFlight; }
    int maxInFlight() const { return m_maxInFlight; }
    void resetMaxInFlight() { m_maxInFlight = m_inFlight; }

private:
    void onData(QTcpSocket* s)
    {
        // GET only: the request is complete with its blank line; the target is the request line's middle.
        if (!(m_buffers[s] += s->readAll()).contains("\r\n\r\n"))
            return;
        const QList<QByteArray> requestLine = m_buffers.take(s).split('\n').value(0).trimmed().split(' ');
        if (requestLine.value(0) == "CONNECT")
            return tunnel(s, requestLine.value(1));
        QByteArray target = requestLine.value(1);
        m_targets.push_back(target);
        // Absolute form (through a proxy): what is forwarded is the path and query.
        if (target.startsWith("http://")) {
            const qsizetype slash = target.indexOf('/', 7);
            target = slash < 0 ? QByteArray("/") : target.mid(slash);
        }
        m_maxInFlight = std::max(m_maxInFlight, ++m_inFlight);
        QPointer<QTcpSocket> socket(s);
        if (m_failStatus != 0) {
            --m_inFlight;
            answer(s, m_failStatus, m_failBody);
            return;
        }
        QTimer::singleShot(m_delayMs, this, [this, socket, target] {
            QUrl url = m_upstream;
            url.setPath(QString());
            QNetworkReply* reply = m_nam.get(QNetworkRequest(QUrl(url.toString() + QString::fromUtf8(target))));
            QObject::connect(reply, &QNetworkReply::finished, this, [this, socket, reply] {
                reply->deleteLater();
                --m_inFlight;
                if (!socket)
                    return;
                const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                answer(socket, status ? status : 502, reply->readAll());
            });
        });
    }

    void tunnel(QTcpSocket* client, const QByteArray& hostPort)
    {
        m_tunnels.push_back(hostPort);
        const qsizetype colon = hostPort.lastIndexOf(':');
        const QByteArray host = hostPort.left(colon);
        const quint16 port = static_cast<quint16>(hostPort.mid(colon + 1).toUInt());
        if (colon <= 0 || port == 0 || (host != "127.0.0.1" && host != "localhost")) {
            answer(client, 502, "loopback targets only");
            return;
        }
        auto* server = new QTcpSocket(client);
        server->setProxy(QNetworkProxy::NoProxy);
        QObject::connect(server, &QTcpSocket::connected, client,
            [client] { client->write("HTTP/1.1 200 Connection established\r\n\r\n"); });
        QObject::disconnect(client, &QTcpSocket::readyRead, this, nullptr);
        QObject::connect(
            client, &QTcpSocket::readyRead, server, [client, server] { server->write(client->readAll()); });
        QObject::connect(
            server, &QTcpSocket::readyRead, client, [client, server] { client->write(server->readAll()); });
        QObject::connect(server, &QTcpSocket::disconnected, client, [client] { client->disconnectFromHost(); });
        QObject::connect(client, &QTcpSocket::disconnected, server, [server] { server->disconnectFromHost(); });
        QObject::connect(server, &QTcpSocket::errorOccurred, client,
            [client](QAbstractSocket::SocketError) { client->disconnectFromHost(); });
        server->connectToHost(
            QHostAddress(host == "localhost" ? QStringLiteral("127.0.0.1") : QString::fromLatin1(host)), port);
    }

    static void answer(QTcpSocket* socket, int status, const QByteArray& body)
    {
        socket->write("HTTP/1.1 " + QByteArray::number(status) + " Forwarded\r\n"
            + "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size())
            + "\r\nConnection: close\r\n\r\n" + body);
        socket->disconnectFromHost();
    }

    QUrl m_upstream;
    QTcpServer m_server;
    QNetworkAccessManager m_nam;
    QMap<QTcpSocket*, QByteArray> m_buffers;
    QList<QByteArray> m_targets;
    QList<QByteArray> m_tunnels;
    int m_delayMs = 0;
    int m_failStatus = 0;
    QByteArray m_failBody;
    int m_inFlight = 0;
    int m_maxInFlight = 0;
};

} // namespace leakdesk::test
