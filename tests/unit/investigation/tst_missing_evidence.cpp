// analyseEvidence() on evidence with failed or empty queries: the verdict names what is missing
// and lowers its confidence; a failed restarts query never reads as "0 restarts"; no memory data
// is "unknown", never "no leak"; the findings JSON and the incident snapshot keep all of it.
#include "../incident/IncidentFixture.h"

#include "core/incident/IncidentJson.h"
#include "core/investigation/FindingsJson.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::test;
using prometheus::QueryKind;

namespace {

constexpr std::int64_t kNowMs = kIncidentStartMs + 2 * kHour;

// The checkout sawtooth of IncidentFixture, with every query the collector runs; `failed` have
// an error (and no series) instead, `empty` succeeded with no series.
std::shared_ptr<investigation::RawEvidence> evidence(const QList<int>& failed, const QList<int>& empty = {})
{
    auto ev = checkoutEvidence(kNowMs);
    const std::int64_t from = kNowMs - ev->request.windowMs;
    const SawtoothPod a = sawtoothPod(from, kNowMs, 7, 0.0, 60'000);
    const SawtoothPod b = sawtoothPod(from, kNowMs, 11, 0.45, 60'000);
    ev->pods.push_back(fixturePod("checkout-a", "node-1", int(a.restarts.back().value), a.killTimesMs.back()));
    ev->pods.push_back(fixturePod("checkout-b", "node-2", int(b.restarts.back().value), b.killTimesMs.back()));
    ev->stepMs = 60'000;
    for (const auto& [pod, shape] : { std::pair { std::string("checkout-a"), &a }, std::pair { std::string("checkout-b"), &b } }) {
        const Labels labels { { "namespace", "production" }, { "pod", pod } };
        ev->series[QueryKind::MemoryWorkingSet].push_back({ labels, shape->memory });
        ev->series[QueryKind::Restarts].push_back({ labels, shape->restarts });
        ev->series[QueryKind::OomEvents].push_back({ labels, shape->restarts });
        ev->series[QueryKind::MemoryLimit].push_back({ labels, { { from, 2 * GiB }, { kNowMs, 2 * GiB } } });
    }
    for (QueryKind kind : prometheus::allQueryKinds()) {
        investigation::QueryEvidence q { kind, prometheus::queryKindName(kind), { from, kNowMs }, 60'000, 2, {} };
        if (failed.contains(int(kind))) {
            q.error = "Prometheus at http://127.0.0.1:9090 answered HTTP 503 after 4 tries: TSDB not ready";
            q.seriesCount = 0;
            ev->series.erase(kind);
        } else if (empty.contains(int(kind))) {
            q.seriesCount = 0;
            ev->series.erase(kind);
        }
        ev->queries.push_back(q);
    }
    return ev;
}

bool mentions(const analysis::Verdict& v, const std::string& topic)
{
    return std::any_of(v.missing.begin(), v.missing.end(), [&](const analysis::MissingEvidence& m) { return m.topic == topic; });
}

} // namespace

class TestMissingEvidence : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void completeEvidenceMissesNothing()
    {
        const auto f = investigation::analyseEvidence(evidence({}));
        QCOMPARE(f.verdict.pattern, analysis::Pattern::Sawtooth);
        QVERIFY(f.verdict.leak);
        QVERIFY(f.verdict.missing.empty());
        QVERIFY(f.verdict.restartsKnown);
        const auto j = investigation::findingsToJson(f);
        QCOMPARE(j["verdict"]["partial_data"].get<bool>(), false);
        QVERIFY(j["verdict"]["missing_evidence"].empty());
        QVERIFY(j["verdict"]["restarts_in_window"].is_number());
    }

    // Any one supporting query failing: the pattern is still judged from the memory series, the
    // verdict lists the missing topic with the failure, and confidence is lower than with everything.
    void failedSupportingQueryLowersConfidence_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("topic");
        QTest::newRow("restarts") << int(QueryKind::Restarts) << "restarts";
        QTest::newRow("limits") << int(QueryKind::MemoryLimit) << "limits";
        QTest::newRow("oom counter") << int(QueryKind::OomEvents) << "oom";
        QTest::newRow("last terminated") << int(QueryKind::LastTerminatedOom) << "oom";
        QTest::newRow("request rate") << int(QueryKind::RequestRate) << "traffic";
        QTest::newRow("baseline") << int(QueryKind::MemoryPerPodAvgBaseline) << "baseline";
        QTest::newRow("jvm heap") << int(QueryKind::JvmHeapUsed) << "jvm-heap";
    }
    void failedSupportingQueryLowersConfidence()
    {
        QFETCH(int, kind);
        QFETCH(QString, topic);
        const auto complete = investigation::analyseEvidence(evidence({}));
        const auto partial = investigation::analyseEvidence(evidence({ kind }));
        QVERIFY(partial.verdict.pattern != analysis::Pattern::Unknown);
        QVERIFY(mentions(partial.verdict, topic.toStdString()));
        QVERIFY(partial.verdict.confidence < complete.verdict.confidence);
        QVERIFY2(partial.verdict.summary.find("Partial data") != std::string::npos, partial.verdict.summary.c_str());
        const auto j = investigation::findingsToJson(partial);
        QCOMPARE(j["verdict"]["partial_data"].get<bool>(), true);
        bool found = false;
        for (const auto& m : j["verdict"]["missing_evidence"])
            found = found
                || (m["topic"] == topic.toStdString() && m["reason"].get<std::string>().find("HTTP 503 after 4 tries") != std::string::npos);
        QVERIFY2(found, j["verdict"]["missing_evidence"].dump().c_str());
    }

    // Both OOM queries failing is one piece of evidence missing, not two.
    void oneTopicLowersConfidenceOnce()
    {
        const auto one = investigation::analyseEvidence(evidence({ int(QueryKind::OomEvents) }));
        const auto both = investigation::analyseEvidence(evidence({ int(QueryKind::OomEvents), int(QueryKind::LastTerminatedOom) }));
        QCOMPARE(both.verdict.confidence, one.verdict.confidence);
        QCOMPARE(both.verdict.missing.size(), size_t(2)); // each failure keeps its own reason
    }

    void failedRestartsQueryIsNotZeroRestarts()
    {
        const auto f = investigation::analyseEvidence(evidence({ int(QueryKind::Restarts) }));
        QVERIFY(!f.verdict.restartsKnown);
        for (const auto& e : f.verdict.evidence)
            QVERIFY2(e.topic != "restarts", e.sentence.c_str());
        const auto j = investigation::findingsToJson(f);
        QVERIFY(j["verdict"]["restarts_in_window"].is_null());
        const std::string text = investigation::findingsToText(f);
        QVERIFY2(text.find("missing:  restarts: Prometheus query failed") != std::string::npos, text.c_str());
        bool noted = false;
        for (const auto& n : f.oom.notes)
            noted = noted || n.find("restarts") != std::string::npos;
        QVERIFY(noted);
    }

    void noMemoryDataIsUnknown_data()
    {
        QTest::addColumn<QList<int>>("failed");
        QTest::addColumn<QList<int>>("empty");
        QTest::addColumn<QString>("reason");
        QTest::newRow("memory query failed") << QList<int> { int(QueryKind::MemoryWorkingSet) } << QList<int> {} << "memory query failed";
        QTest::newRow("empty prometheus") << QList<int> {}
                                          << QList<int> { int(QueryKind::MemoryWorkingSet), int(QueryKind::Restarts), int(QueryKind::MemoryLimit),
                                                 int(QueryKind::OomEvents) }
                                          << "no memory samples";
        QTest::newRow("every query failed") << QList<int> { int(QueryKind::MemoryWorkingSet), int(QueryKind::Restarts), int(QueryKind::MemoryLimit),
            int(QueryKind::OomEvents), int(QueryKind::RequestRate) }
                                            << QList<int> {} << "memory query failed";
    }
    void noMemoryDataIsUnknown()
    {
        QFETCH(QList<int>, failed);
        QFETCH(QList<int>, empty);
        QFETCH(QString, reason);
        const auto f = investigation::analyseEvidence(evidence(failed, empty));
        QCOMPARE(f.verdict.pattern, analysis::Pattern::Unknown);
        QVERIFY(!f.verdict.leak);
        QCOMPARE(f.verdict.confidence, 0.0);
        QVERIFY(mentions(f.verdict, "memory"));
        QVERIFY2(f.verdict.summary.find(reason.toStdString()) != std::string::npos, f.verdict.summary.c_str());
        const auto j = investigation::findingsToJson(f);
        QCOMPARE(j["verdict"]["pattern"].get<std::string>(), std::string("unknown"));
        QVERIFY(j["verdict"]["slope_bytes_per_hour"].is_null());
        const std::string text = investigation::findingsToText(f);
        QVERIFY2(text.find("UNKNOWN") != std::string::npos && text.find("no leak") == std::string::npos, text.c_str());
    }

    // Series whose samples are all outside the window or absent are no data either.
    void seriesWithoutSamplesIsUnknown()
    {
        auto ev = evidence({});
        for (auto& s : ev->series[QueryKind::MemoryWorkingSet])
            s.samples.clear();
        const auto f = investigation::analyseEvidence(ev);
        QCOMPARE(f.verdict.pattern, analysis::Pattern::Unknown);
    }

    // The incident snapshot stores the findings JSON: missing evidence and confidence survive a save
    // and a load.
    void incidentKeepsMissingEvidence()
    {
        const auto f = investigation::analyseEvidence(evidence({ int(QueryKind::Restarts) }));
        incident::NewIncident params;
        params.title = "t";
        params.service = "checkout";
        params.ns = "production";
        incident::IncidentDocument doc = incident::newIncident(params);
        const std::string id = incident::recordFindings(doc, f, kNowMs);
        const auto reloaded = incident::parseIncident(incident::serializeIncident(doc));
        QVERIFY(reloaded.ok());
        const incident::EvidenceSnapshot* snap = nullptr;
        for (const auto& s : reloaded->snapshots)
            if (s.id == id)
                snap = &s;
        QVERIFY(snap);
        const auto& v = snap->findings["verdict"];
        QCOMPARE(v["partial_data"].get<bool>(), true);
        QCOMPARE(v["missing_evidence"][0]["topic"].get<std::string>(), std::string("restarts"));
        QCOMPARE(v["confidence"].get<double>(), f.verdict.confidence);
        QVERIFY(v["restarts_in_window"].is_null());
        // The journal's finding names what is missing too.
        bool journaled = false;
        for (const auto& entry : reloaded->journal)
            journaled = journaled || (entry.detail.find("Missing evidence: restarts: Prometheus query failed") != std::string::npos);
        QVERIFY(journaled);
    }

    void unknownIsNotJournaledAsNoLeak()
    {
        const auto f = investigation::analyseEvidence(evidence({ int(QueryKind::MemoryWorkingSet) }));
        incident::NewIncident params;
        params.service = "checkout";
        params.ns = "production";
        incident::IncidentDocument doc = incident::newIncident(params);
        incident::recordFindings(doc, f, kNowMs);
        bool found = false;
        for (const auto& entry : doc.journal) {
            if (entry.title.find("Memory of checkout") == std::string::npos)
                continue;
            found = true;
            QVERIFY2(entry.title.find("UNKNOWN") != std::string::npos && entry.title.find("no leak") == std::string::npos, entry.title.c_str());
        }
        QVERIFY(found);
    }
};

QTEST_APPLESS_MAIN(TestMissingEvidence)
#include "tst_missing_evidence.moc"
