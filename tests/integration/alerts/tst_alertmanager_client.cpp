// AlertmanagerClient's safety against scripted loopback servers (its requests go through
// PromClient: these tests show the rules hold for Alertmanager's writes too), and the client
// against the sandbox's Alertmanager: memory alerts for the leaking workloads and none for the
// healthy ones, workloads through the pods' owners, silences created, shown, expired; reached
// directly and through the API server's service proxy (found by discovery).
#include "LoopbackHttpServer.h"
#include "SandboxCluster.h"
#include "TestSupport.h"
#include "WaitForResult.h"
#include "core/alerts/AlertIncident.h"
#include "core/alerts/AlertWorkloads.h"
#include "core/alerts/AlertmanagerClient.h"
#include "core/alerts/AlertmanagerInCluster.h"

#include <QTest>

#include <set>

using namespace leakdesk;
using namespace leakdesk::alerts;
using leakdesk::test::LoopbackHttpServer;
using leakdesk::test::RecordedRequest;
using leakdesk::test::RedirectingServers;
using leakdesk::test::ScriptedAnswer;

namespace {

const QByteArray kToken = "am-s3cret-token";
const QByteArray kAlerts
    = R"([{"fingerprint":"ab12","labels":{"alertname":"KubePodCrashLooping","namespace":"shop","pod":"cart-0"},"startsAt":"2026-12-07T17:00:00Z"}])";

prometheus::PromConnection connectionTo(quint16 port)
{
    prometheus::PromConnection c;
    c.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
    c.bearerToken = kToken;
    c.extraHeaders = { { "X-Scope-OrgID", "tenant-7" } };
    c.timeoutMs = 10000;
    c.useEnvironmentProxy = false;
    return c;
}

Silence silenceOf(std::vector<SilenceMatcher> matchers, std::int64_t nowMs)
{
    Silence s;
    s.matchers = std::move(matchers);
    s.startsAtMs = nowMs;
    s.endsAtMs = nowMs + 2 * 3600 * 1000;
    s.createdBy = "test";
    s.comment = "LeakDesk incident test";
    return s;
}

} // namespace

class TestAlertmanagerClient : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // Each call, GET and the writes alike, keeps its credentials on the origin it was given.
    void redirectToAnotherOriginKeepsCredentials_data()
    {
        QTest::addColumn<QString>("call");
        QTest::addColumn<int>("status");
        for (const char* call : { "alerts", "create", "expire" })
            for (int status : { 302, 307, 308 })
                QTest::addRow("%s %d", call, status) << QString::fromLatin1(call) << status;
    }
    void redirectToAnotherOriginKeepsCredentials()
    {
        QFETCH(QString, call);
        QFETCH(int, status);
        RedirectingServers servers(
            status, QStringLiteral("http://localhost:%B/api/v2/alerts"), [](const RecordedRequest&, int) {
                return ScriptedAnswer { 200, {}, kAlerts, false };
            });
        AlertmanagerClient client(connectionTo(servers.first.port()));
        std::optional<Error> error;
        if (call == QLatin1String("alerts")) {
            auto r = test::waitForResult<std::vector<Alert>>([&](auto cb) { client.alerts({}, nullptr, cb); });
            QVERIFY(!r.ok());
            error = r.error();
        } else if (call == QLatin1String("create")) {
            auto r = test::waitForResult<std::string>([&](auto cb) {
                client.createSilence(silenceOf({ { "namespace", "shop", false, true } }, 1), nullptr, cb);
            });
            QVERIFY(!r.ok());
            error = r.error();
        } else {
            auto r = test::waitForResult<Ok>([&](auto cb) { client.expireSilence("146237e3-69d9-4c4b", nullptr, cb); });
            QVERIFY(!r.ok());
            error = r.error();
        }
        QVERIFY2(
            QString::fromStdString(error->message).contains(QStringLiteral("another origin")), error->message.c_str());
        QVERIFY(!QString::fromStdString(error->message + error->detail).contains(QString::fromLatin1(kToken)));
        QCOMPARE(servers.first.requests().size(), 1); // a write redirected is not sent again either
        QCOMPARE(servers.first.requests()[0].headers.value("authorization"), "Bearer " + kToken);
        QCOMPARE(servers.second.connections(), 0);
    }

    void lineBreaksNeverReachAHeader_data()
    {
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<QByteArray>("headerValue");
        QTest::newRow("CR LF in the token") << QByteArray("abc\r\nX-Injected: 1") << QByteArray("tenant");
        QTest::newRow("LF in the token") << QByteArray("abc\nX: 1") << QByteArray("tenant");
        QTest::newRow("CR LF in a header value") << kToken << QByteArray("tenant\r\nX-Injected: 1");
        QTest::newRow("NUL in a header value") << kToken << QByteArray("ten\0ant", 7);
    }
    void lineBreaksNeverReachAHeader()
    {
        QFETCH(QByteArray, token);
        QFETCH(QByteArray, headerValue);
        LoopbackHttpServer server([](const RecordedRequest&, int) {
            return ScriptedAnswer { 200, {}, kAlerts, false };
        });
        auto c = connectionTo(server.port());
        c.bearerToken = token;
        c.extraHeaders = { { "X-Scope-OrgID", headerValue } };
        AlertmanagerClient client(c);
        QVERIFY(client.configurationProblem().has_value());
        auto created = test::waitForResult<std::string>([&](auto cb) {
            client.createSilence(silenceOf({ { "namespace", "shop", false, true } }, 1), nullptr, cb);
        });
        QVERIFY(!created.ok());
        QVERIFY2(QString::fromStdString(created.error().message).contains(QStringLiteral("--alertmanager")),
            created.error().message.c_str());
        QCOMPARE(server.connections(), 0);
    }

    void answersAreBounded()
    {
        const QByteArray huge = "[" + QByteArray(3 * 1024 * 1024, ' ') + "]";
        LoopbackHttpServer server([&](const RecordedRequest&, int) { return ScriptedAnswer { 200, {}, huge, false }; });
        auto c = connectionTo(server.port());
        c.maxBodyBytes = 1024 * 1024;
        AlertmanagerClient client(c);
        auto r = test::waitForResult<std::vector<Alert>>([&](auto cb) { client.alerts({}, nullptr, cb); });
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Truncated);
        // And the same answer under the bound is read.
        c.maxBodyBytes = 8 * 1024 * 1024;
        AlertmanagerClient roomy(c);
        auto ok = test::waitForResult<std::vector<Alert>>([&](auto cb) { roomy.alerts({}, nullptr, cb); });
        QVERIFY2(ok.ok(), ok.ok() ? "" : ok.error().message.c_str());
    }

    void writesAreNotRetriedOnServerErrors()
    {
        LoopbackHttpServer server([](const RecordedRequest&, int) {
            return ScriptedAnswer { 503, {}, "\"busy\"", false };
        });
        AlertmanagerClient client(connectionTo(server.port()));
        auto r = test::waitForResult<std::string>(
            [&](auto cb) {
                client.createSilence(silenceOf({ { "namespace", "shop", false, true } }, 1), nullptr, cb);
            },
            60000);
        QVERIFY(!r.ok());
        QCOMPARE(server.requests().size(), 1); // a POST may have been applied: never sent twice
        auto get = test::waitForResult<std::vector<Alert>>([&](auto cb) { client.alerts({}, nullptr, cb); }, 90000);
        QVERIFY(!get.ok());
        QVERIFY(server.requests().size() > 2); // a GET is
    }

    void filtersAreSent()
    {
        LoopbackHttpServer server([](const RecordedRequest&, int) { return ScriptedAnswer { 200, {}, "[]", false }; });
        AlertmanagerClient client(connectionTo(server.port()));
        AlertQuery q;
        q.silenced = false;
        q.filter = { { "namespace", "shop", false, true }, { "pod", "cart-.*", true, true } };
        auto r = test::waitForResult<std::vector<Alert>>([&](auto cb) { client.alerts(q, nullptr, cb); });
        QVERIFY(r.ok());
        const QUrlQuery sent(QUrl(QString::fromLatin1(server.requests()[0].target)));
        QCOMPARE(sent.allQueryItemValues(QStringLiteral("filter"), QUrl::FullyDecoded),
            (QStringList { QStringLiteral("namespace=\"shop\""), QStringLiteral("pod=~\"cart-.*\"") }));
        QCOMPARE(sent.queryItemValue(QStringLiteral("silenced")), QStringLiteral("false"));
    }

    // The sandbox's Alertmanager, read by the same client: OOM kills and crash loops of the
    // leaking workloads, nothing for the healthy ones; a silence hides a workload's alerts and its
    // expiry brings them back.
    void sandboxAlertsAndSilences()
    {
        test::SandboxCluster cluster;
        const auto options = test::SandboxCluster::pinnedNow();
        QVERIFY(cluster.start(options).ok());
        prometheus::PromConnection c;
        c.baseUrl = cluster.host.alertmanagerUrl();
        c.useEnvironmentProxy = false;
        AlertmanagerClient client(c);
        auto all = test::waitForResult<std::vector<Alert>>([&](auto cb) { client.alerts({}, nullptr, cb); });
        QVERIFY2(all.ok(), all.ok() ? "" : all.error().message.c_str());
        auto memory = memoryAlerts(*all, MemoryAlertMatcher::defaults());
        auto resolved = test::waitForResult<ResolvedAlerts>([&](auto cb) {
            resolveAlertWorkloads(*cluster.client, memory, nullptr, [cb](ResolvedAlerts r) { cb(std::move(r)); });
        });
        QVERIFY(resolved.ok());
        std::set<std::string> workloads;
        for (const auto& a : resolved->alerts) {
            QVERIFY2(a.target.workload, a.targetText().c_str());
            workloads.insert(a.target.ns + "/" + workloadTarget(*a.target.workload));
        }
        for (const auto& w : workloads)
            qInfo("memory alerts on %s", w.c_str());
        // checkout is OOM-killed several times an hour; catalog, node-agent and report do not leak.
        QVERIFY(workloads.count("production/deployment/checkout"));
        for (const char* healthy : { "production/deployment/catalog", "storefront/deployment/catalog",
                 "storefront/daemonset/node-agent", "storefront/cronjob/report" })
            QVERIFY2(!workloads.count(healthy), healthy);
        // The Watchdog fires too, and is not a memory alert.
        QVERIFY(std::any_of(all->begin(), all->end(), [](const Alert& a) { return a.name() == "Watchdog"; }));

        // Silence checkout's memory alerts: they are suppressed by that silence, the others not.
        const std::int64_t now = *options.fixedNowMs; // the sandbox's clock: a later start would be pending
        const auto matchers = silenceMatchersFor(
            "production", { kube::WorkloadKind::Deployment, "checkout" }, MemoryAlertMatcher::defaults());
        auto id = test::waitForResult<std::string>(
            [&](auto cb) { client.createSilence(silenceOf(matchers, now), nullptr, cb); });
        QVERIFY2(id.ok(), id.ok() ? "" : id.error().message.c_str());
        auto after = test::waitForResult<std::vector<Alert>>([&](auto cb) { client.alerts({}, nullptr, cb); });
        QVERIFY(after.ok());
        int silenced = 0;
        for (const Alert& a : *after) {
            const bool checkout = a.label("namespace") == "production" && a.label("pod").rfind("checkout-", 0) == 0
                && a.name() != "Watchdog";
            QCOMPARE(a.silenced(), checkout);
            if (checkout) {
                QCOMPARE(a.silencedBy, std::vector<std::string> { *id });
                QCOMPARE(a.state, std::string("suppressed"));
                ++silenced;
            }
        }
        QVERIFY(silenced > 0);
        AlertQuery activeOnly;
        activeOnly.silenced = false;
        auto active = test::waitForResult<std::vector<Alert>>([&](auto cb) { client.alerts(activeOnly, nullptr, cb); });
        QCOMPARE(active->size() + std::size_t(silenced), after->size());

        auto listed = test::waitForResult<std::vector<Silence>>([&](auto cb) { client.silences(nullptr, cb); });
        QVERIFY(listed.ok());
        QCOMPARE(listed->size(), std::size_t(1));
        QCOMPARE(listed->front().state, std::string("active"));
        QCOMPARE(listed->front().matchers, matchers);

        QVERIFY(test::waitForResult<Ok>([&](auto cb) { client.expireSilence(*id, nullptr, cb); }).ok());
        auto expired = test::waitForResult<Silence>([&](auto cb) { client.silence(*id, nullptr, cb); });
        QCOMPARE(expired->state, std::string("expired"));
        auto back = test::waitForResult<std::vector<Alert>>([&](auto cb) { client.alerts(activeOnly, nullptr, cb); });
        QCOMPARE(back->size(), after->size());
        // Expiring again is harmless (200, as Alertmanager answers); an unknown id is an error.
        QVERIFY(test::waitForResult<Ok>([&](auto cb) { client.expireSilence(*id, nullptr, cb); }).ok());
        QVERIFY(!test::waitForResult<Ok>([&](auto cb) {
            client.expireSilence("00000000-0000-0000-0000-000000000000", nullptr, cb);
        }).ok());
        auto unknown = test::waitForResult<Silence>(
            [&](auto cb) { client.silence("00000000-0000-0000-0000-000000000000", nullptr, cb); });
        QCOMPARE(unknown.error().code, ErrorCode::NotFound);
        // A silence of everything is refused, as Alertmanager refuses it.
        auto everything = test::waitForResult<std::string>([&](auto cb) {
            client.createSilence(silenceOf({ { "pod", ".*", true, true } }, now), nullptr, cb);
        });
        QVERIFY(!everything.ok());
    }

    // In the cluster, through the API server's service proxy: found by discovery, silences written
    // through it (create and delete on services/proxy).
    void sandboxThroughTheServiceProxy()
    {
        test::SandboxCluster cluster;
        QVERIFY(cluster.start(test::SandboxCluster::pinnedNow()).ok());
        auto found = test::waitForResult<DiscoveredAlertmanager>(
            [&](auto cb) { discoverAlertmanager(*cluster.client, nullptr, cb); });
        QVERIFY2(found.ok(), found.ok() ? "" : found.error().message.c_str());
        QCOMPARE(QString::fromStdString(found->chosen.service.display()),
            QStringLiteral("monitoring/alertmanager-main:web"));
        // Prometheus's Service is not taken for an Alertmanager.
        AlertmanagerClient client(found->connection);
        auto id = test::waitForResult<std::string>([&](auto cb) {
            client.createSilence(
                silenceOf({ { "namespace", "storefront", false, true } }, test::testNowMs()), nullptr, cb);
        });
        QVERIFY2(id.ok(), id.ok() ? "" : id.error().message.c_str());
        QVERIFY(test::waitForResult<Ok>([&](auto cb) { client.expireSilence(*id, nullptr, cb); }).ok());
        auto s = test::waitForResult<Silence>([&](auto cb) { client.silence(*id, nullptr, cb); });
        QCOMPARE(s->state, std::string("expired"));
    }

    void rankingPrefersAlertmanagerServices()
    {
        auto svc = [](const char* ns, const char* name, kube::StringMap labels, std::vector<kube::ServicePort> ports) {
            kube::Service s;
            s.meta.ns = ns;
            s.meta.name = name;
            s.meta.labels = std::move(labels);
            s.type = "ClusterIP";
            s.ports = std::move(ports);
            return s;
        };
        const std::vector<kube::Service> services {
            svc("monitoring", "prometheus-k8s", { { "app.kubernetes.io/name", "prometheus" } },
                { { "web", 9090, "web" } }),
            svc("monitoring", "alertmanager-operated", { { "operated-alertmanager", "true" } },
                { { "web", 9093, "web" }, { "tcp-mesh", 9094, "9094" } }),
            svc("monitoring", "alertmanager-main", { { "app.kubernetes.io/name", "alertmanager" } },
                { { "web", 9093, "web" } }),
            svc("monitoring", "prometheus-operator", { { "app.kubernetes.io/name", "prometheus-operator" } },
                { { "https", 8443, "https" } }),
            svc("tools", "my-alertmanager", {}, { { "", 9093, "9093" } }),
            svc("tools", "alertmanager-gossip", {}, { { "mesh", 9094, "9094" } }),
        };
        const auto ranked = rankAlertmanagerCandidates(services);
        QStringList names;
        for (const auto& c : ranked)
            names << QString::fromStdString(c.service.display());
        QCOMPARE(names,
            (QStringList { QStringLiteral("monitoring/alertmanager-main:web"),
                QStringLiteral("monitoring/alertmanager-operated:web"),
                QStringLiteral("tools/my-alertmanager:9093") }));
    }
};

QTEST_GUILESS_MAIN(TestAlertmanagerClient)
#include "tst_alertmanager_client.moc"
