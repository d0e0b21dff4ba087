// Runbook step 6 from the command line against `leakdesk-cli sandbox serve`, the real kubectl as
// the witness: an incident gets the limit raise, HEAP_LIMIT_RESTART and a pod isolation through
// mitigate/isolate --incident; someone removes HEAP_LIMIT_RESTART by hand with kubectl; then
// `mitigate --undo-stopgaps` says that one is already gone, previews and undoes the others in
// order (the pod first, the limit last), kubectl sees the limit back at 2Gi and the pod back in
// its Service, and the incident shows nothing applied any more (a second run has nothing to do).
// The hand-over: `heap suspects --incident` records the analysis, `handover` writes the files,
// records them, and the exported report lists them.
#include "KubectlHarness.h"
#include "TestSupport.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;
using nlohmann::json;

class TestCliUndoStopgaps : public QObject {
    Q_OBJECT
    test::KubectlHarness m_kubectl;
    QTemporaryDir m_dir;
    test::ServedSandbox m_sandbox;
    QString m_kubeconfig;
    QString m_incident;

    test::ProcessResult cli(const QStringList& args, int timeoutMs = 120000)
    {
        return test::runProgram(test::cliPath(), args, timeoutMs);
    }
    QStringList cluster() const
    {
        return { QStringLiteral("--kubeconfig"), m_kubeconfig, QStringLiteral("--namespace"),
            QStringLiteral("production") };
    }
    json deployment()
    {
        return m_kubectl.json({ QStringLiteral("get"), QStringLiteral("deployment"), QStringLiteral("checkout"),
            QStringLiteral("-n"), QStringLiteral("production") });
    }
    json incidentJson()
    {
        QFile f(m_incident);
        if (!f.open(QIODevice::ReadOnly))
            return nullptr;
        return json::parse(f.readAll().toStdString(), nullptr, false);
    }
    static std::string limitOf(const json& d)
    {
        return d["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"].value("memory", "");
    }
    static bool hasEnv(const json& d, const std::string& name)
    {
        for (const auto& e : d["spec"]["template"]["spec"]["containers"][0].value("env", json::array()))
            if (e.value("name", "") == name)
                return true;
        return false;
    }

private Q_SLOTS:
    void initTestCase()
    {
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("kubectl"));
        QVERIFY(m_dir.isValid());
        const QString why = m_kubectl.serve(m_sandbox);
        QVERIFY2(why.isEmpty(), qPrintable(why));
        m_kubeconfig = m_kubectl.kubeconfig();
        m_incident = m_dir.filePath(QStringLiteral("checkout.leakdesk"));
    }

    void cleanupTestCase() { QVERIFY(m_sandbox.stop()); }

    void stopgapsAreJournaledAndUndoneInOrder()
    {
        const auto investigated = cli(QStringList { QStringLiteral("investigate"), QStringLiteral("--service"),
                                          QStringLiteral("checkout"), QStringLiteral("--incident"), m_incident }
            + cluster());
        QVERIFY2(investigated.exitCode == 0 || investigated.exitCode == 3, investigated.err.constData());
        QCOMPARE(limitOf(deployment()), std::string("2Gi"));

        for (const QString& kind : { QStringLiteral("limits"), QStringLiteral("heap-restart") }) {
            const auto r
                = cli(QStringList { QStringLiteral("mitigate"), kind, QStringLiteral("--deployment"),
                          QStringLiteral("checkout"), QStringLiteral("--yes"), QStringLiteral("--verify"),
                          QStringLiteral("1"), QStringLiteral("--record"),
                          m_dir.filePath(kind + QStringLiteral(".json")), QStringLiteral("--incident"), m_incident }
                    + cluster());
            QVERIFY2(r.exitCode == 0, r.err.constData());
            QVERIFY2(r.err.contains("journaled in"), r.err.constData());
        }
        const auto isolated
            = cli(QStringList { QStringLiteral("isolate"), QStringLiteral("--workload"),
                      QStringLiteral("deployment/checkout"), QStringLiteral("--yes"), QStringLiteral("--record"),
                      m_dir.filePath(QStringLiteral("iso.json")), QStringLiteral("--incident"), m_incident }
                + cluster());
        QVERIFY2(isolated.exitCode == 0, isolated.err.constData());
        QFile isoFile(m_dir.filePath(QStringLiteral("iso.json")));
        QVERIFY(isoFile.open(QIODevice::ReadOnly));
        const std::string pod = json::parse(isoFile.readAll().toStdString()).value("pod", "");
        QVERIFY(!pod.empty());
        QCOMPARE(limitOf(deployment()), std::string("4Gi"));
        QVERIFY(hasEnv(deployment(), "HEAP_LIMIT_RESTART"));

        // The incident holds the three applied actions with their records.
        json doc = incidentJson();
        std::map<std::string, std::string> applied; // kind -> id
        for (const auto& a : doc["actions"])
            if (a.value("state", "") == "applied")
                applied[a.value("kind", "")] = a.value("id", "");
        QVERIFY(applied.count("raise-limit") && applied.count("heap-limit-restart") && applied.count("isolate-pod"));

        // Someone takes HEAP_LIMIT_RESTART away by hand.
        const auto byHand
            = m_kubectl.run({ QStringLiteral("set"), QStringLiteral("env"), QStringLiteral("deployment/checkout"),
                QStringLiteral("-n"), QStringLiteral("production"), QStringLiteral("HEAP_LIMIT_RESTART-") });
        QVERIFY2(byHand.exitCode == 0, byHand.err.constData());

        // Without a terminal and without --yes nothing changes; the preview says what would.
        const QStringList undo { QStringLiteral("mitigate"), QStringLiteral("--undo-stopgaps"),
            QStringLiteral("--incident"), m_incident, QStringLiteral("--kubeconfig"), m_kubeconfig,
            QStringLiteral("--verify"), QStringLiteral("2"), QStringLiteral("--timeout"), QStringLiteral("30") };
        const auto unconfirmed = cli(undo);
        QCOMPARE(unconfirmed.exitCode, 1);
        QVERIFY2(unconfirmed.out.contains(QByteArray("[already gone] ").append(applied["heap-limit-restart"].c_str())),
            unconfirmed.out.constData());
        QVERIFY2(unconfirmed.out.contains(QByteArray("[in effect] ").append(applied["raise-limit"].c_str())),
            unconfirmed.out.constData());
        QVERIFY(unconfirmed.out.contains("resources.limits.memory: 4Gi → 2Gi"));
        QVERIFY(unconfirmed.out.contains("metadata.labels.app: <none> → checkout"));
        QVERIFY(unconfirmed.err.contains("without confirmation"));
        QCOMPARE(limitOf(deployment()), std::string("4Gi"));

        const auto done = cli(undo + QStringList { QStringLiteral("--yes") }, 300000);
        QVERIFY2(done.exitCode == 0, QByteArray(done.out).append(done.err).constData());
        // In order: the pod, then the already-gone HEAP_LIMIT_RESTART, then the limit (the outcomes
        // follow the check's listing and the order's explanation).
        const QByteArray results = done.out.mid(done.out.indexOf("order:"));
        const auto podAt = results.indexOf(QByteArray("[undone] ").append(applied["isolate-pod"].c_str()));
        const auto envAt = results.indexOf(QByteArray("[already gone] ").append(applied["heap-limit-restart"].c_str()));
        const auto limitAt = results.indexOf(QByteArray("[undone] ").append(applied["raise-limit"].c_str()));
        QVERIFY2(podAt > 0 && envAt > podAt && limitAt > envAt, done.out.constData());
        QVERIFY2(done.out.contains("stayed after 2 s"), done.out.constData());

        // kubectl sees it: the limit back, no HEAP_LIMIT_RESTART, the pod back in its Service or
        // (adopted by its ReplicaSet, one too many) gone.
        QCOMPARE(limitOf(deployment()), std::string("2Gi"));
        QVERIFY(!hasEnv(deployment(), "HEAP_LIMIT_RESTART"));
        const auto podNow = m_kubectl.run({ QStringLiteral("get"), QStringLiteral("pod"), QString::fromStdString(pod),
            QStringLiteral("-n"), QStringLiteral("production"), QStringLiteral("-o"), QStringLiteral("json") });
        if (podNow.exitCode == 0) {
            const json p = json::parse(podNow.out.toStdString());
            QCOMPARE(p["metadata"]["labels"].value("app", ""), std::string("checkout"));
            QVERIFY(!p["metadata"]["labels"].contains("leakdesk.io/isolated"));
        } else {
            QVERIFY2(podNow.err.contains("NotFound") || podNow.err.contains("not found"), podNow.err.constData());
        }

        // The incident: nothing applied any more; a second run has nothing to do.
        doc = incidentJson();
        for (const auto& a : doc["actions"])
            QVERIFY2(a.value("state", "") != "applied" || a.value("kind", "") == "shell", a.dump().c_str());
        const auto again = cli(undo + QStringList { QStringLiteral("--yes") });
        QCOMPARE(again.exitCode, 0);
        QVERIFY2(again.out.contains("nothing to undo"), again.out.constData());
    }

    void handoverIsWrittenRecordedAndReported()
    {
        const QString dump = test::sourceDir() + QStringLiteral("/resources/heapdumps/checkout-late.hprof.gz");
        const auto suspects = cli({ QStringLiteral("heap"), QStringLiteral("suspects"), dump, QStringLiteral("--top"),
            QStringLiteral("3"), QStringLiteral("--incident"), m_incident });
        QVERIFY2(suspects.exitCode == 0, suspects.err.constData());
        QVERIFY(suspects.err.contains("recorded in"));
        // Recorded once, like the GUI (a dump already in the incident is not added twice).
        const auto twice = cli(
            { QStringLiteral("heap"), QStringLiteral("suspects"), dump, QStringLiteral("--incident"), m_incident });
        QVERIFY(twice.err.contains("already recorded"));
        QCOMPARE(incidentJson()["heap_dumps"].size(), std::size_t(1));

        const QString out = m_dir.filePath(QStringLiteral("handover"));
        const auto handed = cli({ QStringLiteral("handover"), QStringLiteral("--incident"), m_incident,
            QStringLiteral("--out"), out, QStringLiteral("--format"), QStringLiteral("json") });
        QVERIFY2(handed.exitCode == 0, handed.err.constData());
        const json j = json::parse(handed.out.toStdString());
        QCOMPARE(j.value("runtime", ""), std::string("jvm"));
        QCOMPARE(j["workload"].value("name", ""), std::string("checkout"));
        QCOMPARE(j["files"].size(), std::size_t(4));
        for (const auto& f : j["files"])
            QVERIFY2(QFile::exists(QString::fromStdString(f.value("path", ""))), f.dump().c_str());
        QCOMPARE(incidentJson()["attachments"].size(), std::size_t(4));

        const QString report = m_dir.filePath(QStringLiteral("report.md"));
        const auto exported = cli({ QStringLiteral("export"), m_incident, QStringLiteral("--format"),
            QStringLiteral("md"), QStringLiteral("--out"), report });
        QVERIFY2(exported.exitCode == 0, exported.err.constData());
        QFile md(report);
        QVERIFY(md.open(QIODevice::ReadOnly));
        const QByteArray text = md.readAll();
        QVERIFY(text.contains("Handed over"));
        for (const auto& f : j["files"])
            QVERIFY2(text.contains(QByteArray::fromStdString(
                         QFileInfo(QString::fromStdString(f.value("path", ""))).fileName().toStdString())),
                text.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliUndoStopgaps)
#include "tst_cli_undo_stopgaps.moc"
