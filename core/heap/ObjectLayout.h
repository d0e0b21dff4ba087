#pragma once
// ObjectLayout: how the dumped JVM laid objects out in memory, which decides shallow sizes.
//
// HPROF does not record object sizes, compressed oops or the object alignment, and 64-bit HotSpot
// writes 8-byte identifiers whether or not oops are compressed. The identifiers are the objects'
// addresses, though, and a live dump is taken right after a compacting full GC, so consecutive
// objects sit back to back: the distance to the next object is the object's real size.
// detectObjectLayout() scores each candidate layout against such address gaps (a layout that makes
// an object larger than its gap is impossible; the right one matches most gaps exactly), and takes
// the alignment from the lowest address bit any object uses.

#include <cstdint>
#include <string>
#include <vector>

namespace leakdesk::heap {

struct ObjectLayout {
    unsigned referenceSize = 4; // 4 with compressed oops
    unsigned headerSize = 12; // mark word + class pointer (12 with compressed class pointers)
    unsigned arrayHeaderSize = 16; // header + length, rounded up to a word
    unsigned alignment = 8; // -XX:ObjectAlignmentInBytes
    unsigned wordSize = 8; // 4 on a 32-bit JVM
    bool detected = false; // derived from the dump's addresses (false: the default for the id size)

    // Default for a dump with the given identifier size: 64-bit HotSpot's defaults for heaps under
    // 32 GB (compressed oops and class pointers, 8-byte alignment) or a 32-bit JVM.
    static ObjectLayout defaultFor(unsigned idSize);

    std::uint64_t alignObject(std::uint64_t bytes) const
    {
        const std::uint64_t w = (bytes + wordSize - 1) / wordSize * wordSize;
        return (w + alignment - 1) / alignment * alignment;
    }
    // Shallow size of an array of `length` elements of `elementSize` bytes.
    std::uint64_t arraySize(unsigned elementSize, std::uint64_t length) const
    {
        unsigned base = arrayHeaderSize;
        if (elementSize == 8 && wordSize == 4)
            base = (base + 7) / 8 * 8; // 32-bit JVMs align long/double elements to 8
        return alignObject(base + length * elementSize);
    }

    bool operator==(const ObjectLayout& o) const
    {
        return referenceSize == o.referenceSize && headerSize == o.headerSize && arrayHeaderSize == o.arrayHeaderSize
            && alignment == o.alignment && wordSize == o.wordSize;
    }
    // "compressed oops, compressed class pointers, 8-byte alignment (detected)"
    std::string describe() const;
};

// One observed pair of consecutive objects (in dump order): the first object's shape and the gap
// to the next object's address.
struct LayoutSample {
    enum Kind : std::uint8_t { Instance, ObjectArray, PrimitiveArray };
    Kind kind = Instance;
    std::uint8_t elementType = 0; // primitive arrays
    std::uint32_t length = 0; // arrays
    std::uint64_t classId = 0; // instances
    std::uint64_t gap = 0; // next address - this address
};

// The candidate layouts for an identifier size, most common first.
std::vector<ObjectLayout> candidateLayouts(unsigned idSize, unsigned alignment);

// Alignment implied by the OR of all object addresses (0 when no address was seen).
unsigned alignmentFromAddressBits(std::uint64_t orOfAddresses);

} // namespace leakdesk::heap
