#include "sandbox/SyntheticHeapDump.h"

#include "sandbox/SandboxModel.h"

#include <QStringBuilder>

#include <algorithm>
#include <tuple>
#include <vector>

namespace leakdesk::sandbox {

namespace {

// HPROF record tags and heap-dump sub-record tags (see the JDK's hprof binary format).
constexpr quint8 kUtf8 = 0x01;
constexpr quint8 kLoadClass = 0x02;
constexpr quint8 kStackTrace = 0x05;
constexpr quint8 kHeapDumpSegment = 0x1C;
constexpr quint8 kHeapDumpEnd = 0x2C;
constexpr quint8 kRootStickyClass = 0x05;
constexpr quint8 kClassDump = 0x20;
constexpr quint8 kInstanceDump = 0x21;
constexpr quint8 kObjArrayDump = 0x22;
constexpr quint8 kPrimArrayDump = 0x23;
constexpr quint8 kTypeObject = 2;
constexpr quint8 kTypeByte = 8;
constexpr quint8 kTypeInt = 10;
constexpr quint8 kTypeLong = 11;
constexpr qsizetype kSegmentLimit = 8 * 1024 * 1024;

class Writer {
public:
    QByteArray out;
    void u1(quint8 v) { out.append(static_cast<char>(v)); }
    void u2(quint16 v)
    {
        u1(static_cast<quint8>(v >> 8));
        u1(static_cast<quint8>(v));
    }
    void u4(quint32 v)
    {
        for (int s = 24; s >= 0; s -= 8)
            u1(static_cast<quint8>(v >> s));
    }
    void u8(quint64 v)
    {
        for (int s = 56; s >= 0; s -= 8)
            u1(static_cast<quint8>(v >> s));
    }
    void id(quint64 v) { u8(v); }
    qsizetype beginRecord(quint8 tag)
    {
        u1(tag);
        u4(0); // microseconds since the header's timestamp
        u4(0); // length, patched by endRecord
        return out.size();
    }
    void endRecord(qsizetype bodyStart)
    {
        const auto len = static_cast<quint32>(out.size() - bodyStart);
        for (int i = 0; i < 4; ++i)
            out[bodyStart - 4 + i] = static_cast<char>(len >> (24 - 8 * i));
    }
};

struct ClassDef {
    quint64 id;
    quint64 nameId;
    std::string name;
    quint64 superId;
    quint32 instanceSize;
    std::vector<std::pair<quint64, quint8>> fields; // (name id, type)
    std::vector<std::tuple<quint64, quint8, quint64>> statics; // (name id, type, value)
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
    Writer w;
    qsizetype handedOver = 0;
    auto handOver = [&] { // everything written so far is final
        if (sink && w.out.size() > handedOver)
            sink(QByteArrayView(w.out).sliced(handedOver));
        handedOver = w.out.size();
    };
    w.out.reserve(static_cast<qsizetype>(shape.targetBytes + 64 * 1024));
    w.out.append("JAVA PROFILE 1.0.2", 18);
    w.u1(0);
    w.u4(8);
    w.u8(static_cast<quint64>(shape.timestampMs));

    quint64 nextId = 0x7f0000000ULL;
    auto newId = [&nextId] { return nextId += 16; };
    auto utf8 = [&](const std::string& text) {
        const quint64 id = newId();
        const qsizetype body = w.beginRecord(kUtf8);
        w.id(id);
        w.out.append(text.data(), static_cast<qsizetype>(text.size()));
        w.endRecord(body);
        return id;
    };

    const qsizetype stack = w.beginRecord(kStackTrace);
    w.u4(1); // stack trace serial
    w.u4(0); // thread serial
    w.u4(0); // no frames
    w.endRecord(stack);

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
    for (const ClassDef& c : classes) {
        const qsizetype body = w.beginRecord(kLoadClass);
        w.u4(++serial);
        w.id(c.id);
        w.u4(1);
        w.id(c.nameId);
        w.endRecord(body);
    }

    qsizetype segment = w.beginRecord(kHeapDumpSegment);
    auto maybeSplit = [&] {
        if (w.out.size() - segment > kSegmentLimit) {
            w.endRecord(segment);
            handOver();
            segment = w.beginRecord(kHeapDumpSegment);
        }
    };
    for (const ClassDef& c : classes) {
        w.u1(kRootStickyClass);
        w.id(c.id);
    }
    for (const ClassDef& c : classes) {
        w.u1(kClassDump);
        w.id(c.id);
        w.u4(1);
        w.id(c.superId);
        for (int i = 0; i < 5; ++i)
            w.id(0); // class loader, signers, protection domain, two reserved
        w.u4(c.instanceSize);
        w.u2(0); // constant pool
        w.u2(static_cast<quint16>(c.statics.size()));
        for (const auto& [name, type, value] : c.statics) {
            w.id(name);
            w.u1(type);
            w.id(value);
        }
        w.u2(static_cast<quint16>(c.fields.size()));
        for (const auto& [name, type] : c.fields) {
            w.id(name);
            w.u1(type);
        }
    }

    auto byteArray = [&](quint64 id, const QByteArray& bytes) {
        w.u1(kPrimArrayDump);
        w.id(id);
        w.u4(1);
        w.u4(static_cast<quint32>(bytes.size()));
        w.u1(kTypeByte);
        w.out.append(bytes);
    };

    // Each entry costs its payload (~1.5 KiB of text) plus ~90 bytes of records.
    const std::int64_t perEntry = 1600;
    const std::int64_t budget = shape.liveOnly ? shape.targetBytes : shape.targetBytes * 4 / 5;
    const auto entries = static_cast<std::size_t>(std::max<std::int64_t>(16, budget / perEntry));
    std::vector<quint64> entryIds;
    entryIds.reserve(entries);
    for (std::size_t i = 0; i < entries; ++i) {
        const quint64 entry = newId();
        const quint64 payload = newId();
        entryIds.push_back(entry);
        w.u1(kInstanceDump);
        w.id(entry);
        w.u4(1);
        w.id(snapshotClass);
        w.u4(8 + 8 + 4);
        w.id(payload);
        w.u8(static_cast<quint64>(shape.timestampMs) - 1000 * (entries - i));
        w.u4(static_cast<quint32>(mixHash(shape.seed, i) % 5000000));
        byteArray(payload, payloadText(shape.seed, i));
        maybeSplit();
    }
    w.u1(kObjArrayDump);
    w.id(entriesArray);
    w.u4(1);
    w.u4(static_cast<quint32>(entryIds.size()));
    w.id(objectArrayClass);
    for (quint64 id : entryIds)
        w.id(id);
    if (!shape.liveOnly) {
        // Unreachable request objects a live dump would have collected first.
        for (std::size_t i = 0; static_cast<std::int64_t>(w.out.size()) < shape.targetBytes; ++i) {
            const quint64 ctx = newId();
            const quint64 body = newId();
            w.u1(kInstanceDump);
            w.id(ctx);
            w.u4(1);
            w.id(garbageClass);
            w.u4(8);
            w.id(body);
            byteArray(body, payloadText(~shape.seed, i));
            maybeSplit();
        }
    }
    w.endRecord(segment);
    const qsizetype end = w.beginRecord(kHeapDumpEnd);
    w.endRecord(end);
    handOver();
    return w.out;
}

} // namespace leakdesk::sandbox
