// The sandbox's two HTTP APIs, driven over real loopback sockets with a pinned clock: selectors,
// Table output, paging, Status errors and authentication on the Kubernetes side; catalogue
// answers and error JSON on the Prometheus side; the kubeconfig; keep-alive.

#include "JsonCompare.h"
#include "SandboxHttp.h"
#include "core/prometheus/QueryCatalogue.h"
#include "core/sandbox/kubeapi/ServedKubeObjects.h"
#include "core/sandbox/SandboxHost.h"
#include "core/sandbox/model/SandboxModel.h"

#include <QFile>
#include <QTcpSocket>
#include <QTest>
#include <QUrlQuery>

#include <nlohmann/json.hpp>

#include <set>

using namespace leakdesk;
using namespace leakdesk::sandbox;
using nlohmann::json;

namespace {

constexpr std::int64_t kNow = 1773152625000; // 2026-03-10T14:23:45Z

using Reply = test::HttpReply;

QByteArray encode(const QString& s)
{
    return QUrl::toPercentEncoding(s);
}

} // namespace

class TestSandboxHttp : public QObject {
    Q_OBJECT
    SandboxHost m_host;
    test::SandboxHttpPorts m_http;
    const SandboxModel m_model { 42, kNow };

    Reply kube(const QByteArray& target, const QByteArray& headers = {})
    {
        return test::httpRequest(m_http.kube, "GET", target, m_http.auth + headers);
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString why = test::startForRawHttp(m_host, 42, kNow, m_http);
        QVERIFY2(why.isEmpty(), qPrintable(why));
    }

    void kubeconfigIsPrivateAndComplete()
    {
        QFile f(m_host.kubeconfigPath());
        QCOMPARE(f.permissions()
                & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup | QFileDevice::WriteOther),
            QFileDevice::Permissions());
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(f.readAll());
        QVERIFY(text.contains(QStringLiteral("server: ") + m_host.kubeUrl().toString()));
        QVERIFY(text.contains(QStringLiteral("namespace: production")));
        QVERIFY(text.contains(QStringLiteral("current-context: ") + m_host.contextName()));
        QCOMPARE(m_host.namespaceName(), QStringLiteral("production"));
    }

    void authentication()
    {
        QCOMPARE(test::httpRequest(
                     m_http.kube, "GET", "/api/v1/namespaces/production/pods", "Authorization: Bearer wrong\r\n")
                     .status,
            401);
        const Reply denied = test::httpRequest(m_http.kube, "GET", "/version", "Authorization: Basic Zm9vOmJhcg==\r\n");
        QCOMPARE(denied.status, 401);
        QCOMPARE_JSON(denied.doc()["kind"], "Status");
        QCOMPARE_JSON(denied.doc()["reason"], "Unauthorized");
        // Plain http: kubectl sends no credentials at all, and must still work.
        QCOMPARE(test::httpRequest(m_http.kube, "GET", "/version").status, 200);
        QCOMPARE_JSON(kube("/version").doc()["gitVersion"], "v1.32.0");
    }

    void discovery()
    {
        const json api = kube("/api").doc();
        QCOMPARE_JSON(api["kind"], "APIVersions");
        const json groups = kube("/apis").doc();
        QCOMPARE_JSON(groups["kind"], "APIGroupList");
        std::set<std::string> names;
        for (const auto& g : groups["groups"])
            names.insert(g["name"].get<std::string>());
        QVERIFY(names.count("apps") && names.count("metrics.k8s.io") && names.count("events.k8s.io"));
        for (const QByteArray path :
            { "/api/v1", "/apis/apps/v1", "/apis/metrics.k8s.io/v1beta1", "/apis/events.k8s.io/v1" }) {
            const json list = kube(path).doc();
            QCOMPARE_JSON(list["kind"], "APIResourceList");
            QVERIFY(!list["resources"].empty());
        }
    }

    void labelSelectors_data()
    {
        QTest::addColumn<QString>("selector");
        QTest::addColumn<int>("pods"); // -1: 400 Bad Request
        QTest::newRow("equals") << "app=checkout" << 3;
        QTest::newRow("double equals") << "app==catalog" << 2;
        QTest::newRow("not equals") << "app!=checkout" << 4;
        QTest::newRow("in") << "app in (payments,catalog)" << 4;
        QTest::newRow("notin") << "app notin (checkout)" << 4;
        QTest::newRow("exists") << "team" << 7;
        QTest::newRow("does not exist") << "!team" << 0;
        QTest::newRow("and") << "app=checkout,team=checkout" << 3;
        QTest::newRow("none match") << "app=checkout,team=payments" << 0;
        QTest::newRow("unterminated set") << "app in (a" << -1;
        QTest::newRow("bad key") << "a b=c" << -1;
    }
    void labelSelectors()
    {
        QFETCH(QString, selector);
        QFETCH(int, pods);
        const Reply r = kube("/api/v1/namespaces/production/pods?labelSelector=" + encode(selector));
        if (pods < 0) {
            QCOMPARE(r.status, 400);
            QCOMPARE_JSON(r.doc()["kind"], "Status");
            QCOMPARE_JSON(r.doc()["reason"], "BadRequest");
            return;
        }
        QCOMPARE(r.status, 200);
        QCOMPARE_JSON(r.doc()["kind"], "PodList");
        QCOMPARE_JSON(int(r.doc()["items"].size()), pods);
        // metrics.k8s.io filters by the same labels (kubectl top -l).
        const Reply m
            = kube("/apis/metrics.k8s.io/v1beta1/namespaces/production/pods?labelSelector=" + encode(selector));
        QCOMPARE_JSON(int(m.doc()["items"].size()), pods);
    }

    void eventFieldSelectors_data()
    {
        const ServedKubeObjects objects(m_model);
        const auto events = objects.events(kNow);
        const int ooms = int(m_model.oomKillsBetween(kNow - ServedKubeObjects::kEventTtlMs, kNow).size());
        QVERIFY(ooms >= 3);
        const std::string pod = m_model.pods().front().name;
        int podEvents = 0;
        int warnings = 0;
        for (const auto& e : events) {
            podEvents += e["involvedObject"]["name"] == pod ? 1 : 0;
            warnings += e["type"] == "Warning" ? 1 : 0;
        }
        QTest::addColumn<QString>("selector");
        QTest::addColumn<int>("count"); // -1: 400
        QTest::newRow("reason") << "reason=OOMKilling" << ooms;
        QTest::newRow("kind") << "involvedObject.kind=Node" << ooms;
        QTest::newRow("kind and reason") << "involvedObject.kind==Node,reason=OOMKilling" << ooms;
        QTest::newRow("not node") << "involvedObject.kind!=Node" << int(events.size()) - ooms;
        QTest::newRow("pod") << QString::fromStdString("involvedObject.name=" + pod) << podEvents;
        QTest::newRow("type") << "type=Warning" << warnings;
        QTest::newRow("source") << "source=kernel-monitor" << ooms;
        QTest::newRow("unsupported") << "spec.foo=bar" << -1;
        QTest::newRow("no operator") << "reason" << -1;
    }
    void eventFieldSelectors()
    {
        QFETCH(QString, selector);
        QFETCH(int, count);
        const Reply r = kube("/api/v1/namespaces/production/events?fieldSelector=" + encode(selector));
        if (count < 0) {
            QCOMPARE(r.status, 400);
            QCOMPARE_JSON(r.doc()["code"], 400);
            return;
        }
        QCOMPARE(r.status, 200);
        QCOMPARE_JSON(int(r.doc()["items"].size()), count);
        for (const auto& e : r.doc()["items"])
            if (selector.startsWith(QLatin1String("reason=")))
                QVERIFY(e["message"].get<std::string>().starts_with("Memory cgroup out of memory: Killed process"));
    }

    void podsAsTable()
    {
        const QByteArray accept = "Accept: application/json;as=Table;v=v1;g=meta.k8s.io,application/json\r\n";
        const json t = kube("/api/v1/namespaces/production/pods", accept).doc();
        QCOMPARE_JSON(t["kind"], "Table");
        QStringList columns;
        for (const auto& c : t["columnDefinitions"])
            if (c["priority"] == 0)
                columns << QString::fromStdString(c["name"].get<std::string>());
        QCOMPARE(columns, QStringList({ "Name", "Ready", "Status", "Restarts", "Age" }));
        QCOMPARE(t["rows"].size(), std::size_t(7));
        for (const auto& row : t["rows"]) {
            QCOMPARE(row["cells"].size(), t["columnDefinitions"].size());
            QCOMPARE_JSON(row["object"]["kind"], "PartialObjectMetadata");
            const std::string name = row["cells"][0].get<std::string>();
            const std::string restarts = row["cells"][3].get<std::string>();
            if (name.starts_with("checkout-"))
                QVERIFY2(restarts.find(" ago)") != std::string::npos, restarts.c_str());
            if (name.starts_with("payments-"))
                QCOMPARE(restarts, std::string("0"));
            QCOMPARE_JSON(row["cells"][4], "8d");
        }
        const json full = kube("/api/v1/namespaces/production/pods?includeObject=Object", accept).doc();
        QCOMPARE_JSON(full["rows"][0]["object"]["kind"], "Pod");
        QVERIFY(full["rows"][0]["object"]["status"].contains("containerStatuses"));
        const json none = kube("/api/v1/namespaces/production/pods?includeObject=None", accept).doc();
        QVERIFY(!none["rows"][0].contains("object"));
    }

    void eventsAsTable()
    {
        const QByteArray accept = "Accept: application/json;as=Table;v=v1;g=meta.k8s.io,application/json\r\n";
        const json t = kube(
            "/api/v1/namespaces/production/events?fieldSelector=reason%3DOOMKilling&includeObject=Object", accept)
                           .doc();
        QStringList columns;
        for (const auto& c : t["columnDefinitions"])
            if (c["priority"] == 0)
                columns << QString::fromStdString(c["name"].get<std::string>());
        QCOMPARE(columns, QStringList({ "Last Seen", "Type", "Reason", "Object", "Message" }));
        QVERIFY(t["rows"].size() >= 3);
        for (const auto& row : t["rows"]) {
            QCOMPARE_JSON(row["cells"][1], "Warning");
            QCOMPARE_JSON(row["cells"][2], "OOMKilling");
            QVERIFY(row["cells"][3].get<std::string>().starts_with("node/prod-worker-"));
            QVERIFY(row["object"].contains("lastTimestamp")); // kubectl --sort-by=.lastTimestamp
        }
    }

    // events.k8s.io/v1 Events print with the same columns (`kubectl get events.v1.events.k8s.io`).
    void eventsV1AsTable()
    {
        const QByteArray accept = "Accept: application/json;as=Table;v=v1;g=meta.k8s.io,application/json\r\n";
        const Reply r
            = kube("/apis/events.k8s.io/v1/namespaces/production/events?fieldSelector=reason%3DOOMKilling", accept);
        QCOMPARE(r.status, 200);
        const json t = r.doc();
        QCOMPARE_JSON(t["kind"], "Table");
        QVERIFY(t["rows"].size() >= 3);
        for (const auto& row : t["rows"]) {
            QCOMPARE_JSON(row["cells"][1], "Warning");
            QCOMPARE_JSON(row["cells"][2], "OOMKilling");
            QVERIFY(row["cells"][3].get<std::string>().starts_with("node/prod-worker-"));
            QVERIFY(row["cells"][6].get<std::string>().starts_with("Memory cgroup out of memory"));
        }
    }

    void nodeMetricsIncludeTheirPods()
    {
        const json nodes = kube("/apis/metrics.k8s.io/v1beta1/nodes").doc();
        QCOMPARE_JSON(nodes["kind"], "NodeMetricsList");
        QCOMPARE(nodes["items"].size(), m_model.nodes().size());
        const json pods = kube("/apis/metrics.k8s.io/v1beta1/namespaces/production/pods").doc();
        auto kib = [](const json& q) { return std::stoll(q.get<std::string>()); }; // "123Ki"
        long long podTotal = 0;
        for (const auto& p : pods["items"])
            podTotal += kib(p["containers"][0]["usage"]["memory"]);
        long long nodeTotal = 0;
        for (const auto& n : nodes["items"]) {
            QVERIFY(n["usage"]["memory"].get<std::string>().ends_with("Ki"));
            nodeTotal += kib(n["usage"]["memory"]);
        }
        // Nodes carry their pods plus about 1.3Gi of system overhead each.
        QVERIFY(nodeTotal > podTotal + 3LL * 1024 * 1024);
        QVERIFY(nodeTotal < podTotal + 3LL * 1536 * 1024);
    }

    void podStatusIsRealistic()
    {
        const std::string name = m_model.pods().front().name; // a checkout pod
        const Reply r = kube(QByteArray("/api/v1/namespaces/production/pods/") + name.c_str());
        QCOMPARE(r.status, 200);
        const json pod = r.doc();
        QCOMPARE_JSON(pod["kind"], "Pod");
        const json& cs = pod["status"]["containerStatuses"][0];
        QVERIFY(cs["restartCount"].get<int>() > 100);
        QCOMPARE_JSON(cs["lastState"]["terminated"]["reason"], "OOMKilled");
        QCOMPARE_JSON(cs["lastState"]["terminated"]["exitCode"], 137);
        QVERIFY(cs["lastState"]["terminated"].contains("finishedAt"));
        QCOMPARE_JSON(pod["spec"]["containers"][0]["resources"]["limits"]["memory"], "2Gi");
        QCOMPARE_JSON(pod["metadata"]["ownerReferences"][0]["kind"], "ReplicaSet");
        QVERIFY(!pod["spec"]["nodeName"].get<std::string>().empty());
    }

    void statusErrors_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("reason");
        QTest::newRow("missing pod") << QByteArray("GET") << QByteArray("/api/v1/namespaces/production/pods/nope")
                                     << 404 << "NotFound";
        QTest::newRow("missing deployment")
            << QByteArray("GET") << QByteArray("/apis/apps/v1/namespaces/production/deployments/nope") << 404
            << "NotFound";
        QTest::newRow("unknown resource")
            << QByteArray("GET") << QByteArray("/api/v1/namespaces/production/secrets") << 404 << "NotFound";
        QTest::newRow("unknown group") << QByteArray("GET") << QByteArray("/apis/widgets.example.io/v1") << 404 << "NotFound";
        QTest::newRow("write") << QByteArray("DELETE")
                               << QByteArray("/apis/apps/v1/namespaces/production/deployments/checkout") << 405
                               << "MethodNotAllowed";
        QTest::newRow("delete of a pod that is not there")
            << QByteArray("DELETE") << QByteArray("/api/v1/namespaces/production/pods/x") << 404 << "NotFound";
    }
    void statusErrors()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, target);
        QFETCH(int, code);
        QFETCH(QString, reason);
        const Reply r = test::httpRequest(m_http.kube, method, target, m_http.auth);
        QCOMPARE(r.status, code);
        const json s = r.doc();
        QCOMPARE_JSON(s["kind"], "Status");
        QCOMPARE_JSON(s["status"], "Failure");
        QCOMPARE_JSON(s["code"], code);
        QCOMPARE(QString::fromStdString(s["reason"].get<std::string>()), reason);
        QVERIFY(!s["message"].get<std::string>().empty());
    }

    void paging()
    {
        const json first = kube("/api/v1/namespaces/production/pods?limit=3").doc();
        QCOMPARE(first["items"].size(), std::size_t(3));
        QCOMPARE_JSON(first["metadata"]["remainingItemCount"], 4);
        const std::string token = first["metadata"]["continue"].get<std::string>();
        const json second
            = kube("/api/v1/namespaces/production/pods?limit=10&continue=" + encode(QString::fromStdString(token)))
                  .doc();
        QCOMPARE(second["items"].size(), std::size_t(4));
        QVERIFY(!second["metadata"].contains("continue"));
        QCOMPARE(kube("/api/v1/namespaces/production/pods?continue=garbage").status, 400);
    }

    void keepAliveAndPipelining()
    {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, m_http.kube);
        QVERIFY(s.waitForConnected(5000));
        // Two requests in one write: both answered, in order, on the same connection.
        s.write("GET /version HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v1/namespaces/production/pods/nope HTTP/1.1\r\nHost: "
                "x\r\n\r\n");
        QByteArray data;
        Reply a, b;
        qsizetype used = 0;
        while ((used = test::parseHttpReply(data, a)) == 0 && s.waitForReadyRead(5000))
            data += s.readAll();
        data = data.mid(used);
        while (test::parseHttpReply(data, b) == 0 && s.waitForReadyRead(5000))
            data += s.readAll();
        QCOMPARE(a.status, 200);
        QCOMPARE(b.status, 404);
        QCOMPARE(s.state(), QAbstractSocket::ConnectedState);
        // A head that never ends is refused rather than buffered without bound.
        s.write("GET /version HTTP/1.1\r\nX-Long: " + QByteArray(70 * 1024, 'a'));
        QVERIFY(s.waitForDisconnected(5000) || s.state() != QAbstractSocket::ConnectedState);
    }

    // A watch is a chunked body of newline-delimited WatchEvents; when the server ends it
    // (timeoutSeconds) the connection serves the request that waited behind it.
    void watchIsChunkedAndKeepsTheConnection()
    {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, m_http.kube);
        QVERIFY(s.waitForConnected(5000));
        s.write("GET /api/v1/namespaces/production/pods?watch=1&timeoutSeconds=1&allowWatchBookmarks=true HTTP/1.1\r\n"
                "Host: x\r\n"
            + m_http.auth + "\r\nGET /version HTTP/1.1\r\nHost: x\r\n" + m_http.auth + "\r\n");
        QByteArray data;
        qsizetype headEnd = -1;
        while ((headEnd = data.indexOf("\r\n\r\n")) < 0 && s.waitForReadyRead(5000))
            data += s.readAll();
        QVERIFY(headEnd > 0);
        const QByteArray head = data.left(headEnd).toLower();
        QVERIFY2(head.startsWith("http/1.1 200"), head.constData());
        QVERIFY(head.contains("transfer-encoding: chunked"));
        QVERIFY(!head.contains("content-length"));
        data = data.mid(headEnd + 4);
        // Chunks until the zero-length one.
        QByteArray body;
        bool ended = false;
        while (!ended) {
            const qsizetype lineEnd = data.indexOf("\r\n");
            bool ok = false;
            const qsizetype size = lineEnd < 0 ? -1 : data.left(lineEnd).toLongLong(&ok, 16);
            if (lineEnd >= 0 && ok && data.size() >= lineEnd + 2 + size + 2) {
                QCOMPARE(data.mid(lineEnd + 2 + size, 2), QByteArray("\r\n"));
                body += data.mid(lineEnd + 2, size);
                data = data.mid(lineEnd + 2 + size + 2);
                ended = size == 0;
                continue;
            }
            QVERIFY2(s.waitForReadyRead(5000), "the watch must end after timeoutSeconds");
            data += s.readAll();
        }
        QVERIFY(body.endsWith('\n'));
        int added = 0;
        int bookmarks = 0;
        for (const QByteArray& line : body.split('\n')) {
            if (line.isEmpty())
                continue;
            const auto e = nlohmann::json::parse(line.toStdString());
            const std::string type = e["type"];
            added += type == "ADDED" ? 1 : 0;
            bookmarks += type == "BOOKMARK" ? 1 : 0;
            if (type == "ADDED")
                QCOMPARE(QString::fromStdString(e["object"].value("kind", "")), QStringLiteral("Pod"));
        }
        QCOMPARE(added, 7); // no resourceVersion: the current state first
        QCOMPARE(bookmarks, 1); // the one before the server ends the watch
        Reply v;
        while (test::parseHttpReply(data, v) == 0 && s.waitForReadyRead(5000))
            data += s.readAll();
        QCOMPARE(v.status, 200);
        QVERIFY(v.body.contains("gitVersion"));

        // Things that cannot be watched, or asked wrongly, are refused before any stream starts.
        QCOMPARE(kube("/apis/metrics.k8s.io/v1beta1/namespaces/production/pods?watch=true").status, 405);
        QCOMPARE(kube("/api/v1/namespaces/production/pods?watch=true&resourceVersion=abc").status, 400);
        QCOMPARE(kube("/api/v1/namespaces/production/events?watch=true&fieldSelector=bogus%3D1").status, 400);
    }

    // The "watch list" of client-go's WatchListClient: the current objects as ADDED, then a
    // BOOKMARK annotated as the end of the initial events.
    void watchWithInitialEvents()
    {
        // With Connection: close the body is not chunked: it ends when the server closes.
        QTcpSocket sock;
        sock.connectToHost(QHostAddress::LocalHost, m_http.kube);
        QVERIFY(sock.waitForConnected(5000));
        sock.write("GET /api/v1/namespaces/production/pods?watch=1&sendInitialEvents=true&allowWatchBookmarks=true"
                   "&resourceVersionMatch=NotOlderThan&timeoutSeconds=1&labelSelector=app%3Dcatalog HTTP/1.1\r\n"
                   "Host: x\r\nConnection: close\r\n"
            + m_http.auth + "\r\n");
        QByteArray data;
        while (sock.state() == QAbstractSocket::ConnectedState && sock.waitForReadyRead(5000))
            data += sock.readAll();
        data += sock.readAll();
        const qsizetype headEnd = data.indexOf("\r\n\r\n");
        QVERIFY(headEnd > 0);
        QVERIFY(data.startsWith("HTTP/1.1 200"));
        QVERIFY(!data.left(headEnd).toLower().contains("chunked"));
        std::vector<json> events;
        for (const QByteArray& line : data.mid(headEnd + 4).split('\n'))
            if (!line.isEmpty())
                events.push_back(json::parse(line.toStdString()));
        QVERIFY(events.size() >= 3);
        QCOMPARE_JSON(events[0]["type"], "ADDED");
        QCOMPARE_JSON(events[1]["type"], "ADDED");
        QCOMPARE_JSON(events[0]["object"]["metadata"]["labels"]["app"], "catalog");
        QCOMPARE_JSON(events[2]["type"], "BOOKMARK");
        QCOMPARE_JSON(events[2]["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"], "true");
        QCOMPARE_JSON(events[2]["object"]["kind"], "Pod");
    }

    void prometheusAnswersTheCatalogue()
    {
        const prometheus::QueryCatalogue catalogue;
        const std::string q = catalogue.build(
            prometheus::QueryKind::MemoryWorkingSet, { "production", prometheus::podRegexForWorkload("checkout") });
        const QByteArray range = "query=" + encode(QString::fromStdString(q))
            + "&start=" + QByteArray::number((kNow - kHourMs) / 1000) + "&end=2026-03-10T14:23:45Z&step=";
        const Reply viaGet = test::httpRequest(m_http.prometheus, "GET", "/api/v1/query_range?" + range + "30s");
        QCOMPARE(viaGet.status, 200);
        const json doc = viaGet.doc();
        QCOMPARE_JSON(doc["status"], "success");
        QCOMPARE_JSON(doc["data"]["resultType"], "matrix");
        QCOMPARE(doc["data"]["result"].size(), std::size_t(3));
        const json& values = doc["data"]["result"][0]["values"];
        QCOMPARE(values.size(), std::size_t(121));
        QVERIFY(values[0][0].is_number());
        QVERIFY(values[0][1].is_string());
        // POST form-encoded with a numeric step gives the same answer.
        const Reply viaPost = test::httpRequest(m_http.prometheus, "POST", "/api/v1/query_range",
            "Content-Type: application/x-www-form-urlencoded\r\n", range + "30");
        QCOMPARE(viaPost.body, viaGet.body);

        const Reply instant
            = test::httpRequest(m_http.prometheus, "GET", "/api/v1/query?query=" + encode(QString::fromStdString(q)));
        QCOMPARE_JSON(instant.doc()["data"]["resultType"], "vector");
        QCOMPARE(instant.doc()["data"]["result"].size(), std::size_t(3));
        QCOMPARE_JSON(
            test::httpRequest(m_http.prometheus, "GET", "/api/v1/status/buildinfo").doc()["data"]["version"], "2.42.0");
    }

    void prometheusErrors_data()
    {
        QTest::addColumn<QByteArray>("target");
        // `up` is answered (the first query anyone sends); other PromQL outside the catalogue is not.
        QTest::newRow("not in the catalogue") << QByteArray("/api/v1/query?query=node_load1");
        QTest::newRow("no query") << QByteArray("/api/v1/query");
        QTest::newRow("bad time") << QByteArray("/api/v1/query?query=up&time=yesterday");
        QTest::newRow("bad step") << QByteArray("/api/v1/query_range?query=x&start=1&end=2&step=fast");
        QTest::newRow("end before start") << QByteArray("/api/v1/query_range?query=x&start=10&end=2&step=1");
        QTest::newRow("series without match") << QByteArray("/api/v1/series");
    }
    void prometheusErrors()
    {
        QFETCH(QByteArray, target);
        const Reply r = test::httpRequest(m_http.prometheus, "GET", target);
        QCOMPARE(r.status, 400);
        const json e = r.doc();
        QCOMPARE_JSON(e["status"], "error");
        QCOMPARE_JSON(e["errorType"], "bad_data");
        QVERIFY(!e["error"].get<std::string>().empty());
    }

    void cleanupTestCase()
    {
        const QString path = m_host.kubeconfigPath();
        m_host.stop();
        QVERIFY2(!QFile::exists(path), "the temporary kubeconfig must be removed on stop");
    }
};

QTEST_GUILESS_MAIN(TestSandboxHttp)
#include "tst_sandbox_http.moc"
