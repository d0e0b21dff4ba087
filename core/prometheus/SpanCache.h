#pragma once
// What was fetched of each range query, per resolution (step), so that changing a chart's range
// asks Prometheus only for what it lacks: going 6h -> 7d -> 6h fetches the 6 hours once, the week
// once (and only the part the finer 6 hours do not cover), and an auto-refresh only the new tail.
// Pure: no I/O, no Qt; the loader (investigation::MemoryHistory) decides what to fetch from it.
//
// A span [start, end] fetched at step S covers every instant in it at resolution S and coarser:
// a finer fetch stands in for a coarser one, never the other way round. assemble() stitches the
// series from the finest resolution that covers each instant.

#include "core/common/Series.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace leakdesk::prometheus {

class SpanCache {
public:
    // A sample costs 16 bytes (plus vector slack): 2,000,000 samples are about 32 MiB. A week at
    // 10 min is ~1,000 samples per series, a day at 1 min ~1,440; the bound is reached only by a
    // long auto-refresh at 15 s over many pods. Beyond it, the least recently used (query, step)
    // entries go first, then the oldest spans of the entry just filled.
    static constexpr std::size_t kDefaultMaxSamples = 2'000'000;

    explicit SpanCache(std::size_t maxSamples = kDefaultMaxSamples);

    // Records the answer of one range query over `span` at `stepMs`: the samples it holds replace
    // what the cache had in [span.startMs, span.endMs] for that query and step (a series absent
    // from the answer had no samples there).
    void insert(const std::string& query, std::int64_t stepMs, TimeRange span, const std::vector<Series>& series);

    // The parts of `want` that no fetch at `stepMs` or finer covers, ascending and disjoint.
    std::vector<TimeRange> missing(const std::string& query, std::int64_t stepMs, TimeRange want) const;

    // The query's series over `want`, each instant from the finest resolution (at most `stepMs`)
    // that covers it; samples ascending. Series are ordered by their labels.
    std::vector<Series> assemble(const std::string& query, std::int64_t stepMs, TimeRange want) const;

    // The spans fetched at exactly `stepMs`, ascending and disjoint (adjacent ones merged).
    std::vector<TimeRange> covered(const std::string& query, std::int64_t stepMs) const;

    std::size_t sampleCount() const { return m_samples; }
    std::size_t maxSamples() const { return m_maxSamples; }
    std::size_t entryCount() const { return m_entries.size(); }
    void clear();

private:
    struct Entry {
        std::vector<TimeRange> spans; // ascending, disjoint, not adjacent within one step
        std::map<Labels, std::vector<Sample>> series;
        mutable std::uint64_t lastUse = 0;
        std::size_t samples = 0;
    };
    using Key = std::pair<std::string, std::int64_t>;

    void evict(const Key& keep);
    void dropOldestSpan(Entry& entry);
    std::vector<std::pair<std::int64_t, const Entry*>> entriesAtOrFiner(
        const std::string& query, std::int64_t stepMs) const;

    std::map<Key, Entry> m_entries;
    std::size_t m_maxSamples;
    std::size_t m_samples = 0;
    mutable std::uint64_t m_useCounter = 0;
};

} // namespace leakdesk::prometheus
