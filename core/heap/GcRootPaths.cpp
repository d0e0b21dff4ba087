#include "core/heap/GcRootPaths.h"

#include <algorithm>

namespace leakdesk::heap {

GcRootPaths GcRootPaths::compute(const HeapSnapshot& s, AnalysisProgress* progress)
{
    GcRootPaths p;
    const std::uint32_t n = s.objectCount();
    if (progress)
        progress->startStage(AnalysisProgress::Stage::Paths, n ? n : 1);
    p.m_parent.assign(n, kNoIndex);
    std::vector<std::uint32_t> queue;
    queue.reserve(n);
    for (const std::uint32_t r : s.rootObjects()) {
        p.m_parent[r] = kIsRoot;
        queue.push_back(r);
    }
    for (std::size_t head = 0; head < queue.size(); ++head) {
        const std::uint32_t v = queue[head];
        for (const std::uint32_t w : s.references(v)) {
            if (p.m_parent[w] == kNoIndex) {
                p.m_parent[w] = v;
                queue.push_back(w);
            }
        }
        if (progress && (head & 0xFFFF) == 0)
            progress->advance(0x10000);
    }
    return p;
}

std::vector<std::uint32_t> GcRootPaths::pathFromRoot(std::uint32_t object) const
{
    std::vector<std::uint32_t> path;
    if (object >= m_parent.size() || m_parent[object] == kNoIndex)
        return path;
    for (std::uint32_t v = object;; v = m_parent[v]) {
        path.push_back(v);
        if (m_parent[v] == kIsRoot || path.size() > m_parent.size())
            break;
    }
    std::reverse(path.begin(), path.end());
    return path;
}

std::vector<PathStep> GcRootPaths::describePath(const HeapSnapshot& s, std::uint32_t object) const
{
    std::vector<PathStep> steps;
    const auto path = pathFromRoot(object);
    for (std::size_t i = 0; i < path.size(); ++i) {
        PathStep step;
        step.object = path[i];
        step.description = s.describe(path[i]);
        step.via = i == 0 ? describeRoot(s, path[i]) : s.referenceName(path[i - 1], path[i]);
        steps.push_back(std::move(step));
    }
    return steps;
}

std::string describeRoot(const HeapSnapshot& s, std::uint32_t object)
{
    const std::uint64_t id = s.objectId(object);
    std::string kinds;
    std::string thread;
    for (const GcRoot& r : s.roots()) {
        if (r.objectId != id)
            continue;
        const std::string k = rootKindName(r.kind);
        if (kinds.find(k) == std::string::npos)
            kinds += (kinds.empty() ? "" : ", ") + k;
        if (thread.empty() && r.threadSerial
            && (r.kind == RootKind::JavaFrame || r.kind == RootKind::JniLocal || r.kind == RootKind::ThreadObject
                || r.kind == RootKind::NativeStack || r.kind == RootKind::ThreadBlock)) {
            for (const GcRoot& t : s.roots()) {
                if (t.kind != RootKind::ThreadObject || t.threadSerial != r.threadSerial)
                    continue;
                const std::uint32_t to = s.findObject(t.objectId);
                if (to == kNoIndex)
                    break;
                if (const auto nameId = s.fieldValue(to, "name"); nameId && *nameId) {
                    const std::uint32_t no = s.findObject(*nameId);
                    if (no != kNoIndex)
                        if (auto name = s.stringValue(no, 80))
                            thread = *name;
                }
                break;
            }
        }
    }
    if (kinds.empty())
        kinds = "GC root";
    return thread.empty() ? kinds : "thread '" + thread + "' (" + kinds + ")";
}

} // namespace leakdesk::heap
