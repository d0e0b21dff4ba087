// Credentials never leave the server the kubeconfig names: KubeClient refuses every redirect (REST,
// watch and the exec WebSocket handshake) with an error naming where it was sent, so a second
// server on another origin never sees the Authorization header; and no value from configuration
// (kubeconfig token, username, password, token file, a credential plugin's token) with a control
// character reaches a header: the error names the setting.
#include "core/kube/KubeClient.h"
#include "core/sandbox/http/SandboxCertificates.h"
#include "LoopbackHttpServer.h"
#include "WaitForResult.h"

#include <QSslKey>

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::kube;
using leakdesk::test::LoopbackHttpServer;
using leakdesk::test::RecordedRequest;
using leakdesk::test::RedirectingServers;
using leakdesk::test::ScriptedAnswer;

namespace {

const QByteArray kToken = "s3cret-token-for-the-real-server";

ScriptedAnswer namespaceList(const RecordedRequest&, int)
{
    return { 200, { { "Content-Type", "application/json" } }, R"({"kind":"NamespaceList","apiVersion":"v1","items":[]})", false };
}

ResolvedContext contextFor(const QString& server, const std::string& token = kToken.toStdString())
{
    ResolvedContext c;
    c.context.name = "test";
    c.cluster.name = "test";
    c.cluster.server = server.toStdString();
    c.user.name = "tester";
    c.user.token = token;
    return c;
}

Result<nlohmann::json> getNamespaces(KubeClient& client)
{
    return test::waitForResult<nlohmann::json>(
        [&](KubeClient::Callback<nlohmann::json> cb) { return client.getJson(QStringLiteral("/api/v1/namespaces"), {}, nullptr, cb); });
}

// Writes a kubeconfig with one cluster at `server` and one user whose `user:` mapping is `userYaml`.
QString writeKubeconfig(const QTemporaryDir& dir, const QString& server, const QByteArray& userYaml)
{
    const QString path = dir.filePath(QStringLiteral("config"));
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return {};
    f.write("apiVersion: v1\nkind: Config\ncurrent-context: t\nclusters:\n- name: c\n  cluster:\n    server: " + server.toUtf8()
        + "\ncontexts:\n- name: t\n  context:\n    cluster: c\n    user: u\nusers:\n- name: other\n  user:\n    token: fine\n"
          "- name: u\n  user:\n"
        + userYaml);
    return path;
}

} // namespace

class TestKubeCredentialSafety : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // 3xx to another origin (another port, another host name for the same machine) and even to the
    // same origin: kubectl follows none of them, nor do we.
    void restRedirectIsRefused_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("target"); // %B: the second server's port, %A: the first's
        for (int status : { 301, 302, 303, 307, 308 }) {
            QTest::addRow("%d to another port", status) << status << QStringLiteral("http://127.0.0.1:%B/api/v1/namespaces");
            QTest::addRow("%d to localhost", status) << status << QStringLiteral("http://localhost:%B/api/v1/namespaces");
        }
        QTest::newRow("302 same origin") << 302 << QStringLiteral("http://127.0.0.1:%A/elsewhere");
        QTest::newRow("307 relative") << 307 << QStringLiteral("/elsewhere");
    }
    void restRedirectIsRefused()
    {
        QFETCH(int, status);
        QFETCH(QString, target);
        RedirectingServers servers(status, target, namespaceList, "moved");
        QVERIFY(servers.second.listening());
        QVERIFY(servers.first.listening());
        auto client = KubeClient::create(contextFor(QStringLiteral("http://127.0.0.1:%1").arg(servers.first.port())));
        QVERIFY(client.ok());
        const auto r = getNamespaces(**client);
        QVERIFY(!r.ok());
        QVERIFY2(QString::fromStdString(r.error().message).contains(QString::number(status)), r.error().message.c_str());
        const QString resolved = servers.location.startsWith(QLatin1Char('/')) ? QStringLiteral("http://127.0.0.1:%1%2").arg(servers.first.port()).arg(servers.location) : servers.location;
        QVERIFY2(QString::fromStdString(r.error().message).contains(resolved), r.error().message.c_str());
        QVERIFY(r.error().message.find("redirect") != std::string::npos);
        QVERIFY(r.error().message.find(kToken.toStdString()) == std::string::npos);
        QCOMPARE(servers.first.requests().size(), 1);
        QCOMPARE(servers.first.requests()[0].headers.value("authorization"), "Bearer " + kToken);
        QCOMPARE(servers.second.connections(), 0);
    }

    // Over https with a client certificate (no token): the first server gets the certificate, a
    // redirect to another https origin never opens a connection to it, so no certificate either.
    void clientCertificateStaysHomeOverTls_data()
    {
        QTest::addColumn<QString>("targetHost");
        QTest::newRow("127.0.0.1, another port") << QStringLiteral("127.0.0.1");
        QTest::newRow("localhost, another port") << QStringLiteral("localhost");
    }
    void clientCertificateStaysHomeOverTls()
    {
        QFETCH(QString, targetHost);
        auto ca = sandbox::CertificateAuthority::create("redirect-test-ca");
        QVERIFY(ca.ok());
        auto serverCert = ca->issueServer({ "localhost" }, { "127.0.0.1" });
        auto clientCert = ca->issueClient("tester", { "system:masters" });
        QVERIFY(serverCert.ok() && clientCert.ok());
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setLocalCertificate(QSslCertificate(serverCert->certificatePem, QSsl::Pem));
        tls.setPrivateKey(QSslKey(serverCert->privateKeyPem, QSsl::Ec, QSsl::Pem));
        tls.setCaCertificates(QSslCertificate::fromData(ca->certificatePem(), QSsl::Pem));
        RedirectingServers servers(302, QStringLiteral("https://%1:%B/api/v1/namespaces").arg(targetHost), namespaceList, {}, tls);
        ResolvedContext c = contextFor(QStringLiteral("https://127.0.0.1:%1").arg(servers.first.port()), {});
        c.cluster.certificateAuthorityData = ca->certificatePem().toStdString();
        c.user.clientCertificateData = clientCert->certificatePem.toStdString();
        c.user.clientKeyData = clientCert->privateKeyPem.toStdString();
        auto client = KubeClient::create(c);
        QVERIFY2(client.ok(), client.ok() ? "" : client.error().toString().c_str());
        const auto r = getNamespaces(**client);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message.find(servers.location.toStdString()) != std::string::npos, r.error().message.c_str());
        QCOMPARE(servers.first.requests().size(), 1);
        QCOMPARE(servers.first.requests()[0].clientCertificateCommonName, QStringLiteral("tester"));
        QCOMPARE(servers.second.connections(), 0);
    }

    void watchRedirectIsRefused()
    {
        RedirectingServers servers(307, QStringLiteral("http://localhost:%B/api/v1/pods"), namespaceList);
        auto client = KubeClient::create(contextFor(QStringLiteral("http://127.0.0.1:%1").arg(servers.first.port())));
        QVERIFY(client.ok());
        std::optional<Error> error;
        KubeClient::WatchOptions options;
        auto call = (*client)->watch(QStringLiteral("/api/v1/pods"), options, nullptr, [](const KubeClient::WatchEvent&) {},
            [&](const Error& e) { error = e; });
        QTRY_VERIFY_WITH_TIMEOUT(error.has_value(), 30000);
        call.cancel();
        QVERIFY2(error->message.find(servers.location.toStdString()) != std::string::npos, error->message.c_str());
        QCOMPARE(servers.second.connections(), 0);
    }

    void execHandshakeRedirectIsRefused()
    {
        RedirectingServers servers(302, QStringLiteral("http://127.0.0.1:%B/exec"), namespaceList);
        auto client = KubeClient::create(contextFor(QStringLiteral("http://127.0.0.1:%1").arg(servers.first.port())));
        QVERIFY(client.ok());
        ExecRequest request;
        request.ns = QStringLiteral("default");
        request.pod = QStringLiteral("p");
        request.command = { QStringLiteral("true") };
        ExecSession* session = (*client)->exec(request, this);
        QSignalSpy failed(session, &ExecSession::failed);
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 30000);
        const Error e = failed.at(0).at(0).value<Error>();
        QVERIFY2(e.message.find(servers.location.toStdString()) != std::string::npos, e.message.c_str());
        QCOMPARE(servers.first.requests().size(), 1);
        QCOMPARE(servers.first.requests()[0].headers.value("authorization"), "Bearer " + kToken);
        QCOMPARE(servers.second.connections(), 0);
    }

    // A value that would end the Authorization header and start another is refused before any
    // request, naming the setting; the kubeconfig's other users do not matter.
    void kubeconfigValueWithControlCharacterIsRefused_data()
    {
        QTest::addColumn<QByteArray>("userYaml");
        QTest::addColumn<QString>("setting");
        QTest::addColumn<QString>("problem");
        QTest::newRow("token CRLF") << QByteArray("    token: \"abc\\r\\nX-Injected: 1\"\n") << "users[1].user.token" << "line break (CR)";
        QTest::newRow("token LF") << QByteArray("    token: \"abc\\nX-Injected: 1\"\n") << "users[1].user.token" << "line break (LF)";
        QTest::newRow("token NUL") << QByteArray("    token: \"abc\\0def\"\n") << "users[1].user.token" << "NUL";
        QTest::newRow("token BEL") << QByteArray("    token: \"abc\\adef\"\n") << "users[1].user.token" << "0x07";
        QTest::newRow("token DEL") << QByteArray("    token: \"abc\\x7fdef\"\n") << "users[1].user.token" << "0x7F";
        QTest::newRow("token tab") << QByteArray("    token: \"abc\\tdef\"\n") << "users[1].user.token" << "0x09";
        QTest::newRow("token block scalar keeps its newline") << QByteArray("    token: |\n      abc\n") << "users[1].user.token" << "line break (LF)";
        QTest::newRow("username LF") << QByteArray("    username: \"admin\\nX: y\"\n    password: pw\n") << "users[1].user.username" << "line break";
        QTest::newRow("password CR") << QByteArray("    username: admin\n    password: \"pw\\r\"\n") << "users[1].user.password" << "line break (CR)";
    }
    void kubeconfigValueWithControlCharacterIsRefused()
    {
        QFETCH(QByteArray, userYaml);
        QFETCH(QString, setting);
        QFETCH(QString, problem);
        QTemporaryDir dir;
        const QString path = writeKubeconfig(dir, QStringLiteral("http://127.0.0.1:1"), userYaml);
        auto ctx = resolveKubeconfig(path.toStdString());
        QVERIFY2(ctx.ok(), ctx.ok() ? "" : ctx.error().toString().c_str());
        auto client = KubeClient::create(*ctx);
        QVERIFY(!client.ok());
        const QString message = QString::fromStdString(client.error().message);
        QCOMPARE(client.error().code, ErrorCode::Config);
        QVERIFY2(message.contains(setting), qPrintable(message));
        QVERIFY2(message.contains(path), qPrintable(message));
        QVERIFY2(message.contains(problem), qPrintable(message));
        QVERIFY(!message.contains(QStringLiteral("abc")) && !message.contains(QStringLiteral("pw")));
    }

    // Token files: the newline an editor adds is not part of the token (as kubectl reads them); a
    // line break or control character inside is refused, naming the file and the setting.
    void tokenFile_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QByteArray>("sentToken"); // empty: refused
        QTest::addColumn<QString>("problem");
        QTest::newRow("plain") << QByteArray("tok-1") << QByteArray("tok-1") << QString();
        QTest::newRow("trailing LF") << QByteArray("tok-2\n") << QByteArray("tok-2") << QString();
        QTest::newRow("trailing CRLF") << QByteArray("tok-3\r\n") << QByteArray("tok-3") << QString();
        QTest::newRow("embedded CRLF") << QByteArray("tok\r\nX-Injected: 1\n") << QByteArray() << "line break (CR)";
        QTest::newRow("two lines") << QByteArray("tok\nother\n") << QByteArray() << "line break (LF)";
        QTest::newRow("NUL") << QByteArray("tok\0x", 5) << QByteArray() << "NUL";
        QTest::newRow("ESC") << QByteArray("tok\x1b[0m") << QByteArray() << "0x1B";
    }
    void tokenFile()
    {
        QFETCH(QByteArray, content);
        QFETCH(QByteArray, sentToken);
        QFETCH(QString, problem);
        LoopbackHttpServer server(namespaceList);
        QTemporaryDir dir;
        QFile tokenFile(dir.filePath(QStringLiteral("token")));
        QVERIFY(tokenFile.open(QIODevice::WriteOnly));
        tokenFile.write(content);
        tokenFile.close();
        const QString path = writeKubeconfig(
            dir, QStringLiteral("http://127.0.0.1:%1").arg(server.port()), "    tokenFile: " + tokenFile.fileName().toUtf8() + "\n");
        auto ctx = resolveKubeconfig(path.toStdString());
        QVERIFY(ctx.ok());
        auto client = KubeClient::create(*ctx);
        QVERIFY(client.ok());
        const auto r = getNamespaces(**client);
        if (!sentToken.isEmpty()) {
            QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
            QCOMPARE(server.requests().size(), 1);
            QCOMPARE(server.requests()[0].headers.value("authorization"), "Bearer " + sentToken);
            return;
        }
        QVERIFY(!r.ok());
        const QString message = QString::fromStdString(r.error().message);
        QVERIFY2(message.contains(tokenFile.fileName()) && message.contains(QStringLiteral("users[1].user.tokenFile")), qPrintable(message));
        QVERIFY2(message.contains(problem), qPrintable(message));
        QCOMPARE(server.connections(), 0);
    }

    // A credential plugin's answer is configuration too.
    void execPluginToken_data()
    {
        QTest::addColumn<QByteArray>("jsonToken"); // as written inside the JSON string
        QTest::addColumn<QString>("problem"); // empty: accepted
        QTest::newRow("good") << QByteArray("plugin-token") << QString();
        QTest::newRow("CRLF") << QByteArray("plugin\\r\\nX-Injected: 1") << "line break (CR)";
        QTest::newRow("LF") << QByteArray("plugin\\nX") << "line break (LF)";
        QTest::newRow("U+0001") << QByteArray("plugin\\u0001") << "0x01";
    }
    void execPluginToken()
    {
        QFETCH(QByteArray, jsonToken);
        QFETCH(QString, problem);
        LoopbackHttpServer server(namespaceList);
        QTemporaryDir dir;
        const QString plugin = dir.filePath(QStringLiteral("credential-plugin"));
        QFile script(plugin);
        QVERIFY(script.open(QIODevice::WriteOnly));
        script.write("#!/bin/sh\nprintf '%s' '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
                     "\"status\":{\"token\":\""
            + jsonToken + "\"}}'\n");
        script.close();
        script.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        const QString path = writeKubeconfig(dir, QStringLiteral("http://127.0.0.1:%1").arg(server.port()),
            "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: " + plugin.toUtf8() + "\n");
        auto ctx = resolveKubeconfig(path.toStdString());
        QVERIFY(ctx.ok());
        auto client = KubeClient::create(*ctx);
        QVERIFY(client.ok());
        const auto r = getNamespaces(**client);
        if (problem.isEmpty()) {
            QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
            QCOMPARE(server.requests().at(0).headers.value("authorization"), QByteArray("Bearer plugin-token"));
            return;
        }
        QVERIFY(!r.ok());
        const QString message = QString::fromStdString(r.error().message);
        QVERIFY2(message.contains(QStringLiteral("status.token")) && message.contains(plugin) && message.contains(problem), qPrintable(message));
        QCOMPARE(server.connections(), 0);
    }
};

QTEST_GUILESS_MAIN(TestKubeCredentialSafety)
#include "tst_kube_credential_safety.moc"
