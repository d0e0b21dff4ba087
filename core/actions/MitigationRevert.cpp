#include "core/actions/MitigationRevert.h"

#include "core/actions/MitigationValues.h"
#include "core/kube/JsonAccess.h"
#include "core/kube/KubePaths.h"

namespace leakdesk::actions {

using kube::jsonAt;
using kube::jsonString;
using nlohmann::json;

namespace {

// How many writes in between (status writes, other fields) a revert re-reads the Deployment for.
constexpr int kMaxUnrelatedConflicts = 3;

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

std::string target(const std::string& ns, const WorkloadTarget& workload)
{
    return workload.text() + " in namespace " + ns;
}

std::int64_t generationOf(const json& object)
{
    const json& g = jsonAt(object, { "metadata", "generation" });
    return g.is_number_integer() ? g.get<std::int64_t>() : 0;
}

// The kubectl a person would type: the mitigation's own command when one field of one mitigation
// goes back, else the patch itself (also for a restart: `kubectl rollout restart` would write a
// new time, not the old one back).
std::string revertCommand(const RevertPlan& plan, const std::vector<FieldValue>& restore)
{
    const json patch = patchBodyFor(plan.workload, plan.patch, plan.current).body;
    const bool multiple = containerNamesOf(plan.current).size() > 1;
    if (restore.size() == 1)
        for (const MitigationRecord& r : plan.request.records)
            if (r.before.count(restore.front().key) && r.kind != MitigationKind::RolloutRestart)
                return kubectlCommand(r.kind,
                    KubectlTarget { plan.ns, plan.workload.name, r.container, multiple, plan.workload.kind,
                        isInitContainer(plan.current, r.container) },
                    restore.front().value, patch);
    // Without a value every kind but the env's is written as the patch.
    return kubectlCommand(MitigationKind::RaiseMemoryLimit,
        KubectlTarget { plan.ns, plan.workload.name, {}, multiple, plan.workload.kind, false }, std::nullopt, patch);
}

json withPrecondition(json patch, const std::string& resourceVersion)
{
    patch["metadata"]["resourceVersion"] = resourceVersion;
    return patch;
}

std::string fieldList(const std::vector<FieldValue>& fields)
{
    std::string out;
    for (const FieldValue& f : fields)
        out += (out.empty() ? "" : ", ") + mitigatedFieldPath(f.container, f.key);
    return out;
}

} // namespace

std::string RevertPlan::conflictMessage() const
{
    std::string ids;
    for (const MitigationRecord& r : request.records)
        ids += (ids.empty() ? "" : ", ") + r.id;
    std::string msg = "refusing to revert " + ids + ": " + target(ns, workload)
        + " was changed by someone else since LeakDesk wrote it:";
    for (const FieldComparison* f : comparison.leftAlone())
        msg += "\n  " + f->threeWay();
    const auto restore = comparison.toRestore();
    if (!restore.empty())
        msg += "\nstill as LeakDesk left them (a partial revert restores only these): " + fieldList(restore);
    return msg;
}

std::string RevertPlan::sinceOwnWrite() const
{
    const RevertComparison& c = comparison;
    if (c.untouchedSinceOwnWrite)
        return "nothing was written to " + target(ns, workload) + " since LeakDesk's last change (resourceVersion "
            + c.currentResourceVersion + ")";
    return target(ns, workload) + " was written since LeakDesk's last change (resourceVersion "
        + c.lastOwnResourceVersion + ", now " + c.currentResourceVersion
        + ": status updates, the rollout or other fields); each field is compared on its own";
}

MitigationRevert::MitigationRevert(kube::KubeClient& client, QObject* parent)
    : Job(parent)
    , m_client(client)
{ }

MitigationRevert::~MitigationRevert() = default;

void MitigationRevert::plan(const RevertRequest& request, std::function<void(Result<RevertPlan>)> done)
{
    done = beginOperation<RevertPlan>(QStringLiteral("revert plan"), std::move(done));
    if (request.records.empty())
        return done(makeError(ErrorCode::InvalidArgument, "nothing to revert"));
    for (const MitigationRecord& r : request.records)
        if (r.ns != request.records.front().ns || !(r.workload == request.records.front().workload))
            return done(makeError(ErrorCode::InvalidArgument, "a revert undoes mitigations of one workload at a time"));
    auto plan = std::make_shared<RevertPlan>();
    plan->request = request;
    plan->ns = request.records.front().ns;
    plan->workload = request.records.front().workload;
    m_client.getJson(plan->workload.path(plan->ns), {}, this, [this, plan, done](Result<json> got) {
        if (!got)
            return done(makeError(got.error().code,
                "cannot read " + target(plan->ns, plan->workload) + " to revert: " + got.error().message,
                got.error().detail));
        plan->current = std::move(*got);
        plan->resourceVersion = jsonString(plan->current, { "metadata", "resourceVersion" });
        plan->comparison
            = compareForRevert(plan->request.records, plan->request.journal, plan->current, plan->request.fieldManager);
        const auto restore = plan->comparison.toRestore();
        if (restore.empty())
            return done(std::move(*plan)); // nothing to write: no dry run
        plan->patch = patchForFields(restore, plan->current);
        plan->kubectl = revertCommand(*plan, restore);
        const PatchBody body
            = patchBodyFor(plan->workload, withPrecondition(plan->patch, plan->resourceVersion), plan->current);
        m_client.patch(plan->workload.path(plan->ns), body.body, body.type, { true, q(plan->request.fieldManager) },
            this, [plan, done](Result<json> dry) {
                if (!dry)
                    return done(
                        makeError(dry.error().code, "the server's dry run of the revert failed: " + dry.error().message,
                            dry.error().code == ErrorCode::Conflict ? "the workload changed meanwhile; try again"
                                                                    : dry.error().detail));
                plan->preview = diffDeploymentSpec(plan->current, *dry);
                done(std::move(*plan));
            });
    });
}

namespace {

struct RevertAttempt {
    kube::KubeClient& client;
    QObject* context;
    RevertPlan plan;
    std::function<void(Result<RevertResult>)> done;
};

void sendRevert(std::shared_ptr<RevertAttempt> a, int conflictsLeft)
{
    const RevertPlan& plan = a->plan;
    const PatchBody body
        = patchBodyFor(plan.workload, withPrecondition(plan.patch, plan.resourceVersion), plan.current);
    a->client.patch(plan.workload.path(plan.ns), body.body, body.type, { false, q(plan.request.fieldManager) },
        a->context, [a, conflictsLeft](Result<json> r) {
            const RevertPlan& plan = a->plan;
            if (r) {
                RevertResult out;
                out.after = *r;
                out.diff = diffDeploymentSpec(plan.current, *r);
                out.resourceVersion = jsonString(*r, { "metadata", "resourceVersion" });
                out.generation = generationOf(*r);
                out.kubectl = plan.kubectl;
                out.restored = plan.comparison.toRestore();
                for (const FieldComparison* f : plan.comparison.leftAlone())
                    out.leftAlone.push_back(*f);
                return a->done(std::move(out));
            }
            if (r.error().code != ErrorCode::Conflict || conflictsLeft <= 0)
                return a->done(r.error());
            // A write in between: harmless when every field keeps its state (a status write, a
            // change of another field); otherwise the revert is refused with the new comparison.
            a->client.getJson(plan.workload.path(plan.ns), {}, a->context, [a, conflictsLeft](Result<json> current) {
                if (!current)
                    return a->done(current.error());
                RevertPlan again = a->plan;
                again.current = std::move(*current);
                again.resourceVersion = jsonString(again.current, { "metadata", "resourceVersion" });
                again.comparison = compareForRevert(
                    again.request.records, again.request.journal, again.current, again.request.fieldManager);
                if (again.comparison.toRestore() != a->plan.comparison.toRestore()
                    || again.comparison.leftAlone().size() != a->plan.comparison.leftAlone().size())
                    return a->done(makeError(ErrorCode::Conflict, again.conflictMessage(),
                        "nothing was reverted; someone wrote these fields while the revert was under way"));
                a->plan = std::move(again);
                sendRevert(a, conflictsLeft - 1);
            });
        });
}

} // namespace

void MitigationRevert::apply(
    const RevertPlan& plan, bool partialConfirmed, std::function<void(Result<RevertResult>)> done)
{
    done = beginOperation<RevertResult>(QStringLiteral("revert"), std::move(done));
    if (!plan.comparison.anythingToRestore()) {
        if (!plan.partial()) { // every field already holds its old value: done, without a write
            RevertResult already;
            already.after = plan.current;
            already.resourceVersion = plan.resourceVersion;
            already.generation = generationOf(plan.current);
            return done(std::move(already));
        }
        return done(makeError(ErrorCode::Conflict, plan.conflictMessage(),
            "nothing was reverted and nothing can be: every field LeakDesk changed was changed again since; "
            "change it by hand if the old value is still wanted"));
    }
    if (plan.partial() && !partialConfirmed)
        return done(makeError(ErrorCode::Conflict, plan.conflictMessage(),
            "nothing was reverted; confirm a partial revert to restore only the fields still as LeakDesk left them"));
    sendRevert(std::make_shared<RevertAttempt>(RevertAttempt { m_client, this, plan, done }), kMaxUnrelatedConflicts);
}

void MitigationRevert::verify(const RevertResult& result, const std::string& ns, const WorkloadTarget& workload,
    const std::string& fieldManager, std::function<void(Result<std::vector<FieldComparison>>)> done)
{
    done = beginOperation<std::vector<FieldComparison>>(QStringLiteral("revert check"), std::move(done));
    const std::vector<FieldValue> restored = result.restored;
    m_client.getJson(workload.path(ns), {}, this, [restored, fieldManager, done](Result<json> current) {
        if (!current)
            return done(current.error());
        done(revertDidNotStay(restored, *current, fieldManager));
    });
}

} // namespace leakdesk::actions
