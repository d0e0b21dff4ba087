#pragma once
// The workload of each memory alert whose labels name only a pod: the pod's owner chain as the
// cluster has it now (Pod -> ReplicaSet -> Deployment/Rollout, Pod -> Job -> CronJob, StatefulSet,
// DaemonSet), one list of pods, ReplicaSets and Jobs per namespace. A pod that is gone (an OOM-killed
// pod replaced since) keeps its alert without a workload, with a note saying so.

#include "core/alerts/MemoryAlerts.h"
#include "core/kube/KubeClient.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace leakdesk::alerts {

struct ResolvedAlerts {
    std::vector<MemoryAlert> alerts;
    std::vector<std::string> notes; // "pod x is gone: its workload is unknown", lists that failed
};

// Pure: fills the workload of alerts in `ns` from the namespace's pods, ReplicaSets and Jobs (items).
void resolveFromObjects(std::vector<MemoryAlert>& alerts, const std::string& ns, const nlohmann::json& pods,
    const nlohmann::json& replicaSets, const nlohmann::json& jobs, std::vector<std::string>& notes);

// Lists what resolveFromObjects needs in each namespace that has such alerts, then resolves.
void resolveAlertWorkloads(kube::KubeClient& kube, std::vector<MemoryAlert> alerts, QObject* context,
    std::function<void(ResolvedAlerts)> done);

} // namespace leakdesk::alerts
