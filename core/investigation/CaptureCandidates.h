#pragma once
// Which pod to take a heap dump from. The pod with the most memory holds the most of the leak,
// but a pod close to its limit may be OOM-killed while the JVM writes the dump or before it is
// copied out (the file lives in the container and goes with it): such a pod is not the default,
// and the picker says why.

#include "core/investigation/Evidence.h"

#include <optional>
#include <string>
#include <vector>

namespace leakdesk::investigation {

struct CaptureRiskParams {
    double fullFraction = 0.90; // at or above this share of its limit, a pod is at risk
    double minutesToLimit = 30.0; // projected to reach its limit sooner: dump + copy take minutes
};

struct CaptureCandidate {
    std::string pod;
    std::optional<std::int64_t> memoryBytes;
    std::optional<std::int64_t> limitBytes;
    bool running = false; // Running and ready: something to exec into
    bool atRisk = false;
    std::string note; // one line for the picker: use against limit, and the risk when there is one
};

// All the service's pods: running ones without risk first, most memory first; then running pods
// at risk; then the others. The first is the default choice.
std::vector<CaptureCandidate> captureCandidates(const std::vector<PodRow>& pods, const CaptureRiskParams& params = {});

} // namespace leakdesk::investigation
