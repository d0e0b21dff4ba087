#pragma once
// Hand-built memory series in the shapes the runbook talks about, with seeded noise, so the
// analyses are tested on realistic data without a cluster. The noise generator is written out
// (SplitMix64 + Box-Muller) because std::normal_distribution is not the same across libraries.

#include "core/common/Series.h"

#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

namespace leakdesk::test {

constexpr double MiB = 1024.0 * 1024.0;
constexpr double GiB = 1024.0 * MiB;
constexpr std::int64_t kMinute = 60 * 1000;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kT0 = 1'737'000'000'000; // a fixed epoch in January 2025

class SeededNoise {
public:
    explicit SeededNoise(std::uint64_t seed)
        : m_state(seed)
    { }
    double uniform() // (0,1)
    {
        std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        return (static_cast<double>(z >> 11) + 0.5) / 9007199254740992.0;
    }
    double gaussian(double sigma)
    {
        const double u1 = uniform(), u2 = uniform();
        return sigma * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }

private:
    std::uint64_t m_state;
};

inline std::vector<Sample> sampled(
    std::int64_t fromMs, std::int64_t toMs, std::int64_t stepMs, const std::function<double(std::int64_t)>& f)
{
    std::vector<Sample> out;
    for (std::int64_t t = fromMs; t <= toMs; t += stepMs)
        out.push_back(Sample { t, f(t) });
    return out;
}

// Removes the samples in [fromMs, toMs): missed scrapes.
inline void punchGap(std::vector<Sample>& s, std::int64_t fromMs, std::int64_t toMs)
{
    std::erase_if(s, [&](const Sample& x) { return x.tMs >= fromMs && x.tMs < toMs; });
}

// checkout: the container starts at ~300 MiB, grows linearly to its 2 GiB limit in 15-20 minutes,
// is OOMKilled and restarts. Returns memory and the restart counter.
struct SawtoothPod {
    std::vector<Sample> memory;
    std::vector<Sample> restarts;
    std::vector<std::int64_t> killTimesMs;
};

inline SawtoothPod sawtoothPod(std::int64_t fromMs, std::int64_t toMs, std::uint64_t seed, double phase = 0.0,
    std::int64_t stepMs = 30'000, double noiseSigma = 8 * MiB, double minPeriodMin = 15, double spreadMin = 5)
{
    SeededNoise noise(seed);
    SawtoothPod pod;
    // Cycle lengths between minPeriodMin and minPeriodMin + spreadMin minutes, decided up front.
    std::vector<std::int64_t> starts { fromMs - static_cast<std::int64_t>(phase * minPeriodMin * kMinute) };
    while (starts.back() < toMs)
        starts.push_back(
            starts.back() + static_cast<std::int64_t>((minPeriodMin + noise.uniform() * spreadMin) * kMinute));
    double counter = 3.0;
    std::size_t cycle = 0;
    for (std::int64_t t = fromMs; t <= toMs; t += stepMs) {
        while (cycle + 1 < starts.size() && t >= starts[cycle + 1]) {
            ++cycle;
            counter += 1.0;
            pod.killTimesMs.push_back(starts[cycle]);
        }
        const double progress
            = static_cast<double>(t - starts[cycle]) / static_cast<double>(starts[cycle + 1] - starts[cycle]);
        const double v = 300 * MiB + progress * (2 * GiB - 300 * MiB) + noise.gaussian(noiseSigma);
        pod.memory.push_back(Sample { t, std::max(v, 50 * MiB) });
        pod.restarts.push_back(Sample { t, counter });
    }
    return pod;
}

// payments: slow linear growth.
inline std::vector<Sample> linearPod(std::int64_t fromMs, std::int64_t toMs, double startBytes, double bytesPerHour,
    double noiseSigma, std::uint64_t seed, std::int64_t stepMs = 30'000)
{
    SeededNoise noise(seed);
    return sampled(fromMs, toMs, stepMs, [&](std::int64_t t) {
        return startBytes + bytesPerHour * static_cast<double>(t - fromMs) / 3.6e6 + noise.gaussian(noiseSigma);
    });
}

// catalog: starts low, rises towards a plateau with time constant tauMs, then noise only.
inline std::vector<Sample> settlingPod(std::int64_t startMs, std::int64_t toMs, double fromBytes, double plateauBytes,
    std::int64_t tauMs, double noiseSigma, std::uint64_t seed, std::int64_t stepMs = 30'000)
{
    SeededNoise noise(seed);
    return sampled(startMs, toMs, stepMs, [&](std::int64_t t) {
        const double x = static_cast<double>(t - startMs) / static_cast<double>(tauMs);
        return plateauBytes - (plateauBytes - fromBytes) * std::exp(-x) + noise.gaussian(noiseSigma);
    });
}

} // namespace leakdesk::test
