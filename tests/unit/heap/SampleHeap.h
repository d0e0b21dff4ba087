#pragma once
// A small hand-built heap that uses every HPROF record and sub-record type, with object ids laid
// out as addresses the way a JVM with the given reference size would place them (so layout
// detection has real evidence), and the shallow sizes such a JVM reports.
//
// Graph (strong edges):  class SessionCache --static ENTRIES--> Object[3] --> node1, node2, node3
//   node1.next -> node2, node2.next -> node3, node3.next -> node1 (a cycle), nodeK.payload -> byte[]
//   weak.referent -> node2 (weak: not an edge), name (String) -> byte[] "leak"
// Roots: SessionCache (system class), weak (JNI global), name (Java frame), every other root kind
// on the Object[] or the String.

#include "core/heap/HprofWriter.h"

#include <map>
#include <string>

namespace leakdesk::heap::test {

struct SampleDump {
    std::vector<std::uint8_t> bytes;
    std::vector<std::size_t> boundaries;
    std::vector<std::size_t> objectRecords;
    // JVM histogram name -> (instances, shallow bytes) for instances and arrays.
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> expected;
    std::map<std::string, std::uint64_t> ids; // object name -> id
    std::size_t objectCount = 0; // instances + arrays + class dumps
};

inline SampleDump buildSampleDump(unsigned idSize, unsigned refSize, bool useHeapDumpRecord = false)
{
    HprofWriter w(idSize, useHeapDumpRecord ? "JAVA PROFILE 1.0.1" : "JAVA PROFILE 1.0.2");
    SampleDump d;
    const bool is32 = idSize == 4;
    const std::uint64_t header = is32 ? 8 : 12;
    const std::uint64_t arrayHeader = is32 ? 12 : 16;
    auto align = [&](std::uint64_t v) { return (v + 7) / 8 * 8; };

    // Classes (ids below the objects' range).
    const std::uint64_t cObject = 0x1000, cClass = 0x1100, cString = 0x1200, cRef = 0x1300, cWeak = 0x1400,
                        cNode = 0x1500, cCache = 0x1600, cObjArr = 0x1700, cBytes = 0x1800, cInts = 0x1900;
    w.loadClass(1, cObject, "java/lang/Object");
    w.loadClass(2, cClass, "java/lang/Class");
    w.loadClass(3, cString, "java/lang/String");
    w.loadClass(4, cRef, "java/lang/ref/Reference");
    w.loadClass(5, cWeak, "java/lang/ref/WeakReference");
    w.loadClass(6, cNode, "com/example/Node");
    w.loadClass(7, cCache, "com/example/SessionCache");
    w.loadClass(8, cObjArr, "[Ljava/lang/Object;");
    w.loadClass(9, cBytes, "[B");
    w.loadClass(10, cInts, "[I");
    w.stackFrame(0x77, "main", 7, 42);
    w.stackTrace(1, 1, { 0x77 });
    w.opaque(tag::StartThread, 6 * idSize); // skipped
    w.opaque(tag::ControlSettings, 6); // skipped
    w.prepareNames({ "name", "value", "coder", "hash", "referent", "queue", "next", "discovered", "id", "count",
        "payload", "ENTRIES", "LIMIT", "RATIO", "FLAG", "SCALE", "BIG", "SMALL", "LETTER" });

    // Objects at increasing addresses; each one's size decides where the next one starts.
    std::uint64_t addr = 0x70000000;
    auto place = [&](const std::string& name, const std::string& cls, std::uint64_t size) {
        d.ids[name] = addr;
        auto& e = d.expected[cls];
        e.first += 1;
        e.second += size;
        addr += size;
        return d.ids[name];
    };
    const std::uint64_t ref = refSize;
    // Node: long id, int count, refs next + payload. The int fills the hole after a 12-byte header.
    const std::uint64_t nodeSize = is32 ? align(8 + 8 + 4 + 2 * ref) : align(16 + 8 + 2 * ref);
    const std::uint64_t stringSize = is32 ? align(8 + 4 + 1 + 3 + ref) : align(std::max<std::uint64_t>(17, 16) + ref);
    const std::uint64_t refObjSize = align(header + 4 * ref);
    const std::uint64_t objArr3 = align(arrayHeader + 3 * ref);
    auto bytesSize = [&](std::uint64_t n) { return align(arrayHeader + n); };

    const auto arr = place("entries", "[Ljava.lang.Object;", objArr3);
    const auto n1 = place("node1", "com.example.Node", nodeSize);
    const auto b1 = place("payload1", "[B", bytesSize(100));
    const auto n2 = place("node2", "com.example.Node", nodeSize);
    const auto b2 = place("payload2", "[B", bytesSize(200));
    const auto n3 = place("node3", "com.example.Node", nodeSize);
    const auto b3 = place("payload3", "[B", bytesSize(300));
    const auto weak = place("weak", "java.lang.ref.WeakReference", refObjSize);
    const auto str = place("name", "java.lang.String", stringSize);
    const auto strBytes = place("nameBytes", "[B", bytesSize(4));
    const auto ints = place("ints", "[I", align(arrayHeader + 40));
    const auto longs = place("longs", "[J", align((is32 ? 16 : arrayHeader) + 24));
    const auto chars = place("chars", "[C", align(arrayHeader + 6));
    const auto bools = place("bools", "[Z", align(arrayHeader + 2));
    const auto shorts = place("shorts", "[S", align(arrayHeader + 4));
    const auto floats = place("floats", "[F", align(arrayHeader + 8));
    const auto doubles = place("doubles", "[D", align((is32 ? 16 : arrayHeader) + 16));

    w.beginSegment(useHeapDumpRecord ? tag::HeapDump : tag::HeapDumpSegment);
    using F = HprofWriter::Field;
    using S = HprofWriter::Static;
    w.classDump(cObject, 0, {}, {});
    w.classDump(cClass, cObject, {}, { F { "name", 2 } });
    w.classDump(cString, cObject, {}, { F { "value", 2 }, F { "coder", 8 }, F { "hash", 10 } });
    w.classDump(cRef, cObject, {}, { F { "referent", 2 }, F { "queue", 2 }, F { "next", 2 }, F { "discovered", 2 } });
    w.classDump(cWeak, cRef, {}, {});
    w.classDump(cNode, cObject, {}, { F { "id", 11 }, F { "count", 10 }, F { "next", 2 }, F { "payload", 2 } });
    // Statics of every type.
    w.classDump(cCache, cObject,
        { S { "ENTRIES", 2, arr }, S { "LIMIT", 10, 5 }, S { "RATIO", 7, 0 }, S { "FLAG", 4, 1 }, S { "SCALE", 6, 0 },
            S { "BIG", 11, 1 }, S { "SMALL", 9, 2 }, S { "LETTER", 5, 65 } },
        {});
    w.classDump(cObjArr, cObject, {}, {});
    w.classDump(cBytes, cObject, {}, {});
    w.classDump(cInts, cObject, {}, {});
    w.rootStickyClass(cCache);
    w.rootJniGlobal(weak);
    w.rootJavaFrame(str, 1);
    w.rootJniLocal(str, 1);
    w.rootNativeStack(str, 1);
    w.rootThreadBlock(str, 1);
    w.rootMonitorUsed(arr);
    w.rootUnknown(arr);
    w.rootThreadObject(str, 1);
    w.endSegment();

    // The objects, split over two segments like HotSpot does.
    w.beginSegment(useHeapDumpRecord ? tag::HeapDump : tag::HeapDumpSegment);
    w.objectArray(arr, cObjArr, { n1, n2, n3 });
    auto node = [&](std::uint64_t id, std::uint64_t next, std::uint64_t payload, std::uint64_t n) {
        w.instance(id, cNode, { { 11, n }, { 10, 7 }, { 2, next }, { 2, payload } });
    };
    node(n1, n2, b1, 1);
    w.primitiveArray(b1, 8, 100);
    node(n2, n3, b2, 2);
    w.primitiveArray(b2, 8, 200);
    w.endSegment();
    w.beginSegment(useHeapDumpRecord ? tag::HeapDump : tag::HeapDumpSegment);
    node(n3, n1, b3, 3);
    w.primitiveArray(b3, 8, 300);
    // WeakReference: own fields (none), then Reference's: referent, queue, next, discovered.
    w.instance(weak, cWeak, { { 2, n2 }, { 2, 0 }, { 2, 0 }, { 2, 0 } });
    w.instance(str, cString, { { 2, strBytes }, { 8, 0 }, { 10, 0 } });
    w.primitiveArrayBytes(strBytes, 8, { 'l', 'e', 'a', 'k' });
    w.primitiveArray(ints, 10, 10);
    w.primitiveArray(longs, 11, 3);
    w.primitiveArray(chars, 5, 3);
    w.primitiveArray(bools, 4, 2);
    w.primitiveArray(shorts, 9, 2);
    w.primitiveArray(floats, 6, 2);
    w.primitiveArray(doubles, 7, 2);
    w.endSegment();
    w.heapDumpEnd();

    d.bytes = w.bytes();
    d.boundaries = w.boundaries();
    d.objectRecords = w.objectRecordOffsets();
    d.objectCount = d.objectRecords.size();
    return d;
}

} // namespace leakdesk::heap::test
