#include "TestSupport.h"
#include "core/kube/KubeConfig.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <sys/stat.h>

using namespace leakdesk;
using namespace leakdesk::kube;

namespace {

const char* kConfigA = R"(apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: prod-cluster
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority: certs/ca.pem
    tls-server-name: kubernetes.default
- name: shared
  cluster:
    server: https://a.example:6443
users:
- name: alice
  user:
    token: secret-token-a
- name: robot
  user:
    tokenFile: /var/run/secrets/token
contexts:
- name: prod
  context:
    cluster: prod-cluster
    user: alice
    namespace: production
- name: robot
  context:
    cluster: prod-cluster
    user: robot
)";

const char* kConfigB = R"(apiVersion: v1
kind: Config
current-context: staging
clusters:
- name: shared
  cluster:
    server: https://b.example:6443
    insecure-skip-tls-verify: true
users:
- name: bob
  user:
    client-certificate-data: LS0tLS1CRUdJTg==
    client-key-data: a2V5
- name: plugin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: aws
      args: [eks, get-token, --cluster-name, x]
      env:
      - name: AWS_PROFILE
        value: prod
contexts:
- name: staging
  context:
    cluster: shared
    user: bob
- name: prod
  context:
    cluster: shared
    user: bob
- name: eks
  context:
    cluster: shared
    user: plugin
)";

std::string writeFile(const QTemporaryDir& dir, const QString& name, const char* text)
{
    const std::string path = dir.filePath(name).toStdString();
    std::ofstream(path) << text;
    return path;
}

} // namespace

class TestKubeConfig : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void mergeFollowsKubectlRules()
    {
        QTemporaryDir dir;
        const auto a = writeFile(dir, QStringLiteral("a.yaml"), kConfigA);
        const auto b = writeFile(dir, QStringLiteral("b.yaml"), kConfigB);
        auto cfg = loadKubeConfig({ a, b });
        QVERIFY2(cfg.ok(), cfg.ok() ? "" : cfg.error().message.c_str());
        // First file's current-context wins; first definition of a name wins.
        QCOMPARE(cfg->currentContext, std::string("prod"));
        QCOMPARE(cfg->context("prod")->cluster, std::string("prod-cluster"));
        QCOMPARE(cfg->cluster("shared")->server, std::string("https://a.example:6443"));
        QVERIFY(cfg->context("staging") != nullptr);
        QCOMPARE(cfg->contexts.size(), size_t(4));
        // Relative paths are resolved against the file that names them.
        QCOMPARE(cfg->cluster("prod-cluster")->certificateAuthorityFile, dir.filePath(QStringLiteral("certs/ca.pem")).toStdString());
        // Reversed order: b's values win.
        auto rev = loadKubeConfig({ b, a });
        QVERIFY(rev.ok());
        QCOMPARE(rev->currentContext, std::string("staging"));
        QCOMPARE(rev->cluster("shared")->server, std::string("https://b.example:6443"));
    }

    void authSelection_data()
    {
        QTest::addColumn<QString>("context");
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("ns");
        QTest::newRow("token") << "prod" << "token" << "production";
        QTest::newRow("token file") << "robot" << "token-file" << "default";
        QTest::newRow("client certificate") << "staging" << "client-certificate" << "default";
        QTest::newRow("exec plugin") << "eks" << "exec: aws" << "default";
    }
    void authSelection()
    {
        QFETCH(QString, context);
        QFETCH(QString, method);
        QFETCH(QString, ns);
        QTemporaryDir dir;
        auto cfg = loadKubeConfig({ writeFile(dir, QStringLiteral("a.yaml"), kConfigA), writeFile(dir, QStringLiteral("b.yaml"), kConfigB) });
        QVERIFY(cfg.ok());
        auto r = resolveContext(*cfg, context.toStdString());
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(QString::fromStdString(r->authMethod()), method);
        QCOMPARE(QString::fromStdString(r->namespaceOrDefault()), ns);
    }

    void execPluginIsParsed()
    {
        auto cfg = parseKubeConfig(kConfigB, "b.yaml");
        QVERIFY(cfg.ok());
        const auto* u = cfg->user("plugin");
        QVERIFY(u && u->exec);
        QCOMPARE(u->exec->args.size(), size_t(4));
        QCOMPARE(u->exec->env.front().first, std::string("AWS_PROFILE"));
        QCOMPARE(cfg->user("bob")->clientCertificateData, std::string("-----BEGIN"));
    }

    void brokenConfigs_data()
    {
        QTest::addColumn<QString>("yaml");
        QTest::addColumn<QString>("context");
        QTest::addColumn<QString>("mustMention");
        QTest::newRow("bad yaml") << "clusters: [ {name: x" << "" << "not valid YAML";
        QTest::newRow("missing context") << QString::fromLatin1(kConfigA) << "nope" << "context 'nope' is not defined";
        QTest::newRow("no current context") << "apiVersion: v1\nkind: Config\n" << "" << "no current-context";
        QTest::newRow("dangling cluster") << "current-context: c\ncontexts:\n- name: c\n  context: {cluster: gone, user: u}\n" << "" << "cluster 'gone'";
        QTest::newRow("bad base64") << "users:\n- name: u\n  user: {client-key-data: '***'}\n" << "" << "not valid base64";
        QTest::newRow("scalar top level") << "just a string" << "" << "not a mapping";
    }
    void brokenConfigs()
    {
        QFETCH(QString, yaml);
        QFETCH(QString, context);
        QFETCH(QString, mustMention);
        QTemporaryDir dir;
        const auto path = dir.filePath(QStringLiteral("broken.yaml")).toStdString();
        std::ofstream(path) << yaml.toStdString();
        auto cfg = loadKubeConfig({ path });
        std::string message;
        if (!cfg) {
            message = cfg.error().message;
        } else {
            auto r = resolveContext(*cfg, context.toStdString());
            QVERIFY(!r.ok());
            message = r.error().message;
            QVERIFY(!r.error().detail.empty());
        }
        QVERIFY2(QString::fromStdString(message).contains(mustMention), message.c_str());
        // The file is named so the user knows which one to fix.
        QVERIFY2(QString::fromStdString(message).contains(QStringLiteral("broken.yaml")), message.c_str());
    }

    void unreadableFile()
    {
        auto cfg = loadKubeConfig({ "/nonexistent/kubeconfig" });
        QVERIFY(!cfg.ok());
        QCOMPARE(cfg.error().code, ErrorCode::Config);
        QVERIFY(QString::fromStdString(cfg.error().message).contains(QStringLiteral("/nonexistent/kubeconfig")));
    }

    // A kubeconfig path that is not a regular file, or is far too large, fails at once with a
    // message naming the file: no hang on a FIFO's open(), no endless read of /dev/zero.
    void onlyBoundedRegularFilesAreRead_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("says");
        QTest::newRow("/dev/zero") << "/dev/zero" << int(ErrorCode::Config) << "character device";
        QTest::newRow("/dev/urandom") << "/dev/urandom" << int(ErrorCode::Config) << "character device";
        QTest::newRow("fifo") << "fifo" << int(ErrorCode::Config) << "named pipe";
        QTest::newRow("directory") << "dir" << int(ErrorCode::Config) << "directory";
        QTest::newRow("9 MiB file") << "large" << int(ErrorCode::LimitExceeded) << "8 MiB";
        QTest::newRow("sparse 64 GiB file") << "sparse" << int(ErrorCode::LimitExceeded) << "64 GiB";
    }
    void onlyBoundedRegularFilesAreRead()
    {
        QFETCH(QString, kind);
        QFETCH(int, code);
        QFETCH(QString, says);
        QTemporaryDir dir;
        QString path = kind;
        if (kind == QLatin1String("fifo")) {
            path = dir.filePath(QStringLiteral("config"));
            QCOMPARE(test::makeFifo(path), QString());
        } else if (kind == QLatin1String("dir")) {
            path = dir.path();
        } else if (kind == QLatin1String("large") || kind == QLatin1String("sparse")) {
            path = dir.filePath(QStringLiteral("config"));
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            if (kind == QLatin1String("large")) {
                const QByteArray line("# a comment line that pads the kubeconfig to a size no real one has\n");
                while (f.size() < (9 << 20))
                    f.write(line);
            } else {
                QVERIFY(f.resize(qint64(64) << 30));
            }
        }
        auto cfg = loadKubeConfig({ path.toStdString() });
        QVERIFY(!cfg.ok());
        QCOMPARE(int(cfg.error().code), code);
        const QString message = QString::fromStdString(cfg.error().message);
        QVERIFY2(message.contains(says), qPrintable(message));
        QVERIFY2(message.contains(path), qPrintable(message));
        QVERIFY(!cfg.error().detail.empty());
    }

    void kubeconfigEnvironment()
    {
        QTemporaryDir dir;
        const auto a = writeFile(dir, QStringLiteral("a.yaml"), kConfigA);
        const auto b = writeFile(dir, QStringLiteral("b.yaml"), kConfigB);
        qputenv("KUBECONFIG", QByteArray::fromStdString(a + ":" + dir.filePath(QStringLiteral("missing.yaml")).toStdString() + ":" + b));
        const auto files = defaultKubeConfigFiles();
        qunsetenv("KUBECONFIG");
        QCOMPARE(files.size(), size_t(2)); // missing files are skipped like kubectl does
        QCOMPARE(files[0], a);
        QCOMPARE(files[1], b);
    }
};

QTEST_GUILESS_MAIN(TestKubeConfig)
#include "tst_kubeconfig.moc"
