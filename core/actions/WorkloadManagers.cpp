#include "core/actions/WorkloadManagers.h"

#include "core/kube/JsonAccess.h"
#include "core/kube/KubeClient.h"

#include <QUrlQuery>

#include <memory>

namespace leakdesk::actions {

using kube::jsonAt;
using kube::jsonString;
using nlohmann::json;

namespace {

constexpr const char* kArgoTracking = "argocd.argoproj.io/tracking-id";
constexpr const char* kInstanceLabel = "app.kubernetes.io/instance";

std::string metaString(const json& object, const char* field, const char* key)
{
    const json& v = jsonAt(object, { "metadata", field, key });
    return v.is_string() ? v.get<std::string>() : std::string();
}

// Labels of the object whose key starts with `prefix`, as "k=v, k=v".
std::string labelsWithPrefix(const json& object, const std::string& prefix, std::string* name, std::string* ns)
{
    std::string out;
    const json& labels = jsonAt(object, { "metadata", "labels" });
    if (!labels.is_object())
        return out;
    for (auto it = labels.begin(); it != labels.end(); ++it) {
        if (it.key().compare(0, prefix.size(), prefix) != 0 || !it.value().is_string())
            continue;
        const std::string value = it.value().get<std::string>();
        out += (out.empty() ? "" : ", ") + it.key() + "=" + value;
        if (it.key() == prefix + "name")
            *name = value;
        if (it.key() == prefix + "namespace")
            *ns = value;
    }
    return out;
}

// A targetRef / scaleTargetRef naming this workload (kind, name, and the group when it says one).
bool refersTo(const json& ref, const WorkloadTarget& target)
{
    if (jsonString(ref, { "kind" }) != target.kindName() || jsonString(ref, { "name" }) != target.name)
        return false;
    const std::string apiVersion = jsonString(ref, { "apiVersion" });
    const std::string group
        = apiVersion.substr(0, apiVersion.find('/') == std::string::npos ? 0 : apiVersion.find('/'));
    return apiVersion.empty() || group == target.apiGroup();
}

std::string objectName(const json& o)
{
    return jsonString(o, { "metadata", "name" });
}

std::string changeWord(MitigationKind kind)
{
    switch (kind) {
    case MitigationKind::RaiseMemoryLimit:
        return "the new memory limit";
    case MitigationKind::SetHeapLimitRestart:
        return std::string("the ") + kHeapLimitRestartEnv + " variable";
    case MitigationKind::RolloutRestart:
        return "the restart annotation";
    }
    return "the change";
}

void detectGitOps(const ManagementFacts& f, MitigationKind kind, Management& out)
{
    const std::string change = changeWord(kind);
    const std::string tracking = metaString(f.object, "annotations", kArgoTracking);
    const std::string instance = metaString(f.object, "labels", kInstanceLabel);
    if (!tracking.empty()) {
        const std::string app = tracking.substr(0, tracking.find(':'));
        out.managedBy.push_back({ "Argo CD", std::string("annotation ") + kArgoTracking + "=" + tracking,
            "Argo CD application \"" + app + "\" syncs this object from Git: with self-heal on it puts " + change
                + " back within seconds, so make the change in Git or turn off the application's auto-sync first",
            true });
    } else if (!instance.empty()) {
        const std::string label = std::string("label ") + kInstanceLabel + "=" + instance;
        if (!f.applications.items) {
            out.managedBy.push_back({ "Argo CD", label + " (Argo CD's default tracking label; Helm sets it too)",
                "if an Argo CD application \"" + instance + "\" manages it, a sync puts " + change
                    + " back; Applications could not be listed (" + f.applications.whyNot + "), so check with: kubectl "
                    + "get applications.argoproj.io -A",
                false });
        } else {
            for (const json& app : *f.applications.items)
                if (objectName(app) == instance) {
                    const std::string appNs = jsonString(app, { "metadata", "namespace" });
                    out.managedBy.push_back(
                        { "Argo CD", label + " and Application " + (appNs.empty() ? "" : appNs + "/") + instance,
                            "Argo CD application \"" + instance
                                + "\" syncs this object from Git: a sync (or self-heal) "
                                  "puts "
                                + change + " back, so make the change in Git or turn off its auto-sync first",
                            true });
                    break;
                }
        }
    }
    std::string name;
    std::string ns;
    const std::string kustomize = labelsWithPrefix(f.object, "kustomize.toolkit.fluxcd.io/", &name, &ns);
    if (!kustomize.empty())
        out.managedBy.push_back({ "Flux", "labels " + kustomize,
            "Flux Kustomization " + (ns.empty() ? "" : ns + "/") + name
                + " applies this object from Git at every reconciliation and puts " + change
                + " back: change it in Git, or run `flux suspend kustomization " + name
                + (ns.empty() ? "" : " -n " + ns) + "` during the incident",
            true });
    name.clear();
    ns.clear();
    const std::string helmRelease = labelsWithPrefix(f.object, "helm.toolkit.fluxcd.io/", &name, &ns);
    if (!helmRelease.empty())
        out.managedBy.push_back({ "Flux", "labels " + helmRelease,
            "Flux HelmRelease " + (ns.empty() ? "" : ns + "/") + name
                + " upgrades the release when it reconciles and "
                  "overwrites "
                + change + ": set it in the HelmRelease's values, or run `flux suspend helmrelease " + name
                + (ns.empty() ? "" : " -n " + ns) + "` during the incident",
            true });
    const std::string managedByLabel = metaString(f.object, "labels", "app.kubernetes.io/managed-by");
    const std::string release = metaString(f.object, "annotations", "meta.helm.sh/release-name");
    if (managedByLabel == "Helm" || !release.empty()) {
        std::string evidence;
        if (managedByLabel == "Helm")
            evidence = "label app.kubernetes.io/managed-by=Helm";
        if (!release.empty())
            evidence += (evidence.empty() ? "" : ", ") + std::string("annotation meta.helm.sh/release-name=") + release;
        out.managedBy.push_back({ "Helm", evidence,
            "the next `helm upgrade`" + (release.empty() ? std::string() : " of release \"" + release + "\"")
                + " renders the chart again and sets " + change
                + " back to what its values say: put it in the values (the snippet below) as well",
            true });
    }
}

void detectAutoscalers(const ManagementFacts& f, MitigationKind kind, Management& out)
{
    if (f.hpas.items)
        for (const json& hpa : *f.hpas.items) {
            if (!refersTo(jsonAt(hpa, { "spec", "scaleTargetRef" }), f.target))
                continue;
            std::string metrics;
            std::optional<int> memoryUtilisation;
            const json& list = jsonAt(hpa, { "spec", "metrics" });
            if (list.is_array())
                for (const json& m : list) {
                    const std::string type = jsonString(m, { "type" });
                    const std::string resource = type == "Resource" ? jsonString(m, { "resource", "name" })
                        : type == "ContainerResource"               ? jsonString(m, { "containerResource", "name" })
                                                                    : type;
                    metrics += (metrics.empty() ? "" : ", ") + resource;
                    const char* block = type == "Resource" ? "resource" : "containerResource";
                    const json& u = jsonAt(m, { block, "target", "averageUtilization" });
                    if (resource == "memory" && u.is_number_integer())
                        memoryUtilisation = u.get<int>();
                }
            const json& minR = jsonAt(hpa, { "spec", "minReplicas" });
            const json& maxR = jsonAt(hpa, { "spec", "maxReplicas" });
            const std::string range = (minR.is_number_integer() ? std::to_string(minR.get<int>()) : std::string("1"))
                + "-" + (maxR.is_number_integer() ? std::to_string(maxR.get<int>()) : std::string("?"));
            const std::string evidence = "scaleTargetRef " + f.target.kindName() + "/" + f.target.name + "; " + range
                + " replicas on " + (metrics.empty() ? std::string("cpu (default)") : metrics);
            std::string consequence;
            if (memoryUtilisation && kind == MitigationKind::RaiseMemoryLimit)
                consequence = "it scales on memory at " + std::to_string(*memoryUtilisation)
                    + "% of the request, so the leak keeps adding replicas up to " + range.substr(range.find('-') + 1)
                    + "; a new limit changes that only where the request follows it (a container without a memory "
                      "request takes its limit as request)";
            else if (memoryUtilisation)
                consequence = "it scales on memory at " + std::to_string(*memoryUtilisation)
                    + "% of the request: restarted pods start small and it may scale in, then out again as they "
                      "leak";
            else
                consequence = "it owns the replica count (" + range
                    + "): the change rolls the pods but keeps their number, and pods it adds later get the new "
                      "template too";
            out.autoscalers.push_back({ "HorizontalPodAutoscaler", objectName(hpa), evidence, consequence });
        }
    else
        out.notChecked.push_back("HorizontalPodAutoscalers: " + f.hpas.whyNot);
    if (f.vpas.items)
        for (const json& vpa : *f.vpas.items) {
            if (!refersTo(jsonAt(vpa, { "spec", "targetRef" }), f.target))
                continue;
            std::string mode = jsonString(vpa, { "spec", "updatePolicy", "updateMode" });
            if (mode.empty())
                mode = "Auto"; // the VPA's default
            const std::string evidence
                = "targetRef " + f.target.kindName() + "/" + f.target.name + "; updateMode " + mode;
            std::string consequence;
            if (mode == "Off")
                consequence = "it only recommends (updateMode Off): it changes nothing on the pods";
            else if (kind == MitigationKind::RaiseMemoryLimit)
                consequence = "it rewrites requests, and by default limits in proportion, whenever it (re)creates a "
                              "pod: the pods may not get the limit set here; cap it in the VPA's resourcePolicy or set "
                              "updateMode Off during the incident";
            else
                consequence = "it applies its own requests (and limits in proportion) to the pods this change "
                              "recreates, so their memory settings may differ from the template's";
            out.autoscalers.push_back({ "VerticalPodAutoscaler", objectName(vpa), evidence, consequence });
        }
    else
        out.notChecked.push_back("VerticalPodAutoscalers: " + f.vpas.whyNot);
}

std::string whyNotListed(const Error& e)
{
    if (e.code == ErrorCode::NotFound)
        return "not served by this cluster";
    if (e.code == ErrorCode::Forbidden)
        return "not allowed to list them";
    return e.message;
}

} // namespace

json Management::managedByJson() const
{
    json out = json::array();
    for (const ManagedBy& m : managedBy)
        out.push_back({ { "tool", m.tool }, { "evidence", m.evidence }, { "consequence", m.consequence },
            { "certain", m.certain } });
    return out;
}

json Management::autoscalersJson() const
{
    json out = json::array();
    for (const Autoscaler& a : autoscalers)
        out.push_back(
            { { "kind", a.kind }, { "name", a.name }, { "evidence", a.evidence }, { "consequence", a.consequence } });
    return out;
}

Management detectManagement(const ManagementFacts& facts, MitigationKind kind)
{
    Management out;
    detectGitOps(facts, kind, out);
    detectAutoscalers(facts, kind, out);
    return out;
}

void fetchManagementFacts(kube::KubeClient& client, const std::string& ns, const WorkloadTarget& target,
    const json& object, QObject* context, std::function<void(ManagementFacts)> done)
{
    auto facts = std::make_shared<ManagementFacts>();
    facts->target = target;
    facts->object = object;
    auto left = std::make_shared<int>(3);
    const QString n = QString::fromStdString(ns);
    const std::pair<QString, ListedObjects ManagementFacts::*> lists[] = {
        { QStringLiteral("/apis/autoscaling/v2/namespaces/%1/horizontalpodautoscalers").arg(n),
            &ManagementFacts::hpas },
        { QStringLiteral("/apis/autoscaling.k8s.io/v1/namespaces/%1/verticalpodautoscalers").arg(n),
            &ManagementFacts::vpas },
        { QStringLiteral("/apis/argoproj.io/v1alpha1/applications"), &ManagementFacts::applications },
    };
    for (const auto& list : lists) {
        ListedObjects ManagementFacts::*member = list.second;
        client.listAll(list.first, QUrlQuery(), context, [facts, left, member, done](Result<json> r) {
            ListedObjects& slot = (*facts).*member;
            if (r) {
                const json& items = jsonAt(*r, { "items" });
                slot.items = items.is_array() ? items : json::array();
            } else {
                slot.whyNot = whyNotListed(r.error());
            }
            if (--*left == 0)
                done(std::move(*facts));
        });
    }
}

} // namespace leakdesk::actions
