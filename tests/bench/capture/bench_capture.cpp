// Moves a 256 MiB heap dump out of a sandbox pod served by `leakdesk-cli sandbox serve` (a separate
// process, as a cluster would be), three ways, and prints the times as one JSON object:
//   kubectl_cp      the runbook's way: `kubectl exec -- jcmd GC.heap_dump` (uncompressed), then the
//                   real `kubectl cp` (tar in the pod, over the exec stream, untarred here), then
//                   `kubectl exec -- rm`; nothing is verified;
//   leakdesk_plain  LeakDesk's capture without compression: dump, `cat` over the exec stream,
//                   SHA-256 against sha256sum in the pod, rm;
//   leakdesk_gzip   LeakDesk's default: `jcmd GC.heap_dump -gz=1` in the pod (1 MiB gzip members
//                   compressed on every core, as HotSpot does), so far fewer bytes move.
// For each way: dump_s, transfer_s, verify_s, total_s (everything, pre-flight and clean-up too) and
// bytes_moved; then kubectl_cp / leakdesk_gzip ratios of the transfer and of the whole capture.
// The sandbox's dump is generated to 256 MiB (`--container checkout=dump-bytes=256Mi`); its
// payloads are text-like, so it compresses the way real heap dumps do. On loopback the bytes cost
// almost nothing to move; `--bandwidth 100MB/s` (the sandbox's `--faults bandwidth=`) paces every
// exec stream's stdout to a link of that rate, as between a cluster's nodes and the client.
// Needs kubectl on PATH.
// usage: bench_capture [--mib N] [--bandwidth RATE]   (default 256, loopback)
#include "core/capture/HeapCapture.h"
#include "core/kube/KubeClient.h"
#include "core/kube/KubeConfig.h"
#include "core/sandbox/http/FaultInjection.h"
#include "core/sandbox/model/SandboxModel.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

using namespace leakdesk;
using nlohmann::json;

namespace {

struct Run {
    int exitCode = -1;
    double seconds = 0;
    QByteArray err;
};

Run runProcess(const QString& program, const QStringList& args, int timeoutMs = 600000)
{
    QProcess p;
    QElapsedTimer t;
    t.start();
    p.start(program, args);
    Run r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.seconds = t.elapsed() / 1000.0;
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.err = p.readAllStandardError();
    return r;
}

int fail(const std::string& message)
{
    std::cerr << "bench_capture: " << message << "\n";
    return 1;
}

struct CaptureTimes {
    bool ok = false;
    std::string error;
    double dumpSeconds = 0;
    double transferSeconds = 0;
    double verifySeconds = 0;
    double totalSeconds = 0;
    qint64 bytes = 0;
};

CaptureTimes runCapture(kube::KubeClient& client, const QString& pod, const QString& outDir, bool compress)
{
    capture::CaptureRequest request;
    request.ns = QStringLiteral("production");
    request.pod = pod;
    request.outputDir = outDir;
    request.compress = compress;
    capture::HeapCapture job(client, request);
    CaptureTimes times;
    QElapsedTimer clock;
    qint64 stageStart = 0;
    capture::CaptureStage current = capture::CaptureStage::Preflight;
    auto closeStage = [&](capture::CaptureStage next) {
        const double s = (clock.elapsed() - stageStart) / 1000.0;
        if (current == capture::CaptureStage::Dump)
            times.dumpSeconds += s;
        else if (current == capture::CaptureStage::Transfer)
            times.transferSeconds += s;
        else if (current == capture::CaptureStage::Verify)
            times.verifySeconds += s;
        current = next;
        stageStart = clock.elapsed();
    };
    QEventLoop loop;
    QObject::connect(&job, &capture::HeapCapture::stageChanged, &job, [&](capture::CaptureStage s, const QString&) {
        if (s != current)
            closeStage(s);
    });
    QObject::connect(&job, &capture::HeapCapture::finished, &job, [&](const capture::CaptureResult& r) {
        closeStage(capture::CaptureStage::Cleanup);
        times.ok = true;
        times.bytes = r.bytes;
        times.totalSeconds = clock.elapsed() / 1000.0;
        loop.quit();
    });
    QObject::connect(&job, &capture::HeapCapture::failed, &job, [&](const Error&) {
        times.error = job.failure()->describe().toStdString();
        loop.quit();
    });
    clock.start();
    job.runAll();
    QTimer::singleShot(600000, &loop, &QEventLoop::quit);
    loop.exec();
    return times;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    qint64 mib = 256;
    QString bandwidth;
    const QStringList args = app.arguments();
    if (const qsizetype i = args.indexOf(QStringLiteral("--mib")); i >= 0 && i + 1 < args.size())
        mib = args[i + 1].toLongLong();
    if (const qsizetype i = args.indexOf(QStringLiteral("--bandwidth")); i >= 0 && i + 1 < args.size())
        bandwidth = args[i + 1];
    double bandwidthBytesPerSecond = 0;
    if (!bandwidth.isEmpty()) {
        auto rate = sandbox::FaultSpec::parseBandwidth(bandwidth.toStdString());
        if (!rate)
            return fail(rate.error().toString());
        bandwidthBytesPerSecond = *rate;
    }
    const QString kubectl = QStandardPaths::findExecutable(QStringLiteral("kubectl"));
    if (kubectl.isEmpty())
        return fail("kubectl not found on PATH");
    QTemporaryDir dir;
    if (!dir.isValid())
        return fail("no temporary directory");

    // A pinned instant with a running checkout pod; the server runs in its own process.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const sandbox::SandboxModel model(42, now);
    QString pod;
    for (std::size_t p = 0; p < model.pods().size() && pod.isEmpty(); ++p)
        if (model.services()[model.pods()[p].service].name == "checkout" && model.runIndexAt(p, now))
            pod = QString::fromStdString(model.pods()[p].name);
    if (pod.isEmpty())
        return fail("no running checkout pod");
    const QString kubeconfig = dir.filePath(QStringLiteral("kubeconfig"));
    QProcess server;
    server.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    QStringList serveArgs { QStringLiteral("sandbox"), QStringLiteral("serve"), QStringLiteral("--now-ms"),
        QString::number(now), QStringLiteral("--kubeconfig-out"), kubeconfig, QStringLiteral("--container"),
        QStringLiteral("checkout=dump-bytes=%1Mi").arg(mib) };
    if (!bandwidth.isEmpty())
        serveArgs << QStringLiteral("--faults") << QStringLiteral("bandwidth=%1").arg(bandwidth);
    server.start(QStringLiteral(LEAKDESK_CLI_PATH), serveArgs);
    QByteArray banner;
    QElapsedTimer wait;
    wait.start();
    while (!banner.contains("namespace:") && wait.elapsed() < 30000 && server.state() != QProcess::NotRunning) {
        server.waitForReadyRead(1000);
        banner += server.readAllStandardOutput();
    }
    if (!banner.contains("namespace:"))
        return fail("leakdesk-cli sandbox serve did not start");
    auto stopServer = qScopeGuard([&] {
        server.terminate();
        if (!server.waitForFinished(10000))
            server.kill();
    });

    const QStringList kc
        = { QStringLiteral("--kubeconfig"), kubeconfig, QStringLiteral("-n"), QStringLiteral("production") };
    const QString remote = QStringLiteral("/tmp/bench.hprof");
    const Run dump = runProcess(kubectl,
        kc
            + QStringList { QStringLiteral("exec"), pod, QStringLiteral("--"), QStringLiteral("jcmd"),
                QStringLiteral("7"), QStringLiteral("GC.heap_dump"), remote });
    if (dump.exitCode != 0)
        return fail("kubectl exec jcmd failed: " + dump.err.toStdString());
    const QString local = dir.filePath(QStringLiteral("kubectl-cp.hprof"));
    const Run cp = runProcess(
        kubectl, kc + QStringList { QStringLiteral("cp"), QStringLiteral("%1:%2").arg(pod, remote), local });
    if (cp.exitCode != 0)
        return fail("kubectl cp failed: " + cp.err.toStdString());
    const qint64 cpBytes = QFileInfo(local).size();
    QFile::remove(local);
    const Run rm = runProcess(
        kubectl, kc + QStringList { QStringLiteral("exec"), pod, QStringLiteral("--"), QStringLiteral("rm"), remote });
    if (rm.exitCode != 0)
        return fail("kubectl exec rm failed: " + rm.err.toStdString());

    auto config = kube::loadKubeConfig({ kubeconfig.toStdString() });
    if (!config)
        return fail(config.error().toString());
    auto context = kube::resolveContext(*config);
    if (!context)
        return fail(context.error().toString());
    auto client = kube::KubeClient::create(*context);
    if (!client)
        return fail(client.error().toString());
    const QString out = dir.filePath(QStringLiteral("leakdesk"));
    const CaptureTimes plain = runCapture(**client, pod, out, false);
    if (!plain.ok)
        return fail("LeakDesk capture failed: " + plain.error);
    QDir(out).removeRecursively();
    const CaptureTimes gz = runCapture(**client, pod, out, true);
    if (!gz.ok)
        return fail("LeakDesk capture (gzip) failed: " + gz.error);
    QDir(out).removeRecursively();

    auto mibPerSecond
        = [](qint64 bytes, double seconds) { return seconds > 0 ? double(bytes) / (1 << 20) / seconds : 0.0; };
    auto times = [&](const CaptureTimes& t) {
        return json { { "bytes_moved", t.bytes }, { "dump_s", t.dumpSeconds }, { "transfer_s", t.transferSeconds },
            { "verify_s", t.verifySeconds }, { "total_s", t.totalSeconds }, { "verified", true },
            { "transfer_mib_per_s", mibPerSecond(t.bytes, t.transferSeconds) } };
    };
    const double cpTotal = dump.seconds + cp.seconds + rm.seconds;
    auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
    const json result = {
        { "dump_mib", mib },
        { "bandwidth", bandwidth.isEmpty() ? json("loopback") : json(bandwidth.toStdString()) },
        { "bandwidth_bytes_per_s", bandwidthBytesPerSecond },
        { "kubectl", kubectl.toStdString() },
        { "kubectl_cp",
            { { "bytes_moved", cpBytes }, { "dump_s", dump.seconds }, { "transfer_s", cp.seconds }, { "verify_s", 0.0 },
                { "total_s", cpTotal }, { "verified", false },
                { "transfer_mib_per_s", mibPerSecond(cpBytes, cp.seconds) } } },
        { "leakdesk_plain", times(plain) },
        { "leakdesk_gzip", times(gz) },
        { "ratio_transfer_kubectl_cp_over_leakdesk_gzip", ratio(cp.seconds, gz.transferSeconds) },
        { "ratio_total_kubectl_cp_over_leakdesk_gzip", ratio(cpTotal, gz.totalSeconds) },
        { "ratio_transfer_kubectl_cp_over_leakdesk_plain", ratio(cp.seconds, plain.transferSeconds) },
    };
    std::cout << result.dump() << std::endl;
    return 0;
}
