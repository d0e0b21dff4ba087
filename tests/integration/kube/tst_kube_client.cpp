// KubeClient against the sandbox API server on 127.0.0.1: authentication methods as real
// kubeconfigs use them (token, token file that rotates, exec credential plugins), pagination
// and typed errors.
#include "TestSupport.h"
#include "WaitForResult.h"
#include "core/kube/KubeClient.h"
#include "core/sandbox/SandboxHost.h"

#include <QDateTime>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::kube;

class TestKubeClient : public QObject {
    Q_OBJECT
private:
    sandbox::SandboxHost m_sandbox;
    QTemporaryDir m_dir;
    std::string m_token;
    std::string m_server;

    QString writeFile(const QString& name, const QByteArray& content, bool executable = false)
    {
        const QString path = m_dir.filePath(name);
        const QString why = test::writeTestFile(path, content,
            executable ? std::optional(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner) : std::nullopt);
        [&] { QVERIFY2(why.isEmpty(), qPrintable(why)); }();
        return path;
    }

    // A kubeconfig for the sandbox whose user is given as YAML.
    ResolvedContext contextWithUser(const QString& userYaml)
    {
        const QString kc = writeFile(QStringLiteral("kubeconfig-%1").arg(QDateTime::currentMSecsSinceEpoch()),
            QStringLiteral("apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: s\n  cluster:\n    server: %1\n"
                           "users:\n- name: u\n  user:\n%2\ncontexts:\n- name: c\n  context: {cluster: s, user: u, namespace: production}\n")
                .arg(QString::fromStdString(m_server), userYaml)
                .toUtf8());
        auto cfg = loadKubeConfig({ kc.toStdString() });
        [&] { QVERIFY2(cfg.ok(), cfg.ok() ? "" : cfg.error().message.c_str()); }();
        auto r = resolveContext(*cfg);
        [&] { QVERIFY(r.ok()); }();
        return *r;
    }

    // A plugin that counts its runs in `counter` and prints an ExecCredential with `token`.
    QString plugin(const QString& name, const std::string& token, const QString& expiration = {})
    {
        const QString counter = m_dir.filePath(name + QStringLiteral(".runs"));
        QString status = QStringLiteral("\"token\": \"%1\"").arg(QString::fromStdString(token));
        if (!expiration.isEmpty())
            status += QStringLiteral(", \"expirationTimestamp\": \"%1\"").arg(expiration);
        return writeFile(name,
            QStringLiteral("#!/bin/sh\necho run >> '%1'\n"
                           "case \"$KUBERNETES_EXEC_INFO\" in *ExecCredential*) ;; *) echo 'no exec info' >&2; exit 3;; esac\n"
                           "printf '{\"apiVersion\": \"client.authentication.k8s.io/v1\", \"kind\": \"ExecCredential\", \"status\": {%2}}'\n")
                .arg(counter, status)
                .toUtf8(),
            true);
    }

    int runs(const QString& name)
    {
        QFile f(m_dir.filePath(name + QStringLiteral(".runs")));
        if (!f.open(QIODevice::ReadOnly))
            return 0;
        return f.readAll().count('\n');
    }

    Result<ParsedList<Pod>> listPods(KubeClient& c)
    {
        return test::waitForResult<ParsedList<Pod>>([&](KubeClient::Callback<ParsedList<Pod>> cb) {
            return c.listPods(QStringLiteral("production"), QStringLiteral("app=checkout"), nullptr, cb);
        });
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        auto st = m_sandbox.start({});
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().message.c_str());
        auto cfg = loadKubeConfig({ m_sandbox.kubeconfigPath().toStdString() });
        QVERIFY(cfg.ok());
        auto r = resolveContext(*cfg);
        QVERIFY(r.ok());
        m_token = r->user.token;
        m_server = r->cluster.server;
        QVERIFY(!m_token.empty());
    }

    void bearerToken()
    {
        auto c = KubeClient::create(contextWithUser(QStringLiteral("    token: %1").arg(QString::fromStdString(m_token))));
        QVERIFY(c.ok());
        auto pods = listPods(**c);
        QVERIFY2(pods.ok(), pods.ok() ? "" : pods.error().message.c_str());
        QVERIFY(pods->items.size() >= 2);
        for (const auto& p : pods->items)
            QCOMPARE(p.meta.labels.at("app"), std::string("checkout"));
    }

    void wrongTokenIsUnauthorized()
    {
        auto c = KubeClient::create(contextWithUser(QStringLiteral("    token: not-the-token")));
        QVERIFY(c.ok());
        auto pods = listPods(**c);
        QVERIFY(!pods.ok());
        QCOMPARE(pods.error().code, ErrorCode::Unauthorized);
        // The rejected token never shows up in the message.
        QVERIFY(!QString::fromStdString(pods.error().toString()).contains(QStringLiteral("not-the-token")));
    }

    void tokenFileIsReReadWhenItRotates()
    {
        const QString tokenFile = writeFile(QStringLiteral("token"), "stale-token\n");
        auto c = KubeClient::create(contextWithUser(QStringLiteral("    tokenFile: %1").arg(tokenFile)));
        QVERIFY(c.ok());
        QCOMPARE(listPods(**c).error().code, ErrorCode::Unauthorized);
        QTest::qWait(1100); // file systems with one-second mtimes
        writeFile(QStringLiteral("token"), QByteArray::fromStdString(m_token) + "\n");
        QVERIFY(listPods(**c).ok());
    }

    void execPluginTokenIsCached()
    {
        const QString p = plugin(QStringLiteral("plugin-cached"), m_token);
        auto c = KubeClient::create(contextWithUser(
            QStringLiteral("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: %1\n").arg(p)));
        QVERIFY(c.ok());
        QCOMPARE((*c)->authMethod(), QStringLiteral("exec: %1").arg(p));
        QVERIFY(listPods(**c).ok());
        QVERIFY(listPods(**c).ok());
        QCOMPARE(runs(QStringLiteral("plugin-cached")), 1);
    }

    void expiredExecCredentialIsRefreshed()
    {
        const QString past = QDateTime::currentDateTimeUtc().addSecs(-60).toString(Qt::ISODate);
        const QString p = plugin(QStringLiteral("plugin-expired"), m_token, past);
        auto c = KubeClient::create(contextWithUser(
            QStringLiteral("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: %1\n").arg(p)));
        QVERIFY(c.ok());
        QVERIFY(listPods(**c).ok());
        QVERIFY(listPods(**c).ok());
        QCOMPARE(runs(QStringLiteral("plugin-expired")), 2);
    }

    void execPluginRerunOnceOn401()
    {
        const QString p = plugin(QStringLiteral("plugin-bad"), "revoked-token");
        auto c = KubeClient::create(contextWithUser(
            QStringLiteral("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: %1\n").arg(p)));
        QVERIFY(c.ok());
        auto r = listPods(**c);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Unauthorized);
        QCOMPARE(runs(QStringLiteral("plugin-bad")), 2); // first try + one re-run after the 401
    }

    void missingPluginSaysHowToInstall()
    {
        auto c = KubeClient::create(contextWithUser(QStringLiteral(
            "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: leakdesk-no-such-plugin\n      installHint: install it with your package manager\n")));
        QVERIFY(c.ok());
        auto r = listPods(**c);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Config);
        QVERIFY(QString::fromStdString(r.error().message).contains(QStringLiteral("leakdesk-no-such-plugin")));
        QCOMPARE(r.error().detail, std::string("install it with your package manager"));
    }

    // A plugin that hangs with a child holding its stdout: the call fails after the client's
    // plugin timeout with an error naming the plugin and the user, instead of hanging with it.
    void hangingPluginFailsTheCallAndNamesIt()
    {
        const QString p = writeFile(QStringLiteral("plugin-hangs"), "#!/bin/sh\nsleep 1000 &\nsleep 1000\n", true);
        KubeClientOptions options;
        options.credentialPlugin.timeoutMs = 400;
        auto c = KubeClient::create(contextWithUser(QStringLiteral(
            "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: %1\n").arg(p)), options);
        QVERIFY(c.ok());
        auto r = listPods(**c);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Timeout);
        const QString message = QString::fromStdString(r.error().message);
        QVERIFY2(message.contains(p) && message.contains(QLatin1String("did not answer")), qPrintable(message));
        QVERIFY2(message.contains(QLatin1String("user '")), qPrintable(message));
    }

    void notFoundIsTyped()
    {
        auto c = KubeClient::create(contextWithUser(QStringLiteral("    token: %1").arg(QString::fromStdString(m_token))));
        QVERIFY(c.ok());
        auto r = test::waitForResult<nlohmann::json>([&](KubeClient::Callback<nlohmann::json> cb) {
            return (*c)->getJson(QStringLiteral("/api/v1/namespaces/production/pods/no-such-pod"), {}, nullptr, cb);
        });
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::NotFound);
    }

    void cancelledCallDoesNotCallBack()
    {
        auto c = KubeClient::create(contextWithUser(QStringLiteral("    token: %1").arg(QString::fromStdString(m_token))));
        QVERIFY(c.ok());
        bool called = false;
        auto call = (*c)->listPods(QStringLiteral("production"), {}, nullptr, [&](auto) { called = true; });
        call.cancel();
        QTest::qWait(1000);
        QVERIFY(!called);
    }
};

QTEST_GUILESS_MAIN(TestKubeClient)
#include "tst_kube_client.moc"
