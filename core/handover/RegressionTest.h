#pragma once
// The memory regression test the runbook's step 6 asks for ("always include a memory regression
// test"), written from the incident's confirmed leak suspect for the service's runtime: JUnit 5
// for the JVM, node:test for Node.js, Go's testing package. Each is a skeleton that compiles and
// runs as written: it exercises the suspect's code path N times, forces a GC and asserts the heap
// stays within a bound. The path itself is a marked placeholder that fails with a message saying
// what to call, so a test nobody finished cannot pass by accident.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakdesk::incident {
struct IncidentDocument;
}

namespace leakdesk::handover {

enum class Runtime { Jvm, Node, Go };
const char* runtimeName(Runtime runtime); // "jvm", "node", "go"
std::optional<Runtime> runtimeFromName(std::string_view name);

// Which runtime the incident's service runs on, and what says so; no runtime when nothing in the
// incident tells (a skeleton for a guessed runtime would be handed over as if it fitted).
struct RuntimeGuess {
    std::optional<Runtime> runtime;
    std::string evidence; // "heap dump H1 is an HPROF file", "image eclipse-temurin:17 of checkout"
};
// From the heap dumps (HPROF, V8 heap snapshot, pprof), a heap capture with jcmd, the JVM heap
// series of the evidence, the container images, and the suspects' class names, in that order.
RuntimeGuess detectRuntime(const incident::IncidentDocument& doc);

// The confirmed suspect and where it leaked; every string may come from an untrusted file.
struct RegressionSubject {
    std::string incidentId;
    std::string ns;
    std::string workload; // "checkout"
    std::string container;
    std::string category; // "unbounded_cache" ...
    std::string className; // the accumulating collection's class
    std::string owner; // how it is held: "static ENTRIES of class LeakyService$SessionCache"
    std::string elementClass;
    std::uint64_t retainedBytes = 0;
    std::uint64_t elementCount = 0;
};

// The marker lines around the placeholder a developer replaces with the suspect's code path.
inline constexpr std::string_view kPlaceholderBegin = "LEAKDESK-PLACEHOLDER-BEGIN";
inline constexpr std::string_view kPlaceholderEnd = "LEAKDESK-PLACEHOLDER-END";

// The default iterations and bound of a skeleton: N calls of the path after a warm-up may grow
// the heap by at most this much.
inline constexpr int kIterations = 50000;
inline constexpr std::uint64_t kMaxGrowthBytes = 16ULL << 20;

struct GeneratedFile {
    std::string fileName; // safe: no directory, no "..", ASCII
    std::string kind; // "regression-test", "alert-rules", "prometheus-rule", "alert-rules-test"
    std::string title;
    std::string content;
};

GeneratedFile regressionTestFor(Runtime runtime, const RegressionSubject& subject);

} // namespace leakdesk::handover
