// What the user names, resolved as a real cluster would have it (issue 16 item 1): Services whose
// selector leads to pods owned by a Deployment, a StatefulSet, a Rollout or two workloads at once;
// KIND/NAME of every kind; bare names that are a Service, a workload, or several workloads; kinds
// that could not be listed. Every object is invented, in the shapes the API server returns.
#include "core/kube/WorkloadResolution.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::kube;
using nlohmann::json;

namespace {

json owner(const std::string& kind, const std::string& name)
{
    return json::array({ { { "apiVersion", "apps/v1" }, { "kind", kind }, { "name", name }, { "uid", "u-" + name },
        { "controller", true } } });
}

json meta(const std::string& name, const json& labels, const json& owners = nullptr)
{
    json m = { { "name", name }, { "namespace", "shop" }, { "labels", labels } };
    if (!owners.is_null())
        m["ownerReferences"] = owners;
    return m;
}

json workload(const std::string& name, const json& selector)
{
    return { { "metadata", meta(name, selector) }, { "spec", { { "selector", { { "matchLabels", selector } } } } } };
}

json service(const std::string& name, const json& selector)
{
    json s = { { "metadata", meta(name, json::object()) }, { "spec", json::object() } };
    if (!selector.is_null())
        s["spec"]["selector"] = selector;
    return s;
}

json pod(const std::string& name, const json& labels, const json& owners)
{
    return { { "metadata", meta(name, labels, owners) } };
}

// shop: Helm-labelled StatefulSet `search` behind Service `search`; Deployment `cart` and its
// canary Rollout `cart-canary` both behind Service `cart`; DaemonSet `agent`; CronJob `report`;
// a Deployment and a StatefulSet both named `ledger`; Service `legacy` without a selector;
// Service `ghost` selecting nothing.
NamespaceObjects shop()
{
    NamespaceObjects o;
    const json helm = { { "app.kubernetes.io/name", "search" }, { "app.kubernetes.io/instance", "prod" } };
    const json cart = { { "app", "cart" } };
    o.services = json::array({ service("search", helm), service("cart", cart), service("legacy", nullptr),
        service("ghost", { { "app", "ghost" } }) });
    o.workloads[WorkloadKind::StatefulSet]
        = json::array({ workload("search", helm), workload("ledger", { { "app", "ledger-sts" } }) });
    o.workloads[WorkloadKind::Deployment]
        = json::array({ workload("cart", { { "app", "cart" }, { "track", "stable" } }),
            workload("ledger", { { "app", "ledger" } }) });
    o.workloads[WorkloadKind::Rollout]
        = json::array({ workload("cart-canary", { { "app", "cart" }, { "track", "canary" } }) });
    o.workloads[WorkloadKind::DaemonSet] = json::array({ workload("agent", { { "app", "agent" } }) });
    json cronJob = { { "metadata", meta("report", json::object()) }, { "spec", { { "schedule", "0 * * * *" } } } };
    o.workloads[WorkloadKind::CronJob] = json::array({ cronJob });
    o.replicaSets = json::array({ { { "metadata", meta("cart-7f9c", cart, owner("Deployment", "cart")) } },
        { { "metadata", meta("cart-canary-55d", cart, owner("Rollout", "cart-canary")) } },
        { { "metadata", meta("ledger-66b", { { "app", "ledger" } }, owner("Deployment", "ledger")) } } });
    o.jobs
        = json::array({ { { "metadata", meta("report-2901", { { "job", "report" } }, owner("CronJob", "report")) } } });
    for (int i = 0; i < 3; ++i)
        o.pods.push_back(pod("search-" + std::to_string(i), helm, owner("StatefulSet", "search")));
    for (const char* s : { "aaaaa", "bbbbb", "ccccc" })
        o.pods.push_back(pod(std::string("cart-7f9c-") + s, { { "app", "cart" }, { "track", "stable" } },
            owner("ReplicaSet", "cart-7f9c")));
    o.pods.push_back(pod(
        "cart-canary-55d-zzzzz", { { "app", "cart" }, { "track", "canary" } }, owner("ReplicaSet", "cart-canary-55d")));
    o.pods.push_back(pod("agent-k2x9p", { { "app", "agent" } }, owner("DaemonSet", "agent")));
    o.pods.push_back(pod("report-2901-qq", { { "job", "report" } }, owner("Job", "report-2901")));
    o.pods.push_back(pod("ledger-66b-xxxxx", { { "app", "ledger" } }, owner("ReplicaSet", "ledger-66b")));
    o.pods.push_back(pod("ledger-0", { { "app", "ledger-sts" } }, owner("StatefulSet", "ledger")));
    // Taken out of its ReplicaSet for a heap dump: no owner any more, labels kept on purpose.
    o.pods.push_back(pod("cart-7f9c-isolated", { { "app", "cart" }, { "track", "stable" } }, nullptr));
    return o;
}

QStringList names(const std::vector<std::string>& v)
{
    QStringList out;
    for (const auto& s : v)
        out << QString::fromStdString(s);
    out.sort();
    return out;
}

} // namespace

class TestWorkloadResolution : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void resolves_data()
    {
        QTest::addColumn<QString>("named");
        QTest::addColumn<QString>("workload"); // as WorkloadRef::text()
        QTest::addColumn<QString>("service");
        QTest::addColumn<QStringList>("pods");
        QTest::addColumn<QString>("note"); // a note that must be there ("" = no notes)
        QTest::newRow("Helm-labelled StatefulSet through its Service")
            << "search"
            << "StatefulSet/search"
            << "search" << QStringList { "search-0", "search-1", "search-2" } << "";
        QTest::newRow("the same named as a workload") << "sts/search"
                                                      << "StatefulSet/search"
                                                      << "" << QStringList { "search-0", "search-1", "search-2" } << "";
        QTest::newRow("Service over a Deployment and its canary Rollout: the larger one, the other named")
            << "svc/cart"
            << "Deployment/cart"
            << "cart" << QStringList { "cart-7f9c-aaaaa", "cart-7f9c-bbbbb", "cart-7f9c-ccccc" }
            << "Rollout/cart-canary";
        QTest::newRow("the canary Rollout by kind") << "rollout/cart-canary"
                                                    << "Rollout/cart-canary"
                                                    << "" << QStringList { "cart-canary-55d-zzzzz" } << "";
        QTest::newRow("DaemonSet") << "ds/agent"
                                   << "DaemonSet/agent"
                                   << "" << QStringList { "agent-k2x9p" } << "";
        QTest::newRow("CronJob's pods through its Jobs") << "cronjob/report"
                                                         << "CronJob/report"
                                                         << "" << QStringList { "report-2901-qq" } << "";
        QTest::newRow("bare name of two workloads: Deployment first, the StatefulSet named")
            << "ledger"
            << "Deployment/ledger"
            << "" << QStringList { "ledger-66b-xxxxx" } << "StatefulSet/ledger";
        QTest::newRow("bare name that is only a workload") << "agent"
                                                           << "DaemonSet/agent"
                                                           << "" << QStringList { "agent-k2x9p" } << "";
        QTest::newRow("StatefulSet of a shared name, by kind") << "statefulset/ledger"
                                                               << "StatefulSet/ledger"
                                                               << "" << QStringList { "ledger-0" } << "";
    }
    void resolves()
    {
        QFETCH(QString, named);
        QFETCH(QString, workload);
        QFETCH(QString, service);
        QFETCH(QStringList, pods);
        QFETCH(QString, note);
        const auto ref = parseWorkloadRef(named.toStdString());
        QVERIFY2(ref.ok(), ref.ok() ? "" : ref.error().message.c_str());
        const auto r = resolveWorkload(*ref, shop());
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(QString::fromStdString(r->workload.text()), workload);
        QCOMPARE(QString::fromStdString(r->service.value_or("")), service);
        QCOMPARE(names(r->podNames()), pods);
        if (note.isEmpty()) {
            QVERIFY(r->notes.empty());
        } else {
            QVERIFY(std::any_of(r->notes.begin(), r->notes.end(),
                [&](const std::string& n) { return QString::fromStdString(n).contains(note); }));
        }
    }

    void refuses_data()
    {
        QTest::addColumn<QString>("named");
        QTest::addColumn<QString>("message");
        QTest::newRow("Service without a selector") << "svc/legacy"
                                                    << "no selector";
        QTest::newRow("Service selecting nothing") << "svc/ghost"
                                                   << "selects 0 pod(s)";
        QTest::newRow("no such Service") << "svc/nothing"
                                         << "no Service named nothing";
        QTest::newRow("no such workload of that kind") << "ds/search"
                                                       << "no DaemonSet/search";
        QTest::newRow("no such name at all") << "nothing"
                                             << "no Service and no workload named 'nothing'";
    }
    void refuses()
    {
        QFETCH(QString, named);
        QFETCH(QString, message);
        const auto r = resolveWorkload(*parseWorkloadRef(named.toStdString()), shop());
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::NotFound);
        QVERIFY2(QString::fromStdString(r.error().message).contains(message), r.error().message.c_str());
        QVERIFY(!r.error().detail.empty()); // and what to do about it
    }

    // A bare name whose Service selects nothing may still be a workload: `ghost` is both.
    void bareNameFallsBackFromAnEmptyService()
    {
        auto objects = shop();
        objects.workloads[WorkloadKind::Deployment].push_back(workload("ghost", { { "app", "ghost-new" } }));
        const auto r = resolveWorkload({ std::nullopt, "ghost" }, objects);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(QString::fromStdString(r->workload.text()), QStringLiteral("Deployment/ghost"));
    }

    // The workload behind a Service could not be listed (no RBAC for rollouts, or Argo Rollouts not
    // installed): said, with what to ask for.
    void unlistedKindIsNamed()
    {
        auto objects = shop();
        objects.workloads.erase(WorkloadKind::Deployment);
        objects.unlisted.push_back("Deployment");
        const auto r = resolveWorkload({ WorkloadKind::Service, "cart" }, objects);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message.find("not allowed or not served") != std::string::npos, r.error().message.c_str());
    }

    // The selector is the workload's own (matchExpressions included), not a label guessed from its name.
    void selectorIsTheWorkloads()
    {
        auto objects = shop();
        json sts = workload("tiered", json::object());
        sts["spec"]["selector"] = { { "matchExpressions",
            json::array(
                { { { "key", "tier" }, { "operator", "In" }, { "values", json::array({ "hot", "warm" }) } } }) } };
        objects.workloads[WorkloadKind::StatefulSet].push_back(sts);
        objects.pods.push_back(pod("tiered-0", { { "tier", "hot" } }, owner("StatefulSet", "tiered")));
        objects.pods.push_back(pod("tiered-1", { { "tier", "warm" } }, owner("StatefulSet", "tiered")));
        objects.pods.push_back(pod("tiered-x", { { "tier", "cold" } }, owner("StatefulSet", "tiered"))); // not selected
        const auto r = resolveWorkload({ WorkloadKind::StatefulSet, "tiered" }, objects);
        QVERIFY(r.ok());
        QCOMPARE(names(r->podNames()), (QStringList { "tiered-0", "tiered-1" }));
        QCOMPARE(QString::fromStdString(r->selector.toQuery()), QStringLiteral("tier in (hot,warm)"));
    }
};

QTEST_GUILESS_MAIN(TestWorkloadResolution)
#include "tst_workload_resolution.moc"
