// The real kubectl against `leakdesk-cli sandbox serve`: the runbook's commands for steps 1 and 2
// must work and print what an on-call engineer expects from a cluster with a leaking checkout.

#include "KubectlHarness.h"
#include "TestSupport.h"

#include "core/prometheus/QueryCatalogue.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>

#include <QTest>
#include <memory>

using namespace leakdesk;

namespace {

// kubectl's ages ("5m28s", "50m", "1h2m", "8d") in seconds.
qint64 ageSeconds(const QString& age)
{
    static const QRegularExpression part(QStringLiteral("(\\d+)([ydhms])"));
    qint64 total = 0;
    auto it = part.globalMatch(age);
    while (it.hasNext()) {
        const auto m = it.next();
        const qint64 n = m.captured(1).toLongLong();
        switch (m.captured(2).at(0).toLatin1()) {
        case 'y':
            total += n * 365 * 86400;
            break;
        case 'd':
            total += n * 86400;
            break;
        case 'h':
            total += n * 3600;
            break;
        case 'm':
            total += n * 60;
            break;
        default:
            total += n;
        }
    }
    return total;
}

// The IPs listed in an Endpoints object under `list` (addresses or notReadyAddresses).
QStringList endpointIps(const QByteArray& endpointsJson, const QString& list)
{
    QStringList ips;
    const QJsonObject ep = QJsonDocument::fromJson(endpointsJson).object();
    for (const QJsonValue subset : ep.value(QStringLiteral("subsets")).toArray())
        for (const QJsonValue a : subset.toObject().value(list).toArray())
            ips << a.toObject().value(QStringLiteral("ip")).toString();
    return ips;
}

} // namespace

class TestKubectl : public QObject {
    Q_OBJECT
    test::KubectlHarness m_kubectl;
    QTemporaryDir m_dir;
    test::ServedSandbox m_served;
    std::unique_ptr<test::ServedSandbox> m_crowd; // 1,300 more pods, started by the first paging test

    test::ProcessResult kubectl(const QStringList& args) { return m_kubectl.run(args); }

private Q_SLOTS:
    void initTestCase()
    {
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("kubectl"));
        QVERIFY(m_dir.isValid());
        const QString why = m_kubectl.serve(m_served);
        QVERIFY2(why.isEmpty(), qPrintable(why));
        QCOMPARE(m_served.kubeconfig, m_kubectl.kubeconfig()); // --kubeconfig-out is where it was written
        QVERIFY(m_served.kubeUrl.startsWith(QLatin1String("http://127.0.0.1:")));
        QVERIFY(m_served.prometheusUrl.startsWith(QLatin1String("http://127.0.0.1:")));
    }

    void getPods()
    {
        const auto r = kubectl(
            { QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"), QStringLiteral("production") });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto rows = test::tableRows(r.out);
        QCOMPARE(rows.value(0), QStringList({ "NAME", "READY", "STATUS", "RESTARTS", "AGE" }));
        QCOMPARE(rows.size(), 1 + 7);
        QStringList services;
        for (const auto& row : rows.mid(1)) {
            QCOMPARE(row.size(), 5);
            const QString name = row[0];
            const QString service = name.section(QLatin1Char('-'), 0, 0);
            services << service;
            const QRegularExpression podName(
                QString::fromStdString("^" + prometheus::podRegexForWorkload(service.toStdString()) + "$"));
            QVERIFY2(podName.match(name).hasMatch(), qPrintable(name));
            QVERIFY2(
                row[2] == QLatin1String("Running") || row[2] == QLatin1String("CrashLoopBackOff"), qPrintable(row[2]));
            QCOMPARE(row[4], QStringLiteral("8d"));
            const int restarts = row[3].section(QLatin1Char(' '), 0, 0).toInt();
            if (service == QLatin1String("checkout")) {
                // Several OOM kills an hour for 8 days, the last one minutes ago.
                QVERIFY2(restarts > 100 && row[3].endsWith(QLatin1String(" ago)")), qPrintable(row[3]));
                QVERIFY(ageSeconds(row[3].section(QLatin1Char('('), 1).chopped(5)) < 3600);
            } else if (service == QLatin1String("payments")) {
                QCOMPARE(row[3], QStringLiteral("0"));
            }
        }
        services.removeDuplicates();
        QCOMPARE(services, QStringList({ "checkout", "payments", "catalog" }));
    }

    void topPodsSortedByMemory()
    {
        const auto r = kubectl(
            { QStringLiteral("top"), QStringLiteral("pods"), QStringLiteral("-n"), QStringLiteral("production"),
                QStringLiteral("-l"), QStringLiteral("app=checkout"), QStringLiteral("--sort-by=memory") });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto rows = test::tableRows(r.out);
        QCOMPARE(rows.value(0), QStringList({ "NAME", "CPU(cores)", "MEMORY(bytes)" }));
        const auto pods = rows.mid(1);
        // One row per checkout pod that is not between an OOM kill and its restart (10 s).
        QVERIFY(pods.size() >= 2 && pods.size() <= 3);
        qint64 previous = std::numeric_limits<qint64>::max();
        for (const auto& row : pods) {
            QVERIFY(row[0].startsWith(QLatin1String("checkout-")));
            QVERIFY2(row[1].endsWith(QLatin1Char('m')), qPrintable(row[1]));
            QVERIFY2(row[2].endsWith(QLatin1String("Mi")), qPrintable(row[2]));
            const qint64 mib = row[2].chopped(2).toLongLong();
            // Between the JVM's footprint after start and the 2Gi limit.
            QVERIFY2(mib >= 350 && mib <= 2048, qPrintable(row[2]));
            QVERIFY2(mib <= previous, "kubectl --sort-by=memory lists the biggest first");
            previous = mib;
        }
    }

    void topNodes()
    {
        const auto r = kubectl({ QStringLiteral("top"), QStringLiteral("nodes") });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto rows = test::tableRows(r.out);
        QCOMPARE(rows.value(0).value(0), QStringLiteral("NAME"));
        QCOMPARE(rows.size(), 1 + 3);
        for (const auto& row : rows.mid(1)) {
            QVERIFY(row[0].startsWith(QLatin1String("prod-worker-")));
            // NAME CPU(cores) CPU% MEMORY(bytes) MEMORY%: percentages against the 15Gi allocatable.
            QVERIFY2(row.size() >= 5 && row[3].endsWith(QLatin1String("Mi")), qPrintable(row.join(QLatin1Char('|'))));
            QVERIFY(row[3].chopped(2).toInt() > 1300);
        }
    }

    void oomKillingEventsSortedByLastTimestamp()
    {
        const auto r = kubectl({ QStringLiteral("get"), QStringLiteral("events"), QStringLiteral("-n"),
            QStringLiteral("production"), QStringLiteral("--field-selector"), QStringLiteral("reason=OOMKilling"),
            QStringLiteral("--sort-by=.lastTimestamp") });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto rows = test::tableRows(r.out);
        QCOMPARE(rows.value(0), QStringList({ "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE" }));
        const auto events = rows.mid(1);
        // The runbook's threshold is "more than 2 in 1 hour"; events live one hour.
        QVERIFY2(events.size() >= 3, r.out.constData());
        qint64 previousAge = std::numeric_limits<qint64>::max();
        for (const auto& row : events) {
            QCOMPARE(row.size(), 5);
            QCOMPARE(row[1], QStringLiteral("Warning"));
            QCOMPARE(row[2], QStringLiteral("OOMKilling"));
            QVERIFY2(row[3].startsWith(QLatin1String("node/prod-worker-")), qPrintable(row[3]));
            QVERIFY2(QRegularExpression(QStringLiteral("^Memory cgroup out of memory: Killed process \\d+ \\(java\\)"))
                         .match(row[4])
                         .hasMatch(),
                qPrintable(row[4]));
            const qint64 age = ageSeconds(row[0]);
            QVERIFY(age <= 3600);
            QVERIFY2(age <= previousAge, "sorted by lastTimestamp: oldest first");
            previousAge = age;
        }
        // Every event matches a checkout pod's last OOM kill or an earlier one: its node runs checkout.
        const auto pods = kubectl({ QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"),
            QStringLiteral("production"), QStringLiteral("-l"), QStringLiteral("app=checkout"), QStringLiteral("-o"),
            QStringLiteral("custom-columns=NODE:.spec.nodeName,REASON:.status.containerStatuses[0].lastState."
                           "terminated.reason,EXIT:.status.containerStatuses[0].lastState.terminated.exitCode"),
            QStringLiteral("--no-headers") });
        QVERIFY2(pods.exitCode == 0, pods.err.constData());
        QStringList checkoutNodes;
        for (const auto& row : test::tableRows(pods.out)) {
            checkoutNodes << QStringLiteral("node/") + row[0];
            QCOMPARE(row[1], QStringLiteral("OOMKilled"));
            QCOMPARE(row[2], QStringLiteral("137"));
        }
        for (const auto& row : events)
            QVERIFY2(checkoutNodes.contains(row[3]), qPrintable(row[3]));
    }

    // A checkout pod whose container is running now (not in the seconds between a kill and the restart).
    QString runningCheckoutPod()
    {
        const auto r = kubectl({ QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"),
            QStringLiteral("production"), QStringLiteral("-l"), QStringLiteral("app=checkout"), QStringLiteral("-o"),
            QStringLiteral("custom-columns=NAME:.metadata.name,READY:.status.containerStatuses[0].ready"),
            QStringLiteral("--no-headers") });
        for (const auto& row : test::tableRows(r.out))
            if (row.value(1) == QLatin1String("true"))
                return row[0];
        return {};
    }

    void execJcmdList()
    {
        const QString pod = runningCheckoutPod();
        QVERIFY(!pod.isEmpty());
        const auto r = kubectl({ QStringLiteral("exec"), QStringLiteral("-n"), QStringLiteral("production"), pod,
            QStringLiteral("--"), QStringLiteral("jcmd"), QStringLiteral("-l") });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        // The JVM is not PID 1 in checkout: an entrypoint shell is.
        QVERIFY2(QRegularExpression(QStringLiteral("^7 /app/app.jar --spring.profiles.active=production\\n\\d+ "
                                                   "jdk.jcmd/sun.tools.jcmd.JCmd -l\\n$"))
                     .match(QString::fromUtf8(r.out))
                     .hasMatch(),
            r.out.constData());
    }

    void execHeapDumpAndCopyItOut()
    {
        const QString pod = runningCheckoutPod();
        QVERIFY(!pod.isEmpty());
        auto exec = [&](const QStringList& command) {
            return kubectl(QStringList { QStringLiteral("exec"), QStringLiteral("-n"), QStringLiteral("production"), pod,
                               QStringLiteral("--") }
                + command);
        };
        // The runbook's step 3, as written.
        const auto dump = exec({ QStringLiteral("jmap"), QStringLiteral("-dump:live,format=b,file=/tmp/heap.hprof"),
            QStringLiteral("7") });
        QVERIFY2(dump.exitCode == 0, dump.err.constData());
        const auto created = QRegularExpression(QStringLiteral("Heap dump file created \\[(\\d+) bytes"))
                                 .match(QString::fromUtf8(dump.out));
        QVERIFY2(created.hasMatch(), dump.out.constData());
        const auto cat = exec({ QStringLiteral("cat"), QStringLiteral("/tmp/heap.hprof") });
        QVERIFY2(cat.exitCode == 0, cat.err.constData());
        QCOMPARE(qint64(cat.out.size()), created.captured(1).toLongLong());
        QVERIFY(cat.out.startsWith(QByteArray("JAVA PROFILE 1.0.2\0", 19)));
        const auto sum = exec({ QStringLiteral("sha256sum"), QStringLiteral("/tmp/heap.hprof") });
        QCOMPARE(sum.out, QCryptographicHash::hash(cat.out, QCryptographicHash::Sha256).toHex() + "  /tmp/heap.hprof\n");
        // The runbook's `kubectl cp` (tar in the pod, untar here) gets the same bytes.
        const QString local = m_dir.filePath(QStringLiteral("heap.hprof"));
        const auto cp = kubectl({ QStringLiteral("cp"), QStringLiteral("production/%1:/tmp/heap.hprof").arg(pod), local });
        QVERIFY2(cp.exitCode == 0, cp.err.constData());
        QFile copied(local);
        QVERIFY(copied.open(QIODevice::ReadOnly));
        QCOMPARE(copied.readAll(), cat.out);
        QCOMPARE(exec({ QStringLiteral("rm"), QStringLiteral("/tmp/heap.hprof") }).exitCode, 0);
        const auto gone = exec({ QStringLiteral("ls"), QStringLiteral("/tmp/heap.hprof") });
        QCOMPARE(gone.exitCode, 2); // ls's exit code, passed through kubectl
        QVERIFY2(gone.err.contains("No such file or directory"), gone.err.constData());
    }

    void execUnknownCommandExits127()
    {
        const QString pod = runningCheckoutPod();
        QVERIFY(!pod.isEmpty());
        const auto r = kubectl({ QStringLiteral("exec"), QStringLiteral("-n"), QStringLiteral("production"), pod,
            QStringLiteral("--"), QStringLiteral("sh"), QStringLiteral("-c"), QStringLiteral("nosuchtool") });
        QCOMPARE(r.exitCode, 127);
        QVERIFY2(r.err.contains("nosuchtool: not found"), r.err.constData());
    }

    void authCanIPatchDeployments()
    {
        const auto r = kubectl({ QStringLiteral("auth"), QStringLiteral("can-i"), QStringLiteral("patch"),
            QStringLiteral("deployments"), QStringLiteral("-n"), QStringLiteral("production") });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.out.trimmed(), QByteArray("yes"));
    }

    void servicesAndEndpointsTables()
    {
        const QString ns = QStringLiteral("production");
        const auto svc = kubectl({ QStringLiteral("get"), QStringLiteral("svc"), QStringLiteral("-n"), ns,
            QStringLiteral("-o"), QStringLiteral("wide") });
        QVERIFY2(svc.exitCode == 0, svc.err.constData());
        const auto svcRows = test::tableRows(svc.out);
        QCOMPARE(svcRows.value(0),
            QStringList({ "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR" }));
        QCOMPARE(svcRows.size(), 1 + 3);
        for (const auto& row : svcRows.mid(1)) {
            QCOMPARE(row.size(), 7);
            QCOMPARE(row[1], QStringLiteral("ClusterIP"));
            QVERIFY2(QRegularExpression(QStringLiteral("^\\d+\\.\\d+\\.\\d+\\.\\d+$")).match(row[2]).hasMatch(),
                qPrintable(row[2]));
            QCOMPARE(row[3], QStringLiteral("<none>"));
            QVERIFY2(row[4].endsWith(QLatin1String("/TCP")), qPrintable(row[4]));
            QCOMPARE(row[6], QStringLiteral("app=") + row[0]);
        }
        const auto ep = kubectl({ QStringLiteral("get"), QStringLiteral("endpoints"), QStringLiteral("-n"), ns });
        QVERIFY2(ep.exitCode == 0, ep.err.constData());
        const auto epRows = test::tableRows(ep.out);
        QCOMPARE(epRows.value(0), QStringList({ "NAME", "ENDPOINTS", "AGE" }));
        QCOMPARE(epRows.size(), 1 + 3);
        for (const auto& row : epRows.mid(1)) {
            QCOMPARE(row.size(), 3);
            // ip:port of the ready pods, at most three, then "+ N more...".
            QVERIFY2(
                QRegularExpression(QStringLiteral("^(\\d+\\.\\d+\\.\\d+\\.\\d+:8080)(,\\d+\\.\\d+\\.\\d+\\.\\d+:8080)*"
                                                  "( \\+ \\d+ more\\.\\.\\.)?$"))
                    .match(row[1])
                    .hasMatch(),
                qPrintable(row[1]));
        }
    }

    // Taking a pod out of its Service before a heap dump, and putting it back, with `kubectl label`.
    void labelPodOutOfItsServiceAndBack()
    {
        const QString ns = QStringLiteral("production");
        const QString pod = runningCheckoutPod();
        QVERIFY(!pod.isEmpty());
        auto get = [&](const QStringList& args) {
            return kubectl(QStringList { QStringLiteral("get") } + args + QStringList { QStringLiteral("-n"), ns });
        };
        auto checkoutPods = [&] {
            const auto r = get({ QStringLiteral("pods"), QStringLiteral("-l"), QStringLiteral("app=checkout"),
                QStringLiteral("-o"), QStringLiteral("name") });
            return QString::fromUtf8(r.out).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        };
        auto endpoints = [&] {
            return get({ QStringLiteral("endpoints"), QStringLiteral("checkout"), QStringLiteral("-o"),
                           QStringLiteral("json") })
                .out;
        };
        const QString ip = QString::fromUtf8(
            get({ QStringLiteral("pod"), pod, QStringLiteral("-o"), QStringLiteral("jsonpath={.status.podIP}") }).out);
        QVERIFY(!ip.isEmpty());
        const QStringList before = checkoutPods();
        QVERIFY(before.contains(QStringLiteral("pod/") + pod));
        QVERIFY2(endpointIps(endpoints(), QStringLiteral("addresses")).contains(ip), qPrintable(ip));

        const auto out = kubectl(
            { QStringLiteral("label"), QStringLiteral("pod"), pod, QStringLiteral("-n"), ns, QStringLiteral("app-") });
        QVERIFY2(out.exitCode == 0, out.err.constData());
        QCOMPARE(out.out.trimmed(), QByteArray("pod/" + pod.toUtf8() + " unlabeled"));
        const QByteArray without = endpoints();
        QVERIFY2(!endpointIps(without, QStringLiteral("addresses")).contains(ip), without.constData());
        QVERIFY2(!endpointIps(without, QStringLiteral("notReadyAddresses")).contains(ip), without.constData());
        QCOMPARE(get({ QStringLiteral("pod"), pod, QStringLiteral("-o"),
                         QStringLiteral("jsonpath={.metadata.ownerReferences}") })
                     .out,
            QByteArray());
        // The ReplicaSet creates a replacement within a second.
        QString replacement;
        QElapsedTimer waited;
        waited.start();
        while (replacement.isEmpty() && waited.elapsed() < 15000) {
            const QStringList now = checkoutPods();
            QVERIFY(!now.contains(QStringLiteral("pod/") + pod));
            for (const QString& p : now)
                if (!before.contains(p))
                    replacement = p;
            if (replacement.isEmpty())
                QTest::qWait(200);
        }
        QVERIFY2(!replacement.isEmpty(), "no replacement pod appeared");
        QCOMPARE(checkoutPods().size(), before.size());

        // A change the API server refuses is reported with its cause.
        const auto invalid = kubectl({ QStringLiteral("patch"), QStringLiteral("pod"), pod, QStringLiteral("-n"), ns,
            QStringLiteral("--type=merge"), QStringLiteral("-p"),
            QStringLiteral(R"({"metadata":{"labels":{"-x":"y"}}})") });
        QVERIFY(invalid.exitCode != 0);
        QVERIFY2(invalid.err.contains(
                     QByteArray("The Pod \"" + pod.toUtf8() + "\" is invalid: metadata.labels: Invalid value: \"-x\"")),
            invalid.err.constData());

        const auto back = kubectl({ QStringLiteral("label"), QStringLiteral("pod"), pod, QStringLiteral("-n"), ns,
            QStringLiteral("app=checkout") });
        QVERIFY2(back.exitCode == 0, back.err.constData());
        QCOMPARE(back.out.trimmed(), QByteArray("pod/" + pod.toUtf8() + " labeled"));
        // Adopted; the replacement is deleted (Terminating for 2 s, then gone).
        QVERIFY(!get({ QStringLiteral("pod"), pod, QStringLiteral("-o"),
                         QStringLiteral("jsonpath={.metadata.ownerReferences[0].kind}") })
                     .out.isEmpty());
        const QByteArray with = endpoints();
        QVERIFY2(endpointIps(with, QStringLiteral("addresses")).contains(ip)
                || endpointIps(with, QStringLiteral("notReadyAddresses")).contains(ip),
            with.constData());
        waited.restart();
        while (checkoutPods().contains(replacement) && waited.elapsed() < 15000)
            QTest::qWait(200);
        const QStringList after = checkoutPods();
        QVERIFY2(!after.contains(replacement), qPrintable(after.join(QLatin1Char(' '))));
        QCOMPARE(after.size(), before.size());
        QVERIFY(after.contains(QStringLiteral("pod/") + pod));
    }

    // Runs last among the deployment tests: it changes the checkout deployment for good.
    void setResourcesDryRunThenForReal()
    {
        auto limitOf = [&](const QString& what) {
            const auto r = kubectl({ QStringLiteral("get"), what, QStringLiteral("-n"), QStringLiteral("production"),
                QStringLiteral("-o"), QStringLiteral("jsonpath={.spec.template.spec.containers[0].resources.limits.memory}") });
            return r.out;
        };
        QCOMPARE(limitOf(QStringLiteral("deployment/checkout")), QByteArray("2Gi"));
        const auto dry = kubectl({ QStringLiteral("set"), QStringLiteral("resources"), QStringLiteral("deployment/checkout"),
            QStringLiteral("-n"), QStringLiteral("production"), QStringLiteral("--limits=memory=4Gi"),
            QStringLiteral("--dry-run=server"), QStringLiteral("-o"), QStringLiteral("yaml") });
        QVERIFY2(dry.exitCode == 0, dry.err.constData());
        QVERIFY2(dry.out.contains("kind: Deployment") && dry.out.contains("memory: 4Gi"), dry.out.constData());
        // A server-side dry run stores nothing.
        QCOMPARE(limitOf(QStringLiteral("deployment/checkout")), QByteArray("2Gi"));

        const auto real = kubectl({ QStringLiteral("set"), QStringLiteral("resources"), QStringLiteral("deployment/checkout"),
            QStringLiteral("-n"), QStringLiteral("production"), QStringLiteral("--limits=memory=4Gi") });
        QVERIFY2(real.exitCode == 0, real.err.constData());
        QVERIFY2(real.out.contains("deployment.apps/checkout resource requirements updated"), real.out.constData());
        QCOMPARE(limitOf(QStringLiteral("deployment/checkout")), QByteArray("4Gi"));

        const auto env = kubectl({ QStringLiteral("set"), QStringLiteral("env"), QStringLiteral("deployment/checkout"),
            QStringLiteral("HEAP_LIMIT_RESTART=3584m"), QStringLiteral("-n"), QStringLiteral("production") });
        QVERIFY2(env.exitCode == 0, env.err.constData());
        QVERIFY2(env.out.contains("deployment.apps/checkout env updated"), env.out.constData());
        const auto listed = kubectl({ QStringLiteral("set"), QStringLiteral("env"), QStringLiteral("deployment/checkout"),
            QStringLiteral("--list"), QStringLiteral("-n"), QStringLiteral("production") });
        QVERIFY2(listed.out.contains("HEAP_LIMIT_RESTART=3584m"), listed.out.constData());
        QVERIFY2(listed.out.contains("JAVA_TOOL_OPTIONS="), listed.out.constData());

        // Each change rolled new pods: a new ReplicaSet per template, the newest one carrying both.
        const auto rs = kubectl({ QStringLiteral("get"), QStringLiteral("replicasets"), QStringLiteral("-n"),
            QStringLiteral("production"), QStringLiteral("-l"), QStringLiteral("app=checkout"), QStringLiteral("--no-headers"),
            QStringLiteral("-o"), QStringLiteral("custom-columns=NAME:.metadata.name,REV:.metadata.annotations.deployment\\.kubernetes\\.io/revision") });
        QVERIFY2(rs.exitCode == 0, rs.err.constData());
        QCOMPARE(test::tableRows(rs.out).size(), 3);
        const auto newest = kubectl({ QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"),
            QStringLiteral("production"), QStringLiteral("-l"), QStringLiteral("app=checkout"), QStringLiteral("--no-headers"),
            QStringLiteral("-o"),
            QStringLiteral("custom-columns=HASH:.metadata.labels.pod-template-hash,LIMIT:.spec.containers[0].resources.limits.memory") });
        QVERIFY2(newest.exitCode == 0, newest.err.constData());
        bool rolled = false;
        for (const auto& row : test::tableRows(newest.out))
            rolled = rolled || row.value(1) == QLatin1String("4Gi");
        QVERIFY2(rolled, newest.out.constData());
    }

    void plainHttpServesKubectlWithoutCredentials()
    {
        const auto r = m_kubectl.runWithoutKubeconfig(
            { QStringLiteral("--server"), m_served.kubeUrl, QStringLiteral("--token"), QStringLiteral("not-the-token"),
                QStringLiteral("--insecure-skip-tls-verify"), QStringLiteral("get"), QStringLiteral("pods"),
                QStringLiteral("-n"), QStringLiteral("production") },
            60000, { QStringLiteral("KUBECONFIG=") + m_dir.filePath(QStringLiteral("none")) });
        // Over plain http kubectl drops the token entirely, so this request is anonymous and served;
        // a client that does send a wrong token is refused (covered by the unit tests).
        QCOMPARE(r.exitCode, 0);
    }

    void temporaryKubeconfigIsRemovedOnSigterm()
    {
        test::ServedSandbox second;
        QString why;
        QVERIFY2(second.start({}, why), qPrintable(why));
        QVERIFY(QFile::exists(second.kubeconfig));
        QCOMPARE(QFile(second.kubeconfig).permissions() & (QFileDevice::ReadOther | QFileDevice::ReadGroup),
            QFileDevice::Permissions());
        QVERIFY(second.stop()); // SIGTERM, exit code 0
        QVERIFY2(!QFile::exists(second.kubeconfig), "the temporary kubeconfig must not outlive the sandbox");
    }

    // The real kubectl pages (--chunk-size, 500 by default) through a sandbox with 1,307 pods: every
    // pod exactly once, whatever the page size. kubectl is the witness of the sandbox's limit/continue.
    void pagesThroughACrowd_data()
    {
        QTest::addColumn<QString>("chunkSize");
        QTest::newRow("default (500)") << QString();
        QTest::newRow("100") << QStringLiteral("100");
        QTest::newRow("1306") << QStringLiteral("1306");
        QTest::newRow("0: no paging") << QStringLiteral("0");
    }
    void pagesThroughACrowd()
    {
        QFETCH(QString, chunkSize);
        if (!m_crowd) {
            m_crowd = std::make_unique<test::ServedSandbox>();
            QString why;
            QVERIFY2(
                m_crowd->start({ QStringLiteral("--crowd"), QStringLiteral("1300"), QStringLiteral("--kubeconfig-out"),
                                   m_dir.filePath(QStringLiteral("crowd-kubeconfig")) },
                    why),
                qPrintable(why));
        }
        QStringList args { QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"),
            QStringLiteral("production"), QStringLiteral("-o"), QStringLiteral("name") };
        if (!chunkSize.isEmpty())
            args << QStringLiteral("--chunk-size=") + chunkSize;
        const auto r = m_kubectl.runOn(m_crowd->kubeconfig, args, 120000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QList<QByteArray> names = r.out.trimmed().split('\n');
        QCOMPARE(names.size(), 1307);
        const QSet<QByteArray> unique(names.begin(), names.end());
        QCOMPARE(unique.size(), 1307);
        int crowd = 0;
        for (const QByteArray& n : names)
            crowd += n.startsWith("pod/batch-worker-");
        QCOMPARE(crowd, 1300);
    }

    // A continued page answered 410 Expired reaches kubectl as the API server's Status would.
    void expiredContinueTokenReachesKubectlAsExpired()
    {
        test::ServedSandbox expiring;
        QString why;
        QVERIFY2(expiring.start({ QStringLiteral("--crowd"), QStringLiteral("600"), QStringLiteral("--faults"),
                                    QStringLiteral("expire-continue=1"), QStringLiteral("--kubeconfig-out"),
                                    m_dir.filePath(QStringLiteral("expiring-kubeconfig")) },
                     why),
            qPrintable(why));
        const auto r = m_kubectl.runOn(expiring.kubeconfig,
            { QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"), QStringLiteral("production"),
                QStringLiteral("-o"), QStringLiteral("name") },
            120000);
        QVERIFY2(r.exitCode != 0, r.out.right(300).constData());
        QVERIFY2(r.err.contains("Expired") && r.err.contains("continue parameter is too old"), r.err.constData());
        QVERIFY(expiring.stop());
    }

    void cleanupTestCase()
    {
        if (m_crowd)
            QVERIFY(m_crowd->stop());
        QVERIFY(m_served.stop());
    }
};

QTEST_GUILESS_MAIN(TestKubectl)
#include "tst_kubectl.moc"
