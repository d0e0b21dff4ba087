#pragma once
// A sandbox scenario: multi-document YAML of ordinary Kubernetes manifests (what `kubectl apply -f`
// takes) whose sim.leakdesk.io annotations say how the simulated containers behave. Parsing checks
// what the API server would refuse (unknown kinds, missing names, selectors that miss the
// template, duplicates) and the annotations' grammar, and names FILE:LINE in every error. Bounded:
// file size, documents, objects, replicas, containers and YAML nodes each have a cap
// (ErrorCode::LimitExceeded), so a scenario file from anywhere cannot exhaust the process.

#include "core/common/Result.h"
#include "core/sandbox/scenario/CronSchedule.h"
#include "core/sandbox/scenario/ScenarioAnnotations.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakdesk::sandbox::scenario {

struct ScenarioLimits {
    std::size_t maxFileBytes = 4 * 1024 * 1024;
    std::size_t maxDocuments = 1000;
    std::size_t maxObjects = 1000; // over all files of a scenario
    int maxReplicas = 100; // per workload (a DaemonSet: one pod per node)
    std::size_t maxContainers = 16; // per pod template, init containers included
    std::size_t maxPods = 2000; // over all workloads of a scenario
    std::size_t maxYamlNodes = 200000; // per file, aliases counted each time they are used
    int maxDepth = 64; // nesting of one object
};

struct SourceLocation {
    std::string file;
    int line = 0; // 1-based

    std::string toString() const { return file + ":" + std::to_string(line); }
};

enum class ContainerKind {
    Regular, // spec.containers
    Init, // spec.initContainers: runs to completion before the others start
    NativeSidecar, // spec.initContainers with restartPolicy: Always: runs beside the others
};

struct ScenarioContainer {
    std::string name;
    std::string image;
    ContainerKind kind = ContainerKind::Regular;
    std::optional<std::int64_t> limitBytes; // resources.limits.memory
    std::optional<std::int64_t> requestBytes; // resources.requests.memory
    Runtime runtime = Runtime::None;
    MemoryBehaviour memory;
    bool memoryAnnotated = false; // a sim.leakdesk.io/memory.<name> annotation was given
    // sim.leakdesk.io/fixed-in.<name>: the image tag from which on (that release or a later one,
    // model/ImageTags.h) the container no longer leaks; empty: no release fixes it.
    std::string fixedInTag;
    SourceLocation where;
};

enum class WorkloadKind { Deployment, StatefulSet, DaemonSet, Job, CronJob, Rollout };

const char* workloadKindName(WorkloadKind kind); // as the API writes it ("StatefulSet")

// What the simulation needs of a workload; the manifest itself is kept beside it, as JSON.
struct ScenarioWorkload {
    WorkloadKind kind = WorkloadKind::Deployment;
    int replicas = 1; // Deployment/StatefulSet/Rollout: spec.replicas; Job: spec.parallelism
    std::map<std::string, std::string> selector; // spec.selector.matchLabels (Jobs: none)
    std::map<std::string, std::string> podLabels; // the pod template's labels
    std::map<std::string, std::string> podAnnotations; // the pod template's, sim.leakdesk.io ones included
    std::vector<ScenarioContainer> containers; // init containers first, in the order written
    TrafficProfile traffic;
    std::optional<std::int64_t> historyMs; // sim.leakdesk.io/history
    std::optional<std::int64_t> selfHealAfterMs; // sim.leakdesk.io/self-heal-after
    std::optional<std::int64_t> runDurationMs; // sim.leakdesk.io/duration (Job, CronJob): one run
    std::optional<CronSchedule> schedule; // CronJob
    std::string scheduleText;
    std::string argoTrackingId; // argocd.argoproj.io/tracking-id, when present
};

struct ScenarioObject {
    std::string apiVersion; // as written: "apps/v1"
    std::string kind; // "StatefulSet"
    std::string name;
    std::string namespaceName; // empty for a Namespace
    SourceLocation where; // the document's first line
    nlohmann::json manifest; // the whole object, YAML scalars resolved to JSON types
    std::optional<ScenarioWorkload> workload; // set for the six workload kinds

    std::string group() const; // "" for v1, else the part before '/'
    std::string identity() const; // "apps/StatefulSet storefront/search", for duplicates
};

struct Scenario {
    std::vector<ScenarioObject> objects; // in the order written, files in the order given
    std::vector<std::string> files;

    std::size_t podCount() const; // pods the workloads ask for (a DaemonSet: `nodes` per DaemonSet)
    std::vector<std::string> namespaces() const; // every namespace an object is in or declares, sorted
    const ScenarioObject* find(std::string_view kind, std::string_view ns, std::string_view name) const;
};

// Nodes a DaemonSet's pods are spread over: the sandbox cluster's nodes.
inline constexpr int kScenarioNodes = 3;

// Parses one file's text. `fileName` is what errors name (as given by the user).
Result<Scenario> parseScenario(
    std::string_view yamlText, const std::string& fileName, const ScenarioLimits& limits = {});
// Reads and parses a file (the size cap applies before reading).
Result<Scenario> loadScenarioFile(const std::string& path, const ScenarioLimits& limits = {});
// Adds the objects of `more` to `into`: an object defined twice is an error naming both places.
Status mergeScenario(Scenario& into, Scenario more, const ScenarioLimits& limits = {});

} // namespace leakdesk::sandbox::scenario
