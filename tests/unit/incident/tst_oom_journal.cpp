// The incident journal lists each OOM kill once, however many investigations saw it and whatever
// source gave its time each time: a scrape's (to within its interval), the kubelet's exact time,
// then the event's, seconds later. Kills of one container seconds apart stay two kills.
#include "IncidentFixture.h"

#include "core/incident/IncidentJson.h"
#include "core/incident/IncidentRecording.h"

#include <QTest>

using namespace leakdesk;

namespace {

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kT = test::kIncidentStartMs - 30 * 60 * kSecond; // a kill half an hour before

struct Kill {
    std::string pod;
    std::string container;
    std::int64_t offsetMs; // from kT
    std::int64_t uncertaintyMs;
    std::string node = "prod-worker-1";
};
using Investigation = std::vector<Kill>;

int journaledKills(const incident::IncidentDocument& doc)
{
    int n = 0;
    for (const auto& e : doc.journal)
        n += e.title.rfind("OOMKilled ", 0) == 0 ? 1 : 0;
    return n;
}

oom::OomKill killOf(const Kill& k)
{
    oom::OomKill out;
    out.pod = k.pod;
    out.container = k.container;
    out.node = k.node;
    out.timeMs = kT + k.offsetMs;
    out.uncertaintyMs = k.uncertaintyMs;
    out.sources = { k.uncertaintyMs > 0 ? oom::kSourceCadvisor : oom::kSourcePodStatus };
    return out;
}

} // namespace

Q_DECLARE_METATYPE(std::vector<Investigation>)

class TestOomJournal : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void eachKillOnce_data()
    {
        QTest::addColumn<std::vector<Investigation>>("investigations");
        QTest::addColumn<int>("expected");
        const std::string a = "checkout-7d9f-abcde";
        const std::string b = "checkout-7d9f-fghij";
        QTest::newRow("the same listing twice") << std::vector<Investigation> { { { a, "", 0, 15 * kSecond } },
            { { a, "", 0, 15 * kSecond } } } << 1;
        // First only Prometheus had it (scrape time), then the kubelet's exact time 10 s earlier.
        QTest::newRow("scrape time, then the kubelet's") << std::vector<Investigation> {
            { { a, "", 0, 15 * kSecond } }, { { a, "checkout", -10 * kSecond, 0 } } } << 1;
        // Then a newer kill replaced it in the pod status: the event's time, 12 s after the kubelet's.
        QTest::newRow("kubelet's time, then the event's") << std::vector<Investigation> {
            { { a, "checkout", 0, 0 } }, { { a, "checkout", 12 * kSecond, 0 } } } << 1;
        QTest::newRow("other pods are other kills") << std::vector<Investigation> { { { a, "", 0, 15 * kSecond } },
            { { a, "", 0, 15 * kSecond }, { b, "", 5 * kSecond, 15 * kSecond } } } << 2;
        QTest::newRow("other containers are other kills") << std::vector<Investigation> {
            { { a, "checkout", 0, 0 } }, { { a, "checkout", 0, 0 }, { a, "istio-proxy", 2 * kSecond, 0 } } } << 2;
        // CrashLoopBackOff: killed again 20 s later; the known kill absorbs only one of the two.
        QTest::newRow("a second kill seconds later") << std::vector<Investigation> { { { a, "checkout", 0, 0 } },
            { { a, "checkout", 0, 0 }, { a, "checkout", 20 * kSecond, 0 } } } << 2;
        QTest::newRow("two quick kills both seen twice") << std::vector<Investigation> {
            { { a, "checkout", 0, 0 }, { a, "checkout", 20 * kSecond, 0 } },
            { { a, "", 3 * kSecond, 15 * kSecond }, { a, "", 24 * kSecond, 15 * kSecond } } } << 2;
        QTest::newRow("an hour apart") << std::vector<Investigation> { { { a, "checkout", 0, 0 } },
            { { a, "checkout", 3600 * kSecond, 0 } } } << 2;
        QTest::newRow("node kills on two nodes") << std::vector<Investigation> {
            { { "", "", 0, 0, "prod-worker-1" } }, { { "", "", 0, 0, "prod-worker-1" }, { "", "", 1 * kSecond, 0, "prod-worker-2" } } }
                                                 << 2;
    }

    void eachKillOnce()
    {
        QFETCH(std::vector<Investigation>, investigations);
        QFETCH(int, expected);
        incident::NewIncident params;
        params.service = "checkout";
        params.ns = "production";
        auto doc = incident::newIncident(params);
        std::int64_t now = test::kIncidentStartMs;
        for (const auto& seen : investigations) {
            auto f = test::fixtureFindings(now);
            f.oom.kills.clear();
            for (const auto& k : seen)
                f.oom.kills.push_back(killOf(k));
            incident::recordFindings(doc, f, now += 60 * kSecond);
        }
        QCOMPARE(journaledKills(doc), expected);
        // A save and a load change nothing: the next investigation still knows them.
        auto reloaded = incident::parseIncident(incident::serializeIncident(doc));
        QVERIFY(reloaded.ok());
        auto f = test::fixtureFindings(now);
        f.oom.kills.clear();
        for (const auto& k : investigations.back())
            f.oom.kills.push_back(killOf(k));
        incident::recordFindings(*reloaded, f, now + 60 * kSecond);
        QCOMPARE(journaledKills(*reloaded), expected);
    }

    // An incident file is input: absurd uncertainties do not merge kills an hour apart.
    void absurdUncertaintyIsBounded()
    {
        incident::NewIncident params;
        params.service = "checkout";
        params.ns = "production";
        auto doc = incident::newIncident(params);
        auto f = test::fixtureFindings(test::kIncidentStartMs);
        f.oom.kills = { killOf({ "p", "c", 0, 0 }) };
        incident::recordFindings(doc, f, test::kIncidentStartMs);
        doc.snapshots.back().findings["oom"]["events"][0]["uncertainty_seconds"] = 1e300;
        f.oom.kills = { killOf({ "p", "c", 2 * 3600 * kSecond, 0 }) };
        incident::recordFindings(doc, f, test::kIncidentStartMs + kSecond);
        QCOMPARE(journaledKills(doc), 2);
    }
};

QTEST_APPLESS_MAIN(TestOomJournal)
#include "tst_oom_journal.moc"
