// A parsed scenario brought to life: pods named and owned as each kind's controller does, container
// lifecycles from the memory annotations (OOM kills, restarts, completed jobs), the objects' status
// as the API server reports it, and per-container series for Prometheus. Invented manifests; the
// clock is pinned, so every value is reproducible.

#include "core/sandbox/scenario/ScenarioCluster.h"
#include "core/sandbox/scenario/ScenarioMetrics.h"

#include <QTest>

#include <map>
#include <set>

using namespace leakdesk::sandbox;
using namespace leakdesk::sandbox::scenario;
using nlohmann::json;

namespace {

// 2026-03-04T10:17:00Z, a Wednesday morning.
constexpr qint64 kNow = 1772619420000LL;
constexpr qint64 kMi = 1024 * 1024;

const char* const kLab = R"(apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ledger, namespace: lab}
spec:
  replicas: 2
  selector: {matchLabels: {app: ledger}}
  template:
    metadata:
      labels: {app: ledger}
      annotations:
        sim.leakdesk.io/memory.ledger: base=200Mi growth=100Mi/h noise=0
        sim.leakdesk.io/memory.proxy: base=30Mi noise=0
    spec:
      initContainers: [{name: migrate, image: m}]
      containers:
      - {name: ledger, image: l, resources: {limits: {memory: 1Gi}}}
      - {name: proxy, image: p, resources: {limits: {memory: 128Mi}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: lab}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec: {containers: [{name: web, image: w}]}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: gitops
  namespace: lab
  annotations:
    argocd.argoproj.io/tracking-id: "lab:apps/Deployment:lab/gitops"
    sim.leakdesk.io/self-heal-after: 30s
spec:
  replicas: 1
  selector: {matchLabels: {app: gitops}}
  template:
    metadata: {labels: {app: gitops}}
    spec: {containers: [{name: gitops, image: g, resources: {limits: {memory: 256Mi}}}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: sniffer, namespace: lab}
spec:
  selector: {matchLabels: {app: sniffer}}
  template:
    metadata: {labels: {app: sniffer}}
    spec: {containers: [{name: sniffer, image: s}]}
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: ranker, namespace: lab}
spec:
  replicas: 1
  selector: {matchLabels: {app: ranker}}
  template:
    metadata: {labels: {app: ranker}}
    spec: {containers: [{name: ranker, image: r}]}
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: tally
  namespace: lab
  annotations: {sim.leakdesk.io/duration: 4m}
spec:
  schedule: "*/10 * * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          annotations: {sim.leakdesk.io/memory.tally: "base=100Mi growth=10Mi/m noise=0"}
        spec:
          restartPolicy: Never
          containers: [{name: tally, image: t, resources: {limits: {memory: 512Mi}}}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: lab}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 9
)";

ScenarioCluster makeCluster(std::uint64_t seed = 42)
{
    auto parsed = parseScenario(kLab, "lab.yaml");
    if (!parsed)
        qFatal("the test scenario does not parse: %s", parsed.error().toString().c_str());
    return ScenarioCluster(*parsed, seed, kNow);
}

std::vector<json> podsNamed(const ScenarioCluster& c, const std::string& prefix)
{
    std::vector<json> out;
    for (json& p : c.objects("Pod", kNow))
        if (p["metadata"].value("name", "").rfind(prefix, 0) == 0)
            out.push_back(std::move(p));
    return out;
}

std::string controllerOf(const json& o)
{
    for (const json& ref : o["metadata"].value("ownerReferences", json::array()))
        if (ref.value("controller", false))
            return ref.value("apiVersion", "") + " " + ref.value("kind", "") + "/" + ref.value("name", "");
    return {};
}

} // namespace

class TestScenarioCluster : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void podsAreNamedAndOwnedAsTheControllersDo_data()
    {
        QTest::addColumn<QString>("prefix");
        QTest::addColumn<int>("count");
        QTest::addColumn<QString>("namePattern");
        QTest::addColumn<QString>("owner"); // regular expression over "apiVersion Kind/name"
        QTest::newRow("StatefulSet") << "ledger-" << 2 << "^ledger-[01]$"
                                     << "^apps/v1 StatefulSet/ledger$";
        QTest::newRow("Deployment") << "web-" << 3 << "^web-[b-z2-9]{10}-[b-z2-9]{5}$"
                                    << "^apps/v1 ReplicaSet/web-[b-z2-9]{10}$";
        QTest::newRow("DaemonSet") << "sniffer-" << 3 << "^sniffer-[b-z2-9]{5}$"
                                   << "^apps/v1 DaemonSet/sniffer$";
        QTest::newRow("Rollout") << "ranker-" << 1 << "^ranker-[b-z2-9]{10}-[b-z2-9]{5}$"
                                 << "^apps/v1 ReplicaSet/ranker-";
        // Jobs are named after the scheduled minute; at 10:17 the 10:10 run is over (4 minutes), and
        // the last three finished ones are kept (successfulJobsHistoryLimit).
        QTest::newRow("CronJob") << "tally-" << 3 << "^tally-[0-9]{8}-[b-z2-9]{5}$"
                                 << "^batch/v1 Job/tally-[0-9]{8}$";
    }
    void podsAreNamedAndOwnedAsTheControllersDo()
    {
        QFETCH(QString, prefix);
        QFETCH(int, count);
        QFETCH(QString, namePattern);
        QFETCH(QString, owner);
        const ScenarioCluster cluster = makeCluster();
        const auto pods = podsNamed(cluster, prefix.toStdString());
        QCOMPARE(int(pods.size()), count);
        std::set<std::string> nodes;
        for (const json& p : pods) {
            const QString name = QString::fromStdString(p["metadata"].value("name", ""));
            QVERIFY2(QRegularExpression(namePattern).match(name).hasMatch(), qPrintable(name));
            const QString ref = QString::fromStdString(controllerOf(p));
            QVERIFY2(QRegularExpression(owner).match(ref).hasMatch(), qPrintable(ref));
            QCOMPARE(p["metadata"].value("namespace", ""), std::string("lab"));
            nodes.insert(p["spec"].value("nodeName", ""));
        }
        if (prefix == QLatin1String("sniffer-"))
            QCOMPARE(nodes.size(), std::size_t(3)); // one per node
    }

    void middleOwnersPointAtTheWorkload()
    {
        const ScenarioCluster cluster = makeCluster();
        std::set<std::string> replicaSetOwners;
        for (const json& rs : cluster.objects("ReplicaSet", kNow))
            replicaSetOwners.insert(controllerOf(rs));
        QCOMPARE(replicaSetOwners,
            (std::set<std::string> {
                "apps/v1 Deployment/gitops", "apps/v1 Deployment/web", "argoproj.io/v1alpha1 Rollout/ranker" }));
        // A pod's ReplicaSet exists, carries its template hash and selects it.
        const json pod = podsNamed(cluster, "web-").front();
        const std::string rsName = controllerOf(pod).substr(std::string("apps/v1 ReplicaSet/").size());
        bool found = false;
        for (const json& rs : cluster.objects("ReplicaSet", kNow))
            if (rs["metadata"].value("name", "") == rsName) {
                found = true;
                const std::string hash = rs["metadata"]["labels"].value("pod-template-hash", "");
                QCOMPARE(pod["metadata"]["labels"].value("pod-template-hash", ""), hash);
                QCOMPARE(rs["spec"]["selector"]["matchLabels"].value("pod-template-hash", ""), hash);
                QCOMPARE(rs["status"].value("replicas", 0), 3);
            }
        QVERIFY(found);
        for (const json& job : cluster.objects("Job", kNow))
            QCOMPARE(controllerOf(job), std::string("batch/v1 CronJob/tally"));
    }

    void statusFollowsTheContainers()
    {
        const ScenarioCluster cluster = makeCluster();
        // ledger leaks 100Mi an hour from 200Mi into 1Gi: OOMKilled about every 8 hours, restarted.
        const json ledger = podsNamed(cluster, "ledger-0").front();
        const json& statuses = ledger["status"]["containerStatuses"];
        QCOMPARE(statuses.size(), std::size_t(2));
        QCOMPARE(statuses[0].value("name", ""), std::string("ledger"));
        const int restarts = statuses[0].value("restartCount", 0);
        QVERIFY2(restarts >= 20 && restarts <= 30, std::to_string(restarts).c_str()); // 8 days of 8-hour runs
        QCOMPARE(statuses[0]["lastState"]["terminated"].value("reason", ""), std::string("OOMKilled"));
        QCOMPARE(statuses[0]["lastState"]["terminated"].value("exitCode", 0), 137);
        QCOMPARE(statuses[1].value("restartCount", -1), 0); // the proxy never reaches its limit
        QCOMPARE(ledger["status"]["initContainerStatuses"][0]["state"]["terminated"].value("reason", ""),
            std::string("Completed"));
        const json sts = cluster.objects("StatefulSet", kNow).front();
        QCOMPARE(sts["status"].value("replicas", 0), 2);
        QCOMPARE(sts["kind"].get<std::string>(), std::string("StatefulSet"));
        // The CronJob's Jobs complete: the three kept are the three latest.
        int complete = 0;
        std::set<std::string> kept;
        for (const json& job : cluster.objects("Job", kNow))
            kept.insert(job["metadata"].value("name", ""));
        const std::int64_t tenTen = (kNow / kMinuteMs - 7) * kMinuteMs; // 10:10
        QCOMPARE(kept,
            (std::set<std::string> { "tally-" + std::to_string(tenTen / kMinuteMs),
                "tally-" + std::to_string(tenTen / kMinuteMs - 10),
                "tally-" + std::to_string(tenTen / kMinuteMs - 20) }));
        for (const json& job : cluster.objects("Job", kNow))
            complete += job["status"].value("succeeded", 0);
        QCOMPARE(complete, 3);
        const json hpa = cluster.objects("HorizontalPodAutoscaler", kNow).front();
        QCOMPARE(hpa["status"].value("currentReplicas", 0), 3);
    }

    void workingSetsAreTheContainersOwn()
    {
        const ScenarioCluster cluster = makeCluster();
        std::size_t ledger = cluster.pods().size();
        for (std::size_t p = 0; p < cluster.pods().size(); ++p)
            if (cluster.pods()[p].name == "ledger-1")
                ledger = p;
        QVERIFY(ledger < cluster.pods().size());
        // Containers in template order: the init container, then ledger and proxy.
        QVERIFY(!cluster.workingSetBytes(ledger, 0, kNow)); // migrate finished long ago
        const auto leaking = cluster.workingSetBytes(ledger, 1, kNow);
        QVERIFY(leaking && *leaking >= 200.0 * kMi && *leaking < 1024.0 * kMi);
        QCOMPARE(*cluster.workingSetBytes(ledger, 2, kNow), 30.0 * kMi);
    }

    // kube-state-metrics' owner series agree with the objects the API serves at every moment:
    // a pod's owner while it exists (a StatefulSet pod made again keeps its one series), the
    // ReplicaSets of Deployments and Rollouts from their creation on, Jobs while they are kept,
    // a CronJob's owned by it and a Job written as such by "<none>".
    void ownerSeriesAgreeWithTheServedObjects()
    {
        auto parsed = parseScenario(std::string(kLab) + R"(---
apiVersion: batch/v1
kind: Job
metadata: {name: once, namespace: lab}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: once, image: o}]
)",
            "lab.yaml");
        QVERIFY2(parsed, parsed ? "" : parsed.error().toString().c_str());
        const ScenarioCluster cluster(*parsed, 42, kNow);
        const SandboxModel model(42, kNow);
        MetricsHistory history(model);
        history.setExternalSeries(scenarioSeries(cluster, history),
            [&cluster](const RawSeries& s, std::int64_t t) { return sampleScenarioSeries(cluster, s, t); });
        const std::map<std::string, std::pair<std::string, std::string>> owners {
            { "kube_pod_owner", { "Pod", "pod" } },
            { "kube_replicaset_owner", { "ReplicaSet", "replicaset" } },
            { "kube_job_owner", { "Job", "job_name" } },
        };
        for (const std::int64_t t : { kNow - 26 * kHourMs, kNow - 3 * kHourMs, kNow }) {
            const std::int64_t grid = MetricsHistory::gridFloor(t);
            for (const auto& [metric, kindAndLabel] : owners) {
                std::multiset<std::string> fromSeries;
                for (const RawSeries& s : history.series())
                    if (s.source == SeriesSource::External && s.metric == metric && history.sampleAt(s, grid)) {
                        QCOMPARE(s.labels.at("namespace"), std::string("lab"));
                        fromSeries.insert(s.labels.at(kindAndLabel.second) + " " + s.labels.at("owner_kind") + "/"
                            + s.labels.at("owner_name") + " " + s.labels.at("owner_is_controller"));
                    }
                std::multiset<std::string> served;
                for (const json& o : cluster.objects(kindAndLabel.first, grid)) {
                    const json refs = o["metadata"].value("ownerReferences", json::array());
                    const std::string owner = refs.empty()
                        ? "<none>/<none> <none>"
                        : refs[0].value("kind", "") + "/" + refs[0].value("name", "") + " true";
                    served.insert(o["metadata"].value("name", "") + " " + owner);
                }
                QVERIFY(!served.empty());
                QCOMPARE(fromSeries, served);
            }
        }
    }

    void seriesArePerContainer()
    {
        const ScenarioCluster cluster = makeCluster();
        const SandboxModel model(42, kNow);
        MetricsHistory history(model);
        const auto series = scenarioSeries(cluster, history);
        // Owner series have no container label, a ReplicaSet's or Job's no pod label.
        auto label = [](const RawSeries& s, const char* name) {
            const auto it = s.labels.find(name);
            return it == s.labels.end() ? std::string() : it->second;
        };
        std::set<std::string> ledgerSeries;
        for (const RawSeries& s : series)
            if (label(s, "pod") == "ledger-0")
                ledgerSeries.insert(s.metric + "{" + label(s, "container") + "}");
        QCOMPARE(ledgerSeries,
            (std::set<std::string> { "kube_pod_owner{}", "container_memory_working_set_bytes{}",
                "container_memory_working_set_bytes{ledger}", "container_memory_working_set_bytes{proxy}",
                "kube_pod_container_resource_limits{ledger}", "kube_pod_container_resource_limits{proxy}",
                "kube_pod_container_status_restarts_total{ledger}", "kube_pod_container_status_restarts_total{proxy}",
                "kube_pod_container_status_last_terminated_reason{ledger}", "container_oom_events_total{ledger}",
                "container_oom_events_total{proxy}" }));
        history.setExternalSeries(
            series, [&cluster](const RawSeries& s, std::int64_t t) { return sampleScenarioSeries(cluster, s, t); });
        const std::int64_t grid = MetricsHistory::gridFloor(kNow);
        double limit = 0;
        double oomKills = -1;
        for (const RawSeries& s : history.series()) {
            if (s.source != SeriesSource::External || label(s, "pod") != "ledger-0"
                || label(s, "container") != "ledger")
                continue;
            if (s.metric == "kube_pod_container_resource_limits")
                limit = *history.sampleAt(s, grid);
            if (s.metric == "container_oom_events_total")
                oomKills = *history.sampleAt(s, grid);
        }
        QCOMPARE(limit, 1024.0 * kMi);
        QVERIFY(oomKills >= 20);
        // The built-in series are still there, first.
        QCOMPARE(history.series().front().labels.at("namespace"), std::string("production"));
    }

    void patchesWorkloadsAndSelfHeals_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("manager");
        QTest::addColumn<QString>("limitAfterHeal"); // of the first container, 40 s after the patch
        QTest::addColumn<QString>("lastManager");
        QTest::newRow("StatefulSet: stays") << "StatefulSet"
                                            << "ledger"
                                            << "kubectl-patch"
                                            << "2Gi"
                                            << "kubectl-patch";
        QTest::newRow("Deployment without Argo CD: stays") << "Deployment"
                                                           << "web"
                                                           << "leakdesk"
                                                           << "2Gi"
                                                           << "leakdesk";
        QTest::newRow("Argo CD self-heal: reverted") << "Deployment"
                                                     << "gitops"
                                                     << "leakdesk"
                                                     << "256Mi"
                                                     << "argocd-controller";
        QTest::newRow("Argo CD's own write: stays") << "Deployment"
                                                    << "gitops"
                                                    << "argocd-controller"
                                                    << "2Gi"
                                                    << "argocd-controller";
        QTest::newRow("Rollout: stays") << "Rollout"
                                        << "ranker"
                                        << "kubectl-patch"
                                        << "2Gi"
                                        << "kubectl-patch";
    }
    void patchesWorkloadsAndSelfHeals()
    {
        QFETCH(QString, kind);
        QFETCH(QString, name);
        QFETCH(QString, manager);
        QFETCH(QString, limitAfterHeal);
        QFETCH(QString, lastManager);
        ScenarioCluster cluster = makeCluster();
        auto limitAt = [&](qint64 t) {
            for (const json& o : cluster.objects(kind.toStdString(), t))
                if (o["metadata"].value("name", "") == name.toStdString())
                    return QString::fromStdString(o["spec"]["template"]["spec"]["containers"][0]
                                                      .value("resources", json::object())
                                                      .value("limits", json::object())
                                                      .value("memory", "none"));
            return QStringLiteral("missing");
        };
        const std::string firstContainer = kind == QLatin1String("StatefulSet") ? "ledger" : name.toStdString();
        PatchRequest request;
        request.contentType = "application/strategic-merge-patch+json";
        const json container
            = { { "name", firstContainer }, { "resources", { { "limits", { { "memory", "2Gi" } } } } } };
        request.body = json {
            { "spec", { { "template", { { "spec", { { "containers", json::array({ container }) } } } } } } }
        }.dump();
        request.fieldManager = manager.toStdString();
        const QString before = limitAt(kNow);
        // A dry run answers with the change and stores nothing.
        request.dryRun = true;
        auto dry = cluster.patch(kind.toStdString(), "lab", name.toStdString(), request, kNow);
        QVERIFY2(dry.ok(), dry.ok() ? "" : dry.error().message.c_str());
        QCOMPARE(limitAt(kNow + 1), before);
        request.dryRun = false;
        auto patched = cluster.patch(kind.toStdString(), "lab", name.toStdString(), request, kNow);
        QVERIFY2(patched.ok(), patched.ok() ? "" : patched.error().message.c_str());
        QCOMPARE((*patched)["metadata"].value("generation", 0), 2);
        QCOMPARE(limitAt(kNow + 1000), QStringLiteral("2Gi"));
        QCOMPARE(limitAt(kNow - 1000), before); // the past is as it was
        QCOMPARE(limitAt(kNow + 40000), limitAfterHeal);
        json latest;
        for (const json& o : cluster.objects(kind.toStdString(), kNow + 40000))
            if (o["metadata"].value("name", "") == name.toStdString())
                latest = o;
        QCOMPARE(QString::fromStdString(latest["metadata"]["managedFields"].back().value("manager", "")), lastManager);
        QCOMPARE(latest["status"]["observedGeneration"].dump(),
            latest["status"]["observedGeneration"].is_string()
                ? json(std::to_string(latest["metadata"].value("generation", 0))).dump()
                : json(latest["metadata"].value("generation", 0)).dump());
    }

    // A changed pod template rolls new pods as each kind's controller does, with the new limit.
    void changedTemplatesRollNewPods_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("container");
        QTest::addColumn<int>("replicas");
        QTest::addColumn<bool>("sameNames"); // StatefulSet: replaced under the same names
        QTest::addColumn<QString>("firstReplaced"); // name prefix of the first pod replaced
        QTest::newRow("Deployment") << "Deployment"
                                    << "web"
                                    << "web" << 3 << false << "web-";
        QTest::newRow("StatefulSet: highest ordinal first") << "StatefulSet"
                                                            << "ledger"
                                                            << "ledger" << 2 << true << "ledger-1";
        QTest::newRow("DaemonSet: node by node") << "DaemonSet"
                                                 << "sniffer"
                                                 << "sniffer" << 3 << false << "sniffer-";
        QTest::newRow("Rollout") << "Rollout"
                                 << "ranker"
                                 << "ranker" << 1 << false << "ranker-";
    }
    void changedTemplatesRollNewPods()
    {
        QFETCH(QString, kind);
        QFETCH(QString, name);
        QFETCH(QString, container);
        QFETCH(int, replicas);
        QFETCH(bool, sameNames);
        QFETCH(QString, firstReplaced);
        ScenarioCluster cluster = makeCluster();
        auto podsAt = [&](qint64 t) {
            std::map<std::string, json> out;
            for (json& p : cluster.objects("Pod", t))
                if (p["metadata"].value("name", "").rfind(name.toStdString() + "-", 0) == 0)
                    out[p["metadata"].value("name", "")] = p;
            return out;
        };
        const auto before = podsAt(kNow);
        QCOMPARE(int(before.size()), replicas);
        PatchRequest request;
        request.contentType = "application/strategic-merge-patch+json";
        const json c
            = { { "name", container.toStdString() }, { "resources", { { "limits", { { "memory", "3Gi" } } } } } };
        request.body
            = json { { "spec", { { "template", { { "spec", { { "containers", json::array({ c }) } } } } } } } }.dump();
        request.fieldManager = "leakdesk";
        QVERIFY(cluster.patch(kind.toStdString(), "lab", name.toStdString(), request, kNow).ok());
        // Right after the change: one pod being replaced at most, the others as they were.
        const auto early = podsAt(kNow + 3 * kSecondMs);
        int replaced = 0;
        for (const auto& [podName, pod] : early)
            if (!before.count(podName) || before.at(podName)["metadata"]["uid"] != pod["metadata"]["uid"]) {
                ++replaced;
                QVERIFY2(QString::fromStdString(podName).startsWith(firstReplaced), podName.c_str());
            }
        QVERIFY2(replaced <= 1, std::to_string(replaced).c_str());
        // Ten minutes later every pod is new and has the new limit; none of the old ones is left.
        const auto after = podsAt(kNow + 10 * kMinuteMs);
        QCOMPARE(int(after.size()), replicas);
        for (const auto& [podName, pod] : after) {
            QVERIFY2(!before.count(podName) || before.at(podName)["metadata"]["uid"] != pod["metadata"]["uid"],
                podName.c_str());
            QCOMPARE(sameNames, before.count(podName) == 1);
            const json& spec = pod["spec"]["containers"][0];
            QCOMPARE(spec["resources"]["limits"].value("memory", ""), std::string("3Gi"));
        }
        // The workload says the rollout is done; a Deployment's old ReplicaSet is scaled to 0.
        for (const json& o : cluster.objects(kind.toStdString(), kNow + 10 * kMinuteMs))
            if (o["metadata"].value("name", "") == name.toStdString()) {
                const json& st = o["status"];
                const int updated = st.contains("updatedReplicas") ? st.value("updatedReplicas", 0)
                                                                   : st.value("updatedNumberScheduled", 0);
                QCOMPARE(updated, replicas);
                if (kind == QLatin1String("StatefulSet"))
                    QCOMPARE(st.value("currentRevision", ""), st.value("updateRevision", "?"));
            }
        if (kind == QLatin1String("Deployment")) {
            std::map<std::string, int> desired;
            for (const json& rs : cluster.objects("ReplicaSet", kNow + 10 * kMinuteMs))
                if (rs["metadata"].value("name", "").rfind("web-", 0) == 0)
                    desired[rs["metadata"].value("name", "")] = rs["spec"].value("replicas", -1);
            QCOMPARE(desired.size(), std::size_t(2));
            QCOMPARE(desired.begin()->second + std::next(desired.begin())->second, 3);
        }
    }

    // A StatefulSet pod made again under its name continues its series: one per label set, with
    // samples before and after the replacement.
    void replacedStatefulSetPodKeepsItsSeries()
    {
        ScenarioCluster cluster = makeCluster();
        PatchRequest request;
        request.contentType = "application/merge-patch+json";
        request.body = R"({"spec":{"template":{"metadata":{"annotations":{"restartedAt":"now"}}}}})";
        QVERIFY(cluster.patch("StatefulSet", "lab", "ledger", request, kNow).ok());
        const SandboxModel model(42, kNow);
        const MetricsHistory history(model);
        std::map<std::string, const RawSeries*> byLabels;
        std::vector<RawSeries> series = scenarioSeries(cluster, history);
        for (const RawSeries& s : series) {
            std::string key = s.metric;
            for (const auto& [k, v] : s.labels)
                key += "," + k + "=" + v;
            QVERIFY2(byLabels.emplace(key, &s).second, key.c_str()); // no label set twice
        }
        const RawSeries* proxy = nullptr;
        for (const RawSeries& s : series)
            if (s.metric == "container_memory_working_set_bytes" && s.labels.at("pod") == "ledger-1"
                && s.labels.at("container") == "proxy")
                proxy = &s;
        QVERIFY(proxy);
        const std::int64_t grid = MetricsHistory::gridFloor(kNow);
        QVERIFY(sampleScenarioSeries(cluster, *proxy, grid - 10 * kMinuteMs)); // the old pod
        QVERIFY(sampleScenarioSeries(cluster, *proxy, grid + 10 * kMinuteMs)); // the new one
    }

    // Argo CD's revert rolls the pods back to the template as written.
    void selfHealRollsBack()
    {
        ScenarioCluster cluster = makeCluster();
        PatchRequest request;
        request.contentType = "application/merge-patch+json";
        request.body = R"({"spec":{"template":{"metadata":{"annotations":{"restartedAt":"now"}}}}})";
        request.fieldManager = "kubectl-rollout";
        QVERIFY(cluster.patch("Deployment", "lab", "gitops", request, kNow).ok());
        auto hashesAt = [&](qint64 t) {
            std::set<std::string> out;
            for (const json& p : cluster.objects("Pod", t))
                if (p["metadata"].value("name", "").rfind("gitops-", 0) == 0)
                    out.insert(p["metadata"]["labels"].value("pod-template-hash", ""));
            return out;
        };
        const auto original = hashesAt(kNow - kSecondMs);
        QCOMPARE(original.size(), std::size_t(1));
        QVERIFY(hashesAt(kNow + 20 * kSecondMs) != original); // rolled to the change
        QCOMPARE(hashesAt(kNow + 10 * kMinuteMs), original); // and back, 30 s later
    }

    void patchRefusals_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("body");
        QTest::addColumn<int>("code");
        QTest::newRow("unknown workload") << "Deployment"
                                          << "nope"
                                          << "{}" << int(leakdesk::ErrorCode::NotFound);
        QTest::newRow("a CronJob is not writable here") << "CronJob"
                                                        << "tally"
                                                        << "{}" << int(leakdesk::ErrorCode::NotFound);
        QTest::newRow("selector is immutable")
            << "DaemonSet"
            << "sniffer"
            << R"({"spec":{"selector":{"matchLabels":{"app":"x"}}}})" << int(leakdesk::ErrorCode::Invalid);
        QTest::newRow("stale resourceVersion")
            << "Deployment"
            << "web"
            << R"({"metadata":{"resourceVersion":"1"}})" << int(leakdesk::ErrorCode::Conflict);
        QTest::newRow("not JSON") << "Deployment"
                                  << "web"
                                  << "{" << int(leakdesk::ErrorCode::InvalidArgument);
    }
    void patchRefusals()
    {
        QFETCH(QString, kind);
        QFETCH(QString, name);
        QFETCH(QString, body);
        QFETCH(int, code);
        ScenarioCluster cluster = makeCluster();
        PatchRequest request;
        request.contentType = "application/merge-patch+json";
        request.body = body.toStdString();
        auto r = cluster.patch(kind.toStdString(), "lab", name.toStdString(), request, kNow);
        QVERIFY(!r.ok());
        QCOMPARE(int(r.error().code), code);
    }

    void oomKillsLeaveEvents()
    {
        const ScenarioCluster cluster = makeCluster();
        std::size_t ledger = cluster.pods().size();
        for (std::size_t p = 0; p < cluster.pods().size(); ++p)
            if (cluster.pods()[p].name == "ledger-0")
                ledger = p;
        QVERIFY(ledger < cluster.pods().size());
        const auto& runs = cluster.pods()[ledger].containers[1].runs; // the init container, then ledger
        QVERIFY(runs.size() > 3 && runs[2].reason == "OOMKilled");
        const std::int64_t kill = runs[2].finishedMs;
        auto reasonsAt = [&](std::int64_t t) {
            std::multiset<std::string> out;
            for (const json& e : cluster.objects("Event", t))
                out.insert(e.value("reason", "") + " " + e["involvedObject"].value("kind", "") + " "
                    + e["involvedObject"].value("fieldPath", "") + " in " + e["metadata"].value("namespace", ""));
            return out;
        };
        const auto atKill = reasonsAt(kill + kMinuteMs);
        QVERIFY(atKill.count("OOMKilling Node  in lab"));
        QVERIFY(atKill.count("BackOff Pod spec.containers{ledger} in lab"));
        QVERIFY(!atKill.count("BackOff Pod spec.containers{proxy} in lab")); // the sidecar was never killed
        bool named = false;
        for (const json& e : cluster.objects("Event", kill + kMinuteMs))
            named = named
                || (e.value("reason", "") == "OOMKilling"
                    && e.value("message", "").find("Killed process " + std::to_string(runs[2].hostPid) + " (")
                        != std::string::npos);
        QVERIFY(named);
        // An hour later the kill is gone from the events (the API server's TTL), unless another came.
        const auto later = reasonsAt(kill + 61 * kMinuteMs);
        QVERIFY(later.count("OOMKilling Node  in lab") < atKill.count("OOMKilling Node  in lab")
            || runs[3].finishedMs < kill + 61 * kMinuteMs);
    }

    void sameSeedSameCluster()
    {
        const ScenarioCluster a = makeCluster(7);
        const ScenarioCluster b = makeCluster(7);
        const ScenarioCluster c = makeCluster(8);
        QCOMPARE(a.objects("Pod", kNow), b.objects("Pod", kNow));
        QVERIFY(a.objects("Pod", kNow) != c.objects("Pod", kNow)); // other names, other noise
    }
};

QTEST_GUILESS_MAIN(TestScenarioCluster)
#include "tst_scenario_cluster.moc"
