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

// The summary page holds one line per fact; the whole text is in the sections after it.
std::string clipped(const std::string& text, std::size_t max = 200)
{
    if (text.size() <= max)
        return text;
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut; // not inside a UTF-8 sequence
    return text.substr(0, cut) + "...";
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

    // Whether a snapshot, heap dump or action is about the incident's own service: other services
    // looked at for comparison come after it, labelled.
    bool ownService(const std::string& ns, const std::string& service) const
    {
        return doc.service.empty() || (service == doc.service && (doc.ns.empty() || ns.empty() || ns == doc.ns));
    }
    // The service a pod belongs to, from the pod tables of the recorded evidence; empty when no
    // snapshot lists it.
    std::string serviceOfPod(const std::string& pod) const
    {
        for (auto it = doc.snapshots.rbegin(); it != doc.snapshots.rend(); ++it)
            if (it->findings.is_object())
                for (const auto& p : it->findings.value("pods", json::array()))
                    if (str(p, "name") == pod)
                        return it->service;
        return {};
    }
    bool ownPod(const std::string& pod) const
    {
        const std::string service = serviceOfPod(pod);
        return service.empty() || ownService({}, service);
    }
    // "deployment/payments" of another service than the incident's.
    std::string otherServiceOfTarget(const std::string& target) const
    {
        const auto slash = target.find('/');
        const std::string name = slash == std::string::npos ? std::string() : target.substr(slash + 1);
        if (name.empty() || doc.service.empty() || name == doc.service)
            return {};
        for (const auto& s : doc.snapshots)
            if (s.service == name)
                return name;
        return {};
    }
    std::string otherServiceLabel(const std::string& service, const std::string& ns) const
    {
        return "other service: " + service + (ns.empty() || ns == doc.ns ? "" : " in " + ns);
    }

    void summary()
    {
        heading("Summary");
        ReportTable t { { "", "" }, {}, { 24, 76 } };
        std::string service = doc.service + (doc.ns.empty() ? "" : " in namespace " + doc.ns);
        std::string cluster = doc.cluster.contextName;
        if (!doc.cluster.serverUrl.empty())
            cluster += " at " + doc.cluster.serverUrl;
        if (doc.cluster.sandbox)
            cluster += " (LeakDesk sandbox)";
        if (!cluster.empty())
            service += ", cluster " + cluster;
        t.rows.push_back({ "Service", service });
        t.rows.push_back({ "Incident", doc.id });
        if (!doc.runbook.title.empty())
            t.rows.push_back({ "Runbook", doc.runbook.title + " (" + doc.runbook.sourceName + ")" });
        t.rows.push_back({ "Opened",
            formatUtc(doc.createdMs) + " (" + local(doc.createdMs) + "), last change " + formatUtc(doc.updatedMs) + ", "
                + formatDuration(doc.updatedMs - doc.createdMs) + " so far" });
        t.rows.push_back({ "Severity", severityLine() });
        if (const std::string escalations = escalationLine(); !escalations.empty())
            t.rows.push_back({ "Escalations", escalations });
        if (const auto* s = doc.latestSnapshot()) {
            t.rows.push_back({ "Memory verdict", verdictLine(s->findings) + peakLine(s->findings) });
            t.rows.push_back({ "OOM kills", oomLine(s->findings) });
        } else {
            t.rows.push_back({ "Memory verdict", "no evidence recorded" });
        }
        t.rows.push_back({ "Mitigations", mitigationLine() });
        if (const FixCheckRecord* v = ownLatestFixCheck()) {
            t.rows.push_back({ "Fix", fixAnswer(v->outcome) + " for " + v->workload
                    + (v->newRevision.empty() ? std::string() : ", new revision " + v->newRevision) + ", judged at "
                    + formatUtc(judgedMs(*v)) + " (" + v->id + ")" });
        }
        int looked = 0;
        for (const auto& a : doc.actions)
            looked += !isMitigation(a);
        if (looked > 0)
            t.rows.push_back({ "Commands and captures", std::to_string(looked) + " (read-only commands, heap dumps)" });
        t.rows.push_back({ "Leak suspects", suspectLines() });
        t.rows.push_back({ "Open next steps", nextStepLines() });
        t.rows.push_back({ "Owner", ownerLine() });
        table(std::move(t));
    }

    std::string severityLine() const
    {
        std::string line = doc.currentSeverity().empty() ? "-" : doc.currentSeverity();
        if (doc.severityHistory.size() > 1) {
            line += " (started as " + doc.severityHistory.front().to;
            for (std::size_t i = 1; i < doc.severityHistory.size(); ++i) {
                const auto& c = doc.severityHistory[i];
                line += "; " + c.from + " -> " + c.to + " at " + formatUtc(c.tMs)
                    + (c.reason.empty() ? "" : ": " + clipped(c.reason, 120));
            }
            line += ")";
        }
        return line;
    }

    std::string escalationLine() const
    {
        // The last three: a summary page lists what happened lately, the section all of it.
        std::string lines;
        const std::size_t from = doc.escalations.size() > 3 ? doc.escalations.size() - 3 : 0;
        for (std::size_t i = from; i < doc.escalations.size(); ++i) {
            const auto& x = doc.escalations[i];
            lines += (lines.empty() ? "" : "\n") + formatUtc(x.tMs) + ": " + clipped(x.summary, 120)
                + (x.owner.empty() ? "" : " (" + x.owner + ")");
        }
        if (from > 0)
            lines += "\n(" + std::to_string(from) + " earlier, see Escalation)";
        return lines;
    }

    // The highest pod against its limit, the number the verdict is about.
    static std::string peakLine(const json& findings)
    {
        if (!findings.is_object())
            return {};
        const json pods = findings.value("pods", json::array()); // a copy: `peak` points into it
        const json* peak = nullptr;
        double peakShare = -1;
        for (const auto& p : pods) {
            const auto m = p.find("memory_bytes");
            const auto l = p.find("limit_bytes");
            if (m == p.end() || l == p.end() || !m->is_number() || !l->is_number() || l->get<double>() <= 0)
                continue;
            const double share = m->get<double>() / l->get<double>();
            if (share > peakShare) {
                peakShare = share;
                peak = &p;
            }
        }
        if (!peak)
            return {};
        return "; highest pod " + str(*peak, "name") + " at " + bytesAt(*peak, "memory_bytes") + " of "
            + bytesAt(*peak, "limit_bytes") + " (" + std::to_string(int(std::lround(peakShare * 100))) + " %)";
    }

    std::string mitigationLine() const
    {
        std::string applied, reverted, other;
        for (const auto& a : doc.actions) {
            if (!isMitigation(a))
                continue;
            const std::string item = a.id + " " + clipped(a.title, 90);
            std::string& list = a.state == ActionState::Applied ? applied
                : a.state == ActionState::Reverted              ? reverted
                                                                : other;
            list += (list.empty() ? "" : "; ") + item
                + (a.state == ActionState::Applied || a.state == ActionState::Reverted
                        ? std::string()
                        : " (" + std::string(actionStateName(a.state)) + ")");
        }
        if (applied.empty() && reverted.empty() && other.empty())
            return "none: no change was made to the cluster";
        std::string line;
        if (!applied.empty())
            line += "applied: " + applied;
        if (!reverted.empty())
            line += (line.empty() ? "" : "\n") + std::string("reverted: ") + reverted;
        if (!other.empty())
            line += (line.empty() ? "" : "\n") + std::string("not applied: ") + other;
        return line;
    }

    std::string suspectLines() const
    {
        std::vector<std::pair<const HeapSuspectRecord*, const HeapDumpRecord*>> all;
        for (const auto& h : doc.heapDumps)
            if (ownPod(h.pod))
                for (const auto& x : h.suspects)
                    all.push_back({ &x, &h });
        if (all.empty())
            return doc.heapDumps.empty() ? "no heap dump was taken" : "none found in the heap dumps";
        std::stable_sort(all.begin(), all.end(),
            [](const auto& a, const auto& b) { return a.first->retainedBytes > b.first->retainedBytes; });
        std::string lines;
        for (std::size_t i = 0; i < all.size() && i < 3; ++i) {
            const auto& [x, h] = all[i];
            char share[32];
            std::snprintf(share, sizeof share, "%.1f %%", x->heapShare * 100.0);
            lines += (lines.empty() ? "" : "\n") + std::to_string(i + 1) + ". " + x->className + " (" + x->category
                + ") retains " + formatBytes(double(x->retainedBytes)) + ", " + share + " of the heap"
                + (x->owner.empty() ? "" : ", held by " + clipped(x->owner, 90)) + " [" + h->id + "]";
        }
        return lines;
    }

    std::string nextStepLines() const
    {
        std::string open, skipped;
        for (const auto& s : doc.runbook.steps) {
            const std::string name = std::to_string(s.number > 0 ? s.number : s.index + 1) + ". " + s.title;
            if (s.state == StepState::Pending)
                open += (open.empty() ? "" : "\n") + name;
            else if (s.state == StepState::Skipped)
                skipped += (skipped.empty() ? "" : "\n") + name + " (skipped"
                    + (s.note.empty() ? "" : ": " + clipped(s.note, 100)) + ")";
        }
        if (doc.runbook.steps.empty())
            return "no runbook attached";
        if (open.empty() && skipped.empty())
            return "none: every runbook step is done";
        return open + (open.empty() || skipped.empty() ? "" : "\n") + skipped;
    }

    std::string ownerLine() const
    {
        // Whoever was pulled in last is the owner now; the runbook's owner otherwise.
        for (auto it = doc.escalations.rbegin(); it != doc.escalations.rend(); ++it)
            if (!it->owner.empty())
                return it->owner + " (" + it->kind + " at " + formatUtc(it->tMs) + ")";
        return doc.runbook.owner.empty() ? "not recorded" : doc.runbook.owner + " (from the runbook)";
    }

    void severity()
    {
        heading("Severity history");
        if (doc.severityHistory.empty()) {
            paragraph("No severity was recorded.");
            return;
        }
        ReportTable t { { "Time (UTC)", "Local", "Change", "Reason" }, {}, { 15, 15, 12, 58 } };
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
        // The latest snapshot of each service is the key chart; older ones stay in the JSON. The
        // incident's own service first, then the others the responder looked at, labelled.
        std::map<std::string, const EvidenceSnapshot*> latest;
        for (const auto& s : doc.snapshots)
            latest[s.ns + "/" + s.service] = &s;
        std::vector<const EvidenceSnapshot*> own, others;
        for (const auto& [key, s] : latest)
            (ownService(s->ns, s->service) ? own : others).push_back(s);
        for (const auto* s : own) {
            if (latest.size() > 1)
                heading(s->service + " (" + s->ns + "): the incident's service", 3);
            snapshotEvidence(*s);
        }
        if (others.empty())
            return;
        paragraph("Other services looked at during the incident, for comparison; they are not the incident's "
                  "service.");
        for (const auto* s : others) {
            heading(s->service + " (" + s->ns + "): " + otherServiceLabel(s->service, s->ns), 3);
            snapshotEvidence(*s);
        }
    }

    void snapshotEvidence(const EvidenceSnapshot& snapshot)
    {
        const EvidenceSnapshot* s = &snapshot;
        ReportBlock chart;
        chart.kind = ReportBlock::Kind::Chart;
        chart.snapshotId = s->id;
        chart.text = "Memory working set per pod of " + s->service + ", " + formatUtc(s->windowStartMs) + " to "
            + formatUtc(s->windowEndMs) + " (snapshot " + s->id + ", taken " + formatUtc(s->takenMs) + ")";
        report.blocks.push_back(std::move(chart));
        const json& f = s->findings;
        if (!f.is_object())
            return;
        paragraph("Verdict: " + verdictLine(f) + ". " + str(f.value("verdict", json::object()), "summary"));
        std::vector<std::string> evidence;
        for (const auto& e : f.value("verdict", json::object()).value("evidence", json::array())) {
            const std::string pod = str(e, "pod");
            evidence.push_back((pod.empty() ? "" : pod + ": ") + str(e, "sentence"));
        }
        bullets(std::move(evidence));
        ReportTable pods { { "Pod", "Node", "Memory", "Limit", "Restarts", "Last termination" }, {}, {} };
        for (const auto& p : f.value("pods", json::array()))
            pods.rows.push_back({ str(p, "name"), str(p, "node"), bytesAt(p, "memory_bytes"), bytesAt(p, "limit_bytes"),
                str(p, "restarts"),
                str(p, "last_termination_reason").empty() ? "-" : str(p, "last_termination_reason") });
        if (!pods.rows.empty())
            table(std::move(pods));
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
        ReportTable t { { "Time (UTC)", "Local", "Pod", "Node", "Seen by" }, {}, { 17, 17, 28, 22, 16 } };
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
        std::vector<const HeapDumpRecord*> ordered;
        for (const auto& h : doc.heapDumps)
            if (ownPod(h.pod))
                ordered.push_back(&h);
        for (const auto& h : doc.heapDumps)
            if (!ownPod(h.pod))
                ordered.push_back(&h);
        for (const HeapDumpRecord* dump : ordered) {
            const HeapDumpRecord& h = *dump;
            const std::string other = ownPod(h.pod) ? std::string() : "; " + otherServiceLabel(serviceOfPod(h.pod), {});
            heading(h.id + ": " + (h.pod.empty() ? std::string("heap dump") : h.pod) + " ("
                    + formatBytes(double(h.sizeBytes)) + other + ")",
                3);
            ReportTable t { { "", "" }, {}, { 18, 82 } };
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
            ReportTable s { { "Suspect", "Class", "Retained", "Heap share", "Elements", "Explanation" }, {},
                { 14, 22, 10, 8, 9, 37 } };
            for (const auto& x : h.suspects) {
                char share[32];
                std::snprintf(share, sizeof share, "%.1f %%", x.heapShare * 100.0);
                s.rows.push_back({ x.category, x.className, formatBytes(double(x.retainedBytes)), share,
                    std::to_string(x.elementCount), x.explanation });
            }
            table(std::move(s));
        }
    }

    // A fix check's workload ("Deployment/checkout") is the incident's own service's when its name
    // is the service's (the investigation resolves a Service to the workload of the same name, or
    // names the workload itself).
    bool ownFixCheck(const FixCheckRecord& v) const
    {
        const auto slash = v.workload.find('/');
        return ownService(v.ns, slash == std::string::npos ? v.workload : v.workload.substr(slash + 1));
    }
    static std::int64_t judgedMs(const FixCheckRecord& v) { return v.serverNowMs > 0 ? v.serverNowMs : v.takenMs; }
    // The checks the report is about: the newest kMaxReportedFixChecks (a file written by LeakDesk
    // holds at most that many; one made by hand may hold any number, and each one drawn is a chart).
    static constexpr std::size_t kMaxReportedFixChecks = 16;
    std::vector<const FixCheckRecord*> reportedFixChecks() const
    {
        std::vector<const FixCheckRecord*> out;
        const std::size_t from = doc.fixChecks.size() > kMaxReportedFixChecks
            ? doc.fixChecks.size() - kMaxReportedFixChecks
            : 0;
        for (std::size_t i = from; i < doc.fixChecks.size(); ++i)
            out.push_back(&doc.fixChecks[i]);
        return out;
    }
    const FixCheckRecord* ownLatestFixCheck() const
    {
        const FixCheckRecord* latest = nullptr;
        for (const FixCheckRecord* v : reportedFixChecks())
            if (ownFixCheck(*v))
                latest = v;
        return latest;
    }

    // Runbook step 6: did the deployed fix stop the leak? The latest check of each workload with its
    // chart (old revision against new), the incident's own workload first; the answers in a table.
    void fixChecks()
    {
        // Only when there is something: reports of incidents without one stay as they were.
        const auto checks = reportedFixChecks();
        if (checks.empty())
            return;
        heading("Fix verification");
        // Printed on a page of its own: the incident's closing evidence, read (and handed on) alone.
        report.blocks.back().pageBreakBefore = true;
        std::vector<const FixCheckRecord*> latest; // one per workload, in the order first checked
        for (const FixCheckRecord* v : checks) {
            auto same = std::find_if(latest.begin(), latest.end(),
                [&](const FixCheckRecord* l) { return l->ns == v->ns && l->workload == v->workload; });
            if (same == latest.end())
                latest.push_back(v);
            else
                *same = v;
        }
        std::stable_partition(latest.begin(), latest.end(), [&](const FixCheckRecord* v) { return ownFixCheck(*v); });
        for (const FixCheckRecord* v : latest) {
            if (latest.size() > 1)
                heading(v->workload + " (" + v->ns + ")" + (ownFixCheck(*v) ? ": the incident's service" : ""), 3);
            fixCheckEvidence(*v);
        }
        if (checks.size() == latest.size())
            return;
        paragraph(doc.fixChecks.size() > checks.size()
                ? "The last " + std::to_string(checks.size()) + " answers recorded, in order (each change of the answer is one check):"
                : "Every answer recorded, in order (each change of the answer is one check):");
        ReportTable t { { "Check", "Judged (UTC)", "Workload", "New revision", "Answer" }, {}, { 8, 22, 24, 28, 18 } };
        for (const FixCheckRecord* v : checks)
            t.rows.push_back({ v->id, formatUtc(judgedMs(*v)), v->workload,
                v->newRevision.empty() ? "-" : v->newRevision, fixAnswer(v->outcome) });
        table(std::move(t));
    }

    static std::string fixAnswer(const std::string& outcome)
    {
        return outcome == "not_fixed" ? "not fixed" : outcome;
    }

    void fixCheckEvidence(const FixCheckRecord& v)
    {
        const json& f = v.verification;
        const bool hasChart = std::any_of(
            v.series.begin(), v.series.end(), [](const SnapshotSeries& s) { return !s.samples.empty(); });
        if (hasChart) {
            ReportBlock chart;
            chart.kind = ReportBlock::Kind::Chart;
            chart.snapshotId = v.id;
            chart.text = "Memory working set per pod of " + v.workload + ": the old revision "
                + (v.oldRevision.empty() ? std::string("-") : v.oldRevision) + " (orange) and the new revision "
                + (v.newRevision.empty() ? std::string("-") : v.newRevision) + " (green), made at "
                + (v.newRevisionCreatedMs > 0 ? formatUtc(v.newRevisionCreatedMs) : std::string("-"))
                + " (fix check " + v.id + ", judged at " + formatUtc(judgedMs(v)) + ")";
            report.blocks.push_back(std::move(chart));
        }
        std::string verdict = "Answer: " + fixAnswer(v.outcome);
        if (f.is_object() && f.contains("confidence") && f["confidence"].is_number() && v.outcome != "pending") {
            const double confidence = f["confidence"].get<double>();
            if (std::isfinite(confidence) && confidence >= 0 && confidence <= 1)
                verdict += " (confidence " + std::to_string(std::lround(confidence * 100)) + "%)";
        }
        if (v.outcome == "pending" && f.is_object() && f.contains("needed_minutes") && f["needed_minutes"].is_number()) {
            const double minutes = f["needed_minutes"].get<double>();
            if (std::isfinite(minutes) && minutes >= 0 && minutes < 1e7)
                verdict += ", " + std::to_string(std::lround(minutes)) + " more minutes of observation needed";
        }
        paragraph(verdict + ". " + str(f, "reason"));
        std::vector<std::string> evidence;
        if (f.is_object())
            for (const auto& e : f.value("evidence", json::array()))
                if (e.is_object() && e.contains("sentence") && e["sentence"].is_string())
                    evidence.push_back(e["sentence"].get<std::string>());
        bullets(std::move(evidence));
        ReportTable t { { "Revision", "", "Images", "Made (UTC)", "Pods" }, {}, { 26, 8, 34, 18, 14 } };
        const json revisions = f.is_object() ? f.value("revisions", json::object()) : json::object();
        for (const char* role : { "old", "new" }) {
            const json r = revisions.is_object() ? revisions.value(role, json()) : json();
            if (!r.is_object())
                continue;
            const std::int64_t made = r.contains("created_ms") && r["created_ms"].is_number_integer()
                ? r["created_ms"].get<std::int64_t>()
                : 0;
            std::size_t pods = 0;
            if (r.contains("pods") && r["pods"].is_array())
                pods = r["pods"].size();
            const std::string images = str(r, "images");
            t.rows.push_back({ str(r, "name"), role, images.empty() ? "-" : images, made > 0 ? formatUtc(made) : "-",
                std::to_string(pods) });
        }
        if (!t.rows.empty())
            table(std::move(t));
    }

    // Runbook step 6's hand-over: the regression test and the alert, where they were written.
    void handover()
    {
        // Only when there is something: reports of incidents without a hand-over stay as they were.
        if (doc.attachments.empty())
            return;
        heading("Handed over");
        ReportTable t { { "File", "Kind", "What", "Written (UTC)", "SHA-256" }, {}, { 8, 14, 38, 16, 24 } };
        for (const auto& a : doc.attachments)
            t.rows.push_back({ a.id, a.kind, a.title + (a.about.empty() ? "" : ". " + a.about) + "\n" + a.path,
                formatUtc(a.createdMs), a.sha256.empty() ? "-" : a.sha256 });
        table(std::move(t));
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
            const std::string other = otherServiceOfTarget(a.target);
            heading(a.id + ": " + a.title + " (" + actionStateName(a.state)
                    + (other.empty() ? "" : "; " + otherServiceLabel(other, {})) + ")",
                3);
            ReportTable t { { "", "" }, {}, { 18, 82 } };
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
        ReportTable t { { "Time (UTC)", "Local", "Event", "Summary", "Owner" }, {}, { 14, 14, 12, 45, 15 } };
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
        report.blocks.back().pageBreakBefore = true; // after the one-page summary
        // The entry is what a reader reads: it gets most of the width, the times wrap onto two lines.
        ReportTable t { { "Time (UTC)", "Local", "Since opened", "Kind", "Entry" }, {}, { 13, 13, 9, 10, 55 } };
        for (const auto& e : doc.journal) {
            std::string entry = e.title;
            // A note's title is its text: the detail would say it twice.
            if (!e.detail.empty() && e.title.find(e.detail) == std::string::npos)
                entry += ". " + e.detail;
            // The header says UTC: without the suffix the time fits two printed lines.
            std::string utc = formatUtc(e.tMs);
            if (utc.size() > 4 && utc.ends_with(" UTC"))
                utc.resize(utc.size() - 4);
            t.rows.push_back(
                { utc, local(e.tMs), formatDuration(e.tMs - doc.createdMs), journalKindName(e.kind), entry });
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
        std::vector<const EvidenceSnapshot*> ordered;
        for (const auto& s : doc.snapshots)
            if (ownService(s.ns, s.service))
                ordered.push_back(&s);
        for (const auto& s : doc.snapshots)
            if (!ownService(s.ns, s.service))
                ordered.push_back(&s);
        for (const EvidenceSnapshot* snapshot : ordered) {
            const EvidenceSnapshot& s = *snapshot;
            std::size_t points = 0;
            for (const auto& x : s.series)
                points += x.samples.size();
            heading(s.id + ": " + s.service + " at " + formatUtc(s.takenMs)
                    + (ownService(s.ns, s.service) ? "" : " (" + otherServiceLabel(s.service, s.ns) + ")"),
                3);
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
    b.summary(); // one printed page
    b.timeline(); // starts page 2
    b.severity();
    b.checklist();
    b.memory();
    b.oom();
    b.heap();
    b.mitigations();
    b.fixChecks();
    b.handover();
    b.escalation();
    b.notes();
    b.queries();
    return std::move(b.report);
}

} // namespace leakdesk::incident
