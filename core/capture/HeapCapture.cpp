#include "core/capture/HeapCapture.h"

#include "core/capture/CaptureText.h"
#include "core/kube/KubePaths.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QTimer>

#include <openssl/evp.h>

#include <fcntl.h>
#include <unistd.h>

namespace leakdesk::capture {

using namespace detail;

namespace {

constexpr int kMaxFruitlessResumes = 3;
constexpr qint64 kProgressIntervalMs = 100;

} // namespace

HeapCapture::HeapCapture(kube::KubeClient& client, CaptureRequest request, QObject* parent)
    : Job(parent)
    , m_client(client)
    , m_request(std::move(request))
    , m_hash(EVP_MD_CTX_new(), EVP_MD_CTX_free)
{
    EVP_DigestInit_ex(m_hash.get(), EVP_sha256(), nullptr);
    qRegisterMetaType<CaptureStage>();
    qRegisterMetaType<TransferProgress>();
    qRegisterMetaType<CaptureResult>();
    qRegisterMetaType<std::shared_ptr<const Preflight>>();
}

HeapCapture::~HeapCapture()
{
    m_done = true;
    m_call.cancel();
    m_hashCall.cancel();
    if (m_session)
        m_session->disconnect(this);
    if (m_part) {
        m_part->close();
        QFile::remove(m_partPath);
    }
}

kube::ExecRequest HeapCapture::execRequest(const QStringList& command)
{
    kube::ExecRequest r;
    r.ns = m_request.ns;
    r.pod = m_request.pod;
    r.container = execContainer();
    r.command = command;
    Q_EMIT commandRun(command.join(QLatin1Char(' ')));
    return r;
}

void HeapCapture::exec(const QStringList& command, std::function<void(Output)> done)
{
    const kube::ExecRequest r = execRequest(command);
    m_call = m_client.execCollect(r, this, [this, done = std::move(done)](Output o) {
        if (!m_done)
            done(std::move(o));
    });
}

void HeapCapture::enterStage(CaptureStage stage, const QString& what)
{
    m_stage = stage;
    reportProgress(m_run, stageName(stage), 0);
    Q_EMIT stageChanged(stage, what);
}

void HeapCapture::capture(bool force)
{
    if (m_done || !m_preflight || m_stage != CaptureStage::Preflight)
        return;
    const Preflight& p = *m_preflight;
    for (const auto& n : p.notes) {
        const bool debugSolves = n.solvedByDebugContainer && m_request.createDebugContainer && p.debugContainer
            && p.debugContainerAllowed.value_or(true);
        if (n.level == PreflightNote::Level::Blocker && !(force && n.overridable) && !debugSolves) {
            fail(makeError(p.jvm && (p.hasJcmd || p.hasJmap) ? ErrorCode::Unsupported : ErrorCode::NotFound,
                "cannot capture: " + n.text.toStdString(),
                p.debugContainer ? "the pre-flight offers a debug container (--debug-container): "
                        + p.debugContainer->kubectlEquivalent.toStdString()
                                 : std::string()));
            return;
        }
    }
    dump();
}

QString HeapCapture::execContainer() const
{
    return !m_debugContainer.isEmpty() ? m_debugContainer : m_preflight ? m_preflight->container : m_request.container;
}

QString HeapCapture::remotePath() const
{
    // The JVM writes the file in its own mount namespace; a debug container sharing its process
    // namespace reaches it through /proc/<pid>/root.
    if (!m_debugContainer.isEmpty())
        return QStringLiteral("/proc/%1/root%2").arg(m_preflight->jvm->pid).arg(m_preflight->remoteFile);
    return m_preflight->remoteFile;
}

void HeapCapture::createDebugContainer()
{
    const DebugContainerPlan& plan = *m_preflight->debugContainer;
    enterStage(CaptureStage::Dump,
        QStringLiteral("creating ephemeral container %1 (%2) targeting %3, as '%4'")
            .arg(plan.name, plan.image, plan.targetContainer, plan.kubectlEquivalent));
    Q_EMIT commandRun(QStringLiteral("PATCH %1 %2").arg(plan.apiPath, QString::fromStdString(plan.patch.dump())));
    // A server-side dry run first: admission (PodSecurity, quotas, a typo in the image) speaks
    // before anything is added to the pod, and an ephemeral container cannot be taken back.
    kube::KubeClient::PatchOptions dry;
    dry.dryRun = true;
    m_call = m_client.patch(plan.apiPath, plan.patch, kube::KubeClient::PatchType::StrategicMerge, dry, this,
        [this](Result<nlohmann::json> r) {
            if (m_done || m_cancelled)
                return;
            if (!r)
                return fail(r.error());
            applyDebugContainer();
        });
}

void HeapCapture::applyDebugContainer()
{
    const DebugContainerPlan& plan = *m_preflight->debugContainer;
    m_call = m_client.patch(plan.apiPath, plan.patch, kube::KubeClient::PatchType::StrategicMerge, {}, this,
        [this](Result<nlohmann::json> r) {
            if (m_done || m_cancelled)
                return;
            if (!r)
                return fail(r.error());
            m_debugCreated = true;
            m_result.notes << QStringLiteral(
                "created ephemeral container %1 in pod %2 (ephemeral containers cannot be removed; it exits after an "
                "hour)")
                                  .arg(m_preflight->debugContainer->name, m_request.pod);
            waitForDebugContainer(0);
        });
}

void HeapCapture::waitForDebugContainer(int attempt)
{
    const QString name = m_preflight->debugContainer->name;
    m_call = m_client.getJson(
        kube::paths::pod(m_request.ns, m_request.pod), {}, this, [this, name, attempt](Result<nlohmann::json> r) {
            if (m_done || m_cancelled)
                return;
            if (!r)
                return fail(r.error());
            bool running = false;
            for (const auto& st : r->value("status", nlohmann::json::object())
                                      .value("ephemeralContainerStatuses", nlohmann::json::array()))
                if (st.value("name", "") == name.toStdString()
                    && st.value("state", nlohmann::json::object()).contains("running"))
                    running = true;
            if (running) {
                m_debugContainer = name;
                return probeDebugJdk();
            }
            // The image is pulled first; a minute is plenty for a JDK image on a warm node.
            if (attempt >= 60)
                return fail(makeError(ErrorCode::Timeout,
                    "the debug container " + name.toStdString() + " did not start within a minute",
                    "check its image (kubectl describe pod " + m_request.pod.toStdString() + ")"));
            QTimer::singleShot(1000, this, [this, attempt] {
                if (!m_done && !m_cancelled)
                    waitForDebugContainer(attempt + 1);
            });
        });
}

void HeapCapture::probeDebugJdk()
{
    Preflight& p = *m_preflight;
    const QString pid = QString::number(p.jvm->pid);
    exec({ QStringLiteral("jcmd"), pid, QStringLiteral("VM.version") }, [this, pid](Output o) {
        if (m_cancelled)
            return;
        if (!o)
            return fail(o.error());
        if (o->result.exitCode != 0)
            return fail(makeError(ErrorCode::Unsupported,
                "jcmd in the debug container cannot attach to the JVM: " + detail::outputText(*o).toStdString(),
                "the debug container must run as the JVM's user (runAsUser) with a JDK of the same major version"));
        Preflight& p = *m_preflight;
        p.hasJcmd = true;
        p.jdkMajor = parseJdkMajor(o->stdoutBytes.toStdString());
        p.compressed = m_request.compress && p.jdkMajor >= 15;
        if (p.compressed && !p.remoteFile.endsWith(QLatin1String(".gz")))
            p.remoteFile += QStringLiteral(".gz");
        p.dumpCommand = jcmdDumpCommand(pid, p);
        dump();
    });
}

void HeapCapture::dump()
{
    if (m_preflight->dumpCommand.isEmpty() && m_preflight->debugContainer && m_debugContainer.isEmpty())
        return createDebugContainer();
    const Preflight& p = *m_preflight;
    enterStage(CaptureStage::Dump,
        QStringLiteral("%1%2").arg(p.dumpCommand.join(QLatin1Char(' ')),
            p.liveObjects ? QStringLiteral(" (full GC: the JVM pauses)") : QString()));
    m_remoteCreated = true;
    m_dumpRunning = true;
    exec(p.dumpCommand, [this](Output o) {
        m_dumpRunning = false;
        if (m_cancelled)
            return fail(makeError(ErrorCode::Cancelled, "the capture was cancelled"));
        if (!o)
            return fail(o.error());
        const DumpOutcome outcome = parseDumpOutput(QByteArray(o->stdoutBytes + o->result.stderrText).toStdString());
        if (o->result.exitCode != 0 || !outcome.ok) {
            const std::string why = outcome.ok ? outputText(*o).toStdString() : outcome.message;
            return fail(makeError(ErrorCode::Io, "the heap dump failed: " + why,
                why.find("No space left") != std::string::npos
                    ? "free space in " + m_preflight->remoteDir.toStdString() + " or choose another directory"
                    : "check the JVM's log; the pod may be short of memory or disk"));
        }
        m_remoteSize = outcome.bytes;
        readRemoteSize();
    });
}

void HeapCapture::readRemoteSize()
{
    exec({ QStringLiteral("stat"), QStringLiteral("-c"), QStringLiteral("%s"), remotePath() }, [this](Output o) {
        if (m_cancelled)
            return;
        bool ok = false;
        const qint64 size = o && o->result.exitCode == 0 ? o->stdoutBytes.trimmed().toLongLong(&ok) : 0;
        // HotSpot reports the heap's bytes for a compressed dump: the file's own size is what moves.
        if (ok)
            m_remoteSize = size;
        startTransfer();
    });
}

void HeapCapture::startTransfer()
{
    const Preflight& p = *m_preflight;
    enterStage(CaptureStage::Transfer,
        QStringLiteral("copying %1 (%2) over the exec stream").arg(p.remoteFile, bytesText(m_remoteSize)));
    if (!QDir().mkpath(m_request.outputDir))
        return fail(makeError(ErrorCode::Io, "cannot create the output directory " + m_request.outputDir.toStdString(),
            "check its permissions or choose another with --out"));
    const QString base = QFileInfo(p.remoteFile).fileName();
    const QDir dir(m_request.outputDir);
    m_finalPath = dir.filePath(base);
    for (int i = 1; QFileInfo::exists(m_finalPath) || QFileInfo::exists(m_finalPath + QStringLiteral(".part")); ++i)
        m_finalPath = dir.filePath(QStringLiteral("%1-%2").arg(i).arg(base));
    m_partPath = m_finalPath + QStringLiteral(".part");
    // Owner-only from the first byte: a heap dump holds whatever the application had in memory.
    const int fd = ::open(QFile::encodeName(m_partPath).constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return fail(makeError(ErrorCode::Io, "cannot create " + m_partPath.toStdString() + ": " + std::strerror(errno),
            "check the output directory"));
    m_part = std::make_unique<QFile>();
    if (!m_part->open(fd, QIODevice::WriteOnly, QFileDevice::AutoCloseHandle)) {
        ::close(fd);
        return fail(makeError(ErrorCode::Io, "cannot write " + m_partPath.toStdString()));
    }
    m_transferClock.start();
    m_progressClock.start();
    openTransferStream();
    startRemoteHash();
}

// The pod hashes the file while it is being sent: reading it twice in the pod costs disk time
// there, but the verify stage then takes no extra round of reading a multi-GB file.
void HeapCapture::startRemoteHash()
{
    if (!m_preflight->hasSha256sum)
        return;
    m_remoteHash.reset();
    kube::ExecRequest r;
    r.ns = m_request.ns;
    r.pod = m_request.pod;
    r.container = execContainer();
    r.command = { QStringLiteral("sha256sum"), remotePath() };
    Q_EMIT commandRun(r.command.join(QLatin1Char(' ')));
    m_hashCall = m_client.execCollect(r, this, [this](Output o) {
        if (m_done)
            return;
        // A lost connection is asked again (twice at most) once the transfer is done.
        const bool lost = !o.ok() && o.error().code == ErrorCode::Network;
        m_remoteHash = std::move(o);
        if (m_verifyWaiting && lost && m_hashRetries < 2) {
            ++m_hashRetries;
            return startRemoteHash();
        }
        if (m_verifyWaiting)
            compareHashes();
    });
}

void HeapCapture::openTransferStream()
{
    QStringList command;
    if (m_received == 0)
        command = { QStringLiteral("cat"), remotePath() };
    else
        command
            = { QStringLiteral("tail"), QStringLiteral("-c"), QStringLiteral("+%1").arg(m_received + 1), remotePath() };
    m_receivedAtAttemptStart = m_received;
    m_session = m_client.exec(execRequest(command), this);
    connect(m_session, &kube::ExecSession::stdoutReady, this, &HeapCapture::onTransferData);
    connect(m_session, &kube::ExecSession::finished, this,
        [this](const kube::ExecResult& result) { onTransferEnded(std::nullopt, result.exitCode); });
    connect(m_session, &kube::ExecSession::failed, this, [this](const Error& e) { onTransferEnded(e, -1); });
}

void HeapCapture::onTransferData()
{
    if (!m_session || m_done)
        return;
    const QByteArray chunk = m_session->readStdout();
    if (chunk.isEmpty())
        return;
    if (m_received + chunk.size() > m_remoteSize) {
        m_session->disconnect(this);
        m_session->cancel();
        m_session->deleteLater();
        return fail(makeError(ErrorCode::Io,
            "the file in the pod is larger than when the transfer started (" + std::to_string(m_remoteSize) + " bytes)",
            "something else writes to " + m_preflight->remoteFile.toStdString()));
    }
    if (m_part->write(chunk) != chunk.size()) {
        const std::string why = m_part->errorString().toStdString();
        m_session->disconnect(this);
        m_session->cancel();
        m_session->deleteLater();
        return fail(makeError(ErrorCode::Io, "cannot write " + m_partPath.toStdString() + ": " + why,
            "free space in " + m_request.outputDir.toStdString() + " or choose another --out"));
    }
    EVP_DigestUpdate(m_hash.get(), chunk.constData(), static_cast<std::size_t>(chunk.size()));
    m_received += chunk.size();
    emitProgress(false);
}

void HeapCapture::onTransferEnded(std::optional<Error> error, int exitCode)
{
    if (m_done || m_cancelled)
        return;
    if (m_session) {
        onTransferData();
        if (m_done)
            return;
        m_session->disconnect(this);
        m_session->deleteLater();
        m_session = nullptr;
    }
    const bool complete = m_received == m_remoteSize;
    if (!error && exitCode == 0 && complete) {
        emitProgress(true);
        return verify();
    }
    if (!error && exitCode != 0)
        return fail(makeError(ErrorCode::Io,
            "reading " + m_preflight->remoteFile.toStdString() + " in the pod failed (exit code "
                + std::to_string(exitCode) + ")"));
    // A dropped connection (or a stream that ended short): continue from the byte offset reached.
    const bool progressed = m_received > m_receivedAtAttemptStart;
    m_fruitlessResumes = progressed ? 0 : m_fruitlessResumes + 1;
    const std::string why = error ? error->message : "the stream ended after " + std::to_string(m_received) + " bytes";
    if (!m_preflight->hasTail)
        return fail(makeError(ErrorCode::Network, "the transfer was interrupted: " + why,
            "the container has no tail to resume from the byte offset; retry the capture"));
    if (m_resumes >= m_request.maxResumes || m_fruitlessResumes >= kMaxFruitlessResumes)
        return fail(makeError(ErrorCode::Network,
            "the transfer was interrupted " + std::to_string(m_resumes + 1) + " times, last: " + why,
            "check the connection to the API server and retry"));
    ++m_resumes;
    Q_EMIT stageChanged(CaptureStage::Transfer,
        QStringLiteral("connection lost at %1 of %2; resuming from there (%3)")
            .arg(bytesText(m_received), bytesText(m_remoteSize))
            .arg(m_resumes));
    emitProgress(true);
    QTimer::singleShot(200 * m_fruitlessResumes, this, [this] {
        if (!m_done && !m_cancelled)
            openTransferStream();
    });
}

void HeapCapture::emitProgress(bool force)
{
    if (!force && m_progressClock.elapsed() < kProgressIntervalMs)
        return;
    m_progressClock.restart();
    TransferProgress pr;
    pr.bytes = m_received;
    pr.total = m_remoteSize;
    pr.resumes = m_resumes;
    const double secs = m_transferClock.isValid() ? m_transferClock.elapsed() / 1000.0 : 0;
    if (secs > 0.05) {
        pr.bytesPerSecond = m_received / secs;
        if (pr.bytesPerSecond > 0)
            pr.etaSeconds = (m_remoteSize - m_received) / pr.bytesPerSecond;
    }
    reportProgress(m_run, stageName(CaptureStage::Transfer), m_remoteSize > 0 ? double(m_received) / m_remoteSize : 0,
        pr.etaSeconds);
    Q_EMIT transferProgress(pr);
}

void HeapCapture::verify()
{
    const Preflight& p = *m_preflight;
    m_part->flush();
    m_part->close();
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digestLength = 0;
    EVP_DigestFinal_ex(m_hash.get(), digest, &digestLength);
    const QString local = QString::fromLatin1(
        QByteArray(reinterpret_cast<const char*>(digest), static_cast<qsizetype>(digestLength)).toHex());
    enterStage(CaptureStage::Verify, QStringLiteral("SHA-256 %1 against sha256sum in the pod").arg(local));
    m_localHash = local;
    if (!p.hasSha256sum)
        return acceptDump(false);
    m_verifyWaiting = true;
    // Hashing in the pod ran alongside the transfer; a lost answer (dropped connection) is asked again.
    if (m_remoteHash && !m_remoteHash->ok() && m_remoteHash->error().code == ErrorCode::Network) {
        ++m_hashRetries;
        startRemoteHash();
    }
    if (m_remoteHash)
        compareHashes();
}

void HeapCapture::compareHashes()
{
    if (m_done || m_cancelled || !m_verifyWaiting || !m_remoteHash)
        return;
    m_verifyWaiting = false;
    const Output& o = *m_remoteHash;
    if (!o)
        return fail(o.error());
    const auto remote = o->result.exitCode == 0 ? parseSha256(o->stdoutBytes.toStdString()) : std::nullopt;
    if (!remote) {
        const QString why = outputText(*o);
        return fail(makeError(ErrorCode::Io,
            "sha256sum in the pod failed: "
                + (why.isEmpty() ? "exit code " + std::to_string(o->result.exitCode) + ", no output"
                                 : why.toStdString())));
    }
    if (text(*remote) != m_localHash)
        return fail(makeError(ErrorCode::Io,
            "checksum mismatch: the bytes received hash to " + m_localHash.toStdString() + ", the file in the pod to "
                + *remote,
            "the transfer was corrupted on the way; capture again (the dump in the pod was kept for a retry)"));
    acceptDump(true);
}

void HeapCapture::acceptDump(bool verifiedInPod)
{
    QFile f(m_partPath);
    QByteArray head;
    if (f.open(QIODevice::ReadOnly))
        head = f.read(18);
    f.close();
    if (!head.startsWith("JAVA PROFILE") && !head.startsWith("\x1f\x8b"))
        return fail(makeError(ErrorCode::Parse, "the file received is not a heap dump (no HPROF or gzip header)",
            "the JVM may have written something else; check the dump command's output"));
    if (!QFile::rename(m_partPath, m_finalPath))
        return fail(
            makeError(ErrorCode::Io, "cannot rename " + m_partPath.toStdString() + " to " + m_finalPath.toStdString()));
    m_part.reset();
    m_result.path = m_finalPath;
    m_result.sha256 = m_localHash;
    m_result.verifiedInPod = verifiedInPod;
    if (!verifiedInPod)
        m_result.notes << QStringLiteral("not verified in the pod (no sha256sum there)");
    cleanUp();
}

void HeapCapture::cleanUp()
{
    enterStage(CaptureStage::Cleanup, QStringLiteral("rm -f %1").arg(m_preflight->remoteFile));
    removeRemoteThen([this](bool removed) {
        m_result.remoteRemoved = removed;
        if (!removed)
            m_result.notes << QStringLiteral(
                "the dump is still in pod %1 at %2 (%3): remove it with kubectl exec -n %4 %1 "
                "-c %5 -- rm -f %2")
                                  .arg(m_request.pod, m_preflight->remoteFile, bytesText(m_remoteSize), m_request.ns,
                                      m_preflight->container);
        finish();
    });
}

void HeapCapture::removeRemoteThen(std::function<void(bool removed)> next)
{
    kube::ExecRequest r;
    r.ns = m_request.ns;
    r.pod = m_request.pod;
    r.container = execContainer();
    r.command = { QStringLiteral("rm"), QStringLiteral("-f"), remotePath() };
    Q_EMIT commandRun(r.command.join(QLatin1Char(' ')));
    // Runs even after cancel(): cleaning up is what a cancel asks for.
    m_call = m_client.execCollect(r, this, [this, next = std::move(next)](Output o) {
        const bool removed = o && o->result.exitCode == 0;
        if (removed)
            m_remoteCreated = false;
        next(removed);
    });
}

void HeapCapture::removeLocalPart()
{
    if (m_part) {
        m_part->close();
        m_part.reset();
    }
    if (!m_partPath.isEmpty())
        QFile::remove(m_partPath);
}

void HeapCapture::finish()
{
    if (m_done)
        return;
    m_done = true;
    m_running = false;
    const Preflight& p = *m_preflight;
    m_result.bytes = m_received;
    m_result.compressed = p.compressed;
    m_result.ns = m_request.ns;
    m_result.pod = m_request.pod;
    m_result.container = p.container;
    m_result.remoteFile = p.remoteFile;
    m_result.resumes = m_resumes;
    m_result.seconds = m_clock.elapsed() / 1000.0;
    Job::finish(m_run, [this] { Q_EMIT finished(m_result); });
}

void HeapCapture::fail(Error error)
{
    if (m_done)
        return;
    if (m_session) {
        m_session->disconnect(this);
        m_session->cancel();
        m_session->deleteLater();
        m_session = nullptr;
    }
    const bool hadLocal = m_part != nullptr || (!m_partPath.isEmpty() && QFileInfo::exists(m_partPath));
    removeLocalPart();
    const CaptureStage stage = m_stage;
    // A dump that failed or was cancelled is removed; a complete one whose transfer or check failed
    // is kept, since taking it again means another full-GC pause.
    const bool keepRemote = !m_cancelled && (stage == CaptureStage::Transfer || stage == CaptureStage::Verify);
    auto emitFailure = [this, error, stage, hadLocal](bool remoteStillThere) {
        if (m_done)
            return;
        m_done = true;
        m_running = false;
        CaptureFailure f { error, stage, {} };
        if (remoteStillThere)
            f.leftBehind << QStringLiteral(
                "%1 in pod %2/%3, container %4%5: remove it with kubectl exec -n %2 %3 -c %4 "
                "-- rm -f %1")
                                .arg(m_preflight->remoteFile, m_request.ns, m_request.pod, m_preflight->container,
                                    m_remoteSize > 0 ? QStringLiteral(" (%1)").arg(bytesText(m_remoteSize))
                                                     : QString());
        if (m_debugCreated)
            f.leftBehind << QStringLiteral("the ephemeral container %1 in pod %2/%3 (it cannot be removed; it exits "
                                           "after an hour)")
                                .arg(m_preflight->debugContainer->name, m_request.ns, m_request.pod);
        if (hadLocal)
            f.note = QStringLiteral("the partial local file %1 was removed").arg(m_partPath);
        m_failure = f;
        Job::fail(m_run, error);
    };
    if (m_remoteCreated && !keepRemote) {
        Q_EMIT stageChanged(CaptureStage::Cleanup, QStringLiteral("removing %1").arg(m_preflight->remoteFile));
        removeRemoteThen([emitFailure](bool removed) { emitFailure(!removed); });
        return;
    }
    emitFailure(m_remoteCreated);
}

void HeapCapture::cancel()
{
    if (m_done || m_cancelled)
        return;
    m_cancelled = true;
    if (m_dumpRunning) {
        // The JVM finishes the dump whatever we do: removing the file before it is complete would
        // leave the rest of it behind. Wait for jcmd to return, then remove it (see dump()).
        Q_EMIT stageChanged(CaptureStage::Dump,
            QStringLiteral("cancelling: waiting for the JVM to finish writing %1, then removing it")
                .arg(m_preflight->remoteFile));
        return;
    }
    m_call.cancel();
    if (!m_running) {
        m_done = true;
        return;
    }
    fail(makeError(ErrorCode::Cancelled, "the capture was cancelled"));
}

} // namespace leakdesk::capture
