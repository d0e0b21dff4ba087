// The real kubectl against `leakdesk-cli sandbox serve --tls`: it must trust the CA written into
// the generated kubeconfig, authenticate with the token or the client certificate in it, be
// refused without them, and see the read-only user's RBAC over https as over http.

#include "KubectlHarness.h"
#include "TestSupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace leakdesk;

namespace {


} // namespace

class TestKubectlTls : public QObject {
    Q_OBJECT
    test::KubectlHarness m_kubectl;
    QTemporaryDir m_dir;
    test::ServedSandbox m_tokenSandbox; // --tls --token ... --read-only-user
    test::ServedSandbox m_certSandbox; // --tls --auth client-cert --read-only-user
    const QString m_token = QStringLiteral("kubectl-tls-admin-token");

    test::ProcessResult kubectl(const test::ServedSandbox& s, const QStringList& args)
    {
        return m_kubectl.runOn(s.kubeconfig, args);
    }

    QString kubeconfigText(const test::ServedSandbox& s)
    {
        QFile f(s.kubeconfig);
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    }

    // Names of the checkout pods kubectl lists, or an empty list.
    QStringList checkoutPods(const test::ServedSandbox& s, const QStringList& extra = {})
    {
        const auto r = kubectl(s,
            QStringList {
                QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"), QStringLiteral("production") }
                + extra);
        [&] { QVERIFY2(r.exitCode == 0, r.err.constData()); }();
        QStringList names;
        const auto rows = test::tableRows(r.out);
        for (const auto& row : rows)
            if (row.value(0).startsWith(QLatin1String("checkout-")))
                names << row[0];
        return names;
    }

private Q_SLOTS:
    void initTestCase()
    {
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("kubectl"));
        QVERIFY(m_dir.isValid());
        QString why = m_kubectl.serve(m_tokenSandbox,
            { QStringLiteral("--tls"), QStringLiteral("--token"), m_token, QStringLiteral("--read-only-user") },
            QStringLiteral("token.kubeconfig"));
        QVERIFY2(why.isEmpty(), qPrintable(why));
        why = m_kubectl.serve(m_certSandbox,
            { QStringLiteral("--tls"), QStringLiteral("--auth"), QStringLiteral("client-cert"),
                QStringLiteral("--read-only-user") },
            QStringLiteral("cert.kubeconfig"));
        QVERIFY2(why.isEmpty(), qPrintable(why));
    }

    void kubeconfigPointsAtHttpsWithItsCa()
    {
        QVERIFY(m_tokenSandbox.kubeUrl.startsWith(QLatin1String("https://127.0.0.1:")));
        const QString text = kubeconfigText(m_tokenSandbox);
        QVERIFY(text.contains(QStringLiteral("server: ") + m_tokenSandbox.kubeUrl));
        QVERIFY(text.contains(QStringLiteral("certificate-authority-data: ")));
        QVERIFY(!text.contains(QStringLiteral("insecure-skip-tls-verify")));
        QCOMPARE(QFile(m_tokenSandbox.kubeconfig).permissions() & (QFile::ReadGroup | QFile::ReadOther),
            QFileDevice::Permissions());
    }

    void getPodsOverTlsWithToken()
    {
        const QStringList pods = checkoutPods(m_tokenSandbox);
        QVERIFY2(pods.size() >= 2, qPrintable(pods.join(u',')));
    }

    void getPodsOverTlsWithClientCertificate()
    {
        const QString text = kubeconfigText(m_certSandbox);
        QVERIFY(text.contains(QStringLiteral("client-certificate-data: ")));
        QVERIFY(text.contains(QStringLiteral("client-key-data: ")));
        QVERIFY(!text.contains(QStringLiteral("token: ")));
        const QStringList pods = checkoutPods(m_certSandbox);
        QVERIFY2(pods.size() >= 2, qPrintable(pods.join(u',')));
    }

    void wrongTokenIsRefused()
    {
        const auto r = kubectl(m_tokenSandbox,
            { QStringLiteral("--token"), QStringLiteral("not-the-token"), QStringLiteral("get"), QStringLiteral("pods"),
                QStringLiteral("-n"), QStringLiteral("production") });
        QVERIFY(r.exitCode != 0);
        // kubectl's wording for a 401.
        QVERIFY2(r.err.contains("Unauthorized") || r.err.contains("must be logged in"), r.err.constData());
    }

    void serverUnknownToTheSystemIsRefusedByKubectl()
    {
        // Without the kubeconfig's CA kubectl must not trust the sandbox.
        QFile empty(m_dir.filePath(QStringLiteral("empty-kubeconfig")));
        QVERIFY(empty.open(QIODevice::WriteOnly));
        empty.write("apiVersion: v1\nkind: Config\n");
        empty.close();
        const auto r = m_kubectl.runWithoutKubeconfig(
            { QStringLiteral("--server"), m_tokenSandbox.kubeUrl, QStringLiteral("--token"), m_token,
                QStringLiteral("--kubeconfig"), m_dir.filePath(QStringLiteral("empty-kubeconfig")),
                QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"), QStringLiteral("production") });
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.contains("certificate"), r.err.constData());
    }

    void readOnlyUserCannotPatch_data()
    {
        QTest::addColumn<bool>("clientCertificate");
        QTest::newRow("token") << false;
        QTest::newRow("client certificate") << true;
    }

    void readOnlyUserCannotPatch()
    {
        QFETCH(bool, clientCertificate);
        const test::ServedSandbox& s = clientCertificate ? m_certSandbox : m_tokenSandbox;
        const QStringList patch { QStringLiteral("patch"), QStringLiteral("deployment"), QStringLiteral("checkout"),
            QStringLiteral("-n"), QStringLiteral("production"), QStringLiteral("--type"), QStringLiteral("merge"),
            QStringLiteral("-p"), QStringLiteral(R"({"metadata":{"annotations":{"leakdesk/tls-test":"yes"}}})"),
            QStringLiteral("--dry-run=server") };
        const auto viewer = kubectl(
            s, QStringList { QStringLiteral("--context"), QStringLiteral("leakdesk-sandbox-readonly") } + patch);
        QVERIFY(viewer.exitCode != 0);
        // The RBAC refusal, naming the user the token or certificate stands for.
        QVERIFY2(
            viewer.err.contains("forbidden") && viewer.err.contains("leakdesk-sandbox-viewer"), viewer.err.constData());
        // kubectl auth can-i (a SelfSubjectAccessReview) agrees, over TLS as over http.
        const auto canI = kubectl(s,
            { QStringLiteral("--context"), QStringLiteral("leakdesk-sandbox-readonly"), QStringLiteral("auth"),
                QStringLiteral("can-i"), QStringLiteral("patch"), QStringLiteral("deployments"), QStringLiteral("-n"),
                QStringLiteral("production") });
        QCOMPARE(canI.exitCode, 1);
        QVERIFY2(canI.out.startsWith("no"), canI.out.constData());
        const auto admin = kubectl(s, patch);
        QVERIFY2(admin.exitCode == 0, admin.err.constData());
        QVERIFY2(admin.out.contains("deployment.apps/checkout patched"), admin.out.constData());
    }

    void execOverTls()
    {
        const auto r = kubectl(m_certSandbox,
            { QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"), QStringLiteral("production"),
                QStringLiteral("-l"), QStringLiteral("app=checkout"), QStringLiteral("-o"),
                QStringLiteral("custom-columns=NAME:.metadata.name,READY:.status.containerStatuses[0].ready"),
                QStringLiteral("--no-headers") });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QString pod;
        for (const auto& row : test::tableRows(r.out))
            if (row.value(1) == QLatin1String("true"))
                pod = row[0];
        QVERIFY(!pod.isEmpty());
        const auto jcmd = kubectl(m_certSandbox,
            { QStringLiteral("exec"), QStringLiteral("-n"), QStringLiteral("production"), pod, QStringLiteral("--"),
                QStringLiteral("jcmd"), QStringLiteral("-l") });
        QVERIFY2(jcmd.exitCode == 0, jcmd.err.constData());
        QVERIFY2(jcmd.out.contains("/app/app.jar"), jcmd.out.constData());
    }

    // The injected faults are real ones to kubectl too: its own wording for a server error and for
    // a server slower than --request-timeout.
    void kubectlMeetsInjectedFaults_data()
    {
        QTest::addColumn<QString>("faults");
        QTest::addColumn<QStringList>("kubectlArgs");
        QTest::addColumn<QStringList>("expected"); // one of these in stderr
        QTest::newRow("server errors") << QStringLiteral("error-rate=1,seed=1") << QStringList {}
                                       << QStringList { QStringLiteral(
                                                            "the server is currently unable to handle the request"),
                                              QStringLiteral("an error on the server") };
        QTest::newRow("latency over timeout")
            << QStringLiteral("latency=3s") << QStringList { QStringLiteral("--request-timeout=1s") }
            << QStringList { QStringLiteral("Client.Timeout exceeded"), QStringLiteral("context deadline exceeded") };
    }

    void kubectlMeetsInjectedFaults()
    {
        QFETCH(QString, faults);
        QFETCH(QStringList, kubectlArgs);
        QFETCH(QStringList, expected);
        test::ServedSandbox faulty;
        QString why;
        QVERIFY2(faulty.start(
                     { QStringLiteral("--tls"), QStringLiteral("--faults"), faults, QStringLiteral("--kubeconfig-out"),
                         m_dir.filePath(QStringLiteral("faulty-%1.kubeconfig").arg(QTest::currentDataTag())) },
                     why),
            qPrintable(why));
        const auto r = kubectl(faulty,
            kubectlArgs
                + QStringList { QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"),
                    QStringLiteral("production") });
        QCOMPARE(r.exitCode, 1);
        const QString err = QString::fromUtf8(r.err);
        QVERIFY2(std::any_of(expected.begin(), expected.end(), [&](const QString& e) { return err.contains(e); }),
            r.err.constData());
        QVERIFY(faulty.stop());
    }

    // leakdesk-cli's own client against the TLS sandbox: an investigation works with the generated
    // kubeconfig, and with insecure-skip-tls-verify it still works but says loudly that it is unsafe.
    void investigateOverTls_data()
    {
        QTest::addColumn<bool>("insecure");
        QTest::newRow("verified") << false;
        QTest::newRow("insecure-skip-tls-verify") << true;
    }

    void investigateOverTls()
    {
        QFETCH(bool, insecure);
        QString kubeconfig = m_tokenSandbox.kubeconfig;
        if (insecure) {
            QString text = kubeconfigText(m_tokenSandbox);
            text.replace(QRegularExpression(QStringLiteral("certificate-authority-data: \\S+")),
                QStringLiteral("insecure-skip-tls-verify: true"));
            QVERIFY(text.contains(QStringLiteral("insecure-skip-tls-verify: true")));
            kubeconfig = m_dir.filePath(QStringLiteral("insecure.kubeconfig"));
            QFile f(kubeconfig);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(text.toUtf8());
        }
        // Prometheus is served over https too, with the same CA, printed as a file for --prometheus-ca.
        QString caPath;
        for (const QByteArray& line : m_tokenSandbox.startupOutput.split('\n'))
            if (line.startsWith("certificate-authority: "))
                caPath = QString::fromUtf8(line.mid(23).trimmed());
        QVERIFY2(QFile::exists(caPath), m_tokenSandbox.startupOutput.constData());
        QVERIFY(m_tokenSandbox.prometheusUrl.startsWith(QStringLiteral("https://")));
        const auto r = test::runProgram(test::cliPath(),
            { QStringLiteral("investigate"), QStringLiteral("--kubeconfig"), kubeconfig, QStringLiteral("--prometheus"),
                m_tokenSandbox.prometheusUrl, QStringLiteral("--prometheus-ca"), caPath, QStringLiteral("--namespace"),
                QStringLiteral("production"), QStringLiteral("--service"), QStringLiteral("checkout"),
                QStringLiteral("--format"), QStringLiteral("json") },
            120000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains("\"checkout\""), r.out.left(400).constData());
        QCOMPARE(r.err.contains("certificate is not verified"), insecure);
        QVERIFY(!r.err.contains(m_token.toUtf8()) && !r.out.contains(m_token.toUtf8()));
    }

    void badServeOptionsAreRefused_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QByteArray>("message");
        QTest::addColumn<int>("exitCode"); // 2: a usage error; 1: the sandbox refused to start
        QTest::newRow("client-cert without tls")
            << QStringList { QStringLiteral("--auth"), QStringLiteral("client-cert") }
            << QByteArray("--auth client-cert needs --tls") << 2;
        QTest::newRow("unknown auth") << QStringList { QStringLiteral("--auth"), QStringLiteral("oidc") }
                                      << QByteArray("invalid --auth 'oidc'") << 2;
        QTest::newRow("bad faults") << QStringList { QStringLiteral("--faults"), QStringLiteral("error-rate=2") }
                                    << QByteArray("invalid fault error-rate '2'") << 2;
        QTest::newRow("token breaking the kubeconfig")
            << QStringList { QStringLiteral("--tls"), QStringLiteral("--token"), QStringLiteral("abc: def\n#") }
            << QByteArray("the sandbox token holds characters a bearer token cannot have") << 1;
        QTest::newRow("prometheus token breaking the header")
            << QStringList { QStringLiteral("--tls"), QStringLiteral("--prometheus-token"), QStringLiteral("a b") }
            << QByteArray("the sandbox's Prometheus token holds characters a bearer token cannot have") << 1;
    }

    void badServeOptionsAreRefused()
    {
        QFETCH(QStringList, args);
        QFETCH(QByteArray, message);
        QFETCH(int, exitCode);
        const QString kubeconfig = m_dir.filePath(QStringLiteral("refused.kubeconfig"));
        const auto r = test::runProgram(test::cliPath(),
            QStringList {
                QStringLiteral("sandbox"), QStringLiteral("serve"), QStringLiteral("--kubeconfig-out"), kubeconfig }
                + args,
            30000);
        QCOMPARE(r.exitCode, exitCode);
        QVERIFY2(r.err.contains(message), r.err.constData());
        QVERIFY(!QFile::exists(kubeconfig));
    }

    void cleanupTestCase()
    {
        QVERIFY(m_tokenSandbox.stop());
        QVERIFY(m_certSandbox.stop());
    }
};

QTEST_GUILESS_MAIN(TestKubectlTls)
#include "tst_kubectl_tls.moc"
