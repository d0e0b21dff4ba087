#pragma once
// HprofWriter: writes HPROF files record by record in the format HprofFormat.h reads (tags, value
// sizes and byte order come from there). One writer for every dump LeakDesk makes itself: the
// sandbox's synthetic heap dumps (core/sandbox/SyntheticHeapDump) and the small hand-built dumps of
// the tests and the fuzz corpus. It remembers where each record and sub-record starts, for the
// truncation tests, and hands over the bytes that are final (closed records) to a streaming sink.
// Header-only, on std, like HprofFormat.h.

#include "core/heap/HprofFormat.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leakdesk::heap {

class HprofWriter {
public:
    // The header: `version`, NUL, u4 identifier size, u8 timestamp (ms).
    explicit HprofWriter(unsigned idSize = 8, std::string_view version = "JAVA PROFILE 1.0.2",
        std::uint64_t timestampMs = 1700000000000ull)
        : m_idSize(idSize)
    {
        m_out.insert(m_out.end(), version.begin(), version.end());
        m_out.push_back(0);
        u4(idSize);
        u8(timestampMs);
        m_headerEnd = m_out.size();
    }

    unsigned idSize() const { return m_idSize; }
    std::size_t headerEnd() const { return m_headerEnd; }
    // The stack trace serial written into LOAD CLASS and every object, class and array record
    // (0: none, as hand-built dumps have; a JVM writes the serial of a STACK TRACE record).
    void setStackTraceSerial(std::uint32_t serial) { m_stackTraceSerial = serial; }
    void reserve(std::size_t bytes) { m_out.reserve(bytes); }

    // ---- numbers, big-endian -------------------------------------------------------------
    void u1(std::uint8_t v) { m_out.push_back(v); }
    void u2(std::uint16_t v)
    {
        m_out.push_back(std::uint8_t(v >> 8));
        m_out.push_back(std::uint8_t(v));
    }
    void u4(std::uint32_t v)
    {
        for (int i = 3; i >= 0; --i)
            m_out.push_back(std::uint8_t(v >> (8 * i)));
    }
    void u8(std::uint64_t v)
    {
        for (int i = 7; i >= 0; --i)
            m_out.push_back(std::uint8_t(v >> (8 * i)));
    }
    // An identifier of the dump's identifier size.
    void id(std::uint64_t v)
    {
        if (m_idSize == 4)
            u4(std::uint32_t(v));
        else
            u8(v);
    }
    void raw(const std::uint8_t* data, std::size_t size) { m_out.insert(m_out.end(), data, data + size); }
    void raw(std::string_view text) { m_out.insert(m_out.end(), text.begin(), text.end()); }
    // A value of HPROF basic type `type` (objects as identifiers).
    void value(std::uint8_t type, std::uint64_t v)
    {
        switch (valueSize(type)) {
        case 1:
            u1(std::uint8_t(v));
            break;
        case 2:
            u2(std::uint16_t(v));
            break;
        case 4:
            u4(std::uint32_t(v));
            break;
        default:
            u8(v);
        }
    }
    // Bytes of a value of `type`; an unknown type counts as 8, so that a test can write one.
    unsigned valueSize(std::uint8_t type) const
    {
        const unsigned size = heap::valueSize(type, m_idSize);
        return size == 0 ? 8 : size;
    }

    // ---- top-level records -----------------------------------------------------------------
    // Opens a record: tag, u4 microseconds (0), u4 length written by endRecord(). Records do not nest.
    void beginRecord(std::uint8_t tag)
    {
        m_boundaries.push_back(m_out.size());
        m_out.push_back(tag);
        u4(0);
        m_lengthAt = m_out.size();
        u4(0);
    }
    void endRecord()
    {
        const std::uint32_t len = std::uint32_t(m_out.size() - m_lengthAt - 4);
        for (int i = 0; i < 4; ++i)
            m_out[m_lengthAt + std::size_t(i)] = std::uint8_t(len >> (24 - 8 * i));
    }

    void utf8(std::uint64_t stringId, std::string_view text)
    {
        beginRecord(tag::Utf8);
        id(stringId);
        raw(text);
        endRecord();
    }
    // A UTF8 record under the next free string id (from 0x100000), which it returns.
    std::uint64_t utf8(std::string_view text)
    {
        const std::uint64_t stringId = m_nextStringId++;
        utf8(stringId, text);
        return stringId;
    }
    void loadClass(std::uint32_t serial, std::uint64_t classId, std::uint64_t nameId)
    {
        beginRecord(tag::LoadClass);
        u4(serial);
        id(classId);
        u4(m_stackTraceSerial);
        id(nameId);
        endRecord();
    }
    // LOAD CLASS with its name written first as a UTF8 record.
    void loadClass(std::uint32_t serial, std::uint64_t classId, std::string_view name)
    {
        loadClass(serial, classId, utf8(name));
    }
    void stackFrame(std::uint64_t frameId, std::string_view method, std::uint32_t classSerial, std::int32_t line)
    {
        const std::uint64_t m = utf8(method), sig = utf8("()V"), src = utf8("Test.java");
        beginRecord(tag::StackFrame);
        id(frameId);
        id(m);
        id(sig);
        id(src);
        u4(classSerial);
        u4(std::uint32_t(line));
        endRecord();
    }
    void stackTrace(std::uint32_t serial, std::uint32_t threadSerial, const std::vector<std::uint64_t>& frames)
    {
        beginRecord(tag::StackTrace);
        u4(serial);
        u4(threadSerial);
        u4(std::uint32_t(frames.size()));
        for (auto f : frames)
            id(f);
        endRecord();
    }
    // A record the analyses skip (HEAP SUMMARY, START THREAD, CONTROL SETTINGS...).
    void opaque(std::uint8_t recordTag, std::size_t length)
    {
        beginRecord(recordTag);
        m_out.insert(m_out.end(), length, 0x5A);
        endRecord();
    }

    // ---- heap dump segments ------------------------------------------------------------------
    void beginSegment(std::uint8_t segmentTag = tag::HeapDumpSegment) { beginRecord(segmentTag); }
    void endSegment() { endRecord(); }
    void heapDumpEnd()
    {
        beginRecord(tag::HeapDumpEnd);
        endRecord();
    }

    void rootUnknown(std::uint64_t object) { sub(tag::RootUnknown), id(object); }
    void rootJniGlobal(std::uint64_t object) { sub(tag::RootJniGlobal), id(object), id(0x1234); }
    void rootJniLocal(std::uint64_t object, std::uint32_t thread)
    {
        sub(tag::RootJniLocal), id(object), u4(thread), u4(0);
    }
    void rootJavaFrame(std::uint64_t object, std::uint32_t thread)
    {
        sub(tag::RootJavaFrame), id(object), u4(thread), u4(0);
    }
    void rootNativeStack(std::uint64_t object, std::uint32_t thread)
    {
        sub(tag::RootNativeStack), id(object), u4(thread);
    }
    void rootStickyClass(std::uint64_t object) { sub(tag::RootStickyClass), id(object); }
    void rootThreadBlock(std::uint64_t object, std::uint32_t thread)
    {
        sub(tag::RootThreadBlock), id(object), u4(thread);
    }
    void rootMonitorUsed(std::uint64_t object) { sub(tag::RootMonitorUsed), id(object); }
    void rootThreadObject(std::uint64_t object, std::uint32_t thread)
    {
        sub(tag::RootThreadObject), id(object), u4(thread), u4(0);
    }

    struct ConstantPoolEntry {
        std::uint16_t index;
        std::uint8_t type;
        std::uint64_t value;
    };
    struct StaticField {
        std::uint64_t nameId;
        std::uint8_t type;
        std::uint64_t value;
    };
    struct InstanceField {
        std::uint64_t nameId;
        std::uint8_t type;
    };
    struct ClassDump {
        std::uint64_t classId = 0;
        std::uint64_t superId = 0;
        std::uint64_t loaderId = 0;
        std::uint32_t instanceSize = 0;
        std::vector<ConstantPoolEntry> constantPool;
        std::vector<StaticField> statics;
        std::vector<InstanceField> fields;
    };
    void classDump(const ClassDump& c)
    {
        sub(tag::ClassDump);
        id(c.classId);
        u4(m_stackTraceSerial);
        id(c.superId);
        id(c.loaderId);
        for (int i = 0; i < 4; ++i)
            id(0); // signers, protection domain, two reserved
        u4(c.instanceSize);
        u2(std::uint16_t(c.constantPool.size()));
        for (const auto& e : c.constantPool) {
            u2(e.index);
            u1(e.type);
            value(e.type, e.value);
        }
        u2(std::uint16_t(c.statics.size()));
        for (const auto& s : c.statics) {
            id(s.nameId);
            u1(s.type);
            value(s.type, s.value);
        }
        u2(std::uint16_t(c.fields.size()));
        for (const auto& f : c.fields) {
            id(f.nameId);
            u1(f.type);
        }
    }

    // Field and static names of the hand-built dumps: registered as UTF8 records by prepareNames()
    // (before beginSegment(): UTF8 records cannot nest inside a segment), looked up by classDump().
    struct Field {
        std::string name;
        std::uint8_t type;
    };
    struct Static {
        std::string name;
        std::uint8_t type;
        std::uint64_t value;
    };
    void prepareNames(const std::vector<std::string>& names)
    {
        for (const auto& n : names)
            m_names.emplace_back(n, utf8(n));
    }
    // A class dump by names, its instance size the sum of its fields' sizes, and two constant pool
    // entries of different types, which readers must skip correctly.
    void classDump(std::uint64_t classId, std::uint64_t superId, const std::vector<Static>& statics,
        const std::vector<Field>& fields, std::uint64_t loaderId = 0)
    {
        ClassDump c;
        c.classId = classId;
        c.superId = superId;
        c.loaderId = loaderId;
        c.constantPool = { { 1, std::uint8_t(BasicType::Int), 42 }, { 2, std::uint8_t(BasicType::Long), 7 } };
        for (const auto& s : statics)
            c.statics.push_back({ nameId(s.name), s.type, s.value });
        for (const auto& f : fields) {
            c.instanceSize += valueSize(f.type);
            c.fields.push_back({ nameId(f.name), f.type });
        }
        classDump(c);
    }

    // Instance data: (type, value) in HPROF order (own fields first, then superclass fields).
    void instance(
        std::uint64_t object, std::uint64_t classId, const std::vector<std::pair<std::uint8_t, std::uint64_t>>& values)
    {
        sub(tag::InstanceDump);
        id(object);
        u4(m_stackTraceSerial);
        id(classId);
        std::uint32_t size = 0;
        for (const auto& v : values)
            size += valueSize(v.first);
        u4(size);
        for (const auto& v : values)
            value(v.first, v.second);
    }
    void objectArray(std::uint64_t object, std::uint64_t arrayClassId, const std::vector<std::uint64_t>& elements)
    {
        sub(tag::ObjectArrayDump);
        id(object);
        u4(m_stackTraceSerial);
        u4(std::uint32_t(elements.size()));
        id(arrayClassId);
        for (auto e : elements)
            id(e);
    }
    // `length` elements of `type`, every byte `fill`.
    void primitiveArray(std::uint64_t object, std::uint8_t type, std::uint32_t length, std::uint8_t fill = 0)
    {
        primitiveArrayHeader(object, type, length);
        m_out.insert(m_out.end(), std::size_t(length) * valueSize(type), fill);
    }
    // The elements as they stand in the dump (big-endian).
    void primitiveArrayBytes(std::uint64_t object, std::uint8_t type, const std::uint8_t* bytes, std::size_t size)
    {
        primitiveArrayHeader(object, type, std::uint32_t(size / valueSize(type)));
        raw(bytes, size);
    }
    void primitiveArrayBytes(std::uint64_t object, std::uint8_t type, const std::vector<std::uint8_t>& bytes)
    {
        primitiveArrayBytes(object, type, bytes.data(), bytes.size());
    }

    // ---- the file ----------------------------------------------------------------------------
    const std::vector<std::uint8_t>& bytes() const { return m_out; }
    std::size_t size() const { return m_out.size(); }
    // Offsets where a top-level record or a heap dump sub-record starts, plus the file end.
    std::vector<std::size_t> boundaries() const
    {
        std::vector<std::size_t> b = m_boundaries;
        b.push_back(m_out.size());
        return b;
    }
    // Offsets of the sub-records that describe objects (instances, arrays, class dumps).
    const std::vector<std::size_t>& objectRecordOffsets() const { return m_objectRecords; }
    // The bytes from `from` on, which the caller knows are final (no record left open among them).
    std::pair<const std::uint8_t*, std::size_t> tail(std::size_t from) const
    {
        return { m_out.data() + from, m_out.size() - from };
    }

private:
    void sub(std::uint8_t subTag)
    {
        m_boundaries.push_back(m_out.size());
        if (subTag == tag::ClassDump || subTag == tag::InstanceDump || subTag == tag::ObjectArrayDump
            || subTag == tag::PrimitiveArrayDump)
            m_objectRecords.push_back(m_out.size());
        m_out.push_back(subTag);
    }
    void primitiveArrayHeader(std::uint64_t object, std::uint8_t type, std::uint32_t length)
    {
        sub(tag::PrimitiveArrayDump);
        id(object);
        u4(m_stackTraceSerial);
        u4(length);
        u1(type);
    }
    std::uint64_t nameId(const std::string& n) const
    {
        for (const auto& [name, stringId] : m_names)
            if (name == n)
                return stringId;
        return 0; // unknown name: readers must cope
    }

    unsigned m_idSize;
    std::uint32_t m_stackTraceSerial = 0;
    std::vector<std::uint8_t> m_out;
    std::size_t m_headerEnd = 0;
    std::size_t m_lengthAt = 0;
    std::uint64_t m_nextStringId = 0x100000;
    std::vector<std::pair<std::string, std::uint64_t>> m_names;
    std::vector<std::size_t> m_boundaries;
    std::vector<std::size_t> m_objectRecords;
};

} // namespace leakdesk::heap
