// The one secret masking (SecretMasking.h): every format of its rule set is masked and its near
// misses are kept; JSON trees (a Secret object, secret keys) too; and an incident holding every
// format, written by an older LeakDesk that did not mask it, exports (Markdown, HTML, JSON, plain and
// --redact) without any of them (the PDF: tst_incident_pdf.cpp, which needs pdftotext).
#include "IncidentFixture.h"
#include "SecretIncident.h"
#include "SecretSamples.h"
#include "TestSupport.h"

#include "core/incident/IncidentExport.h"
#include "core/incident/IncidentJson.h"
#include "core/incident/IncidentRecording.h"
#include "core/incident/SecretMasking.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::incident;

class TestSecretMasking : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void masksEveryFormat_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("secret");
        QTest::addColumn<QString>("kept");
        for (const auto& s : test::secretSamples())
            QTest::newRow(s.name) << QString::fromStdString(s.text) << QString::fromStdString(s.secret)
                                  << QString::fromStdString(s.kept);
    }
    void masksEveryFormat()
    {
        QFETCH(QString, text);
        QFETCH(QString, secret);
        QFETCH(QString, kept);
        const std::string out = maskSecrets(text.toStdString());
        QVERIFY2(out.find(secret.toStdString()) == std::string::npos, out.c_str());
        QVERIFY2(out.find(kMasked) != std::string::npos, out.c_str());
        QVERIFY2(out.find(kept.toStdString()) != std::string::npos, out.c_str());
        // Masking twice changes nothing more; inside a JSON string it is masked the same way.
        QCOMPARE(maskSecrets(out), out);
        nlohmann::json j = { { "output", text.toStdString() }, { "lines", { text.toStdString() } } };
        maskSecretsInJson(j);
        QVERIFY2(j.dump().find(secret.toStdString()) == std::string::npos, j.dump().c_str());
    }

    void keepsNearMisses_data()
    {
        QTest::addColumn<QString>("text");
        int i = 0;
        for (const auto& text : test::nearMisses())
            QTest::newRow(qPrintable(QStringLiteral("near miss %1").arg(++i))) << QString::fromStdString(text);
    }
    void keepsNearMisses()
    {
        QFETCH(QString, text);
        QCOMPARE(QString::fromStdString(maskSecrets(text.toStdString())), text);
    }

    void secretKeyNames_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<bool>("secret");
        for (const char* k :
            { "password", "DB_PASSWORD", "PGPASSWORD", "MYSQL_PWD", "passwd", "db_pass", "passphrase", "client_secret",
                "secret", "token", "id-token", "bearerToken", "access_token", "GITHUB_TOKEN", "api_key", "apiKey",
                "X-Api-Key", "access_key", "aws_secret_access_key", "SecretAccessKey", "private_key", "privateKey",
                "credentials", "client-key-data", "client-certificate-data", "auth", "Authorization" })
            QTest::newRow(k) << QString::fromLatin1(k) << true;
        for (const char* k : { "token_count", "max_tokens", "secretName", "secretKeyRef", "passwordPolicy", "tokenizer",
                 "keyboard", "key", "data", "name", "AccessKeyId", "sort_key", "monkey" })
            QTest::newRow(k) << QString::fromLatin1(k) << false;
    }
    void secretKeyNames()
    {
        QFETCH(QString, key);
        QFETCH(bool, secret);
        QCOMPARE(isSecretKeyName(key.toStdString()), secret);
    }

    void jsonTrees()
    {
        // A Secret object as `kubectl get secret -o json` prints it: every data value goes,
        // whatever its key; a ConfigMap's data stays.
        auto j = nlohmann::json::parse(R"({"items":[
            {"kind":"Secret","metadata":{"name":"db"},"data":{"username":"YWRtaW4=","tls.crt":"Y2VydA=="},
             "stringData":{"config":"plain"}},
            {"kind":"ConfigMap","metadata":{"name":"cfg"},"data":{"log_level":"debug"}},
            {"env":[{"name":"X","value":"1"},{"name":"DB_PASSWORD","value":"tree-env-pw"},{"value":"tree-tok","name":"API_TOKEN"}],
             "password":"p1","nested":{"apiKey":{"v":"deep"}},"enabled":true,"token":null}]})");
        maskSecretsInJson(j);
        const std::string dumped = j.dump();
        for (const char* gone : { "YWRtaW4=", "Y2VydA==", "plain", "p1", "deep", "tree-env-pw", "tree-tok" })
            QVERIFY2(dumped.find(gone) == std::string::npos, gone);
        QCOMPARE(j["items"][1]["data"]["log_level"].get<std::string>(), std::string("debug"));
        QCOMPARE(j["items"][0]["metadata"]["name"].get<std::string>(), std::string("db"));
        QCOMPARE(j["items"][2]["env"][0]["value"].get<std::string>(), std::string("1")); // X is no secret
        QVERIFY(j["items"][2]["token"].is_null());
        QCOMPARE(j["items"][2]["enabled"].get<bool>(), true);
    }

    void recordingMasksTheJournal()
    {
        // Runbook command output goes into an action and its journal entry: masked on the way in.
        IncidentDocument doc = test::fixtureIncident();
        std::string all;
        for (const auto& s : test::secretSamples())
            all += s.text + "\n";
        ActionRecord a;
        a.kind = "shell";
        a.title = "kubectl get secret db -o yaml";
        a.output = all;
        const std::string id = recordAction(doc, a, doc.updatedMs + 1);
        recordNote(doc, all, doc.updatedMs + 2);
        const std::string file = serializeIncident(doc);
        for (const auto& s : test::secretSamples())
            QVERIFY2(file.find(s.secret) == std::string::npos, s.name);
        QVERIFY(doc.action(id) != nullptr);
    }

    void exportsKeepNoSecret_data()
    {
        QTest::addColumn<QString>("format");
        QTest::addColumn<bool>("redact");
        for (const char* f : { "md", "html", "json" }) {
            QTest::newRow(qPrintable(QStringLiteral("%1 --redact").arg(QLatin1String(f)))) << f << true;
            QTest::newRow(f) << f << false;
        }
    }
    void exportsKeepNoSecret()
    {
        QFETCH(QString, format);
        QFETCH(bool, redact);
        const IncidentDocument doc = test::incidentWithEverySecret();
        // The document really holds them (else the test proves nothing).
        const std::string raw = incidentToJson(doc).dump();
        for (const auto& s : test::secretSamples())
            QVERIFY2(raw.find(s.secret) != std::string::npos, s.name);
        ExportOptions options;
        options.redact = redact;
        options.generatedMs = doc.updatedMs;
        QByteArray bytes;
        if (format == QLatin1String("md")) {
            auto md = renderMarkdown(doc, options, {});
            QVERIFY(md.ok());
            bytes = QByteArray::fromStdString(*md);
        } else if (format == QLatin1String("html")) {
            auto html = renderHtml(doc, options);
            QVERIFY(html.ok());
            bytes = *html;
        } else {
            auto json = renderJson(doc, options);
            QVERIFY(json.ok());
            bytes = QByteArray::fromStdString(*json);
        }
        QVERIFY(bytes.contains(kMasked));
        for (const auto& s : test::secretSamples())
            QVERIFY2(!bytes.contains(QByteArray::fromStdString(s.secret)), s.name);
    }

    void largeInputStaysLinear_data()
    {
        QTest::addColumn<QByteArray>("chunk");
        QTest::addColumn<QByteArray>("gone"); // a secret in the chunk that must not survive, or empty
        // Shapes that would make a backtracking or rescanning masker quadratic: long key-ish
        // runs, separators, unterminated quotes, "://" without "@", JWT and PEM starts, no newline.
        QTest::newRow("mixed, one line") << QByteArray(
            "aaaaaaaaaaaaaaaaaaaa=:= \"token\": \"unterminated http://x:y@ ey.ey ------BEGIN RSA PRIVATE KEY "
            "authorization: bearer data:# kind: --password xoxb- AKIA ")
                                         << QByteArray();
        QTest::newRow("nested block scalars")
            << QByteArray("password: |\n password: |\n  password: |\n   x\n") << QByteArray();
        QTest::newRow("private key starts")
            << QByteArray("-----BEGIN EC PRIVATE KEY-----\nabc\n-----END EC PRIVATE KEY-----\n") << QByteArray();
        QTest::newRow("urls without userinfo") << QByteArray("://a:b://c:d") << QByteArray();
        QTest::newRow("secret data blocks")
            << QByteArray("kind: Secret\ndata:\n  k: dmFsdWUtdmFsdWU=\n") << QByteArray();
        QTest::newRow("jwt-like") << QByteArray("eyAAAAAAAAAAAA.eyBBBBBBBBBBBB.") << QByteArray();
        // A List of thousands of pretty-printed Secrets, a Deployment's env, open braces and
        // nested data blocks (every object and block is decided once, when it closes).
        QTest::newRow("pretty json secret list")
            << QByteArray("    {\n      \"apiVersion\": \"v1\",\n      \"data\": {\n        \"tls.key\": "
                          "\"ZmFrZS1saXN0LWtleQ==\"\n      },\n      \"kind\": \"Secret\"\n    },\n")
            << QByteArray("ZmFrZS1saXN0LWtleQ==");
        QTest::newRow("yaml env list") << QByteArray("        - name: DB_PASSWORD\n          value: fake-env-pw-1\n")
                                       << QByteArray("fake-env-pw-1");
        QTest::newRow("open braces") << QByteArray("{{{{[[[[{\"data\":{\"k\":") << QByteArray();
        QTest::newRow("nested data blocks") << QByteArray("data:\n  data:\n    kind: Secret\n") << QByteArray();
        QTest::newRow("escaped json") << QByteArray(R"(\"data\":{\"k\":\"dmFsdWU=\",\\\"x\\n\"kind\":{)")
                                      << QByteArray();
        QTest::newRow("command lines") << QByteArray("mysql -u a -p redis-cli -a curl -u x: ") << QByteArray();
    }
    void largeInputStaysLinear()
    {
        // 10 MB of each shape, with secrets at both ends. No timing assertion: it must finish
        // (ctest's timeout catches a quadratic scan; by hand each shape takes well under a second).
        QFETCH(QByteArray, chunk);
        QFETCH(QByteArray, gone);
        std::string big = "password=first-secret-value\n";
        while (big.size() < 10 * 1024 * 1024)
            big += chunk.toStdString();
        big += "\n AKIAZ2F4H6J8K0L2N4P6";
        QElapsedTimer timer;
        timer.start();
        const std::string out = maskSecrets(big);
        qInfo("%s: %lld ms for %zu bytes", QTest::currentDataTag(), timer.elapsed(), big.size());
        QVERIFY(out.find("first-secret-value") == std::string::npos);
        QVERIFY(out.find("Z2F4H6J8K0L2N4P6") == std::string::npos);
        if (!gone.isEmpty())
            QVERIFY(out.find(gone.toStdString()) == std::string::npos);
    }
};

QTEST_MAIN(TestSecretMasking)
#include "tst_secret_masking.moc"
