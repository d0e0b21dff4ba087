#pragma once
// One heap-dump capture from a JVM in a pod, done the way the runbook's step 3 should be done:
//   pre-flight  find the JVM (`jcmd -l`, else `jps -l`, else /proc/<pid>/cmdline; never PID 1 by
//               assumption), the tools, free space and file-system type of the target directory,
//               memory headroom against the limit, the expected dump size, and warnings; nothing
//               is changed in the pod. The caller shows it and calls capture() to go on.
//   dump        `jcmd <pid> GC.heap_dump [-all] -gz=1 FILE` (JDK 15+ compresses), else
//               `jmap -dump:[live,]format=b,file=FILE <pid>` as the runbook has it.
//   transfer    `cat FILE` over the exec stdout stream (not tar) into OUT/<name>.part (mode 0600),
//               resumed with `tail -c +OFFSET` after a dropped connection.
//   verify      SHA-256 of the bytes received against `sha256sum FILE` in the pod, then the
//               .part file is renamed into place.
//   clean up    `rm -f FILE` in the pod. On any failure the job says what was left where.
// A job (common/Job.h) on the thread that owns the KubeClient, one run per object: signals report
// stages, commands and throttled transfer progress (also as JobProgress); it ends in exactly one of
// finished() / failed(Error), and failure() then says at which stage and what was left where.
// cancel() stops the running command, removes what the capture created (remote dump, local partial
// file) and fails with Cancelled.

#include "core/capture/CaptureParsing.h"
#include "core/capture/DebugContainer.h"
#include "core/common/Job.h"
#include "core/common/Result.h"
#include "core/kube/KubeClient.h"

#include <QElapsedTimer>
#include <QFile>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

struct evp_md_ctx_st; // OpenSSL's EVP_MD_CTX

namespace leakdesk::capture {

enum class CaptureStage { Preflight, Dump, Transfer, Verify, Cleanup };
QString stageName(CaptureStage stage); // "pre-flight", "dump", ...

struct CaptureRequest {
    QString ns;
    QString pod;
    QString container; // empty: the pod's default container (kubectl's rule)
    QString outputDir; // where the verified dump is written
    QString remoteDir; // empty: /tmp, or /var/tmp when /tmp is memory-backed and /var/tmp is not
    bool liveObjects = true; // false: all objects (no full GC first)
    bool compress = true; // -gz=1 when the JDK has it (15+)
    QString debugImage = QStringLiteral("eclipse-temurin:17-jdk"); // for the debug container offer
    int maxResumes = 20; // reconnects after dropped connections (each must make progress)
    // When the image has no JDK tools: create the offered ephemeral debug container (PATCH of
    // pods/<pod>/ephemeralcontainers, as kubectl debug --target does) and dump from there. Ephemeral
    // containers cannot be removed; this one ends by itself after an hour.
    bool createDebugContainer = false;
};

struct PreflightNote {
    enum class Level { Info, Warning, Blocker };
    Level level = Level::Info;
    QString text;
    bool overridable = false; // a blocker capture(force = true) goes past (space, memory)
    bool solvedByDebugContainer = false; // a blocker CaptureRequest::createDebugContainer goes past
};

struct Preflight {
    QString ns;
    QString pod;
    QString container;
    QStringList containers; // all of the pod's containers
    std::optional<JvmProcess> jvm;
    QString jvmFoundBy; // "jcmd -l", "jps -l", "/proc"
    bool hasJcmd = false;
    bool hasJmap = false;
    bool hasSha256sum = false;
    bool hasTail = false;
    int jdkMajor = 0; // 0: unknown
    QString remoteDir;
    QString remoteFile; // the file the dump will be written to
    std::optional<DiskSpace> disk; // of remoteDir
    bool memoryBacked = false; // remoteDir is tmpfs: the dump counts against the memory limit
    std::optional<qint64> memoryLimitBytes; // of the container
    std::optional<qint64> memoryUsageBytes; // working set (metrics.k8s.io)
    std::optional<qint64> heapUsedBytes; // jcmd GC.heap_info
    qint64 expectedDumpBytes = 0; // uncompressed, about the heap in use (0: unknown)
    QString expectedDumpBasis; // what the estimate stands on, said beside it: a guess must look like one
    qint64 requiredFreeBytes = 0; // what the space check asked for
    bool liveObjects = true;
    bool compressed = false;
    QStringList dumpCommand;
    std::vector<PreflightNote> notes;
    std::optional<DebugContainerPlan> debugContainer; // offered when the image has no JDK tools
    std::optional<bool> debugContainerAllowed; // RBAC: patch pods/ephemeralcontainers

    bool canCapture() const;
    QString describe() const; // readable, multi-line
};

// `jcmd PID GC.heap_dump [-all] [-gz=1] FILE` for the pre-flight's choices (live objects,
// compression, the file in the pod).
QStringList jcmdDumpCommand(const QString& pid, const Preflight& preflight);

struct TransferProgress {
    qint64 bytes = 0;
    qint64 total = 0;
    double bytesPerSecond = 0;
    std::optional<double> etaSeconds;
    int resumes = 0;
};

struct CaptureResult {
    QString path; // the verified local file (mode 0600)
    QString sha256;
    bool verifiedInPod = false; // false when the pod has no sha256sum
    qint64 bytes = 0;
    bool compressed = false;
    QString ns;
    QString pod;
    QString container;
    QString remoteFile;
    bool remoteRemoved = false;
    int resumes = 0;
    double seconds = 0;
    QStringList notes; // anything the user should know (not verified in the pod, not removed, ...)
};

// What a failed capture leaves to know besides its Error: the stage and the leftovers.
struct CaptureFailure {
    Error error; // the one failed() carried
    CaptureStage stage = CaptureStage::Preflight;
    QStringList leftBehind; // what is still in the pod, where, and how to remove it
    QString note; // what was cleaned up ("the partial local file ... was removed")
    QString describe() const;
};

class HeapCapture : public Job {
    Q_OBJECT
public:
    HeapCapture(kube::KubeClient& client, CaptureRequest request, QObject* parent = nullptr);
    ~HeapCapture() override;

    const CaptureRequest& request() const { return m_request; }
    std::shared_ptr<const Preflight> preflight() const { return m_preflight; }
    // Set when failed() is emitted: the stage it failed in, what is left in the pod, what was removed.
    const std::optional<CaptureFailure>& failure() const { return m_failure; }

    // Reads the pod and the container; preflightReady() or failed() follows. Changes nothing.
    void runPreflight();
    // After preflightReady(): dump, transfer, verify, clean up. `force` goes on despite blockers
    // about space or memory (not about a missing JVM or tools).
    void capture(bool force = false);
    // Pre-flight then capture in one go (the CLI); stops after the pre-flight when it has blockers
    // and `force` is false.
    void runAll(bool force = false);
    void cancel() override;
    // The user's choice about the debug container offer, before capture().
    void setCreateDebugContainer(bool create) { m_request.createDebugContainer = create; }

Q_SIGNALS:
    void stageChanged(leakdesk::capture::CaptureStage stage, const QString& text);
    void commandRun(const QString& commandLine); // each command run in the pod
    void preflightReady(std::shared_ptr<const leakdesk::capture::Preflight> preflight);
    void transferProgress(const leakdesk::capture::TransferProgress& progress);
    void finished(const leakdesk::capture::CaptureResult& result);

private:
    using Output = Result<kube::KubeClient::ExecOutput>;
    // The exec of `command` in the capture's container (announced by commandRun).
    kube::ExecRequest execRequest(const QStringList& command);
    void exec(const QStringList& command, std::function<void(Output)> done);
    void enterStage(CaptureStage stage, const QString& text);
    void fail(Error error); // cleans up, then ends the run with failed()
    void finish();

    // pre-flight steps, in order
    void readPod();
    void readMetrics();
    void probeTools();
    void findJvm();
    void findJvmWithJps();
    // Runs a JVM-listing command; uses the first JVM it lists, else calls `otherwise`.
    void findJvmWith(const QStringList& command, std::function<void()> otherwise);
    void findJvmInProc();
    void useJvm(const std::vector<JvmProcess>& jvms, const QString& foundBy);
    void readJvm();
    void readDisk();
    void checkDebugContainerAccess();
    void completePreflight();

    void createDebugContainer();
    void applyDebugContainer();
    void waitForDebugContainer(int attempt);
    void probeDebugJdk();
    QString execContainer() const;
    QString remotePath() const; // the dump as the container running the commands sees it
    void dump();
    void readRemoteSize();
    void startTransfer();
    void openTransferStream();
    void onTransferData();
    void onTransferEnded(std::optional<Error> error, int exitCode);
    void startRemoteHash();
    void verify();
    void compareHashes();
    void acceptDump(bool verifiedInPod); // the header check, the rename, then clean-up
    void cleanUp();
    void removeRemoteThen(std::function<void(bool removed)> next);
    void removeLocalPart();
    void emitProgress(bool force);

    kube::KubeClient& m_client;
    CaptureRequest m_request;
    std::shared_ptr<Preflight> m_preflight;
    nlohmann::json m_podJson;
    bool m_running = false;
    bool m_cancelled = false;
    bool m_done = false;
    bool m_captureAfterPreflight = false;
    bool m_force = false;
    bool m_hasJps = false;
    CaptureStage m_stage = CaptureStage::Preflight;
    kube::KubeCall m_call;
    QPointer<kube::ExecSession> m_session;
    QElapsedTimer m_clock;

    QString m_debugContainer; // set once the ephemeral container runs: dump and reads happen there
    bool m_debugCreated = false; // the PATCH that added it went through
    bool m_dumpRunning = false; // jcmd/jmap has not returned yet
    // dump and transfer state
    bool m_remoteCreated = false;
    qint64 m_remoteSize = 0;
    QString m_partPath;
    QString m_finalPath;
    std::unique_ptr<QFile> m_part;
    // OpenSSL's SHA-256 (SHA-NI where the CPU has it): QCryptographicHash's is several times
    // slower and would be the transfer's bottleneck.
    std::unique_ptr<::evp_md_ctx_st, void (*)(::evp_md_ctx_st*)> m_hash;
    qint64 m_received = 0;
    qint64 m_receivedAtAttemptStart = 0;
    // sha256sum in the pod runs while the transfer does (the file is complete once the dump is):
    // its answer, and whether verify() is waiting for it.
    kube::KubeCall m_hashCall;
    std::optional<Output> m_remoteHash;
    bool m_verifyWaiting = false;
    int m_hashRetries = 0;
    QString m_localHash;
    int m_resumes = 0;
    int m_fruitlessResumes = 0;
    QElapsedTimer m_transferClock;
    QElapsedTimer m_progressClock;
    double m_rate = 0;
    qint64 m_rateBytes = 0;
    qint64 m_rateMs = 0;
    CaptureResult m_result;
    std::shared_ptr<JobRun> m_run;
    std::optional<CaptureFailure> m_failure;
};

} // namespace leakdesk::capture

Q_DECLARE_METATYPE(leakdesk::capture::CaptureStage)
Q_DECLARE_METATYPE(leakdesk::capture::TransferProgress)
Q_DECLARE_METATYPE(leakdesk::capture::CaptureResult)
Q_DECLARE_METATYPE(std::shared_ptr<const leakdesk::capture::Preflight>)
