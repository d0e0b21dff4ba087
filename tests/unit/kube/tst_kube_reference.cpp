// Parser fixtures captured from the sandbox only prove that LeakDesk reads what the sandbox writes.
// Here the reference is the Kubernetes API's own OpenAPI schema (v1.32, trimmed to the kinds
// LeakDesk reads: tests/fixtures/kube/openapi/README.md):
//   - fixtures written by hand from that reference, with what the sandbox never emits (init,
//     sidecar and ephemeral containers, two containers, an OOMKilled lastState, requests without
//     limits, a StatefulSet owner), must validate and parse;
//   - the captured fixtures (sandbox-*.json) have hand-written companions (reference-nodes.json,
//     reference-replicasets.json: real kubelets' nodes, a Deployment's and an Argo Rollout's
//     ReplicaSets) that the same parsers read the same way;
//   - the sandbox's answers for every kind LeakDesk reads must validate: a field it invents or
//     mistypes fails here; what a controller writes beyond the schema (its annotations and hash
//     label) must be what the reference shows;
//   - the validator must refuse what the API would not produce (so that passing means something).

#include "SchemaValidator.h"
#include "TestSupport.h"

#include "core/actions/CapacityChecks.h"
#include "core/common/Quantity.h"
#include "core/kube/KubeObjects.h"
#include "core/sandbox/kubeapi/KubeApi.h"
#include "core/sandbox/model/SandboxModel.h"
#include "core/sandbox/scenario/ScenarioCluster.h"
#include "core/sandbox/scenario/ScenarioFile.h"

#include <QDateTime>
#include <QFile>
#include <QTest>
#include <algorithm>
#include <iterator>
#include <set>

#include <nlohmann/json.hpp>

using namespace leakdesk;
using namespace leakdesk::kube;
using nlohmann::json;

namespace {

json fixture(const QString& name)
{
    QFile f(test::sourceDir() + QStringLiteral("/tests/fixtures/kube/") + name);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return json::parse(f.readAll().toStdString(), nullptr, false);
}

QByteArray joined(const std::vector<std::string>& errors)
{
    QByteArray out;
    for (std::size_t i = 0; i < errors.size() && i < 12; ++i)
        out += QByteArray::fromStdString(errors[i]) + '\n';
    return out;
}

constexpr std::int64_t kNow = 1764590400000; // pinned: the sandbox's answers do not depend on the day

sandbox::HttpRequest request(const QByteArray& method, const std::string& target, const std::string& body = {})
{
    sandbox::HttpRequest r;
    r.method = method;
    r.target = QByteArray::fromStdString(target);
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos)
        r.query = sandbox::QueryParams::parse(QByteArray::fromStdString(target.substr(q + 1)));
    r.headers = { { "authorization", "Bearer t" }, { "accept", "application/json" } };
    if (!body.empty()) {
        r.headers.emplace_back("content-type", "application/json");
        r.body = QByteArray::fromStdString(body);
    }
    return r;
}

} // namespace

class TestKubeReference : public QObject {
    Q_OBJECT
    std::unique_ptr<test::SchemaValidator> m_schema;
    std::unique_ptr<sandbox::SandboxModel> m_model;
    std::unique_ptr<sandbox::scenario::ScenarioCluster> m_storefront;
    std::unique_ptr<sandbox::KubeApi> m_api;

    json served(const QByteArray& method, const std::string& target, int expectedStatus, const std::string& body = {})
    {
        const sandbox::HttpResponse r = m_api->handle(request(method, target, body));
        [&] { QCOMPARE(r.status, expectedStatus); }();
        return json::parse(r.body.toStdString(), nullptr, false);
    }

    // A pod as the sandbox serves it, to break in one place.
    json sandboxPod()
    {
        const json list = served("GET", "/api/v1/namespaces/production/pods?labelSelector=app%3Dcheckout", 200);
        json pod = list["items"][0];
        pod["kind"] = "Pod";
        pod["apiVersion"] = "v1";
        return pod;
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString schemaFile
            = test::sourceDir() + QStringLiteral("/tests/fixtures/kube/openapi/kubernetes-1.32.3-leakdesk.json");
        m_schema = std::make_unique<test::SchemaValidator>(test::SchemaValidator::fromFile(schemaFile.toStdString()));
        QVERIFY2(m_schema->definitionCount() > 150, "the trimmed OpenAPI definitions are missing");
        m_model = std::make_unique<sandbox::SandboxModel>(42, kNow);
        m_api = std::make_unique<sandbox::KubeApi>(*m_model, "t", [] { return kNow; });
        // The kinds only scenarios have (StatefulSet, DaemonSet, Job, CronJob, HPA, a Rollout's
        // ReplicaSets) are served from the storefront scenario, as `sandbox serve --scenario` does.
        auto storefront = sandbox::scenario::loadScenarioFile(
            QString(test::sourceDir() + QStringLiteral("/resources/scenarios/storefront.yaml")).toStdString());
        QVERIFY2(storefront.ok(), storefront.ok() ? "" : storefront.error().message.c_str());
        // A LimitRange and a ResourceQuota in it (the built-in namespace has none), which
        // Mitigations reads before it raises a memory limit.
        auto bounds = sandbox::scenario::parseScenario(R"(apiVersion: v1
kind: LimitRange
metadata: {name: memory-bounds, namespace: storefront}
spec:
  limits:
  - type: Container
    max: {memory: 4Gi}
    min: {memory: 16Mi}
    defaultRequest: {cpu: 100m}
  - type: Pod
    max: {memory: 8Gi}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: compute, namespace: storefront}
spec:
  hard: {requests.memory: 24Gi, limits.memory: 20Gi, requests.cpu: "16", pods: "40"}
)",
            "bounds.yaml");
        QVERIFY2(bounds.ok(), bounds.ok() ? "" : bounds.error().message.c_str());
        QVERIFY(sandbox::scenario::mergeScenario(*storefront, std::move(*bounds)).ok());
        m_storefront = std::make_unique<sandbox::scenario::ScenarioCluster>(std::move(*storefront), 42, kNow);
        m_api->setScenario(m_storefront.get());
    }

    void referenceFixturesValidate_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("definition");
        QTest::newRow("hand-written Pod of a StatefulSet")
            << QStringLiteral("reference-pod-statefulset.json") << QStringLiteral("io.k8s.api.core.v1.Pod");
        QTest::newRow("hand-written events.k8s.io EventList")
            << QStringLiteral("reference-events-v1.json") << QStringLiteral("io.k8s.api.events.v1.EventList");
        QTest::newRow("hand-written NodeList")
            << QStringLiteral("reference-nodes.json") << QStringLiteral("io.k8s.api.core.v1.NodeList");
        QTest::newRow("hand-written ReplicaSetList")
            << QStringLiteral("reference-replicasets.json") << QStringLiteral("io.k8s.api.apps.v1.ReplicaSetList");
        QTest::newRow("captured NodeList")
            << QStringLiteral("sandbox-nodes.json") << QStringLiteral("io.k8s.api.core.v1.NodeList");
        QTest::newRow("captured ReplicaSetList") << QStringLiteral("sandbox-replicasets-rollout.json")
                                                 << QStringLiteral("io.k8s.api.apps.v1.ReplicaSetList");
    }
    void referenceFixturesValidate()
    {
        QFETCH(QString, file);
        QFETCH(QString, definition);
        const json doc = fixture(file);
        QVERIFY2(doc.is_object(), qPrintable(file));
        const auto errors = m_schema->validate(definition.toStdString(), doc);
        QVERIFY2(errors.empty(), joined(errors).constData());
    }

    // What the sandbox never emits, read by the product's parser as the API reference says.
    void referencePodParses()
    {
        const auto pod = parsePod(fixture(QStringLiteral("reference-pod-statefulset.json")));
        QVERIFY2(pod.ok(), pod.ok() ? "" : pod.error().message.c_str());
        QCOMPARE(pod->meta.name, std::string("orders-db-2"));
        QCOMPARE(pod->meta.ns, std::string("data"));
        QCOMPARE(pod->meta.owners.size(), std::size_t(1));
        QCOMPARE(pod->meta.owners[0].first, std::string("StatefulSet"));
        QCOMPARE(pod->meta.owners[0].second, std::string("orders-db"));
        QCOMPARE(pod->meta.creationMs,
            QDateTime::fromString(QStringLiteral("2026-03-02T08:15:00Z"), Qt::ISODate).toMSecsSinceEpoch());
        QCOMPARE(pod->nodeName, std::string("pool-b-worker-4"));
        QCOMPARE(pod->phase, std::string("Running"));
        // Only the regular containers: init, sidecar and ephemeral containers are not the pod's
        // workload and must not be mixed into its containers or statuses.
        QCOMPARE(pod->containers.size(), std::size_t(2));
        QCOMPARE(pod->containers[0].name, std::string("postgres"));
        QCOMPARE(pod->containers[0].memoryLimitBytes, std::optional<std::int64_t>(2LL << 30));
        QCOMPARE(pod->containers[0].memoryRequestBytes, std::optional<std::int64_t>(1536LL << 20));
        QCOMPARE(pod->containers[1].name, std::string("exporter"));
        QCOMPARE(pod->containers[1].memoryLimitBytes, std::optional<std::int64_t>());
        QCOMPARE(pod->containers[1].memoryRequestBytes, std::optional<std::int64_t>(64LL << 20));
        QCOMPARE(pod->memoryLimitBytes(), std::optional<std::int64_t>()); // exporter has none
        const auto& env = pod->containers[0].env;
        QCOMPARE(env.size(), std::size_t(3));
        QCOMPARE(env[0], std::make_pair(std::string("PGDATA"), std::string("/var/lib/postgresql/data/pgdata")));
        QVERIFY(env[1].second.find("from") != std::string::npos); // a Secret's value is never read
        QCOMPARE(pod->statuses.size(), std::size_t(2));
        const ContainerStatus* pg = pod->status("postgres");
        QVERIFY(pg);
        QCOMPARE(pg->restartCount, 4);
        QCOMPARE(pg->state, std::string("running"));
        QVERIFY(pg->lastTerminated.has_value());
        QCOMPARE(pg->lastTerminated->reason, std::string("OOMKilled"));
        QCOMPARE(pg->lastTerminated->exitCode, 137);
        QVERIFY(pg->lastTerminated->finishedMs > pg->lastTerminated->startedMs);
        QVERIFY(pod->status("exporter"));
        QVERIFY(!pod->status("debugger-x7k2p"));
        QVERIFY(!pod->status("init-permissions"));
        QCOMPARE(pod->restartCount(), 4);
    }

    // events.k8s.io/v1 as the reference describes it: a repeated event counts in series.count; one
    // converted from core/v1 (node-problem-detector's OOMKilling) keeps its count, source and times
    // in the deprecated* fields.
    void referenceEventsParse()
    {
        const auto list = parseEventList(fixture(QStringLiteral("reference-events-v1.json")));
        QVERIFY2(list.ok(), list.ok() ? "" : list.error().message.c_str());
        QVERIFY2(list->skipped.empty(), list->skipped.empty() ? "" : list->skipped[0].c_str());
        QCOMPARE(list->items.size(), std::size_t(2));
        auto ms = [](const char* t) {
            return QDateTime::fromString(QString::fromLatin1(t), Qt::ISODateWithMs).toMSecsSinceEpoch();
        };
        const Event& backOff = list->items[0];
        QCOMPARE(backOff.reason, std::string("BackOff"));
        QCOMPARE(backOff.count, 14);
        QCOMPARE(backOff.involved.kind, std::string("Pod"));
        QCOMPARE(backOff.involved.name, std::string("orders-db-2"));
        QCOMPARE(backOff.sourceComponent, std::string("kubelet"));
        QCOMPARE(backOff.sourceHost, std::string("pool-b-worker-4"));
        QCOMPARE(backOff.firstMs, ms("2026-03-04T10:40:12.120Z"));
        QCOMPARE(backOff.lastMs, ms("2026-03-04T11:01:55.804Z"));
        const Event& oom = list->items[1];
        QCOMPARE(oom.reason, std::string("OOMKilling"));
        QCOMPARE(oom.count, 3);
        QCOMPARE(oom.sourceComponent, std::string("kernel-monitor"));
        QCOMPARE(oom.sourceHost, std::string("pool-b-worker-4"));
        QCOMPARE(oom.involved.kind, std::string("Node"));
        QCOMPARE(oom.firstMs, ms("2026-03-04T09:12:40.000Z"));
        QCOMPARE(oom.lastMs, ms("2026-03-04T11:02:01.000Z"));
    }

    // A NodeList as kubelets report it, beside the sandbox's capture: quantities in Ki and
    // milli-cores, node-problem-detector's conditions before the kubelet's, a node under memory
    // pressure and one whose kubelet stopped posting (every condition Unknown). The fields the
    // memory decisions use are read from both the same way.
    void nodesParseAsTheReference_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("hand-written") << QStringLiteral("reference-nodes.json");
        QTest::newRow("captured from the sandbox") << QStringLiteral("sandbox-nodes.json");
    }
    void nodesParseAsTheReference()
    {
        QFETCH(QString, file);
        const json doc = fixture(file);
        const auto list = parseNodeList(doc);
        QVERIFY2(list.ok(), list.ok() ? "" : list.error().message.c_str());
        QVERIFY(list->skipped.empty());
        QCOMPARE(list->items.size(), doc["items"].size());
        QCOMPARE(list->resourceVersion, doc["metadata"]["resourceVersion"].get<std::string>());
        for (std::size_t i = 0; i < list->items.size(); ++i) {
            const Node& n = list->items[i];
            const json& status = doc["items"][i]["status"];
            QCOMPARE(n.meta.name, doc["items"][i]["metadata"]["name"].get<std::string>());
            QVERIFY(n.memoryCapacityBytes.has_value());
            QVERIFY(n.memoryAllocatableBytes.has_value());
            QVERIFY(*n.memoryAllocatableBytes < *n.memoryCapacityBytes);
            QVERIFY(n.cpuAllocatableCores > 0 && n.cpuAllocatableCores <= n.cpuCapacityCores);
            QCOMPARE(n.kubeletVersion, status["nodeInfo"]["kubeletVersion"].get<std::string>());
            QCOMPARE(n.internalIp, status["addresses"][0]["address"].get<std::string>());
            bool ready = false, pressure = false;
            for (const json& c : status["conditions"]) {
                ready = c["type"] == "Ready" ? c["status"] == "True" : ready;
                pressure = c["type"] == "MemoryPressure" ? c["status"] == "True" : pressure;
            }
            QCOMPARE(n.ready, ready);
            QCOMPARE(n.memoryPressure, pressure);
        }
    }

    void referenceNodesParse()
    {
        const auto list = parseNodeList(fixture(QStringLiteral("reference-nodes.json")));
        QVERIFY2(list.ok(), list.ok() ? "" : list.error().message.c_str());
        QCOMPARE(list->items.size(), std::size_t(3));
        const Node& healthy = list->items[0];
        QCOMPARE(healthy.meta.name, std::string("pool-b-worker-3"));
        QCOMPARE(healthy.memoryCapacityBytes, std::optional<std::int64_t>(32863052LL * 1024));
        QCOMPARE(healthy.memoryAllocatableBytes, std::optional<std::int64_t>(29010764LL * 1024));
        QCOMPARE(healthy.cpuCapacityCores, 4.0);
        QCOMPARE(healthy.cpuAllocatableCores, 3.92);
        QVERIFY(healthy.ready);
        QVERIFY(!healthy.memoryPressure);
        QCOMPARE(healthy.kubeletVersion, std::string("v1.32.3"));
        QCOMPARE(healthy.internalIp, std::string("10.164.0.23"));
        const Node& squeezed = list->items[1]; // node-problem-detector's conditions first
        QVERIFY(squeezed.ready);
        QVERIFY(squeezed.memoryPressure);
        const Node& lost = list->items[2]; // Unknown is neither ready nor under pressure
        QVERIFY(!lost.ready);
        QVERIFY(!lost.memoryPressure);
        QCOMPARE(lost.kubeletVersion, std::string("v1.31.6"));
    }

    // ReplicaSets of a Deployment mid-rollout (one at 0 with the zero counters omitted, one reused
    // by a rollback with revision-history) and of an Argo Rollout (its own hash label and revision
    // annotation), read as the API reference and Argo's controller write them.
    void referenceReplicaSetsParse()
    {
        const auto list = parseReplicaSetList(fixture(QStringLiteral("reference-replicasets.json")));
        QVERIFY2(list.ok(), list.ok() ? "" : list.error().message.c_str());
        QVERIFY(list->skipped.empty());
        QCOMPARE(list->items.size(), std::size_t(5));
        std::map<std::string, const ReplicaSet*> byName;
        for (const ReplicaSet& r : list->items)
            byName[r.meta.name] = &r;
        const ReplicaSet* current = byName["orders-api-7c9d5b8f6d"];
        const ReplicaSet* previous = byName["orders-api-59f6c7d84b"];
        const ReplicaSet* scaledDown = byName["orders-api-6b8d4f9c7"];
        const ReplicaSet* canary = byName["pricing-5d7f9b6c48"];
        const ReplicaSet* stable = byName["pricing-66c8b5d9f7"];
        QVERIFY(current && previous && scaledDown && canary && stable);
        QCOMPARE(current->ownerDeployment, std::string("orders-api"));
        QCOMPARE(current->revision, 7);
        QCOMPARE(current->podTemplateHash, std::string("7c9d5b8f6d"));
        QCOMPARE(current->replicas, 4);
        QCOMPARE(current->currentReplicas, 2);
        QCOMPARE(current->readyReplicas, 1);
        QCOMPARE(current->containers.size(), std::size_t(1));
        QCOMPARE(current->containers[0].memoryLimitBytes, std::optional<std::int64_t>(1536LL << 20));
        QCOMPARE(current->containers[0].env.size(), std::size_t(2));
        QCOMPARE(previous->revision, 6); // revision-history is the past, not the revision
        QCOMPARE(previous->replicas, 3);
        QCOMPARE(scaledDown->replicas, 0);
        QCOMPARE(scaledDown->currentReplicas, 0);
        QCOMPARE(scaledDown->readyReplicas, 0);
        QCOMPARE(scaledDown->podTemplateHash, std::string("6b8d4f9c7"));
        for (const ReplicaSet* argo : { canary, stable }) {
            QCOMPARE(argo->ownerDeployment, std::string());
            QCOMPARE(argo->meta.owners.size(), std::size_t(1));
            QCOMPARE(argo->meta.owners[0], std::make_pair(std::string("Rollout"), std::string("pricing")));
            QCOMPARE(argo->containers.at(0).name, std::string("pricing"));
        }
        QCOMPARE(canary->revision, 12);
        QCOMPARE(canary->podTemplateHash, std::string("5d7f9b6c48"));
        QCOMPARE(canary->replicas, 1);
        QCOMPARE(canary->containers[0].memoryLimitBytes, std::optional<std::int64_t>());
        QCOMPARE(stable->revision, 11);
        QCOMPARE(stable->podTemplateHash, std::string("66c8b5d9f7"));
        QCOMPARE(stable->readyReplicas, 4);
    }

    // What a ReplicaSet's controller writes on it (the hash label and the controller's annotations)
    // is what the reference shows, per owner kind: the sandbox's Deployments and Rollouts make their
    // ReplicaSets as the Deployment controller and Argo's do, and its captures parse as the reference.
    void sandboxReplicaSetsAsTheReference_data()
    {
        QTest::addColumn<QString>("source"); // a fixture, or a path the sandbox serves
        QTest::newRow("captured during a rollout") << QStringLiteral("sandbox-replicasets-rollout.json");
        QTest::newRow("served: production") << QStringLiteral("/apis/apps/v1/namespaces/production/replicasets");
        QTest::newRow("served: storefront (Deployment and Rollout)")
            << QStringLiteral("/apis/apps/v1/namespaces/storefront/replicasets");
    }
    void sandboxReplicaSetsAsTheReference()
    {
        QFETCH(QString, source);
        // The controller-written keys of each owner kind in the reference: always (on every
        // ReplicaSet of that kind) and possibly (on some).
        auto controllerKeys = [](const json& rs) {
            std::set<std::string> keys;
            for (const auto& [k, v] : rs["metadata"]["annotations"].items())
                if (k.rfind("deployment.kubernetes.io/", 0) == 0 || k.rfind("rollout.argoproj.io/", 0) == 0)
                    keys.insert("annotation " + k);
            for (const auto& [k, v] : rs["metadata"]["labels"].items())
                if (k.find("pod-template-hash") != std::string::npos)
                    keys.insert("label " + k);
            return keys;
        };
        std::map<std::string, std::set<std::string>> always, possibly;
        const json reference = fixture(QStringLiteral("reference-replicasets.json"));
        for (const json& rs : reference["items"]) {
            const std::string kind = rs["metadata"]["ownerReferences"][0]["kind"];
            const auto keys = controllerKeys(rs);
            if (!always.count(kind))
                always[kind] = keys;
            std::set<std::string> both;
            std::set_intersection(
                always[kind].begin(), always[kind].end(), keys.begin(), keys.end(), std::inserter(both, both.end()));
            always[kind] = both;
            possibly[kind].insert(keys.begin(), keys.end());
        }
        const json doc
            = source.startsWith(QLatin1Char('/')) ? served("GET", source.toStdString(), 200) : fixture(source);
        const auto parsed = parseReplicaSetList(doc);
        QVERIFY(parsed.ok());
        QCOMPARE(parsed->items.size(), doc["items"].size());
        QVERIFY(!parsed->items.empty());
        for (std::size_t i = 0; i < parsed->items.size(); ++i) {
            const json& rs = doc["items"][i];
            const ReplicaSet& r = parsed->items[i];
            const std::string name = rs["metadata"]["name"];
            const std::string kind = rs["metadata"]["ownerReferences"][0]["kind"];
            QVERIFY2(always.count(kind), ("no reference ReplicaSet owned by a " + kind).c_str());
            const auto keys = controllerKeys(rs);
            for (const std::string& key : always[kind])
                QVERIFY2(keys.count(key), (name + " (owned by a " + kind + ") lacks the " + key).c_str());
            for (const std::string& key : keys)
                QVERIFY2(possibly[kind].count(key),
                    (name + " (owned by a " + kind + ") has " + key + ", which its controller does not write").c_str());
            // Read the same way: the hash is the name's suffix, the revision counts from 1, the
            // owner is the controller's.
            QCOMPARE(name, rs["metadata"]["ownerReferences"][0]["name"].get<std::string>() + "-" + r.podTemplateHash);
            QVERIFY(r.revision >= 1);
            QCOMPARE(r.ownerDeployment,
                kind == "Deployment" ? rs["metadata"]["ownerReferences"][0]["name"].get<std::string>() : std::string());
            QVERIFY(!r.containers.empty());
        }
    }

    // Every kind LeakDesk reads (core/kube/KubePaths.h, the workload kinds of core/kube/Workloads.cpp,
    // the Ingresses of core/investigation/Escalation.cpp, the LimitRanges and ResourceQuotas of
    // core/actions/Mitigations.cpp, the HPAs of core/actions/WorkloadManagers.cpp, the pod metrics of
    // core/kube/KubeClient.cpp), as the sandbox answers it, list and single object, against the API's
    // schema.
    void sandboxAnswersValidate_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("definition");
        QTest::addColumn<bool>("mayBeEmpty"); // the sandbox has none of them, as a namespace without any
        struct Row {
            const char* target;
            const char* definition;
            bool mayBeEmpty;
        };
        const Row rows[] = {
            { "/api/v1/namespaces/production/pods", "io.k8s.api.core.v1.PodList", false },
            { "/api/v1/namespaces/production/pods?limit=2", "io.k8s.api.core.v1.PodList", false },
            { "/api/v1/namespaces/storefront/pods", "io.k8s.api.core.v1.PodList", false },
            { "/api/v1/namespaces/production/services", "io.k8s.api.core.v1.ServiceList", false },
            { "/api/v1/namespaces/storefront/services", "io.k8s.api.core.v1.ServiceList", false },
            { "/api/v1/namespaces/production/endpoints", "io.k8s.api.core.v1.EndpointsList", false },
            { "/api/v1/namespaces/storefront/endpoints", "io.k8s.api.core.v1.EndpointsList", false },
            { "/api/v1/namespaces/production/events", "io.k8s.api.core.v1.EventList", false },
            { "/api/v1/nodes", "io.k8s.api.core.v1.NodeList", false },
            { "/api/v1/namespaces", "io.k8s.api.core.v1.NamespaceList", false },
            { "/api/v1/namespaces/production/limitranges", "io.k8s.api.core.v1.LimitRangeList", true },
            { "/api/v1/namespaces/production/resourcequotas", "io.k8s.api.core.v1.ResourceQuotaList", true },
            { "/api/v1/namespaces/storefront/limitranges", "io.k8s.api.core.v1.LimitRangeList", false },
            { "/api/v1/namespaces/storefront/resourcequotas", "io.k8s.api.core.v1.ResourceQuotaList", false },
            { "/apis/apps/v1/namespaces/production/deployments", "io.k8s.api.apps.v1.DeploymentList", false },
            { "/apis/apps/v1/namespaces/storefront/deployments", "io.k8s.api.apps.v1.DeploymentList", false },
            { "/apis/apps/v1/namespaces/production/replicasets", "io.k8s.api.apps.v1.ReplicaSetList", false },
            { "/apis/apps/v1/namespaces/storefront/replicasets", "io.k8s.api.apps.v1.ReplicaSetList", false },
            { "/apis/apps/v1/namespaces/storefront/statefulsets", "io.k8s.api.apps.v1.StatefulSetList", false },
            { "/apis/apps/v1/namespaces/storefront/daemonsets", "io.k8s.api.apps.v1.DaemonSetList", false },
            { "/apis/batch/v1/namespaces/storefront/jobs", "io.k8s.api.batch.v1.JobList", false },
            { "/apis/batch/v1/namespaces/storefront/cronjobs", "io.k8s.api.batch.v1.CronJobList", false },
            { "/apis/autoscaling/v2/namespaces/storefront/horizontalpodautoscalers",
                "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerList", false },
            { "/apis/networking.k8s.io/v1/namespaces/production/ingresses", "io.k8s.api.networking.v1.IngressList",
                false },
            { "/apis/networking.k8s.io/v1/namespaces/storefront/ingresses", "io.k8s.api.networking.v1.IngressList",
                false },
            { "/apis/discovery.k8s.io/v1/namespaces/production/endpointslices",
                "io.k8s.api.discovery.v1.EndpointSliceList", false },
            { "/apis/events.k8s.io/v1/namespaces/production/events", "io.k8s.api.events.v1.EventList", false },
            { "/apis/metrics.k8s.io/v1beta1/namespaces/production/pods",
                "io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetricsList", false },
            { "/apis/metrics.k8s.io/v1beta1/namespaces/storefront/pods",
                "io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetricsList", false },
        };
        for (const Row& row : rows)
            QTest::newRow(row.target) << QString::fromLatin1(row.target) << QString::fromLatin1(row.definition)
                                      << row.mayBeEmpty;
    }
    void sandboxAnswersValidate()
    {
        QFETCH(QString, target);
        QFETCH(QString, definition);
        QFETCH(bool, mayBeEmpty);
        const json list = served("GET", target.toStdString(), 200);
        QVERIFY(list.is_object());
        QVERIFY2(list["items"].is_array(), "no items");
        QVERIFY2(mayBeEmpty || !list["items"].empty(), "nothing to validate");
        QCOMPARE(QString::fromStdString(list.value("kind", "")), definition.section(QLatin1Char('.'), -1));
        const auto errors = m_schema->validate(definition.toStdString(), list);
        QVERIFY2(errors.empty(), joined(errors).constData());
        // Each item fetched alone is the object kind, with its kind and apiVersion.
        const std::string single = definition.toStdString().substr(0, definition.size() - 4); // "...List"
        QVERIFY(m_schema->hasDefinition(single));
        const std::string kind = single.substr(single.rfind('.') + 1);
        for (const json& item : list["items"]) {
            const json& meta = item["metadata"];
            std::string path
                = target.section(QLatin1Char('?'), 0, 0).toStdString() + "/" + meta["name"].get<std::string>();
            const json one = served("GET", path, 200);
            QCOMPARE(QString::fromStdString(one.value("kind", "")), QString::fromStdString(kind));
            QCOMPARE(one.value("apiVersion", ""), list.value("apiVersion", ""));
            const auto oneErrors = m_schema->validate(single, one);
            QVERIFY2(oneErrors.empty(), (path + "\n" + joined(oneErrors).toStdString()).c_str());
        }
    }

    // What the API server and the quota controller add to a LimitRange and a ResourceQuota, as
    // the sandbox serves them, and what LeakDesk's capacity checks read from them.
    void sandboxLimitRangeAndQuota()
    {
        const json ranges = served("GET", "/api/v1/namespaces/storefront/limitranges", 200);
        QCOMPARE(ranges["items"].size(), std::size_t(1));
        const json& container = ranges["items"][0]["spec"]["limits"][0];
        QCOMPARE(container["default"].value("memory", ""), std::string("4Gi")); // the max
        QCOMPARE(container["defaultRequest"].value("memory", ""), std::string("4Gi")); // the default, before the min
        QCOMPARE(container["defaultRequest"].value("cpu", ""), std::string("100m")); // as written
        QVERIFY(!ranges["items"][0]["spec"]["limits"][1].contains("default")); // a Pod item has none
        const auto rangeWarnings = actions::limitRangeWarnings(ranges, { 5LL << 30, "5Gi", 2LL << 30, 3 });
        QCOMPARE(rangeWarnings.size(), std::size_t(1));
        QVERIFY(QString::fromStdString(rangeWarnings[0]).contains(QLatin1String("memory-bounds")));

        const json quotas = served("GET", "/api/v1/namespaces/storefront/resourcequotas", 200);
        QCOMPARE(quotas["items"].size(), std::size_t(1));
        const json& status = quotas["items"][0]["status"];
        QCOMPARE(status["hard"].dump(), quotas["items"][0]["spec"]["hard"].dump());
        QCOMPARE(status["used"].size(), status["hard"].size());
        // The pods of the storefront that have not finished, and their limits summed (sidecars
        // included), as the quota controller counts them.
        const json pods = served("GET", "/api/v1/namespaces/storefront/pods", 200);
        std::int64_t running = 0, limits = 0;
        for (const json& pod : pods["items"]) {
            const std::string phase = pod["status"].value("phase", "");
            if (phase == "Succeeded" || phase == "Failed")
                continue;
            ++running;
            for (const char* list : { "containers", "initContainers" })
                for (const json& c : pod["spec"].value(list, json::array()))
                    if (std::string(list) == "containers" || c.value("restartPolicy", "") == "Always")
                        limits += *parseMemoryBytes(c["resources"]["limits"]["memory"].get<std::string>());
        }
        QVERIFY(running > 0);
        QCOMPARE(status["used"].value("pods", ""), std::to_string(running));
        QCOMPARE(parseMemoryBytes(status["used"]["limits.memory"].get<std::string>()).value(), limits);
        // Mitigations' check reads that used figure: 3 replicas raised from 2Gi warn exactly when
        // the namespace's limits then exceed the quota's 20Gi.
        for (const std::int64_t newLimit : { 5LL << 29, 3LL << 30, 4LL << 30 }) {
            const bool over = limits + 3 * (newLimit - (2LL << 30)) > (20LL << 30);
            const auto warnings = actions::resourceQuotaWarnings(quotas, { newLimit, "new", 2LL << 30, 3 });
            QCOMPARE(!warnings.empty(), over);
        }
        QVERIFY(!actions::resourceQuotaWarnings(quotas, { 32LL << 30, "32Gi", 2LL << 30, 1 }).empty());
    }

    void sandboxStatusAndAccessReviewValidate()
    {
        const json notFound = served("GET", "/api/v1/namespaces/production/pods/no-such-pod", 404);
        auto errors = m_schema->validate("io.k8s.apimachinery.pkg.apis.meta.v1.Status", notFound);
        QVERIFY2(errors.empty(), joined(errors).constData());
        const json review = { { "apiVersion", "authorization.k8s.io/v1" }, { "kind", "SelfSubjectAccessReview" },
            { "spec",
                { { "resourceAttributes",
                    { { "namespace", "production" }, { "verb", "patch" }, { "resource", "deployments" },
                        { "group", "apps" } } } } } };
        QVERIFY(m_schema->validate("io.k8s.api.authorization.v1.SelfSubjectAccessReview", review).empty());
        const json answer
            = served("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", 201, review.dump());
        errors = m_schema->validate("io.k8s.api.authorization.v1.SelfSubjectAccessReview", answer);
        QVERIFY2(errors.empty(), (answer.dump() + "\n" + joined(errors).toStdString()).c_str());
    }

    // The definitions added for the kinds beyond pods are not vacuous either: a break of a served
    // object of each kind, of the sort a hand-made server makes, is refused.
    void brokenAnswerIsRefused_data()
    {
        QTest::addColumn<QString>("list");
        QTest::addColumn<QString>("definition");
        QTest::addColumn<QString>("pointer");
        QTest::addColumn<QString>("value"); // JSON; "<remove>" removes the member
        QTest::addColumn<QString>("expected");
        QTest::newRow("StatefulSet replicas as a string") << "/apis/apps/v1/namespaces/storefront/statefulsets"
                                                          << "io.k8s.api.apps.v1.StatefulSet"
                                                          << "/status/replicas"
                                                          << "\"3\""
                                                          << "expected integer";
        QTest::newRow("StatefulSet without a selector") << "/apis/apps/v1/namespaces/storefront/statefulsets"
                                                        << "io.k8s.api.apps.v1.StatefulSet"
                                                        << "/spec/selector"
                                                        << "<remove>"
                                                        << "required property 'selector'";
        QTest::newRow("DaemonSet status count invented") << "/apis/apps/v1/namespaces/storefront/daemonsets"
                                                         << "io.k8s.api.apps.v1.DaemonSet"
                                                         << "/status/numberRunning"
                                                         << "3"
                                                         << "unknown property";
        QTest::newRow("CronJob without a schedule") << "/apis/batch/v1/namespaces/storefront/cronjobs"
                                                    << "io.k8s.api.batch.v1.CronJob"
                                                    << "/spec/schedule"
                                                    << "<remove>"
                                                    << "required property 'schedule'";
        QTest::newRow("Job succeeded as a boolean") << "/apis/batch/v1/namespaces/storefront/jobs"
                                                    << "io.k8s.api.batch.v1.Job"
                                                    << "/status/succeeded"
                                                    << "true"
                                                    << "expected integer";
        QTest::newRow("HPA metric without a type")
            << "/apis/autoscaling/v2/namespaces/storefront/horizontalpodautoscalers"
            << "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler"
            << "/spec/metrics/0/type"
            << "<remove>"
            << "required property 'type'";
        QTest::newRow("HPA autoscaling/v1 field")
            << "/apis/autoscaling/v2/namespaces/storefront/horizontalpodautoscalers"
            << "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler"
            << "/spec/targetCPUUtilizationPercentage"
            << "70"
            << "unknown property";
        QTest::newRow("Ingress backend port as a bare number")
            << "/apis/networking.k8s.io/v1/namespaces/production/ingresses"
            << "io.k8s.api.networking.v1.Ingress"
            << "/spec/rules/0/http/paths/0/backend/service/port"
            << "80"
            << "expected object";
        QTest::newRow("PodMetrics window as seconds") << "/apis/metrics.k8s.io/v1beta1/namespaces/production/pods"
                                                      << "io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetrics"
                                                      << "/window"
                                                      << "30"
                                                      << "expected string";
        QTest::newRow("PodMetrics memory as bytes") << "/apis/metrics.k8s.io/v1beta1/namespaces/production/pods"
                                                    << "io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetrics"
                                                    << "/containers/0/usage/memory"
                                                    << "1048576"
                                                    << "expected string";
        QTest::newRow("PodMetrics without a timestamp") << "/apis/metrics.k8s.io/v1beta1/namespaces/production/pods"
                                                        << "io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetrics"
                                                        << "/timestamp"
                                                        << "<remove>"
                                                        << "required property 'timestamp'";
        QTest::newRow("LimitRange item without a type") << ""
                                                        << "io.k8s.api.core.v1.LimitRange"
                                                        << "/spec/limits/0/type"
                                                        << "<remove>"
                                                        << "required property 'type'";
        QTest::newRow("ResourceQuota hard memory as a number") << ""
                                                               << "io.k8s.api.core.v1.ResourceQuota"
                                                               << "/spec/hard/limits.memory"
                                                               << "8589934592"
                                                               << "expected string";
    }
    void brokenAnswerIsRefused()
    {
        QFETCH(QString, list);
        QFETCH(QString, definition);
        QFETCH(QString, pointer);
        QFETCH(QString, value);
        QFETCH(QString, expected);
        json object;
        if (list.isEmpty()) {
            // The sandbox serves none of these: the reference object, as the API documents it.
            object = definition.endsWith(QLatin1String("LimitRange"))
                ? json::parse(R"({"apiVersion":"v1","kind":"LimitRange","metadata":{"name":"mem","namespace":"x"},
                    "spec":{"limits":[{"type":"Container","default":{"memory":"512Mi"},
                    "defaultRequest":{"memory":"256Mi"},"max":{"memory":"4Gi"}}]}})")
                : json::parse(R"({"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"q","namespace":"x"},
                    "spec":{"hard":{"limits.memory":"8Gi","requests.memory":"6Gi"}},
                    "status":{"hard":{"limits.memory":"8Gi","requests.memory":"6Gi"},
                    "used":{"limits.memory":"5Gi","requests.memory":"3Gi"}}})");
        } else {
            const json answer = served("GET", list.toStdString(), 200);
            QVERIFY(!answer["items"].empty());
            object = answer["items"][0];
        }
        QVERIFY2(m_schema->validate(definition.toStdString(), object).empty(), "the unbroken object must be valid");
        const json::json_pointer at(pointer.toStdString());
        if (value == QLatin1String("<remove>"))
            object[at.parent_pointer()].erase(at.back());
        else
            object[at] = json::parse(value.toStdString());
        const auto errors = m_schema->validate(definition.toStdString(), object);
        QVERIFY(!errors.empty());
        QVERIFY2(joined(errors).contains(expected.toUtf8()), joined(errors).constData());
    }

    // The validator is not a rubber stamp: each break of a served pod is an error at its place.
    void brokenPodIsRefused_data()
    {
        QTest::addColumn<QString>("pointer");
        QTest::addColumn<QString>("value"); // JSON; "<remove>" removes the member
        QTest::addColumn<QString>("expected"); // part of the error
        QTest::newRow("invented metadata field") << "/metadata/team"
                                                 << "\"checkout\""
                                                 << "$.metadata.team: unknown property";
        QTest::newRow("invented container field") << "/spec/containers/0/heapDump"
                                                  << "true"
                                                  << "unknown property";
        QTest::newRow("restartCount as a string") << "/status/containerStatuses/0/restartCount"
                                                  << "\"3\""
                                                  << "expected integer";
        QTest::newRow("containerPort out of int32") << "/spec/containers/0/ports/0/containerPort"
                                                    << "4294967296"
                                                    << "int32";
        QTest::newRow("a label value that is a number") << "/metadata/labels/app"
                                                        << "7"
                                                        << "expected string";
        QTest::newRow("timestamp not RFC 3339") << "/metadata/creationTimestamp"
                                                << "\"2026-03-02 08:15:00\""
                                                << "RFC 3339";
        QTest::newRow("container without name") << "/spec/containers/0/name"
                                                << "<remove>"
                                                << "required property 'name'";
        QTest::newRow("memory limit as a number") << "/spec/containers/0/resources/limits/memory"
                                                  << "2147483648"
                                                  << "expected string";
        QTest::newRow("containers not an array") << "/spec/containers"
                                                 << "{}"
                                                 << "expected array";
        QTest::newRow("int-or-string as a boolean") << "/spec/containers/0/readinessProbe"
                                                    << R"({"httpGet": {"port": true}})"
                                                    << "integer or a string";
    }
    void brokenPodIsRefused()
    {
        QFETCH(QString, pointer);
        QFETCH(QString, value);
        QFETCH(QString, expected);
        json pod = sandboxPod();
        QVERIFY2(m_schema->validate("io.k8s.api.core.v1.Pod", pod).empty(), "the unbroken pod must be valid");
        const json::json_pointer at(pointer.toStdString());
        if (value == QLatin1String("<remove>"))
            pod[at.parent_pointer()].erase(at.back());
        else
            pod[at] = json::parse(value.toStdString());
        const auto errors = m_schema->validate("io.k8s.api.core.v1.Pod", pod);
        QVERIFY(!errors.empty());
        QVERIFY2(joined(errors).contains(expected.toUtf8()), joined(errors).constData());
    }
};

QTEST_GUILESS_MAIN(TestKubeReference)
#include "tst_kube_reference.moc"
