// "Run with kubectl" before anything runs: the argv kubectl gets (the investigated cluster's own
// connection first, the command's words after, no terminal flags), what is refused, the clean
// environment, what the journal keeps of a Secret-printing command, and the confirmation's text.
// Pure: kubectl need not be installed.
#include "ui/runbook/KubectlChangeConfirmation.h"
#include "ui/runbook/KubectlRunner.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::ui;

class TestKubectlRunPlan : public QObject {
    Q_OBJECT

    static KubectlTarget target()
    {
        KubectlTarget t;
        t.kubeconfigFiles = QStringList { QStringLiteral("/k") };
        t.context = QStringLiteral("c");
        t.server = QStringLiteral("https://127.0.0.1:6443");
        return t;
    }

private Q_SLOTS:
    void arguments_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("plain") << "kubectl get pods -n production" << QStringList { "get", "pods", "-n", "production" };
        QTest::newRow("interactive flags dropped before --")
            << "kubectl exec -it -n production p -- jcmd 1 GC.heap_dump -t"
            << QStringList { "exec", "-n", "production", "p", "--", "jcmd", "1", "GC.heap_dump", "-t" };
        QTest::newRow("quoted") << "kubectl get events --field-selector 'reason=OOMKilling'"
                                << QStringList { "get", "events", "--field-selector", "reason=OOMKilling" };
        QTest::newRow("jsonpath in double quotes")
            << R"(kubectl get pods -o "jsonpath={.items[*].metadata.name}")"
            << QStringList { "get", "pods", "-o", "jsonpath={.items[*].metadata.name}" };
        QTest::newRow("flags before the verb")
            << "kubectl -n shop top pods" << QStringList { "top", "pods", "-n", "shop" };
    }

    void arguments()
    {
        QFETCH(QString, command);
        QFETCH(QStringList, expected);
        auto plan = planKubectlRun(command, target());
        QVERIFY2(plan.ok(), plan.ok() ? "" : plan.error().message.c_str());
        const QStringList connection { "--kubeconfig", "/k", "--context", "c", "--cache-dir", kubectlCacheDir() };
        QCOMPARE(plan->arguments, connection + expected);
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
        QTest::newRow("own context") << "kubectl --context other get ns";
        QTest::newRow("own kubeconfig") << "kubectl get ns --kubeconfig=/tmp/other";
        QTest::newRow("another server") << "kubectl -s https://evil get pods";
        QTest::newRow("cache-dir hides the verb") << "kubectl --cache-dir get delete pod P";
        QTest::newRow("plugin") << "kubectl foo";
        QTest::newRow("config") << "kubectl config view --raw";
        QTest::newRow("proxy") << "kubectl proxy";
        QTest::newRow("port-forward") << "kubectl port-forward pod/p 5005";
        QTest::newRow("cp without a folder") << "kubectl cp p:/tmp/heap.hprof ./heap.hprof";
    }

    void refusals()
    {
        QFETCH(QString, command);
        QVERIFY(!planKubectlRun(command, target()).ok());
        KubectlRunner runner;
        QVERIFY(!runner.run(command, target()).ok());
    }

    void noKubeconfigNoRun()
    {
        KubectlTarget t = target();
        t.kubeconfigFiles.clear();
        QVERIFY(!planKubectlRun(QStringLiteral("kubectl get pods"), t).ok());
    }

    void severalKubeconfigFilesGoInKUBECONFIG()
    {
        KubectlTarget t = target();
        t.kubeconfigFiles = QStringList { QStringLiteral("/a"), QStringLiteral("/b") };
        auto plan = planKubectlRun(QStringLiteral("kubectl get pods"), t);
        QVERIFY(plan.ok());
        QVERIFY(!plan->arguments.contains(QStringLiteral("--kubeconfig")));
        QCOMPARE(plan->environment.value(QStringLiteral("KUBECONFIG")), QStringLiteral("/a:/b"));
    }

    void changesArePreviewedAndNotRunDirectly()
    {
        auto plan = planKubectlRun(QStringLiteral("kubectl scale deploy/a --replicas=0 -n shop"), target());
        QVERIFY(plan.ok());
        QCOMPARE(plan->analysis.effect, runbook::KubectlEffect::Change);
        QVERIFY(plan->previewArguments.contains(QStringLiteral("--dry-run=server")));
        QVERIFY(!plan->arguments.contains(QStringLiteral("--dry-run=server")));
        KubectlRunner runner;
        QVERIFY(!runner.run(QStringLiteral("kubectl scale deploy/a --replicas=0 -n shop"), target()).ok());
    }

    void cleanEnvironment()
    {
        QProcessEnvironment inherited;
        inherited.insert(QStringLiteral("KUBECONFIG"), QStringLiteral("/home/u/.kube/other"));
        inherited.insert(QStringLiteral("KUBECTL_EXTERNAL_DIFF"), QStringLiteral("evil"));
        inherited.insert(QStringLiteral("KUBECTL_PLUGINS_PATH"), QStringLiteral("/x"));
        inherited.insert(QStringLiteral("KUBE_EDITOR"), QStringLiteral("vim"));
        inherited.insert(QStringLiteral("HTTPS_PROXY"), QStringLiteral("http://proxy:3128"));
        inherited.insert(QStringLiteral("PATH"), QStringLiteral("/home/u/bin:/usr/bin"));
        inherited.insert(QStringLiteral("HOME"), QStringLiteral("/home/u"));
        inherited.insert(QStringLiteral("LANG"), QStringLiteral("C.UTF-8"));
        inherited.insert(QStringLiteral("AWS_PROFILE"), QStringLiteral("prod"));
        const auto env
            = kubectlEnvironment(inherited, QStringLiteral("/opt/k/kubectl"), { QStringLiteral("/opt/plugin") });
        for (const char* gone :
            { "KUBECONFIG", "KUBECTL_EXTERNAL_DIFF", "KUBECTL_PLUGINS_PATH", "KUBE_EDITOR", "HTTPS_PROXY" })
            QVERIFY2(!env.contains(QString::fromLatin1(gone)), gone);
        QCOMPARE(env.value(QStringLiteral("PATH")), QStringLiteral("/opt/k:/opt/plugin:/usr/local/bin:/usr/bin:/bin"));
        QCOMPARE(env.value(QStringLiteral("HOME")), QStringLiteral("/home/u"));
        QCOMPARE(env.value(QStringLiteral("LANG")), QStringLiteral("C.UTF-8"));
        QCOMPARE(env.value(QStringLiteral("AWS_PROFILE")), QStringLiteral("prod"));
        QCOMPARE(env.value(QStringLiteral("KUBECTL_KUBERC")), QStringLiteral("false"));
        auto plan = planKubectlRun(QStringLiteral("kubectl get pods"), target());
        QVERIFY(plan.ok());
        QVERIFY(!plan->environment.contains(QStringLiteral("KUBECONFIG")));
    }

    void secretOutputIsNeverJournaled()
    {
        auto plan = planKubectlRun(QStringLiteral("kubectl get secret db -n shop -o yaml"), target());
        QVERIFY(plan.ok());
        QVERIFY(plan->analysis.sensitiveOutput);
        KubectlRun run;
        run.command = plan->command;
        run.sensitive = true;
        run.sensitiveReason = QString::fromStdString(plan->analysis.sensitiveReason);
        run.output = "data:\n  password: aHVudGVyMg==\n";
        QVERIFY(!journaledOutput(run).contains(QStringLiteral("aHVudGVyMg")));
        QVERIFY(journaledOutput(run).contains(QStringLiteral("not kept")));
        QVERIFY(!shownOutput(run).contains(QStringLiteral("aHVudGVyMg")));
        run.sensitive = false;
        QVERIFY(journaledOutput(run).contains(QStringLiteral("aHVudGVyMg")));
    }

    void confirmationNamesVerbObjectsNamespaceAndServer()
    {
        auto plan = planKubectlRun(QStringLiteral("kubectl delete pod checkout-1 -n shop"), target());
        QVERIFY(plan.ok());
        KubectlRun preview;
        preview.preview = true;
        preview.exitCode = 0;
        preview.output = "pod \"checkout-1\" deleted (server dry run)\n";
        const QString html
            = changeConfirmationHtml(*plan, target(), QStringLiteral("default"), &preview, runbook::ActionKind::Shell);
        for (const char* part : { "kubectl delete", "pod<br>checkout-1", "shop", "https://127.0.0.1:6443",
                 "server dry run", "no automatic revert" })
            QVERIFY2(html.contains(QString::fromLatin1(part)),
                qPrintable(QString::fromLatin1(part) + QStringLiteral(" in ") + html));
        auto noNs = planKubectlRun(QStringLiteral("kubectl rollout restart deploy/a"), target());
        QVERIFY(noNs.ok());
        const QString html2 = changeConfirmationHtml(
            *noNs, target(), QStringLiteral("payments"), nullptr, runbook::ActionKind::RaiseLimit);
        QVERIFY(html2.contains(QStringLiteral("payments (the context")));
        QVERIFY(html2.contains(QStringLiteral("no server-side dry run")));
        QVERIFY(html2.contains(QStringLiteral("built-in mitigation")));
    }
};

QTEST_GUILESS_MAIN(TestKubectlRunPlan)
#include "tst_kubectl_run_plan.moc"
