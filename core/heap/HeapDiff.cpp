#include "core/heap/HeapDiff.h"

#include <algorithm>
#include <map>

namespace leakdesk::heap {

HeapDiff diffHistograms(const ClassHistogram& before, const ClassHistogram& after)
{
    HeapDiff d;
    d.hasRetained = before.hasRetained && after.hasRetained;
    std::map<std::string, HeapDiffRow> rows;
    for (const HistogramRow& r : before.mergedByName()) {
        HeapDiffRow& row = rows[r.jvmName];
        row.className = r.className;
        row.jvmName = r.jvmName;
        row.instancesBefore = std::int64_t(r.instances);
        row.shallowBefore = std::int64_t(r.shallowBytes);
        row.retainedBefore = std::int64_t(r.retainedBytes);
        d.totalShallowBefore += std::int64_t(r.shallowBytes);
    }
    for (const HistogramRow& r : after.mergedByName()) {
        HeapDiffRow& row = rows[r.jvmName];
        row.className = r.className;
        row.jvmName = r.jvmName;
        row.instancesAfter = std::int64_t(r.instances);
        row.shallowAfter = std::int64_t(r.shallowBytes);
        row.retainedAfter = std::int64_t(r.retainedBytes);
        d.totalShallowAfter += std::int64_t(r.shallowBytes);
    }
    for (auto& [name, row] : rows)
        d.rows.push_back(std::move(row));
    const bool retained = d.hasRetained;
    std::sort(d.rows.begin(), d.rows.end(), [retained](const HeapDiffRow& a, const HeapDiffRow& b) {
        const std::int64_t ga = retained ? a.retainedGrowth() : a.shallowGrowth();
        const std::int64_t gb = retained ? b.retainedGrowth() : b.shallowGrowth();
        if (ga != gb)
            return ga > gb;
        if (a.instanceGrowth() != b.instanceGrowth())
            return a.instanceGrowth() > b.instanceGrowth();
        return a.jvmName < b.jvmName;
    });
    return d;
}

} // namespace leakdesk::heap
