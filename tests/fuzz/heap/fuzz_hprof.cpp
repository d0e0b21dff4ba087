// libFuzzer entry point for the HPROF reader and every analysis built on it: whatever the bytes,
// opening, the histogram, the snapshot, dominators, paths and suspects must not crash or hang.
#include "core/heap/ClassHistogram.h"
#include "core/heap/DominatorTree.h"
#include "core/heap/GcRootPaths.h"
#include "core/heap/HeapSnapshot.h"
#include "core/heap/HprofFile.h"
#include "core/heap/LeakSuspects.h"

#include <cstdint>
#include <memory>
#include <vector>

using namespace leakdesk::heap;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    auto opened = HprofFile::fromBytes(std::vector<std::uint8_t>(data, data + size));
    if (!opened)
        return 0;
    auto file = std::make_shared<const HprofFile>(std::move(*opened));
    AnalysisProgress progress;
    progress.threads = 1;
    (void)computeClassHistogram(*file, &progress);
    auto snapshot = HeapSnapshot::load(file, &progress);
    if (!snapshot)
        return 0;
    const HeapSnapshot& s = **snapshot;
    auto dominators = DominatorTree::compute(s, &progress);
    if (!dominators)
        return 0;
    (void)classHistogram(s, &*dominators);
    const auto paths = GcRootPaths::compute(s);
    for (const auto& suspect : findLeakSuspects(s, *dominators, paths))
        (void)suspect.explanation.size();
    for (std::uint32_t i = 0; i < s.objectCount() && i < 64; ++i) {
        (void)s.stringValue(i);
        (void)paths.describePath(s, i);
    }
    return 0;
}
