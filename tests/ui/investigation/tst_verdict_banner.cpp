// The memory view's banner on findings that lack evidence: unknown is never green and says why
// and what to check; a verdict on partial data says what is missing.
#include "../../unit/incident/IncidentFixture.h"

#include "investigation/MemoryEvidenceView.h"
#include "investigation/VerdictBanner.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::test;
using leakdesk::ui::MemoryEvidenceView;
using leakdesk::ui::VerdictBanner;
using prom::QueryKind;

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
        investigation::QueryEvidence q { kind, prom::queryKindName(kind), { from, kNowMs }, 60'000, 1, {} };
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

    void partialDataIsNamed()
    {
        MemoryEvidenceView view;
        view.setFindings(findings(QueryKind::Restarts));
        QCOMPARE(view.banner()->tone(), VerdictBanner::Tone::Bad); // still judged from the memory series
        QVERIFY2(view.banner()->detail().contains(QStringLiteral("Missing: restarts")), qPrintable(view.banner()->detail()));
    }
};

QTEST_MAIN(TestVerdictBanner)
#include "tst_verdict_banner.moc"
