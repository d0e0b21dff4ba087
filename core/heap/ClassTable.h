#pragma once
// ClassTable: every class of a dump (from its LOAD CLASS and CLASS DUMP records) with its fields,
// static values, the offsets of its reference fields in HPROF instance data, and its shallow sizes.
//
// Shallow sizes follow HotSpot's field layout (JDK 15+ FieldLayoutBuilder: fields sorted by size,
// holes after the header and in superclasses filled best-fit, reference fields last) plus the
// fields the VM injects into a few core classes (they are never written to HPROF). A class object
// (java.lang.Class mirror) is java.lang.Class's instance size plus the class's static fields.

#include "core/heap/FlatIdMap.h"
#include "core/heap/HprofFile.h"
#include "core/heap/HprofFormat.h"
#include "core/heap/ObjectLayout.h"
#include "core/common/Result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakdesk::heap {

inline constexpr std::uint32_t kNoIndex = 0xFFFFFFFFu;

struct FieldInfo {
    std::string_view name; // points into the dump
    std::uint8_t type = 0; // BasicType
};

struct StaticFieldInfo {
    std::string_view name;
    std::uint8_t type = 0;
    std::uint64_t value = 0; // object id or the primitive's bits
};

struct ClassInfo {
    std::uint64_t id = 0; // the class object's id (0 for a synthetic primitive-array class)
    std::uint64_t superId = 0;
    std::uint64_t loaderId = 0;
    std::uint64_t signersId = 0;
    std::uint64_t protectionDomainId = 0;
    std::uint64_t recordOffset = 0; // of the CLASS DUMP sub-record
    std::uint32_t superIndex = kNoIndex;
    std::string internalName; // as in the dump: "java/util/HashMap", "[B", "Foo+0x0000000800c01000"
    std::string name; // Java name: "java.util.HashMap", "byte[]", "Foo/0x0000000800c01000"
    std::uint8_t arrayElementType = 0; // 0: not an array; 2: object array; else the primitive type
    std::vector<FieldInfo> fields; // own instance fields, dump order
    std::vector<StaticFieldInfo> statics; // as dumped (includes HotSpot's "<resolved_references>")
    std::uint32_t dataSize = 0; // HPROF instance data size including superclass fields
    std::vector<std::uint32_t> strongRefOffsets; // reference fields in instance data, weak referent excluded
    std::uint64_t instanceSize = 0; // shallow bytes of one instance in the JVM
    std::uint64_t mirrorSize = 0; // shallow bytes of this class's java.lang.Class object
    bool synthetic = false;
};

// The JVM's histogram name of a dumped class name: "java/lang/String" -> "java.lang.String",
// "[Ljava/lang/Object;" stays a descriptor "[Ljava.lang.Object;", hidden "X+0x1" -> "X/0x1".
std::string jvmHistogramName(std::string_view internalName);
// Readable Java name: "[Ljava/lang/Object;" -> "java.lang.Object[]", "[B" -> "byte[]".
std::string javaClassName(std::string_view internalName);

class ClassTable {
public:
    // Builds the table from the dump's LOAD CLASS records and the CLASS DUMP sub-records found at
    // `classDumpOffsets`, and computes shallow sizes for `layout`.
    static Result<ClassTable> build(
        const HprofFile& file, const std::vector<std::uint64_t>& classDumpOffsets, const ObjectLayout& layout);

    // Recomputes shallow sizes for another layout (used while detecting the layout).
    void applyLayout(const ObjectLayout& layout);
    const ObjectLayout& layout() const { return m_layout; }

    std::size_t size() const { return m_classes.size(); }
    const ClassInfo& operator[](std::uint32_t i) const { return m_classes[i]; }
    const std::vector<ClassInfo>& classes() const { return m_classes; }

    std::uint32_t indexOf(std::uint64_t classId) const
    {
        const std::uint32_t* v = m_byId.find(classId);
        return v ? *v : kNoIndex;
    }
    // First class whose internal name is `internalName` ("java/util/HashMap"); kNoIndex if none.
    std::uint32_t findByInternalName(std::string_view internalName) const;
    // The class of primitive arrays of `type` (synthetic when the dump has none).
    std::uint32_t primitiveArrayClass(std::uint8_t type) const { return type < 12 ? m_primitiveArray[type] : kNoIndex; }
    std::uint32_t javaLangClass() const { return m_javaLangClass; }

    std::uint64_t objectArraySize(std::uint64_t length) const
    {
        return m_layout.arraySize(m_layout.referenceSize, length);
    }
    std::uint64_t primitiveArraySize(std::uint8_t type, std::uint64_t length) const
    {
        return m_layout.arraySize(valueSize(type, 8), length);
    }

    struct FieldLocation {
        std::uint32_t offset = 0; // in HPROF instance data
        std::uint8_t type = 0;
    };
    // Instance field `name` of class `cls` or its superclasses.
    std::optional<FieldLocation> findField(std::uint32_t cls, std::string_view name) const;
    // Name of the instance field at `offset` of the HPROF instance data of `cls`.
    std::string_view fieldNameAt(std::uint32_t cls, std::uint32_t offset) const;
    bool isSubclassOf(std::uint32_t cls, std::uint32_t ancestor) const;
    // Whether `cls` or one of its superclasses has internal name `internalName`.
    bool inheritsFrom(std::uint32_t cls, std::string_view internalName) const;

private:
    std::vector<ClassInfo> m_classes;
    FlatIdMap<std::uint32_t> m_byId;
    std::uint32_t m_primitiveArray[12];
    std::uint32_t m_javaLangClass = kNoIndex;
    ObjectLayout m_layout;
    unsigned m_idSize = 8;
};

} // namespace leakdesk::heap
