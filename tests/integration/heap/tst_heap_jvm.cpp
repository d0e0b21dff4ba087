// Real-JVM correctness: LeakyService runs under a real JDK, jcmd takes GC.class_histogram and
// GC.heap_dump of the same quiescent heap (tests/support/java/make-heap-dump.sh), and for every
// class the analyser's instances and shallow bytes must equal the JVM's. Several JVM layouts
// (compressed oops on/off, class pointers, 16-byte alignment) prove the layout is detected, not
// assumed. Then the CLI must name the leaking cache first, with its path to a GC root.
#include "TestSupport.h"

#include "core/heap/ClassHistogram.h"
#include "core/heap/HprofFile.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <map>

using namespace leakdesk;
using namespace leakdesk::heap;

namespace {

struct JvmRow {
    std::uint64_t instances = 0;
    std::uint64_t bytes = 0;
};

std::map<std::string, JvmRow> parseJcmdHistogram(const QString& path)
{
    std::map<std::string, JvmRow> rows;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return rows;
    while (!f.atEnd()) {
        const QList<QByteArray> parts = f.readLine().simplified().split(' ');
        if (parts.size() < 4 || !parts[0].endsWith(':'))
            continue;
        JvmRow& r = rows[parts[3].toStdString()];
        r.instances += parts[1].toULongLong();
        r.bytes += parts[2].toULongLong();
    }
    return rows;
}

QString dumpDir()
{
    return test::binaryDir() + QStringLiteral("/heap-dumps");
}

// Runs the dump script; returns the dump path or an empty string (with the reason in `why`).
QString makeDump(const QString& name, const QStringList& scriptArgs, QString* why)
{
    const QString script = test::sourceDir() + QStringLiteral("/tests/support/java/make-heap-dump.sh");
    const auto r
        = test::runProgram(QStringLiteral("bash"), QStringList { script, dumpDir(), name } + scriptArgs, 180000);
    if (r.exitCode != 0) {
        *why = QString::fromUtf8(r.err + r.out);
        return {};
    }
    return QString::fromUtf8(r.out).trimmed();
}

} // namespace

class TestHeapJvm : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        for (const char* tool : { "java", "javac", "jcmd" })
            LEAKDESK_REQUIRE_WITNESS(QString::fromLatin1(tool));
        QDir().mkpath(dumpDir());
    }

    void histogramMatchesTheJvm_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QStringList>("jvmOptions");
        QTest::addColumn<bool>("gzip");
        QTest::addColumn<bool>("classMirrorsExact");
        QTest::addColumn<QString>("layout");
        QTest::newRow("defaults") << "defaults" << QStringList() << false << false
                                  << "compressed oops, compressed class pointers, 8-byte";
        QTest::newRow("no CDS") << "no-cds" << QStringList { "-Xshare:off" } << false << true
                                << "compressed oops, compressed class pointers, 8-byte";
        QTest::newRow("uncompressed oops")
            << "no-compressed-oops" << QStringList { "-Xshare:off", "-XX:-UseCompressedOops" } << false << true
            << "uncompressed oops, compressed class pointers, 8-byte";
        QTest::newRow("uncompressed class pointers")
            << "no-compressed-klass" << QStringList { "-Xshare:off", "-XX:-UseCompressedClassPointers" } << false
            << true << "compressed oops, uncompressed class pointers, 8-byte";
        QTest::newRow("16-byte alignment")
            << "align16" << QStringList { "-Xshare:off", "-XX:ObjectAlignmentInBytes=16" } << false << true
            << "compressed oops, compressed class pointers, 16-byte";
        QTest::newRow("serial GC, gzip") << "serial-gz" << QStringList { "-Xshare:off", "-XX:+UseSerialGC" } << true
                                         << true << "compressed oops, compressed class pointers, 8-byte";
    }
    void histogramMatchesTheJvm()
    {
        QFETCH(QString, name);
        QFETCH(QStringList, jvmOptions);
        QFETCH(bool, gzip);
        QFETCH(bool, classMirrorsExact);
        QFETCH(QString, layout);
        QStringList args;
        if (gzip)
            args << QStringLiteral("--gz");
        for (const QString& o : jvmOptions)
            args << QStringLiteral("--jvm-option") << o;
        args << QStringLiteral("--") << QStringLiteral("--cache-mb") << QStringLiteral("3");
        QString why;
        const QString dump = makeDump(name, args, &why);
        QVERIFY2(!dump.isEmpty(), qPrintable(why));
        const auto jvm = parseJcmdHistogram(dumpDir() + QLatin1Char('/') + name + QStringLiteral(".histo.txt"));
        QVERIFY(jvm.size() > 100);

        auto file = HprofFile::open(dump.toStdString());
        QVERIFY2(file.ok(), file.ok() ? "" : file.error().toString().c_str());
        QCOMPARE(file->wasCompressed(), gzip);
        auto h = computeClassHistogram(*file);
        QVERIFY(h.ok());
        QVERIFY(!h->damage);
        QVERIFY2(h->layout.detected && QString::fromStdString(h->layout.describe()).startsWith(layout),
            h->layout.describe().c_str());
        std::map<std::string, HistogramRow> ours;
        for (auto& r : h->mergedByName())
            ours[r.jvmName] = r;

        int compared = 0;
        for (const auto& [cls, expected] : jvm) {
            const auto it = ours.find(cls);
            const std::uint64_t instances = it == ours.end() ? 0 : it->second.instances;
            const std::uint64_t bytes = it == ours.end() ? 0 : it->second.shallowBytes;
            if (cls == "java.lang.Class" && !classMirrorsExact) {
                // With class data sharing the heap also holds the archived mirrors of classes that
                // were never loaded; they are not classes of this JVM yet, so HotSpot's dumper skips
                // them while the histogram counts them. Every dumped mirror is still counted.
                QVERIFY2(instances <= expected.instances && instances > 0, cls.c_str());
                continue;
            }
            const std::string msg = cls + ": JVM " + std::to_string(expected.instances) + " / "
                + std::to_string(expected.bytes) + " B, ours " + std::to_string(instances) + " / "
                + std::to_string(bytes) + " B";
            QVERIFY2(instances == expected.instances && bytes == expected.bytes, msg.c_str());
            ++compared;
        }
        // Nothing the JVM does not know either.
        for (const auto& [cls, row] : ours)
            QVERIFY2(jvm.count(cls), cls.c_str());
        QVERIFY(compared > 100);
    }

    void suspectsNameTheLeakingCacheFirst()
    {
        QString why;
        const QString dump = makeDump(QStringLiteral("suspects"),
            { QStringLiteral("--"), QStringLiteral("--cache-mb"), QStringLiteral("6") }, &why);
        QVERIFY2(!dump.isEmpty(), qPrintable(why));
        const auto r = test::runProgram(test::cliPath(),
            { QStringLiteral("heap"), QStringLiteral("suspects"), dump, QStringLiteral("--format"),
                QStringLiteral("json") },
            60000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonArray suspects = QJsonDocument::fromJson(r.out).object().value(QLatin1String("suspects")).toArray();
        QVERIFY(suspects.size() >= 4);
        const QJsonObject first = suspects.first().toObject();
        QCOMPARE(first.value(QLatin1String("category")).toString(), QStringLiteral("unbounded_cache"));
        QCOMPARE(first.value(QLatin1String("class")).toString(), QStringLiteral("java.util.HashMap"));
        QVERIFY2(first.value(QLatin1String("owner")).toString().contains(QLatin1String("SessionCache")),
            qPrintable(first.value(QLatin1String("owner")).toString()));
        QVERIFY(first.value(QLatin1String("heap_share")).toDouble() > 0.5);
        const QJsonArray path = first.value(QLatin1String("path_to_root")).toArray();
        QVERIFY(path.size() >= 2);
        QVERIFY(path.last()
                    .toObject()
                    .value(QLatin1String("object"))
                    .toString()
                    .startsWith(QLatin1String("java.util.HashMap")));
        QVERIFY(path.last().toObject().value(QLatin1String("via")).toString() == QLatin1String("static ENTRIES"));
        QVERIFY(!path.first().toObject().value(QLatin1String("via")).toString().isEmpty()); // the root kind
        // The other three runbook categories are found too.
        QStringList categories;
        for (const auto& s : suspects)
            categories << s.toObject().value(QLatin1String("category")).toString();
        for (const char* c : { "listeners_not_deregistered", "connections_not_closed", "thread_local_accumulation" })
            QVERIFY2(categories.contains(QLatin1String(c)), c);
    }

    void diffShowsWhatGrew()
    {
        QString why;
        const QString before = makeDump(
            QStringLiteral("early"), { QStringLiteral("--"), QStringLiteral("--cache-mb"), QStringLiteral("2") }, &why);
        QVERIFY2(!before.isEmpty(), qPrintable(why));
        const QString after = makeDump(
            QStringLiteral("late"), { QStringLiteral("--"), QStringLiteral("--cache-mb"), QStringLiteral("6") }, &why);
        QVERIFY2(!after.isEmpty(), qPrintable(why));
        const auto r = test::runProgram(test::cliPath(),
            { QStringLiteral("heap"), QStringLiteral("diff"), before, after, QStringLiteral("--format"),
                QStringLiteral("json"), QStringLiteral("--top"), QStringLiteral("5") },
            60000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonArray rows = QJsonDocument::fromJson(r.out).object().value(QLatin1String("rows")).toArray();
        QCOMPARE(rows.size(), 5);
        QStringList top;
        for (const auto& row : rows) {
            top << row.toObject().value(QLatin1String("class")).toString();
            QVERIFY(row.toObject().value(QLatin1String("shallow_growth")).toInteger() > 0);
        }
        // Each session is a Session, a key String, a HashMap node and a payload byte[].
        QVERIFY2(top.contains(QLatin1String("LeakyService$Session")), qPrintable(top.join(u',')));
        QVERIFY2(top.contains(QLatin1String("byte[]")), qPrintable(top.join(u',')));
        QVERIFY2(top.contains(QLatin1String("java.util.HashMap$Node")), qPrintable(top.join(u',')));
    }
};

QTEST_GUILESS_MAIN(TestHeapJvm)
#include "tst_heap_jvm.moc"
