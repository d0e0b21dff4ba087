#include "core/kube/WorkloadResolution.h"

#include "core/kube/JsonAccess.h"
#include "core/kube/KubeClient.h"
#include "core/kube/KubePaths.h"

#include <QUrlQuery>

#include <algorithm>
#include <array>
#include <memory>

namespace leakdesk::kube {

namespace {

using nlohmann::json;

// A bare name is looked up in this order: the kinds most services are, first.
constexpr std::array<WorkloadKind, 7> kWorkloadKinds { WorkloadKind::Deployment, WorkloadKind::StatefulSet,
    WorkloadKind::DaemonSet, WorkloadKind::Rollout, WorkloadKind::CronJob, WorkloadKind::Job,
    WorkloadKind::ReplicaSet };

const json* findNamed(const json& items, const std::string& name)
{
    if (!items.is_array())
        return nullptr;
    for (const json& item : items)
        if (jsonString(item, { "metadata", "name" }) == name)
            return &item;
    return nullptr;
}

const json& itemsOf(const NamespaceObjects& objects, WorkloadKind kind)
{
    static const json none = json::array();
    const auto it = objects.workloads.find(kind);
    return it == objects.workloads.end() ? none : it->second;
}

bool unlisted(const NamespaceObjects& objects, WorkloadKind kind)
{
    return std::find(objects.unlisted.begin(), objects.unlisted.end(), workloadKindName(kind))
        != objects.unlisted.end();
}

// The workload `ref` (kind set) with its selector and pods.
Result<ResolvedWorkload> resolveNamedWorkload(
    const WorkloadRef& ref, const json& object, const NamespaceObjects& objects)
{
    ResolvedWorkload r;
    r.workload = ref;
    r.object = object;
    if (*ref.kind != WorkloadKind::CronJob) {
        const json& selector = jsonAt(object, { "spec", "selector" });
        if (selector.is_null())
            return makeError(ErrorCode::Parse, ref.text() + " has no spec.selector",
                "the API server always sets one: is this object complete?");
        auto parsed = parseLabelSelector(selector);
        if (!parsed)
            return makeError(ErrorCode::Parse, ref.text() + ": " + parsed.error().message, parsed.error().detail);
        r.selector = std::move(parsed).value();
    }
    r.pods = podsOfWorkload(ref, r.selector, objects.pods, objects.replicaSets, objects.jobs);
    const std::string kind = workloadKindName(*ref.kind);
    auto ownedChildren = [&](const json& items, const char* childKind) {
        if (!items.is_array())
            return;
        for (const json& item : items)
            if (const auto owner = controllerOf(item); owner && owner->kind == kind && owner->name == ref.name)
                r.podOwners.push_back(
                    { childKind, jsonString(item, { "metadata", "name" }), jsonString(item, { "metadata", "uid" }) });
    };
    if (ref.kind == WorkloadKind::Deployment || ref.kind == WorkloadKind::Rollout)
        ownedChildren(objects.replicaSets, "ReplicaSet");
    else if (ref.kind == WorkloadKind::CronJob)
        ownedChildren(objects.jobs, "Job");
    else
        r.podOwners.push_back({ kind, ref.name, jsonString(object, { "metadata", "uid" }) });
    return r;
}

// Resolution through a Service: the pods its selector matches, grouped by the workload that owns
// them; the workload with the most pods is the one investigated, the others are named.
Result<ResolvedWorkload> resolveThroughService(
    const std::string& serviceName, const json& service, const NamespaceObjects& objects)
{
    const json& selectorMap = jsonAt(service, { "spec", "selector" });
    StringMap labels;
    if (selectorMap.is_object())
        for (auto it = selectorMap.begin(); it != selectorMap.end(); ++it)
            if (it.value().is_string())
                labels[it.key()] = it.value().get<std::string>();
    if (labels.empty())
        return makeError(ErrorCode::NotFound,
            "Service " + serviceName + " has no selector: its endpoints are managed by hand",
            "name the workload instead, e.g. deployment/NAME or statefulset/NAME");
    const LabelSelector selector = selectorFromMap(labels);
    const WorkloadRef serviceRef { WorkloadKind::Service, serviceName };
    const auto selected = podsOfWorkload(serviceRef, selector, objects.pods, objects.replicaSets, objects.jobs);
    std::vector<std::pair<WorkloadRef, int>> owners; // in order of first appearance
    int bare = 0;
    for (const json& pod : selected) {
        const auto top = topWorkloadOf(pod, objects.replicaSets, objects.jobs);
        if (!top || !top->kind) {
            ++bare;
            continue;
        }
        auto it = std::find_if(owners.begin(), owners.end(), [&](const auto& o) { return o.first == *top; });
        if (it == owners.end())
            owners.emplace_back(*top, 1);
        else
            ++it->second;
    }
    if (owners.empty())
        return makeError(ErrorCode::NotFound,
            "Service " + serviceName + " selects " + std::to_string(selected.size()) + " pod(s) (" + selector.toQuery()
                + ") and none belongs to a workload",
            bare > 0 ? "its pods have no controller: investigate them by name" : "is the service scaled to zero?");
    std::stable_sort(owners.begin(), owners.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    const WorkloadRef chosen = owners.front().first;
    const json* object = findNamed(itemsOf(objects, *chosen.kind), chosen.name);
    if (!object)
        return makeError(ErrorCode::NotFound,
            "Service " + serviceName + " selects pods of " + chosen.text() + ", which could not be read"
                + (unlisted(objects, *chosen.kind)
                        ? " (listing " + std::string(workloadKindName(*chosen.kind)) + "s is not allowed or not served)"
                        : ""),
            "ask for list access to " + std::string(workloadResource(*chosen.kind)) + " in this namespace");
    auto resolved = resolveNamedWorkload(chosen, *object, objects);
    if (!resolved)
        return resolved;
    resolved->service = serviceName;
    for (std::size_t i = 1; i < owners.size(); ++i)
        resolved->notes.push_back("Service " + serviceName + " also sends traffic to "
            + std::to_string(owners[i].second) + " pod(s) of " + owners[i].first.text()
            + " (a canary or another version?); investigate it with --workload " + owners[i].first.text());
    if (bare > 0)
        resolved->notes.push_back(
            "Service " + serviceName + " also selects " + std::to_string(bare) + " pod(s) without a controller");
    return resolved;
}

// A list of a kind the user named failed: what that means for this kind.
Error listError(WorkloadKind kind, const Error& error)
{
    const std::string plural = workloadResource(kind);
    if (error.code == ErrorCode::NotFound)
        return makeError(ErrorCode::NotFound,
            std::string("this cluster does not serve ") + workloadKindName(kind) + "s (" + workloadApiVersion(kind)
                + ")",
            kind == WorkloadKind::Rollout
                ? "is Argo Rollouts installed? `kubectl api-resources` lists what the server serves"
                : "`kubectl api-resources` lists what the server serves");
    if (error.code == ErrorCode::Forbidden)
        return makeError(ErrorCode::Forbidden, "you may not list " + plural + " in this namespace: " + error.message,
            "ask for list access to " + plural + ", or name the Service in front of it");
    return error;
}

} // namespace

std::vector<std::string> ResolvedWorkload::podNames() const
{
    std::vector<std::string> names;
    for (const json& p : pods)
        names.push_back(jsonString(p, { "metadata", "name" }));
    return names;
}

Result<ResolvedWorkload> resolveWorkload(const WorkloadRef& ref, const NamespaceObjects& objects)
{
    if (ref.kind == WorkloadKind::Service || !ref.kind) {
        if (const json* service = findNamed(objects.services, ref.name)) {
            auto viaService = resolveThroughService(ref.name, *service, objects);
            if (viaService || ref.kind)
                return viaService;
            // A bare name whose Service leads nowhere may still be a workload's name.
        } else if (ref.kind) {
            return makeError(ErrorCode::NotFound, "no Service named " + ref.name, "kubectl get services lists them");
        }
    }
    if (ref.kind) {
        const json* object = findNamed(itemsOf(objects, *ref.kind), ref.name);
        if (!object)
            return makeError(ErrorCode::NotFound, "no " + ref.text() + " in this namespace",
                unlisted(objects, *ref.kind)
                    ? std::string("this user may not list ") + workloadResource(*ref.kind)
                        + " here, or the server does not serve them"
                    : std::string("kubectl get ") + workloadResource(*ref.kind) + " lists them");
        return resolveNamedWorkload(ref, *object, objects);
    }
    // A bare name: the first kind that has a workload of that name; the others are named.
    std::optional<Result<ResolvedWorkload>> first;
    std::vector<std::string> alsoNamed;
    for (const WorkloadKind kind : kWorkloadKinds) {
        const json* object = findNamed(itemsOf(objects, kind), ref.name);
        if (!object)
            continue;
        const WorkloadRef named { kind, ref.name };
        if (!first)
            first = resolveNamedWorkload(named, *object, objects);
        else
            alsoNamed.push_back(named.text());
    }
    if (!first)
        return makeError(ErrorCode::NotFound, "no Service and no workload named '" + ref.name + "' in this namespace",
            "the picker lists them; name one as KIND/NAME, e.g. statefulset/" + ref.name);
    if (*first && std::find(objects.unlisted.begin(), objects.unlisted.end(), "Service") != objects.unlisted.end())
        (*first)->notes.push_back("Services could not be listed: '" + ref.name + "' was taken as the workload's name");
    if (*first)
        for (const auto& other : alsoNamed)
            (*first)->notes.push_back("there is also a " + other + ": investigate it with --workload " + other);
    return std::move(*first);
}

void fetchWorkload(KubeClient& client, const QString& ns, const WorkloadRef& ref, QObject* context,
    std::function<void(Result<ResolvedWorkload>)> done)
{
    struct Pending {
        NamespaceObjects objects;
        int left = 0;
        std::optional<Error> error;
    };
    auto state = std::make_shared<Pending>();
    std::vector<std::pair<QString, std::function<void(json)>>> lists;
    std::vector<std::optional<WorkloadKind>> kindOfList;
    auto add = [&](const QString& path, std::optional<WorkloadKind> kind, std::function<void(json)> store) {
        lists.emplace_back(path, std::move(store));
        kindOfList.push_back(kind);
    };
    auto items
        = [](json list) { return list.contains("items") && list["items"].is_array() ? list["items"] : json::array(); };
    if (!ref.kind || ref.kind == WorkloadKind::Service)
        add(paths::services(ns), std::nullopt,
            [state, items](json l) { state->objects.services = items(std::move(l)); });
    for (const WorkloadKind kind : kWorkloadKinds) {
        // Named kinds are listed; so is every kind a Service or a bare name may lead to.
        if (ref.kind && ref.kind != WorkloadKind::Service && ref.kind != kind)
            continue;
        const QString path = paths::workloads(kind, ns);
        add(path, kind, [state, items, kind](json l) { state->objects.workloads[kind] = items(std::move(l)); });
    }
    add(paths::replicaSets(ns), WorkloadKind::ReplicaSet,
        [state, items](json l) { state->objects.replicaSets = items(std::move(l)); });
    add(QStringLiteral("/apis/batch/v1/namespaces/%1/jobs").arg(ns), WorkloadKind::Job,
        [state, items](json l) { state->objects.jobs = items(std::move(l)); });
    add(paths::pods(ns), std::nullopt, [state, items](json l) { state->objects.pods = items(std::move(l)); });

    state->left = static_cast<int>(lists.size());
    for (std::size_t i = 0; i < lists.size(); ++i) {
        const std::optional<WorkloadKind> kind = kindOfList[i];
        // Only a list the resolution cannot do without fails it: the pods, the Services when a
        // Service was named, the kind the user named. Any other (forbidden, not served, or failing
        // after the client's retries) is left out and named if the resolution then needs it.
        const bool services = !kind && i == 0 && (!ref.kind || ref.kind == WorkloadKind::Service);
        const bool required = !kind ? (!services || ref.kind == WorkloadKind::Service) : (ref.kind && ref.kind == kind);
        client.listAll(lists[i].first, QUrlQuery(), context,
            [state, store = lists[i].second, kind, required, ref, done](Result<json> r) {
                if (r) {
                    store(std::move(r).value());
                } else if (required) {
                    if (!state->error)
                        state->error = kind ? listError(*kind, r.error()) : r.error();
                } else {
                    state->objects.unlisted.push_back(kind ? workloadKindName(*kind) : "Service");
                }
                if (--state->left > 0)
                    return;
                if (state->error)
                    return done(*state->error);
                done(resolveWorkload(ref, state->objects));
            });
    }
}

WorkloadChoices workloadChoices(const NamespaceObjects& objects)
{
    WorkloadChoices out;
    out.unlisted = objects.unlisted;
    std::vector<std::string> services, workloads;
    if (objects.services.is_array())
        for (const json& svc : objects.services) {
            const json& selector = jsonAt(svc, { "spec", "selector" });
            if (selector.is_object() && !selector.empty())
                services.push_back(jsonString(svc, { "metadata", "name" }));
        }
    for (const WorkloadKind kind : kWorkloadKinds) {
        const json& items = itemsOf(objects, kind);
        if (!items.is_array())
            continue;
        for (const json& item : items) {
            // A CronJob's Jobs and a Deployment's ReplicaSets are reached through their owner.
            if ((kind == WorkloadKind::Job || kind == WorkloadKind::ReplicaSet) && controllerOf(item))
                continue;
            const std::string name = jsonString(item, { "metadata", "name" });
            if (std::find(services.begin(), services.end(), name) == services.end())
                workloads.push_back(std::string(workloadKindName(kind)) + "/" + name);
        }
    }
    std::sort(services.begin(), services.end());
    std::sort(workloads.begin(), workloads.end());
    out.items = std::move(services);
    out.items.insert(out.items.end(), workloads.begin(), workloads.end());
    return out;
}

void listWorkloadChoices(
    KubeClient& client, const QString& ns, QObject* context, std::function<void(Result<WorkloadChoices>)> done)
{
    struct Pending {
        NamespaceObjects objects;
        int left = 0;
        int failed = 0;
        std::optional<Error> firstError;
    };
    auto state = std::make_shared<Pending>();
    state->left = static_cast<int>(kWorkloadKinds.size()) + 1;
    auto finishOne = [state, done] {
        if (--state->left > 0)
            return;
        if (state->failed == static_cast<int>(kWorkloadKinds.size()) + 1)
            return done(*state->firstError);
        done(workloadChoices(state->objects));
    };
    auto items
        = [](json list) { return list.contains("items") && list["items"].is_array() ? list["items"] : json::array(); };
    client.listAll(paths::services(ns), QUrlQuery(), context, [state, finishOne, items](Result<json> r) {
        if (r) {
            state->objects.services = items(std::move(r).value());
        } else {
            ++state->failed;
            state->firstError = state->firstError.value_or(r.error());
            state->objects.unlisted.push_back("Service");
        }
        finishOne();
    });
    for (const WorkloadKind kind : kWorkloadKinds) {
        const QString path = paths::workloads(kind, ns);
        client.listAll(path, QUrlQuery(), context, [state, finishOne, items, kind](Result<json> r) {
            if (r) {
                state->objects.workloads[kind] = items(std::move(r).value());
            } else {
                ++state->failed;
                state->firstError = state->firstError.value_or(r.error());
                state->objects.unlisted.push_back(workloadKindName(kind));
            }
            finishOne();
        });
    }
}

} // namespace leakdesk::kube
