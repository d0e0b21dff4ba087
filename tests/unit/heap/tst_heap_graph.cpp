// Object graph, dominators, retained sizes, GC-root paths and the dump diff. Dominators and
// retained sizes are checked against a brute-force definition on random graphs with cycles.
#include "SampleHeap.h"

#include "core/heap/ClassHistogram.h"
#include "core/heap/DominatorTree.h"
#include "core/heap/GcRootPaths.h"
#include "core/heap/HeapDiff.h"
#include "core/heap/HeapSnapshot.h"
#include "core/heap/LeakSuspects.h"

#include <QTest>

#include <random>

using namespace leakdesk;
using namespace leakdesk::heap;
using namespace leakdesk::heap::test;

namespace {

struct Graph {
    std::uint32_t n = 0;
    std::vector<std::vector<std::uint32_t>> succ;
    std::vector<std::uint32_t> roots;
};

Graph randomGraph(std::uint32_t n, double density, unsigned seed)
{
    std::mt19937 rng(seed);
    Graph g;
    g.n = n;
    g.succ.resize(n);
    std::uniform_real_distribution<double> coin(0, 1);
    for (std::uint32_t a = 0; a < n; ++a)
        for (std::uint32_t b = 0; b < n; ++b)
            if (a != b && coin(rng) < density)
                g.succ[a].push_back(b);
    // A few roots; some nodes stay unreachable.
    for (std::uint32_t r = 0; r < std::max<std::uint32_t>(1, n / 8); ++r)
        g.roots.push_back(std::uniform_int_distribution<std::uint32_t>(0, n - 1)(rng));
    std::sort(g.roots.begin(), g.roots.end());
    g.roots.erase(std::unique(g.roots.begin(), g.roots.end()), g.roots.end());
    return g;
}

// Nodes reachable from the roots when `removed` is taken out of the graph.
std::vector<bool> reachableWithout(const Graph& g, std::uint32_t removed)
{
    std::vector<bool> seen(g.n, false);
    std::vector<std::uint32_t> stack;
    for (auto r : g.roots)
        if (r != removed && !seen[r]) {
            seen[r] = true;
            stack.push_back(r);
        }
    while (!stack.empty()) {
        const auto v = stack.back();
        stack.pop_back();
        for (auto w : g.succ[v])
            if (w != removed && !seen[w]) {
                seen[w] = true;
                stack.push_back(w);
            }
    }
    return seen;
}

} // namespace

class TestHeapGraph : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // Memory is shown in binary units everywhere (issue 15: MiB and MB were mixed): 2^20 bytes is
    // "1.0 MiB", never "1.0 MB" (which would be 10^6).
    void bytesInBinaryUnits_data()
    {
        QTest::addColumn<quint64>("bytes");
        QTest::addColumn<QString>("text");
        QTest::newRow("bytes") << quint64(1000) << QStringLiteral("1000 B");
        QTest::newRow("KiB") << quint64(1536) << QStringLiteral("1.5 KiB");
        QTest::newRow("MiB") << quint64(1) * 1024 * 1024 << QStringLiteral("1.0 MiB");
        QTest::newRow("10^6 is under a MiB") << quint64(1000000) << QStringLiteral("976.6 KiB");
        QTest::newRow("GiB") << quint64(3) * 1024 * 1024 * 1024 << QStringLiteral("3.0 GiB");
    }
    void bytesInBinaryUnits()
    {
        QFETCH(quint64, bytes);
        QFETCH(QString, text);
        QCOMPARE(QString::fromStdString(leakdesk::heap::formatBytes(bytes)), text);
    }

    void dominatorsMatchBruteForce_data()
    {
        QTest::addColumn<unsigned>("nodes");
        QTest::addColumn<double>("density");
        QTest::addColumn<unsigned>("seed");
        for (unsigned seed = 1; seed <= 12; ++seed)
            QTest::addRow("sparse %u", seed) << 30u << 0.06 << seed;
        for (unsigned seed = 1; seed <= 6; ++seed)
            QTest::addRow("dense %u", seed) << 25u << 0.2 << seed;
        QTest::addRow("chain-like") << 60u << 0.02 << 99u;
    }
    void dominatorsMatchBruteForce()
    {
        QFETCH(unsigned, nodes);
        QFETCH(double, density);
        QFETCH(unsigned, seed);
        const Graph g = randomGraph(nodes, density, seed);
        std::vector<std::uint32_t> outStart { 0 }, out, inStart(g.n + 1, 0), in;
        for (std::uint32_t v = 0; v < g.n; ++v) {
            out.insert(out.end(), g.succ[v].begin(), g.succ[v].end());
            outStart.push_back(std::uint32_t(out.size()));
            for (auto w : g.succ[v])
                ++inStart[w + 1];
        }
        for (std::uint32_t v = 0; v < g.n; ++v)
            inStart[v + 1] += inStart[v];
        in.resize(out.size());
        auto cursor = inStart;
        for (std::uint32_t v = 0; v < g.n; ++v)
            for (auto w : g.succ[v])
                in[cursor[w]++] = v;
        const auto idom = computeImmediateDominators(g.n, outStart, out, inStart, in, g.roots);

        const auto all = reachableWithout(g, g.n); // nothing removed
        // dominated[d][v]: removing d cuts v off.
        std::vector<std::vector<bool>> cut(g.n);
        for (std::uint32_t d = 0; d < g.n; ++d)
            cut[d] = reachableWithout(g, d);
        std::vector<std::uint64_t> shallow(g.n);
        for (std::uint32_t v = 0; v < g.n; ++v)
            shallow[v] = 8 * (v + 1);
        const auto retained = computeRetainedSizes(idom, shallow);
        for (std::uint32_t v = 0; v < g.n; ++v) {
            if (!all[v]) {
                QCOMPARE(idom[v], kNoIndex);
                continue;
            }
            // Strict dominators of v: nodes whose removal makes v unreachable.
            std::vector<std::uint32_t> doms;
            for (std::uint32_t d = 0; d < g.n; ++d)
                if (d != v && !cut[d][v])
                    doms.push_back(d);
            // The immediate one is dominated by all the others.
            std::uint32_t expected = g.n;
            for (auto d : doms) {
                bool closest = true;
                for (auto e : doms)
                    if (e != d && cut[e][d])
                        closest = false;
                if (closest)
                    expected = d;
            }
            QCOMPARE(idom[v], expected);
            // Retained: v plus everything only reachable through v.
            std::uint64_t r = shallow[v];
            for (std::uint32_t w = 0; w < g.n; ++w)
                if (w != v && all[w] && !cut[v][w])
                    r += shallow[w];
            QCOMPARE(retained[v], r);
        }
    }

    void snapshotGraphOfTheSampleHeap()
    {
        const SampleDump d = buildSampleDump(8, 4);
        auto opened = HprofFile::fromBytes(d.bytes);
        QVERIFY(opened.ok());
        auto file = std::make_shared<const HprofFile>(std::move(*opened));
        auto loaded = HeapSnapshot::load(file);
        QVERIFY(loaded.ok());
        const HeapSnapshot& s = **loaded;
        auto obj = [&](const char* name) { return s.findObject(d.ids.at(name)); };
        // The weak reference's referent is not an edge: weak -> node2 does not exist.
        QVERIFY(s.references(obj("weak")).empty());
        QCOMPARE(s.references(obj("entries")).size(), std::size_t(3));
        QCOMPARE(s.referrers(obj("node2")).size(), std::size_t(2)); // entries[1], node1.next
        QCOMPARE(s.referenceName(obj("node1"), obj("node2")), std::string("next"));
        QCOMPARE(s.referenceName(obj("entries"), obj("node3")), std::string("[2]"));

        auto dom = DominatorTree::compute(s);
        QVERIFY(dom.ok());
        // The array dominates the three nodes of the cycle and their payloads.
        const std::uint32_t entries = obj("entries");
        for (const char* n : { "node1", "node2", "node3" })
            QCOMPARE(dom->immediateDominator(obj(n)), entries);
        QCOMPARE(dom->immediateDominator(obj("payload2")), obj("node2"));
        std::uint64_t expected = 0;
        for (const char* n : { "entries", "node1", "node2", "node3", "payload1", "payload2", "payload3" })
            expected += s.shallowSize(obj(n));
        QCOMPARE(dom->retainedSize(entries), expected);
        // Retained per class: all Nodes together retain the nodes and the payloads.
        const auto h = classHistogram(s, &*dom);
        QVERIFY(h.hasRetained);
        for (const auto& r : h.rows)
            if (r.className == "com.example.Node")
                QCOMPARE(r.retainedBytes, expected - s.shallowSize(entries));

        // Paths from GC roots: node2 through the static field, never through the weak reference.
        const auto paths = GcRootPaths::compute(s);
        const auto path = paths.describePath(s, obj("node2"));
        QVERIFY(path.size() >= 2);
        QCOMPARE(path.back().object, obj("node2"));
        bool viaStatic = false;
        for (const auto& step : path) {
            QVERIFY(step.object != obj("weak"));
            viaStatic |= step.via == "static ENTRIES";
        }
        QVERIFY2(viaStatic || path.front().object == entries, path.front().via.c_str());
        QVERIFY(!path.front().via.empty());
    }

    void diffRanksWhatGrew()
    {
        const SampleDump small = buildSampleDump(8, 4);
        auto opened = HprofFile::fromBytes(small.bytes);
        QVERIFY(opened.ok());
        auto a = computeClassHistogram(*opened);
        // The "later" dump: the same heap plus more nodes -> Node grows, nothing else.
        ClassHistogram after = *a;
        for (auto& r : after.rows)
            if (r.className == "com.example.Node") {
                r.instances += 1000;
                r.shallowBytes += 32000;
            }
        const HeapDiff diff = diffHistograms(*a, after);
        QVERIFY(!diff.rows.empty());
        QCOMPARE(diff.rows.front().className, std::string("com.example.Node"));
        QCOMPARE(diff.rows.front().instanceGrowth(), std::int64_t(1000));
        QCOMPARE(diff.rows.front().shallowGrowth(), std::int64_t(32000));
        QCOMPARE(diff.rows[1].shallowGrowth(), std::int64_t(0));
    }
};

QTEST_GUILESS_MAIN(TestHeapGraph)
#include "tst_heap_graph.moc"
