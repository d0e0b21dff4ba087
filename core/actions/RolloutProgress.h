#pragma once
// Follows the rollout a mitigation caused by polling the Deployment's status, the way
// `kubectl rollout status` judges it: the controller has seen the new generation, every replica is
// updated, no old replica is left, and every updated replica is available.

#include "core/common/Result.h"
#include "core/kube/KubeClient.h"

#include <nlohmann/json.hpp>

#include <QObject>
#include <QTimer>

#include <functional>
#include <string>

namespace leakdesk::actions {

struct RolloutStatus {
    std::int64_t generation = 0; // metadata.generation
    std::int64_t observedGeneration = 0;
    int desired = 0; // spec.replicas
    int replicas = 0; // status.replicas (old and new pods)
    int updated = 0;
    int available = 0;
    bool complete = false;

    std::string toString() const; // "2 of 3 updated, 1 old replica(s) terminating, ..."
};

// Status of the rollout towards `generation` (0: whatever the Deployment's own generation is).
RolloutStatus rolloutStatusOf(const nlohmann::json& deployment, std::int64_t generation = 0);

struct RolloutOptions {
    int intervalMs = 2000;
    int timeoutMs = 10 * 60 * 1000; // a Deployment's default progressDeadlineSeconds
};

// Polls until complete (done with the last status), the deadline passes (Timeout) or cancel()
// (Cancelled). `progress` sees every polled status, the first one included.
class RolloutProgress : public QObject {
    Q_OBJECT
public:
    RolloutProgress(kube::KubeClient& client, std::string ns, std::string deployment, std::int64_t generation,
        RolloutOptions options = {}, QObject* parent = nullptr);

    void start(std::function<void(const RolloutStatus&)> progress, std::function<void(Result<RolloutStatus>)> done);
    void cancel();

private:
    void poll();
    void finish(Result<RolloutStatus> result);

    kube::KubeClient& m_client;
    std::string m_ns;
    std::string m_deployment;
    std::int64_t m_generation;
    RolloutOptions m_options;
    QTimer m_timer;
    qint64 m_deadline = 0;
    kube::KubeCall m_call;
    RolloutStatus m_last;
    bool m_running = false;
    std::function<void(const RolloutStatus&)> m_progress;
    std::function<void(Result<RolloutStatus>)> m_done;
};

} // namespace leakdesk::actions
