#include "core/incident/IncidentReport.h"

#include "core/common/ActionKinds.h"
#include "core/common/Quantity.h"
#include "core/incident/ChartImage.h"
#include "core/runbook/KubectlCommand.h"

#include <QDateTime>

#include <cmath>
#include <map>

namespace leakdesk::incident {

namespace {

// A mitigation changed the cluster on purpose: the Deployment's memory limit or environment, a
// restart, a pod out of its Service or deleted, or a runbook command that is a change. A read-only
// command (kubectl top, get events) and a heap capture are what the responder looked at.
bool isMitigation(const ActionRecord& a)
{
    if (a.kind == actionkind::kHeapCapture)
        return false;
    if (a.kind == actionkind::kShell)
        return runbook::analyseKubectlCommand(a.kubectl).effect != runbook::KubectlEffect::ReadOnly;
    return true;
}

} // namespace

using nlohmann::json;

std::string formatUtc(std::int64_t ms)
{
    if (ms <= 0)
        return "-";
    return QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc())
        .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'"))
        .toStdString();
}

std::string formatLocal(std::int64_t ms, const QTimeZone& zone)
{
    if (ms <= 0)
        return "-";
    const QDateTime t = QDateTime::fromMSecsSinceEpoch(ms, zone);
    const int offset = zone.offsetFromUtc(t) / 60;
    const QString sign = offset < 0 ? QStringLiteral("-") : QStringLiteral("+");
    const QString text = t.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss ")) + sign
        + QStringLiteral("%1:%2")
              .arg(std::abs(offset) / 60, 2, 10, QLatin1Char('0'))
              .arg(std::abs(offset) % 60, 2, 10, QLatin1Char('0'));
    return text.toStdString();
}

std::string formatDuration(std::int64_t ms)
{
    if (ms < 0)
        return "-" + formatDuration(-ms);
    const std::int64_t s = ms / 1000;
    if (s < 60)
        return std::to_string(s) + " s";
    const std::int64_t m = s / 60;
    if (m < 60)
        return std::to_string(m) + " min";
    const std::int64_t h = m / 60;
    const std::int64_t rest = m % 60;
    return std::to_string(h) + " h " + (rest < 10 ? "0" : "") + std::to_string(rest) + " min";
}

namespace {

std::string str(const json& j, const char* key)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return {};
    if (it->is_string())
        return it->get<std::string>();
    return it->dump();
}

std::string bytesAt(const json& j, const char* key)
{
    auto it = j.find(key);
    return it != j.end() && it->is_number() ? formatBytes(it->get<double>()) : std::string("-");
}

std::string verdictLine(const json& findings)
{
    if (!findings.is_object() || !findings.contains("verdict"))
        return "-";
    const json& v = findings["verdict"];
    const int confidence = v.contains("confidence") && v["confidence"].is_number()
        ? int(std::lround(v["confidence"].get<double>() * 100))
        : 0;
    std::string line = std::string(v.value("leak", false) ? "LEAK" : "no leak") + ", " + str(v, "pattern")
        + " (confidence " + std::to_string(confidence) + "%)";
    if (v.contains("slope_bytes_per_hour") && v["slope_bytes_per_hour"].is_number())
        line += ", slope " + formatBytes(v["slope_bytes_per_hour"].get<double>()) + "/h";
    return line;
}

std::string oomLine(const json& findings)
{
    if (!findings.is_object() || !findings.contains("oom"))
        return "-";
    const json& o = findings["oom"];
    return std::to_string(o.value("count_last_hour", 0)) + " in the last hour, at most "
        + std::to_string(o.value("max_in_any_hour", 0)) + " in any hour of the window; rule (more than "
        + std::to_string(o.value("threshold", 2)) + " in 1 hour) " + (o.value("rule_met", false) ? "met" : "not met");
}

struct Builder {
    const IncidentDocument& doc;
    const ReportOptions& opt;
    IncidentReport report;

    void heading(std::string text, int level = 2)
    {
        ReportBlock b;
        b.kind = ReportBlock::Kind::Heading;
        b.level = level;
        b.text = std::move(text);
        report.blocks.push_back(std::move(b));
    }
    void paragraph(std::string text)
    {
        ReportBlock b;
        b.kind = ReportBlock::Kind::Paragraph;
        b.text = std::move(text);
        report.blocks.push_back(std::move(b));
    }
    void table(ReportTable t)
    {
        ReportBlock b;
        b.kind = ReportBlock::Kind::Table;
        b.table = std::move(t);
        report.blocks.push_back(std::move(b));
    }
    void bullets(std::vector<std::string> items)
    {
        if (items.empty())
            return;
        ReportBlock b;
        b.kind = ReportBlock::Kind::Bullets;
        b.items = std::move(items);
        report.blocks.push_back(std::move(b));
    }
    void code(std::string text, std::string language)
    {
        ReportBlock b;
        b.kind = ReportBlock::Kind::Code;
        b.text = std::move(text);
        b.language = std::move(language);
        report.blocks.push_back(std::move(b));
    }
    std::string local(std::int64_t ms) const { return formatLocal(ms, opt.localZone); }

    void header()
    {
        report.title = "Incident: " + doc.title;
        std::string line = "Incident report generated " + formatUtc(opt.generatedMs) + " (" + local(opt.generatedMs)
            + ") from the LeakDesk incident file.";
        if (opt.redacted)
            line += " Names of pods, namespaces, nodes, images and the cluster are replaced by aliases.";
        paragraph(std::move(line));
    }

    void summary()
    {
        heading("Summary");
        ReportTable t { { "", "" }, {} };
        t.rows.push_back({ "Incident", doc.id });
        t.rows.push_back({ "Service", doc.service });
        t.rows.push_back({ "Namespace", doc.ns });
        std::string cluster = doc.cluster.contextName;
        if (!doc.cluster.serverUrl.empty())
            cluster += " at " + doc.cluster.serverUrl;
        if (doc.cluster.sandbox)
            cluster += " (LeakDesk sandbox)";
        t.rows.push_back({ "Cluster", cluster.empty() ? "-" : cluster });
        if (!doc.runbook.title.empty())
            t.rows.push_back({ "Runbook", doc.runbook.title + " (" + doc.runbook.sourceName + ")" });
        t.rows.push_back({ "Opened", formatUtc(doc.createdMs) + " (" + local(doc.createdMs) + ")" });
        t.rows.push_back({ "Last change", formatUtc(doc.updatedMs) + " (" + local(doc.updatedMs) + ")" });
        t.rows.push_back({ "Duration so far", formatDuration(doc.updatedMs - doc.createdMs) });
        std::string severity = doc.currentSeverity().empty() ? "-" : doc.currentSeverity();
        if (doc.severityHistory.size() > 1)
            severity += " (started as " + doc.severityHistory.front().to + ")";
        t.rows.push_back({ "Severity", severity });
        if (const auto* s = doc.latestSnapshot()) {
            t.rows.push_back({ "Memory verdict", verdictLine(s->findings) });
            t.rows.push_back({ "OOM kills", oomLine(s->findings) });
        }
        int done = 0, skipped = 0;
        for (const auto& s : doc.runbook.steps) {
            done += s.state == StepState::Done;
            skipped += s.state == StepState::Skipped;
        }
        if (!doc.runbook.steps.empty())
            t.rows.push_back({ "Runbook progress",
                std::to_string(done) + " of " + std::to_string(doc.runbook.steps.size()) + " steps done, "
                    + std::to_string(skipped) + " skipped" });
        std::map<ActionState, int> byState;
        int looked = 0;
        for (const auto& a : doc.actions) {
            if (isMitigation(a))
                ++byState[a.state];
            else
                ++looked;
        }
        if (!byState.empty()) {
            std::string line;
            for (const auto& [state, n] : byState)
                line += (line.empty() ? "" : ", ") + std::to_string(n) + " " + actionStateName(state);
            t.rows.push_back({ "Mitigations", line });
        }
        if (looked > 0)
            t.rows.push_back({ "Commands and captures", std::to_string(looked) + " (read-only commands, heap dumps)" });
        if (!doc.heapDumps.empty())
            t.rows.push_back({ "Heap dumps", std::to_string(doc.heapDumps.size()) });
        table(std::move(t));
    }

    void severity()
    {
        heading("Severity history");
        if (doc.severityHistory.empty()) {
            paragraph("No severity was recorded.");
            return;
        }
        ReportTable t { { "Time (UTC)", "Local", "Change", "Reason" }, {} };
        for (const auto& s : doc.severityHistory)
            t.rows.push_back(
                { formatUtc(s.tMs), local(s.tMs), s.from.empty() ? s.to : s.from + " -> " + s.to, s.reason });
        table(std::move(t));
    }

    void checklist()
    {
        heading("Runbook checklist");
        if (doc.runbook.steps.empty()) {
            paragraph("No runbook was attached to this incident.");
            return;
        }
        ReportBlock b;
        b.kind = ReportBlock::Kind::Checklist;
        for (const auto& s : doc.runbook.steps) {
            std::string text = std::to_string(s.number > 0 ? s.number : s.index + 1) + ". " + s.title + " - "
                + stepStateName(s.state);
            if (s.changedMs > 0 && s.state != StepState::Pending)
                text += " at " + formatUtc(s.changedMs);
            if (!s.note.empty())
                text += ". Note: " + s.note;
            b.checklist.push_back({ s.state, std::move(text) });
        }
        report.blocks.push_back(std::move(b));
    }

    void memory()
    {
        heading("Memory evidence");
        if (doc.snapshots.empty()) {
            paragraph("No evidence was recorded yet.");
            return;
        }
        // The latest snapshot of each service is the key chart; older ones stay in the JSON.
        std::map<std::string, const EvidenceSnapshot*> latest;
        for (const auto& s : doc.snapshots)
            latest[s.ns + "/" + s.service] = &s;
        for (const auto& [key, s] : latest) {
            if (latest.size() > 1)
                heading(s->service + " (" + s->ns + ")", 3);
            ReportBlock chart;
            chart.kind = ReportBlock::Kind::Chart;
            chart.snapshotId = s->id;
            chart.text = "Memory working set per pod of " + s->service + ", " + formatUtc(s->windowStartMs) + " to "
                + formatUtc(s->windowEndMs) + " (snapshot " + s->id + ", taken " + formatUtc(s->takenMs) + ")";
            report.blocks.push_back(std::move(chart));
            const json& f = s->findings;
            if (!f.is_object())
                continue;
            paragraph("Verdict: " + verdictLine(f) + ". " + str(f.value("verdict", json::object()), "summary"));
            std::vector<std::string> evidence;
            for (const auto& e : f.value("verdict", json::object()).value("evidence", json::array())) {
                const std::string pod = str(e, "pod");
                evidence.push_back((pod.empty() ? "" : pod + ": ") + str(e, "sentence"));
            }
            bullets(std::move(evidence));
            ReportTable pods { { "Pod", "Node", "Memory", "Limit", "Restarts", "Last termination" }, {} };
            for (const auto& p : f.value("pods", json::array()))
                pods.rows.push_back({ str(p, "name"), str(p, "node"), bytesAt(p, "memory_bytes"),
                    bytesAt(p, "limit_bytes"), str(p, "restarts"),
                    str(p, "last_termination_reason").empty() ? "-" : str(p, "last_termination_reason") });
            if (!pods.rows.empty())
                table(std::move(pods));
        }
    }

    void oom()
    {
        const auto* s = doc.latestSnapshot();
        heading("OOM kills");
        if (!s || !s->findings.is_object() || !s->findings.contains("oom")) {
            paragraph("No OOM evidence was recorded.");
            return;
        }
        paragraph(oomLine(s->findings) + ".");
        ReportTable t { { "Time (UTC)", "Local", "Pod", "Node", "Seen by" }, {} };
        for (const auto& k : snapshotKills(*s)) {
            std::string sources;
            for (const auto& x : k.sources)
                sources += (sources.empty() ? "" : ", ") + x;
            t.rows.push_back({ formatUtc(k.tMs), local(k.tMs), k.pod.empty() ? "-" : k.pod, k.node, sources });
        }
        if (t.rows.empty())
            paragraph("No OOM kill in the window.");
        else
            table(std::move(t));
        std::vector<std::string> notes;
        for (const auto& n : s->findings["oom"].value("notes", json::array()))
            if (n.is_string())
                notes.push_back(n.get<std::string>());
        bullets(std::move(notes));
    }

    void heap()
    {
        heading("Heap dumps and leak suspects");
        if (doc.heapDumps.empty()) {
            paragraph("No heap dump was taken.");
            return;
        }
        for (const auto& h : doc.heapDumps) {
            heading(h.id + ": " + (h.pod.empty() ? std::string("heap dump") : h.pod) + " ("
                    + formatBytes(double(h.sizeBytes)) + ")",
                3);
            ReportTable t { { "", "" }, {} };
            t.rows.push_back({ "Captured", formatUtc(h.capturedMs) + " (" + local(h.capturedMs) + ")" });
            if (!h.container.empty())
                t.rows.push_back({ "Container", h.container });
            t.rows.push_back({ "File", h.path });
            t.rows.push_back({ "SHA-256", h.sha256.empty() ? "-" : h.sha256 });
            if (!h.summary.empty())
                t.rows.push_back({ "Analysis", h.summary });
            table(std::move(t));
            if (h.suspects.empty())
                continue;
            ReportTable s { { "Suspect", "Class", "Retained", "Heap share", "Elements", "Explanation" }, {} };
            for (const auto& x : h.suspects) {
                char share[32];
                std::snprintf(share, sizeof share, "%.1f %%", x.heapShare * 100.0);
                s.rows.push_back({ x.category, x.className, formatBytes(double(x.retainedBytes)), share,
                    std::to_string(x.elementCount), x.explanation });
            }
            table(std::move(s));
        }
    }

    void mitigations()
    {
        actions("Mitigations", true, "No change was made to the cluster.");
        actions("Commands and captures", false, "No command was run and no heap dump captured.");
    }

    void actions(const std::string& title, bool mitigations, const std::string& none)
    {
        heading(title);
        if (std::none_of(doc.actions.begin(), doc.actions.end(),
                [&](const ActionRecord& a) { return isMitigation(a) == mitigations; })) {
            paragraph(none);
            return;
        }
        for (const auto& a : doc.actions) {
            if (isMitigation(a) != mitigations)
                continue;
            heading(a.id + ": " + a.title + " (" + actionStateName(a.state) + ")", 3);
            ReportTable t { { "", "" }, {} };
            t.rows.push_back({ "Kind", a.kind });
            if (!a.target.empty())
                t.rows.push_back({ "Target", a.target });
            t.rows.push_back({ "Recorded", formatUtc(a.createdMs) });
            if (a.appliedMs > 0)
                t.rows.push_back({ "Applied", formatUtc(a.appliedMs) + " (" + local(a.appliedMs) + ")" });
            if (a.revertedMs > 0)
                t.rows.push_back({ "Reverted", formatUtc(a.revertedMs) + " (" + local(a.revertedMs) + ")" });
            if (!a.error.empty())
                t.rows.push_back({ "Error", a.error });
            t.rows.push_back({ "Revert data stored", a.revertData.is_null() || a.revertData.empty() ? "no" : "yes" });
            table(std::move(t));
            if (!a.kubectl.empty())
                code(a.kubectl, "sh");
            if (!a.diff.empty())
                code(a.diff, "diff");
        }
    }

    void escalation()
    {
        heading("Escalation");
        if (doc.escalations.empty()) {
            paragraph("No escalation event was recorded.");
            return;
        }
        ReportTable t { { "Time (UTC)", "Local", "Event", "Summary", "Owner" }, {} };
        for (const auto& x : doc.escalations)
            t.rows.push_back({ formatUtc(x.tMs), local(x.tMs), x.kind,
                x.summary + (x.reason.empty() ? "" : ". Reason: " + x.reason)
                    + (x.detail.empty() ? "" : ". " + x.detail),
                x.owner.empty() ? "-" : x.owner });
        table(std::move(t));
    }

    void notes()
    {
        heading("Notes");
        if (doc.notes.empty()) {
            paragraph("No notes.");
            return;
        }
        std::vector<std::string> items;
        for (const auto& n : doc.notes)
            items.push_back(formatUtc(n.tMs) + ": " + n.text);
        bullets(std::move(items));
    }

    void timeline()
    {
        heading("Timeline");
        ReportTable t { { "Time (UTC)", "Local", "Since opened", "Kind", "Entry" }, {} };
        for (const auto& e : doc.journal) {
            std::string entry = e.title;
            if (!e.detail.empty())
                entry += ". " + e.detail;
            t.rows.push_back({ formatUtc(e.tMs), local(e.tMs), formatDuration(e.tMs - doc.createdMs),
                journalKindName(e.kind), entry });
        }
        table(std::move(t));
    }

    void queries()
    {
        heading("Evidence queries");
        if (doc.snapshots.empty()) {
            paragraph("None.");
            return;
        }
        paragraph("Each snapshot keeps the result series (at most 2000 points per series) in the incident file, "
                  "so this report does not depend on Prometheus retention.");
        for (const auto& s : doc.snapshots) {
            std::size_t points = 0;
            for (const auto& x : s.series)
                points += x.samples.size();
            heading(s.id + ": " + s.service + " at " + formatUtc(s.takenMs), 3);
            paragraph("Window " + formatUtc(s.windowStartMs) + " to " + formatUtc(s.windowEndMs) + ", step "
                + std::to_string(s.stepMs / 1000) + " s; " + std::to_string(s.series.size()) + " series, "
                + std::to_string(points) + " points stored.");
            std::string text;
            if (s.findings.is_object())
                for (const auto& q : s.findings.value("queries", json::array())) {
                    text += "# " + str(q, "kind") + " (" + str(q, "series") + " series"
                        + (str(q, "error").empty() ? "" : ", error: " + str(q, "error")) + ")\n";
                    text += str(q, "promql") + "\n";
                }
            if (!text.empty())
                code(text, "promql");
        }
    }
};

} // namespace

IncidentReport buildIncidentReport(const IncidentDocument& doc, const ReportOptions& options)
{
    Builder b { doc, options, {} };
    b.header();
    b.summary();
    b.severity();
    b.checklist();
    b.memory();
    b.oom();
    b.heap();
    b.mitigations();
    b.escalation();
    b.notes();
    b.timeline();
    b.queries();
    return std::move(b.report);
}

} // namespace leakdesk::incident
