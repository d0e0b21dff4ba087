#pragma once
// The runbook's escalation rules as evidence, not as a reminder:
//  - "If OOMKills affect user-facing traffic, escalate immediately to P1": OOM kills that meet the
//    runbook's rule, on a service reachable from outside the cluster (an Ingress backend, a
//    LoadBalancer or NodePort Service selecting its pods), with the request rate at the kill times
//    as supporting evidence;
//  - "If leak source cannot be identified within 2 hours, pull in the service owner": the owner
//    read from the Deployment's labels and annotations, and a message ready to paste.
// Plain functions over JSON and findings; fetchServiceContext() is the one that asks the cluster.

#include "core/common/Result.h"
#include "core/common/Series.h"
#include "core/kube/Workloads.h"
#include "core/runbook/Parameters.h"

#include <nlohmann/json.hpp>

#include <QObject>
#include <QString>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::kube {
class KubeClient;
}

namespace leakdesk::investigation {

struct Findings;

struct ServiceExposure {
    bool servicesChecked = false;
    bool ingressesChecked = false;
    // One line per way in from outside: "Ingress shop (shop.example.com /checkout) → Service checkout".
    std::vector<std::string> userFacing;
    // Services selecting the pods but only reachable inside the cluster: "Service payments (ClusterIP)".
    std::vector<std::string> internalOnly;
    std::vector<std::string> notes; // what could not be checked, and why
    bool exposed() const { return !userFacing.empty(); }
};

// `services`/`ingresses` are list objects (items[]); `ingresses` null when not served.
ServiceExposure exposureFrom(const nlohmann::json& services, const nlohmann::json* ingresses,
    const std::map<std::string, std::string>& podLabels);

struct TrafficImpact {
    int kills = 0; // kills with enough request-rate data around them
    int killsWithDrop = 0; // of those, where the rate fell by at least the threshold
    double maxDrop = 0.0; // 0.3 = 30 %
    double threshold = 0.1;
};

// Compares, for each kill, the summed request rate in the 10 minutes before it with the lowest
// rate in the 5 minutes after it.
TrafficImpact trafficImpactAtKills(
    const std::vector<Series>& requestRate, const std::vector<std::int64_t>& killTimesMs, double threshold = 0.1);

struct SeverityProposal {
    bool propose = false; // show the "escalate to P1" banner
    std::string from; // current, e.g. "P2"
    std::string to; // "P1"
    std::string headline; // one line
    std::vector<std::string> evidence; // the numbers behind it
    std::string why; // for the journal: the rule and the evidence in one sentence
};

SeverityProposal assessSeverity(const Findings& findings, const ServiceExposure& exposure,
    const std::string& currentSeverity, const runbook::RunbookParameters& parameters);

struct OwnerRef {
    std::string owner; // "checkout-team (#checkout-oncall)"
    std::string source; // "annotation leakdesk.io/owner"
};

// Looks at annotations owner, leakdesk.io/owner, app.kubernetes.io/owner, team, then labels
// owner, team, app.kubernetes.io/part-of.
std::optional<OwnerRef> ownerOf(const nlohmann::json& deployment);

// The message to paste into the owner's channel after the 2-hour rule fired.
std::string ownerMessage(const OwnerRef& owner, const std::string& service, const std::string& ns,
    const std::string& severity, std::int64_t sinceMs, std::int64_t nowMs, const std::string& verdict);

struct ServiceContext {
    nlohmann::json deployment;
    ServiceExposure exposure;
    std::optional<OwnerRef> owner;
};

// Reads the Deployment, the namespace's Services and Ingresses. An Ingress API that is not
// served (404) or not allowed (403) is a note, not an error.
void fetchServiceContext(kube::KubeClient& client, const QString& ns, const QString& deployment, QObject* context,
    std::function<void(Result<ServiceContext>)> done);
// The same for a workload of any kind (its object stands where the Deployment did).
void fetchServiceContext(kube::KubeClient& client, const QString& ns, const kube::WorkloadRef& workload,
    QObject* context, std::function<void(Result<ServiceContext>)> done);

} // namespace leakdesk::investigation
