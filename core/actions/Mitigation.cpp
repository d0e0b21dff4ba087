#include "core/actions/Mitigation.h"

#include "core/actions/MitigatedFields.h"
#include "core/actions/RolloutProgress.h"

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

json withPrecondition(json patch, const std::string& resourceVersion)
{
    patch["metadata"]["resourceVersion"] = resourceVersion;
    return patch;
}

std::string target(const std::string& ns, const WorkloadTarget& workload)
{
    return workload.text() + " in namespace " + ns;
}

// How many status writes in a row a dry run or an apply re-reads the workload for.
constexpr int kMaxStatusOnlyConflicts = 3;

// PATCH of the plan with a resourceVersion precondition. A workload's resourceVersion moves with
// every status write of its controller (a replica becoming ready, a pod OOM-killed and restarted),
// which during an incident happens every few seconds, and more often than not between the plan and
// the dry run: a 409 alone says nothing about the spec the plan was made from. After a 409 the
// workload is read again; when its spec is the planned one (same metadata.generation) and the
// container's values are still the plan's `before`, the patch is sent again with the new
// resourceVersion. Otherwise (someone changed the spec) the 409 stands. `done` gets the
// resourceVersion the last attempt was made with.
void patchAsPlanned(const Mitigation& mitigation, kube::KubeClient& client, QObject* context,
    const MitigationPlan& plan, bool dryRun, const std::string& resourceVersion, int conflictsLeft,
    std::function<void(Result<json>, const std::string&)> done)
{
    const QString path = plan.request.workload.path(plan.request.ns);
    const PatchBody body
        = patchBodyFor(plan.request.workload, withPrecondition(plan.patch, resourceVersion), plan.object);
    client.patch(path, body.body, body.type, { dryRun, q(plan.request.fieldManager) }, context,
        [&mitigation, &client, context, plan, path, dryRun, resourceVersion, conflictsLeft, done](Result<json> r) {
            if (r || r.error().code != ErrorCode::Conflict || conflictsLeft <= 0)
                return done(std::move(r), resourceVersion);
            const Error conflict = r.error();
            client.getJson(path, {}, context,
                [&mitigation, &client, context, plan, dryRun, resourceVersion, conflictsLeft, done, conflict](
                    Result<json> current) {
                    if (!current || generationOf(*current) != generationOf(plan.object)
                        || mitigation.read(*current, plan.container) != plan.before)
                        return done(conflict, resourceVersion);
                    patchAsPlanned(mitigation, client, context, plan, dryRun, resourceVersionOf(*current),
                        conflictsLeft - 1, done);
                });
        });
}

// The container to change: the one asked for, else the workload's main one; an unknown name is an
// error that lists the containers with their roles.
Result<kube::ContainerInfo> chooseContainer(
    const json& object, const WorkloadTarget& workload, const std::string& asked)
{
    const auto containers = kube::classifyContainers(object, workload.name);
    std::vector<std::string> listed;
    for (const auto& c : containers) {
        if (asked.empty() ? c.role == kube::ContainerRole::Main : c.name == asked)
            return c;
        listed.push_back(c.name + " (" + kube::containerRoleName(c.role) + ")");
    }
    if (asked.empty())
        return makeError(ErrorCode::InvalidArgument, workload.text() + " has no main container to choose",
            "its containers: " + joined(listed) + "; pass --container NAME");
    return makeError(ErrorCode::NotFound, workload.text() + " has no container \"" + asked + "\"",
        "its containers: " + joined(listed));
}
} // namespace

Mitigation::Mitigation(MitigationKind kind, kube::KubeClient& client, QObject* parent)
    : Job(parent)
    , m_client(client)
    , m_kind(kind)
{ }

Mitigation::~Mitigation() = default;

void Mitigation::plan(const MitigationRequest& request, Callback<MitigationPlan> done)
{
    done = beginOperation<MitigationPlan>(QStringLiteral("plan"), std::move(done));
    if (request.ns.empty() || request.workload.name.empty())
        return done(makeError(ErrorCode::InvalidArgument, "a mitigation needs a namespace and a workload"));
    if (auto refused = refusalForKind(request.workload))
        if (request.workload.kind != kube::WorkloadKind::ReplicaSet && request.workload.kind != kube::WorkloadKind::Job)
            return done(*refused); // the others name their owner: read the object first
    auto plan = std::make_shared<MitigationPlan>();
    plan->kind = m_kind;
    plan->request = request;
    if (!plan->request.nowMs)
        plan->request.nowMs = QDateTime::currentMSecsSinceEpoch();
    const QString path = request.workload.path(request.ns);
    m_client.getJson(path, {}, this, [this, plan, done](Result<json> got) {
        const WorkloadTarget& workload = plan->request.workload;
        if (!got) {
            Error e = got.error();
            if (e.code == ErrorCode::NotFound)
                e = makeError(ErrorCode::NotFound, "there is no " + target(plan->request.ns, workload),
                    "check the names with: kubectl get " + std::string(kube::workloadResource(workload.kind)) + " -n "
                        + plan->request.ns);
            return done(e);
        }
        plan->object = std::move(*got);
        if (auto refused = refusalForKind(workload, plan->object))
            return done(*refused);
        plan->resourceVersion = resourceVersionOf(plan->object);
        plan->multipleContainers = containerNamesOf(plan->object).size() > 1;
        auto chosen = chooseContainer(plan->object, workload, plan->request.container);
        if (!chosen)
            return done(chosen.error());
        plan->container = chosen->name;
        plan->mainContainer = chosen->role == kube::ContainerRole::Main;
        // What the controller will do with the new template, said before the apply: a partition
        // leaves ordinals out, OnDelete rolls nothing, a paused Rollout waits.
        if (workload.kind != kube::WorkloadKind::Deployment)
            if (const std::string note = rolloutStatusOf(plan->object, 0, workload.kind).note; !note.empty())
                plan->warnings.push_back("rollout: " + note);
        plan->before = read(plan->object, plan->container);
        m_client.accessReview(QStringLiteral("patch"), q(workload.apiGroup()),
            QString::fromLatin1(kube::workloadResource(workload.kind)), q(plan->request.ns), q(workload.name), this,
            [this, plan, done](Result<kube::KubeClient::AccessReview> review) {
                if (!review)
                    return done(makeError(review.error().code,
                        "cannot check whether you may patch "
                            + std::string(kube::workloadResource(plan->request.workload.kind)) + ": "
                            + review.error().message,
                        review.error().detail));
                plan->rbac = { review->allowed, review->denied, review->reason };
                choose(plan, [this, done](Result<std::shared_ptr<MitigationPlan>> chosen) {
                    if (!chosen)
                        return done(chosen.error());
                    std::shared_ptr<MitigationPlan> p = *chosen;
                    p->patch = patchFor(p->container, p->after, p->object);
                    KubectlTarget t { p->request.ns, p->request.workload.name, p->container, p->multipleContainers,
                        p->request.workload.kind, isInitContainer(p->object, p->container) };
                    std::optional<std::string> value = p->value;
                    p->kubectl
                        = kubectlCommand(m_kind, t, value, patchBodyFor(p->request.workload, p->patch, p->object).body);
                    fetchManagementFacts(m_client, p->request.ns, p->request.workload, p->object, this,
                        [this, p, done](ManagementFacts facts) {
                            p->management = detectManagement(facts, m_kind);
                            p->snippet = gitSnippet({ p->request.workload, p->request.ns, p->container,
                                                        p->mainContainer, m_kind, p->value, p->patch },
                                p->management);
                            done(std::move(*p));
                        });
                });
            });
    });
}

void Mitigation::dryRun(const MitigationPlan& plan, Callback<DryRunResult> done)
{
    done = beginOperation<DryRunResult>(QStringLiteral("dry run"), std::move(done));
    const json before = plan.object;
    patchAsPlanned(*this, m_client, this, plan, true, plan.resourceVersion, kMaxStatusOnlyConflicts,
        [before, done](Result<json> r, const std::string&) {
            if (!r) {
                Error e = r.error();
                if (e.code == ErrorCode::Conflict)
                    e.detail = "the workload changed since the plan was made; plan again";
                return done(e);
            }
            done(DryRunResult { *r, diffDeploymentSpec(before, *r) });
        });
}

void Mitigation::apply(const MitigationPlan& plan, Callback<MitigationRecord> done)
{
    done = beginOperation<MitigationRecord>(QStringLiteral("apply"), std::move(done));
    auto record = std::make_shared<MitigationRecord>();
    record->kind = m_kind;
    record->ns = plan.request.ns;
    record->workload = plan.request.workload;
    record->container = plan.container;
    record->before = plan.before;
    record->fieldManager = plan.request.fieldManager;
    record->kubectl = plan.kubectl;
    patchAsPlanned(*this, m_client, this, plan, false, plan.resourceVersion, kMaxStatusOnlyConflicts,
        [this, record, done](Result<json> r, const std::string& rv) {
            if (!r) {
                Error e = r.error();
                if (e.code == ErrorCode::Conflict)
                    e = makeError(ErrorCode::Conflict,
                        "nothing was applied: " + target(record->ns, record->workload)
                            + " changed since the plan was made (resourceVersion " + rv + ")",
                        "plan again to see the current values");
                return done(e);
            }
            const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
            record->after = read(*r, record->container);
            record->resourceVersion = resourceVersionOf(*r);
            record->generation = generationOf(*r);
            record->appliedMs = now;
            record->id = std::string(mitigationKindName(m_kind)) + "-" + record->workload.name + "-"
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
    if (!m_revert)
        m_revert = new MitigationRevert(m_client, this);
    // The record's own apply is the only write of LeakDesk known here: its fields are compared with
    // what that apply left there (RevertCheck.h); a change of any other field is no conflict.
    m_revert->plan({ { record }, {}, record.fieldManager }, [this, done](Result<RevertPlan> plan) {
        if (!plan)
            return done(plan.error());
        if (plan->partial())
            return done(makeError(ErrorCode::Conflict, plan->conflictMessage(),
                "nothing was reverted; look at the workload as it is now (kubectl get " + plan->workload.text() + " -n "
                    + plan->ns + " -o yaml) and change it by hand if the old values are still wanted"));
        m_revert->apply(*plan, false, done);
    });
}

} // namespace leakdesk::actions
