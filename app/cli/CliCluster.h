#pragma once
// What the cluster-changing subcommands (mitigate, isolate) share: a connection to the sandbox or
// a kubeconfig context, running one asynchronous step to its end, confirmation, records on disk.

#include "common/Result.h"
#include "kube/KubeClient.h"
#include "sandbox/SandboxHost.h"

#include <nlohmann/json.hpp>

#include <QEventLoop>
#include <QString>
#include <QTimer>

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

namespace leakdesk::cli {

// Runs one asynchronous step to its end (or the deadline) on a local event loop.
template<class T> Result<T> await(const std::function<void(std::function<void(Result<T>)>)>& call, int timeoutS)
{
    std::optional<Result<T>> got;
    QEventLoop loop;
    call([&](Result<T> r) {
        got = std::move(r);
        loop.quit();
    });
    if (!got) {
        QTimer::singleShot(timeoutS * 1000, &loop, &QEventLoop::quit);
        loop.exec();
    }
    if (!got)
        return makeError(ErrorCode::Timeout, "no answer from the cluster within " + std::to_string(timeoutS) + " s",
            "the API server is slow or unreachable; retry with a larger --timeout");
    return std::move(*got);
}

// Prints the error (and its detail as the hint); returns `code`.
int fail(const Error& e, int code = 1);

// Either the built-in sandbox (in this process) or a kubeconfig context.
struct Connection {
    std::unique_ptr<sandbox::SandboxHost> sandbox;
    std::unique_ptr<kube::KubeClient> client;
    std::string defaultNamespace;
};
Result<Connection> connectCluster(bool useSandbox, quint64 seed, const QString& kubeconfig, const QString& context);

// "question [y/N]" on `out`, the answer from stdin.
bool confirm(std::ostream& out, const std::string& question);

// Writes a record (pretty JSON) to `path`, or to stdout when empty. On failure the error carries
// the record, so the change can still be reverted.
Status writeRecordFile(const nlohmann::json& record, const QString& path, const std::string& what);
// Reads a record written by writeRecordFile.
Result<nlohmann::json> readRecordFile(const QString& path);

} // namespace leakdesk::cli
