#pragma once
// HeapSurvey: the first parallel pass over the heap segments. It finds the class dumps and GC
// roots, counts the objects of every segment (so the object index can be filled in parallel at
// known positions), collects address-gap samples for layout detection and, when asked, counts
// instances per class and arrays per (class, length) for a streaming class histogram that needs
// no per-object memory.

#include "core/heap/AnalysisProgress.h"
#include "core/heap/ClassTable.h"
#include "core/heap/FlatIdMap.h"
#include "core/heap/HprofFile.h"
#include "core/heap/ObjectLayout.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace leakdesk::heap {

enum class RootKind : std::uint8_t {
    Unknown = 0xFF,
    JniGlobal = 0x01,
    JniLocal = 0x02,
    JavaFrame = 0x03,
    NativeStack = 0x04,
    StickyClass = 0x05,
    ThreadBlock = 0x06,
    MonitorUsed = 0x07,
    ThreadObject = 0x08,
    InternedString = 0x89,
    Finalizing = 0x8A,
    Debugger = 0x8B,
    ReferenceCleanup = 0x8C,
    VmInternal = 0x8D,
    JniMonitor = 0x8E,
    Unreachable = 0x90,
};

const char* rootKindName(RootKind kind);

struct GcRoot {
    std::uint64_t objectId = 0;
    RootKind kind = RootKind::Unknown;
    std::uint32_t threadSerial = 0; // frames, JNI locals, thread objects
};

struct HeapSurvey {
    std::vector<std::uint64_t> classDumpOffsets; // file order
    std::vector<GcRoot> roots;
    std::vector<std::uint64_t> objectsPerSegment; // instances, arrays and class dumps
    std::uint64_t objectCount = 0;
    std::uint64_t addressBits = 0; // OR of every object id
    std::vector<LayoutSample> samples;
    std::optional<Error> damage; // the first sub-record that could not be read, if any

    // Filled only by survey(..., countShapes = true).
    FlatIdMap<std::uint64_t> instancesByClassId;
    // key: (arrayKey << 32) | length; arrayKey = 1 + index into objectArrayClassIds, or
    // 0x80000000 | primitive type.
    FlatIdMap<std::uint64_t> arraysByShape;
    std::vector<std::uint64_t> objectArrayClassIds;
};

// Walks every heap segment of `file` on `progress->threads` threads.
Result<HeapSurvey> surveyHeap(const HprofFile& file, bool countShapes, AnalysisProgress* progress);

// Picks the layout that best explains the survey's address gaps (see ObjectLayout.h) and applies it
// to `classes`.
ObjectLayout detectObjectLayout(const HeapSurvey& survey, ClassTable& classes, unsigned idSize);

// An Error (NotEnoughData) when the survey found no object at all: an empty dump, garbage after a
// valid header, or a cut before the first object. Every analysis refuses such a dump rather than
// report "no leak suspects" about nothing.
Status requireObjects(const HprofFile& file, const HeapSurvey& survey);

// Turns a walk stop into the user-facing error.
Error walkDamage(const HprofFile& file, std::uint64_t offset, const char* reason);

} // namespace leakdesk::heap
