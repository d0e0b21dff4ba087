#pragma once
// AnalysisProgress: shared between a running analysis and whoever watches it (the GUI job, the
// CLI). The analysis advances atomic counters in its loops and checks cancelled(); the watcher
// polls fraction() at its own pace, so progress costs the hot loops one relaxed add per chunk.

#include <atomic>
#include <cstdint>

namespace leakdesk::heap {

class AnalysisProgress {
public:
    enum class Stage : int { Idle, Histogram, IndexObjects, BuildGraph, Dominators, RetainedSizes, Paths, Done };

    void startStage(Stage stage, std::uint64_t totalWork)
    {
        m_done.store(0, std::memory_order_relaxed);
        m_total.store(totalWork ? totalWork : 1, std::memory_order_relaxed);
        m_stage.store(int(stage), std::memory_order_release);
    }
    void advance(std::uint64_t work) { m_done.fetch_add(work, std::memory_order_relaxed); }
    Stage stage() const { return Stage(m_stage.load(std::memory_order_acquire)); }
    double fraction() const
    {
        const double t = double(m_total.load(std::memory_order_relaxed));
        const double d = double(m_done.load(std::memory_order_relaxed));
        return d >= t ? 1.0 : d / t;
    }

    void cancel() { m_cancelled.store(true, std::memory_order_relaxed); }
    bool cancelled() const { return m_cancelled.load(std::memory_order_relaxed); }

    // Worker threads to use; 0 means one per hardware thread.
    unsigned threads = 0;

private:
    std::atomic<int> m_stage { int(Stage::Idle) };
    std::atomic<std::uint64_t> m_done { 0 };
    std::atomic<std::uint64_t> m_total { 1 };
    std::atomic<bool> m_cancelled { false };
};

const char* stageName(AnalysisProgress::Stage stage);

} // namespace leakdesk::heap
