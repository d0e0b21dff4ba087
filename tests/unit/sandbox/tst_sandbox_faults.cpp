// HttpServer's fault hook over real loopback sockets: an injected latency holds a request (and
// the ones pipelined behind it) without reordering answers, an injected answer replaces the
// handler's, and a drop closes the connection with nothing written.

#include "sandbox/HttpServer.h"

#include <QTcpSocket>
#include <QTest>

#include <deque>

using namespace leakdesk;
using namespace leakdesk::sandbox;

namespace {

struct Reply {
    int status = 0;
    QByteArray body;
};

// Responses in `data`, in order; stops at the first incomplete one.
std::vector<Reply> parseResponses(const QByteArray& data)
{
    std::vector<Reply> out;
    qsizetype at = 0;
    while (true) {
        const qsizetype headEnd = data.indexOf("\r\n\r\n", at);
        if (headEnd < 0)
            break;
        const QByteArray head = data.mid(at, headEnd - at);
        qsizetype length = 0;
        for (const QByteArray& line : head.split('\n'))
            if (line.toLower().startsWith("content-length:"))
                length = line.mid(15).trimmed().toLongLong();
        if (data.size() < headEnd + 4 + length)
            break;
        out.push_back(Reply { head.mid(9, 3).toInt(), data.mid(headEnd + 4, length) });
        at = headEnd + 4 + length;
    }
    return out;
}

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
                replies = parseResponses(data);
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
