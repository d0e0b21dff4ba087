#pragma once
// DominatorTree: who keeps whom alive. Object d dominates o when every path from the GC roots to
// o passes through d; o's retained size is what the GC would free if o's last strong reference
// went away (o plus everything it dominates).
//
// computeImmediateDominators() is the Semi-NCA algorithm (Georgiadis et al.; what LLVM uses):
// an iterative DFS from a virtual root whose successors are the GC roots, semidominators with
// path-compressed evaluation, then each immediate dominator as the nearest common ancestor of the
// semidominator and the DFS parent. About 24 bytes per object of temporary arrays, no recursion
// (object chains in real heaps are millions deep), near-linear time.

#include "core/heap/AnalysisProgress.h"
#include "core/heap/ClassTable.h"
#include "core/common/Result.h"

#include <cstdint>
#include <span>
#include <vector>

namespace leakdesk::heap {

class HeapSnapshot;

// Node n (== the node count) stands for the virtual root.
// Returns each node's immediate dominator: another node, n for "dominated only by the roots",
// or kNoIndex when the node is unreachable from the roots.
std::vector<std::uint32_t> computeImmediateDominators(std::uint32_t n, std::span<const std::uint32_t> outStart,
    std::span<const std::uint32_t> out, std::span<const std::uint32_t> inStart, std::span<const std::uint32_t> in,
    std::span<const std::uint32_t> roots, AnalysisProgress* progress = nullptr);

// Retained sizes from immediate dominators (as returned above) and shallow sizes.
std::vector<std::uint64_t> computeRetainedSizes(
    std::span<const std::uint32_t> idom, const std::vector<std::uint64_t>& shallow);

class DominatorTree {
public:
    static constexpr std::uint32_t kVirtualRoot = 0xFFFFFFFEu;

    static Result<DominatorTree> compute(const HeapSnapshot& snapshot, AnalysisProgress* progress = nullptr);

    // kVirtualRoot for objects dominated only by the GC roots, kNoIndex for unreachable objects.
    std::uint32_t immediateDominator(std::uint32_t object) const { return m_idom[object]; }
    bool isReachable(std::uint32_t object) const { return m_idom[object] != kNoIndex; }
    std::uint64_t retainedSize(std::uint32_t object) const { return m_retained[object]; }
    std::uint64_t reachableBytes() const { return m_reachableBytes; }
    std::uint64_t reachableObjects() const { return m_reachableObjects; }

    // Objects immediately dominated by `object` (or kVirtualRoot), largest retained size first.
    std::span<const std::uint32_t> children(std::uint32_t object) const;

    // Retained bytes of the set of all instances of each class (index = class-table index).
    std::vector<std::uint64_t> retainedPerClass(const HeapSnapshot& snapshot) const;

private:
    std::vector<std::uint32_t> m_idom;
    std::vector<std::uint64_t> m_retained;
    std::vector<std::uint32_t> m_childStart; // n + 2 entries: the virtual root's children last
    std::vector<std::uint32_t> m_children;
    std::uint64_t m_reachableBytes = 0;
    std::uint64_t m_reachableObjects = 0;
};

} // namespace leakdesk::heap
