#include "core/sandbox/scenario/ContainerMemoryModel.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace leakdesk::sandbox::scenario {

namespace {

constexpr std::string_view kHex = "0123456789abcdef";
constexpr double kHourMsD = static_cast<double>(kHourMs);

// Within a warm-up the working set starts at a quarter of base (the runtime and its first
// classes) and rises towards base, 99% of the way within the warm-up time.
constexpr double kWarmStartFraction = 0.25;
constexpr double kWarmTimeConstants = 5.0; // e^-5 < 1%

} // namespace

double trafficFactor(double diurnal, std::int64_t tMs)
{
    const double dayMs = static_cast<double>(kDayMs);
    const double sinceNoon = static_cast<double>(tMs) - 12.0 * kHourMsD;
    return 1.0 + diurnal * std::cos(2.0 * std::numbers::pi * sinceNoon / dayMs);
}

ContainerMemoryModel::ContainerMemoryModel(std::uint64_t seed, ContainerMemorySpec spec)
    : m_seed(seed)
    , m_spec(std::move(spec))
{
    if (m_spec.memory.gcPeriodMs > 0)
        m_gcPhaseMs = static_cast<std::int64_t>(
            mixHash(mixHash(m_seed, m_spec.key), 0x6763) % static_cast<std::uint64_t>(m_spec.memory.gcPeriodMs));
}

double ContainerMemoryModel::noise(std::int64_t tMs) const
{
    return seededNoise(m_seed, m_spec.key, tMs);
}

double ContainerMemoryModel::demandBytes(std::int64_t runStartMs, std::int64_t tMs) const
{
    const MemoryBehaviour& m = m_spec.memory;
    const double age = static_cast<double>(std::max<std::int64_t>(0, tMs - runStartMs));
    double warm = 1.0;
    if (m.warmupMs > 0)
        warm = kWarmStartFraction
            + (1.0 - kWarmStartFraction)
                * (1.0 - std::exp(-kWarmTimeConstants * age / static_cast<double>(m.warmupMs)));
    double bytes = static_cast<double>(m.baseBytes) * warm + m.growthBytesPerHour * age / kHourMsD;
    if (m.gcHeightBytes > 0 && m.gcPeriodMs > 0) {
        // GC teeth: garbage piles up linearly over a period, then a collection frees it at once.
        const std::int64_t intoCycle = (static_cast<std::int64_t>(age) + m_gcPhaseMs) % m.gcPeriodMs;
        bytes += static_cast<double>(m.gcHeightBytes) * static_cast<double>(intoCycle)
            / static_cast<double>(m.gcPeriodMs);
    }
    if (m.followTrafficBytes > 0)
        bytes
            += static_cast<double>(m.followTrafficBytes) * trafficFactor(m_spec.diurnal, tMs) / (1.0 + m_spec.diurnal);
    bytes += static_cast<double>(m.noiseBytes) * noise(tMs);
    return std::max(bytes, 0.0);
}

std::optional<std::int64_t> ContainerMemoryModel::oomKillTime(std::int64_t runStartMs, std::int64_t untilMs) const
{
    if (!m_spec.limitBytes || untilMs < runStartMs)
        return std::nullopt;
    const MemoryBehaviour& m = m_spec.memory;
    const double limit = static_cast<double>(*m_spec.limitBytes);
    // Everything but the growth is bounded: no kill is possible before the growth alone closes
    // the gap between that bound and the limit, so the search starts there.
    const double ceilingWithoutGrowth = static_cast<double>(m.baseBytes) + static_cast<double>(m.gcHeightBytes)
        + static_cast<double>(m.followTrafficBytes) + static_cast<double>(m.noiseBytes);
    std::int64_t firstStep = 0;
    if (ceilingWithoutGrowth < limit) {
        if (m.growthBytesPerHour <= 0)
            return std::nullopt;
        const double hours = (limit - ceilingWithoutGrowth) / m.growthBytesPerHour;
        if (hours * kHourMsD > static_cast<double>(untilMs - runStartMs))
            return std::nullopt;
        firstStep = static_cast<std::int64_t>(hours * kHourMsD) / kOomCheckStepMs;
    }
    for (std::int64_t k = firstStep;; ++k) {
        const std::int64_t t = runStartMs + k * kOomCheckStepMs;
        if (t > untilMs)
            return std::nullopt;
        if (demandBytes(runStartMs, t) >= limit)
            return t;
    }
}

std::vector<ContainerRun> ContainerMemoryModel::runs(
    std::int64_t firstStartMs, std::int64_t endMs, const RunPolicy& policy) const
{
    std::vector<ContainerRun> out;
    std::int64_t start = firstStartMs;
    const std::uint64_t runKey = mixHash(mixHash(m_seed, m_spec.key), 0x72756e73);
    while (start < endMs && out.size() < policy.maxRuns) {
        ContainerRun run;
        run.startedMs = start;
        run.containerId = seededToken(runKey, out.size() + 100, 64, kHex);
        run.hostPid = 10000 + static_cast<int>(mixHash(runKey, out.size() + 200) % 80000);
        std::optional<std::int64_t> completion;
        if (policy.completesAfterMs)
            completion = start + std::max<std::int64_t>(*policy.completesAfterMs, kSecondMs);
        const std::optional<std::int64_t> kill = oomKillTime(start, std::min(endMs, completion.value_or(endMs)));
        bool again = false;
        if (kill && (!completion || *kill < *completion)) {
            run.terminated = true;
            run.finishedMs = *kill;
            run.reason = "OOMKilled";
            run.exitCode = 137;
            again = policy.restartAfterOom;
        } else if (completion && *completion < endMs) {
            run.terminated = true;
            run.finishedMs = *completion;
            run.reason = "Completed";
            run.exitCode = 0;
            again = policy.restartAfterCompletion;
        }
        run.runLengthMs = run.terminated ? run.finishedMs - run.startedMs : 0;
        out.push_back(run);
        if (!run.terminated || !again)
            break;
        start = run.finishedMs + policy.restartDelayMs;
    }
    return out;
}

std::optional<double> ContainerMemoryModel::workingSetBytes(
    const std::vector<ContainerRun>& runs, std::int64_t tMs) const
{
    auto it = std::upper_bound(
        runs.begin(), runs.end(), tMs, [](std::int64_t t, const ContainerRun& r) { return t < r.startedMs; });
    if (it == runs.begin())
        return std::nullopt;
    const ContainerRun& run = *(it - 1);
    if (run.terminated && tMs >= run.finishedMs)
        return std::nullopt;
    double bytes = demandBytes(run.startedMs, tMs);
    // Between two checks of the grid the demand may touch the limit; the kernel would have killed
    // the container there, so what is reported stays just under it until the kill.
    if (m_spec.limitBytes)
        bytes = std::min(bytes, 0.999 * static_cast<double>(*m_spec.limitBytes));
    return std::round(std::max(bytes, static_cast<double>(kMiB)));
}

} // namespace leakdesk::sandbox::scenario
