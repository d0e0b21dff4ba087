#pragma once
// HeapDiff: growth per class between two dumps of the same service. The leak is what grows, so
// rows are ranked by shallow (or retained) growth. Classes are matched by their JVM name, with
// classes of the same name from different class loaders merged on both sides.

#include "core/heap/ClassHistogram.h"

#include <cstdint>
#include <string>
#include <vector>

namespace leakdesk::heap {

struct HeapDiffRow {
    std::string className;
    std::string jvmName;
    std::int64_t instancesBefore = 0;
    std::int64_t instancesAfter = 0;
    std::int64_t shallowBefore = 0;
    std::int64_t shallowAfter = 0;
    std::int64_t retainedBefore = 0;
    std::int64_t retainedAfter = 0;

    std::int64_t instanceGrowth() const { return instancesAfter - instancesBefore; }
    std::int64_t shallowGrowth() const { return shallowAfter - shallowBefore; }
    std::int64_t retainedGrowth() const { return retainedAfter - retainedBefore; }
};

struct HeapDiff {
    std::vector<HeapDiffRow> rows; // largest growth first (retained when both have it, else shallow)
    bool hasRetained = false;
    std::int64_t totalShallowBefore = 0;
    std::int64_t totalShallowAfter = 0;
    // The two dumps are the same bytes (after inflating a .gz): every growth is 0 because nothing
    // was compared, not because nothing grew. Two captures that hash alike are one heap twice.
    bool identicalDumps = false;
};

HeapDiff diffHistograms(const ClassHistogram& before, const ClassHistogram& after);

} // namespace leakdesk::heap
