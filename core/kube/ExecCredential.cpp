#include "kube/ExecCredential.h"

#include "kube/KubeObjects.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace leakdesk::kube {

using nlohmann::json;

Result<ExecCredential> parseExecCredential(const QByteArray& out, const std::string& expectedApiVersion)
{
    json j;
    try {
        j = json::parse(out.toStdString());
    } catch (const json::exception&) {
        return makeError(ErrorCode::Config, "the credential plugin did not print an ExecCredential (its output is not JSON)",
            "run the plugin by hand to see what it prints; it must write JSON to stdout");
    }
    if (!j.is_object() || j.value("kind", "") != "ExecCredential")
        return makeError(ErrorCode::Config, "the credential plugin printed JSON that is not an ExecCredential", "expected \"kind\": \"ExecCredential\"");
    const std::string apiVersion = j.value("apiVersion", "");
    if (!expectedApiVersion.empty() && apiVersion != expectedApiVersion)
        return makeError(ErrorCode::Config,
            "the credential plugin answered apiVersion '" + apiVersion + "' but the kubeconfig asks for '" + expectedApiVersion + "'",
            "set users[].user.exec.apiVersion to what the plugin speaks");
    const auto status = j.find("status");
    if (status == j.end() || !status->is_object())
        return makeError(ErrorCode::Config, "the credential plugin's ExecCredential has no status", "the plugin must fill status.token or a client certificate");
    ExecCredential c;
    auto str = [&](const char* k) {
        auto it = status->find(k);
        return it != status->end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    c.token = str("token");
    c.clientCertificateData = str("clientCertificateData");
    c.clientKeyData = str("clientKeyData");
    if (const std::string exp = str("expirationTimestamp"); !exp.empty()) {
        const std::int64_t ms = parseTimestampMs(exp);
        if (ms == 0)
            return makeError(ErrorCode::Config, "the credential plugin's expirationTimestamp '" + exp + "' is not RFC 3339");
        c.expiresMs = ms;
    }
    if (c.token.empty() && (c.clientCertificateData.empty() || c.clientKeyData.empty()))
        return makeError(ErrorCode::Config, "the credential plugin returned neither a token nor a client certificate and key");
    return c;
}

Result<ExecInvocation> execInvocation(const KubeUser& user, const KubeCluster& cluster)
{
    if (!user.exec)
        return makeError(ErrorCode::InvalidArgument, "user '" + user.name + "' has no exec plugin");
    const auto& x = *user.exec;
    QString program = QString::fromStdString(x.command);
    if (program.contains(QLatin1Char('/'))) {
        if (QFileInfo(program).isRelative() && !user.sourceFile.empty())
            program = QFileInfo(QString::fromStdString(user.sourceFile)).dir().filePath(program);
        if (!QFileInfo(program).isExecutable())
            return makeError(ErrorCode::Config, "credential plugin '" + program.toStdString() + "' of user '" + user.name + "' is not an executable file",
                x.installHint.empty() ? "check users[].user.exec.command in " + user.sourceFile : x.installHint);
    } else {
        const QString found = QStandardPaths::findExecutable(program);
        if (found.isEmpty())
            return makeError(ErrorCode::Config, "credential plugin '" + x.command + "' of user '" + user.name + "' is not on PATH",
                x.installHint.empty() ? "install it or fix users[].user.exec.command in " + user.sourceFile : x.installHint);
        program = found;
    }
    ExecInvocation inv;
    inv.program = program;
    for (const auto& a : x.args)
        inv.arguments << QString::fromStdString(a);
    inv.environment = QProcessEnvironment::systemEnvironment();
    for (const auto& [k, v] : x.env)
        inv.environment.insert(QString::fromStdString(k), QString::fromStdString(v));
    json info = { { "apiVersion", x.apiVersion.empty() ? "client.authentication.k8s.io/v1" : x.apiVersion }, { "kind", "ExecCredential" },
        { "spec", { { "interactive", false } } } };
    if (x.provideClusterInfo)
        info["spec"]["cluster"] = { { "server", cluster.server }, { "tls-server-name", cluster.tlsServerName },
            { "insecure-skip-tls-verify", cluster.insecureSkipTlsVerify } };
    inv.environment.insert(QStringLiteral("KUBERNETES_EXEC_INFO"), QString::fromStdString(info.dump()));
    return inv;
}

} // namespace leakdesk::kube
