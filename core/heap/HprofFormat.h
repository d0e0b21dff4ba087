#pragma once
// Constants and big-endian readers of the HPROF binary format ("JAVA PROFILE 1.0.1/1.0.2").
// Header: NUL-terminated version string, u4 identifier size, u8 timestamp (ms). Then records:
// u1 tag, u4 microseconds since the timestamp, u4 body length, body. Heap dumps nest sub-records
// inside HEAP DUMP / HEAP DUMP SEGMENT records. All numbers are big-endian.

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace leakdesk::heap {

namespace tag {
// Top-level records.
inline constexpr std::uint8_t Utf8 = 0x01;
inline constexpr std::uint8_t LoadClass = 0x02;
inline constexpr std::uint8_t UnloadClass = 0x03;
inline constexpr std::uint8_t StackFrame = 0x04;
inline constexpr std::uint8_t StackTrace = 0x05;
inline constexpr std::uint8_t AllocSites = 0x06;
inline constexpr std::uint8_t HeapSummary = 0x07;
inline constexpr std::uint8_t StartThread = 0x0A;
inline constexpr std::uint8_t EndThread = 0x0B;
inline constexpr std::uint8_t HeapDump = 0x0C;
inline constexpr std::uint8_t CpuSamples = 0x0D;
inline constexpr std::uint8_t ControlSettings = 0x0E;
inline constexpr std::uint8_t HeapDumpSegment = 0x1C;
inline constexpr std::uint8_t HeapDumpEnd = 0x2C;

// Heap dump sub-records.
inline constexpr std::uint8_t RootUnknown = 0xFF;
inline constexpr std::uint8_t RootJniGlobal = 0x01;
inline constexpr std::uint8_t RootJniLocal = 0x02;
inline constexpr std::uint8_t RootJavaFrame = 0x03;
inline constexpr std::uint8_t RootNativeStack = 0x04;
inline constexpr std::uint8_t RootStickyClass = 0x05;
inline constexpr std::uint8_t RootThreadBlock = 0x06;
inline constexpr std::uint8_t RootMonitorUsed = 0x07;
inline constexpr std::uint8_t RootThreadObject = 0x08;
inline constexpr std::uint8_t ClassDump = 0x20;
inline constexpr std::uint8_t InstanceDump = 0x21;
inline constexpr std::uint8_t ObjectArrayDump = 0x22;
inline constexpr std::uint8_t PrimitiveArrayDump = 0x23;
// Android's extensions (ART writes them); read so such dumps do not stop at the first one.
inline constexpr std::uint8_t AndroidHeapDumpInfo = 0xFE;
inline constexpr std::uint8_t AndroidRootInternedString = 0x89;
inline constexpr std::uint8_t AndroidRootFinalizing = 0x8A;
inline constexpr std::uint8_t AndroidRootDebugger = 0x8B;
inline constexpr std::uint8_t AndroidRootReferenceCleanup = 0x8C;
inline constexpr std::uint8_t AndroidRootVmInternal = 0x8D;
inline constexpr std::uint8_t AndroidRootJniMonitor = 0x8E;
inline constexpr std::uint8_t AndroidUnreachable = 0x90;
inline constexpr std::uint8_t AndroidPrimitiveArrayNoData = 0xC3;
} // namespace tag

// HPROF basic types (field and array element types).
enum class BasicType : std::uint8_t {
    Object = 2,
    Boolean = 4,
    Char = 5,
    Float = 6,
    Double = 7,
    Byte = 8,
    Short = 9,
    Int = 10,
    Long = 11,
};

// Size of a value of `type` in the dump (0 for an unknown type). Objects take the identifier size.
constexpr unsigned valueSize(std::uint8_t type, unsigned idSize)
{
    switch (type) {
    case 2:
        return idSize;
    case 4:
    case 8:
        return 1;
    case 5:
    case 9:
        return 2;
    case 6:
    case 10:
        return 4;
    case 7:
    case 11:
        return 8;
    default:
        return 0;
    }
}

constexpr bool isPrimitiveType(std::uint8_t type)
{
    return type >= 4 && type <= 11;
}

// JVM descriptor of a primitive array class ("[B" for byte[]); nullptr for a non-primitive type.
constexpr const char* primitiveArrayDescriptor(std::uint8_t type)
{
    switch (type) {
    case 4:
        return "[Z";
    case 5:
        return "[C";
    case 6:
        return "[F";
    case 7:
        return "[D";
    case 8:
        return "[B";
    case 9:
        return "[S";
    case 10:
        return "[I";
    case 11:
        return "[J";
    default:
        return nullptr;
    }
}

inline std::uint16_t readU2(const std::uint8_t* p)
{
    return std::uint16_t((p[0] << 8) | p[1]);
}

inline std::uint32_t readU4(const std::uint8_t* p)
{
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return __builtin_bswap32(v);
}

inline std::uint64_t readU8(const std::uint8_t* p)
{
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return __builtin_bswap64(v);
}

// A value of `size` bytes (1, 2, 4 or 8: a field's valueSize), big-endian, zero-extended.
inline std::uint64_t readValueOfSize(const std::uint8_t* p, unsigned size)
{
    switch (size) {
    case 1:
        return *p;
    case 2:
        return readU2(p);
    case 4:
        return readU4(p);
    default:
        return readU8(p);
    }
}

// An identifier (object, class, string id) of the dump's identifier size (4 or 8).
inline std::uint64_t readId(const std::uint8_t* p, unsigned idSize)
{
    return idSize == 8 ? readU8(p) : readU4(p);
}

} // namespace leakdesk::heap
