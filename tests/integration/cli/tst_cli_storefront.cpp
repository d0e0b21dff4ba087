// Issue 16's witness: every storefront workload (a Helm-labelled StatefulSet with an istio-proxy
// and a native-sidecar log shipper, an Argo CD Deployment, a DaemonSet, an Argo Rollout, a
// CronJob) investigated by `leakdesk-cli investigate --workload KIND/NAME` against `sandbox serve`
// gets the right verdict, per container, and what it reports about the workload and its
// containers is what the real kubectl reads from the same API.
#include "TestSupport.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <map>

using namespace leakdesk::test;

namespace {

// "2Gi", "256Mi", "128Mi" as kubectl prints a limit (binary suffixes only in the scenario).
double quantityBytes(const QString& q)
{
    static const std::map<QString, double> units { { QStringLiteral("Ki"), 1024.0 },
        { QStringLiteral("Mi"), 1024.0 * 1024 }, { QStringLiteral("Gi"), 1024.0 * 1024 * 1024 } };
    for (const auto& [suffix, factor] : units)
        if (q.endsWith(suffix))
            return q.chopped(2).toDouble() * factor;
    return q.toDouble();
}

} // namespace

class TestCliStorefront : public QObject {
    Q_OBJECT
private:
    ServedSandbox m_sandbox;
    QString m_kubectl;
    qint64 m_nowMs = 0;

    QJsonObject investigate(const QStringList& what, int expectedExit)
    {
        const ProcessResult r = runProgram(cliPath(),
            QStringList { QStringLiteral("investigate"), QStringLiteral("--kubeconfig"), m_sandbox.kubeconfig,
                QStringLiteral("--prometheus"), m_sandbox.prometheusUrl, QStringLiteral("-n"),
                QStringLiteral("storefront"), QStringLiteral("--format"), QStringLiteral("json") }
                + what,
            120000);
        if (r.exitCode != expectedExit)
            qWarning("exit %d: %s", r.exitCode, r.err.constData());
        [&] { QCOMPARE(r.exitCode, expectedExit); }();
        return QJsonDocument::fromJson(r.out).object();
    }

    QString kubectl(const QStringList& args)
    {
        const ProcessResult r
            = runProgram(m_kubectl, QStringList { QStringLiteral("--kubeconfig"), m_sandbox.kubeconfig } + args, 60000);
        if (r.exitCode != 0)
            qWarning("kubectl %s: %s", qPrintable(args.join(QLatin1Char(' '))), r.err.constData());
        return QString::fromUtf8(r.out);
    }

private Q_SLOTS:
    void initTestCase()
    {
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("kubectl"));
        m_kubectl = findProgram(QStringLiteral("kubectl"));
        m_nowMs = qEnvironmentVariable("LEAKDESK_TEST_NOW_MS").toLongLong();
        if (m_nowMs == 0)
            m_nowMs = QDateTime::currentMSecsSinceEpoch();
        qInfo("sandbox clock pinned at %lld (LEAKDESK_TEST_NOW_MS replays it)", static_cast<long long>(m_nowMs));
        QString why;
        // No --scenario: the storefront is the sandbox's default scenario.
        QVERIFY2(m_sandbox.start({ QStringLiteral("--now-ms"), QString::number(m_nowMs) }, why), qPrintable(why));
    }

    // The kinds are there for kubectl as for LeakDesk.
    void kubectlSeesEveryKind()
    {
        const QString listed = kubectl({ QStringLiteral("get"), QStringLiteral("sts,ds,cronjob,deploy"), QStringLiteral("-n"),
            QStringLiteral("storefront"), QStringLiteral("-o"), QStringLiteral("name") });
        for (const char* name :
            { "statefulset.apps/search", "daemonset.apps/node-agent", "cronjob.batch/report", "deployment.apps/cart" })
            QVERIFY2(listed.contains(QLatin1String(name)), qPrintable(listed));
        const QString rollouts = kubectl({ QStringLiteral("get"), QStringLiteral("rollouts.argoproj.io"),
            QStringLiteral("-n"), QStringLiteral("storefront"), QStringLiteral("-o"), QStringLiteral("name") });
        QVERIFY2(rollouts.contains(QLatin1String("rollout.argoproj.io/recommender")), qPrintable(rollouts));
    }

    void verdicts_data()
    {
        QTest::addColumn<QString>("workload");
        QTest::addColumn<QString>("kind");
        QTest::addColumn<bool>("leak");
        QTest::addColumn<QString>("mainContainer");
        QTest::addColumn<QStringList>("sidecars"); // judged each on its own: none leaks
        QTest::newRow("statefulset, helm labels, sidecars")
            << "sts/search" << "StatefulSet" << true << "search"
            << QStringList { QStringLiteral("istio-proxy"), QStringLiteral("log-shipper") };
        QTest::newRow("deployment under argo cd") << "deployment/cart" << "Deployment" << true << "cart" << QStringList {};
        QTest::newRow("daemonset, healthy") << "ds/node-agent" << "DaemonSet" << false << "node-agent" << QStringList {};
        QTest::newRow("argo rollout, slow leak") << "rollout/recommender" << "Rollout" << true << "recommender"
                                                 << QStringList {};
        QTest::newRow("cronjob, runs that complete") << "cronjob/report" << "CronJob" << false << "report"
                                                     << QStringList {};
    }
    void verdicts()
    {
        QFETCH(QString, workload);
        QFETCH(QString, kind);
        QFETCH(bool, leak);
        QFETCH(QString, mainContainer);
        QFETCH(QStringList, sidecars);
        const QJsonObject j = investigate({ QStringLiteral("--workload"), workload }, 0);
        const QJsonObject w = j[QStringLiteral("workload")].toObject();
        QCOMPARE(w[QStringLiteral("kind")].toString(), kind);
        QCOMPARE(w[QStringLiteral("main_container")].toString(), mainContainer);
        const QJsonObject v = j[QStringLiteral("verdict")].toObject();
        QVERIFY2(v[QStringLiteral("leak")].toBool() == leak, qPrintable(v[QStringLiteral("summary")].toString()));
        QVERIFY(v[QStringLiteral("confidence")].toDouble() >= 0.5);
        const QJsonArray containers = j[QStringLiteral("containers")].toArray();
        QVERIFY(!containers.isEmpty());
        const QJsonObject main = containers.first().toObject();
        QCOMPARE(main[QStringLiteral("name")].toString(), mainContainer);
        QCOMPARE(main[QStringLiteral("role")].toString(), QStringLiteral("main"));
        // The top-level verdict is the main container's.
        QCOMPARE(main[QStringLiteral("verdict")].toObject()[QStringLiteral("pattern")], v[QStringLiteral("pattern")]);
        for (const QString& sidecar : sidecars) {
            bool found = false;
            for (const auto& c : containers) {
                const QJsonObject o = c.toObject();
                if (o[QStringLiteral("name")].toString() != sidecar)
                    continue;
                found = true;
                QCOMPARE(o[QStringLiteral("role")].toString(), QStringLiteral("sidecar"));
                const QJsonObject sv = o[QStringLiteral("verdict")].toObject();
                QVERIFY2(!sv.isEmpty() && !sv[QStringLiteral("leak")].toBool(),
                    qPrintable(sidecar + QStringLiteral(": ") + sv[QStringLiteral("summary")].toString()));
                QCOMPARE(o[QStringLiteral("oom_kills")].toInt(), 0);
            }
            QVERIFY2(found, qPrintable(sidecar));
        }
    }

    // Each container against its own limit: the limits LeakDesk reports are those kubectl reads
    // from the pod, containers and native sidecars alike.
    void containerLimitsAreThePods()
    {
        const QJsonObject j = investigate({ QStringLiteral("--workload"), QStringLiteral("statefulset/search") }, 0);
        const QString jsonpath = QStringLiteral(
            "{range .spec.containers[*]}{.name}={.resources.limits.memory}{\"\\n\"}{end}"
            "{range .spec.initContainers[*]}{.name}={.resources.limits.memory}{\"\\n\"}{end}");
        const QString limits = kubectl({ QStringLiteral("get"), QStringLiteral("pod"), QStringLiteral("search-0"),
            QStringLiteral("-n"), QStringLiteral("storefront"), QStringLiteral("-o"), QStringLiteral("jsonpath=") + jsonpath });
        std::map<QString, double> byName;
        for (const QString& line : limits.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
            const auto parts = line.split(QLatin1Char('='));
            if (parts.size() == 2 && !parts[1].isEmpty())
                byName[parts[0]] = quantityBytes(parts[1]);
        }
        QCOMPARE(byName.size(), std::size_t(3));
        const QJsonArray containers = j[QStringLiteral("containers")].toArray();
        QCOMPARE(containers.size(), 3);
        for (const auto& c : containers) {
            const QJsonObject o = c.toObject();
            const QString name = o[QStringLiteral("name")].toString();
            QVERIFY2(byName.count(name), qPrintable(name));
            QCOMPARE(o[QStringLiteral("limit_bytes")].toDouble(), byName[name]);
        }
        // The pods' own selector, never app=<name>: kubectl finds the same three pods with it.
        const QString selector = j[QStringLiteral("workload")].toObject()[QStringLiteral("selector")].toString();
        QVERIFY2(selector.contains(QStringLiteral("app.kubernetes.io/name=search")), qPrintable(selector));
        const QString pods = kubectl({ QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"),
            QStringLiteral("storefront"), QStringLiteral("-l"), selector, QStringLiteral("-o"), QStringLiteral("name") });
        QCOMPARE(pods.split(QLatin1Char('\n'), Qt::SkipEmptyParts).size(), 3);
        QCOMPARE(j[QStringLiteral("workload")].toObject()[QStringLiteral("queried_pods")].toInt(), 3);
    }

    // --service goes through the Service to its pods' workload; a bare name with no Service is the
    // workload of that name.
    void serviceResolvesToItsWorkload()
    {
        const QJsonObject viaService = investigate({ QStringLiteral("--service"), QStringLiteral("search") }, 0);
        const QJsonObject w = viaService[QStringLiteral("workload")].toObject();
        QCOMPARE(w[QStringLiteral("kind")].toString(), QStringLiteral("StatefulSet"));
        QCOMPARE(w[QStringLiteral("service")].toString(), QStringLiteral("search"));
        const QJsonObject bare = investigate({ QStringLiteral("--service"), QStringLiteral("node-agent") }, 0);
        QCOMPARE(bare[QStringLiteral("workload")].toObject()[QStringLiteral("kind")].toString(), QStringLiteral("DaemonSet"));
        QVERIFY(bare[QStringLiteral("workload")].toObject()[QStringLiteral("service")].isNull());
    }

    void cleanupTestCase() { QVERIFY(m_sandbox.stop()); }
};

QTEST_GUILESS_MAIN(TestCliStorefront)
#include "tst_cli_storefront.moc"
