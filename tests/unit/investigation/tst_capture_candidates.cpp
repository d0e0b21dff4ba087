// The heap capture's pod picker: the most memory first, but never by default a pod the dump could
// push over its limit or that is about to reach it, and the picker line says why.
#include "core/investigation/CaptureCandidates.h"

#include <QTest>

using namespace leakdesk::investigation;

namespace {

constexpr std::int64_t MiB = 1024 * 1024;

PodRow row(const std::string& name, std::optional<std::int64_t> memoryMiB, std::optional<std::int64_t> limitMiB,
    std::optional<double> hoursToLimit = {}, const std::string& phase = "Running", bool ready = true)
{
    PodRow r;
    r.name = name;
    r.phase = phase;
    r.ready = ready;
    if (memoryMiB)
        r.memoryBytes = *memoryMiB * MiB;
    if (limitMiB)
        r.limitBytes = *limitMiB * MiB;
    r.hoursToLimit = hoursToLimit;
    return r;
}

} // namespace

Q_DECLARE_METATYPE(std::vector<PodRow>)

class TestCaptureCandidates : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void order_data()
    {
        QTest::addColumn<std::vector<PodRow>>("pods");
        QTest::addColumn<QStringList>("expected");
        QTest::addColumn<QStringList>("atRisk");
        QTest::newRow("fullest is at 98 %")
            << std::vector<PodRow> { row("a", 2007, 2048), row("b", 1500, 2048), row("c", 900, 2048) }
            << QStringList { "b", "c", "a" } << QStringList { "a" };
        QTest::newRow("all comfortable: most memory first")
            << std::vector<PodRow> { row("a", 700, 2048), row("b", 1500, 2048), row("c", 900, 2048) }
            << QStringList { "b", "c", "a" } << QStringList {};
        QTest::newRow("fast growth, still room")
            << std::vector<PodRow> { row("a", 1200, 2048, 0.2), row("b", 1000, 2048, 3.0) } << QStringList { "b", "a" }
            << QStringList { "a" };
        QTest::newRow("no limit, no projection")
            << std::vector<PodRow> { row("a", 3000, std::nullopt), row("b", 4000, std::nullopt) }
            << QStringList { "b", "a" } << QStringList {};
        QTest::newRow("not running goes last")
            << std::vector<PodRow> { row("a", 1900, 2048, {}, "Pending", false), row("b", 100, 2048) }
            << QStringList { "b", "a" } << QStringList { "a" };
        QTest::newRow("all at risk: still ordered by memory") << std::vector<PodRow> { row("a", 1900, 2048),
            row("b", 2000, 2048) } << QStringList { "b", "a" } << QStringList { "a", "b" };
        QTest::newRow("memory unknown") << std::vector<PodRow> { row("a", std::nullopt, 2048), row("b", 10, 2048) }
                                        << QStringList { "b", "a" } << QStringList {};
        QTest::newRow("over the limit") << std::vector<PodRow> { row("a", 2100, 2048) } << QStringList { "a" }
                                        << QStringList { "a" };
        QTest::newRow("none") << std::vector<PodRow> {} << QStringList {} << QStringList {};
    }
    void order()
    {
        QFETCH(std::vector<PodRow>, pods);
        QFETCH(QStringList, expected);
        QFETCH(QStringList, atRisk);
        QStringList got, risky;
        for (const auto& c : captureCandidates(pods)) {
            got << QString::fromStdString(c.pod);
            if (c.atRisk) {
                risky << QString::fromStdString(c.pod);
                QVERIFY2(c.note.find("may be OOM-killed during the dump") != std::string::npos, c.note.c_str());
            }
        }
        QCOMPARE(got, expected);
        risky.sort();
        QCOMPARE(risky, atRisk);
    }

    void noteSaysHowFull()
    {
        const auto c = captureCandidates({ row("a", 2007, 2048) });
        QCOMPARE(c.size(), std::size_t(1));
        QVERIFY2(c[0].note.find("1.96 GiB of 2.00 GiB (98 %)") != std::string::npos, c[0].note.c_str());
        QVERIFY2(c[0].note.find("only 41.00 MiB below its limit") != std::string::npos, c[0].note.c_str());
    }
};

QTEST_APPLESS_MAIN(TestCaptureCandidates)
#include "tst_capture_candidates.moc"
