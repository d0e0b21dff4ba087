// Runs the built leakdesk-cli as a user would, on the sandbox, and checks its verdicts, its JSON
// shape and its errors.
#include "TestSupport.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk::test;

class TestCliInvestigate : public QObject {
    Q_OBJECT
private:
    QJsonObject investigate(const QString& service, const QStringList& more = {})
    {
        const auto r = runProgram(cliPath(),
            QStringList { QStringLiteral("investigate"), QStringLiteral("--sandbox"), QStringLiteral("--namespace"),
                QStringLiteral("production"), QStringLiteral("--service"), service, QStringLiteral("--format"),
                QStringLiteral("json") }
                + more,
            90000);
        if (r.exitCode != 0)
            qWarning("stderr: %s", r.err.constData());
        [&] { QCOMPARE(r.exitCode, 0); }();
        QJsonParseError err;
        const auto doc = QJsonDocument::fromJson(r.out, &err);
        [&] { QCOMPARE(err.error, QJsonParseError::NoError); }();
        return doc.object();
    }

private Q_SLOTS:
    void version()
    {
        const auto r = runProgram(cliPath(), { QStringLiteral("--version") });
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.startsWith("leakdesk-cli "));
    }

    // --window fetches at the step the GUI's chart uses for a range that long (the same ladder:
    // about 1,500 points per series), and the week it asks for is there on the sandbox.
    void windowFetchesAtTheChartsStep_data()
    {
        QTest::addColumn<QString>("hours");
        QTest::addColumn<int>("stepSeconds");
        QTest::newRow("6h") << QStringLiteral("6") << 15;
        QTest::newRow("24h") << QStringLiteral("24") << 60;
        QTest::newRow("7d") << QStringLiteral("168") << 600;
    }
    void windowFetchesAtTheChartsStep()
    {
        QFETCH(QString, hours);
        QFETCH(int, stepSeconds);
        const QJsonObject o = investigate(QStringLiteral("payments"), { QStringLiteral("--window"), hours });
        QCOMPARE(o[QStringLiteral("verdict")].toObject()[QStringLiteral("pattern")].toString(),
            QStringLiteral("steady-growth"));
        const QJsonArray queries = o[QStringLiteral("queries")].toArray();
        QVERIFY(!queries.isEmpty());
        for (const auto& q : queries) {
            // The per-pod average is the week's trend (the slow-leak rule): the last 7 days, hourly
            // or at the window's step when that is coarser.
            if (q.toObject()[QStringLiteral("kind")].toString() == QLatin1String("memory_per_pod_avg")) {
                QCOMPARE(q.toObject()[QStringLiteral("step_seconds")].toInt(), std::max(stepSeconds, 3600));
                const QJsonObject w = q.toObject()[QStringLiteral("window")].toObject();
                const auto start = QDateTime::fromString(w[QStringLiteral("start")].toString(), Qt::ISODate);
                const auto end = QDateTime::fromString(w[QStringLiteral("end")].toString(), Qt::ISODate);
                QCOMPARE(start.secsTo(end), qint64(7 * 24 * 3600));
                continue;
            }
            QCOMPARE(q.toObject()[QStringLiteral("step_seconds")].toInt(), stepSeconds);
            QVERIFY2(q.toObject()[QStringLiteral("error")].toString().isEmpty(),
                qPrintable(q.toObject()[QStringLiteral("error")].toString()));
        }
    }

    void checkoutLeaks()
    {
        const QJsonObject j = investigate(QStringLiteral("checkout"));
        const QJsonObject v = j[QStringLiteral("verdict")].toObject();
        QCOMPARE(v[QStringLiteral("leak")].toBool(), true);
        QCOMPARE(v[QStringLiteral("pattern")].toString(), QStringLiteral("sawtooth"));
        QVERIFY(v[QStringLiteral("slope_bytes_per_hour")].toDouble() > 100.0 * 1024 * 1024);
        QCOMPARE(v[QStringLiteral("stabilised_within_10min")].toBool(), false);
        QVERIFY(v[QStringLiteral("confidence")].toDouble() > 0.5);
        QVERIFY(!v[QStringLiteral("evidence")].toArray().isEmpty());
        const QJsonArray pods = j[QStringLiteral("pods")].toArray();
        QVERIFY(pods.size() >= 2);
        for (const auto& p : pods) {
            const QJsonObject o = p.toObject();
            QVERIFY(o[QStringLiteral("name")].toString().startsWith(QStringLiteral("checkout-")));
            QCOMPARE(o[QStringLiteral("limit_bytes")].toDouble(), 2.0 * 1024 * 1024 * 1024);
            QVERIFY(o[QStringLiteral("memory_bytes")].toDouble() > 0);
            QVERIFY(o[QStringLiteral("restarts")].toInt() > 0);
        }
        const QJsonObject oom = j[QStringLiteral("oom")].toObject();
        QVERIFY2(oom[QStringLiteral("count_last_hour")].toInt() >= 3,
            qPrintable(QString::number(oom[QStringLiteral("count_last_hour")].toInt())));
        QCOMPARE(oom[QStringLiteral("rule_met")].toBool(), true);
        const QJsonArray events = oom[QStringLiteral("events")].toArray();
        QVERIFY(events.size() >= 3);
        QVERIFY(!events.first().toObject()[QStringLiteral("sources")].toArray().isEmpty());
    }

    void catalogIsHealthy()
    {
        const QJsonObject j = investigate(QStringLiteral("catalog"));
        const QJsonObject v = j[QStringLiteral("verdict")].toObject();
        QCOMPARE(v[QStringLiteral("leak")].toBool(), false);
        QCOMPARE(v[QStringLiteral("pattern")].toString(), QStringLiteral("stable"));
        QCOMPARE(v[QStringLiteral("stabilised_within_10min")].toBool(), true);
        QCOMPARE(j[QStringLiteral("oom")].toObject()[QStringLiteral("count_last_hour")].toInt(), 0);
    }

    void oomCommandAppliesTheRunbookRule()
    {
        const auto r = runProgram(cliPath(),
            { QStringLiteral("oom"), QStringLiteral("--sandbox"), QStringLiteral("--namespace"),
                QStringLiteral("production"), QStringLiteral("--service"), QStringLiteral("checkout"),
                QStringLiteral("--format"), QStringLiteral("json") },
            90000);
        QCOMPARE(r.exitCode, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QVERIFY(o[QStringLiteral("count_last_hour")].toInt() >= 3);
        QCOMPARE(o[QStringLiteral("rule_met")].toBool(), true);
        QCOMPARE(o[QStringLiteral("service")].toString(), QStringLiteral("checkout"));
        bool sawStatus = false;
        for (const auto& e : o[QStringLiteral("events")].toArray()) {
            const auto sources = e.toObject()[QStringLiteral("sources")].toArray();
            QVERIFY(!sources.isEmpty());
            sawStatus = sawStatus || sources.contains(QStringLiteral("pod-status"));
        }
        QVERIFY(sawStatus); // the kubelet's lastState.terminated is one of the fused sources
    }

    void errorsSayWhatToDo_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("mustSay");
        QTest::newRow("unknown service") << QStringList { QStringLiteral("--sandbox"), QStringLiteral("--service"),
            QStringLiteral("nope") } << 1 << "no Service and no workload named 'nope'";
        QTest::newRow("bad kubeconfig") << QStringList { QStringLiteral("--kubeconfig"), QStringLiteral("/nonexistent"),
            QStringLiteral("--prometheus"), QStringLiteral("http://127.0.0.1:9"), QStringLiteral("--service"),
            QStringLiteral("x") } << 1 << "does not exist";
        QTest::newRow("no service") << QStringList { QStringLiteral("--sandbox") } << 2
                                    << "--service NAME or --workload KIND/NAME";
        QTest::newRow("bad format") << QStringList { QStringLiteral("--sandbox"), QStringLiteral("--service"),
            QStringLiteral("x"), QStringLiteral("--format"), QStringLiteral("xml") }
                                    << 2 << "unknown format";
    }
    void errorsSayWhatToDo()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, mustSay);
        const auto r = runProgram(cliPath(), QStringList { QStringLiteral("investigate") } + args, 60000);
        QCOMPARE(r.exitCode, exitCode);
        QVERIFY2(QString::fromUtf8(r.err).contains(mustSay), r.err.constData());
        QVERIFY(r.out.isEmpty());
    }

    void unreachableApiServer()
    {
        // A kubeconfig that points at a closed loopback port.
        QTemporaryDir dir;
        const QString kc = dir.filePath(QStringLiteral("kubeconfig"));
        QFile f(kc);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QStringLiteral("apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n  cluster: "
                               "{server: 'http://127.0.0.1:%1'}\n"
                               "users:\n- name: u\n  user: {token: t}\ncontexts:\n- name: c\n  context: {cluster: k, "
                               "user: u, namespace: production}\n")
                    .arg(freeLoopbackPort())
                    .toUtf8());
        f.close();
        const auto r = runProgram(cliPath(),
            { QStringLiteral("investigate"), QStringLiteral("--kubeconfig"), kc, QStringLiteral("--prometheus"),
                QStringLiteral("http://127.0.0.1:%1").arg(freeLoopbackPort()), QStringLiteral("--service"),
                QStringLiteral("checkout") },
            60000);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("cannot reach"), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliInvestigate)
#include "tst_cli_investigate.moc"
