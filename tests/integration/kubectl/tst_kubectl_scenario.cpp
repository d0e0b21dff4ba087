// The real kubectl against `leakdesk-cli sandbox serve --scenario FILE --scenario FILE`: the
// scenario's workloads are served as an API server serves them (group, version, kind, short names,
// labels, the ownerReferences chains of each kind's controller, argoproj.io discoverable), its
// containers' memory is in the sandbox's Prometheus per container, a bad file stops `serve` with
// FILE:LINE, and the built-in namespace is unchanged beside it.

#include "KubectlHarness.h"
#include "TestSupport.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUrlQuery>

#include <set>

using namespace leakdesk;
using nlohmann::json;

namespace {

// A second, invented scenario file: a plain Job in a namespace of its own.
const char* const kBatchLab = R"(apiVersion: batch/v1
kind: Job
metadata:
  name: backfill
  namespace: batch-lab
  annotations: {sim.leakdesk.io/duration: 3d}
spec:
  parallelism: 2
  template:
    metadata:
      labels: {team: data}
      annotations: {sim.leakdesk.io/memory.backfill: "base=300Mi noise=1Mi"}
    spec:
      restartPolicy: Never
      containers:
      - name: backfill
        image: registry.lab.internal/backfill:1
        resources: {limits: {memory: 1Gi}}
)";

std::set<std::string> namesOf(const json& list)
{
    std::set<std::string> out;
    for (const json& item : list.value("items", json::array()))
        out.insert(item["metadata"].value("name", ""));
    return out;
}

// The controller ownerReference of an object, as "Kind/name" (and its apiVersion).
std::pair<std::string, std::string> controllerOf(const json& object)
{
    for (const json& ref : object["metadata"].value("ownerReferences", json::array()))
        if (ref.value("controller", false))
            return { ref.value("kind", "") + "/" + ref.value("name", ""), ref.value("apiVersion", "") };
    return {};
}

} // namespace

class TestKubectlScenario : public QObject {
    Q_OBJECT
    test::KubectlHarness m_kubectl;
    test::ServedSandbox m_served;
    QTemporaryDir m_dir;
    json m_pods;

    test::ProcessResult kubectl(const QStringList& args) { return m_kubectl.run(args); }

    json prometheus(const QString& path, const QList<QPair<QString, QString>>& params)
    {
        QNetworkAccessManager network;
        QUrl url(m_served.prometheusUrl + path);
        QUrlQuery query;
        for (const auto& [k, v] : params)
            query.addQueryItem(k, QString::fromUtf8(QUrl::toPercentEncoding(v)));
        url.setQuery(query);
        QNetworkReply* reply = network.get(QNetworkRequest(url));
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        QTimer::singleShot(30000, &loop, &QEventLoop::quit);
        loop.exec();
        const QByteArray body = reply->readAll();
        reply->deleteLater();
        return json::parse(body.toStdString(), nullptr, false);
    }

private Q_SLOTS:
    void initTestCase()
    {
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("kubectl"));
        QVERIFY(m_dir.isValid());
        QFile second(m_dir.filePath(QStringLiteral("batch-lab.yaml")));
        QVERIFY(second.open(QIODevice::WriteOnly));
        second.write(kBatchLab);
        second.close();
        const QString why = m_kubectl.serve(m_served,
            { QStringLiteral("--scenario"), test::sourceDir() + QStringLiteral("/resources/scenarios/storefront.yaml"),
                QStringLiteral("--scenario"), second.fileName() });
        QVERIFY2(why.isEmpty(), qPrintable(why));
        m_pods = m_kubectl.json(
            { QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"), QStringLiteral("storefront") });
        QVERIFY(!m_pods.is_discarded());
    }

    void getsStatefulSetsDaemonSetsAndCronJobs()
    {
        const auto table = kubectl({ QStringLiteral("get"), QStringLiteral("sts,ds,cronjob"), QStringLiteral("-n"),
            QStringLiteral("storefront") });
        QVERIFY2(table.exitCode == 0, table.err.constData());
        for (const char* name : { "statefulset.apps/search", "daemonset.apps/node-agent", "cronjob.batch/report" })
            QVERIFY2(table.out.contains(name), table.out.constData());
        const json list = m_kubectl.json({ QStringLiteral("get"), QStringLiteral("sts,ds,cronjob"),
            QStringLiteral("-n"), QStringLiteral("storefront") });
        std::set<std::string> kinds;
        for (const json& item : list["items"])
            kinds.insert(
                item.value("apiVersion", "") + " " + item.value("kind", "") + " " + item["metadata"].value("name", ""));
        QCOMPARE(kinds,
            (std::set<std::string> {
                "apps/v1 StatefulSet search", "apps/v1 DaemonSet node-agent", "batch/v1 CronJob report" }));
        // The columns a v1.32 API server prints for them.
        const auto sts = kubectl(
            { QStringLiteral("get"), QStringLiteral("sts"), QStringLiteral("-n"), QStringLiteral("storefront") });
        QCOMPARE(test::tableRows(sts.out).value(0), (QStringList { "NAME", "READY", "AGE" }));
        QCOMPARE(test::tableRows(sts.out).value(1).mid(0, 2), (QStringList { "search", "3/3" }));
        const auto jobs = kubectl(
            { QStringLiteral("get"), QStringLiteral("jobs"), QStringLiteral("-n"), QStringLiteral("storefront") });
        const auto jobRows = test::tableRows(jobs.out);
        QCOMPARE(jobRows.value(0), (QStringList { "NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE" }));
        int complete = 0;
        for (const QStringList& row : jobRows)
            complete += row.value(1) == QLatin1String("Complete") && row.value(2) == QLatin1String("1/1") ? 1 : 0;
        QCOMPARE(complete, 3); // successfulJobsHistoryLimit: 3
        // The default namespace has none of them.
        const auto none = kubectl(
            { QStringLiteral("get"), QStringLiteral("sts"), QStringLiteral("-n"), QStringLiteral("production") });
        QVERIFY2(none.exitCode == 0 && none.out.isEmpty(), none.out.constData());
    }

    void rolloutsAreInTheArgoprojGroup()
    {
        const json list = m_kubectl.json({ QStringLiteral("get"), QStringLiteral("rollouts.argoproj.io"),
            QStringLiteral("-n"), QStringLiteral("storefront") });
        QCOMPARE(namesOf(list), (std::set<std::string> { "recommender" }));
        QCOMPARE(list["items"][0].value("apiVersion", ""), std::string("argoproj.io/v1alpha1"));
        QCOMPARE(list["items"][0].value("kind", ""), std::string("Rollout"));
        const auto resources = kubectl({ QStringLiteral("api-resources"), QStringLiteral("--api-group=argoproj.io") });
        QVERIFY2(resources.exitCode == 0 && resources.out.contains("rollouts"), resources.out.constData());
    }

    void podLimitsAreEachContainers()
    {
        const auto limits = kubectl({ QStringLiteral("get"), QStringLiteral("pod"), QStringLiteral("search-0"),
            QStringLiteral("-n"), QStringLiteral("storefront"), QStringLiteral("-o"),
            QStringLiteral("jsonpath={.spec.containers[*].resources.limits.memory}") });
        QVERIFY2(limits.exitCode == 0, limits.err.constData());
        QCOMPARE(limits.out, QByteArray("2Gi 256Mi"));
        const auto sidecar = kubectl({ QStringLiteral("get"), QStringLiteral("pod"), QStringLiteral("search-1"),
            QStringLiteral("-n"), QStringLiteral("storefront"), QStringLiteral("-o"),
            QStringLiteral("jsonpath={.spec.initContainers[0].name} {.spec.initContainers[0].restartPolicy}") });
        QCOMPARE(sidecar.out, QByteArray("log-shipper Always"));
    }

    void ownerChainsAreTheControllersOwn_data()
    {
        QTest::addColumn<QString>("podPrefix");
        QTest::addColumn<int>("count");
        QTest::addColumn<QString>("ownerKind");
        QTest::addColumn<QString>("topKind"); // the owner's owner; empty when the owner is the workload
        QTest::addColumn<QString>("topApiVersion");
        QTest::newRow("StatefulSet: ordinals") << "search-" << 3 << "StatefulSet"
                                               << ""
                                               << "apps/v1";
        QTest::newRow("Deployment: through a ReplicaSet") << "cart-" << 2 << "ReplicaSet"
                                                          << "Deployment/cart"
                                                          << "apps/v1";
        QTest::newRow("Rollout: through a ReplicaSet") << "recommender-" << 2 << "ReplicaSet"
                                                       << "Rollout/recommender"
                                                       << "argoproj.io/v1alpha1";
        QTest::newRow("DaemonSet: one per node") << "node-agent-" << 3 << "DaemonSet"
                                                 << ""
                                                 << "apps/v1";
        QTest::newRow("CronJob: through a Job") << "report-" << -1 << "Job"
                                                << "CronJob/report"
                                                << "batch/v1";
    }
    void ownerChainsAreTheControllersOwn()
    {
        QFETCH(QString, podPrefix);
        QFETCH(int, count);
        QFETCH(QString, ownerKind);
        QFETCH(QString, topKind);
        QFETCH(QString, topApiVersion);
        std::vector<json> pods;
        for (const json& p : m_pods["items"])
            if (QString::fromStdString(p["metadata"].value("name", "")).startsWith(podPrefix))
                pods.push_back(p);
        if (count >= 0)
            QCOMPARE(int(pods.size()), count);
        else
            QVERIFY(!pods.empty());
        std::set<std::string> nodes;
        for (const json& p : pods) {
            const auto [owner, apiVersion] = controllerOf(p);
            QVERIFY2(QString::fromStdString(owner).startsWith(ownerKind + "/"), owner.c_str());
            nodes.insert(p["spec"].value("nodeName", ""));
            const std::string ownerName = owner.substr(owner.find('/') + 1);
            if (topKind.isEmpty()) {
                QCOMPARE(QString::fromStdString(apiVersion), topApiVersion);
                continue;
            }
            // The owner as kubectl gets it, and its own controller.
            const QString resource = ownerKind == QLatin1String("Job") ? QStringLiteral("job") : QStringLiteral("rs");
            const json middle = m_kubectl.json({ QStringLiteral("get"), resource, QString::fromStdString(ownerName),
                QStringLiteral("-n"), QStringLiteral("storefront") });
            QVERIFY2(!middle.is_discarded(), ownerName.c_str());
            const auto [top, topVersion] = controllerOf(middle);
            QCOMPARE(QString::fromStdString(top), topKind);
            QCOMPARE(QString::fromStdString(topVersion), topApiVersion);
        }
        if (podPrefix == QLatin1String("search-")) {
            QCOMPARE(
                namesOf(json { { "items", pods } }), (std::set<std::string> { "search-0", "search-1", "search-2" }));
        }
        if (podPrefix == QLatin1String("node-agent-"))
            QCOMPARE(nodes.size(), std::size_t(3));
    }

    void labelSelectorsFindHelmLabelledPods()
    {
        const auto r = kubectl({ QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"),
            QStringLiteral("storefront"), QStringLiteral("-l"), QStringLiteral("app.kubernetes.io/name=search"),
            QStringLiteral("-o"), QStringLiteral("name") });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.out.trimmed().split('\n').size(), 3);
        QVERIFY(!r.out.contains("cart"));
    }

    // The scenario Services' endpoints are the pods their selectors match (kubectl describe service
    // reads the EndpointSlices).
    void servicesHaveEndpoints()
    {
        const json endpoints = m_kubectl.json({ QStringLiteral("get"), QStringLiteral("endpoints"),
            QStringLiteral("search"), QStringLiteral("-n"), QStringLiteral("storefront") });
        std::set<std::string> pods;
        for (const json& subset : endpoints.value("subsets", json::array()))
            for (const char* list : { "addresses", "notReadyAddresses" })
                for (const json& a : subset.value(list, json::array()))
                    pods.insert(a["targetRef"].value("name", ""));
        QCOMPARE(pods, (std::set<std::string> { "search-0", "search-1", "search-2" }));
        const auto describe = kubectl({ QStringLiteral("describe"), QStringLiteral("service"), QStringLiteral("cart"),
            QStringLiteral("-n"), QStringLiteral("storefront") });
        QVERIFY2(describe.exitCode == 0, describe.err.constData());
        QVERIFY2(describe.out.contains("8080/TCP"), describe.out.constData());
        const auto line = describe.out.mid(describe.out.indexOf("Endpoints:")).split('\n').value(0);
        QCOMPARE(line.count(":8080"), 2); // cart's two pods
    }

    void secondFileIsServedToo()
    {
        const json jobs = m_kubectl.json(
            { QStringLiteral("get"), QStringLiteral("jobs"), QStringLiteral("-n"), QStringLiteral("batch-lab") });
        QCOMPARE(namesOf(jobs), (std::set<std::string> { "backfill" }));
        // Created with the cluster 8 days ago, its 3-day runs are over: complete, both pods Succeeded.
        QCOMPARE(jobs["items"][0]["status"].value("succeeded", 0), 2);
        QCOMPARE(jobs["items"][0]["status"]["conditions"][0].value("type", ""), std::string("Complete"));
        const auto phases = kubectl({ QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-n"),
            QStringLiteral("batch-lab"), QStringLiteral("-o"), QStringLiteral("jsonpath={.items[*].status.phase}") });
        QCOMPARE(phases.out, QByteArray("Succeeded Succeeded"));
        const auto ns = kubectl(
            { QStringLiteral("get"), QStringLiteral("namespaces"), QStringLiteral("-o"), QStringLiteral("name") });
        for (const char* name : { "namespace/production", "namespace/storefront", "namespace/batch-lab" })
            QVERIFY2(ns.out.contains(name), ns.out.constData());
    }

    void builtInNamespaceIsUnchanged()
    {
        const json pods = m_kubectl.json(
            { QStringLiteral("get"), QStringLiteral("deploy"), QStringLiteral("-n"), QStringLiteral("production") });
        QCOMPARE(namesOf(pods), (std::set<std::string> { "checkout", "payments", "catalog" }));
    }

    void prometheusHasEachContainersSeries()
    {
        const json series = prometheus(QStringLiteral("/api/v1/series"),
            { { QStringLiteral("match[]"),
                QStringLiteral("container_memory_working_set_bytes{namespace=\"storefront\",pod=\"search-0\"}") } });
        QCOMPARE(series.value("status", ""), std::string("success"));
        std::set<std::string> containers;
        for (const json& s : series["data"])
            containers.insert(s.value("container", "?"));
        QCOMPARE(containers, (std::set<std::string> { "", "istio-proxy", "log-shipper", "search" }));

        // Only the leaking container is ever OOMKilled: the judgement is per container.
        const json kills = prometheus(QStringLiteral("/api/v1/query"),
            { { QStringLiteral("query"),
                QStringLiteral(
                    "kube_pod_container_status_last_terminated_reason{namespace=\"storefront\",pod=~\"search-0\","
                    "reason=\"OOMKilled\"}") } });
        QCOMPARE(kills.value("status", ""), std::string("success"));
        QCOMPARE(kills["data"]["result"].size(), std::size_t(1));
        QCOMPARE(kills["data"]["result"][0]["metric"].value("container", ""), std::string("search"));

        // The pod's memory, summed over its real containers, is under the sum of their limits.
        const json sum = prometheus(QStringLiteral("/api/v1/query"),
            { { QStringLiteral("query"),
                QStringLiteral(
                    "sum by (pod) (container_memory_working_set_bytes{namespace=\"storefront\",pod=~\"search-0\","
                    "container=~\".+\",container!=\"\",container!=\"POD\"})") } });
        QCOMPARE(sum["data"]["result"].size(), std::size_t(1));
        const double bytes = std::stod(sum["data"]["result"][0]["value"][1].get<std::string>());
        QVERIFY2(
            bytes > 900.0 * 1024 * 1024 && bytes < (2048.0 + 256 + 128) * 1024 * 1024, std::to_string(bytes).c_str());
    }

    // metrics.k8s.io per container, as metrics-server reports it (kubectl top).
    void topShowsEachContainer()
    {
        const auto top = kubectl({ QStringLiteral("top"), QStringLiteral("pod"), QStringLiteral("search-0"),
            QStringLiteral("-n"), QStringLiteral("storefront"), QStringLiteral("--containers") });
        QVERIFY2(top.exitCode == 0, top.err.constData());
        QStringList containers;
        for (const QStringList& row : test::tableRows(top.out).mid(1))
            containers << row.value(1);
        containers.sort();
        QCOMPARE(containers, (QStringList { "istio-proxy", "log-shipper", "search" }));
    }

    // `kubectl patch` of one container's limit changes that container only.
    void patchChangesOnlyThatContainer()
    {
        const auto patched = kubectl({ QStringLiteral("patch"), QStringLiteral("sts"), QStringLiteral("search"),
            QStringLiteral("-n"), QStringLiteral("storefront"), QStringLiteral("--type"), QStringLiteral("strategic"),
            QStringLiteral("-p"),
            QStringLiteral(
                R"({"spec":{"template":{"spec":{"containers":[{"name":"search","resources":{"limits":{"memory":"4Gi"}}}]}}}})") });
        QVERIFY2(patched.exitCode == 0, patched.err.constData());
        const auto limits = kubectl({ QStringLiteral("get"), QStringLiteral("sts"), QStringLiteral("search"),
            QStringLiteral("-n"), QStringLiteral("storefront"), QStringLiteral("-o"),
            QStringLiteral("jsonpath={.spec.template.spec.containers[*].resources.limits.memory} "
                           "{.spec.template.spec.initContainers[0].resources.limits.memory} {.metadata.generation}") });
        QCOMPARE(limits.out, QByteArray("4Gi 256Mi 128Mi 2"));
        // The StatefulSet controller replaces the highest ordinal first, under its name.
        auto podLimits = [&](const QString& pod) {
            return kubectl(
                { QStringLiteral("get"), QStringLiteral("pod"), pod, QStringLiteral("-n"), QStringLiteral("storefront"),
                    QStringLiteral("-o"), QStringLiteral("jsonpath={.spec.containers[*].resources.limits.memory}") })
                .out;
        };
        QByteArray replaced;
        QElapsedTimer waited;
        waited.start();
        while (waited.elapsed() < 15000 && (replaced = podLimits(QStringLiteral("search-2"))) != "4Gi 256Mi")
            QTest::qWait(500);
        QCOMPARE(replaced, QByteArray("4Gi 256Mi"));
        QCOMPARE(podLimits(QStringLiteral("search-0")), QByteArray("2Gi 256Mi")); // not yet: one at a time
        const auto status = kubectl({ QStringLiteral("get"), QStringLiteral("sts"), QStringLiteral("search"),
            QStringLiteral("-n"), QStringLiteral("storefront"), QStringLiteral("-o"),
            QStringLiteral("jsonpath={.status.updateRevision} {.status.currentRevision}") });
        const QList<QByteArray> revisions = status.out.split(' ');
        QCOMPARE(revisions.size(), 2);
        QVERIFY2(revisions[0] != revisions[1], status.out.constData()); // the rollout is under way
    }

    // kubectl's rollout status viewers read the scenario workloads as they read a cluster's (API
    // defaults included), and a watch of the kind follows the rollout.
    void rolloutStatusFollowsTheControllers()
    {
        const QStringList status { QStringLiteral("rollout"), QStringLiteral("status"), QStringLiteral("ds/node-agent"),
            QStringLiteral("-n"), QStringLiteral("storefront"), QStringLiteral("--watch=false") };
        const auto done = kubectl(status);
        QVERIFY2(done.exitCode == 0 && done.out.contains("daemon set \"node-agent\" successfully rolled out"),
            done.out.constData());
        QProcess watch;
        m_kubectl.start(watch,
            { QStringLiteral("get"), QStringLiteral("ds"), QStringLiteral("-n"), QStringLiteral("storefront"),
                QStringLiteral("-w"), QStringLiteral("--output-watch-events") });
        QVERIFY(watch.waitForStarted(10000));
        const auto restart = kubectl({ QStringLiteral("rollout"), QStringLiteral("restart"),
            QStringLiteral("ds/node-agent"), QStringLiteral("-n"), QStringLiteral("storefront") });
        QVERIFY2(restart.exitCode == 0, restart.err.constData());
        const auto rolling = kubectl(status);
        QVERIFY2(
            rolling.out.contains("Waiting for daemon set \"node-agent\" rollout to finish"), rolling.out.constData());
        QByteArray events;
        QElapsedTimer waited;
        waited.start();
        while (waited.elapsed() < 15000 && !events.contains("MODIFIED")) {
            watch.waitForReadyRead(1000);
            events += watch.readAllStandardOutput();
        }
        watch.kill();
        watch.waitForFinished(5000);
        QVERIFY2(events.contains("ADDED") && events.contains("MODIFIED"), events.constData());
    }

    // Argo CD's self-heal (sim.leakdesk.io/self-heal-after: 5s on cart) puts the spec back, as the
    // field manager argocd-controller.
    void argoCdRevertsAChange()
    {
        const auto set = kubectl({ QStringLiteral("set"), QStringLiteral("resources"), QStringLiteral("deploy/cart"),
            QStringLiteral("-n"), QStringLiteral("storefront"), QStringLiteral("-c"), QStringLiteral("cart"),
            QStringLiteral("--limits=memory=1Gi") });
        QVERIFY2(set.exitCode == 0, set.err.constData());
        const QStringList get { QStringLiteral("get"), QStringLiteral("deploy"), QStringLiteral("cart"),
            QStringLiteral("-n"), QStringLiteral("storefront"), QStringLiteral("-o"),
            QStringLiteral("jsonpath={.spec.template.spec.containers[0].resources.limits.memory} "
                           "{.metadata.managedFields[-1:].manager}") };
        QCOMPARE(kubectl(get).out, QByteArray("1Gi kubectl-set"));
        QByteArray after;
        QElapsedTimer waited;
        waited.start();
        while (waited.elapsed() < 20000) {
            after = kubectl(get).out;
            if (after != "1Gi kubectl-set")
                break;
            QTest::qWait(500);
        }
        QCOMPARE(after, QByteArray("768Mi argocd-controller"));
    }

    // The same series in the OpenMetrics export (for a real Prometheus via promtool's backfill).
    void exportHasTheScenariosSeries()
    {
        const QString out = m_dir.filePath(QStringLiteral("storefront.om"));
        const auto r = test::runProgram(test::cliPath(),
            { QStringLiteral("sandbox"), QStringLiteral("export-metrics"), QStringLiteral("--out"), out,
                QStringLiteral("--hours"), QStringLiteral("0.5"), QStringLiteral("--scenario"),
                test::sourceDir() + QStringLiteral("/resources/scenarios/storefront.yaml") });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QFile file(out);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        QVERIFY(text.contains("container_memory_working_set_bytes{container=\"istio-proxy\",job=\"kubelet\","
                              "namespace=\"storefront\",pod=\"search-1\"}"));
        QVERIFY(text.contains("kube_pod_container_resource_limits{container=\"cart\""));
        QVERIFY(text.contains("namespace=\"production\"")); // beside the built-in series
        QVERIFY(text.endsWith("# EOF\n"));
    }

    void badScenarioStopsServeWithFileAndLine()
    {
        QFile bad(m_dir.filePath(QStringLiteral("bad.yaml")));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: b}\nspec:\n  replicas: many\n");
        bad.close();
        test::ServedSandbox refused;
        QString why;
        QVERIFY(!refused.start({ QStringLiteral("--scenario"), bad.fileName() }, why));
        QVERIFY2(
            why.contains(bad.fileName() + QStringLiteral(":5: ")) && why.contains(QStringLiteral("must be an integer")),
            qPrintable(why));
    }

    void cleanupTestCase() { QVERIFY(m_served.stop()); }
};

QTEST_MAIN(TestKubectlScenario)
#include "tst_kubectl_scenario.moc"
