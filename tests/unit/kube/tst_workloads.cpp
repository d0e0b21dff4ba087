// Workloads as real clusters have them (issue 16): names of every kind, selectors with
// expressions, owner chains (Deployment, Rollout, CronJob, StatefulSet, DaemonSet), pods that match
// a selector but belong to something else, and containers (main, sidecars, native sidecars).
// Every object here is invented, in the shapes the API server returns.
#include "core/kube/Workloads.h"

#include <QTest>

using namespace leakdesk::kube;
using nlohmann::json;

namespace {

json owner(const std::string& kind, const std::string& name)
{
    return json::array({ { { "apiVersion", "apps/v1" }, { "kind", kind }, { "name", name }, { "uid", "u-" + name },
        { "controller", true }, { "blockOwnerDeletion", true } } });
}

json object(const std::string& name, const json& labels, const json& owners = nullptr)
{
    json o = { { "metadata", { { "name", name }, { "namespace", "shop" }, { "labels", labels } } } };
    if (!owners.is_null())
        o["metadata"]["ownerReferences"] = owners;
    return o;
}

// A namespace with one of everything, some sharing labels on purpose.
struct Namespace {
    json pods = json::array();
    json replicaSets = json::array();
    json jobs = json::array();

    Namespace()
    {
        const json helm = { { "app.kubernetes.io/name", "cart" }, { "app.kubernetes.io/instance", "prod" } };
        replicaSets.push_back(object("cart-5d8f7", helm, owner("Deployment", "cart")));
        replicaSets.push_back(object("web-6c9b4", { { "app", "web" } }, owner("Rollout", "web")));
        replicaSets.push_back(object("orphan-rs", { { "app", "orphan" } })); // made by hand, no owner
        jobs.push_back(object("nightly-29000000", { { "job", "nightly" } }, owner("CronJob", "nightly")));
        pods.push_back(object("cart-5d8f7-aaaaa", helm, owner("ReplicaSet", "cart-5d8f7")));
        pods.push_back(object("cart-5d8f7-bbbbb", helm, owner("ReplicaSet", "cart-5d8f7")));
        // Same labels, another owner: a debug copy someone started by hand.
        pods.push_back(object("cart-debug", helm));
        // Taken out of its ReplicaSet (isolated for a heap dump): labels changed, no owner.
        pods.push_back(object("cart-5d8f7-ccccc", { { "app.kubernetes.io/instance", "prod" } }));
        pods.push_back(object("db-0", { { "app", "db" } }, owner("StatefulSet", "db")));
        pods.push_back(object("db-1", { { "app", "db" } }, owner("StatefulSet", "db")));
        pods.push_back(object("agent-x1", { { "app", "agent" } }, owner("DaemonSet", "agent")));
        pods.push_back(object("web-6c9b4-zzzzz", { { "app", "web" } }, owner("ReplicaSet", "web-6c9b4")));
        pods.push_back(object("nightly-29000000-q", { { "job", "nightly" } }, owner("Job", "nightly-29000000")));
        pods.push_back(object("orphan-rs-1", { { "app", "orphan" } }, owner("ReplicaSet", "orphan-rs")));
    }
};

QStringList names(const std::vector<json>& pods)
{
    QStringList out;
    for (const json& p : pods)
        out << QString::fromStdString(p["metadata"]["name"].get<std::string>());
    return out;
}

json container(const std::string& name, const char* limit = nullptr, const char* request = nullptr)
{
    json c = { { "name", name }, { "image", "example/" + name } };
    if (limit)
        c["resources"]["limits"]["memory"] = limit;
    if (request)
        c["resources"]["requests"]["memory"] = request;
    return c;
}

} // namespace

class TestWorkloads : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parseRefs_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected"); // ref.text(), or "error"
        QTest::newRow("bare") << "checkout"
                              << "checkout";
        QTest::newRow("deploy") << "deploy/checkout"
                                << "Deployment/checkout";
        QTest::newRow("Kind case") << "StatefulSet/db-main"
                                   << "StatefulSet/db-main";
        QTest::newRow("sts") << "sts/db"
                             << "StatefulSet/db";
        QTest::newRow("ds") << "ds/agent"
                            << "DaemonSet/agent";
        QTest::newRow("cronjob") << "cj/nightly"
                                 << "CronJob/nightly";
        QTest::newRow("argo rollout") << "rollouts.argoproj.io/web"
                                      << "Rollout/web";
        QTest::newRow("service") << "svc/checkout"
                                 << "Service/checkout";
        QTest::newRow("dotted name") << "job/backfill.v2"
                                     << "Job/backfill.v2";
        QTest::newRow("unknown kind") << "pod/checkout-1"
                                      << "error";
        QTest::newRow("empty name") << "deployment/"
                                    << "error";
        QTest::newRow("upper-case name") << "deployment/Checkout"
                                         << "error";
        QTest::newRow("path tricks") << "deployment/../secrets"
                                     << "error";
        QTest::newRow("two slashes") << "deployment/a/b"
                                     << "error";
        QTest::newRow("selector in name") << "app=checkout"
                                          << "error";
        QTest::newRow("too long") << QString(300, QLatin1Char('a')) << "error";
    }
    void parseRefs()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        const auto ref = parseWorkloadRef(text.toStdString());
        if (expected == QLatin1String("error")) {
            QVERIFY(!ref.ok());
            QVERIFY(!ref.error().message.empty());
            return;
        }
        QVERIFY2(ref.ok(), ref.ok() ? "" : ref.error().message.c_str());
        QCOMPARE(QString::fromStdString(ref->text()), expected);
    }

    void selectors_data()
    {
        QTest::addColumn<QString>("selector"); // spec.selector JSON
        QTest::addColumn<QString>("labels"); // pod labels JSON
        QTest::addColumn<bool>("matches");
        QTest::addColumn<QString>("query");
        const QString helm = R"({"app.kubernetes.io/name":"cart","app.kubernetes.io/instance":"prod","tier":"web"})";
        QTest::newRow("matchLabels") << R"({"matchLabels":{"app.kubernetes.io/name":"cart"}})" << helm << true
                                     << "app.kubernetes.io/name=cart";
        QTest::newRow("In") << R"({"matchExpressions":[{"key":"tier","operator":"In","values":["web","api"]}]})" << helm
                            << true << "tier in (web,api)";
        QTest::newRow("NotIn") << R"({"matchExpressions":[{"key":"tier","operator":"NotIn","values":["web"]}]})" << helm
                               << false << "tier notin (web)";
        QTest::newRow("Exists") << R"({"matchExpressions":[{"key":"tier","operator":"Exists"}]})" << helm << true
                                << "tier";
        QTest::newRow("DoesNotExist") << R"({"matchExpressions":[{"key":"canary","operator":"DoesNotExist"}]})" << helm
                                      << true << "!canary";
        QTest::newRow("both must hold")
            << R"({"matchLabels":{"app.kubernetes.io/name":"cart"},"matchExpressions":[{"key":"tier","operator":"In","values":["api"]}]})"
            << helm << false << "app.kubernetes.io/name=cart,tier=api";
        QTest::newRow("empty matches all") << "{}" << helm << true << "";
        QTest::newRow("label missing") << R"({"matchLabels":{"app":"cart"}})" << helm << false << "app=cart";
    }
    void selectors()
    {
        QFETCH(QString, selector);
        QFETCH(QString, labels);
        QFETCH(bool, matches);
        QFETCH(QString, query);
        const auto s = parseLabelSelector(json::parse(selector.toStdString()));
        QVERIFY(s.ok());
        StringMap l;
        const json parsed = json::parse(labels.toStdString());
        for (auto it = parsed.begin(); it != parsed.end(); ++it)
            l[it.key()] = it.value().get<std::string>();
        QCOMPARE(s->matches(l), matches);
        QCOMPARE(QString::fromStdString(s->toQuery()), query);
    }

    void badSelectorsAreRefused_data()
    {
        QTest::addColumn<QString>("selector");
        QTest::newRow("unknown operator") << R"({"matchExpressions":[{"key":"a","operator":"Gt","values":["1"]}]})";
        QTest::newRow("In without values") << R"({"matchExpressions":[{"key":"a","operator":"In"}]})";
        QTest::newRow("no key") << R"({"matchExpressions":[{"operator":"Exists"}]})";
        QTest::newRow("not an object") << R"(["app"])";
        QTest::newRow("label not a string") << R"({"matchLabels":{"app":3}})";
    }
    void badSelectorsAreRefused()
    {
        QFETCH(QString, selector);
        QVERIFY(!parseLabelSelector(json::parse(selector.toStdString())).ok());
    }

    void ownerChains_data()
    {
        QTest::addColumn<QString>("pod");
        QTest::addColumn<QString>("workload"); // "" when none
        QTest::newRow("deployment through its replicaset") << "cart-5d8f7-aaaaa"
                                                           << "Deployment/cart";
        QTest::newRow("rollout through its replicaset") << "web-6c9b4-zzzzz"
                                                        << "Rollout/web";
        QTest::newRow("cronjob through its job") << "nightly-29000000-q"
                                                 << "CronJob/nightly";
        QTest::newRow("statefulset") << "db-1"
                                     << "StatefulSet/db";
        QTest::newRow("daemonset") << "agent-x1"
                                   << "DaemonSet/agent";
        QTest::newRow("replicaset without owner") << "orphan-rs-1"
                                                  << "ReplicaSet/orphan-rs";
        QTest::newRow("bare pod") << "cart-debug"
                                  << "";
    }
    void ownerChains()
    {
        QFETCH(QString, pod);
        QFETCH(QString, workload);
        Namespace ns;
        const json* p = nullptr;
        for (const json& x : ns.pods)
            if (x["metadata"]["name"] == pod.toStdString())
                p = &x;
        QVERIFY(p);
        const auto top = topWorkloadOf(*p, ns.replicaSets, ns.jobs);
        QCOMPARE(top ? QString::fromStdString(top->text()) : QString(), workload);
    }

    void podsOfAWorkload_data()
    {
        QTest::addColumn<QString>("workload");
        QTest::addColumn<QString>("selector");
        QTest::addColumn<QStringList>("pods");
        QTest::newRow("helm deployment: not the debug copy, not the isolated pod")
            << "deployment/cart"
            << R"({"matchLabels":{"app.kubernetes.io/name":"cart","app.kubernetes.io/instance":"prod"}})"
            << QStringList { "cart-5d8f7-aaaaa", "cart-5d8f7-bbbbb" };
        QTest::newRow("service: whatever it selects")
            << "svc/cart"
            << R"({"matchLabels":{"app.kubernetes.io/name":"cart"}})"
            << QStringList { "cart-5d8f7-aaaaa", "cart-5d8f7-bbbbb", "cart-debug" };
        QTest::newRow("statefulset") << "sts/db"
                                     << R"({"matchLabels":{"app":"db"}})" << QStringList { "db-0", "db-1" };
        QTest::newRow("rollout") << "rollout/web"
                                 << R"({"matchLabels":{"app":"web"}})" << QStringList { "web-6c9b4-zzzzz" };
        QTest::newRow("cronjob") << "cronjob/nightly"
                                 << R"({"matchLabels":{"job":"nightly"}})" << QStringList { "nightly-29000000-q" };
        QTest::newRow("job itself") << "job/nightly-29000000"
                                    << R"({"matchLabels":{"job":"nightly"}})" << QStringList { "nightly-29000000-q" };
        QTest::newRow("replicaset itself") << "rs/cart-5d8f7"
                                           << R"({"matchLabels":{"app.kubernetes.io/name":"cart"}})"
                                           << QStringList { "cart-5d8f7-aaaaa", "cart-5d8f7-bbbbb" };
        QTest::newRow("wrong kind, same name")
            << "sts/cart"
            << R"({"matchLabels":{"app.kubernetes.io/name":"cart"}})" << QStringList {};
    }
    void podsOfAWorkload()
    {
        QFETCH(QString, workload);
        QFETCH(QString, selector);
        QFETCH(QStringList, pods);
        Namespace ns;
        const auto ref = parseWorkloadRef(workload.toStdString());
        QVERIFY(ref.ok());
        const auto sel = parseLabelSelector(json::parse(selector.toStdString()));
        QVERIFY(sel.ok());
        QCOMPARE(names(podsOfWorkload(*ref, *sel, ns.pods, ns.replicaSets, ns.jobs)), pods);
    }

    void containers_data()
    {
        QTest::addColumn<QString>("pod");
        QTest::addColumn<QString>("workload");
        QTest::addColumn<QStringList>("roles"); // "name:role" in the pod's order, init containers last
        const json istio = { { "metadata", { { "name", "cart-1" } } },
            { "spec",
                { { "containers", json::array({ container("istio-proxy", "1Gi"), container("cart", "512Mi") }) } } } };
        QTest::newRow("named like the workload, istio beside")
            << QString::fromStdString(istio.dump()) << "cart" << QStringList { "istio-proxy:sidecar", "cart:main" };
        json annotated = istio;
        annotated["metadata"]["annotations"]["kubectl.kubernetes.io/default-container"] = "istio-proxy";
        QTest::newRow("annotation wins") << QString::fromStdString(annotated.dump()) << "cart"
                                         << QStringList { "istio-proxy:main", "cart:sidecar" };
        const json unnamed = { { "metadata", { { "name", "x" } } },
            { "spec",
                { { "containers",
                      json::array({ container("fluent-bit", "4Gi"), container("server", "2Gi"),
                          container("helper", "256Mi") }) },
                    { "initContainers",
                        json::array({ container("migrate"),
                            json { { "name", "envoy" }, { "restartPolicy", "Always" } } }) } } } };
        QTest::newRow("largest non-sidecar; init and native sidecar")
            << QString::fromStdString(unnamed.dump()) << "shop-api"
            << QStringList { "fluent-bit:sidecar", "server:main", "helper:sidecar", "migrate:init",
                   "envoy:native sidecar" };
        const json requestsOnly = { { "metadata", { { "name", "x" } } },
            { "spec",
                { { "containers",
                    json::array({ container("a", nullptr, "100Mi"), container("b", nullptr, "300Mi") }) } } } };
        QTest::newRow("requests when no limits")
            << QString::fromStdString(requestsOnly.dump()) << "w" << QStringList { "a:sidecar", "b:main" };
        const json onlySidecars = { { "metadata", { { "name", "x" } } },
            { "spec", { { "containers", json::array({ container("envoy"), container("istio-proxy") }) } } } };
        QTest::newRow("only sidecar names") << QString::fromStdString(onlySidecars.dump()) << "w"
                                            << QStringList { "envoy:main", "istio-proxy:sidecar" };
        const json deployment = {
            { "metadata", { { "name", "cart" } } },
            { "spec",
                { { "template",
                    { { "metadata", { { "annotations", { { "kubectl.kubernetes.io/default-container", "app" } } } } },
                        { "spec", { { "containers", json::array({ container("app"), container("cart") }) } } } } } } }
        };
        QTest::newRow("a workload's pod template")
            << QString::fromStdString(deployment.dump()) << "cart" << QStringList { "app:main", "cart:sidecar" };
        QTest::newRow("no spec") << R"({"metadata":{"name":"x"}})"
                                 << "w" << QStringList {};
    }
    void containers()
    {
        QFETCH(QString, pod);
        QFETCH(QString, workload);
        QFETCH(QStringList, roles);
        QStringList got;
        for (const auto& c : classifyContainers(json::parse(pod.toStdString()), workload.toStdString())) {
            got << QString::fromStdString(c.name) + ":" + containerRoleName(c.role);
            QVERIFY(!c.why.empty());
        }
        QCOMPARE(got, roles);
    }
};

QTEST_APPLESS_MAIN(TestWorkloads)
#include "tst_workloads.moc"
