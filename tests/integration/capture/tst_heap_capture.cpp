// HeapCapture against the in-process sandbox over real sockets: a verified capture that core/heap
// opens (a real JVM's dump of LeakyService), and each way a capture goes wrong in real clusters:
// a connection dropped mid-transfer (resumed from the byte offset), a corrupted transfer (checksum
// mismatch), a full disk (nothing left behind), no JDK in the image (debug container offered), a
// memory-backed /tmp, and a cancel.

#include "KubectlHarness.h"
#include "SandboxCluster.h"
#include "SandboxMoments.h"
#include "TestSupport.h"
#include "WaitForResult.h"
#include "core/capture/HeapCapture.h"
#include "core/heap/ClassHistogram.h"
#include "core/heap/HprofFile.h"
#include "core/kube/KubeClient.h"
#include "core/sandbox/SandboxHost.h"
#include "core/sandbox/model/SandboxModel.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace leakdesk;
using namespace leakdesk::capture;

namespace {

constexpr std::uint64_t kSeed = 42;

// A pinned instant and a running checkout pod (its JVM is PID 7 behind an entrypoint shell).
// A moment and a checkout pod that runs then with a leak of at least 64 MiB: the sandbox's dumps
// are generated for the moment (one leaked session per 400 KiB), and right after an OOM kill a
// pod holds almost none. Searched minute by minute from the test's now, and printed for replaying.
std::pair<qint64, QString> runningCheckout()
{
    const qint64 from = test::testNowMs() / 60000 * 60000;
    for (qint64 t = from; t < from + 24 * 3600 * 1000LL; t += 60000) {
        const sandbox::SandboxModel model(kSeed, t);
        for (std::size_t p = 0; p < model.pods().size(); ++p)
            if (model.services()[model.pods()[p].service].name == "checkout" && test::runsSteadily(model, p, t, 60000)
                && model.leakedBytes(p, t).value_or(0) >= 64.0 * 1024 * 1024) {
                qInfo("sandbox clock pinned at %lld (LEAKDESK_TEST_NOW_MS replays it)", static_cast<long long>(t));
                return { t, QString::fromStdString(model.pods()[p].name) };
            }
    }
    return { from, {} };
}

struct Outcome {
    std::shared_ptr<const Preflight> preflight;
    std::optional<CaptureResult> result;
    std::optional<CaptureFailure> failure;
    QList<CaptureStage> stages;
    int resumeNotices = 0;
    QStringList commands;
};

class Cluster : public test::SandboxCluster {
public:
    Status start(sandbox::SandboxOptions options, qint64 now)
    {
        options.seed = kSeed;
        options.fixedNowMs = now;
        return SandboxCluster::start(options);
    }

    Result<kube::KubeClient::ExecOutput> exec(const QString& pod, const QStringList& command)
    {
        kube::ExecRequest r;
        r.ns = QStringLiteral("production");
        r.pod = pod;
        r.command = command;
        return test::waitForResult<kube::KubeClient::ExecOutput>(
            [&](auto done) { client->execCollect(r, nullptr, done); });
    }

    // Runs the whole pipeline (or only the pre-flight) and waits for its end.
    Outcome capture(CaptureRequest request, bool force = false, bool preflightOnly = false,
        std::function<void(HeapCapture&, CaptureStage)> onStage = {})
    {
        Outcome o;
        HeapCapture job(*client, std::move(request));
        QObject::connect(&job, &HeapCapture::preflightReady, &job,
            [&](std::shared_ptr<const Preflight> p) { o.preflight = std::move(p); });
        QObject::connect(&job, &HeapCapture::stageChanged, &job, [&](CaptureStage s, const QString& text) {
            if (o.stages.isEmpty() || o.stages.back() != s)
                o.stages << s;
            if (text.contains(QStringLiteral("resuming")))
                ++o.resumeNotices;
            if (onStage)
                onStage(job, s);
        });
        QObject::connect(&job, &HeapCapture::commandRun, &job, [&](const QString& c) { o.commands << c; });
        QObject::connect(&job, &HeapCapture::finished, &job, [&](const CaptureResult& r) { o.result = r; });
        QObject::connect(&job, &HeapCapture::failed, &job, [&](const Error& e) {
            o.failure = job.failure();
            QCOMPARE(o.failure->error.message, e.message); // the payload is about this failure
        });
        if (preflightOnly)
            job.runPreflight();
        else
            job.runAll(force);
        (void)QTest::qWaitFor([&] { return o.result || o.failure || (preflightOnly && o.preflight); }, 60000);
        return o;
    }
};

QByteArray sha256Of(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    return h.result().toHex();
}

bool hasNote(const Preflight& p, PreflightNote::Level level, const QString& fragment)
{
    for (const auto& n : p.notes)
        if (n.level == level && n.text.contains(fragment))
            return true;
    return false;
}

} // namespace

class TestHeapCapture : public QObject {
    Q_OBJECT
    qint64 m_now = 0;
    QString m_pod;

    CaptureRequest request(const QString& outDir) const
    {
        CaptureRequest r;
        r.ns = QStringLiteral("production");
        r.pod = m_pod;
        r.outputDir = outDir;
        return r;
    }

    // Leaked dumps in the pod's /tmp and /var/tmp.
    static QByteArray remoteDumps(Cluster& c, const QString& pod)
    {
        const auto ls = c.exec(pod, { QStringLiteral("ls"), QStringLiteral("/tmp"), QStringLiteral("/var/tmp") });
        return ls ? ls->stdoutBytes : QByteArray("ls failed");
    }

private Q_SLOTS:
    void initTestCase()
    {
        std::tie(m_now, m_pod) = runningCheckout();
        QVERIFY2(!m_pod.isEmpty(), "no running checkout pod");
    }

    void capturesAVerifiedDumpThatOpensWithCoreHeap()
    {
        Cluster c;
        QVERIFY(c.start({}, m_now).ok());
        QTemporaryDir out;
        const Outcome o = c.capture(request(out.path()));
        QVERIFY2(o.result, o.failure ? qPrintable(o.failure->describe()) : "no result");
        QCOMPARE(o.stages,
            (QList<CaptureStage> { CaptureStage::Preflight, CaptureStage::Dump, CaptureStage::Transfer,
                CaptureStage::Verify, CaptureStage::Cleanup }));

        // The pre-flight found the JVM where it is, not at PID 1, and read the pod's numbers.
        QVERIFY(o.preflight);
        QCOMPARE(o.preflight->jvm->pid, 7);
        QCOMPARE(o.preflight->jvmFoundBy, QStringLiteral("jcmd -l"));
        QCOMPARE(o.preflight->jdkMajor, 17);
        QVERIFY(o.preflight->hasJcmd && o.preflight->hasSha256sum && o.preflight->hasTail);
        QCOMPARE(o.preflight->remoteDir, QStringLiteral("/tmp"));
        QVERIFY(!o.preflight->memoryBacked);
        QVERIFY(o.preflight->memoryLimitBytes && *o.preflight->memoryLimitBytes == 2LL * 1024 * 1024 * 1024);
        QVERIFY(o.preflight->memoryUsageBytes && o.preflight->heapUsedBytes);
        QVERIFY(o.preflight->expectedDumpBytes > 0);
        // The estimate says what it stands on (issue 15: 1.35 GiB expected, far less written, no word why).
        QVERIFY2(o.preflight->describe().contains(QStringLiteral("from the heap in use (jcmd GC.heap_info); a live dump drops the garbage first")),
            qPrintable(o.preflight->describe()));
        QVERIFY(hasNote(*o.preflight, PreflightNote::Level::Info, QStringLiteral("PID 7, not 1")));
        QVERIFY(hasNote(*o.preflight, PreflightNote::Level::Warning, QStringLiteral("full GC")));
        QVERIFY(o.preflight->canCapture());
        QVERIFY(o.commands.contains(QStringLiteral("jcmd 7 GC.heap_dump -gz=1 ") + o.preflight->remoteFile));
        // The pod hashes the file while it is sent, not after: sha256sum starts right after cat.
        const qsizetype cat = o.commands.indexOf(QStringLiteral("cat ") + o.preflight->remoteFile);
        QVERIFY(cat >= 0);
        QCOMPARE(o.commands.value(cat + 1), QStringLiteral("sha256sum ") + o.preflight->remoteFile);

        // The file: verified, owner-only, named after the pod, and the pod cleaned up.
        const CaptureResult& r = *o.result;
        QVERIFY(r.verifiedInPod);
        QVERIFY(r.remoteRemoved);
        QVERIFY(r.compressed);
        QCOMPARE(r.container, QStringLiteral("checkout"));
        QCOMPARE(sha256Of(r.path), r.sha256.toLatin1());
        QCOMPARE(QFileInfo(r.path).size(), r.bytes);
        struct stat st { };
        QCOMPARE(::stat(QFile::encodeName(r.path).constData(), &st), 0);
        QCOMPARE(st.st_mode & 0777, 0600u);
        QVERIFY(QFileInfo(r.path).fileName().startsWith(QStringLiteral("leakdesk-") + m_pod));
        QCOMPARE(QDir(out.path()).entryList(QDir::Files).size(), 1); // no .part left
        QVERIFY(!remoteDumps(c, m_pod).contains("leakdesk-"));

        // core/heap reads it: a real JVM's dump of LeakyService, its leaking classes among the rows.
        auto file = heap::HprofFile::open(r.path.toStdString());
        QVERIFY2(file.ok(), file.ok() ? "" : file.error().message.c_str());
        auto histogram = heap::computeClassHistogram(*file);
        QVERIFY(histogram.ok());
        bool session = false;
        bool listeners = false;
        for (const auto& row : histogram->rows) {
            session = session || (row.className == "LeakyService$Session" && row.instances > 100);
            listeners = listeners || (row.className == "LeakyService$RequestScopedListener" && row.instances >= 2000);
        }
        QVERIFY(session);
        QVERIFY(listeners);
    }

    void resumesAfterDroppedConnections()
    {
        Cluster c;
        sandbox::SandboxOptions options;
        // Every exec loses its connection after 3 MiB (more than the endpoint's 1 MiB of unsent
        // data, so some bytes arrive each time); the uncompressed dump is 10 MiB, whatever the
        // moment's leak (the sandbox's dumps grow with it).
        options.execDropAfterBytes = 3 * 1024 * 1024;
        options.containerVariations["checkout"].dumpBytes = 10 * 1024 * 1024;
        QVERIFY(c.start(options, m_now).ok());
        QTemporaryDir out;
        CaptureRequest r = request(out.path());
        r.compress = false;
        const Outcome o = c.capture(r);
        QVERIFY2(o.result, o.failure ? qPrintable(o.failure->describe()) : "no result");
        QVERIFY2(o.result->resumes >= 2, qPrintable(QString::number(o.result->resumes)));
        QCOMPARE(o.resumeNotices, o.result->resumes);
        QVERIFY(o.result->verifiedInPod);
        QCOMPARE(sha256Of(o.result->path), o.result->sha256.toLatin1());
        // Each resume asked for the rest only, from where the last one stopped.
        const QStringList tails = o.commands.filter(QStringLiteral("tail -c +"));
        QCOMPARE(tails.size(), o.result->resumes);
        QVERIFY(tails[0].split(QLatin1Char(' '))[2].mid(1).toLongLong() > 1024 * 1024);
    }

    void checksumMismatchIsReported()
    {
        Cluster c;
        sandbox::SandboxOptions options;
        options.containerVariations["checkout"].corruptReads = true;
        QVERIFY(c.start(options, m_now).ok());
        QTemporaryDir out;
        const Outcome o = c.capture(request(out.path()));
        QVERIFY(!o.result);
        QVERIFY(o.failure);
        QCOMPARE(o.failure->stage, CaptureStage::Verify);
        QVERIFY2(QString::fromStdString(o.failure->error.message).contains(QStringLiteral("checksum mismatch")),
            o.failure->error.message.c_str());
        // The bad copy is gone; the good dump is kept in the pod for a retry, and the failure says where.
        QCOMPARE(QDir(out.path()).entryList(QDir::Files).size(), 0);
        QCOMPARE(o.failure->leftBehind.size(), 1);
        QVERIFY(o.failure->leftBehind[0].contains(o.preflight->remoteFile));
        QVERIFY(o.failure->leftBehind[0].contains(QStringLiteral("rm -f")));
        QVERIFY(remoteDumps(c, m_pod).contains("leakdesk-"));
    }

    void fullDiskLeavesNothingBehind()
    {
        Cluster c;
        sandbox::SandboxOptions options;
        options.containerVariations["checkout"].rootFreeBytes = 1024 * 1024;
        // More than 1 MiB compressed, whatever the moment's leak (the sandbox's dumps grow with it).
        options.containerVariations["checkout"].dumpBytes = 8 * 1024 * 1024;
        QVERIFY(c.start(options, m_now).ok());
        QTemporaryDir out;

        // The pre-flight sees it coming and stops before anything runs...
        const Outcome checked = c.capture(request(out.path()));
        QVERIFY(checked.failure);
        QCOMPARE(checked.failure->stage, CaptureStage::Preflight);
        QVERIFY(!checked.preflight->canCapture());
        QVERIFY(hasNote(*checked.preflight, PreflightNote::Level::Blocker, QStringLiteral("not enough space")));
        QVERIFY(!checked.commands.join(QLatin1Char('\n')).contains(QStringLiteral("GC.heap_dump")));

        // ...and when forced, the dump fails on the full disk and its remains are removed.
        const Outcome forced = c.capture(request(out.path()), true);
        QVERIFY(forced.failure);
        QCOMPARE(forced.failure->stage, CaptureStage::Dump);
        QVERIFY2(QString::fromStdString(forced.failure->error.message).contains(QStringLiteral("No space left")),
            forced.failure->error.message.c_str());
        QVERIFY(forced.failure->leftBehind.isEmpty());
        QVERIFY(forced.commands.contains(QStringLiteral("rm -f ") + forced.preflight->remoteFile));
        QVERIFY(!remoteDumps(c, m_pod).contains("leakdesk-"));
        QCOMPARE(QDir(out.path()).entryList(QDir::Files).size(), 0);
    }

    void withoutJdkOffersADebugContainer()
    {
        Cluster c;
        sandbox::SandboxOptions options;
        options.containerVariations["checkout"].withoutJdkTools = true;
        QVERIFY(c.start(options, m_now).ok());
        QTemporaryDir out;
        const Outcome o = c.capture(request(out.path()));
        QVERIFY(o.failure);
        QCOMPARE(o.failure->stage, CaptureStage::Preflight);
        const Preflight& p = *o.preflight;
        // The JVM is still found, through the process table.
        QVERIFY(p.jvm);
        QCOMPARE(p.jvm->pid, 7);
        QCOMPARE(p.jvmFoundBy, QStringLiteral("/proc"));
        QVERIFY(!p.hasJcmd && !p.hasJmap);
        QVERIFY(hasNote(p, PreflightNote::Level::Blocker, QStringLiteral("no JDK tools")));
        QVERIFY(p.debugContainer);
        const auto& container = p.debugContainer->patch["spec"]["ephemeralContainers"][0];
        QCOMPARE(
            QString::fromStdString(container["targetContainerName"].get<std::string>()), QStringLiteral("checkout"));
        QCOMPARE(
            QString::fromStdString(container["image"].get<std::string>()), QStringLiteral("eclipse-temurin:17-jdk"));
        QCOMPARE(p.debugContainer->apiPath,
            QStringLiteral("/api/v1/namespaces/production/pods/%1/ephemeralcontainers").arg(m_pod));
        QVERIFY(p.debugContainer->kubectlEquivalent.contains(QStringLiteral("--target=checkout")));
        QVERIFY(p.debugContainerAllowed && *p.debugContainerAllowed); // the sandbox's admin may
        QVERIFY(QString::fromStdString(o.failure->error.detail).contains(QStringLiteral("kubectl debug")));
        QVERIFY(p.describe().contains(QStringLiteral("Debug container offer")));
    }

    void debugContainerCapturesWithoutJdk()
    {
        Cluster c;
        sandbox::SandboxOptions options;
        options.containerVariations["checkout"].withoutJdkTools = true;
        QVERIFY(c.start(options, m_now).ok());
        QTemporaryDir out;
        CaptureRequest r = request(out.path());
        r.createDebugContainer = true;
        const Outcome o = c.capture(r);
        QVERIFY2(o.result, o.failure ? qPrintable(o.failure->describe()) : "no result");
        QVERIFY(o.result->verifiedInPod);
        QVERIFY(o.result->remoteRemoved);
        QVERIFY(o.result->compressed); // the debug image's JDK 17 compresses
        const QString name = o.preflight->debugContainer->name;
        QVERIFY(
            o.commands
                .filter(QStringLiteral("PATCH /api/v1/namespaces/production/pods/%1/ephemeralcontainers").arg(m_pod))
                .size()
            == 1);
        // The JVM's file is read through its /proc/<pid>/root from the debug container.
        QVERIFY(
            o.commands.contains(QStringLiteral("cat /proc/7/root") + o.preflight->remoteFile + QStringLiteral(".gz")));
        QVERIFY(o.result->notes.join(QLatin1Char(' ')).contains(QStringLiteral("created ephemeral container ") + name));
        QCOMPARE(sha256Of(o.result->path), o.result->sha256.toLatin1());

        // The pod now lists it, running, as the API server would.
        std::optional<Result<nlohmann::json>> pod;
        c.client->getJson(QStringLiteral("/api/v1/namespaces/production/pods/") + m_pod, {}, nullptr,
            [&](Result<nlohmann::json> j) { pod = std::move(j); });
        QTRY_VERIFY(pod.has_value());
        QVERIFY(pod->ok());
        const auto& status = (**pod)["status"]["ephemeralContainerStatuses"][0];
        QCOMPARE(QString::fromStdString(status["name"].get<std::string>()), name);
        QVERIFY(status["state"].contains("running"));
        QCOMPARE(
            QString::fromStdString((**pod)["spec"]["ephemeralContainers"][0]["targetContainerName"].get<std::string>()),
            QStringLiteral("checkout"));
    }

    void debugContainerDryRunAddsNothing()
    {
        Cluster c;
        QVERIFY(c.start({}, m_now).ok());
        const auto pod = nlohmann::json {
            { "metadata", { { "name", m_pod.toStdString() }, { "namespace", "production" } } },
            { "spec", { { "containers", { { { "name", "checkout" } } } } } },
        };
        const DebugContainerPlan plan
            = planDebugContainer(pod, QStringLiteral("checkout"), QStringLiteral("jdk:17"), QStringLiteral("x1"));
        auto patch = [&](bool dryRun) {
            kube::KubeClient::PatchOptions o;
            o.dryRun = dryRun;
            return test::waitForResult<nlohmann::json>([&](auto done) {
                c.client->patch(
                    plan.apiPath, plan.patch, kube::KubeClient::PatchType::StrategicMerge, o, nullptr, done);
            });
        };
        auto listed = [&] {
            const auto got = test::waitForResult<nlohmann::json>([&](auto done) {
                c.client->getJson(QStringLiteral("/api/v1/namespaces/production/pods/") + m_pod, {}, nullptr, done);
            });
            return got.ok() ? (*got)["spec"].value("ephemeralContainers", nlohmann::json::array()).size()
                            : std::size_t(99);
        };
        const auto dry = patch(true);
        QVERIFY2(dry.ok(), dry.ok() ? "" : dry.error().message.c_str());
        // The answer shows the container as it would be; the pod does not have it.
        QCOMPARE((*dry)["spec"]["ephemeralContainers"].size(), std::size_t(1));
        QCOMPARE(listed(), std::size_t(0));
        QVERIFY(patch(false).ok());
        QCOMPARE(listed(), std::size_t(1));
        QVERIFY(patch(false).ok()); // the same name again changes nothing
        QCOMPARE(listed(), std::size_t(1));
    }

    void kubectlDebugMakesTheSameDebugContainer()
    {
        // The real `kubectl debug --target` against the same sandbox: its PATCH is accepted and its
        // container execs jcmd next to the JVM.
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("kubectl"));
        test::KubectlHarness kubectl;
        Cluster c;
        sandbox::SandboxOptions options;
        options.containerVariations["checkout"].withoutJdkTools = true;
        QVERIFY(c.start(options, m_now).ok());
        kubectl.setKubeconfig(c.kubeconfig());
        auto run = [&](const QStringList& args) {
            QProcess p;
            kubectl.start(p, QStringList { QStringLiteral("-n"), QStringLiteral("production") } + args);
            // The sandbox answers on this thread's event loop's peer thread; wait without blocking it.
            (void)QTest::qWaitFor([&] { return p.state() == QProcess::NotRunning; }, 60000);
            return std::make_pair(p.exitCode(), QByteArray(p.readAllStandardOutput() + p.readAllStandardError()));
        };
        const auto debug = run({ QStringLiteral("debug"), m_pod, QStringLiteral("--image=eclipse-temurin:17-jdk"),
            QStringLiteral("--target=checkout"), QStringLiteral("--container=jdk"), QStringLiteral("--"),
            QStringLiteral("sleep"), QStringLiteral("3600") });
        QVERIFY2(debug.first == 0, debug.second.constData());
        const auto jcmd = run({ QStringLiteral("exec"), m_pod, QStringLiteral("-c"), QStringLiteral("jdk"),
            QStringLiteral("--"), QStringLiteral("jcmd"), QStringLiteral("-l") });
        QVERIFY2(jcmd.first == 0, jcmd.second.constData());
        QVERIFY2(jcmd.second.startsWith("7 /app/app.jar"), jcmd.second.constData());
        // The application container itself still has no JDK.
        const auto app = run({ QStringLiteral("exec"), m_pod, QStringLiteral("-c"), QStringLiteral("checkout"),
            QStringLiteral("--"), QStringLiteral("jcmd"), QStringLiteral("-l") });
        QVERIFY(app.first != 0);
    }

    void memoryBackedTmpIsAvoided()
    {
        Cluster c;
        sandbox::SandboxOptions options;
        options.containerVariations["checkout"].memoryBackedTmp = true;
        QVERIFY(c.start(options, m_now).ok());
        QTemporaryDir out;
        // By default the dump goes to a disk-backed directory instead.
        const Outcome chosen = c.capture(request(out.path()), false, true);
        QVERIFY(chosen.preflight);
        QCOMPARE(chosen.preflight->remoteDir, QStringLiteral("/var/tmp"));
        QVERIFY(hasNote(*chosen.preflight, PreflightNote::Level::Info, QStringLiteral("/tmp is memory-backed")));
        // Asked for /tmp, the pre-flight warns that it counts against the memory limit.
        CaptureRequest r = request(out.path());
        r.remoteDir = QStringLiteral("/tmp");
        const Outcome tmp = c.capture(r, false, true);
        QVERIFY(tmp.preflight->memoryBacked);
        QCOMPARE(QString::fromStdString(tmp.preflight->disk->type), QStringLiteral("tmpfs"));
        QVERIFY(hasNote(*tmp.preflight, PreflightNote::Level::Warning, QStringLiteral("memory limit")));
    }

    void cancelRemovesWhatItCreated()
    {
        Cluster c;
        sandbox::SandboxOptions options;
        options.containerVariations["checkout"].dumpBytes = 64 * 1024 * 1024;
        QVERIFY(c.start(options, m_now).ok());
        QTemporaryDir out;
        CaptureRequest r = request(out.path());
        r.compress = false;
        const Outcome o = c.capture(r, false, false, [](HeapCapture& job, CaptureStage s) {
            if (s == CaptureStage::Transfer)
                job.cancel();
        });
        QVERIFY(o.failure);
        QCOMPARE(o.failure->error.code, ErrorCode::Cancelled);
        QVERIFY(o.failure->leftBehind.isEmpty());
        QVERIFY(!remoteDumps(c, m_pod).contains("leakdesk-"));
        QCOMPARE(QDir(out.path()).entryList(QDir::Files).size(), 0);
    }

    void missingPodIsAClearError()
    {
        Cluster c;
        QVERIFY(c.start({}, m_now).ok());
        QTemporaryDir out;
        CaptureRequest r = request(out.path());
        r.pod = QStringLiteral("checkout-nope");
        const Outcome o = c.capture(r);
        QVERIFY(o.failure);
        QCOMPARE(o.failure->error.code, ErrorCode::NotFound);
        r.pod = m_pod;
        r.container = QStringLiteral("sidecar");
        const Outcome o2 = c.capture(r);
        QVERIFY(o2.failure);
        QVERIFY(QString::fromStdString(o2.failure->error.message).contains(QStringLiteral("no container 'sidecar'")));
    }
};

QTEST_GUILESS_MAIN(TestHeapCapture)
#include "tst_heap_capture.moc"
