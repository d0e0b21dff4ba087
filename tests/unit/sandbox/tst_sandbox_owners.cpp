// kube-state-metrics' owner series as the sandbox's Prometheus lists them on /api/v1/series
// (SandboxHost over loopback, its clock pinned and moved by the test): a workload's pods are found
// over history through its ReplicaSets, its Jobs or its own name, pods long gone after a rollout
// included, in the built-in namespace and in a scenario's. What the series say is checked against
// what the Kubernetes API serves at the same moment.

#include "SandboxHttp.h"
#include "core/sandbox/SandboxHost.h"
#include "core/sandbox/model/SandboxModel.h"

#include <QTest>
#include <QUrl>

#include <nlohmann/json.hpp>

#include <map>
#include <set>

using namespace leakdesk;
using namespace leakdesk::sandbox;
using nlohmann::json;

namespace {

constexpr std::int64_t kAnchor = 1773152625000; // 2026-03-10T14:23:45Z
// The week the views show and, for their "7 days ago" baseline, the week before: the former
// pods of the built-in namespace lived then.
constexpr std::int64_t kTwoWeeksAndADayMs = 15 * kDayMs;

using Names = std::set<std::string>;

std::string join(const Names& names, char separator)
{
    std::string out;
    for (const std::string& n : names)
        out += (out.empty() ? "" : std::string(1, separator)) + n;
    return out;
}

Names valuesOf(const std::vector<json>& series, const char* label)
{
    Names out;
    for (const json& s : series)
        out.insert(s.value(label, ""));
    return out;
}

std::string ownerOf(const json& object)
{
    const json refs = object["metadata"].value("ownerReferences", json::array());
    return refs.empty() ? std::string() : refs[0].value("kind", "") + "/" + refs[0].value("name", "");
}

// The pod name without its last "-xxxxx": the ReplicaSet's or Job's name the controller gave it.
std::string nameBeforeSuffix(const std::string& pod)
{
    return pod.substr(0, pod.rfind('-'));
}

} // namespace

class TestSandboxOwners : public QObject {
    Q_OBJECT
    SandboxHost m_host;
    test::SandboxHttpPorts m_http;
    std::int64_t m_offset = 0; // how far the test has moved the clock

    std::int64_t now() const { return kAnchor + m_offset; }
    void advance(std::int64_t ms)
    {
        m_host.advanceClock(ms);
        m_offset += ms;
    }
    json kube(const QByteArray& target) { return test::httpRequest(m_http.kube, "GET", target, m_http.auth).doc(); }
    test::HttpReply patch(const QByteArray& target, const char* body, const QByteArray& contentType)
    {
        return test::httpRequest(
            m_http.kube, "PATCH", target, m_http.auth + "Content-Type: " + contentType + "\r\n", body);
    }
    // The series matching `selector` between `fromMs` and now, as /api/v1/series lists them.
    std::vector<json> series(const std::string& selector, std::int64_t fromMs)
    {
        const test::HttpReply r = test::httpRequest(m_http.prometheus, "GET",
            "/api/v1/series?match[]=" + QUrl::toPercentEncoding(QString::fromStdString(selector))
                + "&start=" + QByteArray::number(fromMs / 1000) + "&end=" + QByteArray::number(now() / 1000));
        const json doc = r.doc();
        if (r.status != 200 || doc.value("status", "") != "success" || !doc["data"].is_array()) {
            qWarning("series %s: %d %s", selector.c_str(), r.status, r.body.constData());
            return {};
        }
        // Every owner these tests follow is its object's controller.
        for (const json& s : doc["data"])
            if (s.value("owner_is_controller", "") != "true") {
                qWarning("not a controller's: %s", s.dump().c_str());
                return {};
            }
        return doc["data"].get<std::vector<json>>();
    }
    // The objects of `kind` (a list path) in `ns` whose controller is `owner` ("Kind/name").
    Names servedOwnedBy(const std::string& ns, const std::string& listPath, const std::string& owner)
    {
        Names out;
        const std::string prefix = listPath == "pods" ? "/api/v1"
            : listPath == "jobs"                      ? "/apis/batch/v1"
                                                      : "/apis/apps/v1";
        for (const json& o : kube(QByteArray::fromStdString(prefix + "/namespaces/" + ns + "/" + listPath))
                                 .value("items", json::array()))
            if (ownerOf(o) == owner)
                out.insert(o["metadata"].value("name", ""));
        return out;
    }

private Q_SLOTS:
    void initTestCase()
    {
        SandboxOptions options;
        options.seed = 42;
        options.fixedNowMs = kAnchor;
        options.scenarioFiles
            = { qEnvironmentVariable("LEAKDESK_SOURCE_DIR") + QStringLiteral("/resources/scenarios/storefront.yaml") };
        const QString why = test::startForRawHttp(m_host, options, m_http);
        QVERIFY2(why.isEmpty(), qPrintable(why));
        qInfo("sandbox clock pinned at %lld (LEAKDESK_TEST_NOW_MS does not apply: the moment is fixed)",
            static_cast<long long>(kAnchor));
    }

    // A Deployment's ReplicaSets over two weeks are the one the API serves and the one it replaced,
    // which the API no longer knows; their pods are today's and the former ones. Over the last
    // week only today's: the former pods were gone before it.
    void deploymentPodsOverHistory_data()
    {
        QTest::addColumn<QString>("serviceName");
        for (const char* s : { "checkout", "payments", "catalog" })
            QTest::newRow(s) << QString::fromLatin1(s);
    }
    void deploymentPodsOverHistory()
    {
        QFETCH(QString, serviceName);
        const std::string service = serviceName.toStdString();
        const std::vector<json> replicaSets = series(
            "kube_replicaset_owner{namespace=\"production\",owner_kind=\"Deployment\",owner_name=\"" + service + "\"}",
            now() - kTwoWeeksAndADayMs);
        const Names names = valuesOf(replicaSets, "replicaset");
        const Names served = servedOwnedBy("production", "replicasets", "Deployment/" + service);
        QCOMPARE(served.size(), std::size_t(1));
        QCOMPARE(names.size(), std::size_t(2));
        QVERIFY(names.count(*served.begin()));

        const SandboxModel model(42, kAnchor);
        Names expected = servedOwnedBy("production", "pods", "ReplicaSet/" + *served.begin());
        Names former;
        for (const PodSpec& p : model.pods())
            if (p.former && model.services()[p.service].name == service)
                former.insert(p.name);
        QCOMPARE(int(former.size()), model.services()[*model.serviceIndex(service)].replicas);
        expected.insert(former.begin(), former.end());
        const std::string podSelector
            = "kube_pod_owner{namespace=\"production\",owner_kind=\"ReplicaSet\",owner_name=~\"" + join(names, '|')
            + "\"}";
        const std::vector<json> pods = series(podSelector, now() - kTwoWeeksAndADayMs);
        QCOMPARE(valuesOf(pods, "pod"), expected);
        for (const json& p : pods)
            QCOMPARE(p.value("owner_name", ""), nameBeforeSuffix(p.value("pod", "")));
        // Over the last week (the default range), only the pods the API serves.
        const Names lastWeek = valuesOf(series(podSelector, now() - 7 * kDayMs), "pod");
        QCOMPARE(lastWeek, servedOwnedBy("production", "pods", "ReplicaSet/" + *served.begin()));
    }

    // Scenario workloads: the pods a real cluster's Prometheus would tie to each one, through
    // ReplicaSets (Deployment, Rollout), Jobs (CronJob) or the pods' own owner (StatefulSet,
    // DaemonSet), are the pods the API serves; a CronJob's include the runs its history limit
    // removed since.
    void scenarioPodsByOwner_data()
    {
        QTest::addColumn<QString>("workloadKind");
        QTest::addColumn<QString>("workloadName");
        QTest::newRow("StatefulSet") << "StatefulSet"
                                     << "search";
        QTest::newRow("DaemonSet") << "DaemonSet"
                                   << "node-agent";
        QTest::newRow("Deployment") << "Deployment"
                                    << "cart";
        QTest::newRow("Rollout") << "Rollout"
                                 << "recommender";
        QTest::newRow("CronJob") << "CronJob"
                                 << "report";
    }
    void scenarioPodsByOwner()
    {
        QFETCH(QString, workloadKind);
        QFETCH(QString, workloadName);
        const std::string kind = workloadKind.toStdString();
        const std::string name = workloadName.toStdString();
        const std::string ns = "storefront";
        const std::int64_t from = now() - 7 * kDayMs;
        std::string podOwnerKind = kind;
        Names owners { name };
        Names servedPods;
        if (kind == "Deployment" || kind == "Rollout" || kind == "CronJob") {
            const bool jobs = kind == "CronJob";
            podOwnerKind = jobs ? "Job" : "ReplicaSet";
            const std::vector<json> owned = series(std::string(jobs ? "kube_job_owner" : "kube_replicaset_owner")
                    + "{namespace=\"storefront\",owner_kind=\"" + kind + "\",owner_name=\"" + name + "\"}",
                from);
            owners = valuesOf(owned, jobs ? "job_name" : "replicaset");
            const Names served = servedOwnedBy(ns, jobs ? "jobs" : "replicasets", kind + "/" + name);
            QVERIFY(!served.empty());
            for (const std::string& o : served) {
                QVERIFY2(owners.count(o), o.c_str());
                const Names pods = servedOwnedBy(ns, "pods", podOwnerKind + "/" + o);
                servedPods.insert(pods.begin(), pods.end());
            }
            if (jobs)
                QVERIFY2(owners.size() > served.size() + 40, qPrintable(QString::number(owners.size())));
            else
                QCOMPARE(owners, served);
        } else {
            servedPods = servedOwnedBy(ns, "pods", kind + "/" + name);
        }
        QVERIFY(!servedPods.empty());
        const std::vector<json> pods = series("kube_pod_owner{namespace=\"storefront\",owner_kind=\"" + podOwnerKind
                + "\",owner_name=~\"" + join(owners, '|') + "\"}",
            from);
        const Names found = valuesOf(pods, "pod");
        if (kind == "CronJob") {
            QVERIFY(std::includes(found.begin(), found.end(), servedPods.begin(), servedPods.end()));
            QVERIFY(found.size() > servedPods.size());
        } else {
            QCOMPARE(found, servedPods);
        }
        if (kind == "StatefulSet")
            QCOMPARE(found, (Names { "search-0", "search-1", "search-2" }));
        for (const json& p : pods)
            if (kind != "StatefulSet" && kind != "DaemonSet")
                QCOMPARE(p.value("owner_name", ""), nameBeforeSuffix(p.value("pod", "")));
    }

    // A StatefulSet's rollout makes each pod again under its name: still one series per name,
    // present throughout.
    void statefulSetPodMadeAgainKeepsItsSeries()
    {
        const std::int64_t before = now();
        const test::HttpReply r = patch("/apis/apps/v1/namespaces/storefront/statefulsets/search",
            "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"leakdesk.test/restarted-at\":\"now\"}}}}}",
            "application/merge-patch+json");
        QVERIFY2(r.status == 200, r.body.constData());
        advance(10 * kMinuteMs);
        const json pod = kube("/api/v1/namespaces/storefront/pods/search-0");
        QVERIFY2(
            pod["metadata"].value("creationTimestamp", "") > std::string("2026-03-10T14:23:45Z"), pod.dump().c_str());
        const std::vector<json> pods
            = series("kube_pod_owner{namespace=\"storefront\",owner_kind=\"StatefulSet\",owner_name=\"search\"}",
                before - kHourMs);
        QCOMPARE(valuesOf(pods, "pod"), (Names { "search-0", "search-1", "search-2" }));
        QCOMPARE(pods.size(), std::size_t(3));
    }

    // A rollout of the built-in Deployment: its new ReplicaSet and pods have series at once, and
    // the pods it replaced stay in the history under the ReplicaSet before.
    void rolloutAddsItsReplicaSetAndPods()
    {
        const std::string old = *servedOwnedBy("production", "replicasets", "Deployment/checkout").begin();
        const Names oldPods = servedOwnedBy("production", "pods", "ReplicaSet/" + old);
        const test::HttpReply r = patch("/apis/apps/v1/namespaces/production/deployments/checkout",
            "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"checkout\",\"resources\":{\"limits\":{"
            "\"memory\":\"3Gi\"}}}]}}}}",
            "application/strategic-merge-patch+json");
        QVERIFY2(r.status == 200, r.body.constData());
        advance(5 * kMinuteMs);
        Names current;
        for (const json& rs : kube("/apis/apps/v1/namespaces/production/replicasets").value("items", json::array()))
            if (ownerOf(rs) == "Deployment/checkout" && rs["spec"].value("replicas", 0) > 0)
                current.insert(rs["metadata"].value("name", ""));
        QCOMPARE(current.size(), std::size_t(1));
        const std::string next = *current.begin();
        QVERIFY(next != old);
        const Names names = valuesOf(series("kube_replicaset_owner{namespace=\"production\",owner_name=\"checkout\"}",
                                         now() - kTwoWeeksAndADayMs),
            "replicaset");
        QCOMPARE(names.size(), std::size_t(3));
        QVERIFY(names.count(old) && names.count(next));
        const Names newPods = servedOwnedBy("production", "pods", "ReplicaSet/" + next);
        QCOMPARE(int(newPods.size()), 3);
        QCOMPARE(
            valuesOf(series("kube_pod_owner{owner_kind=\"ReplicaSet\",owner_name=\"" + next + "\"}", now() - kHourMs),
                "pod"),
            newPods);
        // The replaced pods are gone from the API, not from the history.
        QVERIFY(servedOwnedBy("production", "pods", "ReplicaSet/" + old).empty());
        QCOMPARE(
            valuesOf(
                series("kube_pod_owner{owner_kind=\"ReplicaSet\",owner_name=\"" + old + "\"}", now() - kHourMs), "pod"),
            oldPods);
    }
};

QTEST_GUILESS_MAIN(TestSandboxOwners)
#include "tst_sandbox_owners.moc"
