// Proxies honoured (issue 17, "Reach it"): Prometheus and the API server through HTTP_PROXY /
// HTTPS_PROXY unless NO_PROXY names them, the kubeconfig cluster's proxy-url for REST calls and
// exec's WebSocket (a CONNECT tunnel), and the in-process sandbox always reached directly. The
// proxy is a real forwarding proxy on 127.0.0.1 (ForwardingHttpProxy) in front of the sandbox:
// a request that went through it is one it recorded.
#include "ForwardingHttpProxy.h"
#include "LoopbackSocks5Proxy.h"
#include "SandboxCluster.h"
#include "WaitForResult.h"

#include "core/investigation/ClusterConnection.h"
#include "core/kube/ExecSession.h"
#include "core/kube/KubeClient.h"
#include "core/prometheus/PromClient.h"
#include "core/sandbox/SandboxHost.h"

#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;

namespace {

// Sets (or unsets, for an empty value) the proxy variables for one test and puts them back.
class ProxyVariables {
public:
    ProxyVariables(const QByteArray& httpProxy, const QByteArray& noProxy, bool lowerCase = false)
    {
        for (const char* name : kNames) {
            m_saved.push_back({ name, qgetenv(name) });
            qunsetenv(name);
        }
        if (!httpProxy.isEmpty())
            qputenv(lowerCase ? "http_proxy" : "HTTP_PROXY", httpProxy);
        if (!noProxy.isEmpty())
            qputenv(lowerCase ? "no_proxy" : "NO_PROXY", noProxy);
    }
    ~ProxyVariables()
    {
        for (const auto& [name, value] : m_saved) {
            if (value.isNull())
                qunsetenv(name);
            else
                qputenv(name, value);
        }
    }

private:
    static constexpr const char* kNames[]
        = { "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy" };
    std::vector<std::pair<const char*, QByteArray>> m_saved;
};

// A client of `kubeconfig`'s current context whose cluster names `proxyUrl` as its proxy-url.
Result<std::unique_ptr<kube::KubeClient>> clientThrough(const QString& kubeconfig, const std::string& proxyUrl)
{
    auto resolved = kube::resolveKubeconfig(kubeconfig.toStdString());
    if (!resolved)
        return resolved.error();
    resolved->cluster.proxyUrl = proxyUrl;
    return kube::KubeClient::create(*resolved);
}

// A pod of catalog (the healthy service: its pods always run), listed through `client`.
Result<QString> catalogPod(kube::KubeClient& client)
{
    const auto pods = test::waitForResult<kube::ParsedList<kube::Pod>>(
        [&](kube::KubeClient::Callback<kube::ParsedList<kube::Pod>> cb) {
            client.listPods(QStringLiteral("production"), {}, nullptr, cb);
        });
    if (!pods)
        return pods.error();
    for (const auto& p : pods->items)
        if (p.meta.name.rfind("catalog-", 0) == 0)
            return QString::fromStdString(p.meta.name);
    return makeError(ErrorCode::NotFound, "no catalog pod in production");
}

// What `echo text` printed in `pod`, run over exec's WebSocket through `client`.
Result<QByteArray> echoIn(kube::KubeClient& client, const QString& pod, const QString& text)
{
    kube::ExecRequest request;
    request.ns = QStringLiteral("production");
    request.pod = pod;
    request.command = { QStringLiteral("echo"), text };
    auto out = test::waitForResult<kube::KubeClient::ExecOutput>(
        [&](kube::KubeClient::Callback<kube::KubeClient::ExecOutput> cb) { client.execCollect(request, nullptr, cb); },
        60000);
    if (!out)
        return out.error();
    return out->stdoutBytes;
}

} // namespace

class TestProxyReach : public QObject {
    Q_OBJECT
private:
    test::SandboxCluster m_sandbox;
    std::unique_ptr<test::ForwardingHttpProxy> m_promProxy; // upstream: the sandbox's Prometheus
    std::unique_ptr<test::ForwardingHttpProxy> m_kubeProxy; // upstream: the sandbox's API server

    // Any request does: the build info is the first one every investigation makes.
    Result<QString> queryThroughEnvironment()
    {
        prometheus::PromConnection c;
        c.baseUrl = m_sandbox.host.prometheusUrl();
        c.timeoutMs = 10000;
        c.retry.maxAttempts = 1;
        prometheus::PromClient client(c);
        return test::waitForResult<QString>(
            [&](std::function<void(Result<QString>)> cb) { client.buildInfo(nullptr, cb); }, 30000);
    }

private Q_SLOTS:
    void initTestCase()
    {
        // Unset while the sandbox and its own client start: they are not what is tested.
        ProxyVariables none({}, {});
        auto st = m_sandbox.start();
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().toString().c_str());
        m_promProxy = std::make_unique<test::ForwardingHttpProxy>(m_sandbox.host.prometheusUrl());
        m_kubeProxy = std::make_unique<test::ForwardingHttpProxy>(m_sandbox.host.kubeUrl());
    }

    void prometheusThroughTheEnvironmentsProxy_data()
    {
        QTest::addColumn<QString>("noProxy"); // %P: the Prometheus port
        QTest::addColumn<bool>("lowerCase");
        QTest::addColumn<bool>("proxied");
        QTest::newRow("HTTP_PROXY, no NO_PROXY") << QString() << false << true;
        QTest::newRow("http_proxy lower case") << QString() << true << true;
        QTest::newRow("NO_PROXY the IP") << QStringLiteral("127.0.0.1") << false << false;
        QTest::newRow("no_proxy lower case") << QStringLiteral("127.0.0.1") << true << false;
        QTest::newRow("NO_PROXY a CIDR") << QStringLiteral("10.0.0.0/8,127.0.0.0/8") << false << false;
        QTest::newRow("NO_PROXY *") << QStringLiteral("*") << false << false;
        QTest::newRow("NO_PROXY the IP and port") << QStringLiteral("127.0.0.1:%P") << false << false;
        QTest::newRow("NO_PROXY another port") << QStringLiteral("127.0.0.1:1") << false << true;
        QTest::newRow("NO_PROXY other hosts") << QStringLiteral("example.test,.svc.cluster.local") << false << true;
    }
    void prometheusThroughTheEnvironmentsProxy()
    {
        QFETCH(QString, noProxy);
        QFETCH(bool, lowerCase);
        QFETCH(bool, proxied);
        noProxy.replace(QStringLiteral("%P"), QString::number(m_sandbox.host.prometheusUrl().port()));
        ProxyVariables env(m_promProxy->url().toString().toUtf8(), noProxy.toUtf8(), lowerCase);
        const qsizetype before = m_promProxy->targets().size();
        const auto r = queryThroughEnvironment();
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
        const QList<QByteArray> seen = m_promProxy->targets().mid(before);
        if (!proxied) {
            QCOMPARE(seen.size(), 0);
            return;
        }
        QCOMPARE(seen.size(), 1);
        // What a client sends an HTTP proxy: the absolute URL of the server it means.
        const QByteArray expected = m_sandbox.host.prometheusUrl().toString().toUtf8() + "/api/v1/status/buildinfo";
        QVERIFY2(seen[0].startsWith(expected), seen[0].constData());
    }

    // A proxy elsewhere cannot reach this machine's loopback: a loopback Prometheus is reached
    // directly (the proxy's name is never even looked up).
    void remoteProxyIsNotUsedForLoopback()
    {
        ProxyVariables env("http://proxy.corp.invalid:3128", {});
        const auto r = queryThroughEnvironment();
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
    }

    // A proxy that is down: the message says the request went through it, and where to look.
    void unreachableProxyIsNamed()
    {
        const quint16 closed = [] {
            QTcpServer s;
            s.listen(QHostAddress::LocalHost, 0);
            return s.serverPort();
        }();
        ProxyVariables env(QByteArray("http://127.0.0.1:") + QByteArray::number(closed), {});
        const auto r = queryThroughEnvironment();
        QVERIFY(!r.ok());
        QVERIFY2(
            r.error().message.find("through the proxy http://127.0.0.1:" + std::to_string(closed)) != std::string::npos,
            r.error().message.c_str());
        QVERIFY2(r.error().detail.find("NO_PROXY") != std::string::npos, r.error().detail.c_str());
    }

    void apiServerThroughTheEnvironmentsProxy_data()
    {
        QTest::addColumn<QString>("noProxy");
        QTest::addColumn<bool>("proxied");
        QTest::newRow("HTTP_PROXY") << QString() << true;
        QTest::newRow("NO_PROXY localhost names, not the IP") << QStringLiteral("localhost") << true;
        QTest::newRow("NO_PROXY the IP") << QStringLiteral("127.0.0.1") << false;
    }
    void apiServerThroughTheEnvironmentsProxy()
    {
        QFETCH(QString, noProxy);
        QFETCH(bool, proxied);
        ProxyVariables env(m_kubeProxy->url().toString().toUtf8(), noProxy.toUtf8());
        auto client = m_sandbox.newClient();
        QVERIFY2(client.ok(), client.ok() ? "" : client.error().toString().c_str());
        const qsizetype before = m_kubeProxy->targets().size();
        const auto version = test::waitForResult<QString>(
            [&](kube::KubeClient::Callback<QString> cb) { (*client)->serverVersion(nullptr, cb); });
        QVERIFY2(version.ok(), version.ok() ? "" : version.error().toString().c_str());
        const QList<QByteArray> seen = m_kubeProxy->targets().mid(before);
        QCOMPARE(seen.size(), proxied ? 1 : 0);
        if (proxied)
            QVERIFY2(seen[0].startsWith(QByteArray(m_sandbox.host.kubeUrl().toString().toUtf8() + "/version")),
                seen[0].constData());
    }

    // The kubeconfig's proxy-url wins over the environment and ignores NO_PROXY, as client-go;
    // exec's WebSocket goes through it too, as a CONNECT tunnel.
    void kubeconfigProxyUrlForRestAndExec()
    {
        ProxyVariables env({}, QByteArrayLiteral("*"));
        auto client = clientThrough(m_sandbox.kubeconfig(), m_kubeProxy->url().toString().toStdString());
        QVERIFY2(client.ok(), client.ok() ? "" : client.error().toString().c_str());
        const qsizetype before = m_kubeProxy->targets().size();
        const auto pod = catalogPod(**client);
        QVERIFY2(pod.ok(), pod.ok() ? "" : pod.error().toString().c_str());
        QVERIFY(m_kubeProxy->targets().size() > before);

        const qsizetype tunnelsBefore = m_kubeProxy->tunnels().size();
        const auto said = echoIn(**client, *pod, QStringLiteral("through-the-tunnel"));
        QVERIFY2(said.ok(), said.ok() ? "" : said.error().toString().c_str());
        QVERIFY2(said->contains("through-the-tunnel"), said->constData());
        QCOMPARE(m_kubeProxy->tunnels().size(), tunnelsBefore + 1);
        QCOMPARE(m_kubeProxy->tunnels().last(),
            QByteArray("127.0.0.1:") + QByteArray::number(m_sandbox.host.kubeUrl().port()));
    }

    // Over https the proxy only ever sees CONNECT host:port: TLS runs end to end inside the tunnel,
    // verified against the cluster's CA, for REST calls, exec and an https Prometheus.
    void httpsThroughConnectTunnels()
    {
        test::SandboxCluster secure;
        sandbox::SandboxOptions options;
        options.tls = true;
        {
            ProxyVariables none({}, {});
            auto st = secure.start(options);
            QVERIFY2(st.ok(), st.ok() ? "" : st.error().toString().c_str());
        }
        test::ForwardingHttpProxy proxy(secure.host.kubeUrl());
        auto client = clientThrough(secure.kubeconfig(), proxy.url().toString().toStdString());
        QVERIFY2(client.ok(), client.ok() ? "" : client.error().toString().c_str());
        const auto pod = catalogPod(**client);
        QVERIFY2(pod.ok(), pod.ok() ? "" : pod.error().toString().c_str());
        const QByteArray kubeTarget = QByteArray("127.0.0.1:") + QByteArray::number(secure.host.kubeUrl().port());
        QVERIFY(proxy.tunnels().contains(kubeTarget));
        QVERIFY(proxy.targets().isEmpty()); // never a request in the clear
        const qsizetype tunnelsBefore = proxy.tunnels().size();
        const auto said = echoIn(**client, *pod, QStringLiteral("tls-in-the-tunnel"));
        QVERIFY2(said.ok(), said.ok() ? "" : said.error().toString().c_str());
        QVERIFY(said->contains("tls-in-the-tunnel"));
        QCOMPARE(proxy.tunnels().size(), tunnelsBefore + 1);

        // Prometheus over https through HTTPS_PROXY (HTTP_PROXY unset: the https variable is the one read).
        ProxyVariables env({}, {});
        qputenv("HTTPS_PROXY", proxy.url().toString().toUtf8());
        prometheus::PromConnection c;
        c.baseUrl = secure.host.prometheusUrl();
        c.caCertificatesPem = secure.host.certificateAuthorityPem();
        c.timeoutMs = 10000;
        prometheus::PromClient prom(c);
        const auto version = test::waitForResult<QString>(
            [&](std::function<void(Result<QString>)> cb) { prom.buildInfo(nullptr, cb); }, 30000);
        qunsetenv("HTTPS_PROXY");
        QVERIFY2(version.ok(), version.ok() ? "" : version.error().toString().c_str());
        QVERIFY(proxy.tunnels().contains(
            QByteArray("127.0.0.1:") + QByteArray::number(secure.host.prometheusUrl().port())));
        QVERIFY(proxy.targets().isEmpty());
    }

    // proxy-url: socks5:// (a bastion's `ssh -D`): REST calls and exec go through it.
    void kubeconfigSocks5ProxyUrl()
    {
        ProxyVariables env({}, {});
        test::LoopbackSocks5Proxy socks;
        auto client = clientThrough(m_sandbox.kubeconfig(), "socks5://127.0.0.1:" + std::to_string(socks.port()));
        QVERIFY2(client.ok(), client.ok() ? "" : client.error().toString().c_str());
        const auto pod = catalogPod(**client);
        QVERIFY2(pod.ok(), pod.ok() ? "" : pod.error().toString().c_str());
        QVERIFY(!socks.targets().isEmpty());
        QCOMPARE(
            socks.targets().first(), QByteArray("127.0.0.1:") + QByteArray::number(m_sandbox.host.kubeUrl().port()));
        const qsizetype before = socks.targets().size();
        const auto said = echoIn(**client, *pod, QStringLiteral("through-socks"));
        QVERIFY2(said.ok(), said.ok() ? "" : said.error().toString().c_str());
        QVERIFY(said->contains("through-socks"));
        QCOMPARE(socks.targets().size(), before + 1);
    }

    void unusableProxyUrlIsAConfigError()
    {
        auto resolved = kube::resolveKubeconfig(m_sandbox.kubeconfig().toStdString());
        QVERIFY(resolved.ok());
        resolved->cluster.proxyUrl = "ftp://proxy.corp.invalid";
        auto client = kube::KubeClient::create(*resolved);
        QVERIFY(!client.ok());
        QVERIFY2(
            client.error().message.find("proxy-url of cluster") != std::string::npos, client.error().message.c_str());
    }

    // What would fail every request is refused when the connection opens, naming the setting.
    void connectionRefusesWhatCannotBeSent()
    {
        QTemporaryDir dir;
        investigation::ConnectionOptions o;
        o.kubeconfig = m_sandbox.kubeconfig();
        o.prometheusUrl = QUrl(QStringLiteral("https://prom.example.test"));
        {
            ProxyVariables env({}, {});
            qputenv("HTTPS_PROXY", "https://proxy.corp.invalid:443");
            auto connection = investigation::ClusterConnection::open(o);
            qunsetenv("HTTPS_PROXY");
            QVERIFY(!connection.ok());
            QVERIFY2(connection.error().message.find("HTTPS_PROXY") != std::string::npos,
                connection.error().message.c_str());
        }
        QFile token(dir.filePath(QStringLiteral("token")));
        QVERIFY(token.open(QIODevice::WriteOnly));
        token.write("tok\n");
        token.close();
        o.prometheusTokenFile = token.fileName();
        o.prometheusHeaders = { { "Authorization", "Basic c2VjcmV0" } };
        auto connection = investigation::ClusterConnection::open(o);
        QVERIFY(!connection.ok());
        QVERIFY2(connection.error().message.find("exclude each other") != std::string::npos,
            connection.error().message.c_str());
        QVERIFY(connection.error().toString().find("c2VjcmV0") == std::string::npos);
    }

    // The in-process sandbox (ClusterConnection with sandboxCluster) never goes through a proxy,
    // even one on this machine that could reach it.
    void inProcessSandboxIsAlwaysDirect()
    {
        ProxyVariables env(m_promProxy->url().toString().toUtf8(), {});
        investigation::ConnectionOptions o;
        o.sandboxCluster = true;
        o.kubeconfig = m_sandbox.kubeconfig();
        o.prometheusUrl = m_sandbox.host.prometheusUrl();
        auto connection = investigation::ClusterConnection::open(o);
        QVERIFY2(connection.ok(), connection.ok() ? "" : connection.error().toString().c_str());
        const qsizetype before = m_promProxy->targets().size();
        const auto r = test::waitForResult<QString>(
            [&](std::function<void(Result<QString>)> cb) { (*connection)->prometheus().buildInfo(nullptr, cb); });
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
        QCOMPARE(m_promProxy->targets().size(), before);
    }
};

QTEST_GUILESS_MAIN(TestProxyReach)
#include "tst_proxy_reach.moc"
