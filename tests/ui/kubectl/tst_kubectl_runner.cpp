// The "Run with kubectl" button's runner: what it passes to kubectl, what it refuses, and real
// runs of the real kubectl against the sandbox served by this process on 127.0.0.1.
#include "TestSupport.h"
#include "runbook/KubectlRunner.h"
#include "sandbox/SandboxHost.h"

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
        auto st = runner.run(command, { m_sandbox.kubeconfigPath(), m_sandbox.contextName() }, 60000);
        if (!st)
            qWarning("%s", st.error().message.c_str());
        if (!st || !done.wait(60000))
            return {};
        return done.at(0).at(0).value<KubectlRun>();
    }

private Q_SLOTS:
    void arguments_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("plain") << "kubectl get pods -n production"
                               << QStringList { "--kubeconfig", "/k", "--context", "c", "get", "pods", "-n", "production" };
        QTest::newRow("interactive flags dropped before --")
            << "kubectl exec -it -n production p -- jcmd 1 GC.heap_dump -t"
            << QStringList { "--kubeconfig", "/k", "--context", "c", "exec", "-n", "production", "p", "--", "jcmd", "1", "GC.heap_dump", "-t" };
        QTest::newRow("own context kept") << "kubectl --context other get ns"
                                          << QStringList { "--kubeconfig", "/k", "--context", "other", "get", "ns" };
        QTest::newRow("quoted") << "kubectl get events --field-selector 'reason=OOMKilling'"
                                << QStringList { "--kubeconfig", "/k", "--context", "c", "get", "events", "--field-selector", "reason=OOMKilling" };
        QTest::newRow("jsonpath in double quotes") << R"(kubectl get pods -o "jsonpath={.items[*].metadata.name}")"
                                                   << QStringList { "--kubeconfig", "/k", "--context", "c", "get", "pods", "-o",
                                                          "jsonpath={.items[*].metadata.name}" };
    }

    void arguments()
    {
        QFETCH(QString, command);
        QFETCH(QStringList, expected);
        auto args = kubectlArguments(command, { QStringLiteral("/k"), QStringLiteral("c") });
        QVERIFY2(args.ok(), args.ok() ? "" : args.error().message.c_str());
        QCOMPARE(*args, expected);
    }

    void refusals_data()
    {
        QTest::addColumn<QString>("command");
        QTest::newRow("pipe") << "kubectl get pods | grep checkout";
        QTest::newRow("redirect") << "kubectl get pods > pods.txt";
        QTest::newRow("substitution") << "kubectl delete pod $(kubectl get pods -o name)";
        QTest::newRow("not kubectl") << "rm -rf /tmp/x";
        QTest::newRow("empty") << "";
        QTest::newRow("unbalanced quote") << "kubectl get pods -l 'app=checkout";
        QTest::newRow("only flags") << "kubectl -it";
    }

    void refusals()
    {
        QFETCH(QString, command);
        QVERIFY(!kubectlArguments(command, {}).ok());
    }

    void initTestCase()
    {
        qRegisterMetaType<KubectlRun>();
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("kubectl"));
        QVERIFY(m_sandbox.start({}).ok());
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
        const QString pod = QString::fromUtf8(pods.output).split(QLatin1Char('\n')).first().section(QLatin1Char('/'), 1);
        QVERIFY(!pod.isEmpty());
        const auto run = runOnSandbox(QStringLiteral("kubectl exec -it -n production %1 -- jcmd -l").arg(pod));
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.output.contains("jcmd") || run.output.contains(".jar"), run.output.constData());
    }

    void failuresKeepTheirExitCodeAndMessage()
    {
        const auto run = runOnSandbox(QStringLiteral("kubectl get deployment nosuch -n production"));
        QVERIFY(run.exitCode != 0);
        QVERIFY2(run.output.contains("not found"), run.output.constData());
    }

private:
    sandbox::SandboxHost m_sandbox;
};

QTEST_GUILESS_MAIN(TestKubectlRunner)
#include "tst_kubectl_runner.moc"
