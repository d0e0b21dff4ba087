// PromClient against the sandbox's Prometheus API served over https (SandboxOptions::tls) behind a
// bearer token (SandboxOptions::prometheusToken), as a managed Prometheus or an authenticating proxy
// is: verified with the sandbox's CA and nothing else, refused certificates explained with the option
// to change, insecure-skip-tls-verify honoured and visible, a missing or wrong token Unauthorized.
// Then the same end to end: `leakdesk-cli investigate --prometheus https://... --prometheus-ca ...`
// against `leakdesk-cli sandbox serve --tls --prometheus-token T`.

#include "TestSupport.h"
#include "WaitForResult.h"

#include "core/prometheus/PromClient.h"
#include "core/prometheus/QueryCatalogue.h"
#include "core/sandbox/http/SandboxCertificates.h"
#include "core/investigation/ClusterConnection.h"
#include "core/sandbox/SandboxHost.h"

#include <QDateTime>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::prometheus;

namespace {

QString errorText(const Error& e)
{
    return QString::fromStdString(e.toString());
}

} // namespace

class TestPrometheusTls : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    sandbox::SandboxHost m_host; // --tls --prometheus-token
    const QByteArray m_token = "prom-tls-test-token";

    PromConnection connection(const QByteArray& caPem, const QByteArray& token) const
    {
        PromConnection c;
        c.baseUrl = m_host.prometheusUrl();
        c.caCertificatesPem = caPem;
        c.bearerToken = token;
        c.timeoutMs = 10000;
        return c;
    }

    // A catalogue query the sandbox answers: checkout's working set, now.
    Result<QueryResult> workingSet(PromClient& client)
    {
        const std::string promql = QueryCatalogue().build(
            QueryKind::MemoryWorkingSet, PodSelector { "production", podRegexForWorkload("checkout") });
        return test::waitForResult<QueryResult>(
            [&](PromClient::Callback cb) { client.query(promql, QDateTime::currentMSecsSinceEpoch(), nullptr, cb); });
    }

    QString writeFile(const QString& name, const QByteArray& content)
    {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        [&] { QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate)); }();
        f.write(content);
        f.close();
        f.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
        return path;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        sandbox::SandboxOptions options;
        options.tls = true;
        options.prometheusToken = QString::fromLatin1(m_token);
        auto st = m_host.start(options);
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().toString().c_str());
    }

    void prometheusIsServedOverHttpsWithTheApiServersCa()
    {
        QCOMPARE(m_host.prometheusUrl().scheme(), QStringLiteral("https"));
        QCOMPARE(m_host.prometheusUrl().host(), QStringLiteral("127.0.0.1"));
        // The CA is also a PEM file next to the kubeconfig, for --prometheus-ca.
        QVERIFY(!m_host.certificateAuthorityPath().isEmpty());
        QFile ca(m_host.certificateAuthorityPath());
        QVERIFY(ca.open(QIODevice::ReadOnly));
        QCOMPARE(ca.readAll(), m_host.certificateAuthorityPem());
    }

    void verifiedWithTheCa()
    {
        PromClient client(connection(m_host.certificateAuthorityPem(), m_token));
        QVERIFY(client.usesTls());
        QVERIFY(client.tlsVerified());
        auto r = workingSet(client);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
        QVERIFY(r->series.size() >= 2);
        auto version = test::waitForResult<QString>(
            [&](std::function<void(Result<QString>)> cb) { client.buildInfo(nullptr, cb); });
        QVERIFY2(version.ok(), version.ok() ? "" : version.error().toString().c_str());
    }

    void localhostIsANameOfTheCertificate()
    {
        PromConnection c = connection(m_host.certificateAuthorityPem(), m_token);
        c.baseUrl.setHost(QStringLiteral("localhost"));
        PromClient client(c);
        auto r = workingSet(client);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
    }

    void anotherCaIsExplained()
    {
        auto other = sandbox::CertificateAuthority::create("some-other-ca");
        QVERIFY(other.ok());
        PromClient client(connection(other->certificatePem(), m_token));
        QVERIFY(client.tlsVerified());
        auto r = workingSet(client);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Network);
        const QString text = errorText(r.error());
        QVERIFY2(text.contains(QStringLiteral("TLS handshake with %1 failed").arg(m_host.prometheusUrl().toString())),
            qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("not issued by the CA given with --prometheus-ca")), qPrintable(text));
        // What to change: the option, and to what.
        QVERIFY2(
            QString::fromStdString(r.error().detail)
                .contains(QStringLiteral("set --prometheus-ca FILE to the CA that signed Prometheus's certificate")),
            r.error().detail.c_str());
        QVERIFY2(!text.contains(QString::fromLatin1(m_token)), "the token must not appear in errors");
    }

    void systemCasDoNotTrustTheSandbox()
    {
        PromClient client(connection({}, m_token));
        auto r = workingSet(client);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Network);
        const QString text = errorText(r.error());
        QVERIFY2(
            text.contains(QStringLiteral("not issued by a CA this system trusts, and no --prometheus-ca was given")),
            qPrintable(text));
        QVERIFY2(
            QString::fromStdString(r.error().detail).contains(QStringLiteral("--prometheus-ca")), qPrintable(text));
    }

    void aCaThatIsNoCertificateIsAConfigError()
    {
        PromClient client(connection("not a certificate", m_token));
        auto r = workingSet(client);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Config);
        QVERIFY2(errorText(r.error()).contains(QStringLiteral("--prometheus-ca")), qPrintable(errorText(r.error())));
    }

    void insecureSkipTlsVerifyWorksAndSaysSo()
    {
        PromConnection c = connection({}, m_token);
        c.insecureSkipTlsVerify = true;
        PromClient client(c);
        QVERIFY(client.usesTls());
        QVERIFY(!client.tlsVerified()); // what the CLI warns about
        auto r = workingSet(client);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
    }

    void plainHttpToTheTlsServerFails()
    {
        PromConnection c = connection({}, m_token);
        c.baseUrl.setScheme(QStringLiteral("http"));
        PromClient client(c);
        QVERIFY(!client.usesTls());
        QVERIFY(!client.tlsVerified());
        auto r = workingSet(client);
        QVERIFY(!r.ok());
        QVERIFY2(
            r.error().code == ErrorCode::Network || r.error().code == ErrorCode::Timeout, r.error().toString().c_str());
    }

    void missingTokenIsUnauthorized()
    {
        PromClient client(connection(m_host.certificateAuthorityPem(), {}));
        auto r = workingSet(client);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Unauthorized);
        QVERIFY2(
            QString::fromStdString(r.error().message).contains(QStringLiteral("HTTP 401")), r.error().message.c_str());
        QVERIFY2(QString::fromStdString(r.error().detail).contains(QStringLiteral("--prometheus-token-file")),
            r.error().detail.c_str());
    }

    void wrongTokenIsUnauthorized()
    {
        const QByteArray wrong = "not-the-prometheus-token";
        PromClient client(connection(m_host.certificateAuthorityPem(), wrong));
        auto r = workingSet(client);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Unauthorized);
        const QString text = errorText(r.error());
        QVERIFY2(text.contains(QStringLiteral("does not accept the bearer token")), qPrintable(text));
        QVERIFY2(!text.contains(QString::fromLatin1(wrong)), "the token must not appear in errors");
    }

    void tokenWithoutTls()
    {
        // The proxy's 401 does not need TLS: a plain-http sandbox with a Prometheus token.
        sandbox::SandboxHost plain;
        sandbox::SandboxOptions options;
        options.prometheusToken = QStringLiteral("plain-token");
        auto st = plain.start(options);
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().toString().c_str());
        QCOMPARE(plain.prometheusUrl().scheme(), QStringLiteral("http"));
        QVERIFY(plain.certificateAuthorityPath().isEmpty());
        PromConnection c;
        c.baseUrl = plain.prometheusUrl();
        {
            PromClient anonymous(c);
            auto r = workingSet(anonymous);
            QVERIFY(!r.ok());
            QCOMPARE(r.error().code, ErrorCode::Unauthorized);
        }
        c.bearerToken = "plain-token";
        PromClient client(c);
        auto r = workingSet(client);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
    }

    // leakdesk-cli end to end against `sandbox serve --tls --prometheus-token T`.
    // Switching the kubeconfig context (the GUI's context box) keeps how Prometheus is reached:
    // its URL, CA, token and metric names.
    void anotherContextKeepsThePrometheusSettings()
    {
        investigation::ConnectionOptions o;
        o.kubeconfig = m_host.kubeconfigPath();
        o.prometheusUrl = m_host.prometheusUrl();
        o.prometheusCaFile = writeFile(QStringLiteral("switch-ca.pem"), m_host.certificateAuthorityPem());
        o.prometheusTokenFile = writeFile(QStringLiteral("switch-token"), m_token + "\n");
        o.metricOverrides["memory_working_set"] = "node_namespace_pod_container:container_memory_working_set_bytes";
        auto first = investigation::ClusterConnection::open(o);
        QVERIFY2(first.ok(), first.ok() ? "" : first.error().toString().c_str());
        const investigation::ConnectionOptions again = (*first)->optionsForContext((*first)->contextName());
        QCOMPARE(again.prometheusCaFile, o.prometheusCaFile);
        QCOMPARE(again.prometheusTokenFile, o.prometheusTokenFile);
        QCOMPARE(again.prometheusUrl, o.prometheusUrl);
        QCOMPARE(again.metricOverrides, o.metricOverrides);
        QCOMPARE(again.kubeconfig, m_host.kubeconfigPath());
        first->reset();
        auto second = investigation::ClusterConnection::open(again);
        QVERIFY2(second.ok(), second.ok() ? "" : second.error().toString().c_str());
        QVERIFY((*second)->prometheus().tlsVerified());
        auto r = workingSet((*second)->prometheus());
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
    }

    void investigateAgainstServedSandbox()
    {
        QVERIFY2(QFile::exists(test::cliPath()), "LEAKDESK_CLI must point at the built leakdesk-cli");
        const QString cliToken = QStringLiteral("cli-prometheus-token");
        test::ServedSandbox served;
        QString why;
        QVERIFY2(
            served.start({ QStringLiteral("--tls"), QStringLiteral("--prometheus-token"), cliToken,
                             QStringLiteral("--kubeconfig-out"), m_dir.filePath(QStringLiteral("served.kubeconfig")) },
                why),
            qPrintable(why));
        QVERIFY2(
            served.prometheusUrl.startsWith(QStringLiteral("https://127.0.0.1:")), qPrintable(served.prometheusUrl));
        QString caPath;
        for (const QByteArray& line : served.startupOutput.split('\n'))
            if (line.startsWith("certificate-authority: "))
                caPath = QString::fromUtf8(line.mid(23).trimmed());
        QVERIFY2(QFile::exists(caPath), served.startupOutput.constData());
        const QString tokenFile = writeFile(QStringLiteral("prom-token"), cliToken.toUtf8() + '\n');
        auto other = sandbox::CertificateAuthority::create("some-other-ca");
        QVERIFY(other.ok());
        const QString otherCa = writeFile(QStringLiteral("other-ca.crt"), other->certificatePem());

        auto investigate = [&](const QStringList& promOptions) {
            return test::runProgram(test::cliPath(),
                QStringList { QStringLiteral("investigate"), QStringLiteral("--kubeconfig"), served.kubeconfig,
                    QStringLiteral("--prometheus"), served.prometheusUrl, QStringLiteral("--namespace"),
                    QStringLiteral("production"), QStringLiteral("--service"), QStringLiteral("checkout"),
                    QStringLiteral("--format"), QStringLiteral("json"), QStringLiteral("--timeout"),
                    QStringLiteral("60") }
                    + promOptions,
                120000);
        };

        // Verified with the CA the sandbox printed, authenticated with the token file.
        auto r = investigate(
            { QStringLiteral("--prometheus-ca"), caPath, QStringLiteral("--prometheus-token-file"), tokenFile });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains("\"checkout\""), r.out.left(400).constData());
        QVERIFY2(!r.err.contains("not verified"), r.err.constData());
        QVERIFY(!r.out.contains(cliToken.toUtf8()) && !r.err.contains(cliToken.toUtf8()));

        // Another CA: refused, and the message names the option to change. The cluster's own
        // evidence is still printed; without Prometheus the verdict cannot be told (exit 3).
        r = investigate(
            { QStringLiteral("--prometheus-ca"), otherCa, QStringLiteral("--prometheus-token-file"), tokenFile });
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.out.contains("checkout-"), r.out.left(400).constData());
        QVERIFY2(r.err.contains("not issued by the CA given with --prometheus-ca"), r.err.constData());

        // No token: 401 from the proxy, and what to pass.
        r = investigate({ QStringLiteral("--prometheus-ca"), caPath });
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("HTTP 401") && r.err.contains("--prometheus-token-file"), r.err.constData());

        // Verification skipped: it works, and says loudly that it is unsafe.
        r = investigate({ QStringLiteral("--prometheus-insecure-skip-tls-verify"),
            QStringLiteral("--prometheus-token-file"), tokenFile });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.err.contains("Prometheus's certificate is not verified"), r.err.constData());

        // A CA file that holds no certificate is refused before anything is asked.
        r = investigate(
            { QStringLiteral("--prometheus-ca"), tokenFile, QStringLiteral("--prometheus-token-file"), tokenFile });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("holds no PEM certificate"), r.err.constData());
        QVERIFY(!r.err.contains(cliToken.toUtf8()));

        QVERIFY(served.stop());
    }
};

QTEST_GUILESS_MAIN(TestPrometheusTls)
#include "tst_prometheus_tls.moc"
