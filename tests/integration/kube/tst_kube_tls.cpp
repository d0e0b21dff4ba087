// KubeClient against the sandbox served over https (SandboxOptions::tls): the CA from the
// generated kubeconfig is trusted and nothing else, tls-server-name and insecure-skip-tls-verify
// behave as in kubectl, and users authenticate with a bearer token or a client certificate.
#include "SandboxCluster.h"
#include "TestSupport.h"
#include "WaitForResult.h"
#include "core/kube/KubeClient.h"
#include "core/sandbox/http/SandboxCertificates.h"
#include "core/sandbox/SandboxHost.h"

#include <QDateTime>
#include <QFile>
#include <QSslCertificate>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::kube;

namespace {

Result<ParsedList<Pod>> listPods(KubeClient& c)
{
    return test::waitForResult<ParsedList<Pod>>([&](KubeClient::Callback<ParsedList<Pod>> cb) {
        return c.listPods(QStringLiteral("production"), QStringLiteral("app=checkout"), nullptr, cb);
    });
}

Result<KubeClient::PatchedDeployment> dryRunPatch(KubeClient& c)
{
    return test::waitForResult<KubeClient::PatchedDeployment>([&](KubeClient::Callback<KubeClient::PatchedDeployment>
                                                                      cb) {
        return c.patchDeployment(QStringLiteral("production"), QStringLiteral("checkout"),
            nlohmann::json::parse(R"({"metadata":{"annotations":{"leakdesk/test":"tls"}}})"),
            KubeClient::PatchType::Merge, KubeClient::PatchOptions { true, QStringLiteral("leakdesk") }, nullptr, cb);
    });
}

QString b64(const QByteArray& pem)
{
    return QString::fromLatin1(pem.toBase64());
}

QString errorText(const Error& e)
{
    return QString::fromStdString(e.toString());
}

} // namespace

class TestKubeTls : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    sandbox::SandboxHost m_tokenSandbox; // --tls, tokens in the kubeconfig
    sandbox::SandboxHost m_certSandbox; // --tls --auth client-cert
    const QString m_token = QStringLiteral("tls-test-admin-token");
    int m_files = 0;

    // A kubeconfig of one cluster (server + TLS settings as YAML) and one user (YAML).
    std::unique_ptr<KubeClient> client(const QUrl& server, const QString& clusterYaml, const QString& userYaml)
    {
        const QString path = m_dir.filePath(QStringLiteral("kubeconfig-%1").arg(++m_files));
        QFile f(path);
        [&] { QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate)); }();
        f.write(QStringLiteral("apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: s\n  cluster:\n"
                               "    server: %1\n%2users:\n- name: u\n  user:\n%3contexts:\n- name: c\n"
                               "  context: {cluster: s, user: u, namespace: production}\n")
                    .arg(server.toString(), clusterYaml, userYaml)
                    .toUtf8());
        f.close();
        auto cfg = loadKubeConfig({ path.toStdString() });
        [&] { QVERIFY2(cfg.ok(), cfg.ok() ? "" : cfg.error().message.c_str()); }();
        if (!cfg)
            return nullptr;
        auto ctx = resolveContext(*cfg);
        [&] { QVERIFY2(ctx.ok(), ctx.ok() ? "" : ctx.error().message.c_str()); }();
        if (!ctx)
            return nullptr;
        auto c = KubeClient::create(*ctx, KubeClientOptions { 10000, 0, 500 });
        [&] { QVERIFY2(c.ok(), c.ok() ? "" : c.error().message.c_str()); }();
        return c ? std::move(*c) : nullptr;
    }

    QString writeFile(const QString& name, const QByteArray& content, bool executable = false)
    {
        const QString path = m_dir.filePath(name);
        const QString why = test::writeTestFile(path, content,
            QFile::ReadOwner | QFile::WriteOwner | (executable ? QFile::ExeOwner : QFile::Permissions()));
        [&] { QVERIFY2(why.isEmpty(), qPrintable(why)); }();
        return path;
    }

    QString trustedCa(const sandbox::SandboxHost& host) const
    {
        return QStringLiteral("    certificate-authority-data: %1\n").arg(b64(host.certificateAuthorityPem()));
    }

    QString tokenUser() const { return QStringLiteral("    token: %1\n").arg(m_token); }

    // The sandbox's own kubeconfig, context by name.
    std::unique_ptr<KubeClient> generatedClient(const sandbox::SandboxHost& host, const QString& contextName)
    {
        auto c = test::SandboxCluster::clientOf(host, contextName.toStdString());
        [&] { QVERIFY2(c.ok(), c.ok() ? "" : c.error().message.c_str()); }();
        return c ? std::move(*c) : nullptr;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        sandbox::SandboxOptions options;
        options.tls = true;
        options.token = m_token;
        options.readOnlyUser = true;
        auto st = m_tokenSandbox.start(options);
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().toString().c_str());

        options.kubeconfigAuth = sandbox::SandboxOptions::KubeconfigAuth::ClientCertificate;
        st = m_certSandbox.start(options);
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().toString().c_str());
    }

    void generatedKubeconfigCarriesTheCa()
    {
        QCOMPARE(m_tokenSandbox.kubeUrl().scheme(), QStringLiteral("https"));
        auto cfg = loadKubeConfig({ m_tokenSandbox.kubeconfigPath().toStdString() });
        QVERIFY(cfg.ok());
        auto ctx = resolveContext(*cfg);
        QVERIFY(ctx.ok());
        QCOMPARE(QString::fromStdString(ctx->cluster.server), m_tokenSandbox.kubeUrl().toString());
        QVERIFY(!ctx->cluster.insecureSkipTlsVerify);
        QCOMPARE(
            QByteArray::fromStdString(ctx->cluster.certificateAuthorityData), m_tokenSandbox.certificateAuthorityPem());
        QCOMPARE(QString::fromStdString(ctx->user.token), m_token);

        auto c = generatedClient(m_tokenSandbox, m_tokenSandbox.contextName());
        QVERIFY(c);
        QVERIFY(c->usesTls());
        QVERIFY(c->tlsVerified());
        auto pods = listPods(*c);
        QVERIFY2(pods.ok(), pods.ok() ? "" : pods.error().toString().c_str());
        QVERIFY(pods->items.size() >= 2);
    }

    void plainHttpIsRefusedByTheTlsServer()
    {
        QUrl http = m_tokenSandbox.kubeUrl();
        http.setScheme(QStringLiteral("http"));
        auto c = client(http, {}, tokenUser());
        QVERIFY(c);
        auto pods = listPods(*c);
        QVERIFY(!pods.ok());
        QCOMPARE(pods.error().code, ErrorCode::Network);
    }

    void requestsWithoutCredentialsAreUnauthorized()
    {
        // Over TLS the sandbox behaves like a cluster: no anonymous access.
        auto c = client(m_tokenSandbox.kubeUrl(), trustedCa(m_tokenSandbox), QStringLiteral("    {}\n"));
        QVERIFY(c);
        auto pods = listPods(*c);
        QVERIFY(!pods.ok());
        QCOMPARE(pods.error().code, ErrorCode::Unauthorized);

        auto wrong = client(m_tokenSandbox.kubeUrl(), trustedCa(m_tokenSandbox), QStringLiteral("    token: nope\n"));
        QVERIFY(wrong);
        pods = listPods(*wrong);
        QVERIFY(!pods.ok());
        QCOMPARE(pods.error().code, ErrorCode::Unauthorized);
    }

    void anotherCaIsATlsError()
    {
        auto other = sandbox::CertificateAuthority::create("some-other-cluster-ca");
        QVERIFY(other.ok());
        auto c = client(m_tokenSandbox.kubeUrl(),
            QStringLiteral("    certificate-authority-data: %1\n").arg(b64(other->certificatePem())), tokenUser());
        QVERIFY(c);
        QVERIFY(c->tlsVerified());
        auto pods = listPods(*c);
        QVERIFY(!pods.ok());
        QCOMPARE(pods.error().code, ErrorCode::Network);
        const QString text = errorText(pods.error());
        QVERIFY2(text.contains(QStringLiteral("TLS")), qPrintable(text));
        // Names the problem (the certificate is not from the trusted CA) and where to fix it.
        QVERIFY2(text.contains(QStringLiteral("not issued by the certificate-authority")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("certificate-authority")), qPrintable(text));
        QVERIFY2(!text.contains(m_token), "the token must not appear in errors");
    }

    void systemCasDoNotTrustTheSandbox()
    {
        // No certificate-authority in the kubeconfig: the system's CAs are used, and they do not
        // know the sandbox's CA.
        auto c = client(m_tokenSandbox.kubeUrl(), {}, tokenUser());
        QVERIFY(c);
        auto pods = listPods(*c);
        QVERIFY(!pods.ok());
        QCOMPARE(pods.error().code, ErrorCode::Network);
        QVERIFY2(errorText(pods.error()).contains(QStringLiteral("TLS")), qPrintable(errorText(pods.error())));
    }

    void tlsServerName()
    {
        // The certificate is for 127.0.0.1 and localhost: verifying as "localhost" works, as any
        // other name it fails and says so.
        auto good = client(m_tokenSandbox.kubeUrl(),
            trustedCa(m_tokenSandbox) + QStringLiteral("    tls-server-name: localhost\n"), tokenUser());
        QVERIFY(good);
        auto pods = listPods(*good);
        QVERIFY2(pods.ok(), pods.ok() ? "" : pods.error().toString().c_str());

        auto bad = client(m_tokenSandbox.kubeUrl(),
            trustedCa(m_tokenSandbox) + QStringLiteral("    tls-server-name: api.example.org\n"), tokenUser());
        QVERIFY(bad);
        pods = listPods(*bad);
        QVERIFY(!pods.ok());
        QCOMPARE(pods.error().code, ErrorCode::Network);
        const QString text = errorText(pods.error());
        QVERIFY2(text.contains(QStringLiteral("api.example.org")), qPrintable(text));
    }

    void insecureSkipTlsVerify()
    {
        auto c = client(m_tokenSandbox.kubeUrl(), QStringLiteral("    insecure-skip-tls-verify: true\n"), tokenUser());
        QVERIFY(c);
        QVERIFY(c->usesTls());
        QVERIFY(!c->tlsVerified()); // what the connection bar shows as a warning
        auto pods = listPods(*c);
        QVERIFY2(pods.ok(), pods.ok() ? "" : pods.error().toString().c_str());
    }

    void readOnlyUserOverTls()
    {
        auto viewer = generatedClient(m_tokenSandbox, m_tokenSandbox.readOnlyContextName());
        QVERIFY(viewer);
        QVERIFY(listPods(*viewer).ok());
        auto patched = dryRunPatch(*viewer);
        QVERIFY(!patched.ok());
        QCOMPARE(patched.error().code, ErrorCode::Forbidden);

        auto admin = generatedClient(m_tokenSandbox, m_tokenSandbox.contextName());
        QVERIFY(admin);
        patched = dryRunPatch(*admin);
        QVERIFY2(patched.ok(), patched.ok() ? "" : patched.error().toString().c_str());
    }

    void clientCertificateKubeconfig()
    {
        auto cfg = loadKubeConfig({ m_certSandbox.kubeconfigPath().toStdString() });
        QVERIFY(cfg.ok());
        auto ctx = resolveContext(*cfg);
        QVERIFY(ctx.ok());
        QVERIFY(ctx->user.token.empty());
        QVERIFY(!ctx->user.clientCertificateData.empty());
        QVERIFY(!ctx->user.clientKeyData.empty());
        const auto certs = QSslCertificate::fromData(QByteArray::fromStdString(ctx->user.clientCertificateData));
        QCOMPARE(certs.size(), 1);
        QCOMPARE(
            certs.first().subjectInfo(QSslCertificate::CommonName), QStringList { QStringLiteral("leakdesk-admin") });
        QCOMPARE(
            certs.first().subjectInfo(QSslCertificate::Organization), QStringList { QStringLiteral("system:masters") });

        auto c = generatedClient(m_certSandbox, m_certSandbox.contextName());
        QVERIFY(c);
        QVERIFY(c->tlsVerified());
        auto pods = listPods(*c);
        QVERIFY2(pods.ok(), pods.ok() ? "" : pods.error().toString().c_str());
        QVERIFY(pods->items.size() >= 2);
        // The admin certificate may write.
        auto patched = dryRunPatch(*c);
        QVERIFY2(patched.ok(), patched.ok() ? "" : patched.error().toString().c_str());
    }

    void readOnlyClientCertificate()
    {
        auto viewer = generatedClient(m_certSandbox, m_certSandbox.readOnlyContextName());
        QVERIFY(viewer);
        QVERIFY(viewer->context().user.token.empty());
        QVERIFY(listPods(*viewer).ok());
        auto patched = dryRunPatch(*viewer);
        QVERIFY(!patched.ok());
        QCOMPARE(patched.error().code, ErrorCode::Forbidden);
        QVERIFY2(QString::fromStdString(patched.error().message).contains(QStringLiteral("leakdesk-sandbox-viewer")),
            patched.error().message.c_str());
    }

    void tokensStillWorkNextToClientCertificates()
    {
        // The server asks for a certificate but does not require one.
        auto c = client(m_certSandbox.kubeUrl(), trustedCa(m_certSandbox), tokenUser());
        QVERIFY(c);
        auto pods = listPods(*c);
        QVERIFY2(pods.ok(), pods.ok() ? "" : pods.error().toString().c_str());
    }

    void certificatesFromFiles()
    {
        // certificate-authority, client-certificate and client-key as paths, as kubeadm writes them.
        auto cfg = loadKubeConfig({ m_certSandbox.kubeconfigPath().toStdString() });
        QVERIFY(cfg.ok());
        auto ctx = resolveContext(*cfg);
        QVERIFY(ctx.ok());
        const QString caFile = writeFile(QStringLiteral("ca.crt"), m_certSandbox.certificateAuthorityPem());
        const QString certFile
            = writeFile(QStringLiteral("admin.crt"), QByteArray::fromStdString(ctx->user.clientCertificateData));
        const QString keyFile
            = writeFile(QStringLiteral("admin.key"), QByteArray::fromStdString(ctx->user.clientKeyData));
        auto c = client(m_certSandbox.kubeUrl(), QStringLiteral("    certificate-authority: %1\n").arg(caFile),
            QStringLiteral("    client-certificate: %1\n    client-key: %2\n").arg(certFile, keyFile));
        QVERIFY(c);
        QVERIFY(c->tlsVerified());
        auto pods = listPods(*c);
        QVERIFY2(pods.ok(), pods.ok() ? "" : pods.error().toString().c_str());
    }

    void execPluginClientCertificate()
    {
        // A credential plugin may answer with a client certificate instead of a token.
        auto cfg = loadKubeConfig({ m_certSandbox.kubeconfigPath().toStdString() });
        QVERIFY(cfg.ok());
        auto ctx = resolveContext(*cfg, m_certSandbox.readOnlyContextName().toStdString());
        QVERIFY(ctx.ok());
        const nlohmann::json credential
            = { { "apiVersion", "client.authentication.k8s.io/v1" }, { "kind", "ExecCredential" },
                  { "status",
                      { { "clientCertificateData", ctx->user.clientCertificateData },
                          { "clientKeyData", ctx->user.clientKeyData } } } };
        const QString plugin = writeFile(QStringLiteral("cert-plugin"),
            "#!/bin/sh\ncat <<'JSON'\n" + QByteArray::fromStdString(credential.dump()) + "\nJSON\n", true);
        auto c = client(m_certSandbox.kubeUrl(), trustedCa(m_certSandbox),
            QStringLiteral("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: %1\n")
                .arg(plugin));
        QVERIFY(c);
        auto pods = listPods(*c);
        QVERIFY2(pods.ok(), pods.ok() ? "" : pods.error().toString().c_str());
        // It is the viewer's certificate: the server knows who is asking.
        auto patched = dryRunPatch(*c);
        QVERIFY(!patched.ok());
        QCOMPARE(patched.error().code, ErrorCode::Forbidden);
    }

    void certificateFromAnotherCaIsUnauthorized()
    {
        // Right names, wrong signer: as on a cluster, a certificate the API server's client CA did
        // not sign authenticates nobody.
        auto other = sandbox::CertificateAuthority::create("some-other-cluster-ca");
        QVERIFY(other.ok());
        auto forged = other->issueClient("leakdesk-admin", { "system:masters" });
        QVERIFY(forged.ok());
        auto c = client(m_certSandbox.kubeUrl(), trustedCa(m_certSandbox),
            QStringLiteral("    client-certificate-data: %1\n    client-key-data: %2\n")
                .arg(b64(forged->certificatePem), b64(forged->privateKeyPem)));
        QVERIFY(c);
        auto pods = listPods(*c);
        QVERIFY(!pods.ok());
        QCOMPARE(pods.error().code, ErrorCode::Unauthorized);
    }

    void execOverTlsWithClientCertificate()
    {
        // exec runs on its own WebSocket client: it must present the same CA and certificate.
        auto c = generatedClient(m_certSandbox, m_certSandbox.contextName());
        QVERIFY(c);
        auto pods = listPods(*c);
        QVERIFY(pods.ok());
        std::optional<KubeClient::ExecOutput> ran;
        for (const Pod& pod : pods->items) {
            ExecRequest r;
            r.ns = QStringLiteral("production");
            r.pod = QString::fromStdString(pod.meta.name);
            r.command = { QStringLiteral("jcmd"), QStringLiteral("-l") };
            auto out = test::waitForResult<KubeClient::ExecOutput>(
                [&](KubeClient::Callback<KubeClient::ExecOutput> cb) { return c->execCollect(r, nullptr, cb); });
            // A pod between an OOM kill and its restart has no running container: try the next.
            if (out.ok() && out->result.exitCode == 0) {
                ran = *out;
                break;
            }
        }
        QVERIFY(ran);
        QCOMPARE(ran->result.protocol, QStringLiteral("v5.channel.k8s.io"));
        QVERIFY2(ran->stdoutBytes.contains("/app/app.jar"), ran->stdoutBytes.constData());
    }

    void execWithAnotherCaIsExplained()
    {
        // exec has its own WebSocket client; a refused certificate is explained as for REST calls:
        // the reason and the kubeconfig setting to change, not Qt's wording.
        auto other = sandbox::CertificateAuthority::create("some-other-cluster-ca");
        QVERIFY(other.ok());
        auto c = client(m_tokenSandbox.kubeUrl(),
            QStringLiteral("    certificate-authority-data: %1\n").arg(b64(other->certificatePem())), tokenUser());
        QVERIFY(c);
        ExecRequest r;
        r.ns = QStringLiteral("production");
        r.pod = QStringLiteral("checkout-0"); // refused before the pod is looked up
        r.command = { QStringLiteral("jcmd"), QStringLiteral("-l") };
        auto out = test::waitForResult<KubeClient::ExecOutput>(
            [&](KubeClient::Callback<KubeClient::ExecOutput> cb) { return c->execCollect(r, nullptr, cb); });
        QVERIFY(!out.ok());
        QCOMPARE(out.error().code, ErrorCode::Network);
        const QString text = errorText(out.error());
        QVERIFY2(text.contains(QStringLiteral("exec 'jcmd -l'")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("TLS handshake with %1 failed").arg(m_tokenSandbox.kubeUrl().toString())),
            qPrintable(text));
        QVERIFY2(
            text.contains(QStringLiteral("not issued by the certificate-authority of cluster 's'")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("set certificate-authority(-data) of cluster 's'")), qPrintable(text));
        QVERIFY2(!text.contains(m_token), "the token must not appear in errors");

        // The same words as a REST call refused by the same server.
        auto pods = listPods(*c);
        QVERIFY(!pods.ok());
        QCOMPARE(QString::fromStdString(pods.error().detail), QString::fromStdString(out.error().detail));
    }

    void execWithWrongServerNameIsExplained()
    {
        auto c = client(m_tokenSandbox.kubeUrl(),
            trustedCa(m_tokenSandbox) + QStringLiteral("    tls-server-name: api.example.org\n"), tokenUser());
        QVERIFY(c);
        ExecRequest r;
        r.ns = QStringLiteral("production");
        r.pod = QStringLiteral("checkout-0");
        r.command = { QStringLiteral("true") };
        auto out = test::waitForResult<KubeClient::ExecOutput>(
            [&](KubeClient::Callback<KubeClient::ExecOutput> cb) { return c->execCollect(r, nullptr, cb); });
        QVERIFY(!out.ok());
        const QString text = errorText(out.error());
        QVERIFY2(text.contains(QStringLiteral("not valid for the name 'api.example.org'")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("set tls-server-name of cluster 's'")), qPrintable(text));
    }

    void clientCertificatesNeedTls()
    {
        sandbox::SandboxHost host;
        sandbox::SandboxOptions options;
        options.kubeconfigAuth = sandbox::SandboxOptions::KubeconfigAuth::ClientCertificate;
        auto st = host.start(options);
        QVERIFY(!st.ok());
        QCOMPARE(st.error().code, ErrorCode::InvalidArgument);
    }

    void cleanupTestCase()
    {
        m_tokenSandbox.stop();
        m_certSandbox.stop();
    }
};

QTEST_GUILESS_MAIN(TestKubeTls)
#include "tst_kube_tls.moc"
