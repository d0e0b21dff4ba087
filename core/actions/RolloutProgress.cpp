#include "core/actions/RolloutProgress.h"

#include "core/actions/RevertCheck.h"
#include "core/kube/JsonAccess.h"

#include <QDateTime>

#include <algorithm>

namespace leakdesk::actions {

using kube::jsonAt;
using kube::jsonString;
using kube::WorkloadKind;

using nlohmann::json;

namespace {

// An integer field; an Argo Rollout writes observedGeneration as a string.
std::int64_t integer(const json& object, const char* key)
{
    if (!object.is_object() || !object.contains(key))
        return 0;
    const json& v = object[key];
    if (v.is_number_integer())
        return v.get<std::int64_t>();
    if (v.is_string()) {
        const std::string s = v.get<std::string>();
        if (!s.empty() && s.size() < 19 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return std::stoll(s);
    }
    return 0;
}

int count(const json& object, const char* key)
{
    return static_cast<int>(std::clamp<std::int64_t>(integer(object, key), 0, 1 << 30));
}

std::string ordinals(int from, int to) // inclusive
{
    return from == to ? std::to_string(from) : std::to_string(from) + ".." + std::to_string(to);
}

void statefulSet(RolloutStatus& s, const json& spec, const json& status, const std::string& name)
{
    s.desired = spec.contains("replicas") ? count(spec, "replicas") : 1;
    s.replicas = count(status, "replicas");
    s.updated = count(status, "updatedReplicas");
    s.available = count(status, "readyReplicas");
    const std::string type = jsonString(spec, { "updateStrategy", "type" });
    if (type == "OnDelete") {
        s.toUpdate = s.desired;
        s.waitsOnUser = s.updated < s.desired;
        s.note = "updateStrategy OnDelete: nothing rolls by itself; each pod gets the new template when it is deleted "
                 "(kubectl delete pod "
            + name + "-0, then the next once it is Ready)";
        s.complete = s.observedGeneration >= s.generation && s.updated >= s.desired && s.available >= s.desired;
        return;
    }
    const int partition = count(jsonAt(spec, { "updateStrategy", "rollingUpdate" }), "partition");
    s.toUpdate = std::max(0, s.desired - partition);
    if (partition > 0) {
        if (partition >= s.desired)
            s.note = "partition " + std::to_string(partition) + ": no ordinal is updated (0.."
                + std::to_string(s.desired - 1) + " keep the old template until the partition is lowered)";
        else
            s.note = "partition " + std::to_string(partition) + ": ordinals " + ordinals(partition, s.desired - 1)
                + " will be updated, " + ordinals(0, partition - 1)
                + " keep the old template until the partition is lowered";
    }
    const std::string current = jsonString(status, { "currentRevision" });
    const std::string update = jsonString(status, { "updateRevision" });
    // As kubectl: a partitioned rollout is done when the ordinals above the partition are updated;
    // a full one when the current revision is the update revision.
    const bool revisionsAgree = partition > 0 || current.empty() || update.empty() || current == update;
    s.complete
        = s.observedGeneration >= s.generation && s.updated >= s.toUpdate && s.available >= s.desired && revisionsAgree;
}

void daemonSet(RolloutStatus& s, const json& spec, const json& status)
{
    s.desired = count(status, "desiredNumberScheduled");
    s.replicas = count(status, "currentNumberScheduled");
    s.updated = count(status, "updatedNumberScheduled");
    s.available = count(status, "numberAvailable");
    s.toUpdate = s.desired;
    if (jsonString(spec, { "updateStrategy", "type" }) == "OnDelete") {
        s.waitsOnUser = s.updated < s.desired;
        s.note = "updateStrategy OnDelete: nothing rolls by itself; each node's pod gets the new template when it is "
                 "deleted";
    }
    s.complete = s.observedGeneration >= s.generation && s.updated >= s.desired && s.available >= s.desired;
}

void argoRollout(RolloutStatus& s, const json& spec, const json& status)
{
    s.desired = spec.contains("replicas") ? count(spec, "replicas") : 1;
    s.replicas = count(status, "replicas");
    s.updated = count(status, "updatedReplicas");
    s.available = count(status, "availableReplicas");
    s.toUpdate = s.desired;
    const std::string phase = jsonString(status, { "phase" });
    const json& pauses = jsonAt(status, { "pauseConditions" });
    const bool specPaused = jsonAt(spec, { "paused" }).is_boolean() && jsonAt(spec, { "paused" }).get<bool>();
    const bool paused = specPaused || phase == "Paused" || (pauses.is_array() && !pauses.empty());
    if (paused) {
        const json& steps = jsonAt(spec, { "strategy", "canary", "steps" });
        const std::int64_t index = integer(status, "currentStepIndex");
        std::string duration;
        if (steps.is_array() && index >= 0 && index < static_cast<std::int64_t>(steps.size())) {
            const json& d = jsonAt(steps[static_cast<std::size_t>(index)], { "pause", "duration" });
            duration = d.is_string() ? d.get<std::string>() : d.is_number() ? d.dump() + "s" : std::string();
        }
        const std::string step = steps.is_array()
            ? " at step " + std::to_string(index + 1) + " of " + std::to_string(steps.size())
            : std::string();
        if (!duration.empty() && !specPaused) {
            s.note = "waits on a pause step" + step + " (" + duration
                + "); it goes on by itself, or now with: kubectl argo rollouts promote NAME";
        } else {
            s.waitsOnUser = true;
            s.note = "paused" + step
                + " without a duration: it goes on only when promoted (kubectl argo rollouts promote NAME)";
        }
    }
    const bool healthy = phase.empty() || phase == "Healthy";
    s.complete = s.observedGeneration >= s.generation && s.updated >= s.desired && s.available >= s.desired
        && s.replicas <= s.updated && healthy && !paused;
}

} // namespace

RolloutStatus rolloutStatusOf(const json& workload, std::int64_t generation, WorkloadKind kind)
{
    RolloutStatus s;
    s.kind = kind;
    const json& meta = jsonAt(workload, { "metadata" });
    const json& spec = jsonAt(workload, { "spec" });
    const json& status = jsonAt(workload, { "status" });
    s.generation = generation > 0 ? generation : integer(meta, "generation");
    s.observedGeneration = integer(status, "observedGeneration");
    switch (kind) {
    case WorkloadKind::StatefulSet:
        statefulSet(s, spec, status, jsonString(meta, { "name" }));
        break;
    case WorkloadKind::DaemonSet:
        daemonSet(s, spec, status);
        break;
    case WorkloadKind::Rollout:
        argoRollout(s, spec, status);
        if (!s.note.empty()) {
            const auto at = s.note.find("NAME");
            if (at != std::string::npos)
                s.note.replace(at, 4, jsonString(meta, { "name" }));
        }
        break;
    default:
        s.desired = spec.contains("replicas") ? count(spec, "replicas") : 1;
        s.replicas = count(status, "replicas");
        s.updated = count(status, "updatedReplicas");
        s.available = count(status, "availableReplicas");
        s.toUpdate = s.desired;
        s.complete = s.observedGeneration >= s.generation && s.updated >= s.desired && s.replicas <= s.updated
            && s.available >= s.updated;
        break;
    }
    return s;
}

std::string RolloutStatus::toString() const
{
    if (observedGeneration < generation)
        return "waiting for the controller to see generation " + std::to_string(generation);
    std::string out = std::to_string(updated) + " of " + std::to_string(toUpdate) + " updated";
    if (toUpdate != desired)
        out += " (" + std::to_string(desired) + " " + (kind == WorkloadKind::DaemonSet ? "scheduled" : "desired") + ")";
    out += ", " + std::to_string(available) + " " + (kind == WorkloadKind::StatefulSet ? "ready" : "available");
    if (replicas > updated && kind != WorkloadKind::StatefulSet && toUpdate == desired)
        out += ", " + std::to_string(replicas - updated) + " old replica(s) terminating";
    if (!note.empty())
        out += "; " + note;
    return out + (complete ? ": rolled out" : "");
}

RolloutProgress::RolloutProgress(kube::KubeClient& client, std::string ns, WorkloadTarget workload,
    std::int64_t generation, RolloutOptions options, QObject* parent)
    : QObject(parent)
    , m_client(client)
    , m_ns(std::move(ns))
    , m_workload(std::move(workload))
    , m_generation(generation)
    , m_options(options)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &RolloutProgress::poll);
}

void RolloutProgress::start(
    std::function<void(const RolloutStatus&)> progress, std::function<void(Result<RolloutStatus>)> done)
{
    m_progress = std::move(progress);
    m_done = std::move(done);
    m_running = true;
    m_deadline = QDateTime::currentMSecsSinceEpoch() + m_options.timeoutMs;
    poll();
}

std::string RolloutProgress::statusCommand() const
{
    if (m_workload.kind == WorkloadKind::Rollout)
        return "kubectl argo rollouts status " + m_workload.name + " -n " + m_ns;
    return "kubectl rollout status " + m_workload.text() + " -n " + m_ns;
}

void RolloutProgress::cancel()
{
    if (!m_running)
        return;
    m_call.cancel();
    m_timer.stop();
    finish(makeError(ErrorCode::Cancelled, "stopped following the rollout of " + m_workload.text(),
        "the rollout itself goes on; " + statusCommand()));
}

void RolloutProgress::poll()
{
    if (!m_running)
        return;
    m_call = m_client.getJson(m_workload.path(m_ns), {}, this, [this](Result<json> got) {
        if (!m_running)
            return;
        if (!got)
            return finish(makeError(got.error().code,
                "cannot follow the rollout of " + m_workload.text() + ": " + got.error().message, got.error().detail));
        m_last = rolloutStatusOf(*got, m_generation, m_workload.kind);
        if (m_progress)
            m_progress(m_last);
        if (!m_running)
            return; // cancelled from the progress callback
        if (m_expected) {
            // "Rolled out" means the value is there: a self-heal that put the old one back moves the
            // generation too, and the controller rolls the old template out as happily.
            const auto moved = applyDidNotStay(*m_expected, *got, m_expected->fieldManager);
            if (!moved.empty()) {
                std::string lines;
                for (const FieldComparison& f : moved)
                    lines += "\n  " + f.threeWay();
                const std::string who = moved.front().changedBy ? moved.front().changedBy->manager : std::string();
                return finish(makeError(ErrorCode::Conflict,
                    "the change was taken back during the rollout"
                        + (who.empty() ? std::string() : " by field manager \"" + who + "\"") + lines,
                    "the workload is managed elsewhere (see the plan's managed_by): make the change there"));
            }
        }
        if (m_last.complete || m_last.waitsOnUser)
            return finish(m_last);
        if (QDateTime::currentMSecsSinceEpoch() >= m_deadline)
            return finish(
                makeError(ErrorCode::Timeout, m_workload.text() + " has not finished rolling out: " + m_last.toString(),
                    "see " + statusCommand() + "; pods may be Pending (node memory) or failing readiness"));
        m_timer.start(m_options.intervalMs);
    });
}

void RolloutProgress::finish(Result<RolloutStatus> result)
{
    m_running = false;
    auto done = std::move(m_done);
    m_done = nullptr;
    if (done)
        done(std::move(result));
}

} // namespace leakdesk::actions
