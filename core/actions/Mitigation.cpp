#include "core/actions/Mitigation.h"

#include "core/actions/MitigatedFields.h"

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
        const auto names = containerNamesOf(plan->deployment);
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
        if (!hasContainer(plan->deployment, container))
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
    if (!m_revert)
        m_revert = new MitigationRevert(m_client, this);
    // The record's own apply is the only write of LeakDesk known here: its fields are compared with
    // what that apply left there (RevertCheck.h); a change of any other field is no conflict.
    m_revert->plan({ { record }, {}, record.fieldManager }, [this, done](Result<RevertPlan> plan) {
        if (!plan)
            return done(plan.error());
        if (plan->partial())
            return done(makeError(ErrorCode::Conflict, plan->conflictMessage(),
                "nothing was reverted; look at the Deployment as it is now (kubectl get deployment " + plan->deployment
                    + " -n " + plan->ns + " -o yaml) and change it by hand if the old values are still wanted"));
        m_revert->apply(*plan, false, done);
    });
}

} // namespace leakdesk::actions
