#include "core/incident/IncidentMerge.h"

#include <algorithm>
#include <cstdlib>
#include <map>

namespace leakdesk::incident {

namespace {

using Renames = std::map<std::string, std::string>;

// The merge rule for one value: unchanged on one side means the other side's change stands.
template<class V> const V& pick(const V* base, const V& mine, const V& theirs, const char* field, MergeReport& report)
{
    if (mine == theirs)
        return mine;
    if (base && mine == *base)
        return theirs;
    if (base && theirs == *base)
        return mine;
    report.conflicts.emplace_back(field);
    return mine;
}

template<class T> const T* findId(const std::vector<T>& list, const std::string& id)
{
    auto it = std::find_if(list.begin(), list.end(), [&](const T& r) { return r.id == id; });
    return it == list.end() ? nullptr : &*it;
}

template<class T> int highestNumber(const std::vector<T>& list, char prefix)
{
    int highest = 0;
    for (const auto& r : list)
        if (r.id.size() > 1 && r.id[0] == prefix)
            highest = std::max(highest, std::atoi(r.id.c_str() + 1));
    return highest;
}

// Union by id of one kind of record. `out` starts as theirs.
template<class T, class TimeOf>
void mergeRecords(std::vector<T>& out, const std::vector<T>* base, const std::vector<T>& mine, char prefix,
    TimeOf timeOf, Renames& renames, MergeReport& report)
{
    for (const T& m : mine) {
        auto t = std::find_if(out.begin(), out.end(), [&](const T& r) { return r.id == m.id; });
        if (t == out.end()) {
            out.push_back(m);
            continue;
        }
        if (*t == m)
            continue;
        const T* b = base ? findId(*base, m.id) : nullptr;
        // A record is the same on both sides only when it was there before. Without a base this
        // writer never saw theirs, so a different record under one id is another one, even when
        // both were made in the same millisecond (parallel writers starting together do that).
        const bool sameRecord = b != nullptr;
        if (sameRecord) {
            if (b && m == *b)
                continue; // only theirs changed it
            if (!(b && *t == *b))
                report.conflicts.push_back("record " + m.id);
            *t = m;
            continue;
        }
        T moved = m;
        moved.id = std::string(1, prefix)
            + std::to_string(std::max(highestNumber(out, prefix), highestNumber(mine, prefix)) + 1);
        renames[m.id] = moved.id;
        report.renumbered.emplace_back(m.id, moved.id);
        out.push_back(std::move(moved));
    }
    std::stable_sort(out.begin(), out.end(), [&](const T& a, const T& b) { return timeOf(a) < timeOf(b); });
}

bool isIdChar(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

// Replaces whole-word occurrences of a renumbered id ("E3" but not "E30") in a journal text.
std::string renameWords(const std::string& text, const Renames& renames)
{
    if (renames.empty())
        return text;
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        if (!isIdChar(text[i]) || (i > 0 && isIdChar(text[i - 1]))) {
            out += text[i++];
            continue;
        }
        std::size_t end = i;
        while (end < text.size() && isIdChar(text[end]))
            ++end;
        const std::string word = text.substr(i, end - i);
        auto it = renames.find(word);
        out += it == renames.end() ? word : it->second;
        i = end;
    }
    return out;
}

bool sameShape(const RunbookRecord& a, const RunbookRecord& b)
{
    if (a.steps.size() != b.steps.size())
        return false;
    for (std::size_t i = 0; i < a.steps.size(); ++i)
        if (a.steps[i].index != b.steps[i].index || a.steps[i].number != b.steps[i].number
            || a.steps[i].title != b.steps[i].title)
            return false;
    return true;
}

RunbookRecord mergeRunbook(
    const RunbookRecord* base, const RunbookRecord& mine, const RunbookRecord& theirs, MergeReport& report)
{
    if (!sameShape(mine, theirs) || (base && !sameShape(*base, mine)))
        return pick(base, mine, theirs, "runbook", report);
    RunbookRecord out = theirs;
    out.sourceName
        = pick(base ? &base->sourceName : nullptr, mine.sourceName, theirs.sourceName, "runbook source", report);
    out.title = pick(base ? &base->title : nullptr, mine.title, theirs.title, "runbook title", report);
    out.initialSeverity = pick(base ? &base->initialSeverity : nullptr, mine.initialSeverity, theirs.initialSeverity,
        "initial severity", report);
    out.owner = pick(base ? &base->owner : nullptr, mine.owner, theirs.owner, "runbook owner", report);
    for (std::size_t i = 0; i < out.steps.size(); ++i) {
        const RunbookStepRecord& m = mine.steps[i];
        const RunbookStepRecord& t = theirs.steps[i];
        const RunbookStepRecord* b = base ? &base->steps[i] : nullptr;
        if (m == t || (b && m == *b))
            continue;
        if (b && t == *b) {
            out.steps[i] = m;
            continue;
        }
        // Both changed the step: its later change wins (this writer's on a tie).
        if (m.changedMs >= t.changedMs)
            out.steps[i] = m;
        report.conflicts.push_back("step " + std::to_string(m.number));
    }
    return out;
}

} // namespace

IncidentDocument mergeIncidents(
    const IncidentDocument* base, const IncidentDocument& mine, const IncidentDocument& theirs, MergeReport* reportOut)
{
    MergeReport local;
    MergeReport& report = reportOut ? *reportOut : local;
    IncidentDocument out = theirs;
    out.schemaVersion = kSchemaVersion;
    out.id = pick(base ? &base->id : nullptr, mine.id, theirs.id, "id", report);
    out.title = pick(base ? &base->title : nullptr, mine.title, theirs.title, "title", report);
    out.cluster = pick(base ? &base->cluster : nullptr, mine.cluster, theirs.cluster, "cluster", report);
    out.ns = pick(base ? &base->ns : nullptr, mine.ns, theirs.ns, "namespace", report);
    out.service = pick(base ? &base->service : nullptr, mine.service, theirs.service, "service", report);
    out.createdMs = std::min(mine.createdMs, theirs.createdMs);
    out.updatedMs = std::max(mine.updatedMs, theirs.updatedMs);
    out.runbook = mergeRunbook(base ? &base->runbook : nullptr, mine.runbook, theirs.runbook, report);

    Renames renames;
    mergeRecords(
        out.snapshots, base ? &base->snapshots : nullptr, mine.snapshots, 'E',
        [](const EvidenceSnapshot& r) { return r.takenMs; }, renames, report);
    mergeRecords(
        out.heapDumps, base ? &base->heapDumps : nullptr, mine.heapDumps, 'H',
        [](const HeapDumpRecord& r) { return r.capturedMs; }, renames, report);
    mergeRecords(
        out.actions, base ? &base->actions : nullptr, mine.actions, 'A',
        [](const ActionRecord& r) { return r.createdMs; }, renames, report);
    mergeRecords(
        out.notes, base ? &base->notes : nullptr, mine.notes, 'N', [](const NoteRecord& r) { return r.tMs; }, renames,
        report);
    mergeRecords(
        out.escalations, base ? &base->escalations : nullptr, mine.escalations, 'X',
        [](const EscalationEvent& r) { return r.tMs; }, renames, report);
    mergeRecords(
        out.attachments, base ? &base->attachments : nullptr, mine.attachments, 'F',
        [](const AttachmentRecord& r) { return r.createdMs; }, renames, report);
    mergeRecords(
        out.fixChecks, base ? &base->fixChecks : nullptr, mine.fixChecks, 'V',
        [](const FixCheckRecord& r) { return r.takenMs; }, renames, report);

    for (const auto& change : mine.severityHistory)
        if (std::find(out.severityHistory.begin(), out.severityHistory.end(), change) == out.severityHistory.end())
            out.severityHistory.push_back(change);
    std::stable_sort(out.severityHistory.begin(), out.severityHistory.end(),
        [](const SeverityChange& a, const SeverityChange& b) { return a.tMs < b.tMs; });

    for (const auto& entry : mine.journal) {
        if (findId(out.journal, entry.id))
            continue;
        JournalEntry e = entry; // keeps its id: the id names the entry, not its words
        if (auto it = renames.find(e.ref); it != renames.end())
            e.ref = it->second;
        e.title = renameWords(e.title, renames);
        e.detail = renameWords(e.detail, renames);
        out.journal.push_back(std::move(e));
    }
    std::stable_sort(out.journal.begin(), out.journal.end(),
        [](const JournalEntry& a, const JournalEntry& b) { return a.tMs < b.tMs; });
    return out;
}

} // namespace leakdesk::incident
