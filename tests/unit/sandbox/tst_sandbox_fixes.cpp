// Issue 19's sandbox: the clock that runs N times as fast as the wall clock (SandboxClock, read at
// explicit wall times: no timing here), which image tags carry a fix (ImageTags), and what a
// fixed release does to the pods a rollout makes: sim.leakdesk.io/fixed-in.<container> in a
// scenario, and the built-in checkout's 2.14.4 through `kubectl set image`'s PATCH.

#include "core/sandbox/SandboxClock.h"
#include "core/sandbox/kubeapi/DeploymentStore.h"
#include "core/sandbox/kubeapi/ServedKubeObjects.h"
#include "core/sandbox/model/ImageTags.h"
#include "core/sandbox/scenario/ScenarioCluster.h"

#include <QTest>

using namespace leakdesk::sandbox;
using namespace leakdesk::sandbox::scenario;
using nlohmann::json;

namespace {

// 2026-03-04T10:17:00Z.
constexpr qint64 kNow = 1772619420000LL;
constexpr double kMi = 1024.0 * 1024.0;

// A leak of 300Mi/h into 1Gi, fixed in 2.0.0; a second container that never leaks.
const char* const kShop = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: shop, namespace: lab}
spec:
  replicas: 2
  selector: {matchLabels: {app: shop}}
  template:
    metadata:
      labels: {app: shop}
      annotations:
        sim.leakdesk.io/memory.shop: base=200Mi growth=300Mi/h noise=0
        sim.leakdesk.io/fixed-in.shop: 2.0.0
    spec:
      containers:
      - {name: shop, image: "registry.example:5000/team/shop:1.9.0", resources: {limits: {memory: 1Gi}}}
)";

PatchRequest setImage(const std::string& container, const std::string& image)
{
    PatchRequest request;
    request.contentType = "application/strategic-merge-patch+json";
    const json c = { { "name", container }, { "image", image } };
    request.body
        = json { { "spec", { { "template", { { "spec", { { "containers", json::array({ c }) } } } } } } } }.dump();
    request.fieldManager = "kubectl-set";
    return request;
}

} // namespace

class TestSandboxFixes : public QObject {
    Q_OBJECT
private slots:
    void clock_data()
    {
        QTest::addColumn<qint64>("pinnedStart"); // -1: none
        QTest::addColumn<double>("speed"); // 0: none given
        QTest::addColumn<qint64>("wallElapsedMs");
        QTest::addColumn<qint64>("advancedMs");
        QTest::addColumn<qint64>("expectedSinceStartMs");
        QTest::newRow("wall pace") << qint64(-1) << 0.0 << qint64(90'000) << qint64(0) << qint64(90'000);
        QTest::newRow("pinned and frozen") << kNow << 0.0 << qint64(90'000) << qint64(0) << qint64(0);
        QTest::newRow("pinned, frozen, advanced") << kNow << 0.0 << qint64(90'000) << qint64(20'000) << qint64(20'000);
        QTest::newRow("60x: an hour a minute")
            << qint64(-1) << 60.0 << qint64(60'000) << qint64(0) << qint64(3'600'000);
        QTest::newRow("60x from a pinned moment") << kNow << 60.0 << qint64(60'000) << qint64(0) << qint64(3'600'000);
        QTest::newRow("60x and advanced") << kNow << 60.0 << qint64(30'000) << qint64(60'000) << qint64(1'860'000);
        QTest::newRow("half speed") << qint64(-1) << 0.5 << qint64(60'000) << qint64(0) << qint64(30'000);
    }
    void clock()
    {
        QFETCH(qint64, pinnedStart);
        QFETCH(double, speed);
        QFETCH(qint64, wallElapsedMs);
        QFETCH(qint64, advancedMs);
        QFETCH(qint64, expectedSinceStartMs);
        const qint64 wallStart = kNow - 5 * 3600 * 1000; // the wall clock at start, not the pinned moment
        SandboxClock clock(pinnedStart < 0 ? std::nullopt : std::optional<std::int64_t>(pinnedStart),
            speed > 0 ? std::optional<double>(speed) : std::nullopt, wallStart);
        clock.advance(advancedMs);
        const qint64 start = pinnedStart < 0 ? wallStart : pinnedStart;
        QCOMPARE(clock.nowAt(wallStart), start + advancedMs);
        QCOMPARE(clock.nowAt(wallStart + wallElapsedMs) - start, expectedSinceStartMs);
    }

    void imageTags_data()
    {
        QTest::addColumn<QString>("image");
        QTest::addColumn<QString>("tag");
        QTest::newRow("plain") << "registry.shop.internal/checkout:2.14.4"
                               << "2.14.4";
        QTest::newRow("registry port, no tag") << "registry.example:5000/team/app"
                                               << "";
        QTest::newRow("registry port and tag") << "registry.example:5000/team/app:v3"
                                               << "v3";
        QTest::newRow("tag and digest") << "app:1.2@sha256:0123abcd"
                                        << "1.2";
        QTest::newRow("digest only") << "app@sha256:0123abcd"
                                     << "";
        QTest::newRow("bare name") << "busybox"
                                   << "";
    }
    void imageTags()
    {
        QFETCH(QString, image);
        QFETCH(QString, tag);
        QCOMPARE(QString::fromStdString(imageTag(image.toStdString())), tag);
    }

    void carriesFix_data()
    {
        QTest::addColumn<QString>("tag");
        QTest::addColumn<QString>("fixedIn");
        QTest::addColumn<bool>("carries");
        QTest::newRow("the fixed release") << "2.14.4"
                                           << "2.14.4" << true;
        QTest::newRow("a later patch") << "2.14.5"
                                       << "2.14.4" << true;
        QTest::newRow("numbers compare as numbers") << "2.14.10"
                                                    << "2.14.9" << true;
        QTest::newRow("a later minor") << "2.15"
                                       << "2.14.4" << true;
        QTest::newRow("v prefix") << "v2.14.4"
                                  << "2.14.4" << true;
        QTest::newRow("build metadata ignored") << "2.14.4+build.7"
                                                << "2.14.4" << true;
        QTest::newRow("an earlier release") << "2.14.3"
                                            << "2.14.4" << false;
        QTest::newRow("a pre-release of the fix") << "2.14.4-rc.1"
                                                  << "2.14.4" << false;
        QTest::newRow("a rebuild of the leaking one") << "2.14.3-debug"
                                                      << "2.14.4" << false;
        QTest::newRow("not a version: only itself") << "latest"
                                                    << "2.14.4" << false;
        QTest::newRow("a branch tag equal to the fix") << "main-4f2a9c"
                                                       << "main-4f2a9c" << true;
        QTest::newRow("a branch tag after it in text order") << "main-5000"
                                                             << "main-4f2a9c" << false;
        QTest::newRow("no tag") << ""
                                << "2.14.4" << false;
        QTest::newRow("no fix known") << "9.9.9"
                                      << "" << false;
    }
    void carriesFix()
    {
        QFETCH(QString, tag);
        QFETCH(QString, fixedIn);
        QFETCH(bool, carries);
        QCOMPARE(tagCarriesFix(tag.toStdString(), fixedIn.toStdString()), carries);
    }

    // A scenario container with fixed-in: a rollout to that release (or a later one) stops the
    // leak in the new pods; another tag keeps it.
    void scenarioFixedIn_data()
    {
        QTest::addColumn<QString>("tag");
        QTest::addColumn<bool>("fixed");
        QTest::newRow("the fixed release") << "2.0.0" << true;
        QTest::newRow("a later one") << "2.3.1" << true;
        QTest::newRow("a rebuild") << "1.9.0-hotfix" << false;
        QTest::newRow("latest") << "latest" << false;
    }
    void scenarioFixedIn()
    {
        QFETCH(QString, tag);
        QFETCH(bool, fixed);
        auto parsed = parseScenario(kShop, "shop.yaml");
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        ScenarioCluster cluster(std::move(*parsed), 42, kNow);
        const std::string image = "registry.example:5000/team/shop:" + tag.toStdString();
        QVERIFY(cluster.patch("Deployment", "lab", "shop", setImage("shop", image), kNow).ok());
        int judged = 0;
        for (std::size_t p = 0; p < cluster.pods().size(); ++p) {
            const SimulatedPod& pod = cluster.pods()[p];
            if (pod.revision == 0 || pod.createdMs < kNow)
                continue; // the leaking revision
            ++judged;
            const std::int64_t start = pod.mainStartMs;
            const auto early = cluster.workingSetBytes(p, 0, start + 10 * kMinuteMs);
            const auto late = cluster.workingSetBytes(p, 0, start + 2 * kHourMs);
            QVERIFY(early);
            if (fixed) {
                QVERIFY(late);
                QVERIFY2(std::abs(*late - *early) < 5 * kMi, qPrintable(QString::number((*late - *early) / kMi)));
                QCOMPARE(cluster.restartCountAt(p, 0, start + 4 * kHourMs), 0);
            } else {
                // 300Mi/h into 1Gi: killed within 3 hours.
                QVERIFY(cluster.restartCountAt(p, 0, start + 4 * kHourMs) > 0);
            }
            // The pod reports the image of its template.
            for (const json& served : cluster.objects("Pod", start + kMinuteMs))
                if (served["metadata"].value("name", "") == pod.name)
                    QCOMPARE(served["status"]["containerStatuses"][0].value("image", ""), image);
        }
        QCOMPARE(judged, 2);
    }

    void scenarioRejectsABadTag()
    {
        std::string text = kShop;
        text.replace(text.find("fixed-in.shop: 2.0.0"), 20, "fixed-in.shop: \"2 0\"");
        auto parsed = parseScenario(text, "shop.yaml");
        QVERIFY(!parsed.ok());
        QVERIFY2(parsed.error().message.find("not an image tag") != std::string::npos, parsed.error().message.c_str());
    }

    // The built-in checkout: kubectl set image's PATCH to 2.14.4 rolls pods that level off and are
    // never OOMKilled; to 2.14.3-debug the sawtooth goes on.
    void builtInCheckoutFixedIn_data()
    {
        QTest::addColumn<QString>("tag");
        QTest::addColumn<bool>("fixed");
        QTest::newRow("2.14.4") << "2.14.4" << true;
        QTest::newRow("2.14.3-debug") << "2.14.3-debug" << false;
    }
    void builtInCheckoutFixedIn()
    {
        QFETCH(QString, tag);
        QFETCH(bool, fixed);
        SandboxModel model(42, kNow);
        ServedKubeObjects objects(model);
        WriteVersions versions;
        DeploymentStore store(model, objects, versions);
        const std::size_t checkout = *model.serviceIndex("checkout");
        const std::string image = "registry.shop.internal/checkout:" + tag.toStdString();
        QVERIFY(store.patch(checkout, setImage("checkout", image), kNow).ok());
        QCOMPARE(model.revisions(checkout).back().leakFixed, fixed);
        int judged = 0;
        for (std::size_t p = 0; p < model.pods().size(); ++p) {
            const PodSpec& pod = model.pods()[p];
            if (pod.service != checkout || pod.createdMs < kNow)
                continue;
            ++judged;
            const std::int64_t start = pod.runs.front().startedMs;
            QCOMPARE(model.oomKillCountAt(p, start + 3 * kHourMs) == 0, fixed);
            const auto early = model.workingSetBytes(p, start + 10 * kMinuteMs);
            const auto late = model.workingSetBytes(p, start + 2 * kHourMs + 7 * kSecondMs);
            QVERIFY(early);
            if (fixed) {
                QVERIFY(late);
                QVERIFY2(std::abs(*late - *early) < 15 * kMi, qPrintable(QString::number((*late - *early) / kMi)));
            }
            QCOMPARE(objects.pod(p, start + kMinuteMs)["status"]["containerStatuses"][0].value("image", ""), image);
        }
        QCOMPARE(judged, 3);
    }
};

QTEST_GUILESS_MAIN(TestSandboxFixes)
#include "tst_sandbox_fixes.moc"
