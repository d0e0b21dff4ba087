#pragma once
// Who else writes the workload a mitigation patches, and what that means for the patch (issue 16):
// Argo CD (its tracking annotation, or the app.kubernetes.io/instance label with an Application of
// that name), Flux (its kustomize/helm toolkit labels), Helm (its managed-by label and release
// annotation), and the autoscalers targeting it (an HPA's scaleTargetRef, a VPA's targetRef). Each
// with the evidence found and one sentence of consequence. detectManagement() is pure over what
// was listed; fetchManagementFacts() lists it, and says what it could not list.

#include "core/actions/MitigationValues.h"
#include "core/actions/WorkloadTarget.h"

#include <nlohmann/json.hpp>

#include <QObject>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::kube {
class KubeClient;
}

namespace leakdesk::actions {

struct ManagedBy {
    std::string tool; // "Argo CD", "Flux", "Helm"
    std::string evidence; // the annotation, labels or object that say so
    std::string consequence; // one sentence: what it does to this change, and what to do
    bool certain = true; // false: a possibility (e.g. an Argo CD label without a visible Application)
    bool operator==(const ManagedBy&) const = default;
};

struct Autoscaler {
    std::string kind; // "HorizontalPodAutoscaler", "VerticalPodAutoscaler"
    std::string name;
    std::string evidence; // "scaleTargetRef Deployment/cart; 2-6 replicas on cpu"
    std::string consequence;
    bool operator==(const Autoscaler&) const = default;
};

// Items of a list, or why they could not be listed (forbidden, or an API the server does not serve).
struct ListedObjects {
    std::optional<nlohmann::json> items; // an array
    std::string whyNot;
};

struct ManagementFacts {
    WorkloadTarget target;
    nlohmann::json object; // the workload as read
    ListedObjects hpas; // autoscaling/v2 in its namespace
    ListedObjects vpas; // autoscaling.k8s.io/v1 in its namespace
    ListedObjects applications; // argoproj.io/v1alpha1 Applications, all namespaces
};

struct Management {
    std::vector<ManagedBy> managedBy;
    std::vector<Autoscaler> autoscalers;
    std::vector<std::string> notChecked; // "VerticalPodAutoscalers: not served by this cluster"

    nlohmann::json managedByJson() const; // [{tool, evidence, consequence, certain}]
    nlohmann::json autoscalersJson() const; // [{kind, name, evidence, consequence}]
};

Management detectManagement(const ManagementFacts& facts, MitigationKind kind);

// Lists the HPAs and VPAs of `ns` and the Applications the user may see; never fails (a list that
// fails is said in its ListedObjects).
void fetchManagementFacts(kube::KubeClient& client, const std::string& ns, const WorkloadTarget& target,
    const nlohmann::json& object, QObject* context, std::function<void(ManagementFacts)> done);

} // namespace leakdesk::actions
