#pragma once
// GcRootPaths: the shortest chain of strong references from a GC root to every object, found by
// one breadth-first search from all roots over the snapshot's reference graph (which has no weak,
// soft, phantom or final referent edges). Costs 4 bytes per object and stays valid for the
// snapshot's lifetime, so any number of paths are then answered by walking parent links.

#include "core/heap/HeapSnapshot.h"

#include <cstdint>
#include <string>
#include <vector>

namespace leakdesk::heap {

struct PathStep {
    std::uint32_t object = 0;
    std::string description; // "java.util.HashMap @ 0x7ffb56cb0"
    std::string via; // how the previous step refers to this one ("table", "[3]", "static ENTRIES"); for the
                     // first step: the kind of GC root ("system class", "thread 'main'")
};

class GcRootPaths {
public:
    static GcRootPaths compute(const HeapSnapshot& snapshot, AnalysisProgress* progress = nullptr);

    bool isReachable(std::uint32_t object) const { return m_parent[object] != kNoIndex; }
    // Objects from a GC root to `object` (both included); empty when unreachable.
    std::vector<std::uint32_t> pathFromRoot(std::uint32_t object) const;
    // The same path with descriptions and reference names.
    std::vector<PathStep> describePath(const HeapSnapshot& snapshot, std::uint32_t object) const;

private:
    static constexpr std::uint32_t kIsRoot = 0xFFFFFFFEu;
    std::vector<std::uint32_t> m_parent; // BFS parent; kIsRoot for roots; kNoIndex unreachable
};

// "thread 'main' (Java stack frame)", "system class", "JNI global"...
std::string describeRoot(const HeapSnapshot& snapshot, std::uint32_t object);

} // namespace leakdesk::heap
