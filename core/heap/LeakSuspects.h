#pragma once
// LeakSuspects: what probably leaks, ranked by retained size and mapped to the memory-leak
// runbook's step 4 ("check for common leak sources"):
//   - unbounded caches: maps and caches with very many entries under one owner;
//   - listeners not deregistered: growing listener/observer/handler collections;
//   - connections not closed: sockets, JDBC/HTTP connections, streams, pending cleaners/finalizers;
//   - thread-local accumulation: ThreadLocalMap values held by (pooled) threads.
// Large retained sets that fit none of these are reported as "large retained set".
//
// Big suspects are found MAT-style: from each large object under the roots, follow the dominator
// tree while one child holds most of the retained size; where the size spreads over many children
// is the accumulation point, and the collection owning it is the suspect. The category scans then
// add smaller suspects (connections, listeners, thread locals) that the size rule would miss.

#include "core/heap/DominatorTree.h"
#include "core/heap/GcRootPaths.h"
#include "core/heap/HeapSnapshot.h"

#include <cstdint>
#include <string>
#include <vector>

namespace leakdesk::heap {

enum class LeakCategory {
    UnboundedCache,
    ListenersNotDeregistered,
    ConnectionsNotClosed,
    ThreadLocalAccumulation,
    LargeRetainedSet,
};

const char* leakCategoryName(LeakCategory category); // "unbounded cache", ...
const char* leakCategoryKey(LeakCategory category); // "unbounded_cache", ... (JSON)

struct LeakSuspect {
    LeakCategory category = LeakCategory::LargeRetainedSet;
    std::uint32_t object = 0; // the collection or owner that accumulates
    std::string className; // its class
    std::string owner; // how it is held: "static ENTRIES of class LeakyService$SessionCache"
    std::uint64_t retainedBytes = 0;
    double heapShare = 0; // retainedBytes / reachable bytes
    std::uint64_t elementCount = 0; // entries, listeners, connections, threads
    std::string elementClass; // the dominant class of the accumulated elements
    std::string explanation; // one line for the user
    std::vector<PathStep> pathToRoot;
};

struct SuspectOptions {
    double minHeapShare = 0.02; // accumulation points retaining less are not "large"
    std::size_t maxSuspects = 10;
    std::uint64_t minCollectionElements = 1000; // listener collections
    std::uint64_t minConnections = 10;
    std::uint64_t minThreadLocalBytes = 64 * 1024;
};

std::vector<LeakSuspect> findLeakSuspects(const HeapSnapshot& snapshot, const DominatorTree& dominators,
    const GcRootPaths& paths, const SuspectOptions& options = {});

// "12.3 MiB": binary units, as everywhere memory is shown (the JVM, kubectl and Grafana mean 2^20)
std::string formatBytes(std::uint64_t bytes);

} // namespace leakdesk::heap
