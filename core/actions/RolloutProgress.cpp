#include "core/actions/RolloutProgress.h"

#include "core/kube/JsonAccess.h"
#include "core/kube/KubePaths.h"

#include <QDateTime>

namespace leakdesk::actions {

using kube::jsonAt;
using kube::jsonString;

using nlohmann::json;

namespace {

std::int64_t integer(const json& object, const char* key)
{
    return object.is_object() && object.contains(key) && object[key].is_number_integer()
        ? object[key].get<std::int64_t>()
        : 0;
}

} // namespace

RolloutStatus rolloutStatusOf(const json& deployment, std::int64_t generation)
{
    RolloutStatus s;
    const json& meta = jsonAt(deployment, { "metadata" });
    const json& spec = jsonAt(deployment, { "spec" });
    const json& status = jsonAt(deployment, { "status" });
    s.generation = generation > 0 ? generation : integer(meta, "generation");
    s.observedGeneration = integer(status, "observedGeneration");
    s.desired = static_cast<int>(spec.contains("replicas") ? integer(spec, "replicas") : 1);
    s.replicas = static_cast<int>(integer(status, "replicas"));
    s.updated = static_cast<int>(integer(status, "updatedReplicas"));
    s.available = static_cast<int>(integer(status, "availableReplicas"));
    s.complete = s.observedGeneration >= s.generation && s.updated >= s.desired && s.replicas <= s.updated
        && s.available >= s.updated;
    return s;
}

std::string RolloutStatus::toString() const
{
    if (observedGeneration < generation)
        return "waiting for the controller to see generation " + std::to_string(generation);
    std::string out = std::to_string(updated) + " of " + std::to_string(desired) + " updated, "
        + std::to_string(available) + " available";
    if (replicas > updated)
        out += ", " + std::to_string(replicas - updated) + " old replica(s) terminating";
    return out + (complete ? ": rolled out" : "");
}

RolloutProgress::RolloutProgress(kube::KubeClient& client, std::string ns, std::string deployment,
    std::int64_t generation, RolloutOptions options, QObject* parent)
    : QObject(parent)
    , m_client(client)
    , m_ns(std::move(ns))
    , m_deployment(std::move(deployment))
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

void RolloutProgress::cancel()
{
    if (!m_running)
        return;
    m_call.cancel();
    m_timer.stop();
    finish(makeError(ErrorCode::Cancelled, "stopped following the rollout of deployment/" + m_deployment,
        "the rollout itself goes on; kubectl rollout status deployment/" + m_deployment + " -n " + m_ns));
}

void RolloutProgress::poll()
{
    if (!m_running)
        return;
    const QString path = kube::paths::deployment(QString::fromStdString(m_ns), QString::fromStdString(m_deployment));
    m_call = m_client.getJson(path, {}, this, [this](Result<json> got) {
        if (!m_running)
            return;
        if (!got)
            return finish(makeError(got.error().code,
                "cannot follow the rollout of deployment/" + m_deployment + ": " + got.error().message,
                got.error().detail));
        m_last = rolloutStatusOf(*got, m_generation);
        if (m_progress)
            m_progress(m_last);
        if (!m_running)
            return; // cancelled from the progress callback
        if (m_last.complete)
            return finish(m_last);
        if (QDateTime::currentMSecsSinceEpoch() >= m_deadline)
            return finish(makeError(ErrorCode::Timeout,
                "deployment/" + m_deployment + " has not finished rolling out: " + m_last.toString(),
                "see kubectl rollout status deployment/" + m_deployment + " -n " + m_ns
                    + "; pods may be Pending (node memory) or failing readiness"));
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
