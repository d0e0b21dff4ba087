// Which alerts are about memory (the default rules and configured ones), which workload each
// names, the silence of a workload's alerts (its pod names now and after a rollout), and the
// Alertmanager JSON read back, on label sets and bodies invented for each class of input.
#include "core/alerts/AlertIncident.h"
#include "core/alerts/AlertWorkloads.h"
#include "core/alerts/AlertmanagerApi.h"
#include "core/alerts/MemoryAlerts.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::alerts;
using nlohmann::json;

Q_DECLARE_METATYPE(Labels)

namespace {

Labels labelsFrom(const QString& text)
{
    Labels l;
    for (const QString& pair : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        const int eq = pair.indexOf(QLatin1Char('='));
        l[pair.left(eq).toStdString()] = pair.mid(eq + 1).toStdString();
    }
    return l;
}

} // namespace

class TestMemoryAlerts : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void defaultsCompile() { QVERIFY(MemoryAlertMatcher::create(defaultMemoryAlertRules()).ok()); }

    void defaultMatcher_data()
    {
        QTest::addColumn<QString>("labels");
        QTest::addColumn<QString>("category"); // "" = not a memory alert
        QTest::newRow("kube-prometheus crash loop") << "alertname=KubePodCrashLooping namespace=shop pod=cart-0"
                                                    << "crash-loop";
        QTest::newRow("awesome-prometheus OOM killer") << "alertname=KubernetesContainerOomKiller namespace=a pod=b"
                                                       << "oom-kill";
        QTest::newRow("hand-written OOM name") << "alertname=PaymentsOOMKilledTwice namespace=pay"
                                               << "oom-kill";
        QTest::newRow("near limit") << "alertname=ContainerMemoryNearLimit namespace=x pod=y"
                                    << "near-limit";
        QTest::newRow("memory quota almost full") << "alertname=KubeQuotaAlmostFull namespace=x resource=limits.memory"
                                                  << "near-limit";
        QTest::newRow("cpu quota almost full is not memory")
            << "alertname=KubeQuotaAlmostFull namespace=x resource=requests.cpu"
            << "";
        QTest::newRow("overcommit, cluster-wide") << "alertname=KubeMemoryOvercommit severity=warning"
                                                  << "overcommit";
        QTest::newRow("watchdog") << "alertname=Watchdog severity=none"
                                  << "";
        QTest::newRow("cpu throttling") << "alertname=CPUThrottlingHigh namespace=a pod=b"
                                        << "";
        QTest::newRow("a name containing OOM only as a word part") << "alertname=RoomTemperatureHigh"
                                                                   << "";
        QTest::newRow("a crash-loop name of its own") << "alertname=ShopCrashLoopDetected"
                                                      << "crash-loop";
        QTest::newRow("anchored: no partial name match") << "alertname=XKubeMemoryOvercommitX"
                                                         << "";
        QTest::newRow("no alertname") << "namespace=a pod=b"
                                      << "";
    }
    void defaultMatcher()
    {
        QFETCH(QString, labels);
        QFETCH(QString, category);
        const auto got = MemoryAlertMatcher::defaults().match(labelsFrom(labels));
        QCOMPARE(got ? QString::fromLatin1(memoryAlertCategoryName(*got)) : QString(), category);
    }

    void configuredRules_data()
    {
        QTest::addColumn<QString>("labels");
        QTest::addColumn<QString>("category");
        QTest::newRow("named, label matches") << "alertname=ShopHeapHigh team=shop severity=critical"
                                              << "near-limit";
        QTest::newRow("named, label does not match") << "alertname=ShopHeapHigh team=search severity=critical"
                                                     << "";
        QTest::newRow("named, label missing") << "alertname=ShopHeapHigh severity=critical"
                                              << "";
        QTest::newRow("default names are replaced") << "alertname=KubePodCrashLooping namespace=a"
                                                    << "";
        QTest::newRow("regular expression") << "alertname=Restarts5m severity=page"
                                            << "crash-loop";
    }
    void configuredRules()
    {
        QFETCH(QString, labels);
        QFETCH(QString, category);
        const std::vector<prometheus::MemoryAlertRuleSetting> rules {
            { "ShopHeapHigh", "near-limit", { { "team", "shop|payments" } } },
            { "Restarts[0-9]+m", "crash-loop", {} },
        };
        auto matcher = MemoryAlertMatcher::fromConfig(rules, "config.yaml");
        QVERIFY2(matcher.ok(), matcher.ok() ? "" : matcher.error().message.c_str());
        const auto got = matcher->match(labelsFrom(labels));
        QCOMPARE(got ? QString::fromLatin1(memoryAlertCategoryName(*got)) : QString(), category);
    }

    void badConfiguredRules_data()
    {
        QTest::addColumn<QString>("alertname");
        QTest::addColumn<QString>("category");
        QTest::addColumn<QString>("labelRegex");
        QTest::addColumn<QString>("says");
        QTest::newRow("alertname not a regex") << "Kube(Pod"
                                               << ""
                                               << ""
                                               << "no regular expression";
        QTest::newRow("unknown category") << "X"
                                          << "memory-ish"
                                          << ""
                                          << "unknown category";
        QTest::newRow("label regex broken") << "X"
                                            << ""
                                            << "[a-"
                                            << "label 'team'";
    }
    void badConfiguredRules()
    {
        QFETCH(QString, alertname);
        QFETCH(QString, category);
        QFETCH(QString, labelRegex);
        QFETCH(QString, says);
        prometheus::MemoryAlertRuleSetting rule { alertname.toStdString(), category.toStdString(), {} };
        if (!labelRegex.isEmpty())
            rule.labels["team"] = labelRegex.toStdString();
        const auto m = MemoryAlertMatcher::fromConfig({ rule }, "cfg.yaml");
        QVERIFY(!m.ok());
        QVERIFY2(QString::fromStdString(m.error().message).contains(says), m.error().message.c_str());
        QVERIFY(QString::fromStdString(m.error().message).startsWith(QStringLiteral("cfg.yaml")));
    }

    void targetFromLabels_data()
    {
        QTest::addColumn<QString>("labels");
        QTest::addColumn<QString>("ns");
        QTest::addColumn<QString>("workload"); // "" = none
        QTest::addColumn<QString>("pod");
        QTest::newRow("pod only") << "alertname=A namespace=shop pod=cart-7d9f8b6c5d-x2x9q"
                                  << "shop"
                                  << ""
                                  << "cart-7d9f8b6c5d-x2x9q";
        QTest::newRow("deployment label") << "namespace=shop deployment=cart pod=cart-1-abcde"
                                          << "shop"
                                          << "deployment/cart"
                                          << "cart-1-abcde";
        QTest::newRow("statefulset label") << "namespace=db statefulset=pg"
                                           << "db"
                                           << "statefulset/pg"
                                           << "";
        QTest::newRow("daemonset label") << "namespace=kube-system daemonset=agent"
                                         << "kube-system"
                                         << "daemonset/agent"
                                         << "";
        QTest::newRow("job_name label") << "namespace=batch job_name=nightly-1234"
                                        << "batch"
                                        << "job/nightly-1234"
                                        << "";
        QTest::newRow("job is the scrape job, not a Job") << "namespace=shop job=kube-state-metrics pod=p-0"
                                                          << "shop"
                                                          << ""
                                                          << "p-0";
        QTest::newRow("kube-prometheus workload labels") << "namespace=web workload=front workload_type=deployment"
                                                         << "web"
                                                         << "deployment/front"
                                                         << "";
        QTest::newRow("workload with an unknown type") << "namespace=web workload=front workload_type=gizmo pod=p"
                                                       << "web"
                                                       << ""
                                                       << "p";
        QTest::newRow("exported_namespace") << "exported_namespace=pay pod=p-1"
                                            << "pay"
                                            << ""
                                            << "p-1";
        QTest::newRow("cluster-wide") << "alertname=KubeMemoryOvercommit"
                                      << ""
                                      << ""
                                      << "";
        QTest::newRow("rollout label") << "namespace=shop rollout=recommender"
                                       << "shop"
                                       << "rollout/recommender"
                                       << "";
    }
    void targetFromLabels()
    {
        QFETCH(QString, labels);
        QFETCH(QString, ns);
        QFETCH(QString, workload);
        QFETCH(QString, pod);
        const AlertTarget t = alerts::targetFromLabels(labelsFrom(labels));
        QCOMPARE(QString::fromStdString(t.ns), ns);
        QCOMPARE(t.workload ? QString::fromStdString(workloadTarget(*t.workload)) : QString(), workload);
        QCOMPARE(QString::fromStdString(t.pod), pod);
    }

    void silenceCoversTheWorkloadsPods_data()
    {
        QTest::addColumn<QString>("workload");
        QTest::addColumn<QString>("labels");
        QTest::addColumn<bool>("silenced");
        QTest::newRow("deployment's pod")
            << "deployment/checkout"
            << "alertname=KubePodCrashLooping namespace=shop pod=checkout-5d8f9c7b6d-qwert" << true;
        QTest::newRow("the rollout's new pod")
            << "deployment/checkout"
            << "alertname=KubeContainerOOMKilled namespace=shop pod=checkout-79b5c4d8f9-zzzzz" << true;
        QTest::newRow("another deployment with the name as prefix")
            << "deployment/checkout"
            << "alertname=KubePodCrashLooping namespace=shop pod=checkout-api-5d8f9c7b6d-qwert" << false;
        QTest::newRow("same pod name, other namespace")
            << "deployment/checkout"
            << "alertname=KubePodCrashLooping namespace=prod pod=checkout-5d8f9c7b6d-qwert" << false;
        QTest::newRow("not a memory alert")
            << "deployment/checkout"
            << "alertname=CPUThrottlingHigh namespace=shop pod=checkout-5d8f9c7b6d-qwert" << false;
        QTest::newRow("statefulset ordinal") << "statefulset/search"
                                             << "alertname=KubeContainerOOMKilled namespace=shop pod=search-12" << true;
        QTest::newRow("statefulset: not a hash pod")
            << "statefulset/search"
            << "alertname=KubeContainerOOMKilled namespace=shop pod=search-abcde" << false;
        QTest::newRow("daemonset pod") << "daemonset/agent"
                                       << "alertname=ContainerMemoryNearLimit namespace=shop pod=agent-x7k2p" << true;
        QTest::newRow("a dot in the name is literal")
            << "deployment/a.b"
            << "alertname=KubePodCrashLooping namespace=shop pod=aXb-5d8f9c7b6d-qwert" << false;
    }
    void silenceCoversTheWorkloadsPods()
    {
        QFETCH(QString, workload);
        QFETCH(QString, labels);
        QFETCH(bool, silenced);
        auto ref = kube::parseWorkloadRef(workload.toStdString());
        QVERIFY(ref.ok());
        const auto matchers = silenceMatchersFor("shop", *ref, MemoryAlertMatcher::defaults());
        QCOMPARE(matchersMatch(matchers, labelsFrom(labels)), silenced);
    }

    void silencePlanCarriesTheIncident()
    {
        Alert a;
        a.fingerprint = "0123456789abcdef";
        a.labels = labelsFrom(QStringLiteral("alertname=KubePodCrashLooping namespace=shop pod=cart-5d8f9c7b6d-aaaaa"));
        const auto firing = memoryAlerts({ a }, MemoryAlertMatcher::defaults());
        const auto plan = planWorkloadSilence("http://am:9093", "shop", { kube::WorkloadKind::Deployment, "cart" },
            MemoryAlertMatcher::defaults(), 2 * 3600 * 1000, "6f1c-incident", "raise-limit rolling out", "me", 1000,
            firing);
        QVERIFY(QString::fromStdString(plan.silence.comment).contains(QStringLiteral("6f1c-incident")));
        QCOMPARE(plan.silence.endsAtMs - plan.silence.startsAtMs, std::int64_t(2 * 3600 * 1000));
        QCOMPARE(plan.matchedNow.size(), std::size_t(1));
        QVERIFY(
            QString::fromStdString(plan.amtool)
                .startsWith(QStringLiteral("amtool --alertmanager.url='http://am:9093' silence add --duration=2h")));
        // The record survives the incident file.
        SilenceRecord r { "http://am:9093", "abc-123", "shop", "Deployment/cart", plan.silence.matchers, 1000, 7201000,
            plan.silence.comment };
        const auto back = SilenceRecord::fromJson(json::parse(r.toJson().dump()));
        QVERIFY(back.ok());
        QCOMPARE(back->matchers, r.matchers);
        QCOMPARE(back->endsAtMs, r.endsAtMs);
    }

    void durations_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("ms"); // -1: refused
        QTest::newRow("2h") << "2h" << qint64(7200000);
        QTest::newRow("90m") << "90m" << qint64(5400000);
        QTest::newRow("1h30m") << "1h30m" << qint64(5400000);
        QTest::newRow("1d") << "1d" << qint64(86400000);
        QTest::newRow("no unit") << "120" << qint64(-1);
        QTest::newRow("empty") << "" << qint64(-1);
        QTest::newRow("seconds only, under a minute") << "30s" << qint64(-1);
        QTest::newRow("over 30 days") << "31d" << qint64(-1);
        QTest::newRow("negative") << "-2h" << qint64(-1);
        QTest::newRow("huge number") << "99999999999h" << qint64(-1);
    }
    void durations()
    {
        QFETCH(QString, text);
        QFETCH(qint64, ms);
        const auto d = parseSilenceDuration(text.toStdString());
        QCOMPARE(d.ok() ? qint64(*d) : qint64(-1), ms);
    }

    void parseAlertsBodies_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("alerts"); // -1: an Error
        QTest::newRow("empty list") << QByteArray("[]") << 0;
        QTest::newRow("one, nanoseconds") << QByteArray(
            R"([{"fingerprint":"ab","labels":{"alertname":"X"},"annotations":{},"startsAt":"2026-12-07T17:00:00.123456789Z","endsAt":"0001-01-01T00:00:00Z","status":{"state":"suppressed","silencedBy":["s1"],"inhibitedBy":[]},"receivers":[{"name":"n"}]}])")
                                          << 1;
        QTest::newRow("not JSON") << QByteArray("<html>") << -1;
        QTest::newRow("an object, not a list") << QByteArray(R"({"data":[]})") << -1;
        QTest::newRow("label value a number") << QByteArray(R"([{"fingerprint":"ab","labels":{"alertname":3}}])") << -1;
        QTest::newRow("no fingerprint") << QByteArray(R"([{"labels":{"alertname":"X"}}])") << -1;
        QTest::newRow("bad time") << QByteArray(R"([{"fingerprint":"ab","labels":{},"startsAt":"yesterday"}])") << -1;
        QTest::newRow("status not an object is ignored")
            << QByteArray(R"([{"fingerprint":"ab","labels":{},"status":7}])") << 1;
    }
    void parseAlertsBodies()
    {
        QFETCH(QByteArray, body);
        QFETCH(int, alerts);
        const auto r = parseAlerts(body);
        QCOMPARE(r.ok() ? int(r->size()) : -1, alerts);
        if (r.ok() && alerts == 1 && body.contains("suppressed")) {
            QCOMPARE((*r)[0].silencedBy, std::vector<std::string> { "s1" });
            QCOMPARE((*r)[0].endsAtMs, std::int64_t(0));
            QCOMPARE(formatAlertmanagerTime((*r)[0].startsAtMs), std::string("2026-12-07T17:00:00.123Z"));
        }
    }

    void workloadsFromPodOwners()
    {
        // A pod of a Deployment (through its ReplicaSet), one of a StatefulSet, and one that is gone.
        const json pods = json::parse(R"([
            {"metadata":{"name":"cart-5d8f9c7b6d-aaaaa","ownerReferences":[{"kind":"ReplicaSet","name":"cart-5d8f9c7b6d","controller":true,"uid":"1"}]}},
            {"metadata":{"name":"search-0","ownerReferences":[{"kind":"StatefulSet","name":"search","controller":true,"uid":"2"}]}}])");
        const json replicaSets = json::parse(R"([
            {"metadata":{"name":"cart-5d8f9c7b6d","ownerReferences":[{"kind":"Deployment","name":"cart","controller":true,"uid":"3"}]}}])");
        std::vector<Alert> raw;
        for (const char* pod : { "cart-5d8f9c7b6d-aaaaa", "search-0", "gone-6c7d8e9f0a-bbbbb" }) {
            Alert a;
            a.fingerprint = pod;
            a.labels = { { "alertname", "KubeContainerOOMKilled" }, { "namespace", "shop" }, { "pod", pod } };
            raw.push_back(a);
        }
        auto list = memoryAlerts(raw, MemoryAlertMatcher::defaults());
        std::vector<std::string> notes;
        resolveFromObjects(list, "shop", pods, replicaSets, json::array(), notes);
        std::map<std::string, std::string> byPod;
        for (const auto& a : list)
            byPod[a.target.pod] = a.target.workload ? workloadTarget(*a.target.workload) : "";
        QCOMPARE(byPod["cart-5d8f9c7b6d-aaaaa"], std::string("deployment/cart"));
        QCOMPARE(byPod["search-0"], std::string("statefulset/search"));
        QCOMPARE(byPod["gone-6c7d8e9f0a-bbbbb"], std::string());
        QCOMPARE(notes.size(), std::size_t(1));
        QVERIFY(QString::fromStdString(notes[0]).contains(QStringLiteral("no longer exists")));
    }
};

QTEST_GUILESS_MAIN(TestMemoryAlerts)
#include "tst_memory_alerts.moc"
