#pragma once
// The memory of one scenario container as a pure function of (seed, container, time): what its
// sim.leakdesk.io/memory annotation describes (base, growth, noise, GC teeth, traffic-following,
// warm-up) within each run, and the runs themselves: a run that reaches the container's memory
// limit is OOMKilled (exit 137) and the kubelet starts the next one 10 s later, as in the
// built-in sandbox (SandboxModel). Nothing is stored per instant, so any instant is evaluated alone.

#include "core/sandbox/model/SandboxModel.h"
#include "core/sandbox/scenario/ScenarioAnnotations.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace leakdesk::sandbox::scenario {

// Traffic relative to its mean at tMs: 1 + diurnal * cos(...), busiest at 12:00 UTC and quietest
// at 00:00 UTC, as the built-in sandbox's request counters swing.
double trafficFactor(double diurnal, std::int64_t tMs);

struct ContainerMemorySpec {
    std::uint64_t key = 0; // identity of the container (namespace/pod/container hashed): its own noise and phase
    MemoryBehaviour memory;
    double diurnal = 0; // the workload's traffic curve (sim.leakdesk.io/traffic diurnal=)
    std::optional<std::int64_t> limitBytes; // none: never OOMKilled
};

// How the container's runs end and follow each other.
struct RunPolicy {
    std::optional<std::int64_t> completesAfterMs; // a Job's run: exits 0 after this long
    bool restartAfterOom = true; // restartPolicy Always or OnFailure
    bool restartAfterCompletion = false; // a regular container that exits 0 is started again
    std::int64_t restartDelayMs = SandboxModel::kRestartDelayMs;
    std::size_t maxRuns = 20000; // a bound on the timeline, whatever the annotation says
};

// Where the kill is searched for: demand is checked on this grid from each start, so the kill is
// predicted to within one step (and the working set reported before it stays under the limit).
inline constexpr std::int64_t kOomCheckStepMs = 5 * kSecondMs;

class ContainerMemoryModel {
public:
    ContainerMemoryModel(std::uint64_t seed, ContainerMemorySpec spec);

    const ContainerMemorySpec& spec() const { return m_spec; }

    // What the container would use at tMs in a run started at runStartMs, were there no limit.
    double demandBytes(std::int64_t runStartMs, std::int64_t tMs) const;

    // Runs from firstStartMs until endMs (the last one still going unless it ended before endMs).
    std::vector<ContainerRun> runs(std::int64_t firstStartMs, std::int64_t endMs, const RunPolicy& policy) const;

    // Working set at tMs given the runs (nullopt between runs and before the first). Never at or
    // above the limit: the allocation that would cross it is the kill.
    std::optional<double> workingSetBytes(const std::vector<ContainerRun>& runs, std::int64_t tMs) const;

    // The first instant on the check grid at which a run started at runStartMs reaches the limit,
    // searched no further than untilMs; nullopt when it does not (or there is no limit).
    std::optional<std::int64_t> oomKillTime(std::int64_t runStartMs, std::int64_t untilMs) const;

private:
    double noise(std::int64_t tMs) const; // in [-1, 1]

    std::uint64_t m_seed;
    ContainerMemorySpec m_spec;
    std::int64_t m_gcPhaseMs = 0;
};

} // namespace leakdesk::sandbox::scenario
