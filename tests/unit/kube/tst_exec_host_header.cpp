// The Host header of exec's WebSocket upgrade for invented server URLs: the host alone on the
// scheme's default port, host:port otherwise (the old code wrote "host:80" for an https URL
// without a port, which a load balancer routing by Host refuses).
#include "core/kube/ExecSession.h"

#include <QTest>

using namespace leakdesk::kube;

class TestExecHostHeader : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void hostHeader_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QByteArray>("host");
        QTest::newRow("https without port")
            << QStringLiteral("https://api.example.test/api/v1/x") << QByteArray("api.example.test");
        QTest::newRow("https with 443") << QStringLiteral("https://api.example.test:443/x")
                                        << QByteArray("api.example.test");
        QTest::newRow("https with 6443") << QStringLiteral("https://api.example.test:6443/x")
                                         << QByteArray("api.example.test:6443");
        QTest::newRow("https on port 80")
            << QStringLiteral("https://api.example.test:80/x") << QByteArray("api.example.test:80");
        QTest::newRow("http without port") << QStringLiteral("http://127.0.0.1/x") << QByteArray("127.0.0.1");
        QTest::newRow("http with 80") << QStringLiteral("http://127.0.0.1:80/x") << QByteArray("127.0.0.1");
        QTest::newRow("http on 443") << QStringLiteral("http://127.0.0.1:443/x") << QByteArray("127.0.0.1:443");
        QTest::newRow("http with a port")
            << QStringLiteral("http://127.0.0.1:39451/x") << QByteArray("127.0.0.1:39451");
        QTest::newRow("wss without port")
            << QStringLiteral("wss://k8s.example.test/x") << QByteArray("k8s.example.test");
        QTest::newRow("IPv6 https default") << QStringLiteral("https://[::1]/x") << QByteArray("[::1]");
        QTest::newRow("IPv6 with a port")
            << QStringLiteral("https://[fd00::10]:6443/x") << QByteArray("[fd00::10]:6443");
        QTest::newRow("upper-case scheme and host")
            << QStringLiteral("HTTPS://API.Example.TEST/x") << QByteArray("api.example.test");
        QTest::newRow("IDN host") << QStringLiteral("https://bücher.example.test:8443/x")
                                  << QByteArray("xn--bcher-kva.example.test:8443");
    }
    void hostHeader()
    {
        QFETCH(QString, url);
        QFETCH(QByteArray, host);
        QCOMPARE(execHostHeader(QUrl(url)), host);
    }
};

QTEST_GUILESS_MAIN(TestExecHostHeader)
#include "tst_exec_host_header.moc"
