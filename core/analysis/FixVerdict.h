#pragma once
// Runbook step 6, "fix, deploy": did the deployed fix stop the leak? The leaking revision of a
// workload and the new one, each analysed by analyseMemory() (the same verdict as step 1, per
// container lifetime), compared:
//
//   no new revision                                   -> pending (says so; nothing to wait for)
//   the new revision was OOMKilled                    -> not fixed, at once
//   the new revision's memory grows (a leak verdict)  -> not fixed, at once: still leaking at the
//                                                        same rate, or slower, against the old rate
//   otherwise, every new container has run long enough, and the new slope's band lies below the
//   old rate                                          -> fixed
//   otherwise                                         -> pending, with the minutes still needed and why
//
// "Long enough" is the longest of:
//   - the runbook's warm-up (10 min) plus the time needed to judge a level (5 min): memory must
//     level off within the 10 minutes and stay flat;
//   - one period of the old revision's sawtooth (it was OOMKilled every P minutes): a new
//     container that outlives the old ones' typical lifetime without a kill. One period, not
//     two: the slope condition below already separates the rates, and the runbook wants the
//     answer while the stopgaps are still in place;
//   - for a leak that never reached its limit, the time the new slope's 99 % band needs to
//     exclude the old rate: a Theil-Sen band narrows as T^-3/2 with evenly scraped samples, so
//     from a band of half-width w after T observed the need is T (w / (old rate - new slope))^(2/3)
//     (before any new band, the old revision's band stands in for it).
// "Not fixed" needs no waiting: one OOM kill or a judged growing lifetime is proof. "Fixed" is
// only said once the evidence could have shown the opposite.
//
// Pure: no clock (the caller passes now), no I/O, like the rest of this module.

#include "core/analysis/MemoryAnalysis.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::analysis {

enum class FixOutcome { Fixed, NotFixed, Pending };
const char* fixOutcomeName(FixOutcome outcome); // "fixed", "not_fixed", "pending"

// One revision of the workload (a ReplicaSet, a StatefulSet/DaemonSet controller revision) and
// the memory of its pods.
struct RevisionMemory {
    std::string name; // e.g. "checkout-7d9f8b6c5d" or "search-5c8f7b9d4" (controller revision)
    std::string images; // its containers' images, for the evidence ("checkout=...:2.14.4")
    std::int64_t createdMs = 0;
    // Its pods' series (MemoryInputs::window: what to judge; the new revision's: since it was
    // created). A pod of the revision is one entry; its restarts cut it into lifetimes.
    MemoryInputs memory;
    // OOM kills of its containers seen by the cluster (last terminated OOMKilled, kube events),
    // beside what the series show; the old revision's for the evidence, the new one's decide.
    int oomKills = 0;
    // When the youngest of its pods' containers started (the new revision: every one of them
    // must have run the observation time). Unset: the first memory sample of each pod counts.
    std::optional<std::int64_t> youngestStartMs;
};

struct FixInputs {
    std::optional<RevisionMemory> oldRevision; // the leaking one (unset: no history before the new one)
    std::optional<RevisionMemory> newRevision; // unset: no new revision since the incident started
    std::int64_t nowMs = 0;
    // What the new revision had to be younger than, in words for the answer without one: "the
    // incident started", "the last 6 h".
    std::string newerThan = "the incident started";
};

struct FixParams {
    AnalysisParams analysis; // the runbook's warm-up and rules, as step 1 uses them
    double oldPeriodsNeeded = 1.0; // see the top of this file
    // Fixed needs the new slope's band below this fraction of the old rate (1: merely below it).
    double rateExclusionFraction = 1.0;
};

struct FixVerification {
    FixOutcome outcome = FixOutcome::Pending;
    // Pending: minutes more of observation before the answer can be fixed (nullopt when nothing can
    // be waited for: no new revision, or no memory samples of it). 0 when decided.
    std::optional<int> neededMinutes;
    std::string reason; // one sentence: the verdict and why (or what is still missing)
    double confidence = 0.0; // 0..1; 0 for pending
    std::string oldRevision;
    std::string newRevision;
    std::optional<double> oldRateBytesPerHour; // growth per hour of the old revision's lifetimes
    std::optional<std::int64_t> oldPeriodMs; // its sawtooth period (OOMKilled every ...)
    std::optional<double> newRateBytesPerHour;
    std::optional<double> newRateLowBytesPerHour;
    std::optional<double> newRateHighBytesPerHour;
    std::optional<bool> newLevelledOffWithin10min;
    int newOomKills = 0;
    int newRestarts = 0;
    std::int64_t observedMs = 0; // how long every new container has run
    std::int64_t requiredMs = 0; // how long they must have run for "fixed"
    std::vector<Evidence> evidence; // old vs new, each sentence with its numbers
    Verdict oldVerdict; // step 1's analysis of each revision
    Verdict newVerdict;
};

FixVerification verifyFix(const FixInputs& inputs, const FixParams& params = {});

} // namespace leakdesk::analysis
