// A real Prometheus that holds no data (it scrapes nothing) behind a real cluster API (the
// sandbox): `leakdesk-cli investigate` must not call that "no leak". Its verdict is `unknown`, it
// says why and what to check, and it exits 3 (documented in --help).
#include "TestSupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;

class TestPrometheusEmpty : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QProcess m_prometheus;
    QUrl m_promUrl;
    test::ServedSandbox m_sandbox;

    test::ProcessResult investigate(const QString& format)
    {
        return test::runProgram(test::cliPath(),
            { QStringLiteral("investigate"), QStringLiteral("--kubeconfig"), m_sandbox.kubeconfig, QStringLiteral("--prometheus"),
                m_promUrl.toString(), QStringLiteral("--namespace"), QStringLiteral("production"), QStringLiteral("--service"),
                QStringLiteral("checkout"), QStringLiteral("--format"), format },
            120000);
    }

private Q_SLOTS:
    void initTestCase()
    {
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("prometheus"));
        const QString prometheus = test::findProgram(QStringLiteral("prometheus"));
        QVERIFY(m_dir.isValid());
        QString why;
        const QString data = m_dir.filePath(QStringLiteral("data"));
        QVERIFY2(test::startLocalPrometheus(m_prometheus, prometheus, m_dir.path(), data, {}, m_promUrl, why),
            qPrintable(why));
        QVERIFY2(m_sandbox.start({}, why), qPrintable(why));
    }

    void emptyPrometheusIsUnknownNotNoLeak()
    {
        const auto r = investigate(QStringLiteral("json"));
        QVERIFY2(r.exitCode == 3, qPrintable(QStringLiteral("exit %1: %2").arg(r.exitCode).arg(QString::fromUtf8(r.err))));
        const QJsonObject v = QJsonDocument::fromJson(r.out).object()[QStringLiteral("verdict")].toObject();
        QCOMPARE(v[QStringLiteral("pattern")].toString(), QStringLiteral("unknown"));
        QCOMPARE(v[QStringLiteral("leak")].toBool(true), false);
        QCOMPARE(v[QStringLiteral("confidence")].toDouble(-1), 0.0);
        QVERIFY2(v[QStringLiteral("summary")].toString().contains(QStringLiteral("no memory samples")), qPrintable(v[QStringLiteral("summary")].toString()));
        bool memoryMissing = false;
        for (const auto& m : v[QStringLiteral("missing_evidence")].toArray())
            memoryMissing = memoryMissing || m.toObject()[QStringLiteral("topic")].toString() == QLatin1String("memory");
        QVERIFY(memoryMissing);
    }

    void textSaysUnknown()
    {
        const auto r = investigate(QStringLiteral("text"));
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.out.contains("UNKNOWN") && !r.out.contains("no leak"), r.out.constData());
        QVERIFY(r.out.contains("scrapes"));
    }

    // The radar against the same empty Prometheus: no rows, "no data", exit 3.
    void radarOnEmptyPrometheusIsUnknown()
    {
        const auto r = test::runProgram(test::cliPath(),
            { QStringLiteral("radar"), QStringLiteral("--kubeconfig"), m_sandbox.kubeconfig,
                QStringLiteral("--prometheus"), m_promUrl.toString(), QStringLiteral("--all-namespaces"),
                QStringLiteral("--format"), QStringLiteral("json") },
            120000);
        QVERIFY2(r.exitCode == 3, qPrintable(QStringLiteral("exit %1: %2").arg(r.exitCode).arg(QString::fromUtf8(r.err))));
        const QJsonObject report = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(report[QStringLiteral("no_data")].toBool(false), true);
        QVERIFY(report[QStringLiteral("rows")].toArray().isEmpty());
        const auto text = test::runProgram(test::cliPath(),
            { QStringLiteral("radar"), QStringLiteral("--kubeconfig"), m_sandbox.kubeconfig,
                QStringLiteral("--prometheus"), m_promUrl.toString(), QStringLiteral("-n"), QStringLiteral("production") },
            120000);
        QCOMPARE(text.exitCode, 3);
        QVERIFY2(text.out.contains("cannot tell whether anything leaks") && !text.out.contains("no leak\n"),
            text.out.constData());
    }

    void helpDocumentsExitCodes()
    {
        const auto r = test::runProgram(test::cliPath(), { QStringLiteral("investigate"), QStringLiteral("--help") });
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("Exit codes") && r.out.contains("3  verdict unknown"), r.out.constData());
    }

    void cleanupTestCase()
    {
        if (m_prometheus.state() != QProcess::NotRunning)
            test::stopProcess(m_prometheus);
    }
};

QTEST_GUILESS_MAIN(TestPrometheusEmpty)
#include "tst_prometheus_empty.moc"
