#include "CliCluster.h"

#include "core/incident/IncidentStore.h"

#include "CliCommand.h"
#include "core/common/RegularFile.h"
#include "core/kube/KubeConfig.h"
#include "core/sandbox/SandboxHost.h"

#include <QFile>
#include <unistd.h>
#include <QSaveFile>

#include <iostream>

namespace leakdesk::cli {

int fail(const Error& e, int code)
{
    printError(QString::fromStdString(e.message), QString::fromStdString(e.detail));
    return code;
}

Result<Connection> connectCluster(
    const app::ClusterTargetOptions& cluster, const sandbox::SandboxOptions& sandboxOptions)
{
    Connection c;
    auto target = cluster.resolve(c.sandbox, sandboxOptions);
    if (!target)
        return target.error();
    // An empty kubeconfig is KUBECONFIG or ~/.kube/config, an empty context the current-context.
    auto resolved = kube::resolveKubeconfig(target->kubeconfig.toStdString(), target->context.toStdString());
    if (!resolved)
        return resolved.error();
    c.defaultNamespace = resolved->namespaceOrDefault();
    kube::KubeClientOptions options;
    options.useEnvironmentProxy = !target->sandboxCluster; // the in-process sandbox: always direct
    auto client = kube::KubeClient::create(*resolved, options);
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

ChangeOptions::ChangeOptions(QCommandLineParser& parser, Texts texts)
    : m_p(parser)
    , m_texts(std::move(texts))
    , m_cluster(parser, {})
    , m_dryRun(
          QStringLiteral("dry-run"), QStringLiteral("Plan (and ask the server for a dry run) only; change nothing."))
    , m_yes(QStringLiteral("yes"), QStringLiteral("Apply without asking."))
    , m_record(QStringLiteral("record"), m_texts.recordHelp, QStringLiteral("FILE"))
    , m_revert(QStringLiteral("revert"), m_texts.revertHelp, QStringLiteral("FILE"))
    , m_wait(QStringLiteral("wait"), m_texts.waitHelp)
    , m_format(QStringLiteral("format"), m_texts.formatHelp, QStringLiteral("FMT"), QStringLiteral("text"))
    , m_timeout(QStringLiteral("timeout"), QStringLiteral("Give up after this many seconds per step (default 60)."),
          QStringLiteral("S"), QStringLiteral("60"))
    , m_incident(QStringLiteral("incident"),
          QStringLiteral("Also journal the change in this incident file (as LeakDesk does), for the report and "
                         "'mitigate --undo-stopgaps'."),
          QStringLiteral("FILE"))
{
    parser.addOptions({ m_dryRun, m_yes, m_record, m_revert, m_wait, m_format, m_timeout, m_incident });
}

bool ChangeOptions::validate() const
{
    const QString format = m_p.value(m_format);
    if (format != QLatin1String("text") && format != QLatin1String("json")) {
        printError(QStringLiteral("unknown format '%1'").arg(format), QStringLiteral("use --format text or --format json"));
        return false;
    }
    if (timeoutSeconds() <= 0) {
        printError(QStringLiteral("--timeout must be a positive number of seconds"));
        return false;
    }
    if (const auto problem = m_cluster.validate()) {
        printError(problem->message, problem->hint);
        return false;
    }
    if (reverting() && m_cluster.sandbox()) {
        // The in-process sandbox starts afresh each run: the change to revert is not in it.
        printError(QStringLiteral("--revert needs the cluster the change was made in; --sandbox starts a new one"),
            QStringLiteral("run 'leakdesk-cli sandbox serve' and pass its --kubeconfig to both %1 commands")
                .arg(m_texts.command));
        return false;
    }
    return true;
}

int ChangeOptions::timeoutSeconds() const
{
    bool ok = false;
    const int s = m_p.value(m_timeout).toInt(&ok);
    return ok ? s : -1;
}

std::string ChangeOptions::namespaceOr(const std::string& fallback) const
{
    return m_cluster.namespaceGiven() ? m_cluster.namespaceName().toStdString() : fallback;
}

Result<Connection> ChangeOptions::connect() const
{
    return connectCluster(m_cluster, sandbox::SandboxOptions {});
}

bool ChangeOptions::confirmed(std::ostream& out, const std::string& question, const char* doing) const
{
    if (m_p.isSet(m_yes))
        return true;
    if (::isatty(STDIN_FILENO) == 0) {
        printError(QStringLiteral("not %1 without confirmation").arg(QLatin1String(doing)),
            QStringLiteral("stdin is not a terminal: pass --yes to apply, or --dry-run to only look"));
        return false;
    }
    return confirm(out, question);
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
    auto content = readRegularFile(QFile::encodeName(path).toStdString(), fileLimits::kRecord, "mitigation record");
    if (!content)
        return content.error();
    nlohmann::json j = nlohmann::json::parse(*content, nullptr, false);
    if (j.is_discarded())
        return makeError(ErrorCode::Parse, "the record " + path.toStdString() + " is not JSON");
    return j;
}

int journalInIncident(const QString& path, const std::function<void(incident::IncidentDocument&)>& record)
{
    auto saved = incident::updateIncidentFile(path, [&](incident::IncidentDocument& doc) -> Status {
        record(doc);
        return Ok {};
    });
    if (!saved)
        return fail(makeError(saved.error().code,
            "the change was made but not journaled in " + path.toStdString() + ": " + saved.error().message,
            "its record (--record) still reverts it; " + saved.error().detail));
    std::cerr << "journaled in " << path.toStdString() << "\n";
    return 0;
}

} // namespace leakdesk::cli
