#include "ClusterOptions.h"

#include "CliCommand.h"
#include "investigation/Investigation.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QTimer>

namespace leakdesk::cli {

ClusterOptions::ClusterOptions(QCommandLineParser& parser)
    : m_parser(parser)
    , m_sandbox(QStringLiteral("sandbox"), QStringLiteral("Use the built-in simulated cluster."))
    , m_seed(QStringLiteral("seed"), QStringLiteral("Sandbox seed."), QStringLiteral("N"), QStringLiteral("42"))
    , m_kubeconfig(QStringLiteral("kubeconfig"), QStringLiteral("kubeconfig file (default: KUBECONFIG or ~/.kube/config)."), QStringLiteral("FILE"))
    , m_context(QStringLiteral("context"), QStringLiteral("kubeconfig context (default: current-context)."), QStringLiteral("NAME"))
    , m_prometheus(QStringLiteral("prometheus"), QStringLiteral("Prometheus base URL, e.g. http://127.0.0.1:9090."), QStringLiteral("URL"))
    , m_prometheusCa(QStringLiteral("prometheus-ca"),
          QStringLiteral("PEM file of the CA that signed an https Prometheus's certificate (default: the system's CAs)."),
          QStringLiteral("FILE"))
    , m_prometheusTokenFile(QStringLiteral("prometheus-token-file"),
          QStringLiteral("File holding a bearer token for Prometheus (managed Prometheus, an authenticating proxy)."),
          QStringLiteral("FILE"))
    , m_prometheusInsecure(QStringLiteral("prometheus-insecure-skip-tls-verify"),
          QStringLiteral("Do not verify Prometheus's certificate (unsafe; for test servers)."))
    , m_namespace({ QStringLiteral("n"), QStringLiteral("namespace") }, QStringLiteral("Namespace (default: the context's)."), QStringLiteral("NS"))
    , m_service(QStringLiteral("service"), QStringLiteral("Service (Deployment name, pods labelled app=SERVICE)."), QStringLiteral("SVC"))
    , m_format(QStringLiteral("format"), QStringLiteral("text or json."), QStringLiteral("FMT"), QStringLiteral("text"))
    , m_window(QStringLiteral("window"), QStringLiteral("Analysis window in hours (default 6)."), QStringLiteral("H"), QStringLiteral("6"))
    , m_timeout(QStringLiteral("timeout"), QStringLiteral("Give up after this many seconds (default 60)."), QStringLiteral("S"), QStringLiteral("60"))
    , m_nowMs(QStringLiteral("now-ms"), QStringLiteral("Investigate as of this time (unix ms) instead of now, e.g. to reproduce a report."), QStringLiteral("MS"))
{
    parser.addOptions({ m_sandbox, m_seed, m_kubeconfig, m_context, m_prometheus, m_prometheusCa, m_prometheusTokenFile,
        m_prometheusInsecure, m_namespace, m_service, m_format, m_window, m_timeout, m_nowMs });
}

QString ClusterOptions::format() const { return m_parser.value(m_format); }

int ClusterOptions::timeoutSeconds() const { return std::max(1, m_parser.value(m_timeout).toInt()); }

bool ClusterOptions::validate() const
{
    const QString fmt = format();
    if (fmt != QLatin1String("text") && fmt != QLatin1String("json")) {
        printError(QStringLiteral("unknown format '%1'").arg(fmt), QStringLiteral("use --format text or --format json"));
        return false;
    }
    if (!m_parser.isSet(m_service)) {
        printError(QStringLiteral("--service is required"), QStringLiteral("e.g. --sandbox --namespace production --service checkout"));
        return false;
    }
    if (!m_parser.isSet(m_sandbox) && !m_parser.isSet(m_prometheus)) {
        printError(QStringLiteral("--prometheus URL is required for a real cluster"), QStringLiteral("or use --sandbox to try the built-in cluster"));
        return false;
    }
    if (m_parser.isSet(m_prometheusCa) && m_parser.isSet(m_prometheusInsecure)) {
        printError(QStringLiteral("--prometheus-ca and --prometheus-insecure-skip-tls-verify exclude each other"),
            QStringLiteral("verify with the CA, or (for a test server only) skip verification"));
        return false;
    }
    if (m_parser.isSet(m_sandbox)
        && (m_parser.isSet(m_prometheusCa) || m_parser.isSet(m_prometheusTokenFile) || m_parser.isSet(m_prometheusInsecure))) {
        printError(QStringLiteral("--prometheus-ca, --prometheus-token-file and --prometheus-insecure-skip-tls-verify "
                                  "are for a real Prometheus, not --sandbox"));
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

investigation::ConnectionOptions ClusterOptions::connectionOptions() const
{
    investigation::ConnectionOptions o;
    o.sandbox = m_parser.isSet(m_sandbox);
    o.sandboxSeed = m_parser.value(m_seed).toULongLong();
    o.kubeconfig = m_parser.value(m_kubeconfig);
    o.context = m_parser.value(m_context);
    o.prometheusUrl = QUrl(m_parser.value(m_prometheus));
    o.prometheusCaFile = m_parser.value(m_prometheusCa);
    o.prometheusTokenFile = m_parser.value(m_prometheusTokenFile);
    o.prometheusInsecureSkipTlsVerify = m_parser.isSet(m_prometheusInsecure);
    return o;
}

investigation::InvestigationRequest ClusterOptions::request(const investigation::ClusterConnection& connection) const
{
    investigation::InvestigationRequest r;
    r.ns = (m_parser.isSet(m_namespace) ? m_parser.value(m_namespace) : connection.defaultNamespace()).toStdString();
    r.service = m_parser.value(m_service).toStdString();
    r.nowMs = m_parser.isSet(m_nowMs) ? m_parser.value(m_nowMs).toLongLong() : QDateTime::currentMSecsSinceEpoch();
    r.windowMs = static_cast<std::int64_t>(m_parser.value(m_window).toDouble() * 3600 * 1000);
    return r;
}

int runInvestigation(const ClusterOptions& options, const std::function<int(const investigation::Findings&)>& onFindings)
{
    auto connection = investigation::ClusterConnection::open(options.connectionOptions());
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
    if (const prom::PromClient& prom = (*connection)->prometheus(); prom.usesTls() && !prom.tlsVerified()) {
        printError(QStringLiteral("warning: Prometheus's certificate is not verified (--prometheus-insecure-skip-tls-verify)"),
            QStringLiteral("anyone on the path to %1 could read and change the metrics this investigation uses; "
                           "pass --prometheus-ca instead")
                .arg(prom.connection().baseUrl.toString()));
    }
    int exitCode = 1;
    investigation::Investigation job(**connection);
    QObject::connect(&job, &investigation::Investigation::finished, [&](std::shared_ptr<const investigation::Findings> f) {
        exitCode = onFindings(*f);
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
    job.start(options.request(**connection));
    QCoreApplication::exec();
    return exitCode;
}

} // namespace leakdesk::cli
