// The real Alertmanager (Debian's prometheus-alertmanager 0.25), alerts posted with amtool as
// Prometheus would send them: LeakDesk lists the memory ones (not the others) with their
// workloads, a silence it creates for a workload is what `amtool silence query` shows (with the
// incident's id in its comment) and silences exactly that workload's alerts, and the revert
// expires it: amtool no longer lists it as active, and a second revert says it had expired.
#include "TestSupport.h"
#include "WaitForResult.h"
#include "core/alerts/AlertIncident.h"
#include "core/alerts/AlertmanagerClient.h"
#include "core/alerts/MemoryAlerts.h"

#include <QDateTime>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <set>

#include <nlohmann/json.hpp>

using namespace leakdesk;
using namespace leakdesk::alerts;

class TestAlertmanagerWitness : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QProcess m_alertmanager;
    QUrl m_url;
    QString m_amtool;

    test::ProcessResult amtool(QStringList args)
    {
        args.prepend(QStringLiteral("--alertmanager.url=") + m_url.toString());
        return test::runProgram(m_amtool, args, 30000);
    }
    void addAlert(const QStringList& nameAndLabels)
    {
        const auto r = amtool(QStringList { QStringLiteral("alert"), QStringLiteral("add") } + nameAndLabels);
        QVERIFY2(r.exitCode == 0, r.err.constData());
    }
    std::unique_ptr<AlertmanagerClient> client()
    {
        prometheus::PromConnection c;
        c.baseUrl = m_url;
        c.useEnvironmentProxy = false;
        return std::make_unique<AlertmanagerClient>(c);
    }
    // amtool's view of the silences: id -> comment, active only unless `expired`.
    std::map<std::string, std::string> amtoolSilences(bool expired)
    {
        QStringList args { QStringLiteral("silence"), QStringLiteral("query"), QStringLiteral("-o"),
            QStringLiteral("json") };
        if (expired)
            args << QStringLiteral("--expired");
        const auto r = amtool(args);
        std::map<std::string, std::string> out;
        if (r.exitCode != 0)
            return out;
        for (const auto& s : nlohmann::json::parse(r.out.toStdString()))
            out[s.at("id").get<std::string>()] = s.value("comment", std::string());
        return out;
    }

private Q_SLOTS:
    void initTestCase()
    {
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("prometheus-alertmanager"));
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("amtool"));
        m_amtool = test::findProgram(QStringLiteral("amtool"));
        QVERIFY(m_dir.isValid());
        QString why;
        QVERIFY2(test::startLocalAlertmanager(m_alertmanager,
                     test::findProgram(QStringLiteral("prometheus-alertmanager")), m_dir.path(), m_url, why),
            qPrintable(why + QLatin1Char('\n') + QString::fromUtf8(m_alertmanager.readAll())));
        // As kube-prometheus' rules label them; a non-memory alert beside them.
        addAlert({ QStringLiteral("KubePodCrashLooping"), QStringLiteral("namespace=shop"),
            QStringLiteral("pod=cart-5d8f9c7b6d-qwert"), QStringLiteral("container=cart"),
            QStringLiteral("severity=warning") });
        addAlert({ QStringLiteral("KubeContainerOOMKilled"), QStringLiteral("namespace=shop"),
            QStringLiteral("pod=cart-5d8f9c7b6d-asdfg"), QStringLiteral("container=cart") });
        addAlert({ QStringLiteral("ContainerMemoryNearLimit"), QStringLiteral("namespace=shop"),
            QStringLiteral("statefulset=search"), QStringLiteral("pod=search-1") });
        addAlert({ QStringLiteral("KubeMemoryOvercommit"), QStringLiteral("severity=warning") });
        addAlert({ QStringLiteral("CPUThrottlingHigh"), QStringLiteral("namespace=shop"),
            QStringLiteral("pod=cart-5d8f9c7b6d-qwert") });
        addAlert({ QStringLiteral("Watchdog"), QStringLiteral("severity=none") });
    }
    void cleanupTestCase() { test::stopProcess(m_alertmanager); }

    void memoryAlertsListedWithWorkloads()
    {
        auto c = client();
        auto all = test::waitForResult<std::vector<Alert>>([&](auto cb) { c->alerts({}, nullptr, cb); });
        QVERIFY2(all.ok(), all.ok() ? "" : all.error().message.c_str());
        QCOMPARE(all->size(), std::size_t(6));
        const auto memory = memoryAlerts(*all, MemoryAlertMatcher::defaults());
        std::map<std::string, std::string> byName;
        for (const auto& a : memory)
            byName[a.alert.name() + " " + a.alert.label("pod")]
                = a.targetText() + " " + memoryAlertCategoryName(a.category);
        const std::map<std::string, std::string> expected {
            { "KubePodCrashLooping cart-5d8f9c7b6d-qwert", "shop/pod/cart-5d8f9c7b6d-qwert crash-loop" },
            { "KubeContainerOOMKilled cart-5d8f9c7b6d-asdfg", "shop/pod/cart-5d8f9c7b6d-asdfg oom-kill" },
            { "ContainerMemoryNearLimit search-1", "shop/StatefulSet/search near-limit" },
            { "KubeMemoryOvercommit ", "cluster-wide overcommit" },
        };
        for (const auto& [k, v] : byName)
            qInfo("%s -> %s", k.c_str(), v.c_str());
        QCOMPARE(byName.size(), expected.size());
        for (const auto& [k, v] : expected) {
            QVERIFY2(byName.count(k), k.c_str());
            QVERIFY2(
                byName[k] == v || byName[k] == "shop/statefulset/search near-limit", (byName[k] + " vs " + v).c_str());
        }
        // A filter goes to the server: only namespace shop.
        AlertQuery q;
        q.filter = { { "namespace", "shop", false, true } };
        auto shop = test::waitForResult<std::vector<Alert>>([&](auto cb) { c->alerts(q, nullptr, cb); });
        QCOMPARE(shop->size(), std::size_t(4));
    }

    void silenceSeenByAmtoolAndExpiredOnRevert()
    {
        auto c = client();
        auto all = test::waitForResult<std::vector<Alert>>([&](auto cb) { c->alerts({}, nullptr, cb); });
        QVERIFY(all.ok());
        const auto firing = memoryAlerts(*all, MemoryAlertMatcher::defaults());
        const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
        const auto plan = planWorkloadSilence(m_url.toString().toStdString(), "shop",
            { kube::WorkloadKind::Deployment, "cart" }, MemoryAlertMatcher::defaults(), 2 * 3600 * 1000,
            "incident-4711", "raise-limit of Deployment/cart rolling out", "leakdesk test", now, firing);
        QCOMPARE(plan.matchedNow.size(), std::size_t(2)); // the crash loop and the OOM kill of cart's pods
        auto id = test::waitForResult<std::string>([&](auto cb) { c->createSilence(plan.silence, nullptr, cb); });
        QVERIFY2(id.ok(), id.ok() ? "" : id.error().message.c_str());

        // amtool sees it, with the incident's id in its comment.
        const auto active = amtoolSilences(false);
        QVERIFY2(active.count(*id), "amtool silence query does not list the silence");
        QVERIFY(QString::fromStdString(active.at(*id)).contains(QStringLiteral("incident-4711")));
        // amtool's own query of matching alerts: exactly cart's memory alerts are silenced.
        const auto silencedByAmtool = amtool({ QStringLiteral("alert"), QStringLiteral("query"),
            QStringLiteral("--silenced"), QStringLiteral("-o"), QStringLiteral("json") });
        QVERIFY2(silencedByAmtool.exitCode == 0, silencedByAmtool.err.constData());
        std::set<std::string> silencedNames;
        for (const auto& a : nlohmann::json::parse(silencedByAmtool.out.toStdString()))
            silencedNames.insert(a.at("labels").at("alertname").get<std::string>());
        QVERIFY(silencedNames == (std::set<std::string> { "KubeContainerOOMKilled", "KubePodCrashLooping" }));

        // The revert: the silence is expired, and amtool lists it among the expired ones only.
        SilenceRecord record { m_url.toString().toStdString(), *id, "shop", "Deployment/cart", plan.silence.matchers,
            plan.silence.startsAtMs, plan.silence.endsAtMs, plan.silence.comment };
        auto expired = test::waitForResult<ExpiredSilence>([&](auto cb) { expireSilence(*c, record, nullptr, cb); });
        QVERIFY2(expired.ok(), expired.ok() ? "" : expired.error().message.c_str());
        QVERIFY(!expired->alreadyExpired);
        QVERIFY(!amtoolSilences(false).count(*id));
        QVERIFY(amtoolSilences(true).count(*id));
        // Reverting again says it had expired, and changes nothing.
        auto again = test::waitForResult<ExpiredSilence>([&](auto cb) { expireSilence(*c, record, nullptr, cb); });
        QVERIFY(again.ok());
        QVERIFY(again->alreadyExpired);
        QVERIFY(QString::fromStdString(again->summary).contains(QStringLiteral("already expired")));
    }
};

QTEST_GUILESS_MAIN(TestAlertmanagerWitness)
#include "tst_alertmanager_witness.moc"
