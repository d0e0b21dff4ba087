// Relabelling a pod through the sandbox's Kubernetes API (KubeApi::handle with a clock the test
// moves): what taking a pod out of its Service before a heap dump relies on. The pod leaves the
// Service's Endpoints, its ReplicaSet lets go of it and starts a replacement; labelled back, it is
// adopted and the replacement deleted. Dry runs store nothing; stale resourceVersions, spec changes,
// bad labels, read-only users and unknown pods are refused as the API server refuses them.

#include "JsonCompare.h"
#include "SandboxHttp.h"
#include "core/sandbox/kubeapi/KubeApi.h"
#include "core/sandbox/model/SandboxModel.h"

#include <QTest>

#include <nlohmann/json.hpp>

#include <memory>

using namespace leakdesk::sandbox;
using nlohmann::json;

namespace {

constexpr std::int64_t kAnchor = 1773152625000; // 2026-03-10T14:23:45Z
const QByteArray kAdminToken = "admin-token-for-the-test";
const QByteArray kViewerToken = "viewer-token-for-the-test";
const QByteArray kMergePatch = "application/merge-patch+json";
const QByteArray kStrategicPatch = "application/strategic-merge-patch+json";
const QByteArray kJsonPatch = "application/json-patch+json";
const QByteArray kPods = "/api/v1/namespaces/production/pods";

struct Reply {
    int status = 0;
    json body;
};

using leakdesk::test::contains;

} // namespace

class TestKubePodLabels : public QObject {
    Q_OBJECT
    std::unique_ptr<SandboxModel> m_model;
    std::unique_ptr<KubeApi> m_api;
    std::int64_t m_now = kAnchor;
    std::size_t m_pod = 0; // a checkout pod, its container running and ready at m_now
    std::string m_name;
    std::string m_ip;

    Reply call(const QByteArray& method, const QByteArray& target, const QByteArray& body = {},
        const QByteArray& contentType = {}, const QByteArray& token = kAdminToken)
    {
        HttpRequest r;
        r.method = method;
        r.target = target;
        const qsizetype q = target.indexOf('?');
        r.path = (q < 0 ? target : target.left(q)).toStdString();
        if (q >= 0)
            r.query = QueryParams::parse(target.mid(q + 1));
        r.headers.emplace_back("authorization", "Bearer " + token);
        r.headers.emplace_back("accept", "application/json");
        if (!contentType.isEmpty())
            r.headers.emplace_back("content-type", contentType);
        r.body = body;
        const HttpResponse response = m_api->handle(r);
        return { response.status, json::parse(response.body.toStdString(), nullptr, false) };
    }

    Reply get(const QByteArray& target) { return call("GET", target); }
    Reply getPod(const std::string& name) { return get(kPods + "/" + QByteArray::fromStdString(name)); }
    Reply patchPod(const std::string& name, const json& patch, const QByteArray& contentType = kMergePatch,
        const QByteArray& query = "?fieldManager=kubectl-label", const QByteArray& token = kAdminToken)
    {
        return call("PATCH", kPods + "/" + QByteArray::fromStdString(name) + query,
            QByteArray::fromStdString(patch.dump()), contentType, token);
    }
    json checkoutEndpoints() { return get("/api/v1/namespaces/production/endpoints/checkout").body; }
    json checkoutReplicaSet()
    {
        const json list = get("/apis/apps/v1/namespaces/production/replicasets?labelSelector=app%3Dcheckout").body;
        return list["items"].size() == 1 ? list["items"][0] : json();
    }
    std::vector<std::string> podNames(const QByteArray& selector)
    {
        std::vector<std::string> out;
        for (const json& p : get(kPods + "?labelSelector=" + selector).body.value("items", json::array()))
            out.push_back(p["metadata"].value("name", ""));
        return out;
    }
    int checkoutReplicas() const { return m_model->services()[*m_model->serviceIndex("checkout")].replicas; }
    // The pod that is not among `before`.
    std::string newPod(const std::vector<std::string>& before, const std::vector<std::string>& after)
    {
        for (const std::string& n : after)
            if (!contains(before, n))
                return n;
        return {};
    }

private Q_SLOTS:
    // A fresh cluster per test; the clock stands where checkout's first pod has been serving for a
    // while and will go on for 20 minutes without an OOM kill.
    void init()
    {
        m_model = std::make_unique<SandboxModel>(42, kAnchor);
        m_api = std::make_unique<KubeApi>(*m_model, kAdminToken.toStdString(), [this] { return m_now; });
        m_api->addUser({ "viewer", kViewerToken.toStdString(), true });
        m_pod = m_model->pods().size();
        for (std::size_t i = 0; i < m_model->pods().size() && m_pod == m_model->pods().size(); ++i)
            if (m_model->services()[m_model->pods()[i].service].name == "checkout")
                m_pod = i;
        QVERIFY(m_pod < m_model->pods().size());
        m_now = -1;
        for (const ContainerRun& run : m_model->pods()[m_pod].runs) {
            const std::int64_t end = run.terminated ? run.finishedMs : m_model->horizonEndMs();
            if (run.startedMs >= kAnchor - 6 * kHourMs && end - run.startedMs >= 25 * kMinuteMs) {
                m_now = run.startedMs + 2 * kMinuteMs;
                break;
            }
        }
        QVERIFY(m_now > 0);
        m_name = m_model->pods()[m_pod].name;
        m_ip = m_model->pods()[m_pod].podIp;
        // Before anything happens: owned, selected by the Service, ready.
        const json pod = getPod(m_name).body;
        QCOMPARE(pod["metadata"]["labels"].value("app", ""), std::string("checkout"));
        QCOMPARE(pod["metadata"]["ownerReferences"].size(), std::size_t(1));
        QVERIFY(contains(leakdesk::test::endpointIps(checkoutEndpoints(), "addresses"), m_ip));
        QCOMPARE(checkoutReplicaSet()["status"].value("replicas", -1), checkoutReplicas());
    }

    void removingTheAppLabelTakesThePodOutAndStartsAReplacement_data()
    {
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<QByteArray>("patch");
        QTest::addColumn<bool>("leavesService"); // the Service selects on app only
        // `kubectl label pod P app-` sends the merge patch.
        QTest::newRow("merge patch") << kMergePatch << QByteArray(R"({"metadata":{"labels":{"app":null}}})") << true;
        QTest::newRow("strategic merge patch")
            << kStrategicPatch << QByteArray(R"({"metadata":{"labels":{"app":null}}})") << true;
        QTest::newRow("JSON patch") << kJsonPatch << QByteArray(R"([{"op":"remove","path":"/metadata/labels/app"}])")
                                    << true;
        QTest::newRow("another app") << kMergePatch << QByteArray(R"({"metadata":{"labels":{"app":"heap-dump"}}})")
                                     << true;
        // Out of the ReplicaSet, still behind the Service.
        QTest::newRow("pod-template-hash removed")
            << kMergePatch << QByteArray(R"({"metadata":{"labels":{"pod-template-hash":null}}})") << false;
    }
    void removingTheAppLabelTakesThePodOutAndStartsAReplacement()
    {
        QFETCH(QByteArray, contentType);
        QFETCH(QByteArray, patch);
        QFETCH(bool, leavesService);
        const std::vector<std::string> before = podNames("app%3Dcheckout");
        QCOMPARE(int(before.size()), checkoutReplicas());
        const Reply r = patchPod(m_name, json::parse(patch.toStdString()), contentType);
        QVERIFY2(r.status == 200, r.body.dump().c_str());
        QCOMPARE(r.body["metadata"].value("name", ""), m_name);
        QVERIFY2(!r.body["metadata"].contains("ownerReferences"), r.body["metadata"].dump().c_str());
        QCOMPARE(
            r.body["metadata"]["labels"].value("team", ""), m_model->services()[m_model->pods()[m_pod].service].team);
        bool byKubectlLabel = false;
        for (const json& f : r.body["metadata"].value("managedFields", json::array()))
            byKubectlLabel = byKubectlLabel || f.value("manager", "") == "kubectl-label";
        QVERIFY(byKubectlLabel);

        // Out of the Service at once; the pod itself goes on running, unowned.
        json ep = checkoutEndpoints();
        QVERIFY2(contains(leakdesk::test::endpointIps(ep, "addresses"), m_ip) != leavesService, ep.dump().c_str());
        QVERIFY2(!contains(leakdesk::test::endpointIps(ep, "notReadyAddresses"), m_ip), ep.dump().c_str());
        QCOMPARE(
            int(leakdesk::test::endpointIps(ep, "addresses").size()), checkoutReplicas() - (leavesService ? 1 : 0));
        const json served = getPod(m_name).body;
        QCOMPARE_JSON(served["metadata"]["labels"], r.body["metadata"]["labels"]);
        QVERIFY(!served["metadata"].contains("ownerReferences"));
        QVERIFY(!served["metadata"].contains("deletionTimestamp"));
        QCOMPARE(served["status"].value("phase", ""), std::string("Running"));
        // The ReplicaSet no longer counts it ...
        QCOMPARE(checkoutReplicaSet()["status"].value("replicas", -1), checkoutReplicas() - 1);

        // ... and has created the replacement a second later: same revision, counted, not ready yet.
        m_now += kSecondMs;
        const std::vector<std::string> after = podNames("app%3Dcheckout%2Cpod-template-hash%3D"
            + QByteArray::fromStdString(m_model->revisionOf(m_pod).podTemplateHash));
        QCOMPARE(int(after.size()), checkoutReplicas());
        QVERIFY(!contains(after, m_name));
        const std::string replacement = newPod(before, after);
        QVERIFY(!replacement.empty());
        const json rPod = getPod(replacement).body;
        const json rs = checkoutReplicaSet();
        QCOMPARE_JSON(rPod["metadata"]["labels"]["pod-template-hash"], m_model->revisionOf(m_pod).podTemplateHash);
        QCOMPARE_JSON(rPod["metadata"]["ownerReferences"][0]["name"], rs["metadata"]["name"]);
        QCOMPARE(rs["status"].value("replicas", -1), checkoutReplicas());
        const json deployment = get("/apis/apps/v1/namespaces/production/deployments/checkout").body;
        QCOMPARE(deployment["status"].value("replicas", -1), checkoutReplicas());
        const auto rIndex = m_model->podIndex(replacement);
        QVERIFY(rIndex);
        const std::string rIp = m_model->pods()[*rIndex].podIp;
        QVERIFY(rIp != m_ip);
        ep = checkoutEndpoints();
        QVERIFY2(!contains(leakdesk::test::endpointIps(ep, "addresses"), rIp), ep.dump().c_str());
        // Ready half a minute later, it serves; the released pod still does not.
        m_now += 30 * kSecondMs;
        ep = checkoutEndpoints();
        QVERIFY2(contains(leakdesk::test::endpointIps(ep, "addresses"), rIp), ep.dump().c_str());
        QCOMPARE(contains(leakdesk::test::endpointIps(ep, "addresses"), m_ip), !leavesService);
        QCOMPARE(
            int(leakdesk::test::endpointIps(ep, "addresses").size()), checkoutReplicas() + (leavesService ? 0 : 1));
        QVERIFY(contains(podNames({}), m_name)); // still listed among all pods
    }

    void labelledBackThePodIsAdoptedAndTheReplacementDeleted()
    {
        const std::vector<std::string> before = podNames("app%3Dcheckout");
        QCOMPARE(patchPod(m_name, { { "metadata", { { "labels", { { "app", nullptr } } } } } }).status, 200);
        m_now += kMinuteMs;
        const std::string replacement = newPod(before, podNames("app%3Dcheckout"));
        QVERIFY(!replacement.empty());
        const std::string rIp = getPod(replacement).body["status"].value("podIP", "");
        QVERIFY(!rIp.empty());

        // `kubectl label pod P app=checkout`
        const Reply r = patchPod(m_name, { { "metadata", { { "labels", { { "app", "checkout" } } } } } });
        QVERIFY2(r.status == 200, r.body.dump().c_str());
        QCOMPARE(r.body["metadata"]["ownerReferences"].size(), std::size_t(1));
        QCOMPARE_JSON(r.body["metadata"]["ownerReferences"][0]["name"], checkoutReplicaSet()["metadata"]["name"]);
        QVERIFY(!r.body["metadata"].contains("deletionTimestamp"));
        // The replacement is Terminating, out of the Endpoints; the pod is back in.
        const json going = getPod(replacement).body;
        QVERIFY2(going["metadata"].contains("deletionTimestamp"), going["metadata"].dump().c_str());
        json ep = checkoutEndpoints();
        QVERIFY2(contains(leakdesk::test::endpointIps(ep, "addresses"), m_ip), ep.dump().c_str());
        QVERIFY(!contains(leakdesk::test::endpointIps(ep, "addresses"), rIp)
            && !contains(leakdesk::test::endpointIps(ep, "notReadyAddresses"), rIp));
        QCOMPARE(checkoutReplicaSet()["status"].value("replicas", -1), checkoutReplicas());
        // Gone 2 s later.
        m_now += 2 * kSecondMs;
        QCOMPARE(getPod(replacement).status, 404);
        const std::vector<std::string> after = podNames("app%3Dcheckout");
        std::vector<std::string> sortedBefore = before;
        std::vector<std::string> sortedAfter = after;
        std::sort(sortedBefore.begin(), sortedBefore.end());
        std::sort(sortedAfter.begin(), sortedAfter.end());
        QVERIFY(sortedAfter == sortedBefore);
        QCOMPARE(patchPod(replacement, { { "metadata", { { "labels", { { "x", "y" } } } } } }).status, 404);
        QVERIFY(!getPod(m_name).body["metadata"].contains("deletionTimestamp"));
    }

    // Relabelled back within two seconds: the replacement is deleted before its container ever
    // started, and is still served (as JSON and as a table) while it terminates.
    void labelledBackBeforeTheReplacementStarted()
    {
        const std::vector<std::string> before = podNames("app%3Dcheckout");
        QCOMPARE(patchPod(m_name, { { "metadata", { { "labels", { { "app", nullptr } } } } } }).status, 200);
        m_now += 2 * kSecondMs;
        const std::string replacement = newPod(before, podNames("app%3Dcheckout"));
        QVERIFY(!replacement.empty());
        QCOMPARE(patchPod(m_name, { { "metadata", { { "labels", { { "app", "checkout" } } } } } }).status, 200);
        m_now += kSecondMs;
        const Reply list = get(kPods);
        QVERIFY2(list.status == 200, list.body.dump().c_str());
        const Reply going = getPod(replacement);
        QVERIFY2(going.status == 200, going.body.dump().c_str());
        QVERIFY(going.body["metadata"].contains("deletionTimestamp"));
        const json& status = going.body["status"]["containerStatuses"][0];
        QCOMPARE(status.value("ready", true), false);
        QCOMPARE(status.value("restartCount", -1), 0);
        m_now += kSecondMs;
        QCOMPARE(getPod(replacement).status, 404);
        QCOMPARE(podNames("app%3Dcheckout").size(), before.size());
    }

    // A Terminating pod taken out of the selector is not replaced again: the ReplicaSet has already
    // stopped counting it.
    void relabellingATerminatingPodStartsNoReplacement()
    {
        const std::vector<std::string> before = podNames("app%3Dcheckout");
        QCOMPARE(patchPod(m_name, { { "metadata", { { "labels", { { "app", nullptr } } } } } }).status, 200);
        m_now += kMinuteMs;
        const std::string replacement = newPod(before, podNames("app%3Dcheckout"));
        QVERIFY(!replacement.empty());
        QCOMPARE(patchPod(m_name, { { "metadata", { { "labels", { { "app", "checkout" } } } } } }).status, 200);
        QVERIFY(getPod(replacement).body["metadata"].contains("deletionTimestamp"));
        const std::size_t pods = m_model->pods().size();
        const Reply r = patchPod(replacement, { { "metadata", { { "labels", { { "app", nullptr } } } } } });
        QVERIFY2(r.status == 200, r.body.dump().c_str());
        QVERIFY(!r.body["metadata"]["labels"].contains("app"));
        QCOMPARE(m_model->pods().size(), pods);
        m_now += 2 * kSecondMs;
        QCOMPARE(getPod(replacement).status, 404);
        QCOMPARE(podNames("app%3Dcheckout").size(), before.size());
        QCOMPARE(checkoutReplicaSet()["status"].value("replicas", -1), checkoutReplicas());
    }

    // Take out and put back as a careful client does it: a dry run and the write with the same
    // resourceVersion precondition (the dry run must not move it), the removed labels kept in an
    // annotation, then the revert with the resourceVersion the write returned.
    void dryRunThenWriteThenRevertUnderOneResourceVersionEach()
    {
        const json original = getPod(m_name).body;
        const std::string rv = original["metadata"].value("resourceVersion", "");
        const json out = { { "metadata",
            { { "resourceVersion", rv }, { "labels", { { "app", nullptr }, { "leakdesk.io/isolated", "true" } } },
                { "annotations", { { "leakdesk.io/isolated-labels", R"({"app":"checkout"})" } } } } } };
        const Reply dry = patchPod(m_name, out, kMergePatch, "?dryRun=All&fieldManager=leakdesk");
        QVERIFY2(dry.status == 200, dry.body.dump().c_str());
        QVERIFY(!dry.body["metadata"]["labels"].contains("app"));
        QCOMPARE(getPod(m_name).body["metadata"].value("resourceVersion", ""), rv);
        const Reply applied = patchPod(m_name, out, kMergePatch, "?fieldManager=leakdesk");
        QVERIFY2(applied.status == 200, applied.body.dump().c_str());
        const std::string written = applied.body["metadata"].value("resourceVersion", "");
        QCOMPARE(applied.body["metadata"]["annotations"].value("leakdesk.io/isolated-labels", ""),
            std::string(R"({"app":"checkout"})"));
        QVERIFY(!applied.body["metadata"].contains("ownerReferences"));
        QVERIFY(!contains(leakdesk::test::endpointIps(checkoutEndpoints(), "addresses"), m_ip));
        // The same request again is stale now.
        QCOMPARE(patchPod(m_name, out, kMergePatch, "?fieldManager=leakdesk").status, 409);

        m_now += 30 * kSecondMs;
        const json current = getPod(m_name).body;
        QCOMPARE(current["metadata"].value("resourceVersion", ""), written);
        const json revert = { { "metadata",
            { { "resourceVersion", written },
                { "labels", { { "app", "checkout" }, { "leakdesk.io/isolated", nullptr } } },
                { "annotations", { { "leakdesk.io/isolated-labels", nullptr } } } } } };
        const Reply back = patchPod(m_name, revert, kMergePatch, "?fieldManager=leakdesk");
        QVERIFY2(back.status == 200, back.body.dump().c_str());
        QCOMPARE_JSON(back.body["metadata"]["labels"], original["metadata"]["labels"]);
        QCOMPARE_JSON(back.body["metadata"].value("annotations", json::object()),
            original["metadata"].value("annotations", json::object()));
        QCOMPARE(back.body["metadata"]["ownerReferences"].size(), std::size_t(1));
        QVERIFY(contains(leakdesk::test::endpointIps(checkoutEndpoints(), "addresses"), m_ip));
    }

    // A change that keeps the pod in its ReplicaSet's selector (an annotation, another label)
    // releases nothing.
    void otherLabelsAndAnnotationsKeepThePodIn()
    {
        const std::size_t pods = m_model->pods().size();
        const Reply r = patchPod(m_name,
            { { "metadata",
                { { "labels", { { "leakdesk.io/heap-dump", "pending" } } },
                    { "annotations", { { "leakdesk.io/reason", "heap dump for incident 42" } } } } } });
        QVERIFY2(r.status == 200, r.body.dump().c_str());
        m_now += 5 * kSecondMs;
        const json pod = getPod(m_name).body;
        QCOMPARE(pod["metadata"]["labels"].value("leakdesk.io/heap-dump", ""), std::string("pending"));
        QCOMPARE(
            pod["metadata"]["annotations"].value("leakdesk.io/reason", ""), std::string("heap dump for incident 42"));
        QCOMPARE(pod["metadata"]["ownerReferences"].size(), std::size_t(1));
        QCOMPARE(m_model->pods().size(), pods);
        QVERIFY(contains(leakdesk::test::endpointIps(checkoutEndpoints(), "addresses"), m_ip));
        QVERIFY(contains(podNames("leakdesk.io%2Fheap-dump%3Dpending"), m_name));
    }

    void dryRunChangesNothing()
    {
        const json before = getPod(m_name).body;
        const std::size_t pods = m_model->pods().size();
        const Reply r = patchPod(m_name, { { "metadata", { { "labels", { { "app", nullptr } } } } } }, kMergePatch,
            "?dryRun=All&fieldManager=kubectl-label");
        QVERIFY2(r.status == 200, r.body.dump().c_str());
        QVERIFY(!r.body["metadata"]["labels"].contains("app"));
        m_now += 5 * kSecondMs;
        const json after = getPod(m_name).body;
        QCOMPARE_JSON(after["metadata"]["labels"], before["metadata"]["labels"]);
        QCOMPARE_JSON(after["metadata"]["ownerReferences"], before["metadata"]["ownerReferences"]);
        QCOMPARE_JSON(after["metadata"]["resourceVersion"], before["metadata"]["resourceVersion"]);
        QCOMPARE(m_model->pods().size(), pods);
        QVERIFY(!m_model->podReleasedAt(m_pod, m_now));
        QVERIFY(contains(leakdesk::test::endpointIps(checkoutEndpoints(), "addresses"), m_ip));
        // Only dryRun=All exists.
        QCOMPARE(
            patchPod(m_name, { { "metadata", { { "labels", { { "app", nullptr } } } } } }, kMergePatch, "?dryRun=Some")
                .status,
            400);
        QCOMPARE(m_model->pods().size(), pods);
    }

    void staleResourceVersionIsAConflict()
    {
        const std::string rv = getPod(m_name).body["metadata"].value("resourceVersion", "");
        QVERIFY(!rv.empty());
        const Reply first = patchPod(
            m_name, { { "metadata", { { "resourceVersion", rv }, { "annotations", { { "note", "first" } } } } } });
        QVERIFY2(first.status == 200, first.body.dump().c_str());
        const std::string written = first.body["metadata"].value("resourceVersion", "");
        QVERIFY(written != rv);
        QVERIFY(std::stoll(written) > std::stoll(rv));
        QCOMPARE(getPod(m_name).body["metadata"].value("resourceVersion", ""), written);

        // The next writer still holds the first resourceVersion.
        const std::size_t pods = m_model->pods().size();
        const Reply stale
            = patchPod(m_name, { { "metadata", { { "resourceVersion", rv }, { "labels", { { "app", nullptr } } } } } });
        QCOMPARE(stale.status, 409);
        QCOMPARE(stale.body.value("kind", ""), std::string("Status"));
        QCOMPARE(stale.body.value("reason", ""), std::string("Conflict"));
        QCOMPARE(stale.body.value("code", 0), 409);
        QCOMPARE(stale.body["details"].value("kind", ""), std::string("pods"));
        QCOMPARE(stale.body["details"].value("name", ""), m_name);
        const json pod = getPod(m_name).body;
        QCOMPARE(pod["metadata"]["labels"].value("app", ""), std::string("checkout"));
        QCOMPARE(pod["metadata"]["annotations"].value("note", ""), std::string("first"));
        QCOMPARE(m_model->pods().size(), pods);
    }

    void invalidChangesAre422WithTheirCause_data()
    {
        QTest::addColumn<QByteArray>("patch");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("message");
        QTest::newRow("spec") << QByteArray(R"({"spec":{"containers":[{"name":"checkout","image":"busybox"}]}})")
                              << "spec"
                              << "Forbidden: pod updates may not change fields other than";
        QTest::newRow("label key") << QByteArray(R"({"metadata":{"labels":{"-app":"checkout"}}})") << "metadata.labels"
                                   << "Invalid value: \"-app\": name part must consist of alphanumeric characters";
        QTest::newRow("label key prefix")
            << QByteArray(R"({"metadata":{"labels":{"Leak_Desk/x":"y"}}})") << "metadata.labels"
            << "Invalid value: \"Leak_Desk/x\": prefix part a lowercase RFC 1123";
        QTest::newRow("label value") << QByteArray(R"({"metadata":{"labels":{"app":"check out"}}})")
                                     << "metadata.labels"
                                     << "Invalid value: \"check out\": a valid label must be an empty string";
        QTest::newRow("label value too long")
            << QByteArray(R"({"metadata":{"labels":{"app":")" + QByteArray(64, 'a') + R"("}}})") << "metadata.labels"
            << "must be no more than 63 characters";
        QTest::newRow("annotation not a string")
            << QByteArray(R"({"metadata":{"annotations":{"n":5}}})") << "metadata.annotations"
            << "Invalid value: 5: must be a string";
        QTest::newRow("name") << QByteArray(R"({"metadata":{"name":"renamed"}})") << "metadata.name"
                              << "Invalid value: field is immutable";
    }
    void invalidChangesAre422WithTheirCause()
    {
        QFETCH(QByteArray, patch);
        QFETCH(QString, field);
        QFETCH(QString, message);
        const json before = getPod(m_name).body;
        const std::size_t pods = m_model->pods().size();
        const Reply r = patchPod(m_name, json::parse(patch.toStdString()));
        QCOMPARE(r.status, 422);
        QCOMPARE(r.body.value("reason", ""), std::string("Invalid"));
        const std::string text = r.body.value("message", "");
        // kubectl prints: The Pod "<name>" is invalid: <field>: <message>
        QVERIFY2(text.starts_with("Pod \"" + m_name + "\" is invalid: " + field.toStdString() + ": "), text.c_str());
        const json& details = r.body["details"];
        QCOMPARE(details.value("kind", ""), std::string("Pod"));
        QCOMPARE(details.value("name", ""), m_name);
        QCOMPARE(details["causes"].size(), std::size_t(1));
        const json& cause = details["causes"][0];
        QCOMPARE(QString::fromStdString(cause.value("field", "")), field);
        QVERIFY2(QString::fromStdString(cause.value("message", "")).contains(message), cause.dump().c_str());
        QVERIFY(!cause.value("reason", "").empty());
        // Nothing stored, nobody released.
        m_now += 5 * kSecondMs;
        const json after = getPod(m_name).body;
        QCOMPARE_JSON(after["metadata"]["labels"], before["metadata"]["labels"]);
        QCOMPARE(after["metadata"].contains("annotations"), before["metadata"].contains("annotations"));
        QCOMPARE_JSON(after["spec"], before["spec"]);
        QCOMPARE(m_model->pods().size(), pods);
    }

    void readOnlyUserIsForbidden()
    {
        const std::size_t pods = m_model->pods().size();
        const Reply r = patchPod(m_name, { { "metadata", { { "labels", { { "app", nullptr } } } } } }, kMergePatch,
            "?fieldManager=kubectl-label", kViewerToken);
        QCOMPARE(r.status, 403);
        QCOMPARE(r.body.value("reason", ""), std::string("Forbidden"));
        const std::string message = r.body.value("message", "");
        QVERIFY2(message.find("User \"viewer\" cannot patch resource \"pods\"") != std::string::npos, message.c_str());
        QVERIFY(message.find(kViewerToken.toStdString()) == std::string::npos);
        // The viewer may read what it may not change.
        QCOMPARE(call("GET", kPods + "/" + QByteArray::fromStdString(m_name), {}, {}, kViewerToken).status, 200);
        QCOMPARE(getPod(m_name).body["metadata"]["labels"].value("app", ""), std::string("checkout"));
        QCOMPARE(m_model->pods().size(), pods);
        // A wrong token is not even a user.
        QCOMPARE(patchPod(m_name, { { "metadata", { { "labels", { { "app", nullptr } } } } } }, kMergePatch, {},
                     "not-a-token")
                     .status,
            401);
    }

    void unknownPodsAreNotFound_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::newRow("no such pod") << kPods + "/checkout-0000000000-xxxxx";
        QTest::newRow("other namespace") << QByteArray("/api/v1/namespaces/default/pods/") + "%1";
        QTest::newRow("not created yet") << QByteArray("future");
    }
    void unknownPodsAreNotFound()
    {
        QFETCH(QByteArray, target);
        if (target == "future") {
            // A replacement a release asked for, before the ReplicaSet has created it.
            const std::size_t r = m_model->releasePod(m_pod, m_now + kMinuteMs);
            target = kPods + "/" + QByteArray::fromStdString(m_model->pods()[r].name);
        }
        target.replace("%1", QByteArray::fromStdString(m_name));
        const std::size_t pods = m_model->pods().size();
        const Reply r = call("PATCH", target, R"({"metadata":{"labels":{"app":null}}})", kMergePatch);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.body.value("reason", ""), std::string("NotFound"));
        QCOMPARE(r.body["details"].value("kind", ""), std::string("pods"));
        QVERIFY2(r.body.value("message", "").starts_with("pods \""), r.body.dump().c_str());
        QCOMPARE(m_model->pods().size(), pods);
    }

    // The Service and Endpoints tables kubectl prints.
    void servicesAndEndpointsAsTables()
    {
        const QByteArray tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io";
        auto table = [&](const QByteArray& target) {
            HttpRequest r;
            r.method = "GET";
            r.target = target;
            r.path = target.toStdString();
            r.headers.emplace_back("authorization", "Bearer " + kAdminToken);
            r.headers.emplace_back("accept", tableAccept);
            return json::parse(m_api->handle(r).body.toStdString(), nullptr, false);
        };
        auto columnNames = [](const json& t) {
            std::vector<std::string> out;
            for (const json& c : t.value("columnDefinitions", json::array()))
                out.push_back(c.value("name", ""));
            return out;
        };
        auto rowOf = [](const json& t, const std::string& name) {
            for (const json& row : t.value("rows", json::array()))
                if (row["cells"][0] == name)
                    return row["cells"];
            return json();
        };
        const json services = table("/api/v1/namespaces/production/services");
        QCOMPARE(services.value("kind", ""), std::string("Table"));
        QVERIFY(columnNames(services)
            == std::vector<std::string>({ "Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector" }));
        const json svc = get("/api/v1/namespaces/production/services/checkout").body;
        const json svcRow = rowOf(services, "checkout");
        QVERIFY2(svcRow.is_array() && svcRow.size() == 7, services.dump().c_str());
        QCOMPARE_JSON(svcRow[1], json("ClusterIP"));
        QCOMPARE_JSON(svcRow[2], svc["spec"]["clusterIP"]);
        QCOMPARE_JSON(svcRow[3], json("<none>"));
        QCOMPARE_JSON(svcRow[4], json(std::to_string(svc["spec"]["ports"][0].value("port", 0)) + "/TCP"));
        QCOMPARE_JSON(svcRow[6], json("app=checkout"));

        const json endpoints = table("/api/v1/namespaces/production/endpoints");
        QVERIFY(columnNames(endpoints) == std::vector<std::string>({ "Name", "Endpoints", "Age" }));
        QCOMPARE(endpoints["rows"].size(), m_model->services().size());
        const std::string cell = rowOf(endpoints, "checkout")[1].get<std::string>();
        QVERIFY2(cell.find(m_ip + ":8080") != std::string::npos, cell.c_str());
        QCOMPARE(patchPod(m_name, { { "metadata", { { "labels", { { "app", nullptr } } } } } }).status, 200);
        const std::string without
            = rowOf(table("/api/v1/namespaces/production/endpoints"), "checkout")[1].get<std::string>();
        QVERIFY2(without.find(m_ip + ":") == std::string::npos, without.c_str());
    }

    void cleanup()
    {
        m_api.reset();
        m_model.reset();
    }
};

QTEST_GUILESS_MAIN(TestKubePodLabels)
#include "tst_kube_pod_labels.moc"
