// The HTTP server hands an upgrade request over untouched, so exec can be served later by
// QWebSocketServer::handleConnection on the same port as the REST API.

#include "core/sandbox/http/HttpServer.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

using namespace leakdesk::sandbox;

class TestSandboxUpgrade : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void webSocketUpgradeIsHandedOver()
    {
        HttpServer server;
        QWebSocketServer ws(QStringLiteral("exec"), QWebSocketServer::NonSecureMode);
        QByteArray upgradedPath;
        server.setHandler([](const HttpRequest&) { return HttpResponse::text(200, "plain"); });
        server.setUpgradeHandler([&](const HttpRequest& request, QTcpSocket* socket) {
            upgradedPath = QByteArray::fromStdString(request.path);
            ws.handleConnection(socket);
            return true;
        });
        QList<QWebSocket*> accepted;
        connect(&ws, &QWebSocketServer::newConnection, this, [&] {
            QWebSocket* peer = ws.nextPendingConnection();
            accepted << peer;
            connect(peer, &QWebSocket::binaryMessageReceived, peer,
                [peer](const QByteArray& m) { peer->sendBinaryMessage(m + "!"); });
        });
        QVERIFY(server.listen(QHostAddress::LocalHost, 0).ok());

        QWebSocket client;
        QSignalSpy connected(&client, &QWebSocket::connected);
        QSignalSpy received(&client, &QWebSocket::binaryMessageReceived);
        QNetworkRequest req(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/v1/namespaces/production/pods/p/exec?command=ls")
                                     .arg(server.port())));
        req.setRawHeader("Sec-WebSocket-Protocol", "v5.channel.k8s.io");
        client.open(req);
        QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, 10000);
        QCOMPARE(upgradedPath, QByteArray("/api/v1/namespaces/production/pods/p/exec"));
        client.sendBinaryMessage("\x01hello");
        QTRY_COMPARE_WITH_TIMEOUT(received.size(), 1, 10000);
        QCOMPARE(received.at(0).at(0).toByteArray(), QByteArray("\x01hello!"));

        // Plain requests on the same server are unaffected.
        QNetworkAccessManager nam;
        QNetworkReply* reply
            = nam.get(QNetworkRequest(QUrl(QStringLiteral("http://127.0.0.1:%1/version").arg(server.port()))));
        QSignalSpy finished(reply, &QNetworkReply::finished);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        QCOMPARE(reply->readAll(), QByteArray("plain"));
        reply->deleteLater();
        qDeleteAll(accepted);
    }
};

QTEST_GUILESS_MAIN(TestSandboxUpgrade)
#include "tst_sandbox_upgrade.moc"
