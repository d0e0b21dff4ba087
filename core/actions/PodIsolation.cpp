#include "core/actions/PodIsolation.h"

#include "core/common/ActionKinds.h"
#include "core/kube/JsonAccess.h"
#include "core/kube/KubeObjects.h"
#include "core/kube/KubePaths.h"
#include "core/kube/Workloads.h"

#include <QDateTime>

#include <algorithm>

namespace leakdesk::actions {

using kube::jsonAt;
using kube::jsonString;

using nlohmann::json;

namespace {

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

LabelMap labelMap(const json& j)
{
    LabelMap out;
    if (j.is_object())
        for (auto it = j.begin(); it != j.end(); ++it)
            if (it.value().is_string())
                out[it.key()] = it.value().get<std::string>();
    return out;
}

json labelJson(const LabelMap& m)
{
    json j = json::object();
    for (const auto& [k, v] : m)
        j[k] = v;
    return j;
}

std::string joined(const std::vector<std::string>& items, const char* sep = ", ")
{
    std::string out;
    for (const auto& s : items)
        out += (out.empty() ? "" : sep) + s;
    return out;
}

std::string labelsText(const LabelMap& m)
{
    std::vector<std::string> parts;
    for (const auto& [k, v] : m)
        parts.push_back(k + "=" + v);
    return joined(parts, ",");
}

bool podReady(const json& pod)
{
    const json& conditions = jsonAt(pod, { "status", "conditions" });
    if (!conditions.is_array())
        return false;
    for (const json& c : conditions)
        if (jsonString(c, { "type" }) == "Ready")
            return jsonString(c, { "status" }) == "True";
    return false;
}

bool terminating(const json& pod)
{
    return !jsonString(pod, { "metadata", "deletionTimestamp" }).empty();
}

// The controller ownerReference of an object, as "Kind/name" ("" when none).
std::string controllerText(const json& object)
{
    const auto owner = kube::controllerOf(object);
    return owner && !owner->kind.empty() ? owner->kind + "/" + owner->name : std::string();
}

// When the API server recorded the latest Update by `manager` (managedFields[].time), in ms; 0 when
// the server keeps no managed fields or the entry has no time.
std::int64_t serverTimeOf(const json& object, const std::string& manager)
{
    std::int64_t latest = 0;
    const json& fields = jsonAt(object, { "metadata", "managedFields" });
    if (fields.is_array())
        for (const json& f : fields)
            if (jsonString(f, { "manager" }) == manager && jsonString(f, { "operation" }) == "Update")
                latest = std::max(latest, kube::parseTimestampMs(jsonString(f, { "time" })));
    return latest;
}

std::string podTarget(const std::string& ns, const std::string& pod)
{
    return "pod/" + pod + " in namespace " + ns;
}

Error notFound(const Error& e, const std::string& ns, const std::string& pod)
{
    if (e.code != ErrorCode::NotFound)
        return e;
    return makeError(
        ErrorCode::NotFound, "there is no " + podTarget(ns, pod), "check the name with: kubectl get pods -n " + ns);
}

} // namespace

// ---- record -------------------------------------------------------------------------------------

json IsolationRecord::toJson() const
{
    return { { "id", id }, { "kind", actionkind::kIsolatePod }, { "namespace", ns }, { "pod", pod },
        { "podUID", podUid }, { "podIP", podIp }, { "removed", labelJson(removed) }, { "services", services },
        { "owner", owner }, { "replacementExpected", replacementExpected }, { "resourceVersion", resourceVersion },
        { "appliedMs", appliedMs }, { "appliedAt", kube::formatTimestamp(appliedMs) },
        { "serverAppliedMs", serverAppliedMs }, { "fieldManager", fieldManager }, { "kubectl", kubectl } };
}

Result<IsolationRecord> IsolationRecord::fromJson(const json& j)
{
    if (!j.is_object() || j.value("kind", json()) != json(actionkind::kIsolatePod))
        return makeError(ErrorCode::Parse, "the record is not one of a pod taken out of its Service",
            "use the JSON that 'leakdesk-cli isolate --yes' wrote");
    IsolationRecord r;
    auto text = [&](const char* key) {
        return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
    };
    r.id = text("id");
    r.ns = text("namespace");
    r.pod = text("pod");
    r.podIp = text("podIP");
    r.podUid = text("podUID");
    r.owner = text("owner");
    r.resourceVersion = text("resourceVersion");
    r.kubectl = text("kubectl");
    if (!text("fieldManager").empty())
        r.fieldManager = text("fieldManager");
    if (r.ns.empty() || r.pod.empty())
        return makeError(ErrorCode::Parse, "the isolation record names no namespace or pod");
    if (!j.contains("removed") || !j["removed"].is_object() || j["removed"].empty())
        return makeError(ErrorCode::Parse, "the isolation record lists no removed labels");
    for (auto it = j["removed"].begin(); it != j["removed"].end(); ++it) {
        if (!it.value().is_string())
            return makeError(ErrorCode::Parse, "the isolation record's label \"" + it.key() + "\" is not a string");
        r.removed[it.key()] = it.value().get<std::string>();
    }
    if (j.contains("services") && j["services"].is_array())
        for (const json& s : j["services"])
            if (s.is_string())
                r.services.push_back(s.get<std::string>());
    r.replacementExpected = j.value("replacementExpected", false);
    if (j.contains("appliedMs") && j["appliedMs"].is_number_integer())
        r.appliedMs = j["appliedMs"].get<std::int64_t>();
    if (j.contains("serverAppliedMs") && j["serverAppliedMs"].is_number_integer())
        r.serverAppliedMs = j["serverAppliedMs"].get<std::int64_t>();
    return r;
}

std::string IsolationStatus::toString() const
{
    std::string out;
    if (replacement.empty())
        out = "no replacement yet";
    else
        out = "replacement " + replacement + (replacementReady ? " is ready" : " is starting");
    if (endpointsKnown)
        out += stillInEndpoints ? "; the Service still lists the pod" : "; the Service no longer sends it traffic";
    return out;
}

// ---- pure parts ---------------------------------------------------------------------------------

bool PodIsolation::selects(const LabelMap& selector, const LabelMap& labels)
{
    if (selector.empty())
        return false; // a Service without a selector has hand-made endpoints, not this pod's labels
    for (const auto& [k, v] : selector) {
        const auto it = labels.find(k);
        if (it == labels.end() || it->second != v)
            return false;
    }
    return true;
}

LabelMap PodIsolation::labelsToRemove(
    const LabelMap& podLabels, const std::vector<LabelMap>& serviceSelectors, const LabelMap& ownerSelector)
{
    // One label per Service is enough to leave its selector. The one also in the owner's selector
    // is preferred (the ReplicaSet then starts a replacement, so capacity stays), "app" first, and
    // one already chosen for another Service before a new one.
    LabelMap out;
    for (const LabelMap& selector : serviceSelectors) {
        if (!selects(selector, podLabels))
            continue;
        if (std::any_of(selector.begin(), selector.end(), [&](const auto& kv) { return out.count(kv.first); }))
            continue;
        std::string pick;
        auto consider = [&](const std::string& key) {
            if (pick.empty() && selector.count(key))
                pick = key;
        };
        if (ownerSelector.count("app"))
            consider("app");
        for (const auto& [k, v] : selector)
            if (ownerSelector.count(k) && k != "pod-template-hash")
                consider(k);
        consider("app");
        for (const auto& [k, v] : selector)
            consider(k);
        out[pick] = podLabels.at(pick);
    }
    return out;
}

std::string PodIsolation::kubectlFor(const std::string& ns, const std::string& pod, const LabelMap& remove)
{
    std::string cmd = "kubectl label pod " + pod + " -n " + ns;
    for (const auto& [k, v] : remove)
        cmd += " " + k + "-";
    cmd += std::string(" ") + kIsolatedLabel + "=true && kubectl annotate pod " + pod + " -n " + ns + " "
        + kIsolatedLabelsAnnotation + "='" + labelJson(remove).dump() + "'";
    return cmd;
}

std::string PodIsolation::kubectlRevertFor(const std::string& ns, const std::string& pod, const LabelMap& restore)
{
    std::string cmd = "kubectl label pod " + pod + " -n " + ns;
    for (const auto& [k, v] : restore)
        cmd += " " + k + "=" + v;
    cmd += std::string(" ") + kIsolatedLabel + "- && kubectl annotate pod " + pod + " -n " + ns + " "
        + kIsolatedLabelsAnnotation + "-";
    return cmd;
}

// ---- cluster ------------------------------------------------------------------------------------

PodIsolation::PodIsolation(kube::KubeClient& client, QObject* parent)
    : Job(parent)
    , m_client(client)
{ }

PodIsolation::~PodIsolation() = default;

// ---- plan: the decision ---------------------------------------------------------------------------

std::optional<Error> refusalForPod(const std::string& ns, const std::string& pod, const json& podObject)
{
    if (labelMap(jsonAt(podObject, { "metadata", "labels" })).count(kIsolatedLabel))
        return makeError(ErrorCode::Conflict,
            podTarget(ns, pod) + " is already out of its Service (label " + kIsolatedLabel + ")",
            "its removed labels are in the annotation " + std::string(kIsolatedLabelsAnnotation));
    if (terminating(podObject))
        return makeError(ErrorCode::Conflict, podTarget(ns, pod) + " is terminating");
    return std::nullopt;
}

namespace {

// The Services that select the pod now, by name, with their selectors.
std::vector<std::pair<std::string, LabelMap>> selectingServices(const LabelMap& podLabels, const json& services)
{
    std::vector<std::pair<std::string, LabelMap>> out;
    const json& items = jsonAt(services, { "items" });
    if (items.is_array())
        for (const json& s : items) {
            LabelMap selector = labelMap(jsonAt(s, { "spec", "selector" }));
            if (PodIsolation::selects(selector, podLabels))
                out.emplace_back(jsonString(s, { "metadata", "name" }), std::move(selector));
        }
    return out;
}

// The fewest ready pods, other than `pod`, that any of the selectors still finds in `pods`.
int fewestOtherReadyPods(const std::string& pod, const std::vector<LabelMap>& selectors, const json& pods)
{
    int fewest = -1;
    for (const LabelMap& selector : selectors) {
        int ready = 0;
        const json& items = jsonAt(pods, { "items" });
        if (items.is_array())
            for (const json& p : items)
                if (jsonString(p, { "metadata", "name" }) != pod && podReady(p) && !terminating(p)
                    && PodIsolation::selects(selector, labelMap(jsonAt(p, { "metadata", "labels" }))))
                    ++ready;
        fewest = fewest < 0 ? ready : std::min(fewest, ready);
    }
    return fewest;
}

} // namespace

std::optional<Error> refusalForServices(
    const std::string& ns, const std::string& pod, const json& podObject, const json& services)
{
    const LabelMap labels = labelMap(jsonAt(podObject, { "metadata", "labels" }));
    if (!selectingServices(labels, services).empty())
        return std::nullopt;
    return makeError(ErrorCode::NotFound,
        "no Service of namespace " + ns + " selects " + podTarget(ns, pod)
            + ": it gets no traffic through a Service, there is nothing to take it out of",
        "its labels: " + labelsText(labels));
}

Result<IsolationPlan> decideIsolation(const IsolationFacts& facts)
{
    if (auto refusal = refusalForPod(facts.ns, facts.pod, facts.podObject))
        return *refusal;
    if (auto refusal = refusalForServices(facts.ns, facts.pod, facts.podObject, facts.services))
        return *refusal;
    IsolationPlan plan;
    plan.ns = facts.ns;
    plan.pod = facts.pod;
    plan.labels = labelMap(jsonAt(facts.podObject, { "metadata", "labels" }));
    plan.podIp = jsonString(facts.podObject, { "status", "podIP" });
    plan.resourceVersion = jsonString(facts.podObject, { "metadata", "resourceVersion" });
    std::vector<LabelMap> selectors;
    for (auto& [name, selector] : selectingServices(plan.labels, facts.services)) {
        plan.services.push_back(name);
        selectors.push_back(std::move(selector));
    }

    // The owner: a ReplicaSet's selector says whether it lets go of the pod (and starts a replacement).
    const auto owner = kube::controllerOf(facts.podObject);
    plan.owner = controllerText(facts.podObject);
    if (owner && owner->kind == "ReplicaSet") {
        if (facts.replicaSet) {
            plan.ownerSelector = labelMap(jsonAt(*facts.replicaSet, { "spec", "selector", "matchLabels" }));
            if (jsonAt(*facts.replicaSet, { "spec", "selector", "matchExpressions" }).is_array())
                plan.warnings.push_back(
                    plan.owner + "'s selector has matchExpressions, which LeakDesk does not evaluate");
        } else {
            plan.warnings.push_back("cannot read " + plan.owner + " (" + facts.replicaSetError
                + "): whether it starts a replacement is not known");
        }
    }

    plan.remove = PodIsolation::labelsToRemove(plan.labels, selectors, plan.ownerSelector);
    LabelMap after = plan.labels;
    for (const auto& [k, v] : plan.remove)
        after.erase(k);
    plan.replacementExpected
        = !plan.owner.empty() && !plan.ownerSelector.empty() && !PodIsolation::selects(plan.ownerSelector, after);
    json labels = json::object();
    for (const auto& [k, v] : plan.remove)
        labels[k] = nullptr;
    labels[kIsolatedLabel] = "true";
    plan.patch = { { "metadata",
        { { "labels", labels },
            { "annotations", { { kIsolatedLabelsAnnotation, labelJson(plan.remove).dump() } } } } } };
    plan.kubectl = PodIsolation::kubectlFor(plan.ns, plan.pod, plan.remove);
    if (plan.owner.empty())
        plan.warnings.push_back("no controller owns this pod: nothing starts a replacement, the "
                                "Service runs with one pod fewer until it is put back");
    else if (!plan.replacementExpected)
        plan.warnings.push_back(plan.owner
            + " still selects the pod after the change: it starts "
              "no replacement, the Service runs with one pod fewer");
    else
        plan.warnings.push_back(plan.owner
            + " lets go of the pod and starts a replacement; the "
              "pod keeps running (and leaking) until it is deleted "
              "or put back");

    // Who is left to serve the Services meanwhile.
    if (facts.pods) {
        plan.otherReadyPods = fewestOtherReadyPods(plan.pod, selectors, *facts.pods);
        if (plan.otherReadyPods == 0)
            plan.warnings.push_back("no other ready pod serves " + joined(plan.services)
                + ": requests fail until the replacement is ready (usually tens of seconds)");
    }
    plan.rbac = facts.rbac;
    return plan;
}

// ---- plan: the steps ------------------------------------------------------------------------------

struct PodIsolation::Planning {
    IsolationFacts facts;
    Callback<IsolationPlan> done;
};

void PodIsolation::plan(const std::string& ns, const std::string& pod, Callback<IsolationPlan> done)
{
    done = beginOperation<IsolationPlan>(QStringLiteral("plan"), std::move(done));
    if (ns.empty() || pod.empty())
        return done(
            makeError(ErrorCode::InvalidArgument, "taking a pod out of its Service needs a namespace and a pod"));
    auto planning = std::make_shared<Planning>();
    planning->facts.ns = ns;
    planning->facts.pod = pod;
    planning->done = std::move(done);
    readPod(std::move(planning));
}

void PodIsolation::readPod(std::shared_ptr<Planning> planning)
{
    IsolationFacts& f = planning->facts;
    m_client.getJson(kube::paths::pod(q(f.ns), q(f.pod)), {}, this, [this, planning](Result<json> got) {
        IsolationFacts& f = planning->facts;
        if (!got)
            return planning->done(notFound(got.error(), f.ns, f.pod));
        f.podObject = std::move(*got);
        if (auto refusal = refusalForPod(f.ns, f.pod, f.podObject))
            return planning->done(*refusal);
        listServices(planning);
    });
}

void PodIsolation::listServices(std::shared_ptr<Planning> planning)
{
    m_client.getJson(kube::paths::services(q(planning->facts.ns)), {}, this, [this, planning](Result<json> services) {
        IsolationFacts& f = planning->facts;
        if (!services)
            return planning->done(makeError(services.error().code,
                "cannot list the Services of namespace " + f.ns + ": " + services.error().message,
                services.error().detail));
        f.services = std::move(*services);
        if (auto refusal = refusalForServices(f.ns, f.pod, f.podObject, f.services))
            return planning->done(*refusal);
        readOwner(planning);
    });
}

void PodIsolation::readOwner(std::shared_ptr<Planning> planning)
{
    const auto owner = kube::controllerOf(planning->facts.podObject);
    if (!owner || owner->kind != "ReplicaSet")
        return listPods(std::move(planning));
    m_client.getJson(
        kube::paths::replicaSet(q(planning->facts.ns), q(owner->name)), {}, this, [this, planning](Result<json> rs) {
            if (rs)
                planning->facts.replicaSet = std::move(*rs);
            else
                planning->facts.replicaSetError = rs.error().message;
            listPods(planning);
        });
}

void PodIsolation::listPods(std::shared_ptr<Planning> planning)
{
    m_client.getJson(kube::paths::pods(q(planning->facts.ns)), {}, this, [this, planning](Result<json> pods) {
        if (pods)
            planning->facts.pods = std::move(*pods);
        checkAccess(planning);
    });
}

void PodIsolation::checkAccess(std::shared_ptr<Planning> planning)
{
    const IsolationFacts& f = planning->facts;
    m_client.accessReview(QStringLiteral("patch"), QString(), QStringLiteral("pods"), q(f.ns), q(f.pod), this,
        [planning](Result<kube::KubeClient::AccessReview> review) {
            if (!review)
                return planning->done(makeError(review.error().code,
                    "cannot check whether you may patch pods: " + review.error().message, review.error().detail));
            planning->facts.rbac = { review->allowed, review->denied, review->reason };
            planning->done(decideIsolation(planning->facts));
        });
}

void PodIsolation::apply(const IsolationPlan& plan, Callback<IsolationRecord> done)
{
    done = beginOperation<IsolationRecord>(QStringLiteral("apply"), std::move(done));
    if (plan.remove.empty())
        return done(makeError(ErrorCode::InvalidArgument, "the plan removes no label"));
    json patch = plan.patch;
    patch["metadata"]["resourceVersion"] = plan.resourceVersion;
    const QString path = kube::paths::pod(q(plan.ns), q(plan.pod));
    auto record = std::make_shared<IsolationRecord>();
    record->ns = plan.ns;
    record->pod = plan.pod;
    record->podIp = plan.podIp;
    record->removed = plan.remove;
    record->services = plan.services;
    record->owner = plan.owner;
    record->replacementExpected = plan.replacementExpected;
    record->kubectl = plan.kubectl;
    auto conflict = [record](Error e) {
        if (e.code == ErrorCode::Conflict)
            e = makeError(ErrorCode::Conflict,
                "nothing was changed: " + podTarget(record->ns, record->pod) + " changed since the plan was made",
                "plan again");
        return e;
    };
    // The server validates first (labels, RBAC, admission); nothing is stored by the dry run.
    m_client.patch(path, patch, kube::KubeClient::PatchType::Merge, { true, q(record->fieldManager) }, this,
        [this, path, patch, record, conflict, done](Result<json> dry) {
            if (!dry)
                return done(notFound(conflict(dry.error()), record->ns, record->pod));
            m_client.patch(path, patch, kube::KubeClient::PatchType::Merge, { false, q(record->fieldManager) }, this,
                [record, conflict, done](Result<json> r) {
                    if (!r)
                        return done(notFound(conflict(r.error()), record->ns, record->pod));
                    const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
                    record->resourceVersion = jsonString(*r, { "metadata", "resourceVersion" });
                    record->podUid = jsonString(*r, { "metadata", "uid" });
                    record->appliedMs = now;
                    record->serverAppliedMs = serverTimeOf(*r, record->fieldManager);
                    record->id = "isolate-" + record->pod + "-"
                        + QDateTime::fromMSecsSinceEpoch(now, Qt::UTC)
                              .toString(QStringLiteral("yyyyMMdd'T'HHmmsszzz'Z'"))
                              .toStdString();
                    done(std::move(*record));
                });
        });
}

void PodIsolation::status(const IsolationRecord& record, Callback<IsolationStatus> done)
{
    done = beginOperation<IsolationStatus>(QStringLiteral("status"), std::move(done));
    auto out = std::make_shared<IsolationStatus>();
    auto rec = std::make_shared<IsolationRecord>(record);
    // The replacement: a pod of the same owner, created after the isolation.
    m_client.getJson(kube::paths::pods(q(record.ns)), {}, this, [this, out, rec, done](Result<json> pods) {
        if (!pods)
            return done(pods.error());
        std::int64_t newest = 0;
        const json& items = jsonAt(*pods, { "items" });
        if (items.is_array() && !rec->owner.empty())
            for (const json& p : items) {
                const std::int64_t created = kube::parseTimestampMs(jsonString(p, { "metadata", "creationTimestamp" }));
                // Created after the apply, by the server's clock when it told us its time (both
                // stamps are whole seconds), else by ours give or take the clocks' difference.
                const bool before = rec->serverAppliedMs > 0 ? created + 1000 < rec->serverAppliedMs
                                                             : created + 5000 < rec->appliedMs;
                if (controllerText(p) != rec->owner || jsonString(p, { "metadata", "name" }) == rec->pod
                    || terminating(p) || before || created < newest)
                    continue;
                newest = created;
                out->replacement = jsonString(p, { "metadata", "name" });
                out->replacementReady = podReady(p);
            }
        if (rec->services.empty() || rec->podIp.empty())
            return done(*out);
        auto remaining = std::make_shared<std::size_t>(rec->services.size());
        for (const std::string& svc : rec->services)
            m_client.getJson(
                kube::paths::endpoints(q(rec->ns), q(svc)), {}, this, [out, rec, remaining, done](Result<json> ep) {
                    if (ep) {
                        out->endpointsKnown = true;
                        const json& subsets = jsonAt(*ep, { "subsets" });
                        if (subsets.is_array())
                            for (const json& s : subsets)
                                for (const char* list : { "addresses", "notReadyAddresses" }) {
                                    const json& addrs = jsonAt(s, { list });
                                    if (addrs.is_array())
                                        for (const json& a : addrs)
                                            if (jsonString(a, { "ip" }) == rec->podIp)
                                                out->stillInEndpoints = true;
                                }
                    }
                    if (--*remaining == 0)
                        done(*out);
                });
    });
}

void PodIsolation::revert(const IsolationRecord& record, Callback<IsolationRevert> done)
{
    done = beginOperation<IsolationRevert>(QStringLiteral("revert"), std::move(done));
    auto rec = std::make_shared<IsolationRecord>(record);
    const QString path = kube::paths::pod(q(record.ns), q(record.pod));
    m_client.getJson(path, {}, this, [this, rec, path, done](Result<json> got) {
        if (!got) {
            if (got.error().code == ErrorCode::NotFound)
                return done(makeError(ErrorCode::NotFound,
                    podTarget(rec->ns, rec->pod) + " is gone (deleted after the dump?): there is nothing to put back",
                    "its replacement keeps serving"));
            return done(got.error());
        }
        const LabelMap labels = labelMap(jsonAt(*got, { "metadata", "labels" }));
        // Refused when someone else has relabelled it since: our marker gone, or a removed label back.
        std::vector<std::string> changed;
        if (!labels.count(kIsolatedLabel))
            changed.push_back(std::string("label ") + kIsolatedLabel + " removed");
        for (const auto& [k, v] : rec->removed)
            if (labels.count(k))
                changed.push_back("label " + k + "=" + labels.at(k) + " set again");
        if (!changed.empty())
            return done(makeError(ErrorCode::Conflict,
                "refusing to put " + podTarget(rec->ns, rec->pod) + " back: its labels were changed since ("
                    + joined(changed) + ")",
                "nothing was changed; look at it with: kubectl get pod " + rec->pod + " -n " + rec->ns
                    + " --show-labels"));
        json labelPatch = json::object();
        for (const auto& [k, v] : rec->removed)
            labelPatch[k] = v;
        labelPatch[kIsolatedLabel] = nullptr;
        const json patch = { { "metadata",
            { { "resourceVersion", jsonString(*got, { "metadata", "resourceVersion" }) }, { "labels", labelPatch },
                { "annotations", { { kIsolatedLabelsAnnotation, nullptr } } } } } };
        m_client.patch(path, patch, kube::KubeClient::PatchType::Merge, { false, q(rec->fieldManager) }, this,
            [rec, done](Result<json> r) {
                if (!r) {
                    Error e = r.error();
                    if (e.code == ErrorCode::Conflict)
                        e = makeError(ErrorCode::Conflict,
                            "nothing was changed: " + podTarget(rec->ns, rec->pod)
                                + " was written while it was being put back",
                            "try again");
                    return done(e);
                }
                IsolationRevert out;
                out.resourceVersion = jsonString(*r, { "metadata", "resourceVersion" });
                out.kubectl = kubectlRevertFor(rec->ns, rec->pod, rec->removed);
                out.message = podTarget(rec->ns, rec->pod) + " is selected by " + joined(rec->services) + " again";
                if (rec->replacementExpected)
                    out.message += "; " + rec->owner
                        + " adopts it and, with one pod too many, deletes one (usually the newest, the replacement)";
                done(std::move(out));
            });
    });
}

void PodIsolation::deletePod(const IsolationRecord& record, Callback<IsolationDelete> done)
{
    done = beginOperation<IsolationDelete>(QStringLiteral("delete"), std::move(done));
    auto rec = std::make_shared<IsolationRecord>(record);
    const QString path = kube::paths::pod(q(record.ns), q(record.pod));
    m_client.getJson(path, {}, this, [this, rec, path, done](Result<json> got) {
        if (!got) {
            if (got.error().code == ErrorCode::NotFound)
                return done(makeError(ErrorCode::NotFound, podTarget(rec->ns, rec->pod) + " is gone already"));
            return done(got.error());
        }
        const LabelMap labels = labelMap(jsonAt(*got, { "metadata", "labels" }));
        if (!labels.count(kIsolatedLabel))
            return done(makeError(ErrorCode::Conflict,
                "not deleting " + podTarget(rec->ns, rec->pod)
                    + ": it is no longer marked as out of its Service "
                      "(someone put it back?), so it may be serving",
                "look at it with: kubectl get pod " + rec->pod + " -n " + rec->ns + " --show-labels"));
        const std::string uid = rec->podUid.empty() ? jsonString(*got, { "metadata", "uid" }) : rec->podUid;
        kube::KubeClient::DeleteOptions options;
        options.preconditionUid = q(uid);
        m_client.deleteObject(path, options, this, [rec, done](Result<json> r) {
            if (!r) {
                Error e = r.error();
                if (e.code == ErrorCode::Conflict)
                    e = makeError(ErrorCode::Conflict,
                        "not deleted: the name " + rec->pod + " now belongs to another pod", e.message);
                return done(e);
            }
            IsolationDelete out;
            out.kubectl = "kubectl delete pod " + rec->pod + " -n " + rec->ns;
            out.message = podTarget(rec->ns, rec->pod) + " is terminating";
            if (rec->replacementExpected)
                out.message += "; its replacement keeps serving " + joined(rec->services);
            done(std::move(out));
        });
    });
}

} // namespace leakdesk::actions
