#pragma once
// Follows the rollout a mitigation caused by polling the workload's status, each kind the way its
// own tooling judges it: a Deployment as `kubectl rollout status` (every replica updated and
// available, no old one left); a StatefulSet by its update strategy (RollingUpdate with a
// partition updates only the ordinals from the partition up; OnDelete rolls nothing until pods are
// deleted); a DaemonSet by updatedNumberScheduled and numberAvailable against
// desiredNumberScheduled; an Argo Rollout by its updated replicas and phase, saying when it waits
// on a pause step. With the record of the apply, each poll also re-reads the applied values: a
// rollout is not done when a GitOps self-heal took the change back meanwhile.

#include "core/actions/MitigationRecord.h"
#include "core/actions/WorkloadTarget.h"
#include "core/common/Result.h"
#include "core/kube/KubeClient.h"

#include <nlohmann/json.hpp>

#include <QObject>
#include <QTimer>

#include <functional>
#include <optional>
#include <string>

namespace leakdesk::actions {

struct RolloutStatus {
    kube::WorkloadKind kind = kube::WorkloadKind::Deployment;
    std::int64_t generation = 0; // metadata.generation
    std::int64_t observedGeneration = 0;
    int desired = 0; // spec.replicas (a DaemonSet: desiredNumberScheduled)
    int replicas = 0; // pods, old and new
    int updated = 0; // pods of the new template
    int available = 0; // available (a StatefulSet: ready) pods
    int toUpdate = 0; // how many must be updated for the rollout to be done (a partition leaves some out)
    bool complete = false;
    // It will not go on by itself: a StatefulSet or DaemonSet with updateStrategy OnDelete, an Argo
    // Rollout paused without a duration. The note says what the user must do.
    bool waitsOnUser = false;
    std::string note; // the partition's ordinals, OnDelete, the pause step

    std::string toString() const; // "2 of 3 updated, 1 old replica(s) terminating, ..."
};

// Status of the rollout towards `generation` (0: whatever the workload's own generation is).
RolloutStatus rolloutStatusOf(const nlohmann::json& workload, std::int64_t generation = 0,
    kube::WorkloadKind kind = kube::WorkloadKind::Deployment);

struct RolloutOptions {
    int intervalMs = 2000;
    int timeoutMs = 10 * 60 * 1000; // a Deployment's default progressDeadlineSeconds
};

// Polls until complete (done with the last status), until it waits on the user (done with that
// status: waitsOnUser), the deadline passes (Timeout), the applied values are gone (Conflict, when
// expectApplied was given) or cancel() (Cancelled). `progress` sees every polled status, the first
// one included.
class RolloutProgress : public QObject {
    Q_OBJECT
public:
    RolloutProgress(kube::KubeClient& client, std::string ns, WorkloadTarget workload, std::int64_t generation,
        RolloutOptions options = {}, QObject* parent = nullptr);

    // Each poll also checks that the record's values are still in the workload.
    void expectApplied(const MitigationRecord& record) { m_expected = record; }
    void start(std::function<void(const RolloutStatus&)> progress, std::function<void(Result<RolloutStatus>)> done);
    void cancel();

private:
    void poll();
    void finish(Result<RolloutStatus> result);
    std::string statusCommand() const;

    kube::KubeClient& m_client;
    std::string m_ns;
    WorkloadTarget m_workload;
    std::int64_t m_generation;
    RolloutOptions m_options;
    std::optional<MitigationRecord> m_expected;
    QTimer m_timer;
    qint64 m_deadline = 0;
    kube::KubeCall m_call;
    RolloutStatus m_last;
    bool m_running = false;
    std::function<void(const RolloutStatus&)> m_progress;
    std::function<void(Result<RolloutStatus>)> m_done;
};

} // namespace leakdesk::actions
