// The real kubectl watching `leakdesk-cli sandbox serve`: `kubectl get pods -n production -w`
// prints the pods a `kubectl set env` rolls out while it runs (watch with Table output, the way
// kubectl 1.32 asks for it), `--output-watch-events` shows the event types, the change made by
// `kubectl set env` shows in the served Deployment, its new ReplicaSet and the new pods, and
// `kubectl rollout status` follows a rolling update to its end.

#include "KubectlHarness.h"
#include "TestSupport.h"

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

using namespace leakdesk;

namespace {

// Columns of kubectl's human-readable rows (separated by at least two spaces).
QStringList columns(const QString& line)
{
    return line.trimmed().split(QRegularExpression(QStringLiteral("\\s{2,}")));
}

// "checkout-45kjmkcs9w-wrxr4" -> "45kjmkcs9w"
QString templateHash(const QString& podName)
{
    return podName.section(QLatin1Char('-'), 1, 1);
}

// Watching kubectl never exits by itself: stopped whichever way the test ends.
struct ProcessGuard {
    QProcess& process;
    ~ProcessGuard() { test::stopProcess(process); }
};

} // namespace

class TestKubectlWatch : public QObject {
    Q_OBJECT
    test::KubectlHarness m_kubectl;
    test::ServedSandbox m_sandbox;
    QString m_oldHash; // checkout's pod-template-hash before `kubectl set env`
    QString m_newHash;

    test::ProcessResult kubectl(const QStringList& args) { return m_kubectl.run(args); }
    void startKubectl(QProcess& p, const QStringList& args) { m_kubectl.start(p, args); }

    // Reads what a long-running kubectl printed until `done` holds for it (or the deadline).
    static QString readUntil(QProcess& p, QString& out, const std::function<bool(const QString&)>& done, int timeoutMs)
    {
        QElapsedTimer timer;
        timer.start();
        while (!done(out) && timer.elapsed() < timeoutMs && p.state() == QProcess::Running) {
            p.waitForReadyRead(500);
            out += QString::fromUtf8(p.readAllStandardOutput());
        }
        out += QString::fromUtf8(p.readAllStandardOutput());
        return QString::fromUtf8(p.readAllStandardError());
    }

private Q_SLOTS:
    void initTestCase()
    {
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("kubectl"));
        const QString why = m_kubectl.serve(m_sandbox);
        QVERIFY2(why.isEmpty(), qPrintable(why));
    }

    void getPodsWatchSeesSetEnvRollout()
    {
        QProcess pods;
        startKubectl(pods,
            { QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"), QStringLiteral("production"),
                QStringLiteral("-w") });
        QProcess deployments;
        startKubectl(deployments,
            { QStringLiteral("get"), QStringLiteral("deployments"), QStringLiteral("-n"), QStringLiteral("production"),
                QStringLiteral("-w"), QStringLiteral("--output-watch-events") });
        const ProcessGuard stopPods { pods };
        const ProcessGuard stopDeployments { deployments };
        QVERIFY(pods.waitForStarted(10000) && deployments.waitForStarted(10000));

        // First the list, as `kubectl get pods` prints it: seven pods, three of them checkout's.
        QString podOut;
        QString err = readUntil(
            pods, podOut, [](const QString& o) { return o.count(QLatin1Char('\n')) >= 8; }, 30000);
        const QStringList initial = podOut.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QVERIFY2(initial.size() >= 8, qPrintable(podOut + err));
        QCOMPARE(columns(initial[0]), QStringList({ "NAME", "READY", "STATUS", "RESTARTS", "AGE" }));
        QStringList checkoutPods;
        for (const QString& line : initial.mid(1, 7))
            if (line.startsWith(QLatin1String("checkout-")))
                checkoutPods << columns(line)[0];
        QCOMPARE(checkoutPods.size(), 3);
        m_oldHash = templateHash(checkoutPods[0]);
        QString deployOut;
        readUntil(
            deployments, deployOut, [](const QString& o) { return o.contains(QLatin1String("catalog")); }, 30000);
        QVERIFY2(deployOut.startsWith(QLatin1String("EVENT")), qPrintable(deployOut));

        const auto env = kubectl({ QStringLiteral("set"), QStringLiteral("env"), QStringLiteral("deployment/checkout"),
            QStringLiteral("HEAP_LIMIT_RESTART=3584m"), QStringLiteral("-n"), QStringLiteral("production") });
        QVERIFY2(env.exitCode == 0, env.err.constData());
        QCOMPARE(env.out.trimmed(), QByteArray("deployment.apps/checkout env updated"));

        // The watch prints the first new checkout pod (new template hash) within a few polls,
        // without a header of its own.
        const qsizetype listed = podOut.size();
        auto newPodLine = [&](const QString& o) -> QString {
            // Complete lines only: kubectl's output may arrive in the middle of one.
            const QString added = o.mid(listed).left(o.mid(listed).lastIndexOf(QLatin1Char('\n')) + 1);
            for (const QString& line : added.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
                if (line.startsWith(QLatin1String("checkout-")) && templateHash(columns(line)[0]) != m_oldHash)
                    return line;
            return {};
        };
        err = readUntil(
            pods, podOut, [&](const QString& o) { return !newPodLine(o).isEmpty(); }, 20000);
        const QString line = newPodLine(podOut);
        QVERIFY2(!line.isEmpty(),
            qPrintable(QStringLiteral("no new checkout pod in the watch output:\n%1\n%2").arg(podOut, err)));
        QVERIFY(!podOut.mid(listed).contains(QLatin1String("NAME")));
        const QStringList cols = columns(line);
        QCOMPARE(cols.size(), 5);
        QVERIFY2(
            cols[2] == QLatin1String("ContainerCreating") || cols[2] == QLatin1String("Running"), qPrintable(line));
        QCOMPARE(cols[3], QStringLiteral("0"));
        m_newHash = templateHash(cols[0]);

        // The deployments watch reports the change of checkout as a MODIFIED event.
        auto modified = [](const QString& o) {
            for (const QString& l : o.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
                if (l.startsWith(QLatin1String("MODIFIED")) && columns(l).value(1) == QLatin1String("checkout"))
                    return true;
            return false;
        };
        err = readUntil(deployments, deployOut, modified, 20000);
        QVERIFY2(modified(deployOut), qPrintable(deployOut + err));
        QVERIFY(deployOut.contains(QLatin1String("ADDED")));
    }

    // The served Deployment holds the new env and revision; the new ReplicaSet and its pods too.
    void setEnvShowsInDeploymentAndNewPods()
    {
        QVERIFY2(!m_newHash.isEmpty(), "needs the rollout of the previous test");
        const auto d = kubectl({ QStringLiteral("get"), QStringLiteral("deployment"), QStringLiteral("checkout"),
            QStringLiteral("-n"), QStringLiteral("production"), QStringLiteral("-o"), QStringLiteral("json"),
            QStringLiteral("--show-managed-fields") });
        QVERIFY2(d.exitCode == 0, d.err.constData());
        const QJsonObject deployment = QJsonDocument::fromJson(d.out).object();
        const QJsonArray containers = deployment[QLatin1String("spec")][QLatin1String("template")]
                                                [QLatin1String("spec")][QLatin1String("containers")]
                                                    .toArray();
        QCOMPARE(containers.size(), 1);
        bool found = false;
        for (const auto& e : containers[0][QLatin1String("env")].toArray())
            if (e[QLatin1String("name")] == QLatin1String("HEAP_LIMIT_RESTART"))
                found = e[QLatin1String("value")] == QLatin1String("3584m");
        QVERIFY2(found, d.out.constData());
        const QJsonObject meta = deployment[QLatin1String("metadata")].toObject();
        QCOMPARE(meta[QLatin1String("generation")].toInt(), 2);
        QCOMPARE(meta[QLatin1String("annotations")][QLatin1String("deployment.kubernetes.io/revision")].toString(),
            QStringLiteral("2"));
        bool byKubectl = false;
        for (const auto& m : meta[QLatin1String("managedFields")].toArray())
            byKubectl = byKubectl || m[QLatin1String("manager")] == QLatin1String("kubectl-set");
        QVERIFY2(byKubectl, "kubectl set env sends fieldManager=kubectl-set");

        const auto rs
            = kubectl({ QStringLiteral("get"), QStringLiteral("rs"), QStringLiteral("-n"), QStringLiteral("production"),
                QStringLiteral("-l"), QStringLiteral("app=checkout"), QStringLiteral("--no-headers") });
        QVERIFY2(rs.exitCode == 0, rs.err.constData());
        QStringList rsNames;
        for (const QString& line : QString::fromUtf8(rs.out).split(QLatin1Char('\n'), Qt::SkipEmptyParts))
            rsNames << columns(line)[0];
        QVERIFY2(rsNames.contains(QStringLiteral("checkout-") + m_oldHash), rs.out.constData());
        QVERIFY2(rsNames.contains(QStringLiteral("checkout-") + m_newHash), rs.out.constData());

        const auto pods = kubectl(
            { QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"), QStringLiteral("production"),
                QStringLiteral("-l"), QStringLiteral("pod-template-hash=") + m_newHash, QStringLiteral("-o"),
                QStringLiteral(
                    "jsonpath={range "
                    ".items[*]}{.spec.containers[0].env[?(@.name==\"HEAP_LIMIT_RESTART\")].value}{\"\\n\"}{end}") });
        QVERIFY2(pods.exitCode == 0, pods.err.constData());
        const QStringList values = QString::fromUtf8(pods.out).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QVERIFY2(!values.isEmpty(), "the new ReplicaSet has pods");
        for (const QString& v : values)
            QCOMPARE(v, QStringLiteral("3584m"));
    }

    // `kubectl rollout status` watches the Deployment until its new pods are all ready and the
    // old ones gone: it must follow the sandbox's rolling update to the end.
    void rolloutStatusFollowsTheRollout()
    {
        QProcess watcher;
        startKubectl(watcher,
            { QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"), QStringLiteral("production"),
                QStringLiteral("-l"), QStringLiteral("app=catalog"), QStringLiteral("-w") });
        const ProcessGuard stopWatcher { watcher };
        QVERIFY(watcher.waitForStarted(10000));
        QString watched;
        readUntil(
            watcher, watched, [](const QString& o) { return o.count(QLatin1Char('\n')) >= 3; }, 30000);
        QVERIFY2(watched.startsWith(QLatin1String("NAME")), qPrintable(watched));
        const auto env = kubectl({ QStringLiteral("set"), QStringLiteral("env"), QStringLiteral("deployment/catalog"),
            QStringLiteral("WATCHED_ROLLOUT=1"), QStringLiteral("-n"), QStringLiteral("production") });
        QVERIFY2(env.exitCode == 0, env.err.constData());
        const auto status
            = m_kubectl.run({ QStringLiteral("rollout"), QStringLiteral("status"), QStringLiteral("deployment/catalog"),
                                QStringLiteral("-n"), QStringLiteral("production"), QStringLiteral("--timeout=150s") },
                160000);
        QVERIFY2(status.exitCode == 0, QByteArray(status.out + status.err).constData());
        QVERIFY2(status.out.contains("Waiting for deployment \"catalog\" rollout to finish"), status.out.constData());
        QVERIFY2(
            status.out.trimmed().endsWith("deployment \"catalog\" successfully rolled out"), status.out.constData());
        const auto pods = kubectl(
            { QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"), QStringLiteral("production"),
                QStringLiteral("-l"), QStringLiteral("app=catalog"), QStringLiteral("--no-headers") });
        QVERIFY2(pods.exitCode == 0, pods.err.constData());
        QSet<QString> hashes;
        for (const QString& line : QString::fromUtf8(pods.out).split(QLatin1Char('\n'), Qt::SkipEmptyParts))
            hashes << templateHash(columns(line)[0]);
        QCOMPARE(hashes.size(), 1); // only the new ReplicaSet's pods are left
        // Meanwhile the watch showed the replaced pods going: Terminating, as kubectl prints a pod
        // with a deletionTimestamp.
        readUntil(
            watcher, watched, [](const QString& o) { return o.contains(QLatin1String("Terminating")); }, 5000);
        QVERIFY2(watched.contains(QLatin1String("Terminating")), qPrintable(watched));
    }

    void cleanupTestCase() { QVERIFY(m_sandbox.stop()); }
};

QTEST_GUILESS_MAIN(TestKubectlWatch)
#include "tst_kubectl_watch.moc"
