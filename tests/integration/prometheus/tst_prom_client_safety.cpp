// PromClient against scripted loopback servers: credentials never follow a redirect to another
// origin (same-origin redirects are followed), configured values with control characters never
// reach a header, and every query is retried on 5xx, 429 (after Retry-After), a reset connection
// or a refused one, within its attempts and its total deadline, and not after cancel().
#include "core/investigation/ClusterConnection.h"
#include "core/prometheus/PromClient.h"
#include "core/sandbox/SandboxHost.h"
#include "LoopbackHttpServer.h"
#include "TestSupport.h"
#include "WaitForResult.h"

#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::prometheus;
using leakdesk::test::LoopbackHttpServer;
using leakdesk::test::RecordedRequest;
using leakdesk::test::RedirectingServers;
using leakdesk::test::ScriptedAnswer;

namespace {

const QByteArray kToken = "prom-s3cret-token";
const QByteArray kVector = R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"pod":"a"},"value":[1700000000,"1"]}]}})";
const QByteArray kUnavailable = R"({"status":"error","errorType":"unavailable","error":"TSDB not ready"})";

ScriptedAnswer vectorAnswer(const RecordedRequest&, int) { return { 200, { { "Content-Type", "application/json" } }, kVector, false }; }

PromConnection connectionTo(quint16 port, QByteArray token = kToken)
{
    PromConnection c;
    c.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
    c.bearerToken = std::move(token);
    c.timeoutMs = 10000;
    c.retry.baseDelayMs = 20; // keeps the suite quick; the policy itself is tested in test_retry_policy
    c.retry.maxDelayMs = 100;
    return c;
}

Result<QueryResult> instantQuery(PromClient& client)
{
    return test::waitForResult<QueryResult>(
        [&](PromClient::Callback cb) { return client.query("up", 1700000000000, nullptr, cb); }, 60000);
}

} // namespace

class TestPromClientSafety : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void redirectToAnotherOriginIsRefused_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("target");
        for (int status : { 301, 302, 303, 307, 308 }) {
            QTest::addRow("%d to another port", status) << status << QStringLiteral("http://127.0.0.1:%B/api/v1/query?query=up");
            QTest::addRow("%d to localhost", status) << status << QStringLiteral("http://localhost:%B/api/v1/query?query=up");
        }
        QTest::newRow("302 to https on the same port") << 302 << QStringLiteral("https://127.0.0.1:%A/api/v1/query");
    }
    void redirectToAnotherOriginIsRefused()
    {
        QFETCH(int, status);
        QFETCH(QString, target);
        RedirectingServers servers(status, target, vectorAnswer);
        PromClient client(connectionTo(servers.first.port()));
        const auto r = instantQuery(client);
        QVERIFY(!r.ok());
        const QString message = QString::fromStdString(r.error().message);
        QVERIFY2(message.contains(QStringLiteral("another origin")), qPrintable(message));
        QVERIFY2(message.contains(QUrl(servers.location).toString(QUrl::RemoveQuery)), qPrintable(message));
        QVERIFY(!message.contains(QString::fromLatin1(kToken)));
        QCOMPARE(servers.first.requests().size(), 1); // and not retried
        QCOMPARE(servers.second.connections(), 0);
    }

    // The harness can see a leak: Qt's default redirect policy, unchanged, hands the header to the
    // second server. Without this the tests above could pass by never reaching it.
    void harnessSeesWhatQtsDefaultPolicyLeaks()
    {
        RedirectingServers servers(302, QStringLiteral("http://127.0.0.1:%B/api/v1/query"), vectorAnswer);
        QNetworkAccessManager plain;
        plain.setProxy(QNetworkProxy::NoProxy);
        QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/api/v1/query").arg(servers.first.port())));
        request.setRawHeader("Authorization", "Bearer " + kToken);
        QNetworkReply* reply = plain.get(request);
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 30000);
        reply->deleteLater();
        QCOMPARE(servers.second.requests().size(), 1);
        QCOMPARE(servers.second.requests()[0].headers.value("authorization"), "Bearer " + kToken);
    }

    void sameOriginRedirectIsFollowed_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("target");
        QTest::newRow("302 absolute") << 302 << QStringLiteral("http://127.0.0.1:%A/prefix/api/v1/query?query=up");
        QTest::newRow("307 relative") << 307 << QStringLiteral("/prefix/api/v1/query?query=up");
        QTest::newRow("308 explicit default-less port") << 308 << QStringLiteral("http://127.0.0.1:%A/prefix/api/v1/query?query=up");
    }
    void sameOriginRedirectIsFollowed()
    {
        QFETCH(int, status);
        QFETCH(QString, target);
        quint16 port = 0;
        LoopbackHttpServer server([&](const RecordedRequest& r, int) {
            if (r.target.startsWith("/prefix/"))
                return vectorAnswer(r, 0);
            QString location = target;
            location.replace(QStringLiteral("%A"), QString::number(port));
            return ScriptedAnswer { status, { { "Location", location.toUtf8() } }, {}, false };
        });
        port = server.port();
        PromClient client(connectionTo(port));
        const auto r = instantQuery(client);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
        QCOMPARE(r->series.size(), size_t(1));
        QCOMPARE(server.requests().size(), 2);
        QCOMPARE(server.requests()[1].headers.value("authorization"), "Bearer " + kToken);
    }

    void redirectLoopEnds()
    {
        LoopbackHttpServer server([](const RecordedRequest& r, int) {
            return ScriptedAnswer { 302, { { "Location", r.target.startsWith("/a") ? "/b" : "/a" } }, {}, false };
        });
        PromClient client(connectionTo(server.port()));
        const auto r = instantQuery(client);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message.find("more than 5") != std::string::npos, r.error().message.c_str());
        QCOMPARE(server.requests().size(), 6);
    }

    void credentialWithControlCharacterIsRefused_data()
    {
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<QString>("user");
        QTest::addColumn<QByteArray>("password");
        QTest::addColumn<QString>("setting");
        QTest::newRow("token CRLF") << QByteArray("t\r\nX-Injected: 1") << QString() << QByteArray() << "bearer token (--prometheus-token-file)";
        QTest::newRow("token NUL") << QByteArray("t\0u", 3) << QString() << QByteArray() << "bearer token";
        QTest::newRow("basic user LF") << QByteArray() << QStringLiteral("u\nX: y") << QByteArray("pw") << "basic-auth user name";
        QTest::newRow("basic password CR") << QByteArray() << QStringLiteral("u") << QByteArray("pw\r") << "basic-auth password";
    }
    void credentialWithControlCharacterIsRefused()
    {
        QFETCH(QByteArray, token);
        QFETCH(QString, user);
        QFETCH(QByteArray, password);
        QFETCH(QString, setting);
        LoopbackHttpServer server(vectorAnswer);
        PromConnection c = connectionTo(server.port(), token);
        c.basicUser = user;
        c.basicPassword = password;
        PromClient client(c);
        const auto r = instantQuery(client);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Config);
        QVERIFY2(QString::fromStdString(r.error().message).contains(setting), r.error().message.c_str());
        QCOMPARE(server.connections(), 0);
    }

    // --prometheus-token-file as the CLI and the GUI read it (ClusterConnection).
    void tokenFile_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QByteArray>("sentToken"); // empty: refused
        QTest::newRow("trailing newline") << QByteArray("ptok\n") << QByteArray("ptok");
        QTest::newRow("CRLF") << QByteArray("ptok\r\n") << QByteArray("ptok");
        QTest::newRow("embedded CRLF") << QByteArray("ptok\r\nX-Injected: 1\n") << QByteArray();
        QTest::newRow("BEL") << QByteArray("pt\aok") << QByteArray();
        QTest::newRow("empty") << QByteArray("\n") << QByteArray();
    }
    void tokenFile()
    {
        QFETCH(QByteArray, content);
        QFETCH(QByteArray, sentToken);
        LoopbackHttpServer server(vectorAnswer);
        QTemporaryDir dir;
        QFile kubeconfig(dir.filePath(QStringLiteral("config")));
        QVERIFY(kubeconfig.open(QIODevice::WriteOnly));
        kubeconfig.write("apiVersion: v1\nkind: Config\ncurrent-context: t\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:1\n"
                         "contexts:\n- name: t\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user:\n    token: k\n");
        kubeconfig.close();
        QFile tokenFile(dir.filePath(QStringLiteral("prom-token")));
        QVERIFY(tokenFile.open(QIODevice::WriteOnly));
        tokenFile.write(content);
        tokenFile.close();
        investigation::ConnectionOptions options;
        options.kubeconfig = kubeconfig.fileName();
        options.prometheusUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(server.port()));
        options.prometheusTokenFile = tokenFile.fileName();
        auto connection = investigation::ClusterConnection::open(options);
        if (sentToken.isEmpty()) {
            QVERIFY(!connection.ok());
            QVERIFY2(connection.error().message.find(tokenFile.fileName().toStdString()) != std::string::npos
                    && connection.error().message.find("--prometheus-token-file") != std::string::npos,
                connection.error().message.c_str());
            return;
        }
        QVERIFY2(connection.ok(), connection.ok() ? "" : connection.error().toString().c_str());
        const auto r = instantQuery((*connection)->prometheus());
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
        QCOMPARE(server.requests().at(0).headers.value("authorization"), "Bearer " + sentToken);
    }

    // Transient failures, then an answer: the query succeeds and says nothing of them.
    void transientFailuresAreRetried_data()
    {
        QTest::addColumn<QList<int>>("failures"); // HTTP status per failed try; 0: connection reset
        QTest::addColumn<QByteArray>("retryAfter");
        QTest::newRow("500") << QList<int> { 500 } << QByteArray();
        QTest::newRow("502 503 504") << QList<int> { 502, 503, 504 } << QByteArray();
        QTest::newRow("429 seconds") << QList<int> { 429 } << QByteArray("0");
        QTest::newRow("429 HTTP date in the past") << QList<int> { 429 } << QByteArray("Sun, 06 Nov 1994 08:49:37 GMT");
        QTest::newRow("503 with Retry-After") << QList<int> { 503 } << QByteArray("0");
        QTest::newRow("reset") << QList<int> { 0 } << QByteArray();
        QTest::newRow("reset then 500") << QList<int> { 0, 500 } << QByteArray();
    }
    void transientFailuresAreRetried()
    {
        QFETCH(QList<int>, failures);
        QFETCH(QByteArray, retryAfter);
        LoopbackHttpServer server([&](const RecordedRequest& r, int i) {
            if (i >= failures.size())
                return vectorAnswer(r, i);
            if (failures[i] == 0)
                return ScriptedAnswer { 0, {}, {}, true };
            ScriptedAnswer a { failures[i], {}, kUnavailable, false };
            if (!retryAfter.isEmpty())
                a.headers.push_back({ "Retry-After", retryAfter });
            return a;
        });
        PromClient client(connectionTo(server.port()));
        const auto r = instantQuery(client);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
        // Qt itself may resend a GET once when a connection closes before any answer.
        if (failures.contains(0))
            QVERIFY(server.requests().size() >= failures.size() + 1);
        else
            QCOMPARE(server.requests().size(), failures.size() + 1);
        for (const auto& req : server.requests())
            QCOMPARE(req.headers.value("authorization"), "Bearer " + kToken);
    }

    void persistentFailureSaysHowOftenItWasTried_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("expected");
        QTest::newRow("503") << 503 << "answered HTTP 503 after 4 tries";
        QTest::newRow("500") << 500 << "answered HTTP 500 after 4 tries";
        QTest::newRow("429") << 429 << "answered HTTP 429 after 4 tries";
        QTest::newRow("reset") << 0 << "after 4 tries";
    }
    void persistentFailureSaysHowOftenItWasTried()
    {
        QFETCH(int, status);
        QFETCH(QString, expected);
        LoopbackHttpServer server([&](const RecordedRequest&, int) {
            return status == 0 ? ScriptedAnswer { 0, {}, {}, true } : ScriptedAnswer { status, {}, kUnavailable, false };
        });
        PromClient client(connectionTo(server.port()));
        const auto r = instantQuery(client);
        QVERIFY(!r.ok());
        QVERIFY2(QString::fromStdString(r.error().message).contains(expected), r.error().message.c_str());
        if (status == 0) // Qt may resend a GET once on its own when a connection closes unanswered
            QVERIFY(server.requests().size() >= 4 && server.requests().size() <= 8);
        else
            QCOMPARE(server.requests().size(), 4);
    }

    void refusedConnectionIsRetried()
    {
        const quint16 closedPort = test::freeLoopbackPort();
        PromClient client(connectionTo(closedPort));
        const auto r = instantQuery(client);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Network);
        QVERIFY2(r.error().message.find("after 4 tries") != std::string::npos, r.error().message.c_str());
    }

    void clientErrorsAreNotRetried_data()
    {
        QTest::addColumn<int>("status");
        QTest::newRow("400 bad_data") << 400;
        QTest::newRow("401") << 401;
        QTest::newRow("404") << 404;
        QTest::newRow("422") << 422;
    }
    void clientErrorsAreNotRetried()
    {
        QFETCH(int, status);
        LoopbackHttpServer server([&](const RecordedRequest&, int) {
            return ScriptedAnswer { status, {}, R"({"status":"error","errorType":"bad_data","error":"nope"})", false };
        });
        PromClient client(connectionTo(server.port()));
        const auto r = instantQuery(client);
        QVERIFY(!r.ok());
        QCOMPARE(server.requests().size(), 1);
    }

    // A Retry-After longer than what is left of the query's deadline ends the query now, with the
    // server's answer, instead of sleeping past the deadline.
    void retryAfterPastTheDeadlineGivesUp()
    {
        LoopbackHttpServer server([](const RecordedRequest&, int) {
            return ScriptedAnswer { 429, { { "Retry-After", "3600" } }, kUnavailable, false };
        });
        PromConnection c = connectionTo(server.port());
        c.retry.maxRetryAfterMs = 3600'000;
        c.retry.totalDeadlineMs = 30'000;
        PromClient client(c);
        const auto r = instantQuery(client);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message.find("HTTP 429") != std::string::npos, r.error().message.c_str());
        QCOMPARE(server.requests().size(), 1);
    }

    // The sandbox's 429s (sandbox serve --faults throttle-rate=...) carry Retry-After in both of
    // RFC 9110's forms, seconds and an HTTP date, so investigations against it meet both; each
    // reads as a short wait.
    void sandboxThrottlesWithBothRetryAfterForms()
    {
        auto spec = sandbox::FaultSpec::parse("throttle-rate=1,seed=3");
        QVERIFY(spec.ok());
        sandbox::SandboxHost host;
        sandbox::SandboxOptions options;
        options.prometheusFaults = *spec;
        QVERIFY(host.start(options).ok());
        QNetworkAccessManager plain;
        plain.setProxy(QNetworkProxy::NoProxy);
        int seconds = 0;
        int dates = 0;
        for (int i = 0; i < 24; ++i) {
            QNetworkReply* reply = plain.get(QNetworkRequest(host.prometheusUrl().resolved(QUrl(QStringLiteral("/api/v1/query?query=up")))));
            QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 30000);
            reply->deleteLater();
            QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 429);
            const QByteArray value = reply->rawHeader("Retry-After");
            const auto wait = parseRetryAfterMs(value.toStdString(), QDateTime::currentMSecsSinceEpoch());
            QVERIFY2(wait && *wait <= 3000, value.constData());
            (value.endsWith("GMT") ? dates : seconds) += 1;
        }
        QVERIFY2(seconds > 0 && dates > 0, qPrintable(QStringLiteral("%1 in seconds, %2 as dates").arg(seconds).arg(dates)));
    }

    void cancelStopsRetries()
    {
        LoopbackHttpServer server([](const RecordedRequest&, int) {
            return ScriptedAnswer { 503, { { "Retry-After", "1" } }, kUnavailable, false };
        });
        PromClient client(connectionTo(server.port()));
        bool called = false;
        PromCall call = client.query("up", 1700000000000, nullptr, [&](Result<QueryResult>) { called = true; });
        QTRY_COMPARE_WITH_TIMEOUT(server.requests().size(), 1, 30000);
        call.cancel();
        QTest::qWait(2500); // past the 1 s Retry-After: a retry would have arrived by now
        QCOMPARE(server.requests().size(), 1);
        QVERIFY(!called);
    }
};

QTEST_GUILESS_MAIN(TestPromClientSafety)
#include "tst_prom_client_safety.moc"
