// The sandbox's throwaway PKI: what it issues must be what TLS clients (Qt here, Go's crypto/tls in
// the kubectl tests) expect, and verifyClient must accept only client certificates of its own CA.

#include "core/sandbox/http/SandboxCertificates.h"

#include <QSslCertificate>
#include <QSslCertificateExtension>
#include <QSslKey>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::sandbox;

namespace {

QSslCertificate parse(const QByteArray& pem)
{
    const auto certs = QSslCertificate::fromData(pem, QSsl::Pem);
    return certs.size() == 1 ? certs.first() : QSslCertificate();
}

} // namespace

class TestSandboxCertificates : public QObject {
    Q_OBJECT
    std::optional<CertificateAuthority> m_ca;
    std::optional<CertificateAuthority> m_otherCa;

private Q_SLOTS:
    void initTestCase()
    {
        auto ca = CertificateAuthority::create("test-sandbox-ca", 2);
        QVERIFY2(ca.ok(), ca.ok() ? "" : ca.error().toString().c_str());
        m_ca = *ca;
        auto other = CertificateAuthority::create("test-other-ca");
        QVERIFY(other.ok());
        m_otherCa = *other;
    }

    void caIsSelfSignedAndValidNow()
    {
        const QSslCertificate ca = parse(m_ca->certificatePem());
        QVERIFY(!ca.isNull());
        QVERIFY(ca.isSelfSigned());
        QCOMPARE(ca.subjectInfo(QSslCertificate::CommonName), QStringList { QStringLiteral("test-sandbox-ca") });
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QVERIFY(ca.effectiveDate() < now);
        QVERIFY(ca.expiryDate() > now.addDays(1));
        QVERIFY(ca.expiryDate() < now.addDays(3));
        bool isCa = false;
        for (const QSslCertificateExtension& e : ca.extensions())
            if (e.name() == QLatin1String("basicConstraints"))
                isCa = e.value().toMap().value(QStringLiteral("ca")).toBool();
        QVERIFY(isCa);
    }

    void serverCertificateNamesLoopback()
    {
        auto issued = m_ca->issueServer({ "localhost" }, { "127.0.0.1" });
        QVERIFY(issued.ok());
        const QSslCertificate cert = parse(issued->certificatePem);
        QVERIFY(!cert.isNull());
        QCOMPARE(cert.issuerInfo(QSslCertificate::CommonName), QStringList { QStringLiteral("test-sandbox-ca") });
        const auto san = cert.subjectAlternativeNames();
        QCOMPARE(san.values(QSsl::DnsEntry), QStringList { QStringLiteral("localhost") });
        QCOMPARE(san.values(QSsl::IpAddressEntry), QStringList { QStringLiteral("127.0.0.1") });
        // Qt's own check of the chain against this CA, for the name clients connect to.
        const auto errors
            = QSslCertificate::verify({ cert, parse(m_ca->certificatePem()) }, QStringLiteral("localhost"));
        for (const QSslError& e : errors)
            QVERIFY2(
                e.error() == QSslError::SelfSignedCertificateInChain || e.error() == QSslError::CertificateUntrusted,
                qPrintable(e.errorString())); // only "the root is not in the system store"
        const QSslKey key(issued->privateKeyPem, QSsl::Ec, QSsl::Pem);
        QVERIFY(!key.isNull());
        QVERIFY(issued->privateKeyPem.startsWith("-----BEGIN EC PRIVATE KEY-----"));
    }

    void serverCertificateNeedsAName()
    {
        auto issued = m_ca->issueServer({}, {});
        QVERIFY(!issued.ok());
        QCOMPARE(issued.error().code, ErrorCode::InvalidArgument);
    }

    void clientCertificateNamesUserAndGroups()
    {
        auto issued = m_ca->issueClient("leakdesk-admin", { "system:masters", "oncall" });
        QVERIFY(issued.ok());
        const QSslCertificate cert = parse(issued->certificatePem);
        QCOMPARE(cert.subjectInfo(QSslCertificate::CommonName), QStringList { QStringLiteral("leakdesk-admin") });
        QStringList organisations = cert.subjectInfo(QSslCertificate::Organization);
        organisations.sort();
        QCOMPARE(organisations, (QStringList { QStringLiteral("oncall"), QStringLiteral("system:masters") }));
        const auto id = m_ca->verifyClient(cert.toDer());
        QVERIFY(id);
        QCOMPARE(id->user, std::string("leakdesk-admin"));
        QCOMPARE(id->groups, (std::vector<std::string> { "system:masters", "oncall" }));
    }

    void verifyClientRefusesWhatItDidNotIssueForClients()
    {
        // Another CA's certificate with the same names.
        auto forged = m_otherCa->issueClient("leakdesk-admin", { "system:masters" });
        QVERIFY(forged.ok());
        QVERIFY(!m_ca->verifyClient(parse(forged->certificatePem).toDer()));
        // Its own server certificate: not made for client authentication.
        auto server = m_ca->issueServer({ "localhost" }, {});
        QVERIFY(server.ok());
        QVERIFY(!m_ca->verifyClient(parse(server->certificatePem).toDer()));
        // The CA itself.
        QVERIFY(!m_ca->verifyClient(parse(m_ca->certificatePem()).toDer()));
        // Not a certificate at all.
        QVERIFY(!m_ca->verifyClient({}));
        QVERIFY(!m_ca->verifyClient(QByteArray("\x30\x82\x01\x00garbage", 12)));
        QByteArray truncated = parse(m_ca->issueClient("u", {})->certificatePem).toDer();
        truncated.chop(10);
        QVERIFY(!m_ca->verifyClient(truncated));
    }

    void verifyClientRefusesATamperedCertificate()
    {
        auto issued = m_ca->issueClient("leakdesk-sandbox-viewer", {});
        QVERIFY(issued.ok());
        QByteArray der = parse(issued->certificatePem).toDer();
        QVERIFY(m_ca->verifyClient(der));
        // Rename the user in place ("viewer" -> "vIewer"): the signature no longer matches.
        const qsizetype at = der.indexOf("viewer");
        QVERIFY(at > 0);
        der[at + 1] = 'I';
        QVERIFY(!m_ca->verifyClient(der));
    }

    void everyCertificateIsNew()
    {
        auto a = m_ca->issueClient("u", {});
        auto b = m_ca->issueClient("u", {});
        QVERIFY(a.ok() && b.ok());
        QVERIFY(parse(a->certificatePem).serialNumber() != parse(b->certificatePem).serialNumber());
        QVERIFY(a->privateKeyPem != b->privateKeyPem);
    }
};

QTEST_GUILESS_MAIN(TestSandboxCertificates)
#include "tst_sandbox_certificates.moc"
