#include "core/incident/IncidentDocument.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <utility>

namespace leakdesk::incident {

namespace {

template<class E, std::size_t N>
std::optional<E> fromName(const std::array<std::pair<E, const char*>, N>& table, std::string_view name)
{
    for (const auto& [value, text] : table)
        if (name == text)
            return value;
    return std::nullopt;
}

template<class E, std::size_t N> const char* toName(const std::array<std::pair<E, const char*>, N>& table, E value)
{
    for (const auto& [v, text] : table)
        if (v == value)
            return text;
    return "unknown";
}

constexpr std::array<std::pair<StepState, const char*>, 3> kStepStates { {
    { StepState::Pending, "pending" },
    { StepState::Done, "done" },
    { StepState::Skipped, "skipped" },
} };

constexpr std::array<std::pair<JournalKind, const char*>, 5> kJournalKinds { {
    { JournalKind::Finding, "finding" },
    { JournalKind::Action, "action" },
    { JournalKind::Note, "note" },
    { JournalKind::Escalation, "escalation" },
    { JournalKind::Step, "step" },
} };

constexpr std::array<std::pair<ActionState, const char*>, 5> kActionStates { {
    { ActionState::Proposed, "proposed" },
    { ActionState::DryRun, "dry-run" },
    { ActionState::Applied, "applied" },
    { ActionState::Reverted, "reverted" },
    { ActionState::Failed, "failed" },
} };

} // namespace

const char* stepStateName(StepState state)
{
    return toName(kStepStates, state);
}
std::optional<StepState> stepStateFromName(std::string_view name)
{
    return fromName(kStepStates, name);
}

const char* journalKindName(JournalKind kind)
{
    return toName(kJournalKinds, kind);
}
std::optional<JournalKind> journalKindFromName(std::string_view name)
{
    return fromName(kJournalKinds, name);
}

const std::vector<JournalKind>& allJournalKinds()
{
    static const std::vector<JournalKind> kinds { JournalKind::Finding, JournalKind::Action, JournalKind::Note,
        JournalKind::Escalation, JournalKind::Step };
    return kinds;
}

const char* actionStateName(ActionState state)
{
    return toName(kActionStates, state);
}
std::optional<ActionState> actionStateFromName(std::string_view name)
{
    return fromName(kActionStates, name);
}

bool SnapshotSeries::operator==(const SnapshotSeries& o) const
{
    if (query != o.query || labels != o.labels || originalPoints != o.originalPoints
        || samples.size() != o.samples.size())
        return false;
    for (std::size_t i = 0; i < samples.size(); ++i)
        if (samples[i].tMs != o.samples[i].tMs || samples[i].value != o.samples[i].value)
            return false;
    return true;
}

const SnapshotSeries* EvidenceSnapshot::firstSeries(std::string_view query) const
{
    for (const auto& s : series)
        if (s.query == query)
            return &s;
    return nullptr;
}

std::vector<const SnapshotSeries*> EvidenceSnapshot::seriesOf(std::string_view query) const
{
    std::vector<const SnapshotSeries*> out;
    for (const auto& s : series)
        if (s.query == query)
            out.push_back(&s);
    return out;
}

std::string IncidentDocument::currentSeverity() const
{
    return severityHistory.empty() ? std::string() : severityHistory.back().to;
}

const EvidenceSnapshot* IncidentDocument::latestSnapshot() const
{
    // A healthy service looked at for comparison must not stand for the incident's own verdict.
    for (auto it = snapshots.rbegin(); it != snapshots.rend(); ++it)
        if (service.empty() || (it->service == service && (ns.empty() || it->ns == ns)))
            return &*it;
    return snapshots.empty() ? nullptr : &snapshots.back();
}

const ActionRecord* IncidentDocument::action(std::string_view actionId) const
{
    for (const auto& a : actions)
        if (a.id == actionId)
            return &a;
    return nullptr;
}

} // namespace leakdesk::incident

namespace leakdesk::incident {

namespace {

std::uint64_t fnv1a(std::uint64_t h, std::string_view bytes)
{
    for (unsigned char c : bytes) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    // A separator, so ("ab", "c") and ("a", "bc") hash differently.
    h ^= 0xff;
    h *= 0x100000001b3ull;
    return h;
}

} // namespace

std::string journalEntryId(const IncidentDocument& doc, const JournalEntry& entry)
{
    std::uint64_t h = 0xcbf29ce484222325ull;
    h = fnv1a(h, std::to_string(entry.tMs));
    h = fnv1a(h, journalKindName(entry.kind));
    h = fnv1a(h, entry.title);
    h = fnv1a(h, entry.detail);
    h = fnv1a(h, entry.ref);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string base = "J";
    for (int shift = 60; shift >= 0; shift -= 4)
        base += kHex[(h >> shift) & 0xf];
    const auto taken = [&](const std::string& id) {
        return std::any_of(doc.journal.begin(), doc.journal.end(), [&](const JournalEntry& e) { return e.id == id; });
    };
    std::string id = base;
    for (int n = 2; taken(id); ++n)
        id = base + "-" + std::to_string(n);
    return id;
}

void assignMissingJournalIds(IncidentDocument& doc)
{
    for (auto& e : doc.journal)
        if (e.id.empty())
            e.id = journalEntryId(doc, e);
}

} // namespace leakdesk::incident
