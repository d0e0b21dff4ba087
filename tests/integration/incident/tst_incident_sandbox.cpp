// A full incident made on the sandbox (served in this process on 127.0.0.1): investigate two
// services through the real clients, walk the runbook, record a command's real kubectl output,
// save, load and compare; kill a saving process at random moments and load what it left; and
// look for the sandbox kubeconfig's token in the file, its backup and every export.
#include "SandboxMoments.h"
#include "SandboxSession.h"
#include "TestSupport.h"

#include "core/incident/IncidentExport.h"
#include "core/incident/IncidentRecording.h"
#include "core/incident/IncidentStore.h"
#include "core/incident/InvestigationRecording.h"
#include "core/investigation/ClusterConnection.h"
#include "core/investigation/Investigation.h"
#include "core/runbook/RunbookParser.h"
#include "core/sandbox/SandboxHost.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

#include <csignal>

using namespace leakdesk;
using namespace leakdesk::incident;

namespace {

QByteArray readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestIncidentSandbox : public QObject {
    Q_OBJECT
private:
    app::SandboxSession m_sandbox; // outlives the connection to it
    std::unique_ptr<investigation::ClusterConnection> m_connection;
    QByteArray m_token;
    QTemporaryDir m_dir;
    IncidentDocument m_doc;
    std::int64_t m_nowMs = 0;

    std::shared_ptr<const investigation::Findings> investigate(const std::string& service)
    {
        qRegisterMetaType<std::shared_ptr<const investigation::Findings>>();
        investigation::Investigation job(*m_connection);
        QSignalSpy done(&job, &investigation::Investigation::finished);
        QSignalSpy failed(&job, &investigation::Investigation::failed);
        investigation::InvestigationRequest request;
        request.ns = "production";
        request.service = service;
        request.nowMs = m_nowMs;
        job.start(request);
        for (int i = 0; i < 120 && done.isEmpty() && failed.isEmpty(); ++i)
            done.wait(500);
        if (done.isEmpty())
            return nullptr;
        return done.at(0).at(0).value<std::shared_ptr<const investigation::Findings>>();
    }

private Q_SLOTS:
    void initTestCase()
    {
        // The sandbox's clock is pinned and printed: a failure at one time of day is replayed with
        // LEAKDESK_TEST_NOW_MS.
        m_nowMs = test::testNowMs();
        qInfo("sandbox clock pinned at %lld (LEAKDESK_TEST_NOW_MS replays it)", static_cast<long long>(m_nowMs));
        sandbox::SandboxOptions options;
        options.fixedNowMs = m_nowMs;
        const auto started = m_sandbox.start(options);
        QVERIFY2(started.ok(), started.ok() ? "" : started.error().toString().c_str());
        auto c = investigation::ClusterConnection::open(m_sandbox.connectionOptions());
        QVERIFY2(c.ok(), c.ok() ? "" : c.error().toString().c_str());
        m_connection = std::move(c).value();
        // The sandbox issues a fresh random token per run; it is in its kubeconfig.
        const QByteArray kubeconfig = readAll(m_sandbox.host()->kubeconfigPath());
        const auto match = QRegularExpression(QStringLiteral("token:\\s*(\\S+)")).match(QString::fromUtf8(kubeconfig));
        QVERIFY(match.hasMatch());
        m_token = match.captured(1).toUtf8();
        QVERIFY(m_token.size() >= 16);
    }

    void fullIncidentRoundTrip()
    {
        auto checkout = investigate("checkout");
        QVERIFY(checkout);
        QVERIFY(checkout->verdict.leak);
        auto book = runbook::loadBundledRunbook();
        QVERIFY(book.ok());
        std::int64_t now = currentTimeMs();
        NewIncident params;
        params.ns = "production";
        params.service = "checkout";
        params.cluster = clusterRefFor(m_connection->contextName().toStdString(),
            m_connection->kube().serverUrl().toString().toStdString(), m_connection->isSandbox());
        params.runbook = &book.value();
        params.nowMs = now;
        m_doc = newIncident(params);
        QVERIFY(m_doc.cluster.sandbox);
        recordFindings(m_doc, *checkout, now += 1000);
        QCOMPARE(completeInvestigationSteps(m_doc, *book, *checkout, now += 1000).size(), std::size_t(2));
        QVERIFY(m_doc.snapshots.back().limitBytes.has_value());
        QVERIFY(m_doc.snapshots.back().series.size() >= 4);
        for (const auto& s : m_doc.snapshots.back().series)
            QVERIFY(s.samples.size() <= kMaxSnapshotPoints);
        if (checkout->oom.ruleMet)
            recordSeverityChange(m_doc, "P1", "more than 2 OOM kills in one hour on checkout", now += 1000);
        recordNote(m_doc, "Sawtooth confirmed on the sandbox; looking at the heap next.", now += 1000, 2);

        // A command run "with kubectl" whose output holds the credentials, as a careless paste would.
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("kubectl"));
        const QString kubectl = test::findProgram(QStringLiteral("kubectl"));
        ActionRecord view;
        view.kind = "shell";
        view.title = "kubectl config view --raw";
        view.kubectl = "kubectl config view --raw";
        {
            const auto r = test::runProgram(kubectl,
                { QStringLiteral("--kubeconfig"), m_sandbox.host()->kubeconfigPath(), QStringLiteral("config"),
                    QStringLiteral("view"), QStringLiteral("--raw") });
            QCOMPARE(r.exitCode, 0);
            QVERIFY(r.out.contains(m_token)); // the output really holds the token...
            view.output = r.out.toStdString();
        }
        view.state = ActionState::Applied;
        view.revertData = { { "token", m_token.toStdString() }, { "note", "nothing to revert" } };
        recordAction(m_doc, view, now += 1000);
        QVERIFY(m_doc.actions.back().output.find(m_token.toStdString()) == std::string::npos); // ...which is masked
        QVERIFY(m_doc.actions.back().output.find("token: ***") != std::string::npos);

        // A second service investigated into the same incident.
        auto payments = investigate("payments");
        QVERIFY(payments);
        recordFindings(m_doc, *payments, now += 1000);
        QCOMPARE(m_doc.snapshots.size(), std::size_t(2));

        const QString path = m_dir.filePath(QStringLiteral("sandbox.leakdesk"));
        IncidentStore store(path);
        QVERIFY(store.save(m_doc).ok());
        (void)recordStepState(m_doc, 2, StepState::Skipped, "no JDK tools in the image", now += 1000);
        QVERIFY(store.save(m_doc).ok());

        // Reopened, everything is there, exactly.
        auto loaded = IncidentStore(path).load();
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().toString().c_str());
        QVERIFY(loaded->document == m_doc);
        QCOMPARE(loaded->document.runbook.steps.at(0).state, StepState::Done);
        QCOMPARE(loaded->document.runbook.steps.at(2).state, StepState::Skipped);
        QCOMPARE(loaded->document.journal.size(), m_doc.journal.size());
        QCOMPARE(loaded->document.snapshots.at(0).findings["service"].get<std::string>(), std::string("checkout"));
        // The previous version is the backup, and it loads too.
        auto backup = IncidentStore(store.backupPath()).load();
        QVERIFY(backup.ok());
        QCOMPARE(backup->document.runbook.steps.at(2).state, StepState::Pending);

        // docs/sample-incident.*: LEAKDESK_SAMPLE_DIR=docs ./test_incident_sandbox fullIncidentRoundTrip
        if (const QString dir = qEnvironmentVariable("LEAKDESK_SAMPLE_DIR"); !dir.isEmpty()) {
            ExportOptions sample;
            sample.localZone = QTimeZone("Europe/Berlin");
            for (ExportFormat f : { ExportFormat::Markdown, ExportFormat::Html })
                QVERIFY(writeIncidentExport(m_doc, f,
                    QDir(dir).filePath(QStringLiteral("sample-incident") + QLatin1String(exportFormatSuffix(f))),
                    sample)
                            .ok());
        }
    }

    void noTokenAnywhere()
    {
        QVERIFY(!m_doc.snapshots.empty());
        const QString path = m_dir.filePath(QStringLiteral("sandbox.leakdesk"));
        QStringList files { path, IncidentStore::backupPathFor(path) };
        ExportOptions options;
        for (bool redact : { false, true }) {
            options.redact = redact;
            for (ExportFormat f :
                { ExportFormat::Markdown, ExportFormat::Html, ExportFormat::Pdf, ExportFormat::Json }) {
                const QString out = m_dir.filePath(
                    QStringLiteral("report%1%2")
                        .arg(redact ? QStringLiteral("-redacted") : QString(), QLatin1String(exportFormatSuffix(f))));
                auto written = writeIncidentExport(m_doc, f, out, options);
                QVERIFY2(written.ok(), written.ok() ? "" : written.error().toString().c_str());
                for (const QString& w : *written)
                    files << w;
            }
        }
        QVERIFY(files.size() >= 12);
        for (const QString& file : files) {
            const QByteArray bytes = readAll(file);
            QVERIFY2(!bytes.isEmpty(), qPrintable(file));
            QVERIFY2(!bytes.contains(m_token), qPrintable(file));
            QVERIFY2(!bytes.contains(m_token.toBase64()), qPrintable(file));
        }
        // The PDF's text is compressed: read it back as text too.
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("pdftotext"));
        const QString pdftotext = test::findProgram(QStringLiteral("pdftotext"));
        {
            for (const QString& pdf : { m_dir.filePath(QStringLiteral("report.pdf")),
                     m_dir.filePath(QStringLiteral("report-redacted.pdf")) }) {
                const auto r = test::runProgram(pdftotext, { pdf, QStringLiteral("-") });
                QCOMPARE(r.exitCode, 0);
                QVERIFY(r.out.contains("Runbook checklist"));
                QVERIFY(!r.out.simplified().replace(' ', "").contains(m_token));
            }
        }
        // The report shows that something was there (so the grep above is not vacuous).
        QVERIFY(readAll(m_dir.filePath(QStringLiteral("report.md"))).contains("kubectl config view --raw"));
        QVERIFY(readAll(path).contains("token: ***"));
        // Redacted exports name no sandbox pod.
        const QByteArray redacted = readAll(m_dir.filePath(QStringLiteral("report-redacted.html")));
        for (const auto& s : m_doc.snapshots)
            for (const auto& series : s.series)
                if (!series.label("pod").empty())
                    QVERIFY2(!redacted.contains(QByteArray::fromStdString(series.label("pod"))),
                        series.label("pod").c_str());
    }

    void killDuringSaveLeavesALoadableFile()
    {
        QVERIFY(!m_doc.snapshots.empty());
        const QString seed = m_dir.filePath(QStringLiteral("seed.leakdesk"));
        QVERIFY(IncidentStore(seed).save(m_doc).ok());
        const QString target = m_dir.filePath(QStringLiteral("killed.leakdesk"));
        QRandomGenerator random(20250120);
        int killedAfterSaves = 0;
        for (int round = 0; round < 12; ++round) {
            QProcess saver;
            saver.start(QStringLiteral(LEAKDESK_SAVE_LOOP), { seed, target });
            QVERIFY(saver.waitForStarted());
            // Wait for two saves of this round (the first save into a new file has no previous
            // version to back up), then kill at a random moment.
            QByteArray output;
            while (output.count('\n') < 2) {
                QVERIFY(saver.waitForReadyRead(20000));
                output += saver.readAllStandardOutput();
            }
            QTest::qWait(int(random.bounded(5, 120)));
            ::kill(pid_t(saver.processId()), SIGKILL);
            QVERIFY(saver.waitForFinished(10000));
            QCOMPARE(saver.exitStatus(), QProcess::CrashExit);
            output += saver.readAllStandardOutput();
            const QList<QByteArray> lines = output.trimmed().split('\n');
            killedAfterSaves += int(lines.size());
            IncidentStore store(target);
            LoadFailure failure;
            auto loaded = store.load(&failure);
            QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().toString().c_str());
            // At least every save the process reported is in the file (later ones may be too).
            QVERIFY(loaded->document.notes.size() >= m_doc.notes.size() + std::size_t(lines.size()));
            QVERIFY(IncidentStore(store.backupPath()).load().ok());
        }
        QVERIFY2(killedAfterSaves >= 12, qPrintable(QString::number(killedAfterSaves)));
        // No temporary file of QSaveFile is mistaken for the incident; what is left is the file and its backup.
        const QStringList left = QDir(m_dir.path()).entryList({ QStringLiteral("killed.leakdesk*") }, QDir::Files);
        QVERIFY(left.contains(QStringLiteral("killed.leakdesk")));
        QVERIFY(left.contains(QStringLiteral("killed.leakdesk.bak")));
    }
};

QTEST_MAIN(TestIncidentSandbox)
#include "tst_incident_sandbox.moc"
