#include "core/sandbox/http/SandboxCertificates.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace leakdesk::sandbox {

namespace {

template<class T, void (*Free)(T*)> struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

// The last libcrypto error as text, and the queue emptied so the next failure reads its own.
Error cryptoError(const std::string& what)
{
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    char text[256] = {};
    if (code != 0)
        ERR_error_string_n(code, text, sizeof text);
    return makeError(ErrorCode::Unknown, "cannot create the sandbox's TLS certificates: " + what,
        code != 0 ? std::string(text) : std::string("libcrypto gave no reason"));
}

KeyPtr newKey()
{
    return KeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}

QByteArray drain(BIO* bio)
{
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    return n > 0 ? QByteArray(data, static_cast<qsizetype>(n)) : QByteArray();
}

Result<QByteArray> certificateToPem(X509* cert)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1)
        return cryptoError("PEM encoding of a certificate");
    return drain(bio.get());
}

Result<QByteArray> keyToPem(EVP_PKEY* key)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return cryptoError("PEM encoding of a private key");
    return drain(bio.get());
}

bool addExtension(X509* cert, X509* issuer, int nid, const std::string& value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

// A certificate for `key` with the given subject, valid from an hour ago (clock skew between the
// sandbox and whoever checks) for `validDays`; the issuer is filled in by the caller.
CertPtr newCertificate(
    EVP_PKEY* key, const std::string& commonName, const std::vector<std::string>& organisations, int validDays)
{
    CertPtr cert(X509_new());
    if (!cert || X509_set_version(cert.get(), 2) != 1)
        return nullptr;
    // RFC 5280: positive, at most 20 octets, unique per issuer; random 127 bits satisfy all three.
    BnPtr serial(BN_new());
    if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1
        || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())))
        return nullptr;
    if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600)
        || !X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(validDays) * 86400L)
        || X509_set_pubkey(cert.get(), key) != 1)
        return nullptr;
    X509_NAME* name = X509_get_subject_name(cert.get());
    for (const std::string& o : organisations)
        if (X509_NAME_add_entry_by_txt(
                name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(o.c_str()), -1, -1, 0)
            != 1)
            return nullptr;
    if (X509_NAME_add_entry_by_txt(
            name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1, 0)
        != 1)
        return nullptr;
    return cert;
}

std::string entryText(const X509_NAME_ENTRY* entry)
{
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
    if (n < 0)
        return {};
    std::string out(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(n));
    OPENSSL_free(utf8);
    return out;
}

} // namespace

struct CertificateAuthority::State {
    KeyPtr key;
    CertPtr cert;
    QByteArray pem;
    int validDays = 30;
};

CertificateAuthority::CertificateAuthority(std::shared_ptr<const State> state)
    : m(std::move(state))
{ }

Result<CertificateAuthority> CertificateAuthority::create(const std::string& commonName, int validDays)
{
    auto state = std::make_shared<State>();
    state->validDays = validDays;
    state->key = newKey();
    if (!state->key)
        return cryptoError("EC P-256 key generation for the CA");
    state->cert = newCertificate(state->key.get(), commonName, {}, validDays);
    X509* c = state->cert.get();
    if (!c || X509_set_issuer_name(c, X509_get_subject_name(c)) != 1
        || !addExtension(c, c, NID_basic_constraints, "critical,CA:TRUE")
        || !addExtension(c, c, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature")
        || !addExtension(c, c, NID_subject_key_identifier, "hash") || X509_sign(c, state->key.get(), EVP_sha256()) <= 0)
        return cryptoError("the self-signed CA certificate");
    auto pem = certificateToPem(c);
    if (!pem)
        return pem.error();
    state->pem = *pem;
    return CertificateAuthority(std::move(state));
}

QByteArray CertificateAuthority::certificatePem() const
{
    return m->pem;
}

Result<IssuedCertificate> CertificateAuthority::issue(const std::string& commonName,
    const std::vector<std::string>& organisations, const std::string& subjectAltNames,
    const char* extendedKeyUsage) const
{
    KeyPtr key = newKey();
    if (!key)
        return cryptoError("EC P-256 key generation for " + commonName);
    CertPtr cert = newCertificate(key.get(), commonName, organisations, m->validDays);
    X509* c = cert.get();
    if (!c || X509_set_issuer_name(c, X509_get_subject_name(m->cert.get())) != 1
        || !addExtension(c, m->cert.get(), NID_basic_constraints, "critical,CA:FALSE")
        || !addExtension(c, m->cert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment")
        || !addExtension(c, m->cert.get(), NID_ext_key_usage, extendedKeyUsage)
        || !addExtension(c, m->cert.get(), NID_subject_key_identifier, "hash")
        || !addExtension(c, m->cert.get(), NID_authority_key_identifier, "keyid:always")
        || (!subjectAltNames.empty() && !addExtension(c, m->cert.get(), NID_subject_alt_name, subjectAltNames))
        || X509_sign(c, m->key.get(), EVP_sha256()) <= 0)
        return cryptoError("the certificate for " + commonName);
    auto certPem = certificateToPem(c);
    if (!certPem)
        return certPem.error();
    auto keyPem = keyToPem(key.get());
    if (!keyPem)
        return keyPem.error();
    return IssuedCertificate { *certPem, *keyPem };
}

Result<IssuedCertificate> CertificateAuthority::issueServer(
    const std::vector<std::string>& dnsNames, const std::vector<std::string>& ipAddresses) const
{
    std::string san;
    for (const std::string& d : dnsNames)
        san += (san.empty() ? "DNS:" : ",DNS:") + d;
    for (const std::string& ip : ipAddresses)
        san += (san.empty() ? "IP:" : ",IP:") + ip;
    if (san.empty())
        return makeError(ErrorCode::InvalidArgument, "a server certificate needs at least one DNS name or IP address");
    return issue(dnsNames.empty() ? ipAddresses.front() : dnsNames.front(), {}, san, "serverAuth");
}

Result<IssuedCertificate> CertificateAuthority::issueClient(
    const std::string& user, const std::vector<std::string>& groups) const
{
    if (user.empty())
        return makeError(ErrorCode::InvalidArgument, "a client certificate needs a user name (its CN)");
    return issue(user, groups, {}, "clientAuth");
}

std::optional<CertificateIdentity> CertificateAuthority::verifyClient(const QByteArray& der) const
{
    if (der.isEmpty())
        return std::nullopt;
    const auto* bytes = reinterpret_cast<const unsigned char*>(der.constData());
    CertPtr cert(d2i_X509(nullptr, &bytes, der.size()));
    std::optional<CertificateIdentity> out;
    if (!cert || X509_NAME_cmp(X509_get_issuer_name(cert.get()), X509_get_subject_name(m->cert.get())) != 0
        || X509_verify(cert.get(), m->key.get()) != 1 || X509_cmp_current_time(X509_get0_notBefore(cert.get())) >= 0
        || X509_cmp_current_time(X509_get0_notAfter(cert.get())) <= 0
        || (X509_get_extension_flags(cert.get()) & EXFLAG_CA) != 0
        || (X509_get_extended_key_usage(cert.get()) & XKU_SSL_CLIENT) == 0) {
        ERR_clear_error();
        return out;
    }
    CertificateIdentity id;
    const X509_NAME* subject = X509_get_subject_name(cert.get());
    for (int i = 0; i < X509_NAME_entry_count(subject); ++i) {
        const X509_NAME_ENTRY* entry = X509_NAME_get_entry(subject, i);
        const int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
        if (nid == NID_commonName)
            id.user = entryText(entry);
        else if (nid == NID_organizationName)
            id.groups.push_back(entryText(entry));
    }
    if (!id.user.empty())
        out = std::move(id);
    return out;
}

} // namespace leakdesk::sandbox
