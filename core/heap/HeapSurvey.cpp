#include "core/heap/HeapSurvey.h"

#include "core/heap/HeapWalker.h"
#include "core/heap/ParallelFor.h"

#include <algorithm>

namespace leakdesk::heap {

const char* rootKindName(RootKind kind)
{
    switch (kind) {
    case RootKind::Unknown:
        return "unknown root";
    case RootKind::JniGlobal:
        return "JNI global";
    case RootKind::JniLocal:
        return "JNI local";
    case RootKind::JavaFrame:
        return "Java stack frame";
    case RootKind::NativeStack:
        return "native stack";
    case RootKind::StickyClass:
        return "system class";
    case RootKind::ThreadBlock:
        return "thread block";
    case RootKind::MonitorUsed:
        return "busy monitor";
    case RootKind::ThreadObject:
        return "thread";
    case RootKind::InternedString:
        return "interned string";
    case RootKind::Finalizing:
        return "finalizing";
    case RootKind::Debugger:
        return "debugger";
    case RootKind::ReferenceCleanup:
        return "reference cleanup";
    case RootKind::VmInternal:
        return "VM internal";
    case RootKind::JniMonitor:
        return "JNI monitor";
    case RootKind::Unreachable:
        return "unreachable";
    }
    return "root";
}

const char* stageName(AnalysisProgress::Stage stage)
{
    switch (stage) {
    case AnalysisProgress::Stage::Idle:
        return "idle";
    case AnalysisProgress::Stage::Histogram:
        return "class histogram";
    case AnalysisProgress::Stage::IndexObjects:
        return "indexing objects";
    case AnalysisProgress::Stage::BuildGraph:
        return "building the object graph";
    case AnalysisProgress::Stage::Dominators:
        return "dominator tree";
    case AnalysisProgress::Stage::RetainedSizes:
        return "retained sizes";
    case AnalysisProgress::Stage::Paths:
        return "paths to GC roots";
    case AnalysisProgress::Stage::Done:
        return "done";
    }
    return "";
}

Error walkDamage(const HprofFile& file, std::uint64_t offset, const char* reason)
{
    const bool atEnd = file.damage() && file.damage()->code == ErrorCode::Truncated;
    return makeError(atEnd ? ErrorCode::Truncated : ErrorCode::Parse,
        std::string("the heap dump sub-record at offset ") + hexOffset(offset) + " cannot be read: " + reason,
        atEnd ? "the file was cut off; the objects before that offset are analysed"
              : "the dump is corrupt; the objects before that offset are analysed");
}

Status requireObjects(const HprofFile& file, const HeapSurvey& survey)
{
    if (survey.objectCount > 0)
        return Ok {};
    // An analysis of nothing would read as "no leak suspects": say what the dump holds instead.
    std::string why = file.heapSegments().empty()
        ? "it has no heap dump records (" + std::to_string(file.recordCount()) + " top-level records)"
        : "its " + std::to_string(file.heapSegments().size()) + " heap dump segments hold no class, instance or array";
    const std::optional<Error>& damage = survey.damage ? survey.damage : file.damage();
    return makeError(ErrorCode::NotEnoughData, "the heap dump holds no objects: " + why,
        damage ? "reading stopped early: " + damage->message + "; copy or capture the dump again"
               : "the file is not a complete heap dump (an empty or cut-off file, or a dump of the wrong kind); "
                 "take the dump again with jcmd GC.heap_dump");
}

namespace {

constexpr std::size_t kSamplesPerWorker = 1 << 17;

template<bool CountShapes> struct SurveyVisitor {
    std::vector<std::uint64_t> classDumps;
    std::vector<GcRoot> roots;
    std::uint64_t objects = 0;
    std::uint64_t bits = 0;
    std::vector<LayoutSample> samples;
    LayoutSample pending;
    std::uint64_t pendingId = 0;
    FlatIdMap<std::uint64_t> instances { 1024 };
    FlatIdMap<std::uint64_t> arrays { 4096 };
    FlatIdMap<std::uint32_t> arrayClassKeys { 256 };
    std::vector<std::uint64_t> arrayClassIds;

    void resetSegment() { pendingId = 0; }

    void sample(std::uint64_t id, const LayoutSample& shape)
    {
        if (pendingId && id > pendingId && samples.size() < kSamplesPerWorker) {
            pending.gap = id - pendingId;
            samples.push_back(pending);
        }
        pending = shape;
        pendingId = id;
    }

    void root(std::uint8_t kind, std::uint64_t id, std::uint32_t thread, std::uint64_t)
    {
        roots.push_back({ id, RootKind(kind), thread });
    }
    void classDump(std::uint64_t id, std::uint64_t offset)
    {
        classDumps.push_back(offset);
        ++objects;
        bits |= id;
        pendingId = 0; // mirror sizes are not used as evidence
    }
    void instance(std::uint64_t id, std::uint64_t classId, const std::uint8_t*, std::uint32_t, std::uint64_t)
    {
        ++objects;
        bits |= id;
        if constexpr (CountShapes)
            ++instances(classId);
        LayoutSample s;
        s.kind = LayoutSample::Instance;
        s.classId = classId;
        sample(id, s);
    }
    void objectArray(std::uint64_t id, std::uint64_t classId, std::uint32_t length, const std::uint8_t*, std::uint64_t)
    {
        ++objects;
        bits |= id;
        if constexpr (CountShapes) {
            std::uint32_t& key = arrayClassKeys(classId, 0);
            if (key == 0) {
                arrayClassIds.push_back(classId);
                key = std::uint32_t(arrayClassIds.size());
            }
            ++arrays((std::uint64_t(key) << 32) | length);
        }
        LayoutSample s;
        s.kind = LayoutSample::ObjectArray;
        s.length = length;
        sample(id, s);
    }
    void primitiveArray(std::uint64_t id, std::uint8_t type, std::uint32_t length, std::uint64_t)
    {
        ++objects;
        bits |= id;
        if constexpr (CountShapes)
            ++arrays((std::uint64_t(0x80000000u | type) << 32) | length);
        LayoutSample s;
        s.kind = LayoutSample::PrimitiveArray;
        s.elementType = type;
        s.length = length;
        sample(id, s);
    }
};

template<bool CountShapes> Result<HeapSurvey> survey(const HprofFile& file, AnalysisProgress* progress)
{
    const auto& segments = file.heapSegments();
    HeapSurvey out;
    out.objectsPerSegment.assign(segments.size(), 0);
    const unsigned workers = workerCount(progress ? progress->threads : 0, segments.size());
    std::vector<SurveyVisitor<CountShapes>> visitors(workers);
    std::vector<WalkStop> stops(segments.size());
    std::uint64_t totalBytes = 0;
    for (const auto& s : segments)
        totalBytes += s.length;
    if (progress)
        progress->startStage(AnalysisProgress::Stage::Histogram, totalBytes);
    parallelFor(segments.size(), workers, [&](std::size_t i, unsigned w) {
        if (progress && progress->cancelled())
            return;
        auto& v = visitors[w];
        const std::uint64_t before = v.objects;
        v.resetSegment();
        stops[i] = walkHeapSegment(file.data(), segments[i].bodyOffset, segments[i].length, file.idSize(), v);
        out.objectsPerSegment[i] = v.objects - before;
        if (progress)
            progress->advance(segments[i].length);
    });
    if (progress && progress->cancelled())
        return makeError(ErrorCode::Cancelled, "the heap analysis was cancelled");
    for (const WalkStop& s : stops) {
        if (s) { // segments are in file order: the first stop is the earliest
            out.damage = walkDamage(file, s.offset, s.reason);
            break;
        }
    }
    if (!out.damage && file.damage())
        out.damage = file.damage();
    for (auto& v : visitors) {
        out.classDumpOffsets.insert(out.classDumpOffsets.end(), v.classDumps.begin(), v.classDumps.end());
        out.roots.insert(out.roots.end(), v.roots.begin(), v.roots.end());
        out.objectCount += v.objects;
        out.addressBits |= v.bits;
        out.samples.insert(out.samples.end(), v.samples.begin(), v.samples.end());
        if constexpr (CountShapes) {
            v.instances.forEach([&](std::uint64_t k, std::uint64_t n) { out.instancesByClassId(k) += n; });
            // Re-key this worker's object array classes into the shared numbering.
            std::vector<std::uint32_t> remap(v.arrayClassIds.size() + 1, 0);
            for (std::size_t a = 0; a < v.arrayClassIds.size(); ++a) {
                auto it = std::find(out.objectArrayClassIds.begin(), out.objectArrayClassIds.end(), v.arrayClassIds[a]);
                if (it == out.objectArrayClassIds.end()) {
                    out.objectArrayClassIds.push_back(v.arrayClassIds[a]);
                    remap[a + 1] = std::uint32_t(out.objectArrayClassIds.size());
                } else {
                    remap[a + 1] = std::uint32_t(it - out.objectArrayClassIds.begin() + 1);
                }
            }
            v.arrays.forEach([&](std::uint64_t k, std::uint64_t n) {
                std::uint64_t key = k >> 32;
                if (!(key & 0x80000000u))
                    key = remap[key];
                out.arraysByShape((key << 32) | (k & 0xFFFFFFFFu)) += n;
            });
        }
    }
    std::sort(out.classDumpOffsets.begin(), out.classDumpOffsets.end());
    return out;
}

} // namespace

Result<HeapSurvey> surveyHeap(const HprofFile& file, bool countShapes, AnalysisProgress* progress)
{
    return countShapes ? survey<true>(file, progress) : survey<false>(file, progress);
}

ObjectLayout detectObjectLayout(const HeapSurvey& survey, ClassTable& classes, unsigned idSize)
{
    ObjectLayout fallback = ObjectLayout::defaultFor(idSize);
    const unsigned alignment = alignmentFromAddressBits(survey.addressBits);
    if (alignment < 8 || survey.samples.empty()) {
        classes.applyLayout(fallback);
        return fallback;
    }
    fallback.alignment = alignment;
    ObjectLayout best = fallback;
    std::uint64_t bestViolations = ~0ull, bestMatches = 0;
    for (ObjectLayout candidate : candidateLayouts(idSize, alignment)) {
        classes.applyLayout(candidate);
        std::uint64_t violations = 0, matches = 0;
        for (const LayoutSample& s : survey.samples) {
            std::uint64_t size = 0;
            if (s.kind == LayoutSample::Instance) {
                const std::uint32_t c = classes.indexOf(s.classId);
                if (c == kNoIndex)
                    continue;
                size = classes[c].instanceSize;
            } else if (s.kind == LayoutSample::ObjectArray) {
                size = classes.objectArraySize(s.length);
            } else {
                size = classes.primitiveArraySize(s.elementType, s.length);
            }
            violations += size > s.gap;
            matches += size == s.gap;
        }
        // A layout that is too small overlaps nothing but explains few gaps; one that is too large
        // overlaps its neighbours. The right one explains most gaps, with at most a few overlaps
        // from classes whose layout the VM computes differently (unknown injected fields).
        const auto score = [](std::uint64_t m, std::uint64_t v) { return std::int64_t(m) - 4 * std::int64_t(v); };
        if (bestViolations == ~0ull || score(matches, violations) > score(bestMatches, bestViolations)) {
            best = candidate;
            bestViolations = violations;
            bestMatches = matches;
        }
    }
    // Evidence means most gaps are explained exactly; ids that are not addresses explain none.
    if (bestMatches * 4 < survey.samples.size()) {
        classes.applyLayout(fallback);
        return fallback;
    }
    best.detected = true;
    classes.applyLayout(best);
    return best;
}

} // namespace leakdesk::heap
