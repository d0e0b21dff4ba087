// Runbook step 6 in the incident report: each changed answer of the fix verification is kept with
// the memory it judged (the leaking revision's pods and the new one's), survives the file format,
// two writers, redaction and a long flapping poll, and the report shows the latest answer with its
// chart: the old revision in one colour before the new revision was made, the new one after.

#include "ExportTestSupport.h"

#include "core/incident/ChartImage.h"
#include "core/incident/FixVerificationRecording.h"
#include "core/incident/IncidentExport.h"
#include "core/incident/IncidentJson.h"
#include "core/incident/IncidentMerge.h"
#include "core/incident/IncidentReport.h"
#include "core/incident/Redaction.h"
#include "core/investigation/FixVerification.h"
#include "core/runbook/RunbookParser.h"

#include <QDir>
#include <QImage>
#include <QTest>

#include <cmath>
#include <limits>

using namespace leakdesk;
using namespace leakdesk::incident;
using leakdesk::test::colourNear;

namespace {

constexpr std::int64_t kT0 = 1'737'000'000'000; // the incident opens
constexpr std::int64_t kMinute = 60'000;
constexpr double kMiB = 1024.0 * 1024.0;
constexpr std::int64_t kNewMadeMs = kT0 + 300 * kMinute; // the fix is deployed 5 h later
constexpr std::int64_t kNowMs = kNewMadeMs + 40 * kMinute; // and judged 40 min after

// The old revision leaks 6 MiB/min from 300 MiB and is OOM-killed at 900 MiB (every 100 min); the new
// one levels off at 320 MiB. Each pod's values are shifted a little so lines do not overlap.
double oldValue(std::int64_t t, int pod)
{
    const double minutes = double((t - kT0) / kMinute + pod * 37);
    return (300.0 + 6.0 * std::fmod(minutes, 100.0)) * kMiB;
}
double newValue(std::int64_t t, int pod)
{
    const double minutes = double(t - kNewMadeMs) / double(kMinute);
    return (320.0 - 200.0 * std::exp(-minutes / 3.0) + pod * 4.0) * kMiB;
}

investigation::FixVerificationReport reportOf(analysis::FixOutcome outcome, const std::string& newName = "checkout-7f9c")
{
    investigation::FixVerificationReport r;
    r.ns = "shop-prod";
    r.workload = "Deployment/checkout";
    r.container = "checkout";
    r.serverNowMs = kNowMs;
    r.limitBytes = 1024.0 * kMiB;
    investigation::RevisionPods old { "checkout-5d8b", "checkout=registry.shop.internal/checkout:2.14.3, envoy=envoy:1.29",
        kT0 - 600 * kMinute, { "checkout-5d8b-aaaaa", "checkout-5d8b-bbbbb" }, {} };
    investigation::RevisionPods fresh { newName, "checkout=registry.shop.internal/checkout:2.14.4, envoy=envoy:1.29",
        kNewMadeMs, { newName + "-ccccc", newName + "-ddddd" }, {} };
    for (int pod = 0; pod < 2; ++pod) {
        Series o { { { "pod", old.pods[std::size_t(pod)] } }, {} };
        for (std::int64_t t = kNewMadeMs - 360 * kMinute; t < kNewMadeMs; t += kMinute)
            o.samples.push_back({ t, oldValue(t, pod) });
        old.memory.push_back(std::move(o));
        Series n { { { "pod", fresh.pods[std::size_t(pod)] } }, {} };
        for (std::int64_t t = kNewMadeMs + kMinute; t <= kNowMs; t += kMinute)
            n.samples.push_back({ t, newValue(t, pod) });
        fresh.memory.push_back(std::move(n));
    }
    r.oldRevision = old;
    r.newRevision = fresh;
    analysis::FixVerification& v = r.verification;
    v.outcome = outcome;
    v.oldRevision = old.name;
    v.newRevision = fresh.name;
    v.oldPeriodMs = 100 * kMinute;
    v.confidence = outcome == analysis::FixOutcome::Pending ? 0.0 : 0.9;
    v.reason = std::string(analysis::fixOutcomeName(outcome)) + ": the new revision levelled off at 320 MiB";
    v.evidence.push_back({ "new-revision", "", "New revision " + fresh.name + " levelled off within 10 min.", {}, {}, "" });
    return r;
}

IncidentDocument openIncident()
{
    auto book = runbook::loadBundledRunbook();
    NewIncident params;
    params.ns = "shop-prod";
    params.service = "checkout";
    params.runbook = book.ok() ? &*book : nullptr;
    params.nowMs = kT0;
    return newIncident(params);
}

const ReportBlock* blockAfterHeading(const IncidentReport& report, const std::string& heading, ReportBlock::Kind kind)
{
    bool inSection = false;
    for (const ReportBlock& b : report.blocks) {
        if (b.kind == ReportBlock::Kind::Heading && b.level == 2)
            inSection = b.text == heading;
        else if (inSection && b.kind == kind)
            return &b;
    }
    return nullptr;
}

} // namespace

class TestFixCheckReport : public QObject {
    Q_OBJECT
private slots:
    void eachChangedAnswerKeepsBothRevisionsMemory()
    {
        IncidentDocument doc = openIncident();
        const auto first = recordFixVerification(doc, reportOf(analysis::FixOutcome::Pending), kT0 + 1);
        QCOMPARE(first.checkId, std::string("V1"));
        QCOMPARE(doc.fixChecks.size(), std::size_t(1));
        const FixCheckRecord& v = doc.fixChecks.front();
        QCOMPARE(doc.journal.back().ref, std::string("V1"));
        QCOMPARE(v.outcome, std::string("pending"));
        QCOMPARE(v.oldRevision, std::string("checkout-5d8b"));
        QCOMPARE(v.newRevision, std::string("checkout-7f9c"));
        QCOMPARE(v.newRevisionCreatedMs, kNewMadeMs);
        QCOMPARE(v.serverNowMs, kNowMs);
        QCOMPARE(v.limitBytes.value_or(0), 1024.0 * kMiB);
        QCOMPARE(v.series.size(), std::size_t(4));
        int oldLines = 0, newLines = 0;
        for (const SnapshotSeries& s : v.series) {
            QCOMPARE(s.query, std::string("memory_working_set"));
            QCOMPARE(s.label("container"), std::string("checkout"));
            const bool isOld = s.label("role") == "old";
            oldLines += isOld;
            newLines += s.label("role") == "new";
            QCOMPARE(s.label("revision"), std::string(isOld ? "checkout-5d8b" : "checkout-7f9c"));
            QVERIFY(s.label("pod").rfind(s.label("revision") + "-", 0) == 0);
            QCOMPARE(s.originalPoints, s.samples.size()); // 360 and 40 points: nothing to thin
        }
        QCOMPARE(oldLines, 2);
        QCOMPARE(newLines, 2);
        // Both revisions' images, once each, without the container names.
        QCOMPARE(v.images,
            (std::vector<std::string> { "registry.shop.internal/checkout:2.14.3", "envoy:1.29",
                "registry.shop.internal/checkout:2.14.4" }));
        QCOMPARE(v.verification.value("verdict", std::string()), std::string("pending"));

        // The same answer again (a poller): no second check. Another answer: one more.
        QVERIFY(recordFixVerification(doc, reportOf(analysis::FixOutcome::Pending), kT0 + 2).checkId.empty());
        QCOMPARE(doc.fixChecks.size(), std::size_t(1));
        QCOMPARE(recordFixVerification(doc, reportOf(analysis::FixOutcome::Fixed), kT0 + 3).checkId, std::string("V2"));
        QCOMPARE(doc.fixChecks.back().outcome, std::string("fixed"));
    }

    void longSeriesAreThinnedForTheFile()
    {
        auto report = reportOf(analysis::FixOutcome::Fixed);
        Series& dense = report.oldRevision->memory.front();
        dense.samples.clear();
        for (std::int64_t t = kNewMadeMs - 360 * kMinute; t < kNewMadeMs; t += 1000)
            dense.samples.push_back({ t, oldValue(t, 0) });
        IncidentDocument doc = openIncident();
        recordFixVerification(doc, report, kT0 + 1);
        const SnapshotSeries& kept = doc.fixChecks.front().series.front();
        QCOMPARE(kept.originalPoints, dense.samples.size());
        QVERIFY(kept.samples.size() <= kMaxSnapshotPoints);
    }

    void aFlappingAnswerKeepsTheFileBoundedAndTheDecidedChecks()
    {
        IncidentDocument doc = openIncident();
        recordFixVerification(doc, reportOf(analysis::FixOutcome::NotFixed, "checkout-1111"), kT0 + 1);
        recordFixVerification(doc, reportOf(analysis::FixOutcome::Fixed), kT0 + 2);
        for (int i = 0; i < 60; ++i)
            recordFixVerification(doc,
                reportOf(i % 2 ? analysis::FixOutcome::Pending : analysis::FixOutcome::NotFixed, "checkout-flap"),
                kT0 + 10 + i);
        QCOMPARE(doc.fixChecks.size(), std::size_t(16));
        // Pending and not-fixed answers made room; the verified fix stayed. Ids are never reused.
        QCOMPARE(doc.fixChecks[0].id, std::string("V2"));
        QCOMPARE(doc.fixChecks[0].outcome, std::string("fixed"));
        QCOMPARE(QString::fromStdString(doc.fixChecks.back().id), QStringLiteral("V62"));
        QCOMPARE(doc.fixChecks.back().outcome, std::string("pending"));
    }

    void theNewestAnswerOfEachWorkloadStays()
    {
        // cart was fixed, then not fixed; fourteen other workloads fill the file; a new answer for
        // checkout must not make cart read "fixed" again by evicting its newest answer.
        IncidentDocument doc = openIncident();
        auto forWorkload = [](analysis::FixOutcome outcome, const std::string& workload) {
            auto r = reportOf(outcome);
            r.workload = workload;
            return r;
        };
        recordFixVerification(doc, forWorkload(analysis::FixOutcome::Fixed, "Deployment/cart"), kT0 + 1);
        recordFixVerification(doc, forWorkload(analysis::FixOutcome::NotFixed, "Deployment/cart"), kT0 + 2);
        for (int i = 0; i < 14; ++i)
            recordFixVerification(
                doc, forWorkload(analysis::FixOutcome::Fixed, "Deployment/w" + std::to_string(i)), kT0 + 10 + i);
        QCOMPARE(doc.fixChecks.size(), std::size_t(16));
        recordFixVerification(doc, reportOf(analysis::FixOutcome::Pending), kT0 + 100);
        QCOMPARE(doc.fixChecks.size(), std::size_t(16));
        std::string cartLatest;
        for (const FixCheckRecord& v : doc.fixChecks)
            if (v.workload == "Deployment/cart")
                cartLatest = v.outcome;
        QCOMPARE(QString::fromStdString(cartLatest), QStringLiteral("not_fixed"));
        QCOMPARE(QString::fromStdString(doc.fixChecks.front().id), QStringLiteral("V2")); // cart's older answer went

        // The summary names the incident's own workload (checkout), not whichever was checked last;
        // its section comes first.
        recordFixVerification(doc, forWorkload(analysis::FixOutcome::Fixed, "Deployment/w3"), kT0 + 200);
        ReportOptions options;
        options.localZone = QTimeZone::utc();
        const IncidentReport report = buildIncidentReport(doc, options);
        std::string fixRow;
        for (const ReportBlock& b : report.blocks)
            if (b.kind == ReportBlock::Kind::Table)
                for (const auto& row : b.table.rows)
                    if (row.size() == 2 && row[0] == "Fix")
                        fixRow = row[1];
        QVERIFY2(fixRow.rfind("pending for Deployment/checkout", 0) == 0, fixRow.c_str());
        const ReportBlock* firstWorkload = nullptr;
        bool inSection = false;
        for (const ReportBlock& b : report.blocks) {
            if (b.kind == ReportBlock::Kind::Heading && b.level == 2)
                inSection = b.text == "Fix verification";
            else if (inSection && b.kind == ReportBlock::Kind::Heading && !firstWorkload)
                firstWorkload = &b;
        }
        QVERIFY(firstWorkload);
        QCOMPARE(QString::fromStdString(firstWorkload->text),
            QStringLiteral("Deployment/checkout (shop-prod): the incident's service"));
    }

    void hostileNumbersNeitherHangNorOverflow_data()
    {
        QTest::addColumn<qint64>("serverNowMs");
        QTest::addColumn<qint64>("firstSampleMs");
        QTest::addColumn<qint64>("lastSampleMs");
        QTest::addColumn<double>("value");
        QTest::addColumn<double>("oldPeriodMs");
        constexpr qint64 kMax = std::numeric_limits<qint64>::max();
        constexpr qint64 kMin = std::numeric_limits<qint64>::min();
        const qint64 made = kNewMadeMs;
        const qint64 now = kNowMs;
        QTest::newRow("now at INT64_MAX") << kMax << made << now << 300 * kMiB << 1e6;
        QTest::newRow("samples at the extremes") << now << kMin << kMax << 300 * kMiB << 1e6;
        QTest::newRow("a value of 1e308") << now << made << now << 1e308 << 1e6;
        QTest::newRow("infinite value") << now << made << now << std::numeric_limits<double>::infinity() << 1e6;
        QTest::newRow("period of 1e300") << now << made << now << 300 * kMiB << 1e300;
        QTest::newRow("now at INT64_MIN") << kMin << made << now << 300 * kMiB << -1e300;
    }
    void hostileNumbersNeitherHangNorOverflow()
    {
        QFETCH(qint64, serverNowMs);
        QFETCH(qint64, firstSampleMs);
        QFETCH(qint64, lastSampleMs);
        QFETCH(double, value);
        QFETCH(double, oldPeriodMs);
        FixCheckRecord v;
        v.id = "V1";
        v.workload = "Deployment/checkout";
        v.outcome = "fixed";
        v.serverNowMs = serverNowMs;
        v.newRevisionCreatedMs = kNewMadeMs;
        v.limitBytes = value;
        v.verification = { { "old_period_ms", oldPeriodMs }, { "needed_minutes", 1e300 }, { "confidence", 1e300 } };
        v.series.push_back({ "memory_working_set", { { "pod", "p-old" }, { "role", "old" } },
            { { firstSampleMs, value }, { kNewMadeMs - kMinute, 300 * kMiB } }, 2 });
        v.series.push_back({ "memory_working_set", { { "pod", "p-new" }, { "role", "new" } },
            { { kNewMadeMs + kMinute, 300 * kMiB }, { lastSampleMs, value } }, 2 });
        const EvidenceSnapshot drawn = fixCheckChartSnapshot(v);
        QVERIFY(drawn.windowStartMs >= 0 && drawn.windowStartMs <= drawn.windowEndMs);
        ChartImageOptions o;
        o.width = 400;
        o.height = 200;
        QVERIFY(!renderFixCheckChart(v, o).isNull());
        // The report of such a file reads, too.
        IncidentDocument doc = openIncident();
        doc.fixChecks.push_back(v);
        ReportOptions options;
        options.localZone = QTimeZone::utc();
        QVERIFY(!buildIncidentReport(doc, options).blocks.empty());
    }

    void survivesTheFileFormat()
    {
        IncidentDocument doc = openIncident();
        const std::string before = serializeIncident(doc);
        QVERIFY2(before.find("fix_checks") == std::string::npos, "files without fix checks stay as they were");
        recordFixVerification(doc, reportOf(analysis::FixOutcome::Fixed), kT0 + 1);
        auto back = incidentFromJson(incidentToJson(doc));
        QVERIFY2(back.ok(), back.ok() ? "" : back.error().message.c_str());
        QVERIFY(back.value().fixChecks == doc.fixChecks);
        QVERIFY(back.value() == doc);

        // A damaged check is refused with its place named, never read as an empty one.
        nlohmann::json j = incidentToJson(doc);
        j["fix_checks"][0]["series"][1]["samples"] = "none";
        auto damaged = incidentFromJson(j);
        QVERIFY(!damaged.ok());
        QVERIFY2(damaged.error().message.find("fix_checks[0].series[1]") != std::string::npos,
            damaged.error().message.c_str());
    }

    void twoWritersKeepBothChecks()
    {
        const IncidentDocument base = openIncident();
        IncidentDocument mine = base;
        IncidentDocument theirs = base;
        recordFixVerification(mine, reportOf(analysis::FixOutcome::Pending), kT0 + 5);
        recordFixVerification(theirs, reportOf(analysis::FixOutcome::Fixed), kT0 + 6);
        MergeReport merge;
        const IncidentDocument out = mergeIncidents(&base, mine, theirs, &merge);
        QCOMPARE(out.fixChecks.size(), std::size_t(2));
        QCOMPARE(out.fixChecks[0].outcome, std::string("pending"));
        QCOMPARE(out.fixChecks[1].outcome, std::string("fixed"));
        QVERIFY(out.fixChecks[0].id != out.fixChecks[1].id);
        // The journal entry of the renumbered check follows its new id.
        for (const JournalEntry& e : out.journal)
            if (e.title.find("pending") != std::string::npos && e.title.rfind("Fix verification", 0) == 0)
                QCOMPARE(e.ref, out.fixChecks[0].id);
    }

    void redactionHidesTheRevisionsPodsAndImages()
    {
        IncidentDocument doc = openIncident();
        recordFixVerification(doc, reportOf(analysis::FixOutcome::Fixed), kT0 + 1);
        auto redacted = redactIncident(doc);
        QVERIFY2(redacted.ok(), redacted.ok() ? "" : redacted.error().message.c_str());
        const std::string text = serializeIncident(redacted.value());
        for (const char* name : { "checkout-5d8b-aaaaa", "checkout-7f9c-ddddd", "checkout-5d8b", "checkout-7f9c",
                 "registry.shop.internal", "shop-prod" })
            QVERIFY2(text.find(name) == std::string::npos, name);
        // The chart still draws: the lines keep their roles.
        QCOMPARE(redacted.value().fixChecks.front().series.size(), std::size_t(4));
        QCOMPARE(redacted.value().fixChecks.front().series.front().label("role"), std::string("old"));
    }

    void reportShowsTheVerifiedFixWithItsChart()
    {
        IncidentDocument doc = openIncident();
        recordFixVerification(doc, reportOf(analysis::FixOutcome::Pending), kT0 + 1);
        recordFixVerification(doc, reportOf(analysis::FixOutcome::Fixed), kT0 + 2);
        ReportOptions options;
        options.localZone = QTimeZone::utc();
        const IncidentReport report = buildIncidentReport(doc, options);
        const ReportBlock* chart = blockAfterHeading(report, "Fix verification", ReportBlock::Kind::Chart);
        QVERIFY(chart);
        QCOMPARE(chart->snapshotId, std::string("V2")); // the latest answer's
        QVERIFY2(chart->text.find("checkout-5d8b") != std::string::npos, chart->text.c_str());
        QVERIFY2(chart->text.find("checkout-7f9c") != std::string::npos, chart->text.c_str());
        const ReportBlock* answer = blockAfterHeading(report, "Fix verification", ReportBlock::Kind::Paragraph);
        QVERIFY(answer);
        QVERIFY2(answer->text.rfind("Answer: fixed (confidence 90%)", 0) == 0, answer->text.c_str());
        const ReportBlock* evidence = blockAfterHeading(report, "Fix verification", ReportBlock::Kind::Bullets);
        QVERIFY(evidence);
        QVERIFY(evidence->items.front().find("levelled off") != std::string::npos);
        // Both answers in the table of checks, and the summary names the latest.
        const ReportBlock* checks = blockAfterHeading(report, "Fix verification", ReportBlock::Kind::Table);
        QVERIFY(checks);
        bool summaryRow = false;
        for (const ReportBlock& b : report.blocks)
            if (b.kind == ReportBlock::Kind::Table)
                for (const auto& row : b.table.rows)
                    if (row.size() == 2 && row[0] == "Fix")
                        summaryRow = row[1].rfind("fixed for Deployment/checkout, new revision checkout-7f9c", 0) == 0;
        QVERIFY(summaryRow);

        ExportOptions exportOptions;
        exportOptions.localZone = QTimeZone::utc();
        exportOptions.generatedMs = kNowMs;
        const auto charts = renderReportCharts(doc, exportOptions);
        QVERIFY(charts.count("V2"));
        auto markdown = renderMarkdown(doc, exportOptions, "chart-");
        QVERIFY(markdown.ok());
        QVERIFY(markdown.value().find("## Fix verification") != std::string::npos);
        QVERIFY2(markdown.value().find("chart-V2.png") != std::string::npos, markdown.value().c_str());
    }

    void chartDrawsTheOldRevisionBeforeAndTheNewAfter()
    {
        IncidentDocument doc = openIncident();
        recordFixVerification(doc, reportOf(analysis::FixOutcome::Fixed), kT0 + 1);
        const FixCheckRecord& v = doc.fixChecks.front();
        ChartImageOptions o;
        o.width = 900;
        o.height = 320;
        const QImage image = renderFixCheckChart(v, o);
        if (qEnvironmentVariableIsSet("LEAKDESK_KEEP_TEST_FILES"))
            image.save(QDir::temp().filePath(QStringLiteral("leakdesk-fix-chart-test.png")));
        const EvidenceSnapshot drawn = fixCheckChartSnapshot(v);
        // Two old periods (200 min) before the new revision, not all six hours; up to the judgement.
        QCOMPARE(drawn.windowStartMs, kNewMadeMs - 200 * kMinute);
        QCOMPARE(drawn.windowEndMs, kNowMs);
        QCOMPARE(drawn.stepMs, kMinute);
        o.groupLabel = "role";
        const ChartLayout l = layoutMemoryChart(drawn, o);
        for (int minutesBefore : { 150, 90, 20 }) {
            const std::int64_t t = kNewMadeMs - minutesBefore * kMinute;
            QVERIFY2(colourNear(image, l.map(t, oldValue(t, 0)), fixChartOldColour()), qPrintable(QString::number(t)));
            QVERIFY(!colourNear(image, l.map(t, oldValue(t, 0)), fixChartNewColour(), 1, 60));
        }
        for (int minutesAfter : { 15, 30 }) {
            const std::int64_t t = kNewMadeMs + minutesAfter * kMinute;
            QVERIFY2(colourNear(image, l.map(t, newValue(t, 1)), fixChartNewColour()), qPrintable(QString::number(t)));
            QVERIFY(!colourNear(image, l.map(t, newValue(t, 1)), fixChartOldColour(), 1, 60));
        }
        // A check without any new revision yet still draws the old one over the stored window.
        investigation::FixVerificationReport none = reportOf(analysis::FixOutcome::Pending);
        none.newRevision.reset();
        none.verification.newRevision.clear();
        IncidentDocument other = openIncident();
        recordFixVerification(other, none, kT0 + 1);
        const EvidenceSnapshot oldOnly = fixCheckChartSnapshot(other.fixChecks.front());
        QCOMPARE(oldOnly.windowStartMs, kNewMadeMs - 360 * kMinute);
        QVERIFY(!renderFixCheckChart(other.fixChecks.front(), o).isNull());
    }
};

QTEST_MAIN(TestFixCheckReport)
#include "tst_fix_check_report.moc"
