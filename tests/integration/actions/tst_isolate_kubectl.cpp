// `leakdesk-cli isolate` against `leakdesk-cli sandbox serve`, with the real kubectl as the witness:
// the dry run changes nothing, --yes --wait takes the pod out of the Service's endpoints while its
// ReplicaSet starts a replacement (the pod keeps running, marked leakdesk.io/isolated), and
// --revert puts the label back.

#include "KubectlHarness.h"
#include "TestSupport.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;
using nlohmann::json;

class TestIsolateKubectl : public QObject {
    Q_OBJECT
    test::KubectlHarness m_kubectl;
    QTemporaryDir m_dir;
    test::ServedSandbox m_sandbox;
    QString m_kubeconfig;

    json kubectlJson(const QStringList& args)
    {
        return m_kubectl.json(QStringList { QStringLiteral("-n"), QStringLiteral("production") } + args);
    }

    test::ProcessResult isolate(const QStringList& args)
    {
        return test::runProgram(test::cliPath(),
            QStringList { QStringLiteral("isolate"), QStringLiteral("--kubeconfig"), m_kubeconfig } + args, 90000);
    }

    // The pods the Service selects, ready or not: the sandbox runs on the wall clock, and at the
    // moment the suite runs a checkout pod may be in its OOM restart back-off (not ready, yet
    // still the Service's and back in its ready addresses within seconds).
    std::vector<std::string> endpointIps()
    {
        std::vector<std::string> ips;
        const json ep = kubectlJson({ QStringLiteral("get"), QStringLiteral("endpoints"), QStringLiteral("checkout") });
        for (const json& s : ep.value("subsets", json::array()))
            for (const char* list : { "addresses", "notReadyAddresses" })
                for (const json& a : s.value(list, json::array()))
                    ips.push_back(a.value("ip", ""));
        return ips;
    }

    std::vector<std::string> podNames(const QString& selector)
    {
        std::vector<std::string> names;
        const json list = kubectlJson({ QStringLiteral("get"), QStringLiteral("pods"), QStringLiteral("-l"), selector });
        for (const json& p : list.value("items", json::array()))
            if (!p["metadata"].contains("deletionTimestamp"))
                names.push_back(p["metadata"]["name"].get<std::string>());
        return names;
    }

private Q_SLOTS:
    void initTestCase()
    {
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("kubectl"));
        QVERIFY(m_dir.isValid());
        const QString why = m_kubectl.serve(m_sandbox);
        QVERIFY2(why.isEmpty(), qPrintable(why));
        m_kubeconfig = m_kubectl.kubeconfig();
    }

    void cleanupTestCase() { QVERIFY(m_sandbox.stop()); }

    void isolateThenPutBack()
    {
        const auto before = podNames(QStringLiteral("app=checkout"));
        QCOMPARE(before.size(), std::size_t(3));
        const QString pod = QString::fromStdString(before.front());
        const json podBefore = kubectlJson({ QStringLiteral("get"), QStringLiteral("pod"), pod });
        const std::string ip = podBefore["status"]["podIP"].get<std::string>();
        auto ips = endpointIps();
        QVERIFY(std::find(ips.begin(), ips.end(), ip) != ips.end());

        // Dry run: the plan, as JSON, and nothing changes.
        const auto dry = isolate({ QStringLiteral("-n"), QStringLiteral("production"), QStringLiteral("--pod"), pod,
            QStringLiteral("--dry-run"), QStringLiteral("--format"), QStringLiteral("json") });
        QVERIFY2(dry.exitCode == 0, dry.err.constData());
        const json plan = json::parse(dry.out.toStdString(), nullptr, false);
        QVERIFY(plan["remove"] == json({ { "app", "checkout" } }));
        QVERIFY(plan["services"] == json::array({ "checkout" }));
        QVERIFY(plan["replacementExpected"] == json(true));
        QCOMPARE(podNames(QStringLiteral("app=checkout")), before);

        // Without a terminal and without --yes nothing happens.
        const auto unasked = isolate({ QStringLiteral("-n"), QStringLiteral("production"), QStringLiteral("--pod"), pod });
        QCOMPARE(unasked.exitCode, 1);
        QCOMPARE(podNames(QStringLiteral("app=checkout")), before);

        const QString record = m_dir.filePath(QStringLiteral("isolation.json"));
        const auto applied = isolate({ QStringLiteral("-n"), QStringLiteral("production"), QStringLiteral("--pod"), pod,
            QStringLiteral("--yes"), QStringLiteral("--record"), record, QStringLiteral("--wait"),
            QStringLiteral("--timeout"), QStringLiteral("60") });
        QVERIFY2(applied.exitCode == 0, applied.err.constData());
        QVERIFY2(applied.out.contains("replacement") && applied.out.contains("is ready"), applied.out.constData());

        ips = endpointIps();
        QVERIFY2(std::find(ips.begin(), ips.end(), ip) == ips.end(), "the Service still sends it requests");
        // What a responder checks by hand: `kubectl describe service` (it reads EndpointSlices).
        const auto described = m_kubectl.run({ QStringLiteral("-n"), QStringLiteral("production"),
            QStringLiteral("describe"), QStringLiteral("service"), QStringLiteral("checkout") });
        QVERIFY2(described.exitCode == 0, described.err.constData());
        QByteArray endpointsLine;
        for (const QByteArray& line : described.out.split('\n'))
            if (line.startsWith("Endpoints:"))
                endpointsLine = line;
        QVERIFY2(endpointsLine.contains(":8080") && !endpointsLine.contains(QByteArray::fromStdString(ip + ":")),
            described.out.constData());
        QCOMPARE(ips.size(), std::size_t(3));
        const auto isolated = podNames(QStringLiteral("leakdesk.io/isolated=true"));
        QCOMPARE(isolated, std::vector<std::string> { pod.toStdString() });
        const auto serving = podNames(QStringLiteral("app=checkout"));
        QCOMPARE(serving.size(), std::size_t(3));
        QVERIFY(std::find(serving.begin(), serving.end(), pod.toStdString()) == serving.end());
        const json podAfter = kubectlJson({ QStringLiteral("get"), QStringLiteral("pod"), pod });
        QVERIFY(podAfter["status"]["phase"] == json("Running"));
        QVERIFY(!podAfter["metadata"].contains("ownerReferences"));

        const auto back = isolate({ QStringLiteral("--revert"), record, QStringLiteral("--yes") });
        QVERIFY2(back.exitCode == 0, back.err.constData());
        QVERIFY(back.out.contains("adopts it"));
        const json podBack = kubectlJson({ QStringLiteral("get"), QStringLiteral("pod"), pod });
        QVERIFY(podBack["metadata"]["labels"].value("app", "") == "checkout");
        QVERIFY(!podBack["metadata"]["labels"].contains("leakdesk.io/isolated"));
        ips = endpointIps();
        QVERIFY(std::find(ips.begin(), ips.end(), ip) != ips.end());

        // A second revert finds the pod no longer marked and refuses.
        const auto again = isolate({ QStringLiteral("--revert"), record, QStringLiteral("--yes") });
        QCOMPARE(again.exitCode, 1);
        QVERIFY2(again.err.contains("refusing"), again.err.constData());
    }

    // After the dump: --delete removes the pod that is out of its Service; kubectl no longer finds it
    // and the Service keeps its three pods (the replacement made when it was taken out).
    void isolateThenDeleteAfterTheDump()
    {
        const auto before = podNames(QStringLiteral("app=checkout"));
        QCOMPARE(before.size(), std::size_t(3));
        const QString pod = QString::fromStdString(before.back());
        const QString record = m_dir.filePath(QStringLiteral("isolation-delete.json"));
        const auto applied = isolate({ QStringLiteral("-n"), QStringLiteral("production"), QStringLiteral("--pod"), pod,
            QStringLiteral("--yes"), QStringLiteral("--record"), record, QStringLiteral("--wait") });
        QVERIFY2(applied.exitCode == 0, applied.err.constData());
        const auto deleted = isolate({ QStringLiteral("--delete"), record, QStringLiteral("--yes") });
        QVERIFY2(deleted.exitCode == 0, deleted.err.constData());
        const QByteArray command = QByteArray("kubectl delete pod ") + pod.toUtf8();
        QVERIFY2(deleted.out.contains(command), deleted.out.constData());
        QVERIFY(QTest::qWaitFor(
            [&] {
                const auto r = m_kubectl.run({ QStringLiteral("-n"), QStringLiteral("production"),
                    QStringLiteral("get"), QStringLiteral("pod"), pod });
                return r.exitCode != 0 && r.err.contains("NotFound");
            },
            15000));
        QCOMPARE(podNames(QStringLiteral("app=checkout")).size(), std::size_t(3));
        QCOMPARE(endpointIps().size(), std::size_t(3));
    }

    // The real `kubectl delete pod` on a pod its ReplicaSet owns: gone, and a replacement takes its place.
    void kubectlDeletePodIsReplaced()
    {
        const auto before = podNames(QStringLiteral("app=checkout"));
        const QString pod = QString::fromStdString(before.front());
        const auto r = m_kubectl.run({ QStringLiteral("-n"), QStringLiteral("production"), QStringLiteral("delete"),
            QStringLiteral("pod"), pod });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.out.contains("deleted"));
        const auto after = podNames(QStringLiteral("app=checkout"));
        QCOMPARE(after.size(), before.size());
        QVERIFY(std::find(after.begin(), after.end(), pod.toStdString()) == after.end());
    }
};

QTEST_GUILESS_MAIN(TestIsolateKubectl)
#include "tst_isolate_kubectl.moc"
