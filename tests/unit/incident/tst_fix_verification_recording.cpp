// A fix verification recorded in an incident: the answer journaled when it changed (a poller does
// not flood the timeline), the fix step found by its title, and ticked with the evidence once
// the fix is verified (never over a step already done).

#include "core/incident/FixVerificationRecording.h"
#include "core/investigation/FixVerification.h"
#include "core/runbook/RunbookParser.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::incident;

namespace {

constexpr std::int64_t kT0 = 1'737'000'000'000;

investigation::FixVerificationReport reportOf(analysis::FixOutcome outcome, const std::string& revision)
{
    investigation::FixVerificationReport r;
    r.ns = "production";
    r.workload = "Deployment/checkout";
    r.verification.outcome = outcome;
    r.verification.oldRevision = "checkout-old";
    r.verification.newRevision = revision;
    r.verification.reason = std::string(analysis::fixOutcomeName(outcome)) + " because of the evidence";
    r.verification.evidence.push_back(
        { "new-revision", "", "New revision " + revision + " levelled off.", {}, {}, "" });
    return r;
}

int journalCount(const IncidentDocument& doc, const std::string& prefix)
{
    int n = 0;
    for (const JournalEntry& e : doc.journal)
        n += e.title.rfind(prefix, 0) == 0 ? 1 : 0;
    return n;
}

} // namespace

class TestFixVerificationRecording : public QObject {
    Q_OBJECT
private slots:
    void fixStep_data()
    {
        QTest::addColumn<QStringList>("titles");
        QTest::addColumn<int>("expected");
        QTest::newRow("the bundled runbook's") << QStringList { "Confirm Memory Growth Pattern",
            "Check OOMKilled Events", "Capture Heap Dump", "Check for Common Leak Sources", "Immediate Mitigation",
            "Long-Term Fix" } << 5;
        QTest::newRow("a fix step before a last one")
            << QStringList { "Look", "Fix and deploy", "Write the postmortem" } << 1;
        QTest::newRow("the last fix step of two") << QStringList { "Quick fix", "Proper FIX" } << 1;
        QTest::newRow("no fix: the last step") << QStringList { "Look", "Restart" } << 1;
        QTest::newRow("no steps") << QStringList {} << -1;
    }
    void fixStep()
    {
        QFETCH(QStringList, titles);
        QFETCH(int, expected);
        std::vector<std::string> t;
        for (const QString& s : titles)
            t.push_back(s.toStdString());
        QCOMPARE(fixStepPosition(t).value_or(-1), expected);
    }

    void journalsChangesAndTicksTheStepOnce()
    {
        auto book = runbook::loadBundledRunbook();
        QVERIFY(book.ok());
        NewIncident params;
        params.ns = "production";
        params.service = "checkout";
        params.runbook = &*book;
        params.nowMs = kT0;
        IncidentDocument doc = newIncident(params);
        const auto step = fixStepIndex(doc);
        QVERIFY(step);
        const std::string prefix = "Fix verification of Deployment/checkout:";

        auto pending = reportOf(analysis::FixOutcome::Pending, "checkout-new");
        QVERIFY(recordFixVerification(doc, pending, kT0 + 1000).journaled);
        QVERIFY(!recordFixVerification(doc, pending, kT0 + 2000).journaled); // the same answer again
        QCOMPARE(journalCount(doc, prefix), 1);

        const RecordedFixVerification fixed
            = recordFixVerification(doc, reportOf(analysis::FixOutcome::Fixed, "checkout-new"), kT0 + 3000);
        QVERIFY(fixed.journaled);
        QVERIFY(fixed.stepTicked);
        QCOMPARE(fixed.stepNumber, 6);
        const RunbookStepRecord& record = doc.runbook.steps[static_cast<std::size_t>(*step)];
        QCOMPARE(record.state, StepState::Done);
        QVERIFY2(record.note.find("levelled off") != std::string::npos, record.note.c_str());
        QCOMPARE(journalCount(doc, prefix), 2);

        // A later answer journals, but the step done stays as it was ticked.
        const RecordedFixVerification again
            = recordFixVerification(doc, reportOf(analysis::FixOutcome::Fixed, "checkout-newer"), kT0 + 4000);
        QVERIFY(again.journaled);
        QVERIFY(!again.stepTicked);
        QVERIFY(doc.runbook.steps[static_cast<std::size_t>(*step)].note.find("checkout-newer") == std::string::npos);
    }

    void notFixedTicksNothing()
    {
        auto book = runbook::loadBundledRunbook();
        QVERIFY(book.ok());
        NewIncident params;
        params.service = "checkout";
        params.runbook = &*book;
        params.nowMs = kT0;
        IncidentDocument doc = newIncident(params);
        const auto r = recordFixVerification(doc, reportOf(analysis::FixOutcome::NotFixed, "checkout-x"), kT0 + 1);
        QVERIFY(r.journaled);
        QVERIFY(!r.stepTicked);
        for (const RunbookStepRecord& s : doc.runbook.steps)
            QCOMPARE(s.state, StepState::Pending);
    }
};

QTEST_GUILESS_MAIN(TestFixVerificationRecording)
#include "tst_fix_verification_recording.moc"
