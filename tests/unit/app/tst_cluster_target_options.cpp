// app::ClusterTargetOptions parsed from invented command lines: which problems it finds (the same
// for every command), when the GUI falls back to the sandbox, and what resolve() hands the
// connection: the options as given, or the running sandbox's kubeconfig, context and URL.
#include "ClusterTargetOptions.h"
#include "SandboxSession.h"

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
private Q_SLOTS:
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
