#pragma once
// HeapSnapshot: every object of a dump in compact parallel arrays, plus the object graph in
// compressed sparse rows, both directions.
//
// Objects are numbered 0..n-1 in address order (HotSpot writes them that way; other dumps are
// sorted). Per object the snapshot keeps 24 bytes: id, record offset, class index and size, so
// a 15 M-object dump needs ~360 MB besides the graph (4 bytes per edge and direction). Field
// values are read back from the mapped file through the record offset when needed, never copied.
// Weak, soft, phantom and final references (Reference.referent) are not edges: they keep nothing
// alive, so they neither retain memory nor form paths from GC roots.

#include "core/heap/AnalysisProgress.h"
#include "core/heap/ClassTable.h"
#include "core/heap/HeapSurvey.h"
#include "core/heap/HprofFile.h"
#include "core/heap/HprofFormat.h"
#include "core/common/Result.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace leakdesk::heap {

enum class ObjectKind : std::uint8_t { Instance, ObjectArray, PrimitiveArray, Class };

class HeapSnapshot {
public:
    static Result<std::shared_ptr<const HeapSnapshot>> load(
        std::shared_ptr<const HprofFile> file, AnalysisProgress* progress = nullptr);

    const HprofFile& file() const { return *m_file; }
    const ClassTable& classes() const { return m_classes; }
    const std::vector<GcRoot>& roots() const { return m_roots; }
    // Distinct objects that are GC roots, ascending.
    const std::vector<std::uint32_t>& rootObjects() const { return m_rootObjects; }
    const std::optional<Error>& damage() const { return m_damage; }

    std::uint32_t objectCount() const { return std::uint32_t(m_ids.size()); }
    std::uint64_t objectId(std::uint32_t i) const { return m_ids[i]; }
    std::uint64_t recordOffset(std::uint32_t i) const { return m_offsets[i]; }
    // Class-table index of the object's class (java.lang.Class for class objects).
    std::uint32_t classOf(std::uint32_t i) const { return m_classOf[i]; }
    std::uint64_t shallowSize(std::uint32_t i) const { return std::uint64_t(m_sizeUnits[i]) * 8; }
    ObjectKind kind(std::uint32_t i) const;
    // For a class object: the class-table index of the class it describes; else kNoIndex.
    std::uint32_t describedClass(std::uint32_t i) const;
    // Index of the object with `id`; kNoIndex when the dump has no such object.
    std::uint32_t findObject(std::uint64_t id) const;

    std::span<const std::uint32_t> references(std::uint32_t i) const
    {
        return { m_out.data() + m_outStart[i], m_out.data() + m_outStart[i + 1] };
    }
    std::span<const std::uint32_t> referrers(std::uint32_t i) const
    {
        return { m_in.data() + m_inStart[i], m_in.data() + m_inStart[i + 1] };
    }
    std::uint64_t edgeCount() const { return m_out.size(); }
    // The whole CSR arrays (n + 1 row starts, then the column indices), for graph algorithms.
    std::span<const std::uint32_t> outStarts() const { return m_outStart; }
    std::span<const std::uint32_t> outTargets() const { return m_out; }
    std::span<const std::uint32_t> inStarts() const { return m_inStart; }
    std::span<const std::uint32_t> inSources() const { return m_in; }

    // Field access, read from the mapped record.
    std::optional<std::uint64_t> fieldValue(std::uint32_t i, std::string_view field) const;
    std::uint32_t arrayLength(std::uint32_t i) const;
    // Non-null element ids of an object array.
    std::vector<std::uint64_t> arrayElements(std::uint32_t i) const;
    // Text of a java.lang.String (Latin-1/UTF-16 byte[] of JDK 9+, char[] before); nullopt otherwise.
    std::optional<std::string> stringValue(std::uint32_t i, std::size_t maxChars = 200) const;
    // "java.util.HashMap @ 0x7f0012345678"
    std::string describe(std::uint32_t i) const;
    // How `from` refers to `to`: "table", "[17]", "static CACHE", "<super class>", "<class loader>".
    std::string referenceName(std::uint32_t from, std::uint32_t to) const;

    // Calls f(targetId) for every strong reference held by object i, straight from its record.
    template<class F> void forEachReferenceId(std::uint32_t i, F&& f) const;

private:
    HeapSnapshot() = default;
    Status buildIndex(const HeapSurvey& survey, AnalysisProgress* progress);
    void buildLookup();
    Status buildGraph(AnalysisProgress* progress);

    std::shared_ptr<const HprofFile> m_file;
    ClassTable m_classes;
    std::vector<GcRoot> m_roots;
    std::vector<std::uint32_t> m_rootObjects;
    std::optional<Error> m_damage;

    std::vector<std::uint64_t> m_ids;
    std::vector<std::uint64_t> m_offsets;
    std::vector<std::uint32_t> m_classOf;
    std::vector<std::uint32_t> m_sizeUnits; // shallow size / 8

    // id -> index: object ids bucketed by (id - min) >> shift, each bucket a sorted run.
    std::uint64_t m_minId = 0;
    std::uint64_t m_maxId = 0;
    unsigned m_bucketShift = 0;
    std::vector<std::uint32_t> m_buckets;

    std::vector<std::uint32_t> m_outStart, m_out;
    std::vector<std::uint32_t> m_inStart, m_in;
};

template<class F> void HeapSnapshot::forEachReferenceId(std::uint32_t i, F&& f) const
{
    const unsigned id = m_file->idSize();
    const std::uint8_t* base = m_file->data();
    const std::uint8_t* r = base + m_offsets[i];
    switch (r[0]) {
    case tag::InstanceDump: {
        const std::uint32_t size = readU4(r + 1 + 2 * id + 4);
        const std::uint8_t* data = r + 1 + 2 * id + 8;
        if (m_classOf[i] == kNoIndex)
            break; // an instance of a class missing from the dump: its fields cannot be decoded
        const ClassInfo& c = m_classes[m_classOf[i]];
        for (const std::uint32_t off : c.strongRefOffsets) {
            if (off + id > size)
                break; // record shorter than its class says: corrupt, read what is there
            if (const std::uint64_t t = readId(data + off, id))
                f(t);
        }
        break;
    }
    case tag::ObjectArrayDump: {
        const std::uint32_t n = readU4(r + 1 + id + 4);
        const std::uint8_t* e = r + 1 + 2 * id + 8;
        for (std::uint32_t k = 0; k < n; ++k)
            if (const std::uint64_t t = readId(e + std::uint64_t(k) * id, id))
                f(t);
        break;
    }
    case tag::ClassDump: {
        const std::uint32_t c = describedClass(i);
        if (c == kNoIndex)
            break;
        const ClassInfo& ci = m_classes[c];
        if (ci.superId)
            f(ci.superId);
        if (ci.loaderId)
            f(ci.loaderId);
        if (ci.signersId)
            f(ci.signersId);
        if (ci.protectionDomainId)
            f(ci.protectionDomainId);
        for (const StaticFieldInfo& s : ci.statics)
            if (s.type == 2 && s.value)
                f(s.value);
        break;
    }
    default:
        break;
    }
}

} // namespace leakdesk::heap
