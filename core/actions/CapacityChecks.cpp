#include "core/actions/CapacityChecks.h"

#include "core/common/Quantity.h"
#include "core/kube/JsonAccess.h"

namespace leakdesk::actions {

using kube::jsonAt;
using kube::jsonString;

using nlohmann::json;

namespace {

std::optional<std::int64_t> memory(const json& v)
{
    if (!v.is_string())
        return std::nullopt;
    auto bytes = parseMemoryBytes(v.get<std::string>());
    return bytes ? std::optional<std::int64_t>(*bytes) : std::nullopt;
}

std::string nameOf(const json& object)
{
    const std::string name = jsonString(object, { "metadata", "name" });
    return name.empty() ? std::string("(unnamed)") : name;
}

const json& items(const json& list)
{
    static const json none = json::array();
    const json& i = jsonAt(list, { "items" });
    return i.is_array() ? i : none;
}

} // namespace

std::optional<std::string> nodeAllocatableWarning(const std::vector<kube::Node>& nodes, const LimitChange& change)
{
    std::int64_t largest = 0;
    std::string largestName;
    for (const auto& n : nodes)
        if (n.memoryAllocatableBytes && *n.memoryAllocatableBytes > largest) {
            largest = *n.memoryAllocatableBytes;
            largestName = n.meta.name;
        }
    if (largest == 0)
        return std::string("node allocatable memory not checked: no node reports it");
    if (change.newBytes > largest)
        return change.newText + " is above the largest node's allocatable memory (" + formatMemoryQuantity(largest)
            + " on " + largestName + "): the new pods would stay Pending";
    return std::nullopt;
}

std::vector<std::string> limitRangeWarnings(const json& limitRangeList, const LimitChange& change)
{
    std::vector<std::string> out;
    for (const json& lr : items(limitRangeList)) {
        const json& limits = jsonAt(lr, { "spec", "limits" });
        if (!limits.is_array())
            continue;
        for (const json& limit : limits) {
            // A Pod limit bounds the sum over containers; with one container per pod that is the same figure.
            const std::string type = jsonString(limit, { "type" });
            if (type != "Container" && type != "Pod")
                continue;
            const auto max = memory(jsonAt(limit, { "max", "memory" }));
            if (max && *max < change.newBytes)
                out.push_back("LimitRange \"" + nameOf(lr) + "\" allows at most "
                    + jsonString(limit, { "max", "memory" }) + " per " + type + ": the API server will reject "
                    + change.newText);
        }
    }
    return out;
}

std::vector<std::string> resourceQuotaWarnings(const json& quotaList, const LimitChange& change)
{
    std::vector<std::string> out;
    for (const json& quota : items(quotaList)) {
        for (const char* key : { "limits.memory", "memory" }) {
            const json& hardJson = jsonAt(jsonAt(quota, { "spec", "hard" }), { key });
            const auto hard = memory(hardJson);
            if (!hard)
                continue;
            const auto used = memory(jsonAt(jsonAt(quota, { "status", "used" }), { key }));
            // After the rollout every replica has the new limit instead of the old one. (During a
            // rolling update the surge pods need a little more; the quota then slows the rollout.)
            const std::int64_t needed = used ? *used + (change.newBytes - change.oldBytes) * change.replicas
                                             : change.newBytes * change.replicas;
            if (needed > *hard)
                out.push_back("ResourceQuota \"" + nameOf(quota) + "\" allows " + key + " "
                    + hardJson.get<std::string>() + " in the namespace; " + std::to_string(change.replicas)
                    + " replica(s) at " + change.newText + " would need " + formatMemoryQuantity(needed));
        }
    }
    return out;
}

} // namespace leakdesk::actions
