// Which cluster is said one way by every leakdesk-cli command: the same options are accepted (-n
// included), the same mistakes are refused with the same message and exit code 2, and the
// Prometheus options exist only where Prometheus is read. Every case fails before any connection.
#include "TestSupport.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk::test;

namespace {

// Each command with what it needs besides the cluster, so that only the cluster options can be wrong.
QList<std::pair<const char*, QStringList>> commands()
{
    return {
        { "investigate", { QStringLiteral("investigate"), QStringLiteral("--service"), QStringLiteral("checkout") } },
        { "oom", { QStringLiteral("oom"), QStringLiteral("--service"), QStringLiteral("checkout") } },
        { "mitigate",
            { QStringLiteral("mitigate"), QStringLiteral("restart"), QStringLiteral("--deployment"),
                QStringLiteral("checkout"), QStringLiteral("--dry-run") } },
        { "isolate",
            { QStringLiteral("isolate"), QStringLiteral("--pod"), QStringLiteral("checkout-0"),
                QStringLiteral("--dry-run") } },
        { "heap capture",
            { QStringLiteral("heap"), QStringLiteral("capture"), QStringLiteral("--pod"), QStringLiteral("checkout-0"),
                QStringLiteral("--preflight-only") } },
    };
}

bool readsPrometheus(const QString& command)
{
    return command == QLatin1String("investigate") || command == QLatin1String("oom");
}

} // namespace

class TestCliClusterOptions : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void everyCommandRefusesTheSameMistakes_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QByteArray>("message");
        const QString missingFile = QStringLiteral("no-such-dir/kubeconfig");
        for (const auto& [name, base] : commands()) {
            QTest::addRow("%s: --sandbox with --kubeconfig", name)
                << base + QStringList { QStringLiteral("--sandbox"), QStringLiteral("--kubeconfig"), missingFile }
                << QByteArray("--sandbox and --kubeconfig/--context exclude each other");
            QTest::addRow("%s: --sandbox with --context", name)
                << base
                    + QStringList { QStringLiteral("--context"), QStringLiteral("prod"), QStringLiteral("--sandbox") }
                << QByteArray("--sandbox and --kubeconfig/--context exclude each other");
            QTest::addRow("%s: a scenario without the sandbox", name) << base
                    + QStringList { QStringLiteral("--kubeconfig"), missingFile, QStringLiteral("--scenario"),
                          QStringLiteral("shop.yaml") } << QByteArray("--scenario is for the sandbox");
            QTest::addRow("%s: a seed that is no number", name)
                << base + QStringList { QStringLiteral("--sandbox"), QStringLiteral("--seed"), QStringLiteral("4x2") }
                << QByteArray("invalid --seed '4x2'");
            if (readsPrometheus(QLatin1String(name))) {
                QTest::addRow("%s: --prometheus and --no-prometheus", name)
                    << base
                        + QStringList { QStringLiteral("--kubeconfig"), missingFile, QStringLiteral("--prometheus"),
                              QStringLiteral("http://127.0.0.1:1"), QStringLiteral("--no-prometheus") }
                    << QByteArray("--prometheus and --no-prometheus exclude each other");
                QTest::addRow("%s: a token file for the sandbox", name) << base
                        + QStringList { QStringLiteral("--sandbox"), QStringLiteral("--prometheus-token-file"),
                              QStringLiteral("token") } << QByteArray("are for a real Prometheus, not --sandbox");
                QTest::addRow("%s: a CA and no verification", name)
                    << base
                        + QStringList { QStringLiteral("--kubeconfig"), missingFile, QStringLiteral("--prometheus"),
                              QStringLiteral("https://127.0.0.1:1"), QStringLiteral("--prometheus-ca"),
                              QStringLiteral("ca.pem"), QStringLiteral("--prometheus-insecure-skip-tls-verify") }
                    << QByteArray("--prometheus-ca and --prometheus-insecure-skip-tls-verify exclude each other");
            } else {
                // No Prometheus read: the option does not exist rather than being silently ignored.
                QTest::addRow("%s: --prometheus where none is read", name)
                    << base + QStringList { QStringLiteral("--prometheus"), QStringLiteral("http://127.0.0.1:1") }
                    << QByteArray("Unknown option 'prometheus'");
            }
        }
    }

    void everyCommandRefusesTheSameMistakes()
    {
        QFETCH(QStringList, args);
        QFETCH(QByteArray, message);
        const auto r = runProgram(cliPath(), args);
        QVERIFY2(r.err.contains(message), r.err.constData());
        QCOMPARE(r.exitCode, 2);
    }

    // A scenario file the sandbox cannot load stops the command before anything is read, with the
    // file and the line.
    void sandboxScenarioErrorsNameTheFileAndLine()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString bad = dir.filePath(QStringLiteral("shop.yaml"));
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: b}\n");
        f.close();
        const auto r = runProgram(cliPath(),
            { QStringLiteral("oom"), QStringLiteral("--service"), QStringLiteral("checkout"),
                QStringLiteral("--sandbox"), QStringLiteral("--scenario"), bad });
        QVERIFY2(r.err.contains((bad + QStringLiteral(":2: kind ConfigMap (v1) is not simulated")).toUtf8()),
            r.err.constData());
        QVERIFY(r.exitCode != 0);
    }

    // -n is --namespace everywhere: with it, the command gets as far as the missing cluster (exit 1,
    // a kubeconfig error), never to an unknown option.
    void everyCommandTakesDashN_data()
    {
        QTest::addColumn<QStringList>("args");
        for (const auto& [name, base] : commands()) {
            QStringList args = base
                + QStringList { QStringLiteral("-n"), QStringLiteral("production"), QStringLiteral("--kubeconfig"),
                      QStringLiteral("no-such-dir/kubeconfig") };
            if (readsPrometheus(QLatin1String(name)))
                args << QStringLiteral("--prometheus") << QStringLiteral("http://127.0.0.1:1");
            QTest::addRow("%s", name) << args;
        }
    }

    void everyCommandTakesDashN()
    {
        QFETCH(QStringList, args);
        const auto r = runProgram(cliPath(), args);
        QVERIFY2(!r.err.contains("Unknown option"), r.err.constData());
        QVERIFY2(r.err.contains("no-such-dir/kubeconfig"), r.err.constData());
        QCOMPARE(r.exitCode, 1);
    }
};

QTEST_GUILESS_MAIN(TestCliClusterOptions)
#include "tst_cli_cluster_options.moc"
