// Mitigations of every workload kind (issue 16 item 3), as pure functions over object shapes
// invented here: who else manages a workload (Argo CD, Flux, Helm) and which autoscalers target it,
// the patch of the right container (a native sidecar lives in initContainers), each kind's rollout
// as its own tooling judges it, the refusal of the kinds a patch cannot help, the change for Git,
// and records of any kind (an old Deployment-only record still reads).

#include "core/actions/GitSnippet.h"
#include "core/actions/MitigatedFields.h"
#include "core/actions/MitigationRecord.h"
#include "core/actions/RolloutProgress.h"
#include "core/actions/WorkloadManagers.h"
#include "core/actions/WorkloadTarget.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::actions;
using kube::WorkloadKind;
using nlohmann::json;

Q_DECLARE_METATYPE(leakdesk::kube::WorkloadKind)
Q_DECLARE_METATYPE(leakdesk::actions::MitigationKind)

namespace {

json objectWith(const json& labels, const json& annotations)
{
    return { { "metadata",
                 { { "name", "web" }, { "namespace", "shop" }, { "labels", labels }, { "annotations", annotations } } },
        { "spec", json::object() } };
}

ListedObjects listed(const json& items)
{
    return { items, {} };
}

ListedObjects notListed(const std::string& why)
{
    return { std::nullopt, why };
}

json hpa(const std::string& name, const std::string& kind, const std::string& target, const json& metrics)
{
    return { { "metadata", { { "name", name } } },
        { "spec",
            { { "scaleTargetRef", { { "apiVersion", "apps/v1" }, { "kind", kind }, { "name", target } } },
                { "minReplicas", 2 }, { "maxReplicas", 9 }, { "metrics", metrics } } } };
}

json vpa(const std::string& name, const std::string& kind, const std::string& target, const char* mode)
{
    json v = { { "metadata", { { "name", name } } },
        { "spec", { { "targetRef", { { "apiVersion", "apps/v1" }, { "kind", kind }, { "name", target } } } } } };
    if (mode)
        v["spec"]["updatePolicy"]["updateMode"] = mode;
    return v;
}

// "tool" or "tool?" (a possibility), in order.
QStringList toolsOf(const Management& m)
{
    QStringList out;
    for (const ManagedBy& b : m.managedBy)
        out << QString::fromStdString(b.tool) + (b.certain ? QString() : QStringLiteral("?"));
    return out;
}

json workloadWithContainers(const json& containers, const json& initContainers)
{
    json w = { { "spec", { { "template", { { "spec", { { "containers", containers } } } } } } } };
    if (!initContainers.is_null())
        w["spec"]["template"]["spec"]["initContainers"] = initContainers;
    return w;
}

} // namespace

class TestWorkloadMitigations : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void managedByIsDetected_data()
    {
        QTest::addColumn<QString>("labels");
        QTest::addColumn<QString>("annotations");
        QTest::addColumn<QString>("applications"); // JSON array, or "forbidden"
        QTest::addColumn<QStringList>("tools");
        QTest::addColumn<QString>("evidence"); // in the first entry's evidence
        QTest::newRow("nothing") << "{}"
                                 << "{}"
                                 << "[]" << QStringList {} << "";
        QTest::newRow("Argo CD tracking annotation")
            << "{}"
            << R"({"argocd.argoproj.io/tracking-id":"shop-prod:apps/Deployment:shop/web"})"
            << "forbidden" << QStringList { "Argo CD" } << "tracking-id=shop-prod:apps/Deployment:shop/web";
        QTest::newRow("Argo CD label, Applications not listable: a possibility")
            << R"({"app.kubernetes.io/instance":"web-prod"})"
            << "{}"
            << "forbidden" << QStringList { "Argo CD?" } << "app.kubernetes.io/instance=web-prod";
        QTest::newRow("Argo CD label with its Application")
            << R"({"app.kubernetes.io/instance":"web-prod"})"
            << "{}"
            << R"([{"metadata":{"name":"other"}},{"metadata":{"name":"web-prod","namespace":"argocd"}}])"
            << QStringList { "Argo CD" } << "Application argocd/web-prod";
        QTest::newRow("instance label, Applications listed, none of that name: not Argo CD")
            << R"({"app.kubernetes.io/instance":"web-prod"})"
            << "{}"
            << R"([{"metadata":{"name":"billing"}}])" << QStringList {} << "";
        QTest::newRow("Flux kustomize")
            << R"({"kustomize.toolkit.fluxcd.io/name":"apps","kustomize.toolkit.fluxcd.io/namespace":"flux-system"})"
            << "{}"
            << "[]" << QStringList { "Flux" } << "kustomize.toolkit.fluxcd.io/name=apps";
        QTest::newRow("Flux HelmRelease with Helm's own marks")
            << R"({"helm.toolkit.fluxcd.io/name":"web","helm.toolkit.fluxcd.io/namespace":"shop","app.kubernetes.io/managed-by":"Helm"})"
            << R"({"meta.helm.sh/release-name":"web"})"
            << "[]" << QStringList { "Flux", "Helm" } << "helm.toolkit.fluxcd.io/name=web";
        QTest::newRow("Helm label") << R"({"app.kubernetes.io/managed-by":"Helm"})"
                                    << "{}"
                                    << "[]" << QStringList { "Helm" } << "managed-by=Helm";
        QTest::newRow("Helm release annotation only") << "{}"
                                                      << R"({"meta.helm.sh/release-name":"web-7"})"
                                                      << "[]" << QStringList { "Helm" } << "release-name=web-7";
        QTest::newRow("managed-by another tool is not Helm") << R"({"app.kubernetes.io/managed-by":"kustomize"})"
                                                             << "{}"
                                                             << "[]" << QStringList {} << "";
    }
    void managedByIsDetected()
    {
        QFETCH(QString, labels);
        QFETCH(QString, annotations);
        QFETCH(QString, applications);
        QFETCH(QStringList, tools);
        QFETCH(QString, evidence);
        ManagementFacts facts;
        facts.target = { WorkloadKind::Deployment, "web" };
        facts.object = objectWith(json::parse(labels.toStdString()), json::parse(annotations.toStdString()));
        facts.hpas = listed(json::array());
        facts.vpas = listed(json::array());
        facts.applications = applications == QLatin1String("forbidden")
            ? notListed("not allowed to list them")
            : listed(json::parse(applications.toStdString()));
        const Management m = detectManagement(facts, MitigationKind::RaiseMemoryLimit);
        QCOMPARE(toolsOf(m), tools);
        if (!evidence.isEmpty())
            QVERIFY2(QString::fromStdString(m.managedBy.front().evidence).contains(evidence),
                m.managedBy.front().evidence.c_str());
        for (const ManagedBy& b : m.managedBy) {
            QVERIFY2(!b.consequence.empty(), b.tool.c_str());
            QVERIFY2(b.consequence.find('\n') == std::string::npos, b.consequence.c_str()); // one sentence
        }
        QVERIFY(m.autoscalers.empty());
    }

    void autoscalersTargetingTheWorkload_data()
    {
        QTest::addColumn<QString>("hpas"); // JSON array, or "unserved"
        QTest::addColumn<QString>("vpas");
        QTest::addColumn<int>("mitigation");
        QTest::addColumn<QStringList>("found"); // "Kind/name"
        QTest::addColumn<QString>("consequence"); // in the first one's consequence
        QTest::addColumn<QString>("notChecked"); // in notChecked
        const json cpu = json::array({ { { "type", "Resource" },
            { "resource", { { "name", "cpu" }, { "target", { { "averageUtilization", 70 } } } } } } });
        const json memory = json::array({ { { "type", "Resource" },
            { "resource",
                { { "name", "memory" },
                    { "target", { { "type", "Utilization" }, { "averageUtilization", 80 } } } } } } });
        const int limits = static_cast<int>(MitigationKind::RaiseMemoryLimit);
        const int restart = static_cast<int>(MitigationKind::RolloutRestart);
        QTest::newRow("HPA on cpu targeting it")
            << QString::fromStdString(json::array({ hpa("web", "Deployment", "web", cpu) }).dump()) << "[]" << limits
            << QStringList { "HorizontalPodAutoscaler/web" } << "owns the replica count (2-9)"
            << "";
        QTest::newRow("HPA targeting another workload: not ours")
            << QString::fromStdString(json::array({ hpa("api", "Deployment", "api", cpu) }).dump()) << "[]" << limits
            << QStringList {} << ""
            << "";
        QTest::newRow("HPA of a StatefulSet of the same name: not ours")
            << QString::fromStdString(json::array({ hpa("web", "StatefulSet", "web", cpu) }).dump()) << "[]" << limits
            << QStringList {} << ""
            << "";
        QTest::newRow("HPA on memory utilisation, limit raised")
            << QString::fromStdString(json::array({ hpa("web-mem", "Deployment", "web", memory) }).dump()) << "[]"
            << limits << QStringList { "HorizontalPodAutoscaler/web-mem" } << "memory at 80% of the request"
            << "";
        QTest::newRow("VPA in Auto mode")
            << "[]" << QString::fromStdString(json::array({ vpa("web-vpa", "Deployment", "web", nullptr) }).dump())
            << limits << QStringList { "VerticalPodAutoscaler/web-vpa" } << "rewrites requests"
            << "";
        QTest::newRow("VPA recommending only")
            << "[]" << QString::fromStdString(json::array({ vpa("web-vpa", "Deployment", "web", "Off") }).dump())
            << restart << QStringList { "VerticalPodAutoscaler/web-vpa" } << "only recommends"
            << "";
        QTest::newRow("VPA API not served: said, not skipped") << "[]"
                                                               << "unserved" << limits << QStringList {} << ""
                                                               << "VerticalPodAutoscalers: not served by this cluster";
    }
    void autoscalersTargetingTheWorkload()
    {
        QFETCH(QString, hpas);
        QFETCH(QString, vpas);
        QFETCH(int, mitigation);
        QFETCH(QStringList, found);
        QFETCH(QString, consequence);
        QFETCH(QString, notChecked);
        auto list = [](const QString& text) {
            return text == QLatin1String("unserved") ? notListed("not served by this cluster")
                                                     : listed(json::parse(text.toStdString()));
        };
        ManagementFacts facts;
        facts.target = { WorkloadKind::Deployment, "web" };
        facts.object = objectWith(json::object(), json::object());
        facts.hpas = list(hpas);
        facts.vpas = list(vpas);
        facts.applications = listed(json::array());
        const Management m = detectManagement(facts, static_cast<MitigationKind>(mitigation));
        QStringList names;
        for (const Autoscaler& a : m.autoscalers)
            names << QString::fromStdString(a.kind + "/" + a.name);
        QCOMPARE(names, found);
        if (!consequence.isEmpty())
            QVERIFY2(QString::fromStdString(m.autoscalers.front().consequence).contains(consequence),
                m.autoscalers.front().consequence.c_str());
        const QString notCheckedText = QString::fromStdString(json(m.notChecked).dump());
        if (notChecked.isEmpty())
            QVERIFY2(m.notChecked.empty(), qPrintable(notCheckedText));
        else
            QVERIFY2(notCheckedText.contains(notChecked), qPrintable(notCheckedText));
        QVERIFY(m.managedBy.empty());
    }

    void patchOfTheContainerWhereItLives_data()
    {
        QTest::addColumn<QString>("container");
        QTest::addColumn<QString>("list"); // where the patch puts it
        QTest::addColumn<QString>("absent"); // the list it must not touch
        QTest::newRow("main container") << "search"
                                        << "containers"
                                        << "initContainers";
        QTest::newRow("mesh sidecar") << "istio-proxy"
                                      << "containers"
                                      << "initContainers";
        QTest::newRow("native sidecar: an init container") << "log-shipper"
                                                           << "initContainers"
                                                           << "containers";
    }
    void patchOfTheContainerWhereItLives()
    {
        QFETCH(QString, container);
        QFETCH(QString, list);
        QFETCH(QString, absent);
        const json sts = workloadWithContainers(
            json::array({ { { "name", "search" }, { "resources", { { "limits", { { "memory", "2Gi" } } } } } },
                { { "name", "istio-proxy" } } }),
            json::array({ { { "name", "log-shipper" }, { "restartPolicy", "Always" },
                { "resources", { { "limits", { { "memory", "128Mi" } } } } } } }));
        const std::string name = container.toStdString();
        QVERIFY(hasContainer(sts, name));
        const json patch = patchForFields({ { name, "resources.limits.memory", "4Gi" } }, sts);
        const json& podSpec = patch["spec"]["template"]["spec"];
        QVERIFY2(!podSpec.contains(absent.toStdString()), patch.dump().c_str());
        const json& items = podSpec[list.toStdString()];
        QCOMPARE(items.size(), std::size_t(1)); // only that container: the others are left as they are
        QCOMPARE(items[0]["name"].get<std::string>(), name);
        QCOMPARE(items[0]["resources"]["limits"]["memory"].get<std::string>(), std::string("4Gi"));
        QCOMPARE(readMitigatedField(sts, name, "resources.limits.memory").has_value(), name != "istio-proxy");
    }

    void kubectlEquivalentPerKind_data()
    {
        QTest::addColumn<WorkloadKind>("kind");
        QTest::addColumn<bool>("initContainer");
        QTest::addColumn<QString>("command");
        QTest::newRow("StatefulSet")
            << WorkloadKind::StatefulSet << false
            << "kubectl set resources statefulset/search -n shop -c search --limits=memory=4Gi";
        QTest::newRow("DaemonSet") << WorkloadKind::DaemonSet << false
                                   << "kubectl set resources daemonset/search -n shop -c search --limits=memory=4Gi";
        QTest::newRow("Rollout: kubectl set knows no CRD")
            << WorkloadKind::Rollout << false << "kubectl patch rollout/search -n shop --type=strategic -p";
        QTest::newRow("native sidecar: a patch of initContainers")
            << WorkloadKind::StatefulSet << true << "kubectl patch statefulset/search -n shop --type=strategic -p";
    }
    void kubectlEquivalentPerKind()
    {
        QFETCH(WorkloadKind, kind);
        QFETCH(bool, initContainer);
        QFETCH(QString, command);
        const KubectlTarget t { "shop", "search", "search", true, kind, initContainer };
        const std::string got = kubectlCommand(MitigationKind::RaiseMemoryLimit, t, std::string("4Gi"), json::object());
        QVERIFY2(QString::fromStdString(got).startsWith(command), got.c_str());
    }

    void kindsAPatchCannotHelpAreRefused_data()
    {
        QTest::addColumn<WorkloadKind>("kind");
        QTest::addColumn<QString>("owner"); // "Kind/name" of the controller ownerReference, or empty
        QTest::addColumn<QString>("instead"); // in the refusal's detail; empty: no refusal
        QTest::newRow("Deployment") << WorkloadKind::Deployment << ""
                                    << "";
        QTest::newRow("StatefulSet") << WorkloadKind::StatefulSet << ""
                                     << "";
        QTest::newRow("DaemonSet") << WorkloadKind::DaemonSet << ""
                                   << "";
        QTest::newRow("Rollout") << WorkloadKind::Rollout << ""
                                 << "";
        QTest::newRow("ReplicaSet of a Deployment") << WorkloadKind::ReplicaSet << "Deployment/web"
                                                    << "--workload Deployment/web";
        QTest::newRow("bare ReplicaSet") << WorkloadKind::ReplicaSet << ""
                                         << "change the manifest";
        QTest::newRow("Job of a CronJob") << WorkloadKind::Job << "CronJob/report"
                                          << "jobTemplate of CronJob/report";
        QTest::newRow("bare Job") << WorkloadKind::Job << ""
                                  << "create it again";
        QTest::newRow("CronJob") << WorkloadKind::CronJob << ""
                                 << "spec.jobTemplate";
    }
    void kindsAPatchCannotHelpAreRefused()
    {
        QFETCH(WorkloadKind, kind);
        QFETCH(QString, owner);
        QFETCH(QString, instead);
        json object = { { "metadata", { { "name", "x" } } } };
        if (!owner.isEmpty()) {
            const auto parts = owner.split(QLatin1Char('/'));
            object["metadata"]["ownerReferences"] = json::array({ { { "kind", parts[0].toStdString() },
                { "name", parts[1].toStdString() }, { "controller", true }, { "uid", "u1" } } });
        }
        const auto refused = refusalForKind({ kind, "x" }, object);
        QCOMPARE(refused.has_value(), !instead.isEmpty());
        if (refused)
            QVERIFY2(QString::fromStdString(refused->detail).contains(instead), refused->toString().c_str());
    }

    void rolloutPerKind_data()
    {
        QTest::addColumn<WorkloadKind>("kind");
        QTest::addColumn<QString>("object");
        QTest::addColumn<bool>("complete");
        QTest::addColumn<bool>("waitsOnUser");
        QTest::addColumn<QString>("text"); // in toString()
        QTest::newRow("StatefulSet rolling: one ordinal left")
            << WorkloadKind::StatefulSet
            << R"({"metadata":{"generation":4,"name":"db"},"spec":{"replicas":3},"status":{"observedGeneration":4,"replicas":3,"updatedReplicas":2,"readyReplicas":3,"currentRevision":"db-1","updateRevision":"db-2"}})"
            << false << false << "2 of 3 updated, 3 ready";
        QTest::newRow("StatefulSet rolled: revisions agree")
            << WorkloadKind::StatefulSet
            << R"({"metadata":{"generation":4,"name":"db"},"spec":{"replicas":3},"status":{"observedGeneration":4,"replicas":3,"updatedReplicas":3,"readyReplicas":3,"currentRevision":"db-2","updateRevision":"db-2"}})"
            << true << false << "rolled out";
        QTest::newRow("StatefulSet with a partition: ordinals said, done above it")
            << WorkloadKind::StatefulSet
            << R"({"metadata":{"generation":4,"name":"db"},"spec":{"replicas":5,"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":3}}},"status":{"observedGeneration":4,"replicas":5,"updatedReplicas":2,"readyReplicas":5,"currentRevision":"db-1","updateRevision":"db-2"}})"
            << true << false << "ordinals 3..4 will be updated, 0..2 keep the old template";
        QTest::newRow("StatefulSet OnDelete: nothing rolls")
            << WorkloadKind::StatefulSet
            << R"({"metadata":{"generation":4,"name":"db"},"spec":{"replicas":2,"updateStrategy":{"type":"OnDelete"}},"status":{"observedGeneration":4,"replicas":2,"updatedReplicas":0,"readyReplicas":2}})"
            << false << true << "kubectl delete pod db-0";
        QTest::newRow("DaemonSet: two nodes of three")
            << WorkloadKind::DaemonSet
            << R"({"metadata":{"generation":2},"spec":{},"status":{"observedGeneration":2,"desiredNumberScheduled":3,"currentNumberScheduled":3,"updatedNumberScheduled":2,"numberAvailable":3}})"
            << false << false << "2 of 3 updated, 3 available";
        QTest::newRow("DaemonSet: every node")
            << WorkloadKind::DaemonSet
            << R"({"metadata":{"generation":2},"spec":{},"status":{"observedGeneration":2,"desiredNumberScheduled":3,"currentNumberScheduled":3,"updatedNumberScheduled":3,"numberAvailable":3}})"
            << true << false << "rolled out";
        QTest::newRow("DaemonSet: controller behind")
            << WorkloadKind::DaemonSet
            << R"({"metadata":{"generation":3},"spec":{},"status":{"observedGeneration":2,"desiredNumberScheduled":3,"updatedNumberScheduled":3,"numberAvailable":3}})"
            << false << false << "waiting for the controller to see generation 3";
        QTest::newRow("Rollout healthy (observedGeneration as a string)")
            << WorkloadKind::Rollout
            << R"({"metadata":{"generation":5,"name":"rec"},"spec":{"replicas":2},"status":{"observedGeneration":"5","replicas":2,"updatedReplicas":2,"availableReplicas":2,"phase":"Healthy"}})"
            << true << false << "rolled out";
        QTest::newRow("Rollout on a timed pause step")
            << WorkloadKind::Rollout
            << R"({"metadata":{"generation":5,"name":"rec"},"spec":{"replicas":4,"strategy":{"canary":{"steps":[{"setWeight":25},{"pause":{"duration":"10m"}}]}}},"status":{"observedGeneration":"5","replicas":5,"updatedReplicas":1,"availableReplicas":5,"phase":"Paused","currentStepIndex":1,"pauseConditions":[{"reason":"CanaryPauseStep"}]}})"
            << false << false << "waits on a pause step at step 2 of 2 (10m)";
        QTest::newRow("Rollout paused until promoted")
            << WorkloadKind::Rollout
            << R"({"metadata":{"generation":5,"name":"rec"},"spec":{"replicas":4,"strategy":{"canary":{"steps":[{"setWeight":25},{"pause":{}}]}}},"status":{"observedGeneration":"5","replicas":5,"updatedReplicas":1,"availableReplicas":5,"phase":"Paused","currentStepIndex":1,"pauseConditions":[{"reason":"CanaryPauseStep"}]}})"
            << false << true << "kubectl argo rollouts promote rec";
        QTest::newRow("Rollout progressing")
            << WorkloadKind::Rollout
            << R"({"metadata":{"generation":5,"name":"rec"},"spec":{"replicas":2},"status":{"observedGeneration":"5","replicas":3,"updatedReplicas":2,"availableReplicas":2,"phase":"Progressing"}})"
            << false << false << "2 of 2 updated";
    }
    void rolloutPerKind()
    {
        QFETCH(WorkloadKind, kind);
        QFETCH(QString, object);
        QFETCH(bool, complete);
        QFETCH(bool, waitsOnUser);
        QFETCH(QString, text);
        const RolloutStatus s = rolloutStatusOf(json::parse(object.toStdString()), 0, kind);
        QCOMPARE(s.complete, complete);
        QCOMPARE(s.waitsOnUser, waitsOnUser);
        QVERIFY2(QString::fromStdString(s.toString()).contains(text), s.toString().c_str());
    }

    void snippetForGit_data()
    {
        QTest::addColumn<QString>("labels");
        QTest::addColumn<bool>("mainContainer");
        QTest::addColumn<bool>("helm");
        QTest::addColumn<QString>("values"); // in helmValues
        QTest::newRow("plain Deployment: the patch only") << "{}" << true << false << "";
        QTest::newRow("Helm chart, main container: usual layout")
            << R"({"app.kubernetes.io/managed-by":"Helm"})" << true << true
            << "usual chart layout (resources: at the top of the values";
        QTest::newRow("Helm chart, a sidecar: chart-specific")
            << R"({"app.kubernetes.io/managed-by":"Helm"})" << false << true << "is not the main one";
    }
    void snippetForGit()
    {
        QFETCH(QString, labels);
        QFETCH(bool, mainContainer);
        QFETCH(bool, helm);
        QFETCH(QString, values);
        ManagementFacts facts;
        facts.target = { WorkloadKind::StatefulSet, "search" };
        facts.object = objectWith(json::parse(labels.toStdString()), json::object());
        facts.hpas = listed(json::array());
        facts.vpas = listed(json::array());
        facts.applications = listed(json::array());
        const Management m = detectManagement(facts, MitigationKind::RaiseMemoryLimit);
        const json patch = patchForFields({ { "search", "resources.limits.memory", "4Gi" } });
        const GitSnippet s = gitSnippet(
            { facts.target, "shop", "search", mainContainer, MitigationKind::RaiseMemoryLimit, "4Gi", patch }, m);
        QVERIFY2(s.patchYaml.find("kubectl patch statefulset/search -n shop --type strategic") != std::string::npos,
            s.patchYaml.c_str());
        QVERIFY2(s.patchYaml.find("      containers:\n      - name: search\n        resources:\n          limits:\n"
                                  "            memory: 4Gi\n")
                != std::string::npos,
            s.patchYaml.c_str());
        QCOMPARE(!s.helmValues.empty(), helm);
        if (helm) {
            QVERIFY2(QString::fromStdString(s.helmValues).contains(values), s.helmValues.c_str());
            QVERIFY2(s.helmValues.find("resources:\n  limits:\n    memory: 4Gi\n") != std::string::npos,
                s.helmValues.c_str());
        }
    }

    void yamlKeepsStringsStrings_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("yaml");
        QTest::newRow("quantity") << "4Gi"
                                  << "v: 4Gi\n";
        QTest::newRow("JVM size") << "3584m"
                                  << "v: 3584m\n";
        QTest::newRow("a time") << "2026-03-02T10:00:00Z"
                                << "v: \"2026-03-02T10:00:00Z\"\n";
        QTest::newRow("a number") << "1024"
                                  << "v: \"1024\"\n";
        QTest::newRow("an exponent") << "1e3"
                                     << "v: \"1e3\"\n";
        QTest::newRow("a boolean word") << "on"
                                        << "v: \"on\"\n";
        QTest::newRow("a flag") << "-Xmx1g"
                                << "v: \"-Xmx1g\"\n";
        QTest::newRow("a colon") << "a: b"
                                 << "v: \"a: b\"\n";
    }
    void yamlKeepsStringsStrings()
    {
        QFETCH(QString, value);
        QFETCH(QString, yaml);
        QCOMPARE(QString::fromStdString(toYaml(json { { "v", value.toStdString() } })), yaml);
    }

    void recordsOfEveryKind()
    {
        MitigationRecord r;
        r.id = "limits-search-1";
        r.ns = "storefront";
        r.workload = { WorkloadKind::StatefulSet, "search" };
        r.container = "search";
        r.before = { { "resources.limits.memory", "2Gi" } };
        r.after = { { "resources.limits.memory", "4Gi" } };
        r.resourceVersion = "77";
        r.verify = ApplyVerification { false, "argocd-controller", 8, 1764597600000 };
        const json j = r.toJson();
        QCOMPARE(j["workload"].dump(), std::string(R"({"kind":"StatefulSet","name":"search"})"));
        QVERIFY(!j.contains("deployment")); // only a Deployment's record carries the old key
        QCOMPARE(j["verify"]["reverted_by"].get<std::string>(), std::string("argocd-controller"));
        QCOMPARE(j["verify"]["still_applied"].get<bool>(), false);
        const auto back = MitigationRecord::fromJson(j);
        QVERIFY2(back.ok(), back.ok() ? "" : back.error().message.c_str());
        QVERIFY(back->workload == r.workload);
        QVERIFY(back->verify == r.verify);

        // A record written before other kinds: only "deployment".
        json old = j;
        old.erase("workload");
        old.erase("verify");
        old["deployment"] = "checkout";
        const auto oldBack = MitigationRecord::fromJson(old);
        QVERIFY2(oldBack.ok(), oldBack.ok() ? "" : oldBack.error().message.c_str());
        QVERIFY(oldBack->workload == (WorkloadTarget { WorkloadKind::Deployment, "checkout" }));
        QVERIFY(!oldBack->verify);

        json unknown = j;
        unknown["workload"]["kind"] = "Pod";
        QVERIFY(!MitigationRecord::fromJson(unknown).ok());
        json neither = j;
        neither.erase("workload");
        QVERIFY(!MitigationRecord::fromJson(neither).ok());
    }

    // A Rollout is a custom resource: the same change as a JSON patch, list items by index and
    // guarded by their name, the resourceVersion still a precondition.
    void rolloutIsPatchedAsJsonPatch()
    {
        json rollout
            = workloadWithContainers(json::array({ { { "name", "envoy" } },
                                         { { "name", "rec" },
                                             { "env",
                                                 json::array({ { { "name", "A" }, { "value", "1" } },
                                                     { { "name", "HEAP_LIMIT_RESTART" }, { "value", "1g" } } }) } } }),
                nullptr);
        rollout["metadata"] = { { "name", "rec" }, { "resourceVersion", "41" } };
        json smp = patchForFields(
            { { "rec", "resources.limits.memory", "4Gi" }, { "rec", "env.HEAP_LIMIT_RESTART", std::nullopt },
                { "", "annotations.kubectl.kubernetes.io/restartedAt", "2026-01-01T00:00:00Z" } },
            rollout);
        smp["metadata"]["resourceVersion"] = "42";
        const PatchBody body = patchBodyFor({ WorkloadKind::Rollout, "rec" }, smp, rollout);
        QVERIFY(body.type == kube::KubeClient::PatchType::Json);
        const json expected = json::parse(R"([
            {"op":"replace","path":"/metadata/resourceVersion","value":"42"},
            {"op":"add","path":"/spec/template/metadata","value":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-01-01T00:00:00Z"}}},
            {"op":"test","path":"/spec/template/spec/containers/1/name","value":"rec"},
            {"op":"test","path":"/spec/template/spec/containers/1/env/1/name","value":"HEAP_LIMIT_RESTART"},
            {"op":"remove","path":"/spec/template/spec/containers/1/env/1"},
            {"op":"add","path":"/spec/template/spec/containers/1/resources","value":{"limits":{"memory":"4Gi"}}}
        ])");
        QCOMPARE(QString::fromStdString(body.body.dump()), QString::fromStdString(expected.dump()));
        // The built-in kinds keep the strategic merge patch.
        const PatchBody sts = patchBodyFor({ WorkloadKind::StatefulSet, "rec" }, smp, rollout);
        QVERIFY(sts.type == kube::KubeClient::PatchType::StrategicMerge);
        QCOMPARE(QString::fromStdString(sts.body.dump()), QString::fromStdString(smp.dump()));
    }

    void pathsPerKind_data()
    {
        QTest::addColumn<WorkloadKind>("kind");
        QTest::addColumn<QString>("path");
        QTest::newRow("StatefulSet") << WorkloadKind::StatefulSet << "/apis/apps/v1/namespaces/shop/statefulsets/x";
        QTest::newRow("DaemonSet") << WorkloadKind::DaemonSet << "/apis/apps/v1/namespaces/shop/daemonsets/x";
        QTest::newRow("Rollout") << WorkloadKind::Rollout << "/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/x";
    }
    void pathsPerKind()
    {
        QFETCH(WorkloadKind, kind);
        QFETCH(QString, path);
        QCOMPARE((WorkloadTarget { kind, "x" }).path("shop"), path);
    }
};

QTEST_GUILESS_MAIN(TestWorkloadMitigations)
#include "tst_workload_mitigations.moc"
