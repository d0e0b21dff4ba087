#include "core/common/Quantity.h"
#include "core/prometheus/QueryCatalogue.h"

#include <QTest>

using namespace leakdesk;

class TestCommon : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void quantity_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<double>("expected");
        QTest::newRow("Gi") << "2Gi" << 2147483648.0;
        QTest::newRow("Mi") << "512Mi" << 536870912.0;
        QTest::newRow("plain") << "1000" << 1000.0;
        QTest::newRow("milli") << "250m" << 0.25;
        QTest::newRow("decimal SI") << "1.5G" << 1.5e9;
        QTest::newRow("exponent") << "1e3" << 1000.0;
        QTest::newRow("Ki") << "64Ki" << 65536.0;
    }
    void quantity()
    {
        QFETCH(QString, text);
        QFETCH(double, expected);
        auto r = parseQuantity(text.toStdString());
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(*r, expected);
    }
    void badQuantity_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("empty") << "";
        QTest::newRow("suffix") << "2GB";
        QTest::newRow("letters") << "abc";
    }
    void badQuantity()
    {
        QFETCH(QString, text);
        auto r = parseQuantity(text.toStdString());
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Parse);
    }
    void formatQuantity()
    {
        QCOMPARE(formatMemoryQuantity(2LL << 30), std::string("2Gi"));
        QCOMPARE(formatMemoryQuantity(512LL << 20), std::string("512Mi"));
        QCOMPARE(formatMemoryQuantity((512LL << 20) + 1000), std::string("512Mi"));
    }
    void jvmSize()
    {
        QCOMPARE(*parseJvmSize("3584m"), 3584LL << 20);
        QCOMPARE(*parseJvmSize("4g"), 4LL << 30);
        QVERIFY(!parseJvmSize("lots").ok());
    }
    void catalogueRoundTrip()
    {
        prometheus::QueryCatalogue cat;
        const prometheus::PodSelector sel { "production", prometheus::podRegexForWorkload("checkout") };
        for (auto kind : prometheus::allQueryKinds()) {
            const std::string q = cat.build(kind, sel);
            auto m = cat.match(q);
            QVERIFY2(m.has_value(), q.c_str());
            QCOMPARE(int(m->kind), int(kind));
            QCOMPARE(m->selector.ns, sel.ns);
            QCOMPARE(m->selector.podRegex, sel.podRegex);
        }
        QVERIFY(!cat.match("up").has_value());
    }
    void catalogueExcludesPodLevelSeries()
    {
        prometheus::QueryCatalogue cat;
        const std::string q = cat.build(prometheus::QueryKind::MemoryWorkingSet, { "ns", "p" });
        QVERIFY(q.find(R"(container!="")") != std::string::npos);
        QVERIFY(q.find(R"(container!="POD")") != std::string::npos);
    }
    void podRegexIsStrict()
    {
        const QRegularExpression re(
            QStringLiteral("^") + QString::fromStdString(prometheus::podRegexForWorkload("checkout")) + QStringLiteral("$"));
        QVERIFY(re.match(QStringLiteral("checkout-7c9d8f6b5d-x2k9p")).hasMatch());
        QVERIFY(!re.match(QStringLiteral("checkout-worker-7c9d8f6b5d-x2k9p")).hasMatch());
    }
};

QTEST_GUILESS_MAIN(TestCommon)
#include "tst_common.moc"
