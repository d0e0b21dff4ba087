#include "core/actions/Mitigation.h"

#include "core/kube/JsonAccess.h"
#include "core/kube/KubeObjects.h"
#include "core/kube/KubePaths.h"

#include <QDateTime>

namespace leakdesk::actions {

using kube::jsonAt;
using kube::jsonString;

using nlohmann::json;

namespace {

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

const json* containerOf(const json& deployment, const std::string& name)
{
    const json* spec = &deployment;
    for (const char* key : { "spec", "template", "spec" }) {
        if (!spec->is_object() || !spec->contains(key))
            return nullptr;
        spec = &(*spec)[key];
    }
    if (!spec->contains("containers") || !(*spec)["containers"].is_array())
        return nullptr;
    for (const json& c : (*spec)["containers"])
        if (jsonString(c, { "name" }) == name)
            return &c;
    return nullptr;
}

std::vector<std::string> containerNames(const json& deployment)
{
    std::vector<std::string> names;
    const json& containers = jsonAt(deployment, { "spec", "template", "spec", "containers" });
    if (containers.is_array())
        for (const json& c : containers)
            if (!jsonString(c, { "name" }).empty())
                names.push_back(jsonString(c, { "name" }));
    return names;
}

std::string joined(const std::vector<std::string>& items)
{
    std::string out;
    for (const auto& s : items)
        out += (out.empty() ? "" : ", ") + s;
    return out;
}

std::string resourceVersionOf(const json& object)
{
    return jsonString(object, { "metadata", "resourceVersion" });
}

std::int64_t generationOf(const json& object)
{
    const json& g = jsonAt(object, { "metadata", "generation" });
    return g.is_number_integer() ? g.get<std::int64_t>() : 0;
}

// The manager of the most recent managedFields entry that is not ours ("" when unknown).
std::string lastOtherWriter(const json& object, const std::string& ours)
{
    std::string who;
    std::string when;
    const json& managed = jsonAt(object, { "metadata", "managedFields" });
    if (!managed.is_array())
        return who;
    for (const json& m : managed) {
        const std::string manager = jsonString(m, { "manager" });
        if (manager == ours || manager.empty())
            continue;
        const std::string t = jsonString(m, { "time" });
        if (who.empty() || t >= when) {
            who = manager;
            when = t;
        }
    }
    return who.empty() ? who : "\"" + who + "\"" + (when.empty() ? "" : " at " + when);
}

json withPrecondition(json patch, const std::string& resourceVersion)
{
    patch["metadata"]["resourceVersion"] = resourceVersion;
    return patch;
}

std::string target(const std::string& ns, const std::string& deployment)
{
    return "deployment/" + deployment + " in namespace " + ns;
}

// How many status writes in a row a dry run or an apply re-reads the Deployment for.
constexpr int kMaxStatusOnlyConflicts = 3;

// PATCH of the plan with a resourceVersion precondition. A Deployment's resourceVersion moves with
// every status write of its controller (a replica becoming ready, a pod OOM-killed and restarted),
// which during an incident happens every few seconds, and more often than not between the plan and
// the dry run: a 409 alone says nothing about the spec the plan was made from. After a 409 the
// Deployment is read again; when its spec is the planned one (same metadata.generation) and the
// container's values are still the plan's `before`, the patch is sent again with the new
// resourceVersion. Otherwise (someone changed the spec) the 409 stands. `done` gets the
// resourceVersion the last attempt was made with.
void patchAsPlanned(const Mitigation& mitigation, kube::KubeClient& client, QObject* context,
    const MitigationPlan& plan, bool dryRun, const std::string& resourceVersion, int conflictsLeft,
    std::function<void(Result<kube::KubeClient::PatchedDeployment>, const std::string&)> done)
{
    client.patchDeployment(q(plan.request.ns), q(plan.request.deployment),
        withPrecondition(plan.patch, resourceVersion), kube::KubeClient::PatchType::StrategicMerge,
        { dryRun, q(plan.request.fieldManager) }, context,
        [&mitigation, &client, context, plan, dryRun, resourceVersion, conflictsLeft, done](
            Result<kube::KubeClient::PatchedDeployment> r) {
            if (r || r.error().code != ErrorCode::Conflict || conflictsLeft <= 0)
                return done(std::move(r), resourceVersion);
            const Error conflict = r.error();
            client.getJson(kube::paths::deployment(q(plan.request.ns), q(plan.request.deployment)), {}, context,
                [&mitigation, &client, context, plan, dryRun, resourceVersion, conflictsLeft, done, conflict](
                    Result<json> current) {
                    if (!current || generationOf(*current) != generationOf(plan.deployment)
                        || mitigation.read(*current, plan.container) != plan.before)
                        return done(conflict, resourceVersion);
                    patchAsPlanned(mitigation, client, context, plan, dryRun, resourceVersionOf(*current),
                        conflictsLeft - 1, done);
                });
        });
}
} // namespace

std::string revertConflictMessage(
    const MitigationRecord& record, const std::string& currentResourceVersion, const std::string& lastWriter)
{
    std::string msg = "refusing to revert mitigation " + record.id + ": " + target(record.ns, record.deployment)
        + " was changed by someone else since it was applied (resourceVersion " + record.resourceVersion
        + " after the apply, now " + currentResourceVersion + ")";
    if (!lastWriter.empty())
        msg += "; last written by " + lastWriter;
    return msg;
}

Mitigation::Mitigation(MitigationKind kind, kube::KubeClient& client, QObject* parent)
    : Job(parent)
    , m_client(client)
    , m_kind(kind)
{ }

Mitigation::~Mitigation() = default;

void Mitigation::plan(const MitigationRequest& request, Callback<MitigationPlan> done)
{
    done = beginOperation<MitigationPlan>(QStringLiteral("plan"), std::move(done));
    if (request.ns.empty() || request.deployment.empty())
        return done(makeError(ErrorCode::InvalidArgument, "a mitigation needs a namespace and a Deployment"));
    auto plan = std::make_shared<MitigationPlan>();
    plan->kind = m_kind;
    plan->request = request;
    if (!plan->request.nowMs)
        plan->request.nowMs = QDateTime::currentMSecsSinceEpoch();
    const QString path = kube::paths::deployment(q(request.ns), q(request.deployment));
    m_client.getJson(path, {}, this, [this, plan, done](Result<json> got) {
        if (!got) {
            Error e = got.error();
            if (e.code == ErrorCode::NotFound)
                e = makeError(ErrorCode::NotFound, "there is no " + target(plan->request.ns, plan->request.deployment),
                    "check the names with: kubectl get deployments -n " + plan->request.ns);
            return done(e);
        }
        plan->deployment = std::move(*got);
        plan->resourceVersion = resourceVersionOf(plan->deployment);
        const auto names = containerNames(plan->deployment);
        plan->multipleContainers = names.size() > 1;
        std::string container = plan->request.container;
        if (container.empty()) {
            if (names.size() == 1)
                container = names.front();
            else if (std::find(names.begin(), names.end(), plan->request.deployment) != names.end())
                container = plan->request.deployment;
            else
                return done(makeError(ErrorCode::InvalidArgument,
                    "deployment/" + plan->request.deployment + " has several containers (" + joined(names)
                        + "); say which one",
                    "pass --container NAME"));
        }
        if (!containerOf(plan->deployment, container))
            return done(makeError(ErrorCode::NotFound,
                "deployment/" + plan->request.deployment + " has no container \"" + container + "\"",
                "its containers: " + joined(names)));
        plan->container = container;
        plan->before = read(plan->deployment, container);
        m_client.accessReview(QStringLiteral("patch"), QStringLiteral("apps"), QStringLiteral("deployments"),
            q(plan->request.ns), q(plan->request.deployment), this,
            [this, plan, done](Result<kube::KubeClient::AccessReview> review) {
                if (!review)
                    return done(makeError(review.error().code,
                        "cannot check whether you may patch deployments: " + review.error().message,
                        review.error().detail));
                plan->rbac = { review->allowed, review->denied, review->reason };
                choose(plan, [this, done](Result<std::shared_ptr<MitigationPlan>> chosen) {
                    if (!chosen)
                        return done(chosen.error());
                    MitigationPlan& p = **chosen;
                    p.patch = patchFor(p.container, p.after);
                    const KubectlTarget t { p.request.ns, p.request.deployment, p.container, p.multipleContainers };
                    std::optional<std::string> value = p.value;
                    p.kubectl = kubectlCommand(m_kind, t, value, p.patch);
                    done(std::move(p));
                });
            });
    });
}

void Mitigation::dryRun(const MitigationPlan& plan, Callback<DryRunResult> done)
{
    done = beginOperation<DryRunResult>(QStringLiteral("dry run"), std::move(done));
    const json before = plan.deployment;
    patchAsPlanned(*this, m_client, this, plan, true, plan.resourceVersion, kMaxStatusOnlyConflicts,
        [before, done](Result<kube::KubeClient::PatchedDeployment> r, const std::string&) {
            if (!r) {
                Error e = r.error();
                if (e.code == ErrorCode::Conflict)
                    e.detail = "the Deployment changed since the plan was made; plan again";
                return done(e);
            }
            done(DryRunResult { r->object, diffDeploymentSpec(before, r->object) });
        });
}

void Mitigation::apply(const MitigationPlan& plan, Callback<MitigationRecord> done)
{
    done = beginOperation<MitigationRecord>(QStringLiteral("apply"), std::move(done));
    auto record = std::make_shared<MitigationRecord>();
    record->kind = m_kind;
    record->ns = plan.request.ns;
    record->deployment = plan.request.deployment;
    record->container = plan.container;
    record->before = plan.before;
    record->fieldManager = plan.request.fieldManager;
    record->kubectl = plan.kubectl;
    patchAsPlanned(*this, m_client, this, plan, false, plan.resourceVersion, kMaxStatusOnlyConflicts,
        [this, record, done](Result<kube::KubeClient::PatchedDeployment> r, const std::string& rv) {
            if (!r) {
                Error e = r.error();
                if (e.code == ErrorCode::Conflict)
                    e = makeError(ErrorCode::Conflict,
                        "nothing was applied: " + target(record->ns, record->deployment)
                            + " changed since the plan was made (resourceVersion " + rv + ")",
                        "plan again to see the current values");
                return done(e);
            }
            const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
            record->after = read(r->object, record->container);
            record->resourceVersion = resourceVersionOf(r->object);
            record->generation = generationOf(r->object);
            record->appliedMs = now;
            record->id = std::string(mitigationKindName(m_kind)) + "-" + record->deployment + "-"
                + QDateTime::fromMSecsSinceEpoch(now, Qt::UTC)
                      .toString(QStringLiteral("yyyyMMdd'T'HHmmsszzz'Z'"))
                      .toStdString();
            done(std::move(*record));
        });
}

void Mitigation::revert(const MitigationRecord& record, Callback<RevertResult> done)
{
    done = beginOperation<RevertResult>(QStringLiteral("revert"), std::move(done));
    if (record.kind != m_kind)
        return done(makeError(ErrorCode::InvalidArgument,
            std::string("the record is of a '") + mitigationKindName(record.kind) + "' mitigation, not '"
                + mitigationKindName(m_kind) + "'"));
    auto rec = std::make_shared<MitigationRecord>(record);
    const QString path = kube::paths::deployment(q(record.ns), q(record.deployment));
    m_client.getJson(path, {}, this, [this, rec, done](Result<json> got) {
        if (!got)
            return done(makeError(got.error().code,
                "cannot read " + target(rec->ns, rec->deployment) + " to revert: " + got.error().message,
                got.error().detail));
        const json current = std::move(*got);
        const std::string currentRv = resourceVersionOf(current);
        // A real cluster moves resourceVersion with every status write of the controller (the rollout
        // we caused included), so an unchanged resourceVersion cannot be required. What must be
        // unchanged is the spec (generation) and the values we wrote; the patch then carries the
        // resourceVersion just read, so a change in between is a 409.
        if (currentRv != rec->resourceVersion
            && (generationOf(current) != rec->generation || read(current, rec->container) != rec->after))
            return done(makeError(ErrorCode::Conflict,
                revertConflictMessage(*rec, currentRv, lastOtherWriter(current, rec->fieldManager)),
                "nothing was reverted; look at the Deployment as it is now (kubectl get deployment " + rec->deployment
                    + " -n " + rec->ns + " -o yaml) and change it by hand if the old values are still wanted"));
        const json patch = patchFor(rec->container, rec->before);
        const bool multiple = containerNames(current).size() > 1;
        std::optional<std::string> value;
        for (const auto& [key, v] : rec->before)
            value = v;
        const std::string kubectl = kubectlCommand(
            m_kind, KubectlTarget { rec->ns, rec->deployment, rec->container, multiple }, value, patch);
        m_client.patchDeployment(q(rec->ns), q(rec->deployment), withPrecondition(patch, currentRv),
            kube::KubeClient::PatchType::StrategicMerge, { false, q(rec->fieldManager) }, this,
            [rec, current, currentRv, kubectl, done](Result<kube::KubeClient::PatchedDeployment> r) {
                if (!r) {
                    Error e = r.error();
                    if (e.code == ErrorCode::Conflict)
                        e = makeError(ErrorCode::Conflict, revertConflictMessage(*rec, "newer than " + currentRv, {}),
                            "nothing was reverted; someone wrote the Deployment while the revert was under way");
                    return done(e);
                }
                RevertResult out;
                out.after = r->object;
                out.diff = diffDeploymentSpec(current, r->object);
                out.resourceVersion = resourceVersionOf(r->object);
                out.generation = generationOf(r->object);
                out.kubectl = kubectl;
                done(std::move(out));
            });
    });
}

} // namespace leakdesk::actions
