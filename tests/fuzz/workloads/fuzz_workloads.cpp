// Workload objects come from the cluster and names from the user: a selector, an owner chain or a
// pod spec of any shape must give an answer or an Error, never a crash. The input is a name line,
// then one JSON document: {"selector":…, "pods":[…], "replicaSets":[…], "jobs":[…],
// "services":[…], "deployments":[…], "statefulSets":[…], "cronJobs":[…]} (resolveWorkload too).
#include "core/kube/WorkloadResolution.h"
#include "core/kube/Workloads.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace leakdesk::kube;
    const std::string text(reinterpret_cast<const char*>(data), size);
    const auto newline = text.find('\n');
    const auto ref = parseWorkloadRef(text.substr(0, newline));
    if (newline == std::string::npos)
        return 0;
    const nlohmann::json doc = nlohmann::json::parse(text.substr(newline + 1), nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
        return 0;
    const auto selector = parseLabelSelector(doc.value("selector", nlohmann::json()));
    if (selector)
        (void)selector->toQuery();
    const nlohmann::json pods = doc.value("pods", nlohmann::json());
    if (ref && selector)
        (void)podsOfWorkload(
            *ref, *selector, pods, doc.value("replicaSets", nlohmann::json()), doc.value("jobs", nlohmann::json()));
    if (pods.is_array())
        for (const auto& p : pods) {
            (void)classifyContainers(p, ref ? ref->name : std::string());
            (void)topWorkloadOf(p, doc.value("replicaSets", nlohmann::json()), doc.value("jobs", nlohmann::json()));
        }
    if (ref) {
        NamespaceObjects objects;
        auto arrayOf = [&doc](const char* key) {
            const nlohmann::json v = doc.value(key, nlohmann::json());
            return v.is_array() ? v : nlohmann::json::array();
        };
        objects.services = arrayOf("services");
        objects.workloads[WorkloadKind::Deployment] = arrayOf("deployments");
        objects.workloads[WorkloadKind::StatefulSet] = arrayOf("statefulSets");
        objects.workloads[WorkloadKind::CronJob] = arrayOf("cronJobs");
        objects.replicaSets = arrayOf("replicaSets");
        objects.jobs = arrayOf("jobs");
        objects.pods = arrayOf("pods");
        if (auto resolved = resolveWorkload(*ref, objects))
            (void)resolved->podNames();
    }
    return 0;
}
