#pragma once
// HprofWriter: builds small HPROF files byte by byte for tests and the fuzz corpus, so every
// record and sub-record type (and identifier size 4) is exercised with known content. It also
// remembers where each record and sub-record starts, for truncation tests.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leakdesk::heap::test {

class HprofWriter {
public:
    explicit HprofWriter(unsigned idSize = 8, std::string version = "JAVA PROFILE 1.0.2")
        : m_idSize(idSize)
    {
        m_out.insert(m_out.end(), version.begin(), version.end());
        m_out.push_back(0);
        u4(idSize);
        u8(1700000000000ull);
        m_headerEnd = m_out.size();
    }

    unsigned idSize() const { return m_idSize; }
    std::size_t headerEnd() const { return m_headerEnd; }

    // ---- top-level records -------------------------------------------------------------
    std::uint64_t utf8(std::string_view text)
    {
        const std::uint64_t id = m_nextStringId++;
        begin(0x01);
        idv(id);
        m_out.insert(m_out.end(), text.begin(), text.end());
        end();
        return id;
    }
    void loadClass(std::uint32_t serial, std::uint64_t classId, std::string_view name)
    {
        const std::uint64_t nameId = utf8(name);
        begin(0x02);
        u4(serial);
        idv(classId);
        u4(0);
        idv(nameId);
        end();
    }
    void stackFrame(std::uint64_t frameId, std::string_view method, std::uint32_t classSerial, std::int32_t line)
    {
        const std::uint64_t m = utf8(method), sig = utf8("()V"), src = utf8("Test.java");
        begin(0x04);
        idv(frameId);
        idv(m);
        idv(sig);
        idv(src);
        u4(classSerial);
        u4(std::uint32_t(line));
        end();
    }
    void stackTrace(std::uint32_t serial, std::uint32_t threadSerial, const std::vector<std::uint64_t>& frames)
    {
        begin(0x05);
        u4(serial);
        u4(threadSerial);
        u4(std::uint32_t(frames.size()));
        for (auto f : frames)
            idv(f);
        end();
    }
    // A record the analyses skip (HEAP SUMMARY, START THREAD, CONTROL SETTINGS...).
    void opaque(std::uint8_t tag, std::size_t length)
    {
        begin(tag);
        m_out.insert(m_out.end(), length, 0x5A);
        end();
    }

    // ---- heap dump segments ---------------------------------------------------------------
    void beginSegment(std::uint8_t tag = 0x1C) { begin(tag); }
    void endSegment() { end(); }
    void heapDumpEnd()
    {
        begin(0x2C);
        end();
    }

    void rootUnknown(std::uint64_t id) { sub(0xFF), idv(id); }
    void rootJniGlobal(std::uint64_t id) { sub(0x01), idv(id), idv(0x1234); }
    void rootJniLocal(std::uint64_t id, std::uint32_t thread) { sub(0x02), idv(id), u4(thread), u4(0); }
    void rootJavaFrame(std::uint64_t id, std::uint32_t thread) { sub(0x03), idv(id), u4(thread), u4(0); }
    void rootNativeStack(std::uint64_t id, std::uint32_t thread) { sub(0x04), idv(id), u4(thread); }
    void rootStickyClass(std::uint64_t id) { sub(0x05), idv(id); }
    void rootThreadBlock(std::uint64_t id, std::uint32_t thread) { sub(0x06), idv(id), u4(thread); }
    void rootMonitorUsed(std::uint64_t id) { sub(0x07), idv(id); }
    void rootThreadObject(std::uint64_t id, std::uint32_t thread) { sub(0x08), idv(id), u4(thread), u4(0); }

    struct Field {
        std::string name;
        std::uint8_t type;
    };
    struct Static {
        std::string name;
        std::uint8_t type;
        std::uint64_t value;
    };
    void classDump(std::uint64_t classId, std::uint64_t superId, const std::vector<Static>& statics,
        const std::vector<Field>& fields, std::uint64_t loaderId = 0)
    {
        // Names first: UTF8 records cannot nest inside the segment, so they are prepared by the
        // caller through prepareNames() or written before beginSegment(); here ids are looked up.
        sub(0x20);
        idv(classId);
        u4(0);
        idv(superId);
        idv(loaderId);
        idv(0);
        idv(0);
        idv(0);
        idv(0);
        std::uint32_t size = 0;
        for (const auto& f : fields)
            size += valueSize(f.type);
        u4(size);
        // Two constant pool entries of different types, which readers must skip correctly.
        u2(2);
        u2(1);
        m_out.push_back(10);
        u4(42);
        u2(2);
        m_out.push_back(11);
        u8(7);
        u2(std::uint16_t(statics.size()));
        for (const auto& s : statics) {
            idv(nameId(s.name));
            m_out.push_back(s.type);
            value(s.type, s.value);
        }
        u2(std::uint16_t(fields.size()));
        for (const auto& f : fields) {
            idv(nameId(f.name));
            m_out.push_back(f.type);
        }
    }
    // Instance data: field values in HPROF order (own fields first, then superclass fields).
    void instance(
        std::uint64_t id, std::uint64_t classId, const std::vector<std::pair<std::uint8_t, std::uint64_t>>& values)
    {
        sub(0x21);
        idv(id);
        u4(0);
        idv(classId);
        std::uint32_t size = 0;
        for (const auto& v : values)
            size += valueSize(v.first);
        u4(size);
        for (const auto& v : values)
            value(v.first, v.second);
    }
    void objectArray(std::uint64_t id, std::uint64_t arrayClassId, const std::vector<std::uint64_t>& elements)
    {
        sub(0x22);
        idv(id);
        u4(0);
        u4(std::uint32_t(elements.size()));
        idv(arrayClassId);
        for (auto e : elements)
            idv(e);
    }
    void primitiveArray(std::uint64_t id, std::uint8_t type, std::uint32_t length, std::uint8_t fill = 0)
    {
        sub(0x23);
        idv(id);
        u4(0);
        u4(length);
        m_out.push_back(type);
        m_out.insert(m_out.end(), std::size_t(length) * valueSize(type), fill);
    }
    void primitiveArrayBytes(std::uint64_t id, std::uint8_t type, const std::vector<std::uint8_t>& bytes)
    {
        sub(0x23);
        idv(id);
        u4(0);
        u4(std::uint32_t(bytes.size() / valueSize(type)));
        m_out.push_back(type);
        m_out.insert(m_out.end(), bytes.begin(), bytes.end());
    }

    // Registers field/static names as UTF8 records (call before beginSegment()).
    void prepareNames(const std::vector<std::string>& names)
    {
        for (const auto& n : names)
            m_names.emplace_back(n, utf8(n));
    }

    const std::vector<std::uint8_t>& bytes() const { return m_out; }
    // Offsets where a top-level record or a heap dump sub-record starts, plus the file end.
    std::vector<std::size_t> boundaries() const
    {
        std::vector<std::size_t> b = m_boundaries;
        b.push_back(m_out.size());
        return b;
    }
    // Offsets of the sub-records that describe objects (instances, arrays, class dumps).
    const std::vector<std::size_t>& objectRecordOffsets() const { return m_objectRecords; }

    unsigned valueSize(std::uint8_t type) const
    {
        switch (type) {
        case 2:
            return m_idSize;
        case 4:
        case 8:
            return 1;
        case 5:
        case 9:
            return 2;
        case 6:
        case 10:
            return 4;
        default:
            return 8;
        }
    }

private:
    void begin(std::uint8_t tag)
    {
        m_boundaries.push_back(m_out.size());
        m_out.push_back(tag);
        u4(0);
        m_lengthAt = m_out.size();
        u4(0);
    }
    void end()
    {
        const std::uint32_t len = std::uint32_t(m_out.size() - m_lengthAt - 4);
        for (int i = 0; i < 4; ++i)
            m_out[m_lengthAt + std::size_t(i)] = std::uint8_t(len >> (24 - 8 * i));
    }
    void sub(std::uint8_t tag)
    {
        m_boundaries.push_back(m_out.size());
        if (tag == 0x20 || tag == 0x21 || tag == 0x22 || tag == 0x23)
            m_objectRecords.push_back(m_out.size());
        m_out.push_back(tag);
    }
    std::uint64_t nameId(const std::string& n)
    {
        for (const auto& [name, id] : m_names)
            if (name == n)
                return id;
        return 0; // unknown name: readers must cope
    }
    void value(std::uint8_t type, std::uint64_t v)
    {
        switch (valueSize(type)) {
        case 1:
            m_out.push_back(std::uint8_t(v));
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
    void idv(std::uint64_t v)
    {
        if (m_idSize == 4)
            u4(std::uint32_t(v));
        else
            u8(v);
    }
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

    unsigned m_idSize;
    std::vector<std::uint8_t> m_out;
    std::size_t m_headerEnd = 0;
    std::size_t m_lengthAt = 0;
    std::uint64_t m_nextStringId = 0x100000;
    std::vector<std::pair<std::string, std::uint64_t>> m_names;
    std::vector<std::size_t> m_boundaries;
    std::vector<std::size_t> m_objectRecords;
};

} // namespace leakdesk::heap::test
