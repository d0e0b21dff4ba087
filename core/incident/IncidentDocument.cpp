#include "incident/IncidentDocument.h"

#include <array>
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
