#pragma once
// client.authentication.k8s.io exec credential plugins (aws eks get-token, gke-gcloud-auth-plugin,
// kubelogin, ...): what kubectl runs to get a token or a client certificate for a user.

#include "common/Result.h"
#include "kube/KubeConfig.h"

#include <QByteArray>
#include <QProcessEnvironment>
#include <QString>

#include <cstdint>
#include <optional>

namespace leakdesk::kube {

struct ExecCredential {
    std::string token; // never logged
    std::string clientCertificateData;
    std::string clientKeyData; // never logged
    std::optional<std::int64_t> expiresMs; // from status.expirationTimestamp; none = valid until a 401

    bool validAt(std::int64_t nowMs) const { return !expiresMs || *expiresMs > nowMs + 10'000; }
};

// Parses the plugin's stdout (an ExecCredential object of apiVersion v1 or v1beta1).
Result<ExecCredential> parseExecCredential(const QByteArray& stdoutBytes, const std::string& expectedApiVersion);

// What to start: program (resolved like kubectl: a path with '/' relative to the kubeconfig's
// directory, otherwise looked up in PATH), arguments and environment (KUBERNETES_EXEC_INFO set).
struct ExecInvocation {
    QString program;
    QStringList arguments;
    QProcessEnvironment environment;
};
Result<ExecInvocation> execInvocation(const KubeUser& user, const KubeCluster& cluster);

} // namespace leakdesk::kube
