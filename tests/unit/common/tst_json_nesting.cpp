// JSON nesting read before parsing: brackets inside strings (escaped quotes included) do not
// count, the first bracket past the bound is named, and a hostile text of 200,000 '[' is refused
// where LeakDesk reads JSON (the incident parser; the API clients use the same check).
#include "core/common/JsonNesting.h"
#include "core/incident/IncidentJson.h"

#include <QTest>

using namespace leakdesk;

class TestJsonNesting : public QObject {
    Q_OBJECT
private slots:
    void nesting_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("maxDepth");
        QTest::addColumn<int>("expected"); // -1: within the bound
        QTest::newRow("flat") << "{\"a\":1,\"b\":[1,2]}" << 2 << -1;
        QTest::newRow("one too deep") << "{\"a\":[[1]]}" << 2 << 6;
        QTest::newRow("brackets in a string") << "{\"a\":\"[[[[{{{{\"}" << 1 << -1;
        QTest::newRow("escaped quote keeps the string open") << "{\"a\":\"\\\"[[[[\",\"b\":[[1]]}" << 2 << 19;
        QTest::newRow("escaped backslash closes it") << "{\"a\":\"\\\\\",[[1]]}" << 2 << 11;
        QTest::newRow("closers never go below zero") << "]]]][[" << 1 << 5;
        QTest::newRow("empty") << "" << 0 << -1;
    }
    void nesting()
    {
        QFETCH(QString, text);
        QFETCH(int, maxDepth);
        QFETCH(int, expected);
        const std::string t = text.toStdString();
        const auto at = jsonNestingBeyond(t, maxDepth);
        QCOMPARE(at ? int(*at) : -1, expected);
    }

    void deepIncidentFileIsRefusedNotACrash()
    {
        // A real-looking file whose free-form field holds 200,000 nested arrays: copying the parsed
        // value would recurse once per level and overflow the stack.
        std::string text = "{\"format\":\"leakdesk-incident\",\"schema_version\":2,\"snapshots\":[{\"findings\":";
        text += std::string(200000, '[') + std::string(200000, ']') + "}]}";
        incident::ParseLocation where;
        auto parsed = incident::parseIncident(text, &where);
        QVERIFY(!parsed.ok());
        QVERIFY2(parsed.error().message.find("nests deeper than 256 levels") != std::string::npos,
            parsed.error().message.c_str());
        QCOMPARE(where.line, 1);
    }
};

QTEST_GUILESS_MAIN(TestJsonNesting)
#include "tst_json_nesting.moc"
