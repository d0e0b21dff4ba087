// The runbook's escalation rules on hand-made cluster objects and findings: which Services and
// Ingresses make a service user-facing, request-rate drops at kill times, when P1 is proposed,
// and who the owner is.
#include "core/investigation/Escalation.h"
#include "core/investigation/Evidence.h"
#include "core/investigation/Findings.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::investigation;
using nlohmann::json;

namespace {

const std::map<std::string, std::string> kCheckoutPods { { "app", "checkout" }, { "pod-template-hash", "abc" } };

json service(const std::string& name, const std::string& type, json selector)
{
    json s = { { "metadata", { { "name", name } } }, { "spec", { { "selector", std::move(selector) } } } };
    if (!type.empty())
        s["spec"]["type"] = type;
    return s;
}

json list(std::vector<json> items) { return { { "items", items } }; }

json ingress(const std::string& name, const std::string& host, const std::string& path, const std::string& svc)
{
    return { { "metadata", { { "name", name } } },
        { "spec",
            { { "rules",
                json::array({ { { "host", host },
                    { "http",
                        { { "paths",
                            json::array({ { { "path", path }, { "pathType", "Prefix" },
                                { "backend", { { "service", { { "name", svc }, { "port", { { "number", 80 } } } } } } } } }) } } } } }) } } } };
}

Series rateSeries(std::int64_t from, std::int64_t to, std::int64_t stepMs, const std::function<double(std::int64_t)>& f)
{
    Series s;
    for (std::int64_t t = from; t <= to; t += stepMs)
        s.samples.push_back({ t, f(t) });
    return s;
}

Findings findingsWithKills(std::vector<std::int64_t> times, bool ruleMet, std::vector<Series> rate = {})
{
    Findings f;
    f.request.service = "checkout";
    f.request.ns = "production";
    for (auto t : times) {
        oom::OomKill k;
        k.pod = "checkout-1";
        k.timeMs = t;
        f.oom.kills.push_back(k);
    }
    f.oom.countLastHour = static_cast<int>(times.size());
    f.oom.maxInAnyWindow = static_cast<int>(times.size());
    f.oom.ruleMet = ruleMet;
    auto ev = std::make_shared<RawEvidence>();
    ev->series[prometheus::QueryKind::RequestRate] = std::move(rate);
    f.evidence = ev;
    return f;
}

} // namespace

class TestEscalation : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void exposure_data()
    {
        QTest::addColumn<QByteArray>("services");
        QTest::addColumn<QByteArray>("ingresses"); // empty: not served
        QTest::addColumn<bool>("exposed");
        QTest::addColumn<QString>("first");
        auto dump = [](const json& j) { return QByteArray::fromStdString(j.dump()); };
        QTest::newRow("ClusterIP behind an Ingress")
            << dump(list({ service("checkout", "", { { "app", "checkout" } }) }))
            << dump(list({ ingress("shop", "shop.example.com", "/checkout", "checkout") })) << true
            << "Ingress shop (shop.example.com /checkout) → Service checkout";
        QTest::newRow("LoadBalancer") << dump(list({ service("checkout-lb", "LoadBalancer", { { "app", "checkout" } }) }))
                                      << QByteArray() << true << "Service checkout-lb (LoadBalancer)";
        QTest::newRow("NodePort") << dump(list({ service("checkout", "NodePort", { { "app", "checkout" } }) })) << dump(list({})) << true
                                  << "Service checkout (NodePort)";
        QTest::newRow("ClusterIP only") << dump(list({ service("checkout", "ClusterIP", { { "app", "checkout" } }) }))
                                        << dump(list({ ingress("shop", "shop.example.com", "/", "catalog") })) << false << "";
        QTest::newRow("selector does not match")
            << dump(list({ service("checkout", "LoadBalancer", { { "app", "checkout" }, { "tier", "web" } }) })) << dump(list({})) << false
            << "";
        QTest::newRow("empty selector selects nothing") << dump(list({ service("manual", "LoadBalancer", json::object()) }))
                                                        << dump(list({})) << false << "";
        QTest::newRow("odd objects") << QByteArray(R"({"items":[1,"x",{"spec":[]},{"metadata":{"name":3}}]})")
                                     << QByteArray(R"({"items":[{"spec":{"rules":[{"http":{"paths":[{}]}}]}}]})") << false << "";
    }

    void exposure()
    {
        QFETCH(QByteArray, services);
        QFETCH(QByteArray, ingresses);
        QFETCH(bool, exposed);
        QFETCH(QString, first);
        const json svc = json::parse(services.toStdString());
        const json ing = ingresses.isEmpty() ? json() : json::parse(ingresses.toStdString());
        const auto e = exposureFrom(svc, ingresses.isEmpty() ? nullptr : &ing, kCheckoutPods);
        QCOMPARE(e.exposed(), exposed);
        QCOMPARE(e.ingressesChecked, !ingresses.isEmpty());
        if (exposed)
            QCOMPARE(QString::fromStdString(e.userFacing.front()), first);
    }

    void clusterIpRoutedByAnIngressIsNotInternal()
    {
        const json ingresses = list({ ingress("shop", "", "/", "checkout") });
        const auto e = exposureFrom(list({ service("checkout", "", { { "app", "checkout" } }) }), &ingresses, kCheckoutPods);
        QVERIFY(e.exposed());
        QVERIFY(e.internalOnly.empty());
        QCOMPARE(e.userFacing.front(), std::string("Ingress shop (* /) → Service checkout"));
    }

    void trafficDropsAtKills()
    {
        const std::int64_t m = 60000;
        const std::int64_t k1 = 100 * m, k2 = 200 * m;
        // 30 req/s, falling to 20 for 3 minutes after each kill (one of three pods gone).
        auto s = rateSeries(0, 300 * m, 30000, [&](std::int64_t t) {
            return (t >= k1 && t < k1 + 3 * m) || (t >= k2 && t < k2 + 3 * m) ? 20.0 : 30.0;
        });
        const auto impact = trafficImpactAtKills({ s }, { k1, k2 });
        QCOMPARE(impact.kills, 2);
        QCOMPARE(impact.killsWithDrop, 2);
        QVERIFY(std::abs(impact.maxDrop - 1.0 / 3) < 1e-9);
        // Flat traffic: no drop; no data: nothing counted.
        QCOMPARE(trafficImpactAtKills({ rateSeries(0, 300 * m, 30000, [](std::int64_t) { return 30.0; }) }, { k1 }).killsWithDrop, 0);
        QCOMPARE(trafficImpactAtKills({}, { k1 }).kills, 0);
        QCOMPARE(trafficImpactAtKills({ s }, { 1000 * m }).kills, 0); // kill outside the data
    }

    void proposesP1OnlyForUserFacingKills()
    {
        runbook::RunbookParameters params;
        const auto exposed = exposureFrom(list({ service("checkout", "LoadBalancer", { { "app", "checkout" } }) }), nullptr, kCheckoutPods);
        const auto internal = exposureFrom(list({ service("checkout", "ClusterIP", { { "app", "checkout" } }) }), nullptr, kCheckoutPods);
        const std::int64_t m = 60000;
        auto rate = rateSeries(0, 300 * m, 30000, [&](std::int64_t t) { return t >= 100 * m && t < 103 * m ? 15.0 : 30.0; });

        auto p = assessSeverity(findingsWithKills({ 100 * m, 120 * m, 140 * m }, true, { rate }), exposed, "P2", params);
        QVERIFY(p.propose);
        QCOMPARE(p.to, std::string("P1"));
        QCOMPARE(p.from, std::string("P2"));
        QVERIFY(p.why.find("user-facing") != std::string::npos);
        bool sawDrop = false;
        for (const auto& e : p.evidence)
            sawDrop = sawDrop || e.find("largest drop 50 %") != std::string::npos;
        QVERIFY(sawDrop);

        QVERIFY(!assessSeverity(findingsWithKills({ 100 * m, 120 * m, 140 * m }, true), internal, "P2", params).propose);
        QVERIFY(!assessSeverity(findingsWithKills({ 100 * m, 120 * m }, false), exposed, "P2", params).propose);
        QVERIFY(!assessSeverity(findingsWithKills({ 100 * m, 120 * m, 140 * m }, true), exposed, "P1", params).propose);
    }

    void ownerFromAnnotationsThenLabels()
    {
        const json d1 = { { "metadata",
            { { "annotations", { { "leakdesk.io/owner", "checkout-team (#checkout-oncall)" } } }, { "labels", { { "team", "checkout" } } } } } };
        auto o = ownerOf(d1);
        QVERIFY(o);
        QCOMPARE(o->owner, std::string("checkout-team (#checkout-oncall)"));
        QCOMPARE(o->source, std::string("annotation leakdesk.io/owner"));
        const json d2 = { { "metadata", { { "labels", { { "team", "payments" } } } } } };
        QCOMPARE(ownerOf(d2)->source, std::string("label team"));
        QVERIFY(!ownerOf(json { { "metadata", { { "labels", { { "app", "x" } } } } } }));
        QVERIFY(!ownerOf(json::array()));
        const std::string msg = ownerMessage(*o, "checkout", "production", "P1", 0, 2 * 3600 * 1000 + 5 * 60 * 1000, "Sawtooth every 47 min.");
        QVERIFY(msg.find("2 h 5 min") != std::string::npos);
        QVERIFY(msg.find("checkout-team (#checkout-oncall)") != std::string::npos);
        QVERIFY(msg.find("1970-01-01 00:00 UTC") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestEscalation)
#include "tst_escalation.moc"
