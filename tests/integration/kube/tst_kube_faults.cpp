// KubeClient against a sandbox that injects faults (SandboxOptions::faults): 500/503 answers are
// retried on reads until they succeed, a dropped connection ends in a clear error rather than a
// hang, and a server slower than the client's timeout gives a timeout error. Seeded, so every
// run sees the same faults.
#include "SandboxCluster.h"
#include "WaitForResult.h"
#include "core/kube/KubeClient.h"
#include "core/sandbox/SandboxHost.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::kube;

namespace {

// Retries and injected latency make an answer slower than the usual 30 s allowance.
constexpr int kAnswerMs = 60000;

Result<ParsedList<Pod>> listPods(KubeClient& c)
{
    return test::waitForResult<ParsedList<Pod>>(
        [&](KubeClient::Callback<ParsedList<Pod>> cb) {
            return c.listPods(QStringLiteral("production"), {}, nullptr, cb);
        },
        kAnswerMs);
}

Result<KubeClient::PatchedDeployment> dryRunPatch(KubeClient& c)
{
    return test::waitForResult<KubeClient::PatchedDeployment>(
        [&](KubeClient::Callback<KubeClient::PatchedDeployment> cb) {
            return c.patchDeployment(QStringLiteral("production"), QStringLiteral("checkout"),
                nlohmann::json::parse(R"({"metadata":{"annotations":{"leakdesk/test":"faults"}}})"),
                KubeClient::PatchType::Merge, KubeClient::PatchOptions { true, QStringLiteral("leakdesk") }, nullptr,
                cb);
        },
        kAnswerMs);
}

// A sandbox injecting `spec` (parsed as on the command line) and a client of its kubeconfig.
std::unique_ptr<test::SandboxCluster> start(
    const std::string& spec, const KubeClientOptions& clientOptions, bool tls = false)
{
    auto faults = sandbox::FaultSpec::parse(spec);
    [&] { QVERIFY2(faults.ok(), faults.ok() ? "" : faults.error().toString().c_str()); }();
    if (!faults)
        return nullptr;
    sandbox::SandboxOptions options;
    options.faults = *faults;
    options.tls = tls;
    auto s = std::make_unique<test::SandboxCluster>();
    const auto st = s->start(options, clientOptions);
    [&] { QVERIFY2(st.ok(), st.ok() ? "" : st.error().toString().c_str()); }();
    return st ? std::move(s) : nullptr;
}

} // namespace

class TestKubeFaults : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parseSpec_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<int>("latencyMs");
        QTest::addColumn<double>("errorRate");
        QTest::addColumn<double>("dropRate");
        QTest::addColumn<qint64>("seed"); // -1: none

        QTest::newRow("issue example") << "latency=200ms,error-rate=0.1,drop-rate=0.05" << true << 200 << 0.1 << 0.05
                                       << qint64(-1);
        QTest::newRow("seconds, seed") << "latency=1.5s, seed=7" << true << 1500 << 0.0 << 0.0 << qint64(7);
        QTest::newRow("bare milliseconds") << "latency=30" << true << 30 << 0.0 << 0.0 << qint64(-1);
        QTest::newRow("empty") << "" << true << 0 << 0.0 << 0.0 << qint64(-1);
        QTest::newRow("rate over 1") << "error-rate=1.5" << false << 0 << 0.0 << 0.0 << qint64(-1);
        QTest::newRow("rates add over 1") << "error-rate=0.6,drop-rate=0.6" << false << 0 << 0.0 << 0.0 << qint64(-1);
        QTest::newRow("negative") << "drop-rate=-0.1" << false << 0 << 0.0 << 0.0 << qint64(-1);
        QTest::newRow("throttle") << "throttle-rate=0.2" << true << 0 << 0.0 << 0.0 << qint64(-1);
        QTest::newRow("three rates over 1")
            << "error-rate=0.4,drop-rate=0.3,throttle-rate=0.4" << false << 0 << 0.0 << 0.0 << qint64(-1);
        QTest::newRow("stream drop") << "stream-drop-after=2s" << true << 0 << 0.0 << 0.0 << qint64(-1);
        QTest::newRow("unknown key") << "jitter=5ms" << false << 0 << 0.0 << 0.0 << qint64(-1);
        QTest::newRow("no value") << "latency" << false << 0 << 0.0 << 0.0 << qint64(-1);
        QTest::newRow("bad unit") << "latency=5m" << false << 0 << 0.0 << 0.0 << qint64(-1);
        QTest::newRow("bad seed") << "seed=x" << false << 0 << 0.0 << 0.0 << qint64(-1);
    }

    void parseSpec()
    {
        QFETCH(QString, spec);
        QFETCH(bool, valid);
        const auto parsed = sandbox::FaultSpec::parse(spec.toStdString());
        QCOMPARE(parsed.ok(), valid);
        if (!valid) {
            QVERIFY(!parsed.error().message.empty());
            QVERIFY(!parsed.error().detail.empty()); // says how to write it
            return;
        }
        QFETCH(int, latencyMs);
        QFETCH(double, errorRate);
        QFETCH(double, dropRate);
        QFETCH(qint64, seed);
        QCOMPARE(parsed->latencyMs, latencyMs);
        QCOMPARE(parsed->errorRate, errorRate);
        QCOMPARE(parsed->dropRate, dropRate);
        QCOMPARE(parsed->seed.has_value(), seed >= 0);
        if (seed >= 0)
            QCOMPARE(*parsed->seed, quint64(seed));
    }

    void seededDecisionsRepeat()
    {
        auto spec = sandbox::FaultSpec::parse("error-rate=0.3,drop-rate=0.1,seed=11");
        QVERIFY(spec.ok());
        sandbox::FaultInjector a(*spec);
        sandbox::FaultInjector b(*spec);
        int faults = 0;
        for (int i = 0; i < 1000; ++i) {
            const auto da = a.next();
            QCOMPARE(int(da.action), int(b.next().action));
            faults += da.action != sandbox::FaultInjector::Action::Answer;
        }
        // Rates are honoured roughly (400 expected of 1000).
        QVERIFY2(faults > 300 && faults < 500, qPrintable(QString::number(faults)));
        QCOMPARE(a.counts().requests, qint64(1000));
        QCOMPARE(a.counts().errors + a.counts().drops, qint64(faults));
    }

    void retriesOutlastServerErrors()
    {
        auto s = start("error-rate=0.3,seed=7", KubeClientOptions { 10000, 4, 500 });
        QVERIFY(s);
        for (int i = 0; i < 12; ++i) {
            auto pods = listPods(*s->client);
            QVERIFY2(pods.ok(), pods.ok() ? "" : pods.error().toString().c_str());
            QVERIFY(pods->items.size() >= 5);
        }
        const auto counts = s->host.kubeFaultCounts();
        QVERIFY2(counts.errors > 0, "the seed must have injected errors, or this test proves nothing");
        QCOMPARE(counts.requests, 12 + counts.errors); // every error cost one retry, nothing else was lost
    }

    void serverErrorsWithoutRetriesAreReported()
    {
        auto s = start("error-rate=0.5,seed=3", KubeClientOptions { 10000, 0, 500 });
        QVERIFY(s);
        std::optional<Error> failure;
        for (int i = 0; i < 30 && !failure; ++i) {
            auto pods = listPods(*s->client);
            if (!pods)
                failure = pods.error();
        }
        QVERIFY(failure);
        QCOMPARE(failure->code, ErrorCode::Server);
        // The Status message the server sent reaches the user.
        QVERIFY2(QString::fromStdString(failure->toString()).contains(QStringLiteral("fault injected")),
            failure->toString().c_str());
    }

    void droppedConnectionIsAClearError()
    {
        auto s = start("drop-rate=1,seed=1", KubeClientOptions { 10000, 0, 500 });
        QVERIFY(s);
        auto pods = listPods(*s->client);
        QVERIFY(!pods.ok());
        QCOMPARE(pods.error().code, ErrorCode::Network);
        const QString text = QString::fromStdString(pods.error().toString());
        QVERIFY2(text.contains(QStringLiteral("closed the connection")), qPrintable(text));
        QVERIFY(s->host.kubeFaultCounts().drops >= 1);
    }

    void droppedConnectionsAreRetriedForReads()
    {
        // Every fourth request or so is dropped; reads are retried on a lost connection.
        auto s = start("drop-rate=0.25,seed=5", KubeClientOptions { 10000, 4, 500 });
        QVERIFY(s);
        for (int i = 0; i < 8; ++i) {
            auto pods = listPods(*s->client);
            QVERIFY2(pods.ok(), pods.ok() ? "" : pods.error().toString().c_str());
        }
        QVERIFY(s->host.kubeFaultCounts().drops > 0);
    }

    void latencyAboveTheTimeoutIsATimeout()
    {
        auto s = start("latency=3s", KubeClientOptions { 600, 0, 500 });
        QVERIFY(s);
        auto pods = listPods(*s->client);
        QVERIFY(!pods.ok());
        QCOMPARE(pods.error().code, ErrorCode::Timeout);
        const QString text = QString::fromStdString(pods.error().toString());
        QVERIFY2(text.contains(QStringLiteral("600 ms")), qPrintable(text));
    }

    void latencyBelowTheTimeoutIsOnlySlow()
    {
        auto s = start("latency=300ms", KubeClientOptions { 10000, 0, 500 });
        QVERIFY(s);
        auto pods = listPods(*s->client);
        QVERIFY2(pods.ok(), pods.ok() ? "" : pods.error().toString().c_str());
    }

    void faultsOverTls()
    {
        auto s = start("error-rate=0.3,drop-rate=0.1,latency=20ms,seed=9", KubeClientOptions { 10000, 5, 500 }, true);
        QVERIFY(s);
        QVERIFY(s->client->tlsVerified());
        for (int i = 0; i < 6; ++i) {
            auto pods = listPods(*s->client);
            QVERIFY2(pods.ok(), pods.ok() ? "" : pods.error().toString().c_str());
        }
        const auto counts = s->host.kubeFaultCounts();
        QVERIFY(counts.errors + counts.drops > 0);
    }

    void throttlingIsRetriedEvenForPatches()
    {
        // A 429 means the server did nothing: reads and writes alike come back after Retry-After.
        auto s = start("throttle-rate=0.5,seed=3", KubeClientOptions { 10000, 5, 500 });
        QVERIFY(s);
        for (int i = 0; i < 3; ++i) {
            auto pods = listPods(*s->client);
            QVERIFY2(pods.ok(), pods.ok() ? "" : pods.error().toString().c_str());
        }
        for (int i = 0; i < 2; ++i) {
            auto patched = dryRunPatch(*s->client);
            QVERIFY2(patched.ok(), patched.ok() ? "" : patched.error().toString().c_str());
        }
        const auto counts = s->host.kubeFaultCounts();
        QVERIFY2(counts.throttled > 0, "the seed must have throttled some requests");
        QCOMPARE(counts.requests, 5 + counts.throttled);
    }

    void throttlingBeyondTheRetriesIsReported()
    {
        auto s = start("throttle-rate=1", KubeClientOptions { 10000, 1, 500 });
        QVERIFY(s);
        auto pods = listPods(*s->client);
        QVERIFY(!pods.ok());
        QCOMPARE(pods.error().code, ErrorCode::Server);
        QVERIFY2(QString::fromStdString(pods.error().toString()).contains(QStringLiteral("429")),
            pods.error().toString().c_str());
        QCOMPARE(s->host.kubeFaultCounts().requests, qint64(2)); // the first try and one retry
    }

    void serverErrorsOnPatchesAreNotRetried()
    {
        // The server may have applied a PATCH before failing: only reads are retried on 5xx.
        auto s = start("error-rate=1", KubeClientOptions { 10000, 3, 500 });
        QVERIFY(s);
        auto patched = dryRunPatch(*s->client);
        QVERIFY(!patched.ok());
        QCOMPARE(patched.error().code, ErrorCode::Server);
        QCOMPARE(s->host.kubeFaultCounts().requests, qint64(1));
        auto pods = listPods(*s->client);
        QVERIFY(!pods.ok());
        QCOMPARE(s->host.kubeFaultCounts().requests, qint64(1 + 4)); // a read: the first try and three retries
    }

    void retriesEndAtTheDeadline()
    {
        // However many retries are allowed, a read that keeps failing gives up once its deadline
        // has passed: back-offs of 0.2, 0.4, 0.8 ... s fit about four tries into 1.5 s.
        KubeClientOptions options { 10000, 50, 500 };
        options.retryDeadlineMs = 1500;
        auto s = start("error-rate=1", options);
        QVERIFY(s);
        auto pods = listPods(*s->client);
        QVERIFY(!pods.ok());
        QCOMPARE(pods.error().code, ErrorCode::Server);
        const qint64 tries = s->host.kubeFaultCounts().requests;
        QVERIFY2(tries >= 2 && tries <= 6, qPrintable(QString::number(tries)));
    }

    void watchReconnectsThroughFaults()
    {
        // Each stream ends after a second; every reconnect meets the faults again. The watch must
        // ride them out (bookmarks keep coming, one list) without reporting an error.
        auto s = start("error-rate=0.25,drop-rate=0.25,seed=22", KubeClientOptions { 10000, 6, 500 });
        QVERIFY(s);
        int listed = 0;
        int bookmarks = 0;
        std::optional<Error> error;
        KubeClient::WatchOptions options;
        options.timeoutSeconds = 1;
        KubeCall call = s->client->watch(
            QStringLiteral("/api/v1/namespaces/production/pods"), options, nullptr,
            [&](const KubeClient::WatchEvent& e) {
                listed += e.type == KubeClient::WatchEvent::Type::Listed;
                bookmarks += e.type == KubeClient::WatchEvent::Type::Bookmark;
            },
            [&](const Error& e) { error = e; });
        QTRY_VERIFY_WITH_TIMEOUT(bookmarks >= 4 || error, 40000);
        call.cancel();
        QVERIFY2(!error, error ? error->toString().c_str() : "");
        QCOMPARE(listed, 1);
        const auto counts = s->host.kubeFaultCounts();
        QVERIFY2(counts.errors > 0 && counts.drops > 0,
            qPrintable(
                QStringLiteral("the seed must have injected both kinds of fault: %1 requests, %2 errors, %3 drops")
                    .arg(counts.requests)
                    .arg(counts.errors)
                    .arg(counts.drops)));
    }

    void watchResumesAfterItsStreamIsCut()
    {
        // Every watch stream loses its connection after 400 ms, without a bookmark or an end: the
        // watch reconnects from the last resourceVersion it saw and goes on delivering changes.
        auto s = start("stream-drop-after=400ms", KubeClientOptions { 10000, 3, 500 });
        QVERIFY(s);
        int listed = 0;
        int modified = 0;
        std::optional<Error> error;
        KubeClient::WatchOptions options;
        options.labelSelector = QStringLiteral("app=checkout");
        KubeCall call = s->client->watch(
            QStringLiteral("/api/v1/namespaces/production/pods"), options, nullptr,
            [&](const KubeClient::WatchEvent& e) {
                listed += e.type == KubeClient::WatchEvent::Type::Listed;
                modified += e.type == KubeClient::WatchEvent::Type::Modified;
            },
            [&](const Error& e) { error = e; });
        // The list, then at least three streams: two of them were cut.
        QTRY_VERIFY_WITH_TIMEOUT(s->host.kubeFaultCounts().requests >= 4 || error, 20000);
        QVERIFY2(!error, error ? error->toString().c_str() : "");
        QCOMPARE(listed, 1);
        // An hour of checkout's leak restarts its pods: the changes still arrive.
        s->host.advanceClock(60 * 60 * 1000);
        QTRY_VERIFY_WITH_TIMEOUT(modified > 0 || error, 20000);
        QVERIFY2(!error, error ? error->toString().c_str() : "");
        call.cancel();
    }

    void watchGivesUpWithAClearError()
    {
        // Nothing gets through: the watch ends with one error once its retries are spent.
        auto s = start("drop-rate=1", KubeClientOptions { 10000, 1, 500 });
        QVERIFY(s);
        std::vector<Error> errors;
        KubeCall call = s->client->watch(
            QStringLiteral("/api/v1/namespaces/production/pods"), {}, nullptr, [](const KubeClient::WatchEvent&) {},
            [&](const Error& e) { errors.push_back(e); });
        QTRY_VERIFY_WITH_TIMEOUT(!errors.empty(), 30000);
        QTest::qWait(500); // and only one
        QCOMPARE(errors.size(), std::size_t(1));
        QCOMPARE(errors.front().code, ErrorCode::Network);
        QVERIFY2(QString::fromStdString(errors.front().toString()).contains(QStringLiteral("closed the connection")),
            errors.front().toString().c_str());
        call.cancel();
    }

    void prometheusFaultsUseItsErrorEnvelope()
    {
        // Every Prometheus request fails: answered in Prometheus's own error format.
        auto s = start("error-rate=1,seed=4", KubeClientOptions {});
        QVERIFY(s);
        QNetworkAccessManager nam;
        QNetworkRequest req(s->host.prometheusUrl().resolved(QUrl(QStringLiteral("/api/v1/status/buildinfo"))));
        QNetworkReply* reply = nam.get(req);
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 30000);
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        QVERIFY2(status == 500 || status == 503, qPrintable(QString::number(status)));
        const auto body = nlohmann::json::parse(reply->readAll().toStdString(), nullptr, false);
        QCOMPARE(body.value("status", ""), std::string("error"));
        QVERIFY(body.value("error", "").find("fault injected") != std::string::npos);
        reply->deleteLater();
    }
};

QTEST_GUILESS_MAIN(TestKubeFaults)
#include "tst_kube_faults.moc"
