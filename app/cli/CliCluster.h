#pragma once
// What the cluster-changing subcommands (mitigate, isolate) share: a connection to the sandbox or
// a kubeconfig context, running one asynchronous step to its end, confirmation, records on disk.

#include "ClusterTargetOptions.h"
#include "SandboxSession.h"

#include "core/common/Result.h"
#include "core/incident/IncidentDocument.h"
#include "core/kube/KubeClient.h"

#include <nlohmann/json.hpp>

#include <QCommandLineOption>
#include <QCommandLineParser>
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

// A kubeconfig context, and the built-in sandbox (in this process) when that is what it points at.
struct Connection {
    app::SandboxSession sandbox; // outlives the client (members end in reverse order)
    std::unique_ptr<kube::KubeClient> client;
    std::string defaultNamespace;
};
// Starts the sandbox when `cluster` asks for it (with `sandboxOptions`, its seed from --seed), then
// connects to the kubeconfig context.
Result<Connection> connectCluster(
    const app::ClusterTargetOptions& cluster, const sandbox::SandboxOptions& sandboxOptions);

// "question [y/N]" on `out`, the answer from stdin.
bool confirm(std::ostream& out, const std::string& question);

// The options every cluster-changing subcommand (mitigate, isolate) shares, their checks, and the
// confirmation rule (--yes, or a terminal to ask on).
class ChangeOptions {
public:
    struct Texts {
        QString command; // "mitigate"
        QString recordHelp; // what --record writes
        QString revertHelp; // what --revert does
        QString waitHelp; // what --wait waits for
        QString formatHelp; // what --format json prints
    };
    // Adds which cluster (app::ClusterTargetOptions, without Prometheus) and --dry-run --yes --record
    // --revert --wait --format --timeout to `parser`.
    ChangeOptions(QCommandLineParser& parser, Texts texts);

    // After parsing: false (the problem printed, exit code 2) for a bad --format or --timeout, a
    // cluster that cannot work (app::ClusterTargetOptions::validate), or --revert with --sandbox.
    bool validate() const;

    bool reverting() const { return m_p.isSet(m_revert); }
    QString revertFile() const { return m_p.value(m_revert); }
    QString recordFile() const { return m_p.value(m_record); }
    bool recordToStdout() const { return !dryRun() && !m_p.isSet(m_record); }
    bool dryRun() const { return m_p.isSet(m_dryRun); }
    bool wait() const { return m_p.isSet(m_wait); }
    bool json() const { return m_p.value(m_format) == QLatin1String("json"); }
    // --incident FILE: the change is also journaled in this incident file, as LeakDesk journals it
    // (so undo-stopgaps and the report know it); empty when not given.
    QString incidentFile() const { return m_p.value(m_incident); }
    int timeoutSeconds() const;
    bool namespaceGiven() const { return m_cluster.namespaceGiven(); }
    bool usesSandbox() const { return m_cluster.sandbox(); }
    std::string namespaceOr(const std::string& fallback) const;

    Result<Connection> connect() const;
    const app::ClusterTargetOptions& cluster() const { return m_cluster; }
    // True with --yes; otherwise asks on a terminal. Prints why not when stdin is no terminal.
    bool confirmed(std::ostream& out, const std::string& question, const char* doing = "applying") const;

private:
    QCommandLineParser& m_p;
    Texts m_texts;
    app::ClusterTargetOptions m_cluster;
    QCommandLineOption m_dryRun, m_yes, m_record, m_revert, m_wait, m_format, m_timeout, m_incident;
};

// Writes a record (pretty JSON) to `path`, or to stdout when empty. On failure the error carries
// the record, so the change can still be reverted.
Status writeRecordFile(const nlohmann::json& record, const QString& path, const std::string& what);
// Reads a record written by writeRecordFile.
Result<nlohmann::json> readRecordFile(const QString& path);

// Journals a change in the incident file `path` (incident::updateIncidentFile); prints where. The
// change was made either way: a failure says so and how to revert it from its record.
int journalInIncident(const QString& path, const std::function<void(incident::IncidentDocument&)>& record);

} // namespace leakdesk::cli
