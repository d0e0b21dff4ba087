// A pod taken out of its Service, seen through the whole sandbox (SandboxHost over loopback, the
// clock pinned and moved by the test): a watch of Endpoints reports the pod leaving and coming
// back, the replacement gets metric series in Prometheus, and the released pod's request rate
// there drops to zero while it is out and comes back once it is relabelled.

#include "SandboxHttp.h"
#include "core/prometheus/QueryCatalogue.h"
#include "core/sandbox/SandboxHost.h"
#include "core/sandbox/model/SandboxModel.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTcpSocket>
#include <QTest>
#include <QUrl>

#include <nlohmann/json.hpp>

using namespace leakdesk;
using namespace leakdesk::sandbox;
using nlohmann::json;

namespace {

constexpr std::int64_t kAnchor = 1773152625000; // 2026-03-10T14:23:45Z

using Reply = test::HttpReply;
using test::contains;

} // namespace

class TestSandboxRelabel : public QObject {
    Q_OBJECT
    SandboxHost m_host;
    test::SandboxHttpPorts m_http;
    std::int64_t m_start = 0; // the pinned clock at start: checkout's pod has served for 6 minutes
    std::string m_pod;
    std::string m_ip;
    std::string m_replacement;
    std::int64_t m_offset = 0; // how far the test has moved the clock
    std::size_t m_replicas = 0;

    std::int64_t now() const { return m_start + m_offset; }
    void advance(std::int64_t ms)
    {
        m_host.advanceClock(ms);
        m_offset += ms;
    }
    Reply kube(const QByteArray& target) { return test::httpRequest(m_http.kube, "GET", target, m_http.auth); }
    Reply label(const char* patch)
    {
        return test::httpRequest(m_http.kube, "PATCH",
            "/api/v1/namespaces/production/pods/" + QByteArray::fromStdString(m_pod) + "?fieldManager=kubectl-label",
            m_http.auth + "Content-Type: application/merge-patch+json\r\n", patch);
    }
    std::vector<std::string> checkoutPods()
    {
        std::vector<std::string> out;
        for (const json& p :
            kube("/api/v1/namespaces/production/pods?labelSelector=app%3Dcheckout").doc().value("items", json::array()))
            out.push_back(p["metadata"].value("name", ""));
        return out;
    }

    // The events a watch of the Endpoints (from the current list's resourceVersion) receives
    // while `during` runs and for up to two seconds after; the server ends it (timeoutSeconds).
    std::vector<json> endpointsEventsAround(const std::function<void()>& during)
    {
        const std::string rv
            = kube("/api/v1/namespaces/production/endpoints").doc()["metadata"].value("resourceVersion", "");
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, m_http.kube);
        if (!s.waitForConnected(5000))
            return {};
        s.write("GET /api/v1/namespaces/production/endpoints?watch=1&timeoutSeconds=2&resourceVersion="
            + QByteArray::fromStdString(rv) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + m_http.auth + "\r\n");
        QByteArray data;
        while (!data.contains("\r\n\r\n") && s.waitForReadyRead(5000))
            data += s.readAll();
        during();
        QElapsedTimer timer;
        timer.start();
        while (s.state() == QAbstractSocket::ConnectedState && timer.elapsed() < 10000 && s.waitForReadyRead(5000))
            data += s.readAll();
        data += s.readAll();
        std::vector<json> events;
        const qsizetype headEnd = data.indexOf("\r\n\r\n");
        if (headEnd < 0 || !data.startsWith("HTTP/1.1 200"))
            return {};
        for (const QByteArray& line : data.mid(headEnd + 4).split('\n'))
            if (!line.trimmed().isEmpty())
                events.push_back(json::parse(line.toStdString(), nullptr, false));
        return events;
    }
    // The last state of checkout's Endpoints a watch reported.
    static json lastCheckout(const std::vector<json>& events)
    {
        json last;
        for (const json& e : events)
            if (e.value("type", "") == "MODIFIED" && e["object"]["metadata"].value("name", "") == "checkout")
                last = e["object"];
        return last;
    }

    // sum(rate(http_server_requests_seconds_count{pod=~"<pod>"}[5m])) at `atMs`, as the catalogue asks it.
    double requestRate(const std::string& pod, std::int64_t atMs)
    {
        const std::string query = prometheus::QueryCatalogue().build(prometheus::QueryKind::RequestRate, { "production", pod });
        const Reply r = test::httpRequest(m_http.prometheus, "GET",
            "/api/v1/query?query=" + QUrl::toPercentEncoding(QString::fromStdString(query))
                + "&time=" + QByteArray::number(static_cast<double>(atMs) / 1000.0, 'f', 3),
            {});
        const json doc = r.doc();
        if (r.status != 200 || doc["data"]["result"].size() != 1)
            return -1;
        return std::stod(doc["data"]["result"][0]["value"][1].get<std::string>());
    }

private Q_SLOTS:
    void initTestCase()
    {
        // A checkout pod whose container has run for 6 minutes and goes on for 20 more.
        const SandboxModel model(42, kAnchor);
        for (std::size_t i = 0; i < model.pods().size() && m_pod.empty(); ++i) {
            if (model.services()[model.pods()[i].service].name != "checkout")
                continue;
            for (const ContainerRun& run : model.pods()[i].runs) {
                const std::int64_t end = run.terminated ? run.finishedMs : model.horizonEndMs();
                if (run.startedMs >= kAnchor - 6 * kHourMs && end - run.startedMs >= 30 * kMinuteMs) {
                    m_start = run.startedMs + 6 * kMinuteMs;
                    m_pod = model.pods()[i].name;
                    m_ip = model.pods()[i].podIp;
                    break;
                }
            }
        }
        QVERIFY(!m_pod.empty());
        const QString why = test::startForRawHttp(m_host, 42, m_start, m_http);
        QVERIFY2(why.isEmpty(), qPrintable(why));
        QVERIFY(contains(test::endpointIps(kube("/api/v1/namespaces/production/endpoints/checkout").doc()), m_ip));
        QVERIFY(requestRate(m_pod, now()) > 0);
    }

    void watchSeesThePodLeaveTheEndpoints()
    {
        const std::vector<std::string> before = checkoutPods();
        m_replicas = before.size();
        int status = 0;
        const auto events = endpointsEventsAround([&] {
            status = label(R"({"metadata":{"labels":{"app":null}}})").status;
            advance(2 * kSecondMs); // the replacement exists
        });
        QCOMPARE(status, 200);
        const json ep = lastCheckout(events);
        QVERIFY2(ep.is_object(), json(events).dump().c_str());
        QVERIFY2(!contains(test::endpointIps(ep), m_ip), ep.dump().c_str());
        for (const std::string& p : checkoutPods())
            if (!contains(before, p))
                m_replacement = p;
        QVERIFY(!m_replacement.empty());
    }

    void prometheusHasTheReplacementAndNoTrafficForTheReleasedPod()
    {
        QVERIFY(!m_replacement.empty());
        advance(6 * kMinuteMs - 2 * kSecondMs);
        // The replacement's series exist (the history was rebuilt when the ReplicaSet created it).
        const Reply series = test::httpRequest(m_http.prometheus, "GET",
            "/api/v1/series?match[]="
                + QUrl::toPercentEncoding(
                    QString::fromStdString("container_memory_working_set_bytes{pod=\"" + m_replacement + "\"}")),
            {});
        QCOMPARE(series.status, 200);
        QVERIFY2(!series.doc()["data"].empty(), series.body.constData());
        QVERIFY(requestRate(m_replacement, now()) > 0);
        // Five minutes out of the Service: no request in the window.
        QCOMPARE(requestRate(m_pod, now()), 0.0);
        QVERIFY(requestRate(m_pod, m_start) > 0);
    }

    void watchSeesThePodComeBack()
    {
        QVERIFY(!m_replacement.empty());
        int status = 0;
        const auto events = endpointsEventsAround([&] {
            status = label(R"({"metadata":{"labels":{"app":"checkout"}}})").status;
            advance(kSecondMs);
        });
        QCOMPARE(status, 200);
        const json ep = lastCheckout(events);
        QVERIFY2(ep.is_object(), json(events).dump().c_str());
        QVERIFY2(contains(test::endpointIps(ep), m_ip), ep.dump().c_str());
        QCOMPARE(test::endpointIps(ep).size(), m_replicas);
        // Serving again: requests in the next five minutes.
        advance(6 * kMinuteMs);
        QVERIFY(requestRate(m_pod, now()) > 0);
        QVERIFY(!contains(checkoutPods(), m_replacement));
    }

    void cleanupTestCase() { m_host.stop(); }
};

QTEST_GUILESS_MAIN(TestSandboxRelabel)
#include "tst_sandbox_relabel.moc"
