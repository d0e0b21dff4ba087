#pragma once
// ClassHistogram: instances and shallow bytes per class, as `jcmd GC.class_histogram` prints them,
// plus retained bytes when a dominator tree is available.
//
// computeClassHistogram() streams: one parallel pass over the mapped segments with per-thread
// counters keyed by class id and by (array class, length), so its memory does not grow with the
// number of objects. Class objects count as java.lang.Class instances of their mirror's size.

#include "core/heap/AnalysisProgress.h"
#include "core/heap/ClassTable.h"
#include "core/heap/HprofFile.h"
#include "core/heap/ObjectLayout.h"
#include "core/common/Result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::heap {

class HeapSnapshot;
class DominatorTree;

struct HistogramRow {
    std::string className; // Java name ("byte[]", "java.util.HashMap")
    std::string jvmName; // as the JVM's histogram prints it ("[B", "java.util.HashMap")
    std::uint64_t instances = 0;
    std::uint64_t shallowBytes = 0;
    std::uint64_t retainedBytes = 0; // only when hasRetained
};

struct ClassHistogram {
    std::vector<HistogramRow> rows; // by shallow bytes, largest first
    std::uint64_t totalInstances = 0;
    std::uint64_t totalShallowBytes = 0;
    bool hasRetained = false;
    ObjectLayout layout;
    std::uint64_t gcRoots = 0;
    std::optional<Error> damage; // the dump was truncated or corrupt: rows cover what was read

    // Rows aggregated by JVM name (classes of the same name from different loaders merged).
    std::vector<HistogramRow> mergedByName() const;
};

// The streaming histogram (shallow sizes only).
Result<ClassHistogram> computeClassHistogram(const HprofFile& file, AnalysisProgress* progress = nullptr);

// The histogram of a loaded snapshot; with a dominator tree it also carries retained bytes per class:
// the retained size of the set of all instances (an instance dominated by another instance of its
// class is not counted twice).
ClassHistogram classHistogram(const HeapSnapshot& snapshot, const DominatorTree* dominators = nullptr);

} // namespace leakdesk::heap
