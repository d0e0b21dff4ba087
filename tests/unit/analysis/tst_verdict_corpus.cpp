// The verdict measured on a labelled corpus of memory shapes (CorpusShapes.h), several seeds each:
// every shape must get its expected pattern and leak answer, and the confusion matrix (expected
// pattern in rows, predicted in columns) is printed so that a change to the rules shows what it
// moved. The shapes an on-call engineer must not be paged for (traffic, warm-up, steps, GC teeth)
// must never come back as a leak.
#include "CorpusShapes.h"

#include <QTest>

#include <array>
#include <cstdio>
#include <map>

using namespace leakdesk;
using namespace leakdesk::analysis;
using namespace leakdesk::test;

namespace {

constexpr int kSeeds = 5;

constexpr std::array<Pattern, 7> kPatterns { Pattern::Sawtooth, Pattern::SteadyGrowth, Pattern::Stable,
    Pattern::FollowsTraffic, Pattern::SlowWarmUp, Pattern::InsufficientData, Pattern::Unknown };

// Each series is analysed once; the per-shape rows and the matrix read the same verdicts.
const Verdict& verdictFor(int seed, std::size_t index, const LabelledShape& shape)
{
    static std::map<std::pair<int, std::size_t>, Verdict> cache;
    auto it = cache.find({ seed, index });
    if (it == cache.end())
        it = cache.emplace(std::make_pair(seed, index), analyseMemory(shape.inputs)).first;
    return it->second;
}

std::string dump(const Verdict& v)
{
    std::string s = std::string(patternName(v.pattern)) + (v.leak ? " LEAK " : " no leak ")
        + std::to_string(v.confidence) + ": " + v.summary + "\n";
    for (const Evidence& e : v.evidence)
        s += "  [" + e.topic + "] " + (e.pod.empty() ? "" : e.pod + ": ") + e.sentence + "\n";
    return s;
}

} // namespace

class TestVerdictCorpus : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void eachShapeGetsItsLabel_data()
    {
        QTest::addColumn<int>("seed");
        QTest::addColumn<int>("index");
        for (int seed = 1; seed <= kSeeds; ++seed) {
            const auto shapes = corpusShapes(static_cast<std::uint64_t>(seed));
            for (std::size_t i = 0; i < shapes.size(); ++i)
                QTest::addRow("%s, seed %d", shapes[i].name.c_str(), seed) << seed << static_cast<int>(i);
        }
    }
    void eachShapeGetsItsLabel()
    {
        QFETCH(int, seed);
        QFETCH(int, index);
        const LabelledShape shape = corpusShapes(static_cast<std::uint64_t>(seed))[static_cast<std::size_t>(index)];
        const Verdict& v = verdictFor(seed, static_cast<std::size_t>(index), shape);
        QVERIFY2(v.pattern == shape.expected,
            (shape.name + " expected " + patternName(shape.expected) + ", got " + dump(v)).c_str());
        QVERIFY2(v.leak == shape.leak, dump(v).c_str());
        QVERIFY2(v.confidence > 0.0 && v.confidence <= 1.0, dump(v).c_str());
    }

    // The whole corpus at once: prints the confusion matrix and checks that no healthy shape is a leak.
    void confusionMatrix()
    {
        std::map<std::pair<int, int>, int> counts;
        int total = 0, right = 0, falseLeaks = 0, missedLeaks = 0;
        std::vector<std::string> shapeNames;
        for (int seed = 1; seed <= kSeeds; ++seed) {
            const auto shapes = corpusShapes(static_cast<std::uint64_t>(seed));
            for (std::size_t i = 0; i < shapes.size(); ++i) {
                const LabelledShape& shape = shapes[i];
                if (seed == 1)
                    shapeNames.push_back(shape.name);
                const Verdict& v = verdictFor(seed, i, shape);
                ++counts[{ static_cast<int>(shape.expected), static_cast<int>(v.pattern) }];
                ++total;
                right += v.pattern == shape.expected && v.leak == shape.leak ? 1 : 0;
                falseLeaks += v.leak && !shape.leak ? 1 : 0;
                missedLeaks += !v.leak && shape.leak ? 1 : 0;
            }
        }
        char line[256];
        std::snprintf(line, sizeof line, "%-20s", "expected \\ got");
        std::string header = line;
        for (Pattern p : kPatterns) {
            std::snprintf(line, sizeof line, " %17s", patternName(p));
            header += line;
        }
        qInfo("Verdict corpus: %d shapes x %d seeds = %d series", static_cast<int>(shapeNames.size()), kSeeds, total);
        qInfo("%s", header.c_str());
        for (Pattern expected : kPatterns) {
            int rowTotal = 0;
            std::snprintf(line, sizeof line, "%-20s", patternName(expected));
            std::string row = line;
            for (Pattern got : kPatterns) {
                const int n = counts[{ static_cast<int>(expected), static_cast<int>(got) }];
                rowTotal += n;
                std::snprintf(line, sizeof line, " %17d", n);
                row += line;
            }
            if (rowTotal > 0)
                qInfo("%s", row.c_str());
        }
        qInfo("correct %d of %d; false leaks %d; missed leaks %d", right, total, falseLeaks, missedLeaks);
        QCOMPARE(static_cast<int>(shapeNames.size()) >= 14, true);
        QCOMPARE(falseLeaks, 0);
        QCOMPARE(missedLeaks, 0);
        QCOMPARE(right, total);
    }
};

QTEST_GUILESS_MAIN(TestVerdictCorpus)
#include "tst_verdict_corpus.moc"
