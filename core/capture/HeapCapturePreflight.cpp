// HeapCapture's pre-flight: read-only steps that end in preflightReady(), and the readable
// Preflight text. The capture itself (dump, transfer, verify, clean up) is in HeapCapture.cpp.
#include "core/capture/CaptureText.h"
#include "core/capture/HeapCapture.h"

#include "core/kube/KubePaths.h"

#include <QDateTime>
#include <QRandomGenerator>

namespace leakdesk::capture {

using namespace detail;

namespace {

constexpr int kMaxProcEntries = 64;

QString randomSuffix()
{
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    QString s;
    for (int i = 0; i < 5; ++i)
        s += QLatin1Char(alphabet[QRandomGenerator::global()->bounded(int(sizeof alphabet - 1))]);
    return s;
}

} // namespace

QString stageName(CaptureStage stage)
{
    switch (stage) {
    case CaptureStage::Preflight:
        return QStringLiteral("pre-flight");
    case CaptureStage::Dump:
        return QStringLiteral("dump");
    case CaptureStage::Transfer:
        return QStringLiteral("transfer");
    case CaptureStage::Verify:
        return QStringLiteral("verify");
    case CaptureStage::Cleanup:
        return QStringLiteral("clean up");
    }
    return {};
}

bool Preflight::canCapture() const
{
    for (const auto& n : notes)
        if (n.level == PreflightNote::Level::Blocker)
            return false;
    return true;
}

QStringList jcmdDumpCommand(const QString& pid, const Preflight& p)
{
    QStringList command { QStringLiteral("jcmd"), pid, QStringLiteral("GC.heap_dump") };
    if (!p.liveObjects)
        command << QStringLiteral("-all");
    if (p.compressed)
        command << QStringLiteral("-gz=1");
    return command << p.remoteFile;
}

QString Preflight::describe() const
{
    QStringList out;
    out << QStringLiteral("Pod %1/%2, container %3%4")
               .arg(ns, pod, container,
                   containers.size() > 1 ? QStringLiteral(" (of %1)").arg(containers.join(QStringLiteral(", ")))
                                         : QString());
    if (jvm)
        out << QStringLiteral("JVM: PID %1 (%2), found by %3%4")
                   .arg(jvm->pid)
                   .arg(text(jvm->description), jvmFoundBy,
                       jdkMajor > 0 ? QStringLiteral(", JDK %1").arg(jdkMajor) : QString());
    else
        out << QStringLiteral("JVM: not found");
    QStringList tools;
    for (const auto& [name, present] : { std::pair { "jcmd", hasJcmd }, std::pair { "jmap", hasJmap },
             std::pair { "sha256sum", hasSha256sum }, std::pair { "tail", hasTail } })
        tools << QStringLiteral("%1 %2").arg(
            QLatin1String(name), present ? QStringLiteral("yes") : QStringLiteral("no"));
    out << QStringLiteral("Tools: ") + tools.join(QStringLiteral(", "));
    if (disk)
        out << QStringLiteral("Target: %1 on %2 (%3%4), %5 free of %6")
                   .arg(remoteDir, text(disk->mountPoint), disk->type.empty() ? QStringLiteral("?") : text(disk->type),
                       memoryBacked ? QStringLiteral(", memory-backed") : QString(), bytesText(disk->availableBytes),
                       bytesText(disk->sizeBytes));
    else if (!remoteDir.isEmpty())
        out << QStringLiteral("Target: %1 (free space unknown)").arg(remoteDir);
    QString memory = QStringLiteral("Memory: ");
    memory
        += memoryUsageBytes ? bytesText(*memoryUsageBytes) + QStringLiteral(" in use") : QStringLiteral("use unknown");
    memory
        += memoryLimitBytes ? QStringLiteral(", limit ") + bytesText(*memoryLimitBytes) : QStringLiteral(", no limit");
    if (memoryUsageBytes && memoryLimitBytes)
        memory += QStringLiteral(", headroom ") + bytesText(*memoryLimitBytes - *memoryUsageBytes);
    out << memory;
    if (heapUsedBytes)
        out << QStringLiteral("Heap in use: %1").arg(bytesText(*heapUsedBytes));
    if (expectedDumpBytes > 0)
        out << QStringLiteral("Expected dump: about %1%2, from %3")
                   .arg(bytesText(expectedDumpBytes), compressed ? QStringLiteral(" before compression") : QString(),
                       expectedDumpBasis);
    if (!dumpCommand.isEmpty())
        out << QStringLiteral("Dump: %1 (%2 objects)")
                   .arg(dumpCommand.join(QLatin1Char(' ')),
                       liveObjects ? QStringLiteral("live") : QStringLiteral("all"));
    for (const auto& n : notes) {
        const char* tag = n.level == PreflightNote::Level::Blocker ? "BLOCKER"
            : n.level == PreflightNote::Level::Warning             ? "warning"
                                                                   : "note";
        out << QStringLiteral("%1: %2").arg(QLatin1String(tag), n.text);
    }
    if (debugContainer) {
        out << QStringLiteral("Debug container offer: %1").arg(debugContainer->kubectlEquivalent);
        out << QStringLiteral("  PATCH %1 (strategic merge): %2")
                   .arg(debugContainer->apiPath, text(debugContainer->patch.dump()));
        if (debugContainerAllowed)
            out << QStringLiteral("  RBAC: %1")
                       .arg(*debugContainerAllowed ? QStringLiteral("allowed")
                                                   : QStringLiteral("not allowed to patch pods/ephemeralcontainers"));
        out << QStringLiteral("  ") + debugContainer->dumpHint;
    }
    return out.join(QLatin1Char('\n'));
}

QString CaptureFailure::describe() const
{
    QString s = QStringLiteral("%1 failed: %2").arg(stageName(stage), text(error.toString()));
    for (const auto& l : leftBehind)
        s += QStringLiteral("\n  left behind: ") + l;
    if (!note.isEmpty())
        s += QStringLiteral("\n  ") + note;
    return s;
}

void HeapCapture::runPreflight()
{
    if (m_running)
        return;
    m_run = begin(QStringLiteral("The heap capture of pod %1/%2").arg(m_request.ns, m_request.pod));
    if (m_request.ns.isEmpty() || m_request.pod.isEmpty()) {
        m_done = true;
        const Error error = makeError(ErrorCode::InvalidArgument, "a heap capture needs a namespace and a pod");
        m_failure = CaptureFailure { error, CaptureStage::Preflight, {} };
        Job::fail(m_run, error);
        return;
    }
    m_running = true;
    m_clock.start();
    m_preflight = std::make_shared<Preflight>();
    m_preflight->ns = m_request.ns;
    m_preflight->pod = m_request.pod;
    m_preflight->liveObjects = m_request.liveObjects;
    enterStage(CaptureStage::Preflight, QStringLiteral("checking pod %1/%2").arg(m_request.ns, m_request.pod));
    readPod();
}

void HeapCapture::runAll(bool force)
{
    m_captureAfterPreflight = true;
    m_force = force;
    runPreflight();
}

void HeapCapture::readPod()
{
    m_call = m_client.getJson(
        kube::paths::pod(m_request.ns, m_request.pod), {}, this, [this](Result<nlohmann::json> r) {
            if (m_done || m_cancelled)
                return;
            if (!r)
                return fail(r.error());
            m_podJson = *r;
            auto pod = kube::parsePod(*r);
            if (!pod)
                return fail(pod.error());
            Preflight& p = *m_preflight;
            for (const auto& c : pod->containers)
                p.containers << text(c.name);
            if (p.containers.isEmpty())
                return fail(
                    makeError(ErrorCode::NotFound, "pod " + m_request.pod.toStdString() + " has no containers"));
            if (!m_request.container.isEmpty()) {
                if (!p.containers.contains(m_request.container))
                    return fail(makeError(ErrorCode::NotFound,
                        "pod " + m_request.pod.toStdString() + " has no container '" + m_request.container.toStdString()
                            + "'",
                        "its containers: " + p.containers.join(QStringLiteral(", ")).toStdString()));
                p.container = m_request.container;
            } else {
                // kubectl's rule: the default-container annotation, else the first container.
                const auto it = pod->meta.annotations.find("kubectl.kubernetes.io/default-container");
                p.container = it != pod->meta.annotations.end() && p.containers.contains(text(it->second))
                    ? text(it->second)
                    : p.containers.front();
                if (p.containers.size() > 1)
                    p.notes.push_back({ PreflightNote::Level::Info,
                        QStringLiteral("the pod has %1 containers; using %2 (choose another with --container)")
                            .arg(p.containers.size())
                            .arg(p.container) });
            }
            for (const auto& c : pod->containers)
                if (text(c.name) == p.container && c.memoryLimitBytes)
                    p.memoryLimitBytes = *c.memoryLimitBytes;
            const auto* status = pod->status(p.container.toStdString());
            if (pod->phase != "Running" || !status || status->state != "running")
                return fail(makeError(ErrorCode::Unsupported,
                    "container " + p.container.toStdString() + " of pod " + m_request.pod.toStdString()
                        + " is not running ("
                        + (status ? status->state + (status->waitingReason.empty() ? "" : ": " + status->waitingReason)
                                  : pod->phase)
                        + ")",
                    "a heap dump needs the running JVM; pick a running pod (kubectl get pods)"));
            readMetrics();
        });
}

void HeapCapture::readMetrics()
{
    const QString path = kube::paths::podMetrics(m_request.ns) + QLatin1Char('/') + m_request.pod;
    m_call = m_client.getJson(path, {}, this, [this](Result<nlohmann::json> r) {
        if (m_done || m_cancelled)
            return;
        Preflight& p = *m_preflight;
        auto metrics = r ? kube::parsePodMetrics(*r) : Result<kube::PodMetrics>(r.error());
        if (metrics) {
            for (const auto& c : metrics->containers)
                if (text(c.name) == p.container)
                    p.memoryUsageBytes = c.memoryBytes;
        } else {
            p.notes.push_back({ PreflightNote::Level::Info,
                QStringLiteral("memory use unknown (metrics.k8s.io: %1)").arg(text(metrics.error().message)) });
        }
        probeTools();
    });
}

void HeapCapture::probeTools()
{
    exec({ QStringLiteral("sh"), QStringLiteral("-c"),
             QStringLiteral("command -v jcmd; command -v jmap; command -v jps; command -v sha256sum; command -v tail; "
                            "true") },
        [this](Output o) {
            if (m_cancelled)
                return;
            if (!o)
                return fail(o.error());
            Preflight& p = *m_preflight;
            if (o->result.exitCode != 0) {
                p.notes.push_back({ PreflightNote::Level::Warning,
                    QStringLiteral("no shell in the image (%1): tools are tried one by one").arg(outputText(*o)) });
            }
            for (const QByteArray& line : o->stdoutBytes.split('\n')) {
                const QByteArray name = line.trimmed().mid(line.trimmed().lastIndexOf('/') + 1);
                p.hasJcmd = p.hasJcmd || name == "jcmd";
                p.hasJmap = p.hasJmap || name == "jmap";
                p.hasSha256sum = p.hasSha256sum || name == "sha256sum";
                p.hasTail = p.hasTail || name == "tail";
                if (name == "jps")
                    m_hasJps = true;
            }
            findJvm();
        });
}

void HeapCapture::findJvm()
{
    if (!m_preflight->hasJcmd)
        return findJvmWithJps();
    findJvmWith({ QStringLiteral("jcmd"), QStringLiteral("-l") }, [this] { findJvmWithJps(); });
}

void HeapCapture::findJvmWithJps()
{
    if (!m_hasJps)
        return findJvmInProc();
    findJvmWith({ QStringLiteral("jps"), QStringLiteral("-l") }, [this] { findJvmInProc(); });
}

void HeapCapture::findJvmWith(const QStringList& command, std::function<void()> otherwise)
{
    // `jcmd -l` and `jps -l` print the same "<pid> <main class or jar> ..." lines.
    exec(command, [this, command, otherwise = std::move(otherwise)](Output o) {
        if (m_cancelled)
            return;
        if (!o)
            return fail(o.error());
        const auto jvms
            = o->result.exitCode == 0 ? parseJvmList(o->stdoutBytes.toStdString()) : std::vector<JvmProcess> {};
        if (jvms.empty())
            return otherwise();
        useJvm(jvms, command.join(QLatin1Char(' ')));
        readJvm();
    });
}

void HeapCapture::useJvm(const std::vector<JvmProcess>& jvms, const QString& foundBy)
{
    Preflight& p = *m_preflight;
    p.jvm = jvms.front();
    p.jvmFoundBy = foundBy;
    if (jvms.size() > 1) {
        QStringList others;
        for (std::size_t i = 1; i < jvms.size(); ++i)
            others << QStringLiteral("%1 (%2)").arg(jvms[i].pid).arg(text(jvms[i].description));
        p.notes.push_back({ PreflightNote::Level::Warning,
            QStringLiteral("several JVMs run in the container; dumping PID %1, not %2")
                .arg(p.jvm->pid)
                .arg(others.join(QStringLiteral(", "))) });
    }
    if (p.jvm->pid != 1)
        p.notes.push_back({ PreflightNote::Level::Info,
            QStringLiteral("the JVM is PID %1, not 1: the runbook's 'jmap ... 1' would not reach it")
                .arg(p.jvm->pid) });
}

void HeapCapture::findJvmInProc()
{
    exec({ QStringLiteral("ls"), QStringLiteral("/proc") }, [this](Output o) {
        if (m_cancelled)
            return;
        if (!o)
            return fail(o.error());
        auto pids = std::make_shared<std::vector<int>>();
        for (const QByteArray& entry : o->stdoutBytes.split('\n')) {
            bool ok = false;
            const int pid = entry.trimmed().toInt(&ok);
            if (ok && pid > 0 && static_cast<int>(pids->size()) < kMaxProcEntries)
                pids->push_back(pid);
        }
        auto next = std::make_shared<std::function<void(std::size_t)>>();
        *next = [this, pids, next](std::size_t i) {
            if (i >= pids->size()) {
                readJvm();
                return;
            }
            const int pid = (*pids)[i];
            exec({ QStringLiteral("cat"), QStringLiteral("/proc/%1/cmdline").arg(pid) },
                [this, pids, next, i, pid](Output c) {
                    if (m_cancelled)
                        return;
                    if (c && c->result.exitCode == 0) {
                        if (auto jvm = jvmFromCmdline(pid, c->stdoutBytes)) {
                            useJvm({ *jvm }, QStringLiteral("/proc"));
                            readJvm();
                            return;
                        }
                    }
                    (*next)(i + 1);
                });
        };
        (*next)(0);
    });
}

void HeapCapture::readJvm()
{
    Preflight& p = *m_preflight;
    if (!p.jvm || !p.hasJcmd)
        return readDisk();
    const QString pid = QString::number(p.jvm->pid);
    exec({ QStringLiteral("jcmd"), pid, QStringLiteral("VM.version") }, [this, pid](Output v) {
        if (m_cancelled)
            return;
        if (v && v->result.exitCode == 0)
            m_preflight->jdkMajor = parseJdkMajor(v->stdoutBytes.toStdString());
        exec({ QStringLiteral("jcmd"), pid, QStringLiteral("GC.heap_info") }, [this](Output h) {
            if (m_cancelled)
                return;
            if (h && h->result.exitCode == 0)
                if (auto used = parseHeapUsedBytes(h->stdoutBytes.toStdString()))
                    m_preflight->heapUsedBytes = *used;
            readDisk();
        });
    });
}

void HeapCapture::readDisk()
{
    Preflight& p = *m_preflight;
    // Size of the dump: about the heap in use (a live dump is smaller by the garbage it collects
    // first); without jcmd, 80% of the container's memory as an upper bound.
    if (p.heapUsedBytes) {
        p.expectedDumpBytes = *p.heapUsedBytes;
        p.expectedDumpBasis = p.liveObjects
            ? QStringLiteral("the heap in use (jcmd GC.heap_info); a live dump drops the garbage first, so the file is "
                             "often smaller")
            : QStringLiteral("the heap in use (jcmd GC.heap_info)");
    } else if (p.memoryUsageBytes) {
        p.expectedDumpBytes = *p.memoryUsageBytes * 8 / 10;
        p.expectedDumpBasis
            = QStringLiteral("80 % of the container's working set, an upper bound (no jcmd GC.heap_info): "
                             "the working set also counts metaspace, threads and native memory");
    }
    p.compressed = m_request.compress && p.hasJcmd && p.jdkMajor >= 15;
    // Heap dumps compress 3-10x with -gz=1; ask for half to stay on the safe side.
    p.requiredFreeBytes = p.compressed ? p.expectedDumpBytes / 2 : p.expectedDumpBytes;
    const QStringList candidates = m_request.remoteDir.isEmpty()
        ? QStringList { QStringLiteral("/tmp"), QStringLiteral("/var/tmp") }
        : QStringList { m_request.remoteDir };
    exec(QStringList { QStringLiteral("df"), QStringLiteral("-B1"), QStringLiteral("-T") } + candidates,
        [this, candidates](Output o) {
            if (m_cancelled)
                return;
            if (!o)
                return fail(o.error());
            Preflight& p = *m_preflight;
            std::vector<DiskSpace> disks;
            if (auto parsed = parseDf(o->stdoutBytes.toStdString()))
                disks = *parsed;
            // df leaves out what does not exist; keep the pairing with the candidates only when complete.
            if (disks.size() != static_cast<std::size_t>(candidates.size())) {
                disks.clear();
                if (!m_request.remoteDir.isEmpty())
                    return fail(makeError(ErrorCode::NotFound,
                        "the target directory " + m_request.remoteDir.toStdString()
                            + " cannot be used in the container",
                        outputText(*o).toStdString()));
            }
            int chosen = 0;
            if (!disks.empty()) {
                chosen = -1;
                for (int i = 0; i < candidates.size() && chosen < 0; ++i)
                    if (!disks[i].memoryBacked() && disks[i].availableBytes >= p.requiredFreeBytes)
                        chosen = i;
                for (int i = 0; i < candidates.size() && chosen < 0; ++i)
                    if (!disks[i].memoryBacked())
                        chosen = i;
                if (chosen < 0)
                    chosen = 0;
                p.disk = disks[chosen];
                p.memoryBacked = disks[chosen].memoryBacked();
                if (chosen > 0 && disks[0].memoryBacked())
                    p.notes.push_back({ PreflightNote::Level::Info,
                        QStringLiteral("%1 is memory-backed (%2): the dump goes to %3 instead")
                            .arg(candidates[0], text(disks[0].type), candidates[chosen]) });
            } else {
                p.notes.push_back({ PreflightNote::Level::Warning,
                    QStringLiteral("free space unknown: 'df -B1 -T' failed (%1)").arg(outputText(*o).left(200)) });
            }
            p.remoteDir = candidates[chosen];
            checkDebugContainerAccess();
        });
}

void HeapCapture::checkDebugContainerAccess()
{
    Preflight& p = *m_preflight;
    if (p.hasJcmd || p.hasJmap)
        return completePreflight();
    p.debugContainer = planDebugContainer(m_podJson, p.container, m_request.debugImage, randomSuffix());
    m_call = m_client.accessReview(
        QStringLiteral("patch"), QString(), QStringLiteral("pods"), m_request.ns, m_request.pod, this,
        [this](Result<kube::KubeClient::AccessReview> r) {
            if (m_done || m_cancelled)
                return;
            if (r)
                m_preflight->debugContainerAllowed = r->allowed;
            completePreflight();
        },
        QStringLiteral("ephemeralcontainers"));
}

void HeapCapture::completePreflight()
{
    Preflight& p = *m_preflight;
    using Level = PreflightNote::Level;
    const QString stamp = QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss"));
    p.remoteFile = QStringLiteral("%1/leakdesk-%2-%3.hprof%4")
                       .arg(p.remoteDir == QLatin1String("/") ? QString() : p.remoteDir, m_request.pod, stamp,
                           p.compressed ? QStringLiteral(".gz") : QString());
    if (!p.jvm) {
        p.notes.push_back({ Level::Blocker,
            QStringLiteral("no JVM found in container %1 (jcmd -l, jps -l and /proc/<pid>/cmdline checked)")
                .arg(p.container) });
    }
    if (!p.hasJcmd && !p.hasJmap) {
        p.notes.push_back({ Level::Blocker,
            QStringLiteral("the image has no JDK tools (jcmd, jmap): a debug container with a JDK can take the dump "
                           "(see the offer below)"),
            false, true });
    } else if (p.jvm) {
        const QString pid = QString::number(p.jvm->pid);
        if (p.hasJcmd) {
            p.dumpCommand = jcmdDumpCommand(pid, p);
        } else {
            p.dumpCommand = QStringList { QStringLiteral("jmap"),
                QStringLiteral("-dump:%1format=b,file=%2")
                    .arg(p.liveObjects ? QStringLiteral("live,") : QString(), p.remoteFile),
                pid };
        }
        if (m_request.compress && !p.compressed)
            p.notes.push_back({ Level::Info,
                p.hasJcmd ? QStringLiteral("JDK %1 cannot compress dumps (-gz needs JDK 15): the transfer moves the "
                                           "full size")
                                .arg(p.jdkMajor)
                          : QStringLiteral("without jcmd the dump is not compressed") });
    }
    // Taken out of its Service by LeakDesk (actions::kIsolatedLabel): the pause stalls no requests.
    const nlohmann::json& podLabels = m_podJson.is_object() && m_podJson.contains("metadata")
        ? m_podJson["metadata"].value("labels", nlohmann::json::object())
        : nlohmann::json::object();
    const bool outOfService = podLabels.is_object() && podLabels.value("leakdesk.io/isolated", "") == "true";
    if (p.liveObjects && outOfService)
        p.notes.push_back({ Level::Info,
            QStringLiteral("the pod is out of its Service (label leakdesk.io/isolated=true): the full GC of a live "
                           "dump stalls no requests") });
    else if (p.liveObjects)
        p.notes.push_back({ Level::Warning,
            QStringLiteral(
                "a live dump forces a full GC first: the JVM stops serving for about a second per GB of "
                "heap. Take the pod out of its Service first if that hurts (\"Take out of Service first\", or "
                "leakdesk-cli isolate: its ReplicaSet starts a replacement)") });
    if (!p.hasSha256sum)
        p.notes.push_back({ Level::Warning,
            QStringLiteral("no sha256sum in the container: the transfer cannot be verified in the pod") });
    if (!p.hasTail)
        p.notes.push_back({ Level::Warning,
            QStringLiteral("no tail in the container: a dropped transfer restarts from the beginning") });
    if (p.expectedDumpBytes == 0)
        p.notes.push_back(
            { Level::Info, QStringLiteral("the dump's size is unknown (no jcmd GC.heap_info, no metrics)") });
    if (p.disk && p.expectedDumpBytes > 0 && p.disk->availableBytes < p.requiredFreeBytes)
        p.notes.push_back({ Level::Blocker,
            QStringLiteral("not enough space in %1: %2 free, the dump needs about %3 (use --force to try anyway, or "
                           "another directory)")
                .arg(p.remoteDir, bytesText(p.disk->availableBytes), bytesText(p.requiredFreeBytes)),
            true });
    if (p.memoryBacked) {
        p.notes.push_back({ Level::Warning,
            QStringLiteral("%1 is memory-backed (%2, e.g. an emptyDir with medium: Memory): the dump counts against "
                           "the container's memory limit")
                .arg(p.remoteDir, p.disk ? text(p.disk->type) : QStringLiteral("tmpfs")) });
        if (p.memoryLimitBytes && p.memoryUsageBytes && p.expectedDumpBytes > 0
            && *p.memoryLimitBytes - *p.memoryUsageBytes < p.requiredFreeBytes)
            p.notes.push_back({ Level::Blocker,
                QStringLiteral("writing about %1 into memory with %2 of headroom would get the container OOMKilled")
                    .arg(bytesText(p.requiredFreeBytes), bytesText(*p.memoryLimitBytes - *p.memoryUsageBytes)),
                true });
    }
    if (!p.memoryLimitBytes)
        p.notes.push_back({ Level::Info, QStringLiteral("the container has no memory limit") });

    auto snapshot = std::make_shared<const Preflight>(p);
    Q_EMIT preflightReady(snapshot);
    if (m_done)
        return;
    if (m_captureAfterPreflight)
        capture(m_force);
}

} // namespace leakdesk::capture
