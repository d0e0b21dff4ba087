// List paging (limit/continue) with more pods than a page holds: the sandbox with a "batch-worker"
// Deployment of 1,300 pods (SandboxOptions::crowdReplicas). KubeClient must deliver every pod exactly
// once for any page size, and start the list again when the server answers a continued page with
// 410 Expired (its snapshot was compacted), as client-go's pager does. The sandbox must page as the
// API server does: limit, continue, remainingItemCount, one resourceVersion for all pages, pages read
// from the first page's snapshot, 400 for a token it never issued, 410 for an expired one.
#include "SandboxCluster.h"
#include "WaitForResult.h"
#include "core/kube/KubeClient.h"
#include "core/sandbox/kubeapi/KubeApi.h"
#include "core/sandbox/SandboxHost.h"
#include "core/sandbox/model/SandboxModel.h"

#include <QDateTime>
#include <QTest>
#include <QUrl>

#include <nlohmann/json.hpp>

#include <map>
#include <set>

using namespace leakdesk;
using namespace leakdesk::kube;
using nlohmann::json;

namespace {

constexpr int kCrowd = 1300;
constexpr std::size_t kOtherPods = 7; // checkout 3, payments 2, catalog 2

std::unique_ptr<KubeClient> clientFor(const sandbox::SandboxHost& host, int pageSize)
{
    KubeClientOptions options;
    options.pageSize = pageSize;
    auto c = test::SandboxCluster::clientOf(host, {}, options);
    return c ? std::move(*c) : nullptr;
}

Result<ParsedList<Pod>> listPods(KubeClient& c, const QString& selector = {})
{
    return test::waitForResult<ParsedList<Pod>>(
        [&](KubeClient::Callback<ParsedList<Pod>> cb) {
            return c.listPods(QStringLiteral("production"), selector, nullptr, cb);
        },
        120000);
}

sandbox::HttpRequest get(const std::string& target)
{
    sandbox::HttpRequest r;
    r.method = "GET";
    r.target = QByteArray::fromStdString(target);
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos)
        r.query = sandbox::QueryParams::parse(QByteArray::fromStdString(target.substr(q + 1)));
    r.headers = { { "authorization", "Bearer t" } };
    return r;
}

std::string encoded(const std::string& token)
{
    return QUrl::toPercentEncoding(QString::fromStdString(token)).toStdString();
}

} // namespace

class TestKubePaging : public QObject {
    Q_OBJECT
    sandbox::SandboxHost m_sandbox;
    sandbox::SandboxHost m_expiring; // its first 2 continued pages are answered 410
    sandbox::SandboxHost m_alwaysExpiring; // every continued page is answered 410
    qint64 m_now = 0;

private Q_SLOTS:
    void initTestCase()
    {
        m_now = QDateTime::currentMSecsSinceEpoch();
        sandbox::SandboxOptions options;
        options.crowdReplicas = kCrowd;
        options.fixedNowMs = m_now;
        auto st = m_sandbox.start(options);
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().message.c_str());
        options.faults.expireContinue = 2;
        st = m_expiring.start(options);
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().message.c_str());
        options.faults.expireContinue = 1000;
        st = m_alwaysExpiring.start(options);
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().message.c_str());
    }

    void everyPodExactlyOnce_data()
    {
        QTest::addColumn<int>("pageSize");
        QTest::newRow("500 (the default)") << 500;
        QTest::newRow("97: a last page of another size") << 97;
        QTest::newRow("1307: exactly all") << int(kCrowd + kOtherPods);
        QTest::newRow("1306: one left for the second page") << int(kCrowd + kOtherPods - 1);
        QTest::newRow("5000: one page") << 5000;
    }
    void everyPodExactlyOnce()
    {
        QFETCH(int, pageSize);
        auto client = clientFor(m_sandbox, pageSize);
        QVERIFY(client);
        auto pods = listPods(*client);
        QVERIFY2(pods.ok(), pods.ok() ? "" : pods.error().message.c_str());
        QVERIFY(pods->skipped.empty());
        QVERIFY(pods->continueToken.empty()); // the last page's metadata, not a page in between
        std::map<std::string, int> seen;
        for (const Pod& p : pods->items)
            ++seen[p.meta.uid];
        for (const auto& [uid, count] : seen)
            QVERIFY2(count == 1, uid.c_str());
        QCOMPARE(pods->items.size(), kCrowd + kOtherPods);
        QCOMPARE(seen.size(), kCrowd + kOtherPods);
        std::size_t crowd = 0;
        for (const Pod& p : pods->items)
            crowd += p.meta.labels.count("app") && p.meta.labels.at("app") == "batch-worker";
        QCOMPARE(crowd, std::size_t(kCrowd));
    }

    // A label selector is applied before paging: pages of the selected pods only.
    void selectedPodsArePagedToo()
    {
        auto client = clientFor(m_sandbox, 2);
        QVERIFY(client);
        auto pods = listPods(*client, QStringLiteral("app=checkout"));
        QVERIFY2(pods.ok(), pods.ok() ? "" : pods.error().message.c_str());
        QCOMPARE(pods->items.size(), std::size_t(3));
    }

    // 410 on a continued page: the client lists again from the start and still gets each pod once.
    void expiredContinueTokenListsAgain()
    {
        auto client = clientFor(m_expiring, 500);
        QVERIFY(client);
        auto pods = listPods(*client);
        QVERIFY2(pods.ok(), pods.ok() ? "" : pods.error().message.c_str());
        std::set<std::string> uids;
        for (const Pod& p : pods->items)
            uids.insert(p.meta.uid);
        QCOMPARE(pods->items.size(), kCrowd + kOtherPods);
        QCOMPARE(uids.size(), kCrowd + kOtherPods);
    }

    // A server that expires every token: the client gives up after a few new starts, with the 410.
    void alwaysExpiringServerIsAnError()
    {
        auto client = clientFor(m_alwaysExpiring, 500);
        QVERIFY(client);
        auto pods = listPods(*client);
        QVERIFY(!pods.ok());
        QCOMPARE(pods.error().code, ErrorCode::Expired);
        QVERIFY2(pods.error().message.find("410") != std::string::npos, pods.error().message.c_str());
    }

    // The sandbox's side, request by request, as the API server pages.
    void sandboxPagesAsTheApiServer()
    {
        std::int64_t clock = m_now;
        sandbox::SandboxModel model(42, m_now, 30LL * 24 * 3600 * 1000, kCrowd);
        sandbox::KubeApi api(model, "t", [&clock] { return clock; });
        const std::string path = "/api/v1/namespaces/production/pods";
        const sandbox::HttpResponse first = api.handle(get(path + "?limit=500"));
        QCOMPARE(first.status, 200);
        const json page1 = json::parse(first.body.toStdString());
        QCOMPARE(page1["items"].size(), std::size_t(500));
        QCOMPARE(page1["metadata"]["remainingItemCount"].get<std::size_t>(), kCrowd + kOtherPods - 500);
        const std::string rv = page1["metadata"]["resourceVersion"].get<std::string>();
        std::string token = page1["metadata"]["continue"].get<std::string>();
        QVERIFY(!token.empty());

        // Time passes between pages (resourceVersions move on every second): the next pages are
        // still the first page's snapshot and carry its resourceVersion.
        clock += 90 * 1000;
        const json page2
            = json::parse(api.handle(get(path + "?limit=500&continue=" + encoded(token))).body.toStdString());
        QCOMPARE(page2["items"].size(), std::size_t(500));
        QCOMPARE(page2["metadata"]["resourceVersion"].get<std::string>(), rv);
        QCOMPARE(page2["metadata"]["remainingItemCount"].get<std::size_t>(), kCrowd + kOtherPods - 1000);
        token = page2["metadata"]["continue"].get<std::string>();
        const json page3
            = json::parse(api.handle(get(path + "?limit=500&continue=" + encoded(token))).body.toStdString());
        QCOMPARE(page3["items"].size(), kCrowd + kOtherPods - 1000);
        QVERIFY(!page3["metadata"].contains("continue"));
        QVERIFY(!page3["metadata"].contains("remainingItemCount"));
        std::set<std::string> names;
        for (const json* page : { &page1, &page2, &page3 })
            for (const json& item : (*page)["items"])
                names.insert(item["metadata"]["name"].get<std::string>());
        QCOMPARE(names.size(), kCrowd + kOtherPods);

        // A token older than the compaction interval (5 minutes) is 410 Expired, with a Status.
        clock += 5 * 60 * 1000;
        const sandbox::HttpResponse expired = api.handle(get(path + "?limit=500&continue=" + encoded(token)));
        QCOMPARE(expired.status, 410);
        const json status = json::parse(expired.body.toStdString());
        QCOMPARE(status["kind"].get<std::string>(), std::string("Status"));
        QCOMPARE(status["reason"].get<std::string>(), std::string("Expired"));
        QCOMPARE(status["code"].get<int>(), 410);

        // A token the server never issued is 400, not a guess.
        for (const std::string& forged : { std::string("garbage"),
                 QByteArray(R"({"v":"meta.k8s.io/v1","start":3})")
                     .toBase64(QByteArray::Base64UrlEncoding)
                     .toStdString() })
            QCOMPARE(api.handle(get(path + "?limit=500&continue=" + encoded(forged))).status, 400);
    }
};

QTEST_GUILESS_MAIN(TestKubePaging)
#include "tst_kube_paging.moc"
