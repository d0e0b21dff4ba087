#include "ClusterOptions.h"

#include "CliCommand.h"
#include "SandboxSession.h"
#include "core/investigation/Investigation.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QTimer>

namespace leakdesk::cli {

ClusterOptions::ClusterOptions(QCommandLineParser& parser)
    : m_parser(parser)
    , m_cluster(parser, { .prometheus = true })
    , m_service(QStringLiteral("service"),
          QStringLiteral("A Service (its selector, then its pods' workload), else the workload of that name."),
          QStringLiteral("NAME"))
    , m_workload(QStringLiteral("workload"),
          QStringLiteral("The workload as KIND/NAME: deployment, statefulset, daemonset, replicaset, job, cronjob, "
                         "rollout (or kubectl's short names: deploy, sts, ds, rs, ro)."),
          QStringLiteral("KIND/NAME"))
    , m_format(QStringLiteral("format"), QStringLiteral("text or json."), QStringLiteral("FMT"), QStringLiteral("text"))
    , m_window(QStringLiteral("window"), QStringLiteral("Analysis window in hours (default 6)."), QStringLiteral("H"),
          QStringLiteral("6"))
    , m_timeout(QStringLiteral("timeout"), QStringLiteral("Give up after this many seconds (default 60)."),
          QStringLiteral("S"), QStringLiteral("60"))
    , m_nowMs(QStringLiteral("now-ms"),
          QStringLiteral("Investigate as of this time (unix ms) instead of now, e.g. to reproduce a report."),
          QStringLiteral("MS"))
{
    parser.addOptions({ m_service, m_workload, m_format, m_window, m_timeout, m_nowMs });
}

QString ClusterOptions::format() const { return m_parser.value(m_format); }

Result<kube::WorkloadRef> ClusterOptions::target() const
{
    if (m_parser.isSet(m_workload)) {
        auto ref = kube::parseWorkloadRef(m_parser.value(m_workload).toStdString());
        if (ref && !ref->kind)
            return makeError(ErrorCode::InvalidArgument,
                "--workload wants KIND/NAME, e.g. statefulset/" + ref->name, "or name it with --service " + ref->name);
        return ref;
    }
    auto ref = kube::parseWorkloadRef(m_parser.value(m_service).toStdString());
    if (ref && ref->kind)
        return makeError(ErrorCode::InvalidArgument, "--service takes a name, not KIND/NAME",
            "use --workload " + m_parser.value(m_service).toStdString());
    return ref;
}

int ClusterOptions::timeoutSeconds() const { return std::max(1, m_parser.value(m_timeout).toInt()); }

bool ClusterOptions::validate() const
{
    const QString fmt = format();
    if (fmt != QLatin1String("text") && fmt != QLatin1String("json")) {
        printError(QStringLiteral("unknown format '%1'").arg(fmt), QStringLiteral("use --format text or --format json"));
        return false;
    }
    if (m_targetElsewhere && (m_parser.isSet(m_service) || m_parser.isSet(m_workload))) {
        printError(QStringLiteral("--from-alert names the workload: leave out --service and --workload"));
        return false;
    }
    if (!m_targetElsewhere && m_parser.isSet(m_service) == m_parser.isSet(m_workload)) {
        printError(QStringLiteral("name what to investigate: --service NAME or --workload KIND/NAME (one of them)"),
            QStringLiteral("e.g. --sandbox --namespace production --service checkout, or --workload statefulset/search"));
        return false;
    }
    if (const auto ref = target(); !m_targetElsewhere && !ref) {
        printError(QString::fromStdString(ref.error().message), QString::fromStdString(ref.error().detail));
        return false;
    }
    if (const auto problem = m_cluster.validate()) {
        printError(problem->message, problem->hint);
        return false;
    }
    bool ok = false;
    if (m_parser.isSet(m_nowMs) && (m_parser.value(m_nowMs).toLongLong(&ok) <= 0 || !ok)) {
        printError(QStringLiteral("--now-ms must be a unix time in milliseconds"));
        return false;
    }
    const double hours = m_parser.value(m_window).toDouble(&ok);
    if (!ok || hours <= 0 || hours > 24 * 30) {
        printError(QStringLiteral("--window must be a number of hours between 0 and 720"));
        return false;
    }
    return true;
}

investigation::InvestigationRequest ClusterOptions::request(const investigation::ClusterConnection& connection,
    const std::optional<std::pair<std::string, kube::WorkloadRef>>& chosen) const
{
    investigation::InvestigationRequest r;
    r.ns = (m_cluster.namespaceGiven() ? m_cluster.namespaceName() : connection.defaultNamespace()).toStdString();
    if (chosen) {
        r.ns = chosen->first;
        r.workload = chosen->second;
    } else {
        r.workload = target().value();
    }
    r.service = r.workload.name;
    r.nowMs = m_parser.isSet(m_nowMs) ? m_parser.value(m_nowMs).toLongLong() : QDateTime::currentMSecsSinceEpoch();
    r.windowMs = static_cast<std::int64_t>(m_parser.value(m_window).toDouble() * 3600 * 1000);
    return r;
}

int runInvestigation(const ClusterOptions& options,
    const std::function<int(const investigation::Findings&, const investigation::ClusterConnection&)>& onFindings,
    const ChooseTarget& chooseTarget)
{
    app::SandboxSession sandbox; // outlives the connection that reaches it
    auto target = options.cluster().resolve(sandbox);
    if (!target) {
        printError(QString::fromStdString(target.error().message), QString::fromStdString(target.error().detail));
        return 1;
    }
    auto connection = investigation::ClusterConnection::open(*target);
    if (!connection) {
        printError(QString::fromStdString(connection.error().message), QString::fromStdString(connection.error().detail));
        return 1;
    }
    if (const kube::KubeClient& kube = (*connection)->kube(); kube.usesTls() && !kube.tlsVerified()) {
        // insecure-skip-tls-verify is honoured, as kubectl does, but never silently.
        printError(QStringLiteral("warning: the API server's certificate is not verified "
                                  "(insecure-skip-tls-verify in cluster '%1')")
                       .arg(QString::fromStdString(kube.context().cluster.name)),
            QStringLiteral("anyone on the path to %1 could read and change this session; set certificate-authority "
                           "instead")
                .arg(kube.serverUrl().toString()));
    }
    if ((*connection)->hasPrometheus() && (*connection)->prometheus().usesTls()
        && !(*connection)->prometheus().tlsVerified()) {
        const prometheus::PromClient& prom = (*connection)->prometheus();
        printError(QStringLiteral("warning: Prometheus's certificate is not verified (--prometheus-insecure-skip-tls-verify)"),
            QStringLiteral("anyone on the path to %1 could read and change the metrics this investigation uses; "
                           "pass --prometheus-ca instead")
                .arg(prom.connection().baseUrl.toString()));
    }
    std::optional<std::pair<std::string, kube::WorkloadRef>> chosen;
    if (chooseTarget) {
        auto target = chooseTarget(**connection);
        if (!target) {
            printError(QString::fromStdString(target.error().message), QString::fromStdString(target.error().detail));
            return 1;
        }
        chosen = std::move(*target);
    }
    int exitCode = 1;
    investigation::Investigation job(**connection);
    QObject::connect(
        &job, &investigation::Investigation::finished, [&](std::shared_ptr<const investigation::Findings> f) {
            exitCode = onFindings(*f, **connection);
            QCoreApplication::exit(0);
        });
    QObject::connect(&job, &investigation::Investigation::failed, [&](const Error& e) {
        if (e.code == ErrorCode::Cancelled)
            return; // the timeout that cancelled the job says why
        printError(QString::fromStdString(e.message), QString::fromStdString(e.detail));
        exitCode = 1;
        QCoreApplication::exit(0);
    });
    const int timeoutS = options.timeoutSeconds();
    QTimer::singleShot(timeoutS * 1000, [&] {
        job.cancel();
        printError(QStringLiteral("no complete answer within %1 s").arg(timeoutS),
            QStringLiteral("the cluster or Prometheus is slow or unreachable; retry with a larger --timeout"));
        exitCode = 1;
        QCoreApplication::exit(0);
    });
    job.start(options.request(**connection, chosen));
    QCoreApplication::exec();
    return exitCode;
}

} // namespace leakdesk::cli
