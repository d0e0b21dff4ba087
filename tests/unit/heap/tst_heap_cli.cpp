// `leakdesk-cli heap` on files that must not be analysed: a gzip bomb, damaged gzip, a compressed
// non-dump, a dump without objects, a FIFO, a device. Each ends with a non-zero exit and a message
// on stderr that says what is wrong and what to do; none prints "no leak suspects".
#include "GzipFiles.h"
#include "SampleHeap.h"
#include "TestSupport.h"
#include "core/heap/HprofWriter.h"

#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <sys/stat.h>

using leakdesk::heap::HprofWriter;
using namespace leakdesk::heap::test;
using namespace leakdesk::test;

namespace {

using Bytes = std::vector<std::uint8_t>;

void writeFile(const QString& path, const Bytes& bytes)
{
    std::ofstream out(path.toStdString(), std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

} // namespace

class TestHeapCli : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    QString path(const char* name) const { return m_dir.filePath(QString::fromLatin1(name)); }

private Q_SLOTS:
    void initTestCase()
    {
        if (cliPath().isEmpty())
            QFAIL("LEAKDESK_CLI not set: run through ctest");
        const Bytes dump = buildSampleDump(8, 4).bytes;
        const Bytes header = HprofWriter(8).bytes();
        writeFile(path("good.hprof.gz"), gzipOf(dump, 0, 101));
        // 128 MiB of zeros after a valid header: about 1000:1, stopped at the 64 MiB floor of the cap.
        writeFile(path("bomb.hprof.gz"), gzipOf(header, 128ull << 20, 1ull << 30));
        writeFile(path("zeros.hprof.gz"), gzipOf(header, 4ull << 20, 1ull << 30));
        Bytes cut = gzipOf(dump, 0, 101);
        cut.resize(cut.size() - 7);
        writeFile(path("cut.hprof.gz"), cut);
        Bytes crc = gzipOf(dump, 0, 1 << 20);
        crc[crc.size() - 6] ^= 0x40;
        writeFile(path("crc.hprof.gz"), crc);
        const std::string text = "not a heap dump\n";
        writeFile(path("text.hprof.gz"), gzipOf(Bytes(text.begin(), text.end()), 0, 1 << 20));
        writeFile(path("header.hprof"), header);
        QCOMPARE(makeFifo(path("fifo.hprof")), QString());
    }

    void refusedWithAReason_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("says");
        QTest::addColumn<QString>("code"); // in brackets after the message; empty: a usage error
        const QString suspects = QStringLiteral("suspects");
        QTest::newRow("gzip bomb") << QStringList { suspects, path("bomb.hprof.gz") } << "--max-inflate-ratio"
                                   << QStringLiteral("limit-exceeded");
        QTest::newRow("gzip bomb, histogram") << QStringList { QStringLiteral("histogram"), path("bomb.hprof.gz") }
                                              << "gzip bomb" << QStringLiteral("limit-exceeded");
        QTest::newRow("cap lifted: zeros hold no objects") << QStringList { suspects, path("zeros.hprof.gz"),
            QStringLiteral("--max-inflate-ratio"), QStringLiteral("0") }
                                                           << "no objects" << QStringLiteral("not-enough-data");
        QTest::newRow("cut .gz") << QStringList { suspects, path("cut.hprof.gz") } << "ends early"
                                 << QStringLiteral("truncated");
        QTest::newRow("bad CRC") << QStringList { suspects, path("crc.hprof.gz") } << "corrupt"
                                 << QStringLiteral("parse");
        QTest::newRow("compressed text") << QStringList { suspects, path("text.hprof.gz") } << "no HPROF"
                                         << QStringLiteral("parse");
        QTest::newRow("header only") << QStringList { suspects, path("header.hprof") } << "no objects"
                                     << QStringLiteral("not-enough-data");
        QTest::newRow("diff with an empty dump")
            << QStringList { QStringLiteral("diff"), path("good.hprof.gz"), path("header.hprof") } << "no objects"
            << QStringLiteral("not-enough-data");
        QTest::newRow("fifo") << QStringList { suspects, path("fifo.hprof") } << "named pipe"
                              << QStringLiteral("invalid-argument");
        QTest::newRow("/dev/zero") << QStringList { suspects, QStringLiteral("/dev/zero") } << "character device"
                                   << QStringLiteral("invalid-argument");
        QTest::newRow("bad ratio flag") << QStringList { suspects, path("good.hprof.gz"),
            QStringLiteral("--max-inflate-ratio"), QStringLiteral("-3") }
                                        << "--max-inflate-ratio" << QStringLiteral("");
    }
    void refusedWithAReason()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, says);
        QFETCH(QString, code);
        const ProcessResult r = runProgram(cliPath(), QStringList { QStringLiteral("heap") } + args, 60000);
        QVERIFY(!r.timedOut);
        QVERIFY2(r.exitCode != 0, r.out.constData());
        QVERIFY2(QString::fromUtf8(r.err).contains(says), r.err.constData());
        QVERIFY2(!r.out.contains("no leak suspects"), r.out.constData());
        if (!code.isEmpty())
            QVERIFY2(QString::fromUtf8(r.err).contains(QStringLiteral("[%1]").arg(code)), r.err.constData());
    }

    void goodCompressedDumpIsAnalysed()
    {
        const ProcessResult r = runProgram(
            cliPath(), { QStringLiteral("heap"), QStringLiteral("histogram"), path("good.hprof.gz") }, 60000);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("classes)"), r.out.constData());
    }
};

QTEST_GUILESS_MAIN(TestHeapCli)
#include "tst_heap_cli.moc"
