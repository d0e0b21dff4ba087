#include "core/incident/FixVerificationRecording.h"

#include "core/common/Text.h"
#include "core/incident/IncidentStore.h"
#include "core/incident/SecretMasking.h"
#include "core/investigation/FixVerification.h"
#include "core/prometheus/QueryCatalogue.h"

#include <algorithm>

namespace leakdesk::incident {

namespace {

constexpr const char* kTitlePrefix = "Fix verification of ";

// A file keeps at most this many fix checks. Each changed answer adds one, and an answer that flips
// back and forth for days must not grow the file without bound.
constexpr std::size_t kMaxFixChecks = 16;

// "checkout=registry/shop/checkout:2.14.4, sidecar=envoy:1.29" -> the images.
void addImages(std::vector<std::string>& images, const std::string& list)
{
    std::size_t at = 0;
    while (at < list.size()) {
        std::size_t end = list.find(", ", at);
        if (end == std::string::npos)
            end = list.size();
        std::string item = list.substr(at, end - at);
        if (const auto eq = item.find('='); eq != std::string::npos)
            item.erase(0, eq + 1);
        if (!item.empty() && std::find(images.begin(), images.end(), item) == images.end())
            images.push_back(std::move(item));
        at = end + 2;
    }
}

void addRevisionSeries(FixCheckRecord& record, const std::optional<investigation::RevisionPods>& revision,
    const char* role, const std::string& container)
{
    if (!revision)
        return;
    addImages(record.images, revision->images);
    for (std::size_t i = 0; i < revision->memory.size(); ++i) {
        const Series& s = revision->memory[i];
        SnapshotSeries ss;
        ss.query = prometheus::queryKindName(prometheus::QueryKind::MemoryWorkingSet);
        ss.labels = s.labels;
        if (ss.labels.find("pod") == ss.labels.end() && i < revision->pods.size())
            ss.labels["pod"] = revision->pods[i];
        if (!container.empty())
            ss.labels.emplace("container", container);
        ss.labels["revision"] = revision->name;
        ss.labels["role"] = role;
        ss.originalPoints = s.samples.size();
        ss.samples = decimateForStorage(s.samples, kMaxSnapshotPoints);
        record.series.push_back(std::move(ss));
    }
}

FixCheckRecord fixCheckOf(const IncidentDocument& doc, const investigation::FixVerificationReport& report,
    std::int64_t nowMs)
{
    const analysis::FixVerification& v = report.verification;
    FixCheckRecord r;
    r.id = nextRecordId(doc.fixChecks, 'V');
    r.takenMs = nowMs;
    r.serverNowMs = report.serverNowMs;
    r.ns = report.ns;
    r.workload = report.workload;
    r.container = report.container;
    r.outcome = analysis::fixOutcomeName(v.outcome);
    r.oldRevision = v.oldRevision;
    r.newRevision = v.newRevision;
    if (report.newRevision)
        r.newRevisionCreatedMs = report.newRevision->createdMs;
    r.limitBytes = report.limitBytes;
    addRevisionSeries(r, report.oldRevision, "old", report.container);
    addRevisionSeries(r, report.newRevision, "new", report.container);
    r.verification = investigation::fixVerificationJson(report);
    maskSecretsInJson(r.verification);
    return r;
}

// Makes room by the oldest pending answer, else the oldest not-fixed one, else the oldest: a
// verified fix, the answer the report is about, goes last. The newest check of each workload
// always stays (it is that workload's current answer; the newest of all also holds the highest
// id, so ids are never handed out twice).
void keepBounded(std::vector<FixCheckRecord>& checks)
{
    auto isNewestOfItsWorkload = [&](std::size_t i) {
        for (std::size_t j = i + 1; j < checks.size(); ++j)
            if (checks[j].ns == checks[i].ns && checks[j].workload == checks[i].workload)
                return false;
        return true;
    };
    while (checks.size() > kMaxFixChecks) {
        std::optional<std::size_t> victim;
        for (const char* outcome : { "pending", "not_fixed", "" }) {
            for (std::size_t i = 0; i < checks.size() && !victim; ++i)
                if ((*outcome == '\0' || checks[i].outcome == outcome) && !isNewestOfItsWorkload(i))
                    victim = i;
            if (victim)
                break;
        }
        // Every check is the newest of its own workload (more workloads than room): the oldest goes.
        checks.erase(checks.begin() + std::ptrdiff_t(victim.value_or(0)));
    }
}

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
        // The evidence with its memory, for the report's chart of the verified (or failed) fix.
        FixCheckRecord check = fixCheckOf(doc, report, nowMs);
        const std::string ref = check.id;
        doc.fixChecks.push_back(std::move(check));
        keepBounded(doc.fixChecks);
        out.checkId = ref;
        appendJournal(doc, { nowMs, JournalKind::Finding, title, detail, ref, {} });
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
