// KubeClient::watch against the in-process sandbox: events follow the model as its clock moves
// (OOM kills restart checkout's pods, a patched template rolls new ones), bookmarks, the server
// ending streams (timeoutSeconds) and the client carrying on, 410 Gone answered by a new list,
// selectors, and cancel() that stops the callbacks.

#include "SandboxCluster.h"
#include "WaitForResult.h"
#include "core/kube/KubeClient.h"
#include "core/kube/KubePaths.h"
#include "core/sandbox/SandboxHost.h"

#include <QDateTime>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::kube;
using nlohmann::json;
using Type = KubeClient::WatchEvent::Type;

namespace {

const QString kNs = QStringLiteral("production");
constexpr qint64 kMinute = 60 * 1000;

// Everything one watch delivered, in order.
struct Recorder {
    std::vector<KubeClient::WatchEvent> events;
    std::optional<Error> error;

    int count(Type t) const
    {
        return static_cast<int>(
            std::count_if(events.begin(), events.end(), [t](const auto& e) { return e.type == t; }));
    }
    std::vector<const KubeClient::WatchEvent*> changes() const
    {
        std::vector<const KubeClient::WatchEvent*> out;
        for (const auto& e : events)
            if (e.type == Type::Added || e.type == Type::Modified || e.type == Type::Deleted)
                out.push_back(&e);
        return out;
    }
};

long long rvOf(const std::string& rv)
{
    return std::atoll(rv.c_str());
}

} // namespace

class TestKubeWatch : public QObject {
    Q_OBJECT
    test::SandboxCluster m_cluster;

    KubeCall watch(const QString& path, KubeClient::WatchOptions options, Recorder& rec, QObject* context = nullptr)
    {
        return m_cluster.client->watch(
            path, options, context, [&rec](const KubeClient::WatchEvent& e) { rec.events.push_back(e); },
            [&rec](const Error& e) { rec.error = e; });
    }

private Q_SLOTS:
    void initTestCase()
    {
        const auto started = m_cluster.start(test::SandboxCluster::pinnedNow());
        QVERIFY2(started.ok(), started.ok() ? "" : started.error().message.c_str());
    }

    // OOM kills restart checkout's containers as the clock moves: the watch sees the same pods
    // MODIFIED, with a higher restartCount and ever larger resourceVersions.
    void podRestartsArriveAsModified()
    {
        Recorder rec;
        KubeCall call = watch(paths::pods(kNs), { QStringLiteral("app=checkout"), {}, {}, true, 300 }, rec);
        QTRY_COMPARE_WITH_TIMEOUT(rec.count(Type::Listed), 1, 10000);
        const json list = rec.events.front().object;
        QCOMPARE(QString::fromStdString(list.value("kind", "")), QStringLiteral("PodList"));
        QVERIFY(!list["items"].empty());
        std::map<std::string, int> restarts;
        for (const json& pod : list["items"])
            restarts[pod["metadata"]["name"]] = pod["status"]["containerStatuses"][0]["restartCount"];

        m_cluster.host.advanceClock(60 * kMinute);
        QTRY_VERIFY_WITH_TIMEOUT(!rec.changes().empty(), 10000);
        QVERIFY(!rec.error);
        long long last = rvOf(rec.events.front().resourceVersion);
        bool restarted = false;
        for (const auto* e : rec.changes()) {
            QCOMPARE(
                QString::fromStdString(e->object["metadata"]["labels"].value("app", "")), QStringLiteral("checkout"));
            const long long rv = rvOf(e->object["metadata"].value("resourceVersion", ""));
            QVERIFY2(rv > last, "resourceVersions of watch events must increase");
            last = rv;
            const std::string name = e->object["metadata"]["name"];
            if (e->type == Type::Modified && restarts.count(name)
                && e->object["status"]["containerStatuses"][0]["restartCount"].get<int>() > restarts[name])
                restarted = true;
        }
        QVERIFY2(restarted, "an hour of checkout's leak must restart one of its pods (OOMKilled)");
        call.cancel();
    }

    // A patched pod template rolls new pods: the pods watch sees them ADDED (new template hash)
    // and the old ones DELETED; the deployments watch sees the new env.
    void rolloutArrivesAsAddedAndDeleted()
    {
        Recorder pods;
        Recorder deployments;
        KubeCall podCall = watch(paths::pods(kNs), {}, pods);
        KubeCall deployCall = watch(
            paths::deployments(kNs), { {}, QStringLiteral("metadata.name=catalog"), {}, true, 300 }, deployments);
        QTRY_VERIFY_WITH_TIMEOUT(pods.count(Type::Listed) == 1 && deployments.count(Type::Listed) == 1, 10000);
        QCOMPARE(deployments.events.front().object["items"].size(), std::size_t(1));

        const json patch = { { "spec",
            { { "template",
                { { "spec",
                    { { "containers",
                        json::array({ { { "name", "catalog" },
                            { "env",
                                json::array({ { { "name", "WATCH_TEST" }, { "value", "1" } } }) } } }) } } } } } } } };
        auto patched = test::waitForResult<KubeClient::PatchedDeployment>([&](auto cb) {
            return m_cluster.client->patchDeployment(
                kNs, QStringLiteral("catalog"), patch, KubeClient::PatchType::StrategicMerge, {}, nullptr, cb);
        });
        QVERIFY2(patched.ok(), patched.ok() ? "" : patched.error().message.c_str());
        const std::string hash
            = patched->object["spec"]["template"]["metadata"]["labels"].value("pod-template-hash", "");

        QTRY_VERIFY_WITH_TIMEOUT(!deployments.changes().empty(), 10000);
        const json& d = deployments.changes().front()->object;
        QCOMPARE(QString::fromStdString(d["metadata"]["name"]), QStringLiteral("catalog"));
        QVERIFY(d["spec"]["template"].dump().find("WATCH_TEST") != std::string::npos);

        // The first new pod is created at once; the rest follow as each becomes ready.
        auto sawAdded = [&] {
            for (const auto* e : pods.changes())
                if (e->type == Type::Added && e->object["metadata"]["labels"].value("app", "") == "catalog")
                    return true;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(sawAdded(), 10000);
        // Ready 24 s after its creation, the new pod replaces an old one: first Terminating
        // (deletionTimestamp), then gone.
        m_cluster.host.advanceClock(24 * 1000);
        auto terminating = [&]() -> std::string {
            for (const auto* e : pods.changes())
                if (e->type == Type::Modified && e->object["metadata"].contains("deletionTimestamp"))
                    return e->object["metadata"]["name"];
            return {};
        };
        QTRY_VERIFY_WITH_TIMEOUT(!terminating().empty(), 10000);
        QCOMPARE(pods.count(Type::Deleted), 0);
        m_cluster.host.advanceClock(3 * kMinute);
        QTRY_VERIFY_WITH_TIMEOUT(pods.count(Type::Deleted) >= 1, 10000);
        bool deletedTheTerminatingOne = false;
        for (const auto* e : pods.changes())
            deletedTheTerminatingOne = deletedTheTerminatingOne
                || (e->type == Type::Deleted && e->object["metadata"]["name"] == terminating());
        QVERIFY(deletedTheTerminatingOne);
        for (const auto* e : pods.changes()) {
            const json& labels = e->object["metadata"]["labels"];
            if (e->type == Type::Added && labels.value("app", "") == "catalog" && !hash.empty())
                QCOMPARE(QString::fromStdString(labels.value("pod-template-hash", "")), QString::fromStdString(hash));
            if (e->type == Type::Deleted)
                QCOMPARE(QString::fromStdString(labels.value("app", "")), QStringLiteral("catalog"));
        }
        QVERIFY(!pods.error && !deployments.error);
        podCall.cancel();
        deployCall.cancel();
    }

    // Each stream ends after timeoutSeconds with a bookmark; the client watches on from it, so
    // bookmarks keep coming without a new list.
    void bookmarksAndReconnectAfterTimeout()
    {
        Recorder rec;
        KubeCall call = watch(paths::events(kNs), { {}, {}, {}, true, 1 }, rec);
        QTRY_VERIFY_WITH_TIMEOUT(rec.count(Type::Bookmark) >= 3, 15000);
        QCOMPARE(rec.count(Type::Listed), 1);
        QVERIFY(!rec.error);
        long long last = 0;
        for (const auto& e : rec.events) {
            if (e.type != Type::Bookmark)
                continue;
            QCOMPARE(QString::fromStdString(e.object.value("kind", "")), QStringLiteral("Event"));
            QVERIFY(rvOf(e.resourceVersion) >= last);
            last = rvOf(e.resourceVersion);
        }
        call.cancel();
    }

    // The server's own answer to a resourceVersion it no longer has: HTTP 200, then an ERROR
    // event holding a 410 Status.
    void tooOldResourceVersionIsGone()
    {
        QUrlQuery q;
        q.addQueryItem(QStringLiteral("watch"), QStringLiteral("true"));
        q.addQueryItem(QStringLiteral("resourceVersion"), QStringLiteral("1"));
        q.addQueryItem(QStringLiteral("timeoutSeconds"), QStringLiteral("5"));
        auto r = test::waitForResult<json>(
            [&](auto cb) { return m_cluster.client->getJson(paths::pods(kNs), q, nullptr, cb); });
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(QString::fromStdString(r->value("type", "")), QStringLiteral("ERROR"));
        QCOMPARE((*r)["object"].value("code", 0), 410);
        QCOMPARE(QString::fromStdString((*r)["object"].value("reason", "")), QStringLiteral("Expired"));
        QVERIFY((*r)["object"].value("message", "").find("too old resource version") != std::string::npos);
    }

    // A client that comes back after the server has dropped the events since its resourceVersion
    // lists again and watches on from the new list.
    void goneRelistsAndWatchesOn()
    {
        auto first = test::waitForResult<ParsedList<Pod>>(
            [&](auto cb) { return m_cluster.client->listPods(kNs, {}, nullptr, cb); });
        QVERIFY(first.ok());
        const std::string stale = first->resourceVersion;
        // Two lists an hour apart: the changes of the first hour are recorded, then expire.
        m_cluster.host.advanceClock(60 * kMinute);
        QVERIFY(test::waitForResult<ParsedList<Pod>>([&](auto cb) {
            return m_cluster.client->listPods(kNs, {}, nullptr, cb);
        }).ok());
        m_cluster.host.advanceClock(60 * kMinute);
        QVERIFY(test::waitForResult<ParsedList<Pod>>([&](auto cb) {
            return m_cluster.client->listPods(kNs, {}, nullptr, cb);
        }).ok());

        Recorder rec;
        KubeCall call = watch(paths::pods(kNs), { {}, {}, QString::fromStdString(stale), true, 300 }, rec);
        QTRY_COMPARE_WITH_TIMEOUT(rec.count(Type::Listed), 1, 10000);
        QVERIFY(!rec.error);
        QVERIFY2(rec.changes().empty(), "nothing may be delivered from a resourceVersion the server no longer has");
        QVERIFY(rvOf(rec.events.front().resourceVersion) > rvOf(stale));
        // ... and watches on: the next hour's restarts arrive.
        m_cluster.host.advanceClock(60 * kMinute);
        QTRY_VERIFY_WITH_TIMEOUT(!rec.changes().empty(), 10000);
        QCOMPARE(rec.count(Type::Listed), 1);
        call.cancel();
    }

    void cancelStopsCallbacks()
    {
        Recorder rec;
        KubeCall call = watch(paths::pods(kNs), { {}, {}, {}, true, 1 }, rec);
        QTRY_COMPARE_WITH_TIMEOUT(rec.count(Type::Listed), 1, 10000);
        call.cancel();
        const std::size_t seen = rec.events.size();
        m_cluster.host.advanceClock(60 * kMinute);
        QTest::qWait(3000); // three server polls and three stream timeouts
        QCOMPARE(rec.events.size(), seen);
        QVERIFY(!rec.error);
    }

    void contextGoneStopsCallbacks()
    {
        Recorder rec;
        auto context = std::make_unique<QObject>();
        watch(paths::pods(kNs), { {}, {}, {}, true, 1 }, rec, context.get());
        QTRY_COMPARE_WITH_TIMEOUT(rec.count(Type::Listed), 1, 10000);
        context.reset();
        const std::size_t seen = rec.events.size();
        m_cluster.host.advanceClock(60 * kMinute);
        QTest::qWait(2500);
        QCOMPARE(rec.events.size(), seen);
    }

    // The same stream over https (SandboxOptions::tls, a token in the kubeconfig): chunks through
    // TLS, and the reconnects after each timeoutSeconds too.
    void watchOverTls()
    {
        test::SandboxCluster tls;
        sandbox::SandboxOptions options;
        options.tls = true;
        const auto started = tls.start(test::SandboxCluster::pinnedNow(options));
        QVERIFY2(started.ok(), started.ok() ? "" : started.error().message.c_str());
        sandbox::SandboxHost& tlsSandbox = tls.host;
        QCOMPARE(tlsSandbox.kubeUrl().scheme(), QStringLiteral("https"));
        auto& client = tls.client;
        QVERIFY(client->tlsVerified());

        Recorder rec;
        KubeCall call = client->watch(
            paths::pods(kNs), { QStringLiteral("app=checkout"), {}, {}, true, 1 }, nullptr,
            [&rec](const KubeClient::WatchEvent& e) { rec.events.push_back(e); },
            [&rec](const Error& e) { rec.error = e; });
        QTRY_COMPARE_WITH_TIMEOUT(rec.count(Type::Listed), 1, 15000);
        QTRY_VERIFY_WITH_TIMEOUT(rec.count(Type::Bookmark) >= 2, 15000);
        tlsSandbox.advanceClock(60 * kMinute);
        QTRY_VERIFY_WITH_TIMEOUT(!rec.changes().empty(), 10000);
        QVERIFY2(!rec.error, rec.error ? rec.error->message.c_str() : "");
        QCOMPARE(rec.count(Type::Listed), 1);
        call.cancel();
    }

    void badSelectorEndsWithError()
    {
        Recorder rec;
        watch(paths::pods(kNs), { {}, QStringLiteral("spec.bogus=1"), {}, true, 300 }, rec);
        QTRY_VERIFY_WITH_TIMEOUT(rec.error.has_value(), 10000);
        QVERIFY(rec.events.empty());
        QVERIFY2(rec.error->message.find("spec.bogus") != std::string::npos, rec.error->message.c_str());
    }
};

QTEST_MAIN(TestKubeWatch)
#include "tst_kube_watch.moc"
