#include "core/tls/TlsExplanation.h"

#include <QVariant>

#include <algorithm>
#include <vector>

namespace leakdesk::tls {

namespace {
constexpr const char* kTlsErrorsProperty = "leakdesk.tlsErrors";
}

void keepHandshakeErrors(QNetworkReply* reply)
{
    QObject::connect(reply, &QNetworkReply::sslErrors, reply, [reply](const QList<QSslError>& errors) {
        QVariantList codes;
        for (const QSslError& e : errors)
            codes << QVariant(int(e.error()));
        reply->setProperty(kTlsErrorsProperty, codes);
    });
}

QList<QSslError::SslError> keptHandshakeErrors(const QNetworkReply* reply)
{
    QList<QSslError::SslError> codes;
    for (const QVariant& code : reply->property(kTlsErrorsProperty).toList())
        codes << static_cast<QSslError::SslError>(code.toInt());
    return codes;
}

bool isHandshakeFailure(QNetworkReply::NetworkError error)
{
    // Qt reports a refused certificate as SslHandshakeFailedError, and on some paths as one of the
    // two errors after it.
    return error >= QNetworkReply::SslHandshakeFailedError && error <= QNetworkReply::SslHandshakeFailedError + 2;
}

QList<QSslError::SslError> errorCodes(const QList<QSslError>& errors)
{
    QList<QSslError::SslError> codes;
    for (const QSslError& e : errors)
        codes << e.error();
    return codes;
}

Error explainHandshakeFailure(const std::string& what, const std::string& server,
    const QList<QSslError::SslError>& errors, const std::string& transportMessage, const std::string& verifyName,
    const VerifySettings& settings)
{
    std::vector<std::string> reasons;
    std::vector<std::string> fixes;
    auto add = [&](const std::string& reason, const std::string& fix) {
        if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) {
            reasons.push_back(reason);
            fixes.push_back(fix);
        }
    };
    for (const QSslError::SslError code : errors) {
        switch (code) {
        case QSslError::UnableToGetIssuerCertificate:
        case QSslError::UnableToGetLocalIssuerCertificate:
        case QSslError::UnableToVerifyFirstCertificate:
        case QSslError::SelfSignedCertificate:
        case QSslError::SelfSignedCertificateInChain:
        case QSslError::CertificateUntrusted:
        case QSslError::CertificateSignatureFailed:
            if (settings.caGiven)
                add("the server's certificate is not issued by " + settings.caName,
                    "set " + settings.caSetting + " to the CA that signed " + settings.serverRole + "'s certificate");
            else
                add("the server's certificate is not issued by a CA this system trusts, and " + settings.noCaClause,
                    "add the CA that signed " + settings.serverRole + "'s certificate as " + settings.caSetting);
            break;
        case QSslError::HostNameMismatch:
            add("the server's certificate is not valid for the name '" + verifyName + "'", settings.serverNameFix);
            break;
        case QSslError::CertificateExpired:
            add("the server's certificate has expired", "renew " + settings.serverRole + "'s certificate");
            break;
        case QSslError::CertificateNotYetValid:
            add("the server's certificate is not valid yet", "check this machine's clock");
            break;
        default:
            break;
        }
    }
    std::string message = what + ": TLS handshake with " + server + " failed: ";
    if (reasons.empty())
        return makeError(ErrorCode::Network, message + transportMessage, settings.checkAll);
    std::string fix;
    for (std::size_t i = 0; i < reasons.size(); ++i) {
        message += (i ? "; " : "") + reasons[i];
        fix += (i ? "; " : "") + fixes[i];
    }
    return makeError(ErrorCode::Network, message, fix);
}

} // namespace leakdesk::tls
