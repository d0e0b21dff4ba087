#include "core/investigation/WorkloadPods.h"

#include "core/prometheus/PromClient.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>

namespace leakdesk::investigation {

using prometheus::QueryKind;

namespace {

std::string quoted(const std::string& v)
{
    std::string out = "\"";
    for (char c : v) {
        if (c == '\\' || c == '"')
            out.push_back('\\');
        out.push_back(c);
    }
    return out + "\"";
}

bool ownsThroughReplicaSets(const kube::ResolvedWorkload& w)
{
    return w.workload.kind == kube::WorkloadKind::Deployment || w.workload.kind == kube::WorkloadKind::Rollout;
}

} // namespace

std::string directOwnerKind(const kube::ResolvedWorkload& workload)
{
    if (ownsThroughReplicaSets(workload))
        return "ReplicaSet";
    if (workload.workload.kind == kube::WorkloadKind::CronJob)
        return "Job";
    return kube::workloadKindName(*workload.workload.kind);
}

std::vector<std::string> intermediateOwnerSelectors(const std::string& ns, const kube::ResolvedWorkload& workload)
{
    const std::string common = "namespace=" + quoted(ns) + ",owner_kind="
        + quoted(kube::workloadKindName(*workload.workload.kind)) + ",owner_name=" + quoted(workload.workload.name);
    if (ownsThroughReplicaSets(workload))
        return { "kube_replicaset_owner{" + common + "}" };
    if (workload.workload.kind == kube::WorkloadKind::CronJob)
        return { "kube_job_owner{" + common + "}" };
    return {};
}

std::vector<std::string> intermediateOwnerNames(const std::vector<Labels>& series)
{
    std::set<std::string> names;
    for (const Labels& l : series)
        for (const char* label : { "replicaset", "job_name" })
            if (auto it = l.find(label); it != l.end() && !it->second.empty())
                names.insert(it->second);
    return { names.begin(), names.end() };
}

std::vector<std::string> podOwnerSelectors(
    const std::string& ns, const std::string& ownerKind, const std::vector<std::string>& owners)
{
    std::vector<std::string> out;
    for (const std::string& regex : prometheus::podRegexesForPods(owners))
        out.push_back("kube_pod_owner{namespace=" + quoted(ns) + ",owner_kind=" + quoted(ownerKind) + ",owner_name=~"
            + quoted(regex) + "}");
    return out;
}

WorkloadPods unitePods(const std::vector<std::string>& fromApi, const std::vector<Labels>& ownerSeries)
{
    WorkloadPods out;
    std::set<std::string> api(fromApi.begin(), fromApi.end());
    std::set<std::string> history;
    for (const Labels& l : ownerSeries)
        if (auto it = l.find("pod"); it != l.end() && !it->second.empty() && !api.count(it->second))
            history.insert(it->second);
    out.fromApi = api.size();
    if (api.size() + history.size() > kMaxQueriedPods) {
        // Names of generated pods do not sort by age; keep the API's and as many others as fit.
        const std::size_t room = kMaxQueriedPods > api.size() ? kMaxQueriedPods - api.size() : 0;
        out.notes.push_back(std::to_string(api.size() + history.size())
            + " pods of this workload existed in the range: "
            + std::to_string(api.size() + std::min(room, history.size())) + " are queried, the others are left out");
        auto it = history.begin();
        std::advance(it, static_cast<std::ptrdiff_t>(std::min(room, history.size())));
        history.erase(it, history.end());
    }
    out.fromHistory = history.size();
    api.insert(history.begin(), history.end());
    out.names.assign(api.begin(), api.end());
    return out;
}

void findWorkloadPods(prometheus::PromClient& client, const std::string& ns, const kube::ResolvedWorkload& workload,
    const TimeRange& range, QObject* context, std::function<void(WorkloadPods)> done)
{
    const std::vector<std::string> apiPods = workload.podNames();
    auto fallBack = [done, apiPods](const std::string& why) {
        WorkloadPods pods = unitePods(apiPods, {});
        pods.notes.push_back("the pods' history could not be looked up in Prometheus (" + why + "): only the "
            + std::to_string(apiPods.size())
            + " pod(s) the cluster lists now are queried; pods replaced earlier in the range are missing from the "
              "charts");
        done(std::move(pods));
    };
    auto lookUpPods = [&client, ns, range, context, done, apiPods, fallBack](
                          const std::string& ownerKind, const std::vector<std::string>& owners) {
        if (owners.empty())
            return done(unitePods(apiPods, {}));
        client.series(podOwnerSelectors(ns, ownerKind, owners), range, context,
            [done, apiPods, fallBack](Result<std::vector<Labels>> r) {
                if (!r)
                    return fallBack(r.error().message);
                if (r->empty())
                    return fallBack("kube_pod_owner has no series for them: is kube-state-metrics scraped?");
                done(unitePods(apiPods, *r));
            });
    };
    const std::vector<std::string> step1 = intermediateOwnerSelectors(ns, workload);
    std::vector<std::string> known; // the owners the API lists now
    for (const auto& owner : workload.podOwners)
        known.push_back(owner.name);
    const std::string ownerKind = directOwnerKind(workload);
    if (step1.empty())
        return lookUpPods(ownerKind, known);
    client.series(step1, range, context, [lookUpPods, known, ownerKind](Result<std::vector<Labels>> r) {
        std::vector<std::string> owners = known;
        if (r)
            for (const std::string& name : intermediateOwnerNames(*r))
                if (std::find(owners.begin(), owners.end(), name) == owners.end())
                    owners.push_back(name);
        lookUpPods(ownerKind, owners);
    });
}

std::vector<prometheus::PodSelector> podSelectorsFor(
    const std::string& ns, const std::vector<std::string>& pods, const std::string& containerRegex)
{
    std::vector<prometheus::PodSelector> out;
    for (std::string& regex : prometheus::podRegexesForPods(pods))
        out.push_back({ ns, std::move(regex), containerRegex });
    return out;
}

std::vector<double> chunkWeights(const std::vector<prometheus::PodSelector>& selectors)
{
    std::vector<double> out;
    for (const auto& sel : selectors)
        out.push_back(static_cast<double>(std::count(sel.podRegex.begin(), sel.podRegex.end(), '|') + 1));
    return out;
}

std::vector<Series> mergeChunkSeries(
    QueryKind kind, const std::vector<std::vector<Series>>& chunks, const std::vector<double>& weights)
{
    if (chunks.size() == 1)
        return chunks.front();
    const bool average = kind == QueryKind::MemoryPerPodAvg || kind == QueryKind::MemoryPerPodAvgBaseline;
    if (kind == QueryKind::MemoryPerPodAvgBaselineByContainer) {
        // Per container: the chunks' averages of each container, weighted alike.
        std::map<std::string, std::vector<std::vector<Series>>> byContainer;
        for (const auto& chunk : chunks) {
            std::map<std::string, std::vector<Series>> here;
            for (const Series& s : chunk)
                here[s.label("container")].push_back(s);
            for (auto& [name, series] : here)
                byContainer[name].push_back(std::move(series));
        }
        std::vector<Series> out;
        for (auto& [name, perChunk] : byContainer)
            for (Series s : mergeChunkSeries(QueryKind::MemoryPerPodAvg, perChunk, weights)) {
                s.labels["container"] = name;
                out.push_back(std::move(s));
            }
        return out;
    }
    const bool sum = kind == QueryKind::RequestRate;
    std::vector<Series> out;
    if (!average && !sum) {
        for (const auto& chunk : chunks)
            out.insert(out.end(), chunk.begin(), chunk.end());
        return out;
    }
    // Per timestamp: the weighted sum and the weight that had a value.
    std::map<std::int64_t, std::pair<double, double>> at;
    for (std::size_t c = 0; c < chunks.size(); ++c) {
        const double w = average ? (c < weights.size() ? weights[c] : 1.0) : 1.0;
        for (const Series& s : chunks[c])
            for (const Sample& p : s.samples) {
                auto& [total, weight] = at[p.tMs];
                total += w * p.value;
                weight += w;
            }
    }
    if (at.empty())
        return out;
    Series merged;
    for (const auto& [t, tw] : at)
        merged.samples.push_back({ t, average && tw.second > 0 ? tw.first / tw.second : tw.first });
    out.push_back(std::move(merged));
    return out;
}

} // namespace leakdesk::investigation
