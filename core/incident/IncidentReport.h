#pragma once
// The report an export shows, built once from an incident and written by each format
// (ReportWriters.h): a summary that fits one printed page (service, severity and escalations,
// verdict with its numbers, OOM kills, mitigations applied and reverted, the top leak suspects,
// the open next steps, the owner), then the timeline, then the details: severity history, runbook
// checklist with outcomes, key charts, memory evidence, OOM table, heap suspects, mitigations with
// their diffs, escalation, notes and the queries the evidence came from. The incident's own
// service comes first in every section; evidence of other services looked at during the incident
// follows it, labelled as such. Building is pure: same document, same options, same report.

#include "core/incident/IncidentDocument.h"

#include <QTimeZone>

#include <string>
#include <vector>

namespace leakdesk::incident {

struct ReportOptions {
    QTimeZone localZone = QTimeZone::systemTimeZone(); // the "local" column next to UTC
    std::int64_t generatedMs = 0; // shown in the header
    bool redacted = false; // says so in the header (the document is redacted by the caller)
};

struct ReportTable {
    std::vector<std::string> headers;
    std::vector<std::vector<std::string>> rows;
    // Share of the page width per column, in percent (empty: as wide as the content wants). A
    // printed table otherwise gives its text column what the time columns leave over.
    std::vector<int> columnWidths;
};

struct ReportChecklistItem {
    StepState state = StepState::Pending;
    std::string text;
};

struct ReportBlock {
    enum class Kind { Heading, Paragraph, Table, Bullets, Checklist, Code, Chart };
    Kind kind = Kind::Paragraph;
    int level = 2; // headings
    bool pageBreakBefore = false; // headings: starts a new printed page (the summary is page 1)
    std::string text; // heading, paragraph, code; chart caption
    std::string language; // code: "diff", "promql", "sh"
    ReportTable table;
    std::vector<std::string> items; // bullets
    std::vector<ReportChecklistItem> checklist;
    std::string snapshotId; // chart: the snapshot drawn
};

struct IncidentReport {
    std::string title;
    std::vector<ReportBlock> blocks;
};

IncidentReport buildIncidentReport(const IncidentDocument& doc, const ReportOptions& options);

// "2025-01-20 10:00:05 UTC" and, in the given zone, "2025-01-20 11:00:05 +01:00".
std::string formatUtc(std::int64_t ms);
std::string formatLocal(std::int64_t ms, const QTimeZone& zone);
std::string formatDuration(std::int64_t ms); // "2 h 05 min", "12 min", "45 s"

} // namespace leakdesk::incident
