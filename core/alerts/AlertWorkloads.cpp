#include "core/alerts/AlertWorkloads.h"

#include "core/kube/KubePaths.h"

#include <QUrlQuery>

#include <map>
#include <memory>
#include <set>

namespace leakdesk::alerts {

using nlohmann::json;

void resolveFromObjects(std::vector<MemoryAlert>& alerts, const std::string& ns, const json& pods,
    const json& replicaSets, const json& jobs, std::vector<std::string>& notes)
{
    std::map<std::string, const json*> byName;
    for (const json& pod : pods)
        if (pod.is_object() && pod.contains("metadata") && pod["metadata"].is_object())
            byName[pod["metadata"].value("name", std::string())] = &pod;
    std::set<std::string> gone;
    for (MemoryAlert& a : alerts) {
        if (a.target.ns != ns || a.target.workload || a.target.pod.empty())
            continue;
        const auto it = byName.find(a.target.pod);
        if (it == byName.end()) {
            if (gone.insert(a.target.pod).second)
                notes.push_back("pod " + ns + "/" + a.target.pod + " of alert " + a.alert.name()
                    + " no longer exists: its workload is unknown");
            continue;
        }
        if (auto top = kube::topWorkloadOf(*it->second, replicaSets, jobs); top && top->kind) {
            a.target.workload = *top;
        } else {
            notes.push_back("pod " + ns + "/" + a.target.pod + " has no controller LeakDesk knows");
        }
    }
}

void resolveAlertWorkloads(
    kube::KubeClient& kube, std::vector<MemoryAlert> alerts, QObject* context, std::function<void(ResolvedAlerts)> done)
{
    std::set<std::string> namespaces;
    for (const MemoryAlert& a : alerts)
        if (!a.target.ns.empty() && !a.target.workload && !a.target.pod.empty())
            namespaces.insert(a.target.ns);
    struct State {
        ResolvedAlerts out;
        std::size_t pending = 0;
        std::function<void(ResolvedAlerts)> done;
    };
    auto state = std::make_shared<State>();
    state->out.alerts = std::move(alerts);
    state->done = std::move(done);
    if (namespaces.empty())
        return state->done(std::move(state->out));
    state->pending = namespaces.size();
    for (const std::string& ns : namespaces) {
        // Three lists, one after the other: a namespace's pods, ReplicaSets and Jobs.
        struct Lists {
            json pods, replicaSets, jobs;
        };
        auto lists = std::make_shared<Lists>();
        const QString qns = QString::fromStdString(ns);
        const auto finish = [state, ns, lists](std::optional<Error> failed) {
            if (failed)
                state->out.notes.push_back(
                    "the owners of the alerts' pods in " + ns + " are unknown: " + failed->message);
            else
                resolveFromObjects(
                    state->out.alerts, ns, lists->pods, lists->replicaSets, lists->jobs, state->out.notes);
            if (--state->pending == 0)
                state->done(std::move(state->out));
        };
        kube.listAll(kube::paths::pods(qns), {}, context, [&kube, qns, context, lists, finish](Result<json> pods) {
            if (!pods)
                return finish(pods.error());
            lists->pods = pods->value("items", json::array());
            kube.listAll(
                kube::paths::replicaSets(qns), {}, context, [&kube, qns, context, lists, finish](Result<json> rs) {
                    // ReplicaSets or Jobs the user may not list end the chain at the pod's direct owner.
                    lists->replicaSets = rs ? rs->value("items", json::array()) : json::array();
                    kube.listAll(kube::paths::workloads(kube::WorkloadKind::Job, qns), {}, context,
                        [lists, finish](Result<json> jobs) {
                            lists->jobs = jobs ? jobs->value("items", json::array()) : json::array();
                            finish(std::nullopt);
                        });
                });
        });
    }
}

} // namespace leakdesk::alerts
