// KubeClient::exec against the sandbox's exec endpoint over real sockets: the v5/v4 channel
// protocols, exit codes from the error channel, stdin with v5's close-stream, back-pressure on a
// heap dump streamed through a slow consumer, a transfer resumed after a dropped connection, and
// stdout paced by the bandwidth fault.

#include "SandboxCluster.h"
#include "WaitForResult.h"
#include "core/kube/KubeClient.h"
#include "core/sandbox/SandboxHost.h"
#include "core/sandbox/model/SandboxModel.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QElapsedTimer>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

using namespace leakdesk;
using namespace leakdesk::kube;

namespace {

constexpr std::uint64_t kSeed = 42;

// A pinned instant at which a checkout pod is running with a large heap (its dump is tens of MB),
// so the streaming tests move a real amount of data. Returns (now, pod name).
std::pair<qint64, std::string> bigHeapMoment()
{
    const qint64 base = QDateTime::currentMSecsSinceEpoch();
    const sandbox::SandboxModel model(kSeed, base);
    for (qint64 t = base; t < base + 2 * sandbox::kHourMs; t += sandbox::kMinuteMs) {
        for (std::size_t p = 0; p < model.pods().size(); ++p) {
            if (model.services()[model.pods()[p].service].name != "checkout")
                continue;
            const auto ws = model.workingSetBytes(p, t);
            if (ws && *ws > 1.7 * sandbox::kGiB)
                return { t, model.pods()[p].name };
        }
    }
    return { base, {} };
}

using Sandbox = test::SandboxCluster;

Result<KubeClient::ExecOutput> collect(KubeClient& client, const ExecRequest& request)
{
    return test::waitForResult<KubeClient::ExecOutput>(
        [&](auto done) { client.execCollect(request, nullptr, done); }, 60000);
}

ExecRequest request(const std::string& pod, const QStringList& command)
{
    ExecRequest r;
    r.ns = QStringLiteral("production");
    r.pod = QString::fromStdString(pod);
    r.command = command;
    return r;
}

} // namespace

class TestKubeExec : public QObject {
    Q_OBJECT
    Sandbox m_sandbox;
    qint64 m_now = 0;
    std::string m_pod;

    Result<KubeClient::ExecOutput> run(const QStringList& command)
    {
        return collect(*m_sandbox.client, request(m_pod, command));
    }

private Q_SLOTS:
    void initTestCase()
    {
        std::tie(m_now, m_pod) = bigHeapMoment();
        QVERIFY2(!m_pod.empty(), "no checkout pod with a large heap in the next two hours");
        sandbox::SandboxOptions options;
        options.seed = kSeed;
        options.fixedNowMs = m_now;
        // Generated dumps of a forced size: the shipped real ones are too small to show back-pressure.
        options.containerVariations["checkout"].dumpBytes = 48 * 1024 * 1024;
        const auto s = m_sandbox.start(options);
        QVERIFY2(s.ok(), s.ok() ? "" : s.error().message.c_str());
    }

    void jcmdListsTheJvm()
    {
        const auto r = run({ QStringLiteral("jcmd"), QStringLiteral("-l") });
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
        QCOMPARE(r->result.exitCode, 0);
        QCOMPARE(r->result.protocol, QStringLiteral("v5.channel.k8s.io"));
        QVERIFY2(r->stdoutBytes.startsWith("7 /app/app.jar"), r->stdoutBytes.constData());
        QVERIFY(r->result.stderrText.isEmpty());
    }

    void exitCodes_data()
    {
        QTest::addColumn<QStringList>("command");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("stderrPattern");
        QTest::newRow("success") << QStringList { "true" } << 0 << "^$";
        QTest::newRow("exit 3") << QStringList { "sh", "-c", "exit 3" } << 3 << "^$";
        QTest::newRow("not found") << QStringList { "strace", "-p", "7" } << 127 << "executable file not found";
        QTest::newRow("cat missing") << QStringList { "cat", "/tmp/none" } << 1 << "No such file or directory";
    }

    void exitCodes()
    {
        QFETCH(QStringList, command);
        QFETCH(int, exitCode);
        QFETCH(QString, stderrPattern);
        const auto r = run(command);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
        QCOMPARE(r->result.exitCode, exitCode);
        QVERIFY2(QRegularExpression(stderrPattern).match(QString::fromUtf8(r->result.stderrText)).hasMatch(),
            r->result.stderrText.constData());
        if (exitCode != 0)
            QVERIFY(
                QString::fromStdString(r->result.statusMessage).contains(QStringLiteral("exit code %1").arg(exitCode)));
    }

    void refusedExecIsATypedError_data()
    {
        QTest::addColumn<QString>("pod");
        QTest::addColumn<QString>("container");
        QTest::addColumn<int>("code");
        QTest::newRow("unknown pod") << "checkout-nosuch-xxxxx"
                                     << "" << int(ErrorCode::NotFound);
        // 400 Bad Request: the request names no container of the pod; sending it again cannot help.
        QTest::newRow("wrong container") << ""
                                         << "sidecar" << int(ErrorCode::InvalidArgument);
    }

    void refusedExecIsATypedError()
    {
        QFETCH(QString, pod);
        QFETCH(QString, container);
        QFETCH(int, code);
        ExecRequest req = request(pod.isEmpty() ? m_pod : pod.toStdString(), { QStringLiteral("ls") });
        req.container = container;
        const auto r = collect(*m_sandbox.client, req);
        QVERIFY(!r.ok());
        QCOMPARE(int(r.error().code), code);
        if (!container.isEmpty())
            QVERIFY2(
                QString::fromStdString(r.error().message).contains(QStringLiteral("container sidecar is not valid")),
                r.error().message.c_str());
    }

    void stdinIsEchoedUntilClosed()
    {
        ExecRequest req = request(m_pod, { QStringLiteral("cat") });
        req.stdinOn = true;
        ExecSession* session = m_sandbox.client->exec(req, this);
        QSignalSpy established(session, &ExecSession::established);
        QSignalSpy finished(session, &ExecSession::finished);
        QByteArray echoed;
        connect(session, &ExecSession::stdoutReady, this, [&] { echoed += session->readStdout(); });
        QVERIFY(established.wait(10000));
        session->writeStdin("hello ");
        session->writeStdin("world");
        QTRY_COMPARE_WITH_TIMEOUT(echoed, QByteArray("hello world"), 10000);
        QCOMPARE(finished.size(), 0); // cat waits for the end of its input
        session->closeStdin();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        QCOMPARE(finished.at(0).at(0).value<ExecResult>().exitCode, 0);
        session->deleteLater();
    }

    void heapDumpStreamsWithBackPressure()
    {
        const auto dump = run({ QStringLiteral("jcmd"), QStringLiteral("7"), QStringLiteral("GC.heap_dump"),
            QStringLiteral("/tmp/bp.hprof") });
        QVERIFY2(dump.ok(), dump.ok() ? "" : dump.error().toString().c_str());
        const auto size
            = QRegularExpression(QStringLiteral("created \\[(\\d+) bytes")).match(QString::fromUtf8(dump->stdoutBytes));
        QVERIFY2(size.hasMatch(), dump->stdoutBytes.constData());
        const qint64 fileSize = size.captured(1).toLongLong();
        QVERIFY2(fileSize > 40 * 1024 * 1024, qPrintable(QString::number(fileSize)));
        const auto sum = run({ QStringLiteral("sha256sum"), QStringLiteral("/tmp/bp.hprof") });
        QVERIFY(sum.ok());

        const qint64 sentBefore = m_sandbox.host.execStdoutBytesSent();
        ExecSession* session
            = m_sandbox.client->exec(request(m_pod, { QStringLiteral("cat"), QStringLiteral("/tmp/bp.hprof") }), this);
        session->setMaxQueuedBytes(512 * 1024);
        QSignalSpy finished(session, &ExecSession::finished);
        QSignalSpy failed(session, &ExecSession::failed);
        // A consumer that does not read for a while: the session must stop reading and the server
        // must stop sending, instead of either side buffering the whole dump.
        QTest::qWait(1500);
        const qint64 queued = session->queuedStdoutBytes();
        const qint64 sentWhilePaused = m_sandbox.host.execStdoutBytesSent() - sentBefore;
        QVERIFY2(queued <= 512 * 1024 + 64 * 1024, qPrintable(QString::number(queued)));
        // What the server sent is bounded by the queue, the socket buffers on both sides and the
        // endpoint's own unsent limit: far less than the file.
        QVERIFY2(sentWhilePaused < 16 * 1024 * 1024, qPrintable(QString::number(sentWhilePaused)));
        QVERIFY(sentWhilePaused < fileSize / 2);
        QCOMPARE(finished.size(), 0);

        QCryptographicHash hash(QCryptographicHash::Sha256);
        qint64 received = 0;
        qint64 maxQueued = 0;
        connect(session, &ExecSession::stdoutReady, this, [&] {
            maxQueued = std::max(maxQueued, session->queuedStdoutBytes());
            const QByteArray chunk = session->readStdout(256 * 1024);
            hash.addData(chunk);
            received += chunk.size();
        });
        const QByteArray first = session->readStdout();
        hash.addData(first);
        received += first.size();
        QTRY_VERIFY_WITH_TIMEOUT(finished.size() == 1 || failed.size() == 1, 60000);
        QCOMPARE(failed.size(), 0);
        QCOMPARE(received, fileSize);
        QVERIFY2(maxQueued <= 512 * 1024 + 64 * 1024, qPrintable(QString::number(maxQueued)));
        QCOMPARE(finished.at(0).at(0).value<ExecResult>().stdoutBytes, fileSize);
        QCOMPARE(hash.result().toHex() + "  /tmp/bp.hprof\n", sum->stdoutBytes);
        session->deleteLater();
    }

    void droppedTransferResumesFromItsOffset()
    {
        // A second sandbox whose exec connections drop after 3 MB of stdout.
        Sandbox dropping;
        sandbox::SandboxOptions options;
        options.seed = kSeed;
        options.fixedNowMs = m_now;
        options.execDropAfterBytes = 3 * 1024 * 1024;
        options.containerVariations["checkout"].dumpBytes = 48 * 1024 * 1024;
        QVERIFY(dropping.start(options).ok());
        auto exec = [&](const QStringList& command) { return collect(*dropping.client, request(m_pod, command)); };
        QVERIFY(exec({ QStringLiteral("jcmd"), QStringLiteral("7"), QStringLiteral("GC.heap_dump"),
                         QStringLiteral("-gz=1"), QStringLiteral("/tmp/r.hprof.gz") })
                    .ok());
        const auto sum = exec({ QStringLiteral("sha256sum"), QStringLiteral("/tmp/r.hprof.gz") });
        QVERIFY(sum.ok());
        const auto sizeOut = exec(
            { QStringLiteral("stat"), QStringLiteral("-c"), QStringLiteral("%s"), QStringLiteral("/tmp/r.hprof.gz") });
        QVERIFY(sizeOut.ok());
        const qint64 size = sizeOut->stdoutBytes.trimmed().toLongLong();
        QVERIFY2(size > 3 * 1024 * 1024, qPrintable(QString::number(size)));

        QByteArray file;
        int attempts = 0;
        while (file.size() < size && attempts++ < 10) {
            ExecSession* s = dropping.client->exec(
                request(m_pod,
                    { QStringLiteral("tail"), QStringLiteral("-c"), QStringLiteral("+%1").arg(file.size() + 1),
                        QStringLiteral("/tmp/r.hprof.gz") }),
                this);
            QSignalSpy finished(s, &ExecSession::finished);
            QSignalSpy failed(s, &ExecSession::failed);
            connect(s, &ExecSession::stdoutReady, this, [&file, s] { file += s->readStdout(); });
            QTRY_VERIFY_WITH_TIMEOUT(finished.size() + failed.size() == 1, 30000);
            if (failed.size()) {
                const auto error = failed.at(0).at(0).value<Error>();
                QCOMPARE(error.code, ErrorCode::Network);
                QVERIFY2(QString::fromStdString(error.message).contains(QStringLiteral("connection was lost after")),
                    error.message.c_str());
            }
            s->deleteLater();
        }
        QVERIFY2(attempts > 1, "the transfer should have been interrupted at least once");
        QCOMPARE(file.size(), size);
        QCOMPARE(QCryptographicHash::hash(file, QCryptographicHash::Sha256).toHex() + "  /tmp/r.hprof.gz\n",
            sum->stdoutBytes);
    }

    void bandwidthPacesTheStream()
    {
        // A second sandbox whose exec stdout crosses a 20 MB/s link (`--faults bandwidth=20MB/s`).
        auto faults = sandbox::FaultSpec::parse("bandwidth=20MB/s");
        QVERIFY(faults.ok());
        Sandbox paced;
        sandbox::SandboxOptions options;
        options.seed = kSeed;
        options.fixedNowMs = m_now;
        options.faults = *faults;
        options.containerVariations["checkout"].dumpBytes = 6 * 1024 * 1024;
        QVERIFY(paced.start(options).ok());
        auto exec = [&](const QStringList& command) { return collect(*paced.client, request(m_pod, command)); };
        QVERIFY(exec({ QStringLiteral("jcmd"), QStringLiteral("7"), QStringLiteral("GC.heap_dump"),
                         QStringLiteral("/tmp/p.hprof") })
                    .ok());
        const auto sum = exec({ QStringLiteral("sha256sum"), QStringLiteral("/tmp/p.hprof") });
        QVERIFY(sum.ok());

        QElapsedTimer clock;
        clock.start();
        const auto cat = exec({ QStringLiteral("cat"), QStringLiteral("/tmp/p.hprof") });
        const qint64 elapsedMs = clock.elapsed();
        QVERIFY2(cat.ok(), cat.ok() ? "" : cat.error().toString().c_str());
        QCOMPARE(QCryptographicHash::hash(cat->stdoutBytes, QCryptographicHash::Sha256).toHex() + "  /tmp/p.hprof\n",
            sum->stdoutBytes);
        // A lower bound only (a loaded machine is slower, never faster): the bytes cannot have
        // crossed a 20 MB/s link quicker than size / rate, less the link's few ms of catch-up.
        const qint64 floorMs = cat->stdoutBytes.size() * 1000 / 20'000'000 - 10;
        QVERIFY2(elapsedMs >= floorMs,
            qPrintable(QStringLiteral("%1 ms for %2 bytes").arg(elapsedMs).arg(cat->stdoutBytes.size())));
    }

    void fallsBackToV4()
    {
        Sandbox old;
        sandbox::SandboxOptions options;
        options.seed = kSeed;
        options.fixedNowMs = m_now;
        options.execProtocols = { QStringLiteral("v4.channel.k8s.io") };
        QVERIFY(old.start(options).ok());
        const auto r = collect(
            *old.client, request(m_pod, { QStringLiteral("sh"), QStringLiteral("-c"), QStringLiteral("exit 5") }));
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
        QCOMPARE(r->result.protocol, QStringLiteral("v4.channel.k8s.io"));
        QCOMPARE(r->result.exitCode, 5);
    }

    // v4/v5 end every command with its status on the error channel. A server (or a proxy) that
    // closes the stream cleanly before it has sent one has not told us how the command ended: an
    // error to retry, never a success with whatever output had arrived.
    void cleanCloseWithoutStatusIsAnError()
    {
        QWebSocketServer server(QStringLiteral("closes-early"), QWebSocketServer::NonSecureMode);
        server.setSupportedSubprotocols({ QStringLiteral("v5.channel.k8s.io") });
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        connect(&server, &QWebSocketServer::newConnection, &server, [&server] {
            QWebSocket* socket = server.nextPendingConnection();
            socket->sendBinaryMessage(QByteArray(1, 1) + QByteArray("partial output"));
            socket->close(QWebSocketProtocol::CloseCodeNormal);
        });
        ResolvedContext ctx;
        ctx.cluster.server = "http://127.0.0.1:" + std::to_string(server.serverPort());
        auto client = KubeClient::create(ctx);
        QVERIFY(client.ok());
        const auto r = collect(**client, request("p", { QStringLiteral("sha256sum"), QStringLiteral("/tmp/x") }));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Network);
        QVERIFY2(QString::fromStdString(r.error().message).contains(QStringLiteral("before the command's exit status")),
            r.error().message.c_str());
    }

    // A client destroyed while execs run (a capture job outliving its dialog and connection) ends
    // them without calling back: a callback run from ~KubeClient meets a half-destroyed client, and
    // a caller whose wait already gave up meets its own dead stack frame (a crash of the capture
    // dialog test under load).
    void destroyingTheClientCallsNoExecCallback()
    {
        Sandbox own;
        sandbox::SandboxOptions options;
        options.seed = kSeed;
        options.fixedNowMs = m_now;
        QVERIFY(own.start(options).ok());
        // `cat` with stdin open runs until its input ends: both execs are still running when the
        // client goes.
        ExecRequest req = request(m_pod, { QStringLiteral("cat") });
        req.stdinOn = true;
        int callbacks = 0;
        own.client->execCollect(req, this, [&](Result<KubeClient::ExecOutput>) { ++callbacks; });
        ExecSession* streamed = own.client->exec(req, own.client.get());
        int emitted = 0;
        connect(streamed, &ExecSession::finished, this, [&] { ++emitted; });
        connect(streamed, &ExecSession::failed, this, [&] { ++emitted; });
        const auto sessions = own.client->findChildren<ExecSession*>();
        QCOMPARE(sessions.size(), 2);
        int established = 0;
        for (ExecSession* s : sessions)
            connect(s, &ExecSession::established, this, [&] { ++established; });
        QTRY_COMPARE_WITH_TIMEOUT(established, 2, 30000);
        QCOMPARE(callbacks + emitted, 0);
        own.client.reset();
        QCOMPARE(callbacks, 0);
        QCOMPARE(emitted, 0);
        QTest::qWait(100); // nor later, from a queued call
        QCOMPARE(callbacks + emitted, 0);
    }

    void execIntoAContainerThatIsRestarting()
    {
        // Pin the clock two seconds after an OOM kill: the kubelet has no container to exec into.
        const sandbox::SandboxModel model(kSeed, m_now);
        const auto pod = model.podIndex(m_pod);
        QVERIFY(pod);
        const auto run = *model.runIndexAt(*pod, m_now);
        QVERIFY(run > 0);
        Sandbox crashed;
        sandbox::SandboxOptions options;
        options.seed = kSeed;
        options.fixedNowMs = model.pods()[*pod].runs[run - 1].finishedMs + 2000;
        QVERIFY(crashed.start(options).ok());
        const auto r = collect(*crashed.client, request(m_pod, { QStringLiteral("jcmd"), QStringLiteral("-l") }));
        QVERIFY(!r.ok());
        QVERIFY2(
            QString::fromStdString(r.error().message).contains(QStringLiteral("container not found (\"checkout\")")),
            r.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestKubeExec)
#include "tst_kube_exec.moc"
