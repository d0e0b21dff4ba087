// Which proxy a connection goes through, from invented environments: NO_PROXY's every form
// (names and their subdomains, .domain, *.domain, IPs, CIDR, host:port, *), upper case before
// lower case, proxy URLs Qt can use and those it cannot, and the loopback rule (a target on this
// machine goes through a proxy only when the proxy is on this machine too).
#include "core/tls/NetworkProxy.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::tls;

class TestNetworkProxy : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void noProxy_data()
    {
        QTest::addColumn<QString>("noProxy");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::addColumn<bool>("matches");
        QTest::newRow("empty") << QString() << QStringLiteral("prom.example.test") << 443 << false;
        QTest::newRow("star") << QStringLiteral("*") << QStringLiteral("prom.example.test") << 443 << true;
        QTest::newRow("exact name") << QStringLiteral("prom.example.test") << QStringLiteral("prom.example.test") << 443
                                    << true;
        QTest::newRow("name matches subdomain")
            << QStringLiteral("example.test") << QStringLiteral("prom.example.test") << 443 << true;
        QTest::newRow("name is not a suffix of another name")
            << QStringLiteral("example.test") << QStringLiteral("badexample.test") << 443 << false;
        QTest::newRow(".domain subdomain")
            << QStringLiteral(".example.test") << QStringLiteral("a.b.example.test") << 9090 << true;
        QTest::newRow(".domain itself") << QStringLiteral(".example.test") << QStringLiteral("example.test") << 9090
                                        << true;
        QTest::newRow("*.domain") << QStringLiteral("*.svc.cluster.local")
                                  << QStringLiteral("prometheus.monitoring.svc.cluster.local") << 9090 << true;
        QTest::newRow("case and spaces") << QStringLiteral(" foo.test , EXAMPLE.Test ")
                                         << QStringLiteral("Prom.example.TEST") << 80 << true;
        QTest::newRow("trailing dot on the host")
            << QStringLiteral("example.test") << QStringLiteral("prom.example.test.") << 80 << true;
        QTest::newRow("IP exact") << QStringLiteral("10.0.0.5") << QStringLiteral("10.0.0.5") << 80 << true;
        QTest::newRow("IP other") << QStringLiteral("10.0.0.5") << QStringLiteral("10.0.0.6") << 80 << false;
        QTest::newRow("IP entry does not match a name")
            << QStringLiteral("10.0.0.5") << QStringLiteral("ten.example.test") << 80 << false;
        QTest::newRow("CIDR in") << QStringLiteral("10.0.0.0/8") << QStringLiteral("10.20.30.40") << 80 << true;
        QTest::newRow("CIDR out") << QStringLiteral("10.0.0.0/8") << QStringLiteral("11.0.0.1") << 80 << false;
        QTest::newRow("CIDR never a name")
            << QStringLiteral("10.0.0.0/8") << QStringLiteral("10.example.test") << 80 << false;
        QTest::newRow("IPv6 CIDR") << QStringLiteral("fd00::/8") << QStringLiteral("fd12::1") << 443 << true;
        QTest::newRow("IPv6 literal, bracketed host")
            << QStringLiteral("::1") << QStringLiteral("[::1]") << 443 << true;
        QTest::newRow("name:port same port")
            << QStringLiteral("prom.example.test:9090") << QStringLiteral("prom.example.test") << 9090 << true;
        QTest::newRow("name:port other port")
            << QStringLiteral("prom.example.test:9090") << QStringLiteral("prom.example.test") << 443 << false;
        QTest::newRow("IP:port") << QStringLiteral("127.0.0.1:8080") << QStringLiteral("127.0.0.1") << 8080 << true;
        QTest::newRow("[v6]:port") << QStringLiteral("[fd00::1]:443") << QStringLiteral("fd00::1") << 443 << true;
        QTest::newRow("bad port ignored")
            << QStringLiteral("prom.example.test:x") << QStringLiteral("prom.example.test") << 80 << false;
        QTest::newRow("second entry") << QStringLiteral("a.test,,b.test") << QStringLiteral("x.b.test") << 80 << true;
        QTest::newRow("a lone dot matches nothing")
            << QStringLiteral(".") << QStringLiteral("example.test") << 80 << false;
    }
    void noProxy()
    {
        QFETCH(QString, noProxy);
        QFETCH(QString, host);
        QFETCH(int, port);
        QFETCH(bool, matches);
        QCOMPARE(noProxyMatches(noProxy, host, port), matches);
    }

    void proxyUrl_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("type"); // QNetworkProxy::ProxyType; -1: refused
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::newRow("http") << QStringLiteral("http://proxy.corp.test:3128") << int(QNetworkProxy::HttpProxy)
                              << QStringLiteral("proxy.corp.test") << 3128;
        QTest::newRow("http default port") << QStringLiteral("http://proxy.corp.test") << int(QNetworkProxy::HttpProxy)
                                           << QStringLiteral("proxy.corp.test") << 80;
        QTest::newRow("no scheme is http") << QStringLiteral("proxy.corp.test:8080") << int(QNetworkProxy::HttpProxy)
                                           << QStringLiteral("proxy.corp.test") << 8080;
        QTest::newRow("socks5") << QStringLiteral("socks5://127.0.0.1:1080") << int(QNetworkProxy::Socks5Proxy)
                                << QStringLiteral("127.0.0.1") << 1080;
        QTest::newRow("socks5h default port")
            << QStringLiteral("socks5h://bastion.test") << int(QNetworkProxy::Socks5Proxy)
            << QStringLiteral("bastion.test") << 1080;
        QTest::newRow("https proxy: not yet") << QStringLiteral("https://proxy.corp.test:443") << -1 << QString() << 0;
        QTest::newRow("ftp") << QStringLiteral("ftp://proxy.corp.test") << -1 << QString() << 0;
        QTest::newRow("no host") << QStringLiteral("http://:3128") << -1 << QString() << 0;
    }
    void proxyUrl()
    {
        QFETCH(QString, text);
        QFETCH(int, type);
        QFETCH(QString, host);
        QFETCH(int, port);
        const auto proxy = proxyFromUrl(text, "HTTPS_PROXY");
        if (type < 0) {
            QVERIFY(!proxy.ok());
            QVERIFY2(proxy.error().message.find("HTTPS_PROXY") != std::string::npos, proxy.error().message.c_str());
            return;
        }
        QVERIFY2(proxy.ok(), proxy.ok() ? "" : proxy.error().toString().c_str());
        QCOMPARE(int(proxy->type()), type);
        QCOMPARE(proxy->hostName(), host);
        QCOMPARE(int(proxy->port()), port);
    }

    void credentialsInTheProxyUrl()
    {
        const auto proxy = proxyFromUrl(QStringLiteral("http://me:p%40ss@proxy.corp.test:3128"), "HTTP_PROXY");
        QVERIFY(proxy.ok());
        QCOMPARE(proxy->user(), QStringLiteral("me"));
        QCOMPARE(proxy->password(), QStringLiteral("p@ss"));
        QVERIFY(describeProxy(*proxy).find("p@ss") == std::string::npos);
    }

    void choice_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("http");
        QTest::addColumn<QString>("https");
        QTest::addColumn<QString>("noProxy");
        QTest::addColumn<QString>("expected"); // describeProxy(), or "error"
        const QString corp = QStringLiteral("http://proxy.corp.test:3128");
        const QString local = QStringLiteral("http://127.0.0.1:3128");
        QTest::newRow("https target takes HTTPS_PROXY") << QStringLiteral("https://prom.example.test") << local << corp
                                                        << QString() << QStringLiteral("http://proxy.corp.test:3128");
        QTest::newRow("http target takes HTTP_PROXY") << QStringLiteral("http://prom.example.test:9090") << local
                                                      << corp << QString() << QStringLiteral("http://127.0.0.1:3128");
        QTest::newRow("no variable for the scheme") << QStringLiteral("https://prom.example.test") << local << QString()
                                                    << QString() << QStringLiteral("no proxy");
        QTest::newRow("NO_PROXY matches") << QStringLiteral("https://prom.example.test") << QString() << corp
                                          << QStringLiteral("example.test") << QStringLiteral("no proxy");
        QTest::newRow("NO_PROXY port is the URL's default")
            << QStringLiteral("https://prom.example.test") << QString() << corp
            << QStringLiteral("prom.example.test:443") << QStringLiteral("no proxy");
        QTest::newRow("loopback target, remote proxy: direct")
            << QStringLiteral("http://127.0.0.1:9090") << corp << QString() << QString() << QStringLiteral("no proxy");
        QTest::newRow("localhost target, remote proxy: direct")
            << QStringLiteral("http://localhost:9090") << corp << QString() << QString() << QStringLiteral("no proxy");
        QTest::newRow("loopback target, local proxy: through it")
            << QStringLiteral("http://127.0.0.1:9090") << local << QString() << QString()
            << QStringLiteral("http://127.0.0.1:3128");
        QTest::newRow("::1 target, local proxy")
            << QStringLiteral("http://[::1]:9090") << QStringLiteral("http://localhost:3128") << QString() << QString()
            << QStringLiteral("http://localhost:3128");
        QTest::newRow("unusable proxy") << QStringLiteral("https://prom.example.test") << QString()
                                        << QStringLiteral("https://proxy.corp.test") << QString()
                                        << QStringLiteral("error");
    }
    void choice()
    {
        QFETCH(QString, target);
        QFETCH(QString, http);
        QFETCH(QString, https);
        QFETCH(QString, noProxy);
        QFETCH(QString, expected);
        const auto proxy = proxyForUrl(QUrl(target), ProxyEnvironment { http, https, noProxy });
        if (expected == QLatin1String("error")) {
            QVERIFY(!proxy.ok());
            return;
        }
        QVERIFY2(proxy.ok(), proxy.ok() ? "" : proxy.error().toString().c_str());
        QCOMPARE(QString::fromStdString(describeProxy(*proxy)), expected);
    }

    void upperCaseFirst()
    {
        qputenv("HTTPS_PROXY", "http://upper.test:1");
        qputenv("https_proxy", "http://lower.test:2");
        qunsetenv("NO_PROXY");
        qputenv("no_proxy", "only-lower.test");
        const ProxyEnvironment env = ProxyEnvironment::fromProcess();
        QCOMPARE(env.httpsProxy, QStringLiteral("http://upper.test:1"));
        QCOMPARE(env.noProxy, QStringLiteral("only-lower.test"));
        qunsetenv("HTTPS_PROXY");
        QCOMPARE(ProxyEnvironment::fromProcess().httpsProxy, QStringLiteral("http://lower.test:2"));
        qunsetenv("https_proxy");
        qunsetenv("no_proxy");
    }
};

QTEST_GUILESS_MAIN(TestNetworkProxy)
#include "tst_network_proxy.moc"
