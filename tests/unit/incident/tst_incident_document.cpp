// The incident document: recording fills the journal, the file format round-trips and migrates,
// damaged files are reported with their position and the backup is offered, secrets are masked.
#include "IncidentFixture.h"

#include "core/incident/IncidentJson.h"
#include "core/incident/IncidentRecording.h"
#include "core/incident/IncidentStore.h"
#include "core/incident/SecretMasking.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::incident;

namespace {

QByteArray readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeAll(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(bytes);
}

} // namespace

class TestIncidentDocument : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void recordingFillsTheJournal()
    {
        const IncidentDocument doc = test::fixtureIncident();
        QCOMPARE(doc.runbook.steps.size(), std::size_t(6));
        QCOMPARE(doc.severityHistory.size(), std::size_t(2));
        QCOMPARE(doc.severityHistory.front().to, std::string("P2"));
        QCOMPARE(doc.currentSeverity(), std::string("P1"));
        QCOMPARE(doc.snapshots.size(), std::size_t(2));
        QCOMPARE(doc.snapshots[0].id, std::string("E1"));
        QCOMPARE(doc.snapshots[1].id, std::string("E2"));
        QCOMPARE(doc.actions.size(), std::size_t(2));
        QCOMPARE(doc.actions[0].state, ActionState::Reverted);
        QCOMPARE(doc.actions[0].appliedMs, test::kIncidentStartMs + 24 * test::kMinute);
        QCOMPARE(doc.actions[0].revertedMs, test::kIncidentStartMs + 95 * test::kMinute);
        QCOMPARE(doc.runbook.steps[5].state, StepState::Skipped);

        // Ordered by time, and every kind is present.
        for (std::size_t i = 1; i < doc.journal.size(); ++i)
            QVERIFY(doc.journal[i - 1].tMs <= doc.journal[i].tMs);
        for (JournalKind kind : allJournalKinds())
            QVERIFY2(std::any_of(
                         doc.journal.begin(), doc.journal.end(), [&](const JournalEntry& e) { return e.kind == kind; }),
                journalKindName(kind));

        // OOM kills are journaled at their own time, once, even though both snapshots saw most of them.
        std::vector<std::int64_t> killTimes;
        for (const auto& e : doc.journal)
            if (e.kind == JournalKind::Finding && e.title.rfind("OOMKilled", 0) == 0)
                killTimes.push_back(e.tMs);
        QVERIFY2(killTimes.size() >= 8, qPrintable(QString::number(killTimes.size())));
        QVERIFY(std::adjacent_find(killTimes.begin(), killTimes.end()) == killTimes.end());
        QVERIFY(killTimes.front() < doc.createdMs); // kills before the incident was opened lead the timeline
        // Each kill once: the snapshots list some kills at a scrape's time in one and the kubelet's
        // exact time (seconds apart) in the next; the fixture's sawtooth kills are minutes apart.
        std::size_t killsInSnapshots = 0;
        std::set<std::pair<std::string, std::int64_t>> distinct;
        for (const auto& s : doc.snapshots)
            for (const auto& k : s.findings["oom"]["events"]) {
                ++killsInSnapshots;
                const std::int64_t t = QDateTime::fromString(QString::fromStdString(k["time"].get<std::string>()), Qt::ISODate)
                                           .toMSecsSinceEpoch();
                const std::string pod = k["pod"].dump();
                const bool near = std::any_of(distinct.begin(), distinct.end(),
                    [&](const auto& d) { return d.first == pod && std::llabs(d.second - t) < 60 * 1000; });
                if (!near)
                    distinct.insert({ pod, t });
            }
        QCOMPARE(killTimes.size(), distinct.size());
        QVERIFY(killsInSnapshots > distinct.size());

        // The secret-looking token in the dry-run output never made it into the document.
        QVERIFY(doc.actions[0].output.find(test::kSecretLikeToken) == std::string::npos);
        QVERIFY(doc.actions[0].output.find("token: ***") != std::string::npos);
    }

    void snapshotKeepsTheEvidence()
    {
        const auto findings = test::fixtureFindings(test::kIncidentStartMs);
        const EvidenceSnapshot s = snapshotFromFindings(findings, "E7", test::kIncidentStartMs + 1000);
        QCOMPARE(s.id, std::string("E7"));
        QCOMPARE(s.windowEndMs - s.windowStartMs, 3 * test::kHour);
        QCOMPARE(s.limitBytes.value_or(0), 2 * test::GiB);
        QCOMPARE(s.images, std::vector<std::string> { "registry.example.com/shop/checkout:1.42.0" });
        QCOMPARE(s.seriesOf("memory_working_set").size(), std::size_t(2));
        const auto* memory = s.firstSeries("memory_working_set");
        QVERIFY(memory);
        QCOMPARE(memory->samples.size(),
            findings.evidence->seriesOf(prometheus::QueryKind::MemoryWorkingSet).front().samples.size());
        QCOMPARE(s.findings["verdict"]["pattern"].get<std::string>(), std::string("sawtooth"));
        QCOMPARE(s.findings["queries"].size(), std::size_t(4));
        QVERIFY(!s.findings["queries"][0]["promql"].get<std::string>().empty());
    }

    void decimationKeepsPeaks_data()
    {
        QTest::addColumn<int>("points");
        QTest::addColumn<int>("maxPoints");
        QTest::newRow("under the cap") << 1500 << 2000;
        QTest::newRow("at the cap") << 2000 << 2000;
        QTest::newRow("7 days at 30 s") << 20160 << 2000;
        QTest::newRow("odd sizes") << 4999 << 1001;
    }
    void decimationKeepsPeaks()
    {
        QFETCH(int, points);
        QFETCH(int, maxPoints);
        std::vector<Sample> in;
        // A sawtooth with one narrow spike: the spike must survive.
        for (int i = 0; i < points; ++i)
            in.push_back({ std::int64_t(i) * 30'000, double(i % 97) + (i == points / 3 ? 1000.0 : 0.0) });
        const auto out = decimateForStorage(in, std::size_t(maxPoints));
        QVERIFY(out.size() <= std::size_t(maxPoints));
        if (points <= maxPoints)
            QCOMPARE(out.size(), in.size());
        for (std::size_t i = 1; i < out.size(); ++i)
            QVERIFY(out[i - 1].tMs < out[i].tMs);
        const auto maxIn = std::max_element(in.begin(), in.end(), [](auto& a, auto& b) { return a.value < b.value; });
        const auto maxOut
            = std::max_element(out.begin(), out.end(), [](auto& a, auto& b) { return a.value < b.value; });
        QCOMPARE(maxOut->value, maxIn->value);
        QCOMPARE(maxOut->tMs, maxIn->tMs);
        QCOMPARE(
            std::min_element(out.begin(), out.end(), [](auto& a, auto& b) { return a.value < b.value; })->value, 0.0);
    }

    void jsonRoundTrip()
    {
        const IncidentDocument doc = test::fixtureIncident();
        const std::string bytes = serializeIncident(doc);
        std::vector<std::string> migrations;
        auto back = parseIncident(bytes, nullptr, &migrations);
        QVERIFY2(back.ok(), back.ok() ? "" : back.error().toString().c_str());
        QVERIFY(migrations.empty());
        QVERIFY(*back == doc);
        QCOMPARE(serializeIncident(*back), bytes);
        // And a field that changes is noticed (the comparison is not vacuous).
        IncidentDocument changed = *back;
        changed.snapshots[1].series[0].samples[5].value += 1;
        QVERIFY(!(changed == doc));
    }

    void migratesVersion1()
    {
        const QString path = QFINDTESTDATA("../../fixtures/incident/v1-incident.leakdesk");
        QVERIFY(!path.isEmpty());
        IncidentStore store(path);
        auto loaded = store.load();
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().toString().c_str());
        QCOMPARE(loaded->migrations.size(), std::size_t(1));
        QVERIFY(loaded->migrations[0].rfind("v1 -> v2", 0) == 0);
        const IncidentDocument& d = loaded->document;
        QCOMPARE(d.schemaVersion, kSchemaVersion);
        QCOMPARE(d.service, std::string("payments"));
        QCOMPARE(d.createdMs, std::int64_t(1730795400000)); // 2024-11-05T08:30:00Z
        QCOMPARE(d.updatedMs, std::int64_t(1730797950250));
        QCOMPARE(d.severityHistory.size(), std::size_t(1));
        QCOMPARE(d.severityHistory[0].to, std::string("P2"));
        QCOMPARE(d.severityHistory[0].tMs, d.createdMs);
        QCOMPARE(d.journal.size(), std::size_t(3));
        QCOMPARE(d.journal[2].tMs, std::int64_t(1730797950250));
        QCOMPARE(d.journal[1].kind, JournalKind::Step);
        QCOMPARE(d.notes.at(0).stepIndex, 0);
        QCOMPARE(d.notes.at(0).tMs, std::int64_t(1730797950250));
        QCOMPARE(d.runbook.steps.at(2).state, StepState::Pending);
        // Saved again, it is a version 2 file that reads without migrations.
        auto again = parseIncident(serializeIncident(d));
        QVERIFY(again.ok());
        QVERIFY(*again == d);
        QVERIFY(serializeIncident(d).find("\"schema_version\": 2") != std::string::npos);
    }

    void refusesWhatItCannotRead_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("mustSay");
        QTest::newRow("newer version") << QByteArray(R"({"format":"leakdesk-incident","schema_version":99})")
                                       << int(ErrorCode::Unsupported) << "newer than this LeakDesk reads";
        QTest::newRow("not an incident") << QByteArray(R"({"kind":"Deployment"})") << int(ErrorCode::Parse)
                                         << "not a LeakDesk incident";
        QTest::newRow("wrong type") << QByteArray(
            R"({"format":"leakdesk-incident","schema_version":2,"notes":[{"t_ms":"soon"}]})")
                                    << int(ErrorCode::Parse) << "notes[0].t_ms: expected a number";
        QTest::newRow("bad state") << QByteArray(
            R"({"format":"leakdesk-incident","schema_version":2,"actions":[{"state":"exploded"}]})")
                                   << int(ErrorCode::Parse) << "unknown value 'exploded'";
        QTest::newRow("empty") << QByteArray() << int(ErrorCode::Truncated) << "empty";
    }
    void refusesWhatItCannotRead()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, code);
        QFETCH(QString, mustSay);
        auto r = parseIncident(std::string_view(bytes.constData(), std::size_t(bytes.size())));
        QVERIFY(!r.ok());
        QCOMPARE(int(r.error().code), code);
        QVERIFY2(QString::fromStdString(r.error().message).contains(mustSay), r.error().message.c_str());
        QVERIFY(!r.error().detail.empty());
    }

    void damagedFileSaysWhereAndOffersTheBackup_data()
    {
        QTest::addColumn<QString>("damage");
        QTest::addColumn<int>("code");
        QTest::addColumn<bool>("withBackup");
        QTest::newRow("cut in half, backup") << "truncate-half" << int(ErrorCode::Truncated) << true;
        QTest::newRow("cut near the end, no backup") << "truncate-end" << int(ErrorCode::Truncated) << false;
        QTest::newRow("garbage byte, backup") << "garbage" << int(ErrorCode::Parse) << true;
        QTest::newRow("zero-filled tail, backup") << "zeros" << int(ErrorCode::Parse) << true;
    }
    void damagedFileSaysWhereAndOffersTheBackup()
    {
        QFETCH(QString, damage);
        QFETCH(int, code);
        QFETCH(bool, withBackup);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("incident.leakdesk"));
        IncidentDocument doc = test::fixtureIncident();
        IncidentStore store(path);
        QVERIFY(store.save(doc).ok());
        if (withBackup) {
            recordNote(doc, "one more change, so the first version becomes the backup", doc.updatedMs + 1000);
            QVERIFY(store.save(doc).ok());
            QVERIFY(QFile::exists(store.backupPath()));
        } else {
            QVERIFY(!QFile::exists(store.backupPath()));
        }
        QByteArray bytes = readAll(path);
        std::int64_t expectedOffset = -1;
        if (damage == QLatin1String("truncate-half")) {
            bytes.truncate(bytes.size() / 2);
        } else if (damage == QLatin1String("truncate-end")) {
            bytes.truncate(bytes.size() - 3);
        } else if (damage == QLatin1String("garbage")) {
            expectedOffset = bytes.indexOf("\"journal\"");
            bytes[qsizetype(expectedOffset)] = '#';
        } else {
            const qsizetype at = bytes.size() * 3 / 4;
            bytes = bytes.left(at) + QByteArray(bytes.size() - at, '\0');
            expectedOffset = at;
        }
        writeAll(path, bytes);

        IncidentStore reopened(path);
        LoadFailure failure;
        auto loaded = reopened.load(&failure);
        QVERIFY(!loaded.ok());
        QCOMPARE(int(loaded.error().code), code);
        QCOMPARE(int(failure.error.code), code);
        QVERIFY(failure.location.byteOffset >= 0);
        QVERIFY(failure.location.line > 1);
        QVERIFY(failure.location.column >= 1);
        if (expectedOffset >= 0)
            QCOMPARE(failure.location.byteOffset, expectedOffset);
        // The line/column point at the same byte.
        const QByteArray before = bytes.left(failure.location.byteOffset);
        QCOMPARE(failure.location.line, int(before.count('\n')) + 1);
        const QString message = QString::fromStdString(loaded.error().message);
        QVERIFY2(message.contains(QStringLiteral("byte %1").arg(failure.location.byteOffset)), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("line %1").arg(failure.location.line)), qPrintable(message));
        QCOMPARE(failure.backupExists, withBackup);
        QCOMPARE(failure.backupLoadable, withBackup);
        if (!withBackup) {
            QVERIFY(QString::fromStdString(loaded.error().detail).contains(QStringLiteral("no autosave")));
            return;
        }
        QVERIFY2(QString::fromStdString(loaded.error().detail).contains(QStringLiteral(".bak")),
            loaded.error().detail.c_str());
        auto backup = reopened.loadBackup();
        QVERIFY(backup.ok());
        QVERIFY(backup->fromBackup);
        QCOMPARE(failure.backupUpdatedMs, backup->document.updatedMs);
        QCOMPARE(backup->document.notes.size(), doc.notes.size() - 1); // the version before the last change
        // Saving after loading the backup repairs the file, and the backup stays a good file.
        QVERIFY(reopened.save(backup->document).ok());
        QVERIFY(IncidentStore(path).load().ok());
        QVERIFY(IncidentStore(store.backupPath()).load().ok());
    }

    void backupIsThePreviousGoodVersion()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("i.leakdesk"));
        IncidentDocument doc = test::fixtureIncident();
        IncidentStore store(path);
        QVERIFY(store.save(doc).ok());
        const QByteArray first = readAll(path);
        QVERIFY(store.save(doc).ok()); // unchanged: nothing rotates
        QVERIFY(!QFile::exists(store.backupPath()));
        recordNote(doc, "second", doc.updatedMs + 1);
        QVERIFY(store.save(doc).ok());
        const QByteArray second = readAll(path);
        QCOMPARE(readAll(store.backupPath()), first);
        recordNote(doc, "third", doc.updatedMs + 1);
        QVERIFY(store.save(doc).ok());
        QCOMPARE(readAll(store.backupPath()), second);
        // Owner-only permissions: an incident can hold internal names.
        QCOMPARE(
            QFile::permissions(path) & (QFileDevice::ReadOther | QFileDevice::ReadGroup), QFileDevice::Permissions());
        // A store opened on an existing file without loading it still rotates the good file.
        IncidentStore other(path);
        recordNote(doc, "fourth", doc.updatedMs + 1);
        QVERIFY(other.save(doc).ok());
        QVERIFY(IncidentStore(store.backupPath()).load()->document.notes.size() == doc.notes.size() - 1);
    }

    void saveFailsWithAReason()
    {
        IncidentStore store(QStringLiteral("/nonexistent-dir/for/sure/i.leakdesk"));
        auto st = store.save(test::fixtureIncident());
        QVERIFY(!st.ok());
        QCOMPARE(st.error().code, ErrorCode::Io);
        QVERIFY(!st.error().detail.empty());
    }

    void masksSecrets_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("secret");
        QTest::newRow("kubeconfig yaml") << "users:\n- name: u\n  user:\n    token: 0123456789abcdef0123\n"
                                         << "0123456789abcdef0123";
        QTest::newRow("json token") << R"({"kind":"ExecCredential","status":{"token":"abcDEF123456789"}})"
                                    << "abcDEF123456789";
        QTest::newRow("authorization header") << "Authorization: Bearer zyx987654321abc"
                                              << "zyx987654321abc";
        QTest::newRow("bare bearer") << "curl -H 'bearer qwertyuiop12345'"
                                     << "qwertyuiop12345";
        QTest::newRow("flag with space") << "kubectl --token s3cr3tvalue get pods"
                                         << "s3cr3tvalue";
        QTest::newRow("flag with equals") << "kubectl --token=s3cr3tvalue get pods"
                                          << "s3cr3tvalue";
        QTest::newRow("password") << "DB_PASSWORD=hunter2hunter2"
                                  << "hunter2hunter2";
        QTest::newRow("client key") << "client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo="
                                    << "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=";
        QTest::newRow("jwt")
            << "sa: eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJlc2lnbmF0dXJl"
            << "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ";
    }
    void masksSecrets()
    {
        QFETCH(QString, text);
        QFETCH(QString, secret);
        const std::string out = maskSecrets(text.toStdString());
        QVERIFY2(out.find(secret.toStdString()) == std::string::npos, out.c_str());
        QVERIFY2(out.find(kMasked) != std::string::npos, out.c_str());
        nlohmann::json j = { { "output", text.toStdString() }, { "token", secret.toStdString() } };
        maskSecretsInJson(j);
        QVERIFY(j.dump().find(secret.toStdString()) == std::string::npos);
    }

    void keepsOrdinaryText_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("sentence") << "Memory grows 84 MiB/h without traffic growth; the key cache has no TTL.";
        QTest::newRow("kubectl") << "kubectl set resources deployment/checkout -n production --limits=memory=4Gi";
        QTest::newRow("diff") << "-    memory: 2Gi\n+    memory: 4Gi\n";
    }
    void keepsOrdinaryText()
    {
        QFETCH(QString, text);
        QCOMPARE(QString::fromStdString(maskSecrets(text.toStdString())), text);
    }
};

QTEST_GUILESS_MAIN(TestIncidentDocument)
#include "tst_incident_document.moc"
