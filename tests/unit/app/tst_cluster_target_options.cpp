// app::ClusterTargetOptions parsed from invented command lines: which problems it finds (the same
// for every command), when the GUI falls back to the sandbox, and what resolve() hands the
// connection: the options as given, or the running sandbox's kubeconfig, context and URL.
#include "ClusterTargetOptions.h"
#include "SandboxSession.h"

#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;

namespace {

enum class Kind { Change, Investigate, Gui };

app::ClusterTargetOptions::Uses usesOf(Kind kind)
{
    switch (kind) {
    case Kind::Change:
        return {};
    case Kind::Investigate:
        return { .prometheus = true };
    case Kind::Gui:
        return { .prometheus = true, .sandboxWhenNoCluster = true };
    }
    return {};
}

} // namespace

Q_DECLARE_METATYPE(Kind)

class TestClusterTargetOptions : public QObject {
    Q_OBJECT
    QTemporaryDir m_configHome;
private Q_SLOTS:
    // The default config file is this test's (none), never the user's.
    void initTestCase() { qputenv("XDG_CONFIG_HOME", QFile::encodeName(m_configHome.path())); }

    void validate_data()
    {
        QTest::addColumn<Kind>("kind");
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<bool>("parses");
        QTest::addColumn<QString>("problem"); // part of the message; empty: none
        QTest::addColumn<bool>("sandbox");
        const QString kc = QStringLiteral("--kubeconfig"), prom = QStringLiteral("--prometheus");
        const QString url = QStringLiteral("http://127.0.0.1:9");
        QTest::newRow("change: nothing is the default kubeconfig")
            << Kind::Change << QStringList {} << true << QString() << false;
        QTest::newRow("change: --sandbox")
            << Kind::Change << QStringList { QStringLiteral("--sandbox") } << true << QString() << true;
        QTest::newRow("change: -n and a context") << Kind::Change
                                                  << QStringList { QStringLiteral("-n"), QStringLiteral("shop"),
                                                         QStringLiteral("--context"), QStringLiteral("prod") }
                                                  << true << QString() << false;
        QTest::newRow("change: no Prometheus option")
            << Kind::Change << QStringList { prom, url } << false << QString() << false;
        QTest::newRow("change: sandbox and context")
            << Kind::Change << QStringList { QStringLiteral("--sandbox"), QStringLiteral("--context=c") } << true
            << QStringLiteral("--sandbox and --kubeconfig/--context exclude each other") << true;
        QTest::newRow("change: negative seed")
            << Kind::Change << QStringList { QStringLiteral("--sandbox"), QStringLiteral("--seed=-1") } << true
            << QStringLiteral("invalid --seed '-1'") << true;
        // No --prometheus: the investigation looks for one among the cluster's Services.
        QTest::newRow("investigate: a real cluster without --prometheus looks for one")
            << Kind::Investigate << QStringList { kc, QStringLiteral("k") } << true << QString() << false;
        QTest::newRow("investigate: nothing is the default kubeconfig")
            << Kind::Investigate << QStringList {} << true << QString() << false;
        QTest::newRow("investigate: --no-prometheus")
            << Kind::Investigate << QStringList { kc, QStringLiteral("k"), QStringLiteral("--no-prometheus") } << true
            << QString() << false;
        QTest::newRow("investigate: --prometheus and --no-prometheus")
            << Kind::Investigate << QStringList { kc, QStringLiteral("k"), prom, url, QStringLiteral("--no-prometheus") }
            << true << QStringLiteral("--prometheus and --no-prometheus exclude each other") << false;
        QTest::newRow("change: no --no-prometheus option")
            << Kind::Change << QStringList { QStringLiteral("--no-prometheus") } << false << QString() << false;
        QTest::newRow("investigate: sandbox with Prometheus TLS")
            << Kind::Investigate
            << QStringList { QStringLiteral("--sandbox"), QStringLiteral("--prometheus-insecure-skip-tls-verify") }
            << true << QStringLiteral("are for a real Prometheus, not --sandbox") << true;
        QTest::newRow("gui: nothing is the sandbox") << Kind::Gui << QStringList {} << true << QString() << true;
        QTest::newRow("gui: a context alone is still the sandbox")
            << Kind::Gui << QStringList { QStringLiteral("--context"), QStringLiteral("prod") } << true << QString()
            << true;
        QTest::newRow("gui: a kubeconfig alone looks for Prometheus in the cluster")
            << Kind::Gui << QStringList { kc, QStringLiteral("k") } << true << QString() << false;
        QTest::newRow("gui: Prometheus alone is a real cluster")
            << Kind::Gui << QStringList { prom, url } << true << QString() << false;
        QTest::newRow("gui: a CA with no verification")
            << Kind::Gui
            << QStringList { prom, url, QStringLiteral("--prometheus-ca"), QStringLiteral("ca.pem"),
                   QStringLiteral("--prometheus-insecure-skip-tls-verify") }
            << true << QStringLiteral("--prometheus-ca and --prometheus-insecure-skip-tls-verify exclude each other")
            << false;
    }

    void validate()
    {
        QFETCH(Kind, kind);
        QFETCH(QStringList, args);
        QFETCH(bool, parses);
        QFETCH(QString, problem);
        QFETCH(bool, sandbox);
        QCommandLineParser parser;
        const app::ClusterTargetOptions options(parser, usesOf(kind));
        const bool parsed = parser.parse(QStringList { QStringLiteral("prog") } + args);
        QCOMPARE(parsed, parses);
        if (!parsed)
            return;
        const auto found = options.validate();
        if (problem.isEmpty())
            QVERIFY2(!found, found ? qPrintable(found->text()) : "");
        else
            QVERIFY2(found && found->message.contains(problem), found ? qPrintable(found->text()) : "no problem found");
        QCOMPARE(options.sandbox(), sandbox);
    }

    void resolveHandsOnWhatWasGiven()
    {
        QCommandLineParser parser;
        const app::ClusterTargetOptions options(parser, usesOf(Kind::Investigate));
        QVERIFY(parser.parse({ QStringLiteral("prog"), QStringLiteral("--kubeconfig"), QStringLiteral("a/kubeconfig"),
            QStringLiteral("--context"), QStringLiteral("east"), QStringLiteral("--prometheus"),
            QStringLiteral("https://prom.example.test:9090/p"), QStringLiteral("--prometheus-token-file"),
            QStringLiteral("tok") }));
        app::SandboxSession session;
        const auto resolved = options.resolve(session);
        QVERIFY(resolved.ok());
        QVERIFY(!session.running());
        QCOMPARE(resolved->sandboxCluster, false);
        QCOMPARE(resolved->kubeconfig, QStringLiteral("a/kubeconfig"));
        QCOMPARE(resolved->context, QStringLiteral("east"));
        QCOMPARE(resolved->prometheusUrl, QUrl(QStringLiteral("https://prom.example.test:9090/p")));
        QCOMPARE(resolved->prometheusTokenFile, QStringLiteral("tok"));
    }

    void headersAndParamsAreChecked_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("problem"); // empty: none
        const QString prom = QStringLiteral("--prometheus"), url = QStringLiteral("http://127.0.0.1:9");
        const QString header = QStringLiteral("--prometheus-header"), param = QStringLiteral("--prometheus-param");
        QTest::newRow("tenant and dedup") << QStringList { prom, url, header, QStringLiteral("X-Scope-OrgID: t1"),
            param, QStringLiteral("dedup=true") }
                                          << QString();
        QTest::newRow("Host refused") << QStringList { prom, url, header, QStringLiteral("Host: other") }
                                      << QStringLiteral("sets itself");
        QTest::newRow("Transfer-Encoding refused")
            << QStringList { prom, url, header, QStringLiteral("transfer-encoding: chunked") }
            << QStringLiteral("sets itself");
        QTest::newRow("line break refused, value unsaid") << QStringList { prom, url, header,
            QStringLiteral("X-A: s3cret\r\nX-B: 1") } << QStringLiteral("line break");
        QTest::newRow("param without =") << QStringList { prom, url, param, QStringLiteral("dedup") }
                                         << QStringLiteral("has no '='");
        QTest::newRow("param LeakDesk sets")
            << QStringList { prom, url, param, QStringLiteral("step=1") } << QStringLiteral("sets for each request");
    }
    void headersAndParamsAreChecked()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, problem);
        QTemporaryDir dir;
        QCommandLineParser parser;
        const app::ClusterTargetOptions options(parser, usesOf(Kind::Investigate));
        QVERIFY(parser.parse(QStringList { QStringLiteral("prog"), QStringLiteral("--config"),
                                 dir.filePath(QStringLiteral("none.yaml")) }
            + args));
        const auto found = options.validate();
        if (problem.isEmpty()) {
            QVERIFY2(!found, found ? qPrintable(found->text()) : "");
            return;
        }
        QVERIFY2(found && found->text().contains(problem), found ? qPrintable(found->text()) : "no problem found");
        QVERIFY(!found->text().contains(QStringLiteral("s3cret")));
    }

    // The config file fills in what the flags do not say, for the context in effect; a flag wins;
    // the file's credentials never go to a Prometheus the file does not name.
    void configFileAndFlags_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("url");
        QTest::addColumn<QStringList>("headers"); // "Name: value"
        QTest::addColumn<QStringList>("params"); // "k=v"
        QTest::addColumn<QString>("tokenFile");
        QTest::addColumn<bool>("insecure");
        const QString ctx = QStringLiteral("--context");
        const QString fileUrl = QStringLiteral("https://mimir.example.test/prometheus");
        QTest::newRow("the file alone") << QStringList { ctx, QStringLiteral("prod") } << fileUrl
                                        << QStringList { QStringLiteral("X-Scope-OrgID: team-a"),
                                               QStringLiteral("X-Other: o") }
                                        << QStringList { QStringLiteral("dedup=true") }
                                        << QStringLiteral("/run/prod.token") << false;
        QTest::newRow("flags override header, param, token")
            << QStringList { ctx, QStringLiteral("prod"), QStringLiteral("--prometheus-header"),
                   QStringLiteral("x-scope-orgid: team-b"), QStringLiteral("--prometheus-param"),
                   QStringLiteral("dedup=false"), QStringLiteral("--prometheus-token-file"), QStringLiteral("/t2"),
                   QStringLiteral("--prometheus-insecure-skip-tls-verify") }
            << fileUrl << QStringList { QStringLiteral("X-Other: o"), QStringLiteral("x-scope-orgid: team-b") }
            << QStringList { QStringLiteral("dedup=false") } << QStringLiteral("/t2") << true;
        QTest::newRow("the same URL as the file keeps the file's settings")
            << QStringList { ctx, QStringLiteral("prod"), QStringLiteral("--prometheus"), fileUrl } << fileUrl
            << QStringList { QStringLiteral("X-Scope-OrgID: team-a"), QStringLiteral("X-Other: o") }
            << QStringList { QStringLiteral("dedup=true") } << QStringLiteral("/run/prod.token") << false;
        QTest::newRow("another URL gets none of the file's credentials")
            << QStringList { ctx, QStringLiteral("prod"), QStringLiteral("--prometheus"),
                   QStringLiteral("http://127.0.0.1:9090") }
            << QStringLiteral("http://127.0.0.1:9090") << QStringList {} << QStringList {} << QString() << false;
        QTest::newRow("another context: nothing from the file")
            << QStringList { ctx, QStringLiteral("staging"), QStringLiteral("--prometheus"),
                   QStringLiteral("http://127.0.0.1:9091") }
            << QStringLiteral("http://127.0.0.1:9091") << QStringList {} << QStringList {} << QString() << false;
    }
    void configFileAndFlags()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, url);
        QFETCH(QStringList, headers);
        QFETCH(QStringList, params);
        QFETCH(QString, tokenFile);
        QFETCH(bool, insecure);
        QTemporaryDir dir;
        const QString config = dir.filePath(QStringLiteral("config.yaml"));
        QFile f(config);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("contexts:\n  prod:\n    prometheus: https://mimir.example.test/prometheus\n    headers:\n"
                "      X-Scope-OrgID: team-a\n      X-Other: o\n    params:\n      dedup: \"true\"\n"
                "    token-file: /run/prod.token\n    metrics:\n      memory_working_set: my_memory_bytes\n");
        f.close();
        QCommandLineParser parser;
        const app::ClusterTargetOptions options(parser, usesOf(Kind::Investigate));
        QVERIFY(parser.parse(QStringList { QStringLiteral("prog"), QStringLiteral("--config"), config } + args));
        const auto problem = options.validate();
        QVERIFY2(!problem, problem ? qPrintable(problem->text()) : "");
        app::SandboxSession session;
        const auto resolved = options.resolve(session);
        QVERIFY2(resolved.ok(), resolved.ok() ? "" : resolved.error().toString().c_str());
        QCOMPARE(resolved->prometheusUrl, QUrl(url));
        QStringList gotHeaders, gotParams;
        for (const auto& h : resolved->prometheusHeaders)
            gotHeaders << QString::fromUtf8(h.name + ": " + h.value);
        for (const auto& p : resolved->prometheusParams)
            gotParams << p.key + QLatin1Char('=') + p.value;
        QCOMPARE(gotHeaders, headers);
        QCOMPARE(gotParams, params);
        QCOMPARE(resolved->prometheusTokenFile, tokenFile);
        QCOMPARE(resolved->prometheusInsecureSkipTlsVerify, insecure);
        if (args.contains(QStringLiteral("prod")))
            QCOMPARE(resolved->metricOverrides.at("memory_working_set"), std::string("my_memory_bytes"));
    }

    void brokenConfigFileIsAUsageProblemWithItsLine()
    {
        QTemporaryDir dir;
        const QString config = dir.filePath(QStringLiteral("config.yaml"));
        QFile f(config);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("contexts:\n  prod:\n    prometheus: http://127.0.0.1:9\n    tenant: a\n");
        f.close();
        QCommandLineParser parser;
        const app::ClusterTargetOptions options(parser, usesOf(Kind::Investigate));
        QVERIFY(parser.parse({ QStringLiteral("prog"), QStringLiteral("--config"), config, QStringLiteral("--context"),
            QStringLiteral("prod") }));
        const auto problem = options.validate();
        QVERIFY(problem);
        QVERIFY2(problem->message.contains(config + QStringLiteral(":4: unknown key 'tenant'")),
            qPrintable(problem->text()));
    }

    void resolveStartsTheSandboxWhenAsked()
    {
        QCommandLineParser parser;
        const app::ClusterTargetOptions options(parser, usesOf(Kind::Gui));
        QVERIFY(parser.parse({ QStringLiteral("prog") }));
        app::SandboxSession session;
        const auto resolved = options.resolve(session);
        QVERIFY2(resolved.ok(), resolved.ok() ? "" : resolved.error().toString().c_str());
        QVERIFY(session.running());
        QCOMPARE(resolved->sandboxCluster, true);
        QCOMPARE(resolved->kubeconfig, session.host()->kubeconfigPath());
        QCOMPARE(resolved->context, session.host()->contextName());
        QCOMPARE(resolved->prometheusUrl, session.host()->prometheusUrl());
        QCOMPARE(resolved->prometheusUrl.host(), QStringLiteral("127.0.0.1"));
        // The connection reaches it like any cluster.
        auto connection = investigation::ClusterConnection::open(*resolved);
        QVERIFY2(connection.ok(), connection.ok() ? "" : connection.error().toString().c_str());
        QVERIFY((*connection)->isSandbox());
        QVERIFY((*connection)->describe().startsWith(QStringLiteral("sandbox (")));
    }
};

QTEST_GUILESS_MAIN(TestClusterTargetOptions)
#include "tst_cluster_target_options.moc"
