#pragma once
// Recording a fix verification (runbook step 6, `leakdesk-cli verify-fix --incident FILE` and the
// GUI's step 6) into an incident: a journal entry with the verdict and its evidence, and, when the
// fix is verified, the step ticked with that evidence as its note. Pending and not-fixed answers
// are journaled only when they differ from the last one recorded (a poller does not flood it).
// Each journaled answer also stores a fix check (IncidentDocument::fixChecks): the verdict with
// both revisions' memory, which the report draws.

#include "core/incident/IncidentRecording.h"

#include <QString>

#include <optional>
#include <string>
#include <vector>

namespace leakdesk::investigation {
struct FixVerificationReport;
}

namespace leakdesk::incident {

// The runbook step a verified fix ticks: the last step whose title speaks of a fix ("6. Long-Term
// Fix"), else the last step; nullopt without steps. By position among `titles`, for the GUI's
// checklist as for the incident's.
std::optional<int> fixStepPosition(const std::vector<std::string>& titles);
// The same step of the incident's checklist, as its index.
std::optional<int> fixStepIndex(const IncidentDocument& doc);

struct RecordedFixVerification {
    bool journaled = false; // false: the same answer was the last one recorded
    std::string checkId; // the fix check stored with it ("V2"), empty when not journaled
    bool stepTicked = false;
    int stepNumber = 0; // as the runbook writes it
};

RecordedFixVerification recordFixVerification(
    IncidentDocument& doc, const investigation::FixVerificationReport& report, std::int64_t nowMs);

// Loads `path` (it must exist: the incident bounds which revision is the fix), records, saves
// atomically under the file's lock.
Result<RecordedFixVerification> recordFixVerificationInFile(const QString& path,
    const investigation::FixVerificationReport& report, const ClusterRef& cluster, std::int64_t nowMs);

} // namespace leakdesk::incident
