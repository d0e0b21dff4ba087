// The simulated container's commands: what `kubectl exec` users and the heap-capture pipeline see.
// Outputs and exit codes are those of OpenJDK 17's jcmd/jmap and GNU coreutils.

#include "core/heap/HprofFile.h"
#include "core/sandbox/shell/ContainerRuntime.h"
#include "core/sandbox/shell/HeapDumpCompression.h"
#include "core/sandbox/shell/ShippedHeapDumps.h"
#include "core/sandbox/shell/SyntheticHeapDump.h"

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <zlib.h>

using namespace leakdesk::sandbox;

namespace {

constexpr std::int64_t kNow = 1'732'000'000'000; // fixed clock: the same cluster on every run

std::vector<std::string> words(const QString& line)
{
    std::vector<std::string> out;
    for (const QString& w : line.split(QLatin1Char(' '), Qt::SkipEmptyParts))
        out.push_back(w.toStdString());
    return out;
}

// Every gzip member in turn: a real JVM's `GC.heap_dump -gz` writes one member per chunk.
QByteArray gunzip(const QByteArray& gz)
{
    z_stream zs {};
    inflateInit2(&zs, 15 + 16);
    QByteArray out;
    char buf[65536];
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.constData()));
    zs.avail_in = static_cast<uInt>(gz.size());
    int rc = Z_OK;
    for (;;) {
        zs.next_out = reinterpret_cast<Bytef*>(buf);
        zs.avail_out = sizeof buf;
        rc = inflate(&zs, Z_NO_FLUSH);
        out.append(buf, static_cast<qsizetype>(sizeof buf - zs.avail_out));
        if (rc == Z_STREAM_END && zs.avail_in > 0) {
            inflateReset(&zs);
            continue;
        }
        if (rc != Z_OK)
            break;
    }
    inflateEnd(&zs);
    return rc == Z_STREAM_END ? out : QByteArray();
}

// One gzip member as a reader sees it: where it starts, its header fields, how much it inflates to.
struct GzipMember {
    qsizetype offset = 0;
    QByteArray comment; // empty: no FCOMMENT
    int os = -1;
    int xflags = -1;
    uLong mtime = 0;
    qsizetype inflatedBytes = 0;
};

std::vector<GzipMember> gzipMembers(const QByteArray& gz)
{
    std::vector<GzipMember> members;
    std::vector<char> out(4 * 1024 * 1024);
    qsizetype at = 0;
    while (at < gz.size()) {
        z_stream zs {};
        if (inflateInit2(&zs, 15 + 16) != Z_OK)
            return {};
        char comment[256] = {};
        gz_header header {};
        header.comment = reinterpret_cast<Bytef*>(comment);
        header.comm_max = sizeof comment - 1;
        inflateGetHeader(&zs, &header);
        zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.constData() + at));
        zs.avail_in = static_cast<uInt>(gz.size() - at);
        GzipMember m;
        m.offset = at;
        int rc = Z_OK;
        while (rc == Z_OK) {
            zs.next_out = reinterpret_cast<Bytef*>(out.data());
            zs.avail_out = static_cast<uInt>(out.size());
            rc = inflate(&zs, Z_NO_FLUSH);
            m.inflatedBytes += static_cast<qsizetype>(out.size() - zs.avail_out);
        }
        const uLong consumed = zs.total_in;
        inflateEnd(&zs);
        if (rc != Z_STREAM_END)
            return {};
        if (header.done == 1 && header.comment != Z_NULL && comment[0])
            m.comment = QByteArray(comment);
        m.os = header.os;
        m.xflags = header.xflags;
        m.mtime = header.time;
        members.push_back(m);
        at += static_cast<qsizetype>(consumed);
    }
    return members;
}

} // namespace

class TestContainerShell : public QObject {
    Q_OBJECT
    SandboxModel m_model { 42, kNow };

    std::size_t runningPod(const std::string& service)
    {
        for (std::size_t i = 0; i < m_model.pods().size(); ++i)
            if (m_model.services()[m_model.pods()[i].service].name == service && m_model.containerRunningAt(i, kNow))
                return i;
        return m_model.pods().size();
    }

private Q_SLOTS:
    void commands_data()
    {
        QTest::addColumn<QString>("service");
        QTest::addColumn<QStringList>("argv");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("stdoutPattern");
        QTest::addColumn<QString>("stderrPattern");

        // checkout: the JVM is PID 7 behind an entrypoint shell; payments: the JVM is PID 1.
        QTest::newRow("jcmd -l, checkout") << "checkout" << QStringList { "jcmd", "-l" } << 0
                                           << "^7 /app/app.jar --spring.profiles.active=production\n\\d+ "
                                              "jdk.jcmd/sun.tools.jcmd.JCmd -l\n$"
                                           << "^$";
        QTest::newRow("jcmd -l, payments") << "payments" << QStringList { "jcmd", "-l" } << 0 << "^1 /app/app.jar"
                                           << "^$";
        QTest::newRow("jcmd wrong pid") << "checkout" << QStringList { "jcmd", "1", "VM.version" } << 1 << "^1:\n$"
                                        << "No such process";
        QTest::newRow("jcmd VM.version") << "checkout" << QStringList { "jcmd", "7", "VM.version" } << 0
                                         << "^7:\nOpenJDK 64-Bit Server VM version 17"
                                         << "^$";
        QTest::newRow("jps -l") << "payments" << QStringList { "jps", "-l" } << 0 << "^1 /app/app.jar\n\\d+ jdk.jcmd"
                                << "^$";
        QTest::newRow("catalog has no JDK") << "catalog" << QStringList { "jcmd", "-l" } << 127 << "^$"
                                            << "executable file not found in \\$PATH";
        QTest::newRow("unknown program") << "checkout" << QStringList { "gdb", "-p", "7" } << 127 << "^$"
                                         << "exec: \"gdb\": executable file not found";
        QTest::newRow("unknown in sh") << "checkout" << QStringList { "sh", "-c", "nosuch --flag" } << 127 << "^$"
                                       << "^sh: 1: nosuch: not found\n$";
        QTest::newRow("ls /app") << "checkout" << QStringList { "ls", "/app" } << 0 << "^app.jar\nentrypoint.sh\n$"
                                 << "^$";
        QTest::newRow("ls missing") << "checkout" << QStringList { "ls", "/nope" } << 2 << "^$"
                                    << "^ls: cannot access '/nope': No such file or directory\n$";
        QTest::newRow("df /tmp") << "checkout" << QStringList { "df", "-k", "/tmp" } << 0
                                 << "^Filesystem +1K-blocks +Used +Available +Use% +Mounted on\noverlay +101445540 "
                                    "+\\d+ +\\d+ +\\d+% /\n$"
                                 << "^$";
        QTest::newRow("cat missing") << "checkout" << QStringList { "cat", "/tmp/x" } << 1 << "^$"
                                     << "^cat: /tmp/x: No such file or directory\n$";
        QTest::newRow("cat hostname") << "checkout" << QStringList { "cat", "/etc/hostname" } << 0 << "^checkout-"
                                      << "^$";
        QTest::newRow("rm -f missing") << "checkout" << QStringList { "rm", "-f", "/tmp/x" } << 0 << "^$"
                                       << "^$";
        QTest::newRow("rm missing") << "checkout" << QStringList { "rm", "/tmp/x" } << 1 << "^$"
                                    << "cannot remove '/tmp/x'";
        QTest::newRow("test -d") << "checkout" << QStringList { "test", "-d", "/tmp" } << 0 << "^$"
                                 << "^$";
        QTest::newRow("test -e missing") << "checkout" << QStringList { "test", "-e", "/tmp/x" } << 1 << "^$"
                                         << "^$";
        QTest::newRow("stat -c %s") << "checkout" << QStringList { "stat", "-c", "%s %n", "/app/app.jar" } << 0
                                    << "^49152 /app/app.jar\n$"
                                    << "^$";
        QTest::newRow("sh && and ||") << "checkout"
                                      << QStringList { "sh", "-c", "test -e /tmp/none && echo yes || echo no" } << 0
                                      << "^no\n$"
                                      << "^$";
        QTest::newRow("sh exit code") << "checkout" << QStringList { "sh", "-c", "exit 3" } << 3 << "^$"
                                      << "^$";
        QTest::newRow("command -v jcmd") << "checkout" << QStringList { "sh", "-c", "command -v jcmd" } << 0
                                         << "^/opt/java/openjdk/bin/jcmd\n$"
                                         << "^$";
        QTest::newRow("command -v, no JDK") << "catalog" << QStringList { "sh", "-c", "command -v jmap" } << 1 << "^$"
                                            << "^$";
        QTest::newRow("pipes refused") << "checkout" << QStringList { "sh", "-c", "cat /etc/hostname | wc -c" } << 2
                                       << "^$"
                                       << "no pipes";
        QTest::newRow("redirect and read back")
            << "checkout" << QStringList { "sh", "-c", "echo hello > /tmp/h && cat /tmp/h && rm /tmp/h" } << 0
            << "^hello\n$"
            << "^$";
    }

    void commands()
    {
        QFETCH(QString, service);
        QFETCH(QStringList, argv);
        QFETCH(int, exitCode);
        QFETCH(QString, stdoutPattern);
        QFETCH(QString, stderrPattern);
        ContainerRuntime runtime(m_model);
        const std::size_t pod = runningPod(service.toStdString());
        QVERIFY(pod < m_model.pods().size());
        std::vector<std::string> args;
        for (const QString& a : argv)
            args.push_back(a.toStdString());
        const ExecOutput out = runtime.exec(pod, args, kNow);
        const QString stdoutText = QString::fromUtf8(out.stdoutBytes());
        const QString stderrText = QString::fromUtf8(out.stderrText);
        QVERIFY2(QRegularExpression(stdoutPattern).match(stdoutText).hasMatch(), qPrintable(stdoutText));
        QVERIFY2(QRegularExpression(stderrPattern).match(stderrText).hasMatch(), qPrintable(stderrText));
        QCOMPARE(out.exitCode, exitCode);
    }

    void heapDumpIsAValidHprofThatCanBeFetched()
    {
        ContainerRuntime runtime(m_model);
        const std::size_t pod = runningPod("checkout");
        ExecOutput dump = runtime.exec(pod, words(QStringLiteral("jcmd 7 GC.heap_dump /tmp/heap.hprof")), kNow);
        QCOMPARE(dump.exitCode, 0);
        const QString text = QString::fromUtf8(dump.stdoutBytes());
        const auto m = QRegularExpression(
            QStringLiteral("^7:\nDumping heap to /tmp/heap.hprof \\.\\.\\.\nHeap dump file created \\[(\\d+) bytes in "
                           "[0-9.]+ secs\\]\n$"))
                           .match(text);
        QVERIFY2(m.hasMatch(), qPrintable(text));
        const qint64 size = m.captured(1).toLongLong();
        QVERIFY(size > 2 * 1024 * 1024);

        const PodFileSystem& fs = runtime.fileSystem(pod, kNow);
        const SimFile* file = fs.file("/tmp/heap.hprof");
        QVERIFY(file);
        QCOMPARE(file->size(), size);
        QCOMPARE(file->mode, 0600); // as the JVM creates it
        QVERIFY(file->content->startsWith(QByteArray("JAVA PROFILE 1.0.2\0", 19)));
        // Shaped like a real JVM's dump of LeakyService (resources/heapdumps), its leak included.
        QVERIFY(file->content->contains("LeakyService$SessionCache"));

        // The same dump again is refused the way HotSpot refuses it (and jcmd still exits 0).
        ExecOutput again = runtime.exec(pod, words(QStringLiteral("jcmd 7 GC.heap_dump /tmp/heap.hprof")), kNow);
        QCOMPARE(again.exitCode, 0);
        QVERIFY(again.stdoutBytes().contains("Unable to create /tmp/heap.hprof: File exists"));

        // sha256sum and cat agree with the bytes; tail -c +N resumes from byte N (1-based).
        const QByteArray sha = QCryptographicHash::hash(*file->content, QCryptographicHash::Sha256).toHex();
        QCOMPARE(runtime.exec(pod, words(QStringLiteral("sha256sum /tmp/heap.hprof")), kNow).stdoutBytes(),
            sha + "  /tmp/heap.hprof\n");
        const ExecOutput cat = runtime.exec(pod, words(QStringLiteral("cat /tmp/heap.hprof")), kNow);
        QCOMPARE(cat.stdoutSize(), size);
        QCOMPARE(cat.stdoutBytes(), *file->content);
        const ExecOutput rest = runtime.exec(pod, words(QStringLiteral("tail -c +1001 /tmp/heap.hprof")), kNow);
        QCOMPARE(rest.stdoutBytes(), file->content->mid(1000));

        // The dump counts against the overlay's free space, and rm gives it back.
        const std::int64_t usedWith = fs.usedBytes(fs.mountOf("/tmp"));
        QCOMPARE(runtime.exec(pod, words(QStringLiteral("rm /tmp/heap.hprof")), kNow).exitCode, 0);
        QCOMPARE(fs.usedBytes(fs.mountOf("/tmp")), usedWith - size);
        // A cat that started before the rm still has its bytes, as an open file descriptor would.
        QCOMPARE(cat.stdoutBytes().size(), size);
    }

    void gzipAndJmapDumps()
    {
        ContainerRuntime runtime(m_model);
        const std::size_t pod = runningPod("payments");
        QCOMPARE(
            runtime.exec(pod, words(QStringLiteral("jcmd 1 GC.heap_dump -gz=1 /tmp/h.hprof.gz")), kNow).exitCode, 0);
        const ExecOutput jmap
            = runtime.exec(pod, words(QStringLiteral("jmap -dump:live,format=b,file=/tmp/j.hprof 1")), kNow);
        QCOMPARE(jmap.exitCode, 0);
        QVERIFY(jmap.stdoutBytes().startsWith("Dumping heap to /tmp/j.hprof ...\nHeap dump file created ["));
        const PodFileSystem& fs = runtime.fileSystem(pod, kNow);
        const QByteArray gz = *fs.file("/tmp/h.hprof.gz")->content;
        const QByteArray plain = *fs.file("/tmp/j.hprof")->content;
        QVERIFY(gz.startsWith("\x1f\x8b"));
        // Same JVM, same instant: the compressed dump is the plain one, and a lot smaller.
        QCOMPARE(gunzip(gz), plain);
        QVERIFY2(gz.size() * 3 < plain.size(), qPrintable(QStringLiteral("%1 vs %2").arg(gz.size()).arg(plain.size())));
    }

    void parallelGzipDumpIsShapedLikeHotSpots()
    {
        // A generated dump (dump-bytes) of 5.5 MiB: six 1 MiB gzip members, compressed in parallel.
        ContainerRuntime runtime(m_model);
        ContainerVariation v;
        v.dumpBytes = 11 * 512 * 1024;
        runtime.setVariation("checkout", v);
        const std::size_t pod = runningPod("checkout");
        QCOMPARE(runtime.exec(pod, words(QStringLiteral("jcmd 7 GC.heap_dump /tmp/h.hprof")), kNow).exitCode, 0);
        QCOMPARE(
            runtime.exec(pod, words(QStringLiteral("jcmd 7 GC.heap_dump -gz=1 /tmp/fast.hprof.gz")), kNow).exitCode, 0);
        QCOMPARE(
            runtime.exec(pod, words(QStringLiteral("jmap -dump:live,gz=9,file=/tmp/small.hprof.gz 7")), kNow).exitCode,
            0);
        const PodFileSystem& fs = runtime.fileSystem(pod, kNow);
        const QByteArray plain = *fs.file("/tmp/h.hprof")->content;
        const QByteArray fast = *fs.file("/tmp/fast.hprof.gz")->content;
        const QByteArray small = *fs.file("/tmp/small.hprof.gz")->content;
        QVERIFY(plain.startsWith(QByteArray("JAVA PROFILE 1.0.2\0", 19)));
        QVERIFY(plain.size() > 5 * 1024 * 1024);

        for (const QByteArray* gz : { &fast, &small }) {
            QCOMPARE(gunzip(*gz), plain); // byte-identical once every member is inflated
            const auto members = gzipMembers(*gz);
            const auto blocks
                = static_cast<std::size_t>((plain.size() + kHeapDumpGzipBlockBytes - 1) / kHeapDumpGzipBlockBytes);
            QCOMPARE(members.size(), blocks);
            for (std::size_t i = 0; i < members.size(); ++i) {
                const qsizetype expected
                    = i + 1 < blocks ? kHeapDumpGzipBlockBytes : plain.size() - qsizetype(i) * kHeapDumpGzipBlockBytes;
                QCOMPARE(members[i].inflatedBytes, expected);
                QCOMPARE(members[i].mtime, uLong(0));
                // Only the first member says the block size, in a header HotSpot fills itself (OS 0).
                QCOMPARE(members[i].comment, i == 0 ? QByteArray("HPROF BLOCKSIZE=1048576") : QByteArray());
                if (i == 0)
                    QCOMPARE(members[i].os, 0);
            }
            // zlib's XFL: 4 for the fastest level, 2 for the best: the level was honoured.
            QCOMPARE(members.front().xflags, gz == &fast ? 4 : 2);
        }
        QVERIFY2(small.size() < fast.size(), qPrintable(QStringLiteral("%1 vs %2").arg(small.size()).arg(fast.size())));

        // The same header bytes as a dump written by a real JVM (OpenJDK 17, `jcmd GC.heap_dump -gz=1`).
        const auto real = shippedHeapDump("checkout", false, true);
        QVERIFY(real);
        const auto realMembers = gzipMembers(*real);
        QVERIFY(realMembers.size() > 1);
        QCOMPARE(realMembers.front().comment, QByteArray("HPROF BLOCKSIZE=1048576"));
        const qsizetype firstHeader = 10 + qsizetype(sizeof "HPROF BLOCKSIZE=1048576");
        QCOMPARE(fast.left(firstHeader).toHex(), real->left(firstHeader).toHex());
        const auto ours = gzipMembers(fast);
        QCOMPARE(fast.mid(ours[1].offset, 10).toHex(), real->mid(realMembers[1].offset, 10).toHex());

        // LeakDesk's reader inflates all the members back to the dump.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile file(dir.filePath(QStringLiteral("fast.hprof.gz")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        QCOMPARE(file.write(fast), fast.size());
        file.close();
        auto hprof = leakdesk::heap::HprofFile::open(file.fileName().toStdString());
        QVERIFY2(hprof.ok(), hprof.ok() ? "" : hprof.error().toString().c_str());
        QVERIFY(hprof->wasCompressed());
        const auto bytes = hprof->bytes();
        QCOMPARE(qsizetype(bytes.size()), plain.size());
        QVERIFY(std::equal(bytes.begin(), bytes.end(), reinterpret_cast<const std::uint8_t*>(plain.constData())));
    }

    void compressionDoesNotDependOnTheThreads()
    {
        QByteArray data(3 * 65536 + 123, Qt::Uninitialized);
        QRandomGenerator rng(7);
        for (qsizetype i = 0; i < data.size(); ++i)
            data[i] = "abcdefgh{}\":,0123"[rng.bounded(17)];
        const auto one = compressHeapDump(data, 6, 1, 65536);
        const auto four = compressHeapDump(data, 6, 4, 65536);
        const auto all = compressHeapDump(data, 6, 0, 65536);
        QVERIFY(one.ok() && four.ok() && all.ok());
        QCOMPARE(*four, *one);
        QCOMPARE(*all, *one);
        QCOMPARE(gunzip(*one), data);
        const auto members = gzipMembers(*one);
        QCOMPARE(members.size(), std::size_t(4));
        QCOMPARE(members.front().comment, QByteArray("HPROF BLOCKSIZE=65536"));
        QCOMPARE(members.back().inflatedBytes, qsizetype(123));

        // Fed in pieces of any size while the dump is written: the same members.
        HeapDumpGzipWriter writer(6, 2, 65536);
        for (qsizetype at = 0, piece = 1; at < data.size(); at += piece, piece = piece * 3 + 7)
            writer.write(QByteArrayView(data).sliced(at, std::min(piece, data.size() - at)));
        const auto streamed = writer.finish();
        QVERIFY(streamed.ok());
        QCOMPARE(*streamed, *one);
        // And the generated dump handed over as it is written is the dump.
        HeapDumpShape shape;
        shape.seed = 5;
        shape.targetBytes = 20 * 1024 * 1024; // more than two 8 MiB segments
        QByteArray handedOver;
        int pieces = 0;
        const QByteArray whole = syntheticHeapDump(shape, [&](QByteArrayView bytes) {
            handedOver += bytes;
            ++pieces;
        });
        QCOMPARE(handedOver, whole);
        QVERIFY2(pieces > 2, qPrintable(QString::number(pieces)));

        const auto empty = compressHeapDump(QByteArrayView(), 1);
        QVERIFY(empty.ok());
        QVERIFY(empty->isEmpty());
        for (int level : { 0, 10, -1 }) {
            const auto bad = compressHeapDump(data, level);
            QVERIFY(!bad.ok());
            QCOMPARE(bad.error().code, leakdesk::ErrorCode::InvalidArgument);
            QVERIFY(!bad.error().detail.empty());
        }
        QVERIFY(!compressHeapDump(data, 1, 0, 0).ok());
        HeapDumpGzipWriter badLevel(0);
        badLevel.write(data);
        QCOMPARE(badLevel.finish().error().code, leakdesk::ErrorCode::InvalidArgument);
    }

    void fullDiskLeavesAnIncompleteDump()
    {
        ContainerRuntime runtime(m_model);
        runtime.setVariation("checkout", ContainerVariation { false, false, 1024 * 1024 });
        const std::size_t pod = runningPod("checkout");
        const ExecOutput out = runtime.exec(pod, words(QStringLiteral("jcmd 7 GC.heap_dump /tmp/heap.hprof")), kNow);
        QCOMPARE(out.exitCode, 0);
        QVERIFY(out.stdoutBytes().contains("Dump file is incomplete: No space left on device"));
        const PodFileSystem& fs = runtime.fileSystem(pod, kNow);
        // The image's own files took some of the last MiB; the dump got the rest, not one byte more.
        const qint64 written = fs.file("/tmp/heap.hprof")->size();
        QVERIFY(written > 900 * 1024 && written < 1024 * 1024);
        QCOMPARE(fs.availableBytes(fs.mountOf("/tmp")), 0);
    }

    void memoryBackedTmpAndMissingJdk()
    {
        ContainerRuntime runtime(m_model);
        runtime.setVariation("checkout", ContainerVariation { true, true, std::nullopt });
        const std::size_t pod = runningPod("checkout");
        const QByteArray df = runtime.exec(pod, words(QStringLiteral("df -k /tmp")), kNow).stdoutBytes();
        QVERIFY2(QRegularExpression(QStringLiteral("\ntmpfs +2097152 +0 +2097152 +0% /tmp\n$"))
                     .match(QString::fromUtf8(df))
                     .hasMatch(),
            df.constData());
        QCOMPARE(runtime.exec(pod, words(QStringLiteral("jcmd -l")), kNow).exitCode, 127);
    }

    void earlyAndLateDumpsDiffer()
    {
        // Generated for the moment: later in the run the leak holds more, and so does the dump.
        ContainerRuntime runtime(m_model);
        const std::size_t pod = runningPod("checkout");
        const auto& run = m_model.pods()[pod].runs[*m_model.runIndexAt(pod, kNow)];
        QByteArray early;
        QByteArray late;
        for (std::int64_t t = run.startedMs + kMinuteMs; t < kNow + 6 * kHourMs; t += 5 * kMinuteMs) {
            if (!m_model.runIndexAt(pod, t))
                continue;
            runtime.exec(pod, words(QStringLiteral("rm -f /tmp/h.hprof")), t);
            runtime.exec(pod, words(QStringLiteral("jcmd 7 GC.heap_dump /tmp/h.hprof")), t);
            const SimFile* f = runtime.fileSystem(pod, t).file("/tmp/h.hprof");
            if (!f)
                continue;
            if (early.isEmpty()) {
                early = *f->content;
            } else if (*f->content != early) {
                late = *f->content;
                break;
            }
        }
        QVERIFY(!early.isEmpty());
        QVERIFY2(!late.isEmpty(), "no other dump while the heap grew");
        QVERIFY(late.size() > early.size());
    }

    void variationsParse()
    {
        const auto v = parseContainerVariation("no-jdk,memory-tmp,disk-free=1Mi,corrupt-reads,dump-bytes=256Mi");
        QVERIFY(v.ok());
        QVERIFY(v->withoutJdkTools && v->memoryBackedTmp && v->corruptReads);
        QCOMPARE(*v->rootFreeBytes, std::int64_t(1024 * 1024));
        QCOMPARE(*v->dumpBytes, std::int64_t(256) * 1024 * 1024);
        QVERIFY(!parseContainerVariation("no-jdk,fast").ok());
        QVERIFY(!parseContainerVariation("disk-free=lots").ok());
    }

    void corruptReadsFlipOneByte()
    {
        ContainerRuntime runtime(m_model);
        ContainerVariation v;
        v.corruptReads = true;
        runtime.setVariation("checkout", v);
        const std::size_t pod = runningPod("checkout");
        QCOMPARE(runtime.exec(pod, words(QStringLiteral("jcmd 7 GC.heap_dump /tmp/h.hprof")), kNow).exitCode, 0);
        const QByteArray real = *runtime.fileSystem(pod, kNow).file("/tmp/h.hprof")->content;
        const QByteArray read = runtime.exec(pod, words(QStringLiteral("cat /tmp/h.hprof")), kNow).stdoutBytes();
        QCOMPARE(read.size(), real.size());
        int diffs = 0;
        for (qsizetype i = 0; i < real.size(); ++i)
            diffs += real[i] != read[i];
        QCOMPARE(diffs, 1);
        // The process table and the mounts a capture reads when the JDK tools are missing.
        QVERIFY(runtime.exec(pod, words(QStringLiteral("cat /proc/7/cmdline")), kNow)
                    .stdoutBytes()
                    .startsWith(QByteArray("java\0-XX:", 8)));
        QVERIFY(runtime.exec(pod, words(QStringLiteral("cat /proc/mounts")), kNow)
                    .stdoutBytes()
                    .startsWith("overlay / overlay"));
    }

    void fileSystemIsFreshAfterARestart()
    {
        ContainerRuntime runtime(m_model);
        const std::size_t pod = runningPod("checkout");
        QCOMPARE(runtime.exec(pod, { "sh", "-c", "echo x > /tmp/marker" }, kNow).exitCode, 0);
        const auto& runs = m_model.pods()[pod].runs;
        const auto run = *m_model.runIndexAt(pod, kNow);
        const std::int64_t nextStart = runs[run + 1].startedMs + 1000;
        QCOMPARE(runtime.exec(pod, words(QStringLiteral("test -e /tmp/marker")), kNow).exitCode, 0);
        QCOMPARE(runtime.exec(pod, words(QStringLiteral("test -e /tmp/marker")), nextStart).exitCode, 1);
    }

    void normalisesPaths_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("cwd");
        QTest::addColumn<QString>("expected");
        QTest::newRow("relative") << "heap.hprof"
                                  << "/app"
                                  << "/app/heap.hprof";
        QTest::newRow("dot-dot") << "../tmp/./x"
                                 << "/app"
                                 << "/tmp/x";
        QTest::newRow("above root") << "/../../etc"
                                    << "/app"
                                    << "/etc";
        QTest::newRow("trailing slash") << "/tmp/"
                                        << "/"
                                        << "/tmp";
        QTest::newRow("root") << "/"
                              << "/app"
                              << "/";
    }

    void normalisesPaths()
    {
        QFETCH(QString, path);
        QFETCH(QString, cwd);
        QFETCH(QString, expected);
        QCOMPARE(QString::fromStdString(PodFileSystem::normalise(path.toStdString(), cwd.toStdString())), expected);
    }
};

QTEST_GUILESS_MAIN(TestContainerShell)
#include "tst_container_shell.moc"
