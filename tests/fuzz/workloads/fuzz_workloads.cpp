// Workload objects come from the cluster and names from the user: a selector, an owner chain or a
// pod spec of any shape must give an answer or an Error, never a crash. The input is a name line,
// then one JSON document: {"selector":…, "pods":[…], "replicaSets":[…], "jobs":[…]}.
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
    return 0;
}
