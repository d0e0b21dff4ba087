// Commands as runbooks write them: splitting blocks, classifying into built-in actions, deciding
// whether they change the cluster, reading thresholds from prose, filling placeholders and
// swapping the runbook's namespace for the investigated one.
#include "core/runbook/Bindings.h"
#include "core/runbook/CommandLine.h"
#include "core/runbook/KubectlCommand.h"
#include "core/runbook/Thresholds.h"

#include <QTest>

using namespace leakdesk::runbook;

class TestRunbookCommands : public QObject {
    Q_OBJECT
private:
    static Command commandOf(const QString& text)
    {
        Command c;
        c.text = text.toStdString();
        classifyCommand(c);
        return c;
    }

private Q_SLOTS:
    void classify_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("action");
        QTest::addColumn<bool>("mutates");
        QTest::addColumn<QString>("ns");
        // The seed runbook's commands.
        QTest::newRow("top pods") << "kubectl top pods -n production -l app=<service-name> --sort-by=memory"
                                  << "memory-evidence" << false << "production";
        QTest::newRow("oom events") << "kubectl get events -n production --field-selector reason=OOMKilling "
                                       "--sort-by=.lastTimestamp"
                                    << "oom-evidence" << false << "production";
        QTest::newRow("jmap dump") << "kubectl exec -n production <pod-name> -- jmap "
                                      "-dump:live,format=b,file=/tmp/heap.hprof 1"
                                   << "heap-capture" << true << "production";
        QTest::newRow("cp dump out") << "kubectl cp production/<pod-name>:/tmp/heap.hprof ./heap.hprof"
                                     << "heap-capture" << true << "production"; // cp is not on the read-only list
        QTest::newRow("raise limit") << "kubectl set resources deployment/<service-name> -n production "
                                        "--limits=memory=4Gi"
                                     << "raise-limit" << true << "production";
        QTest::newRow("heap restart env") << "kubectl set env deployment/<service-name> HEAP_LIMIT_RESTART=3584m -n "
                                             "production"
                                          << "heap-limit-restart" << true << "production";
        // Variants.
        QTest::newRow("top pod singular, = form") << "kubectl top pod --namespace=shop"
                                                  << "memory-evidence" << false << "shop";
        QTest::newRow("events, = selector") << "kubectl get events -n x --field-selector=reason=OOMKilling"
                                            << "oom-evidence" << false << "x";
        QTest::newRow("events without OOM") << "kubectl get events -n x"
                                            << "shell" << false << "x";
        QTest::newRow("jcmd heap dump") << "kubectl exec -n shop p -c app -- jcmd 1 GC.heap_dump /tmp/d.hprof"
                                        << "heap-capture" << true << "shop";
        QTest::newRow("exec other") << "kubectl exec -n shop p -- ls /tmp"
                                    << "shell" << true << "shop";
        QTest::newRow("cp into pod") << "kubectl cp ./agent.jar shop/p:/tmp/agent.jar"
                                     << "shell" << true << "shop";
        QTest::newRow("set resources cpu only") << "kubectl set resources deploy/a -n b --limits=cpu=2"
                                                << "shell" << true << "b";
        QTest::newRow("set resources dry run") << "kubectl set resources deploy/a -n b --limits=memory=6Gi "
                                                  "--dry-run=server"
                                               << "raise-limit" << true << "b"; // read-only by verb only
        QTest::newRow("set env other") << "kubectl set env deploy/a FOO=bar"
                                       << "shell" << true << "";
        QTest::newRow("get pods") << "kubectl get pods -n production -o wide"
                                  << "shell" << false << "production";
        QTest::newRow("-n glued") << "kubectl get pods -nproduction"
                                  << "shell" << false << "production";
        QTest::newRow("describe") << "kubectl describe pod x -n a"
                                  << "shell" << false << "a";
        QTest::newRow("logs") << "kubectl -n kube-system logs -l k8s-app=npd --tail=50"
                              << "shell" << false << "kube-system";
        QTest::newRow("rollout restart") << "kubectl rollout restart deployment/a -n b"
                                         << "shell" << true << "b";
        QTest::newRow("rollout status") << "kubectl rollout status deployment/a -n b"
                                        << "shell" << false << "b";
        QTest::newRow("delete") << "kubectl delete pod x -n b"
                                << "shell" << true << "b";
        QTest::newRow("apply dry run") << "kubectl apply -f x.yaml --dry-run=client"
                                       << "shell" << true << "";
        // The hand-made reading used to call these read-only (issue 13).
        QTest::newRow("value flag before the verb") << "kubectl --cache-dir get delete pod P"
                                                    << "shell" << true << "";
        QTest::newRow("namespace value before the verb") << "kubectl -n get delete pod P -n x"
                                                         << "shell" << true << "x";
        QTest::newRow("port-forward") << "kubectl port-forward svc/a 8080:80 -n x"
                                      << "shell" << true << "x";
        QTest::newRow("config") << "kubectl config view --raw"
                                << "shell" << true << "";
        QTest::newRow("plugin") << "kubectl foo bar"
                                << "shell" << true << "";
        QTest::newRow("scale") << "kubectl scale deploy/a --replicas=0"
                               << "shell" << true << "";
        QTest::newRow("pipe to grep keeps action") << "kubectl top pods -n a | sort -k3"
                                                   << "memory-evidence" << false << "a";
        QTest::newRow("chain is shell") << "kubectl top pods -n a && kubectl delete pod x -n a"
                                        << "shell" << true << "a";
        QTest::newRow("pipe into apply mutates") << "cat x.yaml | kubectl apply -f -"
                                                 << "shell" << true << "";
        QTest::newRow("read-only tool") << "jq '.items' pods.json"
                                        << "shell" << false << "";
        QTest::newRow("unknown program is mutating") << "./fix-it.sh --now"
                                                     << "shell" << true << "";
        QTest::newRow("helm status") << "helm status payments -n production"
                                     << "shell" << false << "";
        QTest::newRow("helm upgrade") << "helm upgrade payments chart/"
                                      << "shell" << true << "";
        QTest::newRow("curl GET") << "curl -s http://127.0.0.1:8080/metrics"
                                  << "shell" << false << "";
        QTest::newRow("curl POST") << "curl -X POST http://127.0.0.1:8080/gc"
                                   << "shell" << true << "";
        QTest::newRow("env prefix") << "KUBECONFIG=/tmp/k kubectl top pods -n a"
                                    << "memory-evidence" << false << "a";
        QTest::newRow("quoted selector") << "kubectl get events -n a --field-selector 'reason=OOMKilling'"
                                         << "oom-evidence" << false << "a";
    }
    void classify()
    {
        QFETCH(QString, command);
        QFETCH(QString, action);
        QFETCH(bool, mutates);
        QFETCH(QString, ns);
        const Command c = commandOf(command);
        QCOMPARE(QString::fromLatin1(actionKindName(c.action)), action);
        QVERIFY2(c.mutatesCluster == mutates, c.classification.c_str());
        QCOMPARE(QString::fromStdString(c.ns.value_or("")), ns);
        QVERIFY(!c.classification.empty());
    }

    // Command::run is what the Run button would do with the text as written: the same analysis.
    void runIsTheRunButtonsAnalysis()
    {
        QCOMPARE(commandOf(QStringLiteral("kubectl get secret x -o yaml -n a")).run.sensitiveOutput, true);
        QCOMPARE(commandOf(QStringLiteral("kubectl top pods -n a | sort -k3")).run.effect, KubectlEffect::Refused);
        QCOMPARE(commandOf(QStringLiteral("kubectl top pods -n a")).run.effect, KubectlEffect::ReadOnly);
        QCOMPARE(commandOf(QStringLiteral("kubectl delete pod p -n a")).run.effect, KubectlEffect::Change);
        QCOMPARE(commandOf(QStringLiteral("kubectl -s https://evil get pods")).run.effect, KubectlEffect::Refused);
    }

    void actionArguments()
    {
        const Command limit = commandOf(
            QStringLiteral("kubectl set resources deployment/<service-name> -n p -c app --limits=cpu=2,memory=6Gi"));
        QCOMPARE(limit.arguments.at("memory-limit"), std::string("6Gi"));
        QCOMPARE(limit.arguments.at("container"), std::string("app"));
        QCOMPARE(limit.arguments.at("target"), std::string("deployment/<service-name>"));
        const Command env = commandOf(QStringLiteral("kubectl set env deployment/x HEAP_LIMIT_RESTART=3584m -n p"));
        QCOMPARE(env.arguments.at("heap-limit-restart"), std::string("3584m"));
        const Command dump = commandOf(
            QStringLiteral("kubectl exec -n p <pod-name> -- jmap -dump:live,format=b,file=/tmp/heap.hprof 1"));
        QCOMPARE(dump.arguments.at("path"), std::string("/tmp/heap.hprof"));
        QCOMPARE(dump.arguments.at("pod"), std::string("<pod-name>"));
        QCOMPARE(dump.arguments.at("phase"), std::string("dump"));
        const Command cp = commandOf(QStringLiteral("kubectl cp production/<pod-name>:/tmp/heap.hprof ./heap.hprof"));
        QCOMPARE(cp.arguments.at("phase"), std::string("transfer"));
        QCOMPARE(cp.arguments.at("destination"), std::string("./heap.hprof"));
        QCOMPARE(cp.placeholders, std::vector<std::string> { "pod-name" });
    }

    void splitBlock()
    {
        const std::string code = "#!/bin/bash\n"
                                 "# Increase memory limits\n"
                                 "# temporarily\n"
                                 "kubectl set resources deployment/a -n p \\\n"
                                 "    --limits=memory=4Gi   # the runbook's value\n"
                                 "\n"
                                 "# orphaned by the blank line below\n"
                                 "\n"
                                 "kubectl get pods -n p\n"
                                 "cat <<EOF | kubectl apply -f -\n"
                                 "kind: ConfigMap\n"
                                 "EOF\n"
                                 "echo '# not a comment'\n";
        std::vector<Warning> warnings;
        const auto cmds = splitCommandBlock(code, "bash", 10, warnings);
        QCOMPARE(cmds.size(), std::size_t(4));
        QCOMPARE(cmds[0].text, std::string("kubectl set resources deployment/a -n p --limits=memory=4Gi"));
        QCOMPARE(cmds[0].comment, std::string("Increase memory limits temporarily the runbook's value"));
        QCOMPARE(cmds[0].line, 13);
        QVERIFY(cmds[0].rawText.find("\\\n") != std::string::npos);
        QCOMPARE(cmds[0].action, ActionKind::RaiseLimit);
        QCOMPARE(cmds[1].text, std::string("kubectl get pods -n p"));
        QCOMPARE(cmds[1].comment, std::string());
        QCOMPARE(cmds[1].line, 18);
        QCOMPARE(cmds[2].text, std::string("cat <<EOF | kubectl apply -f -\nkind: ConfigMap\nEOF"));
        QVERIFY(cmds[2].mutatesCluster);
        QCOMPARE(cmds[3].text, std::string("echo '# not a comment'"));
        QVERIFY(warnings.empty());
    }

    void splitConsoleBlock()
    {
        const std::string code
            = "$ kubectl top pods -n a\nNAME   CPU   MEMORY\nx      1m    10Mi\n$ kubectl get pods -n a\n";
        std::vector<Warning> warnings;
        const auto cmds = splitCommandBlock(code, "console", 1, warnings);
        QCOMPARE(cmds.size(), std::size_t(2));
        QCOMPARE(cmds[0].text, std::string("kubectl top pods -n a"));
        QCOMPARE(cmds[1].line, 4);
        QCOMPARE(warnings.size(), std::size_t(1));
        QVERIFY(warnings[0].message.find("2 line(s)") != std::string::npos);
    }

    void splitBlockOddEndings()
    {
        std::vector<Warning> warnings;
        auto cmds = splitCommandBlock("kubectl get pods \\", "bash", 1, warnings);
        QCOMPARE(cmds.size(), std::size_t(1));
        QCOMPARE(cmds[0].text, std::string("kubectl get pods"));
        QCOMPARE(warnings.size(), std::size_t(1));
        warnings.clear();
        cmds = splitCommandBlock("cat <<END\nno terminator", "bash", 1, warnings);
        QCOMPARE(cmds.size(), std::size_t(1));
        QVERIFY(warnings[0].message.find("not closed") != std::string::npos);
        warnings.clear();
        cmds = splitCommandBlock("# only a comment", "bash", 1, warnings);
        QVERIFY(cmds.empty());
        QVERIFY(warnings[0].message.find("only a comment") != std::string::npos);
    }

    void placeholders_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("two") << "kubectl cp <ns>/<pod-name>:/x <pod-name>" << QStringList { "ns", "pod-name" };
        QTest::newRow("html is not one") << "a<br>b <b>c</b> <service_name>" << QStringList { "service_name" };
        QTest::newRow("redirection is not one") << "sort < in > out; cat <<EOF" << QStringList {};
        QTest::newRow("dotted") << "<deployment.name>" << QStringList { "deployment.name" };
    }
    void placeholders()
    {
        QFETCH(QString, text);
        QFETCH(QStringList, expected);
        QStringList got;
        for (const std::string& p : findPlaceholders(text.toStdString()))
            got << QString::fromStdString(p);
        QCOMPARE(got, expected);
    }

    void thresholds_data()
    {
        QTest::addColumn<QString>("sentence");
        QTest::addColumn<QString>("where");
        QTest::addColumn<QString>("key");
        QTest::addColumn<double>("value");
        QTest::addColumn<qint64>("windowMs");
        QTest::addColumn<QString>("literal");
        QTest::newRow("seed OOM rule") << "Frequent OOMKills (more than 2 in 1 hour) confirm an active memory leak."
                                       << "Step 2"
                                       << "oom.max_per_window" << 2.0 << qint64(3600000) << "more than 2 in 1 hour";
        QTest::newRow("OOM per hour") << "More than three OOM kills per hour."
                                      << "Step 2"
                                      << "oom.max_per_window" << 3.0 << qint64(3600000)
                                      << "More than three OOM kills per hour";
        QTest::newRow("in an hour") << "More than 2 OOM kills in an hour is a leak."
                                    << "Step 2"
                                    << "oom.max_per_window" << 2.0 << qint64(3600000)
                                    << "More than 2 OOM kills in an hour";
        QTest::newRow("at least") << "At least 4 OOMKills within 30 minutes."
                                  << "Step 2"
                                  << "oom.max_per_window" << 3.0 << qint64(1800000)
                                  << "At least 4 OOMKills within 30 minutes";
        QTest::newRow("restarts, not OOM")
            << "Pods restart more than 3 times within 30 minutes"
            << "Symptoms"
            << "count.other" << 3.0 << qint64(1800000) << "more than 3 times within 30 minutes";
        QTest::newRow("stabilise") << "A healthy service should stabilize within 10 minutes of startup."
                                   << "Step 1"
                                   << "stabilise.within" << 600000.0 << qint64(-1) << "10 minutes";
        QTest::newRow("stabilise, hyphenated") << "It stabilises after a 5-minute warm-up."
                                               << "Step 1"
                                               << "stabilise.within" << 300000.0 << qint64(-1) << "5-minute";
        QTest::newRow("levels off") << "Memory of a healthy service levels off within 10 minutes of startup."
                                    << "Step 1"
                                    << "stabilise.within" << 600000.0 << qint64(-1) << "10 minutes";
        QTest::newRow("escalation hours") << "If leak source cannot be identified within 2 hours, pull in the "
                                             "service owner."
                                          << "Escalation"
                                          << "escalation.owner_after" << 7200000.0 << qint64(-1) << "2 hours";
        QTest::newRow("compact duration") << "Page the owner after 90min."
                                          << "Escalation"
                                          << "escalation.owner_after" << 5400000.0 << qint64(-1) << "90min";
        QTest::newRow("escalate to P1") << "If OOMKills affect user-facing traffic, escalate immediately to P1."
                                        << "Escalation"
                                        << "severity.escalated" << 1.0 << qint64(-1) << "escalate immediately to P1";
        QTest::newRow("severity field") << "P2 initially, escalates to P1 if OOMKilled events occur"
                                        << "Severity"
                                        << "severity.initial" << 2.0 << qint64(-1) << "P2";
        QTest::newRow("memory in prose") << "Raise the limit to 8Gi."
                                         << "Step 3"
                                         << "memory.other" << 8.0 * 1024 * 1024 * 1024 << qint64(-1) << "8Gi";
    }
    void thresholds()
    {
        QFETCH(QString, sentence);
        QFETCH(QString, where);
        QFETCH(QString, key);
        QFETCH(double, value);
        QFETCH(qint64, windowMs);
        QFETCH(QString, literal);
        ThresholdContext ctx;
        ctx.where = where.toStdString();
        ctx.severityField = where == QLatin1String("Severity");
        ctx.escalationSection = where == QLatin1String("Escalation");
        const auto found = findThresholds(sentence.toStdString(), ctx);
        const auto it
            = std::find_if(found.begin(), found.end(), [&](const Threshold& t) { return t.key == key.toStdString(); });
        QVERIFY2(it != found.end(), qPrintable(QStringLiteral("%1 not found in '%2'").arg(key, sentence)));
        QCOMPARE(it->value, value);
        QCOMPARE(qint64(it->windowMs.value_or(-1)), windowMs);
        QCOMPARE(QString::fromStdString(it->literal), literal);
        QCOMPARE(QString::fromStdString(it->sentence), sentence);
    }

    void noThresholdsInPlainProse()
    {
        ThresholdContext ctx;
        QVERIFY(findThresholds("Steadily increasing memory usage over hours/days without traffic.", ctx).empty());
        QVERIFY(findThresholds("Use version 1.5 of the tool and step 3.", ctx).empty());
        // A window without a count is a duration, and never a count rule.
        const auto d = findThresholds("Wait 2 minutes.", ctx);
        QCOMPARE(d.size(), std::size_t(1));
        QCOMPARE(d[0].key, std::string("duration.other"));
    }

    void sentences()
    {
        const auto s = splitSentences("One. Two (2.5 GiB)! Three?\nFour");
        QCOMPARE(s, (std::vector<std::string> { "One.", "Two (2.5 GiB)!", "Three?", "Four" }));
    }

    void fill_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("ns"); // investigated namespace, empty: none
        QTest::addColumn<QString>("expected");
        QTest::addColumn<bool>("replaced");
        QTest::addColumn<QStringList>("unfilled");
        const QString seedTop = QStringLiteral("kubectl top pods -n production -l app=<service-name> --sort-by=memory");
        QTest::newRow("seed step 1, other namespace")
            << seedTop << "staging"
            << "kubectl top pods -n staging -l app=checkout --sort-by=memory" << true << QStringList {};
        QTest::newRow("seed step 1, same namespace") << seedTop << "production"
                                                     << "kubectl top pods -n production -l app=checkout "
                                                        "--sort-by=memory"
                                                     << false << QStringList {};
        QTest::newRow("no namespace binding")
            << seedTop << ""
            << "kubectl top pods -n production -l app=checkout --sort-by=memory" << false << QStringList {};
        QTest::newRow("kubectl cp ns/pod")
            << "kubectl cp production/<pod-name>:/tmp/heap.hprof ./heap.hprof"
            << "staging"
            << "kubectl cp staging/checkout-7d9f8b6c4-abcde:/tmp/heap.hprof ./heap.hprof" << true << QStringList {};
        QTest::newRow("--namespace= form") << "kubectl top pods --namespace=production"
                                           << "staging"
                                           << "kubectl top pods --namespace=staging" << true << QStringList {};
        QTest::newRow("other namespace kept") << "kubectl -n kube-system logs -l app=npd"
                                              << "staging"
                                              << "kubectl -n kube-system logs -l app=npd" << false << QStringList {};
        QTest::newRow("unfilled placeholder") << "kubectl exec -n production <pod-name> -c <container> -- jcmd 1 "
                                                 "GC.heap_dump /tmp/h.hprof"
                                              << "staging"
                                              << "kubectl exec -n staging checkout-7d9f8b6c4-abcde -c <container> -- "
                                                 "jcmd 1 GC.heap_dump /tmp/h.hprof"
                                              << true << QStringList { "container" };
    }
    void fill()
    {
        QFETCH(QString, command);
        QFETCH(QString, ns);
        QFETCH(QString, expected);
        QFETCH(bool, replaced);
        QFETCH(QStringList, unfilled);
        Command c = commandOf(command);
        Bindings b;
        b.values = { { "service-name", "checkout" }, { "pod-name", "checkout-7d9f8b6c4-abcde" } };
        if (!ns.isEmpty())
            b.ns = ns.toStdString();
        const FilledCommand f = fillCommand(c, b, std::string("production"));
        QCOMPARE(QString::fromStdString(f.text), expected);
        QCOMPARE(f.namespaceReplaced, replaced);
        QStringList got;
        for (const std::string& u : f.unfilled)
            got << QString::fromStdString(u);
        QCOMPARE(got, unfilled);
        if (replaced) {
            QCOMPARE(f.fromNamespace, std::string("production"));
            QVERIFY(std::any_of(f.notes.begin(), f.notes.end(),
                [](const std::string& n) { return n.find("replaced by") != std::string::npos; }));
        }
        if (command.contains(QLatin1String("kube-system")))
            QVERIFY(std::any_of(f.notes.begin(), f.notes.end(),
                [](const std::string& n) { return n.find("left as written") != std::string::npos; }));
    }

    // The pre-flight found the JVM's PID: a runbook's literal PID 1 becomes it, with a note; other
    // numbers (an interval, a count, a file name) are left alone.
    void fillBindsTheJvmPid_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("pid");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<bool>("noted");
        QTest::newRow("runbook's jmap") << "kubectl exec -n production <pod-name> -- jmap -dump:live,format=b,file=/tmp/heap.hprof 1"
                                       << "7"
                                       << "kubectl exec -n production p -- jmap -dump:live,format=b,file=/tmp/heap.hprof 7" << true;
        QTest::newRow("jcmd first") << "kubectl exec <pod-name> -c app -- jcmd 1 GC.heap_dump /tmp/h.hprof"
                                    << "12" << "kubectl exec p -c app -- jcmd 12 GC.heap_dump /tmp/h.hprof" << true;
        QTest::newRow("jcmd main class") << "kubectl exec <pod-name> -- jcmd com.shop.Main GC.heap_info"
                                         << "7" << "kubectl exec p -- jcmd com.shop.Main GC.heap_info" << false;
        QTest::newRow("jstat interval kept") << "kubectl exec <pod-name> -- jstat -gcutil 1 1000 5"
                                             << "7" << "kubectl exec p -- jstat -gcutil 7 1000 5" << true;
        QTest::newRow("full path") << "kubectl exec <pod-name> -- /opt/java/bin/jstack 1"
                                   << "9" << "kubectl exec p -- /opt/java/bin/jstack 9" << true;
        QTest::newRow("same pid") << "kubectl exec <pod-name> -- jmap -histo 7"
                                  << "7" << "kubectl exec p -- jmap -histo 7" << false;
        QTest::newRow("not a jdk tool") << "kubectl exec <pod-name> -- kill -3 1"
                                        << "7" << "kubectl exec p -- kill -3 1" << false;
        QTest::newRow("no exec") << "kubectl top pod <pod-name> 1" << "7" << "kubectl top pod p 1" << false;
        QTest::newRow("pid not a number") << "kubectl exec <pod-name> -- jmap -histo 1"
                                          << "7; rm -rf /" << "kubectl exec p -- jmap -histo 1" << false;
    }
    void fillBindsTheJvmPid()
    {
        QFETCH(QString, command);
        QFETCH(QString, pid);
        QFETCH(QString, expected);
        QFETCH(bool, noted);
        Bindings b;
        b.values = { { "pod-name", "p" } };
        b.jvmPid = pid.toStdString();
        const FilledCommand f = fillCommand(commandOf(command), b, std::string("production"));
        QCOMPARE(QString::fromStdString(f.text), expected);
        const bool hasNote = std::any_of(f.notes.begin(), f.notes.end(),
            [](const std::string& n) { return n.find("the JVM runs as PID") != std::string::npos; });
        QCOMPARE(hasNote, noted);
    }

    // The workload's own selector replaces a -l that names the service: a Helm-labelled StatefulSet's
    // pods carry app.kubernetes.io/name, not app=; a selector that already matches, or names
    // something else, stays.
    void fillUsesTheWorkloadsSelector_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("selector");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<bool>("noted");
        const QString helm = QStringLiteral("app.kubernetes.io/instance=search,app.kubernetes.io/name=search");
        QTest::newRow("runbook's top") << "kubectl top pods -n production -l app=<service-name> --sort-by=memory" << helm
                                       << "kubectl top pods -n production -l '" + helm + "' --sort-by=memory" << true;
        QTest::newRow("--selector=") << "kubectl get pods --selector=app=<service-name>" << helm
                                     << "kubectl get pods --selector='" + helm + "'" << true;
        QTest::newRow("-lapp= glued") << "kubectl get pods -lapp=<service-name>" << helm << "kubectl get pods -l'" + helm + "'"
                                      << true;
        QTest::newRow("already app=") << "kubectl top pods -l app=<service-name>" << "app=search"
                                      << "kubectl top pods -l app=search" << false;
        QTest::newRow("other label kept") << "kubectl get pods -l tier=web" << helm << "kubectl get pods -l tier=web"
                                          << false;
        QTest::newRow("set-based selector quoted") << "kubectl get pods -l app=<service-name>"
                                                   << "app in (search,search-canary)"
                                                   << "kubectl get pods -l 'app in (search,search-canary)'" << true;
        QTest::newRow("not kubectl") << "grep -l app=<service-name> f" << helm << "grep -l app=search f" << false;
    }
    void fillUsesTheWorkloadsSelector()
    {
        QFETCH(QString, command);
        QFETCH(QString, selector);
        QFETCH(QString, expected);
        QFETCH(bool, noted);
        Bindings b;
        b.values = { { "service-name", "search" } };
        b.podSelector = selector.toStdString();
        const FilledCommand f = fillCommand(commandOf(command), b, std::nullopt);
        QCOMPARE(QString::fromStdString(f.text), expected);
        const bool hasNote = std::any_of(f.notes.begin(), f.notes.end(),
            [](const std::string& n) { return n.find("the workload's own selector") != std::string::npos; });
        QCOMPARE(hasNote, noted);
    }

    void fillQuotesUnsafeValues()
    {
        std::vector<std::string> unfilled;
        const auto out = fillPlaceholders("echo <msg> <x>", { { "msg", "it's done; rm -rf /" } }, &unfilled);
        QCOMPARE(out, std::string("echo 'it'\\''s done; rm -rf /' <x>"));
        QCOMPARE(unfilled, std::vector<std::string> { "x" });
    }

    // The filled value is one literal piece of one word, whatever quotes the runbook put around the
    // placeholder. Before, "<pod-name>" with the value  x" --all "  became the words x, --all.
    void fillKeepsTheValueInItsWord_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QStringList>("words");
        QTest::newRow("bare") << "kubectl logs <pod-name>"
                              << "a --all" << QStringList { "kubectl", "logs", "a --all" };
        QTest::newRow("in double quotes, closing them")
            << "kubectl delete pod \"<pod-name>\""
            << "x\" --all \"" << QStringList { "kubectl", "delete", "pod", "x\" --all \"" };
        QTest::newRow("in double quotes, $ and backslash")
            << "kubectl logs \"<pod-name>\""
            << "a $HOME \\ `id`" << QStringList { "kubectl", "logs", "a $HOME \\ `id`" };
        QTest::newRow("in single quotes, spaces") << "kubectl delete pod '<pod-name>'"
                                                  << "a --all" << QStringList { "kubectl", "delete", "pod", "a --all" };
        QTest::newRow("in single quotes, a quote") << "kubectl logs '<pod-name>'"
                                                   << "it' --all '" << QStringList { "kubectl", "logs", "it' --all '" };
        QTest::newRow("inside a jsonpath")
            << "kubectl get pods -o 'jsonpath={.items[?(@.metadata.name==\"<pod-name>\")]}'"
            << "p' --all '"
            << QStringList { "kubectl", "get", "pods", "-o", "jsonpath={.items[?(@.metadata.name==\"p' --all '\")]}" };
        QTest::newRow("after an escaped quote") << "kubectl logs \\'<pod-name>"
                                                << "a b" << QStringList { "kubectl", "logs", "'a b" };
    }

    void fillKeepsTheValueInItsWord()
    {
        QFETCH(QString, command);
        QFETCH(QString, value);
        QFETCH(QStringList, words);
        std::vector<std::string> unfilled;
        const std::string text
            = fillPlaceholders(command.toStdString(), { { "pod-name", value.toStdString() } }, &unfilled);
        QVERIFY(unfilled.empty());
        const auto split = splitCommandWords(text);
        QVERIFY2(split.ok(), text.c_str());
        QStringList got;
        for (const std::string& w : *split)
            got << QString::fromStdString(w);
        QCOMPARE(got, words);
    }

    // A bound value comes from the cluster or from Prometheus labels: it must stay one argument and
    // never turn into an option of the command it is filled into.
    void fillNeverMakesAnOption_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<bool>("filled");
        QTest::newRow("pod name") << "checkout-7d9f8b6c4-abcde" << true;
        QTest::newRow("--all") << "--all" << false;
        QTest::newRow("-A") << "-A" << false;
        QTest::newRow("another server") << "-s=https://example.org" << false;
        QTest::newRow("another kubeconfig") << "--kubeconfig=/home/u/.kube/admin" << false;
        QTest::newRow("a lone dash") << "-" << false;
        QTest::newRow("spaces stay one word") << "x --kubeconfig=/home/u/.kube/admin" << true;
        QTest::newRow("quote and spaces") << "x' --all '" << true;
    }

    void fillNeverMakesAnOption()
    {
        QFETCH(QString, value);
        QFETCH(bool, filled);
        std::vector<std::string> unfilled;
        const std::string text = fillPlaceholders(
            "kubectl delete pod <pod-name> -n shop", { { "pod-name", value.toStdString() } }, &unfilled);
        QCOMPARE(unfilled.empty(), filled);
        const KubectlAnalysis a = analyseKubectlCommand(text);
        if (!filled) {
            QVERIFY(!a.runnable()); // the placeholder is left: nothing runs
            return;
        }
        QVERIFY2(a.runnable(), a.reason.c_str());
        QCOMPARE(a.objects, (std::vector<std::string> { "pod", value.toStdString() }));
        QVERIFY(!a.allNamespaces);
    }
};

QTEST_GUILESS_MAIN(TestRunbookCommands)
#include "tst_runbook_commands.moc"
