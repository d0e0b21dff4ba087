#include "core/analysis/Restarts.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace leakdesk::analysis {

CounterRestarts restartsFromCounter(std::span<const Sample> counter)
{
    CounterRestarts out;
    for (std::size_t i = 1; i < counter.size(); ++i) {
        const double prev = counter[i - 1].value;
        const double cur = counter[i].value;
        double increase = cur - prev;
        if (cur < prev) {
            out.resetsAtMs.push_back(counter[i].tMs);
            increase = cur;
        }
        const auto k = static_cast<int>(std::llround(increase));
        if (k >= 1) {
            RestartEvent e;
            e.tMs = counter[i].tMs;
            e.previousMs = counter[i - 1].tMs;
            e.count = k;
            e.fromCounter = true;
            out.restarts.push_back(e);
        }
    }
    return out;
}

std::vector<RestartEvent> restartsFromMemoryDrops(std::span<const Sample> memory, double dropFraction)
{
    std::vector<RestartEvent> out;
    for (std::size_t i = 1; i < memory.size(); ++i) {
        const double prev = memory[i - 1].value;
        const double cur = memory[i].value;
        if (prev > 0 && cur < prev * (1.0 - dropFraction)) {
            RestartEvent e;
            e.tMs = memory[i].tMs;
            e.previousMs = memory[i - 1].tMs;
            e.fromMemoryDrop = true;
            e.memoryBefore = prev;
            e.memoryAfter = cur;
            out.push_back(e);
        }
    }
    return out;
}

std::vector<RestartEvent> mergeRestarts(
    const std::vector<RestartEvent>& fromCounter, const std::vector<RestartEvent>& fromDrops, std::int64_t toleranceMs)
{
    std::vector<RestartEvent> merged = fromDrops;
    std::vector<bool> taken(merged.size(), false);
    for (const RestartEvent& c : fromCounter) {
        // The nearest unclaimed drop whose interval is within tolerance of the counter's interval.
        constexpr std::size_t none = static_cast<std::size_t>(-1);
        std::size_t best = none;
        std::int64_t bestDistance = 0;
        for (std::size_t i = 0; i < fromDrops.size(); ++i) {
            if (taken[i])
                continue;
            const RestartEvent& d = fromDrops[i];
            std::int64_t distance = 0;
            if (d.tMs < c.previousMs)
                distance = c.previousMs - d.tMs;
            else if (d.previousMs > c.tMs)
                distance = d.previousMs - c.tMs;
            if (distance <= toleranceMs && (best == none || distance < bestDistance)) {
                best = i;
                bestDistance = distance;
            }
        }
        if (best != none) {
            taken[best] = true;
            merged[best].fromCounter = true;
            merged[best].count = std::max(merged[best].count, c.count);
        } else {
            merged.push_back(c);
        }
    }
    std::sort(merged.begin(), merged.end(), [](const RestartEvent& a, const RestartEvent& b) { return a.tMs < b.tMs; });
    return merged;
}

std::vector<Segment> splitAtRestarts(std::span<const Sample> memory, const std::vector<RestartEvent>& restarts)
{
    std::vector<Segment> segments;
    if (memory.empty())
        return segments;
    std::vector<std::size_t> cuts; // index of the first sample of each new segment
    for (const RestartEvent& r : restarts) {
        auto it = std::lower_bound(
            memory.begin(), memory.end(), r.tMs, [](const Sample& s, std::int64_t t) { return s.tMs < t; });
        const auto idx = static_cast<std::size_t>(it - memory.begin());
        if (idx > 0 && idx < memory.size() && (cuts.empty() || cuts.back() < idx))
            cuts.push_back(idx);
    }
    std::size_t begin = 0;
    bool startsAtRestart = false;
    auto emit = [&](std::size_t end, bool endsAtRestart) {
        Segment s;
        s.begin = begin;
        s.end = end;
        s.startMs = memory[begin].tMs;
        s.endMs = memory[end - 1].tMs;
        s.startsAtRestart = startsAtRestart;
        s.endsAtRestart = endsAtRestart;
        segments.push_back(s);
    };
    for (std::size_t cut : cuts) {
        emit(cut, true);
        begin = cut;
        startsAtRestart = true;
    }
    emit(memory.size(), false);
    return segments;
}

int maxRestartsInWindow(const std::vector<RestartEvent>& restarts, std::int64_t windowMs)
{
    int best = 0;
    int running = 0;
    std::size_t tail = 0;
    for (std::size_t head = 0; head < restarts.size(); ++head) {
        running += restarts[head].count;
        while (restarts[head].tMs - restarts[tail].tMs >= windowMs) {
            running -= restarts[tail].count;
            ++tail;
        }
        best = std::max(best, running);
    }
    return best;
}

} // namespace leakdesk::analysis
