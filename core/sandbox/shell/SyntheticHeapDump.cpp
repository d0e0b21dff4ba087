#include "core/sandbox/shell/SyntheticHeapDump.h"

#include "core/heap/HprofWriter.h"
#include "core/sandbox/model/SandboxModel.h"

#include <QStringBuilder>

#include <algorithm>
#include <vector>

namespace leakdesk::sandbox {

namespace {

namespace tag = heap::tag;
constexpr auto kTypeObject = static_cast<std::uint8_t>(heap::BasicType::Object);
constexpr auto kTypeByte = static_cast<std::uint8_t>(heap::BasicType::Byte);
constexpr auto kTypeInt = static_cast<std::uint8_t>(heap::BasicType::Int);
constexpr auto kTypeLong = static_cast<std::uint8_t>(heap::BasicType::Long);
constexpr std::size_t kSegmentLimit = 8 * 1024 * 1024;

struct ClassDef {
    quint64 id;
    quint64 nameId;
    std::string name;
    quint64 superId;
    quint32 instanceSize;
    std::vector<heap::HprofWriter::InstanceField> fields;
    std::vector<heap::HprofWriter::StaticField> statics;
};

QByteArray payloadText(std::uint64_t seed, std::uint64_t index)
{
    // A cart snapshot as the service would serialise it: repetitive keys, varying numbers.
    std::uint64_t h = mixHash(seed, index);
    const int items = 8 + static_cast<int>(h % 40);
    QByteArray s
        = QByteArray("{\"cart\":\"c-") + QByteArray::number(static_cast<qulonglong>(h % 100000000)) + "\",\"items\":[";
    for (int i = 0; i < items; ++i) {
        h = mixHash(h, static_cast<std::uint64_t>(i));
        if (i)
            s += ',';
        s += QByteArray("{\"sku\":\"SKU-") + QByteArray::number(static_cast<qulonglong>(h % 90000 + 10000))
            + "\",\"qty\":" + QByteArray::number(static_cast<int>(1 + h % 5)) + ",\"price\":"
            + QByteArray::number(static_cast<double>(h % 20000) / 100.0, 'f', 2) + ",\"currency\":\"EUR\"}";
    }
    s += "],\"state\":\"PENDING_PAYMENT\"}";
    return s;
}

} // namespace

QByteArray syntheticHeapDump(const HeapDumpShape& shape, const std::function<void(QByteArrayView)>& sink)
{
    heap::HprofWriter w(8, "JAVA PROFILE 1.0.2", static_cast<std::uint64_t>(shape.timestampMs));
    w.setStackTraceSerial(1);
    std::size_t handedOver = 0;
    auto handOver = [&] { // everything written so far is final
        if (sink && w.size() > handedOver) {
            const auto ready = w.tail(handedOver);
            sink(QByteArrayView(reinterpret_cast<const char*>(ready.first), static_cast<qsizetype>(ready.second)));
        }
        handedOver = w.size();
    };
    w.reserve(static_cast<std::size_t>(shape.targetBytes + 64 * 1024));

    quint64 nextId = 0x7f0000000ULL;
    auto newId = [&nextId] { return nextId += 16; };
    auto utf8 = [&](const std::string& text) {
        const quint64 id = newId();
        w.utf8(id, text);
        return id;
    };

    w.stackTrace(1, 0, {}); // serial 1 of thread 0, no frames

    const quint64 payloadField = utf8("payload");
    const quint64 createdField = utf8("createdAtMillis");
    const quint64 customerField = utf8("customerId");
    const quint64 entriesField = utf8("entries");
    const quint64 bodyField = utf8("body");

    std::vector<ClassDef> classes;
    classes.reserve(8); // references into it are held while classes are added
    auto addClass = [&](const std::string& name, quint64 superId, quint32 size) -> ClassDef& {
        classes.push_back(ClassDef { newId(), utf8(name), name, superId, size, {}, {} });
        return classes.back();
    };
    const quint64 objectClass = addClass("java.lang.Object", 0, 16).id;
    addClass("[B", objectClass, 16);
    const quint64 objectArrayClass = addClass("[Ljava.lang.Object;", objectClass, 16).id;
    ClassDef& snapshot = addClass(shape.leakingClass, objectClass, 32);
    snapshot.fields = { { payloadField, kTypeObject }, { createdField, kTypeLong }, { customerField, kTypeInt } };
    const quint64 snapshotClass = snapshot.id;
    ClassDef& garbage = addClass("com.shop.checkout.http.RequestContext", objectClass, 24);
    garbage.fields = { { bodyField, kTypeObject } };
    const quint64 garbageClass = garbage.id;
    const quint64 entriesArray = newId();
    ClassDef& cache = addClass(shape.cacheClass, objectClass, 16);
    cache.statics = { { entriesField, kTypeObject, entriesArray } };

    quint32 serial = 0;
    for (const ClassDef& c : classes)
        w.loadClass(++serial, c.id, c.nameId);

    w.beginSegment(tag::HeapDumpSegment);
    std::size_t segment = w.size();
    auto maybeSplit = [&] {
        if (w.size() - segment > kSegmentLimit) {
            w.endSegment();
            handOver();
            w.beginSegment(tag::HeapDumpSegment);
            segment = w.size();
        }
    };
    for (const ClassDef& c : classes)
        w.rootStickyClass(c.id);
    for (const ClassDef& c : classes)
        w.classDump({ c.id, c.superId, 0, c.instanceSize, {}, c.statics, c.fields });

    auto byteArray = [&](quint64 id, const QByteArray& bytes) {
        w.primitiveArrayBytes(id, kTypeByte, reinterpret_cast<const std::uint8_t*>(bytes.constData()),
            static_cast<std::size_t>(bytes.size()));
    };

    // Each entry costs its payload (~1.5 KiB of text) plus ~90 bytes of records.
    const std::int64_t perEntry = 1600;
    const std::int64_t budget = shape.liveOnly ? shape.targetBytes : shape.targetBytes * 4 / 5;
    const auto entries = static_cast<std::size_t>(std::max<std::int64_t>(16, budget / perEntry));
    std::vector<std::uint64_t> entryIds;
    entryIds.reserve(entries);
    for (std::size_t i = 0; i < entries; ++i) {
        const quint64 entry = newId();
        const quint64 payload = newId();
        entryIds.push_back(entry);
        w.instance(entry, snapshotClass,
            { { kTypeObject, payload }, { kTypeLong, static_cast<quint64>(shape.timestampMs) - 1000 * (entries - i) },
                { kTypeInt, mixHash(shape.seed, i) % 5000000 } });
        byteArray(payload, payloadText(shape.seed, i));
        maybeSplit();
    }
    w.objectArray(entriesArray, objectArrayClass, entryIds);
    if (!shape.liveOnly) {
        // Unreachable request objects a live dump would have collected first.
        for (std::size_t i = 0; static_cast<std::int64_t>(w.size()) < shape.targetBytes; ++i) {
            const quint64 ctx = newId();
            const quint64 body = newId();
            w.instance(ctx, garbageClass, { { kTypeObject, body } });
            byteArray(body, payloadText(~shape.seed, i));
            maybeSplit();
        }
    }
    w.endSegment();
    w.heapDumpEnd();
    handOver();
    return QByteArray(reinterpret_cast<const char*>(w.bytes().data()), static_cast<qsizetype>(w.size()));
}

} // namespace leakdesk::sandbox
