// The HPROF reader on hand-built dumps: every record and sub-record type, identifier sizes 4 and 8,
// layout detection from address gaps, gzip (multi-member), truncation at every record boundary.
#include "SampleHeap.h"
#include "core/heap/HprofWriter.h"

#include "core/heap/ClassHistogram.h"
#include "core/heap/HeapSnapshot.h"
#include "core/heap/HprofFile.h"

#include <QTemporaryDir>
#include <QTest>

#include <zlib.h>

#include <fstream>
#include <map>

using namespace leakdesk;
using namespace leakdesk::heap;
using namespace leakdesk::heap::test;

namespace {

std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> instancesAndArrays(const ClassHistogram& h)
{
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> out;
    for (const auto& r : h.mergedByName())
        if (r.jvmName != "java.lang.Class")
            out[r.jvmName] = { r.instances, r.shallowBytes };
    return out;
}

std::vector<std::uint8_t> gzipMembers(const std::vector<std::uint8_t>& in, std::size_t memberSize)
{
    // Like jcmd GC.heap_dump -gz: independent gzip members back to back.
    std::vector<std::uint8_t> out;
    for (std::size_t at = 0; at < in.size(); at += memberSize) {
        const std::size_t n = std::min(memberSize, in.size() - at);
        z_stream zs {};
        deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
        std::vector<std::uint8_t> buf(deflateBound(&zs, uLong(n)) + 64);
        zs.next_in = const_cast<Bytef*>(in.data() + at);
        zs.avail_in = uInt(n);
        zs.next_out = buf.data();
        zs.avail_out = uInt(buf.size());
        deflate(&zs, Z_FINISH);
        out.insert(out.end(), buf.begin(), buf.begin() + std::ptrdiff_t(zs.total_out));
        deflateEnd(&zs);
    }
    return out;
}

OpenOptions inflateIn(const QTemporaryDir& dir)
{
    OpenOptions o;
    o.tempDirectory = dir.path().toStdString();
    return o;
}

QString writeFile(const QTemporaryDir& dir, const char* name, const std::vector<std::uint8_t>& bytes)
{
    const QString path = dir.filePath(QString::fromLatin1(name));
    std::ofstream out(path.toStdString(), std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    return path;
}

} // namespace

class TestHprofReader : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void readsEveryRecordType_data()
    {
        QTest::addColumn<unsigned>("idSize");
        QTest::addColumn<unsigned>("refSize");
        QTest::addColumn<bool>("heapDumpRecord");
        QTest::addColumn<QString>("layout");
        QTest::newRow("64-bit, compressed oops, segments") << 8u << 4u << false << QStringLiteral("compressed oops");
        QTest::newRow("64-bit, uncompressed oops") << 8u << 8u << false << QStringLiteral("uncompressed oops");
        QTest::newRow("64-bit, 1.0.1 HEAP DUMP records") << 8u << 4u << true << QStringLiteral("compressed oops");
        QTest::newRow("32-bit (id size 4)") << 4u << 4u << false << QStringLiteral("32-bit JVM");
    }
    void readsEveryRecordType()
    {
        QFETCH(unsigned, idSize);
        QFETCH(unsigned, refSize);
        QFETCH(bool, heapDumpRecord);
        QFETCH(QString, layout);
        const SampleDump d = buildSampleDump(idSize, refSize, heapDumpRecord);
        auto f = HprofFile::fromBytes(d.bytes);
        QVERIFY2(f.ok(), f.ok() ? "" : f.error().toString().c_str());
        QCOMPARE(f->idSize(), idSize);
        QCOMPARE(QString::fromStdString(f->header().version),
            heapDumpRecord ? QStringLiteral("JAVA PROFILE 1.0.1") : QStringLiteral("JAVA PROFILE 1.0.2"));
        QVERIFY(!f->damage());
        QCOMPARE(f->loadClasses().size(), std::size_t(10));
        QCOMPARE(f->heapSegments().size(), std::size_t(3));
        QCOMPARE(f->stackFrames().size(), std::size_t(1));
        QCOMPARE(f->stackFrames()[0].line, 42);
        QCOMPARE(f->utf8(f->stackFrames()[0].methodNameId), std::string_view("main"));
        QCOMPARE(f->stackTraces().size(), std::size_t(1));
        QCOMPARE(f->stackTraces()[0].frameIds.size(), std::size_t(1));

        auto h = computeClassHistogram(*f);
        QVERIFY2(h.ok(), h.ok() ? "" : h.error().toString().c_str());
        QVERIFY2(QString::fromStdString(h->layout.describe()).startsWith(layout), h->layout.describe().c_str());
        QVERIFY(h->layout.detected);
        QCOMPARE(h->gcRoots, std::uint64_t(9));
        const auto got = instancesAndArrays(*h);
        for (const auto& [name, e] : d.expected) {
            QVERIFY2(got.count(name), name.c_str());
            QCOMPARE(got.at(name).first, e.first);
            QCOMPARE(got.at(name).second, e.second);
        }
        QCOMPARE(got.size(), d.expected.size());
        // Class objects are java.lang.Class instances: one per CLASS DUMP.
        for (const auto& r : h->rows)
            if (r.jvmName == "java.lang.Class")
                QCOMPARE(r.instances, std::uint64_t(10));
    }

    void snapshotMatchesStreamingHistogram()
    {
        const SampleDump d = buildSampleDump(8, 4);
        auto opened = HprofFile::fromBytes(d.bytes);
        QVERIFY(opened.ok());
        auto file = std::make_shared<const HprofFile>(std::move(*opened));
        auto streamed = computeClassHistogram(*file);
        auto snapshot = HeapSnapshot::load(file);
        QVERIFY(snapshot.ok());
        QCOMPARE((*snapshot)->objectCount(), std::uint32_t(d.objectCount));
        const auto fromSnapshot = classHistogram(**snapshot);
        QCOMPARE(fromSnapshot.totalInstances, streamed->totalInstances);
        QCOMPARE(fromSnapshot.totalShallowBytes, streamed->totalShallowBytes);
        // Field access and strings read back from the mapped records.
        const auto& s = **snapshot;
        const std::uint32_t name = s.findObject(d.ids.at("name"));
        QVERIFY(name != kNoIndex);
        QCOMPARE(s.stringValue(name).value_or("?"), std::string("leak"));
        const std::uint32_t n2 = s.findObject(d.ids.at("node2"));
        QCOMPARE(s.fieldValue(n2, "id").value_or(0), std::uint64_t(2));
        QCOMPARE(s.fieldValue(n2, "count").value_or(0), std::uint64_t(7));
        QCOMPARE(s.findObject(0x12345), kNoIndex);
    }

    void gzipDumpReadsLikeThePlainOne()
    {
        const SampleDump d = buildSampleDump(8, 4);
        QTemporaryDir dir;
        const QString plain = writeFile(dir, "plain.hprof", d.bytes);
        const QString gz = writeFile(dir, "dump.hprof.gz", gzipMembers(d.bytes, 97));
        auto a = HprofFile::open(plain.toStdString());
        auto b = HprofFile::open(gz.toStdString(), inflateIn(dir));
        QVERIFY(a.ok());
        QVERIFY2(b.ok(), b.ok() ? "" : b.error().toString().c_str());
        QVERIFY(b->wasCompressed());
        QVERIFY(!b->damage());
        QCOMPARE(b->size(), a->size());
        const auto ha = computeClassHistogram(*a);
        const auto hb = computeClassHistogram(*b);
        QCOMPARE(instancesAndArrays(*hb), instancesAndArrays(*ha));

        // A cut-off gzip file is an error (tst_gzip_limits covers the whole class of gzip damage).
        auto gzBytes = gzipMembers(d.bytes, 97);
        gzBytes.resize(gzBytes.size() * 2 / 3);
        const QString cut = writeFile(dir, "cut.hprof.gz", gzBytes);
        auto c = HprofFile::open(cut.toStdString(), inflateIn(dir));
        QVERIFY(!c.ok());
        QCOMPARE(c.error().code, ErrorCode::Truncated);
    }

    void rejectsWhatIsNotHprof_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("code");
        QTest::newRow("empty") << QByteArray() << int(ErrorCode::Parse);
        QTest::newRow("text") << QByteArray("hello world, this is not a heap dump") << int(ErrorCode::Parse);
        QByteArray badId("JAVA PROFILE 1.0.2\0\0\0\0\3\0\0\0\0\0\0\0\0", 31);
        QTest::newRow("id size 3") << badId << int(ErrorCode::Unsupported);
        QTest::newRow("header cut") << QByteArray("JAVA PROFILE 1.0.2\0\0\0", 22) << int(ErrorCode::Truncated);
    }
    void rejectsWhatIsNotHprof()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, code);
        auto f = HprofFile::fromMemory(
            reinterpret_cast<const std::uint8_t*>(bytes.constData()), std::size_t(bytes.size()));
        QVERIFY(!f.ok());
        QCOMPARE(int(f.error().code), code);
        QVERIFY(!f.error().message.empty());
        QVERIFY(!f.error().detail.empty());
    }

    void missingFileSaysWhy()
    {
        auto f = HprofFile::open("/nonexistent/dir/heap.hprof");
        QVERIFY(!f.ok());
        QCOMPARE(f.error().code, ErrorCode::NotFound);
        QVERIFY(f.error().message.find("/nonexistent/dir/heap.hprof") != std::string::npos);
    }

    // Cut the dump at every record and sub-record boundary, and one byte after each: the reader
    // must never crash, must say where it stopped, and must keep exactly the objects before the cut.
    void truncationAtEveryRecordBoundary_data()
    {
        QTest::addColumn<unsigned>("idSize");
        QTest::newRow("id size 8") << 8u;
        QTest::newRow("id size 4") << 4u;
    }
    void truncationAtEveryRecordBoundary()
    {
        QFETCH(unsigned, idSize);
        const SampleDump d = buildSampleDump(idSize, 4);
        int checked = 0;
        for (const std::size_t boundary : d.boundaries) {
            for (const std::size_t cut : { boundary, boundary + 1 }) {
                if (cut > d.bytes.size())
                    continue;
                std::vector<std::uint8_t> bytes(d.bytes.begin(), d.bytes.begin() + std::ptrdiff_t(cut));
                auto f = HprofFile::fromBytes(bytes);
                if (!f.ok()) {
                    // Only a cut inside the header is fatal.
                    QVERIFY2(cut < 19 + 13, f.error().toString().c_str());
                    continue;
                }
                auto h = computeClassHistogram(*f);
                std::size_t complete = 0; // object records that end before the cut
                for (std::size_t i = 0; i < d.objectRecords.size(); ++i) {
                    const std::size_t next
                        = *std::upper_bound(d.boundaries.begin(), d.boundaries.end(), d.objectRecords[i]);
                    complete += next <= cut;
                }
                if (complete == 0) {
                    // Nothing to analyse is an error, never an empty result that reads as "no suspects".
                    QVERIFY(!h.ok());
                    QCOMPARE(h.error().code, ErrorCode::NotEnoughData);
                    auto s = HeapSnapshot::load(std::make_shared<const HprofFile>(std::move(*f)));
                    QVERIFY(!s.ok());
                    QCOMPARE(s.error().code, ErrorCode::NotEnoughData);
                    ++checked;
                    continue;
                }
                QVERIFY(h.ok());
                QCOMPARE(h->totalInstances, std::uint64_t(complete));
                const bool damaged = cut < d.bytes.size() && cut != boundary;
                if (damaged) {
                    QVERIFY2(h->damage.has_value(), ("no damage reported for a cut at " + std::to_string(cut)).c_str());
                    QVERIFY2(h->damage->message.find("0x") != std::string::npos, h->damage->message.c_str());
                }
                // The full analysis works on what is left, too.
                auto shared = std::make_shared<const HprofFile>(std::move(*f));
                auto s = HeapSnapshot::load(shared);
                QVERIFY(s.ok());
                QCOMPARE(std::size_t((*s)->objectCount()), complete);
                ++checked;
            }
        }
        QVERIFY(checked > 2 * 40);
    }

    void damageNamesTheSubRecordOffset()
    {
        SampleDump d = buildSampleDump(8, 4);
        // Corrupt the tag of the first instance record: the walk must stop there and say so.
        std::size_t at = 0;
        for (const std::size_t off : d.objectRecords)
            if (d.bytes[off] == 0x21) {
                at = off;
                break;
            }
        d.bytes[at] = 0x77;
        auto f = HprofFile::fromBytes(d.bytes);
        QVERIFY(f.ok());
        auto h = computeClassHistogram(*f);
        QVERIFY(h.ok());
        QVERIFY(h->damage);
        QCOMPARE(h->damage->code, ErrorCode::Parse);
        QVERIFY2(h->damage->message.find(hexOffset(at)) != std::string::npos, h->damage->message.c_str());
    }

    void classNames_data()
    {
        QTest::addColumn<QString>("internal");
        QTest::addColumn<QString>("java");
        QTest::addColumn<QString>("jvm");
        QTest::newRow("class") << "java/util/HashMap"
                               << "java.util.HashMap"
                               << "java.util.HashMap";
        QTest::newRow("bytes") << "[B"
                               << "byte[]"
                               << "[B";
        QTest::newRow("objects") << "[Ljava/lang/Object;"
                                 << "java.lang.Object[]"
                                 << "[Ljava.lang.Object;";
        QTest::newRow("2d") << "[[I"
                            << "int[][]"
                            << "[[I";
        QTest::newRow("hidden") << "Foo$$Lambda$14+0x0000000800c03000"
                                << "Foo$$Lambda$14/0x0000000800c03000"
                                << "Foo$$Lambda$14/0x0000000800c03000";
    }
    void classNames()
    {
        QFETCH(QString, internal);
        QFETCH(QString, java);
        QFETCH(QString, jvm);
        QCOMPARE(QString::fromStdString(javaClassName(internal.toStdString())), java);
        QCOMPARE(QString::fromStdString(jvmHistogramName(internal.toStdString())), jvm);
    }
};

QTEST_GUILESS_MAIN(TestHprofReader)
#include "tst_hprof_reader.moc"
