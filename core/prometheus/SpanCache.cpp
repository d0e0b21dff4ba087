#include "core/prometheus/SpanCache.h"

#include <algorithm>

namespace leakdesk::prometheus {

namespace {

// Closed intervals in ms: [a, b] and [b + 1, c] leave no instant between them.
std::vector<TimeRange> subtract(const std::vector<TimeRange>& from, const std::vector<TimeRange>& cover)
{
    std::vector<TimeRange> out;
    for (TimeRange rest : from) {
        for (const TimeRange& c : cover) {
            if (c.endMs < rest.startMs || c.startMs > rest.endMs)
                continue;
            if (c.startMs > rest.startMs)
                out.push_back({ rest.startMs, c.startMs - 1 });
            rest.startMs = c.endMs + 1;
            if (rest.startMs > rest.endMs)
                break;
        }
        if (rest.startMs <= rest.endMs)
            out.push_back(rest);
    }
    return out;
}

std::vector<TimeRange> unite(std::vector<TimeRange> spans, std::int64_t joinGapMs)
{
    std::sort(spans.begin(), spans.end(), [](const TimeRange& a, const TimeRange& b) { return a.startMs < b.startMs; });
    std::vector<TimeRange> out;
    for (const TimeRange& s : spans) {
        if (!out.empty() && s.startMs <= out.back().endMs + joinGapMs)
            out.back().endMs = std::max(out.back().endMs, s.endMs);
        else
            out.push_back(s);
    }
    return out;
}

bool inside(const std::vector<TimeRange>& spans, std::int64_t t)
{
    auto it = std::upper_bound(
        spans.begin(), spans.end(), t, [](std::int64_t v, const TimeRange& s) { return v < s.startMs; });
    return it != spans.begin() && std::prev(it)->endMs >= t;
}

} // namespace

SpanCache::SpanCache(std::size_t maxSamples)
    : m_maxSamples(std::max<std::size_t>(maxSamples, 1))
{ }

void SpanCache::clear()
{
    m_entries.clear();
    m_samples = 0;
}

void SpanCache::insert(const std::string& query, std::int64_t stepMs, TimeRange span, const std::vector<Series>& series)
{
    if (stepMs <= 0 || span.endMs < span.startMs)
        return;
    const Key key { query, stepMs };
    Entry& entry = m_entries[key];
    entry.lastUse = ++m_useCounter;
    const auto within = [&](const Sample& s) { return s.tMs >= span.startMs && s.tMs <= span.endMs; };
    // What the answer says about the span replaces what the cache held there.
    for (auto it = entry.series.begin(); it != entry.series.end();) {
        auto& samples = it->second;
        const auto before = samples.size();
        samples.erase(std::remove_if(samples.begin(), samples.end(), within), samples.end());
        entry.samples -= before - samples.size();
        m_samples -= before - samples.size();
        it = samples.empty() ? entry.series.erase(it) : std::next(it);
    }
    for (const Series& s : series) {
        std::vector<Sample> fresh;
        std::copy_if(s.samples.begin(), s.samples.end(), std::back_inserter(fresh), within);
        if (fresh.empty())
            continue;
        std::vector<Sample>& samples = entry.series[s.labels];
        const auto at = std::lower_bound(
            samples.begin(), samples.end(), span.startMs, [](const Sample& x, std::int64_t t) { return x.tMs < t; });
        samples.insert(at, fresh.begin(), fresh.end());
        entry.samples += fresh.size();
        m_samples += fresh.size();
    }
    entry.spans.push_back(span);
    // Spans one step apart leave no evaluation instant between them: one span.
    entry.spans = unite(std::move(entry.spans), stepMs);
    evict(key);
}

void SpanCache::dropOldestSpan(Entry& entry)
{
    // Keep the newer half of the oldest span (or drop it whole when others remain): the newest
    // data is what a chart ending "now" shows.
    TimeRange& oldest = entry.spans.front();
    const std::int64_t cut = entry.spans.size() > 1
        ? oldest.endMs + 1
        : oldest.startMs + std::max<std::int64_t>(oldest.durationMs() / 2, 1);
    for (auto it = entry.series.begin(); it != entry.series.end();) {
        auto& samples = it->second;
        const auto keepFrom = std::lower_bound(
            samples.begin(), samples.end(), cut, [](const Sample& x, std::int64_t t) { return x.tMs < t; });
        const auto dropped = static_cast<std::size_t>(keepFrom - samples.begin());
        samples.erase(samples.begin(), keepFrom);
        entry.samples -= dropped;
        m_samples -= dropped;
        it = samples.empty() ? entry.series.erase(it) : std::next(it);
    }
    if (entry.spans.size() > 1 || cut > oldest.endMs)
        entry.spans.erase(entry.spans.begin());
    else
        oldest.startMs = cut;
}

void SpanCache::evict(const Key& keep)
{
    while (m_samples > m_maxSamples) {
        auto victim = m_entries.end();
        for (auto it = m_entries.begin(); it != m_entries.end(); ++it)
            if (it->first != keep && (victim == m_entries.end() || it->second.lastUse < victim->second.lastUse))
                victim = it;
        if (victim != m_entries.end()) {
            m_samples -= victim->second.samples;
            m_entries.erase(victim);
            continue;
        }
        Entry& entry = m_entries.at(keep);
        if (entry.spans.empty())
            break;
        dropOldestSpan(entry);
    }
}

std::vector<std::pair<std::int64_t, const SpanCache::Entry*>> SpanCache::entriesAtOrFiner(
    const std::string& query, std::int64_t stepMs) const
{
    std::vector<std::pair<std::int64_t, const Entry*>> out; // finest first
    for (auto it = m_entries.lower_bound({ query, 0 }); it != m_entries.end() && it->first.first == query; ++it) {
        if (it->first.second > stepMs)
            break;
        it->second.lastUse = ++m_useCounter;
        out.emplace_back(it->first.second, &it->second);
    }
    return out;
}

std::vector<TimeRange> SpanCache::missing(const std::string& query, std::int64_t stepMs, TimeRange want) const
{
    if (want.endMs < want.startMs)
        return {};
    std::vector<TimeRange> gaps { want };
    for (const auto& [step, entry] : entriesAtOrFiner(query, stepMs))
        gaps = subtract(gaps, entry->spans);
    return gaps;
}

std::vector<Series> SpanCache::assemble(const std::string& query, std::int64_t stepMs, TimeRange want) const
{
    std::map<Labels, std::vector<Sample>> out;
    std::vector<TimeRange> taken; // instants a finer resolution already answered
    for (const auto& [step, entry] : entriesAtOrFiner(query, stepMs)) {
        const std::vector<TimeRange> usable = subtract({ want }, taken);
        for (const auto& [labels, samples] : entry->series) {
            auto first = std::lower_bound(samples.begin(), samples.end(), want.startMs,
                [](const Sample& x, std::int64_t t) { return x.tMs < t; });
            for (auto it = first; it != samples.end() && it->tMs <= want.endMs; ++it)
                if (inside(usable, it->tMs))
                    out[labels].push_back(*it);
        }
        taken.insert(taken.end(), entry->spans.begin(), entry->spans.end());
        taken = unite(std::move(taken), 0);
    }
    std::vector<Series> result;
    result.reserve(out.size());
    for (auto& [labels, samples] : out) {
        std::sort(samples.begin(), samples.end(), [](const Sample& a, const Sample& b) { return a.tMs < b.tMs; });
        result.push_back({ labels, std::move(samples) });
    }
    return result;
}

std::vector<TimeRange> SpanCache::covered(const std::string& query, std::int64_t stepMs) const
{
    auto it = m_entries.find({ query, stepMs });
    return it == m_entries.end() ? std::vector<TimeRange> {} : it->second.spans;
}

} // namespace leakdesk::prometheus
