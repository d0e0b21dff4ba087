// leakdesk-cli against `sandbox serve` (one sandbox for the whole run, so its silences persist
// between commands; Alertmanager found in the cluster through the API server's service proxy):
// `alerts` lists the leaking workloads' memory alerts, `alerts --start-incident` and
// `investigate --from-alert` record the alert in the incident, `mitigate --silence` creates a
// silence with the incident's id and journals it, and `mitigate --revert --incident` expires it
// (and says so when it had already expired).
#include "TestSupport.h"
#include "core/alerts/AlertIncident.h"
#include "core/common/ActionKinds.h"
#include "core/incident/ActionJournal.h"
#include "core/incident/IncidentStore.h"

#include <QTemporaryDir>
#include <QTest>

#include <set>

#include <nlohmann/json.hpp>

using namespace leakdesk;
using nlohmann::json;

class TestAlertsCli : public QObject {
    Q_OBJECT
private:
    test::ServedSandbox m_sandbox;
    QTemporaryDir m_dir;

    test::ProcessResult cli(const QStringList& args) { return test::runProgram(test::cliPath(), args, 180000); }
    QStringList cluster() const { return { QStringLiteral("--kubeconfig"), m_sandbox.kubeconfig }; }
    incident::IncidentDocument incidentAt(const QString& path)
    {
        auto loaded = incident::IncidentStore(path).load();
        if (!loaded)
            qWarning("%s", loaded.error().message.c_str());
        return loaded ? loaded->document : incident::IncidentDocument {};
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QString why;
        QVERIFY2(m_sandbox.start({}, why), qPrintable(why));
    }

    void listsMemoryAlertsByWorkload()
    {
        const auto r = cli(QStringList { QStringLiteral("alerts") } + cluster()
            + QStringList { QStringLiteral("--format"), QStringLiteral("json") });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.err.contains("monitoring/alertmanager-main"), r.err.constData()); // found in the cluster
        const json list = json::parse(r.out.toStdString());
        std::set<std::string> workloads;
        for (const json& a : list) {
            QVERIFY(a.at("alertname").get<std::string>() != "Watchdog");
            QVERIFY2(a.at("workload").is_object(), a.dump().c_str());
            workloads.insert(
                a.at("namespace").get<std::string>() + "/" + a.at("workload").at("name").get<std::string>());
        }
        QVERIFY(workloads.count("production/checkout"));
        QVERIFY(!workloads.count("production/catalog"));
        // --namespace narrows it; the table names the workload.
        const auto table = cli(QStringList { QStringLiteral("alerts") } + cluster()
            + QStringList { QStringLiteral("-n"), QStringLiteral("storefront") });
        QVERIFY2(table.exitCode == 0, table.err.constData());
        QVERIFY(!table.out.contains("production "));
    }

    void startIncidentAndSilenceWhileMitigating()
    {
        const auto r = cli(QStringList { QStringLiteral("alerts") } + cluster()
            + QStringList { QStringLiteral("-n"), QStringLiteral("production"), QStringLiteral("--format"),
                QStringLiteral("json") });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        std::string fingerprint;
        for (const json& a : json::parse(r.out.toStdString()))
            if (a.at("workload").is_object() && a.at("workload").at("name") == "checkout")
                fingerprint = a.at("fingerprint").get<std::string>();
        QVERIFY(!fingerprint.empty());
        const QString file = m_dir.filePath(QStringLiteral("checkout.leakdesk"));

        // Start the incident from the alert: the investigation of its workload, the alert recorded.
        const auto inv = cli(QStringList { QStringLiteral("investigate") } + cluster()
            + QStringList { QStringLiteral("--from-alert"), QString::fromStdString(fingerprint),
                QStringLiteral("--incident"), file, QStringLiteral("--format"), QStringLiteral("json") });
        QVERIFY2(inv.exitCode == 0 || inv.exitCode == 3, inv.err.constData());
        QCOMPARE(QString::fromStdString(json::parse(inv.out.toStdString()).at("namespace").get<std::string>()),
            QStringLiteral("production"));
        auto doc = incidentAt(file);
        QCOMPARE(doc.ns, std::string("production"));
        QCOMPARE(doc.service, std::string("checkout"));
        QVERIFY(std::any_of(doc.escalations.begin(), doc.escalations.end(), [&](const incident::EscalationEvent& e) {
            return e.kind == alerts::kAlertEventKind && e.detail.find(fingerprint) != std::string::npos;
        }));
        QVERIFY(!doc.snapshots.empty());

        // Mitigate with a silence: previewed, created, journaled with the incident's id.
        const QString record = m_dir.filePath(QStringLiteral("limits.json"));
        const auto m = cli(QStringList { QStringLiteral("mitigate"), QStringLiteral("limits") } + cluster()
            + QStringList { QStringLiteral("-n"), QStringLiteral("production"), QStringLiteral("--deployment"),
                QStringLiteral("checkout"), QStringLiteral("--memory"), QStringLiteral("4Gi"),
                QStringLiteral("--silence"), QStringLiteral("2h"), QStringLiteral("--incident"), file,
                QStringLiteral("--yes"), QStringLiteral("--record"), record, QStringLiteral("--verify"),
                QStringLiteral("0") });
        QVERIFY2(m.exitCode == 0, QByteArray(m.out + m.err).constData());
        QVERIFY2(m.out.contains("amtool equivalent: amtool") || m.err.contains("amtool equivalent: amtool"),
            m.out.constData());
        doc = incidentAt(file);
        const auto* action = incident::lastAppliedAction(doc, actionkind::kSilenceAlerts, "deployment/checkout");
        QVERIFY(action);
        auto silence = alerts::SilenceRecord::fromJson(action->revertData);
        QVERIFY(silence.ok());
        QVERIFY(QString::fromStdString(silence->comment).contains(QString::fromStdString(doc.id)));
        QCOMPARE(silence->endsAtMs - silence->startsAtMs, std::int64_t(2 * 3600 * 1000));
        // checkout's alerts are now silenced, as `alerts --include-silenced` shows.
        const auto after = cli(QStringList { QStringLiteral("alerts") } + cluster()
            + QStringList { QStringLiteral("-n"), QStringLiteral("production"), QStringLiteral("--include-silenced"),
                QStringLiteral("--format"), QStringLiteral("json") });
        bool silencedSeen = false;
        for (const json& a : json::parse(after.out.toStdString()))
            if (a.at("workload").is_object() && a.at("workload").at("name") == "checkout")
                silencedSeen = silencedSeen || !a.at("silenced_by").empty();
        QVERIFY(silencedSeen);

        // The revert puts the limit back and expires the silence; the action is reverted.
        const auto rev = cli(QStringList { QStringLiteral("mitigate"), QStringLiteral("limits") } + cluster()
            + QStringList {
                QStringLiteral("--revert"), record, QStringLiteral("--incident"), file, QStringLiteral("--yes") });
        QVERIFY2(rev.exitCode == 0, QByteArray(rev.out + rev.err).constData());
        QVERIFY2(rev.out.contains("expired at"), rev.out.constData());
        doc = incidentAt(file);
        QVERIFY(!incident::lastAppliedAction(doc, actionkind::kSilenceAlerts, "deployment/checkout"));
        // Nothing left to expire: said, not an error.
        const auto again = cli(QStringList { QStringLiteral("mitigate"), QStringLiteral("limits") } + cluster()
            + QStringList {
                QStringLiteral("--revert"), record, QStringLiteral("--incident"), file, QStringLiteral("--yes") });
        QVERIFY2(again.exitCode == 0, QByteArray(again.out + again.err).constData());
        QVERIFY2(again.out.contains("no silence of"), again.out.constData());
    }

    void silenceNeedsAnIncident()
    {
        const auto m = cli(QStringList { QStringLiteral("mitigate"), QStringLiteral("limits") } + cluster()
            + QStringList { QStringLiteral("-n"), QStringLiteral("production"), QStringLiteral("--deployment"),
                QStringLiteral("checkout"), QStringLiteral("--silence"), QStringLiteral("2h"),
                QStringLiteral("--dry-run") });
        QCOMPARE(m.exitCode, 2);
        QVERIFY(m.err.contains("--incident"));
    }
};

QTEST_GUILESS_MAIN(TestAlertsCli)
#include "tst_alerts_cli.moc"
