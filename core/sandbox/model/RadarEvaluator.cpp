#include "core/sandbox/model/RadarEvaluator.h"

#include "core/sandbox/model/SeriesSelector.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <tuple>

namespace leakdesk::sandbox {

using prometheus::RadarQueryKind;

namespace {

constexpr std::int64_t kLookbackMs = CatalogueEvaluator::kLookbackMs;
constexpr std::int64_t kGridMs = SandboxModel::kScrapeIntervalMs;

LabelMatcher matcher(const std::string& name, LabelMatcher::Op op, const std::string& value)
{
    return *LabelMatcher::make(name, op, value);
}

std::string labelOf(const Labels& labels, const std::string& name)
{
    const auto it = labels.find(name);
    return it == labels.end() ? std::string() : it->second;
}

// Neumaier's compensated sum, as Prometheus' kahanSumInc.
void kahanAdd(double inc, double& sum, double& c)
{
    const double t = sum + inc;
    if (std::abs(sum) >= std::abs(inc))
        c += (sum - t) + inc;
    else
        c += (inc - t) + sum;
    sum = t;
}

// The workload a pod belongs to, as the radar's owner expression finds it.
struct Owner {
    std::string kind;
    std::string name;
    bool operator<(const Owner& o) const { return std::tie(kind, name) < std::tie(o.kind, o.name); }
};

// Output key: workload (and container) in one namespace.
struct GroupKey {
    std::string ns, kind, name, container;
    bool operator<(const GroupKey& o) const
    {
        return std::tie(ns, kind, name, container) < std::tie(o.ns, o.kind, o.name, o.container);
    }
};

enum class Aggregate { Max, Avg, Sum, Count };

struct Accumulator {
    double value = 0;
    int count = 0;
    void add(double v, Aggregate a)
    {
        if (count == 0 || a == Aggregate::Sum || a == Aggregate::Avg)
            value = (count == 0) ? v : value + v;
        else if (a == Aggregate::Max)
            value = std::max(value, v);
        ++count;
    }
    double result(Aggregate a) const
    {
        switch (a) {
        case Aggregate::Avg:
            return value / count;
        case Aggregate::Count:
            return count;
        default:
            return value;
        }
    }
};

// One evaluation's view of the raw series: samples computed once per series over the span the
// query touches, the owner series sorted by role.
class Evaluation {
public:
    Evaluation(const MetricsHistory& history, const prometheus::MatchedRadarQuery& query, std::int64_t loMs,
        std::int64_t hiMs, std::int64_t nowMs)
        : m_history(history)
        , m_query(query)
        , m_lo(MetricsHistory::gridCeil(loMs))
        , m_hi(MetricsHistory::gridFloor(std::min(hiMs, nowMs)))
        , m_now(nowMs)
    { }

    std::vector<const RawSeries*> select(const std::string& metric, std::vector<LabelMatcher> matchers) const
    {
        const SeriesSelector selector = SeriesSelector::fromMatchers(std::move(matchers));
        std::vector<const RawSeries*> out;
        for (const RawSeries& s : m_history.series())
            if (s.metric == metric && selector.matches(s.metric, s.labels))
                out.push_back(&s);
        return out;
    }

    std::optional<double> at(const RawSeries& s, std::int64_t gridMs) const
    {
        if (gridMs > m_now)
            return std::nullopt;
        if (gridMs < m_lo || gridMs > m_hi)
            return m_history.sampleAt(s, gridMs);
        auto [it, inserted] = m_dense.try_emplace(&s);
        std::vector<double>& values = it->second;
        if (inserted) {
            const std::int64_t n = m_hi >= m_lo ? (m_hi - m_lo) / kGridMs + 1 : 0;
            values.reserve(static_cast<std::size_t>(n));
            for (std::int64_t i = 0; i < n; ++i)
                values.push_back(
                    m_history.sampleAt(s, m_lo + i * kGridMs).value_or(std::numeric_limits<double>::quiet_NaN()));
        }
        const double v = values[static_cast<std::size_t>((gridMs - m_lo) / kGridMs)];
        return std::isnan(v) ? std::nullopt : std::optional<double>(v);
    }

    // Samples in the closed interval [a, b].
    std::vector<EvalPoint> samples(const RawSeries& s, std::int64_t a, std::int64_t b) const
    {
        std::vector<EvalPoint> out;
        for (std::int64_t g = MetricsHistory::gridCeil(a); g <= std::min(b, m_now); g += kGridMs)
            if (auto v = at(s, g))
                out.push_back({ g, *v });
        return out;
    }

    // The newest sample within the lookback window [t - 5m, t].
    std::optional<double> instant(const RawSeries& s, std::int64_t t) const
    {
        for (std::int64_t g = MetricsHistory::gridFloor(std::min(t, m_now)); g >= t - kLookbackMs; g -= kGridMs)
            if (auto v = at(s, g))
                return v;
        return std::nullopt;
    }

    bool presentIn(const RawSeries& s, std::int64_t a, std::int64_t b) const
    {
        for (std::int64_t g = MetricsHistory::gridCeil(a); g <= std::min(b, m_now); g += kGridMs)
            if (at(s, g))
                return true;
        return false;
    }

    // increase(s[rangeMs]) at t: Prometheus' extrapolated rate times the range.
    std::optional<double> increase(const RawSeries& s, std::int64_t t, std::int64_t rangeMs) const
    {
        const auto rate = CatalogueEvaluator::extrapolatedRate(samples(s, t - rangeMs, t), t - rangeMs, t);
        if (!rate)
            return std::nullopt;
        return *rate * static_cast<double>(rangeMs) / 1000.0;
    }

    const prometheus::MetricsProfile& profile() const { return m_query.profile; }
    const std::string& ns() const { return m_query.params.ns; }

private:
    const MetricsHistory& m_history;
    const prometheus::MatchedRadarQuery& m_query;
    std::int64_t m_lo, m_hi, m_now;
    mutable std::map<const RawSeries*, std::vector<double>> m_dense;
};

// The radar's owner expression for one namespace: pod -> workload for the pods whose owner series
// have a sample within [at - range, at].
class Owners {
public:
    explicit Owners(const Evaluation& e)
        : m_e(e)
    {
        using Op = LabelMatcher::Op;
        const auto in = matcher("namespace", Op::Equal, e.ns());
        m_direct
            = e.select("kube_pod_owner", { in, matcher("owner_kind", Op::NotRegex, "ReplicaSet|Job|<none>|Node") });
        m_viaReplicaSet = e.select("kube_pod_owner", { in, matcher("owner_kind", Op::Equal, "ReplicaSet") });
        m_viaJob = e.select("kube_pod_owner", { in, matcher("owner_kind", Op::Equal, "Job") });
        m_replicaSets = e.select("kube_replicaset_owner", { in, matcher("owner_kind", Op::NotEqual, "<none>") });
        m_cronJobs = e.select("kube_job_owner", { in, matcher("owner_kind", Op::Equal, "CronJob") });
        m_bareJobs = e.select("kube_job_owner", { in, matcher("owner_kind", Op::Equal, "<none>") });
    }

    // Every (pod, workload) pair; an error when a ReplicaSet or Job has two owners (the join's
    // right side then has duplicates, which Prometheus refuses).
    Result<std::set<std::pair<std::string, Owner>>> pairs(std::int64_t at, std::int64_t rangeMs) const
    {
        const std::int64_t from = at - rangeMs;
        std::set<std::pair<std::string, Owner>> out;
        for (const RawSeries* s : m_direct)
            if (m_e.presentIn(*s, from, at))
                out.insert({ labelOf(s->labels, "pod"),
                    { labelOf(s->labels, "owner_kind"), labelOf(s->labels, "owner_name") } });
        auto joined = [&](const std::vector<const RawSeries*>& pods,
                          const std::map<std::string, std::set<Owner>>& owners, const char* what) -> Status {
            for (const RawSeries* s : pods) {
                if (!m_e.presentIn(*s, from, at))
                    continue;
                const auto it = owners.find(labelOf(s->labels, "owner_name"));
                if (it == owners.end())
                    continue;
                if (it->second.size() > 1)
                    return makeError(ErrorCode::InvalidArgument,
                        std::string("found duplicate series for the match group on the right hand-side of the "
                                    "operation: ")
                            + what + " " + it->first + " has several owners");
                out.insert({ labelOf(s->labels, "pod"), *it->second.begin() });
            }
            return Ok {};
        };
        std::map<std::string, std::set<Owner>> replicaSetOwners;
        for (const RawSeries* s : m_replicaSets)
            if (m_e.presentIn(*s, from, at))
                replicaSetOwners[labelOf(s->labels, "replicaset")].insert(
                    { labelOf(s->labels, "owner_kind"), labelOf(s->labels, "owner_name") });
        std::map<std::string, std::set<Owner>> jobOwners;
        for (const RawSeries* s : m_cronJobs)
            if (m_e.presentIn(*s, from, at))
                jobOwners[labelOf(s->labels, "job_name")].insert(
                    { labelOf(s->labels, "owner_kind"), labelOf(s->labels, "owner_name") });
        for (const RawSeries* s : m_bareJobs)
            if (m_e.presentIn(*s, from, at))
                jobOwners[labelOf(s->labels, "job_name")].insert({ "Job", labelOf(s->labels, "job_name") });
        if (auto st = joined(m_viaReplicaSet, replicaSetOwners, "ReplicaSet"); !st)
            return st.error();
        if (auto st = joined(m_viaJob, jobOwners, "Job"); !st)
            return st.error();
        return out;
    }

    // pod -> workload, for the joins: a pod with two workloads is the duplicate Prometheus refuses.
    Result<std::map<std::string, Owner>> byPod(std::int64_t at, std::int64_t rangeMs) const
    {
        auto all = pairs(at, rangeMs);
        if (!all)
            return all.error();
        std::map<std::string, Owner> out;
        for (const auto& [pod, owner] : *all)
            if (!out.emplace(pod, owner).second)
                return makeError(ErrorCode::InvalidArgument,
                    "found duplicate series for the match group on the right hand-side of the operation: pod " + pod
                        + " has several workloads");
        return out;
    }

private:
    const Evaluation& m_e;
    std::vector<const RawSeries*> m_direct, m_viaReplicaSet, m_viaJob, m_replicaSets, m_cronJobs, m_bareJobs;
};

// The per-series value of one radar kind at t (nullopt: no output for that series at t).
using SeriesValue = std::function<std::optional<double>(const RawSeries&, std::int64_t t)>;

struct Plan {
    std::vector<const RawSeries*> series;
    bool cadvisor = false; // pod and container from the profile's cAdvisor labels
    bool byContainer = true;
    Aggregate aggregate = Aggregate::Max;
    std::int64_t ownersOffsetMs = 0;
    SeriesValue value;
};

} // namespace

RadarEvaluator::RadarEvaluator(const MetricsHistory& history)
    : m_history(history)
{ }

RadarEvaluator::Line RadarEvaluator::linearRegression(const std::vector<EvalPoint>& samples, std::int64_t interceptMs)
{
    double n = 0, sumX = 0, cX = 0, sumY = 0, cY = 0, sumXY = 0, cXY = 0, sumX2 = 0, cX2 = 0;
    const double initY = samples.front().value;
    bool constY = true;
    for (std::size_t i = 0; i < samples.size(); ++i) {
        const double y = samples[i].value;
        if (constY && i > 0 && y != initY)
            constY = false;
        n += 1.0;
        const double x = static_cast<double>(samples[i].tMs - interceptMs) / 1e3;
        kahanAdd(x, sumX, cX);
        kahanAdd(y, sumY, cY);
        kahanAdd(x * y, sumXY, cXY);
        kahanAdd(x * x, sumX2, cX2);
    }
    if (constY)
        return { 0.0, initY };
    sumX += cX;
    sumY += cY;
    sumXY += cXY;
    sumX2 += cX2;
    const double covXY = sumXY - sumX * sumY / n;
    const double varX = sumX2 - sumX * sumX / n;
    const double slope = covXY / varX;
    return { slope, sumY / n - slope * sumX / n };
}

double RadarEvaluator::quantile(double q, std::vector<double> values)
{
    if (values.empty())
        return std::numeric_limits<double>::quiet_NaN();
    std::sort(values.begin(), values.end());
    const double n = static_cast<double>(values.size());
    const double rank = q * (n - 1);
    const double lower = std::max(0.0, std::floor(rank));
    const double upper = std::min(n - 1, lower + 1);
    const double weight = rank - std::floor(rank);
    return values[static_cast<std::size_t>(lower)] * (1 - weight) + values[static_cast<std::size_t>(upper)] * weight;
}

Result<std::vector<EvalSeries>> RadarEvaluator::evaluate(const prometheus::MatchedRadarQuery& query,
    std::int64_t startMs, std::int64_t endMs, std::int64_t stepMs, std::int64_t nowMs) const
{
    if (stepMs <= 0)
        return makeError(ErrorCode::InvalidArgument,
            "zero or negative query resolution step widths are not accepted. Try a positive integer");
    if (endMs < startMs)
        return makeError(ErrorCode::InvalidArgument, "end timestamp must not be before start time");
    if ((endMs - startMs) / stepMs > CatalogueEvaluator::kMaxPointsPerSeries)
        return makeError(ErrorCode::InvalidArgument,
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution "
            "(?step=XX)");
    using Op = LabelMatcher::Op;
    const prometheus::RadarQueryParams& params = query.params;
    const prometheus::MetricsProfile& p = query.profile;
    const std::int64_t windowMs = params.windowMs;
    const std::int64_t ownersMs = prometheus::radarOwnerRangeMs(windowMs);
    const bool baseline = query.kind == RadarQueryKind::BaselineSparkline;
    const std::int64_t offsetMs = baseline ? prometheus::kRadarBaselineOffsetMs : 0;
    // Everything a query reads lies within the owners' range (or 24 h) before its times, or the window.
    const std::int64_t reach = std::max({ ownersMs, prometheus::kRadarCountsMs, windowMs }) + kLookbackMs;
    const Evaluation e(m_history, query, startMs - offsetMs - reach, endMs, nowMs);

    std::vector<EvalSeries> result;
    if (query.kind == RadarQueryKind::Namespaces) {
        const auto owners = e.select("kube_pod_owner", {});
        for (std::int64_t t = startMs; t <= endMs; t += stepMs) {
            std::map<std::string, int> perNamespace;
            for (const RawSeries* s : owners)
                if (e.presentIn(*s, t - windowMs, t))
                    ++perNamespace[labelOf(s->labels, "namespace")];
            for (const auto& [ns, count] : perNamespace) {
                auto it = std::find_if(result.begin(), result.end(),
                    [&](const EvalSeries& r) { return labelOf(r.labels, "namespace") == ns; });
                if (it == result.end())
                    it = result.insert(result.end(), EvalSeries { Labels { { "namespace", ns } }, {} });
                it->points.push_back({ t, static_cast<double>(count) });
            }
        }
        return result;
    }

    const Owners owners(e);
    if (query.kind == RadarQueryKind::Workloads) {
        std::map<GroupKey, std::vector<EvalPoint>> out;
        for (std::int64_t t = startMs; t <= endMs; t += stepMs) {
            auto pairs = owners.pairs(t, ownersMs);
            if (!pairs)
                return pairs.error();
            std::map<GroupKey, int> counts;
            for (const auto& [pod, owner] : *pairs)
                ++counts[{ params.ns, owner.kind, owner.name, {} }];
            for (const auto& [key, count] : counts)
                out[key].push_back({ t, static_cast<double>(count) });
        }
        for (auto& [key, points] : out)
            result.push_back(
                { Labels { { "namespace", key.ns }, { "workload_kind", key.kind }, { "workload", key.name } },
                    std::move(points) });
        return result;
    }

    const auto in = matcher("namespace", Op::Equal, params.ns);
    const std::vector<LabelMatcher> realContainers
        = { in, matcher(p.containerLabel, Op::NotEqual, ""), matcher(p.containerLabel, Op::NotEqual, "POD") };
    const auto workingSet = e.select(p.workingSet, realContainers);
    const auto restarts = e.select(p.restarts, { in });
    // The restart counter of a container, by (pod, container), for `unless`/`and on (...)`.
    std::map<std::pair<std::string, std::string>, std::vector<const RawSeries*>> restartsOf;
    for (const RawSeries* s : restarts)
        restartsOf[{ labelOf(s->labels, "pod"), labelOf(s->labels, "container") }].push_back(s);
    auto restartedIn = [&](const std::string& pod, const std::string& container, std::int64_t t, std::int64_t rangeMs) {
        const auto it = restartsOf.find({ pod, container });
        if (it == restartsOf.end())
            return false;
        for (const RawSeries* s : it->second)
            if (const auto inc = e.increase(*s, t, rangeMs); inc && *inc > 0)
                return true;
        return false;
    };
    auto podOf = [&](const RawSeries& s, bool cadvisor) { return labelOf(s.labels, cadvisor ? p.podLabel : "pod"); };
    auto containerOf = [&](const RawSeries& s, bool cadvisor) {
        return labelOf(s.labels, cadvisor ? p.containerLabel : "container");
    };

    Plan plan;
    switch (query.kind) {
    case RadarQueryKind::WorkingSetNow:
        plan = { workingSet, true, true, Aggregate::Max, 0,
            [&](const RawSeries& s, std::int64_t t) { return e.instant(s, t); } };
        break;
    case RadarQueryKind::Level:
        plan = { workingSet, true, true, Aggregate::Max, 0,
            [&](const RawSeries& s, std::int64_t t) -> std::optional<double> {
                const auto points = e.samples(s, t - prometheus::kRadarLevelMs, t);
                if (points.size() < 2)
                    return std::nullopt;
                return linearRegression(points, t).intercept;
            } };
        break;
    case RadarQueryKind::Growth:
        plan = { workingSet, true, true, Aggregate::Avg, 0,
            [&](const RawSeries& s, std::int64_t t) -> std::optional<double> {
                const std::string pod = podOf(s, true);
                const std::string container = containerOf(s, true);
                // The whole window's slope when the container did not restart in it...
                if (!restartedIn(pod, container, t, windowMs)) {
                    const auto points = e.samples(s, t - windowMs, t);
                    if (points.size() >= 2)
                        return linearRegression(points, points.front().tMs).slope;
                }
                // ...else the median of its short slopes that span no restart (the subquery's steps
                // are multiples of its step, from the first at or after t - window).
                const std::int64_t every = prometheus::kRadarShortSlopeEveryMs;
                std::int64_t first = every * ((t - windowMs) / every);
                if (first < t - windowMs)
                    first += every;
                std::vector<double> slopes;
                for (std::int64_t tau = first; tau <= t; tau += every) {
                    if (restartedIn(pod, container, tau, prometheus::kRadarShortSlopeMs))
                        continue;
                    const auto points = e.samples(s, tau - prometheus::kRadarShortSlopeMs, tau);
                    if (points.size() >= 2)
                        slopes.push_back(linearRegression(points, points.front().tMs).slope);
                }
                if (slopes.empty())
                    return std::nullopt;
                return quantile(0.5, std::move(slopes));
            } };
        break;
    case RadarQueryKind::Limit: {
        std::vector<LabelMatcher> limitMatchers { in };
        if (p.limitsHaveResourceLabel())
            limitMatchers.push_back(matcher("resource", Op::Equal, "memory"));
        plan = { e.select(p.limits, limitMatchers), false, true, Aggregate::Max, 0,
            [&](const RawSeries& s, std::int64_t t) { return e.instant(s, t); } };
        break;
    }
    case RadarQueryKind::Restarts24h:
        plan = { restarts, false, true, Aggregate::Sum, 0,
            [&](const RawSeries& s, std::int64_t t) { return e.increase(s, t, prometheus::kRadarCountsMs); } };
        break;
    case RadarQueryKind::OomEvents24h:
        plan = { e.select(p.oomEvents, realContainers), true, true, Aggregate::Sum, 0,
            [&](const RawSeries& s, std::int64_t t) { return e.increase(s, t, prometheus::kRadarCountsMs); } };
        break;
    case RadarQueryKind::OomTerminated24h:
        plan = { e.select(p.lastTerminatedReason, { in, matcher("reason", Op::Equal, "OOMKilled") }), false, true,
            Aggregate::Count, 0, [&](const RawSeries& s, std::int64_t t) -> std::optional<double> {
                const auto points = e.samples(s, t - prometheus::kRadarCountsMs, t);
                if (points.empty())
                    return std::nullopt;
                double highest = points.front().value;
                for (const EvalPoint& point : points)
                    highest = std::max(highest, point.value);
                if (!(highest > 0)
                    || !restartedIn(podOf(s, false), containerOf(s, false), t, prometheus::kRadarCountsMs))
                    return std::nullopt;
                return highest;
            } };
        break;
    case RadarQueryKind::Sparkline:
    case RadarQueryKind::BaselineSparkline:
        plan = { workingSet, true, true, Aggregate::Avg, offsetMs,
            [&, offsetMs](const RawSeries& s, std::int64_t t) -> std::optional<double> {
                const auto points = e.samples(s, t - offsetMs - params.stepMs, t - offsetMs);
                if (points.empty())
                    return std::nullopt;
                double sum = 0;
                for (const EvalPoint& point : points)
                    sum += point.value;
                return sum / static_cast<double>(points.size());
            } };
        break;
    case RadarQueryKind::Traffic: {
        std::vector<LabelMatcher> requestMatchers { in };
        if (p.requestsFromIstio())
            requestMatchers.push_back(matcher("reporter", Op::Equal, "destination"));
        plan = { e.select(p.httpRequests, requestMatchers), false, false, Aggregate::Sum, 0,
            [&](const RawSeries& s, std::int64_t t) -> std::optional<double> {
                return CatalogueEvaluator::extrapolatedRate(e.samples(s, t - kLookbackMs, t), t - kLookbackMs, t);
            } };
        break;
    }
    default:
        return makeError(ErrorCode::InvalidArgument, "not a radar query the sandbox evaluates");
    }

    std::map<GroupKey, std::vector<EvalPoint>> out;
    for (std::int64_t t = startMs; t <= endMs; t += stepMs) {
        auto podOwners = owners.byPod(t - plan.ownersOffsetMs, ownersMs);
        if (!podOwners)
            return podOwners.error();
        std::map<GroupKey, Accumulator> groups;
        for (const RawSeries* s : plan.series) {
            const auto owner = podOwners->find(podOf(*s, plan.cadvisor));
            if (owner == podOwners->end())
                continue;
            const auto v = plan.value(*s, t);
            if (!v)
                continue;
            const GroupKey key { params.ns, owner->second.kind, owner->second.name,
                plan.byContainer ? containerOf(*s, plan.cadvisor) : std::string() };
            groups[key].add(*v, plan.aggregate);
        }
        for (const auto& [key, acc] : groups)
            out[key].push_back({ t, acc.result(plan.aggregate) });
    }
    for (auto& [key, points] : out) {
        Labels labels { { "namespace", key.ns }, { "workload_kind", key.kind }, { "workload", key.name } };
        if (plan.byContainer)
            labels["container"] = key.container;
        result.push_back({ std::move(labels), std::move(points) });
    }
    return result;
}

} // namespace leakdesk::sandbox
