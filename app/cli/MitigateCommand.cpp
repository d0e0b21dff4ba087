// leakdesk-cli mitigate: runbook step 5 from the command line. Plan (RBAC answer, warnings, the
// kubectl equivalent), server-side dry run with a diff, confirmation, apply with a record for a
// later --revert, and optionally the rollout's progress.
#include "CliAlerts.h"
#include "CliCluster.h"
#include "CliCommand.h"
#include "CliWorkload.h"

#include "core/actions/Mitigation.h"
#include "core/actions/MitigationRevert.h"
#include "core/actions/RevertCheck.h"
#include "core/actions/RolloutProgress.h"
#include "core/common/Quantity.h"
#include "core/incident/ActionJournal.h"
#include "core/incident/IncidentRecording.h"
#include "core/kube/KubeClient.h"

#include <QCommandLineParser>
#include <QDateTime>
#include <QEventLoop>
#include <QTimer>

#include <cstdio>
#include <iostream>

namespace leakdesk::cli {

namespace {

using namespace leakdesk::actions;
using nlohmann::json;

json planJson(const MitigationPlan& p, const DryRunResult* dry)
{
    json diff = json::array();
    if (dry)
        for (const auto& c : dry->diff)
            diff.push_back({ { "path", c.path }, { "before", c.before }, { "after", c.after } });
    json before = json::object();
    for (const auto& [k, v] : p.before)
        before[k] = v ? json(*v) : json(nullptr);
    const WorkloadTarget& w = p.request.workload;
    json out = { { "kind", mitigationKindName(p.kind) }, { "namespace", p.request.ns },
        { "workload", { { "kind", w.kindName() }, { "name", w.name } } }, { "container", p.container },
        { "main_container", p.mainContainer }, { "value", p.value },
        { "suggested", p.suggestedValue ? json(*p.suggestedValue) : json(nullptr) }, { "before", before },
        { "kubectl", p.kubectl }, { "resourceVersion", p.resourceVersion },
        { "rbac", { { "allowed", p.rbac.allowed }, { "reason", p.rbac.reason } } }, { "warnings", p.warnings },
        { "managed_by", p.management.managedByJson() }, { "autoscalers", p.management.autoscalersJson() },
        { "not_checked", p.management.notChecked }, { "snippet", p.snippet.toJson() }, { "diff", diff } };
    if (w.kind == kube::WorkloadKind::Deployment)
        out["deployment"] = w.name; // scripts written before other kinds read this key
    return out;
}

void printPlan(std::ostream& out, const MitigationPlan& p, const DryRunResult* dry)
{
    const WorkloadTarget& w = p.request.workload;
    out << w.text() << " in " << p.request.ns << ", container " << p.container
        << (p.mainContainer ? " (main)" : " (not the main container)") << "\n";
    out << "RBAC: patch " << kube::workloadResource(w.kind) << " " << (p.rbac.allowed ? "allowed" : "NOT allowed")
        << (p.rbac.reason.empty() ? std::string() : " (" + p.rbac.reason + ")") << "\n";
    if (p.suggestedValue)
        out << "suggested from the observed peak: " << *p.suggestedValue << "\n";
    out << "kubectl equivalent: " << p.kubectl << "\n";
    if (p.management.managedBy.empty())
        out << "managed by: no GitOps or Helm marks found on " << w.text() << "\n";
    for (const auto& m : p.management.managedBy)
        out << "managed by " << m.tool << (m.certain ? "" : " (possibly)") << ": " << m.evidence << "\n  -> "
            << m.consequence << "\n";
    for (const auto& a : p.management.autoscalers)
        out << "autoscaler " << a.kind << "/" << a.name << ": " << a.evidence << "\n  -> " << a.consequence << "\n";
    for (const auto& n : p.management.notChecked)
        out << "not checked: " << n << "\n";
    if (dry) {
        out << "server-side dry run, changes to the " << w.kindName() << " spec:\n";
        if (dry->diff.empty())
            out << "  (none)\n";
        for (const auto& c : dry->diff)
            out << "  " << c.toString() << "\n";
    }
    for (const auto& warning : p.warnings)
        out << "warning: " << warning << "\n";
    out << "for Git:\n" << p.snippet.text();
}

std::string mitigationTitle(MitigationKind kind)
{
    switch (kind) {
    case MitigationKind::RaiseMemoryLimit:
        return "Raise the memory limit";
    case MitigationKind::SetHeapLimitRestart:
        return "Set HEAP_LIMIT_RESTART";
    case MitigationKind::RolloutRestart:
        return "Rollout restart";
    }
    return "Mitigation";
}

Status writeRecord(const MitigationRecord& record, const QString& path)
{
    return writeRecordFile(record.toJson(), path, "mitigation");
}

// `expected`: the apply's record, whose values must still be there for the rollout to count as done.
int followRollout(
    kube::KubeClient& client, const MitigationRecord& record, int timeoutS, std::ostream& out, bool expectApplied)
{
    RolloutProgress progress(client, record.ns, record.workload, record.generation, { 2000, timeoutS * 1000 });
    if (expectApplied)
        progress.expectApplied(record);
    std::string last;
    const auto done = await<RolloutStatus>(
        [&](auto cb) {
            progress.start(
                [&](const RolloutStatus& s) {
                    if (s.toString() != last)
                        out << "rollout: " << (last = s.toString()) << "\n" << std::flush;
                },
                cb);
        },
        timeoutS + 5);
    if (!done)
        return fail(done.error());
    if (done->waitsOnUser && !done->complete)
        out << "rollout: waits on you: " << done->note << "\n";
    return 0;
}

// After a settle time, whether the applied values are still there; a GitOps controller's self-heal
// (Argo CD, Flux) puts the Git version back within seconds, and "applied" would then be a lie. Sets
// the record's `verify`.
Result<std::vector<FieldComparison>> verifyStayed(
    kube::KubeClient& client, MitigationRecord& applied, int settleS, std::ostream& out)
{
    out << "verify: reading " << applied.workload.text() << " again in " << settleS << " s\n" << std::flush;
    QEventLoop settle;
    QTimer::singleShot(settleS * 1000, &settle, &QEventLoop::quit);
    settle.exec();
    const auto current = await<nlohmann::json>(
        [&](auto cb) { client.getJson(applied.workload.path(applied.ns), {}, nullptr, cb); }, 30);
    if (!current)
        return current.error();
    auto moved = applyDidNotStay(applied, *current, applied.fieldManager);
    ApplyVerification v;
    v.stillApplied = moved.empty();
    v.settleSeconds = settleS;
    v.checkedMs = QDateTime::currentMSecsSinceEpoch();
    for (const auto& f : moved)
        if (f.changedBy && v.revertedBy.empty())
            v.revertedBy = f.changedBy->manager;
    applied.verify = v;
    return moved;
}

int reportVerification(const MitigationRecord& applied, const std::vector<FieldComparison>& moved, std::ostream& out)
{
    if (moved.empty()) {
        out << "verify: the change stayed (" << applied.verify->settleSeconds << " s after applying)\n";
        return 0;
    }
    std::string lines;
    for (const auto& f : moved)
        lines += "\n  " + f.threeWay();
    const std::string& who = applied.verify->revertedBy;
    return fail(makeError(ErrorCode::Conflict,
        "the change did not stay" + (who.empty() ? std::string() : ": field manager \"" + who + "\" took it back")
            + lines,
        "the workload is managed elsewhere (a GitOps controller such as Argo CD or Flux, or a Helm upgrade; see the "
        "plan's managed_by): make the change where it is managed, or pause its self-heal, then apply again"));
}

} // namespace

int runMitigateCommand(const QStringList& args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Runbook step 5: raise a container's memory limit (limits), set HEAP_LIMIT_RESTART (heap-restart) or "
        "restart the pods (restart) of a Deployment, StatefulSet, DaemonSet or Argo Rollout. Shows the RBAC answer, "
        "who else manages the workload (Argo CD, Flux, Helm, HPA, VPA), a server-side dry-run diff, the kubectl "
        "equivalent and the change for Git; applies only after confirmation (or --yes) and writes a record for "
        "--revert."));
    p.addHelpOption();
    p.addPositionalArgument(QStringLiteral("kind"), QStringLiteral("limits, heap-restart or restart"));
    ChangeOptions change(p,
        { QStringLiteral("mitigate"), QStringLiteral("Write the record of the applied change here (default: stdout)."),
            QStringLiteral("Revert the change described by this record file."),
            QStringLiteral("After applying, follow the rollout until it completes (or --timeout)."),
            QStringLiteral("text, or json for the plan of --dry-run (and of a refused plan) as one object.") });
    WorkloadOptions workloadOpts(p, true);
    const QCommandLineOption containerOpt({ QStringLiteral("c"), QStringLiteral("container") },
        QStringLiteral("Container (default: the main one: the default-container annotation, else the one named like "
                       "the workload, else the largest); a native sidecar (init container) may be named too."),
        QStringLiteral("NAME"));
    const QCommandLineOption memoryOpt(QStringLiteral("memory"),
        QStringLiteral("limits: the new memory limit (default: the runbook's 4Gi). heap-restart: the limit to derive "
                       "the value from."),
        QStringLiteral("Q"));
    const QCommandLineOption valueOpt(QStringLiteral("value"),
        QStringLiteral(
            "heap-restart: HEAP_LIMIT_RESTART (default: limit x 3584/4096, e.g. 3584m). limits: same as --memory."),
        QStringLiteral("V"));
    const QCommandLineOption peakOpt(QStringLiteral("peak"),
        QStringLiteral("limits: observed memory peak (e.g. 2Gi) to suggest a limit from (peak x 1.25, next 256Mi)."),
        QStringLiteral("Q"));
    const QCommandLineOption verifyOpt(QStringLiteral("verify"),
        QStringLiteral("After applying (and the rollout, with --wait), wait this long, read the workload again and "
                       "say whether the change stayed or who took it back, e.g. an Argo CD self-heal (default 20; "
                       "0: do not check)."),
        QStringLiteral("SECONDS"), QStringLiteral("20"));
    const QCommandLineOption silenceOpt(QStringLiteral("silence"),
        QStringLiteral("While the change rolls out, silence the workload's memory alerts in Alertmanager for this long "
                       "(e.g. 2h), with the incident's id in the comment; journaled in --incident, expired by "
                       "--revert ... --incident."),
        QStringLiteral("DURATION"));
    const QCommandLineOption incidentOpt(QStringLiteral("incident"),
        QStringLiteral("The incident file: --silence journals the silence there; --revert expires it."),
        QStringLiteral("FILE"));
    const QCommandLineOption undoOpt(QStringLiteral("undo-stopgaps"),
        QStringLiteral("Runbook step 6, once the fix is in: undo the --incident's stopgaps still applied (pods back in "
                       "their Service, HEAP_LIMIT_RESTART, then the limit), saying which are already gone; each after "
                       "a server dry run and one confirmation, checked --verify seconds after its rollout."));
    p.addOptions({ containerOpt, memoryOpt, valueOpt, peakOpt, verifyOpt, silenceOpt, incidentOpt, undoOpt });
    AlertmanagerOptions alertmanager(p);
    if (!p.parse(QStringList { QStringLiteral("leakdesk-cli mitigate") } + args)) {
        printError(p.errorText(), QStringLiteral("run 'leakdesk-cli mitigate --help'"));
        return 2;
    }
    if (p.isSet(QStringLiteral("help"))) {
        std::cout << p.helpText().toStdString();
        return 0;
    }
    const QStringList pos = p.positionalArguments();
    if (p.isSet(undoOpt)) {
        if (!pos.isEmpty() || change.reverting() || workloadOpts.given()) {
            printError(QStringLiteral("--undo-stopgaps takes the incident's stopgaps: no kind, --revert or workload"),
                QStringLiteral("leakdesk-cli mitigate --undo-stopgaps --incident FILE --kubeconfig K [--yes]"));
            return 2;
        }
        if (!change.validate())
            return 2;
        bool settleOk = false;
        const int settleS = p.value(verifyOpt).toInt(&settleOk);
        if (!settleOk || settleS < 0 || settleS > 3600) {
            printError(QStringLiteral("--verify must be a number of seconds from 0 to 3600"));
            return 2;
        }
        return runUndoStopgaps(change, settleS);
    }
    const auto kind = pos.size() == 1 ? parseMitigationKind(pos.first().toStdString()) : std::nullopt;
    if (!kind) {
        printError(pos.isEmpty() ? QStringLiteral("which mitigation?")
                                 : QStringLiteral("unknown mitigation '%1'").arg(pos.join(u' ')),
            QStringLiteral("leakdesk-cli mitigate limits|heap-restart|restart ..."));
        return 2;
    }
    if (!change.validate() || !workloadOpts.validate())
        return 2;
    bool verifyOk = false;
    const int verifyS = p.value(verifyOpt).toInt(&verifyOk);
    if (!verifyOk || verifyS < 0 || verifyS > 3600) {
        printError(
            QStringLiteral("--verify must be a number of seconds from 0 to 3600, not '%1'").arg(p.value(verifyOpt)),
            QStringLiteral("e.g. --verify 20, or --verify 0 not to check"));
        return 2;
    }
    const bool reverting = change.reverting();
    const int timeoutS = change.timeoutSeconds();
    if (!alertmanager.validate())
        return 2;
    std::int64_t silenceMs = 0;
    if (p.isSet(silenceOpt)) {
        auto d = alerts::parseSilenceDuration(p.value(silenceOpt).toStdString());
        if (!d)
            return fail(d.error(), 2);
        silenceMs = *d;
        if (reverting) {
            printError(QStringLiteral("--silence is for applying; --revert with --incident expires the silence"));
            return 2;
        }
        if (!p.isSet(incidentOpt)) {
            printError(QStringLiteral("--silence needs --incident FILE: the silence carries the incident's id and is "
                                      "journaled there"));
            return 2;
        }
    }
    const QString incidentFile = p.value(incidentOpt);
    if (!reverting && !workloadOpts.given()) {
        printError(QStringLiteral("which workload? --workload KIND/NAME, --service NAME or --deployment NAME"),
            QStringLiteral("e.g. --sandbox --namespace production --deployment checkout, or --namespace storefront "
                           "--workload statefulset/search"));
        return 2;
    }
    if (p.isSet(memoryOpt) && p.isSet(valueOpt) && *kind == MitigationKind::RaiseMemoryLimit) {
        printError(QStringLiteral("give the new limit once: --memory or --value"));
        return 2;
    }
    if (*kind == MitigationKind::RolloutRestart && (p.isSet(memoryOpt) || p.isSet(valueOpt))) {
        printError(QStringLiteral("restart takes no --memory or --value"));
        return 2;
    }
    MitigationRequest request;
    if (p.isSet(peakOpt)) {
        auto peak = parseMemoryBytes(p.value(peakOpt).toStdString());
        if (!peak || *peak <= 0) {
            printError(QStringLiteral("--peak '%1' is not a memory quantity").arg(p.value(peakOpt)),
                QStringLiteral("e.g. --peak 3300Mi"));
            return 2;
        }
        request.observedPeakBytes = *peak;
    }
    if (*kind == MitigationKind::RaiseMemoryLimit)
        request.value = p.value(p.isSet(memoryOpt) ? memoryOpt : valueOpt).toStdString();
    if (*kind == MitigationKind::SetHeapLimitRestart) {
        request.value = p.value(valueOpt).toStdString();
        if (p.isSet(memoryOpt)) {
            auto limit = parseMemoryLimit(p.value(memoryOpt).toStdString());
            if (!limit)
                return fail(limit.error(), 2);
            request.memoryLimitBytes = *limit;
        }
    }

    std::optional<MitigationRecord> record;
    if (reverting) {
        const auto j = readRecordFile(change.revertFile());
        if (!j)
            return fail(j.error());
        auto r = MitigationRecord::fromJson(*j);
        if (!r)
            return fail(r.error());
        if (r->kind != *kind)
            return fail(
                makeError(ErrorCode::InvalidArgument,
                    std::string("the record is of a '") + mitigationKindName(r->kind) + "' mitigation",
                    std::string("run: leakdesk-cli mitigate ") + mitigationKindName(r->kind) + " --revert FILE ..."),
                2);
        const kube::WorkloadRef named = workloadOpts.given() ? workloadOpts.ref() : kube::WorkloadRef {};
        const bool otherWorkload = workloadOpts.given()
            && (named.name != r->workload.name
                || (named.kind && named.kind != kube::WorkloadKind::Service && *named.kind != r->workload.kind));
        if (change.namespaceOr(r->ns) != r->ns || otherWorkload)
            return fail(makeError(ErrorCode::InvalidArgument,
                            "the record is of " + r->workload.text() + " in " + r->ns + ", not the one given"),
                2);
        record = std::move(*r);
    }

    auto conn = change.connect();
    if (!conn)
        return fail(conn.error());
    kube::KubeClient& client = *conn->client;
    auto mitigation = Mitigation::create(*kind, client);

    if (record && !incidentFile.isEmpty()) {
        // The silence set while the change rolled out ends with it (first: the alerts are wanted
        // whatever the revert of the spec meets).
        const kube::WorkloadRef workload { record->workload.kind, record->workload.name };
        const auto expired = expireIncidentSilence(
            alertmanager, client, incidentFile, workload, change.dryRun(),
            [&] { return change.confirmed(std::cout, "Expire the silence?", "expiring"); }, timeoutS, std::cout);
        if (!expired)
            return fail(expired.error());
    }
    if (record) {
        // The same core as the GUI's revert: each field the mitigation touched is compared with what
        // this record says LeakDesk left there; writes to other fields are not a conflict.
        MitigationRevert reverter(client);
        std::cout << "revert " << record->id << ": " << record->workload.text() << " in " << record->ns
                  << ", container " << record->container << "\n";
        const auto plan = await<RevertPlan>(
            [&](auto cb) {
                reverter.plan({ { *record }, {}, record->fieldManager }, cb);
            },
            timeoutS);
        if (!plan)
            return fail(plan.error());
        for (const auto& f : plan->comparison.fields)
            std::cout << "  " << f.threeWay() << " [" << fieldStateName(f.state) << "]\n";
        if (plan->partial())
            return fail(makeError(ErrorCode::Conflict, plan->conflictMessage(),
                "nothing was reverted; look at the workload as it is now (kubectl get " + record->workload.text()
                    + " -n " + record->ns + " -o yaml) and change it by hand if the old values are still wanted"));
        if (!plan->comparison.anythingToRestore()) {
            std::cout << "nothing to revert: every field already has its value from before\n";
            return 0;
        }
        std::cout << plan->sinceOwnWrite() << "\n";
        std::cout << "kubectl equivalent: " << plan->kubectl << "\n";
        std::cout << "server-side dry run, changes to the " << record->workload.kindName() << " spec:\n";
        for (const auto& c : plan->preview)
            std::cout << "  " << c.toString() << "\n";
        if (change.dryRun())
            return 0;
        if (!change.confirmed(std::cout, "Revert?", "reverting"))
            return 1;
        const auto r = await<RevertResult>([&](auto cb) { reverter.apply(*plan, false, cb); }, timeoutS);
        if (!r)
            return fail(r.error());
        std::cout << "reverted (resourceVersion " << r->resourceVersion << "); kubectl equivalent: " << r->kubectl
                  << "\n";
        for (const auto& c : r->diff)
            std::cout << "  " << c.toString() << "\n";
        if (!change.wait())
            return 0;
        MitigationRecord rolled = *record;
        rolled.generation = r->generation;
        if (const int rc = followRollout(client, rolled, timeoutS, std::cout, false); rc != 0)
            return rc;
        // The rollout was the settle time: did the restored values stay?
        const auto moved = await<std::vector<FieldComparison>>(
            [&](auto cb) { reverter.verify(*r, record->ns, record->workload, record->fieldManager, cb); }, timeoutS);
        if (!moved)
            return fail(moved.error());
        if (moved->empty()) {
            std::cout << "the revert stayed\n";
            return 0;
        }
        std::string lines;
        for (const auto& f : *moved)
            lines += "\n  " + f.threeWay();
        return fail(makeError(ErrorCode::Conflict, "the revert did not stay:" + lines,
            "someone (a GitOps controller?) wrote the field again after the revert"));
    }

    request.ns = change.namespaceOr(conn->defaultNamespace);
    const kube::WorkloadRef ref = workloadOpts.ref();
    if (ref.kind && *ref.kind != kube::WorkloadKind::Service) {
        request.workload = { *ref.kind, ref.name };
    } else {
        // A Service (or a bare name): the workload whose pods it selects.
        auto resolved = resolveWorkload(client, request.ns, ref, timeoutS);
        if (!resolved)
            return fail(resolved.error());
        request.workload = { *resolved->workload.kind, resolved->workload.name };
        std::cerr << workloadOpts.typed() << " is " << request.workload.text() << "\n";
    }
    request.container = p.value(containerOpt).toStdString();
    const auto plan = await<MitigationPlan>([&](auto cb) { mitigation->plan(request, cb); }, timeoutS);
    if (!plan)
        return fail(plan.error());
    // Human text goes to stderr when stdout carries the record.
    std::ostream& out = change.recordToStdout() ? std::cerr : std::cout;
    const std::string resource = kube::workloadResource(request.workload.kind);
    if (!plan->rbac.allowed) {
        if (change.json())
            std::cout << planJson(*plan, nullptr).dump(2) << std::endl;
        else
            printPlan(out, *plan, nullptr);
        return fail(makeError(ErrorCode::Forbidden,
            "you may not patch " + request.workload.text() + " in " + request.ns
                + (plan->rbac.reason.empty() ? std::string() : ": " + plan->rbac.reason),
            "ask for a role that allows 'patch' on " + resource
                + (request.workload.apiGroup().empty() ? std::string() : "." + request.workload.apiGroup())
                + ", or hand the kubectl command to someone who has it"));
    }
    const auto dry = await<DryRunResult>([&](auto cb) { mitigation->dryRun(*plan, cb); }, timeoutS);
    if (!dry)
        return fail(dry.error());
    std::optional<PlannedSilence> silence;
    if (silenceMs > 0) {
        auto planned = planMitigationSilence(alertmanager, client, change.cluster().configPath(), incidentFile,
            request.ns, kube::WorkloadRef { request.workload.kind, request.workload.name }, silenceMs,
            std::string(mitigationKindName(*kind)) + " of " + request.workload.text() + " rolling out", timeoutS);
        if (!planned)
            return fail(planned.error());
        silence = std::move(*planned);
    }
    if (change.json() && change.dryRun()) {
        auto j = planJson(*plan, &*dry);
        if (silence)
            j["silence"] = silencePlanJson(silence->plan);
        std::cout << j.dump(2) << std::endl;
        return 0;
    }
    printPlan(out, *plan, &*dry);
    if (silence)
        printSilencePlan(out, silence->plan);
    if (change.dryRun())
        return 0;
    if (!change.confirmed(out, silence ? "Apply this change and create the silence?" : "Apply this change?"))
        return 1;
    auto applied = await<MitigationRecord>([&](auto cb) { mitigation->apply(*plan, cb); }, timeoutS);
    if (!applied)
        return fail(applied.error());
    out << "applied " << applied->id << " (resourceVersion " << applied->resourceVersion << ")\n" << std::flush;
    // A record file is written at once (the change must stay revertable whatever happens next) and
    // again with the check; a record on stdout once, with the check.
    if (!change.recordToStdout())
        if (auto st = writeRecord(*applied, change.recordFile()); !st)
            return fail(st.error());
    int rc = 0;
    if (silence)
        if (auto created = createPlannedSilence(*silence, incidentFile, timeoutS, out); !created)
            rc = fail(created.error());
    if (change.wait())
        rc = followRollout(client, *applied, timeoutS, out, true);
    std::optional<std::vector<FieldComparison>> moved;
    if (verifyS > 0) {
        auto checked = verifyStayed(client, *applied, verifyS, out);
        if (!checked)
            rc = rc ? rc : fail(checked.error());
        else
            moved = std::move(*checked);
    }
    if (auto st = writeRecord(*applied, change.recordFile()); !st)
        return fail(st.error());
    if (!change.incidentFile().isEmpty()) {
        // As the GUI's mitigation panel journals an apply: the record is the action's revert data.
        std::string values;
        for (const auto& [key, value] : plan->after)
            values += (values.empty() ? "" : ", ") + key + " = " + value.value_or("(not set)");
        std::string diff;
        for (const auto& c : dry->diff)
            diff += (diff.empty() ? "" : "\n") + c.toString();
        incident::AppliedMitigation a { mitigationActionKind(*kind), mitigationTitle(*kind) + ": " + values,
            request.workload.name, request.workload.text(), plan->kubectl, diff, applied->toJson() };
        if (const int journaled = journalInIncident(change.incidentFile(), [&](incident::IncidentDocument& doc) {
                incident::recordMitigation(doc, a, incident::currentTimeMs());
            }))
            rc = rc ? rc : journaled;
    }
    if (moved) {
        const int verified = reportVerification(*applied, *moved, out);
        rc = rc ? rc : verified;
    }
    return rc;
}

} // namespace leakdesk::cli
