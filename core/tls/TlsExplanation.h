#pragma once
// Why a TLS handshake failed, said in the terms of the setting the user has to change.
//
// Qt reports a refused server certificate as "SSL handshake failed" (QNetworkReply) or as the
// first QSslError's wording; the reasons come one by one through sslErrors() before that. The
// Kubernetes client (REST and exec) and the Prometheus client keep those reasons and turn them
// into one Error through explainHandshakeFailure(), each with its own setting names: the
// kubeconfig's certificate-authority / tls-server-name, or the Prometheus options.

#include "core/common/Result.h"

#include <QList>
#include <QNetworkReply>
#include <QSslError>

#include <string>

namespace leakdesk::tls {

// How the client was told to verify the server, in the words of where it was told.
struct VerifySettings {
    std::string serverRole = "the server"; // whose certificate it is: "the API server", "Prometheus"
    bool caGiven = false; // a CA of its own was configured; otherwise the system's CAs were used
    std::string caName = "the configured CA"; // that CA as a noun: "the certificate-authority of cluster 'prod'"
    // where it is set: "certificate-authority(-data) of cluster 'prod' in FILE"
    std::string caSetting = "the client's CA";
    std::string noCaClause = "no CA was configured"; // "cluster 'prod' names no certificate-authority"
    std::string serverNameFix = "connect by a name the certificate holds"; // what to do when the name does not match
    std::string checkAll = "check the CA and the server name"; // what to check when Qt gave no reason
};

// Keeps the reasons a reply's handshake failed (sslErrors) on the reply, for explainHandshakeFailure.
void keepHandshakeErrors(QNetworkReply* reply);
QList<QSslError::SslError> keptHandshakeErrors(const QNetworkReply* reply);
// The QNetworkReply errors that mean the handshake failed (not the connection or the request).
bool isHandshakeFailure(QNetworkReply::NetworkError error);

QList<QSslError::SslError> errorCodes(const QList<QSslError>& errors);

// "<what>: TLS handshake with <server> failed: <reasons>", with what to change as the detail.
// `transportMessage` (Qt's own wording) is used only when none of `errors` is understood.
// `verifyName` is the name the certificate was checked against.
Error explainHandshakeFailure(const std::string& what, const std::string& server,
    const QList<QSslError::SslError>& errors, const std::string& transportMessage, const std::string& verifyName,
    const VerifySettings& settings);

} // namespace leakdesk::tls
