#include "core/incident/FixVerificationRecording.h"

#include "core/common/Text.h"
#include "core/incident/IncidentStore.h"
#include "core/investigation/FixVerification.h"

namespace leakdesk::incident {

namespace {

constexpr const char* kTitlePrefix = "Fix verification of ";

} // namespace

std::optional<int> fixStepPosition(const std::vector<std::string>& titles)
{
    if (titles.empty())
        return std::nullopt;
    for (std::size_t i = titles.size(); i-- > 0;)
        if (lowered(titles[i]).find("fix") != std::string::npos)
            return static_cast<int>(i);
    return static_cast<int>(titles.size() - 1);
}

std::optional<int> fixStepIndex(const IncidentDocument& doc)
{
    std::vector<std::string> titles;
    for (const RunbookStepRecord& s : doc.runbook.steps)
        titles.push_back(s.title);
    const auto position = fixStepPosition(titles);
    if (!position)
        return std::nullopt;
    return doc.runbook.steps[static_cast<std::size_t>(*position)].index;
}

RecordedFixVerification recordFixVerification(
    IncidentDocument& doc, const investigation::FixVerificationReport& report, std::int64_t nowMs)
{
    RecordedFixVerification out;
    const analysis::FixVerification& v = report.verification;
    const std::string title = kTitlePrefix + report.workload + ": " + analysis::fixOutcomeName(v.outcome)
        + (v.newRevision.empty() ? std::string() : " (" + v.newRevision + ")");
    std::string detail = v.reason;
    for (const analysis::Evidence& e : v.evidence)
        detail += "\n- " + e.sentence;
    // The same answer as the last one recorded: a poller adds nothing new.
    const JournalEntry* last = nullptr;
    for (const JournalEntry& e : doc.journal)
        if (e.title.rfind(kTitlePrefix + report.workload + ":", 0) == 0)
            last = &e;
    if (!last || last->title != title) {
        appendJournal(doc, { nowMs, JournalKind::Finding, title, detail, {}, {} });
        doc.updatedMs = std::max(doc.updatedMs, nowMs);
        out.journaled = true;
    }
    if (v.outcome != analysis::FixOutcome::Fixed)
        return out;
    const auto step = fixStepIndex(doc);
    if (!step)
        return out;
    for (const RunbookStepRecord& s : doc.runbook.steps) {
        if (s.index != *step)
            continue;
        out.stepNumber = s.number;
        if (s.state == StepState::Done)
            return out; // ticked already (by hand or an earlier verification): its note stays
    }
    out.stepTicked = recordStepState(doc, *step, StepState::Done, "Fix verified: " + detail, nowMs).ok();
    return out;
}

Result<RecordedFixVerification> recordFixVerificationInFile(const QString& path,
    const investigation::FixVerificationReport& report, const ClusterRef& cluster, std::int64_t nowMs)
{
    RecordedFixVerification out;
    auto updated = updateIncidentFile(path, [&](IncidentDocument& doc) -> Status {
        if (doc.cluster.contextName.empty() && doc.cluster.serverUrl.empty())
            doc.cluster = cluster;
        out = recordFixVerification(doc, report, nowMs);
        return Ok {};
    });
    if (!updated)
        return updated.error();
    return out;
}

} // namespace leakdesk::incident
