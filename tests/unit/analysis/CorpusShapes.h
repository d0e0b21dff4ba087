#pragma once
// The labelled corpus of memory shapes the verdict is measured on (tst_verdict_corpus.cpp): each
// shape is a whole service (pods, restart counters, request rate, week-ago baseline where the
// shape has one) built from a seed, with the pattern and leak answer an on-call engineer would give.

#include "SeriesShapes.h"
#include "core/analysis/MemoryAnalysis.h"

#include <cmath>
#include <string>
#include <vector>

namespace leakdesk::test {

struct LabelledShape {
    std::string name;
    analysis::Pattern expected = analysis::Pattern::Stable;
    bool leak = false;
    analysis::MemoryInputs inputs;
};

inline std::vector<Sample> flatCounter(std::int64_t fromMs, std::int64_t toMs, double value = 0.0)
{
    return sampled(fromMs, toMs, 30'000, [value](std::int64_t) { return value; });
}

// Requests/s with a daily swing: mean x (1 + swing x sin(2 pi (t - troughMs) / day - pi / 2)), so
// the rate is lowest at troughMs, plus scrape noise.
inline std::vector<Sample> diurnalRate(std::int64_t fromMs, std::int64_t toMs, std::int64_t troughMs, double mean,
    double swing, double noiseSigma, std::uint64_t seed)
{
    SeededNoise noise(seed);
    return sampled(fromMs, toMs, 30'000, [&](std::int64_t t) {
        const double phase = 2 * M_PI * static_cast<double>(t - troughMs) / (24.0 * kHour) - M_PI / 2;
        return mean * (1 + swing * std::sin(phase)) + noise.gaussian(noiseSigma);
    });
}

// The memory a pod holds for a request rate: fixed part + bytesPerRps x rate (+ a leak per hour).
inline std::vector<Sample> memoryForRate(const std::vector<Sample>& rate, double fixedBytes, double bytesPerRps,
    double leakPerHour, double noiseSigma, std::uint64_t seed)
{
    SeededNoise noise(seed);
    std::vector<Sample> out;
    for (const Sample& r : rate)
        out.push_back(Sample { r.tMs,
            fixedBytes + bytesPerRps * r.value + leakPerHour * static_cast<double>(r.tMs - rate.front().tMs) / 3.6e6
                + noise.gaussian(noiseSigma) });
    return out;
}

// GC teeth: memory climbs from floor to floor + toothBytes over periodMs, then the collector drops
// it back to the floor; the floor itself moves at floorPerHour (0: a stable band).
inline std::vector<Sample> gcTeeth(std::int64_t fromMs, std::int64_t toMs, double floorBytes, double toothBytes,
    std::int64_t periodMs, double floorPerHour, double noiseSigma, std::uint64_t seed)
{
    SeededNoise noise(seed);
    const auto offset = static_cast<std::int64_t>(noise.uniform() * static_cast<double>(periodMs));
    return sampled(fromMs, toMs, 30'000, [&](std::int64_t t) {
        const double phase = static_cast<double>((t - fromMs + offset) % periodMs) / static_cast<double>(periodMs);
        return floorBytes + floorPerHour * static_cast<double>(t - fromMs) / 3.6e6 + phase * toothBytes
            + noise.gaussian(noiseSigma);
    });
}

inline analysis::PodMemoryInput podOf(
    std::string name, std::vector<Sample> memory, std::vector<Sample> counter = {}, double limit = 2 * GiB)
{
    analysis::PodMemoryInput p;
    p.pod = std::move(name);
    p.memory = std::move(memory);
    p.restartCounter = std::move(counter);
    p.limitBytes = limit;
    return p;
}

// Every shape of the corpus for one seed.
inline std::vector<LabelledShape> corpusShapes(std::uint64_t seed)
{
    using analysis::Pattern;
    std::vector<LabelledShape> out;
    const std::uint64_t s = seed * 1000;
    auto shape = [&](std::string name, Pattern expected, bool leak, std::int64_t windowMs) -> analysis::MemoryInputs& {
        LabelledShape l;
        l.name = std::move(name);
        l.expected = expected;
        l.leak = leak;
        l.inputs.service = l.name;
        l.inputs.window = TimeRange { kT0, kT0 + windowMs };
        out.push_back(std::move(l));
        return out.back().inputs;
    };

    { // Three pods running for days, flat with scrape noise.
        auto& in = shape("healthy flat", Pattern::Stable, false, 6 * kHour);
        for (int i = 0; i < 3; ++i)
            in.pods.push_back(podOf("catalog-" + std::to_string(i),
                linearPod(kT0, kT0 + 6 * kHour, (400 + 15 * i) * MiB, 0, 4 * MiB, s + 1 + i),
                flatCounter(kT0, kT0 + 6 * kHour)));
    }
    { // The same with missed scrapes: a 25-minute hole per pod, at different times.
        auto& in = shape("healthy with scrape gaps", Pattern::Stable, false, 6 * kHour);
        for (int i = 0; i < 3; ++i) {
            auto mem = linearPod(kT0, kT0 + 6 * kHour, (400 + 15 * i) * MiB, 0, 4 * MiB, s + 11 + i);
            punchGap(mem, kT0 + (1 + i) * kHour, kT0 + (1 + i) * kHour + 25 * kMinute);
            punchGap(mem, kT0 + 4 * kHour + i * 7 * kMinute, kT0 + 4 * kHour + (i * 7 + 12) * kMinute);
            in.pods.push_back(podOf("catalog-" + std::to_string(i), std::move(mem), flatCounter(kT0, kT0 + 6 * kHour)));
        }
    }
    { // 60 MiB/h on 500 MiB over 3 hours.
        auto& in = shape("fast leak", Pattern::SteadyGrowth, true, 3 * kHour);
        for (int i = 0; i < 2; ++i)
            in.pods.push_back(podOf("orders-" + std::to_string(i),
                linearPod(kT0, kT0 + 3 * kHour, (500 + 20 * i) * MiB, 60 * MiB, 5 * MiB, s + 21 + i),
                flatCounter(kT0, kT0 + 3 * kHour)));
    }
    { // The sandbox's payments: 3.5 MiB/h on 1.25 GiB with +-12 MiB uniform noise over 6 hours.
        auto& in = shape("slow leak", Pattern::SteadyGrowth, true, 6 * kHour);
        for (int i = 0; i < 2; ++i) {
            SeededNoise noise(s + 31 + i);
            in.pods.push_back(podOf("payments-" + std::to_string(i),
                sampled(kT0, kT0 + 6 * kHour, 30'000,
                    [&](std::int64_t t) {
                        return 1.25 * GiB + 3.5 * MiB * double(t - kT0) / 3.6e6 + 12 * MiB * (2 * noise.uniform() - 1);
                    }),
                flatCounter(kT0, kT0 + 6 * kHour)));
        }
    }
    { // 20 MiB/h buried in 25 MiB of noise per scrape.
        auto& in = shape("leak under heavy noise", Pattern::SteadyGrowth, true, 4 * kHour);
        for (int i = 0; i < 3; ++i)
            in.pods.push_back(podOf("search-" + std::to_string(i),
                linearPod(kT0, kT0 + 4 * kHour, 600 * MiB, 20 * MiB, 25 * MiB, s + 41 + i),
                flatCounter(kT0, kT0 + 4 * kHour)));
    }
    { // 8 MiB/h with half-hour holes in the scrapes.
        auto& in = shape("leak with scrape gaps", Pattern::SteadyGrowth, true, 6 * kHour);
        for (int i = 0; i < 2; ++i) {
            auto mem = linearPod(kT0, kT0 + 6 * kHour, 700 * MiB, 8 * MiB, 4 * MiB, s + 51 + i);
            punchGap(mem, kT0 + (1 + 2 * i) * kHour, kT0 + (1 + 2 * i) * kHour + 30 * kMinute);
            punchGap(mem, kT0 + 5 * kHour, kT0 + 5 * kHour + 20 * kMinute);
            in.pods.push_back(podOf("ledger-" + std::to_string(i), std::move(mem), flatCounter(kT0, kT0 + 6 * kHour)));
        }
    }
    { // Deploys every 2 hours replace the pods; each new pod starts low and grows 30 MiB/h.
        auto& in = shape("leak across rollouts", Pattern::SteadyGrowth, true, 6 * kHour);
        for (int gen = 0; gen < 3; ++gen) {
            for (int i = 0; i < 2; ++i) {
                const std::int64_t from = kT0 + gen * 2 * kHour + (gen == 0 ? 0 : kMinute);
                const std::int64_t to = kT0 + (gen + 1) * 2 * kHour;
                in.pods.push_back(podOf("cart-rev" + std::to_string(gen) + "-" + std::to_string(i),
                    linearPod(from, to, 380 * MiB, 30 * MiB, 4 * MiB, s + 61 + 2 * gen + i), flatCounter(from, to)));
            }
        }
    }
    { // checkout: grows to its 2 GiB limit in 15-20 minutes, OOM-killed, restarted (counter moves).
        auto& in = shape("sawtooth with OOM restarts", Pattern::Sawtooth, true, 2 * kHour);
        for (int i = 0; i < 3; ++i) {
            SawtoothPod p = sawtoothPod(kT0, kT0 + 2 * kHour, s + 71 + i, i / 3.0);
            in.pods.push_back(podOf("checkout-" + std::to_string(i), std::move(p.memory), std::move(p.restarts)));
        }
    }
    { // Memory = 300 MiB + 1.5 MiB per request/s; the rate swings +-60 % over the day. 16 hours from
      // the night's trough: memory rises all morning and turns with the traffic in the afternoon.
        auto& in = shape("follows traffic (diurnal)", Pattern::FollowsTraffic, false, 16 * kHour);
        in.requestRate = diurnalRate(kT0, kT0 + 16 * kHour, kT0 - kHour, 200, 0.6, 4, s + 81);
        for (int i = 0; i < 2; ++i)
            in.pods.push_back(podOf("feed-" + std::to_string(i),
                memoryForRate(in.requestRate, (300 + 10 * i) * MiB, 1.5 * MiB, 0, 5 * MiB, s + 82 + i),
                flatCounter(kT0, kT0 + 16 * kHour)));
    }
    { // A 4-hour morning ramp: the rate rises almost in a straight line, so only last week's same
      // hours (same level, same rise) can tell traffic from a leak.
        auto& in = shape("follows traffic (week-ago baseline)", Pattern::FollowsTraffic, false, 4 * kHour);
        in.requestRate = diurnalRate(kT0, kT0 + 4 * kHour, kT0 - 4 * kHour, 200, 0.6, 4, s + 91);
        for (int i = 0; i < 2; ++i)
            in.pods.push_back(podOf("feed-" + std::to_string(i),
                memoryForRate(in.requestRate, 300 * MiB, 1.5 * MiB, 0, 5 * MiB, s + 92 + i),
                flatCounter(kT0, kT0 + 4 * kHour)));
        // `offset 7d`: a week ago's values stamped with today's times.
        const auto weekAgoRate = diurnalRate(kT0, kT0 + 4 * kHour, kT0 - 4 * kHour, 200, 0.6, 4, s + 94);
        in.baselineMemory = memoryForRate(weekAgoRate, 300 * MiB, 1.5 * MiB, 0, 3 * MiB, s + 95);
        in.baselineWindow = TimeRange { kT0 - 7 * 24 * kHour, kT0 + 4 * kHour - 7 * 24 * kHour };
    }
    { // Pods started 5 minutes into the window: memory rises with a 12-minute time constant and
      // levels off after about 50 minutes, later than the runbook's 10, then stays flat.
        auto& in = shape("slow warm-up", Pattern::SlowWarmUp, false, 3 * kHour);
        for (int i = 0; i < 2; ++i)
            in.pods.push_back(podOf("reports-" + std::to_string(i),
                settlingPod(kT0 + (5 + 3 * i) * kMinute, kT0 + 3 * kHour, 150 * MiB, (420 + 10 * i) * MiB, 12 * kMinute,
                    4 * MiB, s + 101 + i),
                flatCounter(kT0 + (5 + 3 * i) * kMinute, kT0 + 3 * kHour)));
    }
    { // The runbook's healthy start: levelled off within the 10-minute warm-up.
        auto& in = shape("quick warm-up", Pattern::Stable, false, 2 * kHour);
        for (int i = 0; i < 3; ++i)
            in.pods.push_back(podOf("catalog-" + std::to_string(i),
                settlingPod(kT0 + (5 + 5 * i) * kMinute, kT0 + 2 * kHour, 150 * MiB, (380 + 10 * i) * MiB, 2 * kMinute,
                    4 * MiB, s + 111 + i),
                flatCounter(kT0, kT0 + 2 * kHour)));
    }
    { // Flat, one jump of 120 MiB two and a half hours in (a cache loaded), flat again.
        auto& in = shape("step change", Pattern::Stable, false, 6 * kHour);
        for (int i = 0; i < 2; ++i) {
            SeededNoise noise(s + 121 + i);
            const std::int64_t stepAt = kT0 + 150 * kMinute + i * 20 * kMinute;
            in.pods.push_back(podOf("pricing-" + std::to_string(i),
                sampled(kT0, kT0 + 6 * kHour, 30'000,
                    [&](std::int64_t t) {
                        return 400 * MiB + (t >= stepAt ? 120 * MiB : 0.0) + noise.gaussian(4 * MiB);
                    }),
                flatCounter(kT0, kT0 + 6 * kHour)));
        }
    }
    { // The collector's teeth: 300 -> 560 MiB in 6 minutes, back to 300 (a 46 % drop, deeper than
      // a restart's 40 %), in a band that does not move; the restart counter stays put.
        auto& in = shape("GC teeth on flat memory", Pattern::Stable, false, 4 * kHour);
        for (int i = 0; i < 2; ++i)
            in.pods.push_back(podOf("events-" + std::to_string(i),
                gcTeeth(kT0, kT0 + 4 * kHour, 300 * MiB, 260 * MiB, 6 * kMinute, 0, 3 * MiB, s + 131 + i),
                flatCounter(kT0, kT0 + 4 * kHour, 2)));
    }
    { // The same teeth on a floor that rises 15 MiB/h: a leak under the collector's noise.
        auto& in = shape("GC teeth on leaking memory", Pattern::SteadyGrowth, true, 6 * kHour);
        for (int i = 0; i < 2; ++i)
            in.pods.push_back(podOf("events-" + std::to_string(i),
                gcTeeth(kT0, kT0 + 6 * kHour, 300 * MiB, 260 * MiB, 6 * kMinute, 15 * MiB, 3 * MiB, s + 141 + i),
                flatCounter(kT0, kT0 + 6 * kHour, 2)));
    }
    { // Traffic grows through the morning, and memory with it, but memory per request rises too:
      // 25 MiB/h on top of what the traffic holds.
        auto& in = shape("leak while traffic grows", Pattern::SteadyGrowth, true, 16 * kHour);
        in.requestRate = diurnalRate(kT0, kT0 + 16 * kHour, kT0 - kHour, 200, 0.6, 4, s + 151);
        for (int i = 0; i < 2; ++i)
            in.pods.push_back(podOf("feed-" + std::to_string(i),
                memoryForRate(in.requestRate, 300 * MiB, 1.5 * MiB, 25 * MiB, 5 * MiB, s + 152 + i),
                flatCounter(kT0, kT0 + 16 * kHour)));
        // A week ago the same hours held only what the traffic needs.
        const auto weekAgoRate = diurnalRate(kT0, kT0 + 16 * kHour, kT0 - kHour, 200, 0.6, 4, s + 154);
        in.baselineMemory = memoryForRate(weekAgoRate, 300 * MiB, 1.5 * MiB, 0, 3 * MiB, s + 155);
    }
    // A linear leak of 12 MiB/h while the traffic is flat: what the runbook calls growth without traffic.
    auto flatTrafficLeak = [&](const char* name, std::uint64_t seed) -> analysis::MemoryInputs& {
        auto& in = shape(name, Pattern::SteadyGrowth, true, 6 * kHour);
        in.requestRate = linearPod(kT0, kT0 + 6 * kHour, 150, 0, 5, seed);
        for (int i = 0; i < 2; ++i)
            in.pods.push_back(podOf("feed-" + std::to_string(i),
                linearPod(kT0, kT0 + 6 * kHour, 500 * MiB, 12 * MiB, 4 * MiB, seed + 1 + i),
                flatCounter(kT0, kT0 + 6 * kHour)));
        return in;
    };
    flatTrafficLeak("leak with flat traffic", s + 161);
    { // The same leak, which leaked the same way a week ago (a weekly deploy restarts it): at the
      // week-ago level, but the flat traffic cannot explain the growth, so still a leak.
        auto& in = flatTrafficLeak("leak that also leaked a week ago", s + 171);
        in.baselineMemory = linearPod(kT0, kT0 + 6 * kHour, 500 * MiB, 12 * MiB, 4 * MiB, s + 175);
        in.baselineWindow = TimeRange { kT0 - 7 * 24 * kHour, kT0 + 6 * kHour - 7 * 24 * kHour };
    }
    return out;
}

} // namespace leakdesk::test
