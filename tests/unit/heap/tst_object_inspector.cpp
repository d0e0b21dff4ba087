// What the object inspector reads out of a record, on a hand-built dump whose every value is known:
// fields of the class and of its superclass in HPROF order, each primitive type with its sign,
// null and dangling references, a String's text, arrays with gaps, byte[] as text, class statics.

#include "core/heap/HeapSnapshot.h"
#include "core/heap/HprofFile.h"
#include "core/heap/HprofWriter.h"
#include "core/heap/ObjectInspector.h"

#include <QTest>

#include <bit>

using namespace leakdesk::heap;

namespace {

constexpr std::uint8_t kObj = 2, kBool = 4, kChar = 5, kFloat = 6, kDouble = 7, kByte = 8, kShort = 9, kInt = 10,
                       kLong = 11;

struct Dump {
    std::vector<std::uint8_t> bytes;
    std::uint64_t sub = 0x5000, text = 0x5100, textBytes = 0x5200, ints = 0x5300, gaps = 0x5400, buffer = 0x5500,
                  holder = 0x1300;
};

Dump buildDump()
{
    Dump d;
    HprofWriter w(8);
    const std::uint64_t cObject = 0x1000, cBase = 0x1100, cSub = 0x1200, cString = 0x1400, cObjArr = 0x1500,
                        cBytes = 0x1600, cInts = 0x1700;
    w.loadClass(1, cObject, "java/lang/Object");
    w.loadClass(2, cBase, "com/example/Base");
    w.loadClass(3, cSub, "com/example/Sub");
    w.loadClass(4, d.holder, "com/example/Holder");
    w.loadClass(5, cString, "java/lang/String");
    w.loadClass(6, cObjArr, "[Ljava/lang/Object;");
    w.loadClass(7, cBytes, "[B");
    w.loadClass(8, cInts, "[I");
    w.prepareNames({ "a", "flag", "big", "c", "f", "d", "s", "b", "name", "nothing", "gone", "value", "coder",
        "INSTANCE", "LIMIT" });
    using F = HprofWriter::Field;
    using S = HprofWriter::Static;
    w.beginSegment();
    w.classDump(cObject, 0, {}, {});
    w.classDump(cBase, cObject, {}, { F { "a", kInt }, F { "flag", kBool } });
    w.classDump(cSub, cBase, {},
        { F { "big", kLong }, F { "c", kChar }, F { "f", kFloat }, F { "d", kDouble }, F { "s", kShort },
            F { "b", kByte }, F { "name", kObj }, F { "nothing", kObj }, F { "gone", kObj } });
    w.classDump(d.holder, cObject, { S { "INSTANCE", kObj, d.sub }, S { "LIMIT", kInt, 4096 } }, {});
    w.classDump(cString, cObject, {}, { F { "value", kObj }, F { "coder", kByte } });
    w.classDump(cObjArr, cObject, {}, {});
    w.classDump(cBytes, cObject, {}, {});
    w.classDump(cInts, cObject, {}, {});
    w.rootStickyClass(d.holder);
    w.rootUnknown(d.gaps);
    w.rootUnknown(d.ints);
    w.rootUnknown(d.buffer);
    // Sub's own fields first, then Base's (HPROF order).
    w.instance(d.sub, cSub,
        { { kLong, std::uint64_t(-9'000'000'000LL) }, { kChar, 'Q' }, { kFloat, std::bit_cast<std::uint32_t>(1.5f) },
            { kDouble, std::bit_cast<std::uint64_t>(-0.25) }, { kShort, std::uint16_t(-300) },
            { kByte, std::uint8_t(-7) }, { kObj, d.text }, { kObj, 0 }, { kObj, 0xdead0 }, { kInt, std::uint32_t(-5) },
            { kBool, 1 } });
    w.instance(d.text, cString, { { kObj, d.textBytes }, { kByte, 0 } });
    const std::string hello = "session-17";
    w.primitiveArrayBytes(d.textBytes, kByte, reinterpret_cast<const std::uint8_t*>(hello.data()), hello.size());
    const std::vector<std::uint8_t> ints { 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe };
    w.primitiveArrayBytes(d.ints, kInt, ints);
    w.objectArray(d.gaps, cObjArr, { 0, d.text, 0, d.sub });
    const std::string raw = std::string("{\"cart\":1}") + char(1) + char(200);
    w.primitiveArrayBytes(d.buffer, kByte, reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size());
    w.endSegment();
    w.heapDumpEnd();
    d.bytes = w.bytes();
    return d;
}

const InspectedField* field(const ObjectInspection& i, const std::string& name)
{
    for (const auto& f : i.fields)
        if (f.name == name)
            return &f;
    return nullptr;
}

} // namespace

class TestObjectInspector : public QObject {
    Q_OBJECT
    Dump m_dump;
    std::shared_ptr<const HeapSnapshot> m_snapshot;

    std::uint32_t at(std::uint64_t id) const { return m_snapshot->findObject(id); }

private Q_SLOTS:
    void initTestCase()
    {
        m_dump = buildDump();
        auto file = HprofFile::fromBytes(m_dump.bytes);
        QVERIFY(file.ok());
        auto snapshot = HeapSnapshot::load(std::make_shared<const HprofFile>(std::move(*file)));
        QVERIFY(snapshot.ok());
        m_snapshot = *snapshot;
    }

    void instanceFieldsInOrderWithTheirValues_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("value");
        QTest::newRow("long, negative") << "big"
                                        << "long"
                                        << "-9000000000";
        QTest::newRow("char") << "c"
                              << "char"
                              << "'Q'";
        QTest::newRow("float") << "f"
                               << "float"
                               << "1.5";
        QTest::newRow("double") << "d"
                                << "double"
                                << "-0.25";
        QTest::newRow("short, negative") << "s"
                                         << "short"
                                         << "-300";
        QTest::newRow("byte, negative") << "b"
                                        << "byte"
                                        << "-7";
        QTest::newRow("null") << "nothing"
                              << "Object"
                              << "null";
        QTest::newRow("dangling") << "gone"
                                  << "Object"
                                  << "object not in the dump";
        QTest::newRow("superclass int") << "a"
                                        << "int"
                                        << "-5";
        QTest::newRow("superclass boolean") << "flag"
                                            << "boolean"
                                            << "true";
    }
    void instanceFieldsInOrderWithTheirValues()
    {
        QFETCH(QString, name);
        QFETCH(QString, type);
        QFETCH(QString, value);
        const ObjectInspection i = inspectObject(*m_snapshot, at(m_dump.sub));
        QVERIFY(i.title.starts_with("com.example.Sub @ "));
        const InspectedField* f = field(i, name.toStdString());
        QVERIFY(f);
        QCOMPARE(QString::fromStdString(f->type), type);
        QCOMPARE(QString::fromStdString(f->value), value);
        QCOMPARE(f->target, kNoIndex);
        // The class's own fields, then its superclass's.
        QCOMPARE(i.fields.size(), std::size_t(11));
        QCOMPARE(i.fields.front().name, std::string("big"));
        QCOMPARE(i.fields.back().name, std::string("flag"));
    }

    void referencesNameTheirTarget()
    {
        const ObjectInspection i = inspectObject(*m_snapshot, at(m_dump.sub));
        const InspectedField* name = field(i, "name");
        QVERIFY(name);
        QCOMPARE(name->target, at(m_dump.text));
        QCOMPARE(name->type, std::string("java.lang.String"));
        QVERIFY2(name->value.ends_with("\"session-17\""), name->value.c_str());
    }

    void arraysAndStatics()
    {
        // An object array: its length, then only the slots that hold something, by index.
        const ObjectInspection gaps = inspectObject(*m_snapshot, at(m_dump.gaps));
        QCOMPARE(gaps.fields.size(), std::size_t(3));
        QCOMPARE(gaps.fields[0].value, std::string("4"));
        QCOMPARE(gaps.fields[1].name, std::string("[1]"));
        QCOMPARE(gaps.fields[1].target, at(m_dump.text));
        QCOMPARE(gaps.fields[2].name, std::string("[3]"));
        QCOMPARE(gaps.fields[2].target, at(m_dump.sub));
        // An int[]: each value with its sign.
        const ObjectInspection ints = inspectObject(*m_snapshot, at(m_dump.ints));
        QCOMPARE(ints.fields.size(), std::size_t(3));
        QCOMPARE(ints.fields[1].value, std::string("1"));
        QCOMPARE(ints.fields[2].value, std::string("-2"));
        // A byte[] as text, what cannot be printed as dots.
        const ObjectInspection buffer = inspectObject(*m_snapshot, at(m_dump.buffer));
        const InspectedField* text = field(buffer, "text");
        QVERIFY(text);
        QCOMPARE(text->value, std::string("{\"cart\":1}.."));
        // A class: its statics.
        const ObjectInspection holder = inspectObject(*m_snapshot, at(m_dump.holder));
        QVERIFY(holder.title.starts_with("class com.example.Holder"));
        QCOMPARE(field(holder, "static INSTANCE")->target, at(m_dump.sub));
        QCOMPARE(field(holder, "static LIMIT")->value, std::string("4096"));
    }

    void manyElementsAreCut()
    {
        const ObjectInspection gaps = inspectObject(*m_snapshot, at(m_dump.gaps), 2);
        QCOMPARE(gaps.fields.size(), std::size_t(2));
        QCOMPARE(gaps.omitted, std::size_t(1));
        QVERIFY(inspectObject(*m_snapshot, m_snapshot->objectCount()).fields.empty()); // no such object
    }
};

QTEST_MAIN(TestObjectInspector)
#include "tst_object_inspector.moc"
