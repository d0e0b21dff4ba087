#include "core/incident/IncidentRecording.h"

#include "core/common/Quantity.h"
#include "core/incident/SecretMasking.h"
#include "core/investigation/Findings.h"
#include "core/investigation/FindingsJson.h"
#include "core/prometheus/QueryCatalogue.h"
#include "core/runbook/Runbook.h"

#include <QDateTime>
#include <QUuid>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <tuple>

namespace leakdesk::incident {

namespace {


std::string firstLine(const std::string& text, std::size_t max = 100)
{
    std::string line = text.substr(0, text.find('\n'));
    if (line.size() > max)
        line = line.substr(0, max - 3) + "...";
    return line;
}

void touch(IncidentDocument& doc, std::int64_t nowMs)
{
    doc.updatedMs = std::max(doc.updatedMs, nowMs);
}

std::string stepLabel(const RunbookStepRecord& s)
{
    return "Step " + std::to_string(s.number > 0 ? s.number : s.index + 1) + " (" + s.title + ")";
}

// One OOM kill as a findings snapshot lists it.
struct ListedKill {
    std::string pod;
    std::string container; // "" when the source does not say
    std::string node; // what names a kill the node saw in a process outside any known pod
    std::int64_t timeMs = 0;
    std::int64_t uncertaintyMs = 0;
};

std::vector<ListedKill> killsOf(const nlohmann::json& findings)
{
    std::vector<ListedKill> out;
    if (!findings.is_object() || !findings.contains("oom") || !findings["oom"].is_object())
        return out;
    const auto events = findings["oom"].value("events", nlohmann::json::array());
    if (!events.is_array())
        return out;
    for (const auto& k : events) {
        ListedKill& l = out.emplace_back(); // one per event, so indices match the snapshot's
        if (!k.is_object())
            continue;
        l.pod = k.value("pod", nlohmann::json()).is_string() ? k["pod"].get<std::string>() : "";
        l.container = k.value("container", nlohmann::json()).is_string() ? k["container"].get<std::string>() : "";
        if (k.value("time", nlohmann::json()).is_string())
            l.timeMs = QDateTime::fromString(QString::fromStdString(k["time"].get<std::string>()), Qt::ISODate)
                           .toMSecsSinceEpoch();
        const auto u = k.value("uncertainty_seconds", nlohmann::json());
        // An incident file is input: an absurd uncertainty must not make every kill "the same".
        l.uncertaintyMs = u.is_number() ? static_cast<std::int64_t>(std::clamp(u.get<double>(), 0.0, 3600.0) * 1000) : 0;
        l.node = k.value("node", nlohmann::json()).is_string() ? k["node"].get<std::string>() : "";
    }
    return out;
}

// Whether two listings can be the same kill. The same kill is listed by each investigation that
// sees it, with the time its best source had then: a scrape's (to within its interval) while only
// Prometheus had it, the kubelet's exact one while it is the container's last termination, the
// event's (some seconds after the kill) once a newer kill has replaced it there. So the times may
// differ by the sources' uncertainty plus the lag of an event behind the kill.
bool couldBeSameKill(const ListedKill& a, const ListedKill& b)
{
    constexpr std::int64_t kEventLagMs = 30 * 1000;
    if (a.pod != b.pod || (a.pod.empty() && a.node != b.node)
        || (!a.container.empty() && !b.container.empty() && a.container != b.container))
        return false;
    return std::llabs(a.timeMs - b.timeMs) <= std::max(a.uncertaintyMs, b.uncertaintyMs) + kEventLagMs;
}

// Matches `listed` one to one against `known`, nearest first: two kills of a container in
// CrashLoopBackOff can be seconds apart, and one known kill must not absorb both. Returns, per
// listed kill, whether it was already known.
std::vector<bool> matchKnownKills(const std::vector<ListedKill>& known, const std::vector<ListedKill>& listed)
{
    std::vector<std::tuple<std::int64_t, std::size_t, std::size_t>> pairs; // distance, listed, known
    for (std::size_t i = 0; i < listed.size(); ++i)
        for (std::size_t j = 0; j < known.size(); ++j)
            if (couldBeSameKill(listed[i], known[j]))
                pairs.emplace_back(std::llabs(listed[i].timeMs - known[j].timeMs), i, j);
    std::sort(pairs.begin(), pairs.end());
    std::vector<bool> matched(listed.size(), false);
    std::vector<bool> used(known.size(), false);
    for (const auto& [distance, i, j] : pairs) {
        if (matched[i] || used[j])
            continue;
        matched[i] = used[j] = true;
    }
    return matched;
}

// The kills the incident's snapshots already hold, each once.
std::vector<ListedKill> knownKills(const IncidentDocument& doc)
{
    std::vector<ListedKill> known;
    for (const auto& s : doc.snapshots) {
        const auto listed = killsOf(s.findings);
        const auto seen = matchKnownKills(known, listed);
        for (std::size_t i = 0; i < listed.size(); ++i)
            if (!seen[i])
                known.push_back(listed[i]);
    }
    return known;
}

} // namespace

std::int64_t currentTimeMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

std::string newIncidentId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString();
}

void appendJournal(IncidentDocument& doc, JournalEntry entry)
{
    entry.title = maskSecrets(entry.title);
    entry.detail = maskSecrets(entry.detail);
    if (entry.id.empty())
        entry.id = journalEntryId(doc, entry);
    auto pos = std::upper_bound(doc.journal.begin(), doc.journal.end(), entry.tMs,
        [](std::int64_t t, const JournalEntry& e) { return t < e.tMs; });
    doc.journal.insert(pos, std::move(entry));
}

IncidentDocument newIncident(const NewIncident& p)
{
    IncidentDocument doc;
    doc.id = p.id.empty() ? newIncidentId() : p.id;
    doc.title = p.title.empty() ? p.service + " memory leak in " + p.ns : p.title;
    doc.createdMs = p.nowMs;
    doc.updatedMs = p.nowMs;
    doc.cluster = p.cluster;
    doc.ns = p.ns;
    doc.service = p.service;
    appendJournal(doc,
        { p.nowMs, JournalKind::Note, "Incident opened: " + doc.title,
            "Cluster " + (p.cluster.contextName.empty() ? std::string("(unnamed)") : p.cluster.contextName)
                + (p.cluster.serverUrl.empty() ? "" : " at " + p.cluster.serverUrl),
            {} });
    if (p.runbook) {
        attachRunbook(doc, *p.runbook, p.nowMs);
        if (!p.runbook->severity.empty()) {
            // "P2 initially, escalates to P1 ..." -> "P2": the first word is the severity.
            std::string initial = p.runbook->severity.substr(0, p.runbook->severity.find_first_of(" ,;("));
            doc.runbook.initialSeverity = initial;
            recordSeverityChange(doc, initial, "initial severity from the runbook: " + p.runbook->severity, p.nowMs);
        }
    }
    return doc;
}

void attachRunbook(IncidentDocument& doc, const runbook::Runbook& book, std::int64_t nowMs)
{
    RunbookRecord r;
    r.sourceName = book.sourceName;
    r.title = book.title;
    r.initialSeverity = doc.runbook.initialSeverity;
    r.owner = book.owner;
    for (const auto& step : book.steps) {
        RunbookStepRecord s { step.index, step.number, step.title, StepState::Pending, {}, 0 };
        for (const auto& old : doc.runbook.steps)
            if (old.number == s.number && old.title == s.title)
                s = RunbookStepRecord { step.index, step.number, step.title, old.state, old.note, old.changedMs };
        r.steps.push_back(std::move(s));
    }
    doc.runbook = std::move(r);
    appendJournal(doc,
        { nowMs, JournalKind::Step, "Runbook: " + book.title,
            std::to_string(book.steps.size()) + " steps from " + book.sourceName, {} });
    touch(doc, nowMs);
}

std::vector<Sample> decimateForStorage(const std::vector<Sample>& samples, std::size_t maxPoints)
{
    if (samples.size() <= maxPoints || maxPoints < 2)
        return samples;
    const std::size_t buckets = maxPoints / 2;
    std::vector<Sample> out;
    out.reserve(buckets * 2);
    const std::size_t n = samples.size();
    for (std::size_t b = 0; b < buckets; ++b) {
        const std::size_t begin = b * n / buckets;
        const std::size_t end = (b + 1) * n / buckets;
        if (begin >= end)
            continue;
        std::size_t lo = begin, hi = begin;
        for (std::size_t i = begin + 1; i < end; ++i) {
            if (samples[i].value < samples[lo].value)
                lo = i;
            if (samples[i].value > samples[hi].value)
                hi = i;
        }
        out.push_back(samples[std::min(lo, hi)]);
        if (lo != hi)
            out.push_back(samples[std::max(lo, hi)]);
    }
    return out;
}

EvidenceSnapshot snapshotFromFindings(const investigation::Findings& f, std::string id, std::int64_t nowMs)
{
    EvidenceSnapshot e;
    e.id = std::move(id);
    e.takenMs = nowMs;
    e.ns = f.request.ns;
    e.service = f.request.service;
    e.windowStartMs = f.request.nowMs - f.request.windowMs;
    e.windowEndMs = f.request.nowMs;
    for (const auto& [pod, limit] : f.limitBytesByPod)
        if (limit)
            e.limitBytes = std::max(e.limitBytes.value_or(0.0), *limit);
    if (f.evidence) {
        e.stepMs = f.evidence->stepMs;
        if (f.evidence->deployment)
            for (const auto& c : f.evidence->deployment->containers)
                if (!c.image.empty() && std::find(e.images.begin(), e.images.end(), c.image) == e.images.end())
                    e.images.push_back(c.image);
        for (const auto& [kind, list] : f.evidence->series) {
            for (const auto& s : list) {
                SnapshotSeries ss;
                ss.query = prometheus::queryKindName(kind);
                ss.labels = s.labels;
                ss.originalPoints = s.samples.size();
                ss.samples = decimateForStorage(s.samples, kMaxSnapshotPoints);
                e.series.push_back(std::move(ss));
            }
        }
        e.findings = investigation::findingsToJson(f);
        maskSecretsInJson(e.findings);
    }
    return e;
}

std::string recordFindings(IncidentDocument& doc, const investigation::Findings& f, std::int64_t nowMs)
{
    EvidenceSnapshot snap = snapshotFromFindings(f, nextRecordId(doc.snapshots, 'E'), nowMs);
    const std::string id = snap.id;
    // OOM kills first seen now are journaled at the time they happened: the timeline then tells
    // the incident's story, not the order in which LeakDesk happened to look.
    std::vector<JournalEntry> kills;
    if (snap.findings.is_object() && snap.findings.contains("oom")) {
        const auto events = snap.findings["oom"].value("events", nlohmann::json::array());
        const auto seen = matchKnownKills(knownKills(doc), killsOf(snap.findings));
        for (std::size_t i = 0; i < events.size() && i < seen.size(); ++i) {
            const auto& k = events[i];
            if (seen[i] || !k.is_object())
                continue;
            std::string sources;
            for (const auto& s : k.value("sources", nlohmann::json::array()))
                sources += (sources.empty() ? "" : ", ") + s.get<std::string>();
            const std::string pod = k["pod"].is_string() ? k["pod"].get<std::string>() : std::string();
            const std::string node = k["node"].is_string() ? k["node"].get<std::string>() : std::string();
            const std::int64_t t = k["time"].is_string()
                ? QDateTime::fromString(QString::fromStdString(k["time"].get<std::string>()), Qt::ISODate)
                      .toMSecsSinceEpoch()
                : 0;
            kills.push_back({ t, JournalKind::Finding, "OOMKilled " + (pod.empty() ? "a process on node " + node : pod),
                "seen by: " + sources + (node.empty() ? "" : "; node " + node), id });
        }
    }
    const auto& v = f.verdict;
    // Unknown is never journaled as "no leak": a reader of the timeline must see that nothing was answered.
    const char* answer = v.pattern == analysis::Pattern::Unknown ? "UNKNOWN" : v.leak ? "LEAK" : "no leak";
    std::string title = std::string("Memory of ") + f.request.service + ": " + answer + ", "
        + analysis::patternName(v.pattern) + " (confidence " + std::to_string(int(std::lround(v.confidence * 100)))
        + "%)";
    std::string detail = v.summary;
    if (v.slopeBytesPerHour)
        detail += "\nSlope: " + formatBytes(*v.slopeBytesPerHour) + "/h";
    detail += "\nOOM kills: " + std::to_string(f.oom.countLastHour) + " in the last hour, at most "
        + std::to_string(f.oom.maxInAnyWindow) + " in any hour; rule (more than " + std::to_string(f.oom.rule.threshold)
        + " in 1 hour) " + (f.oom.ruleMet ? "met" : "not met");
    for (const auto& m : v.missing)
        detail += "\nMissing evidence: " + m.topic + ": " + m.reason;
    doc.snapshots.push_back(std::move(snap));
    for (auto& k : kills)
        appendJournal(doc, std::move(k));
    appendJournal(doc, { nowMs, JournalKind::Finding, std::move(title), std::move(detail), id });
    touch(doc, nowMs);
    return id;
}

Status recordStepState(
    IncidentDocument& doc, int stepIndex, StepState state, const std::string& note, std::int64_t nowMs)
{
    auto it = std::find_if(doc.runbook.steps.begin(), doc.runbook.steps.end(),
        [&](const RunbookStepRecord& s) { return s.index == stepIndex; });
    if (it == doc.runbook.steps.end())
        return makeError(ErrorCode::InvalidArgument,
            "the incident's runbook has no step with index " + std::to_string(stepIndex),
            "attach the runbook to the incident first");
    it->state = state;
    it->note = maskSecrets(note);
    it->changedMs = nowMs;
    appendJournal(doc, { nowMs, JournalKind::Step, stepLabel(*it) + " " + stepStateName(state), it->note, {} });
    touch(doc, nowMs);
    return Ok {};
}

std::string recordNote(IncidentDocument& doc, const std::string& text, std::int64_t nowMs, int stepIndex)
{
    NoteRecord n { nextRecordId(doc.notes, 'N'), nowMs, maskSecrets(text), stepIndex };
    std::string title = firstLine(n.text);
    for (const auto& s : doc.runbook.steps)
        if (s.index == stepIndex)
            title = "[" + stepLabel(s) + "] " + title;
    appendJournal(doc, { nowMs, JournalKind::Note, std::move(title), n.text, n.id });
    doc.notes.push_back(std::move(n));
    touch(doc, nowMs);
    return doc.notes.back().id;
}

namespace {

std::string actionJournalTitle(const ActionRecord& a)
{
    switch (a.state) {
    case ActionState::Proposed:
        return "Proposed: " + a.title;
    case ActionState::DryRun:
        return "Dry run: " + a.title;
    case ActionState::Applied:
        return "Applied: " + a.title;
    case ActionState::Reverted:
        return "Reverted: " + a.title;
    case ActionState::Failed:
        return "Failed: " + a.title;
    }
    return a.title;
}

} // namespace

std::string recordAction(IncidentDocument& doc, ActionRecord a, std::int64_t nowMs)
{
    if (a.id.empty())
        a.id = nextRecordId(doc.actions, 'A');
    if (a.createdMs == 0)
        a.createdMs = nowMs;
    if (a.state == ActionState::Applied && a.appliedMs == 0)
        a.appliedMs = nowMs;
    for (std::string* text : { &a.title, &a.kubectl, &a.diff, &a.output, &a.error })
        *text = maskSecrets(*text);
    maskSecretsInJson(a.revertData);
    std::string detail = a.kubectl;
    if (!a.error.empty())
        detail += (detail.empty() ? "" : "\n") + a.error;
    appendJournal(doc, { nowMs, JournalKind::Action, actionJournalTitle(a), std::move(detail), a.id });
    doc.actions.push_back(std::move(a));
    touch(doc, nowMs);
    return doc.actions.back().id;
}

Status recordActionState(IncidentDocument& doc, const std::string& actionId, ActionState state,
    const std::string& detail, std::int64_t nowMs)
{
    auto it
        = std::find_if(doc.actions.begin(), doc.actions.end(), [&](const ActionRecord& a) { return a.id == actionId; });
    if (it == doc.actions.end())
        return makeError(ErrorCode::NotFound, "the incident has no action " + actionId,
            "record the action before changing its state");
    it->state = state;
    if (state == ActionState::Applied)
        it->appliedMs = nowMs;
    else if (state == ActionState::Reverted)
        it->revertedMs = nowMs;
    else if (state == ActionState::Failed)
        it->error = maskSecrets(detail);
    appendJournal(doc, { nowMs, JournalKind::Action, actionJournalTitle(*it), maskSecrets(detail), it->id });
    touch(doc, nowMs);
    return Ok {};
}

void recordSeverityChange(IncidentDocument& doc, const std::string& to, const std::string& reason, std::int64_t nowMs)
{
    const std::string from = doc.currentSeverity();
    doc.severityHistory.push_back({ nowMs, from, to, maskSecrets(reason) });
    appendJournal(doc,
        { nowMs, JournalKind::Escalation, from.empty() ? "Severity " + to : "Severity " + from + " -> " + to,
            doc.severityHistory.back().reason, {} });
    touch(doc, nowMs);
}

std::string recordEscalation(IncidentDocument& doc, EscalationEvent event, std::int64_t nowMs)
{
    if (event.id.empty())
        event.id = nextRecordId(doc.escalations, 'X');
    if (event.tMs == 0)
        event.tMs = nowMs;
    event.summary = maskSecrets(event.summary);
    event.detail = maskSecrets(event.detail);
    event.reason = maskSecrets(event.reason); // typed by the responder: may hold anything
    appendJournal(doc, { event.tMs, JournalKind::Escalation, event.summary,
                           (event.reason.empty() ? std::string() : "Reason: " + event.reason + (event.detail.empty() ? "" : "\n"))
                               + event.detail,
                           event.id });
    doc.escalations.push_back(std::move(event));
    touch(doc, nowMs);
    return doc.escalations.back().id;
}

std::string recordHeapDump(IncidentDocument& doc, HeapDumpRecord dump, std::int64_t nowMs)
{
    if (dump.id.empty())
        dump.id = nextRecordId(doc.heapDumps, 'H');
    if (dump.capturedMs == 0)
        dump.capturedMs = nowMs;
    std::string detail = dump.summary;
    if (!dump.sha256.empty())
        detail += (detail.empty() ? "" : "\n") + std::string("SHA-256 ") + dump.sha256;
    if (!dump.suspects.empty())
        detail += "\nTop suspect: " + dump.suspects.front().className + " retains "
            + formatBytes(double(dump.suspects.front().retainedBytes));
    appendJournal(doc,
        { dump.capturedMs, JournalKind::Finding,
            "Heap dump of " + (dump.pod.empty() ? std::string("a JVM") : dump.pod) + " ("
                + formatBytes(double(dump.sizeBytes)) + ")",
            std::move(detail), dump.id });
    doc.heapDumps.push_back(std::move(dump));
    touch(doc, nowMs);
    return doc.heapDumps.back().id;
}

std::string recordAttachment(IncidentDocument& doc, AttachmentRecord attachment, std::int64_t nowMs)
{
    if (attachment.createdMs == 0)
        attachment.createdMs = nowMs;
    attachment.title = maskSecrets(attachment.title);
    attachment.about = maskSecrets(attachment.about);
    auto same = std::find_if(doc.attachments.begin(), doc.attachments.end(),
        [&](const AttachmentRecord& a) { return a.path == attachment.path; });
    if (attachment.id.empty())
        attachment.id = same != doc.attachments.end() ? same->id : nextRecordId(doc.attachments, 'F');
    appendJournal(doc,
        { attachment.createdMs, JournalKind::Action,
            (same != doc.attachments.end() ? "Handed over again: " : "Handed over: ") + attachment.title,
            attachment.path + (attachment.sha256.empty() ? "" : "\nSHA-256 " + attachment.sha256)
                + (attachment.about.empty() ? "" : "\n" + attachment.about),
            attachment.id });
    const std::string id = attachment.id;
    if (same != doc.attachments.end())
        *same = std::move(attachment);
    else
        doc.attachments.push_back(std::move(attachment));
    touch(doc, nowMs);
    return id;
}

} // namespace leakdesk::incident
