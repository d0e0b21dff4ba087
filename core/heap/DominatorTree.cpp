#include "core/heap/DominatorTree.h"

#include "core/heap/HeapSnapshot.h"

#include <algorithm>

namespace leakdesk::heap {

std::vector<std::uint32_t> computeImmediateDominators(std::uint32_t n, std::span<const std::uint32_t> outStart,
    std::span<const std::uint32_t> out, std::span<const std::uint32_t> inStart, std::span<const std::uint32_t> in,
    std::span<const std::uint32_t> roots, AnalysisProgress* progress)
{
    constexpr std::uint32_t kUnvisited = kNoIndex;
    std::vector<std::uint32_t> pre(std::size_t(n) + 1, kUnvisited);
    std::vector<bool> isRoot(n, false);
    for (const std::uint32_t r : roots)
        if (r < n)
            isRoot[r] = true;

    // Preorder-indexed arrays; index 0 is the virtual root.
    std::vector<std::uint32_t> vertex, parent, cursor;
    vertex.reserve(std::size_t(n) + 1);
    parent.reserve(std::size_t(n) + 1);
    cursor.reserve(std::size_t(n) + 1);
    vertex.push_back(n);
    parent.push_back(0);
    cursor.push_back(0);
    pre[n] = 0;

    // Iterative DFS: the parent chain is the stack, cursor[i] the next edge of vertex i to try.
    std::uint32_t cur = 0;
    for (;;) {
        const std::uint32_t v = vertex[cur];
        const std::uint32_t* edges;
        std::uint32_t count;
        if (v == n) {
            edges = roots.data();
            count = std::uint32_t(roots.size());
        } else {
            edges = out.data() + outStart[v];
            count = outStart[v + 1] - outStart[v];
        }
        bool descended = false;
        while (cursor[cur] < count) {
            const std::uint32_t w = edges[cursor[cur]++];
            if (w < n && pre[w] == kUnvisited) {
                const std::uint32_t m = std::uint32_t(vertex.size());
                pre[w] = m;
                vertex.push_back(w);
                parent.push_back(cur);
                cursor.push_back(0);
                cur = m;
                descended = true;
                break;
            }
        }
        if (descended)
            continue;
        if (cur == 0)
            break;
        cur = parent[cur];
    }
    if (progress)
        progress->advance(1);

    const std::uint32_t m = std::uint32_t(vertex.size());
    std::vector<std::uint32_t>& semi = cursor; // reuse: the DFS is done with it
    std::vector<std::uint32_t> label(m), ancestor(parent);
    for (std::uint32_t i = 0; i < m; ++i) {
        semi[i] = i;
        label[i] = i;
    }
    std::vector<std::uint32_t> stack;
    auto eval = [&](std::uint32_t v, std::uint32_t lastLinked) -> std::uint32_t {
        if (ancestor[v] < lastLinked)
            return label[v];
        stack.clear();
        std::uint32_t x = v;
        do {
            stack.push_back(x);
            x = ancestor[x];
        } while (ancestor[x] >= lastLinked);
        std::uint32_t p = x;
        std::uint32_t pLabel = label[p];
        while (!stack.empty()) {
            const std::uint32_t y = stack.back();
            stack.pop_back();
            ancestor[y] = ancestor[p];
            if (semi[pLabel] < semi[label[y]])
                label[y] = pLabel;
            else
                pLabel = label[y];
            p = y;
        }
        return label[v];
    };
    for (std::uint32_t i = m - 1; i >= 1; --i) {
        const std::uint32_t w = vertex[i];
        std::uint32_t s = parent[i];
        if (isRoot[w]) {
            s = 0; // the virtual root is a predecessor of every GC root
        } else {
            for (std::uint32_t k = inStart[w]; k < inStart[w + 1]; ++k) {
                const std::uint32_t u = pre[in[k]];
                if (u == kUnvisited)
                    continue;
                const std::uint32_t su = semi[eval(u, i + 1)];
                if (su < s)
                    s = su;
            }
        }
        semi[i] = s;
        if (progress && (i & 0xFFFFF) == 0 && progress->cancelled())
            return {};
    }
    ancestor.clear();
    ancestor.shrink_to_fit();
    label.clear();
    label.shrink_to_fit();

    std::vector<std::uint32_t>& idom = parent; // starts as the DFS parent
    for (std::uint32_t i = 1; i < m; ++i) {
        std::uint32_t j = idom[i];
        while (j > semi[i])
            j = idom[j];
        idom[i] = j;
    }
    // Free what is no longer needed before the result is allocated: this is the peak.
    semi = {};
    pre = {};
    std::vector<std::uint32_t> result(n, kNoIndex);
    for (std::uint32_t i = 1; i < m; ++i)
        result[vertex[i]] = vertex[idom[i]];
    return result;
}

std::vector<std::uint64_t> computeRetainedSizes(
    std::span<const std::uint32_t> idom, const std::vector<std::uint64_t>& shallow)
{
    const std::size_t n = idom.size();
    // Children before parents: a node's dominator is always nearer the root, so process nodes by
    // decreasing depth in the dominator tree (computed by walking up with memoised depths).
    std::vector<std::uint32_t> depth(n, 0);
    std::vector<std::uint32_t> chain;
    for (std::size_t v = 0; v < n; ++v) {
        if (idom[v] == kNoIndex || depth[v])
            continue;
        chain.clear();
        std::uint32_t x = std::uint32_t(v);
        while (x < n && idom[x] != kNoIndex && !depth[x]) {
            chain.push_back(x);
            x = idom[x];
        }
        std::uint32_t d = x < n ? depth[x] : 0;
        for (auto it = chain.rbegin(); it != chain.rend(); ++it)
            depth[*it] = ++d;
    }
    std::vector<std::uint32_t> order;
    for (std::size_t v = 0; v < n; ++v)
        if (idom[v] != kNoIndex)
            order.push_back(std::uint32_t(v));
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return depth[a] > depth[b]; });
    std::vector<std::uint64_t> retained(n, 0);
    for (const std::uint32_t v : order) {
        retained[v] += shallow[v];
        if (idom[v] < n)
            retained[idom[v]] += retained[v];
    }
    return retained;
}

Result<DominatorTree> DominatorTree::compute(const HeapSnapshot& s, AnalysisProgress* progress)
{
    const std::uint32_t n = s.objectCount();
    if (progress)
        progress->startStage(AnalysisProgress::Stage::Dominators, 2);
    DominatorTree t;
    if (n > 0)
        t.m_idom = computeImmediateDominators(
            n, s.outStarts(), s.outTargets(), s.inStarts(), s.inSources(), s.rootObjects(), progress);
    if (progress && progress->cancelled())
        return makeError(ErrorCode::Cancelled, "the heap analysis was cancelled");
    for (auto& d : t.m_idom)
        if (d == n)
            d = kVirtualRoot;

    if (progress)
        progress->startStage(AnalysisProgress::Stage::RetainedSizes, 3);
    // Children lists (CSR); the virtual root's children are stored under index n.
    t.m_childStart.assign(std::size_t(n) + 2, 0);
    for (std::uint32_t v = 0; v < n; ++v) {
        const std::uint32_t d = t.m_idom[v];
        if (d == kNoIndex)
            continue;
        ++t.m_childStart[(d == kVirtualRoot ? n : d) + 1];
    }
    for (std::uint32_t i = 0; i <= n; ++i)
        t.m_childStart[i + 1] += t.m_childStart[i];
    t.m_children.resize(t.m_childStart[n + 1]);
    {
        std::vector<std::uint32_t> cursor(t.m_childStart.begin(), t.m_childStart.end() - 1);
        for (std::uint32_t v = 0; v < n; ++v) {
            const std::uint32_t d = t.m_idom[v];
            if (d != kNoIndex)
                t.m_children[cursor[d == kVirtualRoot ? n : d]++] = v;
        }
    }
    if (progress)
        progress->advance(1);

    // Retained sizes bottom-up: a post-order over the children lists with an explicit stack.
    t.m_retained.assign(n, 0);
    std::vector<std::uint32_t> stack;
    std::vector<std::uint32_t> next(std::size_t(n) + 1, 0); // child cursor per node
    auto childBegin = [&](std::uint32_t v) { return t.m_childStart[v]; };
    stack.push_back(n);
    while (!stack.empty()) {
        const std::uint32_t v = stack.back();
        const std::uint32_t c = childBegin(v) + next[v];
        if (c < t.m_childStart[v + 1]) {
            ++next[v];
            stack.push_back(t.m_children[c]);
            continue;
        }
        stack.pop_back();
        if (v == n)
            break;
        t.m_retained[v] += s.shallowSize(v);
        const std::uint32_t d = t.m_idom[v];
        if (d != kVirtualRoot)
            t.m_retained[d] += t.m_retained[v];
        else
            t.m_reachableBytes += t.m_retained[v];
        ++t.m_reachableObjects;
    }
    next = {};
    if (progress)
        progress->advance(1);

    for (std::uint32_t v = 0; v <= n; ++v) {
        auto first = t.m_children.begin() + t.m_childStart[v];
        auto last = t.m_children.begin() + t.m_childStart[v + 1];
        if (last - first > 1)
            std::sort(first, last, [&](std::uint32_t a, std::uint32_t b) {
                return t.m_retained[a] != t.m_retained[b] ? t.m_retained[a] > t.m_retained[b] : a < b;
            });
    }
    if (progress)
        progress->advance(1);
    return t;
}

std::span<const std::uint32_t> DominatorTree::children(std::uint32_t object) const
{
    const std::size_t n = m_idom.size();
    const std::size_t v = object == kVirtualRoot ? n : object;
    if (v > n)
        return {};
    return { m_children.data() + m_childStart[v], m_children.data() + m_childStart[v + 1] };
}

std::vector<std::uint64_t> DominatorTree::retainedPerClass(const HeapSnapshot& s) const
{
    std::vector<std::uint64_t> perClass(s.classes().size(), 0);
    std::vector<std::uint32_t> open(s.classes().size(), 0); // instances of the class on the current path
    const std::uint32_t n = s.objectCount();
    constexpr std::uint32_t kExit = 0x80000000u;
    if (n >= kExit)
        return perClass;
    std::vector<std::uint32_t> stack;
    for (const std::uint32_t r : children(kVirtualRoot))
        stack.push_back(r);
    while (!stack.empty()) {
        const std::uint32_t top = stack.back();
        stack.pop_back();
        if (top & kExit) {
            const std::uint32_t c = s.classOf(top & ~kExit);
            if (c != kNoIndex)
                --open[c];
            continue;
        }
        const std::uint32_t c = s.classOf(top);
        if (c != kNoIndex) {
            if (open[c] == 0)
                perClass[c] += m_retained[top];
            ++open[c];
        }
        stack.push_back(top | kExit);
        for (const std::uint32_t ch : children(top))
            stack.push_back(ch);
    }
    return perClass;
}

} // namespace leakdesk::heap
