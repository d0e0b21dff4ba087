// A revert compares fields of a Deployment as the server sends it (managedFields included) with
// revert records and journaled writes read back from an incident file, which may be damaged or
// hand-edited: any shape must give a comparison, never a crash. The input is one JSON document:
// {"current": Deployment, "records": [MitigationRecord JSON…], "reverts": [a revert's write…]}.
// The same document also drives what a mitigation of any workload kind reads from a server's
// object (issue 16): the JSON patch of a Rollout, the YAML for Git, each kind's rollout status and
// who manages the object ("hpas", "vpas", "applications": lists as a server may send them).
#include "core/actions/GitSnippet.h"
#include "core/actions/MitigatedFields.h"
#include "core/actions/RevertCheck.h"
#include "core/actions/RolloutProgress.h"
#include "core/actions/WorkloadManagers.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace leakdesk::actions;
    const nlohmann::json doc
        = nlohmann::json::parse(std::string(reinterpret_cast<const char*>(data), size), nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
        return 0;
    const nlohmann::json current = doc.value("current", nlohmann::json());
    std::vector<MitigationRecord> records;
    const nlohmann::json recs = doc.value("records", nlohmann::json());
    if (recs.is_array())
        for (const auto& r : recs)
            if (auto parsed = MitigationRecord::fromJson(r))
                records.push_back(*parsed);
    std::vector<OwnWrite> journal;
    const nlohmann::json reverts = doc.value("reverts", nlohmann::json());
    if (reverts.is_array())
        for (const auto& w : reverts)
            for (auto& own : ownWritesFromJson(w, "fuzz"))
                journal.push_back(std::move(own));
    const RevertComparison c = compareForRevert(records, journal, current, "leakdesk");
    for (const auto& f : c.fields)
        (void)f.threeWay();
    const auto restore = c.toRestore();
    (void)patchForFields(restore).dump();
    (void)ownWriteJson(restore, "1", 0).dump();
    (void)revertDidNotStay(restore, current, "leakdesk");

    const nlohmann::json patch = patchForFields(restore, current);
    (void)jsonPatchFromStrategic(patch, current).dump();
    (void)jsonPatchFromStrategic(current, doc.value("records", nlohmann::json())).dump();
    (void)toYaml(current);
    for (const MitigationRecord& r : records) {
        (void)applyDidNotStay(r, current, "leakdesk");
        (void)r.toJson().dump();
    }
    auto listed = [&doc](const char* key) {
        const nlohmann::json items = doc.value(key, nlohmann::json());
        return items.is_array() ? ListedObjects { items, {} } : ListedObjects { std::nullopt, "not served" };
    };
    for (const auto kind : { leakdesk::kube::WorkloadKind::Deployment, leakdesk::kube::WorkloadKind::StatefulSet,
             leakdesk::kube::WorkloadKind::DaemonSet, leakdesk::kube::WorkloadKind::Rollout }) {
        (void)rolloutStatusOf(current, 0, kind).toString();
        const ManagementFacts facts { { kind, "web" }, current, listed("hpas"), listed("vpas"),
            listed("applications") };
        const Management m = detectManagement(facts, MitigationKind::RaiseMemoryLimit);
        (void)m.managedByJson().dump();
        (void)m.autoscalersJson().dump();
        (void)gitSnippet({ facts.target, "ns", "web", true, MitigationKind::SetHeapLimitRestart, "3584m", patch }, m)
            .toJson()
            .dump();
    }
    return 0;
}
