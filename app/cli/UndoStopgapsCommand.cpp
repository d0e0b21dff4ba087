// leakdesk-cli mitigate --undo-stopgaps --incident F: runbook step 6 takes step 5's temporary
// changes back once the fix is in. Lists the incident's stopgaps, says which are already gone
// (reverted by someone, replaced by a rollout, self-healed), previews the undo of the rest with the
// server's dry run, and after one confirmation naming each change and where, undoes them in order
// (core/handover/Stopgaps.h), journaling each in the incident as it goes.
#include "CliCluster.h"
#include "CliCommand.h"

#include "core/handover/Stopgaps.h"
#include "core/incident/IncidentRecording.h"
#include "core/incident/IncidentStore.h"

#include <iostream>

namespace leakdesk::cli {

namespace {

using namespace leakdesk::handover;

void printCheck(std::ostream& out, const StopgapCheck& c)
{
    const Stopgap& s = c.stopgap;
    out << "[" << stopgapStateName(c.state) << "] " << s.actionId << " " << stopgapKindName(s.kind) << " on "
        << s.target << " in " << s.ns << ": " << s.title << "\n";
    if (c.state != StopgapState::InEffect) {
        out << "    " << c.why << "\n";
        return;
    }
    out << "    undo (server-side dry run):\n";
    for (const auto& line : c.preview)
        out << "      " << line << "\n";
    out << "    kubectl equivalent: " << c.kubectl << "\n";
}

} // namespace

int runUndoStopgaps(const ChangeOptions& change, int settleS)
{
    const QString file = change.incidentFile();
    if (file.isEmpty()) {
        printError(QStringLiteral("--undo-stopgaps needs --incident FILE: the stopgaps are the incident's"),
            QStringLiteral("e.g. leakdesk-cli mitigate --undo-stopgaps --incident checkout.leakdesk --kubeconfig K"));
        return 2;
    }
    if (change.usesSandbox()) {
        printError(QStringLiteral("--undo-stopgaps needs the cluster the stopgaps were applied in; --sandbox starts a "
                                  "new one, where every change would look already gone"),
            QStringLiteral("run 'leakdesk-cli sandbox serve' and pass its --kubeconfig to mitigate/isolate --incident "
                           "and to --undo-stopgaps"));
        return 2;
    }
    auto doc = incident::readIncidentFile(file);
    if (!doc)
        return fail(doc.error());
    const StopgapList listed = incidentStopgaps(*doc);
    for (const auto& n : listed.notUndone)
        std::cout << "not undone: " << n << "\n";
    if (listed.inEffect.empty()) {
        std::cout << "no stopgap of this incident is applied: nothing to undo\n";
        return 0;
    }
    auto conn = change.connect();
    if (!conn)
        return fail(conn.error());
    const int timeoutS = change.timeoutSeconds();
    StopgapUndo undo(*conn->client, { settleS * 1000, timeoutS * 1000, 1000 });
    const auto checks = await<std::vector<StopgapCheck>>(
        [&](auto cb) { undo.check(*doc, [cb](std::vector<StopgapCheck> c) { cb(std::move(c)); }); },
        timeoutS * int(listed.inEffect.size()) + 5);
    if (!checks)
        return fail(checks.error());
    std::size_t toUndo = 0;
    for (const auto& c : *checks) {
        printCheck(std::cout, c);
        toUndo += c.state == StopgapState::InEffect ? 1 : 0;
    }
    std::cout << "order:\n";
    for (const auto& line : stopgapUndoOrder())
        std::cout << "  " << line << "\n";
    if (change.dryRun())
        return 0;
    if (toUndo == 0) {
        std::cout << "nothing left to undo: every stopgap is already gone or was changed by someone else\n";
        // What is already gone is journaled as such: the incident no longer shows it applied.
    } else {
        std::string question = "Undo " + std::to_string(toUndo) + " stopgap(s):";
        for (const auto& c : *checks)
            if (c.state == StopgapState::InEffect)
                question += "\n  " + std::string(stopgapKindName(c.stopgap.kind)) + " on " + c.stopgap.target + " in "
                    + c.stopgap.ns;
        question += "\nin this order?";
        if (!change.confirmed(std::cout, question, "undoing the stopgaps"))
            return 1;
    }
    std::cout << "\n" << std::flush;
    int rc = 0;
    const auto outcomes = await<std::vector<StopgapOutcome>>(
        [&](auto cb) {
            undo.undo(
                *doc, *checks,
                [&](const StopgapOutcome& o) {
                    std::cout << "[" << stopgapResultName(o.result) << "] " << o.check.stopgap.actionId << " "
                              << stopgapKindName(o.check.stopgap.kind) << " on " << o.check.stopgap.target << ": "
                              << o.message << "\n";
                    for (const auto& d : o.diff)
                        std::cout << "    " << d << "\n";
                    std::cout << std::flush;
                    if (const int j = journalInIncident(file, [&](incident::IncidentDocument& d) {
                            recordStopgapOutcome(d, o, incident::currentTimeMs());
                        }))
                        rc = j;
                },
                [cb](std::vector<StopgapOutcome> all) { cb(std::move(all)); });
        },
        (timeoutS * 2 + settleS + 10) * int(checks->size()) + 10);
    if (!outcomes)
        return fail(outcomes.error());
    for (const auto& o : *outcomes)
        if (o.result == StopgapOutcome::Result::Failed || o.result == StopgapOutcome::Result::DidNotStay)
            rc = 1;
    return rc;
}

} // namespace leakdesk::cli
