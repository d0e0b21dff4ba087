#include "core/sandbox/model/CatalogueEvaluator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace leakdesk::sandbox {

using prometheus::QueryKind;

namespace {

enum class Aggregation { None, SumByPod, SumByPodContainer, Sum, AvgOfSumByPod, AvgOfSumByPodByContainer };

struct Plan {
    std::string metric;
    std::vector<LabelMatcher> extra;
    Aggregation aggregation = Aggregation::SumByPod;
    bool rate = false; // rate(x[5m])
    std::int64_t offsetMs = 0;
    bool cadvisor = false; // pod and container are read from the profile's cAdvisor labels
};

LabelMatcher eq(const std::string& name, const std::string& value)
{
    return *LabelMatcher::make(name, LabelMatcher::Op::Equal, value);
}
LabelMatcher ne(const std::string& name, const std::string& value)
{
    return *LabelMatcher::make(name, LabelMatcher::Op::NotEqual, value);
}

// The same plans the catalogue's templates spell in PromQL (see QueryCatalogue::templateFor), with
// the names and labels of the spelling that matched.
Plan planFor(QueryKind kind, const prometheus::MetricsProfile& names)
{
    const std::vector<LabelMatcher> realContainers = { ne(names.containerLabel, ""), ne(names.containerLabel, "POD") };
    std::vector<LabelMatcher> memoryLimit;
    if (names.limitsHaveResourceLabel())
        memoryLimit.push_back(eq("resource", "memory"));
    const std::vector<LabelMatcher> heap = { eq(names.jvmAreaLabel, "heap") };
    std::vector<LabelMatcher> requests;
    if (names.requestsFromIstio())
        requests.push_back(eq("reporter", "destination"));
    switch (kind) {
    case QueryKind::MemoryWorkingSet:
        return { names.workingSet, realContainers, Aggregation::SumByPod, false, 0, true };
    case QueryKind::MemoryLimit:
        return { names.limits, memoryLimit, Aggregation::SumByPod };
    case QueryKind::Restarts:
        return { names.restarts, {}, Aggregation::SumByPod };
    case QueryKind::LastTerminatedOom:
        return { names.lastTerminatedReason, { eq("reason", "OOMKilled") }, Aggregation::None };
    case QueryKind::OomEvents:
        return { names.oomEvents, realContainers, Aggregation::SumByPod, false, 0, true };
    case QueryKind::JvmHeapUsed:
        return { names.jvmMemoryUsed, heap, Aggregation::SumByPod };
    case QueryKind::JvmHeapMax:
        return { names.jvmMemoryMax, heap, Aggregation::SumByPod };
    case QueryKind::RequestRate:
        return { names.httpRequests, requests, Aggregation::Sum, true };
    case QueryKind::MemoryPerPodAvg:
        return { names.workingSet, realContainers, Aggregation::AvgOfSumByPod, false, 0, true };
    case QueryKind::MemoryPerPodAvgBaseline:
        return { names.workingSet, realContainers, Aggregation::AvgOfSumByPod, false, 7 * kDayMs, true };
    case QueryKind::MemoryWorkingSetByContainer:
        return { names.workingSet, realContainers, Aggregation::SumByPodContainer, false, 0, true };
    case QueryKind::MemoryLimitByContainer:
        return { names.limits, memoryLimit, Aggregation::SumByPodContainer };
    case QueryKind::MemoryPerPodAvgBaselineByContainer:
        return { names.workingSet, realContainers, Aggregation::AvgOfSumByPodByContainer, false, 7 * kDayMs, true };
    }
    return {};
}

// One series' samples over the grid points a query touches, computed once: with steps shorter than
// the 5 minute window, each sample would otherwise be recomputed by up to 11 windows.
class SampleCache {
public:
    SampleCache(
        const MetricsHistory& history, const RawSeries& series, std::int64_t firstMs, std::int64_t lastMs, bool dense)
        : m_history(history)
        , m_series(series)
        , m_first(MetricsHistory::gridCeil(firstMs))
    {
        if (!dense || lastMs < m_first)
            return;
        const std::int64_t n = (MetricsHistory::gridFloor(lastMs) - m_first) / SandboxModel::kScrapeIntervalMs + 1;
        m_values.reserve(static_cast<std::size_t>(n));
        for (std::int64_t i = 0; i < n; ++i)
            m_values.push_back(history.sampleAt(series, m_first + i * SandboxModel::kScrapeIntervalMs)
                                   .value_or(std::numeric_limits<double>::quiet_NaN()));
    }

    std::optional<double> at(std::int64_t gridMs) const
    {
        const std::int64_t i = (gridMs - m_first) / SandboxModel::kScrapeIntervalMs;
        if (gridMs >= m_first && i < static_cast<std::int64_t>(m_values.size())) {
            const double v = m_values[static_cast<std::size_t>(i)];
            return std::isnan(v) ? std::nullopt : std::optional<double>(v);
        }
        return m_history.sampleAt(m_series, gridMs);
    }

private:
    const MetricsHistory& m_history;
    const RawSeries& m_series;
    std::int64_t m_first;
    std::vector<double> m_values; // NaN: no sample at that scrape
};

} // namespace

CatalogueEvaluator::CatalogueEvaluator(const MetricsHistory& history)
    : m_history(history)
{ }

std::optional<double> CatalogueEvaluator::extrapolatedRate(
    const std::vector<EvalPoint>& samples, std::int64_t rangeStartMs, std::int64_t rangeEndMs)
{
    if (samples.size() < 2)
        return std::nullopt;
    const EvalPoint& first = samples.front();
    const EvalPoint& last = samples.back();
    double result = last.value - first.value;
    double prev = first.value;
    for (std::size_t i = 1; i < samples.size(); ++i) {
        if (samples[i].value < prev)
            result += prev; // counter reset: the counter restarted from zero
        prev = samples[i].value;
    }
    double durationToStart = static_cast<double>(first.tMs - rangeStartMs) / 1000.0;
    const double durationToEnd = static_cast<double>(rangeEndMs - last.tMs) / 1000.0;
    const double sampledInterval = static_cast<double>(last.tMs - first.tMs) / 1000.0;
    const double averageBetween = sampledInterval / static_cast<double>(samples.size() - 1);
    if (result > 0 && first.value >= 0) {
        // A counter cannot go below zero: do not extrapolate further back than where it would hit it.
        const double durationToZero = sampledInterval * (first.value / result);
        durationToStart = std::min(durationToStart, durationToZero);
    }
    const double threshold = averageBetween * 1.1;
    double extrapolateTo = sampledInterval;
    extrapolateTo += durationToStart < threshold ? durationToStart : averageBetween / 2;
    extrapolateTo += durationToEnd < threshold ? durationToEnd : averageBetween / 2;
    const double rangeSeconds = static_cast<double>(rangeEndMs - rangeStartMs) / 1000.0;
    return result * (extrapolateTo / sampledInterval) / rangeSeconds;
}

Status CatalogueEvaluator::checkRange(std::int64_t startMs, std::int64_t endMs, std::int64_t stepMs)
{
    if (stepMs <= 0)
        return makeError(ErrorCode::InvalidArgument,
            "zero or negative query resolution step widths are not accepted. Try a positive integer");
    if (endMs < startMs)
        return makeError(ErrorCode::InvalidArgument, "end timestamp must not be before start time");
    if ((endMs - startMs) / stepMs > kMaxPointsPerSeries)
        return makeError(ErrorCode::InvalidArgument,
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution "
            "(?step=XX)");
    return Ok {};
}

Result<std::vector<EvalSeries>> CatalogueEvaluator::evaluate(const prometheus::MatchedQuery& query,
    std::int64_t startMs, std::int64_t endMs, std::int64_t stepMs, std::int64_t nowMs) const
{
    if (auto checked = checkRange(startMs, endMs, stepMs); !checked)
        return checked.error();

    Plan plan = planFor(query.kind, query.profile);
    // The labels naming pod and container in the raw series; answers always say `pod`/`container`.
    const std::string podLabel = plan.cadvisor ? query.profile.podLabel : "pod";
    const std::string containerLabel = plan.cadvisor ? query.profile.containerLabel : "container";
    std::vector<LabelMatcher> matchers = std::move(plan.extra);
    matchers.push_back(eq("namespace", query.selector.ns));
    auto podMatcher = LabelMatcher::make(podLabel, LabelMatcher::Op::Regex, query.selector.podRegex);
    if (!podMatcher)
        return podMatcher.error();
    matchers.push_back(*podMatcher);
    if (!query.selector.containerRegex.empty()) {
        auto containerMatcher
            = LabelMatcher::make(containerLabel, LabelMatcher::Op::Regex, query.selector.containerRegex);
        if (!containerMatcher)
            return containerMatcher.error();
        matchers.push_back(*containerMatcher);
    }
    const SeriesSelector selector = SeriesSelector::fromMatchers(std::move(matchers));

    std::vector<const RawSeries*> selected;
    for (const RawSeries& s : m_history.series())
        if (s.metric == plan.metric && selector.matches(s.metric, s.labels))
            selected.push_back(&s);

    // Dense caching pays off when the windows of consecutive steps overlap.
    const std::int64_t firstNeeded = startMs - plan.offsetMs - kLookbackMs;
    const std::int64_t lastNeeded = std::min(endMs - plan.offsetMs, nowMs);
    const std::int64_t steps = (endMs - startMs) / stepMs + 1;
    const std::int64_t gridPoints
        = std::max<std::int64_t>(0, (lastNeeded - firstNeeded) / SandboxModel::kScrapeIntervalMs + 1);
    const bool dense = gridPoints <= steps * (kLookbackMs / SandboxModel::kScrapeIntervalMs + 1);
    std::vector<SampleCache> caches;
    caches.reserve(selected.size());
    for (const RawSeries* s : selected)
        caches.emplace_back(m_history, *s, firstNeeded, lastNeeded, dense);

    std::map<Labels, std::vector<EvalPoint>> out;
    std::vector<EvalPoint> window;
    for (std::int64_t t = startMs; t <= endMs; t += stepMs) {
        const std::int64_t at = t - plan.offsetMs;
        std::map<std::string, double> perPod;
        std::map<std::pair<std::string, std::string>, double> perContainer;
        double total = 0;
        bool any = false;
        for (std::size_t si = 0; si < selected.size(); ++si) {
            const RawSeries* s = selected[si];
            const SampleCache& cache = caches[si];
            std::optional<double> v;
            if (plan.rate) {
                window.clear();
                const std::int64_t rangeStart = at - kLookbackMs;
                for (std::int64_t g = MetricsHistory::gridCeil(rangeStart); g <= std::min(at, nowMs);
                     g += SandboxModel::kScrapeIntervalMs) {
                    if (auto sample = cache.at(g))
                        window.push_back({ g, *sample });
                }
                v = extrapolatedRate(window, rangeStart, at);
            } else {
                // Newest sample within the lookback window [t - 5m, t], never one from the future.
                for (std::int64_t g = MetricsHistory::gridFloor(std::min(at, nowMs)); g >= at - kLookbackMs;
                     g -= SandboxModel::kScrapeIntervalMs) {
                    if ((v = cache.at(g)))
                        break;
                }
            }
            if (!v)
                continue;
            switch (plan.aggregation) {
            case Aggregation::None: {
                Labels l = s->labels;
                l["__name__"] = s->metric;
                out[l].push_back({ t, *v });
                break;
            }
            case Aggregation::SumByPod:
            case Aggregation::AvgOfSumByPod:
                perPod[s->labels.at(podLabel)] += *v;
                break;
            case Aggregation::SumByPodContainer:
            case Aggregation::AvgOfSumByPodByContainer: {
                const auto c = s->labels.find(containerLabel);
                perContainer[{ s->labels.at(podLabel), c == s->labels.end() ? std::string() : c->second }] += *v;
                break;
            }
            case Aggregation::Sum:
                total += *v;
                any = true;
                break;
            }
        }
        if (plan.aggregation == Aggregation::SumByPod) {
            for (const auto& [pod, v] : perPod)
                out[Labels { { "pod", pod } }].push_back({ t, v });
        } else if (plan.aggregation == Aggregation::SumByPodContainer) {
            for (const auto& [key, v] : perContainer)
                out[Labels { { "pod", key.first }, { "container", key.second } }].push_back({ t, v });
        } else if (plan.aggregation == Aggregation::AvgOfSumByPodByContainer) {
            std::map<std::string, std::pair<double, int>> perName;
            for (const auto& [key, v] : perContainer) {
                perName[key.second].first += v;
                perName[key.second].second += 1;
            }
            for (const auto& [container, sumCount] : perName)
                out[Labels { { "container", container } }].push_back({ t, sumCount.first / sumCount.second });
        } else if (plan.aggregation == Aggregation::AvgOfSumByPod && !perPod.empty()) {
            double sum = 0;
            for (const auto& [pod, v] : perPod)
                sum += v;
            out[Labels {}].push_back({ t, sum / static_cast<double>(perPod.size()) });
        } else if (plan.aggregation == Aggregation::Sum && any) {
            out[Labels {}].push_back({ t, total });
        }
    }
    std::vector<EvalSeries> result;
    result.reserve(out.size());
    for (auto& [labels, points] : out)
        result.push_back(EvalSeries { labels, std::move(points) });
    return result;
}

std::vector<Labels> CatalogueEvaluator::seriesMatching(
    const std::vector<SeriesSelector>& selectors, std::int64_t startMs, std::int64_t endMs) const
{
    std::vector<Labels> out;
    for (const RawSeries& s : m_history.series()) {
        bool matched = false;
        for (const auto& sel : selectors)
            matched = matched || sel.matches(s.metric, s.labels);
        if (!matched)
            continue;
        bool present = false;
        // Any scrape in range will do; stepping by the scrape interval keeps it exact.
        for (std::int64_t g = MetricsHistory::gridCeil(startMs); g <= endMs && !present;
             g += SandboxModel::kScrapeIntervalMs)
            present = m_history.sampleAt(s, g).has_value();
        if (present) {
            Labels l = s.labels;
            l["__name__"] = s.metric;
            out.push_back(std::move(l));
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace leakdesk::sandbox
