#include "core/analysis/FixVerdict.h"

#include "core/common/Quantity.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace leakdesk::analysis {

namespace {

constexpr std::int64_t kMinuteMs = 60 * 1000;

// "47 min", "8.5 h"; `roundUp` for time still needed (never less than is needed).
std::string minutesText(std::int64_t ms, bool roundUp = false)
{
    char buf[48];
    const double minutes = static_cast<double>(ms) / static_cast<double>(kMinuteMs);
    if (minutes < 120.0)
        std::snprintf(buf, sizeof buf, "%.0f min", roundUp ? std::ceil(minutes) : std::round(minutes));
    else
        std::snprintf(buf, sizeof buf, "%.1f h", minutes / 60.0);
    return buf;
}

std::string rateText(double bytesPerHour)
{
    return formatBytes(bytesPerHour) + "/h";
}

bool isLeak(const Verdict& v)
{
    return v.pattern == Pattern::Sawtooth || v.pattern == Pattern::SteadyGrowth;
}

bool isNoLeak(const Verdict& v)
{
    return v.pattern == Pattern::Stable || v.pattern == Pattern::SlowWarmUp || v.pattern == Pattern::FollowsTraffic;
}

// When the youngest pod of the revision started: given, or its latest first sample.
std::optional<std::int64_t> youngestStart(const RevisionMemory& r, const Verdict& v)
{
    if (r.youngestStartMs)
        return r.youngestStartMs;
    std::optional<std::int64_t> youngest;
    for (const PodAnalysis& p : v.pods)
        if (p.points > 0)
            youngest = std::max(youngest.value_or(p.covered.startMs), p.covered.startMs);
    return youngest;
}

// How long the pods of the analysis were observed (median over pods): the span the band reflects.
std::int64_t observedSpan(const Verdict& v)
{
    std::vector<std::int64_t> spans;
    for (const PodAnalysis& p : v.pods)
        if (p.points > 0)
            spans.push_back(p.covered.durationMs());
    if (spans.empty())
        return 0;
    std::nth_element(spans.begin(), spans.begin() + static_cast<std::ptrdiff_t>(spans.size() / 2), spans.end());
    return spans[spans.size() / 2];
}

// The time a band of half-width `halfWidth` after `spanMs` needs to shrink below `gap` (T^-3/2).
std::int64_t timeForBand(double halfWidth, std::int64_t spanMs, double gap)
{
    if (gap <= 0 || spanMs <= 0)
        return 0;
    return static_cast<std::int64_t>(static_cast<double>(spanMs) * std::pow(halfWidth / gap, 2.0 / 3.0));
}

} // namespace

const char* fixOutcomeName(FixOutcome outcome)
{
    switch (outcome) {
    case FixOutcome::Fixed:
        return "fixed";
    case FixOutcome::NotFixed:
        return "not_fixed";
    case FixOutcome::Pending:
        return "pending";
    }
    return "pending";
}

FixVerification verifyFix(const FixInputs& in, const FixParams& params)
{
    FixVerification out;
    if (in.oldRevision) {
        out.oldRevision = in.oldRevision->name;
        out.oldVerdict = analyseMemory(in.oldRevision->memory, params.analysis);
        const Verdict& ov = out.oldVerdict;
        if (isLeak(ov) && ov.slopeBytesPerHour && *ov.slopeBytesPerHour > 0)
            out.oldRateBytesPerHour = ov.slopeBytesPerHour;
        if (ov.pattern == Pattern::Sawtooth && ov.periodMs && *ov.periodMs > 0)
            out.oldPeriodMs = ov.periodMs;
        Evidence e;
        e.topic = "old-revision";
        e.window = ov.pods.empty() ? TimeRange {} : ov.pods.front().covered;
        e.sentence = "Old revision " + in.oldRevision->name
            + (in.oldRevision->images.empty() ? "" : " (" + in.oldRevision->images + ")") + ": " + ov.summary;
        if (out.oldRateBytesPerHour)
            e.numbers.push_back({ "growth", *out.oldRateBytesPerHour, "bytes/hour" });
        if (out.oldPeriodMs)
            e.numbers.push_back({ "period", static_cast<double>(*out.oldPeriodMs), "ms" });
        if (ov.restartsKnown)
            e.numbers.push_back({ "restarts", static_cast<double>(ov.restartsInWindow), "count" });
        if (in.oldRevision->oomKills > 0)
            e.numbers.push_back({ "oom-kills", static_cast<double>(in.oldRevision->oomKills), "count" });
        e.source = in.oldRevision->memory.sources.memory;
        out.evidence.push_back(std::move(e));
    }

    if (!in.newRevision) {
        out.outcome = FixOutcome::Pending;
        out.reason = "No new revision of the workload since " + in.newerThan
            + ": deploy the fix (a new image, e.g. kubectl set image) and check again.";
        return out;
    }

    const RevisionMemory& nr = *in.newRevision;
    out.newRevision = nr.name;
    out.newVerdict = analyseMemory(nr.memory, params.analysis);
    const Verdict& nv = out.newVerdict;
    out.newOomKills = nr.oomKills;
    out.newRestarts = nv.restartsKnown ? nv.restartsInWindow : 0;
    out.newRateBytesPerHour = nv.slopeBytesPerHour;
    out.newRateLowBytesPerHour = nv.slopeLowBytesPerHour;
    out.newRateHighBytesPerHour = nv.slopeHighBytesPerHour;
    out.newLevelledOffWithin10min = nv.stabilisedWithin10min;
    const auto youngest = youngestStart(nr, nv);
    out.observedMs = youngest ? std::max<std::int64_t>(0, in.nowMs - *youngest) : 0;
    {
        Evidence e;
        e.topic = "new-revision";
        e.window = TimeRange { nr.createdMs, in.nowMs };
        e.sentence = "New revision " + nr.name + (nr.images.empty() ? "" : " (" + nr.images + ")") + ", created "
            + minutesText(std::max<std::int64_t>(0, in.nowMs - nr.createdMs)) + " ago: " + nv.summary;
        if (nv.slopeBytesPerHour)
            e.numbers.push_back({ "growth", *nv.slopeBytesPerHour, "bytes/hour" });
        if (nv.slopeLowBytesPerHour && nv.slopeHighBytesPerHour) {
            e.numbers.push_back({ "growth-low", *nv.slopeLowBytesPerHour, "bytes/hour" });
            e.numbers.push_back({ "growth-high", *nv.slopeHighBytesPerHour, "bytes/hour" });
        }
        e.numbers.push_back({ "observed", static_cast<double>(out.observedMs), "ms" });
        e.numbers.push_back({ "oom-kills", static_cast<double>(nr.oomKills), "count" });
        e.numbers.push_back({ "restarts", static_cast<double>(out.newRestarts), "count" });
        e.source = nr.memory.sources.memory;
        out.evidence.push_back(std::move(e));
    }

    // Not fixed needs no waiting: a kill, or a lifetime judged growing, is proof.
    if (nr.oomKills > 0) {
        out.outcome = FixOutcome::NotFixed;
        out.neededMinutes = 0;
        out.confidence = 0.95;
        out.reason = "Not fixed: the new revision's containers were OOMKilled " + std::to_string(nr.oomKills)
            + " time(s) since it was deployed.";
        out.evidence.push_back({ "oom", "", out.reason, { { "oom-kills", static_cast<double>(nr.oomKills), "count" } },
            TimeRange { nr.createdMs, in.nowMs }, "" });
        return out;
    }
    if (isLeak(nv)) {
        out.outcome = FixOutcome::NotFixed;
        out.neededMinutes = 0;
        out.confidence = nv.confidence;
        const double newRate = nv.slopeBytesPerHour.value_or(0);
        std::string how = "still leaking";
        if (out.oldRateBytesPerHour) {
            const double oldRate = *out.oldRateBytesPerHour;
            // Slower only when the new band lies below the old rate: otherwise it is the same leak.
            const bool slower
                = nv.slopeHighBytesPerHour ? *nv.slopeHighBytesPerHour < oldRate : newRate < 0.5 * oldRate;
            how = std::string(slower ? "still leaking, slower than before" : "still leaking at about the same rate")
                + " (" + rateText(newRate) + " against " + rateText(oldRate) + " in " + out.oldRevision + ")";
        } else {
            how += " (" + rateText(newRate) + ")";
        }
        out.reason = "Not fixed: the new revision's memory grows after the warm-up, " + how + ".";
        out.evidence.push_back({ "growth", "", out.reason,
            { { "new-growth", newRate, "bytes/hour" },
                { "old-growth", out.oldRateBytesPerHour.value_or(0), "bytes/hour" } },
            TimeRange { nr.createdMs, in.nowMs }, nr.memory.sources.memory });
        return out;
    }

    // How long every new container must have run before "fixed" can be said, and why.
    const StabilityParams& sp = params.analysis.stability;
    struct Requirement {
        std::int64_t ms;
        std::string why;
    };
    std::vector<Requirement> needs;
    needs.push_back({ std::max(sp.warmUpMs + sp.minObservationMs, params.analysis.minPodSpanMs),
        "memory must level off within the runbook's " + minutesText(sp.warmUpMs) + " and then be seen flat" });
    if (out.oldPeriodMs) {
        const auto ms = static_cast<std::int64_t>(static_cast<double>(*out.oldPeriodMs) * params.oldPeriodsNeeded);
        needs.push_back({ ms,
            "the old revision was OOMKilled about every " + minutesText(*out.oldPeriodMs)
                + ", so the new containers must outlive that without a kill" });
    }
    bool rateExcluded = true;
    if (out.oldRateBytesPerHour) {
        const double threshold = *out.oldRateBytesPerHour * params.rateExclusionFraction;
        const std::string why = "the new growth's 99% band must exclude the old rate of " + rateText(threshold);
        if (nv.slopeBytesPerHour && nv.slopeHighBytesPerHour) {
            rateExcluded = *nv.slopeHighBytesPerHour < threshold;
            if (!rateExcluded) {
                const double half = *nv.slopeHighBytesPerHour - *nv.slopeBytesPerHour;
                const double gap = threshold - *nv.slopeBytesPerHour;
                // A new slope at the old rate or above, yet not judged growing: noise too large
                // to tell; ask for twice the observation and look again.
                const std::int64_t span = std::max<std::int64_t>(observedSpan(nv), 1);
                const std::int64_t ms = gap > 0 ? timeForBand(half, span, gap) : 2 * span;
                needs.push_back({ std::max(ms, out.observedMs + kMinuteMs), why });
            }
        } else if (out.oldVerdict.slopeLowBytesPerHour && out.oldVerdict.slopeHighBytesPerHour) {
            // No new band yet: the old revision's noise stands in for the new one's.
            rateExcluded = false;
            const double half = (*out.oldVerdict.slopeHighBytesPerHour - *out.oldVerdict.slopeLowBytesPerHour) / 2;
            needs.push_back({ timeForBand(half, observedSpan(out.oldVerdict), threshold), why });
        } else {
            rateExcluded = false; // judged once the new revision has a band (needs above)
        }
    }
    const auto dominant = std::max_element(
        needs.begin(), needs.end(), [](const Requirement& a, const Requirement& b) { return a.ms < b.ms; });
    out.requiredMs = dominant->ms;
    {
        Evidence e;
        e.topic = "observation";
        e.sentence = "Every new container has run " + minutesText(out.observedMs) + " of the "
            + minutesText(out.requiredMs) + " needed: " + dominant->why + ".";
        e.numbers = { { "observed", static_cast<double>(out.observedMs), "ms" },
            { "required", static_cast<double>(out.requiredMs), "ms" } };
        e.window = TimeRange { youngest.value_or(in.nowMs), in.nowMs };
        out.evidence.push_back(std::move(e));
    }

    const bool judged = isNoLeak(nv);
    if (judged && rateExcluded && out.observedMs >= out.requiredMs) {
        out.outcome = FixOutcome::Fixed;
        out.neededMinutes = 0;
        double confidence = nv.confidence;
        if (!out.oldRateBytesPerHour)
            confidence *= 0.7; // nothing to compare with: the old revision was not seen leaking
        if (nv.pattern == Pattern::FollowsTraffic || !nv.missing.empty())
            confidence *= 0.8;
        out.confidence = std::clamp(confidence, 0.0, 1.0);
        std::string rates = nv.slopeBytesPerHour ? rateText(*nv.slopeBytesPerHour) : std::string("flat");
        if (out.oldRateBytesPerHour)
            rates += " against " + rateText(*out.oldRateBytesPerHour) + " before";
        out.reason = "Fixed: the new revision's memory "
            + std::string(nv.stabilisedWithin10min.value_or(false) ? "levelled off within the warm-up"
                                                                   : "is flat after the warm-up")
            + " and stays flat (" + rates + "), with no OOM kill in " + minutesText(out.observedMs) + ".";
        return out;
    }

    out.outcome = FixOutcome::Pending;
    out.confidence = 0.0;
    if (out.observedMs >= out.requiredMs && !judged && rateExcluded) {
        // Long enough, yet nothing to judge: the memory series of the new pods are missing.
        out.reason = "Pending: the new revision has run " + minutesText(out.observedMs) + ", but its memory "
            + (nv.pattern == Pattern::Unknown ? "could not be read" : "series are too short to judge") + " ("
            + patternName(nv.pattern) + ").";
        return out;
    }
    const std::int64_t remaining = std::max<std::int64_t>(out.requiredMs - out.observedMs, kMinuteMs);
    out.neededMinutes = static_cast<int>((remaining + kMinuteMs - 1) / kMinuteMs);
    out.reason = "Pending: about " + minutesText(remaining, true) + " more, because " + dominant->why + " (observed "
        + minutesText(out.observedMs) + " of " + minutesText(out.requiredMs) + ").";
    return out;
}

} // namespace leakdesk::analysis
