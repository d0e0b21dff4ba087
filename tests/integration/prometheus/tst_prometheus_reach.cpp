// Reaching Prometheus as users run it (issue 17, "Reach it"): extra headers and parameters on
// every request and only to the Prometheus origin, header values kept out of every message, a
// token file re-read when it rotates and once on a 401; then end to end, `leakdesk-cli
// investigate` against `sandbox serve --prometheus-tenant T` (401 without X-Scope-OrgID: T, as
// Mimir answers) with the header from the command line or from the config file.
#include "LoopbackHttpServer.h"
#include "TestSupport.h"
#include "WaitForResult.h"
#include "core/prometheus/PromClient.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

#include <functional>

#include <fcntl.h>
#include <sys/stat.h>

using namespace leakdesk;
using namespace leakdesk::prometheus;
using leakdesk::test::LoopbackHttpServer;
using leakdesk::test::RecordedRequest;
using leakdesk::test::RedirectingServers;
using leakdesk::test::ScriptedAnswer;

namespace {

const QByteArray kTenant = "tenant-7f3a9c"; // distinctive, so that finding it in a message is a leak
const QByteArray kVector
    = R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"pod":"a"},"value":[1700000000,"1"]}]}})";
const QByteArray kMatrix
    = R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{"pod":"a"},"values":[[1700000000,"1"]]}]}})";
const QByteArray kBuildInfo = R"({"status":"success","data":{"version":"2.53.0"}})";
const QByteArray kSeries = R"({"status":"success","data":[{"__name__":"up","job":"a"}]})";

ScriptedAnswer apiAnswer(const RecordedRequest& r, int)
{
    const QByteArray body = r.target.startsWith("/api/v1/query_range") ? kMatrix
        : r.target.startsWith("/api/v1/status/buildinfo")              ? kBuildInfo
        : r.target.startsWith("/api/v1/series")                        ? kSeries
                                                                       : kVector;
    return { 200, { { "Content-Type", "application/json" } }, body, false };
}

PromConnection connectionTo(quint16 port)
{
    PromConnection c;
    c.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
    c.timeoutMs = 10000;
    c.retry.baseDelayMs = 20;
    c.retry.maxDelayMs = 100;
    return c;
}

Result<QueryResult> instantQuery(PromClient& client)
{
    return test::waitForResult<QueryResult>(
        [&](PromClient::Callback cb) { return client.query("up", 1700000000000, nullptr, cb); }, 60000);
}

QString writeFile(const QString& path, const QByteArray& content)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    f.write(content);
    f.close();
    return path;
}

// The query parameters of a recorded request target, keys and values decoded as a server does.
QMultiMap<QString, QString> queryOf(const RecordedRequest& r)
{
    const QUrlQuery q(QUrl(QString::fromLatin1(QByteArray("http://x" + r.target))).query(QUrl::FullyEncoded));
    QMultiMap<QString, QString> out;
    for (const auto& [k, v] : q.queryItems(QUrl::FullyDecoded))
        out.insert(k, v);
    return out;
}

} // namespace

class TestPrometheusReach : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void headersAndParamsGoWithEveryKindOfRequest()
    {
        LoopbackHttpServer server(apiAnswer);
        PromConnection c = connectionTo(server.port());
        c.extraHeaders = { { "X-Scope-OrgID", kTenant }, { "X-Custom", "a b" } };
        // A value with characters that mean something in a query string arrives as written.
        c.extraParams = { { QStringLiteral("dedup"), QStringLiteral("true") },
            { QStringLiteral("odd"), QStringLiteral("a+b&c=d %") },
            { QStringLiteral("replicaLabels[]"), QStringLiteral("replica") } };
        PromClient client(c);
        QVERIFY(instantQuery(client).ok());
        const auto range = test::waitForResult<QueryResult>([&](PromClient::Callback cb) {
            return client.queryRange("up", TimeRange { 1700000000000, 1700000600000 }, 60000, nullptr, cb);
        });
        QVERIFY2(range.ok(), range.ok() ? "" : range.error().toString().c_str());
        const auto version = test::waitForResult<QString>(
            [&](std::function<void(Result<QString>)> cb) { client.buildInfo(nullptr, cb); });
        QVERIFY2(version.ok(), version.ok() ? "" : version.error().toString().c_str());
        const auto series
            = test::waitForResult<std::vector<Labels>>([&](std::function<void(Result<std::vector<Labels>>)> cb) {
                  client.series({ "up" }, TimeRange { 1700000000000, 1700000600000 }, nullptr, cb);
              });
        QVERIFY2(series.ok(), series.ok() ? "" : series.error().toString().c_str());
        QCOMPARE(server.requests().size(), 4);
        QStringList paths;
        for (const RecordedRequest& r : server.requests()) {
            paths << QString::fromLatin1(r.target.left(r.target.indexOf('?')));
            QCOMPARE(r.headers.value("x-scope-orgid"), kTenant);
            QCOMPARE(r.headers.value("x-custom"), QByteArray("a b"));
            const auto q = queryOf(r);
            QCOMPARE(q.values(QStringLiteral("dedup")), QStringList { QStringLiteral("true") });
            QCOMPARE(q.values(QStringLiteral("odd")), QStringList { QStringLiteral("a+b&c=d %") });
            QCOMPARE(q.values(QStringLiteral("replicaLabels[]")), QStringList { QStringLiteral("replica") });
        }
        QCOMPARE(paths,
            (QStringList { QStringLiteral("/api/v1/query"), QStringLiteral("/api/v1/query_range"),
                QStringLiteral("/api/v1/status/buildinfo"), QStringLiteral("/api/v1/series") }));
        // LeakDesk's own parameters are still there, once.
        QCOMPARE(queryOf(server.requests()[0]).values(QStringLiteral("query")), QStringList { QStringLiteral("up") });
    }

    void headersFollowSameOriginRedirectsOnly_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<bool>("followed");
        QTest::newRow("another port") << QStringLiteral("http://127.0.0.1:%B/api/v1/query?query=up") << false;
        QTest::newRow("localhost is another origin")
            << QStringLiteral("http://localhost:%B/api/v1/query?query=up") << false;
        QTest::newRow("same origin, a prefix")
            << QStringLiteral("http://127.0.0.1:%A/prefix/api/v1/query?query=up") << true;
    }
    void headersFollowSameOriginRedirectsOnly()
    {
        QFETCH(QString, target);
        QFETCH(bool, followed);
        PromConnection c;
        if (followed) {
            // A server that redirects into itself.
            quint16 port = 0;
            auto self = std::make_unique<LoopbackHttpServer>([&](const RecordedRequest& r, int i) {
                if (r.target.startsWith("/prefix/"))
                    return apiAnswer(r, i);
                return ScriptedAnswer { 302,
                    { { "Location", QString(target).replace(QStringLiteral("%A"), QString::number(port)).toUtf8() } },
                    {}, false };
            });
            port = self->port();
            c = connectionTo(port);
            c.extraHeaders = { { "X-Scope-OrgID", kTenant } };
            c.extraParams = { { QStringLiteral("dedup"), QStringLiteral("true") } };
            PromClient client(c);
            const auto r = instantQuery(client);
            QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
            QCOMPARE(self->requests().size(), 2);
            QCOMPARE(self->requests()[1].headers.value("x-scope-orgid"), kTenant);
            return;
        }
        // The first server redirects to the second, which would answer.
        RedirectingServers servers(302, target, apiAnswer);
        c = connectionTo(servers.first.port());
        c.extraHeaders = { { "X-Scope-OrgID", kTenant } };
        PromClient client(c);
        const auto r = instantQuery(client);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message.find("another origin") != std::string::npos, r.error().message.c_str());
        QVERIFY(r.error().toString().find(kTenant.toStdString()) == std::string::npos);
        QCOMPARE(servers.first.requests().size(), 1);
        QCOMPARE(servers.first.requests()[0].headers.value("x-scope-orgid"), kTenant);
        QCOMPARE(servers.second.connections(), 0);
    }

    // A server (or a proxy in front of it) that repeats what it was sent: never into a message.
    void echoedHeaderValuesAreRedacted_data()
    {
        QTest::addColumn<int>("status");
        QTest::newRow("401") << 401;
        QTest::newRow("400 not JSON") << 400;
        QTest::newRow("503 not JSON") << 503;
    }
    void echoedHeaderValuesAreRedacted()
    {
        QFETCH(int, status);
        LoopbackHttpServer server([status](const RecordedRequest& r, int) {
            return ScriptedAnswer { status, {}, "tenant '" + r.headers.value("x-scope-orgid") + "' is not known\n",
                false };
        });
        PromConnection c = connectionTo(server.port());
        c.extraHeaders = { { "X-Scope-OrgID", kTenant } };
        c.retry.maxAttempts = 2;
        PromClient client(c);
        const auto r = instantQuery(client);
        QVERIFY(!r.ok());
        const std::string all = r.error().toString();
        QVERIFY2(all.find(kTenant.toStdString()) == std::string::npos, all.c_str());
        // Where the answer is quoted (a 503 after its tries is not), the value is replaced.
        QVERIFY2(status == 503 || all.find("[redacted]") != std::string::npos, all.c_str());
    }

    // A 400 in plain text is not Prometheus explaining bad PromQL (that is JSON) but something in
    // front of it refusing the request: vmauth answers a token it does not know this way. It is
    // reported as refused, quoting the server and naming the token option; a JSON 400 is not.
    void plainText400IsARefusalInFront_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<bool>("refused");
        QTest::newRow("vmauth, unknown token")
            << QByteArray("cannot find the provided auth token \"Bearer vm-t0ken-42\" in config\n")
            << QByteArray("vm-t0ken-42") << true;
        QTest::newRow("plain text, no token") << QByteArray("Bad Request\n") << QByteArray() << true;
        QTest::newRow("JSON bad_data, with token")
            << QByteArray(R"({"status":"error","errorType":"bad_data","error":"parse error"})")
            << QByteArray("vm-t0ken-42") << false;
    }
    void plainText400IsARefusalInFront()
    {
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, token);
        QFETCH(bool, refused);
        LoopbackHttpServer server([body](const RecordedRequest&, int) {
            return ScriptedAnswer { 400, {}, body, false };
        });
        PromConnection c = connectionTo(server.port());
        c.bearerToken = token;
        PromClient client(c);
        const auto r = instantQuery(client);
        QVERIFY(!r.ok());
        const std::string all = r.error().toString();
        QCOMPARE(r.error().code == ErrorCode::Unauthorized, refused);
        if (refused) {
            QVERIFY2(all.find("refused the request (HTTP 400") != std::string::npos, all.c_str());
            QVERIFY2(all.find("--prometheus-token-file") != std::string::npos, all.c_str());
        }
        if (!token.isEmpty())
            QVERIFY2(all.find(token.toStdString()) == std::string::npos, all.c_str());
    }

    void protocolHeadersAreRefusedBeforeAnyRequest_data()
    {
        QTest::addColumn<QByteArray>("name");
        QTest::addColumn<QByteArray>("value");
        QTest::newRow("Host") << QByteArray("Host") << QByteArray("evil.example.test");
        QTest::newRow("Content-Length") << QByteArray("Content-Length") << QByteArray("0");
        QTest::newRow("Transfer-Encoding") << QByteArray("Transfer-Encoding") << QByteArray("chunked");
        QTest::newRow("Connection") << QByteArray("connection") << QByteArray("keep-alive");
        QTest::newRow("newline in value") << QByteArray("X-Scope-OrgID") << QByteArray(kTenant + "\r\nX-B: 1");
    }
    void protocolHeadersAreRefusedBeforeAnyRequest()
    {
        QFETCH(QByteArray, name);
        QFETCH(QByteArray, value);
        LoopbackHttpServer server(apiAnswer);
        PromConnection c = connectionTo(server.port());
        c.extraHeaders = { { name, value } };
        PromClient client(c);
        const auto r = instantQuery(client);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Config);
        QVERIFY2(r.error().message.find("--prometheus-header") != std::string::npos, r.error().message.c_str());
        QVERIFY(r.error().toString().find(kTenant.toStdString()) == std::string::npos);
        QCOMPARE(server.connections(), 0);
    }

    // A token file that rotates under a running client: each way a file changes.
    void tokenFileRotates_data()
    {
        QTest::addColumn<QString>("how");
        QTest::addColumn<int>("requests"); // all requests the server saw for two queries
        // Found by its new size before the request: no 401.
        QTest::newRow("rewritten, another size") << QStringLiteral("size") << 2;
        // Same size, mtime put back: the stamp cannot tell; the 401 makes the client look again.
        QTest::newRow("rewritten, same size and time") << QStringLiteral("same-stamp") << 3;
        // Kubernetes projected volume: ..data is a symlink swapped to a new folder.
        QTest::newRow("projected volume swap") << QStringLiteral("projected") << 2;
    }
    void tokenFileRotates()
    {
        QFETCH(QString, how);
        QFETCH(int, requests);
        QTemporaryDir dir;
        QByteArray accepted = "token-AAAA";
        LoopbackHttpServer server([&](const RecordedRequest& r, int i) {
            if (r.headers.value("authorization") != "Bearer " + accepted)
                return ScriptedAnswer { 401, {}, "invalid token\n", false };
            return apiAnswer(r, i);
        });
        QString tokenPath;
        if (how == QLatin1String("projected")) {
            QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("..2026_1")));
            QVERIFY(!writeFile(dir.filePath(QStringLiteral("..2026_1/token")), accepted + "\n").isEmpty());
            QVERIFY(QFile::link(QStringLiteral("..2026_1"), dir.filePath(QStringLiteral("..data"))));
            QVERIFY(QFile::link(QStringLiteral("..data/token"), dir.filePath(QStringLiteral("token"))));
            tokenPath = dir.filePath(QStringLiteral("token"));
        } else {
            tokenPath = writeFile(dir.filePath(QStringLiteral("token")), accepted + "\n");
        }
        PromConnection c = connectionTo(server.port());
        c.bearerTokenFile = tokenPath;
        PromClient client(c);
        auto first = instantQuery(client);
        QVERIFY2(first.ok(), first.ok() ? "" : first.error().toString().c_str());

        struct stat before { };
        QCOMPARE(::stat(QFile::encodeName(tokenPath).constData(), &before), 0);
        if (how == QLatin1String("size")) {
            accepted = "token-rotated-longer";
            QVERIFY(!writeFile(tokenPath, accepted + "\n").isEmpty());
        } else if (how == QLatin1String("same-stamp")) {
            accepted = "token-BBBB";
            QVERIFY(!writeFile(tokenPath, accepted + "\n").isEmpty());
            // To the nanosecond: what a rotation within one timestamp tick looks like.
            const struct timespec times[2] = { before.st_atim, before.st_mtim };
            QCOMPARE(::utimensat(AT_FDCWD, QFile::encodeName(tokenPath).constData(), times, 0), 0);
            struct stat after { };
            QCOMPARE(::stat(QFile::encodeName(tokenPath).constData(), &after), 0);
            QCOMPARE(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
            QCOMPARE(after.st_size, before.st_size);
            QCOMPARE(after.st_ino, before.st_ino);
        } else {
            accepted = "token-CCCC";
            QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("..2026_2")));
            QVERIFY(!writeFile(dir.filePath(QStringLiteral("..2026_2/token")), accepted + "\n").isEmpty());
            QVERIFY(QFile::link(QStringLiteral("..2026_2"), dir.filePath(QStringLiteral("..data_tmp"))));
            QVERIFY(::rename(QFile::encodeName(dir.filePath(QStringLiteral("..data_tmp"))).constData(),
                        QFile::encodeName(dir.filePath(QStringLiteral("..data"))).constData())
                == 0);
        }
        auto second = instantQuery(client);
        QVERIFY2(second.ok(), second.ok() ? "" : second.error().toString().c_str());
        QCOMPARE(server.requests().size(), requests);
        QCOMPARE(server.requests().last().headers.value("authorization"), "Bearer " + accepted);
    }

    // A 401 with a token file that did not change: looked at once, not retried, and said.
    void unchangedTokenFileFailsAfterOneTry()
    {
        QTemporaryDir dir;
        LoopbackHttpServer server([](const RecordedRequest&, int) {
            return ScriptedAnswer { 401, {}, "no\n", false };
        });
        PromConnection c = connectionTo(server.port());
        c.bearerTokenFile = writeFile(dir.filePath(QStringLiteral("token")), "stale-token\n");
        PromClient client(c);
        const auto r = instantQuery(client);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Unauthorized);
        QCOMPARE(server.requests().size(), 1);
        QVERIFY2(r.error().detail.find("--prometheus-token-file") != std::string::npos, r.error().detail.c_str());
        QVERIFY(r.error().toString().find("stale-token") == std::string::npos);
    }

    // End to end: the CLI against `sandbox serve --prometheus-tenant`.
    void investigateTheTenantSandbox()
    {
        QVERIFY2(QFile::exists(test::cliPath()), "LEAKDESK_CLI must point at the built leakdesk-cli");
        QTemporaryDir dir;
        test::ServedSandbox served;
        QString why;
        QVERIFY2(
            served.start({ QStringLiteral("--prometheus-tenant"), QString::fromLatin1(kTenant),
                             QStringLiteral("--kubeconfig-out"), dir.filePath(QStringLiteral("served.kubeconfig")) },
                why),
            qPrintable(why));
        QVERIFY2(served.startupOutput.contains(QByteArray(QByteArray("prometheus-tenant: ") + kTenant)),
            served.startupOutput.constData());
        // The config file in effect is the test's (empty unless written), never the user's.
        const QString config = dir.filePath(QStringLiteral("config.yaml"));
        auto investigate = [&](const QStringList& extra) {
            return test::runProgram(test::cliPath(),
                QStringList { QStringLiteral("investigate"), QStringLiteral("--kubeconfig"), served.kubeconfig,
                    QStringLiteral("--config"), config, QStringLiteral("--namespace"), QStringLiteral("production"),
                    QStringLiteral("--service"), QStringLiteral("checkout"), QStringLiteral("--format"),
                    QStringLiteral("json"), QStringLiteral("--timeout"), QStringLiteral("60") }
                    + extra,
                120000);
        };
        const QStringList prom { QStringLiteral("--prometheus"), served.prometheusUrl };

        // With the tenant: answered, and the tenant is in no output.
        auto r = investigate(prom
            + QStringList { QStringLiteral("--prometheus-header"),
                QStringLiteral("X-Scope-OrgID: ") + QString::fromLatin1(kTenant), QStringLiteral("--prometheus-param"),
                QStringLiteral("dedup=true") });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains("\"checkout\""), r.out.left(400).constData());
        QVERIFY2(!r.out.contains("unreachable"), r.out.left(2000).constData());
        QVERIFY(!r.out.contains(kTenant) && !r.err.contains(kTenant));
        // Nor in the incident file the investigation is recorded in.
        const QString incident = dir.filePath(QStringLiteral("tenant.leakdesk"));
        r = investigate(prom
            + QStringList { QStringLiteral("--prometheus-header"),
                QStringLiteral("X-Scope-OrgID: ") + QString::fromLatin1(kTenant), QStringLiteral("--incident"),
                incident });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QFile recorded(incident);
        QVERIFY(recorded.open(QIODevice::ReadOnly));
        const QByteArray recordedBytes = recorded.readAll();
        QVERIFY2(recordedBytes.contains("checkout"), recordedBytes.left(300).constData());
        QVERIFY(!recordedBytes.contains(kTenant));

        // Without: the cluster's evidence, Prometheus unreachable, and the option that fixes it.
        r = investigate(prom);
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.out.contains("checkout-"), r.out.left(400).constData());
        QVERIFY2(r.err.contains("Prometheus is unreachable") && r.err.contains("HTTP 401")
                && r.err.contains("--prometheus-header") && r.err.contains("X-Scope-OrgID"),
            r.err.constData());

        // Another tenant: refused the same way, and the wrong value is not repeated.
        r = investigate(
            prom + QStringList { QStringLiteral("--prometheus-header"), QStringLiteral("X-Scope-OrgID: other-9d2e") });
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("HTTP 401") && r.err.contains("--prometheus-header"), r.err.constData());
        QVERIFY(!r.err.contains("other-9d2e") && !r.out.contains("other-9d2e"));

        // A header that would break the request: refused before anything is asked.
        r = investigate(prom + QStringList { QStringLiteral("--prometheus-header"), QStringLiteral("Host: evil") });
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--prometheus-header") && r.err.contains("Host"), r.err.constData());

        // The same from the config file, for the served context: no --prometheus at all.
        QString context;
        for (const QByteArray& line : served.startupOutput.split('\n'))
            if (line.startsWith("context: "))
                context = QString::fromUtf8(line.mid(9).trimmed());
        QVERIFY(!context.isEmpty());
        QVERIFY(!writeFile(config,
            "contexts:\n  " + context.toUtf8() + ":\n    prometheus: " + served.prometheusUrl.toUtf8()
                + "\n    headers:\n      X-Scope-OrgID: " + kTenant + "\n    params:\n      dedup: \"true\"\n")
                     .isEmpty());
        r = investigate({});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains("\"checkout\""), r.out.left(400).constData());
        QVERIFY(!r.out.contains(kTenant) && !r.err.contains(kTenant));
        // A flag naming another Prometheus gets none of the file's headers: the tenant is not sent.
        r = investigate(QStringList { QStringLiteral("--prometheus"),
            QString(served.prometheusUrl).replace(QStringLiteral("127.0.0.1"), QStringLiteral("localhost")) });
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("HTTP 401"), r.err.constData());

        QVERIFY(served.stop());
    }
};

QTEST_GUILESS_MAIN(TestPrometheusReach)
#include "tst_prometheus_reach.moc"
