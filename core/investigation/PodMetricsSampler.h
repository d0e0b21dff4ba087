#pragma once
// With no Prometheus, metrics.k8s.io (`kubectl top`'s API) is the only memory over time there is:
// PodMetricsSampler reads it for one service's pods every 15 s while it runs and keeps what it saw
// as one line per pod, for the memory chart. No history before it started, bounded (a day at 15 s
// per pod), and a failed read is reported without stopping the sampling.

#include "core/common/Job.h" // Error as a metatype
#include "core/common/Result.h"
#include "core/common/Series.h"
#include "core/kube/KubeObjects.h"

#include <QObject>
#include <QString>
#include <QTimer>

#include <map>
#include <memory>
#include <vector>

namespace leakdesk::kube {
class KubeClient;
}

namespace leakdesk::investigation {

// Pure: adds each pod's memory (the sum of its containers, at the metrics' timestamp) to `lines`
// (by pod name, labels {pod}); a sample no newer than the pod's last one is skipped (metrics-server
// refreshes less often than it is asked), and a pod keeps at most `maxSamples`, the oldest dropped.
// Returns how many samples were added.
std::size_t addPodMetricsSamples(std::map<std::string, Series>& lines, const std::vector<kube::PodMetrics>& metrics,
    std::size_t maxSamples, std::int64_t fallbackNowMs);

class PodMetricsSampler : public QObject {
    Q_OBJECT
public:
    static constexpr int kIntervalMs = 15000;
    static constexpr std::size_t kMaxSamplesPerPod = 24 * 3600 / 15;

    explicit PodMetricsSampler(kube::KubeClient& kube, QObject* parent = nullptr);
    ~PodMetricsSampler() override;

    // Samples `labelSelector`'s pods in `ns` now and every `intervalMs`; starting again starts over.
    void start(const QString& ns, const QString& labelSelector, int intervalMs = kIntervalMs);
    void stop();
    bool isRunning() const { return m_timer.isActive(); }
    // Samples the investigation already has (its `kubectl top` read), so the line starts there.
    void seed(const std::vector<kube::PodMetrics>& metrics);
    // One line per pod (labels {pod}), by pod name.
    std::vector<Series> series() const;

Q_SIGNALS:
    void sampled(int added);
    void sampleFailed(const leakdesk::Error& error);

private:
    void sampleNow();

    kube::KubeClient& m_kube;
    QTimer m_timer;
    QString m_ns;
    QString m_selector;
    std::map<std::string, Series> m_lines;
    std::unique_ptr<QObject> m_context; // the pending read is bound to it
    bool m_reading = false;
};

} // namespace leakdesk::investigation
