#pragma once
// Synthetic workloads for trying the radar at fleet size (`sandbox serve --scale-workloads N`): N
// ordinary manifests (Deployments mostly, some StatefulSets and DaemonSets, 3 pods each) spread over
// several namespaces, with sim.leakdesk.io annotations, parsed by the same scenario parser as a
// user's file. So the Kubernetes API, kubectl's paging and the Prometheus series of these pods come
// from ScenarioCluster/ScenarioMetrics exactly as for storefront; samples stay computed on demand.
//
// Which of them leak is a fixed rule of the workload's index i (0-based, in its name), so tests
// and the bench know the answer without reading any annotation:
//   i % 50 == 7   LeakFast:  grows ~150 MiB/h to a 768 MiB limit, OOMKilled every ~3 h
//   i % 50 == 39  LeakSlow:  grows 6 MiB/h, days from its 2 GiB limit, no OOM kill yet
//   i % 50 == 21  DecoyTraffic: memory rises and falls with a strong daily traffic swing
//   i % 50 == 44  DecoySidecar: the app is flat; its proxy sidecar saws up 48 MiB over 6 h and drops
//   otherwise     Healthy:   flat working set with noise and short GC teeth
// Names, namespaces, images, sizes and traffic are drawn from (seed, i); the roles are not.

#include "core/common/Result.h"
#include "core/sandbox/scenario/ScenarioFile.h"

#include <cstdint>
#include <string>
#include <vector>

namespace leakdesk::sandbox::scenario {

enum class ScaleRole { Healthy, LeakFast, LeakSlow, DecoyTraffic, DecoySidecar };

const char* scaleRoleName(ScaleRole role); // "healthy", "leak-fast", ...
bool scaleRoleLeaks(ScaleRole role); // LeakFast and LeakSlow
ScaleRole scaleRoleOf(int index);

struct ScaleWorkload {
    int index = 0;
    std::string namespaceName; // "fleet-NN"
    std::string kind; // Deployment, StatefulSet or DaemonSet
    std::string name;
    ScaleRole role = ScaleRole::Healthy;
};

// Bounds of N: enough for the 2,000-workload fleet, small enough that a typo cannot ask
// for a million pods (LimitExceeded above it).
inline constexpr int kMaxScaleWorkloads = 5000;
inline constexpr int kScalePodsPerWorkload = 3; // a DaemonSet: one per node, kScenarioNodes = 3
inline constexpr int kScaleNamespaces = 12; // fewer for small N: about 25 workloads each at least

// The N workloads (in index order) with the rule above applied; pure, cheap, no parsing.
std::vector<ScaleWorkload> scaleWorkloads(int count, std::uint64_t seed);
// The manifests of those workloads (Namespaces first), as multi-document YAML.
std::string scaleWorkloadsYaml(int count, std::uint64_t seed);
// Parsed, ready to merge beside the other scenarios (mergeScenario with scaleScenarioLimits()).
Result<Scenario> scaleWorkloadsScenario(int count, std::uint64_t seed);
// Limits that admit `extraPods`/`extraObjects` more than the defaults (a user's file keeps its caps).
ScenarioLimits scaleScenarioLimits(int count);

} // namespace leakdesk::sandbox::scenario
