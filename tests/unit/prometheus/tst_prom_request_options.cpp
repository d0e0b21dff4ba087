// What a user adds to every Prometheus request, parsed from invented command-line values: headers
// that would break the protocol or smuggle a second request are refused with the option's name
// and never with the value; parameters LeakDesk sets itself are refused; secrets are redacted.
#include "core/prometheus/PromRequestOptions.h"

#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::prometheus;

class TestPromRequestOptions : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void header_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QByteArray>("name"); // empty: refused
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<QString>("problem"); // part of the message when refused
        QTest::newRow("tenant") << QByteArray("X-Scope-OrgID: team-a") << QByteArray("X-Scope-OrgID")
                                << QByteArray("team-a") << QString();
        QTest::newRow("no space, spaces around")
            << QByteArray("  x-tenant:blue green  ") << QByteArray("x-tenant") << QByteArray("blue green") << QString();
        QTest::newRow("colon inside the value") << QByteArray("X-Forwarded-For: a:b:c") << QByteArray("X-Forwarded-For")
                                                << QByteArray("a:b:c") << QString();
        QTest::newRow("empty value is allowed")
            << QByteArray("X-Empty:") << QByteArray("X-Empty") << QByteArray() << QString();
        QTest::newRow("utf-8 value") << QByteArray("X-Team: \xc3\xa9quipe") << QByteArray("X-Team")
                                     << QByteArray("\xc3\xa9quipe") << QString();
        QTest::newRow("no colon") << QByteArray("X-Scope-OrgID team-a") << QByteArray() << QByteArray()
                                  << QStringLiteral("has no ':'");
        QTest::newRow("no name") << QByteArray(": v") << QByteArray() << QByteArray() << QStringLiteral("has no name");
        QTest::newRow("space in name") << QByteArray("X Scope: v") << QByteArray() << QByteArray()
                                       << QStringLiteral("cannot hold at byte 1");
        for (const char* reserved : { "Host", "content-length", "Transfer-Encoding", "CONNECTION", "Upgrade",
                 "Keep-Alive", "TE", "Proxy-Authorization", "Expect" })
            QTest::addRow("reserved %s", reserved)
                << QByteArray(reserved) + ": x" << QByteArray() << QByteArray() << QStringLiteral("sets itself");
        QTest::newRow("LF in value") << QByteArray("X-A: s3cret\nX-B: injected") << QByteArray() << QByteArray()
                                     << QStringLiteral("line break (LF)");
        QTest::newRow("CR in value") << QByteArray("X-A: s3cret\rinjected") << QByteArray() << QByteArray()
                                     << QStringLiteral("line break (CR)");
        QTest::newRow("NUL in value") << QByteArray("X-A: s3cret\0x", 13) << QByteArray() << QByteArray()
                                      << QStringLiteral("NUL");
        QTest::newRow("tab in value") << QByteArray("X-A: s3c\tret") << QByteArray() << QByteArray()
                                      << QStringLiteral("control character");
    }
    void header()
    {
        QFETCH(QByteArray, text);
        QFETCH(QByteArray, name);
        QFETCH(QByteArray, value);
        QFETCH(QString, problem);
        const auto h
            = parsePromHeaderOption(std::string_view(text.constData(), size_t(text.size())), "--prometheus-header");
        if (!name.isEmpty()) {
            QVERIFY2(h.ok(), h.ok() ? "" : h.error().toString().c_str());
            QCOMPARE(h->name, name);
            QCOMPARE(h->value, value);
            return;
        }
        QVERIFY(!h.ok());
        const QString message = QString::fromStdString(h.error().toString());
        QVERIFY2(message.contains(problem), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("--prometheus-header")), qPrintable(message));
        // The value may be a credential: it is never repeated.
        QVERIFY2(!message.contains(QStringLiteral("s3cret")), qPrintable(message));
        QCOMPARE(h.error().code, ErrorCode::Config);
    }

    void param_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("key"); // empty: refused
        QTest::addColumn<QString>("value");
        QTest::newRow("dedup") << QByteArray("dedup=true") << QStringLiteral("dedup") << QStringLiteral("true");
        QTest::newRow("equals in value") << QByteArray("a=b=c") << QStringLiteral("a") << QStringLiteral("b=c");
        QTest::newRow("empty value") << QByteArray("partial_response=") << QStringLiteral("partial_response")
                                     << QString();
        QTest::newRow("array key") << QByteArray("replicaLabels[]=replica") << QStringLiteral("replicaLabels[]")
                                   << QStringLiteral("replica");
        QTest::newRow("no equals") << QByteArray("dedup") << QString() << QString();
        QTest::newRow("no key") << QByteArray("=true") << QString() << QString();
        for (const char* own : { "query", "time", "start", "end", "step", "match[]" })
            QTest::addRow("own %s", own) << QByteArray(own) + "=x" << QString() << QString();
    }
    void param()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, key);
        QFETCH(QString, value);
        const auto p = parsePromParamOption(text.toStdString(), "--prometheus-param");
        if (key.isEmpty()) {
            QVERIFY(!p.ok());
            QVERIFY2(p.error().message.find("--prometheus-param") != std::string::npos, p.error().message.c_str());
            return;
        }
        QVERIFY2(p.ok(), p.ok() ? "" : p.error().toString().c_str());
        QCOMPARE(p->key, key);
        QCOMPARE(p->value, value);
    }

    void redaction_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QList<QByteArray>>("secrets");
        QTest::addColumn<QString>("expected");
        QTest::newRow("one") << QStringLiteral("bad tenant tn-42 here") << QList<QByteArray> { "tn-42" }
                             << QStringLiteral("bad tenant [redacted] here");
        QTest::newRow("twice, and an empty secret ignored") << QStringLiteral(
            "abcdXabcd") << QList<QByteArray> { "", "abcd" } << QStringLiteral("[redacted]X[redacted]");
        QTest::newRow("secret that is part of the mark")
            << QStringLiteral("dact dact") << QList<QByteArray> { "dact" } << QStringLiteral("[redacted] [redacted]");
        QTest::newRow("too short to be one")
            << QStringLiteral("HTTP 401 from tenant 1") << QList<QByteArray> { "1", "401" }
            << QStringLiteral("HTTP 401 from tenant 1");
        QTest::newRow("none") << QStringLiteral("nothing") << QList<QByteArray> { "zzz" } << QStringLiteral("nothing");
    }
    void redaction()
    {
        QFETCH(QString, text);
        QFETCH(QList<QByteArray>, secrets);
        QFETCH(QString, expected);
        const std::vector<QByteArray> s(secrets.begin(), secrets.end());
        QCOMPARE(QString::fromStdString(redactSecrets(text.toStdString(), s)), expected);
    }

    void tokenFile_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QByteArray>("token"); // empty: refused
        QTest::newRow("trailing newline") << QByteArray("abc.def\n") << QByteArray("abc.def");
        QTest::newRow("CRLF and spaces") << QByteArray("  abc\r\n") << QByteArray("abc");
        QTest::newRow("empty") << QByteArray("\n") << QByteArray();
        QTest::newRow("two lines") << QByteArray("abc\ndef\n") << QByteArray();
    }
    void tokenFile()
    {
        QFETCH(QByteArray, content);
        QFETCH(QByteArray, token);
        QTemporaryDir dir;
        QFile f(dir.filePath(QStringLiteral("token")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(content);
        f.close();
        const auto read = readBearerTokenFile(f.fileName(), "--prometheus-token-file");
        if (token.isEmpty()) {
            QVERIFY(!read.ok());
            QVERIFY(read.error().message.find("--prometheus-token-file") != std::string::npos);
            QVERIFY(read.error().message.find("def") == std::string::npos);
            return;
        }
        QVERIFY2(read.ok(), read.ok() ? "" : read.error().toString().c_str());
        QCOMPARE(*read, token);
    }
};

QTEST_GUILESS_MAIN(TestPromRequestOptions)
#include "tst_prom_request_options.moc"
