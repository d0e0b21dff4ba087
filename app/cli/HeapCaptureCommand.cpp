// leakdesk-cli heap capture (--sandbox | --kubeconfig F [--context C]) -n/--namespace NS
//     (--pod POD | --workload KIND/NAME | --service NAME | --deployment NAME) [--container C] [--out DIR] [--live|--all] [--remote-dir DIR] [--no-gzip] [--force]
//     [--preflight-only] [--debug-container [--debug-image IMAGE]] [--isolate [--put-back]] [--verbose]
// Runbook step 3 done safely: prints the pre-flight, each stage and the verified SHA-256. The
// pipeline is capture::HeapCapture; this file parses arguments and prints.
#include "CliCluster.h"
#include "CliCommand.h"
#include "CliIsolation.h"
#include "CliWorkload.h"

#include "core/capture/HeapCapture.h"
#include "core/common/Quantity.h"
#include "core/kube/KubeClient.h"
#include "core/sandbox/SandboxHost.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QStandardPaths>
#include <QTextStream>

#include <cstdio>
#include <iostream>

namespace leakdesk::cli {

namespace {

void out(const QString& line)
{
    QTextStream(stdout) << line << Qt::endl;
}

} // namespace

int runHeapCaptureCommand(const QStringList& args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Capture a heap dump from a JVM in a pod: pre-flight (JVM, tools, free space, memory-backed target, "
        "memory headroom), jcmd GC.heap_dump (or jmap), transfer over the exec stream with resume, SHA-256 "
        "verified against sha256sum in the pod, remote file removed."));
    p.addHelpOption();
    const app::ClusterTargetOptions cluster(p, {});
    const QCommandLineOption nowMs(
        QStringLiteral("now-ms"), QStringLiteral("Pin the sandbox's clock (ms since epoch)."), QStringLiteral("MS"));
    const QCommandLineOption variation(QStringLiteral("sandbox-container"),
        QStringLiteral("Sandbox container variation, NAME=SPEC (service or pod; SPEC: no-jdk, memory-tmp, "
                       "disk-free=SIZE, corrupt-reads, dump-bytes=SIZE). Repeatable."),
        QStringLiteral("NAME=SPEC"));
    const QCommandLineOption dropAfter(QStringLiteral("sandbox-drop-after"),
        QStringLiteral("Sandbox: drop every exec connection after this many stdout bytes."), QStringLiteral("BYTES"));
    const QCommandLineOption pod(QStringLiteral("pod"), QStringLiteral("Pod to dump."), QStringLiteral("POD"));
    const QCommandLineOption container(QStringLiteral("container"),
        QStringLiteral("Container (default: the pod's default container; with --workload or --service, the workload's "
                       "main container)."),
        QStringLiteral("C"));
    const QCommandLineOption outDir(QStringLiteral("out"), QStringLiteral("Output directory (default: current)."),
        QStringLiteral("DIR"), QStringLiteral("."));
    const QCommandLineOption live(
        QStringLiteral("live"), QStringLiteral("Live objects only (default; forces a full GC)."));
    const QCommandLineOption all(QStringLiteral("all"), QStringLiteral("All objects, garbage included (no full GC)."));
    const QCommandLineOption remoteDir(QStringLiteral("remote-dir"),
        QStringLiteral("Directory in the container for the dump."), QStringLiteral("DIR"));
    const QCommandLineOption noGzip(QStringLiteral("no-gzip"), QStringLiteral("Do not compress the dump in the pod."));
    const QCommandLineOption force(
        QStringLiteral("force"), QStringLiteral("Go on despite space or memory blockers found in the pre-flight."));
    const QCommandLineOption preflightOnly(
        QStringLiteral("preflight-only"), QStringLiteral("Print the pre-flight and stop; changes nothing."));
    const QCommandLineOption debugImage(QStringLiteral("debug-image"),
        QStringLiteral("JDK image for the debug container offer (default eclipse-temurin:17-jdk)."),
        QStringLiteral("IMAGE"));
    const QCommandLineOption debugContainer(QStringLiteral("debug-container"),
        QStringLiteral("When the image has no JDK: create the offered ephemeral debug container (kubectl debug "
                       "--target; it cannot be removed and exits after an hour) and dump from there."));
    const QCommandLineOption isolate(QStringLiteral("isolate"),
        QStringLiteral("First take the pod out of its Service (its ReplicaSet starts a replacement; see "
                       "'leakdesk-cli isolate'), so the dump's pause stalls no requests. The record for putting it "
                       "back is written next to the dump."));
    const QCommandLineOption putBack(QStringLiteral("put-back"),
        QStringLiteral("With --isolate: put the pod back in its Service after the capture (default: leave it out, "
                       "to delete it or to dump again)."));
    const QCommandLineOption verbose(QStringLiteral("verbose"), QStringLiteral("Print each command run in the pod."));
    p.addOptions({ isolate, putBack, debugContainer, verbose, nowMs, variation, dropAfter, pod, container, outDir, live,
        all, remoteDir, noGzip, force, preflightOnly, debugImage });
    WorkloadOptions workloadOpts(p, true);
    if (!p.parse(QStringList { QStringLiteral("leakdesk-cli heap capture") } + args)) {
        printError(p.errorText(), QStringLiteral("run 'leakdesk-cli heap capture --help'"));
        return 2;
    }
    if (p.isSet(QStringLiteral("help"))) {
        QTextStream(stdout) << p.helpText();
        return 0;
    }
    if (!workloadOpts.validate())
        return 2;
    if (p.isSet(pod) && workloadOpts.given()) {
        printError(QStringLiteral("name the pod (--pod) or its workload (%1), not both")
                       .arg(QString::fromStdString(workloadOpts.typed())));
        return 2;
    }
    if ((!p.isSet(pod) || p.value(pod).isEmpty()) && !workloadOpts.given()) {
        printError(QStringLiteral("heap capture needs --pod, or --workload KIND/NAME / --service NAME for one of its pods"),
            QStringLiteral("usage: leakdesk-cli heap capture (--sandbox | --kubeconfig F [--context C]) --namespace NS "
                           "--pod POD [--container C] [--out DIR] [--live|--all]"));
        return 2;
    }
    if (p.isSet(live) && p.isSet(all)) {
        printError(QStringLiteral("--live and --all exclude each other"));
        return 2;
    }
    if (const auto problem = cluster.validate()) {
        printError(problem->message, problem->hint);
        return 2;
    }
    if (p.isSet(putBack) && !p.isSet(isolate)) {
        printError(QStringLiteral("--put-back goes with --isolate"));
        return 2;
    }
    if (p.isSet(isolate) && p.isSet(preflightOnly)) {
        printError(QStringLiteral("--preflight-only changes nothing; --isolate would change the pod's labels"));
        return 2;
    }

    // The sandbox's own settings (its clock, container variations, dropped exec streams).
    sandbox::SandboxOptions so;
    if (cluster.sandbox()) {
        bool ok = true;
        if (p.isSet(nowMs)) {
            so.fixedNowMs = p.value(nowMs).toLongLong(&ok);
            if (!ok) {
                printError(QStringLiteral("invalid --now-ms '%1'").arg(p.value(nowMs)));
                return 2;
            }
        }
        if (p.isSet(dropAfter)) {
            so.execDropAfterBytes = p.value(dropAfter).toLongLong(&ok);
            if (!ok || so.execDropAfterBytes <= 0) {
                printError(QStringLiteral("invalid --sandbox-drop-after '%1'").arg(p.value(dropAfter)));
                return 2;
            }
        }
        for (const QString& v : p.values(variation)) {
            const qsizetype eq = v.indexOf(QLatin1Char('='));
            auto parsed = sandbox::parseContainerVariation(eq > 0 ? v.mid(eq + 1).toStdString() : std::string());
            if (eq <= 0 || !parsed) {
                printError(QStringLiteral("invalid --sandbox-container '%1'").arg(v),
                    parsed ? QStringLiteral("use NAME=SPEC, e.g. checkout=no-jdk")
                           : QString::fromStdString(parsed.error().toString()));
                return 2;
            }
            so.containerVariations[v.left(eq).toStdString()] = *parsed;
        }
    }
    auto connection = connectCluster(cluster, so);
    if (!connection) {
        printError(
            QString::fromStdString(connection.error().message), QString::fromStdString(connection.error().detail));
        return 1;
    }
    kube::KubeClient& client = *connection->client;

    capture::CaptureRequest request;
    request.ns
        = cluster.namespaceGiven() ? cluster.namespaceName() : QString::fromStdString(connection->defaultNamespace);
    request.pod = p.value(pod);
    request.container = p.value(container);
    if (request.pod.isEmpty()) {
        // The workload's first Ready pod, its main container unless one is named.
        const auto resolved = resolveWorkload(client, request.ns.toStdString(), workloadOpts.ref(), 60);
        if (!resolved)
            return fail(resolved.error());
        const auto chosen = choosePod(*resolved);
        if (!chosen)
            return fail(chosen.error());
        request.pod = QString::fromStdString(chosen->pod);
        if (request.container.isEmpty())
            request.container = QString::fromStdString(chosen->mainContainer);
        std::cerr << "pod " << chosen->pod << " of " << resolved->workload.text() << ", container "
                  << request.container.toStdString() << "\n";
    }
    request.outputDir = QDir(p.value(outDir)).absolutePath();
    request.remoteDir = p.value(remoteDir);
    request.liveObjects = !p.isSet(all);
    request.compress = !p.isSet(noGzip);
    request.createDebugContainer = p.isSet(debugContainer);
    if (p.isSet(debugImage))
        request.debugImage = p.value(debugImage);

    // Out of its Service first: the replacement takes the traffic before the JVM stops for the dump.
    std::optional<actions::IsolationRecord> isolated;
    actions::PodIsolation isolation(client);
    if (p.isSet(isolate)) {
        const std::string podName = request.pod.toStdString();
        const auto plan
            = await<actions::IsolationPlan>([&](auto cb) { isolation.plan(request.ns.toStdString(), podName, cb); }, 60);
        if (!plan)
            return fail(plan.error());
        if (!plan->rbac.allowed)
            return fail(makeError(ErrorCode::Forbidden, "you may not patch pod/" + podName + ": " + plan->rbac.reason,
                "capture without --isolate, or ask for 'patch' on pods"));
        out(QStringLiteral("[isolate] removing label(s) %1 (Service %2); kubectl equivalent: %3")
                .arg(QString::fromStdString(nlohmann::json(plan->remove).dump()),
                    QString::fromStdString(plan->services.empty() ? std::string() : plan->services.front()),
                    QString::fromStdString(plan->kubectl)));
        for (const auto& w : plan->warnings)
            out(QStringLiteral("[isolate] note: ") + QString::fromStdString(w));
        auto applied = await<actions::IsolationRecord>([&](auto cb) { isolation.apply(*plan, cb); }, 60);
        if (!applied)
            return fail(applied.error());
        isolated = *applied;
        const QString recordPath = QDir(request.outputDir).filePath(request.pod + QStringLiteral("-isolation.json"));
        QDir().mkpath(request.outputDir);
        if (auto st = writeRecordFile(isolated->toJson(), recordPath, "isolation"); !st)
            return fail(st.error());
        out(QStringLiteral("[isolate] record: %1").arg(recordPath));
        if (followIsolation(isolation, *isolated, 120, std::cout) != 0)
            return 1;
    }
    const auto afterCapture = [&](int code) {
        if (!isolated)
            return code;
        if (!p.isSet(putBack)) {
            const QString record = QDir(request.outputDir).filePath(request.pod + QStringLiteral("-isolation.json"));
            out(QStringLiteral("pod %1 is still out of its Service; with the same --kubeconfig/--context, put it back "
                               "(leakdesk-cli isolate --revert %2 --yes) or, its dump being home, delete it "
                               "(leakdesk-cli isolate --delete %2 --yes)")
                    .arg(request.pod, record));
            return code;
        }
        const auto back = await<actions::IsolationRevert>([&](auto cb) { isolation.revert(*isolated, cb); }, 60);
        if (!back)
            return fail(back.error());
        out(QStringLiteral("[isolate] %1").arg(QString::fromStdString(back->message)));
        return code;
    };

    capture::HeapCapture job(client, request);
    QEventLoop loop;
    int exitCode = 1;
    qint64 lastPrinted = -1;
    QObject::connect(
        &job, &capture::HeapCapture::stageChanged, &job, [](capture::CaptureStage stage, const QString& text) {
            out(QStringLiteral("[%1] %2").arg(capture::stageName(stage), text));
        });
    if (p.isSet(verbose))
        QObject::connect(&job, &capture::HeapCapture::commandRun, &job,
            [](const QString& command) { std::fprintf(stderr, "$ %s\n", qPrintable(command)); });
    QObject::connect(
        &job, &capture::HeapCapture::preflightReady, &job, [&](std::shared_ptr<const capture::Preflight> pf) {
            out(pf->describe());
            if (p.isSet(preflightOnly)) {
                exitCode = pf->canCapture() ? 0 : 1;
                loop.quit();
            }
        });
    QObject::connect(&job, &capture::HeapCapture::transferProgress, &job, [&](const capture::TransferProgress& pr) {
        // One line per 10% (stderr: stdout stays readable when redirected).
        const qint64 tenth = pr.total > 0 ? pr.bytes * 10 / pr.total : 0;
        if (tenth == lastPrinted)
            return;
        lastPrinted = tenth;
        std::string line = "  " + formatBytes(double(pr.bytes)) + " of " + formatBytes(double(pr.total));
        if (pr.bytesPerSecond > 0)
            line += ", " + formatBytes(pr.bytesPerSecond) + "/s";
        if (pr.etaSeconds && pr.bytes < pr.total)
            line += ", ETA " + std::to_string(static_cast<int>(*pr.etaSeconds + 0.5)) + " s";
        std::fprintf(stderr, "%s\n", line.c_str());
    });
    QObject::connect(&job, &capture::HeapCapture::finished, &job, [&](const capture::CaptureResult& r) {
        out(QStringLiteral("captured: %1 (%2%3)")
                .arg(r.path, QString::fromStdString(formatBytes(double(r.bytes))),
                    r.resumes ? QStringLiteral(", resumed %1 times").arg(r.resumes) : QString()));
        out(QStringLiteral("sha256: %1 (%2)")
                .arg(r.sha256,
                    r.verifiedInPod ? QStringLiteral("verified against sha256sum in the pod")
                                    : QStringLiteral("NOT verified in the pod")));
        out(QStringLiteral("remote file: %1").arg(r.remoteRemoved ? QStringLiteral("removed") : r.remoteFile));
        for (const auto& n : r.notes)
            out(QStringLiteral("note: ") + n);
        exitCode = 0;
        loop.quit();
    });
    QObject::connect(&job, &capture::HeapCapture::failed, &job, [&](const Error&) {
        const capture::CaptureFailure& f = *job.failure();
        printError(
            QStringLiteral("%1 failed: %2").arg(capture::stageName(f.stage), QString::fromStdString(f.error.message)),
            QString::fromStdString(f.error.detail));
        for (const auto& l : f.leftBehind)
            std::fprintf(stderr, "left behind: %s\n", qPrintable(l));
        if (!f.note.isEmpty())
            std::fprintf(stderr, "%s\n", qPrintable(f.note));
        exitCode = f.error.code == ErrorCode::Cancelled ? 130 : 1;
        loop.quit();
    });
    if (p.isSet(preflightOnly))
        job.runPreflight();
    else
        job.runAll(p.isSet(force));
    loop.exec();
    return afterCapture(exitCode);
}

} // namespace leakdesk::cli
