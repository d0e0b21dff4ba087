// explainHandshakeFailure: the reasons Qt gives for a refused certificate, said in the words of the
// setting to change, once each, and Qt's own wording only when no reason is understood.
#include "core/tls/TlsExplanation.h"

#include <QTest>

using namespace leakdesk;
using namespace leakdesk::tls;

namespace {

VerifySettings promSettings(bool caGiven)
{
    VerifySettings s;
    s.serverRole = "Prometheus";
    s.caGiven = caGiven;
    s.caName = "the CA given with --prometheus-ca";
    s.caSetting = "--prometheus-ca FILE";
    s.noCaClause = "no --prometheus-ca was given";
    s.serverNameFix = "use a --prometheus URL whose host name the certificate holds";
    s.checkAll = "check --prometheus-ca";
    return s;
}

} // namespace

class TestTlsExplanation : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void reasons_data()
    {
        QTest::addColumn<QList<int>>("codes"); // QSslError::SslError
        QTest::addColumn<bool>("caGiven");
        QTest::addColumn<QString>("message");
        QTest::addColumn<QString>("detail");
        QTest::newRow("another CA") << QList<int> { QSslError::UnableToGetLocalIssuerCertificate,
            QSslError::CertificateUntrusted }
                                    << true
                                    << "GET /x: TLS handshake with https://h:1 failed: the server's certificate is not "
                                       "issued by the CA given with --prometheus-ca"
                                    << "set --prometheus-ca FILE to the CA that signed Prometheus's certificate";
        QTest::newRow("system CAs") << QList<int> { QSslError::SelfSignedCertificateInChain } << false
                                    << "GET /x: TLS handshake with https://h:1 failed: the server's certificate is not "
                                       "issued by a CA this system trusts, and no --prometheus-ca was given"
                                    << "add the CA that signed Prometheus's certificate as --prometheus-ca FILE";
        QTest::newRow("name and expiry")
            << QList<int> { QSslError::HostNameMismatch, QSslError::CertificateExpired } << true
            << "GET /x: TLS handshake with https://h:1 failed: the server's certificate is not valid for the name "
               "'h'; the server's certificate has expired"
            << "use a --prometheus URL whose host name the certificate holds; renew Prometheus's certificate";
        QTest::newRow("not understood") << QList<int> { QSslError::InvalidPurpose } << true
                                        << "GET /x: TLS handshake with https://h:1 failed: Qt's words"
                                        << "check --prometheus-ca";
    }

    void reasons()
    {
        QFETCH(QList<int>, codes);
        QList<QSslError::SslError> errors;
        for (int c : codes)
            errors << static_cast<QSslError::SslError>(c);
        QFETCH(bool, caGiven);
        QFETCH(QString, message);
        QFETCH(QString, detail);
        const Error e
            = explainHandshakeFailure("GET /x", "https://h:1", errors, "Qt's words", "h", promSettings(caGiven));
        QCOMPARE(e.code, ErrorCode::Network);
        QCOMPARE(QString::fromStdString(e.message), message);
        QCOMPARE(QString::fromStdString(e.detail), detail);
    }

    void handshakeFailuresAreTold()
    {
        QVERIFY(isHandshakeFailure(QNetworkReply::SslHandshakeFailedError));
        QVERIFY(!isHandshakeFailure(QNetworkReply::ConnectionRefusedError));
        QVERIFY(!isHandshakeFailure(QNetworkReply::OperationCanceledError));
        QVERIFY(!isHandshakeFailure(QNetworkReply::NoError));
    }
};

QTEST_GUILESS_MAIN(TestTlsExplanation)
#include "tst_tls_explanation.moc"
