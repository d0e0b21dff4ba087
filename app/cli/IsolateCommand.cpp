// leakdesk-cli isolate: take a pod out of its Service before a heap dump (runbook step 3, for a
// live dump whose full GC would stall requests), and put it back afterwards. Plan (the Services
// that select it, the labels to remove, whether its ReplicaSet starts a replacement, RBAC, who is
// left serving), confirmation, server dry run and patch, a record for --revert, and with --wait
// the replacement until it is ready and the Service's endpoints without the pod.
#include "CliCluster.h"
#include "CliCommand.h"
#include "CliIsolation.h"
#include "CliWorkload.h"

#include "core/incident/ActionJournal.h"
#include "core/incident/IncidentRecording.h"
#include "core/kube/KubeObjects.h"

#include <QCommandLineParser>
#include <QElapsedTimer>

#include <iostream>

namespace leakdesk::cli {

namespace {

using namespace leakdesk::actions;
using nlohmann::json;

std::string labelsText(const LabelMap& m)
{
    std::string out;
    for (const auto& [k, v] : m)
        out += (out.empty() ? "" : ",") + k + "=" + v;
    return out.empty() ? "<none>" : out;
}

json planJson(const IsolationPlan& p)
{
    return { { "namespace", p.ns }, { "pod", p.pod }, { "podIP", p.podIp }, { "services", p.services },
        { "remove", p.remove }, { "owner", p.owner }, { "replacementExpected", p.replacementExpected },
        { "otherReadyPods", p.otherReadyPods }, { "kubectl", p.kubectl },
        { "rbac", { { "allowed", p.rbac.allowed }, { "reason", p.rbac.reason } } }, { "warnings", p.warnings } };
}

void printPlan(std::ostream& out, const IsolationPlan& p)
{
    out << "pod/" << p.pod << " in " << p.ns << " (" << (p.podIp.empty() ? "no IP" : p.podIp) << ")\n";
    out << "selected by Service(s): ";
    for (std::size_t i = 0; i < p.services.size(); ++i)
        out << (i ? ", " : "") << p.services[i];
    out << "\nowner: " << (p.owner.empty() ? "<none>" : p.owner) << "\n";
    out << "remove label(s): " << labelsText(p.remove) << "\n";
    if (p.otherReadyPods >= 0)
        out << "other ready pods behind the Service(s): " << p.otherReadyPods << "\n";
    out << "RBAC: patch pods " << (p.rbac.allowed ? "allowed" : "NOT allowed")
        << (p.rbac.reason.empty() ? std::string() : " (" + p.rbac.reason + ")") << "\n";
    out << "kubectl equivalent: " << p.kubectl << "\n";
    for (const auto& w : p.warnings)
        out << "note: " << w << "\n";
}

} // namespace

// Polls until the replacement is ready and the endpoints no longer list the pod (or the deadline).
int followIsolation(PodIsolation& isolation, const IsolationRecord& record, int timeoutS, std::ostream& out)
{
    QElapsedTimer clock;
    clock.start();
    std::string last;
    while (true) {
        const auto st = await<IsolationStatus>([&](auto cb) { isolation.status(record, cb); }, timeoutS);
        if (!st)
            return fail(st.error());
        if (st->toString() != last)
            out << (last = st->toString()) << "\n" << std::flush;
        const bool replaced = !record.replacementExpected || st->replacementReady;
        if (replaced && (!st->endpointsKnown || !st->stillInEndpoints))
            return 0;
        if (clock.elapsed() > qint64(timeoutS) * 1000)
            return fail(makeError(ErrorCode::Timeout, "not settled within " + std::to_string(timeoutS) + " s: " + last,
                "the change was applied; look with: kubectl get pods,endpoints -n " + record.ns));
        QEventLoop loop;
        QTimer::singleShot(1000, &loop, &QEventLoop::quit);
        loop.exec();
    }
}

int runIsolateCommand(const QStringList& args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Take a pod out of its Service before a live heap dump: removes the label its Service(s) select on, so it "
        "gets no more requests and its ReplicaSet starts a replacement; the pod keeps running for the dump. Marks "
        "it with leakdesk.io/isolated=true. Applies only after confirmation (or --yes) and writes a record; "
        "--revert FILE puts the labels back."));
    p.addHelpOption();
    ChangeOptions change(p,
        { QStringLiteral("isolate"), QStringLiteral("Write the record of the change here (default: stdout)."),
            QStringLiteral("Put back the pod described by this record file."),
            QStringLiteral("After applying, wait until the replacement is ready and the Service no longer lists the pod."),
            QStringLiteral("text, or json for the plan of --dry-run as one object.") });
    const QCommandLineOption podOpt(QStringLiteral("pod"), QStringLiteral("The pod to take out."), QStringLiteral("NAME"));
    const QCommandLineOption deleteOpt(QStringLiteral("delete"),
        QStringLiteral("After the dump: delete the pod described by this record file (kubectl delete pod; its "
                       "replacement serves already). Refused when it is back in its Service."),
        QStringLiteral("FILE"));
    p.addOptions({ podOpt, deleteOpt });
    // Or the workload (any kind) or Service whose pod to take out: its first Ready pod.
    WorkloadOptions workloadOpts(p, true);
    if (!p.parse(QStringList { QStringLiteral("leakdesk-cli isolate") } + args)) {
        printError(p.errorText(), QStringLiteral("run 'leakdesk-cli isolate --help'"));
        return 2;
    }
    if (p.isSet(QStringLiteral("help"))) {
        std::cout << p.helpText().toStdString();
        return 0;
    }
    if (!change.validate() || !workloadOpts.validate())
        return 2;
    if (p.isSet(podOpt) && workloadOpts.given()) {
        printError(QStringLiteral("name the pod (--pod) or its workload (%1), not both")
                       .arg(QString::fromStdString(workloadOpts.typed())));
        return 2;
    }
    const bool deleting = p.isSet(deleteOpt);
    const bool reverting = change.reverting();
    const int timeoutS = change.timeoutSeconds();
    if (deleting && reverting) {
        printError(QStringLiteral("--revert puts the pod back, --delete removes it: choose one"));
        return 2;
    }
    if (!reverting && !deleting && !p.isSet(podOpt) && !workloadOpts.given()) {
        printError(
            QStringLiteral("which pod? --pod NAME, or --workload KIND/NAME / --service NAME for one of its pods"),
            QStringLiteral(
                "e.g. --namespace production --pod checkout-…, or --namespace storefront --workload sts/search"));
        return 2;
    }
    std::optional<IsolationRecord> record;
    if (reverting || deleting) {
        const auto j = readRecordFile(deleting ? p.value(deleteOpt) : change.revertFile());
        if (!j)
            return fail(j.error());
        auto r = IsolationRecord::fromJson(*j);
        if (!r)
            return fail(r.error());
        if (change.namespaceOr(r->ns) != r->ns
            || (p.isSet(podOpt) && p.value(podOpt).toStdString() != r->pod))
            return fail(makeError(ErrorCode::InvalidArgument,
                            "the record is of pod/" + r->pod + " in " + r->ns + ", not the one given"),
                2);
        record = std::move(*r);
    }

    auto conn = change.connect();
    if (!conn)
        return fail(conn.error());
    PodIsolation isolation(*conn->client);

    if (record && deleting) {
        std::cout << "delete pod/" << record->pod << " in " << record->ns << " (out of Service(s) since "
                  << kube::formatTimestamp(record->appliedMs) << ")\n";
        if (change.dryRun())
            return 0;
        if (!change.confirmed(std::cout, "Delete it?", "deleting the pod"))
            return 1;
        const auto r = await<IsolationDelete>([&](auto cb) { isolation.deletePod(*record, cb); }, timeoutS);
        if (!r)
            return fail(r.error());
        std::cout << r->message << "; kubectl equivalent: " << r->kubectl << "\n";
        return 0;
    }
    if (record) {
        std::cout << "put back pod/" << record->pod << " in " << record->ns << ": labels " << labelsText(record->removed)
                  << " (Service(s): ";
        for (std::size_t i = 0; i < record->services.size(); ++i)
            std::cout << (i ? ", " : "") << record->services[i];
        std::cout << ")\n";
        if (change.dryRun())
            return 0;
        if (!change.confirmed(std::cout, "Put it back?", "putting the pod back"))
            return 1;
        const auto r = await<IsolationRevert>([&](auto cb) { isolation.revert(*record, cb); }, timeoutS);
        if (!r)
            return fail(r.error());
        std::cout << r->message << " (resourceVersion " << r->resourceVersion << "); kubectl equivalent: " << r->kubectl
                  << "\n";
        if (!change.incidentFile().isEmpty())
            return journalInIncident(change.incidentFile(), [&](incident::IncidentDocument& doc) {
                (void)incident::recordIsolationPutBack(
                    doc, record->pod, r->kubectl, r->message, incident::currentTimeMs());
            });
        return 0;
    }

    const std::string ns = change.namespaceOr(conn->defaultNamespace);
    std::string podName = p.value(podOpt).toStdString();
    if (podName.empty()) {
        const auto resolved = resolveWorkload(*conn->client, ns, workloadOpts.ref(), timeoutS);
        if (!resolved)
            return fail(resolved.error());
        const auto chosen = choosePod(*resolved);
        if (!chosen)
            return fail(chosen.error());
        podName = chosen->pod;
        std::cerr << "pod " << podName << " of " << resolved->workload.text() << " (" << resolved->pods.size()
                  << " pod(s))\n";
    }
    const auto plan = await<IsolationPlan>([&](auto cb) { isolation.plan(ns, podName, cb); }, timeoutS);
    if (!plan)
        return fail(plan.error());
    std::ostream& out = change.recordToStdout() ? std::cerr : std::cout;
    if (change.json() && change.dryRun()) {
        std::cout << planJson(*plan).dump(2) << std::endl;
        return plan->rbac.allowed ? 0 : 1;
    }
    printPlan(out, *plan);
    if (!plan->rbac.allowed)
        return fail(makeError(ErrorCode::Forbidden,
            "you may not patch pod/" + plan->pod + " in " + ns
                + (plan->rbac.reason.empty() ? std::string() : ": " + plan->rbac.reason),
            "ask for a role that allows 'patch' on pods, or hand the kubectl command to someone who has it"));
    if (change.dryRun())
        return 0;
    if (!change.confirmed(out, "Take it out of its Service?", "changing the pod"))
        return 1;
    const auto applied = await<IsolationRecord>([&](auto cb) { isolation.apply(*plan, cb); }, timeoutS);
    if (!applied)
        return fail(applied.error());
    out << "applied " << applied->id << " (resourceVersion " << applied->resourceVersion << ")\n" << std::flush;
    if (auto st = writeRecordFile(applied->toJson(), change.recordFile(), "isolation"); !st)
        return fail(st.error());
    if (!change.incidentFile().isEmpty()) {
        std::string services;
        for (const auto& s : applied->services)
            services += (services.empty() ? "" : ", ") + s;
        const std::string summary = "Pod " + applied->pod + " taken out of Service(s) " + services;
        if (const int rc = journalInIncident(change.incidentFile(), [&](incident::IncidentDocument& doc) {
                incident::recordIsolation(
                    doc, applied->pod, applied->kubectl, applied->toJson(), summary, incident::currentTimeMs());
            }))
            return rc;
    }
    if (change.wait())
        return followIsolation(isolation, *applied, timeoutS, out);
    return 0;
}

} // namespace leakdesk::cli
