#include "core/prometheus/PromClient.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::prometheus;

class TestPromClient : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void stepKeepsUnderLimit_data()
    {
        QTest::addColumn<qlonglong>("spanMs");
        QTest::newRow("1h") << 3600'000LL;
        QTest::newRow("6h") << 6 * 3600'000LL;
        QTest::newRow("7d") << 7 * 86400'000LL;
        QTest::newRow("90d") << 90 * 86400'000LL;
    }
    void stepKeepsUnderLimit()
    {
        QFETCH(qlonglong, spanMs);
        const TimeRange r { 1'700'000'000'000, 1'700'000'000'000 + spanMs };
        const auto step = chooseStepMs(r);
        QVERIFY(step >= 15000);
        QCOMPARE(step % 1000, 0);
        QVERIFY(r.durationMs() / step + 1 <= 1500);
        // A fine step over a long range is split into chunks each under Prometheus's limit.
        const auto chunks = splitRange(r, 15000);
        std::int64_t covered = 0;
        for (const auto& c : chunks) {
            QVERIFY((c.endMs - c.startMs) / 15000 + 1 <= kMaxPointsPerSeries);
            covered += (c.endMs - c.startMs) / 15000 + 1;
        }
        QCOMPARE(covered, r.durationMs() / 15000 + 1); // no point lost or duplicated
    }

    void parsesMatrix()
    {
        const QByteArray body = R"({"status":"success","warnings":["partial"],"data":{"resultType":"matrix","result":[
            {"metric":{"pod":"a"},"values":[[1700000000,"1024"],[1700000030.5,"NaN"]]}]}})";
        auto r = parsePromResponse(body, 200);
        QVERIFY(r.ok());
        QCOMPARE(r->series.size(), size_t(1));
        QCOMPARE(r->series[0].label("pod"), std::string("a"));
        QCOMPARE(r->series[0].samples[0].tMs, 1700000000000LL);
        QCOMPARE(r->series[0].samples[1].tMs, 1700000030500LL);
        QVERIFY(std::isnan(r->series[0].samples[1].value));
        QCOMPARE(r->warnings.size(), size_t(1));
    }

    void parsesErrors_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<int>("code");
        QTest::newRow("bad_data") << QByteArray(R"({"status":"error","errorType":"bad_data","error":"parse error at char 3"})") << 400
                                  << int(ErrorCode::InvalidArgument);
        QTest::newRow("timeout") << QByteArray(R"({"status":"error","errorType":"timeout","error":"query timed out"})") << 503 << int(ErrorCode::Timeout);
        QTest::newRow("html") << QByteArray("<html>Bad Gateway</html>") << 502 << int(ErrorCode::Server);
    }
    void parsesErrors()
    {
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QFETCH(int, code);
        auto r = parsePromResponse(body, status);
        QVERIFY(!r.ok());
        QCOMPARE(int(r.error().code), code);
        QVERIFY(!r.error().message.empty());
    }

    void unreachableServerFailsClearly()
    {
        PromConnection c;
        c.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:1"));
        c.timeoutMs = 3000;
        PromClient client(c);
        std::optional<Result<QueryResult>> got;
        client.query("up", 1'700'000'000'000, nullptr, [&](Result<QueryResult> r) { got = std::move(r); });
        QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 5000);
        QVERIFY(!got->ok());
        QCOMPARE(got->error().code, ErrorCode::Network);
        QVERIFY(QString::fromStdString(got->error().message).contains(QStringLiteral("127.0.0.1:1")));
    }
};

QTEST_GUILESS_MAIN(TestPromClient)
#include "tst_prom_client.moc"
