#include "core/incident/InvestigationRecording.h"

#include "core/incident/IncidentRecording.h"
#include "core/incident/IncidentStore.h"
#include "core/investigation/Findings.h"
#include "core/runbook/RunbookParser.h"

#include <QFileInfo>

#include <cmath>

namespace leakdesk::incident {

namespace {
constexpr const char* kSandboxContext = "leakdesk-sandbox";
}

ClusterRef clusterRefFor(const std::string& contextName, const std::string& serverUrl, bool sandbox)
{
    if (sandbox)
        return { kSandboxContext, {}, true };
    return { contextName, serverUrl, false };
}

std::vector<int> completeInvestigationSteps(
    IncidentDocument& doc, const runbook::Runbook& book, const investigation::Findings& f, std::int64_t nowMs)
{
    std::vector<int> ticked;
    for (const auto& step : book.steps) {
        bool memory = false, oom = false;
        for (const auto& c : step.commands) {
            memory = memory || c.action == runbook::ActionKind::MemoryEvidence;
            oom = oom || c.action == runbook::ActionKind::OomEvidence;
        }
        if (!memory && !oom)
            continue;
        const auto it = std::find_if(doc.runbook.steps.begin(), doc.runbook.steps.end(),
            [&](const RunbookStepRecord& s) { return s.index == step.index && s.title == step.title; });
        if (it == doc.runbook.steps.end() || it->state != StepState::Pending)
            continue;
        // An unknown verdict answers nothing: the step stays open (the snapshot still records why).
        if (memory && f.verdict.pattern == analysis::Pattern::Unknown)
            continue;
        std::string note;
        if (memory)
            note = std::string(f.verdict.leak ? "Leak" : "No leak") + " (" + analysis::patternName(f.verdict.pattern)
                + ", confidence " + std::to_string(int(std::lround(f.verdict.confidence * 100)))
                + "%): " + f.verdict.summary;
        if (oom)
            note += (note.empty() ? "" : " ") + std::to_string(f.oom.countLastHour)
                + " OOM kill(s) in the last hour; rule (more than " + std::to_string(f.oom.rule.threshold)
                + " in 1 hour) " + (f.oom.ruleMet ? "met." : "not met.");
        if (recordStepState(doc, step.index, StepState::Done, note + " (recorded by leakdesk-cli investigate)", nowMs))
            ticked.push_back(step.index);
    }
    return ticked;
}

Result<RecordedInvestigation> recordInvestigationInFile(
    const QString& path, const investigation::Findings& f, const ClusterRef& cluster, std::int64_t nowMs)
{
    RecordedInvestigation out;
    IncidentStore store(path);
    // Read, record and write under the file's lock: parallel runs (and the GUI's autosave) take
    // turns, and each one records on top of what the previous one wrote.
    if (auto st = store.lock(); !st)
        return st.error();
    std::optional<runbook::Runbook> book;
    if (QFileInfo::exists(path)) {
        auto loaded = store.load();
        if (!loaded)
            return loaded.error();
        out.document = std::move(loaded->document);
        // The checklist came from this runbook; reading it again tells which steps this run answers.
        if (!out.document.runbook.sourceName.empty()) {
            auto r = runbook::loadRunbookFile(out.document.runbook.sourceName);
            if (r)
                book = std::move(r).value();
        }
    } else {
        auto r = runbook::loadBundledRunbook();
        if (r)
            book = std::move(r).value();
        NewIncident params;
        params.ns = f.request.ns;
        params.service = f.request.service;
        params.cluster = cluster;
        params.runbook = book ? &*book : nullptr;
        params.nowMs = nowMs;
        out.document = newIncident(params);
        out.created = true;
    }
    if (!out.created && (f.request.ns != out.document.ns || f.request.service != out.document.service))
        recordNote(out.document,
            "Evidence recorded for " + f.request.service + " in " + f.request.ns + ", next to the incident's service "
                + out.document.service + " in " + out.document.ns + ".",
            nowMs);
    out.snapshotId = recordFindings(out.document, f, nowMs);
    if (book)
        out.stepsCompleted = completeInvestigationSteps(out.document, *book, f, nowMs);
    if (auto st = store.save(out.document); !st)
        return st.error();
    out.document = store.savedDocument();
    return out;
}

} // namespace leakdesk::incident
