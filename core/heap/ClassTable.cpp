#include "core/heap/ClassTable.h"

#include "core/heap/HeapWalker.h"
#include "core/heap/HprofFormat.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <utility>

namespace leakdesk::heap {

namespace {

// Fields HotSpot (JDK 17) injects into core classes. They occupy memory but HPROF never lists
// them, so without them MemberName, ClassLoader, Module and every mirror would come out small.
struct InjectedField {
    const char* className;
    std::uint8_t type;
};
constexpr InjectedField kInjectedFields[] = {
    { "java/lang/Class", 11 }, // klass
    { "java/lang/Class", 11 }, // array_klass
    { "java/lang/Class", 10 }, // oop_size
    { "java/lang/Class", 10 }, // static_oop_field_count
    { "java/lang/Class", 2 }, // protection_domain
    { "java/lang/Class", 2 }, // signers
    { "java/lang/Class", 2 }, // source_file
    { "java/lang/ClassLoader", 11 }, // loader_data
    { "java/lang/invoke/MemberName", 11 }, // vmindex
    { "java/lang/invoke/ResolvedMethodName", 11 }, // vmtarget
    { "java/lang/invoke/ResolvedMethodName", 2 }, // vmholder
    { "java/lang/invoke/MethodHandleNatives$CallSiteContext", 11 }, // vmdependencies
    { "java/lang/invoke/MethodHandleNatives$CallSiteContext", 11 }, // last_cleanup
    { "java/lang/StackFrameInfo", 9 }, // version
    { "java/lang/Module", 11 }, // module_entry
    { "java/lang/InternalError", 4 }, // during_unsafe_access
};

// @Contended in the JDK (user classes need -XX:-RestrictContended, so only these matter).
// HotSpot pads a contended group with ContendedPaddingWidth (128) bytes on both sides.
constexpr std::uint32_t kContendedPadding = 128;
struct ContendedField {
    const char* className;
    const char* fieldName;
};
constexpr ContendedField kContendedFields[] = {
    { "java/lang/Thread", "threadLocalRandomSeed" },
    { "java/lang/Thread", "threadLocalRandomProbe" },
    { "java/lang/Thread", "threadLocalRandomSecondarySeed" },
};
constexpr const char* kContendedClasses[] = {
    "java/util/concurrent/ConcurrentHashMap$CounterCell",
    "java/util/concurrent/atomic/Striped64$Cell",
    "java/util/concurrent/Exchanger$Node",
};

bool isContendedField(std::string_view cls, std::string_view field)
{
    for (const auto& c : kContendedFields)
        if (cls == c.className && field == c.fieldName)
            return true;
    return false;
}
bool isContendedClass(std::string_view cls)
{
    for (const char* c : kContendedClasses)
        if (cls == c)
            return true;
    return false;
}

// A simulation of HotSpot's FieldLayout: blocks sorted by offset, the last one open-ended.
class FieldLayoutSimulator {
public:
    struct Block {
        std::uint32_t offset;
        std::uint32_t size;
        bool empty;
    };
    static constexpr std::uint32_t kOpen = 0x40000000u;

    // Header reserved, then the inherited fields (offset, size) with holes between them.
    // With `superContended` the holes of the superclass stay unused and a padding follows its
    // last field (FieldLayout::fill_holes for a superclass with @Contended).
    FieldLayoutSimulator(std::uint32_t reserved, std::vector<std::pair<std::uint32_t, std::uint32_t>> inherited,
        bool superContended = false)
    {
        std::sort(inherited.begin(), inherited.end());
        m_blocks.push_back({ 0, reserved, false });
        std::uint32_t end = reserved;
        for (const auto& [off, sz] : inherited) {
            if (off > end)
                m_blocks.push_back({ end, off - end, !superContended });
            m_blocks.push_back({ off, sz, false });
            end = std::max(end, off + sz);
        }
        if (superContended && !inherited.empty()) {
            m_blocks.push_back({ end, kContendedPadding, false });
            end += kContendedPadding;
        }
        m_blocks.push_back({ end, kOpen, true });
    }

    // Appends a padding block at the end (insert_contended_padding on the last block).
    void pad()
    {
        Block& last = m_blocks.back();
        const std::uint32_t at = last.offset;
        last.offset += kContendedPadding;
        m_blocks.insert(m_blocks.end() - 1, Block { at, kContendedPadding, false });
    }

    // Places a field after everything else (FieldLayout::add with start == the last block).
    std::uint32_t append(std::uint32_t size) { return insertAt(m_blocks.size() - 1, size, size); }

    static bool fits(const Block& b, std::uint32_t size, std::uint32_t align)
    {
        const std::uint32_t adj = b.offset % align ? align - b.offset % align : 0;
        return b.size >= size + adj;
    }

    // FieldLayout::add: best fit (smallest hole, the highest one on ties), else the end.
    std::uint32_t add(std::uint32_t size)
    {
        std::size_t best = m_blocks.size() - 1;
        for (std::size_t i = m_blocks.size() - 2; i >= 1; --i) {
            const Block& b = m_blocks[i];
            if (b.empty && fits(b, size, size) && (best == m_blocks.size() - 1 || b.size < m_blocks[best].size))
                best = i;
        }
        return insertAt(best, size, size);
    }

    // FieldLayout::add_contiguously: one run of `count` blocks of `size`, at the highest hole
    // that holds them all, else at the end.
    void addContiguously(std::uint32_t size, std::uint32_t count)
    {
        if (!count)
            return;
        std::size_t at = m_blocks.size() - 1;
        for (std::size_t i = m_blocks.size() - 2; i >= 1; --i) {
            if (m_blocks[i].empty && fits(m_blocks[i], size * count, size)) {
                at = i;
                break;
            }
        }
        for (std::uint32_t k = 0; k < count; ++k) {
            std::size_t rest = 0;
            insertAt(at, size, size, &rest);
            at = rest;
        }
    }

    std::uint32_t end() const { return m_blocks.back().offset; }

private:
    // Places a field of `size` in block i; `restIndex` receives the index of what is left of it.
    std::uint32_t insertAt(std::size_t i, std::uint32_t size, std::uint32_t align, std::size_t* restIndex = nullptr)
    {
        Block slot = m_blocks[i];
        const std::uint32_t adj = slot.offset % align ? align - slot.offset % align : 0;
        std::vector<Block> repl;
        if (adj)
            repl.push_back({ slot.offset, adj, true });
        const std::uint32_t at = slot.offset + adj;
        repl.push_back({ at, size, false });
        const bool last = i + 1 == m_blocks.size();
        const std::uint32_t rest = last ? kOpen : slot.size - adj - size;
        if (rest > 0)
            repl.push_back({ at + size, rest, true });
        m_blocks.erase(m_blocks.begin() + std::ptrdiff_t(i));
        m_blocks.insert(m_blocks.begin() + std::ptrdiff_t(i), repl.begin(), repl.end());
        if (restIndex)
            *restIndex = i + (adj ? 2 : 1);
        return at;
    }

    std::vector<Block> m_blocks;
};

std::uint8_t arrayElementTypeOf(std::string_view internalName)
{
    if (internalName.size() < 2 || internalName[0] != '[')
        return 0;
    switch (internalName[1]) {
    case 'Z':
        return 4;
    case 'C':
        return 5;
    case 'F':
        return 6;
    case 'D':
        return 7;
    case 'B':
        return 8;
    case 'S':
        return 9;
    case 'I':
        return 10;
    case 'J':
        return 11;
    default:
        return 2;
    }
}

std::string hiddenSuffixToJvm(std::string s)
{
    // Hidden classes are named "Outer$$Lambda$14+0x0000000800c03000" in the dump but
    // "Outer$$Lambda$14/0x0000000800c03000" by the JVM's own tools.
    const auto plus = s.rfind("+0x");
    if (plus != std::string::npos
        && std::all_of(s.begin() + std::ptrdiff_t(plus) + 3, s.end(), [](char c) { return std::isxdigit(c); }))
        s[plus] = '/';
    return s;
}

} // namespace

std::string jvmHistogramName(std::string_view internalName)
{
    std::string s(internalName);
    std::replace(s.begin(), s.end(), '/', '.');
    return hiddenSuffixToJvm(std::move(s));
}

std::string javaClassName(std::string_view internalName)
{
    std::size_t dims = 0;
    while (dims < internalName.size() && internalName[dims] == '[')
        ++dims;
    if (dims == 0)
        return jvmHistogramName(internalName);
    std::string_view rest = internalName.substr(dims);
    std::string element;
    if (!rest.empty() && rest[0] == 'L') {
        rest.remove_prefix(1);
        if (!rest.empty() && rest.back() == ';')
            rest.remove_suffix(1);
        element = jvmHistogramName(rest);
    } else if (rest.size() == 1) {
        switch (rest[0]) {
        case 'Z':
            element = "boolean";
            break;
        case 'C':
            element = "char";
            break;
        case 'F':
            element = "float";
            break;
        case 'D':
            element = "double";
            break;
        case 'B':
            element = "byte";
            break;
        case 'S':
            element = "short";
            break;
        case 'I':
            element = "int";
            break;
        case 'J':
            element = "long";
            break;
        default:
            element = std::string(rest);
        }
    } else {
        element = std::string(rest);
    }
    for (std::size_t i = 0; i < dims; ++i)
        element += "[]";
    return element;
}

Result<ClassTable> ClassTable::build(
    const HprofFile& file, const std::vector<std::uint64_t>& classDumpOffsets, const ObjectLayout& layout)
{
    ClassTable t;
    t.m_idSize = file.idSize();
    const unsigned id = file.idSize();
    FlatIdMap<std::uint64_t> nameOfClass(file.loadClasses().size() + 16);
    for (const auto& lc : file.loadClasses())
        if (lc.classId)
            nameOfClass(lc.classId) = lc.nameId;

    t.m_classes.reserve(classDumpOffsets.size() + 8);
    for (const std::uint64_t off : classDumpOffsets) {
        const std::uint8_t* p = file.data() + off + 1;
        const std::uint8_t* end = file.data() + file.size();
        if (!classDumpBodyLength(p, end, id))
            return makeError(ErrorCode::Parse, "the CLASS DUMP at offset " + hexOffset(off) + " is malformed",
                "the dump is corrupt");
        ClassInfo c;
        c.recordOffset = off;
        c.id = readId(p, id);
        p += id + 4;
        c.superId = readId(p, id);
        c.loaderId = readId(p + id, id);
        c.signersId = readId(p + 2 * id, id);
        c.protectionDomainId = readId(p + 3 * id, id);
        p += 6 * id + 4;
        unsigned n = readU2(p);
        p += 2;
        for (unsigned i = 0; i < n; ++i)
            p += 3 + valueSize(p[2], id);
        n = readU2(p);
        p += 2;
        for (unsigned i = 0; i < n; ++i) {
            StaticFieldInfo s;
            s.name = file.utf8(readId(p, id));
            s.type = p[id];
            const unsigned vs = valueSize(s.type, id);
            const std::uint8_t* v = p + id + 1;
            s.value = vs == 8 ? readU8(v) : vs == 4 ? readU4(v) : vs == 2 ? readU2(v) : *v;
            c.statics.push_back(s);
            p += id + 1 + vs;
        }
        n = readU2(p);
        p += 2;
        for (unsigned i = 0; i < n; ++i) {
            c.fields.push_back({ file.utf8(readId(p, id)), p[id] });
            p += id + 1;
        }
        if (const std::uint64_t* nameId = nameOfClass.find(c.id))
            c.internalName = std::string(file.utf8(*nameId));
        if (c.internalName.empty())
            c.internalName = "unnamed class " + hexOffset(c.id);
        c.name = javaClassName(c.internalName);
        c.arrayElementType = arrayElementTypeOf(c.internalName);
        if (!c.id || t.m_byId.find(c.id))
            continue; // a duplicate CLASS DUMP: keep the first
        t.m_byId(c.id) = std::uint32_t(t.m_classes.size());
        t.m_classes.push_back(std::move(c));
    }
    for (auto& c : t.m_classes)
        c.superIndex = c.superId ? t.indexOf(c.superId) : kNoIndex;
    for (std::uint32_t& p : t.m_primitiveArray)
        p = kNoIndex;
    for (std::uint8_t type = 4; type <= 11; ++type) {
        const char* desc = primitiveArrayDescriptor(type);
        std::uint32_t idx = t.findByInternalName(desc);
        if (idx == kNoIndex) {
            ClassInfo c;
            c.internalName = desc;
            c.name = javaClassName(desc);
            c.arrayElementType = type;
            c.synthetic = true;
            idx = std::uint32_t(t.m_classes.size());
            t.m_classes.push_back(std::move(c));
        }
        t.m_primitiveArray[type] = idx;
    }
    t.m_javaLangClass = t.findByInternalName("java/lang/Class");
    if (t.m_javaLangClass == kNoIndex) {
        // Class objects are instances of java.lang.Class even when a (cut-off) dump lacks its dump.
        ClassInfo c;
        c.internalName = "java/lang/Class";
        c.name = "java.lang.Class";
        c.synthetic = true;
        t.m_javaLangClass = std::uint32_t(t.m_classes.size());
        t.m_classes.push_back(std::move(c));
    }

    // HPROF instance data: the class's own fields, then its superclass's, and so on up.
    for (std::uint32_t ci = 0; ci < t.m_classes.size(); ++ci) {
        ClassInfo& c = t.m_classes[ci];
        std::uint32_t offset = 0;
        std::uint32_t k = ci;
        for (unsigned depth = 0; k != kNoIndex && depth < 256; ++depth) {
            const ClassInfo& owner = t.m_classes[k];
            const bool isReference = owner.internalName == "java/lang/ref/Reference";
            for (const FieldInfo& f : owner.fields) {
                // Reference.referent is what makes weak, soft, phantom and final references
                // non-strong: it never keeps an object alive on its own.
                if (f.type == 2 && !(isReference && f.name == "referent"))
                    c.strongRefOffsets.push_back(offset);
                offset += valueSize(f.type, id);
            }
            k = owner.superIndex;
        }
        c.dataSize = offset;
    }
    t.applyLayout(layout);
    return t;
}

void ClassTable::applyLayout(const ObjectLayout& layout)
{
    m_layout = layout;
    const std::size_t n = m_classes.size();
    // Per class: the (offset, size) of every instance field in memory, inherited ones included.
    std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> occupied(n);
    std::vector<std::uint8_t> state(n, 0); // 0 todo, 1 in progress, 2 done
    std::vector<bool> contended(n, false); // the class or a superclass has @Contended fields

    auto layoutOf = [&](std::uint32_t root) {
        std::vector<std::uint32_t> chain;
        for (std::uint32_t k = root; k != kNoIndex && state[k] == 0 && chain.size() < 256;
             k = m_classes[k].superIndex) {
            state[k] = 1;
            chain.push_back(k);
        }
        for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
            ClassInfo& c = m_classes[*it];
            const std::uint32_t s = c.superIndex;
            std::vector<std::pair<std::uint32_t, std::uint32_t>> inherited;
            const bool superContended = s != kNoIndex && state[s] == 2 && contended[s];
            if (s != kNoIndex && state[s] == 2)
                inherited = occupied[s];
            const bool wholeClassContended = isContendedClass(c.internalName);
            FieldLayoutSimulator sim(layout.headerSize, inherited, superContended);
            std::vector<unsigned> primitives, contendedPrimitives;
            unsigned references = 0, contendedReferences = 0;
            for (const FieldInfo& f : c.fields) {
                const bool inGroup = isContendedField(c.internalName, f.name);
                if (f.type == 2)
                    ++(inGroup ? contendedReferences : references);
                else if (unsigned sz = valueSize(f.type, 8))
                    (inGroup ? contendedPrimitives : primitives).push_back(sz);
            }
            contended[*it]
                = superContended || wholeClassContended || !contendedPrimitives.empty() || contendedReferences > 0;
            for (const auto& inj : kInjectedFields) {
                if (c.internalName == inj.className) {
                    if (inj.type == 2)
                        ++references;
                    else
                        primitives.push_back(valueSize(inj.type, 8));
                }
            }
            std::sort(primitives.begin(), primitives.end(), std::greater<>());
            std::sort(contendedPrimitives.begin(), contendedPrimitives.end(), std::greater<>());
            std::vector<std::pair<std::uint32_t, std::uint32_t>> mine = inherited;
            // A superclass with @Contended or a contended class: fields only ever go at the end.
            const bool appendOnly = superContended || wholeClassContended;
            if (wholeClassContended)
                sim.pad();
            for (unsigned sz : primitives)
                mine.emplace_back(appendOnly ? sim.append(sz) : sim.add(sz), sz);
            for (unsigned r = 0; r < references; ++r)
                mine.emplace_back(appendOnly ? sim.append(layout.referenceSize) : sim.add(layout.referenceSize),
                    layout.referenceSize);
            if (!contendedPrimitives.empty() || contendedReferences) {
                sim.pad();
                for (unsigned sz : contendedPrimitives)
                    mine.emplace_back(sim.append(sz), sz);
                for (unsigned r = 0; r < contendedReferences; ++r)
                    mine.emplace_back(sim.append(layout.referenceSize), layout.referenceSize);
            }
            if (wholeClassContended || !contendedPrimitives.empty() || contendedReferences)
                sim.pad();
            occupied[*it] = std::move(mine);
            c.instanceSize = layout.alignObject(std::max<std::uint32_t>(sim.end(), layout.headerSize));
            state[*it] = 2;
        }
    };
    for (std::uint32_t i = 0; i < n; ++i)
        if (state[i] == 0)
            layoutOf(i);

    const std::uint64_t mirrorBase = m_javaLangClass != kNoIndex ? m_classes[m_javaLangClass].instanceSize
                                                                 : layout.alignObject(layout.headerSize + 100);
    for (ClassInfo& c : m_classes) {
        if (c.arrayElementType) {
            c.instanceSize = 0; // arrays are sized per length
        }
        // Static fields live in the mirror after java.lang.Class's own fields: references first
        // and contiguous (the GC scans them as one run), then primitives by decreasing size. The
        // static layout's start block is its last block, so unlike instance fields these are only
        // ever appended: alignment holes stay empty (checked against mirror address gaps).
        FieldLayoutSimulator sim(0, {});
        unsigned references = 0;
        std::vector<unsigned> primitives;
        for (const StaticFieldInfo& s : c.statics) {
            if (!s.name.empty() && s.name.front() == '<')
                continue; // "<resolved_references>": the constant pool's array, not a field
            if (s.type == 2)
                ++references;
            else if (unsigned sz = valueSize(s.type, 8))
                primitives.push_back(sz);
        }
        std::sort(primitives.begin(), primitives.end(), std::greater<>());
        sim.addContiguously(layout.referenceSize, references);
        for (unsigned sz : primitives)
            sim.append(sz);
        const std::uint64_t staticBytes = (sim.end() + layout.wordSize - 1) / layout.wordSize * layout.wordSize;
        c.mirrorSize = c.synthetic ? 0 : layout.alignObject(mirrorBase + staticBytes);
    }
}

std::uint32_t ClassTable::findByInternalName(std::string_view internalName) const
{
    for (std::uint32_t i = 0; i < m_classes.size(); ++i)
        if (m_classes[i].internalName == internalName)
            return i;
    return kNoIndex;
}

std::optional<ClassTable::FieldLocation> ClassTable::findField(std::uint32_t cls, std::string_view name) const
{
    std::uint32_t offset = 0;
    for (unsigned depth = 0; cls != kNoIndex && depth < 256; ++depth) {
        for (const FieldInfo& f : m_classes[cls].fields) {
            if (f.name == name)
                return FieldLocation { offset, f.type };
            offset += valueSize(f.type, m_idSize);
        }
        cls = m_classes[cls].superIndex;
    }
    return std::nullopt;
}

std::string_view ClassTable::fieldNameAt(std::uint32_t cls, std::uint32_t at) const
{
    std::uint32_t offset = 0;
    for (unsigned depth = 0; cls != kNoIndex && depth < 256; ++depth) {
        for (const FieldInfo& f : m_classes[cls].fields) {
            if (offset == at)
                return f.name;
            offset += valueSize(f.type, m_idSize);
        }
        cls = m_classes[cls].superIndex;
    }
    return {};
}

bool ClassTable::isSubclassOf(std::uint32_t cls, std::uint32_t ancestor) const
{
    for (unsigned depth = 0; cls != kNoIndex && depth < 256; ++depth) {
        if (cls == ancestor)
            return true;
        cls = m_classes[cls].superIndex;
    }
    return false;
}

bool ClassTable::inheritsFrom(std::uint32_t cls, std::string_view internalName) const
{
    for (unsigned depth = 0; cls != kNoIndex && depth < 256; ++depth) {
        if (m_classes[cls].internalName == internalName)
            return true;
        cls = m_classes[cls].superIndex;
    }
    return false;
}

} // namespace leakdesk::heap
