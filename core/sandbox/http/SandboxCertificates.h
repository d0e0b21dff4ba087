#pragma once
// A throwaway PKI for `sandbox serve --tls`: a self-signed CA made at start, a server certificate
// for 127.0.0.1/localhost and client certificates that name a user the way the API server reads
// them (CN = user name, O = groups). Keys are EC P-256, made in-process with libcrypto, and only
// ever leave memory as PEM for the TLS server and the 0600 kubeconfig.

#include "core/common/Result.h"
#include "core/sandbox/http/HttpServer.h"

#include <QByteArray>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::sandbox {

struct IssuedCertificate {
    QByteArray certificatePem;
    QByteArray privateKeyPem; // "EC PRIVATE KEY": read by Go's crypto/tls and by QSslKey alike
};

class CertificateAuthority {
public:
    // A CA valid from an hour ago (clock skew) for `validDays`.
    static Result<CertificateAuthority> create(const std::string& commonName, int validDays = 30);

    QByteArray certificatePem() const;

    // Server certificate (extendedKeyUsage serverAuth) with these subjectAltNames.
    Result<IssuedCertificate> issueServer(
        const std::vector<std::string>& dnsNames, const std::vector<std::string>& ipAddresses) const;
    // Client certificate (extendedKeyUsage clientAuth): CN = user, one O per group.
    Result<IssuedCertificate> issueClient(const std::string& user, const std::vector<std::string>& groups) const;

    // Who a DER client certificate names, if this CA signed it, it is valid now and made for
    // client authentication; nothing otherwise.
    std::optional<CertificateIdentity> verifyClient(const QByteArray& der) const;

private:
    struct State;
    explicit CertificateAuthority(std::shared_ptr<const State> state);
    Result<IssuedCertificate> issue(const std::string& commonName, const std::vector<std::string>& organisations,
        const std::string& subjectAltNames, const char* extendedKeyUsage) const;

    std::shared_ptr<const State> m;
};

} // namespace leakdesk::sandbox
