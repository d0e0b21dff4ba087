// common/YamlDocuments: every YAML a user hands over is read by libyaml and yaml-cpp, and what the
// two disagree on, what would make yaml-cpp loop, and what is too big is refused with its line.
#include "core/common/YamlDocuments.h"

#include <QTest>

using namespace leakdesk;

class TestYamlDocuments : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // Inputs that are refused, and the line (1-based) and words the error names.
    void refused_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("where");
        QTest::addColumn<QString>("says");
        const int parse = int(ErrorCode::Parse);
        const int limit = int(ErrorCode::LimitExceeded);
        // yaml-cpp's LoadAll never returns on these (fuzz findings and their relatives): libyaml reads
        // a scalar continued on the next line, yaml-cpp stops before the "," and loops.
        QTest::newRow("tagged scalar, next line starts with ,") << QByteArray("!a- ap\n,p\n") << parse << "f.yaml:1:"
                                                                << "differently";
        QTest::newRow("anchored scalar, next line ,") << QByteArray("&a ap\n,\n") << parse << "f.yaml:1:"
                                                      << "differently";
        QTest::newRow("tagged scalar, next line ?") << QByteArray("!x ap\n?\n") << parse << "f.yaml:1:"
                                                    << "differently";
        QTest::newRow("second document") << QByteArray("a: 1\n---\nb: 2\n---\n!t v\n,w\n") << parse << "f.yaml:5:"
                                         << "differently";
        QTest::newRow("lone comma") << QByteArray(",\n") << parse << "f.yaml:1:"
                                    << "not valid YAML";
        QTest::newRow("comma after a sequence") << QByteArray("- a\n,\n") << parse << "f.yaml:"
                                                << "not valid YAML";
        QTest::newRow("unclosed flow") << QByteArray("a: [b, {c: d\n") << parse << "f.yaml:"
                                       << "not valid YAML";
        QTest::newRow("undefined alias") << QByteArray("a: *nowhere\n") << parse << "f.yaml:1:"
                                         << "no anchor";
        QTest::newRow("alias inside its own anchor") << QByteArray("a: &x [1, *x]\n") << parse << "f.yaml:1:"
                                                     << "no anchor";
        QByteArray deep;
        for (int i = 0; i < 20; ++i)
            deep += QByteArray(i * 2, ' ') + "k:\n";
        deep += QByteArray(40, ' ') + "v\n";
        QTest::newRow("too deep") << deep << limit << "f.yaml:"
                                  << "nested deeper than 8";
        QTest::newRow("alias bomb") << QByteArray("a: &a [x, x, x, x, x, x, x, x]\n"
                                                  "b: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
                                                  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n"
                                                  "d: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n")
                                    << limit << "f.yaml:"
                                    << "aliases counted";
        QTest::newRow("too many documents") << QByteArray("a\n---\nb\n---\nc\n---\nd\n") << limit << "f.yaml:6:"
                                            << "more than 3 documents";
    }
    void refused()
    {
        QFETCH(QByteArray, text);
        QFETCH(int, code);
        QFETCH(QString, where);
        QFETCH(QString, says);
        const auto loaded = loadYamlDocuments(text.toStdString(), "f.yaml", YamlShapeLimits { 8, 1000, 3 });
        QVERIFY2(!loaded, "accepted");
        const QString message = QString::fromStdString(loaded.error().message);
        QCOMPARE(int(loaded.error().code), code);
        QVERIFY2(message.startsWith(where), qPrintable(message));
        QVERIFY2(message.contains(says), qPrintable(message));
        // The syntax-only check refuses what libyaml alone refuses, with the same message.
        const Status syntax = checkYamlSyntax(text.toStdString(), "f.yaml", YamlShapeLimits { 8, 1000, 3 });
        if (!message.contains("differently")) {
            QVERIFY(!syntax);
            QCOMPARE(QString::fromStdString(syntax.error().message), message);
        } else {
            QVERIFY2(bool(syntax), "libyaml alone accepts what only the comparison refuses");
        }
    }

    // Plain YAML of every shape comes back as yaml-cpp reads it, document by document, with lines.
    void documentsAndLines()
    {
        const std::string text = "# leading comment\n"
                                 "kind: A\n"
                                 "list: [1, \"two\", ~]\n"
                                 "empty:\n"
                                 "quoted: ''\n"
                                 "anchor: &n {x: 1}\n"
                                 "alias: *n\n"
                                 "---\n"
                                 "---\n"
                                 "# third document\n"
                                 "kind: B\n"
                                 "text: |\n"
                                 "  two\n"
                                 "  lines\n"
                                 "...\n"
                                 "--- !tagged\n"
                                 "kind: C\n";
        const auto loaded = loadYamlDocuments(text, "f.yaml", YamlShapeLimits {});
        QVERIFY2(bool(loaded), loaded ? "" : loaded.error().message.c_str());
        QCOMPARE(loaded->size(), std::size_t(4));
        const YAML::Node& a = (*loaded)[0].root;
        QCOMPARE(a["kind"].as<std::string>(), std::string("A"));
        QCOMPARE(a["list"].size(), std::size_t(3));
        QVERIFY(a["list"][2].IsNull());
        QVERIFY(a["empty"].IsNull());
        QVERIFY(a["quoted"].IsScalar());
        QCOMPARE(a["alias"]["x"].as<int>(), 1);
        QCOMPARE(a["kind"].Mark().line + (*loaded)[0].lineOffset, 1);
        QVERIFY((*loaded)[1].root.IsNull());
        const YamlDocument& b = (*loaded)[2];
        QCOMPARE(b.root["text"].as<std::string>(), std::string("two\nlines\n"));
        QCOMPARE(b.root["kind"].Mark().line + b.lineOffset, 10);
        const YamlDocument& c = (*loaded)[3];
        QCOMPARE(c.root["kind"].as<std::string>(), std::string("C"));
        QCOMPARE(c.root["kind"].Mark().line + c.lineOffset, 16);
    }

    void emptyTextIsNoDocument()
    {
        for (const char* text : { "", "# only a comment\n", "\n\n" }) {
            const auto loaded = loadYamlDocuments(text, "f.yaml", YamlShapeLimits {});
            QVERIFY(bool(loaded));
            QVERIFY(loaded->empty());
        }
    }
};

QTEST_APPLESS_MAIN(TestYamlDocuments)
#include "tst_yaml_documents.moc"
