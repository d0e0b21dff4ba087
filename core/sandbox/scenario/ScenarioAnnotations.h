#pragma once
// The grammar of the sim.leakdesk.io annotations a scenario manifest carries: how each container
// uses memory, how much traffic a workload takes, how much history its Prometheus holds, and how
// soon a GitOps controller undoes a change. Pure parsing, no YAML: ScenarioFile adds file and line.

#include "core/common/Result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace leakdesk::sandbox::scenario {

inline constexpr std::string_view kSimAnnotationPrefix = "sim.leakdesk.io/";

enum class Runtime { Jvm, Node, Go, Python, None };

const char* runtimeName(Runtime runtime);

// sim.leakdesk.io/memory.<container>: "base=300Mi growth=40Mi/h noise=10Mi gc=80Mi/3m
// follow-traffic=200Mi warmup=10m"; every key optional, each at most once.
struct MemoryBehaviour {
    std::int64_t baseBytes = 64LL * 1024 * 1024; // working set once warmed up, before any growth
    double growthBytesPerHour = 0; // a leak: grows this much per hour of the container's run
    std::int64_t noiseBytes = 2LL * 1024 * 1024; // +- this, seeded
    std::int64_t gcHeightBytes = 0; // GC teeth: rises by this much over a period, then drops
    std::int64_t gcPeriodMs = 0;
    std::int64_t followTrafficBytes = 0; // extra memory at peak traffic, proportional to traffic
    std::int64_t warmupMs = 0; // rises from a quarter of base to base over this time after a start

    bool operator==(const MemoryBehaviour&) const = default;
};

// sim.leakdesk.io/traffic: "rps=20 diurnal=0.5": mean requests per second per pod, and how far the
// daily curve swings around it (0: flat, 1: from nothing at night to twice the mean at noon).
struct TrafficProfile {
    double requestsPerSecond = 0;
    double diurnal = 0;

    bool operator==(const TrafficProfile&) const = default;
};

// A Kubernetes resource quantity (resource.Quantity) as bytes, rounded up as the API server does
// for memory: "300Mi", "1.5Gi", "128974848", "129e6", "129M", "500m" (rounds up to 1).
Result<std::int64_t> parseByteQuantity(std::string_view text);
// A duration as the annotations write it: one or more <integer><unit>, units ms, s, m, h, d
// ("90s", "1h30m", "7d"). Zero is allowed ("0s"); negative and fractional values are not.
Result<std::int64_t> parseDurationMs(std::string_view text);
Result<Runtime> parseRuntime(std::string_view text);
Result<MemoryBehaviour> parseMemoryBehaviour(std::string_view text);
Result<TrafficProfile> parseTraffic(std::string_view text);

// Formats bytes the way the annotations write them ("300Mi", "1536Ki", "17"), exact.
std::string formatByteQuantity(std::int64_t bytes);

} // namespace leakdesk::sandbox::scenario
