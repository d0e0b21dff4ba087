// "Run with kubectl" stops everything kubectl started. kubectl runs exec credential plugins (aws,
// gke-gcloud-auth-plugin, kubelogin) as its children; one waiting on a login outlived a time limit
// or a cancel that killed kubectl alone. Here a stand-in `kubectl` script (first on PATH, started
// through the real runner) forks a long-lived child the way kubectl forks its plugin; whatever stops
// the run, both are gone afterwards. No real kubectl is needed: only its process tree matters.
#include "TestSupport.h"
#include "WaitForSignals.h"
#include "ui/runbook/KubectlRunner.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>
#include <sys/types.h>

using namespace leakdesk;
using namespace leakdesk::ui;

namespace {

// The stand-in's child either keeps kubectl's output pipe open (a plugin still writing to it) or
// closes it; it records its pid and kubectl's, then kubectl waits for it or prints (`mode`).
const char* const kFakeKubectl = R"(#!/bin/sh
here=$(dirname "$0")
mode=$(cat "$here/mode")
if [ "$mode" = detached ]; then
    sleep 600 >/dev/null 2>&1 </dev/null &
else
    sleep 600 &
fi
echo $! > "$here/plugin.pid.tmp" && mv "$here/plugin.pid.tmp" "$here/plugin.pid"
echo $$ > "$here/kubectl.pid.tmp" && mv "$here/kubectl.pid.tmp" "$here/kubectl.pid"
case "$mode" in
exits) exit 0 ;;
floods) while :; do echo "0123456789012345678901234567890123456789012345678901234567890123456789"; done ;;
*) wait ;;
esac
)";

qint64 readPid(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    return f.readAll().trimmed().toLongLong();
}

} // namespace

class TestKubectlRunnerProcessTree : public QObject {
    Q_OBJECT

    QTemporaryDir m_bin;
    QList<qint64> m_started; // killed in cleanup() whatever the outcome, so a failure leaves no sleep behind

    QString pidFile(const char* name) const { return m_bin.filePath(QString::fromLatin1(name)); }

    bool waitForPids(qint64& kubectl, qint64& plugin)
    {
        const bool both = QTest::qWaitFor(
            [&] { return QFile::exists(pidFile("kubectl.pid")) && QFile::exists(pidFile("plugin.pid")); }, 60000);
        kubectl = readPid(pidFile("kubectl.pid"));
        plugin = readPid(pidFile("plugin.pid"));
        m_started << kubectl << plugin;
        return both && kubectl > 0 && plugin > 0;
    }

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<KubectlRun>();
        QVERIFY(m_bin.isValid());
        QCOMPARE(test::writeTestFile(m_bin.filePath(QStringLiteral("kubectl")), kFakeKubectl,
                     QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner),
            QString());
        qputenv("PATH", (m_bin.path() + QLatin1Char(':') + qEnvironmentVariable("PATH")).toLocal8Bit());
        QCOMPARE(KubectlRunner::kubectlPath(), m_bin.filePath(QStringLiteral("kubectl")));
    }

    void init()
    {
        QFile::remove(pidFile("kubectl.pid"));
        QFile::remove(pidFile("plugin.pid"));
    }

    void cleanup()
    {
        for (qint64 pid : std::as_const(m_started))
            if (pid > 0 && !test::processIsGone(pid))
                ::kill(pid_t(pid), SIGKILL);
        m_started.clear();
    }

    void stoppingKubectlStopsWhatItStarted_data()
    {
        QTest::addColumn<QByteArray>("mode"); // what the stand-in does (kFakeKubectl)
        QTest::addColumn<QString>("stop"); // what stops the run
        QTest::newRow("time limit, plugin holds the pipe") << QByteArray("waits") << QStringLiteral("timeout");
        QTest::newRow("time limit, plugin detached") << QByteArray("detached") << QStringLiteral("timeout");
        QTest::newRow("cancel") << QByteArray("waits") << QStringLiteral("cancel");
        QTest::newRow("cancel, plugin detached") << QByteArray("detached") << QStringLiteral("cancel");
        QTest::newRow("runner destroyed") << QByteArray("waits") << QStringLiteral("destroy");
        QTest::newRow("output bound") << QByteArray("floods") << QStringLiteral("bound");
        QTest::newRow("kubectl exits, plugin left behind") << QByteArray("exits") << QStringLiteral("none");
    }

    void stoppingKubectlStopsWhatItStarted()
    {
        QFETCH(QByteArray, mode);
        QFETCH(QString, stop);
        QCOMPARE(test::writeTestFile(m_bin.filePath(QStringLiteral("mode")), mode), QString());
        KubectlTarget target;
        target.kubeconfigFiles = QStringList { m_bin.filePath(QStringLiteral("kubeconfig")) };
        auto plan = planKubectlRun(QStringLiteral("kubectl get pods -n production"), target);
        QVERIFY(plan.ok());

        auto runner = std::make_unique<KubectlRunner>();
        QSignalSpy done(runner.get(), &KubectlRunner::finished);
        // The time limit is long enough for the stand-in to fork under load; it is what stops the
        // run only in the "timeout" rows.
        const int timeoutMs = stop == QLatin1String("timeout") ? 3000 : 120000;
        const qint64 bound = stop == QLatin1String("bound") ? 64 * 1024 : KubectlRunner::kMaxOutputBytes;
        QVERIFY(runner->run(*plan, false, timeoutMs, bound).ok());
        qint64 kubectl = 0;
        qint64 plugin = 0;
        QVERIFY(waitForPids(kubectl, plugin));
        if (stop == QLatin1String("cancel"))
            runner->cancel();
        if (stop == QLatin1String("destroy")) {
            runner.reset();
        } else {
            QVERIFY(test::waitForSignals(done, 1, 60000));
            const auto run = done.at(0).at(0).value<KubectlRun>();
            QCOMPARE(run.timedOut, stop == QLatin1String("timeout"));
            QCOMPARE(run.outputTruncated, stop == QLatin1String("bound"));
        }
        QTRY_VERIFY_WITH_TIMEOUT(test::processIsGone(kubectl), 30000);
        QTRY_VERIFY2_WITH_TIMEOUT(test::processIsGone(plugin), "the child kubectl started outlived the run", 30000);
    }
};

QTEST_GUILESS_MAIN(TestKubectlRunnerProcessTree)
#include "tst_kubectl_runner_process_tree.moc"
