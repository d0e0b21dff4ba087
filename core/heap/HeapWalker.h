#pragma once
// walkHeapSegment: the hot loop. Decodes the sub-records of one HEAP DUMP (SEGMENT) body and hands
// each to a visitor whose member functions are inlined (a template, not virtual calls), so one
// walker serves the histogram, the object index and the graph builder at full speed.
//
// Visitor interface (every member is required):
//   void root(std::uint8_t kind, std::uint64_t id, std::uint32_t threadSerial, std::uint64_t offset);
//   void classDump(std::uint64_t classId, std::uint64_t offset);
//   void instance(std::uint64_t id, std::uint64_t classId, const std::uint8_t* fields, std::uint32_t size,
//                 std::uint64_t offset);
//   void objectArray(std::uint64_t id, std::uint64_t arrayClassId, std::uint32_t length,
//                    const std::uint8_t* elements, std::uint64_t offset);
//   void primitiveArray(std::uint64_t id, std::uint8_t type, std::uint32_t length, std::uint64_t offset);
// `offset` is the file offset of the sub-record's tag byte.

#include "core/heap/HprofFormat.h"

#include <cstdint>

namespace leakdesk::heap {

// Where and why a walk stopped early; reason == nullptr when the segment was read to its end.
struct WalkStop {
    std::uint64_t offset = 0;
    const char* reason = nullptr;
    explicit operator bool() const { return reason != nullptr; }
};

// Length of the CLASS DUMP sub-record body starting at `p` (after the tag), or 0 when it does not
// fit before `end` or uses an unknown type.
inline std::uint64_t classDumpBodyLength(const std::uint8_t* p, const std::uint8_t* end, unsigned idSize)
{
    const std::uint8_t* q = p;
    auto need = [&](std::uint64_t n) { return std::uint64_t(end - q) >= n; };
    const std::uint64_t fixed = 7ull * idSize + 8; // class, stack serial, super..reserved2, instance size
    if (!need(fixed + 2))
        return 0;
    q += fixed;
    unsigned n = readU2(q);
    q += 2;
    for (unsigned i = 0; i < n; ++i) {
        if (!need(3))
            return 0;
        const unsigned vs = valueSize(q[2], idSize);
        if (!vs || !need(3 + vs))
            return 0;
        q += 3 + vs;
    }
    if (!need(2))
        return 0;
    n = readU2(q);
    q += 2;
    for (unsigned i = 0; i < n; ++i) {
        if (!need(idSize + 1))
            return 0;
        const unsigned vs = valueSize(q[idSize], idSize);
        if (!vs || !need(idSize + 1 + vs))
            return 0;
        q += idSize + 1 + vs;
    }
    if (!need(2))
        return 0;
    n = readU2(q);
    q += 2;
    for (unsigned i = 0; i < n; ++i) {
        if (!need(idSize + 1) || !valueSize(q[idSize], idSize))
            return 0;
        q += idSize + 1;
    }
    return std::uint64_t(q - p);
}

template<class Visitor>
WalkStop walkHeapSegment(
    const std::uint8_t* fileBase, std::uint64_t bodyOffset, std::uint64_t length, unsigned idSize, Visitor& v)
{
    const std::uint8_t* p = fileBase + bodyOffset;
    const std::uint8_t* const end = p + length;
    const unsigned id = idSize;
    while (p < end) {
        const std::uint64_t offset = std::uint64_t(p - fileBase);
        const std::uint8_t t = *p++;
        const std::uint64_t left = std::uint64_t(end - p);
        switch (t) {
        case tag::InstanceDump: {
            if (left < 2ull * id + 8)
                return { offset, "INSTANCE DUMP cut off" };
            const std::uint32_t size = readU4(p + 2 * id + 4);
            if (left < 2ull * id + 8 + size)
                return { offset, "INSTANCE DUMP fields cut off" };
            v.instance(readId(p, id), readId(p + id + 4, id), p + 2 * id + 8, size, offset);
            p += 2 * id + 8 + size;
            break;
        }
        case tag::PrimitiveArrayDump: {
            if (left < id + 9ull)
                return { offset, "PRIMITIVE ARRAY DUMP cut off" };
            const std::uint32_t n = readU4(p + id + 4);
            const std::uint8_t type = p[id + 8];
            const unsigned es = valueSize(type, id);
            if (!es || type == std::uint8_t(BasicType::Object))
                return { offset, "PRIMITIVE ARRAY DUMP with an unknown element type" };
            if (left < id + 9ull + std::uint64_t(n) * es)
                return { offset, "PRIMITIVE ARRAY DUMP elements cut off" };
            v.primitiveArray(readId(p, id), type, n, offset);
            p += id + 9ull + std::uint64_t(n) * es;
            break;
        }
        case tag::ObjectArrayDump: {
            if (left < 2ull * id + 8)
                return { offset, "OBJECT ARRAY DUMP cut off" };
            const std::uint32_t n = readU4(p + id + 4);
            if (left < 2ull * id + 8 + std::uint64_t(n) * id)
                return { offset, "OBJECT ARRAY DUMP elements cut off" };
            v.objectArray(readId(p, id), readId(p + id + 8, id), n, p + 2 * id + 8, offset);
            p += 2ull * id + 8 + std::uint64_t(n) * id;
            break;
        }
        case tag::ClassDump: {
            const std::uint64_t n = classDumpBodyLength(p, end, id);
            if (!n)
                return { offset, "CLASS DUMP cut off or malformed" };
            v.classDump(readId(p, id), offset);
            p += n;
            break;
        }
        case tag::RootUnknown:
        case tag::RootStickyClass:
        case tag::RootMonitorUsed:
        case tag::AndroidRootInternedString:
        case tag::AndroidRootFinalizing:
        case tag::AndroidRootDebugger:
        case tag::AndroidRootReferenceCleanup:
        case tag::AndroidRootVmInternal:
        case tag::AndroidUnreachable:
            if (left < id)
                return { offset, "GC root cut off" };
            v.root(t, readId(p, id), 0, offset);
            p += id;
            break;
        case tag::RootJniGlobal:
            if (left < 2ull * id)
                return { offset, "GC root cut off" };
            v.root(t, readId(p, id), 0, offset);
            p += 2 * id;
            break;
        case tag::RootJniLocal:
        case tag::RootJavaFrame:
        case tag::RootThreadObject:
        case tag::AndroidRootJniMonitor:
            if (left < id + 8ull)
                return { offset, "GC root cut off" };
            v.root(t, readId(p, id), readU4(p + id), offset);
            p += id + 8;
            break;
        case tag::RootNativeStack:
        case tag::RootThreadBlock:
            if (left < id + 4ull)
                return { offset, "GC root cut off" };
            v.root(t, readId(p, id), readU4(p + id), offset);
            p += id + 4;
            break;
        case tag::AndroidHeapDumpInfo:
            if (left < id + 4ull)
                return { offset, "HEAP DUMP INFO cut off" };
            p += id + 4;
            break;
        case tag::AndroidPrimitiveArrayNoData:
            if (left < id + 9ull)
                return { offset, "PRIMITIVE ARRAY NODATA cut off" };
            p += id + 9;
            break;
        default:
            return { offset, "unknown heap dump sub-record tag" };
        }
    }
    return {};
}

} // namespace leakdesk::heap
