// Compressed and empty dumps: the class of inputs that once inflated 12.5 MB to 12 GB and then
// answered "0 classes, no leak suspects". Every kind of gzip damage is an Error with a code, a
// message and what to do; inflation is capped by ratio and by free space; a path that is not a
// regular file is refused at once; a dump without objects is an Error, never an empty analysis.
// Concatenated members (what jcmd -gz writes) and the real JVM dumps keep working.
#include "GzipFiles.h"
#include "SampleHeap.h"
#include "core/heap/HprofWriter.h"

#include "TestSupport.h"
#include "core/heap/AnalysisProgress.h"
#include "core/heap/ClassHistogram.h"
#include "core/heap/HeapSnapshot.h"
#include "core/heap/HprofFile.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <zlib.h>

#include <fstream>
#include <functional>
#include <sys/stat.h>
#include <sys/types.h>

using namespace leakdesk;
using namespace leakdesk::heap;
using namespace leakdesk::heap::test;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes gzipMember(const std::uint8_t* data, std::size_t n)
{
    z_stream zs {};
    deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    Bytes buf(deflateBound(&zs, uLong(n)) + 64);
    zs.next_in = const_cast<Bytef*>(data);
    zs.avail_in = uInt(n);
    zs.next_out = buf.data();
    zs.avail_out = uInt(buf.size());
    deflate(&zs, Z_FINISH);
    buf.resize(zs.total_out);
    deflateEnd(&zs);
    return buf;
}

// Like jcmd GC.heap_dump -gz: independent gzip members back to back.
Bytes gzipMembers(const Bytes& in, std::size_t memberSize)
{
    Bytes out;
    for (std::size_t at = 0; at < in.size(); at += memberSize) {
        const Bytes m = gzipMember(in.data() + at, std::min(memberSize, in.size() - at));
        out.insert(out.end(), m.begin(), m.end());
    }
    return out;
}

// One gzip member holding `prefix` followed by `zeros` zero bytes at the strongest compression:
// the shape of a gzip bomb (about 1000:1).
Bytes gzipBomb(const Bytes& prefix, std::uint64_t zeros)
{
    return gzipOf(prefix, zeros, ~0ull, DeflateSettings { 9, 9 });
}

Bytes hprofHeaderOnly()
{
    return HprofWriter(8).bytes();
}

QString writeFile(const QTemporaryDir& dir, const QString& name, const Bytes& bytes)
{
    const QString path = dir.filePath(name);
    std::ofstream out(path.toStdString(), std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    return path;
}

// Offsets where each member of a multi-member gzip file starts (found by re-compressing).
std::vector<std::size_t> memberStarts(const Bytes& in, std::size_t memberSize)
{
    std::vector<std::size_t> starts;
    std::size_t at = 0;
    for (std::size_t i = 0; i < in.size(); i += memberSize) {
        starts.push_back(at);
        at += gzipMember(in.data() + i, std::min(memberSize, in.size() - i)).size();
    }
    return starts;
}

bool contains(const std::string& haystack, const char* needle)
{
    return haystack.find(needle) != std::string::npos;
}

} // namespace

class TestGzipLimits : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QTemporaryDir m_inflateDir; // inflation target: must be empty again after every test

    OpenOptions options() const
    {
        OpenOptions o;
        o.tempDirectory = m_inflateDir.path().toStdString();
        return o;
    }

private Q_SLOTS:
    void cleanup()
    {
        // The inflated copy is unnamed (or unlinked at once): nothing is ever left behind.
        QCOMPARE(QDir(m_inflateDir.path()).entryList(QDir::NoDotAndDotDot | QDir::AllEntries), QStringList());
    }

    void gzipDamageIsAnError_data()
    {
        QTest::addColumn<QByteArray>("file");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("says");

        const SampleDump d = buildSampleDump(8, 4);
        const Bytes gz = gzipMembers(d.bytes, 211);
        const auto starts = memberStarts(d.bytes, 211);
        QVERIFY(starts.size() > 5);
        auto bytes
            = [](const Bytes& b) { return QByteArray(reinterpret_cast<const char*>(b.data()), qsizetype(b.size())); };
        auto edited = [&](const std::function<void(Bytes&)>& edit) {
            Bytes b = gz;
            edit(b);
            return bytes(b);
        };
        const std::size_t m3 = starts[3], m4 = starts[4];

        QTest::newRow("cut inside a member")
            << edited([&](Bytes& b) { b.resize(m3 + (m4 - m3) / 2); }) << int(ErrorCode::Truncated) << "ends early";
        QTest::newRow("cut inside a trailer")
            << edited([&](Bytes& b) { b.resize(m4 - 3); }) << int(ErrorCode::Truncated) << "ends early";
        QTest::newRow("cut after the magic")
            << edited([](Bytes& b) { b.resize(2); }) << int(ErrorCode::Truncated) << "ends early";
        QTest::newRow("bad CRC") << edited([&](Bytes& b) { b[m4 - 8] ^= 0x55; }) << int(ErrorCode::Parse)
                                 << "incorrect data check";
        QTest::newRow("bad length") << edited([&](Bytes& b) { b[m4 - 4] ^= 0x01; }) << int(ErrorCode::Parse)
                                    << "incorrect length check";
        QTest::newRow("bad method in the first header")
            << edited([](Bytes& b) { b[2] = 7; }) << int(ErrorCode::Parse) << "corrupt";
        QTest::newRow("bad magic of a later member")
            << edited([&](Bytes& b) { b[m3 + 1] = 0x8c; }) << int(ErrorCode::Parse) << "corrupt";
        QTest::newRow("reserved header flags")
            << edited([&](Bytes& b) { b[m3 + 3] = 0xE0; }) << int(ErrorCode::Parse) << "corrupt";
        QTest::newRow("deflate data overwritten") << edited([&](Bytes& b) {
            for (std::size_t i = m3 + 12; i < m3 + 40; ++i)
                b[i] = 0xFF;
        }) << int(ErrorCode::Parse) << "corrupt";
        QTest::newRow("garbage after the last member") << edited([](Bytes& b) {
            b.insert(b.end(), { 'j', 'u', 'n', 'k' });
        }) << int(ErrorCode::Parse) << "after its last gzip member";
        const std::string text = "2026-12-07 04:00:00 INFO service started\n";
        QTest::newRow("compressed text") << bytes(
            gzipMember(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()))
                                         << int(ErrorCode::Parse) << "holds no HPROF";
        QTest::newRow("compressed nothing")
            << bytes(gzipMember(nullptr, 0)) << int(ErrorCode::Parse) << "holds no HPROF";
        // A bomb that is not a dump is refused by its first bytes, before it costs any disk.
        QTest::newRow("compressed zeros")
            << bytes(gzipBomb({}, 64ull << 20)) << int(ErrorCode::Parse) << "holds no HPROF";
    }
    void gzipDamageIsAnError()
    {
        QFETCH(QByteArray, file);
        QFETCH(int, code);
        QFETCH(QString, says);
        const QString path = writeFile(m_dir, QStringLiteral("damaged.hprof.gz"),
            Bytes(reinterpret_cast<const std::uint8_t*>(file.constData()),
                reinterpret_cast<const std::uint8_t*>(file.constData()) + file.size()));
        auto f = HprofFile::open(path.toStdString(), options());
        QVERIFY2(!f.ok(), "a damaged gzip file was opened as a dump");
        const Error& e = f.error();
        QCOMPARE(int(e.code), code);
        QVERIFY2(contains(e.message, says.toUtf8().constData()), e.message.c_str());
        QVERIFY2(contains(e.message, path.toUtf8().constData()), e.message.c_str()); // which file
        QVERIFY(!e.detail.empty()); // what to do
    }

    void concatenatedMembersAndPaddingStillWork_data()
    {
        QTest::addColumn<int>("memberSize"); // 0: one member for the whole dump
        QTest::addColumn<int>("zeroPadding");
        QTest::newRow("one member") << 0 << 0;
        QTest::newRow("97-byte members") << 97 << 0;
        QTest::newRow("1-byte members") << 1 << 0;
        QTest::newRow("members and zero padding") << 211 << 4096;
    }
    void concatenatedMembersAndPaddingStillWork()
    {
        QFETCH(int, memberSize);
        QFETCH(int, zeroPadding);
        const SampleDump d = buildSampleDump(8, 4);
        Bytes gz = gzipMembers(d.bytes, memberSize == 0 ? d.bytes.size() : std::size_t(memberSize));
        gz.insert(gz.end(), std::size_t(zeroPadding), 0);
        const QString path = writeFile(m_dir, QStringLiteral("members.hprof.gz"), gz);
        auto f = HprofFile::open(path.toStdString(), options());
        QVERIFY2(f.ok(), f.ok() ? "" : f.error().toString().c_str());
        QVERIFY(f->wasCompressed());
        QVERIFY(!f->damage());
        QCOMPARE(f->size(), std::uint64_t(d.bytes.size()));
        QVERIFY(std::equal(d.bytes.begin(), d.bytes.end(), f->data()));
    }

    // The real JVM dumps (jcmd GC.heap_dump -gz=1, hundreds of members) open with the default
    // limits: the ratio cap is chosen above what they measure.
    void realJvmDumpsOpenWithTheDefaultLimits_data()
    {
        QTest::addColumn<QString>("name");
        for (const char* n : { "checkout-early", "checkout-late", "payments-early", "payments-late" })
            QTest::newRow(n) << QString::fromLatin1(n);
    }
    void realJvmDumpsOpenWithTheDefaultLimits()
    {
        QFETCH(QString, name);
        const QString path = QString::fromUtf8(qgetenv("LEAKDESK_SOURCE_DIR")) + QStringLiteral("/resources/heapdumps/")
            + name + QStringLiteral(".hprof.gz");
        if (!QFile::exists(path))
            QFAIL("LEAKDESK_SOURCE_DIR not set or the shipped dumps are missing: run through ctest");
        auto f = HprofFile::open(path.toStdString(), options());
        QVERIFY2(f.ok(), f.ok() ? "" : f.error().toString().c_str());
        const double ratio = double(f->size()) / double(f->fileSize());
        QVERIFY2(ratio * 4 <= InflateLimits {}.maxRatio, qPrintable(QString::number(ratio))); // a 4x margin at least
        auto h = computeClassHistogram(*f);
        QVERIFY(h.ok());
        QVERIFY(h->totalInstances > 1000);
    }

    void gzipBombIsStoppedByTheRatioCap_data()
    {
        QTest::addColumn<double>("maxRatio");
        QTest::newRow("20x") << 20.0;
        QTest::newRow("50x") << 50.0;
    }
    void gzipBombIsStoppedByTheRatioCap()
    {
        QFETCH(double, maxRatio);
        // A valid HPROF header, then 64 MiB of zeros: compressed about 1000:1.
        const Bytes bomb = gzipBomb(hprofHeaderOnly(), 64ull << 20);
        const QString path = writeFile(m_dir, QStringLiteral("bomb.hprof.gz"), bomb);
        OpenOptions o = options();
        o.inflate.maxRatio = maxRatio;
        o.inflate.ratioFloorBytes = 1 << 20; // so the test stops within a few MiB
        std::uint64_t probes = 0;
        o.freeSpace = [&](int fd) {
            ++probes;
            return freeSpaceOf(fd); // the real statvfs, counted
        };
        auto f = HprofFile::open(path.toStdString(), o);
        QVERIFY(!f.ok());
        QCOMPARE(f.error().code, ErrorCode::LimitExceeded);
        QVERIFY2(contains(f.error().message, path.toUtf8().constData()), f.error().message.c_str());
        QVERIFY2(contains(f.error().detail, "--max-inflate-ratio"), f.error().detail.c_str());
        QVERIFY(probes >= 1); // free space was read before writing
    }

    // With the cap lifted, the same kind of file inflates, and then its emptiness is the error:
    // a valid header followed by zeros holds no object, which must never read as "no suspects".
    void bombWithTheCapLiftedIsAnEmptyDumpError()
    {
        const Bytes bomb = gzipBomb(hprofHeaderOnly(), 8ull << 20);
        const QString path = writeFile(m_dir, QStringLiteral("zeros.hprof.gz"), bomb);
        OpenOptions o = options();
        o.inflate.maxRatio = 0;
        auto f = HprofFile::open(path.toStdString(), o);
        QVERIFY2(f.ok(), f.ok() ? "" : f.error().toString().c_str());
        QCOMPARE(f->size(), std::uint64_t(hprofHeaderOnly().size() + (8ull << 20)));
        auto h = computeClassHistogram(*f);
        QVERIFY(!h.ok());
        QCOMPARE(h.error().code, ErrorCode::NotEnoughData);
    }

    void freeSpaceIsCheckedBeforeInflating()
    {
        const SampleDump d = buildSampleDump(8, 4);
        const QString path = writeFile(m_dir, QStringLiteral("dump.hprof.gz"), gzipMembers(d.bytes, 97));
        OpenOptions o = options();
        // More than any disk has: the real statvfs answer is always below it.
        o.inflate.minFreeBytes = std::uint64_t(1) << 62;
        auto f = HprofFile::open(path.toStdString(), o);
        QVERIFY(!f.ok());
        QCOMPARE(f.error().code, ErrorCode::Io);
        QVERIFY2(contains(f.error().message, "not enough space"), f.error().message.c_str());
        QVERIFY2(contains(f.error().message, m_inflateDir.path().toUtf8().constData()), f.error().message.c_str());
        QVERIFY2(contains(f.error().detail, "TMPDIR"), f.error().detail.c_str());
    }

    void freeSpaceIsCheckedWhileInflating()
    {
        // 16 MiB inflated, free space re-read every MiB; the disk "fills" after the third reading.
        const QString path = writeFile(m_dir, QStringLiteral("big.hprof.gz"), gzipBomb(hprofHeaderOnly(), 16ull << 20));
        OpenOptions o = options();
        o.inflate.maxRatio = 0;
        o.inflate.minFreeBytes = 512ull << 20;
        o.inflate.freeSpaceCheckEveryBytes = 1 << 20;
        int probes = 0;
        o.freeSpace = [&](int) -> std::optional<std::uint64_t> {
            ++probes;
            return probes <= 3 ? (8ull << 30) : (100ull << 20);
        };
        auto f = HprofFile::open(path.toStdString(), o);
        QVERIFY(!f.ok());
        QCOMPARE(f.error().code, ErrorCode::Io);
        QVERIFY2(contains(f.error().message, "stopped inflating"), f.error().message.c_str());
        QVERIFY2(contains(f.error().detail, "deleted"), f.error().detail.c_str());
        QCOMPARE(probes, 4); // stopped at the first low reading, not at the end
    }

    void cancelStopsInflating()
    {
        const QString path
            = writeFile(m_dir, QStringLiteral("cancel.hprof.gz"), gzipBomb(hprofHeaderOnly(), 16ull << 20));
        AnalysisProgress progress;
        progress.cancel();
        OpenOptions o = options();
        o.inflate.maxRatio = 0;
        o.progress = &progress;
        auto f = HprofFile::open(path.toStdString(), o);
        QVERIFY(!f.ok());
        QCOMPARE(f.error().code, ErrorCode::Cancelled);
    }

    // A FIFO would block open() until a writer comes; a device never ends. Both are refused at once.
    void onlyRegularFilesAreOpened_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("says");
        QTest::newRow("fifo") << "fifo"
                              << "named pipe";
        QTest::newRow("directory") << "dir"
                                   << "directory";
        QTest::newRow("/dev/zero") << "/dev/zero"
                                   << "character device";
        QTest::newRow("/dev/null") << "/dev/null"
                                   << "character device";
    }
    void onlyRegularFilesAreOpened()
    {
        QFETCH(QString, kind);
        QFETCH(QString, says);
        QString path = kind;
        if (kind == QLatin1String("fifo")) {
            path = m_dir.filePath(QStringLiteral("dump.hprof"));
            QCOMPARE(leakdesk::test::makeFifo(path), QString());
        } else if (kind == QLatin1String("dir")) {
            path = m_dir.filePath(QStringLiteral("a-directory.hprof"));
            QVERIFY(QDir().mkpath(path));
        }
        auto f = HprofFile::open(path.toStdString(), options());
        QVERIFY(!f.ok());
        QCOMPARE(f.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(contains(f.error().message, says.toUtf8().constData()), f.error().message.c_str());
        QVERIFY2(contains(f.error().message, path.toUtf8().constData()), f.error().message.c_str());
    }

    // Valid HPROF without a single object: each is an Error for every analysis.
    void dumpWithoutObjectsIsAnError_data()
    {
        QTest::addColumn<QByteArray>("dump");
        QTest::addColumn<QString>("says");
        auto bytes
            = [](const Bytes& b) { return QByteArray(reinterpret_cast<const char*>(b.data()), qsizetype(b.size())); };
        QTest::newRow("header only") << bytes(hprofHeaderOnly()) << "no heap dump records";
        Bytes zeros = hprofHeaderOnly();
        zeros.resize(zeros.size() + 100000, 0);
        QTest::newRow("zeros after the header") << bytes(zeros) << "no heap dump records";
        HprofWriter names(8);
        names.utf8("java/lang/Object");
        names.loadClass(1, 0x1000, "java/lang/Object");
        names.heapDumpEnd();
        QTest::newRow("strings and classes, no heap") << bytes(names.bytes()) << "no heap dump records";
        HprofWriter empty(8);
        empty.beginSegment();
        empty.endSegment();
        empty.heapDumpEnd();
        QTest::newRow("an empty segment") << bytes(empty.bytes()) << "hold no class";
        HprofWriter roots(4);
        roots.beginSegment();
        roots.rootUnknown(0x2000);
        roots.rootStickyClass(0x1000);
        roots.endSegment();
        QTest::newRow("roots only") << bytes(roots.bytes()) << "hold no class";
    }
    void dumpWithoutObjectsIsAnError()
    {
        QFETCH(QByteArray, dump);
        QFETCH(QString, says);
        auto f = HprofFile::fromBytes(Bytes(dump.begin(), dump.end()));
        QVERIFY2(f.ok(), f.ok() ? "" : f.error().toString().c_str());
        auto h = computeClassHistogram(*f);
        QVERIFY2(!h.ok(), "an empty dump gave a histogram");
        QCOMPARE(h.error().code, ErrorCode::NotEnoughData);
        QVERIFY2(contains(h.error().message, "no objects"), h.error().message.c_str());
        QVERIFY2(contains(h.error().message, says.toUtf8().constData()), h.error().message.c_str());
        QVERIFY(!h.error().detail.empty());
        auto s = HeapSnapshot::load(std::make_shared<const HprofFile>(std::move(*f)));
        QVERIFY2(!s.ok(), "an empty dump gave a snapshot");
        QCOMPARE(s.error().code, ErrorCode::NotEnoughData);
    }
};

QTEST_GUILESS_MAIN(TestGzipLimits)
#include "tst_gzip_limits.moc"
