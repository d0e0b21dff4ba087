// The CLI as a responder runs it on the sandbox: record two investigations into one incident file,
// export it in every format (plain and redacted), and get a clear answer for a damaged file.
#include "../../unit/incident/IncidentFixture.h"
#include "../../unit/incident/SecretSamples.h"
#include "TestSupport.h"

#include "core/incident/IncidentJson.h"
#include "core/incident/IncidentStore.h"

#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <set>
#include <vector>

using namespace leakdesk;
using namespace leakdesk::test;

class TestCliIncident : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString incidentPath() const { return m_dir.filePath(QStringLiteral("checkout.leakdesk")); }

private Q_SLOTS:
    void investigateRecordsAnIncident()
    {
        for (int run = 0; run < 2; ++run) {
            const auto r = runProgram(cliPath(),
                { QStringLiteral("investigate"), QStringLiteral("--sandbox"), QStringLiteral("--namespace"),
                    QStringLiteral("production"), QStringLiteral("--service"), QStringLiteral("checkout"),
                    QStringLiteral("--format"), QStringLiteral("json"), QStringLiteral("--incident"), incidentPath() },
                120000);
            QVERIFY2(r.exitCode == 0, r.err.constData());
            QVERIFY(r.out.trimmed().startsWith('{')); // stdout stays the findings
            QVERIFY2(r.err.contains("recorded in"), r.err.constData());
            QCOMPARE(r.err.contains("(new incident)"), run == 0);
        }
        auto doc = incident::readIncidentFile(incidentPath());
        QVERIFY2(doc.ok(), doc.ok() ? "" : doc.error().toString().c_str());
        QCOMPARE(doc->service, std::string("checkout"));
        QCOMPARE(doc->snapshots.size(), std::size_t(2));
        QVERIFY(doc->cluster.sandbox);
        QCOMPARE(doc->currentSeverity(), std::string("P2"));
        // Steps 1 and 2 were answered by the first run and stay as they were on the second.
        QCOMPARE(doc->runbook.steps.at(0).state, incident::StepState::Done);
        QCOMPARE(doc->runbook.steps.at(1).state, incident::StepState::Done);
        QCOMPARE(doc->runbook.steps.at(2).state, incident::StepState::Pending);
        QVERIFY(doc->runbook.steps.at(0).note.find("sawtooth") != std::string::npos);
        QVERIFY(QFile::exists(incident::IncidentStore::backupPathFor(incidentPath())));
    }

    void parallelInvestigationsAreAllRecorded()
    {
        // Four responders (or one script) record into one file at the same time: each run says
        // "recorded", so each snapshot must be in the file.
        constexpr int kRuns = 4;
        const QString path = m_dir.filePath(QStringLiteral("parallel.leakdesk"));
        std::vector<std::unique_ptr<QProcess>> runs;
        for (int i = 0; i < kRuns; ++i) {
            auto p = std::make_unique<QProcess>();
            p->start(cliPath(),
                { QStringLiteral("investigate"), QStringLiteral("--sandbox"), QStringLiteral("--namespace"),
                    QStringLiteral("production"), QStringLiteral("--service"), QStringLiteral("checkout"),
                    QStringLiteral("--format"), QStringLiteral("json"), QStringLiteral("--incident"), path });
            runs.push_back(std::move(p));
        }
        for (auto& p : runs) {
            QVERIFY(p->waitForFinished(180000));
            const QByteArray err = p->readAllStandardError();
            QVERIFY2(p->exitCode() == 0, err.constData());
            QVERIFY2(err.contains("recorded in"), err.constData());
        }
        auto doc = incident::readIncidentFile(path);
        QVERIFY2(doc.ok(), doc.ok() ? "" : doc.error().toString().c_str());
        QCOMPARE(doc->snapshots.size(), std::size_t(kRuns));
        std::set<std::string> ids;
        for (const auto& s : doc->snapshots)
            QVERIFY2(ids.insert(s.id).second, s.id.c_str());
        // One "Incident opened" only: a single run created the file, the others recorded into it.
        const auto opened = std::count_if(doc->journal.begin(), doc->journal.end(),
            [](const incident::JournalEntry& e) { return e.title.rfind("Incident opened", 0) == 0; });
        QCOMPARE(int(opened), 1);
    }

    void redactedExportOfAnUnmaskedFileKeepsNoSecret_data()
    {
        QTest::addColumn<QString>("format");
        QTest::addColumn<bool>("kubectlOutput");
        for (const char* f : { "md", "html", "json", "pdf" }) {
            QTest::newRow(f) << f << false;
            QTest::newRow(qPrintable(QStringLiteral("%1 kubectl output").arg(QLatin1String(f)))) << f << true;
        }
    }
    void redactedExportOfAnUnmaskedFileKeepsNoSecret()
    {
        QFETCH(QString, format);
        QFETCH(bool, kubectlOutput);
        // A file as an older LeakDesk wrote it, unmasked: either every secret format pasted in a
        // note, or what the Run button journals for `kubectl get secret -o json` (a List of
        // pretty-printed Secrets) and `kubectl get deploy -o yaml` (an env password).
        incident::IncidentDocument doc = test::fixtureIncident();
        std::vector<std::string> secrets;
        if (kubectlOutput) {
            const std::string secretJson
                = "{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n        {\n"
                  "            \"apiVersion\": \"v1\",\n            \"data\": {\n"
                  "                \".dockerconfigjson\": \"Q2xpLWZha2UtZG9ja2VyLWNvbmZpZw==\",\n"
                  "                \"tls.key\": \"Q2xpLWZha2UtdGxzLWtleS1ib2R5\"\n"
                  "            },\n            \"kind\": \"Secret\",\n"
                  "            \"metadata\": {\n                \"name\": \"regcred\"\n"
                  "            },\n            \"type\": \"Opaque\"\n        }\n    ],\n"
                  "    \"kind\": \"List\"\n}\n";
            const std::string deploymentYaml
                = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\n"
                  "spec:\n  template:\n    spec:\n      containers:\n      - env:\n"
                  "        - name: LOG_LEVEL\n          value: info\n"
                  "        - name: DB_PASSWORD\n          value: Cli-Fake-Db-Pw-5521\n"
                  "        - name: PAYMENT_API_KEY\n          value: \"cli-fake-api-key-0042\"\n"
                  "        image: registry.example.test/checkout:2.3.1\n        name: checkout\n";
            secrets = { "Q2xpLWZha2UtZG9ja2VyLWNvbmZpZw==", "Q2xpLWZha2UtdGxzLWtleS1ib2R5", "Cli-Fake-Db-Pw-5521",
                "cli-fake-api-key-0042" };
            incident::ActionRecord a;
            a.id = "A90";
            a.kind = "shell";
            a.title = "kubectl get secret -n production -o json";
            a.kubectl = a.title;
            a.output = secretJson;
            a.state = incident::ActionState::Applied;
            a.createdMs = doc.updatedMs + 1;
            doc.actions.push_back(a);
            doc.journal.push_back(
                { doc.updatedMs + 1, incident::JournalKind::Action, a.title, secretJson, "A90", "Jsecret" });
            doc.journal.push_back({ doc.updatedMs + 2, incident::JournalKind::Action,
                "kubectl get deploy checkout -n production -o yaml", deploymentYaml, {}, "Jdeploy" });
        } else {
            std::string all;
            for (const auto& s : test::secretSamples()) {
                all += s.text + "\n";
                secrets.push_back(s.secret);
            }
            doc.notes.push_back({ "N90", doc.updatedMs + 1, all, -1 });
            doc.journal.push_back(
                { doc.updatedMs + 1, incident::JournalKind::Note, "pasted output", all, "N90", "Jraw" });
        }
        const QString raw = m_dir.filePath(QStringLiteral("unmasked.leakdesk"));
        {
            QFile f(raw);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            const std::string unmasked = incident::incidentToJson(doc).dump(1);
            for (const auto& secret : secrets) // the file really holds them (else the test proves nothing)
                QVERIFY2(unmasked.find(secret) != std::string::npos, secret.c_str());
            f.write(QByteArray::fromStdString(unmasked));
        }
        const QString out = m_dir.filePath(QStringLiteral("unmasked-export.") + format);
        const auto r = runProgram(cliPath(),
            { QStringLiteral("export"), raw, QStringLiteral("--format"), format, QStringLiteral("--out"), out,
                QStringLiteral("--redact") },
            120000, { QStringLiteral("QT_QPA_PLATFORM=") });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QByteArray bytes;
        if (format == QLatin1String("pdf")) {
            LEAKDESK_REQUIRE_WITNESS(QStringLiteral("pdftotext"));
            const QString pdftotext = findProgram(QStringLiteral("pdftotext"));
            const auto t = runProgram(pdftotext, { QStringLiteral("-raw"), out, QStringLiteral("-") });
            QCOMPARE(t.exitCode, 0);
            bytes = t.out;
        } else {
            QFile f(out);
            QVERIFY(f.open(QIODevice::ReadOnly));
            bytes = f.readAll();
        }
        QVERIFY(bytes.contains("***"));
        if (kubectlOutput)
            QVERIFY(bytes.contains("DB_PASSWORD")); // the entry is exported, only its value masked
        for (const auto& secret : secrets)
            QVERIFY2(!bytes.contains(QByteArray::fromStdString(secret)), secret.c_str());
    }

    void exportsEveryFormat_data()
    {
        QTest::addColumn<QString>("format");
        QTest::addColumn<bool>("redact");
        QTest::addColumn<QByteArray>("starts");
        QTest::newRow("md") << "md" << false << QByteArray("# Incident: checkout memory leak in production");
        QTest::newRow("html") << "html" << false << QByteArray("<!DOCTYPE html>");
        QTest::newRow("pdf") << "pdf" << false << QByteArray("%PDF-");
        QTest::newRow("json") << "json" << false << QByteArray("{");
        QTest::newRow("md redacted") << "md" << true << QByteArray("# Incident: checkout memory leak in namespace-1");
        QTest::newRow("html redacted") << "html" << true << QByteArray("<!DOCTYPE html>");
    }
    void exportsEveryFormat()
    {
        QFETCH(QString, format);
        QFETCH(bool, redact);
        QFETCH(QByteArray, starts);
        const QString out = m_dir.filePath(
            QStringLiteral("out-%1%2.%3").arg(format, redact ? QStringLiteral("-r") : QString(), format));
        QStringList args { QStringLiteral("export"), incidentPath(), QStringLiteral("--format"), format,
            QStringLiteral("--out"), out };
        if (redact)
            args << QStringLiteral("--redact");
        const auto r = runProgram(cliPath(), args, 120000, { QStringLiteral("QT_QPA_PLATFORM=") });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.out.startsWith(out.toUtf8()));
        QFile f(out);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray bytes = f.readAll();
        QVERIFY2(bytes.startsWith(starts), bytes.left(80).constData());
        if (redact) {
            auto doc = incident::readIncidentFile(incidentPath());
            QVERIFY(doc.ok());
            for (const auto& s : doc->snapshots)
                for (const auto& series : s.series)
                    if (!series.label("pod").empty())
                        QVERIFY(!bytes.contains(QByteArray::fromStdString(series.label("pod"))));
            QVERIFY(!bytes.contains("production"));
        }
        if (format == QLatin1String("md"))
            QVERIFY(QFileInfo::exists(
                m_dir.filePath(QStringLiteral("out-md%1-E2.png").arg(redact ? QStringLiteral("-r") : QString()))));
    }

    void defaultOutputAndStdout()
    {
        const auto r = runProgram(cliPath(),
            { QStringLiteral("export"), incidentPath(), QStringLiteral("--format"), QStringLiteral("html") }, 120000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(QFileInfo::exists(m_dir.filePath(QStringLiteral("checkout.html"))));
        const auto s = runProgram(cliPath(),
            { QStringLiteral("export"), incidentPath(), QStringLiteral("--format"), QStringLiteral("json"),
                QStringLiteral("--out"), QStringLiteral("-") },
            120000);
        QCOMPARE(s.exitCode, 0);
        QVERIFY(s.out.contains("\"format\": \"leakdesk-incident\""));
    }

    void damagedFileOffersTheBackup()
    {
        const QString damaged = m_dir.filePath(QStringLiteral("damaged.leakdesk"));
        QVERIFY(QFile::copy(incidentPath(), damaged));
        QVERIFY(QFile::copy(
            incident::IncidentStore::backupPathFor(incidentPath()), incident::IncidentStore::backupPathFor(damaged)));
        QFile f(damaged);
        QVERIFY(f.open(QIODevice::ReadWrite));
        f.resize(f.size() / 3);
        f.close();
        const auto r = runProgram(
            cliPath(), { QStringLiteral("export"), damaged, QStringLiteral("--format"), QStringLiteral("md") }, 60000);
        QCOMPARE(r.exitCode, 1);
        const QString err = QString::fromUtf8(r.err);
        QVERIFY2(err.contains(QStringLiteral("ends early at byte")), r.err.constData());
        QVERIFY2(err.contains(QStringLiteral("line")), r.err.constData());
        QVERIFY2(err.contains(QStringLiteral("leakdesk-cli export %1.bak").arg(damaged)), r.err.constData());
        // And investigate --incident refuses to overwrite it.
        const auto i = runProgram(cliPath(),
            { QStringLiteral("investigate"), QStringLiteral("--sandbox"), QStringLiteral("--service"),
                QStringLiteral("checkout"), QStringLiteral("--incident"), damaged },
            120000);
        QCOMPARE(i.exitCode, 1);
        QVERIFY(i.err.contains("ends early"));
        QCOMPARE(QFileInfo(damaged).size(), QFileInfo(incidentPath()).size() / 3);
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mustSay");
        QTest::newRow("no file") << QStringList {} << "exactly one incident file";
        QTest::newRow("bad format") << QStringList { QStringLiteral("x.leakdesk"), QStringLiteral("--format"),
            QStringLiteral("docx") } << "unknown format";
        QTest::newRow("bad zone") << QStringList { QStringLiteral("x.leakdesk"), QStringLiteral("--timezone"),
            QStringLiteral("Mars/Olympus") }
                                  << "unknown time zone";
    }
    void usageErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mustSay);
        const auto r = runProgram(cliPath(), QStringList { QStringLiteral("export") } + args, 60000);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(QString::fromUtf8(r.err).contains(mustSay), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliIncident)
#include "tst_cli_incident.moc"
