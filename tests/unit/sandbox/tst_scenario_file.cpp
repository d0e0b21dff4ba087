// Scenario files: multi-document YAML of ordinary manifests read into workloads, containers and
// their sim.leakdesk.io behaviour; everything the API server (or the annotation grammar) refuses is
// an error naming FILE:LINE; every cap is a LimitExceeded error.

#include "core/sandbox/scenario/ScenarioFile.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::sandbox::scenario;

namespace {

constexpr qint64 kMi = 1024 * 1024;

// An invented shop: every kind the sandbox simulates, in one file.
const char* const kShop = R"(# a scenario
apiVersion: v1
kind: Namespace
metadata:
  name: bookshop
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: index
  namespace: bookshop
  labels: {app.kubernetes.io/name: index}
  annotations:
    sim.leakdesk.io/traffic: rps=12 diurnal=0.3
    sim.leakdesk.io/history: 3d
spec:
  replicas: 2
  serviceName: index
  selector:
    matchLabels: {app.kubernetes.io/name: index}
  template:
    metadata:
      labels: {app.kubernetes.io/name: index, tier: "2"}
      annotations:
        sim.leakdesk.io/runtime.index: jvm
        sim.leakdesk.io/memory.index: base=700Mi growth=25Mi/h gc=60Mi/2m
        sim.leakdesk.io/memory.mesh: base=50Mi noise=1Mi
    spec:
      initContainers:
      - name: fetch-config
        image: busybox:1.36
      - name: shipper
        image: fluent-bit:3.0
        restartPolicy: Always
        resources: {limits: {memory: 128Mi}}
      containers:
      - name: index
        image: index:4.1
        resources:
          limits: {memory: 2Gi, cpu: "1"}
          requests: {memory: 1Gi}
      - name: mesh
        image: envoy:1.30
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: basket
  namespace: bookshop
  annotations:
    argocd.argoproj.io/tracking-id: "shop:apps/Deployment:bookshop/basket"
    sim.leakdesk.io/self-heal-after: 5s
spec:
  replicas: 3
  selector: {matchLabels: {app: basket}}
  template:
    metadata: {labels: {app: basket}}
    spec:
      containers:
      - {name: basket, image: "basket:2", resources: {limits: {memory: 512Mi}}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: probe, namespace: kube-system}
spec:
  selector: {matchLabels: {app: probe}}
  template:
    metadata: {labels: {app: probe}}
    spec:
      containers: [{name: probe, image: "probe:1"}]
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: bookshop
  annotations: {sim.leakdesk.io/duration: 20m}
spec:
  schedule: "30 2 * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          annotations: {sim.leakdesk.io/runtime.nightly: python}
        spec:
          restartPolicy: OnFailure
          containers: [{name: nightly, image: "nightly:1"}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: bookshop}
spec:
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: "migrate:1"}]
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: suggest, namespace: bookshop}
spec:
  replicas: 4
  selector: {matchLabels: {app: suggest}}
  strategy: {canary: {steps: [{setWeight: 20}]}}
  template:
    metadata: {labels: {app: suggest}}
    spec:
      containers: [{name: suggest, image: "suggest:9"}]
---
apiVersion: v1
kind: Service
metadata: {name: index, namespace: bookshop}
spec:
  selector: {app.kubernetes.io/name: index}
  ports: [{port: 8080, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: bookshop}
spec:
  rules: [{http: {paths: [{path: /search, pathType: Prefix, backend: {service: {name: index, port: {number: 8080}}}}]}}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: basket, namespace: bookshop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: basket}
  minReplicas: 3
  maxReplicas: 10
---
)";

// A valid Deployment to break in the bad-file table; line 1 is "apiVersion".
std::string deployment(const std::string& templateAnnotations = {}, const std::string& workloadAnnotations = {},
    const std::string& containers = "      - {name: app, image: \"app:1\"}\n")
{
    return "apiVersion: apps/v1\n"
           "kind: Deployment\n"
           "metadata:\n"
           "  name: app\n"
           "  namespace: ns\n"
        + (workloadAnnotations.empty() ? std::string() : "  annotations:\n" + workloadAnnotations)
        + "spec:\n"
          "  selector: {matchLabels: {app: app}}\n"
          "  template:\n"
          "    metadata:\n"
          "      labels: {app: app}\n"
        + (templateAnnotations.empty() ? std::string() : "      annotations:\n" + templateAnnotations)
        + "    spec:\n"
          "      containers:\n"
        + containers;
}

} // namespace

class TestScenarioFile : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readsEveryKind()
    {
        auto parsed = parseScenario(kShop, "shop.yaml");
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().toString().c_str());
        const Scenario& s = *parsed;
        QCOMPARE(s.objects.size(), std::size_t(10));
        QCOMPARE(s.namespaces(), (std::vector<std::string> { "bookshop", "kube-system" }));

        const ScenarioObject* index = s.find("StatefulSet", "bookshop", "index");
        QVERIFY(index && index->workload);
        QCOMPARE(index->where.line, 7);
        QCOMPARE(index->group(), std::string("apps"));
        const ScenarioWorkload& w = *index->workload;
        QCOMPARE(w.replicas, 2);
        QCOMPARE(w.traffic.requestsPerSecond, 12.0);
        QCOMPARE(w.traffic.diurnal, 0.3);
        QCOMPARE(qint64(*w.historyMs), qint64(3 * 86400000LL));
        QVERIFY(!w.selfHealAfterMs);
        QCOMPARE(w.selector.at("app.kubernetes.io/name"), std::string("index"));
        QCOMPARE(w.containers.size(), std::size_t(4));
        // Init containers first, in the order written; restartPolicy Always is a native sidecar.
        QCOMPARE(w.containers[0].name, std::string("fetch-config"));
        QVERIFY(w.containers[0].kind == ContainerKind::Init);
        QVERIFY(w.containers[1].kind == ContainerKind::NativeSidecar);
        QCOMPARE(qint64(*w.containers[1].limitBytes), 128 * kMi);
        const ScenarioContainer& main = w.containers[2];
        QCOMPARE(main.name, std::string("index"));
        QVERIFY(main.kind == ContainerKind::Regular);
        QVERIFY(main.runtime == Runtime::Jvm);
        QVERIFY(main.memoryAnnotated);
        QCOMPARE(qint64(main.memory.baseBytes), 700 * kMi);
        QCOMPARE(main.memory.growthBytesPerHour, 25.0 * kMi);
        QCOMPARE(qint64(main.memory.gcHeightBytes), 60 * kMi);
        QCOMPARE(qint64(*main.limitBytes), 2048 * kMi);
        QCOMPARE(qint64(*main.requestBytes), 1024 * kMi);
        QVERIFY(w.containers[3].runtime == Runtime::None);
        QCOMPARE(qint64(w.containers[3].memory.baseBytes), 50 * kMi);
        QVERIFY(!w.containers[3].limitBytes);
        // The manifest is kept with YAML's types: quoted "2" stays a string, replicas a number.
        QVERIFY(index->manifest["spec"]["replicas"].is_number_integer());
        QCOMPARE(
            index->manifest["spec"]["template"]["metadata"]["labels"]["tier"].get<std::string>(), std::string("2"));
        QCOMPARE(index->manifest["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"]
                     .get<std::string>(),
            std::string("1"));

        const ScenarioObject* basket = s.find("Deployment", "bookshop", "basket");
        QVERIFY(basket && basket->workload);
        QCOMPARE(qint64(*basket->workload->selfHealAfterMs), qint64(5000));
        QCOMPARE(basket->workload->argoTrackingId, std::string("shop:apps/Deployment:bookshop/basket"));
        QCOMPARE(s.find("DaemonSet", "kube-system", "probe")->workload->replicas, kScenarioNodes);
        const ScenarioObject* nightly = s.find("CronJob", "bookshop", "nightly");
        QVERIFY(nightly->workload->schedule);
        QCOMPARE(nightly->workload->scheduleText, std::string("30 2 * * *"));
        QCOMPARE(qint64(*nightly->workload->runDurationMs), qint64(20 * 60000));
        QVERIFY(nightly->workload->containers[0].runtime == Runtime::Python);
        QCOMPARE(s.find("Job", "bookshop", "migrate")->workload->replicas, 2);
        QCOMPARE(s.find("Rollout", "bookshop", "suggest")->group(), std::string("argoproj.io"));
        QVERIFY(!s.find("Service", "bookshop", "index")->workload);
        QCOMPARE(s.podCount(), std::size_t(2 + 3 + kScenarioNodes + 1 + 2 + 4));
    }

    void readsAListAndEmptyDocuments()
    {
        const char* text = "---\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n"
                           "  metadata: {name: a, namespace: x}\n- apiVersion: v1\n  kind: Service\n"
                           "  metadata: {name: b, namespace: x}\n---\n";
        auto parsed = parseScenario(text, "list.yaml");
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().toString().c_str());
        QCOMPARE(parsed->objects.size(), std::size_t(2));
        QCOMPARE(parsed->objects[1].name, std::string("b"));
        QCOMPARE(parsed->objects[1].where.line, 9);
    }

    void refusesBadFiles_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("says");

        QTest::newRow("not YAML") << "apiVersion: v1\nkind: [Service\n" << 3 << "not valid YAML";
        // Inputs yaml-cpp 0.7 never returns from: the libyaml pass refuses them first.
        QTest::newRow("lone comma") << ", " << 1 << "not valid YAML";
        QTest::newRow("comma after a sequence") << "- a\n,\n" << 2 << "not valid YAML";
        QTest::newRow("not a mapping") << "- a\n- b\n" << 1 << "must be a Kubernetes object";
        QTest::newRow("unknown kind") << "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: b}\n"
                                      << 2 << "kind ConfigMap (v1) is not simulated";
        QTest::newRow("kind under the wrong group")
            << "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: a, namespace: b}\n"
            << 1 << "serves it as apps/v1";
        QTest::newRow("no kind") << "apiVersion: v1\nmetadata: {name: a}\n" << 1 << "kind is required";
        QTest::newRow("no name") << "apiVersion: v1\nkind: Service\nmetadata:\n  namespace: b\n"
                                 << 4 << "metadata.name is required";
        QTest::newRow("no metadata") << "apiVersion: v1\nkind: Service\n" << 1 << "metadata is required";
        QTest::newRow("no namespace") << "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n"
                                      << 4 << "metadata.namespace is required";
        QTest::newRow("bad name") << "apiVersion: v1\nkind: Service\nmetadata:\n  name: Shop_A\n  namespace: b\n"
                                  << 4 << "not a valid name";
        QTest::newRow("namespaced Namespace")
            << "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  namespace: b\n"
            << 5 << "not namespaced";
        QTest::newRow("unknown top-level field")
            << "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: b}\nspecs: {}\n"
            << 4 << "unknown field \"specs\"";
        QTest::newRow("unknown metadata field")
            << "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  namespace: b\n  lables: {}\n"
            << 6 << "unknown field \"metadata.lables\"";
        QTest::newRow("key twice")
            << "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: b}\nspec: {}\nspec: {}\n"
            << 5 << "given twice";
        QTest::newRow("label value not a string")
            << "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  namespace: b\n  labels:\n    canary: true\n"
            << 7 << "not a string";
        QTest::newRow("duplicate object")
            << "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: b}\n---\napiVersion: v1\nkind: Service\n"
               "metadata: {name: a, namespace: b}\n"
            << 5 << "defined twice (first at f.yaml:1)";
        QTest::newRow("sim annotation on a Service")
            << "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  namespace: b\n  annotations:\n"
               "    sim.leakdesk.io/traffic: rps=1\n"
            << 7 << "belong on workloads";

        const std::string d = deployment();
        QTest::newRow("unknown sim annotation")
            << QString::fromStdString(deployment("        sim.leakdesk.io/leak.app: fast\n")) << 12
            << "unknown annotation sim.leakdesk.io/leak.app";
        QTest::newRow("memory annotation for a missing container")
            << QString::fromStdString(deployment("        sim.leakdesk.io/memory.sidecar: base=1Mi\n")) << 12
            << "has no container \"sidecar\"";
        QTest::newRow("memory annotation without container")
            << QString::fromStdString(deployment("        sim.leakdesk.io/memory: base=1Mi\n")) << 12
            << "names no container";
        QTest::newRow("unknown memory key")
            << QString::fromStdString(deployment("        sim.leakdesk.io/memory.app: base=1Mi leak=2Mi/h\n")) << 12
            << "unknown key \"leak\"";
        QTest::newRow("bad memory quantity")
            << QString::fromStdString(deployment("        sim.leakdesk.io/memory.app: base=1GB\n")) << 12
            << "unknown suffix";
        QTest::newRow("bad runtime") << QString::fromStdString(
            deployment("        sim.leakdesk.io/runtime.app: java\n"))
                                     << 12 << "unknown runtime \"java\"";
        QTest::newRow("memory annotation on the workload")
            << QString::fromStdString(deployment({}, "    sim.leakdesk.io/memory.app: base=1Mi\n")) << 7
            << "belongs on the pod template";
        QTest::newRow("traffic on the pod template")
            << QString::fromStdString(deployment("        sim.leakdesk.io/traffic: rps=2\n")) << 12
            << "belongs on the workload";
        QTest::newRow("bad history") << QString::fromStdString(deployment({}, "    sim.leakdesk.io/history: 7 days\n"))
                                     << 7 << "history";
        QTest::newRow("history too long")
            << QString::fromStdString(deployment({}, "    sim.leakdesk.io/history: 60d\n")) << 7 << "outside 1h..30d";
        QTest::newRow("self-heal without Argo CD")
            << QString::fromStdString(deployment({}, "    sim.leakdesk.io/self-heal-after: 5s\n")) << 7
            << "needs an Argo CD tracking annotation";
        QTest::newRow("duration on a Deployment")
            << QString::fromStdString(deployment({}, "    sim.leakdesk.io/duration: 5m\n")) << 7
            << "for Jobs and CronJobs";
        QTest::newRow("bad traffic") << QString::fromStdString(
            deployment({}, "    sim.leakdesk.io/traffic: rps=2 diurnal=2\n"))
                                     << 7 << "outside 0..1";
        QTest::newRow("bad memory limit") << QString::fromStdString(
            deployment({}, {}, "      - name: app\n        image: a\n        resources: {limits: {memory: 2GB}}\n"))
                                          << 15 << "limits.memory: the quantity \"2GB\"";
        QTest::newRow("request over limit") << QString::fromStdString(deployment({}, {},
            "      - name: app\n        image: a\n        resources: {limits: {memory: 1Gi}, requests: {memory: "
            "2Gi}}\n")) << 15 << "less than or equal to memory limit of 1Gi";
        QTest::newRow("duplicate container") << QString::fromStdString(
            deployment({}, {}, "      - {name: app, image: a}\n      - {name: app, image: b}\n"))
                                             << 14 << "Duplicate value: \"app\"";
        QTest::newRow("container without image")
            << QString::fromStdString(deployment({}, {}, "      - {name: app}\n")) << 13 << "image";
        QTest::newRow("unknown container field")
            << QString::fromStdString(deployment({}, {}, "      - {name: app, image: a, memory: 1Gi}\n")) << 13
            << "unknown field \"spec.template.spec.containers[0].memory\"";
        QTest::newRow("no containers") << QString::fromStdString(deployment({}, {}, "        []\n")) << 12
                                       << "at least one container";
        QTest::newRow("selector misses the template")
            << "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: b}\nspec:\n"
               "  selector: {matchLabels: {app: x}}\n  template:\n    metadata: {labels: {app: y}}\n"
               "    spec: {containers: [{name: a, image: a}]}\n"
            << 5 << "`selector` does not match template";
        QTest::newRow("no selector")
            << "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: a, namespace: b}\nspec:\n  template:\n"
               "    spec: {containers: [{name: a, image: a}]}\n"
            << 5 << "spec.selector is required";
        QTest::newRow("job with restartPolicy Always")
            << "apiVersion: batch/v1\nkind: Job\nmetadata: {name: a, namespace: b}\nspec:\n  template:\n    spec:\n"
               "      restartPolicy: Always\n      containers: [{name: a, image: a}]\n"
            << 7 << "Never or OnFailure";
        QTest::newRow("cronjob with bad schedule")
            << "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: a, namespace: b}\nspec:\n  schedule: \"61 * * * "
               "*\"\n"
               "  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: a, image: a}]}}}}\n"
            << 5 << "outside 0-59";
        QTest::newRow("init container restartPolicy OnFailure") << QString::fromStdString(deployment({}, {},
            "      - {name: app, image: a}\n      initContainers:\n      - {name: i, image: i, restartPolicy: "
            "OnFailure}\n")) << 15 << "the only value is Always";
        QTest::newRow("replicas not a number")
            << "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: b}\nspec:\n  replicas: three\n"
            << 5 << "must be an integer";
        QTest::newRow("hpa without target")
            << "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: a, namespace: b}\n"
               "spec: {maxReplicas: 3}\n"
            << 4 << "scaleTargetRef is required";
    }
    void refusesBadFiles()
    {
        QFETCH(QString, text);
        QFETCH(int, line);
        QFETCH(QString, says);
        auto parsed = parseScenario(text.toStdString(), "f.yaml");
        QVERIFY2(!parsed.ok(), "accepted");
        const QString message = QString::fromStdString(parsed.error().message);
        QVERIFY2(message.startsWith(QStringLiteral("f.yaml:%1: ").arg(line)), qPrintable(message));
        QVERIFY2(message.contains(says), qPrintable(message));
        QVERIFY(parsed.error().code != ErrorCode::LimitExceeded);
    }

    void refusesBytesThatAreNotUtf8_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<int>("line");
        QTest::newRow("latin-1 in a value")
            << QByteArray("apiVersion: v1\nkind: Service\nmetadata:\n  name: caf\xe9\n") << 4;
        QTest::newRow("overlong slash") << QByteArray("# \xc0\xaf\n") << 1;
        QTest::newRow("surrogate") << QByteArray("a: b\nc: \xed\xa0\x80\n") << 2;
        QTest::newRow("truncated at the end") << QByteArray("a: \xe2\x82") << 1;
    }
    void refusesBytesThatAreNotUtf8()
    {
        QFETCH(QByteArray, text);
        QFETCH(int, line);
        auto parsed = parseScenario(text.toStdString(), "f.yaml");
        QVERIFY(!parsed.ok());
        QCOMPARE(QString::fromStdString(parsed.error().message), QStringLiteral("f.yaml:%1: not UTF-8 text").arg(line));
        // Valid multi-byte text is fine.
        QVERIFY(parseScenario("# caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3\n", "f.yaml").ok());
    }

    void capsAreLimitExceeded_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("says");
        ScenarioLimits limits;
        const std::string service = "apiVersion: v1\nkind: Service\nmetadata: {name: s%1, namespace: b}\n---\n";
        QString many;
        for (int i = 0; i < 12; ++i)
            many += QString::fromStdString(service).arg(i);
        QTest::newRow("objects") << many << "more than 10 objects";
        QTest::newRow("documents") << QString("---\n{}\n").repeated(30) << "more than 20 documents";
        QTest::newRow("replicas")
            << "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: b}\nspec:\n  replicas: 11\n"
            << "more than the sandbox simulates (10)";
        QTest::newRow("containers") << QString::fromStdString(deployment({}, {},
            "      - {name: a1, image: a}\n      - {name: a2, image: a}\n      - {name: a3, image: a}\n"
            "      - {name: a4, image: a}\n"))
                                    << "4 containers";
        QString pods;
        for (int i = 0; i < 4; ++i)
            pods += QStringLiteral(
                "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s%1, namespace: b}\nspec:\n"
                "  replicas: 9\n  selector: {matchLabels: {a: b}}\n  template:\n"
                "    metadata: {labels: {a: b}}\n    spec: {containers: [{name: a, image: a}]}\n---\n")
                        .arg(i);
        QTest::newRow("pods") << pods << "ask for 36 pods";
        QTest::newRow("file size") << QString(5000, QChar('#')) << "more than a scenario file may have";
        QTest::newRow("alias bomb") << "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\nspec:\n"
                                       "  a: &a [x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
                                       "  c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n"
                                    << "YAML nodes";
        QTest::newRow("depth") << "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\nspec: "
                + QString("[").repeated(40) + QString("]").repeated(40) + "\n"
                               << "nested deeper";
    }
    void capsAreLimitExceeded()
    {
        QFETCH(QString, text);
        QFETCH(QString, says);
        ScenarioLimits limits;
        limits.maxObjects = 10;
        limits.maxDocuments = 20;
        limits.maxReplicas = 10;
        limits.maxContainers = 3;
        limits.maxPods = 30;
        limits.maxFileBytes = 4096;
        limits.maxYamlNodes = 300;
        limits.maxDepth = 30;
        auto parsed = parseScenario(text.toStdString(), "f.yaml", limits);
        QVERIFY2(!parsed.ok(), "accepted");
        QVERIFY2(parsed.error().code == ErrorCode::LimitExceeded, parsed.error().toString().c_str());
        QVERIFY2(QString::fromStdString(parsed.error().message).contains(says), parsed.error().message.c_str());
        QVERIFY(QString::fromStdString(parsed.error().message).startsWith("f.yaml:"));
    }

    void mergesFilesAndRefusesTheSameObjectTwice()
    {
        auto first = parseScenario(kShop, "shop.yaml");
        QVERIFY(first.ok());
        auto second = parseScenario(
            "apiVersion: v1\nkind: Service\nmetadata: {name: extra, namespace: bookshop}\n", "more.yaml");
        QVERIFY(second.ok());
        Scenario merged = *first;
        QVERIFY(mergeScenario(merged, *second).ok());
        QCOMPARE(merged.objects.size(), std::size_t(11));
        QCOMPARE(merged.files, (std::vector<std::string> { "shop.yaml", "more.yaml" }));
        auto again = parseScenario(
            "\napiVersion: v1\nkind: Service\nmetadata: {name: index, namespace: bookshop}\n", "dup.yaml");
        QVERIFY(again.ok());
        const Status status = mergeScenario(merged, *again);
        QVERIFY(!status.ok());
        QVERIFY2(
            QString::fromStdString(status.error().message).startsWith("dup.yaml:2: "), status.error().message.c_str());
        QVERIFY(QString::fromStdString(status.error().message).contains("first at shop.yaml:111"));
    }

    void loadsAFileAndRefusesAMissingOne()
    {
        auto missing = loadScenarioFile("no-such-scenario.yaml");
        QVERIFY(!missing.ok());
        QVERIFY(missing.error().code == ErrorCode::Io);
        const QString shipped = qEnvironmentVariable("LEAKDESK_SOURCE_DIR") + "/tests/fuzz/scenario/corpus/shop.yaml";
        auto loaded = loadScenarioFile(shipped.toStdString());
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().toString().c_str());
        QVERIFY(!loaded->objects.empty());
    }
};

QTEST_GUILESS_MAIN(TestScenarioFile)
#include "tst_scenario_file.moc"
