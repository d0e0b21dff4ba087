#include "core/analysis/MemoryAnalysis.h"

#include "core/analysis/SeriesStats.h"
#include "core/common/Quantity.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

namespace leakdesk::analysis {

const char* patternName(Pattern pattern)
{
    switch (pattern) {
    case Pattern::Sawtooth:
        return "sawtooth";
    case Pattern::SteadyGrowth:
        return "steady-growth";
    case Pattern::Stable:
        return "stable";
    case Pattern::InsufficientData:
        return "insufficient-data";
    case Pattern::Unknown:
        return "unknown";
    case Pattern::FollowsTraffic:
        return "follows-traffic";
    case Pattern::SlowWarmUp:
        return "slow-warm-up";
    }
    return "insufficient-data";
}

namespace {

// How tight (1 - band width / 2|slope|) the growing pods' slopes must be to call a tie of growing
// and flat pods growth: 0.5 means the 99 % band spans less than the slope itself.
constexpr double kTieBreakTightness = 0.5;

// Confidence kept per piece of evidence that speaks against the pattern.
constexpr double kKeptPerContradiction = 0.7;

std::string duration(std::int64_t ms)
{
    char buf[48];
    const double minutes = static_cast<double>(ms) / 60000.0;
    if (minutes < 1.0)
        std::snprintf(buf, sizeof buf, "%.0f s", static_cast<double>(ms) / 1000.0);
    else if (minutes < 120.0)
        std::snprintf(buf, sizeof buf, "%.0f min", minutes);
    else if (minutes < 48 * 60.0)
        std::snprintf(buf, sizeof buf, "%.1f h", minutes / 60.0);
    else
        std::snprintf(buf, sizeof buf, "%.1f days", minutes / 1440.0);
    return buf;
}

std::string percent(double fraction, bool sign = false)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, sign ? "%+.1f%%" : "%.1f%%", fraction * 100.0);
    return buf;
}

std::string number(double v, const char* fmt = "%.2f")
{
    char buf[48];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
}

std::string slopeWithBand(const SlopeEstimate& s)
{
    return formatBytes(s.slopePerHour) + "/h (" + number(s.confidenceLevel * 100, "%.0f") + "% band "
        + formatBytes(s.lowPerHour) + " .. " + formatBytes(s.highPerHour) + "/h)";
}

std::string joinSources(const std::string& a, const std::string& b)
{
    if (a.empty())
        return b;
    if (b.empty())
        return a;
    return a + " ; " + b;
}

Evidence makeEvidence(std::string topic, std::string pod, std::string sentence, std::vector<EvidenceNumber> numbers,
    TimeRange window, std::string source)
{
    return Evidence { std::move(topic), std::move(pod), std::move(sentence), std::move(numbers), window,
        std::move(source) };
}

class ServiceAnalysis {
public:
    ServiceAnalysis(const MemoryInputs& in, const AnalysisParams& p)
        : m_in(in)
        , m_p(p)
    { }

    Verdict run();

private:
    PodAnalysis analysePod(const PodMemoryInput& input);
    void addPodEvidence(const PodAnalysis& pa, const PodMemoryInput& input);
    void decidePattern();
    void decideGrowth(const std::vector<const PodAnalysis*>& growing, std::size_t judgedCount, double growthConfidence);
    // Whether the request rate explains most of `pods`' memory (explainWithTraffic), with memory
    // growing no faster than the traffic over the window.
    bool trafficExplainsGrowth(const std::vector<const PodAnalysis*>& pods) const;
    struct WeekTrend {
        SlopeEstimate slope;
        double partSlopes[3] = { 0, 0, 0 };
        std::int64_t spanMs = 0;
    };
    // The week's per-pod average grows in each third, its band above zero; nullopt otherwise.
    std::optional<WeekTrend> weekTrend() const;
    void compareBaselineAndTraffic();
    void contradict(std::string topic, std::string reason);
    void applyContradictions();
    void addServiceEvidence();
    TimeRange serviceWindow() const;

    const MemoryInputs& m_in;
    const AnalysisParams& m_p;
    Verdict m_v;
    std::vector<std::vector<Sample>> m_memory; // cleaned, per pod (same order as m_v.pods)
    double m_serviceLevel = 0.0; // typical memory of one pod, for relative comparisons
    std::optional<SlopeEstimate> m_serviceSlope;
};

TimeRange ServiceAnalysis::serviceWindow() const
{
    if (m_in.window.endMs > m_in.window.startMs)
        return m_in.window;
    TimeRange r { 0, 0 };
    bool first = true;
    for (const PodAnalysis& pa : m_v.pods) {
        if (pa.points == 0)
            continue;
        r.startMs = first ? pa.covered.startMs : std::min(r.startMs, pa.covered.startMs);
        r.endMs = first ? pa.covered.endMs : std::max(r.endMs, pa.covered.endMs);
        first = false;
    }
    return r;
}

PodAnalysis ServiceAnalysis::analysePod(const PodMemoryInput& input)
{
    PodAnalysis pa;
    pa.pod = input.pod;
    m_memory.push_back(cleanSamples(input.memory, m_in.window));
    const std::vector<Sample>& mem = m_memory.back();
    pa.points = mem.size();
    if (mem.empty())
        return pa;
    pa.covered = TimeRange { mem.front().tMs, mem.back().tMs };
    pa.evaluable = mem.size() >= m_p.minPodPoints && pa.covered.durationMs() >= m_p.minPodSpanMs;
    pa.gaps = findGaps(mem, m_p.minGapMs);

    const std::vector<Sample> counter = cleanSamples(input.restartCounter, m_in.window);
    CounterRestarts fromCounter = restartsFromCounter(counter);
    pa.counterResetsMs = std::move(fromCounter.resetsAtMs);
    const auto drops = restartsFromMemoryDrops(mem, m_p.restartDropFraction);
    pa.restarts = mergeRestarts(fromCounter.restarts, drops, m_p.restartMatchToleranceMs);
    // A memory drop the restart counter covers without moving is no restart: garbage collection,
    // caches released. Only without a counter do memory drops stand in for restarts.
    if (!counter.empty()) {
        const auto before = pa.restarts.size();
        std::erase_if(pa.restarts, [&](const RestartEvent& r) {
            return r.fromMemoryDrop && !r.fromCounter && counter.front().tMs <= r.previousMs
                && counter.back().tMs >= r.tMs;
        });
        pa.unconfirmedDrops = static_cast<int>(before - pa.restarts.size());
    }
    pa.maxRestartsPerOomWindow = maxRestartsInWindow(pa.restarts, m_p.oomWindowMs);
    pa.segments = splitAtRestarts(mem, pa.restarts);

    // A series that begins well after the window opens belongs to a pod started inside it, so
    // its first lifetime has a known start (and a warm-up to skip) too.
    const std::int64_t startSlack = std::max<std::int64_t>(2 * medianIntervalMs(mem), 2 * 60 * 1000);
    const bool firstStartKnown
        = m_in.window.endMs > m_in.window.startMs && mem.front().tMs > m_in.window.startMs + startSlack;

    StabilityParams sp = m_p.stability;
    sp.slope = m_p.slope;
    std::int64_t longestJudged = -1;
    std::size_t judgedIndex = 0;
    for (std::size_t i = 0; i < pa.segments.size(); ++i) {
        const Segment& seg = pa.segments[i];
        const bool startKnown = seg.startsAtRestart || (i == 0 && firstStartKnown);
        auto part = std::span<const Sample>(mem).subspan(seg.begin, seg.size());
        pa.stability.push_back(assessStability(part, startKnown, sp));
        StabilityAssessment& a = pa.stability.back();
        if (startKnown && a.trend != Trend::NotEnoughData) {
            // Took longer than the warm-up, then stayed flat: a slow warm-up, not growth.
            if (const auto late = findLateLevellingOff(part, sp)) {
                a.levelledOffAfterMs = late->afterMs;
                a.trend = Trend::Flat;
                a.slope = late->tail;
                a.level = late->levelBytes;
                a.reason = "levelled off " + duration(late->afterMs) + " after start (later than the "
                    + duration(sp.warmUpMs) + " warm-up), flat since at " + formatBytes(late->levelBytes);
                if (!pa.lateLevelling || late->afterMs > pa.lateLevelling->afterMs)
                    pa.lateLevelling = late;
            }
        }
        if (a.trend != Trend::NotEnoughData && a.assessedToMs - a.assessedFromMs > longestJudged) {
            longestJudged = a.assessedToMs - a.assessedFromMs;
            judgedIndex = i;
        }
    }

    SawtoothParams sawParams = m_p.sawtooth;
    sawParams.slope = m_p.slope;
    pa.sawtooth = detectSawtooth(mem, pa.segments, sawParams);

    if (!pa.evaluable)
        return pa;

    if (longestJudged >= 0) {
        StabilityAssessment& a = pa.stability[judgedIndex];
        if (a.trend == Trend::Growing) {
            // One jump between two flat levels is a step (a cache loaded), not a leak.
            const auto seg = pa.segments[judgedIndex];
            const auto judged = cleanSamples(std::span<const Sample>(mem).subspan(seg.begin, seg.size()),
                TimeRange { a.assessedFromMs, a.assessedToMs });
            if (const auto step = findUpwardStep(judged, sp)) {
                pa.step = step;
                a.trend = Trend::Flat;
                a.slope = step->after;
                a.level = step->afterBytes;
                a.reason = "one step of " + formatBytes(step->stepBytes()) + " (" + formatBytes(step->beforeBytes)
                    + " to " + formatBytes(step->afterBytes) + "), flat before and after";
            }
        }
        pa.growth = a.slope;
        pa.growthLevel = a.level;
        pa.trend = a.trend;
    }

    // Time to limit: between restarts a sawtooth grows at its cycle slope even right after a
    // restart (when the current lifetime is still too short to judge on its own).
    const double current = mem.back().value;
    if (!pa.sawtooth.cycles.empty()) {
        pa.projection = projectTimeToLimit(current, mem.back().tMs, pa.sawtooth.growthPerHour, true, input.limitBytes);
    } else if (pa.growth) {
        pa.projection = projectTimeToLimit(
            current, mem.back().tMs, pa.growth->slopePerHour, pa.trend == Trend::Growing, input.limitBytes);
    } else {
        pa.projection = projectTimeToLimit(current, mem.back().tMs, 0.0, false, input.limitBytes);
    }

    if (!input.jvmHeapUsed.empty()) {
        // Compare within one container lifetime: both series restart together.
        const std::size_t idx = longestJudged >= 0 ? judgedIndex : pa.segments.size() - 1;
        const StabilityAssessment& a = pa.stability[idx];
        const TimeRange part { a.assessedFromMs, a.assessedToMs };
        const auto container = cleanSamples(mem, part);
        const auto heap = cleanSamples(input.jvmHeapUsed, part);
        pa.heapVsContainer = compareHeapWithContainer(container, heap, m_p.stability.flatFractionPerHour, m_p.slope);
    }
    return pa;
}

void ServiceAnalysis::addPodEvidence(const PodAnalysis& pa, const PodMemoryInput& input)
{
    auto& ev = m_v.evidence;
    const std::string& memSrc = m_in.sources.memory;
    if (!pa.evaluable) {
        ev.push_back(makeEvidence("data", pa.pod,
            "Not enough data for pod " + pa.pod + ": " + std::to_string(pa.points) + " samples over "
                + duration(pa.covered.durationMs()) + " (need at least " + std::to_string(m_p.minPodPoints) + " over "
                + duration(m_p.minPodSpanMs) + ").",
            { { "samples", static_cast<double>(pa.points), "count" },
                { "span", static_cast<double>(pa.covered.durationMs()), "ms" } },
            pa.covered, memSrc));
    }
    if (!pa.gaps.empty()) {
        std::int64_t longest = 0;
        for (const TimeRange& g : pa.gaps)
            longest = std::max(longest, g.durationMs());
        ev.push_back(makeEvidence("data", pa.pod,
            "Pod " + pa.pod + " has " + std::to_string(pa.gaps.size()) + " gap(s) without samples (longest "
                + duration(longest) + "); slopes use the samples that exist.",
            { { "gaps", static_cast<double>(pa.gaps.size()), "count" },
                { "longest_gap", static_cast<double>(longest), "ms" } },
            pa.covered, memSrc));
    }
    if (!pa.counterResetsMs.empty()) {
        ev.push_back(makeEvidence("data", pa.pod,
            "The restart counter of pod " + pa.pod + " went down " + std::to_string(pa.counterResetsMs.size())
                + " time(s); read as a counter reset (its new value counts as restarts), not as negative restarts.",
            { { "counter_resets", static_cast<double>(pa.counterResetsMs.size()), "count" } }, pa.covered,
            m_in.sources.restarts));
    }
    if (!pa.restarts.empty()) {
        int total = 0, counted = 0, dropped = 0;
        for (const RestartEvent& r : pa.restarts) {
            total += r.count;
            counted += r.fromCounter ? r.count : 0;
            dropped += r.fromMemoryDrop ? 1 : 0;
        }
        ev.push_back(makeEvidence("restarts", pa.pod,
            "Pod " + pa.pod + " restarted " + std::to_string(total) + " time(s) in the window ("
                + std::to_string(counted) + " seen by the restart counter, " + std::to_string(dropped)
                + " as memory drops of more than " + percent(m_p.restartDropFraction) + ").",
            { { "restarts", static_cast<double>(total), "count" },
                { "from_counter", static_cast<double>(counted), "count" },
                { "from_memory_drops", static_cast<double>(dropped), "count" } },
            pa.covered, joinSources(m_in.sources.restarts, memSrc)));
        ev.push_back(makeEvidence("oom-rate", pa.pod,
            "Up to " + std::to_string(pa.maxRestartsPerOomWindow) + " restart(s) of pod " + pa.pod + " within "
                + duration(m_p.oomWindowMs) + "; the service's pods together: up to "
                + std::to_string(m_v.serviceMaxRestartsPerOomWindow) + " (runbook: more than "
                + std::to_string(m_p.oomMaxCount) + " in " + duration(m_p.oomWindowMs) + " confirms an active leak).",
            { { "max_restarts_per_window", static_cast<double>(pa.maxRestartsPerOomWindow), "count" },
                { "service_max_restarts_per_window", static_cast<double>(m_v.serviceMaxRestartsPerOomWindow), "count" },
                { "threshold", static_cast<double>(m_p.oomMaxCount), "count" },
                { "window", static_cast<double>(m_p.oomWindowMs), "ms" } },
            pa.covered, joinSources(m_in.sources.restarts, memSrc)));
    }
    if (pa.unconfirmedDrops > 0) {
        ev.push_back(makeEvidence("restarts", pa.pod,
            "Memory of pod " + pa.pod + " dropped sharply " + std::to_string(pa.unconfirmedDrops)
                + " time(s) while its restart counter stayed put: garbage collection or released caches, not "
                  "restarts (not counted as sawtooth drops).",
            { { "unconfirmed_drops", static_cast<double>(pa.unconfirmedDrops), "count" } }, pa.covered,
            joinSources(m_in.sources.restarts, memSrc)));
    }
    if (!pa.evaluable)
        return;
    if (pa.lateLevelling) {
        const LevellingOff& l = *pa.lateLevelling;
        ev.push_back(makeEvidence("stabilisation", pa.pod,
            "Pod " + pa.pod + " warmed up slowly: memory rose another " + formatBytes(l.riseBytes) + " after the "
                + duration(m_p.stability.warmUpMs) + " warm-up and levelled off " + duration(l.afterMs)
                + " after start (runbook: within " + duration(m_p.stability.warmUpMs) + "), flat since at "
                + formatBytes(l.levelBytes) + " (" + formatBytes(l.tail.slopePerHour) + "/h).",
            { { "levelled_off_after", static_cast<double>(l.afterMs), "ms" },
                { "warm_up", static_cast<double>(m_p.stability.warmUpMs), "ms" },
                { "rise_after_warm_up", l.riseBytes, "bytes" }, { "level", l.levelBytes, "bytes" },
                { "tail_slope", l.tail.slopePerHour, "bytes/hour" } },
            TimeRange { l.atMs, l.tail.lastMs }, memSrc));
    }
    if (pa.step) {
        const StepChange& st = *pa.step;
        ev.push_back(makeEvidence("step", pa.pod,
            "Memory of pod " + pa.pod + " stepped up once by " + formatBytes(st.stepBytes()) + " ("
                + formatBytes(st.beforeBytes) + " to " + formatBytes(st.afterBytes)
                + ") and is flat before and after the step: a level change, not a leak.",
            // The step's time is the window's start.
            { { "before", st.beforeBytes, "bytes" }, { "after", st.afterBytes, "bytes" },
                { "step", st.stepBytes(), "bytes" }, { "noise", st.noiseBytes, "bytes" } },
            TimeRange { st.atMs, st.after.lastMs }, memSrc));
    }

    int judged = 0, flat = 0;
    const StabilityAssessment* firstUnstable = nullptr;
    for (const StabilityAssessment& a : pa.stability) {
        if (a.trend == Trend::NotEnoughData)
            continue;
        ++judged;
        if (a.stable())
            ++flat;
        else if (!firstUnstable)
            firstUnstable = &a;
    }
    if (judged > 0) {
        // "flat in 0 of 8" read as if the pod were flat; say plainly how many level off.
        const std::string lifetimes = std::to_string(judged) + " container lifetime(s) judged";
        const std::string howMany = flat == 0 ? "in none of the " + lifetimes
            : flat == judged                  ? "in all " + lifetimes
                                              : "in " + std::to_string(flat) + " of " + lifetimes;
        std::string sentence = "Memory of pod " + pa.pod + " levels off " + howMany + " (after a "
            + duration(m_p.stability.warmUpMs) + " warm-up where the start is in the window)";
        sentence += firstUnstable ? "; one is " + firstUnstable->reason + "." : ".";
        ev.push_back(makeEvidence("stabilisation", pa.pod, sentence,
            { { "lifetimes_judged", static_cast<double>(judged), "count" },
                { "lifetimes_flat", static_cast<double>(flat), "count" },
                { "warm_up", static_cast<double>(m_p.stability.warmUpMs), "ms" } },
            pa.covered, memSrc));
    }
    if (pa.growth) {
        const char* verb = pa.trend == Trend::Growing ? "is growing at "
            : pa.trend == Trend::Shrinking            ? "is shrinking at "
                                                      : "is flat: ";
        ev.push_back(makeEvidence("growth", pa.pod,
            "Memory of pod " + pa.pod + " " + verb + slopeWithBand(*pa.growth) + " at about "
                + formatBytes(pa.growthLevel) + ".",
            { { "slope", pa.growth->slopePerHour, "bytes/hour" }, { "slope_low", pa.growth->lowPerHour, "bytes/hour" },
                { "slope_high", pa.growth->highPerHour, "bytes/hour" }, { "level", pa.growthLevel, "bytes" } },
            TimeRange { pa.growth->firstMs, pa.growth->lastMs }, memSrc));
    }
    if (pa.projection) {
        const LimitProjection& p = *pa.projection;
        std::string sentence;
        std::vector<EvidenceNumber> nums { { "current", p.currentBytes, "bytes" } };
        if (p.limitBytes)
            nums.push_back({ "limit", *p.limitBytes, "bytes" });
        switch (p.state) {
        case ProjectionState::NoLimit:
            sentence = "Pod " + pa.pod + " has no known memory limit, so no time-to-limit projection.";
            break;
        case ProjectionState::AtOrAboveLimit:
            sentence = "Pod " + pa.pod + " is at its memory limit (" + formatBytes(p.currentBytes) + " of "
                + formatBytes(*p.limitBytes) + ").";
            break;
        case ProjectionState::NotGrowing:
            sentence = "Pod " + pa.pod + " is not growing, so it is not heading for its " + formatBytes(*p.limitBytes)
                + " limit (now " + formatBytes(p.currentBytes) + ").";
            break;
        case ProjectionState::Projected:
            sentence = "At " + formatBytes(p.slopePerHour) + "/h pod " + pa.pod + " reaches its "
                + formatBytes(*p.limitBytes) + " limit in about "
                + duration(static_cast<std::int64_t>(*p.hoursToLimit * 3.6e6)) + " (now " + formatBytes(p.currentBytes)
                + ").";
            nums.push_back({ "slope", p.slopePerHour, "bytes/hour" });
            nums.push_back({ "time_to_limit", *p.hoursToLimit * 3.6e6, "ms" });
            break;
        }
        ev.push_back(makeEvidence(
            "projection", pa.pod, sentence, std::move(nums), pa.covered, joinSources(memSrc, m_in.sources.limits)));
    }
    if (pa.heapVsContainer) {
        const HeapVsContainer& h = *pa.heapVsContainer;
        std::string sentence = "Pod " + pa.pod + ": container memory " + trendName(h.containerTrend) + " ("
            + formatBytes(h.container.slopePerHour) + "/h), JVM heap " + trendName(h.heapTrend) + " ("
            + formatBytes(h.heap.slopePerHour) + "/h)";
        sentence += h.suggestion.empty() ? "." : "; " + h.suggestion + ".";
        ev.push_back(makeEvidence("jvm-heap", pa.pod, sentence,
            { { "container_slope", h.container.slopePerHour, "bytes/hour" },
                { "heap_slope", h.heap.slopePerHour, "bytes/hour" },
                { "native_leak_suspected", h.nativeLeakSuspected ? 1.0 : 0.0, "bool" } },
            TimeRange { h.container.firstMs, h.container.lastMs }, joinSources(memSrc, m_in.sources.jvmHeap)));
    }
    (void)input;
}

void ServiceAnalysis::compareBaselineAndTraffic()
{
    if (!m_in.baselineMemory.empty()) {
        // The per-pod average now, from the pods' own samples (same statistic as the baseline's).
        std::vector<Sample> current;
        for (const auto& mem : m_memory)
            current.insert(current.end(), mem.begin(), mem.end());
        const auto base = cleanSamples(m_in.baselineMemory);
        m_v.baseline = compareWithBaseline(current, base, m_p.baselineToleranceFraction);
        if (m_v.baseline) {
            BaselineComparison& b = *m_v.baseline;
            // The baseline's samples carry today's times (`offset 7d`): its slope is the growth at
            // the same hours a week ago.
            b.baselineSlope = theilSenSlope(base, m_p.slope);
            const bool sameLevel = std::abs(b.changeFraction) <= m_p.baselineToleranceFraction;
            const bool grewThen = b.baselineSlope && m_serviceSlope && m_serviceSlope->slopePerHour > 0
                && trendOf(*b.baselineSlope, b.baselineMedian, m_p.stability.flatFractionPerHour) == Trend::Growing
                && b.baselineSlope->slopePerHour >= 0.5 * m_serviceSlope->slopePerHour;
            b.tracksGrowth = sameLevel && grewThen;
        }
    }
    if (!m_in.requestRate.empty() && m_serviceSlope && m_serviceLevel > 0) {
        const auto rps = cleanSamples(m_in.requestRate, m_in.window);
        m_v.traffic = compareGrowthWithTraffic(
            *m_serviceSlope, m_serviceLevel, rps, m_p.stability.flatFractionPerHour, m_p.slope);
        // Per growing pod: does the request rate explain its growth?
        for (std::size_t i = 0; i < m_v.pods.size(); ++i) {
            PodAnalysis& pa = m_v.pods[i];
            if (!pa.evaluable || pa.trend != Trend::Growing || !pa.growth)
                continue;
            const auto judged = cleanSamples(m_memory[i], TimeRange { pa.growth->firstMs, pa.growth->lastMs });
            pa.traffic = explainWithTraffic(judged, rps, m_p.slope);
        }
    }
}

void ServiceAnalysis::contradict(std::string topic, std::string reason)
{
    m_v.contradictions.push_back(Contradiction { std::move(topic), std::move(reason) });
}

void ServiceAnalysis::decidePattern()
{
    std::size_t evaluable = 0, totalPoints = 0;
    std::int64_t longestSpan = 0;
    for (const PodAnalysis& pa : m_v.pods) {
        evaluable += pa.evaluable ? 1 : 0;
        totalPoints += pa.points;
        longestSpan = std::max(longestSpan, pa.covered.durationMs());
    }
    if (evaluable == 0) {
        m_v.pattern = Pattern::InsufficientData;
        m_v.summary = "Not enough data: " + std::to_string(totalPoints) + " samples across "
            + std::to_string(m_v.pods.size()) + " pod(s), longest span " + duration(longestSpan) + "; need at least "
            + std::to_string(m_p.minPodPoints) + " samples over " + duration(m_p.minPodSpanMs) + " for one pod.";
        return;
    }

    std::vector<SawtoothResult> perPod;
    bool counterConfirms = false;
    for (const PodAnalysis& pa : m_v.pods) {
        if (!pa.evaluable)
            continue;
        perPod.push_back(pa.sawtooth);
        for (const RestartEvent& r : pa.restarts)
            counterConfirms = counterConfirms || (r.fromCounter && r.fromMemoryDrop);
    }
    const SawtoothResult saw = combineSawtooth(perPod, m_p.sawtooth.minCycles);
    if (saw.detected) {
        m_v.pattern = Pattern::Sawtooth;
        m_v.leak = true;
        if (saw.periodMs > 0)
            m_v.periodMs = saw.periodMs;
        m_v.amplitudeBytes = saw.amplitudeBytes;
        m_v.slopeBytesPerHour = saw.growthPerHour;
        std::vector<double> levels;
        for (const SawtoothCycle& c : saw.cycles)
            levels.push_back(0.5 * (c.troughBytes + c.peakBytes));
        m_serviceLevel = medianOf(levels);
        const auto cycles = static_cast<int>(saw.cycles.size());
        m_v.confidence = std::min(0.9, 0.6 + 0.1 * (cycles - 2)) + (counterConfirms ? 0.05 : 0.0);
        m_v.summary = "Sawtooth: " + std::to_string(cycles) + " grow-then-drop cycles"
            + (saw.periodMs > 0 ? ", period about " + duration(saw.periodMs) : std::string()) + ", amplitude about "
            + formatBytes(saw.amplitudeBytes) + ": a memory leak.";
        SlopeEstimate s;
        s.slopePerHour = saw.growthPerHour;
        s.lowPerHour = saw.growthPerHour;
        s.highPerHour = saw.growthPerHour;
        m_serviceSlope = s;
        if (!counterConfirms)
            contradict("restarts",
                "no restart counter confirms the drops (they are read from memory alone, and garbage collection can "
                "drop memory too)");
        compareBaselineAndTraffic();
        return;
    }

    std::vector<const PodAnalysis*> judged, growing;
    for (const PodAnalysis& pa : m_v.pods) {
        if (!pa.evaluable || pa.trend == Trend::NotEnoughData)
            continue;
        judged.push_back(&pa);
        if (pa.trend == Trend::Growing)
            growing.push_back(&pa);
    }
    if (judged.empty()) {
        m_v.pattern = Pattern::InsufficientData;
        m_v.summary = "Not enough data: no container lifetime is long enough after its "
            + duration(m_p.stability.warmUpMs) + " warm-up to judge its trend.";
        return;
    }
    // Growth wins with a majority of the judged pods. A tie (e.g. one of two pods) is decided by
    // how tight the growing pods' slope bands are: a barely significant slope on one pod of two
    // (noise over a short window) must not call a healthy service leaking.
    auto tightnessOf = [](const PodAnalysis* pa) {
        const double s = std::abs(pa->growth->slopePerHour);
        return s > 0 ? std::clamp(1.0 - (pa->growth->highPerHour - pa->growth->lowPerHour) / (2 * s), 0.0, 1.0) : 0.0;
    };
    bool growthWins = !growing.empty() && 2 * growing.size() > judged.size();
    bool othersAgree = false;
    if (!growing.empty() && 2 * growing.size() == judged.size()) {
        std::vector<double> t;
        for (const PodAnalysis* pa : growing)
            t.push_back(tightnessOf(pa));
        // The other pods agree when each one's estimate points the same way at no less than half
        // the growing pods' rate and its band only just reaches below zero (by at most a tenth of
        // its width): one growth, significant on half of the pods and nearly so on the rest. A flat
        // pod whose noise happens to tilt upwards has a band centred near zero.
        std::vector<double> growingSlopes;
        for (const PodAnalysis* pa : growing)
            growingSlopes.push_back(pa->growth->slopePerHour);
        const double growingMedian = medianOf(growingSlopes);
        othersAgree = growingMedian > 0;
        for (const PodAnalysis* pa : judged)
            othersAgree = othersAgree && pa->growth->slopePerHour >= 0.5 * growingMedian
                && pa->growth->lowPerHour >= -0.1 * (pa->growth->highPerHour - pa->growth->lowPerHour);
        growthWins = medianOf(t) >= kTieBreakTightness || othersAgree;
    }
    const auto& group = growthWins ? growing : judged;
    std::vector<double> slopes, lows, highs, levels, tightness;
    for (const PodAnalysis* pa : group) {
        slopes.push_back(pa->growth->slopePerHour);
        lows.push_back(pa->growth->lowPerHour);
        highs.push_back(pa->growth->highPerHour);
        levels.push_back(pa->growthLevel);
        tightness.push_back(tightnessOf(pa));
    }
    m_v.slopeBytesPerHour = medianOf(slopes);
    m_v.slopeLowBytesPerHour = medianOf(lows);
    m_v.slopeHighBytesPerHour = medianOf(highs);
    m_serviceLevel = medianOf(levels);
    SlopeEstimate s;
    s.slopePerHour = *m_v.slopeBytesPerHour;
    s.lowPerHour = *m_v.slopeLowBytesPerHour;
    s.highPerHour = *m_v.slopeHighBytesPerHour;
    m_serviceSlope = s;
    compareBaselineAndTraffic();

    // Pods that agree count as showing the growth, though not significantly on their own.
    const double share = othersAgree ? 1.0 : static_cast<double>(group.size()) / static_cast<double>(judged.size());
    if (&group == &growing) {
        decideGrowth(growing, judged.size(), share * (0.55 + 0.4 * medianOf(tightness)));
        return;
    }
    // A slow leak is at the edge of one window's noise: some pods grow, not most, so the window
    // alone says "stable". The week says otherwise when memory is above the same hours 7 days ago
    // by about what the growing pods' slope makes in a week: two measurements of the same growth,
    // one over hours, one over 168 hours. The traffic speaks against it only when it explains the
    // pods' memory (their growth follows the request rate); a request rate that merely rises in this
    // window (the morning ramp) does not explain a level a week higher.
    const std::vector<const PodAnalysis*>& rising = growing;
    if (!rising.empty() && m_v.baseline && m_v.baseline->higherThanBaseline && !trafficExplainsGrowth(rising)) {
        std::vector<double> risingSlopes;
        for (const PodAnalysis* pa : rising)
            risingSlopes.push_back(pa->growth->slopePerHour);
        const double slope = medianOf(risingSlopes);
        const double rise = m_v.baseline->currentMedian - m_v.baseline->baselineMedian;
        const double weekOfSlope = slope * 7 * 24;
        if (rise > 0 && weekOfSlope >= 0.5 * rise && weekOfSlope <= 2.0 * rise) {
            std::vector<double> lows, highs;
            for (const PodAnalysis* pa : rising) {
                lows.push_back(pa->growth->lowPerHour);
                highs.push_back(pa->growth->highPerHour);
            }
            m_v.slopeBytesPerHour = slope;
            m_v.slopeLowBytesPerHour = medianOf(lows);
            m_v.slopeHighBytesPerHour = medianOf(highs);
            const double shareGrowing = static_cast<double>(growing.size()) / static_cast<double>(judged.size());
            decideGrowth(rising, judged.size(), 0.5 + 0.2 * shareGrowing);
            if (m_v.pattern == Pattern::SteadyGrowth)
                m_v.summary += " The other pods' growth is within this window's noise, but memory is "
                    + percent(m_v.baseline->changeFraction, true) + " above the same hours 7 days ago, about what "
                    + formatBytes(slope) + "/h makes in a week: a slow leak.";
            return;
        }
    }
    // No pod's band excludes zero over the window, yet a slow leak shows over days: the per-pod
    // average over the last week (hourly) grows in each of its three parts, at a rate whose band
    // excludes zero. A level that stepped up once (a config change, a bigger cache) grows in one part
    // only; a restart or a new rollout inside the week (a drop) leaves the week undecided.
    if (const auto week = weekTrend(); week && !trafficExplainsGrowth(judged)) {
        m_v.slopeBytesPerHour = week->slope.slopePerHour;
        m_v.slopeLowBytesPerHour = week->slope.lowPerHour;
        m_v.slopeHighBytesPerHour = week->slope.highPerHour;
        decideGrowth(judged, judged.size(), 0.6);
        if (m_v.pattern == Pattern::SteadyGrowth) {
            // decideGrowth's first sentence counts growing pods; here none stands out on its own.
            const std::string counted = "Steady growth: " + std::to_string(judged.size()) + " of "
                + std::to_string(judged.size()) + " pod(s) grow at about " + formatBytes(*m_v.slopeBytesPerHour)
                + "/h: a memory leak.";
            const std::string weekly = "Steady growth: over the last " + duration(week->spanMs)
                + " the average pod grew steadily at " + formatBytes(week->slope.slopePerHour)
                + "/h (in each third: " + formatBytes(week->partSlopes[0]) + ", " + formatBytes(week->partSlopes[1])
                + ", " + formatBytes(week->partSlopes[2])
                + " per hour), while no pod's growth stands out of this window's noise: a slow memory leak.";
            if (m_v.summary.rfind(counted, 0) == 0)
                m_v.summary.replace(0, counted.size(), weekly);
            else
                m_v.summary = weekly + " " + m_v.summary;
            m_v.evidence.push_back(makeEvidence("growth", {},
                "Memory per pod over the last " + duration(week->spanMs) + " grows at "
                    + formatBytes(week->slope.slopePerHour) + "/h (99% band " + formatBytes(week->slope.lowPerHour)
                    + " .. " + formatBytes(week->slope.highPerHour) + "/h), in each third of that time.",
                { { "slope", week->slope.slopePerHour, "bytes/hour" },
                    { "slope_low", week->slope.lowPerHour, "bytes/hour" },
                    { "slope_high", week->slope.highPerHour, "bytes/hour" } },
                TimeRange { m_in.weekMemory.front().tMs, m_in.weekMemory.back().tMs }, m_in.sources.weekMemory));
        }
        return;
    }
    std::size_t flat = 0;
    std::int64_t judgedMs = 0;
    std::optional<std::int64_t> slowest;
    std::size_t slowPods = 0;
    for (const PodAnalysis* pa : judged) {
        flat += pa->trend == Trend::Flat ? 1 : 0;
        judgedMs = std::max(judgedMs, pa->growth->lastMs - pa->growth->firstMs);
        bool slow = false;
        for (const StabilityAssessment& a : pa->stability) {
            if (a.levelledOffAfterMs) {
                slow = true;
                slowest = std::max(slowest.value_or(0), *a.levelledOffAfterMs);
            }
        }
        slowPods += slow ? 1 : 0;
    }
    m_v.leak = false;
    m_v.confidence = static_cast<double>(flat) / static_cast<double>(judged.size())
        * (0.55 + 0.4 * std::min(1.0, static_cast<double>(judgedMs) / 3.6e6));
    if (slowest) {
        m_v.pattern = Pattern::SlowWarmUp;
        m_v.levelledOffAfterMs = slowest;
        m_v.summary = "Slow warm-up: " + std::to_string(slowPods) + " of " + std::to_string(judged.size())
            + " pod(s) levelled off only after up to " + duration(*slowest) + " (runbook: within "
            + duration(m_p.stability.warmUpMs) + "), then stayed flat (" + formatBytes(*m_v.slopeBytesPerHour)
            + "/h); no leak seen.";
    } else {
        m_v.pattern = Pattern::Stable;
        m_v.summary = "Stable: " + std::to_string(flat) + " of " + std::to_string(judged.size())
            + " pod(s) are flat after the warm-up (" + formatBytes(*m_v.slopeBytesPerHour) + "/h); no leak seen.";
    }
}

std::optional<ServiceAnalysis::WeekTrend> ServiceAnalysis::weekTrend() const
{
    const std::vector<Sample>& week = m_in.weekMemory;
    if (week.size() < 48 || week.back().tMs - week.front().tMs < 2 * 24 * 3600 * 1000LL)
        return std::nullopt; // less than two days of history: nothing to add to the window
    for (std::size_t i = 1; i < week.size(); ++i)
        if (week[i].value < (1.0 - m_p.restartDropFraction) * week[i - 1].value)
            return std::nullopt;
    WeekTrend t;
    t.spanMs = week.back().tMs - week.front().tMs;
    const auto whole = theilSenSlope(week, m_p.slope);
    if (!whole || whole->lowPerHour <= 0)
        return std::nullopt;
    t.slope = *whole;
    const std::size_t third = week.size() / 3;
    for (std::size_t part = 0; part < 3; ++part) {
        const std::span<const Sample> samples(week.data() + part * third, part == 2 ? week.size() - 2 * third : third);
        const auto slope = theilSenSlope(samples, m_p.slope);
        if (!slope || slope->lowPerHour <= 0)
            return std::nullopt;
        t.partSlopes[part] = slope->slopePerHour;
    }
    return t;
}

bool ServiceAnalysis::trafficExplainsGrowth(const std::vector<const PodAnalysis*>& pods) const
{
    if (!m_v.traffic || m_v.traffic->growthWithoutTraffic)
        return false;
    const auto rps = cleanSamples(m_in.requestRate, m_in.window);
    std::size_t explained = 0;
    for (const PodAnalysis* pa : pods) {
        std::optional<TrafficExplanation> explanation = pa->traffic;
        if (!explanation) {
            const auto index = static_cast<std::size_t>(pa - m_v.pods.data());
            explanation = explainWithTraffic(
                cleanSamples(m_memory[index], TimeRange { pa->growth->firstMs, pa->growth->lastMs }), rps, m_p.slope);
        }
        explained += explanation && explanation->explained ? 1 : 0;
    }
    return 2 * explained > pods.size();
}

void ServiceAnalysis::decideGrowth(
    const std::vector<const PodAnalysis*>& growing, std::size_t judgedCount, double growthConfidence)
{
    std::size_t explainedPods = 0, beyondPods = 0, withTraffic = 0;
    const TrafficExplanation* shown = nullptr; // the explanation the summary quotes: most samples
    for (const PodAnalysis* pa : growing) {
        if (!pa->traffic)
            continue;
        ++withTraffic;
        explainedPods += pa->traffic->explained ? 1 : 0;
        beyondPods += pa->traffic->growthBeyondTraffic ? 1 : 0;
        if (pa->traffic->explained && (!shown || pa->traffic->points > shown->points))
            shown = &*pa->traffic;
    }
    const bool trafficExplains = 2 * explainedPods > growing.size();
    // The week-ago curve explains the growth only when the traffic does not speak against it: a
    // leak restarted weekly (a weekly deploy) grows "the same way" as a week ago, yet with flat
    // traffic, or with most pods still growing at a fixed request rate, it is a leak.
    const bool trafficRulesBaselineOut
        = (m_v.traffic && m_v.traffic->growthWithoutTraffic) || (withTraffic > 0 && 2 * beyondPods > withTraffic);
    const bool baselineExplains = m_v.baseline && m_v.baseline->tracksGrowth && !trafficRulesBaselineOut;
    const std::string baselineText = m_v.baseline
        ? "median " + formatBytes(m_v.baseline->currentMedian) + " now vs " + formatBytes(m_v.baseline->baselineMedian)
            + " at the same hours 7 days ago (" + percent(m_v.baseline->changeFraction, true) + ")"
        : std::string();

    // Memory that only follows the traffic is not killed: containers restarted in the window while
    // growing (the runbook's grow-crash-restart, too few cycles for a sawtooth) rule out both excuses,
    // and so do OOM kills just before it (a grow-crash cycle as long as the window looks the same
    // at the same hours a week ago).
    const bool restartedWhileGrowing = m_v.restartsKnown && m_v.restartsInWindow > 0;
    const bool killedBefore = m_in.podsLastOomKilled > 0;
    if ((trafficExplains || baselineExplains) && !restartedWhileGrowing && !killedBefore) {
        m_v.pattern = Pattern::FollowsTraffic;
        m_v.leak = false;
        m_v.confidence = 0.5 + (trafficExplains ? 0.25 : 0.0) + (baselineExplains ? 0.2 : 0.0);
        std::string text = "Follows traffic: memory grows about " + formatBytes(*m_v.slopeBytesPerHour) + "/h";
        if (shown) {
            const TrafficExplanation& t = *shown;
            const double rateChange
                = t.requestRateAtStart > 0 ? (t.requestRateNow - t.requestRateAtStart) / t.requestRateAtStart : 0.0;
            text += " while the request rate went from " + number(t.requestRateAtStart, "%.1f") + " to "
                + number(t.requestRateNow, "%.1f") + " req/s (" + percent(rateChange, true) + "); memory per req/s "
                + formatBytes(t.memoryPerRequestAtStart) + " at the start, " + formatBytes(t.memoryPerRequestNow)
                + " now; with the request rate held fixed memory changes " + formatBytes(t.residualSlopePerHour)
                + "/h (" + std::to_string(explainedPods) + " of " + std::to_string(growing.size())
                + " growing pod(s) explained)";
        }
        if (m_v.baseline)
            text += "; " + baselineText + (baselineExplains ? ", which grew the same way" : "");
        m_v.summary = text + ": not a leak.";
        // Growth that the traffic explains is not heading for the limit at a straight slope.
        for (PodAnalysis& pa : m_v.pods)
            if (pa.projection && pa.projection->state == ProjectionState::Projected)
                pa.projection = projectTimeToLimit(
                    pa.projection->currentBytes, pa.covered.endMs, 0.0, false, pa.projection->limitBytes);
        if (m_v.baseline && m_v.baseline->higherThanBaseline)
            contradict("baseline",
                "memory is " + percent(m_v.baseline->changeFraction, true) + " above the same hours 7 days ago");
        if (beyondPods > 0)
            contradict("traffic", std::to_string(beyondPods) + " pod(s) still grow with the request rate held fixed");
        // Explained by the week-ago curve alone, while the traffic says memory outgrows it.
        if (!trafficExplains && withTraffic > 0 && m_v.traffic && m_v.traffic->growthWithoutTraffic)
            contradict("traffic", "memory grows without a matching traffic increase");
        return;
    }

    m_v.pattern = Pattern::SteadyGrowth;
    m_v.leak = true;
    m_v.confidence = growthConfidence;
    m_v.summary = "Steady growth: " + std::to_string(growing.size()) + " of " + std::to_string(judgedCount)
        + " pod(s) grow at about " + formatBytes(*m_v.slopeBytesPerHour) + "/h: a memory leak.";
    if ((trafficExplains || baselineExplains) && !restartedWhileGrowing && killedBefore)
        m_v.summary += " The growth looks like "
            + std::string(trafficExplains ? "the traffic's" : "the same hours 7 days ago") + ", but "
            + std::to_string(m_in.podsLastOomKilled) + " pod(s) were last OOM-killed: not a harmless pattern.";
    if (m_v.baseline && !m_v.baseline->higherThanBaseline)
        contradict(
            "baseline", "memory grows, yet it is at the level of the same hours 7 days ago (" + baselineText + ")");
    // The traffic grows as fast as memory and cannot be ruled out as the cause: no pod shows growth
    // that the request rate does not explain, and memory is not above the week-ago level of the
    // same hours (the same daily traffic then held less memory: that rules the traffic out).
    const bool baselineRulesTrafficOut = m_v.baseline && m_v.baseline->higherThanBaseline;
    if (m_v.traffic && !m_v.traffic->growthWithoutTraffic && m_v.traffic->trafficTrend == Trend::Growing
        && beyondPods == 0 && !baselineRulesTrafficOut)
        contradict("traffic",
            "the request rate grows as fast as memory (" + percent(m_v.traffic->trafficGrowthFractionPerHour, true)
                + "/h vs " + percent(m_v.traffic->memoryGrowthFractionPerHour, true)
                + "/h) and over this window its share of the growth cannot be told from a leak");
}

void ServiceAnalysis::addServiceEvidence()
{
    const TimeRange window = serviceWindow();
    auto& ev = m_v.evidence;

    // Stabilisation: lifetimes whose start is known answer the runbook's question directly;
    // without any, pods that were already running and are flat have stabilised too.
    int knownJudged = 0, knownFlat = 0, otherJudged = 0, otherFlat = 0, knownLate = 0;
    std::int64_t slowest = 0;
    for (const PodAnalysis& pa : m_v.pods) {
        if (!pa.evaluable)
            continue;
        for (const StabilityAssessment& a : pa.stability) {
            if (a.trend == Trend::NotEnoughData)
                continue;
            (a.warmUpSkipped ? knownJudged : otherJudged) += 1;
            // Levelled off, but later than the runbook's warm-up: not "within 10 minutes".
            (a.warmUpSkipped ? knownFlat : otherFlat) += a.stable() && !a.levelledOffAfterMs ? 1 : 0;
            knownLate += a.levelledOffAfterMs ? 1 : 0;
            slowest = std::max(slowest, a.levelledOffAfterMs.value_or(0));
        }
    }
    if (knownLate > 0) {
        m_v.stabilisedWithin10min = false;
        ev.push_back(makeEvidence("stabilisation", {},
            std::to_string(knownLate) + " of " + std::to_string(knownJudged)
                + " container lifetime(s) that started in the window levelled off only after the "
                + duration(m_p.stability.warmUpMs) + " warm-up (the slowest after " + duration(slowest)
                + "), then stayed flat: a slow warm-up, reported against the runbook's "
                + duration(m_p.stability.warmUpMs) + ", not a leak by itself.",
            { { "lifetimes_judged", static_cast<double>(knownJudged), "count" },
                { "lifetimes_levelled_late", static_cast<double>(knownLate), "count" },
                { "slowest_levelled_off_after", static_cast<double>(slowest), "ms" },
                { "warm_up", static_cast<double>(m_p.stability.warmUpMs), "ms" } },
            window, m_in.sources.memory));
    } else if (knownJudged > 0) {
        m_v.stabilisedWithin10min = knownFlat == knownJudged;
        ev.push_back(makeEvidence("stabilisation", {},
            std::to_string(knownFlat) + " of " + std::to_string(knownJudged)
                + " container lifetime(s) that started in the window are flat after the "
                + duration(m_p.stability.warmUpMs) + " warm-up"
                + (*m_v.stabilisedWithin10min ? ": the service stabilises within the runbook's time."
                                              : ": the service does not stabilise within the runbook's time."),
            { { "lifetimes_judged", static_cast<double>(knownJudged), "count" },
                { "lifetimes_flat", static_cast<double>(knownFlat), "count" } },
            window, m_in.sources.memory));
    } else if (otherJudged > 0) {
        m_v.stabilisedWithin10min = otherFlat == otherJudged;
        ev.push_back(makeEvidence("stabilisation", {},
            "No pod started inside the window; " + std::to_string(otherFlat) + " of " + std::to_string(otherJudged)
                + " running pod(s) are flat" + (*m_v.stabilisedWithin10min ? ", so they have stabilised." : "."),
            { { "lifetimes_judged", static_cast<double>(otherJudged), "count" },
                { "lifetimes_flat", static_cast<double>(otherFlat), "count" } },
            window, m_in.sources.memory));
    }

    if (m_v.pattern == Pattern::Sawtooth) {
        ev.push_back(makeEvidence("sawtooth", {},
            m_v.summary + " Memory grows at about " + formatBytes(*m_v.slopeBytesPerHour) + "/h between restarts.",
            { { "period", static_cast<double>(m_v.periodMs.value_or(0)), "ms" },
                { "amplitude", *m_v.amplitudeBytes, "bytes" }, { "slope", *m_v.slopeBytesPerHour, "bytes/hour" } },
            window, m_in.sources.memory));
    }

    if (!m_in.baselineMemory.empty()) {
        const auto base = cleanSamples(m_in.baselineMemory);
        if (m_v.baseline) {
            const BaselineComparison& b = *m_v.baseline;
            ev.push_back(makeEvidence("baseline", {},
                "Median memory per pod is " + formatBytes(b.currentMedian) + " now vs " + formatBytes(b.baselineMedian)
                    + " 7 days ago (" + percent(b.changeFraction, true) + ")"
                    + (b.higherThanBaseline ? ": above baseline."
                                            : ": within " + percent(m_p.baselineToleranceFraction) + " of baseline")
                    + (b.tracksGrowth ? ", and it grew the same way at these hours then (the daily pattern)."
                            : b.higherThanBaseline ? std::string()
                                                   : std::string(".")),
                { { "current_median", b.currentMedian, "bytes" }, { "baseline_median", b.baselineMedian, "bytes" },
                    { "change", b.changeFraction, "fraction" } },
                m_in.baselineWindow.endMs > m_in.baselineWindow.startMs ? m_in.baselineWindow : window,
                joinSources(m_in.sources.memory, m_in.sources.baseline)));
        } else {
            ev.push_back(makeEvidence("baseline", {},
                "Not enough data to compare with 7 days ago (" + std::to_string(base.size()) + " baseline samples).",
                { { "baseline_samples", static_cast<double>(base.size()), "count" } }, m_in.baselineWindow,
                m_in.sources.baseline));
        }
    }

    {
        if (m_v.traffic) {
            const TrafficComparison& t = *m_v.traffic;
            std::string sentence = "Memory changes " + percent(t.memoryGrowthFractionPerHour, true)
                + "/h while the request rate (about " + number(t.requestLevel, "%.1f") + " req/s) changes "
                + percent(t.trafficGrowthFractionPerHour, true) + "/h";
            sentence += t.growthWithoutTraffic    ? ": memory grows without a matching traffic increase."
                : t.memoryTrend == Trend::Growing ? ": traffic growth may explain part of the memory growth."
                                                  : ".";
            ev.push_back(makeEvidence("traffic", {}, sentence,
                { { "memory_growth", t.memoryGrowthFractionPerHour, "fraction/hour" },
                    { "traffic_growth", t.trafficGrowthFractionPerHour, "fraction/hour" },
                    { "request_rate", t.requestLevel, "requests/s" } },
                window, joinSources(m_in.sources.memory, m_in.sources.requestRate)));
        }
    }
    for (const PodAnalysis& pa : m_v.pods) {
        if (!pa.traffic)
            continue;
        const TrafficExplanation& t = *pa.traffic;
        std::string sentence = "Pod " + pa.pod + ": memory " + formatBytes(t.memoryAtStart) + " -> "
            + formatBytes(t.memoryNow) + " while the request rate went " + number(t.requestRateAtStart, "%.1f") + " -> "
            + number(t.requestRateNow, "%.1f") + " req/s; memory per req/s " + formatBytes(t.memoryPerRequestAtStart)
            + " -> " + formatBytes(t.memoryPerRequestNow);
        if (!t.separable)
            sentence += "; the request rate rose in a straight line with time, so its share of the growth cannot be "
                        "separated from a leak.";
        else
            sentence += "; with the request rate held fixed memory changes " + formatBytes(t.residualSlopePerHour)
                + "/h (band " + formatBytes(t.residualLowPerHour) + " .. " + formatBytes(t.residualHighPerHour)
                + "/h) of its " + formatBytes(t.memorySlopePerHour) + "/h"
                + (t.explained                  ? ": the traffic explains the growth."
                        : t.growthBeyondTraffic ? ": memory grows beyond what the traffic explains."
                                                : ": the traffic explains part of it at most.");
        ev.push_back(makeEvidence("traffic", pa.pod, sentence,
            { { "memory_at_start", t.memoryAtStart, "bytes" }, { "memory_now", t.memoryNow, "bytes" },
                { "request_rate_at_start", t.requestRateAtStart, "requests/s" },
                { "request_rate_now", t.requestRateNow, "requests/s" },
                { "memory_per_request_rate_at_start", t.memoryPerRequestAtStart, "bytes" },
                { "memory_per_request_rate_now", t.memoryPerRequestNow, "bytes" },
                { "slope_with_traffic_fixed", t.residualSlopePerHour, "bytes/hour" },
                { "slope", t.memorySlopePerHour, "bytes/hour" } },
            pa.growth ? TimeRange { pa.growth->firstMs, pa.growth->lastMs } : pa.covered,
            joinSources(m_in.sources.memory, m_in.sources.requestRate)));
    }
}

void ServiceAnalysis::applyContradictions()
{
    if (m_v.contradictions.empty())
        return;
    std::string named;
    for (const Contradiction& c : m_v.contradictions) {
        m_v.confidence *= kKeptPerContradiction;
        named += (named.empty() ? "" : "; ") + c.reason;
    }
    m_v.summary += " Contradicting evidence: " + named + "; so confidence is lowered.";
}

Verdict ServiceAnalysis::run()
{
    for (const PodMemoryInput& input : m_in.pods)
        m_v.pods.push_back(analysePod(input));
    // The runbook's rule ("more than 2 OOMKills in one hour") is about the service; a pod's own
    // count is shown beside it, never instead of it.
    std::vector<RestartEvent> all;
    for (const PodAnalysis& pa : m_v.pods)
        all.insert(all.end(), pa.restarts.begin(), pa.restarts.end());
    std::sort(all.begin(), all.end(), [](const RestartEvent& a, const RestartEvent& b) { return a.tMs < b.tMs; });
    m_v.serviceMaxRestartsPerOomWindow = maxRestartsInWindow(all, m_p.oomWindowMs);
    for (const PodAnalysis& pa : m_v.pods) {
        for (const RestartEvent& r : pa.restarts)
            m_v.restartsInWindow += r.count;
        m_v.maxRestartsPerOomWindow = std::max(m_v.maxRestartsPerOomWindow, pa.maxRestartsPerOomWindow);
    }
    m_v.restartRuleMet = m_v.maxRestartsPerOomWindow > m_p.oomMaxCount;
    decidePattern();
    applyContradictions();
    for (std::size_t i = 0; i < m_v.pods.size(); ++i)
        addPodEvidence(m_v.pods[i], m_in.pods[i]);
    if (m_v.pattern == Pattern::InsufficientData) {
        m_v.evidence.push_back(makeEvidence("data", {}, m_v.summary, {}, serviceWindow(), m_in.sources.memory));
        return std::move(m_v);
    }
    addServiceEvidence();
    return std::move(m_v);
}

} // namespace

Verdict analyseMemory(const MemoryInputs& inputs, const AnalysisParams& params)
{
    ServiceAnalysis analysis(inputs, params);
    return analysis.run();
}

} // namespace leakdesk::analysis
