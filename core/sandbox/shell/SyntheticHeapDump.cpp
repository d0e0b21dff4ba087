#include "core/sandbox/shell/SyntheticHeapDump.h"

#include "core/heap/HprofWriter.h"
#include "core/sandbox/model/SandboxModel.h"

#include <algorithm>
#include <string>
#include <vector>

namespace leakdesk::sandbox {

namespace {

namespace tag = heap::tag;
constexpr auto kObject = static_cast<std::uint8_t>(heap::BasicType::Object);
constexpr auto kByte = static_cast<std::uint8_t>(heap::BasicType::Byte);
constexpr auto kChar = static_cast<std::uint8_t>(heap::BasicType::Char);
constexpr auto kInt = static_cast<std::uint8_t>(heap::BasicType::Int);
constexpr auto kLong = static_cast<std::uint8_t>(heap::BasicType::Long);
constexpr auto kFloat = static_cast<std::uint8_t>(heap::BasicType::Float);
constexpr std::size_t kSegmentLimit = 8 * 1024 * 1024;

constexpr std::uint32_t kPayloadBytes = 1024; // of a session (LeakyService --payload-bytes)
constexpr std::size_t kListeners = 2000;
constexpr std::size_t kConnections = 8;
// Products the request threads are working on keep a dump at 3-4 MB however young the pod; each is
// held by a stack frame, so no one object accumulates them (they are no leak suspect).
constexpr std::size_t kProducts = 1500;
constexpr std::uint32_t kRequestThreads = 8;
constexpr std::uint32_t kProductTextBytes = 2048;
// Each session costs its payload plus about 250 bytes of records (node, key, user, counters).
constexpr std::int64_t kSessionRecordBytes = kPayloadBytes + 250;

using Fields = std::vector<heap::HprofWriter::InstanceField>;
using Statics = std::vector<heap::HprofWriter::StaticField>;

struct ClassDef {
    std::uint64_t id;
    std::uint64_t nameId;
    std::uint64_t superId;
    std::uint32_t instanceSize;
    Fields fields;
    Statics statics;
};

// A session's payload: the cart it serialised, repetitive keys and varying numbers, so the dump
// compresses about as much as a real one.
std::string payloadText(std::uint64_t seed, std::uint64_t index, std::size_t length = kPayloadBytes)
{
    std::uint64_t h = mixHash(seed, index);
    std::string s = "{\"cart\":\"c-" + std::to_string(h % 100000000) + "\",\"items\":[";
    for (int i = 0; s.size() < length; ++i) {
        h = mixHash(h, static_cast<std::uint64_t>(i));
        s += "{\"sku\":\"SKU-" + std::to_string(h % 90000 + 10000) + "\",\"qty\":" + std::to_string(1 + h % 5)
            + ",\"price\":" + std::to_string(h % 20000) + ",\"currency\":\"EUR\"},";
    }
    s.resize(length);
    return s;
}

// Java's String.hashCode, spread as HashMap.hash() does.
std::uint32_t javaHash(const std::string& text)
{
    std::uint32_t h = 0;
    for (unsigned char c : text)
        h = 31 * h + c;
    return h ^ (h >> 16);
}

class HeapWriter {
public:
    HeapWriter(const HeapDumpShape& shape, const std::function<void(QByteArrayView)>& sink)
        : m_w(8, "JAVA PROFILE 1.0.2", static_cast<std::uint64_t>(shape.timestampMs))
        , m_sink(sink)
    {
        m_w.setStackTraceSerial(1);
    }

    heap::HprofWriter& w() { return m_w; }
    std::uint64_t newId() { return m_nextId += 16; }
    std::uint64_t utf8(const std::string& text)
    {
        const std::uint64_t id = newId();
        m_w.utf8(id, text);
        return id;
    }
    ClassDef& addClass(
        const std::string& name, std::uint64_t superId, std::uint32_t size, Fields fields = {}, Statics statics = {})
    {
        m_classes.push_back(ClassDef { newId(), utf8(name), superId, size, std::move(fields), std::move(statics) });
        return m_classes.back();
    }
    const std::vector<ClassDef>& classes() const { return m_classes; }
    void reserveClasses(std::size_t n) { m_classes.reserve(n); }

    void beginHeap()
    {
        std::uint32_t serial = 0;
        for (const ClassDef& c : m_classes)
            m_w.loadClass(++serial, c.id, c.nameId);
        m_w.beginSegment(tag::HeapDumpSegment);
        m_segment = m_w.size();
        for (const ClassDef& c : m_classes)
            m_w.rootStickyClass(c.id);
        for (const ClassDef& c : m_classes)
            m_w.classDump({ c.id, c.superId, 0, c.instanceSize, {}, c.statics, c.fields });
    }
    // Ends the segment every few MiB: its length is final then, and its bytes can be handed over.
    void maybeSplit()
    {
        if (m_w.size() - m_segment > kSegmentLimit) {
            m_w.endSegment();
            handOver();
            m_w.beginSegment(tag::HeapDumpSegment);
            m_segment = m_w.size();
        }
    }
    QByteArray finish()
    {
        m_w.endSegment();
        m_w.heapDumpEnd();
        handOver();
        return QByteArray(reinterpret_cast<const char*>(m_w.bytes().data()), static_cast<qsizetype>(m_w.size()));
    }

    void bytes(std::uint64_t id, const std::string& text)
    {
        m_w.primitiveArrayBytes(id, kByte, reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    }

private:
    void handOver()
    {
        if (m_sink && m_w.size() > m_handedOver) {
            const auto ready = m_w.tail(m_handedOver);
            m_sink(QByteArrayView(reinterpret_cast<const char*>(ready.first), static_cast<qsizetype>(ready.second)));
        }
        m_handedOver = m_w.size();
    }

    heap::HprofWriter m_w;
    const std::function<void(QByteArrayView)>& m_sink;
    std::vector<ClassDef> m_classes;
    std::uint64_t m_nextId = 0x7f0000000ULL;
    std::size_t m_handedOver = 0;
    std::size_t m_segment = 0;
};

} // namespace

std::size_t sessionsInDump(const HeapDumpShape& shape)
{
    if (shape.targetBytes) {
        const std::int64_t fixedBytes = std::int64_t(kProducts) * (kProductTextBytes + 120) + 300 * 1024;
        const std::int64_t live = shape.liveOnly ? *shape.targetBytes : *shape.targetBytes * 4 / 5;
        return static_cast<std::size_t>(std::max<std::int64_t>(16, (live - fixedBytes) / kSessionRecordBytes));
    }
    return std::min(
        kMaxSessions, static_cast<std::size_t>(std::max<std::int64_t>(0, shape.leakedBytes) / kLeakedBytesPerSession));
}

QByteArray syntheticHeapDump(const HeapDumpShape& shape, const std::function<void(QByteArrayView)>& sink)
{
    const std::size_t sessions = sessionsInDump(shape);
    HeapWriter h(shape, sink);
    heap::HprofWriter& w = h.w();
    w.reserve(
        static_cast<std::size_t>(sessions * kSessionRecordBytes + kProducts * (kProductTextBytes + 120) + 512 * 1024));
    w.stackTrace(1, 0, {}); // serial 1 of thread 0, no frames

    // Field names, then the classes (LOAD CLASS and UTF8 records come before the heap segment).
    auto f = [&](const char* name) { return h.utf8(name); };
    const std::uint64_t value = f("value"), coder = f("coder"), hash = f("hash");
    const std::uint64_t table = f("table"), size = f("size"), modCount = f("modCount"), threshold = f("threshold"),
                        loadFactor = f("loadFactor");
    const std::uint64_t key = f("key"), val = f("val"), next = f("next");
    const std::uint64_t elementData = f("elementData");
    const std::uint64_t createdAt = f("createdAt"), user = f("user"), payload = f("payload"), counters = f("counters");
    const std::uint64_t requestId = f("requestId"), context = f("context"), listeners = f("listeners");
    const std::uint64_t buffer = f("buffer"), id = f("id"), name = f("name"), descriptionField = f("description");
    const std::uint64_t entriesName = f("ENTRIES"), instanceName = f("INSTANCE"), openName = f("OPEN");

    const std::uint64_t entriesMap = h.newId(), eventBus = h.newId(), openList = h.newId();
    h.reserveClasses(20); // references into it are held while classes are added
    const std::uint64_t object = h.addClass("java/lang/Object", 0, 16).id;
    h.addClass("[B", object, 16);
    h.addClass("[C", object, 16);
    h.addClass("[I", object, 16);
    const std::uint64_t objectArray = h.addClass("[Ljava/lang/Object;", object, 16).id;
    const std::uint64_t string
        = h.addClass("java/lang/String", object, 24, { { value, kObject }, { coder, kByte }, { hash, kInt } }).id;
    const std::uint64_t hashMap
        = h.addClass("java/util/HashMap", object, 48,
               { { table, kObject }, { size, kInt }, { modCount, kInt }, { threshold, kInt }, { loadFactor, kFloat } })
              .id;
    const std::uint64_t node = h.addClass("java/util/HashMap$Node", object, 32,
                                    { { hash, kInt }, { key, kObject }, { val, kObject }, { next, kObject } })
                                   .id;
    const std::uint64_t nodeArray = h.addClass("[Ljava/util/HashMap$Node;", object, 16).id;
    const std::uint64_t arrayList
        = h.addClass("java/util/ArrayList", object, 24, { { elementData, kObject }, { size, kInt } }).id;
    h.addClass("LeakyService$SessionCache", object, 16, {}, { { entriesName, kObject, entriesMap } });
    const std::uint64_t session = h.addClass("LeakyService$Session", object, 40,
                                       { { createdAt, kLong }, { user, kObject }, { payload, kObject },
                                           { counters, kObject }, { next, kObject } })
                                      .id;
    const std::uint64_t bus = h.addClass("LeakyService$EventBus", object, 16, { { listeners, kObject } },
                                   { { instanceName, kObject, eventBus } })
                                  .id;
    const std::uint64_t listener
        = h.addClass("LeakyService$RequestScopedListener", object, 24, { { requestId, kLong }, { context, kObject } })
              .id;
    const std::uint64_t connection = h.addClass("LeakyService$BackendConnection", object, 16, { { buffer, kObject } },
                                          { { openName, kObject, openList } })
                                         .id;
    const std::uint64_t product = h.addClass("LeakyService$Product", object, 24,
                                       { { id, kLong }, { name, kObject }, { descriptionField, kObject } })
                                      .id;
    const std::uint64_t request = h.addClass("LeakyService$OrderRequest", object, 16, { { payload, kObject } }).id;

    h.beginHeap();
    auto newString = [&](const std::string& text) {
        const std::uint64_t s = h.newId(), bytes = h.newId();
        w.instance(s, string, { { kObject, bytes }, { kByte, 0 }, { kInt, javaHash(text) } });
        h.bytes(bytes, text);
        return s;
    };
    auto newArrayList = [&](std::uint64_t list, const std::vector<std::uint64_t>& elements) {
        const std::uint64_t data = h.newId();
        w.instance(list, arrayList, { { kObject, data }, { kInt, elements.size() } });
        w.objectArray(data, objectArray, elements);
    };

    // The leak: SessionCache.ENTRIES, a HashMap that only grows (LeakyService.main's loop).
    std::size_t capacity = 16;
    while (double(capacity) * 0.75 < double(sessions))
        capacity *= 2;
    std::vector<std::uint64_t> buckets(capacity, 0);
    std::uint64_t previous = 0;
    const std::int64_t createdFrom = shape.timestampMs - std::int64_t(sessions) * 1000;
    for (std::size_t i = 0; i < sessions; ++i) {
        const std::string keyText = "session-" + std::to_string(i);
        const std::uint32_t keyHash = javaHash(keyText);
        const std::uint64_t s = h.newId(), data = h.newId(), numbers = h.newId(), n = h.newId();
        const std::uint64_t userName = newString("user-" + std::to_string(mixHash(shape.seed, i) % 5000));
        w.instance(s, session,
            { { kLong, static_cast<std::uint64_t>(createdFrom + std::int64_t(i) * 1000) }, { kObject, userName },
                { kObject, data }, { kObject, numbers }, { kObject, i % 8 == 0 ? previous : 0 } });
        h.bytes(data, payloadText(shape.seed, i));
        w.primitiveArray(numbers, kInt, 4);
        previous = s;
        std::uint64_t& bucket = buckets[keyHash & (capacity - 1)];
        w.instance(
            n, node, { { kInt, keyHash }, { kObject, newString(keyText) }, { kObject, s }, { kObject, bucket } });
        bucket = n;
        h.maybeSplit();
    }
    const std::uint64_t tableArray = h.newId();
    w.instance(entriesMap, hashMap,
        { { kObject, tableArray }, { kInt, sessions }, { kInt, sessions }, { kInt, std::uint64_t(capacity * 3 / 4) },
            { kFloat, 0x3f400000 } }); // 0.75f
    w.objectArray(tableArray, nodeArray, buckets);

    // What stays the same size: listeners never removed (a leak of their own, not growing here),
    // connections left open, the products in the request threads' hands.
    std::vector<std::uint64_t> listenerIds;
    for (std::size_t i = 0; i < kListeners; ++i) {
        const std::uint64_t l = h.newId(), chars = h.newId();
        w.instance(l, listener, { { kLong, i }, { kObject, chars } });
        w.primitiveArray(chars, kChar, 16);
        listenerIds.push_back(l);
    }
    const std::uint64_t busListeners = h.newId();
    w.instance(eventBus, bus, { { kObject, busListeners } });
    newArrayList(busListeners, listenerIds);
    std::vector<std::uint64_t> connectionIds;
    for (std::size_t i = 0; i < kConnections; ++i) {
        const std::uint64_t c = h.newId(), data = h.newId();
        w.instance(c, connection, { { kObject, data } });
        w.primitiveArray(data, kByte, 1024);
        connectionIds.push_back(c);
    }
    newArrayList(openList, connectionIds);
    for (std::size_t i = 0; i < kProducts; ++i) {
        const std::uint64_t p = h.newId(), description = h.newId();
        w.instance(p, product,
            { { kLong, 10000 + i }, { kObject, newString("SKU-" + std::to_string(10000 + i)) },
                { kObject, description } });
        h.bytes(description, payloadText(0xca7a, i, kProductTextBytes)); // the same products in every dump
        w.rootJavaFrame(p, 1 + std::uint32_t(i) % kRequestThreads);
        h.maybeSplit();
    }

    if (!shape.liveOnly) {
        // Unreachable requests a live dump would have collected first: a quarter on top.
        const std::size_t live = w.size();
        for (std::size_t i = 0; w.size() < live + live / 4; ++i) {
            const std::uint64_t r = h.newId(), body = h.newId();
            w.instance(r, request, { { kObject, body } });
            w.primitiveArray(body, kByte, 512 + std::uint32_t(mixHash(~shape.seed, i) % 1024));
            h.maybeSplit();
        }
    }
    return h.finish();
}

} // namespace leakdesk::sandbox
