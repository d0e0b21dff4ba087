#include "CliCluster.h"

#include "CliCommand.h"
#include "kube/KubeConfig.h"

#include <QFile>
#include <QSaveFile>

#include <iostream>

namespace leakdesk::cli {

int fail(const Error& e, int code)
{
    printError(QString::fromStdString(e.message), QString::fromStdString(e.detail));
    return code;
}

Result<Connection> connectCluster(bool useSandbox, quint64 seed, const QString& kubeconfig, const QString& context)
{
    Connection c;
    std::string kubeconfigFile = kubeconfig.toStdString(); // empty: KUBECONFIG or ~/.kube/config
    std::string contextName = context.toStdString();
    if (useSandbox) {
        c.sandbox = std::make_unique<sandbox::SandboxHost>();
        sandbox::SandboxOptions so;
        so.seed = seed;
        if (auto st = c.sandbox->start(so); !st)
            return st.error();
        kubeconfigFile = c.sandbox->kubeconfigPath().toStdString();
        contextName = c.sandbox->contextName().toStdString();
    }
    auto resolved = kube::resolveKubeconfig(kubeconfigFile, contextName);
    if (!resolved)
        return resolved.error();
    c.defaultNamespace = resolved->namespaceOrDefault();
    auto client = kube::KubeClient::create(*resolved);
    if (!client)
        return client.error();
    c.client = std::move(client).value();
    return c;
}

bool confirm(std::ostream& out, const std::string& question)
{
    out << question << " [y/N] " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer))
        return false;
    return answer == "y" || answer == "Y" || answer == "yes";
}

Status writeRecordFile(const nlohmann::json& record, const QString& path, const std::string& what)
{
    const std::string text = record.dump(2) + "\n";
    if (path.isEmpty()) {
        std::cout << text << std::flush;
        return Ok {};
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(text.data(), qint64(text.size())) != qint64(text.size())
        || !file.commit())
        return makeError(ErrorCode::Io,
            "cannot write the " + what + " record to " + path.toStdString() + ": " + file.errorString().toStdString(),
            "the change WAS applied; keep this record to revert it:\n" + text);
    return Ok {};
}

Result<nlohmann::json> readRecordFile(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::Io,
            "cannot read the record " + path.toStdString() + ": " + f.errorString().toStdString());
    nlohmann::json j = nlohmann::json::parse(f.readAll().toStdString(), nullptr, false);
    if (j.is_discarded())
        return makeError(ErrorCode::Parse, "the record " + path.toStdString() + " is not JSON");
    return j;
}

} // namespace leakdesk::cli
