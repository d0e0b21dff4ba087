#include "core/heap/HeapSnapshot.h"

#include "core/heap/HeapWalker.h"
#include "core/heap/ParallelFor.h"

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace leakdesk::heap {

namespace {

constexpr std::uint32_t kSizeUnitsMax = 0xFFFFFFFFu;

std::uint32_t toUnits(std::uint64_t bytes)
{
    const std::uint64_t u = (bytes + 7) / 8;
    return u > kSizeUnitsMax ? kSizeUnitsMax : std::uint32_t(u);
}

// Second pass: writes each object's id, offset, class and size at its segment's position.
struct IndexVisitor {
    const ClassTable& classes;
    std::uint64_t* ids;
    std::uint64_t* offsets;
    std::uint32_t* classOf;
    std::uint32_t* sizeUnits;
    std::uint64_t at;
    std::uint64_t limit;

    void put(std::uint64_t id, std::uint64_t offset, std::uint32_t cls, std::uint64_t size)
    {
        if (at >= limit)
            return;
        ids[at] = id;
        offsets[at] = offset;
        classOf[at] = cls;
        sizeUnits[at] = toUnits(size);
        ++at;
    }
    void root(std::uint8_t, std::uint64_t, std::uint32_t, std::uint64_t) { }
    void classDump(std::uint64_t id, std::uint64_t offset)
    {
        const std::uint32_t c = classes.indexOf(id);
        put(id, offset, classes.javaLangClass(), c == kNoIndex ? 0 : classes[c].mirrorSize);
    }
    void instance(std::uint64_t id, std::uint64_t classId, const std::uint8_t*, std::uint32_t, std::uint64_t offset)
    {
        const std::uint32_t c = classes.indexOf(classId);
        put(id, offset, c, c == kNoIndex ? 0 : classes[c].instanceSize);
    }
    void objectArray(
        std::uint64_t id, std::uint64_t classId, std::uint32_t length, const std::uint8_t*, std::uint64_t offset)
    {
        put(id, offset, classes.indexOf(classId), classes.objectArraySize(length));
    }
    void primitiveArray(std::uint64_t id, std::uint8_t type, std::uint32_t length, std::uint64_t offset)
    {
        put(id, offset, classes.primitiveArrayClass(type), classes.primitiveArraySize(type, length));
    }
};

template<class T> void permute(std::vector<T>& v, const std::vector<std::uint32_t>& order)
{
    std::vector<T> out(v.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        out[i] = v[order[i]];
    v.swap(out);
}

} // namespace

Result<std::shared_ptr<const HeapSnapshot>> HeapSnapshot::load(
    std::shared_ptr<const HprofFile> file, AnalysisProgress* progress)
{
    auto survey = surveyHeap(*file, false, progress);
    if (!survey)
        return survey.error();
    if (auto s = requireObjects(*file, *survey); !s)
        return s.error();
    if (survey->objectCount >= kNoIndex)
        return makeError(ErrorCode::Unsupported,
            "the dump holds " + std::to_string(survey->objectCount) + " objects, more than this analyser indexes",
            "use the streaming class histogram (heap histogram) for dumps over 4 billion objects");
    auto table = ClassTable::build(*file, survey->classDumpOffsets, ObjectLayout::defaultFor(file->idSize()));
    if (!table)
        return table.error();
    std::shared_ptr<HeapSnapshot> s(new HeapSnapshot);
    s->m_file = std::move(file);
    s->m_classes = std::move(*table);
    detectObjectLayout(*survey, s->m_classes, s->m_file->idSize());
    s->m_damage = survey->damage;
    s->m_roots = std::move(survey->roots);
    if (auto st = s->buildIndex(*survey, progress); !st)
        return st.error();
    if (auto st = s->buildGraph(progress); !st)
        return st.error();
    return std::shared_ptr<const HeapSnapshot>(std::move(s));
}

Status HeapSnapshot::buildIndex(const HeapSurvey& survey, AnalysisProgress* progress)
{
    const auto& segments = m_file->heapSegments();
    const std::uint64_t n = survey.objectCount;
    m_ids.resize(n);
    m_offsets.resize(n);
    m_classOf.resize(n);
    m_sizeUnits.resize(n);
    std::vector<std::uint64_t> start(segments.size() + 1, 0);
    for (std::size_t i = 0; i < segments.size(); ++i)
        start[i + 1] = start[i] + survey.objectsPerSegment[i];
    if (progress)
        progress->startStage(AnalysisProgress::Stage::IndexObjects, segments.size());
    const unsigned workers = workerCount(progress ? progress->threads : 0, segments.size());
    parallelFor(segments.size(), workers, [&](std::size_t i, unsigned) {
        if (progress && progress->cancelled())
            return;
        IndexVisitor v { m_classes, m_ids.data(), m_offsets.data(), m_classOf.data(), m_sizeUnits.data(), start[i],
            start[i + 1] };
        walkHeapSegment(m_file->data(), segments[i].bodyOffset, segments[i].length, m_file->idSize(), v);
        if (progress)
            progress->advance(1);
    });
    if (progress && progress->cancelled())
        return makeError(ErrorCode::Cancelled, "the heap analysis was cancelled");

    if (!std::is_sorted(m_ids.begin(), m_ids.end())) {
        std::vector<std::uint32_t> order(n);
        std::iota(order.begin(), order.end(), 0u);
        std::stable_sort(
            order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return m_ids[a] < m_ids[b]; });
        permute(m_ids, order);
        permute(m_offsets, order);
        permute(m_classOf, order);
        permute(m_sizeUnits, order);
    }
    buildLookup();

    for (const GcRoot& r : m_roots) {
        const std::uint32_t o = findObject(r.objectId);
        if (o != kNoIndex)
            m_rootObjects.push_back(o);
    }
    std::sort(m_rootObjects.begin(), m_rootObjects.end());
    m_rootObjects.erase(std::unique(m_rootObjects.begin(), m_rootObjects.end()), m_rootObjects.end());
    return Ok {};
}

void HeapSnapshot::buildLookup()
{
    const std::size_t n = m_ids.size();
    m_buckets.clear();
    if (n == 0)
        return;
    m_minId = m_ids.front();
    m_maxId = m_ids.back();
    const std::uint64_t span = m_maxId - m_minId;
    const std::uint64_t target = std::max<std::uint64_t>(1, n / 2);
    m_bucketShift = 0;
    while (m_bucketShift < 63 && (span >> m_bucketShift) + 1 > target)
        ++m_bucketShift;
    const std::uint64_t buckets = (span >> m_bucketShift) + 1;
    m_buckets.resize(buckets + 1);
    std::size_t j = 0;
    for (std::uint64_t b = 0; b <= buckets; ++b) {
        while (j < n && ((m_ids[j] - m_minId) >> m_bucketShift) < b)
            ++j;
        m_buckets[b] = std::uint32_t(j);
    }
}

std::uint32_t HeapSnapshot::findObject(std::uint64_t id) const
{
    if (m_buckets.empty() || id < m_minId || id > m_maxId)
        return kNoIndex;
    const std::uint64_t b = (id - m_minId) >> m_bucketShift;
    std::uint32_t lo = m_buckets[b];
    const std::uint32_t hi = m_buckets[b + 1];
    if (hi - lo <= 16) {
        for (; lo < hi; ++lo)
            if (m_ids[lo] == id)
                return lo;
        return kNoIndex;
    }
    auto it = std::lower_bound(m_ids.begin() + lo, m_ids.begin() + hi, id);
    return it != m_ids.begin() + hi && *it == id ? std::uint32_t(it - m_ids.begin()) : kNoIndex;
}

Status HeapSnapshot::buildGraph(AnalysisProgress* progress)
{
    const std::uint32_t n = objectCount();
    constexpr std::uint32_t kChunk = 1 << 16;
    const std::size_t chunks = (std::size_t(n) + kChunk - 1) / kChunk;
    const unsigned workers = workerCount(progress ? progress->threads : 0, chunks);
    if (progress)
        progress->startStage(AnalysisProgress::Stage::BuildGraph, 2 * chunks + 1);

    // Count, prefix-sum, fill: two reads of each record beat growing per-thread edge vectors
    // (which would need twice the memory of the final array at the peak).
    m_outStart.assign(std::size_t(n) + 1, 0);
    parallelFor(chunks, workers, [&](std::size_t c, unsigned) {
        if (progress && progress->cancelled())
            return;
        const std::uint32_t end = std::uint32_t(std::min<std::uint64_t>(n, (c + 1) * std::uint64_t(kChunk)));
        for (std::uint32_t i = std::uint32_t(c * kChunk); i < end; ++i) {
            std::uint32_t k = 0;
            forEachReferenceId(i, [&](std::uint64_t) { ++k; });
            m_outStart[i + 1] = k;
        }
        if (progress)
            progress->advance(1);
    });
    if (progress && progress->cancelled())
        return makeError(ErrorCode::Cancelled, "the heap analysis was cancelled");
    std::uint64_t total = 0;
    for (std::uint32_t i = 1; i <= n; ++i) {
        total += m_outStart[i];
        if (total >= 0xFFFFFFFFull)
            return makeError(ErrorCode::Unsupported, "the dump has more than 4 billion references",
                "use the streaming class histogram (heap histogram) for this dump");
        m_outStart[i] = std::uint32_t(total);
    }
    m_out.resize(total);
    parallelFor(chunks, workers, [&](std::size_t c, unsigned) {
        if (progress && progress->cancelled())
            return;
        const std::uint32_t end = std::uint32_t(std::min<std::uint64_t>(n, (c + 1) * std::uint64_t(kChunk)));
        for (std::uint32_t i = std::uint32_t(c * kChunk); i < end; ++i) {
            std::uint32_t* w = m_out.data() + m_outStart[i];
            forEachReferenceId(i, [&](std::uint64_t id) {
                const std::uint32_t t = findObject(id);
                *w++ = t == i ? kNoIndex : t; // self references keep nothing alive
            });
        }
        if (progress)
            progress->advance(1);
    });
    if (progress && progress->cancelled())
        return makeError(ErrorCode::Cancelled, "the heap analysis was cancelled");

    // Drop references to objects the dump does not contain (e.g. primitive type mirrors).
    std::uint32_t w = 0;
    std::uint32_t begin = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
        const std::uint32_t end = m_outStart[i + 1];
        m_outStart[i] = w;
        for (std::uint32_t k = begin; k < end; ++k)
            if (m_out[k] != kNoIndex)
                m_out[w++] = m_out[k];
        begin = end;
    }
    m_outStart[n] = w;
    m_out.resize(w);
    m_out.shrink_to_fit();

    m_inStart.assign(std::size_t(n) + 1, 0);
    for (const std::uint32_t t : m_out)
        ++m_inStart[t + 1];
    for (std::uint32_t i = 0; i < n; ++i)
        m_inStart[i + 1] += m_inStart[i];
    m_in.resize(m_out.size());
    {
        std::vector<std::uint32_t> cursor(m_inStart.begin(), m_inStart.end() - 1);
        for (std::uint32_t i = 0; i < n; ++i)
            for (std::uint32_t k = m_outStart[i]; k < m_outStart[i + 1]; ++k)
                m_in[cursor[m_out[k]]++] = i;
    }
    if (progress)
        progress->advance(1);
    return Ok {};
}

ObjectKind HeapSnapshot::kind(std::uint32_t i) const
{
    switch (m_file->data()[m_offsets[i]]) {
    case tag::ObjectArrayDump:
        return ObjectKind::ObjectArray;
    case tag::PrimitiveArrayDump:
        return ObjectKind::PrimitiveArray;
    case tag::ClassDump:
        return ObjectKind::Class;
    default:
        return ObjectKind::Instance;
    }
}

std::uint32_t HeapSnapshot::describedClass(std::uint32_t i) const
{
    if (m_file->data()[m_offsets[i]] != tag::ClassDump)
        return kNoIndex;
    return m_classes.indexOf(m_ids[i]);
}

std::optional<std::uint64_t> HeapSnapshot::fieldValue(std::uint32_t i, std::string_view field) const
{
    const std::uint8_t* r = m_file->data() + m_offsets[i];
    if (r[0] != tag::InstanceDump || m_classOf[i] == kNoIndex)
        return std::nullopt;
    const auto loc = m_classes.findField(m_classOf[i], field);
    if (!loc)
        return std::nullopt;
    const unsigned id = m_file->idSize();
    const std::uint32_t size = readU4(r + 1 + 2 * id + 4);
    const unsigned vs = valueSize(loc->type, id);
    if (loc->offset + vs > size)
        return std::nullopt;
    return readValueOfSize(r + 1 + 2 * id + 8 + loc->offset, vs);
}

std::uint32_t HeapSnapshot::arrayLength(std::uint32_t i) const
{
    const std::uint8_t* r = m_file->data() + m_offsets[i];
    if (r[0] != tag::ObjectArrayDump && r[0] != tag::PrimitiveArrayDump)
        return 0;
    return readU4(r + 1 + m_file->idSize() + 4);
}

std::vector<std::uint64_t> HeapSnapshot::arrayElements(std::uint32_t i) const
{
    std::vector<std::uint64_t> out;
    if (kind(i) == ObjectKind::ObjectArray)
        forEachReferenceId(i, [&](std::uint64_t id) { out.push_back(id); });
    return out;
}

std::optional<std::string> HeapSnapshot::stringValue(std::uint32_t i, std::size_t maxChars) const
{
    if (m_classOf[i] == kNoIndex || m_classes[m_classOf[i]].internalName != "java/lang/String")
        return std::nullopt;
    const auto value = fieldValue(i, "value");
    if (!value)
        return std::nullopt;
    if (*value == 0)
        return std::string();
    const std::uint32_t a = findObject(*value);
    if (a == kNoIndex || kind(a) != ObjectKind::PrimitiveArray)
        return std::nullopt;
    const unsigned id = m_file->idSize();
    const std::uint8_t* r = m_file->data() + m_offsets[a];
    const std::uint32_t n = readU4(r + 1 + id + 4);
    const std::uint8_t type = r[1 + id + 8];
    const std::uint8_t* e = r + 1 + id + 9;
    const auto coder = fieldValue(i, "coder");
    std::string out;
    auto appendCodePoint = [&](std::uint32_t c) {
        if (c < 0x80) {
            out += char(c);
        } else if (c < 0x800) {
            out += char(0xC0 | (c >> 6));
            out += char(0x80 | (c & 0x3F));
        } else {
            out += char(0xE0 | (c >> 12));
            out += char(0x80 | ((c >> 6) & 0x3F));
            out += char(0x80 | (c & 0x3F));
        }
    };
    if (type == std::uint8_t(BasicType::Char)) {
        for (std::uint32_t k = 0; k < n && k < maxChars; ++k)
            appendCodePoint(readU2(e + 2 * k));
    } else if (type == std::uint8_t(BasicType::Byte)) {
        if (coder && *coder == 1) {
            // UTF-16 in the JVM's native byte order (little-endian on x86 and ARM).
            for (std::uint32_t k = 0; k + 1 < n && k / 2 < maxChars; k += 2)
                appendCodePoint(std::uint32_t(e[k]) | (std::uint32_t(e[k + 1]) << 8));
        } else {
            for (std::uint32_t k = 0; k < n && k < maxChars; ++k)
                appendCodePoint(e[k]);
        }
    } else {
        return std::nullopt;
    }
    return out;
}

std::string HeapSnapshot::describe(std::uint32_t i) const
{
    std::string name;
    if (const std::uint32_t c = describedClass(i); c != kNoIndex)
        name = "class " + m_classes[c].name;
    else if (m_classOf[i] != kNoIndex)
        name = m_classes[m_classOf[i]].name;
    else
        name = "object of an unknown class";
    return name + " @ " + hexOffset(m_ids[i]);
}

std::string HeapSnapshot::referenceName(std::uint32_t from, std::uint32_t to) const
{
    const std::uint64_t target = m_ids[to];
    const unsigned id = m_file->idSize();
    const std::uint8_t* r = m_file->data() + m_offsets[from];
    switch (r[0]) {
    case tag::InstanceDump: {
        const std::uint8_t* data = r + 1 + 2 * id + 8;
        const std::uint32_t size = readU4(r + 1 + 2 * id + 4);
        if (m_classOf[from] == kNoIndex)
            break;
        for (const std::uint32_t off : m_classes[m_classOf[from]].strongRefOffsets)
            if (off + id <= size && readId(data + off, id) == target)
                return std::string(m_classes.fieldNameAt(m_classOf[from], off));
        break;
    }
    case tag::ObjectArrayDump: {
        const std::uint32_t n = readU4(r + 1 + id + 4);
        const std::uint8_t* e = r + 1 + 2 * id + 8;
        for (std::uint32_t k = 0; k < n; ++k)
            if (readId(e + std::uint64_t(k) * id, id) == target) {
                std::string index = std::to_string(k);
                index.insert(index.begin(), '[');
                index.push_back(']');
                return index;
            }
        break;
    }
    case tag::ClassDump: {
        const std::uint32_t c = describedClass(from);
        if (c == kNoIndex)
            break;
        const ClassInfo& ci = m_classes[c];
        for (const StaticFieldInfo& s : ci.statics)
            if (s.type == 2 && s.value == target)
                return "static " + std::string(s.name);
        if (ci.superId == target)
            return "<super class>";
        if (ci.loaderId == target)
            return "<class loader>";
        if (ci.signersId == target)
            return "<signers>";
        if (ci.protectionDomainId == target)
            return "<protection domain>";
        break;
    }
    default:
        break;
    }
    return "?";
}

} // namespace leakdesk::heap
