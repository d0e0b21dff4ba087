// leakdesk-cli verify-fix: runbook step 6, did the deployed fix stop the leak? The newest revision
// of the workload against the one that leaked (investigation::FixVerificationJob), as text or JSON.
#include "CliCommand.h"

#include "ClusterTargetOptions.h"
#include "SandboxSession.h"

#include "core/incident/FixVerificationRecording.h"
#include "core/incident/IncidentStore.h"
#include "core/incident/InvestigationRecording.h"
#include "core/investigation/ClusterConnection.h"
#include "core/investigation/FixVerification.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>
#include <QTimer>

#include <iostream>

namespace leakdesk::cli {

namespace {

// Exit codes: a script polls until the answer is no longer "pending".
constexpr int kExitFixed = 0;
constexpr int kExitNotFixed = 1;
constexpr int kExitFailed = 4;
constexpr int kExitPending = 3;

int exitCodeFor(analysis::FixOutcome outcome)
{
    switch (outcome) {
    case analysis::FixOutcome::Fixed:
        return kExitFixed;
    case analysis::FixOutcome::NotFixed:
        return kExitNotFixed;
    case analysis::FixOutcome::Pending:
        return kExitPending;
    }
    return kExitPending;
}

void printText(const investigation::FixVerificationReport& r)
{
    const analysis::FixVerification& v = r.verification;
    std::cout << r.workload << " in " << r.ns << " (container " << r.container << ")\n"
              << "old revision: " << (v.oldRevision.empty() ? "-" : v.oldRevision) << '\n'
              << "new revision: " << (v.newRevision.empty() ? "-" : v.newRevision) << '\n'
              << "verdict: " << analysis::fixOutcomeName(v.outcome);
    if (v.outcome == analysis::FixOutcome::Pending && v.neededMinutes)
        std::cout << " (about " << *v.neededMinutes << " min more)";
    if (v.outcome != analysis::FixOutcome::Pending)
        std::cout << " (confidence " << static_cast<int>(v.confidence * 100 + 0.5) << "%)";
    std::cout << '\n' << v.reason << "\nevidence:\n";
    for (const analysis::Evidence& e : v.evidence)
        std::cout << "  - " << e.sentence << '\n';
    for (const std::string& note : r.notes)
        std::cout << "note: " << note << '\n';
    std::cout << std::flush;
}

} // namespace

int runVerifyFixCommand(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Runbook step 6: did the deployed fix stop the leak? Compares the workload's newest revision (a new "
        "ReplicaSet or controller revision, made after the incident started) with the one that leaked, per "
        "container lifetime: growth rate, levelling off within 10 minutes, OOM kills and restarts since.\n\n"
        "Exit codes:\n"
        "  0  fixed\n"
        "  1  not fixed\n"
        "  2  wrong usage\n"
        "  3  pending: not enough observation yet (needed_minutes says how much more), or no new revision\n"
        "  4  the verification could not run (connection, workload not found, no Prometheus, incident file)"));
    parser.addHelpOption();
    app::ClusterTargetOptions cluster(parser, { .prometheus = true });
    const QCommandLineOption workloadOpt(QStringLiteral("workload"),
        QStringLiteral("The workload as KIND/NAME: deployment, statefulset, daemonset, rollout (or deploy, sts, ds, "
                       "ro)."),
        QStringLiteral("KIND/NAME"));
    const QCommandLineOption incidentOpt(QStringLiteral("incident"),
        QStringLiteral("The incident file: the new revision must be younger than the incident, and the result is "
                       "recorded in it (step 6 ticked with the evidence when fixed)."),
        QStringLiteral("FILE"));
    const QCommandLineOption formatOpt(
        QStringLiteral("format"), QStringLiteral("text or json."), QStringLiteral("FMT"), QStringLiteral("text"));
    const QCommandLineOption oldWindowOpt(QStringLiteral("old-window"),
        QStringLiteral("Hours of the old revision's history to judge, before the new one (default 6)."),
        QStringLiteral("H"), QStringLiteral("6"));
    const QCommandLineOption timeoutOpt(QStringLiteral("timeout"),
        QStringLiteral("Give up after this many seconds (default 60)."), QStringLiteral("S"), QStringLiteral("60"));
    parser.addOptions({ workloadOpt, incidentOpt, formatOpt, oldWindowOpt, timeoutOpt });
    if (const auto exit = parseOrExit(parser, QStringLiteral("verify-fix"), args))
        return *exit;

    const QString format = parser.value(formatOpt);
    if (format != QLatin1String("text") && format != QLatin1String("json")) {
        printError(QStringLiteral("unknown format '%1'").arg(format), QStringLiteral("use --format text or json"));
        return 2;
    }
    if (!parser.isSet(workloadOpt)) {
        printError(QStringLiteral("name the workload: --workload KIND/NAME"),
            QStringLiteral("e.g. --workload deployment/checkout -n production"));
        return 2;
    }
    auto ref = kube::parseWorkloadRef(parser.value(workloadOpt).toStdString());
    if (!ref || !ref->kind) {
        printError(QStringLiteral("--workload wants KIND/NAME, e.g. deployment/checkout"),
            ref ? QString() : QString::fromStdString(ref.error().message));
        return 2;
    }
    if (const auto problem = cluster.validate()) {
        printError(problem->message, problem->hint);
        return 2;
    }
    bool ok = false;
    const double oldWindowHours = parser.value(oldWindowOpt).toDouble(&ok);
    if (!ok || oldWindowHours < 0.5 || oldWindowHours > 24 * 7) {
        printError(QStringLiteral("--old-window must be between 0.5 and 168 hours"));
        return 2;
    }
    const int timeoutS = std::max(1, parser.value(timeoutOpt).toInt());
    const QString incidentFile = parser.value(incidentOpt);

    investigation::FixVerificationRequest request;
    request.workload = *ref;
    request.oldWindowMs = static_cast<std::int64_t>(oldWindowHours * 3600 * 1000);
    if (!incidentFile.isEmpty()) {
        // The incident's start bounds which revision can be the fix. A missing file is an error:
        // without the incident's start any revision would do.
        if (!QFileInfo::exists(incidentFile)) {
            printError(QStringLiteral("no incident file %1").arg(incidentFile),
                QStringLiteral("start the incident first (leakdesk-cli investigate --incident FILE)"));
            return kExitFailed;
        }
        auto loaded = incident::IncidentStore(incidentFile).load();
        if (!loaded) {
            printError(QString::fromStdString(loaded.error().message), QString::fromStdString(loaded.error().detail));
            return kExitFailed;
        }
        request.incidentStartMs = loaded->document.createdMs;
    }

    app::SandboxSession sandbox; // outlives the connection that reaches it
    auto target = cluster.resolve(sandbox);
    if (!target) {
        printError(QString::fromStdString(target.error().message), QString::fromStdString(target.error().detail));
        return kExitFailed;
    }
    auto connection = investigation::ClusterConnection::open(*target);
    if (!connection) {
        printError(
            QString::fromStdString(connection.error().message), QString::fromStdString(connection.error().detail));
        return kExitFailed;
    }
    request.ns = (cluster.namespaceGiven() ? cluster.namespaceName() : (*connection)->defaultNamespace()).toStdString();

    int exitCode = kExitFailed;
    investigation::FixVerificationJob job(**connection);
    QObject::connect(&job, &investigation::FixVerificationJob::finished,
        [&](std::shared_ptr<const investigation::FixVerificationReport> report) {
            if (format == QLatin1String("json"))
                std::cout << investigation::fixVerificationJson(*report).dump(2) << std::endl;
            else
                printText(*report);
            exitCode = exitCodeFor(report->verification.outcome);
            if (!incidentFile.isEmpty()) {
                const kube::ResolvedContext& reached = (*connection)->kube().context();
                auto recorded = incident::recordFixVerificationInFile(incidentFile, *report,
                    incident::clusterRefFor(reached.context.name, reached.cluster.server, (*connection)->isSandbox()),
                    incident::currentTimeMs());
                if (!recorded) {
                    printError(QString::fromStdString(recorded.error().message),
                        QString::fromStdString(recorded.error().detail));
                    exitCode = kExitFailed;
                } else {
                    std::cerr << "recorded in " << incidentFile.toStdString()
                              << (recorded->stepTicked ? ": step " + std::to_string(recorded->stepNumber) + " ticked"
                                                       : std::string())
                              << '\n';
                }
            }
            QCoreApplication::exit(0);
        });
    QObject::connect(&job, &investigation::FixVerificationJob::failed, [&](const Error& e) {
        if (e.code == ErrorCode::Cancelled)
            return; // the timeout that cancelled the job says why
        printError(QString::fromStdString(e.message), QString::fromStdString(e.detail));
        exitCode = kExitFailed;
        QCoreApplication::exit(0);
    });
    QTimer::singleShot(timeoutS * 1000, [&] {
        job.cancel();
        printError(QStringLiteral("no complete answer within %1 s").arg(timeoutS),
            QStringLiteral("the cluster or Prometheus is slow or unreachable; retry with a larger --timeout"));
        exitCode = kExitFailed;
        QCoreApplication::exit(0);
    });
    job.start(request);
    QCoreApplication::exec();
    return exitCode;
}

} // namespace leakdesk::cli
