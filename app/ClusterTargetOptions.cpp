#include "ClusterTargetOptions.h"

#include "SandboxSession.h"

#include "core/sandbox/SandboxHost.h"

namespace leakdesk::app {

QString UsageProblem::text() const
{
    return hint.isEmpty() ? message : message + QStringLiteral(" (") + hint + QLatin1Char(')');
}

ClusterTargetOptions::ClusterTargetOptions(QCommandLineParser& parser, Uses uses)
    : m_parser(parser)
    , m_uses(uses)
    , m_sandbox(QStringLiteral("sandbox"), QStringLiteral("Use the built-in simulated cluster (in this process)."))
    , m_seed(QStringLiteral("seed"), QStringLiteral("Sandbox seed."), QStringLiteral("N"), QStringLiteral("42"))
    , m_kubeconfig(QStringLiteral("kubeconfig"),
          QStringLiteral("kubeconfig file (default: KUBECONFIG or ~/.kube/config)."), QStringLiteral("FILE"))
    , m_context(QStringLiteral("context"), QStringLiteral("kubeconfig context (default: current-context)."),
          QStringLiteral("NAME"))
    , m_namespace({ QStringLiteral("n"), QStringLiteral("namespace") },
          QStringLiteral("Namespace (default: the context's)."), QStringLiteral("NS"))
    , m_prometheus(QStringLiteral("prometheus"), QStringLiteral("Prometheus base URL, e.g. http://127.0.0.1:9090."),
          QStringLiteral("URL"))
    , m_prometheusCa(QStringLiteral("prometheus-ca"),
          QStringLiteral(
              "PEM file of the CA that signed an https Prometheus's certificate (default: the system's CAs)."),
          QStringLiteral("FILE"))
    , m_prometheusTokenFile(QStringLiteral("prometheus-token-file"),
          QStringLiteral("File holding a bearer token for Prometheus (managed Prometheus, an authenticating proxy)."),
          QStringLiteral("FILE"))
    , m_prometheusInsecure(QStringLiteral("prometheus-insecure-skip-tls-verify"),
          QStringLiteral("Do not verify Prometheus's certificate (unsafe; for test servers)."))
    , m_scenario(QStringLiteral("scenario"),
          QStringLiteral("Also load this file's Kubernetes manifests into the sandbox; their sim.leakdesk.io "
                         "annotations say how the containers use memory (repeatable)."),
          QStringLiteral("FILE"))
    , m_metric(QStringLiteral("metric"),
          QStringLiteral("Use this metric or label name instead of the probed one (repeatable), e.g. "
                         "memory_working_set=NAME, pod_label=pod_name, memory_limit=NAME, jvm_heap_used=NAME, "
                         "jvm_area_label=NAME, request_rate=NAME."),
          QStringLiteral("KIND=NAME"))
    , m_metricsNaming(QStringLiteral("metrics-naming"),
          QStringLiteral("The sandbox's metric names: current, legacy, otel or jmx-exporter."),
          QStringLiteral("DIALECT"))
{
    parser.addOptions({ m_sandbox, m_seed, m_kubeconfig, m_context, m_namespace, m_scenario });
    if (m_uses.prometheus)
        parser.addOptions(
            { m_prometheus, m_prometheusCa, m_prometheusTokenFile, m_prometheusInsecure, m_metric, m_metricsNaming });
}

Result<std::map<std::string, std::string>> ClusterTargetOptions::metricOverrides() const
{
    std::map<std::string, std::string> out;
    if (!m_uses.prometheus)
        return out;
    for (const QString& given : m_parser.values(m_metric)) {
        const qsizetype eq = given.indexOf(QLatin1Char('='));
        if (eq <= 0)
            return makeError(ErrorCode::Config, "invalid --metric '" + given.toStdString() + "'",
                "give KIND=NAME, e.g. --metric pod_label=pod_name");
        out[given.left(eq).toStdString()] = given.mid(eq + 1).toStdString();
    }
    if (auto checked = prometheus::applyMetricOverrides({}, out); !checked)
        return checked.error();
    return out;
}

bool ClusterTargetOptions::sandbox() const
{
    if (m_parser.isSet(m_sandbox))
        return true;
    return m_uses.sandboxWhenNoCluster && !m_parser.isSet(m_kubeconfig)
        && !(m_uses.prometheus && m_parser.isSet(m_prometheus));
}

quint64 ClusterTargetOptions::seed() const
{
    return m_parser.value(m_seed).toULongLong();
}

bool ClusterTargetOptions::namespaceGiven() const
{
    return m_parser.isSet(m_namespace);
}

QString ClusterTargetOptions::namespaceName() const
{
    return m_parser.value(m_namespace);
}

std::optional<UsageProblem> ClusterTargetOptions::validate() const
{
    if (m_parser.isSet(m_sandbox) && (m_parser.isSet(m_kubeconfig) || m_parser.isSet(m_context)))
        return UsageProblem { QStringLiteral("--sandbox and --kubeconfig/--context exclude each other"), {} };
    if (m_parser.isSet(m_scenario) && !sandbox())
        return UsageProblem { QStringLiteral("--scenario is for the sandbox"),
            QStringLiteral("add --sandbox, or point --kubeconfig at a cluster that runs the manifests") };
    bool ok = false;
    (void)m_parser.value(m_seed).toULongLong(&ok);
    if (!ok)
        return UsageProblem { QStringLiteral("invalid --seed '%1'").arg(m_parser.value(m_seed)), {} };
    if (!m_uses.prometheus)
        return std::nullopt;
    if (auto overrides = metricOverrides(); !overrides)
        return UsageProblem { QString::fromStdString(overrides.error().message),
            QString::fromStdString(overrides.error().detail) };
    if (m_parser.isSet(m_metricsNaming) && !sandbox())
        return UsageProblem { QStringLiteral("--metrics-naming is for the sandbox"),
            QStringLiteral("a real Prometheus's names are probed; override them with --metric KIND=NAME") };
    if (m_parser.isSet(m_metricsNaming)
        && !prometheus::metricsDialectFromName(m_parser.value(m_metricsNaming).toStdString()))
        return UsageProblem { QStringLiteral("invalid --metrics-naming '%1'").arg(m_parser.value(m_metricsNaming)),
            QStringLiteral("use current, legacy, otel or jmx-exporter") };
    if (!sandbox() && !m_parser.isSet(m_prometheus))
        return UsageProblem { QStringLiteral("--prometheus URL is required for a real cluster"),
            QStringLiteral("or use --sandbox to try the built-in cluster") };
    if (m_parser.isSet(m_prometheusCa) && m_parser.isSet(m_prometheusInsecure))
        return UsageProblem { QStringLiteral(
                                  "--prometheus-ca and --prometheus-insecure-skip-tls-verify exclude each other"),
            QStringLiteral("verify with the CA, or (for a test server only) skip verification") };
    if (sandbox()
        && (m_parser.isSet(m_prometheusCa) || m_parser.isSet(m_prometheusTokenFile)
            || m_parser.isSet(m_prometheusInsecure)))
        return UsageProblem { QStringLiteral(
                                  "--prometheus-ca, --prometheus-token-file and --prometheus-insecure-skip-tls-verify "
                                  "are for a real Prometheus, not --sandbox"),
            {} };
    return std::nullopt;
}

investigation::ConnectionOptions ClusterTargetOptions::givenOptions() const
{
    investigation::ConnectionOptions o;
    o.kubeconfig = m_parser.value(m_kubeconfig);
    o.context = m_parser.value(m_context);
    if (m_uses.prometheus) {
        o.prometheusUrl = QUrl(m_parser.value(m_prometheus));
        o.prometheusCaFile = m_parser.value(m_prometheusCa);
        o.prometheusTokenFile = m_parser.value(m_prometheusTokenFile);
        o.prometheusInsecureSkipTlsVerify = m_parser.isSet(m_prometheusInsecure);
        o.metricOverrides = metricOverrides().value(); // validate() has checked them
    }
    return o;
}

Result<investigation::ConnectionOptions> ClusterTargetOptions::resolve(SandboxSession& session) const
{
    return resolve(session, sandbox::SandboxOptions {});
}

Result<investigation::ConnectionOptions> ClusterTargetOptions::resolve(
    SandboxSession& session, const sandbox::SandboxOptions& sandboxOptions) const
{
    if (!sandbox())
        return givenOptions();
    sandbox::SandboxOptions so = sandboxOptions;
    so.seed = seed();
    so.scenarioFiles += m_parser.values(m_scenario);
    if (m_uses.prometheus && m_parser.isSet(m_metricsNaming))
        so.metricsNaming = *prometheus::metricsDialectFromName(m_parser.value(m_metricsNaming).toStdString());
    if (auto st = session.start(so); !st)
        return st.error();
    investigation::ConnectionOptions o = session.connectionOptions();
    o.metricOverrides = metricOverrides().value(); // validate() has checked them
    return o;
}

} // namespace leakdesk::app
