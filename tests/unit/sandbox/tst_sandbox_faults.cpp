// HttpServer's fault hook over real loopback sockets: an injected latency holds a request (and
// the ones pipelined behind it) without reordering answers, an injected answer replaces the
// handler's, and a drop closes the connection with nothing written. The bandwidth fault: how it
// is written (`bandwidth=50MB/s`) and the link's pacing, on a simulated clock.

#include "SandboxHttp.h"
#include "core/sandbox/http/FaultInjection.h"
#include "core/sandbox/http/HttpServer.h"

#include <QTcpSocket>
#include <QTest>

#include <cmath>
#include <deque>

using namespace leakdesk;
using namespace leakdesk::sandbox;

namespace {

using Reply = test::HttpReply;

} // namespace

class TestSandboxFaults : public QObject {
    Q_OBJECT
    HttpServer* m_server = nullptr;
    std::deque<RequestFault> m_script; // the fault of each coming request, in order
    QStringList m_handled;

    // The server runs on this thread: wait with the event loop turning, never blocking it.
    std::vector<Reply> exchange(QTcpSocket& s, const QByteArray& requests, std::size_t expected)
    {
        s.write(requests);
        QByteArray data;
        std::vector<Reply> replies;
        (void)QTest::qWaitFor(
            [&] {
                data += s.readAll();
                replies = test::parseHttpReplies(data);
                return replies.size() >= expected || s.state() != QAbstractSocket::ConnectedState;
            },
            10000);
        return replies;
    }

    bool connect(QTcpSocket& s)
    {
        s.connectToHost(QHostAddress::LocalHost, m_server->port());
        return QTest::qWaitFor([&] { return s.state() == QAbstractSocket::ConnectedState; }, 5000);
    }

private Q_SLOTS:
    void init()
    {
        m_script.clear();
        m_handled.clear();
        m_server = new HttpServer(this);
        m_server->setHandler([this](const HttpRequest& r) {
            m_handled << QString::fromStdString(r.path);
            return HttpResponse::text(200, QByteArray::fromStdString(r.path));
        });
        m_server->setFaultHook([this](const HttpRequest&) {
            if (m_script.empty())
                return RequestFault {};
            RequestFault f = m_script.front();
            m_script.pop_front();
            return f;
        });
        QVERIFY(m_server->listen(QHostAddress::LocalHost, 0).ok());
    }

    void cleanup()
    {
        delete m_server;
        m_server = nullptr;
    }

    void latencyKeepsPipelinedAnswersInOrder()
    {
        m_script
            = { RequestFault { 150, false, std::nullopt }, RequestFault {}, RequestFault { 50, false, std::nullopt } };
        QTcpSocket s;
        QVERIFY(connect(s));
        const auto replies = exchange(s,
            "GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n"
            "GET /third HTTP/1.1\r\nHost: x\r\n\r\n",
            3);
        QCOMPARE(replies.size(), std::size_t(3));
        QCOMPARE(replies[0].body, QByteArray("/first"));
        QCOMPARE(replies[1].body, QByteArray("/second"));
        QCOMPARE(replies[2].body, QByteArray("/third"));
        // Each request was handled once, the delayed ones included.
        QCOMPARE(
            m_handled, (QStringList { QStringLiteral("/first"), QStringLiteral("/second"), QStringLiteral("/third") }));
        QVERIFY(m_script.empty()); // one fault asked per request, not one per read
    }

    void injectedAnswerReplacesTheHandler()
    {
        RequestFault unavailable;
        unavailable.response = HttpResponse::json(503, R"({"kind":"Status","code":503})");
        m_script = { unavailable };
        QTcpSocket s;
        QVERIFY(connect(s));
        auto replies = exchange(s, "GET /pods HTTP/1.1\r\nHost: x\r\n\r\n", 1);
        QCOMPARE(replies.size(), std::size_t(1));
        QCOMPARE(replies[0].status, 503);
        QCOMPARE(replies[0].body, QByteArray(R"({"kind":"Status","code":503})"));
        QVERIFY(m_handled.isEmpty());
        // The connection stays usable, as after any answer.
        replies = exchange(s, "GET /pods HTTP/1.1\r\nHost: x\r\n\r\n", 1);
        QCOMPARE(replies.size(), std::size_t(1));
        QCOMPARE(replies[0].status, 200);
        QCOMPARE(m_handled, QStringList { QStringLiteral("/pods") });
    }

    void dropClosesWithoutAnAnswer()
    {
        m_script = { RequestFault { 20, true, std::nullopt } };
        QTcpSocket s;
        QVERIFY(connect(s));
        const auto replies
            = exchange(s, "GET /pods HTTP/1.1\r\nHost: x\r\n\r\nGET /nodes HTTP/1.1\r\nHost: x\r\n\r\n", 1);
        QVERIFY(replies.empty());
        QTRY_VERIFY_WITH_TIMEOUT(s.state() == QAbstractSocket::UnconnectedState, 10000);
        QVERIFY(m_handled.isEmpty()); // nor the request pipelined behind it
    }

    void bandwidthParses_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<double>("bytesPerSecond"); // 0: refused
        QTest::addColumn<QString>("errorSays");

        QTest::newRow("decimal MB/s") << "50MB/s" << 50e6 << QString();
        QTest::newRow("binary MiB/s") << "25MiB/s" << 25.0 * 1024 * 1024 << QString();
        QTest::newRow("bare bytes/s") << "1000000" << 1e6 << QString();
        QTest::newRow("bytes, per second") << "65536B/s" << 65536.0 << QString();
        QTest::newRow("fraction, no /s") << "1.5GB" << 1.5e9 << QString();
        QTest::newRow("kilo, space") << "800 kB/s" << 800e3 << QString();
        QTest::newRow("KiB") << "64KiB/s" << 65536.0 << QString();
        QTest::newRow("bits") << "50Mb/s" << 0.0 << "bits";
        QTest::newRow("bits per second") << "100Mbps" << 0.0 << "bits";
        QTest::newRow("Mbit/s") << "100Mbit/s" << 0.0 << "bits";
        QTest::newRow("zero") << "0" << 0.0 << "out of range";
        QTest::newRow("too slow") << "500B/s" << 0.0 << "out of range";
        QTest::newRow("too fast") << "2000GB/s" << 0.0 << "out of range";
        QTest::newRow("negative") << "-5MB/s" << 0.0 << "invalid";
        QTest::newRow("unknown unit") << "5TB/s" << 0.0 << "invalid";
        QTest::newRow("no number") << "MB/s" << 0.0 << "invalid";
        QTest::newRow("words") << "fast" << 0.0 << "invalid";
        QTest::newRow("two dots") << "1.2.3MB/s" << 0.0 << "invalid";
    }

    void bandwidthParses()
    {
        QFETCH(QString, value);
        QFETCH(double, bytesPerSecond);
        QFETCH(QString, errorSays);
        // As `sandbox serve --faults` gets it, next to other faults.
        const auto spec = FaultSpec::parse("latency=10ms,bandwidth=" + value.toStdString() + ",seed=3");
        QCOMPARE(spec.ok(), bytesPerSecond > 0);
        if (!spec) {
            QCOMPARE(spec.error().code, leakdesk::ErrorCode::InvalidArgument);
            QVERIFY2(QString::fromStdString(spec.error().message).contains(errorSays), spec.error().message.c_str());
            QVERIFY2(QString::fromStdString(spec.error().message).contains(value), spec.error().message.c_str());
            QVERIFY(!spec.error().detail.empty()); // says how to write it
            return;
        }
        QCOMPARE(spec->bandwidthBytesPerSecond, bytesPerSecond);
        QCOMPARE(spec->latencyMs, 10);
        QVERIFY(spec->enabled());
        // What `sandbox serve` prints parses back to the same rate.
        const auto again = FaultSpec::parse(spec->toString());
        QVERIFY2(again.ok(), spec->toString().c_str());
        QCOMPARE(again->bandwidthBytesPerSecond, std::round(bytesPerSecond));
    }

    void bandwidthIsOffByDefault()
    {
        const auto spec = FaultSpec::parse("latency=0");
        QVERIFY(spec.ok());
        QCOMPARE(spec->bandwidthBytesPerSecond, 0.0);
        QVERIFY(!spec->enabled());
        QVERIFY(!QString::fromStdString(spec->toString()).contains(QStringLiteral("bandwidth")));
    }

    void linkPacerKeepsToItsRate()
    {
        // A sender that sends 32 KiB whenever the link lets it, woken up to 0.7 ms late, for 2 s
        // of simulated time on a 10 MB/s link.
        constexpr double kRate = 10e6;
        constexpr qint64 kSlice = 32 * 1024;
        LinkPacer link(kRate);
        qint64 now = 0;
        qint64 sent = 0;
        qint64 sends = 0;
        while (now < 2'000'000'000) {
            const qint64 wait = link.waitNs(now);
            if (wait > 0) {
                now += wait + (sends % 8) * 100'000; // timers fire late by 0 to 0.7 ms
                continue;
            }
            link.sent(now, kSlice);
            sent += kSlice;
            ++sends;
            // No more than the rate allows since the start (plus the catch-up and one slice), and
            // late timers cost almost nothing: the link stays busy.
            QVERIFY2(double(sent) <= kRate * double(now + LinkPacer::kCatchUpNs) / 1e9 + double(kSlice),
                qPrintable(QStringLiteral("%1 bytes at %2 ns").arg(sent).arg(now)));
        }
        QVERIFY2(double(sent) >= kRate * 2.0 * 0.98, qPrintable(QString::number(sent)));

        // Idle time earns no credit: after 10 s of silence only the catch-up goes at once.
        now += 10'000'000'000;
        qint64 burst = 0;
        while (link.waitNs(now) == 0) {
            link.sent(now, kSlice);
            burst += kSlice;
        }
        QVERIFY2(double(burst) <= kRate * double(LinkPacer::kCatchUpNs) / 1e9 + double(kSlice),
            qPrintable(QString::number(burst)));
        QVERIFY(burst >= kSlice);
    }

    void clientGoneWhileHeldIsForgotten()
    {
        m_script = { RequestFault { 100, false, std::nullopt } };
        {
            QTcpSocket s;
            QVERIFY(connect(s));
            s.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            QTest::qWait(20);
            s.abort();
        }
        QTest::qWait(200); // the held request's timer would fire here if the socket had survived
        QVERIFY(m_handled.isEmpty() || m_handled == QStringList { QStringLiteral("/slow") });
        // The server goes on serving new connections.
        QTcpSocket s2;
        QVERIFY(connect(s2));
        const auto replies = exchange(s2, "GET /next HTTP/1.1\r\nHost: x\r\n\r\n", 1);
        QCOMPARE(replies.size(), std::size_t(1));
        QCOMPARE(replies[0].body, QByteArray("/next"));
    }
};

QTEST_GUILESS_MAIN(TestSandboxFaults)
#include "tst_sandbox_faults.moc"
