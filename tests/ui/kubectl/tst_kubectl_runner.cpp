// The "Run with kubectl" button's runner: real runs of the real kubectl against the sandbox served
// by this process on 127.0.0.1 (what it passes and refuses is in tst_kubectl_run_plan.cpp).
#include "TestSupport.h"
#include "ui/runbook/KubectlRunner.h"
#include "core/sandbox/SandboxHost.h"
#include "SandboxMoments.h"
#include "core/sandbox/model/SandboxModel.h"

#include "WaitForSignals.h"

#include <QDateTime>

#include <QSignalSpy>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::ui;

class TestKubectlRunner : public QObject {
    Q_OBJECT

    KubectlRun runOnSandbox(const QString& command)
    {
        KubectlRunner runner;
        QSignalSpy done(&runner, &KubectlRunner::finished);
        KubectlTarget target;
        target.kubeconfigFiles = QStringList { m_sandbox.kubeconfigPath() };
        target.context = m_sandbox.contextName();
        auto plan = planKubectlRun(command, target);
        if (!plan) {
            qWarning("%s", plan.error().message.c_str());
            return {};
        }
        auto st = runner.run(*plan, false, 60000); // changes too: the confirmation is the GUI's
        if (!st)
            qWarning("%s", st.error().message.c_str());
        if (!st || !test::waitForSignals(done, 1, 60000))
            return {};
        return done.at(0).at(0).value<KubectlRun>();
    }

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<KubectlRun>();
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("kubectl"));
        // The sandbox's clock is pinned, and the pod exec'd into is one whose container runs then:
        // with the wall clock, the first checkout pod is now and then in its 10 s restart back-off
        // after an OOM kill, and `kubectl exec` into it fails ("container not found").
        sandbox::SandboxOptions options;
        options.fixedNowMs = test::testNowMs();
        const sandbox::SandboxModel model(options.seed, *options.fixedNowMs);
        for (std::size_t p = 0; p < model.pods().size() && m_runningCheckoutPod.isEmpty(); ++p)
            if (model.services()[model.pods()[p].service].name == "checkout"
                && model.containerRunningAt(p, *options.fixedNowMs))
                m_runningCheckoutPod = QString::fromStdString(model.pods()[p].name);
        QVERIFY(!m_runningCheckoutPod.isEmpty());
        QVERIFY(m_sandbox.start(options).ok());
    }

    void runsAgainstTheSandbox()
    {
        const auto run = runOnSandbox(QStringLiteral("kubectl get deployments -n production"));
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.output.contains("checkout"), run.output.constData());
        QVERIFY(!run.timedOut);
    }

    void interactiveExecRunsWithoutATerminal()
    {
        const auto pods = runOnSandbox(QStringLiteral("kubectl get pods -n production -l app=checkout -o name"));
        QCOMPARE(pods.exitCode, 0);
        QStringList listed;
        for (const QString& line : QString::fromUtf8(pods.output).split(QLatin1Char('\n'), Qt::SkipEmptyParts))
            listed << line.section(QLatin1Char('/'), 1);
        QVERIFY2(listed.contains(m_runningCheckoutPod), pods.output.constData());
        const QString pod = m_runningCheckoutPod;
        const auto run = runOnSandbox(QStringLiteral("kubectl exec -it -n production %1 -- jcmd -l").arg(pod));
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.output.contains("jcmd") || run.output.contains(".jar"), run.output.constData());
    }

    // A change's preview is kubectl's own --dry-run=server: the server answers, nothing changes.
    void previewIsAServerDryRun()
    {
        KubectlTarget target;
        target.kubeconfigFiles = QStringList { m_sandbox.kubeconfigPath() };
        target.context = m_sandbox.contextName();
        auto plan = planKubectlRun(
            QStringLiteral("kubectl set env deployment/checkout LEAKDESK_PREVIEW=1 -n production"), target);
        QVERIFY(plan.ok());
        QCOMPARE(plan->analysis.effect, runbook::KubectlEffect::Change);
        KubectlRunner runner;
        QSignalSpy done(&runner, &KubectlRunner::finished);
        QVERIFY(runner.run(*plan, true, 60000).ok());
        QVERIFY(test::waitForSignals(done, 1, 60000));
        const auto run = done.at(0).at(0).value<KubectlRun>();
        QVERIFY(run.preview);
        QVERIFY2(run.exitCode == 0, run.output.constData());
        QVERIFY2(run.output.contains("server dry run"), run.output.constData());
        const auto after = runOnSandbox(QStringLiteral("kubectl get deployment checkout -n production -o yaml"));
        QVERIFY(!after.output.contains("LEAKDESK_PREVIEW"));
    }

    // The inherited environment does not reach kubectl: a KUBECONFIG pointing elsewhere is ignored.
    void inheritedKubeconfigIsIgnored()
    {
        const QByteArray saved = qgetenv("KUBECONFIG");
        qputenv("KUBECONFIG", "/nonexistent/kubeconfig");
        const auto run = runOnSandbox(QStringLiteral("kubectl get deployments -n production"));
        if (saved.isEmpty())
            qunsetenv("KUBECONFIG");
        else
            qputenv("KUBECONFIG", saved);
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.output.contains("checkout"), run.output.constData());
    }

    // What kubectl prints is kept up to a bound, then kubectl is stopped: `logs -f`, `get -w` or a
    // large --raw read must not grow LeakDesk's memory until the time limit. Before, QProcess
    // buffered everything. A small bound stands in for the real one (KubectlRunner.h).
    void outputIsBoundedAndKubectlStopped_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<qint64>("bound");
        QTest::newRow("yaml of all pods") << "kubectl get pods -n production -o yaml" << qint64(2048);
        QTest::newRow("watch never ends") << "kubectl get pods -n production -o json -w" << qint64(1024);
    }

    void outputIsBoundedAndKubectlStopped()
    {
        QFETCH(QString, command);
        QFETCH(qint64, bound);
        KubectlTarget target;
        target.kubeconfigFiles = QStringList { m_sandbox.kubeconfigPath() };
        target.context = m_sandbox.contextName();
        auto plan = planKubectlRun(command, target);
        QVERIFY(plan.ok());
        KubectlRunner runner;
        QSignalSpy done(&runner, &KubectlRunner::finished);
        QVERIFY(runner.run(*plan, false, 60000, bound).ok());
        QVERIFY(test::waitForSignals(done, 1, 60000));
        const auto run = done.at(0).at(0).value<KubectlRun>();
        QVERIFY(run.outputTruncated);
        QVERIFY(!run.timedOut); // stopped for its output, not by the time limit
        QVERIFY2(run.output.size() <= bound + 200, QByteArray::number(run.output.size()).constData());
        QVERIFY(run.output.contains("output stopped"));
        QVERIFY(journaledOutput(run).contains(QLatin1String("output stopped")));
    }

    void smallOutputIsNotTruncated()
    {
        const auto run = runOnSandbox(QStringLiteral("kubectl get deployments -n production"));
        QCOMPARE(run.exitCode, 0);
        QVERIFY(!run.outputTruncated);
    }

    void failuresKeepTheirExitCodeAndMessage()
    {
        const auto run = runOnSandbox(QStringLiteral("kubectl get deployment nosuch -n production"));
        QVERIFY(run.exitCode != 0);
        QVERIFY2(run.output.contains("not found"), run.output.constData());
    }

private:
    sandbox::SandboxHost m_sandbox;
    QString m_runningCheckoutPod; // at the sandbox's pinned time
};

QTEST_GUILESS_MAIN(TestKubectlRunner)
#include "tst_kubectl_runner.moc"
