#pragma once
// A SOCKS5 proxy on 127.0.0.1 (RFC 1928, no authentication, CONNECT only) that tunnels to
// loopback targets alone, recording each target as "host:port": for the kubeconfig's
// proxy-url: socks5://... The tests' traffic stays on this machine.

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QNetworkProxy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtEndian>

namespace leakdesk::test {

class LoopbackSocks5Proxy : public QObject {
public:
    LoopbackSocks5Proxy()
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        QObject::connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* s = m_server.nextPendingConnection()) {
                s->setParent(this);
                QObject::connect(s, &QTcpSocket::readyRead, this, [this, s] { onData(s); });
                QObject::connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
    }

    quint16 port() const { return m_server.serverPort(); }
    // Every CONNECT target, "host:port", in arrival order.
    const QList<QByteArray>& targets() const { return m_targets; }

private:
    void onData(QTcpSocket* s)
    {
        QByteArray& in = m_buffers[s];
        in += s->readAll();
        int& stage = m_stages[s];
        if (stage == 0) { // greeting: VER NMETHODS METHODS...
            if (in.size() < 2 || in.size() < 2 + quint8(in[1]))
                return;
            in.remove(0, 2 + quint8(in[1]));
            s->write(QByteArray("\x05\x00", 2)); // no authentication
            stage = 1;
        }
        if (stage != 1 || in.size() < 5) // request: VER CMD RSV ATYP ADDR PORT
            return;
        QByteArray host;
        qsizetype used = 0;
        if (in[3] == 1 && in.size() >= 10) {
            host = QHostAddress(qFromBigEndian<quint32>(in.constData() + 4)).toString().toLatin1();
            used = 10;
        } else if (in[3] == 3 && in.size() >= 7 + quint8(in[4])) {
            host = in.mid(5, quint8(in[4]));
            used = 7 + quint8(in[4]);
        } else if (in[3] == 4 && in.size() >= 22) {
            host = QHostAddress(reinterpret_cast<const quint8*>(in.constData() + 4)).toString().toLatin1();
            used = 22;
        } else {
            return;
        }
        const quint16 targetPort = qFromBigEndian<quint16>(in.constData() + used - 2);
        in.remove(0, used);
        stage = 2;
        m_targets.push_back(host + ':' + QByteArray::number(targetPort));
        QObject::disconnect(s, &QTcpSocket::readyRead, this, nullptr);
        const bool loopback = host == "127.0.0.1" || host == "localhost" || host == "::1";
        if (!loopback) {
            s->write(QByteArray("\x05\x02\x00\x01\x00\x00\x00\x00\x00\x00", 10)); // not allowed
            s->disconnectFromHost();
            return;
        }
        auto* upstream = new QTcpSocket(s);
        upstream->setProxy(QNetworkProxy::NoProxy);
        const QByteArray early = in;
        QObject::connect(upstream, &QTcpSocket::connected, s, [s, upstream, early] {
            s->write(QByteArray("\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x00", 10));
            if (!early.isEmpty())
                upstream->write(early);
        });
        QObject::connect(s, &QTcpSocket::readyRead, upstream, [s, upstream] { upstream->write(s->readAll()); });
        QObject::connect(upstream, &QTcpSocket::readyRead, s, [s, upstream] { s->write(upstream->readAll()); });
        QObject::connect(upstream, &QTcpSocket::disconnected, s, [s] { s->disconnectFromHost(); });
        QObject::connect(s, &QTcpSocket::disconnected, upstream, [upstream] { upstream->disconnectFromHost(); });
        upstream->connectToHost(
            host == "localhost" ? QHostAddress(QHostAddress::LocalHost) : QHostAddress(QString::fromLatin1(host)),
            targetPort);
    }

    QTcpServer m_server;
    QMap<QTcpSocket*, QByteArray> m_buffers;
    QMap<QTcpSocket*, int> m_stages;
    QList<QByteArray> m_targets;
};

} // namespace leakdesk::test
