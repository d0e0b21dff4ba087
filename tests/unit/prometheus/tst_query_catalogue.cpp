// The query catalogue's list of kinds is what every test iterates (the real-Prometheus witness in
// tests/integration/prometheus runs each listed kind against a real Prometheus). A template added to
// templateFor() without being listed in allQueryKinds() would escape all of them: this test fails then.

#include "core/prometheus/QueryCatalogue.h"

#include <QTest>

#include <algorithm>
#include <set>
#include <string>

using namespace leakdesk;

class TestQueryCatalogue : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // The pods a workload has, by exact name (issue 16): chunked under the bound, never a pattern.
    void podRegexesAreExactNames()
    {
        std::vector<std::string> pods;
        for (int i = 0; i < 300; ++i)
            pods.push_back("checkout-7d9f8c6b5-" + std::to_string(10000 + i));
        pods.push_back("db.v2-0");
        const auto chunks = prometheus::podRegexesForPods(pods, 500);
        QVERIFY(chunks.size() > 1);
        std::size_t names = 0;
        for (const auto& c : chunks) {
            QVERIFY2(c.size() <= 500, c.c_str());
            names += std::size_t(std::count(c.begin(), c.end(), '|')) + 1;
            QVERIFY(c.find(".*") == std::string::npos);
        }
        QCOMPARE(names, pods.size());
        QVERIFY(chunks.back().find("db\\.v2-0") != std::string::npos); // the dot is literal
        QVERIFY(prometheus::podRegexesForPods({}).empty());
    }

    void everyTemplateIsListed()
    {
        const prometheus::QueryCatalogue catalogue;
        const prometheus::PodSelector selector { "production", prometheus::podRegexForWorkload("checkout") };
        const auto& listed = prometheus::allQueryKinds();
        const std::set<prometheus::QueryKind> listedSet(listed.begin(), listed.end());
        QCOMPARE(listedSet.size(), listed.size());
        // QueryKind is an enum class over int: any value an enumerator could take is probed, not a
        // hand-made list, so a new enumerator with a template is found wherever it is added.
        for (int value = -16; value < 256; ++value) {
            const auto kind = static_cast<prometheus::QueryKind>(value);
            const bool hasTemplate = !catalogue.build(kind, selector).empty();
            QVERIFY2(hasTemplate == (listedSet.count(kind) == 1),
                qPrintable(QStringLiteral("QueryKind %1: %2")
                               .arg(value)
                               .arg(hasTemplate ? QStringLiteral("has a template but is not in allQueryKinds()")
                                                : QStringLiteral("is listed but has no template"))));
        }
    }

    void everyListedKindHasAUniqueNameAndTemplate()
    {
        const prometheus::QueryCatalogue catalogue;
        const prometheus::PodSelector selector { "production", prometheus::podRegexForWorkload("checkout") };
        std::set<std::string> names;
        std::set<std::string> templates;
        for (prometheus::QueryKind kind : prometheus::allQueryKinds()) {
            const std::string name = prometheus::queryKindName(kind);
            QVERIFY(name != "unknown");
            QVERIFY2(names.insert(name).second, name.c_str());
            QCOMPARE(prometheus::queryKindFromName(name), std::optional<prometheus::QueryKind>(kind));
            const std::string promql = catalogue.build(kind, selector);
            QVERIFY2(templates.insert(promql).second, promql.c_str());
            // match() is how the sandbox answers: each template must come back as itself.
            const auto matched = catalogue.match(promql);
            QVERIFY2(matched.has_value(), promql.c_str());
            QCOMPARE(matched->kind, kind);
            QCOMPARE(matched->selector.ns, selector.ns);
            QCOMPARE(matched->selector.podRegex, selector.podRegex);
        }
    }
};

QTEST_GUILESS_MAIN(TestQueryCatalogue)
#include "tst_query_catalogue.moc"
