// common/HeaderValue: which configured values may go into an HTTP header, and how a credential is
// read from a file.
#include "core/common/HeaderValue.h"

#include <QTest>

using namespace leakdesk;

class TestHeaderValue : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void problem_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<QString>("problem"); // empty: allowed
        QTest::newRow("token") << QByteArray("eyJhbGciOiJSUzI1NiJ9.e30.sig-_=") << QString();
        QTest::newRow("empty") << QByteArray() << QString();
        QTest::newRow("space inside") << QByteArray("user name") << QString();
        QTest::newRow("utf-8") << QByteArray("p\xc3\xa4ss") << QString();
        QTest::newRow("LF") << QByteArray("a\nb") << "contains a line break (LF) at byte 1";
        QTest::newRow("CR") << QByteArray("ab\r") << "contains a line break (CR) at byte 2";
        QTest::newRow("CRLF header") << QByteArray("t\r\nX-Evil: 1") << "contains a line break (CR) at byte 1";
        QTest::newRow("NUL") << QByteArray("a\0b", 3) << "contains a NUL byte at byte 1";
        QTest::newRow("tab") << QByteArray("a\tb") << "contains a control character (0x09) at byte 1";
        QTest::newRow("unit separator") << QByteArray("\x1f") << "contains a control character (0x1F) at byte 0";
        QTest::newRow("DEL") << QByteArray("abc\x7f") << "contains a control character (0x7F) at byte 3";
    }
    void problem()
    {
        QFETCH(QByteArray, value);
        QFETCH(QString, problem);
        const auto p = headerValueProblem(std::string_view(value.constData(), size_t(value.size())));
        QCOMPARE(p.has_value(), !problem.isEmpty());
        if (p)
            QCOMPARE(QString::fromStdString(*p), problem);
    }

    // Every byte value: exactly the C0 controls and DEL are refused.
    void everyByte()
    {
        for (int b = 0; b < 256; ++b) {
            const char c = static_cast<char>(b);
            const bool refused = b < 0x20 || b == 0x7f;
            QCOMPARE(headerValueProblem(std::string_view(&c, 1)).has_value(), refused);
        }
    }

    void errorNamesTheSettingNotTheValue()
    {
        const auto e = checkHeaderValue("top\nsecret", "users[0].user.token in kubeconfig K", "fix it");
        QVERIFY(e.has_value());
        QCOMPARE(e->code, ErrorCode::Config);
        QVERIFY(e->message.find("users[0].user.token in kubeconfig K contains a line break") == 0);
        QVERIFY(e->message.find("secret") == std::string::npos);
        QCOMPARE(e->detail, std::string("fix it"));
        QVERIFY(!checkHeaderValue("fine", "x", "y").has_value());
    }

    void trimFromFile_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QByteArray>("credential");
        QTest::newRow("bare") << QByteArray("tok") << QByteArray("tok");
        QTest::newRow("echo") << QByteArray("tok\n") << QByteArray("tok");
        QTest::newRow("windows editor") << QByteArray("tok\r\n") << QByteArray("tok");
        QTest::newRow("padded") << QByteArray("  tok \t\n\n") << QByteArray("tok");
        QTest::newRow("inner newline stays") << QByteArray("to\nk\n") << QByteArray("to\nk");
        QTest::newRow("only whitespace") << QByteArray(" \n") << QByteArray();
    }
    void trimFromFile()
    {
        QFETCH(QByteArray, content);
        QFETCH(QByteArray, credential);
        const auto t = trimCredentialFromFile(std::string_view(content.constData(), size_t(content.size())));
        QCOMPARE(QByteArray(t.data(), qsizetype(t.size())), credential);
    }
};

QTEST_APPLESS_MAIN(TestHeaderValue)
#include "tst_header_value.moc"
