// The LeakRadar job against a scripted Prometheus on loopback: a query the server refuses is a
// failure in the report beside the rows (never dropped, never the whole run); the namespaces are
// listed first when all are asked for; a server that answers nothing fails the run; queries and
// bytes are counted.

#include "LoopbackHttpServer.h"
#include "RadarRun.h"

#include "core/radar/RadarJson.h"

#include <QTest>
#include <QUrlQuery>

using namespace leakdesk;

namespace {

test::ScriptedAnswer json(int status, const QByteArray& body)
{
    return { status, { { "Content-Type", "application/json" } }, body, false };
}

QString queryOf(const test::RecordedRequest& r)
{
    const QUrl url(QString::fromUtf8(r.target));
    return QUrlQuery(url.query()).queryItemValue(QStringLiteral("query"), QUrl::FullyDecoded);
}

const QByteArray kEmptyVector = R"({"status":"success","data":{"resultType":"vector","result":[]}})";
const QByteArray kEmptyMatrix = R"({"status":"success","data":{"resultType":"matrix","result":[]}})";

} // namespace

class TestLeakRadarJob : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void refusedQueriesAreReportedBesideTheRows()
    {
        test::LoopbackHttpServer server([](const test::RecordedRequest& r, int) {
            const QString q = queryOf(r);
            if (q.startsWith(QStringLiteral("count by (cluster, namespace)")))
                return json(200,
                    R"({"status":"success","data":{"resultType":"vector","result":[)"
                    R"({"metric":{"namespace":"shop"},"value":[1800000000,"3"]},)"
                    R"({"metric":{"namespace":"pay"},"value":[1800000000,"2"]}]}})");
            if (q.contains(QStringLiteral("deriv(")))
                return json(422,
                    R"({"status":"error","errorType":"execution","error":"query timed out in expression evaluation"})");
            if (q.startsWith(QStringLiteral("count by (cluster, namespace, workload_kind, workload)")))
                return json(200,
                    R"({"status":"success","data":{"resultType":"vector","result":[)"
                    R"({"metric":{"namespace":"shop","workload_kind":"Deployment","workload":"api"},"value":[1800000000,"2"]}]}})");
            return json(200, r.target.contains("query_range") ? kEmptyMatrix : kEmptyVector);
        });
        prometheus::PromConnection connection;
        connection.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(server.port()));
        connection.useEnvironmentProxy = false;
        prometheus::PromClient client(connection);
        radar::RadarOptions options;
        options.allNamespaces = true;
        options.nowMs = 1'800'000'000'000;
        const auto report = test::runRadarToEnd(client, options, 60000);
        QVERIFY2(report, report ? "" : report.error().toString().c_str());
        const radar::RadarReport& r = **report;
        QCOMPARE(r.namespaces, (std::vector<std::string> { "pay", "shop" }));
        QCOMPARE(r.queries, 1 + 2 * 11);
        QVERIFY(r.bytesReceived > 0);
        QCOMPARE(r.failures.size(), std::size_t(2));
        for (const auto& f : r.failures) {
            QCOMPARE(f.query, std::string("growth"));
            QVERIFY2(
                QString::fromStdString(f.error.message).contains(QStringLiteral("timed out")), f.error.message.c_str());
        }
        // The workload kube-state-metrics knows is still a row: unknown, with the failures shown.
        QCOMPARE(r.rows.size(), std::size_t(1));
        QVERIFY(!r.rows.front().dataKnown);
        QVERIFY(r.noData());
        QVERIFY(QString::fromStdString(radar::radarReportToText(r)).contains(QStringLiteral("Not answered")));
    }

    void nothingAnsweredFailsTheRun()
    {
        test::LoopbackHttpServer server([](const test::RecordedRequest&, int) {
            return json(400, R"({"status":"error","errorType":"bad_data","error":"unknown function"})");
        });
        prometheus::PromConnection connection;
        connection.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(server.port()));
        connection.useEnvironmentProxy = false;
        prometheus::PromClient client(connection);
        radar::RadarOptions options;
        options.namespaces = { "shop" };
        options.nowMs = 1'800'000'000'000;
        const auto report = test::runRadarToEnd(client, options, 60000);
        QVERIFY(!report);
        QVERIFY2(QString::fromStdString(report.error().message).contains(QStringLiteral("none of the radar's queries")),
            report.error().message.c_str());
        QCOMPARE(server.requests().size(), 11);
    }
};

QTEST_GUILESS_MAIN(TestLeakRadarJob)
#include "tst_leak_radar_job.moc"
