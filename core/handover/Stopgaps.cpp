#include "core/handover/Stopgaps.h"

#include "core/actions/RolloutProgress.h"
#include "core/common/ActionKinds.h"
#include "core/incident/ActionJournal.h"
#include "core/incident/IncidentRecording.h"
#include "core/kube/KubePaths.h"

#include <QTimer>

#include <algorithm>

namespace leakdesk::handover {

namespace {

using nlohmann::json;

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

int rank(StopgapKind kind)
{
    switch (kind) {
    case StopgapKind::PodIsolation:
        return 0;
    case StopgapKind::HeapLimitRestart:
        return 1;
    case StopgapKind::MemoryLimit:
        return 2;
    }
    return 3;
}

std::vector<std::string> previewLines(const std::vector<actions::SpecChange>& changes)
{
    std::vector<std::string> out;
    for (const auto& c : changes)
        out.push_back(c.toString());
    return out;
}

std::string joined(const std::vector<std::string>& lines, const char* sep = "; ")
{
    std::string out;
    for (const auto& l : lines)
        out += (out.empty() ? "" : sep) + l;
    return out;
}

std::map<std::string, std::string> labelsOf(const json& pod)
{
    std::map<std::string, std::string> out;
    const json* labels = pod.contains("metadata") ? &pod["metadata"] : nullptr;
    if (labels && labels->contains("labels") && (*labels)["labels"].is_object())
        for (const auto& [k, v] : (*labels)["labels"].items())
            if (v.is_string())
                out[k] = v.get<std::string>();
    return out;
}

json putBackPatch(const actions::IsolationRecord& r)
{
    json labels = json::object();
    for (const auto& [k, v] : r.removed)
        labels[k] = v;
    labels[actions::kIsolatedLabel] = nullptr;
    return { { "metadata",
        { { "labels", labels }, { "annotations", { { actions::kIsolatedLabelsAnnotation, nullptr } } } } } };
}

// The pod as read, against the isolation's record: still out of its Service, put back, or relabelled.
StopgapState isolationState(const actions::IsolationRecord& r, const json& pod, std::string& why)
{
    const auto labels = labelsOf(pod);
    const bool marked = labels.count(actions::kIsolatedLabel) > 0;
    std::size_t back = 0;
    for (const auto& [k, v] : r.removed)
        if (auto it = labels.find(k); it != labels.end())
            back += it->second == v ? 1 : 0;
    if (marked && back == 0)
        return StopgapState::InEffect;
    if (!marked && back == r.removed.size()) {
        why = "pod " + r.pod + " is back in its Service already (its labels were restored)";
        return StopgapState::AlreadyGone;
    }
    why = "pod " + r.pod + " was relabelled by someone else since it was isolated; left as it is";
    return StopgapState::ChangedByOthers;
}

} // namespace

const char* stopgapKindName(StopgapKind kind)
{
    switch (kind) {
    case StopgapKind::PodIsolation:
        return "pod isolation";
    case StopgapKind::HeapLimitRestart:
        return "HEAP_LIMIT_RESTART";
    case StopgapKind::MemoryLimit:
        return "memory limit";
    }
    return "stopgap";
}

const char* stopgapStateName(StopgapState state)
{
    switch (state) {
    case StopgapState::InEffect:
        return "in effect";
    case StopgapState::AlreadyGone:
        return "already gone";
    case StopgapState::ChangedByOthers:
        return "changed by others";
    case StopgapState::Unknown:
        return "unknown";
    }
    return "unknown";
}

const char* stopgapResultName(StopgapOutcome::Result result)
{
    using R = StopgapOutcome::Result;
    switch (result) {
    case R::Undone:
        return "undone";
    case R::AlreadyGone:
        return "already gone";
    case R::LeftAlone:
        return "left alone";
    case R::Failed:
        return "failed";
    case R::DidNotStay:
        return "did not stay";
    case R::NotAttempted:
        return "not attempted";
    }
    return "not attempted";
}

StopgapList incidentStopgaps(const incident::IncidentDocument& doc)
{
    StopgapList out;
    for (const auto& a : doc.actions) {
        if (a.state != incident::ActionState::Applied)
            continue;
        Stopgap s;
        s.actionId = a.id;
        s.target = a.target;
        s.title = a.title;
        if (a.kind == actionkind::kRaiseLimit || a.kind == actionkind::kHeapLimitRestart) {
            auto record = actions::MitigationRecord::fromJson(a.revertData);
            if (!record) {
                out.notUndone.push_back(a.id + " (" + a.title + "): its record is unreadable (" + record.error().message
                    + "); undo it by hand");
                continue;
            }
            s.kind = a.kind == actionkind::kRaiseLimit ? StopgapKind::MemoryLimit : StopgapKind::HeapLimitRestart;
            s.ns = record->ns;
            s.mitigation = std::move(*record);
        } else if (a.kind == actionkind::kIsolatePod) {
            auto record = actions::IsolationRecord::fromJson(a.revertData);
            if (!record) {
                out.notUndone.push_back(a.id + " (" + a.title + "): its record is unreadable (" + record.error().message
                    + "); put the pod back by hand");
                continue;
            }
            s.kind = StopgapKind::PodIsolation;
            s.ns = record->ns;
            s.isolation = std::move(*record);
        } else if (a.kind == actionkind::kRolloutRestart) {
            out.notUndone.push_back(a.id + " (" + a.title + "): a restart has nothing to undo");
            continue;
        } else {
            continue; // commands, captures, deletions: no stopgap
        }
        out.inEffect.push_back(std::move(s));
    }
    // Newest first within a kind: a later change of the same field is undone before the earlier.
    std::stable_sort(out.inEffect.begin(), out.inEffect.end(), [&](const Stopgap& x, const Stopgap& y) {
        if (rank(x.kind) != rank(y.kind))
            return rank(x.kind) < rank(y.kind);
        const auto* ax = doc.action(x.actionId);
        const auto* ay = doc.action(y.actionId);
        return ax && ay && ax->createdMs > ay->createdMs;
    });
    return out;
}

std::vector<std::string> stopgapUndoOrder()
{
    return {
        "1. Pods taken out of their Service go back first: that adds a serving pod (or its old ReplicaSet adopts "
        "and removes it), never takes one away.",
        "2. HEAP_LIMIT_RESTART goes next, while the raised limit still stands: the restart threshold never sits "
        "above a limit already lowered, where the kernel's OOM kill would come first.",
        "3. The memory limit goes last: it is the riskiest (if the fix does not hold, the OOM kills come back), and "
        "by then everything else is back and verified.",
        "Each undo is followed by its rollout and checked after a settle time; the first that fails or does not "
        "stay stops the rest, so what remains in place is the more protective.",
    };
}

std::vector<actions::OwnWrite> incidentOwnWrites(const incident::IncidentDocument& doc, const std::string& target)
{
    std::vector<actions::OwnWrite> writes;
    for (const auto& a : doc.actions) {
        if (a.target != target
            || (a.state != incident::ActionState::Applied && a.state != incident::ActionState::Reverted))
            continue;
        auto record = actions::MitigationRecord::fromJson(a.revertData);
        if (!record)
            continue;
        auto apply = actions::applyWriteOf(*record);
        apply.id = a.id;
        writes.push_back(std::move(apply));
        if (a.revertData.is_object() && a.revertData.contains("reverts"))
            for (const auto& w : a.revertData["reverts"])
                for (auto& own : actions::ownWritesFromJson(w, a.id + " revert"))
                    writes.push_back(std::move(own));
    }
    std::stable_sort(writes.begin(), writes.end(), [](const auto& x, const auto& y) { return x.atMs < y.atMs; });
    return writes;
}

void recordStopgapOutcome(incident::IncidentDocument& doc, const StopgapOutcome& o, std::int64_t nowMs)
{
    using R = StopgapOutcome::Result;
    const Stopgap& s = o.check.stopgap;
    const bool gone = o.result == R::Undone || o.result == R::AlreadyGone;
    if (!gone) {
        if (o.result != R::NotAttempted)
            incident::appendJournal(doc,
                { nowMs, incident::JournalKind::Action,
                    std::string("Stopgap ") + s.actionId + " (" + stopgapKindName(s.kind) + ") "
                        + stopgapResultName(o.result),
                    o.message, s.actionId });
        return;
    }
    const std::string detail = (o.result == R::AlreadyGone ? "Already gone when the stopgaps were undone: " : "")
        + o.message + (o.kubectl.empty() ? "" : "\n" + o.kubectl) + (o.diff.empty() ? "" : "\n" + joined(o.diff, "\n"));
    if (s.isolation)
        (void)incident::recordIsolationPutBack(doc, s.isolation->pod, o.kubectl, detail, nowMs);
    else
        (void)incident::recordMitigationRevert(doc, { s.actionId, detail, o.ownWrite, false }, nowMs);
}

// ---- against the cluster ---------------------------------------------------------------------

struct StopgapUndo::Run {
    incident::IncidentDocument doc;
    std::vector<StopgapCheck> checks;
    std::size_t next = 0;
    std::vector<StopgapOutcome> outcomes;
    bool stopped = false;
    std::function<void(std::vector<StopgapCheck>)> checked;
    std::function<void(const StopgapOutcome&)> each;
    std::function<void(std::vector<StopgapOutcome>)> undone;
    std::unique_ptr<actions::RolloutProgress> rollout;
};

StopgapUndo::StopgapUndo(kube::KubeClient& client, StopgapUndoOptions options, QObject* parent)
    : QObject(parent)
    , m_client(client)
    , m_options(options)
    , m_reverter(std::make_unique<actions::MitigationRevert>(client))
    , m_isolation(std::make_unique<actions::PodIsolation>(client))
{ }

StopgapUndo::~StopgapUndo() = default;

void StopgapUndo::check(const incident::IncidentDocument& doc, std::function<void(std::vector<StopgapCheck>)> done)
{
    auto run = std::make_shared<Run>();
    run->doc = doc;
    for (auto& s : incidentStopgaps(doc).inEffect)
        run->checks.push_back({ std::move(s), StopgapState::Unknown, {}, {}, {}, {} });
    run->checked = std::move(done);
    checkNext(run);
}

void StopgapUndo::checkNext(std::shared_ptr<Run> run)
{
    if (run->next >= run->checks.size())
        return run->checked(std::move(run->checks));
    StopgapCheck& c = run->checks[run->next++];
    const Stopgap& s = c.stopgap;
    if (s.isolation) {
        const actions::IsolationRecord r = *s.isolation;
        const QString path = kube::paths::pod(q(r.ns), q(r.pod));
        m_client.getJson(path, {}, this, [this, run, &c, r, path](Result<json> pod) {
            if (!pod) {
                c.state = pod.error().code == ErrorCode::NotFound ? StopgapState::AlreadyGone : StopgapState::Unknown;
                c.why = pod.error().code == ErrorCode::NotFound
                    ? "pod " + r.pod + " is gone (deleted after its dump, or replaced): nothing to put back"
                    : "pod " + r.pod + " could not be read: " + pod.error().message;
                return checkNext(run);
            }
            c.state = isolationState(r, *pod, c.why);
            if (c.state != StopgapState::InEffect)
                return checkNext(run);
            c.kubectl = actions::PodIsolation::kubectlRevertFor(r.ns, r.pod, r.removed);
            json patch = putBackPatch(r);
            patch["metadata"]["resourceVersion"] = pod->value("metadata", json::object()).value("resourceVersion", "");
            m_client.patch(path, patch, kube::KubeClient::PatchType::Merge, { true, q(r.fieldManager) }, this,
                [this, run, &c, r](Result<json> dry) {
                    if (!dry) {
                        c.state = StopgapState::Unknown;
                        c.why = "the server's dry run of putting pod " + r.pod + " back failed: " + dry.error().message;
                        return checkNext(run);
                    }
                    for (const auto& [k, v] : r.removed)
                        c.preview.push_back("pod/" + r.pod + " metadata.labels." + k + ": <none> → " + v);
                    c.preview.push_back("pod/" + r.pod + " metadata.labels." + std::string(actions::kIsolatedLabel)
                        + ": true → <none>");
                    checkNext(run);
                });
        });
        return;
    }
    const actions::MitigationRecord& r = *s.mitigation;
    actions::RevertRequest request { { r }, incidentOwnWrites(run->doc, s.target), r.fieldManager };
    m_reverter->plan(request, [this, run, &c](Result<actions::RevertPlan> plan) {
        if (!plan) {
            const bool gone = plan.error().code == ErrorCode::NotFound;
            c.state = gone ? StopgapState::AlreadyGone : StopgapState::Unknown;
            c.why = gone ? c.stopgap.target + " is gone: nothing to undo" : plan.error().message;
            return checkNext(run);
        }
        std::vector<std::string> fields;
        for (const auto& f : plan->comparison.fields)
            fields.push_back(f.threeWay());
        if (plan->partial()) {
            c.state = StopgapState::ChangedByOthers;
            c.why = plan->conflictMessage();
        } else if (!plan->comparison.anythingToRestore()) {
            c.state = StopgapState::AlreadyGone;
            c.why = "already back to its value from before: " + joined(fields);
        } else {
            c.state = StopgapState::InEffect;
            c.why = joined(fields);
            c.kubectl = plan->kubectl;
            c.preview = previewLines(plan->preview);
            c.revertPlan = *plan;
        }
        checkNext(run);
    });
}

void StopgapUndo::undo(const incident::IncidentDocument& doc, std::vector<StopgapCheck> confirmed,
    std::function<void(const StopgapOutcome&)> each, std::function<void(std::vector<StopgapOutcome>)> done)
{
    auto run = std::make_shared<Run>();
    run->doc = doc;
    run->checks = std::move(confirmed);
    run->each = std::move(each);
    run->undone = std::move(done);
    undoNext(run);
}

void StopgapUndo::finishStep(std::shared_ptr<Run> run, StopgapOutcome outcome)
{
    using R = StopgapOutcome::Result;
    if (outcome.result == R::Failed || outcome.result == R::DidNotStay)
        run->stopped = true;
    if (run->each)
        run->each(outcome);
    run->outcomes.push_back(std::move(outcome));
    undoNext(run);
}

void StopgapUndo::undoNext(std::shared_ptr<Run> run)
{
    using R = StopgapOutcome::Result;
    if (run->next >= run->checks.size()) {
        run->rollout.reset(); // its callbacks hold the run: the cycle ends here (never inside one)
        return run->undone(std::move(run->outcomes));
    }
    StopgapOutcome outcome;
    outcome.check = run->checks[run->next++];
    const StopgapCheck& c = outcome.check;
    if (c.state != StopgapState::InEffect) {
        outcome.result = c.state == StopgapState::AlreadyGone ? R::AlreadyGone : R::LeftAlone;
        outcome.message = c.why;
        return finishStep(run, std::move(outcome));
    }
    if (run->stopped) {
        outcome.result = R::NotAttempted;
        outcome.message = "not attempted: an earlier undo failed or did not stay, so this stopgap stays in place";
        return finishStep(run, std::move(outcome));
    }
    if (c.stopgap.isolation)
        undoIsolation(run, std::move(outcome));
    else
        undoMitigation(run, std::move(outcome));
}

void StopgapUndo::afterSettle(std::function<void()> then)
{
    QTimer::singleShot(m_options.settleMs, this, std::move(then));
}

void StopgapUndo::undoIsolation(std::shared_ptr<Run> run, StopgapOutcome outcome)
{
    using R = StopgapOutcome::Result;
    const actions::IsolationRecord r = *outcome.check.stopgap.isolation;
    m_isolation->revert(r, [this, run, outcome, r](Result<actions::IsolationRevert> reverted) mutable {
        if (!reverted) {
            outcome.result = R::Failed;
            outcome.message = reverted.error().message;
            return finishStep(run, std::move(outcome));
        }
        outcome.kubectl = reverted->kubectl;
        outcome.diff = outcome.check.preview;
        outcome.message = reverted->message;
        // Did it stay? The pod back under its labels, or gone because its old ReplicaSet adopted it
        // and removed the pod too many: either way it is no longer out of its Service.
        afterSettle([this, run, outcome, r]() mutable {
            m_client.getJson(
                kube::paths::pod(q(r.ns), q(r.pod)), {}, this, [this, run, outcome, r](Result<json> pod) mutable {
                    std::string why;
                    if (!pod && pod.error().code != ErrorCode::NotFound) {
                        outcome.result = R::Failed;
                        outcome.message += "; could not read the pod again: " + pod.error().message;
                    } else if (pod && isolationState(r, *pod, why) != StopgapState::AlreadyGone) {
                        outcome.result = R::DidNotStay;
                        outcome.message = "pod " + r.pod + " was put back but is out of its Service again after "
                            + std::to_string(m_options.settleMs / 1000) + " s";
                    } else {
                        outcome.result = R::Undone;
                        if (!pod)
                            outcome.message += "; the pod has since been removed by its ReplicaSet";
                    }
                    finishStep(run, std::move(outcome));
                });
        });
    });
}

void StopgapUndo::undoMitigation(std::shared_ptr<Run> run, StopgapOutcome outcome)
{
    using R = StopgapOutcome::Result;
    const actions::MitigationRecord r = *outcome.check.stopgap.mitigation;
    // A fresh plan: earlier steps rolled the workload. It must restore what the person confirmed.
    actions::RevertRequest request { { r }, incidentOwnWrites(run->doc, outcome.check.stopgap.target), r.fieldManager };
    m_reverter->plan(request, [this, run, outcome, r](Result<actions::RevertPlan> plan) mutable {
        if (!plan || plan->partial() || !plan->comparison.anythingToRestore()
            || plan->comparison.toRestore() != outcome.check.revertPlan->comparison.toRestore()) {
            outcome.result = R::Failed;
            outcome.message = !plan ? plan.error().message
                                    : "changed since the confirmation (" + joined(previewLines(plan->preview))
                    + "): nothing written; check again";
            return finishStep(run, std::move(outcome));
        }
        const actions::RevertPlan fresh = *plan;
        m_reverter->apply(fresh, false, [this, run, outcome, r](Result<actions::RevertResult> res) mutable {
            if (!res) {
                outcome.result = R::Failed;
                outcome.message = res.error().message;
                return finishStep(run, std::move(outcome));
            }
            outcome.kubectl = res->kubectl;
            outcome.diff = previewLines(res->diff);
            outcome.ownWrite = actions::ownWriteJson(res->restored, res->resourceVersion, incident::currentTimeMs());
            // The journal of the next steps knows this write as LeakDesk's own.
            for (auto& a : run->doc.actions)
                if (a.id == outcome.check.stopgap.actionId && a.revertData.is_object())
                    a.revertData["reverts"].push_back(outcome.ownWrite);
            const actions::RevertResult result = *res;
            run->rollout = std::make_unique<actions::RolloutProgress>(m_client, r.ns, r.workload, res->generation,
                actions::RolloutOptions { m_options.pollMs, m_options.rolloutTimeoutMs });
            run->rollout->start([](const actions::RolloutStatus&) {},
                [this, run, outcome, r, result](Result<actions::RolloutStatus> rolled) mutable {
                    outcome.message = rolled ? "rollout: " + rolled->toString()
                                             : "rollout not confirmed: " + rolled.error().message;
                    afterSettle([this, run, outcome, r, result]() mutable {
                        m_reverter->verify(result, r.ns, r.workload, r.fieldManager,
                            [this, run, outcome](Result<std::vector<actions::FieldComparison>> moved) mutable {
                                if (!moved) {
                                    outcome.result = R::Failed;
                                    outcome.message += "; could not check it stayed: " + moved.error().message;
                                } else if (!moved->empty()) {
                                    std::vector<std::string> lines;
                                    for (const auto& f : *moved)
                                        lines.push_back(f.threeWay());
                                    outcome.result = R::DidNotStay;
                                    outcome.message = "the undo did not stay: " + joined(lines);
                                } else {
                                    outcome.result = R::Undone;
                                    outcome.message
                                        += "; stayed after " + std::to_string(m_options.settleMs / 1000) + " s";
                                }
                                finishStep(run, std::move(outcome));
                            });
                    });
                });
        });
    });
}

} // namespace leakdesk::handover
