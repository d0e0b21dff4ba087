#pragma once
// A hand-built dump of a small leaking service, written with heap::HprofWriter (as the reader tests' dumps):
//   class com.example.SessionService --static CACHE--> SessionCache --entries--> Object[sessions] --> Node
//   Node --payload--> byte[payload]
//   class com.example.EventBus --static LISTENERS--> Object[listeners] --> OrderListener
// Objects are placed at addresses the way a 64-bit JVM with compressed oops places them, so the
// reader detects that layout, and `expected` holds the shallow sizes such a JVM reports.
// Two dumps with different `sessions` are "the same service, later": what grows is the cache.

#include "core/heap/HprofWriter.h"

#include <QByteArray>
#include <QFile>
#include <QString>

#include <map>
#include <string>

namespace leakdesk::heap::test {

struct LeakyDump {
    std::vector<std::uint8_t> bytes;
    std::vector<std::size_t> boundaries; // record and sub-record starts, then the end
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> expected; // class -> (instances, shallow bytes)
    std::uint64_t cacheId = 0; // the SessionCache instance
    std::uint64_t entriesId = 0; // its Object[]
    std::vector<std::uint64_t> nodeIds; // in ENTRIES order
    std::uint64_t nodeSize = 0;
    std::uint64_t payloadSize = 0;
    std::uint64_t entriesSize = 0;
};

// Session i carries a payload of `payloadBytes + 8 * (i % 4)` bytes so retained sizes differ.
inline LeakyDump buildLeakyDump(int sessions, int listeners = 1200, std::uint32_t payloadBytes = 200)
{
    HprofWriter w(8);
    LeakyDump d;
    auto align = [](std::uint64_t v) { return (v + 7) / 8 * 8; };
    const std::uint64_t cObject = 0x1000, cClass = 0x1100, cNode = 0x1500, cCache = 0x1600, cObjArr = 0x1700,
                        cBytes = 0x1800, cBus = 0x1900, cListener = 0x1A00, cService = 0x1B00;
    w.loadClass(1, cObject, "java/lang/Object");
    w.loadClass(2, cClass, "java/lang/Class");
    w.loadClass(3, cNode, "com/example/Node");
    w.loadClass(4, cCache, "com/example/SessionCache");
    w.loadClass(5, cObjArr, "[Ljava/lang/Object;");
    w.loadClass(6, cBytes, "[B");
    w.loadClass(7, cBus, "com/example/EventBus");
    w.loadClass(8, cListener, "com/example/OrderListener");
    w.loadClass(9, cService, "com/example/SessionService");
    w.prepareNames({ "name", "id", "count", "next", "payload", "entries", "size", "CACHE", "LISTENERS", "orderId" });

    std::uint64_t addr = 0x70000000;
    auto place = [&](const std::string& cls, std::uint64_t size) {
        const std::uint64_t id = addr;
        auto& e = d.expected[cls];
        e.first += 1;
        e.second += size;
        addr += size;
        return id;
    };
    // Compressed oops and class pointers: 12-byte header, 16-byte array header, 4-byte references.
    d.nodeSize = align(16 + 8 + 2 * 4); // long id, int count in the hole after the header, next, payload
    const std::uint64_t listenerSize = align(12 + 4 + 8); // long orderId after a 4-byte hole
    auto bytesSize = [&](std::uint64_t n) { return align(16 + n); };
    d.entriesSize = align(16 + 4 * std::uint64_t(sessions));

    d.cacheId = place("com.example.SessionCache", align(12 + 4 + 4)); // int size in the hole, then entries
    d.entriesId = place("[Ljava.lang.Object;", d.entriesSize);
    std::vector<std::uint64_t> payloads;
    for (int i = 0; i < sessions; ++i) {
        d.nodeIds.push_back(place("com.example.Node", d.nodeSize));
        payloads.push_back(place("[B", bytesSize(payloadBytes + 8 * std::uint64_t(i % 4))));
    }
    const std::uint64_t listenerArray = place("[Ljava.lang.Object;", align(16 + 4 * std::uint64_t(listeners)));
    std::vector<std::uint64_t> listenerIds;
    for (int i = 0; i < listeners; ++i)
        listenerIds.push_back(place("com.example.OrderListener", listenerSize));
    d.payloadSize = bytesSize(payloadBytes);

    using F = HprofWriter::Field;
    using S = HprofWriter::Static;
    w.beginSegment();
    w.classDump(cObject, 0, {}, {});
    w.classDump(cClass, cObject, {}, { F { "name", 2 } });
    w.classDump(cNode, cObject, {}, { F { "id", 11 }, F { "count", 10 }, F { "next", 2 }, F { "payload", 2 } });
    w.classDump(cCache, cObject, {}, { F { "entries", 2 }, F { "size", 10 } });
    w.classDump(cService, cObject, { S { "CACHE", 2, d.cacheId } }, {});
    w.classDump(cObjArr, cObject, {}, {});
    w.classDump(cBytes, cObject, {}, {});
    w.classDump(cBus, cObject, { S { "LISTENERS", 2, listenerArray } }, {});
    w.classDump(cListener, cObject, {}, { F { "orderId", 11 } });
    w.rootStickyClass(cService);
    w.rootStickyClass(cBus);
    w.endSegment();

    w.beginSegment();
    w.instance(d.cacheId, cCache, { { 2, d.entriesId }, { 10, std::uint64_t(sessions) } });
    w.objectArray(d.entriesId, cObjArr, d.nodeIds);
    for (int i = 0; i < sessions; ++i) {
        w.instance(d.nodeIds[std::size_t(i)], cNode,
            { { 11, std::uint64_t(i) }, { 10, 1 }, { 2, 0 }, { 2, payloads[std::size_t(i)] } });
        w.primitiveArray(payloads[std::size_t(i)], 8, payloadBytes + 8 * std::uint32_t(i % 4));
    }
    w.endSegment();
    w.beginSegment();
    w.objectArray(listenerArray, cObjArr, listenerIds);
    for (int i = 0; i < listeners; ++i)
        w.instance(listenerIds[std::size_t(i)], cListener, { { 11, std::uint64_t(i) } });
    w.endSegment();
    w.heapDumpEnd();
    d.bytes = w.bytes();
    d.boundaries = w.boundaries();
    return d;
}

// Writes `bytes` (or its first `length` bytes) to `path`; false when the file cannot be written.
inline bool writeDump(const QString& path, const std::vector<std::uint8_t>& bytes, std::size_t length = ~std::size_t(0))
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    const qint64 n = qint64(std::min(length, bytes.size()));
    return f.write(reinterpret_cast<const char*>(bytes.data()), n) == n;
}

} // namespace leakdesk::heap::test
