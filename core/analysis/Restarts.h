#pragma once
// Restarts of one pod, from two independent witnesses: increases of the restart counter
// (kube_pod_container_status_restarts_total) and sharp drops of the memory series (a restarted
// container starts from a low working set). The two are merged, then the memory series is cut
// into segments, one per container lifetime.

#include "core/common/Series.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace leakdesk::analysis {

struct RestartEvent {
    std::int64_t tMs = 0; // first sample that shows the restart
    std::int64_t previousMs = 0; // last sample before it: the restart happened in (previousMs, tMs]
    int count = 1; // restarts in that interval (a counter can jump by more than 1 between scrapes)
    bool fromCounter = false;
    bool fromMemoryDrop = false;
    double memoryBefore = 0.0; // only meaningful when fromMemoryDrop
    double memoryAfter = 0.0;
};

struct CounterRestarts {
    std::vector<RestartEvent> restarts;
    // Times where the counter went down. Read with Prometheus semantics: a reset, after which the
    // new value counts as increase (the pod was recreated or kube-state-metrics restarted).
    std::vector<std::int64_t> resetsAtMs;
};

// `counter` sorted by time. An increase of k between two samples is k restarts at the later one.
CounterRestarts restartsFromCounter(std::span<const Sample> counter);

// A drop of more than `dropFraction` of the previous value (0.4: to below 60% of it) between two
// consecutive samples. `memory` sorted by time.
std::vector<RestartEvent> restartsFromMemoryDrops(std::span<const Sample> memory, double dropFraction);

// One event per restart: counter increases and memory drops closer than `toleranceMs` are the same
// restart (the exporters scrape at different moments). Memory-drop times win, because segment
// boundaries must fall on the memory series. Result sorted by time.
std::vector<RestartEvent> mergeRestarts(
    const std::vector<RestartEvent>& fromCounter, const std::vector<RestartEvent>& fromDrops, std::int64_t toleranceMs);

// Samples [begin, end) of a memory series between two restarts.
struct Segment {
    std::size_t begin = 0;
    std::size_t end = 0;
    std::int64_t startMs = 0;
    std::int64_t endMs = 0; // time of the last sample in the segment
    bool startsAtRestart = false; // the container's start is known (a restart opens the segment)
    bool endsAtRestart = false; // a restart closes it
    std::size_t size() const { return end - begin; }
};

std::vector<Segment> splitAtRestarts(std::span<const Sample> memory, const std::vector<RestartEvent>& restarts);

// Largest number of restarts inside any window of `windowMs` (sliding), e.g. for the runbook's
// "more than 2 in 1 hour".
int maxRestartsInWindow(const std::vector<RestartEvent>& restarts, std::int64_t windowMs);

} // namespace leakdesk::analysis
