#include "core/heap/ObjectInspector.h"

#include "core/heap/HprofFormat.h"

#include <bit>
#include <cstdio>
#include <string_view>

namespace leakdesk::heap {

namespace {

const char* primitiveName(std::uint8_t type)
{
    switch (static_cast<BasicType>(type)) {
    case BasicType::Boolean:
        return "boolean";
    case BasicType::Char:
        return "char";
    case BasicType::Float:
        return "float";
    case BasicType::Double:
        return "double";
    case BasicType::Byte:
        return "byte";
    case BasicType::Short:
        return "short";
    case BasicType::Int:
        return "int";
    case BasicType::Long:
        return "long";
    case BasicType::Object:
        return "Object";
    }
    return "?";
}

std::string primitiveText(std::uint8_t type, std::uint64_t bits)
{
    char text[64];
    switch (static_cast<BasicType>(type)) {
    case BasicType::Boolean:
        return bits ? "true" : "false";
    case BasicType::Char:
        if (bits >= 32 && bits < 127)
            return std::string("'") + char(bits) + "'";
        std::snprintf(text, sizeof text, "\\u%04x", unsigned(bits));
        return text;
    case BasicType::Float:
        std::snprintf(text, sizeof text, "%g", double(std::bit_cast<float>(std::uint32_t(bits))));
        return text;
    case BasicType::Double:
        std::snprintf(text, sizeof text, "%g", std::bit_cast<double>(bits));
        return text;
    case BasicType::Byte:
        return std::to_string(std::int8_t(bits));
    case BasicType::Short:
        return std::to_string(std::int16_t(bits));
    case BasicType::Int:
        return std::to_string(std::int32_t(bits));
    case BasicType::Long:
        return std::to_string(std::int64_t(bits));
    case BasicType::Object:
        break;
    }
    return std::to_string(bits);
}

class Inspector {
public:
    Inspector(const HeapSnapshot& s, std::size_t maxFields)
        : m_s(s)
        , m_max(maxFields)
        , m_id(s.file().idSize())
    { }

    ObjectInspection run(std::uint32_t object)
    {
        m_out.title = m_s.describe(object);
        const std::uint8_t* r = m_s.file().data() + m_s.recordOffset(object);
        switch (m_s.kind(object)) {
        case ObjectKind::Instance:
            instance(object, r);
            break;
        case ObjectKind::ObjectArray:
            objectArray(r);
            break;
        case ObjectKind::PrimitiveArray:
            primitiveArray(r);
            break;
        case ObjectKind::Class:
            statics(object);
            break;
        }
        return std::move(m_out);
    }

private:
    bool full()
    {
        if (m_out.fields.size() < m_max)
            return false;
        ++m_out.omitted;
        return true;
    }

    void value(std::string name, std::uint8_t type, std::uint64_t bits)
    {
        if (full())
            return;
        InspectedField f;
        f.name = std::move(name);
        if (type != static_cast<std::uint8_t>(BasicType::Object)) {
            f.type = primitiveName(type);
            f.value = primitiveText(type, bits);
        } else {
            reference(f, bits);
        }
        m_out.fields.push_back(std::move(f));
    }

    void reference(InspectedField& f, std::uint64_t id)
    {
        if (id == 0) {
            f.type = "Object";
            f.value = "null";
            return;
        }
        const std::uint32_t target = m_s.findObject(id);
        if (target == kNoIndex) {
            f.type = "Object";
            f.value = "object not in the dump";
            return;
        }
        f.target = target;
        const std::uint32_t c = m_s.classOf(target); // java.lang.Class for a class object
        f.type = c == kNoIndex ? "Object" : m_s.classes().classes()[c].name;
        f.value = m_s.describe(target);
        if (auto text = m_s.stringValue(target, 80))
            f.value += " \"" + *text + "\"";
    }

    void instance(std::uint32_t object, const std::uint8_t* r)
    {
        const std::uint32_t size = readU4(r + 1 + 2 * m_id + 4);
        const std::uint8_t* data = r + 1 + 2 * m_id + 8;
        std::uint32_t offset = 0;
        // HPROF instance data: the class's own fields, then its superclass's, up to Object.
        for (std::uint32_t c = m_s.classOf(object); c != kNoIndex; c = m_s.classes().classes()[c].superIndex) {
            for (const FieldInfo& field : m_s.classes().classes()[c].fields) {
                const unsigned vs = valueSize(field.type, m_id);
                if (vs == 0 || offset + vs > size)
                    return; // a record shorter than its class says: show what is there
                value(std::string(field.name), field.type, readValueOfSize(data + offset, vs));
                offset += vs;
            }
        }
    }

    void objectArray(const std::uint8_t* r)
    {
        const std::uint32_t length = readU4(r + 1 + m_id + 4);
        value("length", static_cast<std::uint8_t>(BasicType::Int), length);
        const std::uint8_t* elements = r + 1 + m_id + 8 + m_id;
        for (std::uint32_t i = 0; i < length; ++i) {
            const std::uint64_t id = readId(elements + std::size_t(i) * m_id, m_id);
            if (id != 0) // an array of millions is mostly empty slots or the same story: the set ones
                value("[" + std::to_string(i) + "]", static_cast<std::uint8_t>(BasicType::Object), id);
        }
    }

    void primitiveArray(const std::uint8_t* r)
    {
        const std::uint32_t length = readU4(r + 1 + m_id + 4);
        const std::uint8_t type = r[1 + m_id + 8];
        const unsigned vs = valueSize(type, m_id);
        const std::uint8_t* elements = r + 1 + m_id + 9;
        value("length", static_cast<std::uint8_t>(BasicType::Int), length);
        if (vs == 0)
            return;
        if (type == static_cast<std::uint8_t>(BasicType::Byte) || type == static_cast<std::uint8_t>(BasicType::Char)) {
            // What a buffer holds is easiest read as text: printable characters, the rest as dots.
            std::string text;
            const std::uint32_t shown = std::min<std::uint32_t>(length, 200);
            for (std::uint32_t i = 0; i < shown; ++i) {
                const std::uint64_t v = readValueOfSize(elements + std::size_t(i) * vs, vs);
                text += v >= 32 && v < 127 ? char(v) : '.';
            }
            if (!full())
                m_out.fields.push_back({ "text", std::string(primitiveName(type)) + "[]",
                    text + (shown < length ? "..." : ""), kNoIndex });
            return;
        }
        for (std::uint32_t i = 0; i < length; ++i)
            value("[" + std::to_string(i) + "]", type, readValueOfSize(elements + std::size_t(i) * vs, vs));
    }

    void statics(std::uint32_t object)
    {
        const std::uint32_t c = m_s.describedClass(object);
        if (c == kNoIndex)
            return;
        for (const StaticFieldInfo& field : m_s.classes().classes()[c].statics)
            value("static " + std::string(field.name), field.type, field.value);
    }

    const HeapSnapshot& m_s;
    std::size_t m_max;
    unsigned m_id;
    ObjectInspection m_out;
};

} // namespace

ObjectInspection inspectObject(const HeapSnapshot& snapshot, std::uint32_t object, std::size_t maxFields)
{
    if (object >= snapshot.objectCount())
        return {};
    return Inspector(snapshot, maxFields).run(object);
}

} // namespace leakdesk::heap
