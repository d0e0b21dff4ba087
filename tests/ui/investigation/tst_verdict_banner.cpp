// The memory view's banner on findings that lack evidence: unknown is never green and says why
// and what to check; a verdict on partial data says what is missing.
#include "../../unit/analysis/CorpusShapes.h"
#include "../../unit/incident/IncidentFixture.h"

#include "core/investigation/FindingsJson.h"
#include "ui/investigation/ChartDataBuilder.h"
#include "ui/investigation/MemoryEvidenceView.h"
#include "ui/investigation/VerdictBanner.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::test;
using leakdesk::ui::MemoryEvidenceView;
using leakdesk::ui::VerdictBanner;
using prometheus::QueryKind;

namespace {

constexpr std::int64_t kNowMs = kIncidentStartMs + 2 * kHour;

std::shared_ptr<const investigation::Findings> findings(std::optional<QueryKind> failed, bool emptyMemory = false)
{
    auto ev = checkoutEvidence(kNowMs);
    const std::int64_t from = kNowMs - ev->request.windowMs;
    const SawtoothPod a = sawtoothPod(from, kNowMs, 7, 0.0, 60'000);
    ev->pods.push_back(fixturePod("checkout-a", "node-1", int(a.restarts.back().value), a.killTimesMs.back()));
    ev->stepMs = 60'000;
    const Labels labels { { "namespace", "production" }, { "pod", "checkout-a" } };
    if (!emptyMemory)
        ev->series[QueryKind::MemoryWorkingSet].push_back({ labels, a.memory });
    ev->series[QueryKind::Restarts].push_back({ labels, a.restarts });
    for (QueryKind kind : { QueryKind::MemoryWorkingSet, QueryKind::Restarts, QueryKind::MemoryLimit }) {
        investigation::QueryEvidence q { kind, prometheus::queryKindName(kind), { from, kNowMs }, 60'000, 1, {} };
        if (failed && *failed == kind) {
            q.error = "Prometheus at http://127.0.0.1:9090 answered HTTP 503 after 4 tries";
            ev->series.erase(kind);
        }
        ev->queries.push_back(q);
    }
    return std::make_shared<const investigation::Findings>(investigation::analyseEvidence(ev));
}

} // namespace

class TestVerdictBanner : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void unknownIsNeverGreen_data()
    {
        QTest::addColumn<bool>("queryFailed");
        QTest::addColumn<QString>("reason");
        QTest::newRow("memory query failed") << true << "HTTP 503 after 4 tries";
        QTest::newRow("empty prometheus") << false << "no memory samples";
    }
    void unknownIsNeverGreen()
    {
        QFETCH(bool, queryFailed);
        QFETCH(QString, reason);
        MemoryEvidenceView view;
        view.setFindings(findings(queryFailed ? std::optional(QueryKind::MemoryWorkingSet) : std::nullopt, !queryFailed));
        QCOMPARE(view.banner()->tone(), VerdictBanner::Tone::Warning);
        QVERIFY2(view.banner()->headline().contains(QStringLiteral("Unknown")), qPrintable(view.banner()->headline()));
        QVERIFY2(view.banner()->detail().contains(reason), qPrintable(view.banner()->detail()));
        QVERIFY2(view.banner()->detail().contains(QStringLiteral("Check that Prometheus")), qPrintable(view.banner()->detail()));
    }

    // Three pods grow at different rates: the banner's number is the median per pod and says so,
    // the chart's slope line is the fastest pod's and names it (issue 15: 3.40 vs 3.68 MiB/h
    // read as one fact).
    void bannerAndLegendSayWhichSlope()
    {
        auto ev = checkoutEvidence(kNowMs);
        const std::int64_t from = kNowMs - ev->request.windowMs;
        ev->stepMs = 60'000;
        const double rates[] = { 30.0 * MiB, 40.0 * MiB, 50.0 * MiB };
        for (int i = 0; i < 3; ++i) {
            const std::string pod = "checkout-" + std::to_string(i);
            ev->pods.push_back(fixturePod(pod, "node-1", 0, 0));
            ev->series[QueryKind::MemoryWorkingSet].push_back(
                { { { "namespace", "production" }, { "pod", pod } }, linearPod(from, kNowMs, 400.0 * MiB, rates[i], 0.0, 1, 60'000) });
        }
        ev->queries.push_back({ QueryKind::MemoryWorkingSet, prometheus::queryKindName(QueryKind::MemoryWorkingSet),
            { from, kNowMs }, 60'000, 3, {} });
        const auto f = std::make_shared<const investigation::Findings>(investigation::analyseEvidence(ev));
        QCOMPARE(f->verdict.pattern, analysis::Pattern::SteadyGrowth);
        MemoryEvidenceView view;
        view.setFindings(f);
        const QString headline = view.banner()->headline();
        QVERIFY2(headline.contains(QStringLiteral("40.00 MiB/h per pod (median)")), qPrintable(headline));
        const auto chart = ui::buildMemoryChartData(*f);
        QVERIFY(chart->slope);
        QVERIFY2(chart->slope->name == QStringLiteral("fastest pod checkout-2: 50.00 MiB/h"), qPrintable(chart->slope->name));
    }

    void partialDataIsNamed()
    {
        MemoryEvidenceView view;
        view.setFindings(findings(QueryKind::Restarts));
        QCOMPARE(view.banner()->tone(), VerdictBanner::Tone::Bad); // still judged from the memory series
        QVERIFY2(view.banner()->detail().contains(QStringLiteral("Missing: restarts")), qPrintable(view.banner()->detail()));
    }

    // Growth the traffic explains and a slow warm-up are not leaks: the banner is not red and says
    // what it saw (issue 17).
    void healthyGrowthIsNotRed_data()
    {
        QTest::addColumn<bool>("traffic");
        QTest::addColumn<QString>("headline");
        QTest::newRow("follows traffic") << true << "follows its traffic";
        QTest::newRow("slow warm-up") << false << "warms up slowly";
    }
    void healthyGrowthIsNotRed()
    {
        QFETCH(bool, traffic);
        QFETCH(QString, headline);
        auto ev = checkoutEvidence(kNowMs);
        ev->request.windowMs = traffic ? 16 * kHour : 3 * kHour;
        const std::int64_t from = kNowMs - ev->request.windowMs;
        const auto rate = diurnalRate(from, kNowMs, from - kHour, 200, 0.6, 4, 3);
        for (int i = 0; i < 2; ++i) {
            const std::string pod = "checkout-" + std::to_string(i);
            ev->pods.push_back(fixturePod(pod, "node-1", 0, 0));
            ev->series[QueryKind::MemoryWorkingSet].push_back({ { { "namespace", "production" }, { "pod", pod } },
                traffic
                    ? memoryForRate(rate, 300 * MiB, 1.5 * MiB, 0, 5 * MiB, 4 + i)
                    : settlingPod(from + 5 * kMinute, kNowMs, 150 * MiB, 420 * MiB, 15 * kMinute, 4 * MiB, 4 + i) });
        }
        ev->queries.push_back({ QueryKind::MemoryWorkingSet, prometheus::queryKindName(QueryKind::MemoryWorkingSet),
            { from, kNowMs }, 30'000, 2, {} });
        if (traffic) {
            ev->series[QueryKind::RequestRate].push_back({ { { "namespace", "production" } }, rate });
            ev->queries.push_back({ QueryKind::RequestRate, prometheus::queryKindName(QueryKind::RequestRate),
                { from, kNowMs }, 30'000, 1, {} });
        }
        const auto f = std::make_shared<const investigation::Findings>(investigation::analyseEvidence(ev));
        QCOMPARE(f->verdict.pattern, traffic ? analysis::Pattern::FollowsTraffic : analysis::Pattern::SlowWarmUp);
        MemoryEvidenceView view;
        view.setFindings(f);
        QCOMPARE(view.banner()->tone(), VerdictBanner::Tone::Neutral);
        QVERIFY2(view.banner()->headline().contains(headline), qPrintable(view.banner()->headline()));
        QVERIFY2(!view.banner()->headline().contains(QStringLiteral("leaking")), qPrintable(view.banner()->headline()));
        const auto json = investigation::findingsToJson(*f);
        QCOMPARE(json["verdict"]["leak"].get<bool>(), false);
        QCOMPARE(json["verdict"]["pattern"].get<std::string>(), traffic ? "follows-traffic" : "slow-warm-up");
        QCOMPARE(json["verdict"]["levelled_off_after_seconds"].is_null(), traffic);
    }

    // A sawtooth no restart counter confirms: the banner names the contradiction.
    void contradictionsAreNamed()
    {
        MemoryEvidenceView view;
        const auto f = findings(QueryKind::Restarts);
        view.setFindings(f);
        QVERIFY2(
            view.banner()->detail().contains(QStringLiteral("Contradicting evidence, confidence lowered: restarts")),
            qPrintable(view.banner()->detail()));
        const auto json = investigation::findingsToJson(*f);
        QCOMPARE(json["verdict"]["contradictions"].size(), std::size_t(1));
        QCOMPARE(json["verdict"]["contradictions"][0]["topic"].get<std::string>(), std::string("restarts"));
    }
};

QTEST_MAIN(TestVerdictBanner)
#include "tst_verdict_banner.moc"
