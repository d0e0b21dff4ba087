#include "core/investigation/PodMetricsSampler.h"

#include "core/kube/KubeClient.h"

#include <QDateTime>

namespace leakdesk::investigation {

std::size_t addPodMetricsSamples(std::map<std::string, Series>& lines, const std::vector<kube::PodMetrics>& metrics,
    std::size_t maxSamples, std::int64_t fallbackNowMs)
{
    std::size_t added = 0;
    for (const kube::PodMetrics& m : metrics) {
        if (m.meta.name.empty())
            continue;
        const std::int64_t t = m.timestampMs > 0 ? m.timestampMs : fallbackNowMs;
        Series& line = lines[m.meta.name];
        if (line.labels.empty())
            line.labels["pod"] = m.meta.name;
        if (!line.samples.empty() && line.samples.back().tMs >= t)
            continue;
        line.samples.push_back({ t, static_cast<double>(m.memoryBytes()) });
        ++added;
        if (maxSamples > 0 && line.samples.size() > maxSamples)
            line.samples.erase(line.samples.begin(),
                line.samples.begin() + static_cast<std::ptrdiff_t>(line.samples.size() - maxSamples));
    }
    return added;
}

PodMetricsSampler::PodMetricsSampler(kube::KubeClient& kube, QObject* parent)
    : QObject(parent)
    , m_kube(kube)
{
    qRegisterMetaType<leakdesk::Error>();
    connect(&m_timer, &QTimer::timeout, this, &PodMetricsSampler::sampleNow);
}

PodMetricsSampler::~PodMetricsSampler() = default;

void PodMetricsSampler::start(const QString& ns, const QString& labelSelector, int intervalMs)
{
    stop();
    m_lines.clear();
    m_ns = ns;
    m_selector = labelSelector;
    m_timer.start(intervalMs);
    sampleNow();
}

void PodMetricsSampler::stop()
{
    m_timer.stop();
    m_context.reset();
    m_reading = false;
}

void PodMetricsSampler::seed(const std::vector<kube::PodMetrics>& metrics)
{
    addPodMetricsSamples(m_lines, metrics, kMaxSamplesPerPod, QDateTime::currentMSecsSinceEpoch());
}

std::vector<Series> PodMetricsSampler::series() const
{
    std::vector<Series> out;
    for (const auto& [pod, line] : m_lines)
        out.push_back(line);
    return out;
}

void PodMetricsSampler::sampleNow()
{
    if (m_reading)
        return; // a slow API server never gets reads stacked on it
    m_reading = true;
    m_context = std::make_unique<QObject>();
    m_kube.listPodMetrics(m_ns, m_selector, m_context.get(), [this](Result<kube::ParsedList<kube::PodMetrics>> r) {
        m_reading = false;
        if (!r)
            return Q_EMIT sampleFailed(r.error());
        const std::size_t added
            = addPodMetricsSamples(m_lines, r->items, kMaxSamplesPerPod, QDateTime::currentMSecsSinceEpoch());
        Q_EMIT sampled(static_cast<int>(added));
    });
}

} // namespace leakdesk::investigation
