#include "core/heap/ClassHistogram.h"

#include "core/heap/DominatorTree.h"
#include "core/heap/HeapSnapshot.h"
#include "core/heap/HeapSurvey.h"

#include <algorithm>
#include <map>

namespace leakdesk::heap {

namespace {

void sortRows(std::vector<HistogramRow>& rows)
{
    std::sort(rows.begin(), rows.end(), [](const HistogramRow& a, const HistogramRow& b) {
        if (a.shallowBytes != b.shallowBytes)
            return a.shallowBytes > b.shallowBytes;
        if (a.instances != b.instances)
            return a.instances > b.instances;
        return a.className < b.className;
    });
}

std::vector<HistogramRow> rowsFromCounts(const ClassTable& classes, const std::vector<std::uint64_t>& instances,
    const std::vector<std::uint64_t>& bytes, const std::vector<std::uint64_t>* retained)
{
    std::vector<HistogramRow> rows;
    for (std::uint32_t c = 0; c < classes.size(); ++c) {
        if (!instances[c])
            continue;
        HistogramRow r;
        r.className = classes[c].name;
        r.jvmName = jvmHistogramName(classes[c].internalName);
        r.instances = instances[c];
        r.shallowBytes = bytes[c];
        if (retained)
            r.retainedBytes = (*retained)[c];
        rows.push_back(std::move(r));
    }
    sortRows(rows);
    return rows;
}

} // namespace

std::vector<HistogramRow> ClassHistogram::mergedByName() const
{
    std::map<std::string, HistogramRow> byName;
    for (const HistogramRow& r : rows) {
        auto [it, fresh] = byName.try_emplace(r.jvmName, r);
        if (!fresh) {
            it->second.instances += r.instances;
            it->second.shallowBytes += r.shallowBytes;
            it->second.retainedBytes += r.retainedBytes;
        }
    }
    std::vector<HistogramRow> out;
    for (auto& [name, row] : byName)
        out.push_back(std::move(row));
    sortRows(out);
    return out;
}

Result<ClassHistogram> computeClassHistogram(const HprofFile& file, AnalysisProgress* progress)
{
    auto survey = surveyHeap(file, true, progress);
    if (!survey)
        return survey.error();
    if (auto s = requireObjects(file, *survey); !s)
        return s.error();
    auto table = ClassTable::build(file, survey->classDumpOffsets, ObjectLayout::defaultFor(file.idSize()));
    if (!table)
        return table.error();
    ClassTable& classes = *table;
    ClassHistogram h;
    h.layout = detectObjectLayout(*survey, classes, file.idSize());
    h.damage = survey->damage;
    h.gcRoots = survey->roots.size();

    std::vector<std::uint64_t> instances(classes.size(), 0), bytes(classes.size(), 0);
    std::uint64_t unknownInstances = 0;
    survey->instancesByClassId.forEach([&](std::uint64_t classId, std::uint64_t n) {
        const std::uint32_t c = classes.indexOf(classId);
        if (c == kNoIndex) {
            unknownInstances += n;
            return;
        }
        instances[c] += n;
        bytes[c] += n * classes[c].instanceSize;
    });
    survey->arraysByShape.forEach([&](std::uint64_t key, std::uint64_t n) {
        const std::uint32_t arrayKey = std::uint32_t(key >> 32);
        const std::uint64_t length = key & 0xFFFFFFFFu;
        std::uint32_t c;
        std::uint64_t size;
        if (arrayKey & 0x80000000u) {
            const std::uint8_t type = std::uint8_t(arrayKey & 0xFF);
            c = classes.primitiveArrayClass(type);
            size = classes.primitiveArraySize(type, length);
        } else {
            c = classes.indexOf(survey->objectArrayClassIds[arrayKey - 1]);
            size = classes.objectArraySize(length);
        }
        if (c == kNoIndex) {
            unknownInstances += n;
            return;
        }
        instances[c] += n;
        bytes[c] += n * size;
    });
    if (const std::uint32_t jlc = classes.javaLangClass(); jlc != kNoIndex) {
        for (const ClassInfo& c : classes.classes()) {
            if (c.synthetic)
                continue;
            ++instances[jlc];
            bytes[jlc] += c.mirrorSize;
        }
    }
    h.rows = rowsFromCounts(classes, instances, bytes, nullptr);
    if (unknownInstances) {
        HistogramRow r;
        r.className = r.jvmName = "<objects of classes missing from the dump>";
        r.instances = unknownInstances;
        h.rows.push_back(std::move(r));
    }
    for (const HistogramRow& r : h.rows) {
        h.totalInstances += r.instances;
        h.totalShallowBytes += r.shallowBytes;
    }
    return h;
}

ClassHistogram classHistogram(const HeapSnapshot& snapshot, const DominatorTree* dominators)
{
    const ClassTable& classes = snapshot.classes();
    ClassHistogram h;
    h.layout = classes.layout();
    h.damage = snapshot.damage();
    h.gcRoots = snapshot.roots().size();
    std::vector<std::uint64_t> instances(classes.size(), 0), bytes(classes.size(), 0);
    const std::uint32_t n = snapshot.objectCount();
    for (std::uint32_t i = 0; i < n; ++i) {
        const std::uint32_t c = snapshot.classOf(i);
        if (c == kNoIndex)
            continue;
        ++instances[c];
        bytes[c] += snapshot.shallowSize(i);
    }
    std::vector<std::uint64_t> retained;
    if (dominators) {
        retained = dominators->retainedPerClass(snapshot);
        h.hasRetained = true;
    }
    h.rows = rowsFromCounts(classes, instances, bytes, dominators ? &retained : nullptr);
    for (const HistogramRow& r : h.rows) {
        h.totalInstances += r.instances;
        h.totalShallowBytes += r.shallowBytes;
    }
    return h;
}

} // namespace leakdesk::heap
