// The per-context config file (PromConfigFile.h) from invented files: what each key becomes, every
// kind of mistake said with the file and line, what is written reads back the same, the file is
// written 0600 and atomically, and XDG_CONFIG_HOME decides where it lives.
#include "core/prometheus/PromConfigFile.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::prometheus;

class TestPromConfigFile : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void fullContext()
    {
        const std::string text = R"(# comment
contexts:
  prod-eu:
    prometheus: https://mimir.example.test/prometheus
    headers:
      X-Scope-OrgID: team-payments
      X-Extra: "two words"
    params:
      dedup: "true"
      replicaLabels[]: [replica, prometheus_replica]
    token-file: tokens/prod.token
    ca: ~/ca.pem
    metrics:
      memory: container_memory_working_set_bytes
      requests: http_server_requests_seconds_count
  lab:
    prometheus: k8s://monitoring/prometheus-k8s:9090
    insecure-skip-tls-verify: true
  empty:
)";
        const auto parsed = parsePromConfig(text, "cfg.yaml", QStringLiteral("/etc/leakdesk"));
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().toString().c_str());
        QCOMPARE(parsed->contexts.size(), size_t(3));
        const PromContextSettings& prod = parsed->contexts.at("prod-eu");
        QCOMPARE(prod.url, QStringLiteral("https://mimir.example.test/prometheus"));
        QCOMPARE(prod.headers.size(), 2);
        QCOMPARE(prod.headers[0], (PromHeader { "X-Scope-OrgID", "team-payments" }));
        QCOMPARE(prod.headers[1], (PromHeader { "X-Extra", "two words" }));
        QCOMPARE(prod.params.size(), 3);
        QCOMPARE(prod.params[0], (PromParam { QStringLiteral("dedup"), QStringLiteral("true") }));
        QCOMPARE(
            prod.params[2], (PromParam { QStringLiteral("replicaLabels[]"), QStringLiteral("prometheus_replica") }));
        QCOMPARE(prod.tokenFile, QStringLiteral("/etc/leakdesk/tokens/prod.token"));
        QCOMPARE(prod.caFile, QDir::homePath() + QStringLiteral("/ca.pem"));
        QCOMPARE(prod.insecureSkipTlsVerify, false);
        QCOMPARE(prod.metrics.at("memory"), std::string("container_memory_working_set_bytes"));
        QCOMPARE(prod.metrics.size(), size_t(2));
        const PromContextSettings& lab = parsed->contexts.at("lab");
        QCOMPARE(lab.url, QStringLiteral("k8s://monitoring/prometheus-k8s:9090"));
        QCOMPARE(lab.insecureSkipTlsVerify, true);
        QCOMPARE(parsed->contexts.at("empty"), PromContextSettings {});
    }

    void emptyFiles_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("nothing") << QByteArray();
        QTest::newRow("comment") << QByteArray("# nothing yet\n");
        QTest::newRow("no contexts") << QByteArray("contexts:\n");
        QTest::newRow("empty map") << QByteArray("contexts: {}\n");
    }
    void emptyFiles()
    {
        QFETCH(QByteArray, text);
        const auto parsed = parsePromConfig(text.toStdString(), "cfg.yaml", {});
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().toString().c_str());
        QVERIFY(parsed->contexts.empty());
    }

    void mistakes_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("problem");
        QTest::newRow("unknown top key") << QByteArray("contexts: {}\nprometheus: http://x:1\n") << 2
                                         << QStringLiteral("unknown key 'prometheus' at the top");
        QTest::newRow("unknown context key")
            << QByteArray("contexts:\n  a:\n    prometheus: http://x:1\n    tenant: t\n") << 4
            << QStringLiteral("unknown key 'tenant' in context 'a'");
        QTest::newRow("top level a list") << QByteArray("- a\n- b\n") << 1 << QStringLiteral("must be a mapping");
        QTest::newRow("contexts a list") << QByteArray("contexts:\n  - a\n") << 2
                                         << QStringLiteral("must be a mapping");
        QTest::newRow("URL a list") << QByteArray("contexts:\n  a:\n    prometheus: [x]\n") << 3
                                    << QStringLiteral("must be a single value");
        QTest::newRow("URL without scheme") << QByteArray("contexts:\n  a:\n    prometheus: prom:9090\n") << 3
                                            << QStringLiteral("must be an http://, https:// or k8s://");
        QTest::newRow("ftp URL") << QByteArray("contexts:\n  a:\n    prometheus: ftp://prom/\n") << 3
                                 << QStringLiteral("must be an http://, https:// or k8s://");
        QTest::newRow("insecure not a bool")
            << QByteArray("contexts:\n  a:\n    insecure-skip-tls-verify: yes please\n") << 3
            << QStringLiteral("must be true or false");
        QTest::newRow("header with a line break")
            << QByteArray("contexts:\n  a:\n    headers:\n      X-A: \"s3cret\\nX-B: 1\"\n") << 4
            << QStringLiteral("line break (LF)");
        QTest::newRow("Host header") << QByteArray("contexts:\n  a:\n    headers:\n      Host: other\n") << 4
                                     << QStringLiteral("sets itself");
        QTest::newRow("headers a list") << QByteArray("contexts:\n  a:\n    headers:\n      - X-A: 1\n") << 4
                                        << QStringLiteral("must be a mapping");
        QTest::newRow("own param") << QByteArray("contexts:\n  a:\n    params:\n      query: up\n") << 4
                                   << QStringLiteral("one LeakDesk sets");
        QTest::newRow("duplicate context")
            << QByteArray("contexts:\n  a:\n    ca: x\n  a:\n    ca: y\n") << 4 << QStringLiteral("twice");
        QTest::newRow("metric empty") << QByteArray("contexts:\n  a:\n    metrics:\n      memory: \"\"\n") << 4
                                      << QStringLiteral("names no metric");
        QTest::newRow("ca and insecure") << QByteArray(
            "contexts:\n  a:\n    ca: x.pem\n    insecure-skip-tls-verify: true\n")
                                         << 3 << QStringLiteral("exclude each other");
        QTest::newRow("syntax: unclosed flow") << QByteArray("contexts:\n  a: {prometheus: x\n") << 3 << QString();
        QTest::newRow("syntax: lone comma") << QByteArray("contexts:\n  a:\n,\n") << 3 << QString();
        QTest::newRow("alertmanager URL without scheme")
            << QByteArray("contexts:\n  a:\n    alertmanager: am:9093\n") << 3
            << QStringLiteral("must be an http://, https:// or k8s://");
        QTest::newRow("memory-alerts not a list")
            << QByteArray("memory-alerts:\n  alertname: X\n") << 2 << QStringLiteral("must be a list");
        QTest::newRow("memory-alerts entry without alertname")
            << QByteArray("memory-alerts:\n  - category: oom-kill\n") << 2 << QStringLiteral("has no alertname");
        QTest::newRow("memory-alerts unknown key")
            << QByteArray("memory-alerts:\n  - alertname: X\n    severity: page\n") << 3
            << QStringLiteral("unknown key 'severity'");
        QByteArray deep = "contexts: ";
        for (int i = 0; i < 40; ++i)
            deep += '[';
        QTest::newRow("too deep") << deep << 1 << QStringLiteral("deep");
    }
    void mistakes()
    {
        QFETCH(QByteArray, text);
        QFETCH(int, line);
        QFETCH(QString, problem);
        const auto parsed = parsePromConfig(text.toStdString(), "cfg.yaml", {});
        QVERIFY(!parsed.ok());
        const QString message = QString::fromStdString(parsed.error().message);
        QVERIFY2(message.startsWith(QStringLiteral("cfg.yaml:%1: ").arg(line)), qPrintable(message));
        QVERIFY2(message.contains(problem, Qt::CaseInsensitive), qPrintable(message));
        QVERIFY2(!message.contains(QStringLiteral("s3cret")), qPrintable(message));
    }

    void writtenReadsBackTheSame()
    {
        PromConfig config;
        PromContextSettings a;
        a.url = QStringLiteral("https://prom.example.test:9443/sub");
        a.headers = { { "X-Scope-OrgID", "tenant: with colon" }, { "X-Quote", "say \"hi\" #not-a-comment" } };
        a.params = { { QStringLiteral("dedup"), QStringLiteral("true") },
            { QStringLiteral("replicaLabels[]"), QStringLiteral("a") },
            { QStringLiteral("replicaLabels[]"), QStringLiteral("b") }, { QStringLiteral("empty"), QString() } };
        a.tokenFile = QStringLiteral("/run/secrets/token");
        a.caFile = QStringLiteral("/etc/ca.pem");
        a.metrics = { { "memory", "container_memory_working_set_bytes" } };
        config.contexts["gke_proj_europe-west1_prod"] = a;
        PromContextSettings b;
        b.url = QStringLiteral("k8s://monitoring/thanos-query:http");
        b.insecureSkipTlsVerify = true;
        config.contexts["kind: dev"] = b; // a name YAML would misread unquoted
        config.contexts["only-metrics"].metrics = { { "jvm-heap", "jvm_memory_used_bytes" } };
        config.contexts["only-metrics"].alertmanagerUrl = QStringLiteral("k8s://monitoring/alertmanager-main:web");
        config.memoryAlerts = { { "KubePodCrashLooping|Shop.*OOM", "crash-loop", { { "severity", "critical|page" } } },
            { "MyOOM: \"quoted\"", "", {} } };
        const std::string yaml = promConfigToYaml(config);
        const auto back = parsePromConfig(yaml, "written.yaml", {});
        QVERIFY2(back.ok(), back.ok() ? "" : (back.error().toString() + "\n" + yaml).c_str());
        QVERIFY2(*back == config, yaml.c_str());
    }

    void saveIsPrivateAndKeepsTheOtherContexts()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("nested/leakdesk/config.yaml"));
        PromConfig config;
        config.contexts["a"].url = QStringLiteral("http://127.0.0.1:9090");
        config.contexts["b"].headers = { { "X-Scope-OrgID", "b-tenant" } };
        QVERIFY(savePromConfig(path, config).ok());
        QCOMPARE(QFile::permissions(path) & 0x7777,
            QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadUser | QFileDevice::WriteUser);
        auto loaded = loadPromConfig(path);
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().toString().c_str());
        QVERIFY(*loaded == config);
        // Edit one context and save again: the other is still there, the mode still 0600.
        loaded->contexts["a"].params = { { QStringLiteral("dedup"), QStringLiteral("false") } };
        QVERIFY(savePromConfig(path, *loaded).ok());
        const auto again = loadPromConfig(path);
        QVERIFY(again.ok());
        QCOMPARE(again->contexts.at("b").headers.value(0).value, QByteArray("b-tenant"));
        QCOMPARE(again->contexts.at("a").params.size(), 1);
        QCOMPARE(
            QFile::permissions(path) & (QFileDevice::ReadGroup | QFileDevice::ReadOther), QFileDevice::Permissions());
        // Nothing else is left in the folder (no temporary file).
        QCOMPARE(
            QDir(QFileInfo(path).absolutePath()).entryList(QDir::Files), QStringList { QStringLiteral("config.yaml") });
    }

    void missingFileIsEmptyAndADirectoryIsRefused()
    {
        QTemporaryDir dir;
        const auto missing = loadPromConfig(dir.filePath(QStringLiteral("none.yaml")));
        QVERIFY(missing.ok());
        QVERIFY(missing->contexts.empty());
        const auto directory = loadPromConfig(dir.path());
        QVERIFY(!directory.ok());
    }

    void defaultPathFollowsXdg()
    {
        const QByteArray saved = qgetenv("XDG_CONFIG_HOME");
        qputenv("XDG_CONFIG_HOME", "/srv/conf");
        QCOMPARE(defaultPromConfigPath(), QStringLiteral("/srv/conf/leakdesk/config.yaml"));
        qputenv("XDG_CONFIG_HOME", "relative/ignored");
        QCOMPARE(defaultPromConfigPath(), QDir::homePath() + QStringLiteral("/.config/leakdesk/config.yaml"));
        qunsetenv("XDG_CONFIG_HOME");
        QCOMPARE(defaultPromConfigPath(), QDir::homePath() + QStringLiteral("/.config/leakdesk/config.yaml"));
        if (!saved.isNull())
            qputenv("XDG_CONFIG_HOME", saved);
    }
};

QTEST_GUILESS_MAIN(TestPromConfigFile)
#include "tst_prom_config_file.moc"
